"""Periodic vehicle routing core shared by the call-rotation scheduler and the PVRP benchmark.

The engine chooses, for every customer, one visit pattern out of its allowed ones and routes every
day.  A *pattern* is a product of day blocks: one visit in each block, any day of the block.  A
CGL combination "days 2 and 4" is the pattern ``((1,), (3,))``; a weekly rotation visit whose
weekday may float within each week is one pattern ``(week1_days, week2_days, ...)``.

Algorithm (a decomposition, measured on the CGL benchmark):

1. The days are stacked into one vehicle routing instance solved by PyVRP's iterated local search:
   each day has its own depot copy and vehicle type, and travel between different days is
   forbidden by a prohibitive arc cost.  A visit whose block has several days becomes a
   mutually exclusive client group over its copies, so the solver itself moves such visits
   between days while it optimises the routes.
2. For customers with several patterns an outer local search changes patterns: remove the
   customer's visits, re-insert each of its alternative patterns with cheapest insertion into the
   current routes, apply improving moves, then re-optimise with PyVRP warm-started from the edited
   solution.  Except on time-only problems, a customer just moved by a tabu step is left alone
   by the descents for a few steps (otherwise the next descent undoes it and the search
   cycles).  When no move improves, a few related customers get a random pattern
   (perturbation); the best solution is kept.
   Each step is followed by a short solver run (``slice_iterations``, 60 by default): more
   pattern steps for the same budget measured better than longer runs.
3. Time-only problems (rotations: no loads, one vehicle a day from one depot) start from day
   clusters instead of plain insertion: every day gets a centre, each customer takes the pattern
   whose visits land nearest to the centres of their days with the work spread evenly, and the
   centres move to the medoids of their days (a few Lloyd rounds).  With an iteration budget, the
   last ``final_share`` of it re-solves the best patterns in one longer solver run.

Everything is seeded.  With ``SolveParams.iterations`` set, the work is counted in solver
iterations and the result is identical for a seed; with only a time limit it depends on speed.
"""

from territory_desktop.optimize.pvrp.problem import (
    Customer,
    Day,
    PlannedRoute,
    PVRPError,
    PVRPProblem,
    PVRPResult,
    RouteEvaluation,
    SolveParams,
    Unplaced,
    customer_patterns,
    evaluate_route,
)
from territory_desktop.optimize.pvrp.solve import solve_pvrp

__all__ = [
    "Customer",
    "Day",
    "PVRPError",
    "PVRPProblem",
    "PVRPResult",
    "PlannedRoute",
    "RouteEvaluation",
    "SolveParams",
    "Unplaced",
    "customer_patterns",
    "evaluate_route",
    "solve_pvrp",
]
