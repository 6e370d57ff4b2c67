import datetime as dt

import pytest

from territory_desktop.model.rotation_dates import (
    check_logged_on,
    check_moved_to,
    holidays_moved_to,
    logged_elsewhere,
    moved_visit_day,
    rotation_start,
    week_to_show,
)
from territory_desktop.model.schedule import VisitLogEntry

D = dt.date.fromisoformat


@pytest.mark.parametrize(("today", "monday"), [
    ("2026-12-06", "2026-12-07"),  # Sunday: this week's work is over, show the next one
    ("2026-12-05", "2026-12-07"),  # Saturday
    ("2026-12-02", "2026-11-30"),  # Wednesday: this week
    ("2026-11-30", "2026-11-30"),  # Monday
])
def test_the_week_to_show_is_named_by_its_monday(today, monday):
    assert week_to_show(D(today), (0, 1, 2, 3, 4)) == D(monday)


def test_a_rep_working_saturdays_sees_this_week_on_saturday():
    assert week_to_show(D("2026-12-05"), (0, 1, 2, 3, 4, 5)) == D("2026-11-30")


def test_rotation_starts_on_the_monday_of_the_picked_day():
    assert rotation_start(D("2026-12-03"), "", D("2026-12-01")) == "2026-11-30"
    assert rotation_start(D("2026-12-03"), "2026-01-05", D("2026-12-03")) == "2026-11-30"


def test_an_untouched_picker_leaves_an_unset_start_unset():
    # The picker shows today when the plan has no start; the first rotation then fixes it.
    assert rotation_start(D("2026-12-03"), "", D("2026-12-03")) == ""


def test_a_moved_visit_without_a_date_goes_to_the_next_working_day():
    assert moved_visit_day("2026-12-03") == "2026-12-04"
    assert moved_visit_day("2026-12-04") == "2026-12-07"  # a Friday's visit: Monday
    assert moved_visit_day("2026-12-31") == "2027-01-01"
    assert moved_visit_day("2026-12-31", holidays=("2027-01-01",)) == "2027-01-04"
    assert moved_visit_day("2026-12-04", working_weekdays=(0, 1, 2, 3, 4, 5)) == "2026-12-05"


def test_a_move_is_to_a_later_day_typed_as_a_date():
    check_moved_to("2026-12-04", "2026-12-08")
    with pytest.raises(ValueError, match=r"moved to 'yesterday': type the day as YYYY-MM-DD, "
                                         r"e\.g\. 2026-12-07"):
        check_moved_to("2026-12-04", "yesterday")
    with pytest.raises(ValueError, match="a visit moves to a later day than 2026-12-04"):
        check_moved_to("2026-12-04", "2026-12-02")


def test_holiday_visits_go_to_the_next_working_day():
    week = (0, 1, 2, 3, 4)
    christmas = ("2026-12-24", "2026-12-25", "2026-07-04")  # Thu, Fri; 4 July is a Saturday
    monday = dt.date(2026, 12, 28)
    assert holidays_moved_to(monday, week, christmas) == [dt.date(2026, 12, 24),
                                                          dt.date(2026, 12, 25)]
    assert holidays_moved_to(dt.date(2026, 12, 25), week, christmas) == []  # a holiday itself
    assert holidays_moved_to(dt.date(2026, 12, 29), week, christmas) == []
    assert holidays_moved_to(dt.date(2026, 7, 6), week, christmas) == []  # nobody works Sat
    saturdays = (*week, 5)
    assert holidays_moved_to(dt.date(2026, 12, 26), saturdays, christmas) == [
        dt.date(2026, 12, 24), dt.date(2026, 12, 25)]


def test_a_visit_does_not_move_onto_a_holiday():
    with pytest.raises(ValueError, match=r"moved to 2026-12-25: that day is one of the plan's "
                                         r"holidays; e.g. 2026-12-28 is a working day"):
        check_moved_to("2026-12-23", "2026-12-25", ("2026-12-25",))
    check_moved_to("2026-12-23", "2026-12-24", ("2026-12-25",))


def test_a_slots_next_date_is_its_first_occurrence_from_a_day_on():
    from territory_desktop.optimize.rotation import RotationCycle

    cycle = RotationCycle(weeks=4, start=dt.date(2026, 11, 4))  # week 1 starts Mon 2 Nov
    monday = dt.date(2026, 12, 7)  # week 2 of the third occurrence
    assert cycle.slot(monday) == (1, 0)
    assert cycle.next_date(1, 0, monday) == monday
    assert cycle.next_date(1, 4, monday) == dt.date(2026, 12, 11)
    assert cycle.next_date(0, 2, monday) == dt.date(2026, 12, 30)  # week 1 comes round again
    assert cycle.next_date(3, 1, monday) == dt.date(2026, 12, 22)
    for day in (dt.date(2026, 1, 5), monday, dt.date(2027, 3, 3)):
        for slot in cycle.all_slots():
            found = cycle.next_date(*slot, day)
            assert cycle.slot(found) == slot and 0 <= (found - day).days < 28


def test_a_visit_moves_to_one_of_the_plans_working_days_only():
    with pytest.raises(ValueError, match=r"moved to 2026-12-12: Sat 12 Dec is not a working day; "
                                         r"e\.g\. 2026-12-14 is one"):
        check_moved_to("2026-12-09", "2026-12-12")
    check_moved_to("2026-12-09", "2026-12-12", working_weekdays=(0, 1, 2, 3, 4, 5))
    with pytest.raises(ValueError, match="Fri 11 Dec is not a working day"):
        check_moved_to("2026-12-09", "2026-12-11", working_weekdays=(0, 1, 2, 3))


def test_a_visit_is_logged_done_or_skipped_on_its_day_or_later_only():
    monday = dt.date(2026, 12, 7)
    for status in ("done", "skipped"):
        with pytest.raises(ValueError, match=r"Wed 9 Dec is after today \(Mon 7 Dec\): log the "
                                             f"visit as {status} on or after its day"):
            check_logged_on("2026-12-09", status, monday)
        check_logged_on("2026-12-07", status, monday)  # today's
        check_logged_on("2026-12-04", status, monday)  # last week's, logged late
    check_logged_on("2026-12-09", "moved", monday)  # a later visit may be moved ahead
    check_logged_on("2026-12-09", "planned", monday)


def test_a_visit_logged_on_a_day_the_rotation_moved_it_from_is_not_planned_again():
    mon, tue, wed, thu = "2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03"
    planned = {mon: ["B"], tue: [], wed: ["A"], thu: ["A", "B"]}  # A was dragged Mon -> Wed

    def log(*entries):
        return logged_elsewhere(planned, [VisitLogEntry(d, "R", a, s, moved_to=to)
                                          for d, a, s, to in entries])

    assert log((mon, "A", "moved", tue)) == {(wed, "A")}  # Tuesday holds it, not Wednesday
    assert log((mon, "A", "done", "")) == {(wed, "A")}
    assert log((mon, "A", "planned", "")) == set()  # readings only: still to be visited
    assert log((mon, "B", "done", "")) == set()  # on its planned day
    assert log((mon, "A", "done", ""), (wed, "A", "done", "")) == {(thu, "A")}
    assert log((tue, "A", "skipped", ""), (mon, "A", "done", "")) == {(wed, "A"), (thu, "A")}
