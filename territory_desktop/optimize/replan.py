"""Re-planning part of a stored rotation: re-optimise days, mark a day off, stretch the cadence.

Each is a pure function from the plan (or a rep's stored schedule) to the new one, so the window
and the tests share one rule.  Re-planning uses the planner of the full schedule, so a re-planned
day or week is balanced as the plan's ``day_balance`` asks, like the full schedule.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Sequence
from collections.abc import Set as AbstractSet

from territory_desktop import edits
from territory_desktop.edits import Edit
from territory_desktop.model import WEEKDAY_NAMES, Plan, RepSchedule
from territory_desktop.model.cadence import every_weeks_for
from territory_desktop.model.rotation_dates import week_to_show
from territory_desktop.optimize._feedback import Progress, Stop
from territory_desktop.optimize.plan_schedule import (
    RepRotation,
    cycle_for,
    evaluate,
    rotation_inputs,
    to_rep_schedule,
)
from territory_desktop.optimize.rotation import RotationPlanner
from territory_desktop.optimize.rotation_schedule import (
    RotationSchedule,
    reoptimise_days,
    stretched_visits,
)

Slot = tuple[int, int]

__all__ = ["logged_on", "mark_day_off", "merge_replanned", "replan", "replan_slots",
           "stretch_cadence", "visit_blocks", "week_slots"]


def merge_replanned(stored: RepSchedule, replanned: RepSchedule,
                    slots: AbstractSet[Slot]) -> RepSchedule:
    """Return ``stored`` with the visits on ``slots`` taken from ``replanned``.

    Every visit on another day stays exactly as stored.  A re-planned visit keeps its pin
    (a pinned visit never moves, so it is still on its day) and an account visited ad hoc on
    those days stays ad hoc; the unplaced list is the stored one plus any new entries.
    """
    pinned = {(v.account_id, v.slot) for v in stored.visits if v.pinned}
    adhoc = {v.account_id for v in stored.visits if v.adhoc and v.slot in slots}
    visits = [v for v in stored.visits if v.slot not in slots]
    visits += [dataclasses.replace(v, pinned=(v.account_id, v.slot) in pinned,
                                   adhoc=v.account_id in adhoc)
               for v in replanned.visits if v.slot in slots]
    unplaced = list(stored.unplaced) + [u for u in replanned.unplaced
                                        if u not in stored.unplaced]
    return dataclasses.replace(stored, visits=tuple(visits), unplaced=tuple(unplaced))


def visit_blocks(planner: RotationPlanner,
                 schedule: RepSchedule) -> dict[str, tuple[tuple[int, ...], ...]]:
    """Return where each stored visit may move when re-planning.

    A visit may move within its week, or nowhere for an account visited on the same weekday
    every time.
    """
    by_week: dict[int, tuple[int, ...]] = {}
    for d in planner.days:
        by_week[d.week] = (*by_week.get(d.week, ()), d.index)
    index = {(d.week, d.weekday): d.index for d in planner.days}
    same_day = {a.id for a in planner.accounts if a.same_weekday}
    blocks: dict[str, list[tuple[int, ...]]] = {}
    for v in schedule.visits:
        if v.slot not in index:
            continue
        block = (index[v.slot],) if v.account_id in same_day else by_week[v.week]
        blocks.setdefault(v.account_id, []).append(block)
    return {a: tuple(b) for a, b in blocks.items()}


def replan(planner: RotationPlanner, stored: RepSchedule, slots: Collection[Slot],
           progress: Progress | None = None, should_stop: Stop | None = None,
           logged: Collection[tuple[str, Slot]] = ()) -> tuple[RepSchedule, RotationSchedule]:
    """Re-plan the visits on ``slots`` among those days; pinned visits and other days stay.

    ``logged`` (account id, slot): visits the rep has already logged on those days
    (:func:`logged_on`); they stay on their day like pinned ones. Returns the merged schedule
    and the engine's evaluation of it. ``progress`` and ``should_stop`` reach the engine (it
    takes up to seconds: the window runs it off its thread).
    """
    index = {(d.week, d.weekday): d.index for d in planner.days}
    chosen = {s for s in slots if s in index}
    current = evaluate(planner, stored)
    current.blocks = visit_blocks(planner, stored)
    pins: dict[str, set[int]] = {}
    held = set(logged)
    for v in stored.visits:
        if (v.pinned or (v.account_id, v.slot) in held) and v.slot in index:
            pins.setdefault(v.account_id, set()).add(index[v.slot])
    result = reoptimise_days(planner, current, [index[s] for s in chosen], pins,
                             progress=progress, should_stop=should_stop)
    replanned = to_rep_schedule(RepRotation(planner, result), stored.seed)
    return merge_replanned(stored, replanned, chosen), result


def logged_on(plan: Plan, rep_id: str, slots: Collection[Slot],
              today: dt.date) -> list[tuple[str, Slot]]:
    """Return (account id, slot) of the rep's logged visits on the coming dates of ``slots``.

    A slot's coming date is its first from the Monday of the week the rep sees today
    (:func:`~territory_desktop.model.rotation_dates.week_to_show`): re-planning the rest of
    this week must not move a visit the rep has already made (or skipped, or moved) there.
    """
    schedule = plan.schedules.get(rep_id)
    if schedule is None:
        return []
    cycle = cycle_for(plan, schedule.weeks)
    first = week_to_show(today, tuple(plan.settings.working_weekdays))
    dates = {cycle.next_date(*slot, first).isoformat(): slot for slot in slots}
    return [(e.account_id, dates[e.date]) for e in plan.visit_log
            if e.rep_id == rep_id and e.date in dates]


def week_slots(planner: RotationPlanner, week: int, from_weekday: int = 0) -> list[Slot]:
    """Return the working days of ``week`` from ``from_weekday`` on."""
    return [(d.week, d.weekday) for d in planner.days
            if d.week == week and d.weekday >= from_weekday]


def mark_day_off(plan: Plan, rep_id: str, slot: Slot, off: bool,
                 planner: RotationPlanner | None, progress: Progress | None = None,
                 should_stop: Stop | None = None) -> Edit:
    """Mark a day of the cycle off (or working again) and re-plan that week's working days.

    With ``planner`` (the rep's planner with drive times), the week is re-planned with the
    plan's day balance, so the day's visits spread over the week instead of piling onto the
    next day; without one, the visits move to the nearest working day (see
    :func:`edits.set_day_off`) and a note says to re-optimise the week.
    """
    edit = edits.set_day_off(plan, rep_id, slot, off, plan.settings.working_weekdays)
    schedule = edit.plan.schedules.get(rep_id)
    if planner is None or schedule is None:
        return edit
    rep, _accounts, _cycle = rotation_inputs(edit.plan, rep_id, (), planner.cycle.weeks)
    # Same accounts, cycle and drive times: only the rep's days off changed.
    week_planner = RotationPlanner(rep, planner.accounts, planner.cycle, planner.travel,
                                   day_balance=edit.plan.settings.day_balance)
    slots = week_slots(week_planner, slot[0])
    replanned, _result = replan(week_planner, schedule, slots, progress, should_stop)
    new = edit.plan.copy()
    new.schedules[rep_id] = replanned
    days = ", ".join(WEEKDAY_NAMES[d] for _w, d in slots)
    return Edit(edit.text, new, (f"Week {slot[0] + 1} re-planned over {days}",))


def stretch_cadence(plan: Plan, result: RotationSchedule, weeks: int) -> Edit:
    """Visit a rep's accounts ``result.stretch_factor`` times less often so the schedule fits.

    The factor is the engine's (:attr:`RotationSchedule.stretch_factor`); the visits each
    account keeps come from :func:`stretched_visits`, and its interval is set so the one
    conversion (:func:`~territory_desktop.model.cadence.visits_per_cycle`) gives them back.
    """
    factor = result.stretch_factor
    keep = stretched_visits(result.required_visits, factor, weeks)
    new = plan.copy()
    changed = 0
    for aid, visits in keep.items():
        if aid in plan.accounts and 0 < visits < result.required_visits[aid]:
            new.accounts[aid] = dataclasses.replace(plan.accounts[aid],
                                                    every_weeks=every_weeks_for(visits, weeks))
            changed += 1
    return Edit(f"Stretch cadence ×{factor:.2f} for {changed} accounts", new)


def replan_slots(planner: RotationPlanner, slot: Slot, rest_of_week: bool) -> Sequence[Slot]:
    """Return the days a re-plan covers.

    ``slot`` alone ("Re-optimise this day"), or with ``rest_of_week`` the rest of its week.
    """
    return week_slots(planner, slot[0], slot[1]) if rest_of_week else [slot]
