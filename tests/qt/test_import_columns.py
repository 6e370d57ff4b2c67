"""Issue 8 item 13: the column mapping is reachable for any file.

Any column of numbers can feed potential (and so the tiers): the Los Angeles file's
``beds``.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
)


def test_import_choosing_columns_takes_beds_as_potential(tdapp, qtbot, shared_data,
                                                        monkeypatch):
    window, doc = tdapp.window, tdapp.document
    source = shared_data / "accounts" / "la_metro_healthcare_accounts.csv"
    monkeypatch.setattr(QFileDialog, "getOpenFileName",  # the file chooser's answer
                        staticmethod(lambda *_a, **_k: (str(source), "")))
    seen: list[str] = []

    def choose_beds() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or dialog.objectName() != "columnMapping":
            QTimer.singleShot(20, choose_beds)
            return
        seen.append(" ".join(label.text() for label in dialog.findChildren(QLabel)))
        box = dialog.findChild(QComboBox, "column_potential")
        seen.append(box.currentText())
        box.setFocus()
        qtbot.keyClicks(box, "beds")  # a closed combo box selects the item typed
        seen.append(box.currentText())
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    before = len(doc.plan.accounts)
    QTimer.singleShot(0, choose_beds)
    window.activateWindow()
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_I,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: len(doc.plan.accounts) > before, timeout=10_000)
    assert "were recognised" in seen[0] and "Any column of numbers" in seen[0]
    assert seen[1:] == ["— not in file —", "beds"]
    accounts = doc.plan.accounts
    assert len(accounts) == before + 385
    assert accounts["HOSP-0000392801"].potential == 223.0
    la = [a for a in accounts.values() if a.id.startswith(("HOSP-", "UC-")) and a.potential]
    assert len(la) == 192
    assert {a.tier for a in la} == {"A", "B", "C"}
    assert max(la, key=lambda a: a.potential).tier == "A"
    assert doc.undo_stack.undoText() == "Import 385 accounts"


def _press(qtbot, window, modifiers) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # a closed report gave it up
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_I, modifiers)


def test_plain_reimport_keeps_the_tiers_from_beds(tdapp, qtbot, shared_data, monkeypatch):
    """Ctrl+Alt+I with potential = beds, then Ctrl+I of the same file (as the report advises)."""
    window, doc, files = tdapp.window, tdapp.document, tdapp.files
    source = shared_data / "accounts" / "la_metro_healthcare_accounts.csv"
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *_a, **_k: (str(source), "")))

    def choose_beds() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or dialog.objectName() != "columnMapping":
            QTimer.singleShot(20, choose_beds)
            return
        box = dialog.findChild(QComboBox, "column_potential")
        box.setFocus()
        qtbot.keyClicks(box, "beds")
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, choose_beds)
    _press(qtbot, window, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: "HOSP-0000392801" in doc.plan.accounts, timeout=10_000)
    la_ids = [i for i in doc.plan.accounts if i.startswith(("HOSP-", "UC-"))]
    first = {i: (doc.plan.accounts[i].potential, doc.plan.accounts[i].tier) for i in la_ids}
    assert Counter(t for _, t in first.values()) == {"A": 38, "B": 58, "C": 289}
    report = files.last_report  # the blank beds are reported
    assert "potential is blank on 193 of 385 rows" in report.details.toPlainText()
    close = report.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not report.isVisible())

    notes: list[str] = []
    doc.edit_noted.connect(notes.append)
    edits = doc.undo_stack.count()
    _press(qtbot, window, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: doc.undo_stack.count() == edits + 1, timeout=10_000)
    accounts = doc.plan.accounts
    assert {i: (accounts[i].potential, accounts[i].tier) for i in la_ids} == first
    assert notes[0].startswith("385 existing accounts updated: name, location")
    assert notes[0].endswith("; potential, tier, visit interval, visit minutes and notes kept")


def test_report_counts_one_row_in_the_singular(tdapp, qtbot, tmp_path, monkeypatch):
    csv = tmp_path / "crm.csv"
    csv.write_text("id,name,lat,lon\nN-1,Good,39.29,-76.60\nN-2,Bad,abc,-76.60\n",
                   encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *_a, **_k: (str(csv), "")))
    _press(qtbot, tdapp.window, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tdapp.files.last_report is not None, timeout=10_000)
    summary = tdapp.files.last_report.findChild(QLabel).text()
    assert summary.startswith("1 row of crm.csv was imported; 1 row was rejected.")
    tdapp.files.last_report.close()
