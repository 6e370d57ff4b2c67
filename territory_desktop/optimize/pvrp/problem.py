"""The periodic VRP's problem, parameters and result types, route evaluation and patterns."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

Pattern = tuple[tuple[int, ...], ...]


class PVRPError(ValueError):
    """The problem description is inconsistent (bad indices, no pattern, ...)."""


@dataclass(frozen=True)
class Customer:
    """A customer (account) to visit on one of its allowed patterns.

    Parameters
    ----------
    location
        Row/column of the travel matrix.
    service
        Time spent at each visit, in travel-matrix units.
    demand
        Load of each visit (CGL instances); 0 for rotations.
    combinations
        Allowed day sets as bitmasks (bit d = day d).  Ignored when ``patterns`` is given.
    patterns
        Allowed patterns: each a tuple of day blocks, one visit in each block.
    time_window
        ``(earliest, latest)`` start of service, same clock as ``Day.window``.
    pinned_days
        Days on which this customer must be visited (pins never move).
    name
        Identifier reported back in results.
    """

    location: int
    service: float = 0.0
    demand: float = 0.0
    combinations: tuple[int, ...] = ()
    patterns: tuple[Pattern, ...] = ()
    time_window: tuple[float, float] | None = None
    pinned_days: tuple[int, ...] = ()
    name: str = ""


@dataclass(frozen=True)
class Day:
    """One day of the horizon: its vehicles and their limits."""

    vehicles: int = 1
    capacity: float = math.inf
    max_duration: float = math.inf
    start: int = 0
    end: int = 0
    window: tuple[float, float] | None = None


@dataclass(frozen=True)
class PVRPProblem:
    """A periodic VRP: days, customers and an (asymmetric) travel matrix."""

    days: tuple[Day, ...]
    customers: tuple[Customer, ...]
    travel: np.ndarray

    def __post_init__(self) -> None:
        """Store the travel matrix as floats and reject inconsistent sizes and indices."""
        travel = np.asarray(self.travel, dtype=float)
        object.__setattr__(self, "travel", travel)
        n = travel.shape[0]
        if travel.ndim != 2 or travel.shape[1] != n:
            raise PVRPError("travel matrix must be square")
        for d in self.days:
            if not (0 <= d.start < n and 0 <= d.end < n):
                raise PVRPError("day start/end outside the travel matrix")
        for c in self.customers:
            if not 0 <= c.location < n:
                raise PVRPError(f"customer {c.name or c.location} outside the travel matrix")


@dataclass(frozen=True)
class SolveParams:
    """Search effort and randomness.

    ``time_limit`` is in seconds.  ``iterations`` (PyVRP iterations over the whole search) makes
    the run deterministic for a seed; the time limit still applies as a safety cut-off.
    ``final_share`` of an iteration budget is kept for a last solver run on the best patterns
    and ``neighbours`` sets the solver's granular neighbourhood; ``None`` means automatic: 0.2
    and 30 for time-only problems (rotations), otherwise 0 and PyVRP's default.
    ``balance`` prices long days: each unit of time a day runs over a target costs ``balance``
    units of travel (0 minimises travel alone).  The target is the mean day (over the days that
    can hold a visit) plus ``balance_slack`` of the way from it to the day limit: slack 0 evens
    the days, slack 1 only prices days beyond the limit.
    When no pattern change improves, the search takes ``tabu_moves`` tabu steps before the next
    solver run; ``group_size`` > 0 first tries moving a customer together with up to that many
    nearest customers on the same pattern to another pattern.  Each pattern step is followed by
    a solver run of ``slice_iterations``: short runs give more pattern steps for the budget
    (60 measured better than 300 on the 5-day CGL instances).  After ``restart_after`` solver
    runs without a new best the search goes back to the best.
    """

    time_limit: float = 10.0
    seed: int = 0
    iterations: int | None = None
    initial_share: float = 0.2
    slice_iterations: int = 60
    slice_seconds: float | None = None
    perturb_size: int = 4
    restart_after: int = 40
    overload_penalty: float = 0.3
    construct_strictness: float = 1e4
    final_share: float | None = None
    neighbours: int | None = None
    balance: float = 0.0
    balance_slack: float = 0.0
    tabu_moves: int = 1
    group_size: int = 0


@dataclass(frozen=True)
class PlannedRoute:
    """One vehicle's route on one day; ``customers`` are indices into ``problem.customers``."""

    day: int
    vehicle: int
    customers: tuple[int, ...]
    drive: float
    duration: float
    load: float


@dataclass(frozen=True)
class Unplaced:
    """A visit (or a whole customer when ``day`` is None) that could not be scheduled."""

    customer: int
    reason: str
    missing_visits: int = 1


@dataclass
class PVRPResult:
    """The schedule found: routes per day, cost (total travel), unplaced visits."""

    routes: list[PlannedRoute]
    cost: float
    feasible: bool
    patterns: list[Pattern | None]
    unplaced: list[Unplaced] = field(default_factory=list)
    compliance: list[float] = field(default_factory=list)
    runtime: float = 0.0
    iterations: int = 0

    def routes_on(self, day: int) -> list[PlannedRoute]:
        """Routes of one day, by vehicle."""
        return [r for r in self.routes if r.day == day]


@dataclass(frozen=True)
class RouteEvaluation:
    """Totals of one route in a given stop order (for hand edits)."""

    drive: float
    service: float
    waiting: float
    start: float
    end: float
    duration: float
    load: float
    late_customers: tuple[int, ...]
    lateness: float
    over_duration: float
    over_capacity: float

    @property
    def feasible(self) -> bool:
        """No late customer, and within the duration and capacity limits."""
        return not self.late_customers and self.over_duration <= 1e-9 and self.over_capacity <= 1e-9


def evaluate_route(problem: PVRPProblem, day: int, customers: Sequence[int]) -> RouteEvaluation:
    """Evaluate a route of ``day`` visiting ``customers`` in this order.

    Waits for time windows and reports drive time, visit time, waiting, day start and end, late
    arrivals and excess duration/capacity.  The rep leaves at the day window's opening (or 0),
    or later when that only shortens waiting further on: the day is as short as the windows
    allow, as the solver counts it.
    """
    d = problem.days[day]
    t = problem.travel
    clock = d.window[0] if d.window else 0.0
    start = clock
    prev = d.start
    drive = service = waiting = load = lateness = 0.0
    late: list[int] = []
    delay = math.inf  # how much later the rep could leave without being later anywhere
    for ci in customers:
        c = problem.customers[ci]
        leg = t[prev, c.location]
        drive += leg
        clock += leg
        if c.time_window is not None:
            early, late_at = c.time_window
            if clock < early:
                waiting += early - clock
                clock = early
            if clock > late_at + 1e-9:
                late.append(ci)
                lateness += clock - late_at
            delay = min(delay, waiting + late_at - clock)
        clock += c.service
        service += c.service
        load += c.demand
        prev = c.location
    shift = max(0.0, min(waiting, delay))
    start += shift
    waiting -= shift
    leg = t[prev, d.end]
    drive += leg
    clock += leg
    duration = clock - start
    over_duration = max(0.0, duration - d.max_duration)
    if d.window is not None and clock > d.window[1]:
        over_duration = max(over_duration, clock - d.window[1])
    return RouteEvaluation(
        drive=float(drive),
        service=float(service),
        waiting=float(waiting),
        start=float(start),
        end=float(clock),
        duration=float(duration),
        load=float(load),
        late_customers=tuple(late),
        lateness=float(lateness),
        over_duration=float(over_duration),
        over_capacity=float(max(0.0, load - d.capacity)),
    )


# --------------------------------------------------------------------------- patterns


def _bitmask_days(mask: int, num_days: int) -> tuple[int, ...]:
    return tuple(d for d in range(num_days) if mask >> d & 1)


def customer_patterns(problem: PVRPProblem, index: int) -> list[Pattern]:
    """Return the allowed patterns of a customer after pins are applied (may be empty)."""
    c = problem.customers[index]
    t = len(problem.days)
    if c.patterns:
        pats = [tuple(tuple(sorted(b)) for b in p) for p in c.patterns]
    elif c.combinations:
        masks = [m for m in c.combinations if m]
        if masks and all(bin(m).count("1") == 1 for m in masks):
            union = 0
            for m in masks:
                union |= m
            pats = [(_bitmask_days(union, t),)]
        else:
            pats = [tuple((d,) for d in _bitmask_days(m, t)) for m in masks]
    else:
        raise PVRPError(f"customer {c.name or index} has no allowed combination")
    # A pattern with an empty block cannot be served in full: it is not allowed (never a
    # silently dropped visit).
    pats = [p for p in pats if p and all(b for b in p) and all(0 <= d < t for b in p for d in b)]
    for pin in c.pinned_days:
        kept: list[Pattern] = []
        for p in pats:
            hit = [k for k, b in enumerate(p) if pin in b]
            if hit:
                k = hit[0]
                kept.append((*p[:k], (pin,), *p[k + 1 :]))
        pats = kept
    # Dedupe, keeping order (determinism).
    seen: set[Pattern] = set()
    out: list[Pattern] = []
    for p in pats:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out
