"""Rotation in the window: schedule a rep, calendar totals, hand edits, pins, day routes."""

from __future__ import annotations

import pytest

from territory_desktop.optimize.plan_schedule import rep_accounts, visits_per_cycle

WAIT_MS = 120_000
REP = "REP-4"  # the conftest's SCHEDULED_REP, scheduled by the ``scheduled`` fixture


def test_schedule_meets_cadence_and_day_limits(scheduled):
    doc, window = scheduled.document, scheduled.window
    plan = doc.plan
    schedule = plan.schedules[REP]
    accounts = rep_accounts(plan, REP, doc.assignment.territory_of)
    assert accounts
    for aid in accounts:
        every, _ = plan.settings.cadence_for(plan.accounts[aid])
        visits = schedule.visits_of(aid)
        assert len(visits) == visits_per_cycle(every, schedule.weeks), aid
        weeks = sorted(v.week for v in visits)
        if len(weeks) == 2:  # two per four weeks: weeks 1 and 3 or 2 and 4
            assert weeks[1] - weeks[0] == 2
        if len(weeks) == 4:  # weekly: once every week
            assert weeks == [0, 1, 2, 3]
    result = window.rotation_panel.last_result
    assert result is not None and result.feasible
    limit = plan.reps[REP].max_day_minutes * 60
    assert all(d.duration_seconds <= limit + 1 for d in result.days)
    assert "frequency compliance 100%" in window.rotation_panel.summary.text()
    assert doc.undo_stack.undoText().startswith("Schedule rotation")


def test_day_route_drive_time_equals_the_schedule(scheduled, qtbot):
    window = scheduled.window
    panel = window.rotation_panel
    slot, day = next((s, d) for s, d in panel.days.items() if d.count() >= 2)
    route = window.rotation.show_day_route(REP, slot)
    totals = next(d for d in panel.last_result.days if (d.day.week, d.day.weekday) == slot)
    assert sum(leg.seconds for leg in route.legs) == pytest.approx(totals.drive_seconds, abs=0.5)
    assert len(route.legs) == day.count() + 1  # home, stops, home


def test_moving_a_visit_updates_totals_and_undoes(scheduled, qtbot):
    window, doc = scheduled.window, scheduled.document
    panel = window.rotation_panel
    source = next(s for s, d in panel.days.items() if d.count() >= 2)
    aid = panel.days[source].item(0).data(0x0100)
    target = next(s for s in panel.days if s != source and s[0] == source[0]
                  and all(v.account_id != aid for v in doc.plan.schedules[REP].day(*s)))
    before_src = panel.headers[source].text()
    before_tgt = panel.headers[target].text()
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        panel.days[target].visit_dropped.emit(aid, source, target, 0)
    assert doc.plan.schedules[REP].day(*target)[0].account_id == aid
    assert panel.headers[source].text() != before_src
    assert panel.headers[target].text() != before_tgt
    assert "drive" in panel.headers[target].text()
    assert panel.days[target].item(0).data(0x0100) == aid
    window.actions["edit.undo"].trigger()
    assert panel.headers[source].text() == before_src
    assert panel.headers[target].text() == before_tgt


def test_pinned_visit_survives_reoptimising_the_week(scheduled, qtbot):
    window, doc = scheduled.window, scheduled.document
    panel = window.rotation_panel
    slot = next(s for s, d in panel.days.items() if d.count() >= 1)
    day = panel.days[slot]
    aid = day.item(0).data(0x0100)
    menu = panel.day_menu(day, day.item(0))
    next(a for a in menu.actions() if a.text() == "Pin to this day").trigger()
    assert doc.plan.schedules[REP].day(*slot)[0].pinned
    week_visits = sorted((v.account_id, v.week) for v in doc.plan.schedules[REP].visits
                         if v.week == slot[0])
    first_day = (slot[0], min(d for w, d in panel.days if w == slot[0]))
    other_weeks = sorted((v.account_id, v.week, v.weekday, v.order)
                         for v in doc.plan.schedules[REP].visits if v.week != slot[0])
    window.rotation.reoptimise(REP, first_day, rest_of_week=True)
    after = doc.plan.schedules[REP]
    assert sorted((v.account_id, v.week, v.weekday, v.order)
                  for v in after.visits if v.week != slot[0]) == other_weeks
    assert any(v.account_id == aid and v.pinned for v in after.day(*slot))
    # nothing lost: the same visits are in that week, maybe on other days
    assert sorted((v.account_id, v.week) for v in after.visits if v.week == slot[0]) == week_visits
    assert doc.undo_stack.undoText().startswith("Re-optimise week")


def test_day_off_moves_visits_and_keeps_them(scheduled, qtbot):
    window, doc = scheduled.window, scheduled.document
    panel = window.rotation_panel
    slot = next(s for s, d in panel.days.items() if d.count() >= 1)
    count = len(doc.plan.schedules[REP].visits)
    menu = panel.day_menu(panel.days[slot], None)
    next(a for a in menu.actions() if a.text() == "Mark day off").trigger()
    assert slot in doc.plan.reps[REP].days_off
    after = doc.plan.schedules[REP]
    assert after.day(*slot) == []
    assert len(after.visits) + sum(u.missing_visits for u in after.unplaced) == count
    assert "day off" in panel.headers[slot].text()


def test_territory_panel_shows_scheduled_drive_and_utilisation(scheduled):
    window, plan = scheduled.window, scheduled.document.plan
    result = window.rotation_panel.last_result
    weeks = plan.schedules[REP].weeks
    rows = {r.rep_id: r for r in window.territories.model.rows if r.territory_id}
    row = rows[REP]
    assert row.drive_hours_per_week == pytest.approx(result.total_drive_seconds / 3600 / weeks)
    assert row.utilisation == pytest.approx(
        (row.visit_hours_per_week + row.drive_hours_per_week) / plan.reps[REP].weekly_hours)
    other = next(r for rep, r in rows.items() if rep not in plan.schedules)
    assert other.drive_hours_per_week is None


def test_overload_is_reported_with_reasons_and_cadence_can_be_stretched(tdapp, qtbot):
    from territory_desktop import edits

    window, doc = tdapp.window, tdapp.document
    window.apply_edit(lambda: edits.update_rep(doc.plan, REP, max_day_minutes=60))
    panel = window.rotation_panel
    panel.rep.setCurrentIndex(panel.rep.findData(REP))
    panel.seconds.setValue(2)
    with qtbot.waitSignal(window.rotation.schedule_ready, timeout=WAIT_MS):
        window.actions["rotation.schedule"].trigger()
    schedule = doc.plan.schedules[REP]
    assert schedule.unplaced, "60-minute days cannot hold this territory"
    assert all(u.reason for u in schedule.unplaced)
    assert "not placed" in panel.unplaced.text()
    assert not panel.stretch_button.isHidden()
    worst = panel.compliance.item(0, 3).text()
    assert worst.endswith("%") and int(worst[:-1]) < 100
    missing_before = sum(u.missing_visits for u in schedule.unplaced)
    with qtbot.waitSignal(window.rotation.schedule_ready, timeout=WAIT_MS):
        panel.stretch_button.click()
    after = doc.plan.schedules[REP]
    assert sum(u.missing_visits for u in after.unplaced) < missing_before
    assert doc.undo_stack.count() >= 4  # rep edit, schedule, stretch, schedule


def test_scheduling_progress_shows_no_internal_scores(tdapp, qtbot):
    """Ctrl+Shift+P: while the rotation is computed the status bar says what is being done,
    never the optimiser's internal cost ("best 5849.03")."""
    import re

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    window = tdapp.window
    panel = window.rotation_panel
    window.select_territories([next(t.id for t in tdapp.document.plan.territories.values()
                                    if t.rep_id == REP)])
    panel.seconds.setValue(2)
    shown: list[str] = []
    window.statusBar().messageChanged.connect(shown.append)
    with qtbot.waitSignal(window.rotation.schedule_ready, timeout=WAIT_MS):
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_P,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    during = [m for m in shown if m]
    assert during  # the engine's steps were shown
    assert not [m for m in during if re.search(r"\bbest\b|\d+\.\d{2}\b", m)], during
