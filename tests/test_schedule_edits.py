import re

import pytest

from territory_desktop import edits, import_edits
from territory_desktop.model import (
    Account,
    Plan,
    PlanError,
    Rep,
    RepSchedule,
    ScheduledVisit,
    ScheduleError,
    UnplacedAccount,
    VisitLogEntry,
)


def plan_with_schedule() -> Plan:
    plan = Plan()
    plan.reps = {"r": Rep("r", "Ana", 39.29, -76.60)}
    plan.accounts = {a: Account(a, a.upper(), 39.29, -76.60) for a in "abcde"}
    visits = (
        ScheduledVisit("a", 0, 0, 0), ScheduledVisit("b", 0, 0, 1, pinned=True),
        ScheduledVisit("c", 0, 0, 2), ScheduledVisit("d", 0, 1, 0), ScheduledVisit("a", 1, 0, 0),
    )
    plan.schedules = {"r": RepSchedule("r", 2, visits)}
    return plan


def ids(plan, slot):
    return [v.account_id for v in plan.schedules["r"].day(*slot)]


def test_move_between_days_and_reorder():
    plan = plan_with_schedule()
    moved = edits.move_visit(plan, "r", "c", (0, 0), (0, 1), 0).plan
    assert ids(moved, (0, 0)) == ["a", "b"]
    assert ids(moved, (0, 1)) == ["c", "d"]
    assert [v.order for v in moved.schedules["r"].day(0, 1)] == [0, 1]
    assert ids(plan, (0, 0)) == ["a", "b", "c"]  # input untouched
    reordered = edits.move_visit(plan, "r", "c", (0, 0), (0, 0), 0).plan
    assert ids(reordered, (0, 0)) == ["c", "a", "b"]


def test_pinned_visit_cannot_change_day_but_can_be_unpinned():
    plan = plan_with_schedule()
    with pytest.raises(PlanError, match="pinned"):
        edits.move_visit(plan, "r", "b", (0, 0), (0, 1))
    free = edits.set_visit_pinned(plan, "r", "b", (0, 0), False).plan
    assert ids(edits.move_visit(free, "r", "b", (0, 0), (0, 1)).plan, (0, 1)) == ["d", "b"]


def test_no_double_visit_same_day_and_adhoc_visits():
    plan = plan_with_schedule()
    with pytest.raises(PlanError, match="already"):
        edits.move_visit(plan, "r", "a", (1, 0), (0, 0))
    added = edits.add_adhoc_visit(plan, "r", "e", (1, 0)).plan
    day = added.schedules["r"].day(1, 0)
    assert [(v.account_id, v.adhoc) for v in day] == [("a", False), ("e", True)]
    removed = edits.remove_visit(added, "r", "e", (1, 0)).plan
    assert ids(removed, (1, 0)) == ["a"]
    assert removed.schedules["r"].unplaced == ()


def test_a_planned_visit_taken_out_by_hand_is_listed_unplaced():
    plan = plan_with_schedule()
    removed = edits.remove_visit(plan, "r", "d", (0, 1)).plan
    assert ids(removed, (0, 1)) == []
    assert removed.schedules["r"].unplaced == (
        UnplacedAccount("d", 1, "visit taken out by hand"),)


def test_day_off_moves_visits_to_nearest_day_never_drops_them():
    plan = plan_with_schedule()
    edit = edits.set_day_off(plan, "r", (0, 0), True)
    new = edit.plan
    assert (0, 0) in new.reps["r"].days_off
    assert ids(new, (0, 0)) == []
    assert ids(new, (0, 1)) == ["d", "a", "b", "c"]
    assert "moved to week 1 Tue" in edit.notes[0]
    total = sum(len(s.visits) for s in new.schedules.values())
    assert total == len(plan.schedules["r"].visits)
    back = edits.set_day_off(new, "r", (0, 0), False).plan
    assert back.reps["r"].days_off == ()


def test_day_off_when_the_whole_week_is_off_lists_unplaced():
    plan = plan_with_schedule()
    for d in (1, 2, 3, 4):
        plan = edits.set_day_off(plan, "r", (1, d), True).plan
    new = edits.set_day_off(plan, "r", (1, 0), True).plan
    assert [(u.account_id, u.reason) for u in new.schedules["r"].unplaced] == [
        ("a", "every day of its week is off")]


def test_visit_log_replaces_same_visit():
    plan = plan_with_schedule()
    e1 = VisitLogEntry("2026-11-23", "r", "a", "done", odometer_start=100.0, odometer_end=112.5)
    plan = edits.log_visit(plan, e1).plan
    assert plan.visit_log[0].logged_distance == pytest.approx(12.5)
    e2 = VisitLogEntry("2026-11-23", "r", "a", "moved", moved_to="2026-11-24")
    plan = edits.log_visit(plan, e2).plan
    assert plan.visit_log == [e2]
    cleared = edits.clear_visit_log_entry(plan, "2026-11-23", "r", "a")
    assert cleared.plan.visit_log == []
    assert cleared.text == "Clear the log of A 2026-11-23"  # the account's name, as the log's


@pytest.mark.parametrize(("readings", "reason"), [
    ({"odometer_start": 12010.0, "odometer_end": 12005.0}, "(12005) is lower than at the start"),
    ({"odometer_start": -1.0}, "odometer at the start must be a number of zero or more"),
    ({"odometer_end": float("nan")}, "odometer at the end must be a number of zero or more"),
    ({"distance": float("inf")}, "distance must be a number of zero or more"),
])
def test_a_log_entry_refuses_impossible_readings(readings, reason):
    with pytest.raises(ScheduleError, match=re.escape(reason)):
        VisitLogEntry("2026-11-23", "r", "a", "planned", **readings)


def test_readings_of_a_visit_not_yet_done_are_a_planned_entry():
    plan = plan_with_schedule()
    entry = VisitLogEntry("2026-11-23", "r", "a", "planned", odometer_start=12000.0)
    edit = edits.log_visit(plan, entry)
    assert edit.plan.visit_log == [entry]
    assert edit.text == "Log odometer for A 2026-11-23"


def test_each_log_edit_is_named_for_what_it_changes():
    from dataclasses import replace

    plan = plan_with_schedule()
    done = VisitLogEntry("2026-11-23", "r", "a", "done")
    texts = []
    for entry in (done, replace(done, distance=2.5), replace(done, distance=2.5, note="gate code"),
                  replace(done, status="moved", moved_to="2026-11-24")):
        edit = edits.log_visit(plan, entry)
        plan = edit.plan
        texts.append(edit.text)
    assert texts == ["Mark A 2026-11-23 done", "Log 2.5 mi to A 2026-11-23",
                     "Note on A 2026-11-23", "Mark A 2026-11-23 moved to 2026-11-24"]


def test_reimport_keeps_what_only_the_app_sets():
    from dataclasses import replace

    plan = plan_with_schedule()
    plan.accounts["a"] = replace(plan.accounts["a"], window_start=600, window_end=660,
                                 closed_weekdays=(0,), same_weekday=True)
    plan.reps["r"] = replace(plan.reps["r"], days_off=((0, 4),), max_day_minutes=420)
    fresh_a = Account("a", "A renamed", 39.3, -76.61, tier="A")
    fresh_r = Rep("r", "Ana B.", 39.3, -76.61)
    plan = import_edits.import_accounts(plan, [fresh_a]).plan
    plan = import_edits.import_reps(plan, [fresh_r]).plan
    a, r = plan.accounts["a"], plan.reps["r"]
    assert (a.name, a.tier, a.lat) == ("A renamed", "A", 39.3)
    assert (a.window_start, a.window_end, a.closed_weekdays, a.same_weekday) == (
        600, 660, (0,), True)
    assert (r.name, r.days_off, r.max_day_minutes) == ("Ana B.", ((0, 4),), 420)


def test_first_schedule_anchors_the_rotation_start():
    plan = plan_with_schedule()
    assert plan.settings.rotation_start == ""
    schedule = plan.schedules["r"]
    anchored = edits.set_schedule(plan, schedule, "s", anchor="2026-11-23").plan
    assert anchored.settings.rotation_start == "2026-11-23"
    again = edits.set_schedule(anchored, schedule, "s", anchor="2026-12-07").plan
    assert again.settings.rotation_start == "2026-11-23"  # never moves once set
    assert again.settings.rotation_weeks == schedule.weeks
