"""Rotation in the window: schedule a rep, calendar totals, hand edits, pins, day routes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from territory_desktop.model.cadence import visits_per_cycle
from territory_desktop.optimize.plan_schedule import rep_accounts
from territory_desktop.units import format_distance

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
    assert window.statusBar().currentMessage().endswith(
        f"Route: {len(route.legs)} legs, {format_distance(route.total_meters, 'mi')}, "
        f"{route.total_seconds / 60:.0f} min driving")


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
    weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[target[1]]
    assert doc.undo_stack.undoText() == (f"Move the visit to {doc.plan.accounts[aid].name} to "
                                         f"week {target[0] + 1} {weekday}")
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
    menu = panel.day_menu(panel.days[first_day], None)
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        next(a for a in menu.actions() if a.text() == "Re-optimise the rest of the week").trigger()
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
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        next(a for a in menu.actions() if a.text() == "Mark day off (every 4 weeks)").trigger()
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
    # The table says which utilisation leaves the driving out, and where it is estimated.
    model = window.territories.model
    column = next(c for c in range(model.columnCount())
                  if model.headerData(c, Qt.Orientation.Horizontal) == "Utilisation")
    header_tip = model.headerData(column, Qt.Orientation.Horizontal,
                                  Qt.ItemDataRole.ToolTipRole)
    assert "visits only until a rotation is scheduled" in header_tip

    def cell(workload, role):
        return model.index(model.rows.index(workload), column).data(role)

    assert cell(row, Qt.ItemDataRole.DisplayRole) == f"{row.utilisation:.0%}"
    assert cell(row, Qt.ItemDataRole.ToolTipRole) == header_tip
    assert cell(other, Qt.ItemDataRole.DisplayRole) == f"{other.utilisation:.0%} (visits only)"
    assert cell(other, Qt.ItemDataRole.ToolTipRole).startswith("Visits only, no driving")
    assert "Design tab" in cell(other, Qt.ItemDataRole.ToolTipRole)


def test_a_rotation_stops_counting_once_one_of_its_accounts_moves_to_another_rep(
        scheduled, qtbot, monkeypatch):
    # Utilisation adds a rotation's driving only while the rotation plans the rep's accounts
    # (plan_schedule.scheduled_drive_hours, the Design panel's and the health report's rule).
    from PySide6.QtWidgets import QInputDialog

    window, doc = scheduled.window, scheduled.document
    plan = doc.plan
    moved = plan.schedules[REP].visits[0].account_id
    target = next(t for t in plan.territories.values()
                  if t.rep_id not in (REP, None) and t.geometry is not None)
    table, model = window.accounts.table, window.accounts.proxy
    index = next(model.index(r, 0) for r in range(model.rowCount())
                 if model.index(r, 0).data() == moved)
    table.scrollTo(index)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     pos=table.visualRect(index).center())
    monkeypatch.setattr(QInputDialog, "getItem",
                        staticmethod(lambda *a, **k: (f"{target.name} ({target.id})", True)))
    before = next(r for r in window.territories.model.rows if r.rep_id == REP)
    assert before.drive_hours_per_week
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        window.actions["account.pin"].trigger()
    assert doc.assignment.territory_of[moved] == target.id
    row = next(r for r in window.territories.model.rows if r.rep_id == REP)
    assert row.drive_hours_per_week is None
    assert row.utilisation == pytest.approx(row.visit_hours_per_week
                                            / doc.plan.reps[REP].weekly_hours)
    qtbot.waitUntil(lambda: "visits only" in window.rotation_panel.summary.text(),
                    timeout=WAIT_MS)


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
    # every column in the table's width, long account names elided (in full on hover)
    assert panel.compliance.horizontalScrollBar().maximum() == 0
    assert panel.compliance.item(0, 0).toolTip() == panel.compliance.item(0, 0).text()
    missing_before = sum(u.missing_visits for u in schedule.unplaced)
    with qtbot.waitSignal(window.rotation.schedule_ready, timeout=WAIT_MS):
        panel.stretch_button.click()
    after = doc.plan.schedules[REP]
    assert sum(u.missing_visits for u in after.unplaced) < missing_before
    assert doc.undo_stack.count() >= 4  # rep edit, schedule, stretch, schedule


# --------------------------------------------------------------------------- issue 8 items


def _menu_action(panel, slot, text):
    menu = panel.day_menu(panel.days[slot], None)
    return next(a for a in menu.actions() if a.text() == text)


def _lengths(panel, slots):
    totals = {(d.day.week, d.day.weekday): d for d in panel.last_result.days}
    return [totals[s].duration_seconds / 3600 for s in slots]


def _press_schedule_shortcut(window, qtbot):
    from PySide6.QtCore import Qt

    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)


def _click_territory_row(window, qtbot, territory_id):
    from PySide6.QtCore import Qt

    table, model, proxy = (window.territories.table, window.territories.model,
                           window.territories.proxy)
    row = next(r for r, w in enumerate(model.rows) if w.territory_id == territory_id)
    rect = table.visualRect(proxy.mapFromSource(model.index(row, 0)))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_rest_of_week_keeps_the_days_balanced(scheduled, qtbot):
    window, doc = scheduled.window, scheduled.document
    panel = window.rotation_panel
    week = [s for s in panel.days if s[0] == 0 and s[1] >= 2]  # week 1, Wednesday on
    before = sorted(v.account_id for v in doc.plan.schedules[REP].visits if v.slot in week)
    assert len(before) > len(week)
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        _menu_action(panel, (0, 2), "Re-optimise the rest of the week").trigger()
    after = doc.plan.schedules[REP]
    assert sorted(v.account_id for v in after.visits if v.slot in week) == before
    lengths = _lengths(panel, week)
    assert all(after.day(*s) for s in week), "a day of the week was left empty"
    everything = [d.duration_seconds / 3600 for d in panel.last_result.days]
    assert max(lengths) - min(lengths) <= max(0.5, max(everything) - min(everything)), lengths


def test_re_planning_runs_off_the_window_and_can_be_cancelled(scheduled, qtbot):
    # The engine takes seconds on a full week: the window stays live, with progress and Cancel.
    window, doc = scheduled.window, scheduled.document
    panel = window.rotation_panel
    stored, depth = doc.plan.schedules[REP], doc.undo_stack.count()
    for action, slot in (("Re-optimise the rest of the week", (0, 0)),
                         ("Mark day off (every 4 weeks)", (0, 1))):
        _menu_action(panel, slot, action).trigger()
        assert doc.plan.schedules[REP] is stored, "the engine ran on the GUI thread"
        assert window.jobs.cancel_button.isVisible()
        qtbot.mouseClick(window.jobs.cancel_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not window.jobs.workers, timeout=WAIT_MS)
        assert doc.plan.schedules[REP] is stored and doc.undo_stack.count() == depth
        assert slot not in doc.plan.reps[REP].days_off
        assert window.statusBar().currentMessage().endswith(": cancelled")


def test_a_re_plan_computed_for_an_older_plan_is_not_applied(scheduled, qtbot):
    window, doc = scheduled.window, scheduled.document
    panel = window.rotation_panel
    _menu_action(panel, (0, 0), "Re-optimise the rest of the week").trigger()
    day = panel.days[(1, 0)]
    menu = panel.day_menu(day, day.item(0))
    next(a for a in menu.actions() if a.text() == "Pin to this day").trigger()
    edited = doc.plan
    qtbot.waitUntil(lambda: not window.jobs.workers, timeout=WAIT_MS)
    assert doc.plan is edited
    assert doc.undo_stack.undoText().startswith("Pin visit")
    assert "not applied" in window.statusBar().currentMessage()


def test_day_off_spreads_its_visits_over_the_week(scheduled, qtbot):
    window, doc = scheduled.window, scheduled.document
    panel = window.rotation_panel
    slot = max(panel.days, key=lambda s: panel.days[s].count())
    moving = [v.account_id for v in doc.plan.schedules[REP].day(*slot)]
    assert len(moving) >= 2
    count = len(doc.plan.schedules[REP].visits)
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        _menu_action(panel, slot, "Mark day off (every 4 weeks)").trigger()
    after = doc.plan.schedules[REP]
    assert slot in doc.plan.reps[REP].days_off and after.day(*slot) == []
    assert len(after.visits) + sum(u.missing_visits for u in after.unplaced) == count
    week = [s for s in panel.days if s[0] == slot[0] and s != slot]
    landed = {v.slot for v in after.visits if v.account_id in moving and v.slot in week}
    assert len(landed) >= 2, "all of the day's visits went to one day"
    assert all(after.day(*s) for s in week)
    lengths = _lengths(panel, week)
    assert max(lengths) - min(lengths) <= 0.75, lengths
    assert "day off" in panel.headers[slot].text()


def test_weekly_hours_bound_the_schedule_and_both_views_agree(tdapp, qtbot):
    from territory_desktop import edits

    window, doc = tdapp.window, tdapp.document
    window.apply_edit(lambda: edits.update_rep(doc.plan, REP, weekly_hours=4.0,
                                               max_day_minutes=300))
    panel = window.rotation_panel
    panel.rep.setCurrentIndex(panel.rep.findData(REP))
    panel.seconds.setValue(60)
    with qtbot.waitSignal(window.rotation.schedule_ready, timeout=WAIT_MS):
        window.actions["rotation.schedule"].trigger()
    result = panel.last_result
    for week in range(doc.plan.schedules[REP].weeks):
        hours = sum(d.duration_seconds for d in result.days if d.day.week == week) / 3600
        assert hours <= 4.0 + 1e-6, f"week {week + 1}: {hours:.2f} h of a 4 h week"
    schedule = doc.plan.schedules[REP]
    assert schedule.unplaced and all("4 h week" in u.reason for u in schedule.unplaced)
    assert "not placed" in panel.unplaced.text() and not panel.stretch_button.isHidden()
    # the territory table and the rotation view show the same utilisation
    model = window.territories.model
    row = next(r for r, w in enumerate(model.rows) if w.rep_id == REP and w.territory_id)
    column = next(c for c in range(model.columnCount())
                  if model.headerData(c, Qt.Orientation.Horizontal,
                                      Qt.ItemDataRole.DisplayRole) == "Utilisation")
    shown = model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)
    assert f"utilisation {shown} of 4 h/week" in panel.summary.text()
    assert int(shown.rstrip("%")) > 100  # the cadence asks for more than the week holds


def test_stretch_fits_on_the_first_click_and_progress_moves(tdapp, qtbot):
    import re

    from territory_desktop import edits

    window, doc = tdapp.window, tdapp.document
    window.apply_edit(lambda: edits.update_rep(doc.plan, REP, max_day_minutes=68))
    panel = window.rotation_panel
    panel.rep.setCurrentIndex(panel.rep.findData(REP))
    panel.seconds.setValue(60)
    with qtbot.waitSignal(window.rotation.schedule_ready, timeout=WAIT_MS):
        window.actions["rotation.schedule"].trigger()
    missing = sum(u.missing_visits for u in doc.plan.schedules[REP].unplaced)
    assert missing and not panel.stretch_button.isHidden()
    factor = float(re.search(r"×([\d.]+)", panel.stretch_button.text()).group(1))
    assert factor == panel.last_result.stretch_factor < 1.15  # a small stretch, as reported
    values: list[int] = []
    messages: list[str] = []
    window.progress.valueChanged.connect(values.append)
    window.statusBar().messageChanged.connect(messages.append)
    with qtbot.waitSignal(window.rotation.schedule_ready, timeout=WAIT_MS):
        qtbot.mouseClick(panel.stretch_button, Qt.MouseButton.LeftButton)
    after = doc.plan.schedules[REP]
    assert sum(u.missing_visits for u in after.unplaced) < missing
    assert panel.last_result.stretch_factor < factor
    assert max(values) >= 500, values  # the bar moved during the run (0..1000)
    scores = [m for m in messages if re.search(r"\bbest\b|(?<![×\d.])\d+\.\d\d\b", m)]
    assert not scores, scores  # no internal score in the status bar
    assert any("choosing visit days" in m for m in messages), messages


def test_shortcut_schedules_the_rep_of_the_selected_territory(tdapp, qtbot):
    window = tdapp.window
    panel = window.rotation_panel
    assert panel.rep_id() == "REP-1"  # the first rep in the list
    _click_territory_row(window, qtbot, "T-ENT")
    assert window.selected_territories == ["T-ENT"]
    with qtbot.waitSignal(window.rotation.schedule_ready, timeout=WAIT_MS,
                          check_params_cb=lambda rep: rep == "REP-ENT"):
        _press_schedule_shortcut(window, qtbot)
    # a click on the map selects another territory: its rep is scheduled next
    view = tdapp.map_view
    with qtbot.waitSignal(view.territory_clicked, timeout=WAIT_MS):
        view.run_js("TD.state.bridge.post(JSON.stringify({event: 'territory_clicked', "
                    "tid: 'T4'}))", lambda _: None)
    with qtbot.waitSignal(window.rotation.schedule_ready, timeout=WAIT_MS,
                          check_params_cb=lambda rep: rep == REP):
        _press_schedule_shortcut(window, qtbot)


def test_settings_slider_sets_least_driving_for_the_scheduler(tdapp, qtbot, monkeypatch):
    from PySide6.QtWidgets import QDialog

    from territory_desktop.qt import dialogs

    window, doc = tdapp.window, tdapp.document
    assert doc.plan.settings.day_balance == 1.0  # even days by default

    def slide_to_least_driving(dialog):
        qtbot.keyClick(dialog.day_balance, Qt.Key.Key_Home)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs.SettingsDialog, "exec", slide_to_least_driving)
    window.actions["edit.settings"].trigger()
    assert doc.plan.settings.day_balance == 0.0
    panel = window.rotation_panel
    panel.rep.setCurrentIndex(panel.rep.findData(REP))
    with qtbot.waitSignal(window.rotation.schedule_ready, timeout=WAIT_MS):
        window.actions["rotation.schedule"].trigger()
    empty = [d for d in panel.last_result.days if not d.account_ids]
    assert len(empty) >= 5  # least driving packs 40 short visits into a few days
    assert window.rotation.planner(REP).balance == 0.0


def test_scheduling_progress_shows_no_internal_scores(tdapp, qtbot):
    """Ctrl+Shift+P: the status bar says what is being done while the rotation is computed.

    Never the optimiser's internal cost ("best 5849.03").
    """
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


def test_add_a_visit_offers_the_reps_own_accounts_first_by_name_and_address(
        scheduled, qtbot, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    window, doc = scheduled.window, scheduled.document
    panel = window.rotation_panel
    slot = next(iter(panel.days))
    plan, territory_of = doc.plan, doc.assignment.territory_of
    own = sorted((a for a in plan.accounts.values() if territory_of.get(a.id)
                  and plan.territories[territory_of[a.id]].rep_id == REP),
                 key=lambda a: (a.name, a.address, a.id))
    that_day = {v.account_id for v in plan.schedules[REP].day(*slot)}
    chosen = next(a for a in own if a.id not in that_day)
    offered = []

    def named(a):  # by name and address; the OSM id only between two alike
        shown = f"{a.name} — {a.address}" if a.address else a.name
        alike = [b for b in own if b.name == a.name and b.address == a.address]
        return shown if alike[0] is a else f"{shown} [{a.id}]"

    def pick(parent, title, label, items, current, editable):
        offered.extend(items)
        return named(chosen), True

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(pick))
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        _menu_action(panel, slot, "Add a visit…").trigger()
    assert len(offered) == len(plan.accounts) == len(set(offered))
    assert all("'s account)" not in o for o in offered[:len(own)])  # theirs, first
    assert all("'s account)" in o for o in offered[len(own):])
    assert offered[:len(own)] == [named(a) for a in own]
    assert any(v.account_id == chosen.id and v.adhoc
               for v in doc.plan.schedules[REP].day(*slot))


def test_deleting_a_scheduled_reps_territory_keeps_the_rotation_working(scheduled, qtbot):
    # The rotation still lists the rep's visits (now to unassigned accounts): no error box,
    # and the calendar keeps its road drive times.
    from PySide6.QtWidgets import QMessageBox

    from tests.qt.test_main_window import toolbar_button

    window, doc = scheduled.window, scheduled.document
    tid = next(t.id for t in doc.plan.territories.values() if t.rep_id == REP)
    window.select_territories([tid])
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        qtbot.mouseClick(toolbar_button(window, "territory.delete"), Qt.MouseButton.LeftButton)
    assert tid not in doc.plan.territories
    panel = window.rotation_panel
    assert panel.rep.currentData() == REP
    qtbot.wait(200)
    assert [b.text() for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible()] == []
    assert window.rotation.evaluate(REP) is not None
    assert any("drive" in h.text() for h in panel.headers.values())


def test_the_compliance_table_leaves_room_for_account_names(scheduled, qtbot):
    window = scheduled.window
    window.dock("dockRotation").raise_()
    table = window.rotation_panel.compliance
    qtbot.waitUntil(lambda: table.rowCount() > 0 and table.isVisible())
    assert table.columnWidth(0) >= 120
    assert not table.wordWrap()
