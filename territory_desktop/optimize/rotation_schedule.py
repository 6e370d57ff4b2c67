"""A rotation's schedule: the engine's answer to a rotation problem, day by day.

Scheduling one rep flows one way: plan -> rotation problem
(:func:`territory_desktop.optimize.plan_schedule.planner_for`, a
:class:`~territory_desktop.optimize.rotation.RotationPlanner`) -> engine
(:func:`~territory_desktop.optimize.pvrp.solve_pvrp`; at even days then
:func:`~territory_desktop.optimize.even_days.even_out`) -> schedule (:func:`solve_rotation`,
:func:`schedule_from_result`, :func:`schedule_from_days`) -> evaluation
(:func:`territory_desktop.optimize.plan_schedule.summarise`).  Each step is a function of the one
before; the problem never calls forward into this module.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from territory_desktop.model.schedule import UnplacedAccount
from territory_desktop.optimize.even_days import EVEN_OUT_TIME_SHARE, even_out
from territory_desktop.optimize.pvrp import (
    Customer,
    PVRPProblem,
    PVRPResult,
    RouteEvaluation,
    SolveParams,
    evaluate_route,
    solve_pvrp,
)
from territory_desktop.optimize.rotation import BALANCE_WEIGHT, RotationDay, RotationPlanner

__all__ = [
    "RotationDayPlan",
    "RotationSchedule",
    "evaluate_day",
    "reoptimise_days",
    "schedule_from_days",
    "schedule_from_result",
    "solve_rotation",
    "stretch_factor",
    "stretched_visits",
]


@dataclass(frozen=True)
class RotationDayPlan:
    """One day of the schedule: the stop order and its totals (seconds)."""

    day: RotationDay
    account_ids: tuple[str, ...]
    drive_seconds: float
    visit_seconds: float
    start_seconds: float
    end_seconds: float
    duration_seconds: float


@dataclass
class RotationSchedule:
    """The rotation: one plan per working day, what could not be placed, and compliance."""

    days: list[RotationDayPlan]
    unplaced: list[UnplacedAccount]
    compliance: dict[str, float]
    required_visits: dict[str, int]
    total_drive_seconds: float
    feasible: bool
    runtime: float
    iterations: int
    blocks: dict[str, tuple[tuple[int, ...], ...]] = field(default_factory=dict)

    def visit_days(self, account_id: str) -> list[int]:
        """Return the engine days on which ``account_id`` is visited."""
        return [p.day.index for p in self.days if account_id in p.account_ids]

    @property
    def day_lengths(self) -> list[float]:
        """The durations (seconds) of the days that have visits."""
        return [p.duration_seconds for p in self.days if p.account_ids]

    @property
    def stretch_factor(self) -> float:
        """How much less often to visit so the unplaced visits fit (1.0: nothing unplaced)."""
        return stretch_factor(sum(len(p.account_ids) for p in self.days),
                              sum(u.missing_visits for u in self.unplaced))



def stretch_factor(placed: int, missing: int) -> float:
    """How much less often to visit so ``placed + missing`` visits fit where ``placed`` did.

    Rounded up to 0.05 (1.0 when nothing is missing).
    """
    if not missing or not placed:
        return 1.0
    return math.ceil((placed + missing) / placed * 20 - 1e-9) / 20


def stretched_visits(required: Mapping[str, int], factor: float, weeks: int) -> dict[str, int]:
    """Visits per cycle after visiting every account ``factor`` times less often.

    The total drops to ``floor(total / factor)``, shared in proportion to each account's
    visits (largest remainders first, ties by id); every account keeps at least one visit and
    a frequency the cycle can hold (below the weeks, or whole visits per week).  A plain
    ``round(v / factor)`` would leave a weekly visit weekly at 1.1, so nothing would change.
    """
    def allowed(v: int) -> bool:
        return v >= 1 and (v < weeks or v % weeks == 0)

    share = {a: v / factor for a, v in required.items() if v}
    new = {a: max(1, math.floor(x)) for a, x in share.items()}
    for a in new:
        while not allowed(new[a]):
            new[a] -= 1
    target = max(len(new), math.floor(sum(required.values()) / factor + 1e-9))
    by_remainder = sorted(new, key=lambda a: (-(share[a] - new[a]), a))
    for a in by_remainder:
        if sum(new.values()) >= target:
            break
        up = next((v for v in range(new[a] + 1, required[a] + 1) if allowed(v)), None)
        if up is not None and sum(new.values()) - new[a] + up <= target:
            new[a] = up
    return {a: new.get(a, 0) for a in required}


# --------------------------------------------------------------------------- the flow


def solve_rotation(
    planner: RotationPlanner,
    params: SolveParams | None = None,
    pins: Mapping[str, Iterable[int]] | None = None,
    progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RotationSchedule:
    """Choose every account's pattern and route every day (with the planner's day balance).

    ``pins`` maps an account id to engine days its visits must stay on.  At "even days"
    (:attr:`RotationPlanner.even_days`) the engine's days are then evened out at the least
    driving (:func:`~territory_desktop.optimize.even_days.even_out`) within the same time limit.
    """
    started = time.perf_counter()
    problem, params = planner.problem(pins), planner.params(params)
    engine = params
    if planner.even_days:  # the time cap (a safety cut-off) leaves evening out its share
        engine = replace(params, time_limit=params.time_limit * (1 - EVEN_OUT_TIME_SHARE))
    result = solve_pvrp(problem, engine, progress, should_stop)
    if planner.even_days and not (should_stop and should_stop()):
        if progress:
            progress(1.0, "evening out the days")
        result = even_out(problem, result, seed=params.seed,
                          seconds=params.time_limit - (time.perf_counter() - started))
    return schedule_from_result(planner, result)


def schedule_from_result(planner: RotationPlanner, result: PVRPResult) -> RotationSchedule:
    """Return the schedule of the engine's routes, with every unplaced visit and why it did not fit.

    An account that cannot fit on its own (closed every day, a window outside working hours,
    a visit longer than the day) is reported with that reason and all its visits.
    """
    day_accounts: dict[int, list[str]] = {}
    for r in result.routes:
        day_accounts[r.day] = [planner.accounts[c].id for c in r.customers]
    blocks = {
        planner.accounts[i].id: pat for i, pat in enumerate(result.patterns) if pat is not None
    }
    sched = schedule_from_days(planner, day_accounts, blocks)
    unplaced = []
    for u in result.unplaced:
        reason = planner.static_reasons.get(
            u.customer, u.reason.replace("the day length limit", planner.limit_text()))
        missing = (planner.required[u.customer] if u.customer in planner.static_reasons
                   else u.missing_visits)
        unplaced.append(UnplacedAccount(planner.accounts[u.customer].id, missing, reason))
    sched.unplaced = unplaced
    sched.feasible = sched.feasible and not unplaced
    sched.runtime, sched.iterations = result.runtime, result.iterations
    return sched


def schedule_from_days(
    planner: RotationPlanner,
    day_accounts: Mapping[int, Sequence[str]],
    blocks: Mapping[str, tuple[tuple[int, ...], ...]] | None = None,
) -> RotationSchedule:
    """Return the schedule (totals, compliance) of stop orders per engine day.

    Used after a hand edit, for instance.
    """
    problem = planner.problem()
    index = planner.account_index
    plans = []
    count = dict.fromkeys(index, 0)
    feasible = True
    for rd in planner.days:
        ids = tuple(day_accounts.get(rd.index, ()))
        ev = evaluate_route(problem, rd.index, [index[a] for a in ids])
        feasible = feasible and ev.feasible
        for a in ids:
            count[a] += 1
        plans.append(RotationDayPlan(rd, ids, ev.drive, ev.service, ev.start, ev.end,
                                     ev.duration if ids else 0.0))
    required = {a.id: planner.required[i] for i, a in enumerate(planner.accounts)}
    compliance = {a: (min(1.0, count[a] / r) if r else 1.0) for a, r in required.items()}
    return RotationSchedule(
        days=plans,
        unplaced=[],
        compliance=compliance,
        required_visits=required,
        total_drive_seconds=float(sum(p.drive_seconds for p in plans if p.account_ids)),
        feasible=feasible,
        runtime=0.0,
        iterations=0,
        blocks=dict(blocks or {}),
    )


def evaluate_day(planner: RotationPlanner, day: int,
                 account_ids: Sequence[str]) -> RouteEvaluation:
    """Totals of engine day ``day`` visiting ``account_ids`` in this order (for hand edits)."""
    return evaluate_route(planner.problem(), day,
                          [planner.account_index[a] for a in account_ids])


def reoptimise_days(
    planner: RotationPlanner,
    schedule: RotationSchedule,
    days: Iterable[int],
    pins: Mapping[str, Iterable[int]] | None = None,
    params: SolveParams | None = None,
    progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RotationSchedule:
    """Re-plan the visits on ``days`` among those days; every other day is kept as it is.

    A visit may move to another of ``days`` only within its pattern block (a weekly visit
    stays in its week); pinned visits (``pins``: account id -> days) never move. ``progress``
    and ``should_stop`` reach the engine as in :func:`solve_rotation`.
    """
    chosen = sorted(set(days))
    pinned = {k: set(v) for k, v in (pins or {}).items()}
    base = planner.problem()
    customers: list[Customer] = []
    origin: list[str] = []
    for plan in schedule.days:
        if plan.day.index not in chosen:
            continue
        for aid in plan.account_ids:
            i = planner.account_index[aid]
            d = plan.day.index
            block = next((b for b in schedule.blocks.get(aid, ()) if d in b), (d,))
            allowed = (d,) if d in pinned.get(aid, set()) else tuple(
                x for x in block if x in chosen
            ) or (d,)
            customers.append(replace(base.customers[i], patterns=((allowed,),),
                                     pinned_days=()))
            origin.append(aid)
    sub = PVRPProblem(days=base.days, customers=tuple(customers), travel=base.travel)
    params = planner.params(params or SolveParams(time_limit=10.0, iterations=4_000))
    if planner.even_days:
        # No even-out step here: a few days with few visits each keep the tighter weight, so
        # a day off spreads its visits over the week rather than onto one day.
        params = replace(params, balance=BALANCE_WEIGHT)
    result = solve_pvrp(sub, params, progress, should_stop)
    new_days = {r.day: tuple(origin[c] for c in r.customers) for r in result.routes}
    keep = {p.day.index: p.account_ids for p in schedule.days if p.day.index not in chosen}
    keep.update({d: new_days.get(d, ()) for d in chosen})
    sched = schedule_from_days(planner, keep, blocks=schedule.blocks)
    sched.unplaced = list(schedule.unplaced) + [
        UnplacedAccount(origin[u.customer], u.missing_visits, u.reason) for u in result.unplaced
    ]
    sched.feasible = sched.feasible and not result.unplaced
    sched.runtime, sched.iterations = result.runtime, result.iterations
    return sched
