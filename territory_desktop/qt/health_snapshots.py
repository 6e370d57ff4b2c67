"""Health snapshots in the Health panel: freeze the KPIs into the plan, compare any two.

"Take snapshot…" asks for a date and a label and keeps the shown quarter's KPIs in the plan
(one undoable edit, saved with the plan). Two pickers choose what to compare: any snapshot, or
"Now" (the figures shown); the tree lists, per territory and for the team, the KPIs that
improved and those that slipped (:func:`~territory_desktop.health.snapshots.compare_snapshots`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from territory_desktop import clock
from territory_desktop.health.formats import format_change
from territory_desktop.health.report import HealthReport
from territory_desktop.health.snapshots import KpiChange, Snapshot, compare_snapshots, take_snapshot
from territory_desktop.health.store import add_snapshot, snapshots_of
from territory_desktop.model.plan_health import SnapshotRecord
from territory_desktop.qt.workbench import Workbench

__all__ = ["NOW", "SnapshotDialog", "SnapshotsBox"]

NOW = -1
"""The pickers' item data for the figures shown now (snapshots are 0, 1, ...)."""

_COLOURS = {"improved": "#1a7f37", "slipped": "#c62828"}


class SnapshotDialog(QDialog):
    """Ask for the date a snapshot is taken and its label."""

    def __init__(self, taken: dt.date, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("takeSnapshot")
        self.setWindowTitle("Take health snapshot")
        self.date = QDateEdit(QDate(taken.year, taken.month, taken.day), self)
        self.date.setObjectName("snapshotDate")
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setCalendarPopup(True)
        self.label = QLineEdit(label, self)
        self.label.setObjectName("snapshotLabel")
        form = QFormLayout(self)
        form.addRow(QLabel("Freeze the KPIs shown into the plan, to compare them later.", self))
        form.addRow("Date taken", self.date)
        form.addRow("Label", self.label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        form.addRow(buttons)

    def taken(self) -> dt.date:
        """Return the date chosen."""
        chosen = self.date.date()
        return dt.date(chosen.year(), chosen.month(), chosen.day())


class SnapshotsBox(QWidget):
    """Take snapshots of the figures shown and compare any two (or one with now)."""

    compared = Signal()
    """The comparison tree shows a new pair (read ``changes``)."""

    def __init__(self, workbench: Workbench, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("healthSnapshots")
        self.workbench = workbench
        self.report: HealthReport | None = None
        self.snapshots: list[Snapshot] = []
        self.changes: tuple[KpiChange, ...] = ()
        self.dialog: SnapshotDialog | None = None
        self._records: tuple[SnapshotRecord, ...] | None = None

        self.take_button = QPushButton("Take snapshot…", self)
        self.take_button.setObjectName("healthTakeSnapshot")
        self.take_button.setEnabled(False)
        self.take_button.clicked.connect(self.take_dialog)
        self.before = QComboBox(self)
        self.before.setObjectName("healthSnapshotBefore")
        self.after = QComboBox(self)
        self.after.setObjectName("healthSnapshotAfter")
        for box in (self.before, self.after):
            box.activated.connect(self.compare)
        self.summary = QLabel("No snapshots yet: take one to compare the figures later.", self)
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("healthSnapshotChanges")
        self.tree.setHeaderLabels(["Territory / KPI", "Before", "After", "Change"])

        row = QHBoxLayout()
        row.addWidget(self.take_button)
        row.addWidget(QLabel("Compare", self))
        row.addWidget(self.before, 1)
        row.addWidget(QLabel("with", self))
        row.addWidget(self.after, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        workbench.document.plan_changed.connect(self._on_plan_changed)
        self._on_plan_changed()

    # ----------------------------------------------------------------- inputs
    def set_report(self, report: HealthReport | None) -> None:
        """Show ``report`` as "Now" (None: no figures shown)."""
        self.report = report
        self.take_button.setEnabled(report is not None)
        self._fill_pickers()

    def take_dialog(self) -> None:
        """Ask for a date and label, then keep the shown KPIs in the plan (undoable)."""
        report = self.report
        if report is None:
            return
        self.dialog = SnapshotDialog(clock.today(), f"{report.kpis.period} review",
                                     self.workbench.dialog_parent())
        self.dialog.accepted.connect(self._on_dialog_accepted)
        self.dialog.open()

    def _on_dialog_accepted(self) -> None:
        dialog, report = self.dialog, self.report
        if dialog is None or report is None:
            return
        snapshot = take_snapshot(report.kpis, dialog.taken(), dialog.label.text().strip())
        self.workbench.apply_edit(lambda: add_snapshot(self.workbench.document.plan, snapshot))

    def _on_plan_changed(self) -> None:
        records = self.workbench.document.plan.health.snapshots
        if records is self._records:
            return
        self._records = records
        self.snapshots = snapshots_of(self.workbench.document.plan)
        self._fill_pickers(newest_first=True)

    # ----------------------------------------------------------------- comparison
    def _fill_pickers(self, newest_first: bool = False) -> None:
        """Offer the snapshots and "Now"; keep the pair chosen unless ``newest_first``."""
        items = [(self._title(s), n) for n, s in enumerate(self.snapshots)]
        if self.report is not None:
            k = self.report.kpis
            items.append((f"Now: {k.period} as of {k.as_of}", NOW))
        keep = (self.before.currentData(), self.after.currentData())
        for box in (self.before, self.after):
            box.blockSignals(True)
            box.clear()
            for text, data in items:
                box.addItem(text, data)
            box.blockSignals(False)
        datas = [d for _, d in items]
        if len(datas) < 2:
            self.tree.clear()
            self.changes = ()
            self.summary.setText("No snapshots yet: take one to compare the figures later."
                                 if not self.snapshots else "Nothing to compare it with yet.")
            return
        before, after = keep
        if newest_first or before not in datas or after not in datas or before == after:
            # the latest snapshot against now (or the two latest snapshots)
            before, after = datas[-2], datas[-1]
        self.before.setCurrentIndex(datas.index(before))
        self.after.setCurrentIndex(datas.index(after))
        self.compare()

    @staticmethod
    def _title(snapshot: Snapshot) -> str:
        label = f" {snapshot.label}" if snapshot.label else ""
        return f"{snapshot.taken}{label} ({snapshot.period})"

    def _chosen(self, box: QComboBox) -> Snapshot | None:
        data = box.currentData()
        if data == NOW:
            report = self.report
            return None if report is None else take_snapshot(report.kpis, report.kpis.as_of)
        return self.snapshots[data] if isinstance(data, int) else None

    def compare(self) -> None:
        """Compare the two picked figures and list what improved and what slipped."""
        before, after = self._chosen(self.before), self._chosen(self.after)
        if before is None or after is None:
            return
        self.changes = compare_snapshots(before, after)
        self._fill_tree(self.changes)
        self.compared.emit()

    def _fill_tree(self, changes: Sequence[KpiChange]) -> None:
        self.tree.clear()
        groups: dict[tuple[str, str | None], list[KpiChange]] = {}
        for c in changes:
            if c.scope != "rep":
                groups.setdefault((c.scope, c.key), []).append(c)
        improved = slipped = 0
        for (scope, _), items in groups.items():
            moved = [c for c in items if c.verdict in _COLOURS]
            up = sum(c.verdict == "improved" for c in moved)
            down = len(moved) - up
            improved, slipped = improved + up, slipped + down
            name = "Team" if scope == "team" else items[0].name
            parent = QTreeWidgetItem([f"{name}: {up} improved, {down} slipped", "", "", ""])
            self.tree.addTopLevelItem(parent)
            for c in moved:
                child = QTreeWidgetItem(list(format_change(c)))
                child.setForeground(3, QBrush(QColor(_COLOURS[c.verdict])))
                parent.addChild(child)
            parent.setExpanded(True)
        self.tree.resizeColumnToContents(0)
        self.summary.setText(f"{self.before.currentText()} → {self.after.currentText()}: "
                             f"{improved} figures improved, {slipped} slipped "
                             "(per territory; unchanged and missing figures not listed)")
        self.tree.setColumnWidth(0, max(self.tree.columnWidth(0), 220))
