"""App identity: the About box (from the Help menu) and the application icon."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QTextBrowser

from territory_desktop import __version__
from territory_desktop.qt.about import app_icon


def test_help_about_names_version_and_every_licence(tdapp, qtbot):
    window = tdapp.window
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    about = next(a for a in help_menu.actions() if a.text() == "&About Territory Desktop")
    about.trigger()  # opens without blocking: a modal exec() would hang here
    dialog = window.findChild(QDialog, "aboutDialog")
    assert dialog is not None and dialog.isVisible()
    text = dialog.findChild(QTextBrowser, "aboutText").toPlainText()
    assert f"Territory Desktop {__version__}" in text
    for needed in ("© OpenStreetMap contributors", "Open Database License", "© GeoNames",
                   "Creative Commons BY 4.0", "Leaflet",
                   "BSD-2-Clause", "LGPL-3.0", "PyVRP", "python-dateutil", "pyshp",
                   "Routing kernels compiled ahead of time with numba"):
        assert needed in text, needed
    # what the bundle does not ship is not listed: numba's compiler, GDAL, pandas
    for gone in ("llvmlite", "LLVM", "GDAL", "pyogrio", "pandas"):
        assert gone not in text, gone
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.findChild(QDialog, "aboutDialog") is None, timeout=5000)


def test_app_icon_renders_at_every_size_a_desktop_asks_for(qtbot):
    icon = app_icon()
    assert not icon.isNull()
    for size in (16, 32, 64, 256):
        image = icon.pixmap(size, size).toImage()
        assert image.width() == size
        centre = image.pixelColor(size // 2, size // 2)
        corner = image.pixelColor(0, 0)
        assert centre.alpha() == 255 and corner.alpha() == 0  # drawn, with rounded corners
