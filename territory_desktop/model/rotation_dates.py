"""Calendar rules of a rotation.

Where week 1 starts, which week a rep sees, where a moved visit goes, which planned visit the
log already placed on another day, which stored visits no working day holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from territory_desktop.model.plan import Plan
    from territory_desktop.model.schedule import VisitLogEntry


def rotation_start(picked: dt.date, stored: str, today: dt.date) -> str:
    """Return the rotation start (ISO Monday) after the user picked ``picked`` in Settings.

    Week 1 starts on the Monday of the picked day. A plan with no start yet (``stored`` is "")
    keeps none while the picker still shows today, its default: the first stored rotation
    then fixes the start (see :func:`territory_desktop.edits.set_schedule`).
    """
    if not stored and picked == today:
        return stored
    return (picked - dt.timedelta(days=picked.weekday())).isoformat()


def week_to_show(today: dt.date, working_weekdays: tuple[int, ...]) -> dt.date:
    """Return the Monday of the week a rep wants to see today: next week once this one's is over."""
    monday = today - dt.timedelta(days=today.weekday())
    last_working = max(working_weekdays, default=4)
    return monday + dt.timedelta(days=7) if today.weekday() > last_working else monday


def moved_visit_day(planned: str, working_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4),
                    holidays: tuple[str, ...] = ()) -> str:
    """Where a visit logged as "moved" without a new date goes: the next working day (ISO).

    A Friday's visit goes to Monday, not to Saturday; holidays are skipped.
    """
    day = dt.date.fromisoformat(planned)
    for _ in range(366):
        day += dt.timedelta(days=1)
        if day.weekday() in working_weekdays and day.isoformat() not in holidays:
            return day.isoformat()
    return (dt.date.fromisoformat(planned) + dt.timedelta(days=1)).isoformat()


def holidays_moved_to(day: dt.date, working_weekdays: tuple[int, ...],
                      holidays: tuple[str, ...]) -> list[dt.date]:
    """Return the holidays whose visits are done on ``day``: it is the next working day after each.

    A Friday holiday's visits go to Monday; two holidays in a row both go to the day after.
    """
    iso = day.isoformat()
    if iso in holidays or day.weekday() not in working_weekdays:
        return []
    return sorted(h for h in map(dt.date.fromisoformat, holidays)
                  if h < day and h.weekday() in working_weekdays
                  and moved_visit_day(h.isoformat(), working_weekdays, holidays) == iso)


def check_moved_to(planned: str, moved_to: str, holidays: tuple[str, ...] = (),
                   working_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)) -> None:
    """Raise ValueError, in words, unless ``moved_to`` is a later working day, no holiday.

    A move to a weekday the plan does not work (a Saturday in a Monday-Friday plan) is refused:
    the rep's week shows working days only, so the visit would vanish from it.
    """
    try:
        day = dt.date.fromisoformat(moved_to)
    except ValueError:
        raise ValueError(f"moved to {moved_to!r}: type the day as YYYY-MM-DD, e.g. "
                         f"{moved_visit_day(planned, working_weekdays, holidays)}") from None
    if day <= dt.date.fromisoformat(planned):
        raise ValueError(f"moved to {moved_to}: a visit moves to a later day than {planned}")
    if day.weekday() not in working_weekdays:
        raise ValueError(f"moved to {moved_to}: {_day(day)} is not a working day; e.g. "
                         f"{moved_visit_day(moved_to, working_weekdays, holidays)} is one")
    if moved_to in holidays:
        raise ValueError(f"moved to {moved_to}: that day is one of the plan's holidays; e.g. "
                         f"{moved_visit_day(moved_to, working_weekdays, holidays)} is a working "
                         "day")


LOGGED_AFTER_THE_DAY = ("done", "skipped")
"""Statuses that say what happened: a visit gets one on or after its day, never before."""


def check_logged_on(planned: str, status: str, today: dt.date) -> None:
    """Raise ValueError, in words, when ``status`` says a visit of a later day already happened.

    A visit is done or skipped on its day; logging it so beforehand would also drop it from the
    mileage log as not driven yet. "moved" (and "planned") are fine for any day.
    """
    day = dt.date.fromisoformat(planned)
    if status in LOGGED_AFTER_THE_DAY and day > today:
        raise ValueError(f"{_day(day)} is after today ({_day(today)}): log the visit as {status} "
                         "on or after its day")


def logged_elsewhere(planned: Mapping[str, Sequence[str]],
                     log: Iterable[VisitLogEntry]) -> set[tuple[str, str]]:
    """Return the planned visits (ISO day, account id) of one week the log has on another day.

    ``planned`` holds the week's planned accounts per ISO day, ``log`` the rep's entries of
    that week. A visit logged done, skipped or moved on a day the rotation no longer plans it
    (the rotation moved it since) is that week's visit: the log says what happened, so the
    day the rotation moved it to, when not logged itself, does not hold it again.
    """
    entries = list(log)
    logged = {(e.date, e.account_id) for e in entries}
    hidden: set[tuple[str, str]] = set()
    for e in sorted(entries, key=lambda e: e.date):
        if e.status == "planned" or e.account_id in planned.get(e.date, ()):
            continue
        free = [d for d in sorted(planned) if e.account_id in planned[d]
                and (d, e.account_id) not in logged and (d, e.account_id) not in hidden]
        if free:
            hidden.add((free[0], e.account_id))
    return hidden


def _day(day: dt.date) -> str:
    """Return a date as a rep reads it: "Sat 12 Dec"."""
    return f"{day:%a} {day.day} {day:%b}"


def visits_on_rest_days(plan: Plan) -> dict[str, int]:
    """Return, per rep, how many stored rotation visits fall on a weekday nobody works.

    They are never made: the working days changed after the rotation was scheduled, and only
    scheduling it again places them.
    """
    working = set(plan.settings.working_weekdays)
    counts = {rep_id: sum(v.weekday not in working for v in schedule.visits)
              for rep_id, schedule in plan.schedules.items()}
    return {rep_id: n for rep_id, n in counts.items() if n}


def rest_day_note(plan: Plan, before: Plan | None = None) -> str:
    """Say which reps' stored visits fall on rest days (those new since ``before``), or ""."""
    now = visits_on_rest_days(plan)
    was = visits_on_rest_days(before) if before is not None else {}
    new = {rep: n for rep, n in now.items() if n > was.get(rep, 0)}
    if not new:
        return ""
    names = ", ".join(plan.reps[r].name if r in plan.reps else r for r in sorted(new))
    total = sum(new.values())
    return (f"{total} scheduled visit{'s' if total != 1 else ''} of {names} fall on days "
            "that are no longer working days and will not be made: schedule "
            f"{'that rep' if len(new) == 1 else 'those reps'} again (Rotation > Schedule "
            "rotation)")


def start_moved_note(plan: Plan, before: Plan) -> str:
    """Say that week 1 moved under stored rotations (their days fall on other dates), or ""."""
    start = plan.settings.rotation_start
    if not plan.schedules or not start or start == before.settings.rotation_start:
        return ""
    monday = dt.date.fromisoformat(start)
    return (f"Week 1 now starts on {monday:%a} {monday.day} {monday:%b %Y}: the stored "
            "rotations' days fall on other dates from now on; visits already logged stay on "
            "their dates")
