"""Call-rotation scheduling: accounts, a rep and an N-week cycle onto the periodic VRP engine.

A rotation is an N-week cycle (default 4) of working days anchored to a start date and repeating,
so every calendar date maps to a rotation day.  Each account gets a visit pattern spread evenly over
the cycle (2 per 4 weeks: weeks 1 and 3 or 2 and 4; weekly: once in every week), either with a
floating weekday within each week or, with ``same_weekday``, the same weekday every time.  The
engine (:mod:`territory_desktop.optimize.pvrp`) chooses the patterns and routes every day on the
given travel times, one route per day limited by the rep's working hours and maximum day length.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from territory_desktop.optimize.pvrp import (
    Customer,
    Day,
    PVRPProblem,
    PVRPResult,
    RouteEvaluation,
    SolveParams,
    evaluate_route,
    solve_pvrp,
)

__all__ = [
    "RotationAccount",
    "RotationCycle",
    "RotationDay",
    "RotationDayPlan",
    "RotationError",
    "RotationPlanner",
    "RotationRep",
    "RotationSchedule",
    "UnplacedVisit",
    "account_patterns",
    "balance_params",
    "haversine_travel_seconds",
    "stretch_factor",
    "stretched_visits",
    "visits_per_cycle",
]

EVEN_DAYS_WEIGHT = 0.15
"""Engine balance weight whenever the plan setting is above 0 (see :func:`balance_params`).

Measured by ``benchmarks/rotation_balance.py``: on the 150-account case every day is used with a
day-length spread near 0.2 h for 5-9% more driving than "least driving"; weights from 0.1 up
reach the same spread for more driving."""

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
TravelSource = np.ndarray | Callable[[Sequence[tuple[float, float]]], np.ndarray]


class RotationError(ValueError):
    """The rotation inputs are inconsistent (bad frequency, bad matrix shape, ...)."""


@dataclass(frozen=True)
class RotationAccount:
    """An account to visit on a rotation.

    ``visits_per_cycle`` (e.g. 4, 2 or 1 per 4 weeks) or ``every_weeks`` (1 = weekly, 2 = every
    other week) gives the frequency.  ``time_window`` is (start, end) of service in minutes from
    midnight; ``closed_weekdays`` uses 0 = Monday.
    """

    id: str
    lat: float
    lon: float
    visits_per_cycle: int | None = None
    every_weeks: int | None = None
    visit_minutes: float = 30.0
    time_window: tuple[float, float] | None = None
    closed_weekdays: frozenset[int] = frozenset()
    same_weekday: bool = False


@dataclass(frozen=True)
class RotationRep:
    """A rep: start/end location, working hours (minutes from midnight), day-length limit.

    ``days_off`` holds calendar dates (within the planned cycle) or ``(week, weekday)`` pairs
    (0-based, repeating every cycle).  ``weekly_minutes`` bounds each week: every working day
    gets an equal share of it (never more than ``max_day_minutes``).
    """

    id: str
    start: tuple[float, float]
    end: tuple[float, float] | None = None
    workday_start: float = 8 * 60
    workday_end: float = 17 * 60
    max_day_minutes: float = 9 * 60
    days_off: frozenset[dt.date | tuple[int, int]] = frozenset()
    weekly_minutes: float | None = None


@dataclass(frozen=True)
class RotationDay:
    """A working day of the cycle."""

    index: int  # position among the cycle's working days (the engine's day)
    week: int  # 0-based
    weekday: int  # 0 = Monday
    date: dt.date  # in the planned cycle occurrence

    @property
    def label(self) -> str:
        return f"W{self.week + 1} {WEEKDAY_NAMES[self.weekday]}"


@dataclass(frozen=True)
class RotationCycle:
    """N weeks of working weekdays, anchored at ``start`` (moved back to its Monday)."""

    weeks: int = 4
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    start: dt.date = dt.date(2024, 1, 1)
    holidays: frozenset[dt.date] = frozenset()

    def __post_init__(self) -> None:
        if self.weeks < 1:
            raise RotationError("a rotation cycle needs at least one week")
        if not self.weekdays or any(not 0 <= d <= 6 for d in self.weekdays):
            raise RotationError("working weekdays must be 0 (Mon) .. 6 (Sun)")

    @property
    def monday(self) -> dt.date:
        return self.start - dt.timedelta(days=self.start.weekday())

    def slot(self, date: dt.date) -> tuple[int, int] | None:
        """(week, weekday) of any calendar date in the repeating cycle; None if not a workday."""
        offset = (date - self.monday).days
        week = (offset // 7) % self.weeks
        if date.weekday() not in self.weekdays:
            return None
        return week, date.weekday()

    def all_slots(self) -> list[tuple[int, int]]:
        return [(w, d) for w in range(self.weeks) for d in sorted(self.weekdays)]

    def date_of(self, week: int, weekday: int) -> dt.date:
        return self.monday + dt.timedelta(days=7 * week + weekday)


@dataclass(frozen=True)
class UnplacedVisit:
    account_id: str
    missing_visits: int
    reason: str


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
    unplaced: list[UnplacedVisit]
    compliance: dict[str, float]
    required_visits: dict[str, int]
    total_drive_seconds: float
    feasible: bool
    runtime: float
    iterations: int
    blocks: dict[str, tuple[tuple[int, ...], ...]] = field(default_factory=dict)

    def visit_days(self, account_id: str) -> list[int]:
        return [p.day.index for p in self.days if account_id in p.account_ids]

    @property
    def day_lengths(self) -> list[float]:
        return [p.duration_seconds for p in self.days if p.account_ids]

    @property
    def stretch_factor(self) -> float:
        """How much less often to visit so the unplaced visits fit (1.0: nothing unplaced)."""
        return stretch_factor(sum(len(p.account_ids) for p in self.days),
                              sum(u.missing_visits for u in self.unplaced))


def haversine_travel_seconds(
    points: Sequence[tuple[float, float]], kmh: float = 30.0
) -> np.ndarray:
    """Straight-line travel times (seconds) at ``kmh``: a stand-in until road times are given."""
    pts = np.radians(np.asarray(points, dtype=float))
    lat, lon = pts[:, 0][:, None], pts[:, 1][:, None]
    a = (
        np.sin((lat - lat.T) / 2) ** 2
        + np.cos(lat) * np.cos(lat.T) * np.sin((lon - lon.T) / 2) ** 2
    )
    km = 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    return km / kmh * 3600.0


# --------------------------------------------------------------------------- patterns


def visits_per_cycle(every_weeks: float, weeks: int) -> int:
    """Visits in a ``weeks``-week cycle for a visit every ``every_weeks`` weeks (at least one).

    The one conversion from an interval to visits, used by the scheduler, the stretch and the
    checks; an interval that is not a positive finite number is refused.
    """
    if not (isinstance(every_weeks, int | float) and math.isfinite(every_weeks)
            and every_weeks > 0):
        raise RotationError(f"a visit every {every_weeks!r} weeks is not a usable interval")
    per_cycle = weeks / every_weeks
    if not math.isfinite(per_cycle) or per_cycle > 10**6:
        raise RotationError(f"a visit every {every_weeks:g} weeks is more than one a day")
    return max(1, round(per_cycle))


def _frequency(acc: RotationAccount, cycle: RotationCycle) -> int:
    """Visits per cycle, at most one per working day of the cycle (a size limit: an absurd
    frequency must fail here, never enumerate its patterns)."""
    if acc.visits_per_cycle is not None:
        v = int(acc.visits_per_cycle)
    elif acc.every_weeks is not None:
        try:
            v = visits_per_cycle(acc.every_weeks, cycle.weeks)
        except RotationError as exc:
            raise RotationError(f"account {acc.id}: {exc}") from None
    else:
        raise RotationError(f"account {acc.id}: no frequency (visits_per_cycle or every_weeks)")
    if v < 0:
        raise RotationError(f"account {acc.id}: negative frequency")
    slots = cycle.weeks * len(cycle.weekdays)
    if v > slots:
        raise RotationError(
            f"account {acc.id}: {v} visits per {cycle.weeks} weeks is more than one visit per "
            f"working day ({slots} in the cycle); check its visit frequency")
    return v


def _split(items: Sequence[int], parts: int) -> list[list[int]]:
    """Split consecutive items into ``parts`` nearly equal runs."""
    out, n = [], len(items)
    for k in range(parts):
        out.append(list(items[round(k * n / parts) : round((k + 1) * n / parts)]))
    return out


def account_patterns(
    acc: RotationAccount, cycle: RotationCycle, available: Mapping[tuple[int, int], int]
) -> tuple[list[tuple[tuple[int, ...], ...]], int]:
    """Allowed patterns of an account over the available days, and its visits per cycle.

    ``available`` maps (week, weekday) to the engine's day index.  Visits are spread evenly: with
    v < N visits the weeks are ``o + round(i * N / v)`` (mod N) for an offset o; with v = q * N,
    q visits in every week, each in its own run of weekdays.  Floating: each block is a set of
    days; same weekday: one weekday, repeated.
    """
    n = cycle.weeks
    v = _frequency(acc, cycle)
    if v == 0:
        return [], 0
    weekdays = [d for d in sorted(cycle.weekdays) if d not in acc.closed_weekdays]

    def day(w: int, d: int) -> int | None:
        return available.get((w, d))

    block_sets: list[list[list[tuple[int, int]]]] = []  # pattern -> blocks -> slots
    if v == 1:
        block_sets.append([[(w, d) for w in range(n) for d in weekdays]])
    elif v < n or v % n:
        weeks_sets: list[tuple[int, ...]] = []
        per_week = max(1, v // n)
        if v < n:
            for o in range(n):
                ws = tuple(sorted({(o + round(i * n / v)) % n for i in range(v)}))
                if ws not in weeks_sets:
                    weeks_sets.append(ws)
        else:
            raise RotationError(
                f"account {acc.id}: {v} visits per {n} weeks is not a multiple of the weeks"
            )
        for ws in weeks_sets:
            if acc.same_weekday:
                for d in weekdays:
                    block_sets.append([[(w, d)] for w in ws for _ in range(per_week)])
            else:
                block_sets.append([[(w, d) for d in weekdays] for w in ws])
    else:
        q = v // n
        runs = _split(weekdays, q)
        if any(not r for r in runs):
            raise RotationError(f"account {acc.id}: {q} visits a week but fewer open weekdays")
        if acc.same_weekday:
            choices: list[list[int]] = [[]]
            for r in runs:
                choices = [[*c, d] for c in choices for d in r]
            for c in choices:
                block_sets.append([[(w, d)] for w in range(n) for d in c])
        else:
            block_sets.append([[(w, d) for d in r] for w in range(n) for r in runs])
    patterns: list[tuple[tuple[int, ...], ...]] = []
    for blocks in block_sets:
        mapped = [tuple(sorted(x for x in (day(w, d) for w, d in b) if x is not None))
                  for b in blocks]
        if all(mapped) and (pat := tuple(mapped)) not in patterns:
            patterns.append(pat)
    return patterns, v


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


def balance_params(day_balance: float) -> tuple[float, float]:
    """The engine's (balance weight, slack) for the plan setting ``day_balance``.

    0 is least driving; 1 is even days (every day priced above the mean); in between, days are
    priced above a target that moves from the day limit down to the mean day, so the longest
    days shrink first and the empty days fill last.
    """
    if not (isinstance(day_balance, int | float) and 0.0 <= day_balance <= 1.0):
        raise RotationError(f"day balance {day_balance!r} is not between 0 and 1")
    return (EVEN_DAYS_WEIGHT if day_balance > 0 else 0.0), 1.0 - day_balance


# --------------------------------------------------------------------------- planner


class RotationPlanner:
    """Builds the periodic VRP for one rep and solves, re-optimises and evaluates its rotation.

    Parameters
    ----------
    rep, accounts, cycle
        The rotation inputs.
    travel
        Travel times in seconds over ``[rep start, rep end, accounts...]``: a matrix or a callable
        taking those (lat, lon) points (e.g. a wrapper over ``routing.travel_matrix``).  Defaults
        to straight-line distance at 30 km/h.
    day_balance
        From 0 (least driving) to 1 (even days): see :func:`balance_params`.  Solving and
        re-optimising both use it, so a re-planned week is balanced like the full schedule.
    """

    def __init__(
        self,
        rep: RotationRep,
        accounts: Sequence[RotationAccount],
        cycle: RotationCycle | None = None,
        travel: TravelSource | None = None,
        day_balance: float = 1.0,
    ) -> None:
        self.rep = rep
        self.balance, self.balance_slack = balance_params(day_balance)
        self.accounts = list(accounts)
        self.cycle = cycle or RotationCycle()
        ids = [a.id for a in self.accounts]
        if len(set(ids)) != len(ids):
            raise RotationError("account ids must be unique")
        self._index = {a.id: i for i, a in enumerate(self.accounts)}
        end = rep.end or rep.start
        points = [rep.start, end] + [(a.lat, a.lon) for a in self.accounts]
        if travel is None:
            matrix = haversine_travel_seconds(points)
        elif callable(travel):
            matrix = np.asarray(travel(points), dtype=float)
        else:
            matrix = np.asarray(travel, dtype=float)
        if matrix.shape != (len(points), len(points)):
            raise RotationError(
                f"travel matrix is {matrix.shape}, expected {(len(points), len(points))} "
                "over [rep start, rep end, accounts...]"
            )
        if not np.all(np.isfinite(matrix)):
            # Unreachable pairs: prohibitive but finite, so the solver can still report them.
            finite = matrix[np.isfinite(matrix)]
            big = 10 * (finite.max() if finite.size else 1)
            matrix = np.where(np.isfinite(matrix), matrix, big)
        self.travel = matrix
        # Working days of the cycle minus days off and holidays.
        off: set[tuple[int, int]] = set()
        for item in rep.days_off | self.cycle.holidays:
            if isinstance(item, dt.date):
                slot = self.cycle.slot(item)
                first = self.cycle.monday
                if slot and first <= item < first + dt.timedelta(weeks=self.cycle.weeks):
                    off.add(slot)
            else:
                off.add((int(item[0]), int(item[1])))
        self.days = [
            RotationDay(k, w, d, self.cycle.date_of(w, d))
            for k, (w, d) in enumerate(s for s in self.cycle.all_slots() if s not in off)
        ]
        self._slot_index = {(rd.week, rd.weekday): rd.index for rd in self.days}
        window = (rep.workday_start * 60.0, rep.workday_end * 60.0)
        self.day_limit_minutes = min(rep.max_day_minutes, rep.workday_end - rep.workday_start)
        self.weekly_bound = False
        if rep.weekly_minutes is not None:
            share = rep.weekly_minutes / len(self.cycle.weekdays)
            if share < self.day_limit_minutes:
                # Each working day gets an equal share of the week, so no week runs over.
                self.day_limit_minutes = max(0.0, share)
                self.weekly_bound = True
        self._day = Day(
            vehicles=1, max_duration=self.day_limit_minutes * 60.0, start=0, end=1, window=window
        )
        self._static_reasons: dict[int, str] = {}
        self._patterns: list[list[tuple[tuple[int, ...], ...]]] = []
        self._required: list[int] = []
        for i, a in enumerate(self.accounts):
            pats, v = account_patterns(a, self.cycle, self._slot_index)
            self._patterns.append(pats)
            self._required.append(v)
            reason = self._static_reason(i, a, pats, v)
            if reason:
                self._static_reasons[i] = reason

    # -- feasibility of a single account, independent of the others
    def _static_reason(self, i: int, a: RotationAccount, pats, v: int) -> str | None:
        if v == 0:
            return None
        rep = self.rep
        if set(self.cycle.weekdays) <= set(a.closed_weekdays):
            return "closed on every working day"
        if a.time_window is not None:
            tw0, tw1 = a.time_window
            if tw1 - tw0 < 0:
                return "time window ends before it starts"
            # The window bounds the start of the visit; the visit must end within working hours.
            if max(tw0, rep.workday_start) > min(tw1, rep.workday_end - a.visit_minutes):
                return "time window does not overlap working hours long enough for the visit"
        alone = self.travel[0, 2 + i] + a.visit_minutes * 60 + self.travel[2 + i, 1]
        if alone > self.day_limit_minutes * 60:
            return (
                f"a visit alone takes {alone / 3600:.2f} h with driving, over "
                f"{self._limit_text()}"
            )
        if not pats:
            return "no allowed day combination: closed weekdays and days off leave no slot"
        return None

    def _limit_text(self) -> str:
        hours = f"{self.day_limit_minutes / 60:.2f} h"
        if self.weekly_bound:
            weekly = (self.rep.weekly_minutes or 0.0) / 60
            return (f"the {hours} a day that the rep's {weekly:g} h week allows over "
                    f"{len(self.cycle.weekdays)} working days")
        return f"the {hours} day limit"

    def problem(self, pins: Mapping[str, Iterable[int]] | None = None) -> PVRPProblem:
        """The engine's problem; ``pins`` maps an account id to days its visits must stay on."""
        pins = pins or {}
        customers = []
        for i, a in enumerate(self.accounts):
            pats = self._patterns[i] if i not in self._static_reasons else []
            tw = None
            if a.time_window is not None:
                tw = (a.time_window[0] * 60.0, a.time_window[1] * 60.0)
            customers.append(
                Customer(
                    location=2 + i,
                    service=a.visit_minutes * 60.0,
                    patterns=tuple(pats) if pats else ((),),
                    time_window=tw,
                    pinned_days=tuple(sorted(pins.get(a.id, ()))),
                    name=a.id,
                )
            )
        return PVRPProblem(
            days=tuple(self._day for _ in self.days),
            customers=tuple(customers),
            travel=self.travel,
        )

    def default_params(self) -> SolveParams:
        """Deterministic effort sized for interactive use (iterations, with a time cap).

        150 accounts / 250 visits: about 6 s on the development machine; the 9 s cap only cuts a
        run on a loaded machine.  Short slices (40 solver iterations per pattern step) measured
        best for this budget; the engine keeps its last 20% for the best patterns.
        """
        return SolveParams(time_limit=9.0, iterations=3_000, slice_iterations=40,
                           balance=self.balance, balance_slack=self.balance_slack)

    def solve(
        self,
        params: SolveParams | None = None,
        pins: Mapping[str, Iterable[int]] | None = None,
        progress: Callable[[float, str], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> RotationSchedule:
        """Choose every account's pattern and route every day (with this planner's balance)."""
        params = replace(params or self.default_params(), balance=self.balance,
                         balance_slack=self.balance_slack)
        problem = self.problem(pins)
        res = solve_pvrp(problem, params, progress, should_stop)
        return self._schedule(problem, res)

    def evaluate_day(self, day: int, account_ids: Sequence[str]) -> RouteEvaluation:
        """Totals of day ``day`` visiting ``account_ids`` in this order (for hand edits)."""
        problem = self.problem()
        return evaluate_route(problem, day, [self._index[a] for a in account_ids])

    def reoptimise_days(
        self,
        schedule: RotationSchedule,
        days: Iterable[int],
        pins: Mapping[str, Iterable[int]] | None = None,
        params: SolveParams | None = None,
    ) -> RotationSchedule:
        """Re-plan the visits on ``days`` among those days; every other day is kept as it is.

        A visit may move to another of ``days`` only within its pattern block (a weekly visit
        stays in its week); pinned visits (``pins``: account id -> days) never move.
        """
        chosen = sorted(set(days))
        pins = {k: set(v) for k, v in (pins or {}).items()}
        base = self.problem()
        customers: list[Customer] = []
        origin: list[str] = []
        for plan in schedule.days:
            if plan.day.index not in chosen:
                continue
            for aid in plan.account_ids:
                i = self._index[aid]
                d = plan.day.index
                block = next((b for b in schedule.blocks.get(aid, ()) if d in b), (d,))
                allowed = (d,) if d in pins.get(aid, set()) else tuple(
                    x for x in block if x in chosen
                ) or (d,)
                customers.append(replace(base.customers[i], patterns=((allowed,),),
                                         pinned_days=()))
                origin.append(aid)
        sub = PVRPProblem(days=base.days, customers=tuple(customers), travel=base.travel)
        params = replace(params or SolveParams(time_limit=10.0, iterations=4_000),
                         balance=self.balance, balance_slack=self.balance_slack)
        res = solve_pvrp(sub, params)
        new_days = {r.day: tuple(origin[c] for c in r.customers) for r in res.routes}
        keep = {p.day.index: p.account_ids for p in schedule.days if p.day.index not in chosen}
        keep.update({d: new_days.get(d, ()) for d in chosen})
        sched = self.schedule_from_days(keep, blocks=schedule.blocks)
        sched.unplaced = list(schedule.unplaced) + [
            UnplacedVisit(origin[u.customer], u.missing_visits, u.reason) for u in res.unplaced
        ]
        sched.feasible = sched.feasible and not res.unplaced
        sched.runtime, sched.iterations = res.runtime, res.iterations
        return sched

    def schedule_from_days(
        self,
        day_accounts: Mapping[int, Sequence[str]],
        blocks: Mapping[str, tuple[tuple[int, ...], ...]] | None = None,
    ) -> RotationSchedule:
        """A schedule (totals, compliance) from stop orders per day, e.g. after a hand edit."""
        problem = self.problem()
        plans = []
        count = dict.fromkeys(self._index, 0)
        feasible = True
        for rd in self.days:
            ids = tuple(day_accounts.get(rd.index, ()))
            ev = evaluate_route(problem, rd.index, [self._index[a] for a in ids])
            feasible = feasible and ev.feasible
            for a in ids:
                count[a] += 1
            plans.append(RotationDayPlan(rd, ids, ev.drive, ev.service, ev.start, ev.end,
                                         ev.duration if ids else 0.0))
        required = {a.id: self._required[i] for i, a in enumerate(self.accounts)}
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

    def _schedule(self, problem: PVRPProblem, res: PVRPResult) -> RotationSchedule:
        day_accounts: dict[int, list[str]] = {}
        for r in res.routes:
            day_accounts[r.day] = [self.accounts[c].id for c in r.customers]
        blocks = {
            self.accounts[i].id: pat for i, pat in enumerate(res.patterns) if pat is not None
        }
        sched = self.schedule_from_days(day_accounts, blocks)
        unplaced = []
        for u in res.unplaced:
            reason = self._static_reasons.get(u.customer,
                                              u.reason.replace("the day length limit",
                                                               self._limit_text()))
            unplaced.append(UnplacedVisit(self.accounts[u.customer].id,
                                          self._required[u.customer] if u.customer in
                                          self._static_reasons else u.missing_visits, reason))
        sched.unplaced = unplaced
        sched.feasible = sched.feasible and not unplaced
        sched.runtime, sched.iterations = res.runtime, res.iterations
        return sched
