"""The stacked PyVRP instance: one layer per day, its encoding and the solver call."""

from __future__ import annotations

import itertools
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from territory_desktop.optimize.pvrp.problem import (
    PVRPProblem,
    SolveParams,
    customer_patterns,
    evaluate_route,
)

if TYPE_CHECKING:
    from pyvrp import ProblemData, Result, Solution
    from pyvrp.stop import StoppingCriterion

Visit = tuple[int, int]  # (customer, block index within its pattern)
DayRoutes = list[list[Visit]]
Routes = list[DayRoutes]  # routes[day]: that day's routes; a day's list is never edited in place

#: A route's (arc tails, arc heads, arc travel, load, duration): see ``search._route_info``.
RouteInfo = tuple[np.ndarray, np.ndarray, np.ndarray, float, float]
#: A day's insertion table: see ``search._day_table``.
DayTable = tuple[
    np.ndarray,
    np.ndarray,
    np.ndarray | None,
    tuple[np.ndarray, np.ndarray, np.ndarray],
    dict[int, list[int]],
]

DEBUG = bool(os.environ.get("TD_PVRP_DEBUG"))
_SCALE = 1000.0  # PyVRP is integer: thousandths of the travel unit
_COST_UNIT = 10  # PyVRP cost of one scaled travel unit: room for fractional balance weights


# --------------------------------------------------------------------------- stacked instance


@dataclass
class Stack:
    """PyVRP data for one pattern choice, and how to map its clients back."""

    data: ProblemData
    neighbour_data: ProblemData  # same clients, one profile: proximity for the granular search
    copy_customer: np.ndarray  # client index -> customer index
    copy_block: np.ndarray  # client index -> block index within the pattern
    index: dict[tuple[int, int], int]  # (customer, block) -> client index
    merged: bool  # all days merged into one layer (symmetric instance)
    vehicle_day: list[int]  # vehicle type -> day (or -1 when merged)


class Engine:
    """The solver state for one problem: patterns, scaled matrices, penalties and caches."""

    def __init__(
        self,
        problem: PVRPProblem,
        params: SolveParams,
        progress: Callable[[float, str], None],
        should_stop: Callable[[], bool],
    ) -> None:
        self.p = problem
        self.params = params
        self.progress = progress
        self.should_stop = should_stop
        self.t = len(problem.days)
        self.rng = np.random.default_rng(params.seed)
        self.travel = problem.travel
        self.tint_dist = np.rint(problem.travel * _SCALE).astype(np.int64)
        self.tint_dur = np.ceil(problem.travel * _SCALE - 1e-6).astype(np.int64)
        self.patterns = [customer_patterns(problem, i) for i in range(len(problem.customers))]
        self.active = [i for i, ps in enumerate(self.patterns) if ps]
        self.big = int(max(1, int(self.tint_dist.max())) * (len(problem.customers) + 10) * 4)
        self.big = min(self.big, 10**12)
        self.optional = False
        self.iterations_used = 0
        self.started = time.perf_counter()
        self.phase = "building an initial schedule"
        self._merge_ok = self._symmetric()
        mean_travel = float(problem.travel.mean()) if problem.travel.size else 1.0
        demands = [c.demand for c in problem.customers if c.demand > 0]
        mean_demand = float(np.mean(demands)) if demands else 1.0
        self.pen_load = params.overload_penalty * mean_travel / mean_demand
        self.pen_dur = params.overload_penalty
        self.time_only = self._clusterable()
        customers = problem.customers
        self.location = np.array([c.location for c in customers], dtype=np.int64)
        self.demand = np.array([c.demand for c in customers], dtype=float)
        self.service = np.array([c.service for c in customers], dtype=float)
        self.pattern_days = [[sorted({d for b in pat for d in b}) for pat in pats]
                             for pats in self.patterns]
        self.block_arrays = [[[np.array(b, dtype=np.int64) for b in pat] for pat in pats]
                             for pats in self.patterns]
        # Caches of the insertion estimates (see search.py); clear both when penalties change.
        self.info_cache: dict[tuple[int, tuple[tuple[int, int], ...]], RouteInfo] = {}
        self.tables: dict[int, tuple[object, DayTable]] = {}
        self.balance = max(0.0, params.balance)  # cost of time over the target day (0: off)
        self.slack = min(1.0, max(0.0, params.balance_slack))
        self.target: float | None = None  # the target day of the current solution
        self.balance_days = sorted({d for i in self.active for days in self.pattern_days[i]
                                    for d in days})
        self.neighbours = params.neighbours
        if self.neighbours is None and self.time_only:
            self.neighbours = 30  # rotations: faster solver iterations, measured no worse

    def _clusterable(self) -> bool:
        """Time-only problems (rotations): no loads, one vehicle a day, every day from one depot."""
        days = self.p.days
        return (
            len(self.active) > 1
            and all(d.vehicles == 1 and d.start == days[0].start and d.end == days[0].end
                    for d in days)
            and not any(self.p.customers[i].demand > 0 for i in self.active)
        )

    # -- structure
    def _symmetric(self) -> bool:
        days = self.p.days
        if any(d != days[0] for d in days):
            return False
        full = tuple(range(self.t))
        return all(self.patterns[i] == [(full,)] for i in self.active)

    def build(self, choice: dict[int, int]) -> Stack:
        """Build the stacked PyVRP instance of one pattern choice (customer -> pattern)."""
        from pyvrp import Client, Depot, Location, ProblemData, VehicleType

        p = self.p
        merged = self._merge_ok
        layers = [0] if merged else list(range(self.t))
        # Depot copies: start and end per layer.
        dep_loc: list[int] = []
        dep_layer: list[int] = []
        depot_index: dict[tuple[int, str], int] = {}
        for layer in layers:
            d = p.days[layer]
            depot_index[(layer, "s")] = len(dep_loc)
            dep_loc.append(d.start)
            dep_layer.append(layer)
            if d.end != d.start:
                depot_index[(layer, "e")] = len(dep_loc)
                dep_loc.append(d.end)
                dep_layer.append(layer)
            else:
                depot_index[(layer, "e")] = depot_index[(layer, "s")]
        nd = len(dep_loc)
        # One client per visit (customer, block); it may go on any day of its block.
        cust: list[int] = []
        cblock: list[int] = []
        index: dict[tuple[int, int], int] = {}
        allowed_rows: list[np.ndarray] = []
        nl = len(layers)
        for i in self.active:
            pat = self.patterns[i][choice[i]]
            for k, block in enumerate(pat):
                index[(i, k)] = len(cust)
                cust.append(i)
                cblock.append(k)
                row = np.zeros(nl, dtype=bool)
                if merged:
                    row[0] = True
                else:
                    row[list(block)] = True
                allowed_rows.append(row)
        allowed = np.zeros((nd + len(cust), nl), dtype=bool)
        for j, layer in enumerate(dep_layer):
            allowed[j, layers.index(layer)] = True
        if cust:
            allowed[nd:] = np.array(allowed_rows)
        loc = np.array(dep_loc + [p.customers[i].location for i in cust], dtype=np.int64)
        base_dist = self.tint_dist[np.ix_(loc, loc)]
        base_dur = self.tint_dur[np.ix_(loc, loc)]
        dists, durs = [], []
        for li in range(nl):
            off = ~allowed[:, li]
            dist = base_dist.copy()
            dur = base_dur.copy()
            dist[off, :] = self.big
            dist[:, off] = self.big
            dur[off, :] = self.big
            dur[:, off] = self.big
            np.fill_diagonal(dist, 0)
            np.fill_diagonal(dur, 0)
            dists.append(dist)
            durs.append(dur)
        # Neighbourhood proximity: real travel, but never between visits sharing no day.
        share = (allowed.astype(np.int64) @ allowed.T.astype(np.int64)) > 0
        ndist = np.where(share, base_dist, self.big)
        ndur = np.where(share, base_dur, self.big)
        np.fill_diagonal(ndist, 0)
        np.fill_diagonal(ndur, 0)
        locations = [Location(0.0, 0.0) for _ in range(len(loc))]
        depots = []
        for j, layer in enumerate(dep_layer):
            w = p.days[layer].window
            if w is not None:
                depots.append(
                    Depot(location=j, tw_early=_iscale(w[0], "floor"),
                          tw_late=_iscale(w[1], "floor"))
                )
            else:
                depots.append(Depot(location=j))
        prize = self.big if self.optional else 0
        clients = []
        for k, i in enumerate(cust):
            c = p.customers[i]
            kw: dict[str, Any] = {}  # optional time window, as Client takes it
            if c.time_window is not None:
                kw["tw_early"] = _iscale(c.time_window[0], "ceil")
                kw["tw_late"] = _iscale(c.time_window[1], "floor")
            clients.append(
                Client(
                    location=nd + k,
                    delivery=[_iscale(c.demand, "round")],
                    service_duration=_iscale(c.service, "ceil"),
                    required=not self.optional,
                    prize=prize,
                    **kw,
                )
            )

        balanced = set(self.balance_days)

        def vtypes(with_profiles: bool) -> list[VehicleType]:
            out = []
            for li, layer in enumerate(layers):
                d = p.days[layer]
                num = d.vehicles * (self.t if merged else 1)
                kw: dict[str, Any] = {}  # int or list[int] by key, as VehicleType takes them
                if d.window is not None:
                    kw["tw_early"] = _iscale(d.window[0], "floor")
                    kw["tw_late"] = _iscale(d.window[1], "floor")
                if math.isfinite(d.max_duration):
                    kw["shift_duration"] = _iscale(d.max_duration, "floor")
                if self.balance and self.target is not None and (merged or layer in balanced):
                    # Time over the target day is overtime, priced at ``balance`` per unit.
                    limit = d.max_duration if math.isfinite(d.max_duration) else 10 * self.target
                    nominal = min(self.target, limit)
                    kw["shift_duration"] = _iscale(nominal, "floor")
                    kw["max_overtime"] = _iscale(limit, "floor") - kw["shift_duration"]
                    kw["unit_overtime_cost"] = round(_COST_UNIT * self.balance)
                cap = _iscale(d.capacity, "floor") if math.isfinite(d.capacity) else 10**15
                out.append(
                    VehicleType(
                        num_available=num,
                        unit_distance_cost=_COST_UNIT if self.balance else 1,
                        capacity=[cap],
                        start_depot=depot_index[(layer, "s")],
                        end_depot=depot_index[(layer, "e")],
                        profile=li if with_profiles else 0,
                        # A route through a forbidden (other-day) arc is infeasible, not just
                        # expensive: otherwise an overloaded warm start "repairs" itself that way.
                        max_distance=self.big - 1,
                        **kw,
                    )
                )
            return out

        # pyvrp's stubs spell the matrices ``np.ndarray[int]`` (a shape, not a dtype): no real
        # array matches, so the calls are unchecked there.
        data = ProblemData(locations, clients, depots, vtypes(True),
                           dists, durs)  # type: ignore[arg-type]
        ndata = ProblemData(locations, clients, depots, vtypes(False),
                            [ndist], [ndur])  # type: ignore[list-item]
        return Stack(
            data=data,
            neighbour_data=ndata,
            copy_customer=np.array(cust, dtype=np.int64),
            copy_block=np.array(cblock, dtype=np.int64),
            index=index,
            merged=merged,
            vehicle_day=[-1 if merged else layer for layer in layers],
        )

    # -- solution <-> routes: routes[day] = list of lists of (customer, block)
    def decode(self, stack: Stack, sol: Solution) -> Routes:
        """Read the per-day routes of a PyVRP solution (merged days dealt out round robin)."""
        routes: Routes = [[] for _ in range(self.t)]
        merged_routes: list[list[Visit]] = []
        for r in sol.routes():
            visits = [a.idx for a in r if a.is_client()]
            if not visits:
                continue
            seq = [(int(stack.copy_customer[v]), int(stack.copy_block[v])) for v in visits]
            if stack.merged:
                merged_routes.append(seq)
            else:
                routes[stack.vehicle_day[r.vehicle_type()]].append(seq)
        if stack.merged:
            # Interchangeable days: deal the routes out, longest first, round robin.
            per_day = self.p.days[0].vehicles
            merged_routes.sort(key=lambda s: -self._seq_drive(0, [c for c, _ in s]))
            for k, seq in enumerate(merged_routes):
                routes[min(k // per_day, self.t - 1)].append(seq)
        return routes

    def encode(self, stack: Stack, routes: Routes) -> Solution:
        """Make the PyVRP solution of the per-day routes (the solver's warm start)."""
        from pyvrp import Route, Solution

        out = []
        if stack.merged:
            flat = [seq for day in routes for seq in day]
            for seq in flat:
                out.append(Route(stack.data, [stack.index[(c, k)] for c, k in seq], 0))
        else:
            for day, day_routes in enumerate(routes):
                for seq in day_routes:
                    out.append(
                        Route(stack.data, [stack.index[(c, k)] for c, k in seq], day)
                    )
        return Solution(stack.data, out)

    def _seq_drive(self, day: int, seq: Sequence[int]) -> float:
        d = self.p.days[day]
        locs = [d.start] + [self.p.customers[c].location for c in seq] + [d.end]
        t = self.travel
        return float(sum(t[a, b] for a, b in itertools.pairwise(locs)))

    def day_lengths(self, routes: Routes) -> np.ndarray:
        """Duration of each balanced day (the sum of its routes, waiting included)."""
        return np.array([
            sum(evaluate_route(self.p, day, [c for c, _ in seq]).duration
                for seq in routes[day])
            for day in self.balance_days
        ])

    def cost(self, routes: Routes) -> float:
        """Travel, plus ``balance`` times the time the days run over their mean."""
        drive = sum(
            self._seq_drive(day, [c for c, _ in seq])
            for day in range(self.t)
            for seq in routes[day]
        )
        if not self.balance or not self.balance_days:
            return drive
        lengths = self.day_lengths(routes)
        over = np.maximum(0.0, lengths - self._target_of(lengths))
        return drive + self.balance * float(over.sum())

    def _target_of(self, lengths: np.ndarray) -> float:
        mean = float(lengths.mean())
        limits = [self.p.days[d].max_duration for d in self.balance_days]
        limit = min(limits) if all(math.isfinite(x) for x in limits) else 2 * mean
        return mean + self.slack * max(0.0, limit - mean)

    def set_target(self, routes: Routes) -> None:
        """Take the target day of ``routes`` for the estimates and the solver."""
        if self.balance and self.balance_days:
            self.target = self._target_of(self.day_lengths(routes))
            self.tables.clear()

    # -- progress
    def report(self, running: int = 0) -> None:
        """Report the share of the budget used (iterations, else time) with the phase's text."""
        if self.params.iterations:
            done = (self.iterations_used + running) / self.params.iterations
        else:
            done = (time.perf_counter() - self.started) / max(1e-9, self.params.time_limit)
        self.progress(min(1.0, done), self.phase)

    # -- PyVRP call
    def run_ils(
        self,
        stack: Stack,
        iterations: int,
        seconds: float,
        init: Solution | None = None,
        seed: int = 0,
    ) -> Result:
        """Run PyVRP's search on ``stack`` within the budget, stopping early on cancel."""
        from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

        engine = self

        class _Watch:
            """Stops on cancel and reports progress every 50 solver iterations."""

            def __init__(self) -> None:
                self.n = 0

            def __call__(self, best_cost: float) -> bool:
                self.n += 1
                if self.n % 50:
                    return False
                engine.report(self.n)
                return engine.should_stop()

        crit: list[StoppingCriterion] = [MaxIterations(max(1, iterations)), _Watch()]
        if self.params.iterations is None or seconds < math.inf:
            crit.append(MaxRuntime(max(0.01, seconds)))
        res = _pyvrp_solve(stack, MultipleCriteria(crit), seed, init, self.neighbours)
        self.iterations_used += res.num_iterations
        return res



def _pyvrp_solve(
    stack: Stack,
    stop: StoppingCriterion,
    seed: int,
    init: Solution | None,
    num_neighbours: int | None = None,
) -> Result:
    """PyVRP's ``solve`` with the neighbourhood computed on the proximity data.

    PyVRP would compute neighbours from the first profile, where visits of other days are
    prohibitive; the granular search then never considers them.
    """
    from pyvrp import PenaltyManager, RandomNumberGenerator, Solution
    from pyvrp.IteratedLocalSearch import IteratedLocalSearch
    from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours
    from pyvrp.solve import SolveParams as PyVRPParams

    params = PyVRPParams()
    data = stack.data
    rng = RandomNumberGenerator(seed=seed)
    nb = params.neighbourhood
    if num_neighbours is not None:
        from pyvrp.search import NeighbourhoodParams

        nb = NeighbourhoodParams(num_neighbours=num_neighbours)
    neighbours = compute_neighbours(stack.neighbour_data, nb)
    ls = LocalSearch(data, rng, neighbours, PerturbationManager(params.perturbation))
    for op in params.operators:
        if op.supports(data):
            ls.add_operator(op(data))
    pm = PenaltyManager(params.penalty.midpoint_penalties(data), params.penalty)
    if init is None:
        init = ls(Solution.make_random(data, rng), pm.max_cost_evaluator(), exhaustive=True)
    algo = IteratedLocalSearch(data, pm, ls, init, params.ils)
    return algo.run(stop, False, False)


def _iscale(value: float, how: str) -> int:
    x = value * _SCALE
    if how == "ceil":
        return math.ceil(x - 1e-6)
    if how == "floor":
        return math.floor(x + 1e-6)
    return round(x)
