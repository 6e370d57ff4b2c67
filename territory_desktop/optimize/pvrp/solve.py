"""The driver: construction, the solver on the stacked days, the pattern search, the result."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from territory_desktop.optimize.pvrp.cluster import cluster_start
from territory_desktop.optimize.pvrp.engine import DEBUG, Engine, Routes
from territory_desktop.optimize.pvrp.problem import (
    Pattern,
    PlannedRoute,
    PVRPProblem,
    PVRPResult,
    SolveParams,
    Unplaced,
    evaluate_route,
)
from territory_desktop.optimize.pvrp.search import (
    construct,
    group_descent,
    initial_choice,
    least_bad_move,
    pattern_descent,
    perturb,
)

if TYPE_CHECKING:
    from pyvrp import Result

_NO_PROGRESS: Callable[[float, str], None] = lambda fraction, message: None  # noqa: E731
_NEVER_STOP: Callable[[], bool] = lambda: False  # noqa: E731


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
    eng = Engine(problem, params, progress, should_stop)
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
    choice = initial_choice(eng)
    multi = [i for i in eng.active if len(eng.patterns[i]) > 1]
    seed_counter = params.seed * 7919

    def remaining() -> float:
        return max(0.0, deadline - time.perf_counter())

    def iters_left() -> int:
        if total_iters is None:
            return 10**9
        return max(0, total_iters - eng.iterations_used)

    # Phase 1: cheapest-insertion construction, then the solver on the stacked instance.
    eng.report()
    if eng.time_only:
        choice, start_routes = cluster_start(eng)
        for _ in range(5):  # improve the patterns on the cheap estimate before solving
            if not pattern_descent(eng, start_routes, choice, multi):
                break
    else:
        start_routes = construct(eng, choice)
    eng.set_target(start_routes)
    eng.phase = "routing every day"
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
        eng.phase = "placing what fits"
        eng.optional = True
        stack = eng.build(choice)
        res = eng.run_ils(stack, iters_left() or 1, max(0.5, remaining()), seed=params.seed)
        routes = eng.decode(stack, res.best)
        return _finish(eng, routes, choice, unplaced, t0, True)
    routes = eng.decode(stack, res.best)
    best_routes, best_choice, best_cost = routes, dict(choice), eng.cost(routes)
    eng.set_target(routes)
    eng.phase = "choosing visit days and routes"
    eng.report()

    final_share = params.final_share
    if final_share is None:
        final_share = 0.2 if eng.time_only else 0.0
    reserve = int(final_share * total_iters) if total_iters is not None and multi else 0
    if multi:
        cur_routes, cur_choice, cur_cost = best_routes, dict(best_choice), best_cost
        tabu: dict[int, int] = {}
        tenure = max(3, int(math.sqrt(len(multi))))
        it = since_best = 0
        # Descents skip tabu customers on CGL-type problems only: rotations were tuned with the
        # plain descent (with the tabu one, a day-off replanning put the whole day on one day).
        descent_tabu = None if eng.time_only else tabu
        while not should_stop():
            if total_iters is not None and iters_left() <= reserve:
                break
            if remaining() <= 0.05:
                break
            it += 1
            if since_best >= params.restart_after:
                cur_routes, cur_choice, cur_cost = best_routes, dict(best_choice), best_cost
                eng.set_target(cur_routes)
                since_best = 0
            work_routes = list(cur_routes)
            work_choice = dict(cur_choice)
            moved = pattern_descent(eng, work_routes, work_choice, multi, descent_tabu, it)
            if not moved and params.group_size:
                moved = group_descent(eng, work_routes, work_choice, multi, params.group_size)
            if not moved:
                # A few tabu steps (each the least bad pattern change, then any improvement it
                # opens) before the solver: one step per solver run explores too slowly.
                for k in range(params.tabu_moves):
                    step = least_bad_move(eng, work_routes, work_choice, multi, tabu, it)
                    for ci in step:
                        tabu[ci] = it + tenure + int(eng.rng.integers(0, tenure))
                    moved += step
                    if k < params.tabu_moves - 1:
                        moved += pattern_descent(eng, work_routes, work_choice, multi,
                                                 descent_tabu, it)
            if not moved:
                work_routes = perturb(eng, work_routes, work_choice, multi, params.perturb_size)
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
                if DEBUG:
                    print(f"moved={len(moved)} est={eng.cost(work_routes):.1f} ils={cost:.1f} "
                          f"cur={cur_cost:.1f} best={best_cost:.1f} it={res.num_iterations}")
                cur_routes, cur_choice, cur_cost = routes, work_choice, cost
                eng.set_target(routes)
                if cost < best_cost - 1e-7:
                    best_routes, best_choice, best_cost = routes, dict(work_choice), cost
                    since_best = 0
            eng.report()
    if reserve and iters_left() > 0 and remaining() > 0.05 and not should_stop():
        # Last solver run on the best patterns (the slices above are short).
        eng.set_target(best_routes)
        eng.phase = "polishing the routes"
        stack = eng.build(best_choice)
        res = eng.run_ils(stack, iters_left(), remaining(),
                          init=eng.encode(stack, best_routes), seed=seed_counter + 1)
        if _complete(res):
            routes = eng.decode(stack, res.best)
            if eng.cost(routes) < best_cost - 1e-7:
                best_routes, best_cost = routes, eng.cost(routes)
    del n_cust
    return _finish(eng, best_routes, best_choice, unplaced, t0, False)


def _complete(res: Result) -> bool:
    """Feasible AND serving every required visit (PyVRP's is_feasible ignores missing clients)."""
    return bool(res.is_feasible() and res.best.is_complete())


def _required_visits(problem: PVRPProblem, i: int) -> int:
    c = problem.customers[i]
    if c.patterns:
        return max(len(p) for p in c.patterns)
    if c.combinations:
        return max(bin(m).count("1") for m in c.combinations) if any(
            bin(m).count("1") > 1 for m in c.combinations
        ) else 1
    return 1


def _finish(
    eng: Engine,
    routes: Routes,
    choice: dict[int, int],
    unplaced: list[Unplaced],
    t0: float,
    partial: bool,
) -> PVRPResult:
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
        runtime=time.perf_counter() - t0,
        iterations=eng.iterations_used,
    )


def _overload_reason(eng: Engine, i: int) -> str:
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
