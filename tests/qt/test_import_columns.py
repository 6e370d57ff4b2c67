"""Issue 8 item 13: the column mapping is reachable for any file.

Any column of numbers can feed potential (and so the tiers): the Los Angeles file's
``beds``.
"""

from __future__ import annotations

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
