"""Call rotations for a plan's reps: the bridge from the plan model to the rotation engine.

The engine (:mod:`territory_desktop.optimize.rotation`) works on engine day indices; the plan
stores visits by (week, weekday) so a schedule survives days off being added later. This module
converts both ways, builds the road drive-time matrix for a rep's accounts, and evaluates a
schedule after hand edits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from territory_desktop import clock
from territory_desktop.model import (
    Account,
    Plan,
    Rep,
    RepSchedule,
    ScheduledVisit,
    UnplacedAccount,
)
from territory_desktop.model.cadence import FrequencyError, visits_per_cycle
from territory_desktop.optimize.rotation import (
    RotationAccount,
    RotationCycle,
    RotationError,
    RotationPlanner,
    RotationRep,
)
from territory_desktop.optimize.rotation_schedule import (
    RotationSchedule,
    evaluate_day,
    schedule_from_days,
    solve_rotation,
)

if TYPE_CHECKING:
    from territory_desktop.routing import RoadNetwork

Slot = tuple[int, int]
STRAIGHT_LINE = "straight-line, no road network"
"""How a rotation's drive times are named when the plan has no road network (window and CLI)."""
Progress = Callable[[float, str], None]
Stop = Callable[[], bool]


def rotation_start(plan: Plan, today: dt.date | None = None) -> dt.date:
    """Return the Monday the plan's rotation is anchored to (the plan setting, else this week's)."""
    if plan.settings.rotation_start:
        start = dt.date.fromisoformat(plan.settings.rotation_start)
    else:
        start = today or clock.today()
    return start - dt.timedelta(days=start.weekday())


def cycle_for(plan: Plan, weeks: int | None = None) -> RotationCycle:
    """Return the plan's rotation cycle (``weeks`` overrides the plan setting)."""
    return RotationCycle(
        weeks=weeks or plan.settings.rotation_weeks,
        weekdays=tuple(sorted(plan.settings.working_weekdays)),
        start=rotation_start(plan),
    )


def visits_on(plan: Plan, rep_id: str, cycle: RotationCycle, day: dt.date,
              since: dt.date | None = None) -> list[tuple[str, dt.date | None]]:
    """Return whom the rotation has the rep visit on ``day``: (account id, holiday or None).

    Nobody visits on a holiday: its visits are done on the next working day, after that day's
    own (an account visited there already is not repeated); the holiday they come from is
    given with them. Holidays before ``since`` (a rotation's first day) have none.
    """
    from territory_desktop.model.rotation_dates import holidays_moved_to

    if day.isoformat() in plan.settings.holidays:
        return []
    schedule = plan.schedules[rep_id]
    found: list[tuple[str, dt.date | None]] = [
        (v.account_id, None) for v in _visits_of(schedule, cycle, day)]
    seen = {account for account, _ in found}
    for holiday in holidays_moved_to(day, tuple(plan.settings.working_weekdays),
                                     tuple(plan.settings.holidays)):
        if since is not None and holiday < since:
            continue
        for visit in _visits_of(schedule, cycle, holiday):
            if visit.account_id not in seen:
                seen.add(visit.account_id)
                found.append((visit.account_id, holiday))
    return found


def planned_on(plan: Plan, rep_id: str, cycle: RotationCycle,
               day: dt.date) -> list[tuple[str, dt.date | None]]:
    """Return whom the rep was or is to visit on ``day``, as the mileage log drives it.

    A kept day (:func:`keep_past_days`) as it was planned; otherwise the rotation's visits
    (:func:`visits_on`), none before the rotation starts or on the rep's days off.
    """
    kept = plan.kept_days.get((rep_id, day.isoformat()))
    if kept is not None:
        return [(a, dt.date.fromisoformat(h) if h else None) for a, h in kept]
    slot = cycle.slot(day) if day >= cycle.monday else None
    if slot is None or slot in plan.reps[rep_id].days_off:
        return []
    return visits_on(plan, rep_id, cycle, day, since=cycle.monday)


def keep_past_days(before: Plan, after: Plan,
                   today: dt.date | None = None) -> tuple[Plan, str]:
    """Return ``after`` with the days before today it re-plans kept as ``before`` had them.

    An edit of the rotation (a day off, week 1, a holiday, a re-plan, a visit moved) changes
    every cycle, past ones too; the mileage of days already driven must not change with it.
    Returns ``after`` itself and "" when no past day changes, else a copy and a note.
    """
    today = today or clock.today()
    if not _rotation_changed(before, after):
        return after, ""
    kept = dict(after.kept_days)
    changed: dict[str, int] = {}
    for rep_id, schedule in before.schedules.items():
        new_schedule = after.schedules.get(rep_id)
        if new_schedule is None or rep_id not in after.reps:
            continue
        old_cycle = cycle_for(before, schedule.weeks)
        new_cycle = cycle_for(after, new_schedule.weeks)
        day = min(old_cycle.monday, new_cycle.monday)
        while day < today:
            old = planned_on(before, rep_id, old_cycle, day)
            if old != planned_on(after, rep_id, new_cycle, day):
                kept[(rep_id, day.isoformat())] = tuple(
                    (a, h.isoformat() if h else "") for a, h in old)
                changed[rep_id] = changed.get(rep_id, 0) + 1
            day += dt.timedelta(days=1)
    if not changed:
        return after, ""
    plan = after.copy()
    plan.kept_days = kept
    who = (after.reps[next(iter(changed))].name if len(changed) == 1
           else ", ".join(f"{after.reps[r].name} {n}" for r, n in changed.items()))
    days = sum(changed.values())
    return plan, (f"{days} day{'s' if days != 1 else ''} before today keep"
                  f"{'s' if days == 1 else ''} the visits {'they' if days != 1 else 'it'} had "
                  f"({who}), as driven")


def _rotation_changed(before: Plan, after: Plan) -> bool:
    """Whether ``after`` may plan any rep's day otherwise than ``before``."""
    def dates(plan: Plan) -> tuple[object, ...]:
        s = plan.settings
        return (s.rotation_start, s.rotation_weeks, tuple(s.working_weekdays), tuple(s.holidays))

    def days_off(plan: Plan, rep_id: str) -> object:
        rep = plan.reps.get(rep_id)
        return rep.days_off if rep else None

    return dates(before) != dates(after) or any(
        after.schedules.get(r) is not schedule or days_off(before, r) != days_off(after, r)
        for r, schedule in before.schedules.items())


def _visits_of(schedule: RepSchedule, cycle: RotationCycle,
               day: dt.date) -> list[ScheduledVisit]:
    slot = cycle.slot(day)
    return schedule.day(*slot) if slot is not None else []


def rep_accounts(plan: Plan, rep_id: str, territory_of: Mapping[str, str | None]) -> list[str]:
    """Ids of the accounts in territories owned by ``rep_id``, in plan order."""
    owned = {t.id for t in plan.territories.values() if t.rep_id == rep_id}
    return [a for a in plan.accounts if territory_of.get(a) in owned]


def rotation_inputs(plan: Plan, rep_id: str, account_ids: Sequence[str],
                    weeks: int | None = None) -> tuple[RotationRep, list[RotationAccount],
                                                       RotationCycle]:
    """Return the engine's view of one rep, their accounts and the plan's cycle."""
    cycle = cycle_for(plan, weeks)
    rep = plan.reps[rep_id]
    home = (rep.home_lat, rep.home_lon)
    rot_rep = RotationRep(rep.id, home, home, rep.workday_start, rep.workday_end,
                          rep.max_day_minutes, frozenset(rep.days_off),
                          weekly_minutes=rep.weekly_hours * 60.0)
    accounts = []
    for aid in account_ids:
        a = plan.accounts[aid]
        every, minutes = plan.settings.cadence_for(a)
        window = (None if a.window_start is None
                  else (float(a.window_start), float(a.window_end)))  # type: ignore[arg-type]
        try:
            per_cycle = visits_per_cycle(every, cycle.weeks)
        except FrequencyError as exc:
            raise RotationError(f"account {a.id} ({a.name}): {exc}") from None
        accounts.append(RotationAccount(
            a.id, a.lat, a.lon, visits_per_cycle=per_cycle,
            visit_minutes=float(minutes), time_window=window,
            closed_weekdays=frozenset(a.closed_weekdays), same_weekday=a.same_weekday))
    return rot_rep, accounts, cycle


def road_travel(network: RoadNetwork) -> Callable[[Sequence[tuple[float, float]]], np.ndarray]:
    """Return a travel-time source for the planner: road seconds between (lat, lon) points."""
    from territory_desktop.routing import travel_matrix

    def seconds(points: Sequence[tuple[float, float]]) -> np.ndarray:
        return np.asarray(travel_matrix(network, list(points), meters=False).seconds, float)

    return seconds


@dataclass
class RepRotation:
    """A rep's planner (engine + drive times) and the evaluated schedule."""

    planner: RotationPlanner
    schedule: RotationSchedule

    def slot_of(self, day_index: int) -> Slot:
        """Return the (week, weekday) of the engine's day ``day_index``."""
        d = self.planner.days[day_index]
        return (d.week, d.weekday)


def planner_for(plan: Plan, rep_id: str, territory_of: Mapping[str, str | None],
                network: RoadNetwork | None, weeks: int | None = None,
                extra_accounts: Sequence[str] = ()) -> RotationPlanner:
    """Build the engine for one rep with the plan's day balance.

    Drive times are road times when ``network`` is given.

    Without a network the planner uses straight-line estimates (the window's choice when the
    plan has no road network; they are never scheduled road driving).
    """
    ids = rep_accounts(plan, rep_id, territory_of)
    owned = set(ids)
    ids += [a for a in dict.fromkeys(extra_accounts) if a not in owned]
    rep, accounts, cycle = rotation_inputs(plan, rep_id, ids, weeks)
    travel = road_travel(network) if network is not None else None
    return RotationPlanner(rep, accounts, cycle, travel, day_balance=plan.settings.day_balance)


def weekly_drive_hours(result: RotationSchedule, weeks: int) -> float:
    """Return a timed rotation's driving per week (hours): its total over its ``weeks``."""
    return result.total_drive_seconds / 3600.0 / weeks


def fits_territory(plan: Plan, rep_id: str, territory_of: Mapping[str, str | None]) -> bool:
    """Whether the rep's stored rotation was made for the accounts the rep owns now.

    It plans exactly those accounts: each is visited on the cadence or listed unplaced (ad hoc
    visits, to anyone's account, are on top and do not count). After a realignment, or when
    accounts are added or deleted, it does not until the rep is scheduled again.
    """
    schedule = plan.schedules.get(rep_id)
    if schedule is None or rep_id not in plan.reps:
        return False
    owned = set(rep_accounts(plan, rep_id, territory_of))
    planned = {v.account_id for v in schedule.visits if not v.adhoc}
    return bool(owned) and owned == planned | {u.account_id for u in schedule.unplaced}


def scheduled_drive_hours(plan: Plan, territory_of: Mapping[str, str | None],
                          network: RoadNetwork) -> dict[str, float]:
    """Return rep id -> driving per week of the rep's stored rotation on road times.

    The one rule of scheduled driving in a rep's utilisation (the territory table, the
    Rotation panel, the Design panel and the health report): utilisation adds it to the visit
    hours of the accounts the rep owns now, so only a rotation that :func:`fits_territory`
    counts. It is timed as it stands, ad hoc visits included (the engine does not run). For
    another rep the Design panel estimates the driving and the other figures count visit
    hours only.
    """
    hours = {}
    for rep_id, schedule in plan.schedules.items():
        if fits_territory(plan, rep_id, territory_of):
            planner = planner_for(plan, rep_id, territory_of, network, weeks=schedule.weeks,
                                  extra_accounts=[v.account_id for v in schedule.visits
                                                  if v.account_id in plan.accounts])
            hours[rep_id] = weekly_drive_hours(evaluate(planner, schedule), schedule.weeks)
    return hours


def to_rep_schedule(rotation: RepRotation, seed: int,
                    pinned: AbstractSet[tuple[str, Slot]] = frozenset(),
                    adhoc: AbstractSet[tuple[str, Slot]] = frozenset()) -> RepSchedule:
    """Return the plan's record of an engine schedule."""
    visits = []
    for day in rotation.schedule.days:
        slot = (day.day.week, day.day.weekday)
        for order, aid in enumerate(day.account_ids):
            visits.append(ScheduledVisit(aid, slot[0], slot[1], order,
                                         pinned=(aid, slot) in pinned,
                                         adhoc=(aid, slot) in adhoc))
    return RepSchedule(rotation.planner.rep.id, rotation.planner.cycle.weeks, tuple(visits),
                       tuple(rotation.schedule.unplaced), seed)


def solve_rep(plan: Plan, rep_id: str, territory_of: Mapping[str, str | None],
              network: RoadNetwork | None, *, seconds: float = 10.0, seed: int = 0,
              weeks: int | None = None, progress: Progress | None = None,
              should_stop: Stop | None = None) -> tuple[RepSchedule, RepRotation]:
    """Schedule one rep's rotation from scratch, keeping visits pinned in the current schedule.

    Days are balanced as the plan's ``day_balance`` asks and bounded by the rep's day limit
    and weekly hours; what does not fit is listed as unplaced with its reason.
    """
    if progress:
        progress(0.0, f"Drive times for {plan.reps[rep_id].name}'s accounts")
    planner = planner_for(plan, rep_id, territory_of, network, weeks)
    old = plan.schedules.get(rep_id)
    pins: dict[str, set[int]] = {}
    pinned: set[tuple[str, Slot]] = set()
    if old is not None:
        index = {(d.week, d.weekday): d.index for d in planner.days}
        known = {a.id for a in planner.accounts}
        for v in old.visits:
            if v.pinned and v.account_id in known and v.slot in index:
                pins.setdefault(v.account_id, set()).add(index[v.slot])
                pinned.add((v.account_id, v.slot))
    # A fixed iteration budget keeps the result deterministic for a seed; the time limit is
    # only a safety cut-off on a slow machine.
    params = dataclasses.replace(planner.default_params(), time_limit=seconds, seed=seed)
    result = solve_rotation(planner, params, pins, progress, should_stop)
    rotation = RepRotation(planner, result)
    return to_rep_schedule(rotation, seed, pinned), rotation


def evaluate(planner: RotationPlanner, schedule: RepSchedule) -> RotationSchedule:
    """Totals, compliance and feasibility of a (hand-edited) schedule on the planner's times.

    Visits on a day that is no longer a working day, or to accounts the planner does not know,
    are counted as unplaced.
    """
    index = {(d.week, d.weekday): d.index for d in planner.days}
    known = {a.id for a in planner.accounts}
    by_day: dict[int, list[str]] = {}
    stray = []
    for slot, ids in schedule.days().items():
        if slot not in index:
            stray += ids
            continue
        by_day[index[slot]] = [a for a in ids if a in known]
        stray += [a for a in ids if a not in known]
    result = schedule_from_days(planner, by_day)
    result.unplaced = list(schedule.unplaced)
    result.unplaced += [UnplacedAccount(a, 1, "its day is no longer a working day, or the "
                                        "account left this rep's territories") for a in stray]
    return result


@dataclass(frozen=True)
class RepSummary:
    """The figures ``tdesk plan schedule --json`` prints per rep (totals over the cycle)."""

    rep_id: str
    drive_hours: float
    visit_hours: float
    longest_day_hours: float
    compliance: float
    unplaced: tuple[tuple[str, str], ...]
    day_spread_hours: float = 0.0  # standard deviation of the working days' lengths
    empty_days: int = 0  # working days without a visit

    def as_json(self) -> dict[str, object]:
        """Return the figures as JSON values, hours rounded to 3 decimals."""
        return {"rep_id": self.rep_id, "drive_hours": round(self.drive_hours, 3),
                "visit_hours": round(self.visit_hours, 3),
                "longest_day_hours": round(self.longest_day_hours, 3),
                "day_spread_hours": round(self.day_spread_hours, 3),
                "empty_days": self.empty_days,
                "compliance": round(self.compliance, 4),
                "unplaced": [{"account_id": a, "reason": r} for a, r in self.unplaced]}


def summarise(rep_id: str, result: RotationSchedule) -> RepSummary:
    """Totals of an evaluated schedule; compliance is planned / required visits over the cycle."""
    required = sum(result.required_visits.values())
    planned = sum(min(r, round(result.compliance.get(a, 0) * r))
                  for a, r in result.required_visits.items())
    lengths = [d.duration_seconds for d in result.days if d.account_ids]
    every_day = np.array([d.duration_seconds if d.account_ids else 0.0 for d in result.days])
    return RepSummary(
        rep_id,
        drive_hours=sum(d.drive_seconds for d in result.days if d.account_ids) / 3600,
        visit_hours=sum(d.visit_seconds for d in result.days) / 3600,
        longest_day_hours=max(lengths, default=0.0) / 3600,
        compliance=planned / required if required else 1.0,
        unplaced=tuple((u.account_id, u.reason) for u in result.unplaced),
        day_spread_hours=float(every_day.std()) / 3600 if every_day.size else 0.0,
        empty_days=int((every_day == 0).sum()),
    )


def hours_per_week(hours_per_cycle: float, weeks: int) -> float:
    """Return the weekly mean of ``hours_per_cycle`` (NaN for a cycle of no weeks)."""
    return hours_per_cycle / weeks if weeks else math.nan


@dataclass(frozen=True)
class StopTime:
    """Planned times of one stop (seconds from midnight) and the drive into it."""

    account_id: str
    arrive: float
    start: float  # after waiting for the time window, if any
    depart: float
    drive_in: float


def day_timeline(planner: RotationPlanner, day_index: int,
                 account_ids: Sequence[str]) -> list[StopTime]:
    """Arrival, start and departure of each stop of a day in the given order.

    The rep leaves home at the time the engine's evaluation of this order gives; each visit
    starts no earlier than its time window opens.
    """
    evaluation = evaluate_day(planner, day_index, account_ids)
    index = {a.id: i for i, a in enumerate(planner.accounts)}
    t, here = evaluation.start, 0
    out = []
    for aid in account_ids:
        i = index[aid]
        drive = float(planner.travel[here, 2 + i])
        arrive = t + drive
        account = planner.accounts[i]
        start = arrive if account.time_window is None else max(arrive,
                                                                account.time_window[0] * 60.0)
        depart = start + account.visit_minutes * 60.0
        out.append(StopTime(aid, arrive, start, depart, drive))
        t, here = depart, 2 + i
    return out


def visit_times(plan: Plan, rep: Rep, accounts: Sequence[Account],
                drives: Sequence[float]) -> list[tuple[float, float, float]]:
    """(arrive, start, depart) per stop in seconds from midnight: the one timing of a day.

    The rep leaves home at the start of the working day, later if the first stop's time window
    opens after they would arrive; each visit starts no earlier than its window and lasts its
    cadence's minutes. ``drives`` are the road seconds into each stop. The exports (day sheets,
    calendars) and the rep's week both time a day with this.
    """
    t = rep.workday_start * 60.0
    first = accounts[0] if accounts else None
    if first is not None and first.window_start is not None:
        t = max(t, first.window_start * 60.0 - drives[0])
    out = []
    for account, drive in zip(accounts, drives, strict=False):
        arrive = t + drive
        start = arrive if account.window_start is None else max(arrive,
                                                                account.window_start * 60.0)
        depart = start + plan.settings.cadence_for(account)[1] * 60.0
        out.append((arrive, start, depart))
        t = depart
    return out


def planned_times(plan: Plan, rep_id: str, planner: RotationPlanner,
                  account_ids: Sequence[str]) -> list[StopTime]:
    """Return the times of a day's stops in this order, on the planner's road drive times.

    Timed as the exports time a routed day (:func:`visit_times`), so a rep's week and the day
    sheets agree. Accounts the planner does not know (not the rep's any more) are left out.
    """
    index = planner.account_index
    ids = [a for a in account_ids if a in index and a in plan.accounts]
    here, drives = 0, []
    for aid in ids:
        drives.append(float(planner.travel[here, 2 + index[aid]]))
        here = 2 + index[aid]
    times = visit_times(plan, plan.reps[rep_id], [plan.accounts[a] for a in ids], drives)
    return [StopTime(aid, *t, drive) for aid, t, drive in zip(ids, times, drives, strict=True)]
