"""File > Export as a user walkthrough found it: warnings in the dialog, not lost in the status bar.

The rep typed odometer 12003 to 99999 on a short drive; the plan's rates end before the range
does. "Today" is fixed (``clock.today``) inside the rotation the fixture schedules.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from export_gestures import WAIT_MS, click_ok, export_action, type_date, wrote
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from territory_desktop import clock, edits
from territory_desktop.model import VisitLogEntry
from territory_desktop.model.export_settings import ExportSettings, RatePeriod, RateTable
from territory_desktop.optimize.plan_schedule import cycle_for

REP = "REP-4"  # the conftest's SCHEDULED_REP


@pytest.fixture
def walkthrough(scheduled, monkeypatch):
    """Give the scheduled sample an odometer typo in week one and rates to mid-week two."""
    window, doc = scheduled.window, scheduled.document
    cycle = cycle_for(doc.plan)
    monday = cycle.monday
    today = monday + dt.timedelta(days=9)  # the second week's Wednesday
    monkeypatch.setattr(clock, "today", lambda: today)
    day = next(d for d in (monday + dt.timedelta(days=n) for n in range(5))
               if len(doc.plan.schedules[REP].day(*cycle.slot(d))) >= 2)
    account = doc.plan.schedules[REP].day(*cycle.slot(day))[1].account_id
    entry = VisitLogEntry(day.isoformat(), REP, account, "done", odometer_start=12003.0,
                          odometer_end=99999.0)
    assert window.apply_edit(lambda: edits.log_visit(doc.plan, entry))
    rates = RateTable((RatePeriod(monday - dt.timedelta(days=7), today + dt.timedelta(days=2),
                                  Decimal("0.725"), "USD", "mi", "IRS Notice 2026-10"),))
    assert window.apply_edit(lambda: edits.update_export_settings(doc.plan,
                                                                  ExportSettings(rates)))
    typo = (f"• {day}: the drive to {doc.plan.accounts[account].name} ({account}) is "
            "logged as 87,996.0 mi (odometer 12,003.0 to 99,999.0 mi) but is ")
    return SimpleNamespace(window=window, monday=monday, today=today, day=day, typo=typo,
                           end=monday + dt.timedelta(days=27))


def _error_box(window):
    """Return the one error box shown (the workbench's, as for any other problem)."""
    boxes = [b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible()]
    assert len(boxes) == 1, [b.text() for b in boxes]
    return boxes[0]


def _preview(qtbot, dialog):
    assert dialog.preview_button.isEnabled(), dialog.reason.text()
    assert dialog.table.rowCount() == 0  # the choices changed: no preview of older ones
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0, timeout=WAIT_MS)
    return dialog.warnings.text().splitlines()


def test_the_mileage_dialog_previews_first_warns_and_takes_the_format_from_the_name(
        walkthrough, qtbot, tmp_path):
    w = walkthrough
    export_action(w.window, "&Mileage log…").trigger()
    dialog = w.window.exports.dialog
    type_date(qtbot, dialog.start, w.monday)
    type_date(qtbot, dialog.end, w.end)
    assert dialog.path.text() == "" and dialog.reason.text().startswith("Choose the file")
    shown = _preview(qtbot, dialog)  # no file named yet: Preview works all the same
    assert dialog.warnings.isVisible()
    assert any(line.startswith(w.typo) for line in shown), shown
    # the dialog grew for the warnings: no wrapped line above them is cut
    for label in (dialog.home_legs, dialog.warnings, dialog.caption):
        assert label.height() >= label.heightForWidth(label.width()), label.objectName()
    assert f"planned days after today ({w.today}) left out: not driven yet" in shown[-1]
    # A .pdf name is a PDF, as for tdesk export: no "The file must end in .csv."
    target = tmp_path / "log.pdf"
    dialog.path.setFocus()
    qtbot.keyClicks(dialog.path, str(target))
    assert dialog.format.currentText() == "PDF with signature line"
    assert dialog.path.text() == str(target) and dialog.reason.text() == ""
    click_ok(qtbot, dialog)
    wrote(qtbot, w.window)
    status = w.window.statusBar().currentMessage()
    assert status.startswith(f"Wrote {target}: ")
    assert status.endswith(f" ({len(shown)} warnings: see the message)"), status
    assert "left out" not in status  # short: the warnings are read in full in the box
    box = _error_box(w.window)
    assert box.windowTitle() == f"Exported with {len(shown)} warnings"
    assert box.text().split("\n\n", 1)[1].splitlines() == shown
    box.close()
    from pypdf import PdfReader

    flat = " ".join(" ".join(p.extract_text() for p in PdfReader(target).pages).split())
    assert f"{w.monday} to {w.end} (days after {w.today} left out: not driven yet)" in flat


def test_the_expense_dialog_claims_a_range_past_the_rates_and_counts_1_line(walkthrough,
                                                                              qtbot, tmp_path):
    w = walkthrough
    export_action(w.window, "&Expense report…").trigger()
    dialog = w.window.exports.dialog
    dialog.path.setFocus()
    qtbot.keyClicks(dialog.path, str(tmp_path / "claim.csv"))
    type_date(qtbot, dialog.start, w.monday)
    type_date(qtbot, dialog.end, w.end)  # past the rates' last day, after today
    assert dialog.reason.text() == ""  # the days after today need no rate: not driven yet
    shown = _preview(qtbot, dialog)
    assert any(line.startswith(w.typo) for line in shown), shown
    type_date(qtbot, dialog.start, w.day)
    type_date(qtbot, dialog.end, w.day)
    shown = _preview(qtbot, dialog)
    assert dialog.caption.text().startswith("1 line, total ")
    assert any(line.startswith(w.typo) for line in shown), shown
    dialog.reject()


def test_a_log_of_many_mistyped_distances_lists_12_warnings_and_counts_the_rest(
        walkthrough, qtbot, tmp_path, monkeypatch):
    w = walkthrough
    monkeypatch.setattr(clock, "today", lambda: w.end)  # four weeks driven: many visits
    doc, cycle = w.window.document, cycle_for(w.window.document.plan)
    for day in (w.monday + dt.timedelta(days=n) for n in range((w.end - w.monday).days)):
        slot = cycle.slot(day)
        for visit in doc.plan.schedules[REP].day(*slot) if slot else ():
            entry = VisitLogEntry(day.isoformat(), REP, visit.account_id, "done", distance=900.0)
            assert w.window.apply_edit(lambda e=entry: edits.log_visit(doc.plan, e))
    export_action(w.window, "&Mileage log…").trigger()
    dialog = w.window.exports.dialog
    type_date(qtbot, dialog.start, w.monday)
    type_date(qtbot, dialog.end, w.end)
    dialog.rates.setFocus()
    qtbot.keyClick(dialog.rates, Qt.Key.Key_End)  # no amounts: the rates end before the range
    shown = _preview(qtbot, dialog)
    assert len(shown) == 13 and shown[-1].startswith("• … and "), shown
    dialog.path.setFocus()
    qtbot.keyClicks(dialog.path, str(tmp_path / "log.csv"))
    click_ok(qtbot, dialog)
    wrote(qtbot, w.window)
    warned = int(w.window.statusBar().currentMessage().rsplit(" (", 1)[1].split()[0])
    assert shown[-1] == f"• … and {warned - 12} more" and warned > 14  # a warning a drive
    box = _error_box(w.window)
    assert box.windowTitle() == f"Exported with {warned} warnings"
    status, listed = box.text().split("\n\n", 1)
    assert status.startswith(f"Wrote {tmp_path / 'log.csv'}: ")
    assert listed.splitlines() == shown
    box.close()
