"""The day-cluster start for time-only problems (rotations): valid patterns, even days, seeded."""

from __future__ import annotations

import numpy as np

from territory_desktop.optimize.pvrp import Customer, Day, PVRPProblem, SolveParams, solve_pvrp
from territory_desktop.optimize.pvrp.cluster import cluster_start
from territory_desktop.optimize.pvrp.engine import Engine


def _quiet(fraction: float, message: str) -> None:
    pass


def _never() -> bool:
    return False


def _problem(n: int = 30, seed: int = 3) -> PVRPProblem:
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 10_000, size=(n + 1, 2))
    travel = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1)) / 10.0
    weeks, weekdays = 2, 5
    days = tuple(Day(max_duration=9 * 3600.0, start=0, end=0) for _ in range(weeks * weekdays))
    customers = []
    for i in range(n):
        if i % 5 == 0:  # weekly, same weekday
            pats = tuple(tuple((w * weekdays + d,) for w in range(weeks)) for d in range(weekdays))
        elif i % 5 == 1:  # once per cycle, floating over one of the weeks
            pats = tuple((tuple(range(w * weekdays, (w + 1) * weekdays)),) for w in range(weeks))
        else:  # once per cycle, any day
            pats = ((tuple(range(weeks * weekdays)),),)
        customers.append(Customer(location=i + 1, service=1800.0, patterns=pats, name=str(i)))
    return PVRPProblem(days=days, customers=tuple(customers), travel=travel)


def test_cluster_start_uses_allowed_patterns_and_spreads_days():
    prob = _problem()
    eng = Engine(prob, SolveParams(iterations=100), _quiet, _never)
    assert eng.time_only
    choice, routes = cluster_start(eng)
    seen: dict[int, list[tuple[int, int]]] = {}
    for day, day_routes in enumerate(routes):
        assert len(day_routes) <= 1
        for seq in day_routes:
            for ci, block in seq:
                seen.setdefault(ci, []).append((day, block))
    for ci in eng.active:
        pat = eng.patterns[ci][choice[ci]]
        got = sorted(seen[ci], key=lambda v: v[1])
        assert [b for _, b in got] == list(range(len(pat)))
        assert all(day in pat[b] for day, b in got)
    per_day = [sum(len(s) for s in r) for r in routes]
    assert max(per_day) - min(per_day) <= 3


def test_time_only_solve_is_feasible_and_deterministic():
    prob = _problem()
    params = SolveParams(time_limit=60.0, iterations=400, slice_iterations=40, seed=1)
    a = solve_pvrp(prob, params)
    b = solve_pvrp(prob, params)
    assert a.feasible and not a.unplaced
    assert a.cost == b.cost
    assert [r.customers for r in a.routes] == [r.customers for r in b.routes]


def test_loads_keep_the_generic_start():
    prob = _problem()
    loaded = PVRPProblem(
        days=prob.days,
        customers=tuple(Customer(location=c.location, service=c.service, demand=1.0,
                                 patterns=c.patterns) for c in prob.customers),
        travel=prob.travel,
    )
    eng = Engine(loaded, SolveParams(), _quiet, _never)
    assert not eng.time_only
    assert eng.neighbours is None
