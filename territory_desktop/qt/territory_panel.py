"""The territory table: rep, accounts by tier, potential, visits and hours, share of the team."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, override

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from territory_desktop.model.workload import TerritoryWorkload, workloads
from territory_desktop.qt.document import PlanDocument

_Index = QModelIndex | QPersistentModelIndex

COLUMNS = (
    ("Territory", lambda w: w.name),
    ("Rep", lambda w: w.rep_name),
    ("Accounts", lambda w: w.accounts),
    ("A", lambda w: w.by_tier["A"]),
    ("B", lambda w: w.by_tier["B"]),
    ("C", lambda w: w.by_tier["C"]),
    ("Potential", lambda w: w.potential),
    ("Visits / yr", lambda w: w.visits_per_year),
    ("Visit h / yr", lambda w: w.visit_hours_per_year),
    ("Visit h / wk", lambda w: w.visit_hours_per_week),
    ("Drive h / wk (scheduled)", lambda w: w.drive_hours_per_week),
    ("Utilisation", lambda w: w.utilisation),
    ("Share", lambda w: w.share),
)

HEADER_TIPS = {
    "Accounts": "Accounts in the territory (by the map or by an overlay rule)",
    "A": "Tier A accounts", "B": "Tier B accounts", "C": "Tier C accounts",
    "Potential": "Sum of the accounts' potential",
    "Visits / yr": "Visits a year the tier cadence asks for",
    "Visit h / yr": "Hours on site a year: visits a year x visit length",
    "Visit h / wk": "Hours on site a week",
    "Drive h / wk (scheduled)": ("Driving in the rep's scheduled rotation, on road drive times "
                                 "(— until a rotation is scheduled and the road network is "
                                 "loaded)"),
    "Utilisation": ("(visit + scheduled drive hours per week) / the rep's weekly hours; "
                    "visits only until a rotation is scheduled"),
    "Share": ("This territory's share of the whole team's visit hours: territories with "
              "equal shares carry equal visit workloads"),
}
VISITS_ONLY = ("Visits only, no driving: no rotation timed on roads covers this rep's accounts "
               "(Rotation > Schedule rotation; without a road network its times are straight "
               "lines, not counted). The Design tab adds an estimated drive.")
# Counts of visits are whole visits; hours keep one decimal.
WHOLE_NUMBERS = frozenset({"Potential", "Visits / yr"})


class TerritoryTableModel(QAbstractTableModel):
    """Rows are :class:`TerritoryWorkload`; the sort role returns raw numbers."""

    def __init__(self, document: PlanDocument,
                 scheduled_drive: Callable[[str], float | None] | None = None) -> None:
        super().__init__()
        self._document = document
        self._scheduled_drive = scheduled_drive
        self.rows: list[TerritoryWorkload] = []
        document.plan_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Recompute the rows from the current plan."""
        self.beginResetModel()
        doc = self._document
        drive = self._scheduled_drive or (lambda _rep: None)
        self.rows = workloads(doc.plan, doc.assignment.territory_of, drive)
        self.endResetModel()

    @override
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    @override
    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    @override
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(COLUMNS[section][0])
        return None

    @override
    def data(self, index: _Index, role: int = 0) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        value = COLUMNS[index.column()][1](row)
        if role == Qt.ItemDataRole.UserRole:
            return value
        if role == Qt.ItemDataRole.DisplayRole:
            name = COLUMNS[index.column()][0]
            if value is None:
                return "—"
            if name == "Utilisation" and _visits_only(row):
                return f"{value:.0%} (visits only)"
            if name in ("Share", "Utilisation"):
                return f"{value:.0%}" if row.territory_id else ""
            if name in WHOLE_NUMBERS:
                return f"{value:,.0f}"
            if isinstance(value, float):
                return f"{value:,.1f}"
            return value
        if (role == Qt.ItemDataRole.ForegroundRole and COLUMNS[index.column()][0] == "Utilisation"
                and row.utilisation is not None and row.utilisation > 1.0):
            return QColor("#a40000")  # overloaded rep
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 0 and row.territory_id:
            return QColor(self._document.plan.territories[row.territory_id].color)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and row.territory_id is None:
            return "Accounts outside every territory and not matched by any rule"
        if role == Qt.ItemDataRole.ToolTipRole:
            name = COLUMNS[index.column()][0]
            return VISITS_ONLY if name == "Utilisation" and _visits_only(row) \
                else HEADER_TIPS.get(name)
        return None

    def territory_id(self, row: int) -> str | None:
        """Return the territory id of ``row`` (None for the unassigned row)."""
        return self.rows[row].territory_id


def _visits_only(row: TerritoryWorkload) -> bool:
    """Tell whether ``row``'s utilisation counts no driving (no rotation of its rep counts)."""
    return row.utilisation is not None and row.drive_hours_per_week is None


class TerritoryPanel(QWidget):
    """Sortable workload table; row selection and map selection follow each other."""

    selection_changed = Signal(list)
    """The selected territory ids (list[str]) after the user changed the selection."""

    def __init__(self, document: PlanDocument, parent: QWidget | None = None,
                 scheduled_drive: Callable[[str], float | None] | None = None) -> None:
        super().__init__(parent)
        self.model = TerritoryTableModel(document, scheduled_drive)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.table = QTableView(self)
        self.table.setObjectName("territoryTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        self._quiet = False
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.model.modelAboutToBeReset.connect(self._remember_selection)
        self.model.modelReset.connect(self._restore_selection)
        self._kept: list[str] = []

    def selected_ids(self) -> list[str]:
        """Return the ids of the selected territories, in table order."""
        rows = {self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()}
        ids = [self.model.territory_id(r) for r in sorted(rows)]
        return [i for i in ids if i is not None]

    def select(self, territory_ids: list[str]) -> None:
        """Select rows for ``territory_ids`` without emitting ``selection_changed``."""
        self._quiet = True
        try:
            sel = self.table.selectionModel()
            sel.clearSelection()
            for row, w in enumerate(self.model.rows):
                if w.territory_id in territory_ids:
                    idx = self.proxy.mapFromSource(self.model.index(row, 0))
                    sel.select(idx, QItemSelectionModel.SelectionFlag.Select
                               | QItemSelectionModel.SelectionFlag.Rows)
                    self.table.scrollTo(idx)
        finally:
            self._quiet = False

    def _remember_selection(self) -> None:
        self._kept = self.selected_ids()

    def _restore_selection(self) -> None:
        self.select(self._kept)

    def _on_table_selection_changed(self) -> None:
        if not self._quiet:
            self.selection_changed.emit(self.selected_ids())
