"""Plausibility of the odometer readings and distances a rep logs on a visit.

A typo in a reading (12003 -> 99999) would otherwise become an 87,996-mile leg in the mileage
log and the expense claim. Readings are in the car's unit (mi or km) and are never corrected:
an implausible one is refused with the reason, the rep types it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from territory_desktop.model.schedule import VisitLogEntry
from territory_desktop.units import convert

MAX_DRIVE_PER_DAY = 1000.0
"""Most a rep can drive in one working day, in the odometer's unit, mi or km alike.

1,000 mi is 16 hours at 60 mph, 1,000 km over 10 hours at motorway speed: no working day of
visits covers more. A visit's distance, and the span of one day's readings, above it is a typo.
"""


def driven_on(entry: VisitLogEntry) -> str:
    """Return the ISO date the visit is driven on: the day it moved to, else its own."""
    return entry.moved_to if entry.status == "moved" and entry.moved_to else entry.date


def check_readings(entry: VisitLogEntry, others: Iterable[VisitLogEntry],
                   names: Mapping[str, str] | None = None) -> None:
    """Raise ValueError, in words, when ``entry``'s readings cannot be right.

    Refused: a distance for the visit over :data:`MAX_DRIVE_PER_DAY`; a day whose readings
    span more than that; a reading inside another visit's start-end drive of the same day
    (the odometer only goes up, so two drives of a day cannot overlap, whatever order the rep
    visited in: the exports order a day's stops by their readings). ``others`` is the log;
    entries of other reps and days are ignored; their readings are compared in ``entry``'s unit.
    ``names`` gives accounts' names for the message.
    """
    names = names or {}
    distance = entry.logged_distance
    if distance is not None and distance > MAX_DRIVE_PER_DAY:
        how = ("odometer end minus start" if entry.distance is None
               else "the distance typed")
        raise ValueError(f"{distance:,.0f} ({how}) for one visit is more than anyone drives in a "
                         f"day ({MAX_DRIVE_PER_DAY:,.0f}); check the reading")
    mine = _readings(entry)
    if not mine:
        return
    day = driven_on(entry)
    same_day = [e for e in others if e.rep_id == entry.rep_id and driven_on(e) == day
                and (e.date, e.account_id) != (entry.date, entry.account_id) and _readings(e)]
    low, high = min(mine), max(mine)
    for other in same_day:
        theirs = [convert(r, other.unit, entry.unit) for r in _readings(other)]
        name = names.get(other.account_id, other.account_id)
        o_low, o_high = min(theirs), max(theirs)
        span = max(high, o_high) - min(low, o_low)
        if span > MAX_DRIVE_PER_DAY:
            raise ValueError(f"with {name}'s readings ({_span(theirs)}) the day's odometer would "
                             f"span {span:,.0f}, more than anyone drives in a day "
                             f"({MAX_DRIVE_PER_DAY:,.0f}); check the reading")
        if low < o_high and o_low < high:
            raise ValueError(f"odometer {_span(mine)} overlaps the drive to {name} the same day "
                             f"({_span(theirs)}): the odometer only goes up")


def _readings(entry: VisitLogEntry) -> list[float]:
    return [r for r in (entry.odometer_start, entry.odometer_end) if r is not None]


def _span(readings: list[float]) -> str:
    return " to ".join(f"{r:g}" for r in readings)
