"""Edit > Settings as the user works it: open it from the menu action, pick, click OK."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox


def choose_units(qtbot, window, unit: str) -> None:
    """Edit > Settings..., pick the distance ``unit`` ("km", "miles"), click OK."""
    from territory_desktop.qt.dialogs import SettingsDialog

    def choose() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, SettingsDialog):
            QTimer.singleShot(20, choose)
            return
        dialog.units.setCurrentText(unit)
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, choose)
    window.actions["edit.settings"].trigger()
