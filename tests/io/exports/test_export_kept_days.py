"""Days already driven keep their visits when the rotation is edited afterwards.

The fixture's rotation starts on 2025-12-29 and today is 2026-12-04: its first weeks were
driven long ago, and an edit of a cycle day would otherwise re-plan them (and their mileage).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from territory_desktop import edits
from territory_desktop.io.exports import build_trips
from territory_desktop.optimize.plan_schedule import cycle_for, keep_past_days, planned_on

REP = "REP-4"  # the fixture plan's scheduled rep (see tests/data/make_exports_plan.py)
START, END = dt.date(2025, 12, 29), dt.date(2026, 1, 9)


def _stops(trips):
    return [(d.date, [v.place.account_id for v in d.visits], round(d.total(), 2))
            for d in trips.days]


def _rotation_edits(plan):
    """Return four edits that each re-plan past days: a day off, week 1, a holiday, a move."""
    account = plan.schedules[REP].day(1, 0)[0].account_id
    later = dataclasses.replace(plan.settings, rotation_start="2026-01-05")
    holiday = dataclasses.replace(plan.settings,
                                  holidays=(*plan.settings.holidays, "2026-01-07"))
    return {
        "day off": edits.set_day_off(plan, REP, (1, 0), True),
        "week 1": edits.update_settings(plan, later),
        "holiday": edits.update_settings(plan, holiday),
        "visit moved": edits.move_visit(plan, REP, account, (1, 0), (1, 2)),
    }


@pytest.mark.parametrize("kind", ["day off", "week 1", "holiday", "visit moved"])
def test_a_rotation_edit_leaves_the_mileage_of_days_driven_as_it_was(export_plan,
                                                                     sample_network, kind):
    before = _stops(build_trips(export_plan, REP, START, END, sample_network))
    edit = _rotation_edits(export_plan)[kind]
    re_planned = _stops(build_trips(edit.plan, REP, START, END, sample_network))
    assert re_planned != before  # what the edit alone does to days long driven
    kept, note = keep_past_days(export_plan, edit.plan)
    assert _stops(build_trips(kept, REP, START, END, sample_network)) == before
    assert note.startswith(f"{len(kept.kept_days)} days before today keep the visits they had")
    assert edit.plan.kept_days == {}  # the edit's own plan is not changed


def test_days_to_come_follow_the_edit_and_today_is_not_kept(export_plan):
    edit = edits.set_day_off(export_plan, REP, (1, 0), True)
    today = dt.date(2026, 1, 5)  # week 2's Monday itself
    kept, _ = keep_past_days(export_plan, edit.plan, today)
    tuesday, note = keep_past_days(export_plan, edit.plan, today + dt.timedelta(days=1))
    assert list(tuesday.kept_days) == [(REP, "2026-01-05")]
    assert note == "1 day before today keeps the visits it had (Samuel Okoye), as driven"
    cycle = cycle_for(kept, kept.schedules[REP].weeks)
    assert all(dt.date.fromisoformat(day) < today for _rep, day in kept.kept_days)
    assert planned_on(kept, REP, cycle, today) == []
    assert planned_on(kept, REP, cycle, today + dt.timedelta(weeks=4)) == []
    old = cycle_for(export_plan, 4)
    assert planned_on(export_plan, REP, old, today)  # it had visits before the edit


def test_an_edit_that_re_plans_nothing_past_keeps_nothing(export_plan):
    account = next(iter(export_plan.accounts))
    edit = edits.update_account(export_plan, account, notes="call first")
    assert keep_past_days(export_plan, edit.plan) == (edit.plan, "")
    # a day off on a weekday the rotation has no visits on: the days past plan the same
    sunday_off = edits.set_day_off(export_plan, REP, (0, 6), True)
    assert keep_past_days(export_plan, sunday_off.plan) == (sunday_off.plan, "")


def test_kept_days_stay_kept_through_a_second_edit(export_plan, sample_network):
    before = _stops(build_trips(export_plan, REP, START, END, sample_network))
    first, _ = keep_past_days(export_plan,
                              edits.set_day_off(export_plan, REP, (1, 0), True).plan)
    second = edits.set_schedule(first, dataclasses.replace(first.schedules[REP], visits=()),
                                "empty")
    kept, _ = keep_past_days(first, second.plan)
    assert _stops(build_trips(kept, REP, START, END, sample_network)) == before
