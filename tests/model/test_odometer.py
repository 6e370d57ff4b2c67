"""Plausibility of the odometer readings a rep logs (Rep's week)."""

from __future__ import annotations

import pytest

from territory_desktop.model import VisitLogEntry
from territory_desktop.model.odometer import MAX_DRIVE_PER_DAY, check_readings, driven_on

REP = "REP-4"


def _visit(account: str, start: float | None = None, end: float | None = None, *,
           date: str = "2026-12-09", status: str = "planned", distance: float | None = None,
           moved_to: str = "") -> VisitLogEntry:
    return VisitLogEntry(date, REP, account, status, moved_to=moved_to, odometer_start=start,
                         odometer_end=end, distance=distance)


def test_a_visits_distance_over_a_days_driving_is_refused():
    with pytest.raises(ValueError, match=r"87,996 \(odometer end minus start\) for one visit is "
                                         r"more than anyone drives in a day \(1,000\)"):
        check_readings(_visit("A", 12003, 99999), [])
    with pytest.raises(ValueError, match=r"1,200 \(the distance typed\)"):
        check_readings(_visit("A", distance=1200), [])
    check_readings(_visit("A", 12003, 12003 + MAX_DRIVE_PER_DAY), [])  # a long day, possible
    check_readings(_visit("A", 12003, 12003.3), [])


def test_a_days_readings_neither_overlap_nor_span_more_than_a_days_driving():
    first = _visit("A", 12000, 12010)
    log = [first, _visit("B", 50, 60, date="2026-12-10"),  # other days: not compared
           _visit("C", 11000, 11990, date="2026-12-08")]
    names = {"A": "Food Mart"}
    for start, end in ((12005, None), (12005, 12020), (11995, 12001), (11990, 12030)):
        with pytest.raises(ValueError, match="overlaps the drive to Food Mart the same day "
                                             r"\(12000 to 12010\): the odometer only goes up"):
            check_readings(_visit("D", start, end), log, names)
    for start, end in ((12010, 12015), (11990, 12000), (12010, None), (None, 12000)):
        check_readings(_visit("D", start, end), log, names)  # before or after it: fine
    check_readings(first, log, names)  # its own readings are not another visit's
    with pytest.raises(ValueError, match=r"with Food Mart's readings \(12000 to 12010\) the "
                                         r"day's odometer would span 1,500"):
        check_readings(_visit("D", 13500), log, names)


def test_a_moved_visit_is_checked_against_the_day_it_is_driven_on():
    moved = _visit("M", 12005, 12008, date="2026-12-07", status="moved", moved_to="2026-12-09")
    assert driven_on(moved) == "2026-12-09"
    with pytest.raises(ValueError, match="overlaps the drive to A"):
        check_readings(moved, [_visit("A", 12000, 12010)])
    check_readings(moved, [_visit("A", 12000, 12010, date="2026-12-07")])


def test_readings_logged_in_another_unit_are_compared_as_distances():
    # 100 -> 110 mi is 160.9 -> 177.0 km: a km drive from 170 overlaps it, one from 180 does not.
    miles = VisitLogEntry("2026-12-09", REP, "A", "done", odometer_start=100.0,
                          odometer_end=110.0, unit="mi")
    with pytest.raises(ValueError, match="overlaps the drive to A"):
        check_readings(VisitLogEntry("2026-12-09", REP, "B", "done", odometer_start=170.0,
                                     odometer_end=175.0, unit="km"), [miles])
    check_readings(VisitLogEntry("2026-12-09", REP, "B", "done", odometer_start=180.0,
                                 odometer_end=185.0, unit="km"), [miles])
