"""Creating the QApplication with what QtWebEngine needs set up before it exists."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication

from territory_desktop.qt.about import app_icon


def create_application(argv: list[str]) -> QApplication:
    """The one QApplication (created once; later calls return the existing one)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    qapp = QApplication(argv)
    qapp.setApplicationName("Territory Desktop")
    qapp.setOrganizationName("TerritoryDesktop")
    qapp.setDesktopFileName("territory-desktop")  # Wayland matches the window to its .desktop
    qapp.setWindowIcon(app_icon())
    return qapp
