"""What a rep does in the rep's week, shared by its tests: pick a week, a status, read the log."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from territory_desktop import clock
from territory_desktop.optimize.plan_schedule import cycle_for
from territory_desktop.qt.rep_week import COLUMNS

REP = "REP-4"  # conftest's SCHEDULED_REP, the rep the ``week`` fixture shows


def go_to_cycle_week(view, plan, week_index: int) -> dt.date:
    """Show the calendar week that is ``week_index`` of the rotation's first cycle; its Monday."""
    cycle = cycle_for(plan, plan.schedules[REP].weeks)
    monday = cycle.date_of(week_index, 0)
    view.week.setDate(QDate(monday.year, monday.month, monday.day))
    return monday


def status_combo(view, row: int):
    """Return the Status drop-down of a row."""
    return view.table.cellWidget(row, COLUMNS.index("Status"))


def pick_status(qtbot, view, row: int, key) -> None:
    """Click into a row's status and step it with the keyboard, as a rep does."""
    combo = status_combo(view, row)
    view.table.scrollToItem(view.table.item(row, 0))
    combo.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.keyClick(combo, key)
    qtbot.wait(20)  # the deferred redraw, if any


def log_of(doc, date: str, aid: str):
    """Return the plan's log entry of ``aid`` on ``date`` (None: nothing logged)."""
    return next((e for e in doc.plan.visit_log if (e.date, e.account_id) == (date, aid)), None)


def first_monday_as_today(week, monkeypatch):
    """Show the rotation's first week with its Monday as today: (view, doc, window, monday)."""
    tdapp, view = week
    doc, window = tdapp.document, tdapp.window
    window.activateWindow()
    monday = go_to_cycle_week(view, doc.plan, 0)
    monkeypatch.setattr(clock, "today", lambda: monday)
    return view, doc, window, monday


def type_into(qtbot, view, row: int, column: str, text: str, key=None) -> None:
    """Double-click a cell, type, and leave it with ``key`` (Tab by default), as a rep does."""
    item = view.table.item(row, COLUMNS.index(column))
    view.table.scrollToItem(item)
    rect = view.table.visualItemRect(item)
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit), f"no editor opened on {column}"
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, key if key is not None else Qt.Key.Key_Tab)
    qtbot.wait(20)  # the table commits the editor and the deferred refresh runs
