"""The Scenarios panel: save the alignment under a name, compare two, promote one, export.

Scenarios live in the plan (``Plan.scenarios``), so saving, deleting and promoting one are
undoable edits and the plan file keeps them. A comparison
(:func:`~territory_desktop.optimize.alignment_figures.compare_alignments`) runs off the GUI
thread and shows, per territory, both sides' accounts, workload, potential, drive hours and
compactness with the accounts moved in and out. While it is open the map draws both sides'
territory borders (old dashed grey, new solid in territory colours); the accounts that change
owner can be ringed on the map, and the realignment report exported as CSV or XLSX. Close
comparison takes it all off the map.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from territory_desktop.model.plan import Plan, Scenario
from territory_desktop.model.scenario import RealignmentReport
from territory_desktop.optimize.alignment_figures import (
    CURRENT,
    AlignmentFigures,
    compare_alignments,
)
from territory_desktop.qt.export_base import sentence
from territory_desktop.qt.routing_controller import RoutingController
from territory_desktop.qt.widgets import fill_table, read_only_table, rep_label
from territory_desktop.qt.workbench import Workbench, file_folder

__all__ = ["COMPARE_COLUMNS", "ScenarioPanel"]

COMPARE_COLUMNS = ("Territory", "Rep", "Accounts", "Workload h/wk", "Potential", "Drive h/wk",
                   "Compactness", "Moved in", "Moved out")
REPORT_FILTER = "Excel workbook (*.xlsx);;CSV files (*.csv);;PDF (*.pdf)"


def _pair(a: float | None, b: float | None, fmt: str) -> str:
    def one(x: float | None) -> str:
        return "-" if x is None else format(x, fmt)

    return one(a) if a == b else f"{one(a)} → {one(b)}"


class ScenarioPanel(QWidget):
    """List, save, delete, compare and promote scenarios of the open plan.

    Parameters
    ----------
    workbench
        The window: document, edits, background work, the map.
    routing
        The road network the comparison's drive times use (straight-line without one).
    figures
        The current plan's latest figures, whose drive times a comparison reuses.
    """

    compared = Signal(object)
    """A comparison is shown (payload: the :class:`RealignmentReport`)."""

    report_written = Signal(Path)
    """The realignment report was exported (payload: the folder it was written to)."""

    def __init__(self, workbench: Workbench, routing: RoutingController,
                 figures: Callable[[], AlignmentFigures | None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scenarioPanel")
        self.workbench = workbench
        self.routing = routing
        self.figures = figures
        self.report: RealignmentReport | None = None
        self.name_dialog: QInputDialog | None = None

        self.list = QListWidget(self)
        self.list.setObjectName("scenarioList")
        self.save_button = QPushButton("Save current as…", self)
        self.save_button.setObjectName("scenarioSave")
        self.save_button.clicked.connect(self.save_dialog)
        self.promote_button = QPushButton("Make current", self)
        self.promote_button.setObjectName("scenarioPromote")
        self.promote_button.setToolTip("Give the plan this scenario's territories (undoable)")
        self.promote_button.clicked.connect(self.promote_selected)
        self.delete_button = QPushButton("Delete", self)
        self.delete_button.setObjectName("scenarioDelete")
        self.delete_button.clicked.connect(self.delete_selected)
        self.before = QComboBox(self)
        self.before.setObjectName("scenarioBefore")
        self.after = QComboBox(self)
        self.after.setObjectName("scenarioAfter")
        self.compare_button = QPushButton("Compare", self)
        self.compare_button.setObjectName("scenarioCompare")
        self.compare_button.clicked.connect(self.compare)
        self.show_moves = QPushButton("Ring moved accounts on the map", self)
        self.show_moves.setObjectName("scenarioShowMoves")
        self.show_moves.clicked.connect(self.highlight_moves)
        self.export_button = QPushButton("Export report…", self)
        self.export_button.setObjectName("scenarioExport")
        self.export_button.clicked.connect(self.export_dialog)
        self.close_button = QPushButton("Close comparison", self)
        self.close_button.setObjectName("scenarioClose")
        self.close_button.setToolTip("Take the compared borders and rings off the map")
        self.close_button.clicked.connect(self.close_comparison)
        self._ringed = False
        self._compared_plan: Plan | None = None  # the plan a comparison was computed on
        self.summary = QLabel("Save the current alignment as a scenario, change the plan, "
                              "then compare the two.", self)
        self.summary.setObjectName("scenarioSummary")
        self.summary.setWordWrap(True)
        self.table = read_only_table(self, "scenarioTable", list(COMPARE_COLUMNS), [])
        # Rows as tall as their text: the sample's five territories show whole in the bottom
        # panels' default height.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("Scenarios", left))
        left_layout.addWidget(self.list, 1)
        for button in (self.save_button, self.promote_button, self.delete_button):
            left_layout.addWidget(button)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Compare", right))
        row.addWidget(self.before, 1)
        row.addWidget(QLabel("with", right))
        row.addWidget(self.after, 1)
        row.addWidget(self.compare_button)
        row.addWidget(self.show_moves)
        row.addWidget(self.export_button)
        row.addWidget(self.close_button)
        right_layout.addLayout(row)
        right_layout.addWidget(self.summary)
        right_layout.addWidget(self.table, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([260, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(split)

        document = workbench.document
        document.plan_changed.connect(self._on_document_plan_changed)
        document.replaced.connect(self._on_document_replaced)
        self._on_document_plan_changed()

    # ----------------------------------------------------------------- the list
    def _on_document_plan_changed(self) -> None:
        if self.report is not None and self.workbench.document.plan is not self._compared_plan:
            self.close_comparison()  # e.g. "Make current": its figures are out of date
            self.summary.setText("The plan changed after the comparison: compare again.")
        scenarios = self.workbench.document.plan.scenarios
        names = [s.name for s in scenarios]
        if names == [self.list.item(k).data(Qt.ItemDataRole.UserRole)
                     for k in range(self.list.count())] and self.before.count() == len(names) + 1:
            self._update_buttons()
            return
        chosen = self.selected_name()
        self.list.clear()
        for s in scenarios:
            item = QListWidgetItem(f"{s.name}  ({s.created[:16].replace('T', ' ')})"
                                   if s.created else s.name, self.list)
            item.setData(Qt.ItemDataRole.UserRole, s.name)
            item.setToolTip(f"{len(s.assignment)} accounts in {len(s.territories)} "
                            "territories")
            if s.name == chosen:
                self.list.setCurrentItem(item)
        for combo, default in ((self.before, 0), (self.after, 1)):
            current = combo.currentText()
            combo.clear()
            combo.addItems([CURRENT, *names])
            found = combo.findText(current)
            combo.setCurrentIndex(found if found >= 0 and current else
                                  min(default, combo.count() - 1))
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = bool(self.workbench.document.plan.scenarios)
        self.compare_button.setEnabled(has)
        self.promote_button.setEnabled(has)
        self.delete_button.setEnabled(has)
        self.show_moves.setEnabled(self.report is not None)
        self.export_button.setEnabled(self.report is not None)
        self.close_button.setEnabled(self.report is not None)

    def _on_document_replaced(self) -> None:
        self.close_comparison()
        self.summary.setText("")
        self.list.clear()
        self.before.clear()  # rebuilt for the new plan (``plan_changed`` follows)

    def selected_name(self) -> str | None:
        """Return the name of the scenario selected in the list (None: none)."""
        item = self.list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def select(self, name: str) -> None:
        """Select scenario ``name`` in the list."""
        for k in range(self.list.count()):
            if self.list.item(k).data(Qt.ItemDataRole.UserRole) == name:
                self.list.setCurrentRow(k)

    # ----------------------------------------------------------------- edits
    def save_dialog(self) -> None:
        """Ask a name, then save the current alignment under it (one undoable edit)."""
        dialog = QInputDialog(self.workbench.dialog_parent())
        dialog.setObjectName("scenarioNameDialog")
        dialog.setWindowTitle("Save scenario")
        dialog.setLabelText("Name of the scenario:")
        dialog.setTextValue(f"Scenario {len(self.workbench.document.plan.scenarios) + 1}")
        dialog.textValueSelected.connect(self.save_current_as)
        dialog.finished.connect(dialog.deleteLater)
        self.name_dialog = dialog
        dialog.open()

    def save_current_as(self, name: str) -> None:
        """Save the current alignment as scenario ``name``; a taken name asks to replace it."""
        name = name.strip()
        if not any(s.name == name for s in self.workbench.document.plan.scenarios):
            self._save(name, replace=False)
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Replace scenario",
                          f"A scenario named {name!r} exists already. Replace it with the "
                          "current alignment? (Undo brings it back.)",
                          QMessageBox.StandardButton.Cancel, self.workbench.dialog_parent())
        box.setObjectName("replaceScenarioBox")
        replace = box.addButton("Replace", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(
            lambda button: self._save(name, replace=True) if button is replace else None)
        box.finished.connect(box.deleteLater)
        box.open()

    def _save(self, name: str, replace: bool) -> None:
        from territory_desktop.design_edits import save_scenario

        doc = self.workbench.document
        created = dt.datetime.now().replace(microsecond=0).isoformat()
        if self.workbench.apply_edit(lambda: save_scenario(
                doc.plan, name, doc.assignment.territory_of, created, replace)):
            self.select(name)

    def promote_selected(self) -> None:
        """Make the selected scenario the current alignment (one undoable edit)."""
        from territory_desktop.design_edits import promote_scenario

        name = self.selected_name()
        if name is None:
            self.workbench.show_status("Select the scenario to make current")
            return
        self.workbench.apply_edit(lambda: promote_scenario(self.workbench.document.plan, name))

    def delete_selected(self) -> None:
        """Delete the selected scenario (one undoable edit)."""
        from territory_desktop.design_edits import delete_scenario

        name = self.selected_name()
        if name is not None:
            self.workbench.apply_edit(lambda: delete_scenario(self.workbench.document.plan,
                                                              name))

    # ----------------------------------------------------------------- comparison
    def _scenario(self, combo: QComboBox) -> Scenario | None:
        name = combo.currentText()
        return next((s for s in self.workbench.document.plan.scenarios if s.name == name),
                    None)

    def compare(self) -> None:
        """Compare the two chosen alignments off the GUI thread; the table shows the result."""
        from territory_desktop.mapping.borders import comparison_borders

        doc = self.workbench.document
        before, after = self._scenario(self.before), self._scenario(self.after)
        borders = comparison_borders(
            self.before.currentText(), before.territories if before
            else doc.plan.territories.values(), self.after.currentText(),
            after.territories if after else doc.plan.territories.values())
        self._compared_plan = doc.plan
        self.workbench.run_work(
            "Comparing scenarios", compare_alignments, doc.plan,
            doc.assignment.territory_of, before, after, self.routing.network, self.figures(),
            on_done=lambda report: self.show_report(report, borders), kind="scenario-compare")

    def show_report(self, report: RealignmentReport,
                    borders: dict[str, Any] | None = None) -> None:
        """Show ``report`` side by side per territory, and both sides' ``borders`` on the map."""
        if self.workbench.document.plan is not self._compared_plan:
            self.summary.setText("The plan changed during the comparison: compare again.")
            return
        self.report = report
        reps = self.workbench.document.plan.reps
        if borders is not None:
            self.workbench.map.show_borders(borders)
        fill_table(self.table, [
            [t.name, rep_label(reps, t.rep_a) if t.rep_a == t.rep_b
             else f"{rep_label(reps, t.rep_a)} → {rep_label(reps, t.rep_b)}",
             _pair(*t.accounts, "d"), _pair(*t.workload, ".1f"), _pair(*t.potential, ",.0f"),
             _pair(*t.drive_hours, ".1f"), _pair(*t.compactness, ".0f"), str(t.moved_in),
             str(t.moved_out)] for t in report.territories])
        changes = [f"{rep_label(reps, r.rep_id)} +{len(r.gained)}/-{len(r.lost)}"
                   for r in report.reps if r.gained or r.lost]
        self.summary.setText(
            f"{report.before} → {report.after}: {report.moved} "
            f"account{'' if report.moved == 1 else 's'} change{'s' if report.moved == 1 else ''}"
            " owner" + (f" ({', '.join(changes)})" if changes else ""))
        self._update_buttons()
        self.compared.emit(report)

    def highlight_moves(self) -> None:
        """Ring the accounts that change owner on the map, old and new rep in the tooltip."""
        if self.report is None:
            return
        reasons = {c.account_id: f"{c.old_rep or 'nobody'} → {c.new_rep or 'nobody'}"
                   for c in self.report.handoffs}
        self.workbench.map.highlight_accounts(list(reasons), reasons)
        self._ringed = True
        self.workbench.show_status(f"{len(reasons)} accounts change owner (ringed in red)")

    def close_comparison(self) -> None:
        """Forget the comparison: empty the table, take its borders and rings off the map."""
        had = self.report is not None
        self.report = None
        self.table.setRowCount(0)
        if had:
            self.summary.setText("Comparison closed.")
            self.workbench.map.show_borders(None)
        if self._ringed:
            self.workbench.map.highlight_accounts([])
            self._ringed = False
        self._update_buttons()

    def export_dialog(self) -> None:
        """Ask where, then write the realignment report (XLSX, PDF, or three CSV files)."""
        if self.report is None:
            return
        folder = file_folder(self.workbench.document, self.workbench.prefs, export=True)
        path, chosen = QFileDialog.getSaveFileName(
            self.workbench.dialog_parent(), "Export realignment report",
            str(Path(folder) / "realignment.xlsx"), REPORT_FILTER)
        if path:
            kind = "csv" if "CSV" in chosen else "pdf" if "PDF" in chosen else ""
            self.export(Path(path), kind)

    def export(self, path: Path, kind: str = "") -> None:
        """Write the report to ``path`` as ``kind`` ("csv", "pdf"; "": from the name, else XLSX)."""
        from territory_desktop.io.design_pdf import write_realignment_pdf
        from territory_desktop.io.design_reports import write_report_csv, write_report_xlsx
        from territory_desktop.io.exports._files import ExportError

        assert self.report is not None
        kind = kind or path.suffix.lower().lstrip(".")
        try:
            if kind == "csv":
                written = write_report_csv(self.report, path.with_suffix(".csv"))
            elif kind == "pdf":
                written = [write_realignment_pdf(self.report, path.with_suffix(".pdf"))]
            else:
                written = [write_report_xlsx(self.report, path.with_suffix(".xlsx"))]
        except ExportError as exc:  # a folder that is not there or not writable
            self.workbench.notify_error("Export failed", sentence(exc))
            return
        except OSError as exc:
            self.workbench.notify_error("Export failed", f"{path}: {exc.strerror or exc}")
            return
        self.report_written.emit(written[0].parent)
        self.workbench.show_status(f"Realignment report written: "
                                   f"{', '.join(p.name for p in written)}", 10000)
