"""A rep's call rotation as saved in the plan, and the log of what actually happened."""

from __future__ import annotations

import math
from dataclasses import dataclass

from territory_desktop.units import DistanceUnit, convert

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Short weekday names, 0 = Monday as :meth:`datetime.date.weekday` counts."""

VISIT_STATUSES = ("planned", "done", "skipped", "moved")
"""Log statuses; "planned" keeps readings entered before the visit's outcome is logged."""


class ScheduleError(ValueError):
    """An inconsistent schedule or log entry; the message says what is wrong."""


@dataclass(frozen=True)
class ScheduledVisit:
    """One visit in the repeating cycle: which day, and its position in that day's route."""

    account_id: str
    week: int  # 0-based week of the cycle
    weekday: int  # 0 = Monday
    order: int  # 0-based stop position in the day
    pinned: bool = False  # re-optimising never moves it
    adhoc: bool = False  # added by hand on top of the cadence

    def __post_init__(self) -> None:
        """Refuse a negative week or position, or a weekday outside 0-6 (ScheduleError)."""
        if self.week < 0 or not 0 <= self.weekday <= 6 or self.order < 0:
            raise ScheduleError(f"visit to {self.account_id}: bad day or position")

    @property
    def slot(self) -> tuple[int, int]:
        """The visit's day as (week, weekday)."""
        return (self.week, self.weekday)


@dataclass(frozen=True)
class UnplacedAccount:
    """Visits the scheduler could not fit, with the reason it gave."""

    account_id: str
    missing_visits: int
    reason: str


@dataclass(frozen=True)
class RepSchedule:
    """A rep's rotation: visits by day in route order, plus what did not fit."""

    rep_id: str
    weeks: int
    visits: tuple[ScheduledVisit, ...] = ()
    unplaced: tuple[UnplacedAccount, ...] = ()
    seed: int = 0

    def day(self, week: int, weekday: int) -> list[ScheduledVisit]:
        """Return the visits of one day in route order."""
        return sorted((v for v in self.visits if v.week == week and v.weekday == weekday),
                      key=lambda v: v.order)

    def days(self) -> dict[tuple[int, int], list[str]]:
        """Account ids per (week, weekday) in route order."""
        out: dict[tuple[int, int], list[str]] = {}
        for v in sorted(self.visits, key=lambda v: (v.week, v.weekday, v.order)):
            out.setdefault(v.slot, []).append(v.account_id)
        return out

    def visits_of(self, account_id: str) -> list[ScheduledVisit]:
        """Return the account's visits, in stored order."""
        return [v for v in self.visits if v.account_id == account_id]


@dataclass(frozen=True)
class VisitLogEntry:
    """What happened on a real date: done, skipped or moved, with the rep's mileage if known.

    The readings (odometer start and end, the typed ``distance``) are in ``unit``, the
    car's: the distance unit the user had chosen when logging them. They mean that distance
    whatever the preference is later; :meth:`distance_in` converts.
    """

    date: str  # ISO date of the planned visit
    rep_id: str
    account_id: str
    status: str
    moved_to: str = ""  # ISO date, for status "moved"
    odometer_start: float | None = None
    odometer_end: float | None = None
    distance: float | None = None  # driven to this visit as typed (in ``unit``)
    note: str = ""
    unit: DistanceUnit = "mi"

    def __post_init__(self) -> None:
        """Refuse an unknown status or an inconsistent entry (ScheduleError)."""
        if self.status not in VISIT_STATUSES:
            raise ScheduleError(f"visit status must be one of {', '.join(VISIT_STATUSES)}")
        if self.unit not in ("mi", "km"):
            raise ScheduleError(f"a reading's unit must be mi or km, not {self.unit!r}")
        if self.status == "moved" and not self.moved_to:
            raise ScheduleError("a moved visit needs the date it moved to")
        if (self.odometer_start is not None and self.odometer_end is not None
                and self.odometer_end < self.odometer_start):
            raise ScheduleError(f"odometer at the end ({self.odometer_end:g}) is lower than at "
                                f"the start ({self.odometer_start:g})")
        for label, value in (("odometer at the start", self.odometer_start),
                             ("odometer at the end", self.odometer_end),
                             ("distance", self.distance)):
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise ScheduleError(f"{label} must be a number of zero or more, not {value:g}")

    @property
    def logged_distance(self) -> float | None:
        """Typed distance, else the odometer difference, else None; in :attr:`unit`."""
        if self.distance is not None:
            return self.distance
        if self.odometer_start is not None and self.odometer_end is not None:
            return self.odometer_end - self.odometer_start
        return None

    def distance_in(self, unit: str) -> float | None:
        """Return :attr:`logged_distance` in ``unit`` (None when nothing was logged)."""
        distance = self.logged_distance
        return None if distance is None else convert(distance, self.unit, unit)
