"""File > Export: expenses, planned vs logged, CRM assignments, GIS layers; File > Import.

Each is made through the menu and its dialog, and the file is compared byte for byte with what
``tdesk export`` writes from the same plan saved to disk.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
from pathlib import Path

from export_gestures import WAIT_MS, answer_save, click_ok, export_action, type_date, wrote
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QPushButton

from territory_desktop import cli, edits
from territory_desktop.io import save_plan
from territory_desktop.io.exports.gis import write_territories
from territory_desktop.model.export_settings import ExpensePreset, ExportSettings
from territory_desktop.optimize.plan_schedule import cycle_for

REP = "REP-4"


def saved_for_cli(app, tmp_path: Path) -> Path:
    """Save the window's plan where the command line can read it, with its extract's path."""
    plan = app.document.plan.copy()
    plan.settings = dataclasses.replace(plan.settings, osm_extract=app.files.extract_path())
    path = tmp_path / "cli" / "plan.gpkg"
    path.parent.mkdir()
    save_plan(plan, path)
    return path


def browse(qtbot, dialog, name="browse"):
    qtbot.mouseClick(dialog.findChild(QPushButton, name), Qt.MouseButton.LeftButton)


def preview_rows(dialog):
    table = dialog.table
    header = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    rows = [[table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())]
    return header, rows


def press_preview(qtbot, dialog):
    button = dialog.preview_button
    assert button.isVisible() and button.isEnabled(), dialog.reason.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0, timeout=WAIT_MS)


def csv_rows(path: Path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_expense_report_with_the_plan_s_preset_is_the_cli_s_file(scheduled, qtbot, tmp_path,
                                                                  monkeypatch):
    window, doc = scheduled.window, scheduled.document
    preset = ExpensePreset("Finance", (("date", "Trip date"), ("description", "Purpose"),
                                       ("distance", "Miles"), ("amount", "Amount (USD)")),
                           "%m/%d/%Y", "trip")
    doc.apply(edits.update_export_settings(doc.plan, ExportSettings(None, (preset,))))
    target = tmp_path / "expenses.csv"
    answer_save(monkeypatch, target)
    export_action(window, "&Expense report…").trigger()
    dialog = window.exports.dialog
    assert dialog.rep_id == REP
    monday = cycle_for(doc.plan).monday
    start, end = monday, monday + dt.timedelta(days=11)
    type_date(qtbot, dialog.start, start)
    type_date(qtbot, dialog.end, end)
    dialog.preset.setFocus()
    qtbot.keyClick(dialog.preset, Qt.Key.Key_Down)  # from the standard columns to "Finance"
    assert dialog.chosen_preset == preset
    browse(qtbot, dialog)
    press_preview(qtbot, dialog)
    header, shown = preview_rows(dialog)
    assert header == ["Trip date", "Purpose", "Miles", "Amount (USD)"]
    assert re.match(r"\d+ lines?, total \d+\.\d\d USD", dialog.caption.text())
    click_ok(qtbot, dialog)
    wrote(qtbot, window)
    written = csv_rows(target)
    assert written[0] == header and written[1:len(shown) + 1] == shown  # the preview was true
    monkeypatch.setenv("TDESK_CACHE", str(tmp_path / "cache"))
    expected = tmp_path / "cli" / "expenses.csv"
    plan_path = saved_for_cli(scheduled, tmp_path)
    assert cli.main(["export", str(plan_path), "expenses", "--rep", REP, "--from",
                     start.isoformat(), "--to", end.isoformat(), "--preset", "Finance",
                     "-o", str(expected)]) == 0
    assert target.read_bytes() == expected.read_bytes()


def test_planned_vs_logged_and_bad_requests(scheduled, qtbot, tmp_path, monkeypatch):
    window, doc = scheduled.window, scheduled.document
    target = tmp_path / "planned.csv"
    export_action(window, "&Planned vs logged…").trigger()
    dialog = window.exports.dialog
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    monday = cycle_for(doc.plan).monday
    # Dates with no schedule: one line, OK and Preview disabled.
    type_date(qtbot, dialog.start, monday - dt.timedelta(days=60))
    type_date(qtbot, dialog.end, monday - dt.timedelta(days=40))
    assert f"has no scheduled visits from {monday - dt.timedelta(days=60)}" in \
        dialog.reason.text()
    assert not ok.isEnabled() and not dialog.preview_button.isEnabled()
    type_date(qtbot, dialog.end, monday + dt.timedelta(days=4))
    # A folder that does not exist, then a suffix the format does not write.
    dialog.path.setFocus()
    qtbot.keyClicks(dialog.path, str(tmp_path / "missing" / "p.csv"))
    assert "folder" in dialog.reason.text() and "does not exist" in dialog.reason.text()
    assert "\n" not in dialog.reason.text() and not ok.isEnabled()
    dialog.path.clear()
    qtbot.keyClicks(dialog.path, str(tmp_path / "p.docx"))
    assert dialog.reason.text() == "The file must end in .csv or .xlsx or .pdf."
    assert not ok.isEnabled()
    dialog.path.clear()
    qtbot.keyClicks(dialog.path, str(target))
    assert dialog.reason.text() == "" and ok.isEnabled()
    press_preview(qtbot, dialog)
    header, shown = preview_rows(dialog)
    # Choices changed while a preview is on its way: the late preview is not shown.
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    dialog.end.setDate(dialog.end.date().addDays(1))
    assert dialog.table.rowCount() == 0
    qtbot.waitUntil(lambda: not window.jobs.workers, timeout=WAIT_MS)  # delivered, dropped
    assert dialog.table.rowCount() == 0 and "Press Preview" in dialog.caption.text()
    dialog.end.setDate(dialog.end.date().addDays(-1))
    click_ok(qtbot, dialog)
    wrote(qtbot, window)
    written = csv_rows(target)
    assert written[0] == header and written[1:len(shown) + 1] == shown
    assert written[-1][0] == "Total"
    monkeypatch.setenv("TDESK_CACHE", str(tmp_path / "cache"))
    expected = tmp_path / "cli" / "planned.csv"
    plan_path = saved_for_cli(scheduled, tmp_path)
    assert cli.main(["export", str(plan_path), "planned-vs-logged", "--rep", REP, "--from",
                     (monday - dt.timedelta(days=60)).isoformat(), "--to",
                     (monday + dt.timedelta(days=4)).isoformat(), "-o", str(expected)]) == 0
    assert target.read_bytes() == expected.read_bytes()


def test_assignments_and_gis_layers_are_the_cli_s_files(tdapp, qtbot, tmp_path, monkeypatch):
    window = tdapp.window
    plan_path = saved_for_cli(tdapp, tmp_path)
    target = tmp_path / "assignments.csv"
    answer_save(monkeypatch, target)
    export_action(window, "&Assignments for the CRM…").trigger()
    dialog = window.exports.dialog
    header, shown = preview_rows(dialog)  # previewed at once: no routing needed
    assert header[:3] == ["Account ID", "Account name", "Territory ID"]
    assert f"{len(tdapp.document.plan.accounts)} accounts" in dialog.caption.text()
    browse(qtbot, dialog)
    click_ok(qtbot, dialog)
    wrote(qtbot, window)
    assert csv_rows(target)[:len(shown) + 1] == [header, *shown]
    expected = tmp_path / "cli" / "assignments.csv"
    assert cli.main(["export", str(plan_path), "assignments", "-o", str(expected)]) == 0
    assert target.read_bytes() == expected.read_bytes()

    geojson = tmp_path / "territories.geojson"
    answer_save(monkeypatch, geojson)
    export_action(window, "&Territories and accounts for GIS…").trigger()
    dialog = window.exports.dialog
    assert dialog.kind == "territories"
    dialog.format.setFocus()
    qtbot.keyClick(dialog.format, Qt.Key.Key_Home)  # GeoJSON
    header, shown = preview_rows(dialog)
    assert header[:2] == ["id", "name"]
    assert [r[0] for r in shown] == list(tdapp.document.plan.territories)[:len(shown)]
    assert "OpenStreetMap contributors" in dialog.caption.text()
    browse(qtbot, dialog)
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith(
        "Wrote territories.geojson"), timeout=WAIT_MS)
    expected = tmp_path / "cli" / "territories.geojson"
    assert cli.main(["export", str(plan_path), "territories", "-o", str(expected)]) == 0
    assert geojson.read_bytes() == expected.read_bytes()


def test_territories_come_back_from_a_gis_file_as_one_undoable_edit(tdapp, qtbot, tmp_path):
    window, doc = tdapp.window, tdapp.document
    first = next(iter(doc.plan.territories.values()))
    renamed = dataclasses.replace(first, name="Renamed in QGIS", rep_id="REP-99")
    source = tmp_path / "edited.geojson"
    write_territories([renamed], source, "geojson")
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    import_menu = next(a.menu() for a in file_menu.actions() if a.text() == "&Import")
    next(a for a in import_menu.actions() if a.text() == "&Territories from GIS file…").trigger()
    dialog = window.exports.dialog
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and "Choose the file" in dialog.reason.text()
    dialog.path.setFocus()
    qtbot.keyClicks(dialog.path, str(tmp_path / "nothing.geojson"))
    assert "no such file" in dialog.reason.text() and not ok.isEnabled()
    dialog.path.clear()
    qtbot.keyClicks(dialog.path, str(source))
    assert dialog.layer.currentText() == "territories"
    _, shown = preview_rows(dialog)
    assert shown[0][:2] == [first.id, "Renamed in QGIS"]
    assert shown[0][-1] == "replaces, no owner"
    last = dialog.table.columnCount() - 1
    assert dialog.table.item(0, last).toolTip() == "replaces, no owner"  # read in full on hover
    assert "1 territories to import, 0 problems" in dialog.caption.text()
    count = len(doc.plan.territories)
    click_ok(qtbot, dialog)
    territory = doc.plan.territories[first.id]
    assert (territory.name, territory.rep_id) == ("Renamed in QGIS", None)
    assert territory.geometry.equals_exact(first.geometry, 1e-9)
    assert len(doc.plan.territories) == count
    assert doc.undo_stack.undoText() == "Import 1 territory"
    doc.undo_stack.undo()
    assert doc.plan.territories[first.id] == first


def test_assignments_after_a_realignment_carry_the_previous_owner(tdapp, qtbot, tmp_path,
                                                                   monkeypatch):
    window, plan = tdapp.window, tdapp.document.plan
    before = plan.copy()
    before.territories["T4"] = dataclasses.replace(plan.territories["T4"], rep_id="REP-1")
    previous = tmp_path / "before.gpkg"
    save_plan(before, previous)
    plan_path = saved_for_cli(tdapp, tmp_path)
    target = tmp_path / "assignments.xlsx"
    export_action(window, "&Assignments for the CRM…").trigger()
    dialog = window.exports.dialog
    assert not dialog.effective.isEnabled()  # no previous plan: no effective date
    dialog.format.setFocus()
    qtbot.keyClick(dialog.format, Qt.Key.Key_End)  # Excel
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(previous), "")))
    browse(qtbot, dialog, "browse_previous")
    assert dialog.effective.isEnabled()
    type_date(qtbot, dialog.effective, dt.date(2027, 1, 4))
    moved = sum(1 for t in dialog.table.findItems("yes", Qt.MatchFlag.MatchExactly))
    t4 = sum(1 for r in range(dialog.table.rowCount()) if dialog.table.item(r, 2).text() == "T4")
    assert moved == t4 > 0  # of the rows shown, those of T4 change owner
    assert "change owner" in dialog.caption.text()
    dialog.path.setFocus()
    qtbot.keyClicks(dialog.path, str(target))
    click_ok(qtbot, dialog)
    wrote(qtbot, window)
    import openpyxl

    expected = tmp_path / "cli" / "assignments.xlsx"
    assert cli.main(["export", str(plan_path), "assignments", "--previous", str(previous),
                     "--effective", "2027-01-04", "-o", str(expected)]) == 0
    got = [list(r) for r in openpyxl.load_workbook(target).active.iter_rows(values_only=True)]
    want = [list(r) for r in openpyxl.load_workbook(expected).active.iter_rows(
        values_only=True)]
    assert got == want  # cell by cell (an XLSX holds its creation time, so not byte by byte)
    assert got[0][-2:] == ["Owner changed", "Effective date"]
