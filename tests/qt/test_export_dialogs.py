"""File > Export: the mileage log and the week's route pack, made through the menu and dialogs."""

from __future__ import annotations

import csv
import datetime as dt

import gpxpy
from export_gestures import WAIT_MS, answer_save, click_ok, export_action, type_date, wrote
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QPushButton

from territory_desktop import clock
from territory_desktop.io.exports import build_trips, write_mileage_log
from territory_desktop.io.exports.rates import default_rates
from territory_desktop.optimize.plan_schedule import cycle_for

REP = "REP-4"  # the conftest's SCHEDULED_REP


def test_mileage_log_csv_is_what_io_exports_writes(scheduled, qtbot, tmp_path, monkeypatch):
    window = scheduled.window
    target = tmp_path / "log.csv"
    answer_save(monkeypatch, target)
    export_action(window, "&Mileage log…").trigger()
    dialog = window.exports.dialog
    assert dialog.isVisible() and dialog.rep_id == REP
    monday = cycle_for(window.document.plan).monday
    start, end = monday, monday + dt.timedelta(days=11)
    type_date(qtbot, dialog.start, start)
    type_date(qtbot, dialog.end, end)
    qtbot.mouseClick(dialog.findChild(QPushButton, "browse"), Qt.MouseButton.LeftButton)
    assert dialog.path.text() == str(target)
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0, timeout=WAIT_MS)
    shown = [[dialog.table.horizontalHeaderItem(c).text()
              for c in range(dialog.table.columnCount())]]
    shown += [[dialog.table.item(r, c).text() for c in range(dialog.table.columnCount())]
              for r in range(dialog.table.rowCount())]
    click_ok(qtbot, dialog)
    wrote(qtbot, window)
    with target.open(encoding="utf-8", newline="") as f:
        assert list(csv.reader(f))[:len(shown)] == shown  # the preview shows the file's rows
    assert window.routing.network is not None
    expected = tmp_path / "expected.csv"
    trips = build_trips(window.document.plan, REP, start, end, window.routing.network)
    write_mileage_log(trips, expected, "csv", default_rates())
    assert target.read_text(encoding="utf-8") == expected.read_text(encoding="utf-8")
    trips = trips.driven()  # the log holds the days up to today: later ones are a plan
    assert len(target.read_text(encoding="utf-8").splitlines()) > len(trips.legs)
    status = window.statusBar().currentMessage()
    assert status.startswith(f"Wrote {target}: {len(trips.legs)} legs, ")
    assert f"{trips.printed('business'):.2f} business mi" in status  # as the file prints it
    assert window.files.prefs.export_folder == str(tmp_path)  # the next export starts here


def test_rep_without_rotation_is_one_line_and_writes_nothing(scheduled, qtbot, tmp_path,
                                                             monkeypatch):
    window = scheduled.window
    target = tmp_path / "log.csv"
    answer_save(monkeypatch, target)
    export_action(window, "&Mileage log…").trigger()
    dialog = window.exports.dialog
    qtbot.mouseClick(dialog.findChild(QPushButton, "browse"), Qt.MouseButton.LeftButton)
    dialog.rep.setFocus()
    qtbot.keyClick(dialog.rep, Qt.Key.Key_Home)  # the first rep, REP-1: never scheduled
    assert dialog.rep_id == "REP-1"
    reason = dialog.reason.text()
    assert "has no rotation yet" in reason and "\n" not in reason
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert not target.exists()


def test_route_pack_writes_one_gpx_route_per_day(scheduled, qtbot, tmp_path, monkeypatch):
    window = scheduled.window
    tmp_path = tmp_path / "pack"
    tmp_path.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(tmp_path)))
    export_action(window, "&Route pack for the week…").trigger()
    dialog = window.exports.dialog
    assert dialog.rep_id == REP
    monday = cycle_for(window.document.plan).monday
    type_date(qtbot, dialog.week, monday + dt.timedelta(days=2))  # any day picks its week
    qtbot.mouseClick(dialog.parts["ics"], Qt.MouseButton.LeftButton)  # untick the calendar
    qtbot.mouseClick(dialog.findChild(QPushButton, "browse"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0, timeout=WAIT_MS)
    first_day = [dialog.table.item(r, 2).text() for r in range(dialog.table.rowCount())
                 if dialog.table.item(r, 0).text() == dialog.table.item(0, 0).text()]
    click_ok(qtbot, dialog)
    wrote(qtbot, window)
    stem = f"{REP}_week_{monday.isoformat()}"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{stem}.gpx",
                                                           f"{stem}_day_sheets.pdf"]
    with open(tmp_path / f"{stem}.gpx", encoding="utf-8") as f:
        gpx = gpxpy.parse(f)
    schedule = window.document.plan.schedules[REP]
    days = [d for d in range(7) if schedule.day(0, d)]
    assert len(gpx.routes) == len(days) > 0
    for route, weekday in zip(gpx.routes, days, strict=True):
        names = [p.name for p in route.points[1:-1]]  # home at both ends
        plan = window.document.plan
        assert names == [plan.accounts[v.account_id].name for v in schedule.day(0, weekday)]
    assert first_day == [p.name for p in gpx.routes[0].points[1:-1]]  # previewed stops
    assert str(tmp_path) in window.statusBar().currentMessage()


def test_a_trip_export_starts_on_the_rep_being_worked_on(scheduled, qtbot):
    # Two reps with rotations: the dialog starts on the Rotation panel's rep, not the first.
    window = scheduled.window
    panel = window.rotation_panel
    panel.rep.setCurrentIndex(panel.rep.findData("REP-1"))
    with qtbot.waitSignal(window.rotation.schedule_ready, timeout=WAIT_MS):
        window.actions["rotation.schedule"].trigger()
    panel.rep.setCurrentIndex(panel.rep.findData(REP))
    assert {"REP-1", REP} <= set(window.document.plan.schedules)
    export_action(window, "&Mileage log…").trigger()
    assert window.exports.dialog.rep_id == REP
    window.exports.dialog.reject()
    panel.rep.setCurrentIndex(panel.rep.findData("REP-1"))
    export_action(window, "&Expense report…").trigger()
    assert window.exports.dialog.rep_id == "REP-1"
    window.exports.dialog.reject()


def test_a_day_whose_visits_were_all_skipped_is_not_counted_in_the_pack(scheduled, qtbot,
                                                                        tmp_path, monkeypatch):
    window = scheduled.window
    monday = cycle_for(window.document.plan).monday
    window.actions["rotation.week"].trigger()
    week = window.rep_week
    week.rep.setCurrentIndex(week.rep.findData(REP))
    type_date(qtbot, week.week, monday)
    first_day = week.rows[0][0]
    week_end = dt.date.fromisoformat(week.rows[-1][0])
    monkeypatch.setattr(clock, "today", lambda: week_end)  # logged at the week's end
    driven_days = len({date for date, _aid in week.rows})
    for row in [r for r, (date, _aid) in enumerate(week.rows) if date == first_day]:
        week.table.cellWidget(row, 6).setCurrentText("skipped")  # the rep's status pick
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(tmp_path)))
    export_action(window, "&Route pack for the week…").trigger()
    dialog = window.exports.dialog
    type_date(qtbot, dialog.week, monday)
    qtbot.mouseClick(dialog.findChild(QPushButton, "browse"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0, timeout=WAIT_MS)
    click_ok(qtbot, dialog)
    wrote(qtbot, window)
    visits = sum(1 for date, _aid in week.rows if date != first_day)
    assert window.statusBar().currentMessage().endswith(
        f": {driven_days - 1} days, {visits} visits")


def test_the_mileage_dialog_says_how_home_legs_count_for_the_rep(scheduled, qtbot):
    from territory_desktop import edits

    window, doc = scheduled.window, scheduled.document
    assert window.apply_edit(lambda: edits.update_rep(doc.plan, "REP-1", home_office=True))
    export_action(window, "&Mileage log…").trigger()
    dialog = window.exports.dialog
    assert dialog.rep_id == REP  # commutes from home
    assert dialog.home_legs.text().startswith("Commute, not business miles. If the rep's home")
    assert "Rotation > Rep settings" in dialog.home_legs.text()
    dialog.rep.setFocus()
    qtbot.keyClick(dialog.rep, Qt.Key.Key_Home)  # the first rep, REP-1
    assert dialog.rep_id == "REP-1"
    assert dialog.home_legs.text() == "Business miles: this rep works from a home office."
    dialog.reject()


def test_a_mileage_log_refused_for_want_of_a_rate_says_only_why(scheduled, qtbot, tmp_path,
                                                                 monkeypatch):
    # January 2027, the shipped table ends with 2026: OK is refused with the reason in red, and
    # the hint to press Preview (which the user did not need) does not stay above it.
    window = scheduled.window
    target = tmp_path / "january.csv"
    answer_save(monkeypatch, target)
    monkeypatch.setattr(clock, "today", lambda: dt.date(2027, 1, 15))
    export_action(window, "&Mileage log…").trigger()
    dialog = window.exports.dialog
    type_date(qtbot, dialog.start, dt.date(2027, 1, 4))
    type_date(qtbot, dialog.end, dt.date(2027, 1, 8))
    qtbot.mouseClick(dialog.findChild(QPushButton, "browse"), Qt.MouseButton.LeftButton)
    assert "Press Preview" in dialog.caption.text()
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.reason.isVisible()
                    and not window.jobs.workers, timeout=WAIT_MS)
    assert "no mileage rate for 2027-01-04" in dialog.reason.text()
    assert "IRS rates shipped with Territory Desktop" in dialog.reason.text()
    assert "Press Preview" not in dialog.caption.text()
    assert not target.exists()
