"""The About box: name, version, and the licences of the data and libraries the app ships."""

from __future__ import annotations

import sys
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from territory_desktop.resources import resource_path

__all__ = ["DATA", "LIBRARIES", "app_icon", "licences_folder", "show_about"]

TITLE = "Territory Desktop"

#: (what, source and copyright, licence) of the data shipped with the app.
DATA: tuple[tuple[str, str, str], ...] = (
    ("Sample plan, road and map data", "© OpenStreetMap contributors",
     "Open Database License (ODbL) 1.0"),
    ("Postal-code centroids", "© GeoNames (geonames.org)", "Creative Commons BY 4.0"),
)

#: (library, licence) of what a bundle ships; the texts are in :func:`licences_folder`.
LIBRARIES: tuple[tuple[str, str], ...] = (
    ("Qt 6, Qt WebEngine (Chromium) and PySide6", "LGPL-3.0 (Chromium: BSD-3-Clause and others)"),
    ("Python", "PSF License"),
    ("Leaflet", "BSD-2-Clause"),
    ("Leaflet-Geoman free", "MIT"),
    ("NumPy (with OpenBLAS)", "BSD-3-Clause"),
    ("SciPy (with OpenBLAS and HiGHS)", "BSD-3-Clause; HiGHS: MIT"),
    ("python-dateutil", "BSD-3-Clause"),
    # numba itself does not ship: its runtime helpers are compiled into the kernels' module
    ("Routing kernels compiled ahead of time with numba", "BSD-2-Clause"),
    ("Shapely (with GEOS)", "BSD-3-Clause; GEOS: LGPL-2.1"),
    ("pyproj (with PROJ)", "MIT"),
    ("pyshp (Shapefiles)", "MIT"),
    ("pyosmium (with libosmium)", "BSD-2-Clause; libosmium: BSL-1.0"),
    ("PyVRP", "MIT"),
    ("folium, branca, xyzservices", "MIT; xyzservices: BSD-3-Clause"),
    ("Jinja2, MarkupSafe", "BSD-3-Clause"),
    ("NetworkX", "BSD-3-Clause"),
    ("openpyxl, et_xmlfile", "MIT"),
    ("ReportLab", "BSD-3-Clause"),
    ("icalendar", "BSD-2-Clause"),
    ("gpxpy", "Apache-2.0"),
    ("holidays (public holiday rules)", "MIT"),
    ("Requests, urllib3, idna, certifi, charset-normalizer",
     "Apache-2.0; urllib3, charset-normalizer: MIT; idna: BSD-3-Clause; certifi: MPL-2.0"),
)


def app_icon() -> QIcon:
    """Return the application icon (scalable, from ``resources/icons``)."""
    return QIcon(str(resource_path("icons", "territory-desktop.svg")))


def licences_folder() -> Path | None:
    """Where a bundle keeps the libraries' licence texts (None in a checkout)."""
    bundle = getattr(sys, "_MEIPASS", None)
    folder = Path(bundle, "licenses") if getattr(sys, "frozen", False) and bundle else None
    return folder if folder is not None and folder.is_dir() else None


def _html() -> str:
    from territory_desktop import __version__

    rows = "".join(f"<tr><td>{escape(what)}</td><td>{escape(source)}</td>"
                   f"<td>{escape(licence)}</td></tr>" for what, source, licence in DATA)
    libs = "".join(f"<tr><td>{escape(name)}</td><td>{escape(licence)}</td></tr>"
                   for name, licence in LIBRARIES)
    folder = licences_folder()
    where = (f"Full licence texts: {escape(str(folder))}" if folder else
             "Full licence texts ship with each installed package.")
    return (
        f"<h2>{TITLE} {escape(__version__)}</h2>"
        "<p>Offline territory planning for field sales.</p>"
        "<h3>Data</h3><table cellspacing='4'>"
        "<tr><th align='left'>What</th><th align='left'>Source</th>"
        f"<th align='left'>Licence</th></tr>{rows}</table>"
        "<h3>Libraries</h3><table cellspacing='4'>"
        f"<tr><th align='left'>Library</th><th align='left'>Licence</th></tr>{libs}</table>"
        f"<p>{where}</p>")


def show_about(parent: QWidget) -> QDialog:
    """Open the About box (window-modal, without blocking) and return it."""
    dialog = QDialog(parent)
    dialog.setObjectName("aboutDialog")
    dialog.setWindowTitle(f"About {TITLE}")
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    icon = QLabel(dialog)
    icon.setPixmap(app_icon().pixmap(64, 64))
    text = QTextBrowser(dialog)
    text.setObjectName("aboutText")
    text.setOpenLinks(False)
    text.setHtml(_html())
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(icon)
    layout.addWidget(text)
    layout.addWidget(buttons)
    dialog.resize(620, 560)
    dialog.open()
    return dialog
