import datetime as dt

import pytest

from territory_desktop.model.rotation_dates import moved_visit_day, rotation_start, week_to_show

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


def test_a_moved_visit_without_a_date_goes_to_the_next_day():
    assert moved_visit_day("2026-12-04") == "2026-12-05"
    assert moved_visit_day("2026-12-31") == "2027-01-01"
