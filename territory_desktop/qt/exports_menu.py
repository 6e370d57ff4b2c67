"""The File > Export and File > Import > Territories commands: open a dialog, then do the work.

Routed exports (mileage, expenses, planned vs logged, route pack) first make sure the road
network is there (they refuse without one: straight lines are no record of driving), then build
the trips and preview or write off the GUI thread. The others write off the GUI thread too; the
import is one undoable edit.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from territory_desktop import edits, import_edits
from territory_desktop.qt.export_base import ExportDialog
from territory_desktop.qt.export_dialogs import (
    ExpenseDialog,
    MileageDialog,
    PlannedDialog,
    RoutePackDialog,
    TripDialog,
    Written,
    trips_then,
)
from territory_desktop.qt.export_settings_dialog import ExportSettingsDialog
from territory_desktop.qt.gis_dialogs import (
    AssignmentsDialog,
    GisExportDialog,
    ImportTerritoriesDialog,
    export_assignments,
    export_layer,
)
from territory_desktop.qt.summary_export import SummaryDialog, territory_summary
from territory_desktop.qt.widgets import bullets, with_warnings
from territory_desktop.qt.workbench import ask_file, file_folder

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog, QWidget

    from territory_desktop.model import Plan
    from territory_desktop.qt.files import PlanFiles
    from territory_desktop.qt.routing_controller import RoutingController
    from territory_desktop.qt.workbench import Workbench


class Exports:
    """The File > Export commands; ``dialog`` is the one open (tests reach it there)."""

    def __init__(self, bench: Workbench, routing: RoutingController, files: PlanFiles,
                 working_rep: Callable[[], str | None] = lambda: None) -> None:
        self.bench = bench
        self.routing = routing
        self.files = files
        self.working_rep = working_rep  # the Rotation panel's rep: the one being worked on
        self.dialog: QDialog | None = None

    def _open(self, dialog: ExportDialog, run: Callable[[], None]) -> None:
        self.dialog = dialog
        dialog.plan_file = self.files.document.path
        dialog.folder_chosen.connect(self.files.remember_export_folder)
        dialog.refresh()
        dialog.accepted.connect(run)
        dialog.open()

    def _trip_export(self, title: str, dialog: TripDialog) -> None:
        """Preview on request and write on OK, each after the network is ready."""
        dialog.prefer_rep(self.working_rep())
        def start(preview_only: bool) -> None:
            assert self.routing.network is not None
            plan = self.bench.document.plan
            then = dialog.work(preview_only)
            start_date, end_date = dialog.dates
            if preview_only:
                self.bench.run_work(f"Previewing {title}", trips_then, plan, dialog.rep_id,
                                    start_date, end_date, self.routing.network, dialog.unit,
                                    then, on_done=dialog.show_preview_of(dialog.generation),
                                    kind=f"preview {title}")
                return
            self.files.remember_export_folder(dialog.output_folder)
            self.bench.run_work(f"Exporting {title}", trips_then, plan, dialog.rep_id,
                                start_date, end_date, self.routing.network, dialog.unit,
                                then, on_done=self._done, on_error=dialog.failed,
                                kind=f"export {title}")

        def routed(then: Callable[[], None]) -> None:
            from territory_desktop.io.exports import ExportError

            if self.routing.network_key():
                self.routing.ensure_network(then)
            else:  # straight lines are no record of the miles driven
                dialog.failed(ExportError(
                    f"The {title} is built on road routes and this plan has no road network: "
                    "choose one with Routing → Choose OSM extract…"))

        dialog.preview_requested.connect(lambda: routed(lambda: start(True)))
        self._open(dialog, lambda: routed(lambda: start(False)))

    def _args(self) -> tuple[Plan, str, QWidget]:
        """Return the plan, the folder its file dialogs open in and the dialogs' parent."""
        folder = file_folder(self.files.document, self.files.prefs, export=True)
        return self.bench.document.plan, folder, self.bench.dialog_parent()

    def _ask_file(self, parent: QWidget, title: str, filters: str) -> Path | None:
        return ask_file(parent, title, filters, self.files.document, self.files.prefs)

    def mileage_dialog(self) -> None:
        """File > Export > Mileage log."""
        plan, folder, parent = self._args()
        self._trip_export("mileage log", MileageDialog(
            plan, folder, parent, self.bench.prefs.units))

    def expenses_dialog(self) -> None:
        """File > Export > Expense report."""
        plan, folder, parent = self._args()
        self._trip_export("expense report", ExpenseDialog(
            plan, folder, parent, self.bench.prefs.units))

    def planned_dialog(self) -> None:
        """File > Export > Planned vs logged."""
        plan, folder, parent = self._args()
        self._trip_export("planned vs logged", PlannedDialog(
            plan, folder, parent, self.bench.prefs.units))

    def route_pack_dialog(self) -> None:
        """File > Export > Route pack for the week."""
        plan, folder, parent = self._args()
        self._trip_export("route pack", RoutePackDialog(
            plan, folder, parent, self.bench.prefs.units))

    def assignments_dialog(self) -> None:
        """File > Export > Assignments for the CRM."""
        dialog = AssignmentsDialog(*self._args(), self._ask_file)

        def run() -> None:
            self.files.remember_export_folder(dialog.target.parent)
            self.bench.run_work("Exporting assignments", export_assignments,
                                self.bench.document.plan, dialog.target, dialog.fmt,
                                dialog.previous(), dialog.effective_date, on_done=self._done,
                                on_error=dialog.failed)

        self._open(dialog, run)

    def gis_dialog(self) -> None:
        """File > Export > Territories and accounts for GIS."""
        dialog = GisExportDialog(*self._args())

        def run() -> None:
            self.files.remember_export_folder(dialog.target.parent)
            self.bench.run_work(f"Exporting {dialog.kind}", export_layer,
                                self.bench.document.plan, dialog.kind, dialog.target,
                                dialog.fmt, on_done=self._done, on_error=dialog.failed)

        self._open(dialog, run)

    def summary_dialog(self) -> None:
        """File > Export > Territory summary (PDF), as ``tdesk plan summary --pdf`` writes it."""
        plan, folder, parent = self._args()
        dialog = SummaryDialog(plan, folder, parent)

        def start(target: Path | None) -> None:
            doc = self.bench.document
            territory_of = dict(doc.assignment.territory_of)
            if target is None:
                self.bench.run_work("Previewing territory summary", territory_summary,
                                    doc.plan, territory_of, self.routing.network, None,
                                    on_done=dialog.show_preview_of(dialog.generation),
                                    kind="preview territory summary")
                return
            self.files.remember_export_folder(target.parent)
            self.bench.run_work("Exporting territory summary", territory_summary, doc.plan,
                                territory_of, self.routing.network, target,
                                on_done=self._done, on_error=dialog.failed,
                                kind="export territory summary")

        def with_network(then: Callable[[], None]) -> None:
            if self.routing.network_key():
                self.routing.ensure_network(then)
            else:  # no roads: straight-line drive times, labelled so, as the CLI does
                then()

        def run() -> None:
            target = dialog.target
            with_network(lambda: start(target))

        dialog.preview_requested.connect(lambda: with_network(lambda: start(None)))
        self._open(dialog, run)

    def import_territories_dialog(self) -> None:
        """File > Import > Territories from a GIS file: one undoable edit."""
        dialog = ImportTerritoriesDialog(self.bench.document.plan, self.bench.dialog_parent(),
                                         self._ask_file)

        def run() -> None:
            found = dialog.found()
            replace_all = dialog.replace.isChecked()
            self.bench.apply_edit(lambda: import_edits.import_territories(
                self.bench.document.plan, found.territories, replace_all))

        self._open(dialog, run)

    def settings_dialog(self) -> None:
        """File > Export > Mileage rates and expense presets: one undoable edit."""
        dialog = ExportSettingsDialog(self.bench.document.plan.exports,
                                      self.bench.dialog_parent())
        self.dialog = dialog

        def run() -> None:
            settings = dialog.settings()
            if settings != self.bench.document.plan.exports:
                self.bench.apply_edit(lambda: edits.update_export_settings(
                    self.bench.document.plan, settings))

        dialog.accepted.connect(run)
        dialog.open()

    def _done(self, status: object) -> None:
        """Show the export's status line; its warnings, if any, in the workbench's error box."""
        if isinstance(status, Written) and status.warnings:
            self.bench.notify_error(f"Exported {with_warnings(status.warnings)}",
                                    f"{status.status}\n\n{bullets(status.warnings)}")
        self.bench.show_status(str(status), 15000)  # after: the short line, not the box's text
