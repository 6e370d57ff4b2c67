"""Account list with search by name or id, an unassigned filter and the account's details."""

from __future__ import annotations

from typing import Any, override

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from territory_desktop.model import Account
from territory_desktop.qt.document import PlanDocument

_Index = QModelIndex | QPersistentModelIndex
HEADERS = ("Id", "Name", "Tier", "Territory", "Why", "Segment", "Potential")


class AccountTableModel(QAbstractTableModel):
    """All accounts with their territory and the reason they got it."""

    def __init__(self, document: PlanDocument) -> None:
        super().__init__()
        self._document = document
        self.accounts: list[Account] = []
        document.plan_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Reload the rows from the current plan."""
        self.beginResetModel()
        self.accounts = list(self._document.plan.accounts.values())
        self.endResetModel()

    @override
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.accounts)

    @override
    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    @override
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    @override
    def data(self, index: _Index, role: int = 0) -> Any:
        if not index.isValid():
            return None
        a = self.accounts[index.row()]
        doc = self._document
        tid = doc.assignment.territory_of.get(a.id)
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole):
            if col == 0:
                return a.id
            if col == 1:
                return a.name + (" (approx. location)" if a.approximate_location else "")
            if col == 2:
                return a.tier
            if col == 3:
                return doc.plan.territories[tid].name if tid else "— unassigned —"
            if col == 4:
                return doc.assignment.reason.get(a.id, "")
            if col == 5:
                return a.segment
            if col == 6:
                if role == Qt.ItemDataRole.UserRole:
                    return a.potential or 0.0
                return "" if a.potential is None else f"{a.potential:,.0f}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{a.name}\n{a.address}\n{a.segment} {a.industry}".strip()
        return None


class _SearchProxy(QSortFilterProxyModel):
    def __init__(self, model: AccountTableModel) -> None:
        super().__init__()
        self.setSourceModel(model)
        self.setSortRole(Qt.ItemDataRole.UserRole)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.only_unassigned = False
        self.text = ""
        self._model = model

    def filterAcceptsRow(self, row: int, parent: _Index) -> bool:
        a = self._model.accounts[row]
        if self.only_unassigned:
            doc = self._model._document
            if doc.assignment.territory_of.get(a.id) is not None:
                return False
        text = self.text
        return not text or text in a.name.casefold() or text in a.id.casefold()


class AccountsPanel(QWidget):
    """Search field, 'unassigned only' switch and the account table."""

    account_activated = Signal(str)
    """The user picked an account (payload: account id) to show on the map."""
    context_menu_requested = Signal(object)
    """Right-click on the table (payload: global position); the window fills the menu."""

    def __init__(self, document: PlanDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self.model = AccountTableModel(document)
        self.proxy = _SearchProxy(self.model)
        self.search = QLineEdit(self)
        self.search.setObjectName("accountSearch")
        self.search.setPlaceholderText("Search accounts by name or id  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.unassigned_only = QCheckBox("Unassigned only", self)
        self.summary = QLabel(self)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setWordWrap(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.unassigned_only)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table)
        layout.addWidget(self.summary)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.unassigned_only.toggled.connect(self._on_unassigned_toggled)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(
            lambda pos: self.context_menu_requested.emit(self.table.viewport().mapToGlobal(pos)))
        self.table.activated.connect(self._on_table_activated)
        self.table.clicked.connect(self._on_table_activated)
        document.plan_changed.connect(self._update_summary)
        self._kept: list[str] = []
        self.model.modelAboutToBeReset.connect(self._remember_selection)
        self.model.modelReset.connect(self._restore_selection)
        self._update_summary()

    def _remember_selection(self) -> None:
        self._kept = self.selected_ids()

    def _restore_selection(self) -> None:
        from PySide6.QtCore import QItemSelection, QItemSelectionModel

        if not self._kept:
            return
        wanted = set(self._kept)
        selection = QItemSelection()
        for row, account in enumerate(self.model.accounts):
            if account.id in wanted:
                idx = self.proxy.mapFromSource(self.model.index(row, 0))
                if idx.isValid():
                    selection.select(idx, idx)
        self.table.selectionModel().select(
            selection, QItemSelectionModel.SelectionFlag.Select
            | QItemSelectionModel.SelectionFlag.Rows)

    def selected_ids(self) -> list[str]:
        """Return the selected account ids in selection order (routes follow it)."""
        rows = [self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()]
        return [self.model.accounts[r].id for r in rows]

    def visible_ids(self) -> list[str]:
        """Return the ids of the accounts the filters leave visible, in view order."""
        return [self.proxy.index(r, 0).data() for r in range(self.proxy.rowCount())]

    def show_unassigned(self) -> None:
        """Filter the list to the accounts in no territory."""
        self.unassigned_only.setChecked(True)

    def _on_search_text_changed(self, text: str) -> None:
        self.proxy.text = text.strip().casefold()
        self.proxy.invalidate()
        self._update_summary()

    def _on_search_return_pressed(self) -> None:
        if self.proxy.rowCount():
            self.table.selectRow(0)
            self.account_activated.emit(self.proxy.index(0, 0).data())

    def _on_unassigned_toggled(self, on: bool) -> None:
        self.proxy.only_unassigned = on
        self.proxy.invalidate()
        self._update_summary()

    def _on_table_activated(self, index: QModelIndex) -> None:
        self.account_activated.emit(self.proxy.index(index.row(), 0).data())

    def _update_summary(self) -> None:
        total = len(self._document.plan.accounts)
        unassigned = len(self._document.assignment.unassigned())
        self.summary.setText(
            f"{self.proxy.rowCount()} shown of {total} accounts · {unassigned} unassigned")
