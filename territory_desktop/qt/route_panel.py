"""The route on the map as a table.

One row per stop, numbered as on the map, with the leg that arrives there and running
totals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from territory_desktop.units import METERS_PER_UNIT, distance_unit, format_distance

if TYPE_CHECKING:
    from territory_desktop.routing import Route

EMPTY = ("No route on the map. Select accounts and use Routing → Route through selected "
         "(Ctrl+R), or click a day's header in the Rotation panel.")


class RoutePanel(QWidget):
    """Shows the legs of the route drawn on the map; empty until a route is drawn."""

    zoom_requested = Signal()
    """The user asked to fit the map to the route."""
    clear_requested = Signal()
    """The user asked to take the route off the map."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.zoom_button = QPushButton("Zoom to route", self)
        self.clear_button = QPushButton("Clear", self)
        self.table = QTableWidget(0, 5, self)
        self.table.setObjectName("routeLegs")
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # one name column takes what is left, elided: the figures (under two-line headers, so
        # they stay narrow) keep in view in a narrow panel
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        buttons = QHBoxLayout()
        buttons.addWidget(self.zoom_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.title)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.zoom_button.clicked.connect(self.zoom_requested)
        self.clear_button.clicked.connect(self.clear_requested)
        self.clear()

    @property
    def has_route(self) -> bool:
        """Whether a route is listed."""
        return self.table.rowCount() > 0

    def show_route(self, route: Route, labels: list[str], title: str, unit_name: str) -> None:
        """Fill the table with ``route``, one row per stop.

        ``labels`` name every stop in driving order, as the map numbers them; distances are in
        ``unit_name`` ("mi", "km" or the preferences' "miles").

        The first row is the start; each other row is a stop with the leg driven to reach it.
        """
        unit = distance_unit(unit_name)
        per = METERS_PER_UNIT[unit]
        self.table.setHorizontalHeaderLabels(
            ["Stop", "Leg\nmin", f"Leg\n{unit}", "Total\nmin", f"Total\n{unit}"])
        self.table.setRowCount(len(route.legs) + 1)
        self._fill_row(0, labels[0], ("", "", "0.0", f"{0:.2f}"), f"Start: {labels[0]}")
        seconds = meters = 0.0
        for row, leg in enumerate(route.legs, start=1):
            seconds += leg.seconds
            meters += leg.meters
            self._fill_row(row, labels[row], (f"{leg.seconds / 60:.1f}",
                                              f"{leg.meters / per:.2f}", f"{seconds / 60:.1f}",
                                              f"{meters / per:.2f}"),
                           f"{labels[row - 1]} \u2192 {labels[row]}: "
                           f"{leg.seconds / 60:.1f} min, {leg.meters / per:.2f} {unit}")
        self.title.setText(f"<b>{_escape(title)}</b>: {len(route.legs)} legs, "
                           f"{route.total_seconds / 60:.0f} min driving, "
                           f"{format_distance(route.total_meters, unit)}")
        self.zoom_button.setEnabled(True)
        self.clear_button.setEnabled(True)

    def _fill_row(self, row: int, name: str, figures: tuple[str, ...], tip: str) -> None:
        item = QTableWidgetItem(name)
        item.setToolTip(tip)
        self.table.setItem(row, 0, item)
        for col, text in enumerate(figures, start=1):
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(tip)
            self.table.setItem(row, col, item)

    def clear(self) -> None:
        """Empty the table."""
        self.title.setText(EMPTY)
        self.table.setRowCount(0)
        self.table.setHorizontalHeaderLabels(
            ["Stop", "Leg\nmin", "Leg\ndistance", "Total\nmin", "Total\ndistance"])
        self.zoom_button.setEnabled(False)
        self.clear_button.setEnabled(False)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
