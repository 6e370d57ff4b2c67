"""Gestures the export dialog tests share: the menu, typing a date, OK, the status line."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog

WAIT_MS = 120_000


def export_action(window, text):
    """Return the action under File > Export named ``text``, as the menu bar lists it."""
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    export = next(a.menu() for a in file_menu.actions() if a.text() == "&Export")
    return next(a for a in export.actions() if a.text() == text)


def answer_save(monkeypatch, target: Path) -> None:
    """Make the file chooser answer ``target`` when the user clicks Browse…."""
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))


def type_date(qtbot, edit, date):
    """Select the year section and type the digits, as a user does (sections auto-advance)."""
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Home)
    for _ in range(4):
        qtbot.keyClick(edit, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(edit, date.strftime("%Y%m%d"))
    qtbot.keyClick(edit, Qt.Key.Key_Tab)
    assert edit.date().toPython() == date


def click_ok(qtbot, dialog):
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled(), dialog.reason.text()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)


def wrote(qtbot, window):
    """Wait for the export's status line (the network may be built first)."""
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Wrote "),
                    timeout=WAIT_MS)
