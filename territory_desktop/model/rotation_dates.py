"""Calendar rules of a rotation.

Where week 1 starts, which week a rep sees, where a moved visit goes.
"""

from __future__ import annotations

import datetime as dt


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


def moved_visit_day(planned: str) -> str:
    """Where a visit logged as "moved" without a new date goes: the next day (ISO dates)."""
    return (dt.date.fromisoformat(planned) + dt.timedelta(days=1)).isoformat()
