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
   solution.  When no move improves, a few related customers get a random pattern (perturbation);
   the best solution is kept.
3. Time-only problems (rotations: no loads, one vehicle a day from one depot) start from day
   clusters instead of plain insertion: every day gets a centre, each customer takes the pattern
   whose visits land nearest to the centres of their days with the work spread evenly, and the
   centres move to the medoids of their days (a few Lloyd rounds).  With an iteration budget, the
   last ``final_share`` of it re-solves the best patterns in one longer solver run.

Everything is seeded.  With ``SolveParams.iterations`` set, the work is counted in solver
iterations and the result is identical for a seed; with only a time limit it depends on speed.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from pyvrp import ProblemData

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
    "evaluate_route",
    "solve_pvrp",
]

Pattern = tuple[tuple[int, ...], ...]

_DEBUG = bool(__import__("os").environ.get("TD_PVRP_DEBUG"))
_SCALE = 1000.0  # PyVRP is integer: thousandths of the travel unit
_NO_PROGRESS: Callable[[float, str], None] = lambda fraction, message: None  # noqa: E731
_NEVER_STOP: Callable[[], bool] = lambda: False  # noqa: E731


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
    """

    time_limit: float = 10.0
    seed: int = 0
    iterations: int | None = None
    initial_share: float = 0.2
    slice_iterations: int = 300
    slice_seconds: float | None = None
    perturb_size: int = 4
    restart_after: int = 40
    overload_penalty: float = 0.3
    construct_strictness: float = 1e4
    final_share: float | None = None
    neighbours: int | None = None


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
    stretch_factor: float = 1.0
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
        return not self.late_customers and self.over_duration <= 1e-9 and self.over_capacity <= 1e-9


def evaluate_route(problem: PVRPProblem, day: int, customers: Sequence[int]) -> RouteEvaluation:
    """Evaluate a route of ``day`` visiting ``customers`` in this order.

    Starts at the day window's opening (or 0), waits for time windows, and reports drive time,
    visit time, waiting, day end, late arrivals and excess duration/capacity.
    """
    d = problem.days[day]
    t = problem.travel
    clock = d.window[0] if d.window else 0.0
    start = clock
    prev = d.start
    drive = service = waiting = load = lateness = 0.0
    late: list[int] = []
    for pos, ci in enumerate(customers):
        c = problem.customers[ci]
        leg = t[prev, c.location]
        drive += leg
        clock += leg
        if c.time_window is not None:
            early, late_at = c.time_window
            if clock < early:
                if pos == 0:
                    # Leave later rather than wait at the first stop.
                    start += early - clock
                else:
                    waiting += early - clock
                clock = early
            if clock > late_at + 1e-9:
                late.append(ci)
                lateness += clock - late_at
        clock += c.service
        service += c.service
        load += c.demand
        prev = c.location
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
    """The allowed patterns of a customer after pins are applied (may be empty)."""
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


# --------------------------------------------------------------------------- stacked instance


@dataclass
class _Stack:
    """PyVRP data for one pattern choice, and how to map its clients back."""

    data: ProblemData
    neighbour_data: ProblemData  # same clients, one profile: proximity for the granular search
    copy_customer: np.ndarray  # client index -> customer index
    copy_block: np.ndarray  # client index -> block index within the pattern
    index: dict[tuple[int, int], int]  # (customer, block) -> client index
    merged: bool  # all days merged into one layer (symmetric instance)
    vehicle_day: list[int]  # vehicle type -> day (or -1 when merged)


class _Engine:
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
        self.big = int(max(1, self.tint_dist.max()) * (len(problem.customers) + 10) * 4)
        self.big = min(self.big, 10**12)
        self.optional = False
        self.iterations_used = 0
        self._merge_ok = self._symmetric()
        self.relaxed = {i: self._relax(i) for i in self.active}
        mean_travel = float(problem.travel.mean()) if problem.travel.size else 1.0
        demands = [c.demand for c in problem.customers if c.demand > 0]
        mean_demand = float(np.mean(demands)) if demands else 1.0
        self.pen_load = params.overload_penalty * mean_travel / mean_demand
        self.pen_dur = params.overload_penalty
        self.time_only = _clusterable(self)
        self._info_cache: dict[tuple[int, tuple[tuple[int, int], ...]], tuple] = {}
        self.neighbours = params.neighbours
        if self.neighbours is None and self.time_only:
            self.neighbours = 30  # rotations: faster solver iterations, measured no worse

    # -- structure
    def pattern(self, i: int, j: int) -> Pattern:
        """Pattern j of customer i; j = -1 is the relaxation (block k = union of k-th blocks)."""
        if j >= 0:
            return self.patterns[i][j]
        return self.relaxed[i]

    def _relax(self, i: int) -> Pattern:
        pats = self.patterns[i]
        if len(pats) < 2 or len({len(p) for p in pats}) != 1:
            return pats[0]
        ordered = [sorted(p, key=lambda b: b[0]) for p in pats]
        return tuple(
            tuple(sorted({d for p in ordered for d in p[k]})) for k in range(len(ordered[0]))
        )

    def _symmetric(self) -> bool:
        days = self.p.days
        if any(d != days[0] for d in days):
            return False
        full = tuple(range(self.t))
        return all(self.patterns[i] == [(full,)] for i in self.active)

    def build(self, choice: dict[int, int]) -> _Stack:
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
            pat = self.pattern(i, choice[i])
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
            kw: dict = {}
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

        def vtypes(with_profiles: bool) -> list:
            out = []
            for li, layer in enumerate(layers):
                d = p.days[layer]
                num = d.vehicles * (self.t if merged else 1)
                kw = {}
                if d.window is not None:
                    kw["tw_early"] = _iscale(d.window[0], "floor")
                    kw["tw_late"] = _iscale(d.window[1], "floor")
                if math.isfinite(d.max_duration):
                    kw["shift_duration"] = _iscale(d.max_duration, "floor")
                cap = _iscale(d.capacity, "floor") if math.isfinite(d.capacity) else 10**15
                out.append(
                    VehicleType(
                        num_available=num,
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

        data = ProblemData(locations, clients, depots, vtypes(True), dists, durs)
        ndata = ProblemData(locations, clients, depots, vtypes(False), [ndist], [ndur])
        return _Stack(
            data=data,
            neighbour_data=ndata,
            copy_customer=np.array(cust, dtype=np.int64),
            copy_block=np.array(cblock, dtype=np.int64),
            index=index,
            merged=merged,
            vehicle_day=[-1 if merged else layer for layer in layers],
        )

    # -- solution <-> routes: routes[day] = list of lists of (customer, block)
    def decode(self, stack: _Stack, sol) -> list[list[list[tuple[int, int]]]]:
        routes: list[list[list[tuple[int, int]]]] = [[] for _ in range(self.t)]
        merged_routes = []
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

    def encode(self, stack: _Stack, routes) -> object:
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

    def cost(self, routes) -> float:
        return sum(
            self._seq_drive(day, [c for c, _ in seq])
            for day in range(self.t)
            for seq in routes[day]
        )

    # -- PyVRP call
    def run_ils(self, stack: _Stack, iterations: int, seconds: float, init=None, seed: int = 0):
        from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

        class _Cancel:
            def __init__(self, flag: Callable[[], bool]) -> None:
                self.flag = flag
                self.n = 0

            def __call__(self, best_cost: float) -> bool:
                self.n += 1
                return self.n % 50 == 0 and self.flag()

        crit = [MaxIterations(max(1, iterations)), _Cancel(self.should_stop)]
        if self.params.iterations is None or seconds < math.inf:
            crit.append(MaxRuntime(max(0.01, seconds)))
        res = _pyvrp_solve(stack, MultipleCriteria(crit), seed, init, self.neighbours)
        self.iterations_used += res.num_iterations
        return res

    # -- cheap insertion estimates on decoded routes
    def _removal_gain(self, day: int, seq: list[tuple[int, int]], pos: int) -> float:
        d = self.p.days[day]
        t = self.travel
        cu = self.p.customers
        prev = d.start if pos == 0 else cu[seq[pos - 1][0]].location
        nxt = d.end if pos == len(seq) - 1 else cu[seq[pos + 1][0]].location
        me = cu[seq[pos][0]].location
        return float(t[prev, me] + t[me, nxt] - t[prev, nxt])

    def _route_info(self, day: int, seq: list[tuple[int, int]]):
        """(arc tails, arc heads, arc travel, load, duration) of a route, cached: the pattern
        search asks about the same unchanged routes over and over."""
        key = (day, tuple(seq))
        info = self._info_cache.get(key)
        if info is None:
            d = self.p.days[day]
            cu = self.p.customers
            locs = np.array([d.start] + [cu[x].location for x, _ in seq] + [d.end])
            a, b = locs[:-1], locs[1:]
            legs = self.travel[a, b]
            load = sum(cu[x].demand for x, _ in seq)
            dur = legs.sum() + sum(cu[x].service for x, _ in seq)
            if len(self._info_cache) > 50_000:
                self._info_cache.clear()
            info = self._info_cache[key] = (a, b, legs, load, dur)
        return info

    def _best_insertion(self, day: int, routes_day, ci: int) -> tuple[float, int, int]:
        """(extra travel + overload penalty, route index or -1 for a new route, position).

        Excess load and duration are allowed at a penalty: the solver can usually make room by
        moving floating visits to other days, which a strict test would never discover.
        """
        d = self.p.days[day]
        t = self.travel
        cu = self.p.customers
        c = cu[ci]
        best = (math.inf, -2, 0)
        for ri, seq in enumerate(routes_day):
            a, b, legs, load, dur = self._route_info(day, seq)
            delta = t[a, c.location] + t[c.location, b] - legs
            excess_load = max(0.0, load + c.demand - d.capacity) - max(0.0, load - d.capacity)
            cost = delta + self.pen_load * excess_load
            if math.isfinite(d.max_duration):
                over = np.maximum(0.0, dur + delta + c.service - d.max_duration) - max(
                    0.0, dur - d.max_duration
                )
                cost = cost + self.pen_dur * over
            k = int(np.argmin(cost))
            if cost[k] < best[0]:
                best = (float(cost[k]), ri, k)
        if len(routes_day) < d.vehicles:
            delta = t[d.start, c.location] + t[c.location, d.end] - t[d.start, d.end]
            over = max(0.0, delta + c.service - d.max_duration)
            cost = delta + self.pen_dur * over + self.pen_load * max(0.0, c.demand - d.capacity)
            if cost < best[0]:
                best = (float(cost), -1, 0)
        return best

    def try_pattern_move(
        self, routes, ci: int, choice: dict[int, int], forced: int | None = None,
        include_current: bool = False,
    ):
        """Move customer ci to its best other pattern (or ``forced``).

        Returns (delta, new routes, pattern).
        """
        pats = self.patterns[ci]
        cur = choice[ci]
        # Remove.
        new = [[list(seq) for seq in day] for day in routes]
        gain = 0.0
        for day in range(self.t):
            for seq in new[day]:
                while True:
                    pos = next((k for k, (x, _) in enumerate(seq) if x == ci), None)
                    if pos is None:
                        break
                    gain += self._removal_gain(day, seq, pos)
                    del seq[pos]
            new[day] = [s for s in new[day] if s]
        if forced is not None:
            candidates = [forced]
        else:
            candidates = [j for j in range(len(pats)) if include_current or j != cur]
        best_delta, best_j, best_plan = math.inf, -1, None
        for j in candidates:
            total, plan = 0.0, []
            for k, block in enumerate(pats[j]):
                opts = [(self._best_insertion(day, new[day], ci), day) for day in block]
                (delta, ri, pos), day = min(opts, key=lambda o: (o[0][0], o[1]))
                if not math.isfinite(delta):
                    total = math.inf
                    break
                total += delta
                plan.append((day, ri, pos, k))
            if total < best_delta:
                best_delta, best_j, best_plan = total, j, plan
        if best_plan is None:
            return math.inf, None, -1
        for day, ri, pos, k in best_plan:
            if ri == -1:
                new[day].append([(ci, k)])
            else:
                new[day][ri].insert(pos, (ci, k))
        return best_delta - gain, new, best_j


def _pyvrp_solve(stack: _Stack, stop, seed: int, init, num_neighbours: int | None = None):
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


def _initial_choice(eng: _Engine) -> dict[int, int]:
    """Balance the expected visit load per day: biggest customers first."""
    t = eng.t
    load = np.zeros(t)
    choice: dict[int, int] = {}
    order = sorted(eng.active, key=lambda i: (-len(eng.patterns[i][0]), i))
    for i in eng.active:
        choice[i] = 0
    for i in order:
        pats = eng.patterns[i]
        c = eng.p.customers[i]
        w = c.demand + c.service + 1e-3
        if len(pats) == 1:
            for block in pats[0]:
                for d in block:
                    load[d] += w / len(block)
            continue
        scores = []
        for j, p in enumerate(pats):
            s = 0.0
            for block in p:
                s += min(load[d] for d in block)
            scores.append((s, j))
        j = min(scores)[1]
        choice[i] = j
        for block in pats[j]:
            for d in block:
                load[d] += w / len(block)
    return choice


def solve_pvrp(
    problem: PVRPProblem,
    params: SolveParams | None = None,
    progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> PVRPResult:
    """Choose a pattern per customer and route every day (see the module docstring).

    Customers without any usable pattern are reported in ``unplaced``.  When the rest cannot all
    be served within the limits, the visits become optional with a prohibitive prize, so the best
    partial schedule is returned with the missing visits listed, never silently dropped.
    """
    params = params or SolveParams()
    progress = progress or _NO_PROGRESS
    should_stop = should_stop or _NEVER_STOP
    t0 = time.perf_counter()
    eng = _Engine(problem, params, progress, should_stop)
    unplaced = [
        Unplaced(i, "no allowed day combination (pins, closed days or days off)",
                 missing_visits=_required_visits(problem, i))
        for i, ps in enumerate(eng.patterns)
        if not ps
    ]
    n_cust = len(problem.customers)
    if not eng.active:
        return _finish(eng, [[] for _ in range(eng.t)], {}, unplaced, t0, False)

    deadline = t0 + params.time_limit
    total_iters = params.iterations
    choice = _initial_choice(eng)
    multi = [i for i in eng.active if len(eng.patterns[i]) > 1]
    seed_counter = params.seed * 7919

    def remaining() -> float:
        return max(0.0, deadline - time.perf_counter())

    def iters_left() -> int:
        if total_iters is None:
            return 10**9
        return max(0, total_iters - eng.iterations_used)

    # Phase 1: cheapest-insertion construction, then the solver on the stacked instance.
    progress(0.0, "building an initial schedule")
    if eng.time_only:
        choice, start_routes = _cluster_start(eng)
        for _ in range(5):  # improve the patterns on the cheap estimate before solving
            if not _pattern_descent(eng, start_routes, choice, multi):
                break
    else:
        start_routes = _construct(eng, choice)
    stack = eng.build(choice)
    try:
        init = eng.encode(stack, start_routes)
    except Exception:
        init = None
    share = params.initial_share if multi else 1.0
    first_iters = int(total_iters * share) if total_iters is not None else 10**9
    first_secs = remaining() * share if total_iters is None else remaining()
    res = eng.run_ils(stack, first_iters, first_secs, init=init, seed=params.seed)
    tries = 0
    while not _complete(res) and not should_stop() and tries < 20:
        # Keep the solver going before declaring the territory overloaded.
        if total_iters is None and remaining() < 0.1 * params.time_limit:
            break
        if total_iters is not None and iters_left() < 0.3 * total_iters:
            break
        tries += 1
        retry_secs = max(0.2, remaining() * 0.25) if total_iters is None else remaining()
        res = eng.run_ils(stack, max(1, first_iters // 2), retry_secs,
                          init=res.best, seed=params.seed + tries)
    if not _complete(res):
        eng.optional = True
        stack = eng.build(choice)
        res = eng.run_ils(stack, iters_left() or 1, max(0.5, remaining()), seed=params.seed)
        routes = eng.decode(stack, res.best)
        return _finish(eng, routes, choice, unplaced, t0, True)
    routes = eng.decode(stack, res.best)
    best_routes, best_choice, best_cost = routes, dict(choice), eng.cost(routes)
    progress(share, "initial schedule built")  # costs are internal units: not for users

    final_share = params.final_share
    if final_share is None:
        final_share = 0.2 if eng.time_only else 0.0
    reserve = int(final_share * total_iters) if total_iters is not None and multi else 0
    if multi:
        cur_routes, cur_choice, cur_cost = best_routes, dict(best_choice), best_cost
        tabu: dict[int, int] = {}
        tenure = max(3, int(math.sqrt(len(multi))))
        it = since_best = 0
        while not should_stop():
            if total_iters is not None and iters_left() <= reserve:
                break
            if remaining() <= 0.05:
                break
            it += 1
            if since_best >= params.restart_after:
                cur_routes, cur_choice, cur_cost = best_routes, dict(best_choice), best_cost
                since_best = 0
            work_routes = [[list(s) for s in d] for d in cur_routes]
            work_choice = dict(cur_choice)
            moved = _pattern_descent(eng, work_routes, work_choice, multi)
            if not moved:
                moved = _least_bad_move(eng, work_routes, work_choice, multi, tabu, it)
                for ci in moved:
                    tabu[ci] = it + tenure + int(eng.rng.integers(0, tenure))
            if not moved:
                work_routes = _perturb(eng, work_routes, work_choice, multi, params.perturb_size)
            stack = eng.build(work_choice)
            try:
                init = eng.encode(stack, work_routes)
            except Exception:
                init = None
            seed_counter += 1
            secs = params.slice_seconds or max(0.1, params.time_limit / 300)
            if total_iters is not None:
                secs = remaining()  # iteration budgets only: results independent of CPU load
            res = eng.run_ils(
                stack,
                min(params.slice_iterations, iters_left())
                if total_iters is not None
                else params.slice_iterations,
                min(secs, remaining()),
                init=init,
                seed=seed_counter,
            )
            since_best += 1
            if _complete(res):
                routes = eng.decode(stack, res.best)
                cost = eng.cost(routes)
                if _DEBUG:
                    print(f"moved={len(moved)} est={eng.cost(work_routes):.1f} ils={cost:.1f} "
                          f"cur={cur_cost:.1f} best={best_cost:.1f} it={res.num_iterations}")
                cur_routes, cur_choice, cur_cost = routes, work_choice, cost
                if cost < best_cost - 1e-7:
                    best_routes, best_choice, best_cost = routes, dict(work_choice), cost
                    since_best = 0
            if total_iters is not None:
                frac = min(1.0, eng.iterations_used / max(1, total_iters))
            else:
                frac = min(1.0, (time.perf_counter() - t0) / max(1e-9, params.time_limit))
            progress(frac, "improving the visit days")
    if reserve and iters_left() > 0 and remaining() > 0.05 and not should_stop():
        # Last solver run on the best patterns (the slices above are short).
        stack = eng.build(best_choice)
        res = eng.run_ils(stack, iters_left(), remaining(),
                          init=eng.encode(stack, best_routes), seed=seed_counter + 1)
        if _complete(res):
            routes = eng.decode(stack, res.best)
            if eng.cost(routes) < best_cost - 1e-7:
                best_routes, best_cost = routes, eng.cost(routes)
    del n_cust
    return _finish(eng, best_routes, best_choice, unplaced, t0, False)


def _complete(res) -> bool:
    """Feasible AND serving every required visit (PyVRP's is_feasible ignores missing clients)."""
    return bool(res.is_feasible() and res.best.is_complete())


def _construct(eng: _Engine, choice: dict[int, int]):
    """Insert customers one by one at their cheapest pattern (fewest options and most visits
    first), so the solver starts from a sensible day assignment."""
    routes: list = [[] for _ in range(eng.t)]
    # Strict limits while constructing: start as feasible as cheap insertion allows.
    saved = eng.pen_load, eng.pen_dur
    strict = eng.params.construct_strictness
    eng.pen_load, eng.pen_dur = saved[0] * strict, saved[1] * strict
    order = sorted(
        eng.active,
        key=lambda i: (
            sum(len(b) for b in eng.patterns[i][0]) * len(eng.patterns[i]),
            -len(eng.patterns[i][0]),
            i,
        ),
    )
    for ci in order:
        _delta, new, j = eng.try_pattern_move(routes, ci, choice, include_current=True)
        if new is not None:
            routes = new
            choice[ci] = j
    eng.pen_load, eng.pen_dur = saved
    return routes


def _least_bad_move(eng: _Engine, routes, choice, multi, tabu, it) -> list[int]:
    """Apply the cheapest pattern change of a non-tabu customer (tabu search step)."""
    best = (math.inf, None, -1, -1)
    for ci in multi:
        if tabu.get(ci, 0) > it:
            continue
        delta, new, j = eng.try_pattern_move(routes, ci, choice)
        if new is not None and delta < best[0]:
            best = (delta, new, j, ci)
    if best[1] is None:
        return []
    routes[:] = best[1]
    choice[best[3]] = best[2]
    return [best[3]]


def _pattern_descent(eng: _Engine, routes, choice, multi) -> list[int]:
    moved: list[int] = []
    order = list(multi)
    eng.rng.shuffle(order)
    for _ in range(3):
        any_move = False
        for ci in order:
            delta, new, j = eng.try_pattern_move(routes, ci, choice)
            if new is not None and delta < -1e-7:
                routes[:] = new
                choice[ci] = j
                moved.append(ci)
                any_move = True
        if not any_move:
            break
    return moved


def _perturb(eng: _Engine, routes, choice, multi, size: int):
    seed_c = multi[int(eng.rng.integers(len(multi)))]
    loc = eng.p.customers[seed_c].location
    near = sorted(multi, key=lambda i: (eng.travel[loc, eng.p.customers[i].location], i))
    picked = near[: max(1, min(len(near), int(eng.rng.integers(1, size + 1)) + 1))]
    for ci in picked:
        others = [j for j in range(len(eng.patterns[ci])) if j != choice[ci]]
        if not others:
            continue
        j = others[int(eng.rng.integers(len(others)))]
        _delta, new, jj = eng.try_pattern_move(routes, ci, choice, forced=j)
        if new is not None:
            routes = new
            choice[ci] = jj
    return routes


def _required_visits(problem: PVRPProblem, i: int) -> int:
    c = problem.customers[i]
    if c.patterns:
        return max(len(p) for p in c.patterns)
    if c.combinations:
        return max(bin(m).count("1") for m in c.combinations) if any(
            bin(m).count("1") > 1 for m in c.combinations
        ) else 1
    return 1


def _finish(eng: _Engine, routes, choice, unplaced, t0: float, partial: bool) -> PVRPResult:
    p = eng.p
    planned: list[PlannedRoute] = []
    visits = np.zeros(len(p.customers), dtype=np.int64)
    for day in range(eng.t):
        for v, seq in enumerate(routes[day]):
            custs = tuple(c for c, _ in seq)
            for c in custs:
                visits[c] += 1
            ev = evaluate_route(p, day, custs)
            planned.append(PlannedRoute(day, v, custs, ev.drive, ev.duration, ev.load))
    required = np.array([_required_visits(p, i) for i in range(len(p.customers))])
    for i in eng.active:
        required[i] = len(eng.patterns[i][choice[i]]) if i in choice else required[i]
    unplaced = list(unplaced)
    if partial:
        for i in eng.active:
            missing = int(required[i] - visits[i])
            if missing > 0:
                unplaced.append(Unplaced(i, _overload_reason(eng, i), missing_visits=missing))
    compliance = [
        float(min(1.0, visits[i] / required[i])) if required[i] else 1.0
        for i in range(len(p.customers))
    ]
    missing_total = sum(u.missing_visits for u in unplaced)
    placed_total = int(visits.sum())
    stretch = 1.0
    if missing_total and placed_total:
        stretch = math.ceil((placed_total + missing_total) / placed_total * 20) / 20
    pats: list[Pattern | None] = [
        eng.patterns[i][choice[i]] if i in choice else None for i in range(len(p.customers))
    ]
    if partial:
        # Report the days actually used rather than the intended pattern.
        used: dict[int, list[int]] = {}
        for r in planned:
            for c in r.customers:
                used.setdefault(c, []).append(r.day)
        pats = [tuple((d,) for d in sorted(used[i])) if i in used else None
                for i in range(len(p.customers))]
    return PVRPResult(
        routes=planned,
        cost=float(sum(r.drive for r in planned)),
        feasible=not unplaced and all(
            evaluate_route(p, r.day, r.customers).feasible for r in planned
        ),
        patterns=pats,
        unplaced=unplaced,
        compliance=compliance,
        stretch_factor=stretch,
        runtime=time.perf_counter() - t0,
        iterations=eng.iterations_used,
    )


def _overload_reason(eng: _Engine, i: int) -> str:
    p = eng.p
    days = sorted({d for pat in eng.patterns[i] for b in pat for d in b})
    solo_ok = []
    for d in days:
        ev = evaluate_route(p, d, [i])
        if ev.feasible:
            solo_ok.append(d)
    if not solo_ok:
        return ("cannot be reached and served within the day limit or its time window on any "
                "allowed day")
    return "the allowed days are full: no allowed day combination fits the day length limit"


def _clusterable(eng: _Engine) -> bool:
    """Time-only problems (rotations): no loads, one vehicle a day, every day from one depot."""
    days = eng.p.days
    return (
        len(eng.active) > 1
        and all(d.vehicles == 1 and d.start == days[0].start and d.end == days[0].end
                for d in days)
        and not any(eng.p.customers[i].demand > 0 for i in eng.active)
    )


def _cluster_start(eng: _Engine, rounds: int = 8):
    """Day-cluster start for time-only problems (no loads, one vehicle a day, one depot).

    Lloyd-style: every day gets a centre (an account); each customer, most visits first, takes
    the pattern whose visits land nearest to the centres of their days, with a penalty for days
    over an even share of the work; each centre then moves to the medoid of its day.  Days that
    patterns tie together (the same weekday every week) start from a shared centre, so weekly
    visits settle into consistent weekday areas.  Returns (choice, routes) like ``_construct``.
    """
    p, t = eng.p, eng.t
    act = list(eng.active)
    n = len(act)
    loc = np.array([p.customers[i].location for i in act], dtype=np.int64)
    sub = eng.travel[np.ix_(loc, loc)]
    dist = 0.5 * (sub + sub.T)
    depot = p.days[0].start
    from_depot = 0.5 * (eng.travel[depot, loc] + eng.travel[loc, depot])
    big = dist + np.diag(np.full(n, np.inf))
    near = np.sort(big, axis=1)[:, : min(3, max(1, n - 1))] if n > 1 else np.zeros((n, 1))
    near = np.where(np.isfinite(near), near, 0.0)
    work = np.array([p.customers[i].service for i in act]) + near.mean(axis=1)
    visits = np.array([len(eng.patterns[i][0]) for i in act], dtype=float)
    cap = float((work * visits).sum()) / max(1, t)
    lam = 2.0
    # Days tied by single-day blocks of one pattern share a starting centre.
    parent = list(range(t))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i in act:
        for pat in eng.patterns[i]:
            singles = [b[0] for b in pat if len(b) == 1]
            for a, b in itertools.pairwise(singles):
                parent[find(a)] = find(b)
    groups = sorted({find(d) for d in range(t)})
    # Farthest-point seeds, one per group.
    seeds: list[int] = [int(np.argmax(from_depot))]
    mind = dist[seeds[0]].copy()
    while len(seeds) < len(groups):
        k = int(np.argmax(mind))
        seeds.append(k)
        mind = np.minimum(mind, dist[k])
    centre = np.array([seeds[groups.index(find(d))] for d in range(t)], dtype=np.int64)
    order = sorted(range(n), key=lambda k: (-visits[k], len(eng.patterns[act[k]]),
                                            -from_depot[k], act[k]))
    choice: dict[int, int] = {}
    days_of: dict[int, list[tuple[int, int]]] = {}
    for _ in range(rounds):
        load = np.zeros(t)
        days_of = {}
        for k in order:
            i = act[k]
            w = work[k]
            best = (math.inf, 0, [])
            for j, pat in enumerate(eng.patterns[i]):
                total, picks = 0.0, []
                trial = load.copy()
                for b, block in enumerate(pat):
                    cand = np.array(block, dtype=np.int64)
                    over = np.maximum(0.0, trial[cand] + w - cap) - np.maximum(
                        0.0, trial[cand] - cap)
                    cost = dist[k, centre[cand]] + lam * over
                    m = int(np.argmin(cost))
                    total += float(cost[m])
                    trial[cand[m]] += w
                    picks.append((int(cand[m]), b))
                if total < best[0]:
                    best = (total, j, picks)
            choice[i] = best[1]
            days_of[i] = best[2]
            for d, _b in best[2]:
                load[d] += w
        members: list[list[int]] = [[] for _ in range(t)]
        for k in range(n):
            for d, _b in days_of[act[k]]:
                members[d].append(k)
        new_centre = centre.copy()
        for d in range(t):
            if members[d]:
                m = np.array(members[d])
                new_centre[d] = m[int(np.argmin(dist[np.ix_(m, m)].sum(axis=1)))]
        if np.array_equal(new_centre, centre):
            break
        centre = new_centre
    routes: list = [[] for _ in range(t)]
    per_day: list[list[tuple[int, int]]] = [[] for _ in range(t)]
    for i in act:
        for d, b in days_of[i]:
            per_day[d].append((i, b))
    pos_of = {i: k for k, i in enumerate(act)}
    for d in range(t):
        for i, b in sorted(per_day[d], key=lambda v: (-from_depot[pos_of[v[0]]], v[0])):
            _cost, ri, pos = eng._best_insertion(d, routes[d], i)
            if ri < 0:
                routes[d].append([(i, b)])
            else:
                routes[d][ri].insert(pos, (i, b))
    return choice, routes
