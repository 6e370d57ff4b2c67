"""Edit > Settings: the plan's working days and holidays, set by clicks and keys, one undo entry.

The rep's week shows a holiday as a day off, and the plan file keeps the calendar.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from territory_desktop.model.public_holidays import holiday_names
from territory_desktop.optimize.plan_schedule import cycle_for
from territory_desktop.qt import dialogs

REP = "REP-4"


def _holiday_rows(editor) -> dict[str, str]:
    items = (editor.list.item(i) for i in range(editor.list.count()))
    return {str(i.data(Qt.ItemDataRole.UserRole)): i.text() for i in items}


def _calendar_gestures(qtbot):
    """Return what a manager does in the dialog.

    Work Saturdays, add Maryland's public holidays for 2026-27, remove Columbus Day (the team
    works it), add Christmas Eve by hand.
    """

    def gestures(dialog):
        dialog.show()  # what exec() does first; keys reach only a shown dialog
        qtbot.waitExposed(dialog)
        picker, editor = dialog.weekdays, dialog.holidays
        qtbot.mouseClick(picker.findChild(type(picker.buttons[0]), "weekday5"),
                         Qt.MouseButton.LeftButton)
        assert editor.country.currentText() == "US"  # the plan's country
        editor.region.setCurrentIndex(editor.region.findText("Maryland"))
        editor.year.setValue(2026)
        qtbot.mouseClick(editor.add_public, Qt.MouseButton.LeftButton)
        assert editor.message.text().startswith("Added ")
        assert "public holidays of Maryland for 2026–2027 (0 already listed)" in \
            editor.message.text()
        rows = _holiday_rows(editor)
        assert rows["2026-12-25"] == "Fri 25 Dec 2026  ·  Christmas Day"
        columbus = list(rows).index("2026-10-12")
        editor.list.setCurrentRow(columbus)
        editor.list.setFocus()
        qtbot.keyClick(editor.list, Qt.Key.Key_Delete)
        assert editor.message.text() == f"Removed 1 holiday; {len(rows) - 1} listed."
        editor.date.setDate(QDate(2026, 12, 24))
        qtbot.mouseClick(dialog.findChild(type(editor.add_public), "addHoliday"),
                         Qt.MouseButton.LeftButton)
        qtbot.mouseClick(editor.add_public, Qt.MouseButton.LeftButton)  # again: nothing new
        assert editor.message.text().startswith("Added 1 public holidays")  # Columbus Day
        assert "2026-10-12" in _holiday_rows(editor)
        editor.list.setCurrentRow(list(_holiday_rows(editor)).index("2026-10-12"))
        qtbot.mouseClick(dialog.findChild(type(editor.add_public), "removeHoliday"),
                         Qt.MouseButton.LeftButton)
        return QDialog.DialogCode.Accepted

    return gestures


def test_working_days_and_holidays_are_set_in_settings_and_undone(tdapp, qtbot, monkeypatch,
                                                                  tmp_path):
    window, doc = tdapp.window, tdapp.document
    before = doc.plan.settings
    monkeypatch.setattr(dialogs.SettingsDialog, "exec", _calendar_gestures(qtbot))
    window.actions["edit.settings"].trigger()
    settings = doc.plan.settings
    assert settings.working_weekdays == (0, 1, 2, 3, 4, 5)
    assert {"2026-12-24", "2026-12-25", "2027-01-01", "2026-11-27"} <= set(settings.holidays)
    assert "2026-10-12" not in settings.holidays  # removed with the Delete key
    assert list(settings.holidays) == sorted(settings.holidays)
    window.actions["edit.undo"].trigger()
    assert doc.plan.settings == before
    window.actions["edit.redo"].trigger()
    assert doc.plan.settings == settings

    assert settings.holiday_calendar == "US-MD"
    path = tmp_path / "calendar.gpkg"
    assert tdapp.files.save_to(path)
    assert tdapp.files.open_path(path, confirmed=True)
    assert doc.plan.settings == settings

    def look(dialog):  # Settings again: Maryland's calendar, its names, nothing changed
        editor = dialog.holidays
        assert (editor.country.currentText(), editor.region.currentText()) == ("US", "Maryland")
        rows = _holiday_rows(editor)
        assert rows["2026-02-16"] == "Mon 16 Feb 2026  ·  Presidents' Day"  # Maryland's name
        assert rows["2026-11-27"].endswith("American Indian Heritage Day")
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(dialogs.SettingsDialog, "exec", look)
    window.actions["edit.settings"].trigger()
    assert doc.plan.settings == settings


def test_the_last_working_day_cannot_be_switched_off(tdapp, qtbot, monkeypatch):
    def switch_everything_off(dialog):
        dialog.show()
        qtbot.waitExposed(dialog)
        for button in dialog.weekdays.buttons:
            if button.isChecked():
                qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert dialog.weekdays.message.text() == "A rotation needs at least one working day."
        qtbot.mouseClick(dialog.weekdays.buttons[0], Qt.MouseButton.LeftButton)  # Monday on
        assert dialog.weekdays.message.text() == ""
        qtbot.mouseClick(dialog.weekdays.buttons[0], Qt.MouseButton.LeftButton)  # off again
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs.SettingsDialog, "exec", switch_everything_off)
    tdapp.window.actions["edit.settings"].trigger()
    assert tdapp.document.plan.settings.working_weekdays == (4,)  # Friday stays on


def _add_holidays_by_hand(window, qtbot, monkeypatch, *days: dt.date) -> None:
    """Edit > Settings: pick each day in the date box, click Add, then OK."""

    def add(dialog):
        dialog.show()
        qtbot.waitExposed(dialog)
        for day in days:
            dialog.holidays.date.setDate(QDate(day.year, day.month, day.day))
            qtbot.mouseClick(dialog.findChild(type(dialog.holidays.add_public), "addHoliday"),
                             Qt.MouseButton.LeftButton)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs.SettingsDialog, "exec", add)
    window.actions["edit.settings"].trigger()


def _week_rows(view, monday: dt.date) -> dict[str, list[tuple[str, str, str]]]:
    """Show the week of ``monday``; return its rows by ISO date: (account id, Day, Planned)."""
    view.week.setDate(QDate(monday.year, monday.month, monday.day))
    rows: dict[str, list[tuple[str, str, str]]] = {}
    for r, (iso, aid) in enumerate(view.rows):
        rows.setdefault(iso, []).append((aid, view._cell(r, "Day"), view._cell(r, "Planned")))
    return rows


def test_a_holidays_visits_move_to_the_next_working_day_in_the_reps_week(scheduled, qtbot,
                                                                          monkeypatch):
    window, plan = scheduled.window, scheduled.document.plan
    cycle = cycle_for(plan, plan.schedules[REP].weeks)
    window.actions["rotation.week"].trigger()
    view = window.rep_week
    view.rep.setCurrentIndex(view.rep.findData(REP))
    # a Friday of the second cycle with visits that is no public holiday (it is named then),
    # and the Monday after it
    friday = next(d for d in (cycle.monday + dt.timedelta(weeks=cycle.weeks + w, days=4)
                              for w in range(cycle.weeks))
                  if plan.schedules[REP].day(*cycle.slot(d))
                  and not holiday_names(plan.settings.country, [d]))
    monday = friday + dt.timedelta(days=3)
    before_friday = _week_rows(view, friday - dt.timedelta(days=4))[friday.isoformat()]
    before_monday = _week_rows(view, monday).get(monday.isoformat(), [])

    _add_holidays_by_hand(window, qtbot, monkeypatch, friday, dt.date(2026, 12, 25))
    week = _week_rows(view, friday - dt.timedelta(days=4))
    assert friday.isoformat() not in week  # nobody visits on the holiday
    assert f" · {friday:%a} {friday.day} {friday:%b} holiday · " in view.caption.text()
    after_monday = _week_rows(view, monday)[monday.isoformat()]
    own = [aid for aid, *_ in before_monday]
    moved = [aid for aid, *_ in before_friday if aid not in own]
    assert [aid for aid, *_ in after_monday] == own + moved
    label = f"from {friday:%a} {friday.day} {friday:%b} (holiday)"
    assert {planned.split(" · ")[-1] for aid, _day, planned in after_monday if aid in moved} == {
        label}
    _week_rows(view, dt.date(2026, 12, 21))
    assert " · Fri 25 Dec holiday: Christmas Day · " in view.caption.text()


def test_a_holiday_in_the_first_cycle_keeps_its_rotation_day(tdapp, qtbot, monkeypatch):
    """The cycle repeats: a holiday's weekday stays a working day of it in later cycles."""
    window, doc = tdapp.window, tdapp.document
    cycle = cycle_for(doc.plan)
    thursday = cycle.monday + dt.timedelta(days=3)

    _add_holidays_by_hand(window, qtbot, monkeypatch, thursday)
    assert doc.plan.settings.holidays == (thursday.isoformat(),)
    panel = window.rotation_panel
    panel.rep.setCurrentIndex(panel.rep.findData(REP))
    panel.seconds.setValue(2)
    with qtbot.waitSignal(window.rotation.schedule_ready, timeout=120_000):
        window.actions["rotation.schedule"].trigger()
    schedule = doc.plan.schedules[REP]
    assert schedule.day(0, 3), "week 1's Thursday is planned: it recurs every cycle"
    window.actions["rotation.week"].trigger()
    view = window.rep_week
    view.rep.setCurrentIndex(view.rep.findData(REP))
    rows = _week_rows(view, cycle.monday)
    assert thursday.isoformat() not in rows
    label = f"from {thursday:%a} {thursday.day} {thursday:%b} (holiday)"
    friday = rows[(thursday + dt.timedelta(days=1)).isoformat()]
    moved = {aid for aid, _day, planned in friday if planned.endswith(label)}
    assert moved == {v.account_id for v in schedule.day(0, 3)} - {
        v.account_id for v in schedule.day(0, 4)}
    assert moved


def test_a_visit_cannot_be_moved_onto_a_holiday(scheduled, qtbot):
    import dataclasses

    from territory_desktop import edits

    window, doc = scheduled.window, scheduled.document
    cycle = cycle_for(doc.plan, doc.plan.schedules[REP].weeks)
    window.actions["rotation.week"].trigger()
    view = window.rep_week
    view.rep.setCurrentIndex(view.rep.findData(REP))
    _week_rows(view, cycle.monday)
    date, aid = view.rows[0]
    holiday = (dt.date.fromisoformat(date) + dt.timedelta(days=2)).isoformat()
    settings = dataclasses.replace(doc.plan.settings, holidays=(holiday,))
    assert window.apply_edit(lambda: edits.update_settings(doc.plan, settings))
    _week_rows(view, cycle.monday)
    row = view.rows.index((date, aid))
    view.table.cellWidget(row, 6).setCurrentText("moved")  # the rep's status pick
    moved = next(e for e in doc.plan.visit_log if e.account_id == aid)
    # the date now in "Moved to" is shown whole: the column widened for it
    assert view.table.columnWidth(7) >= view.table.sizeHintForColumn(7)
    view.table.item(row, 7).setText(holiday)  # typed into "Moved to"
    assert "that day is one of the plan's holidays" in window.statusBar().currentMessage()
    assert next(e for e in doc.plan.visit_log if e.account_id == aid) == moved


def test_taking_away_a_working_day_under_a_rotation_says_to_schedule_again(scheduled, qtbot,
                                                                           monkeypatch):
    window, doc = scheduled.window, scheduled.document
    fridays = sum(v.weekday == 4 for v in doc.plan.schedules[REP].visits)
    assert fridays

    def no_fridays(dialog):
        dialog.show()
        qtbot.waitExposed(dialog)
        picker = dialog.weekdays
        qtbot.mouseClick(picker.findChild(type(picker.buttons[0]), "weekday4"),
                         Qt.MouseButton.LeftButton)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs.SettingsDialog, "exec", no_fridays)
    window.actions["edit.settings"].trigger()
    assert doc.plan.settings.working_weekdays == (0, 1, 2, 3)
    assert f"{fridays} scheduled visits of" in window.statusBar().currentMessage()
    assert "schedule that rep again" in window.statusBar().currentMessage()
    panel = window.rotation_panel
    qtbot.waitUntil(lambda: "no longer working days" in panel.unplaced.text())
    assert not panel.stretch_button.isVisible()  # visiting less often is not the answer
    with qtbot.waitSignal(window.rotation.schedule_ready, timeout=120_000):
        window.actions["rotation.schedule"].trigger()
    assert not any(v.weekday == 4 for v in doc.plan.schedules[REP].visits)
    assert "no longer working days" not in panel.unplaced.text()


def test_moving_week_1_under_a_rotation_names_its_monday_and_says_what_moves(scheduled, qtbot,
                                                                             monkeypatch):
    window, doc = scheduled.window, scheduled.document

    def wednesday(dialog):
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.start.setDate(QDate(2027, 1, 13))  # a Wednesday
        assert dialog.start_hint.text() == ("Week 1 is the week of Monday 11 Jan 2027 (weeks "
                                            "start on Mondays)")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs.SettingsDialog, "exec", wednesday)
    window.actions["edit.settings"].trigger()
    assert doc.plan.settings.rotation_start == "2027-01-11"
    assert "Week 1 now starts on Mon 11 Jan 2027: the stored rotations' days fall on other " \
        "dates" in window.statusBar().currentMessage()


def test_ok_without_touching_settings_edits_nothing(tdapp, qtbot, monkeypatch):
    window, doc = tdapp.window, tdapp.document
    assert doc.plan.settings.rotation_start == ""  # the picker shows its default, today
    before = doc.plan.settings

    def press_ok(dialog):
        dialog.show()
        qtbot.waitExposed(dialog)
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(dialogs.SettingsDialog, "exec", press_ok)
    window.actions["edit.settings"].trigger()
    assert doc.plan.settings == before
    assert doc.undo_stack.count() == 0
