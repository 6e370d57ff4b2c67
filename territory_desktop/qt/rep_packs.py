"""A plan that travels: store its road network, export a rep pack, merge a returned one.

Routing > Store road network in plan, File > Export > Rep pack… and File > Import > Returned
rep pack…. The work is :mod:`territory_desktop.io.exports.reppack` and
:mod:`territory_desktop.routing.plan_network`, the same functions ``tdesk`` calls; every change
to the open plan is one undoable edit.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from territory_desktop.edits import Edit
from territory_desktop.io.exports import ExportError
from territory_desktop.io.exports.reppack import (
    LogMerge,
    RepPack,
    check_pack_of,
    entry_values,
    merge_visit_log,
    with_identity,
    write_rep_pack,
)
from territory_desktop.io.planfile import PlanFileError, load_plan
from territory_desktop.qt.export_base import reopen, target_problem
from territory_desktop.qt.widgets import fill_rep_combo
from territory_desktop.qt.workbench import ask_file, file_folder
from territory_desktop.routing.plan_network import embed_network

if TYPE_CHECKING:
    from territory_desktop.model import Plan
    from territory_desktop.qt.files import PlanFiles
    from territory_desktop.qt.routing_controller import RoutingController
    from territory_desktop.qt.workbench import Workbench
    from territory_desktop.routing.embedded import ClipResult

PACK_FILTER = "Rep packs (*.gpkg);;All files (*)"


class RepPackDialog(QDialog):
    """The rep and the pack file to write; OK only when both are chosen.

    ``plan_file``: the open plan's file, which the pack must not overwrite.
    """

    folder_chosen = Signal(Path)
    """The user chose where to write with Browse… (payload: the folder)."""

    def __init__(self, plan: Plan, folder: str, parent: QWidget,
                 plan_file: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export rep pack")
        self.plan = plan
        self.folder = folder
        self.plan_file = plan_file
        form = QFormLayout()
        self.rep = QComboBox()
        self.rep.setObjectName("rep")
        fill_rep_combo(self.rep, plan)
        form.addRow("&Rep", self.rep)
        self.path = QLineEdit()
        self.path.setObjectName("path")
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.path)
        browse = QPushButton("&Browse…")
        browse.setObjectName("browse")
        browse.clicked.connect(self.browse)
        box.addWidget(browse)
        form.addRow("&File", row)
        note = QLabel("A plan file with this rep's territory, accounts, schedule and visit log "
                      "and the roads they need: it routes and schedules with no OSM extract. "
                      "Merge it back with File > Import > Returned rep pack.")
        note.setWordWrap(True)
        self.reason = QLabel()
        self.reason.setObjectName("reason")
        self.reason.setStyleSheet("color: #b00020")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(480)
        self.path.textChanged.connect(self.refresh)
        self.refresh()

    @property
    def rep_id(self) -> str:
        """The chosen rep's id ("" when the plan has none)."""
        return str(self.rep.currentData() or "")

    def browse(self) -> None:
        """Ask where to write the pack, suggesting a name from the rep."""
        start = self.path.text() or str(Path(self.folder) / f"{self.rep_id}_pack.gpkg")
        chosen, _ = QFileDialog.getSaveFileName(self, "Export rep pack", start, PACK_FILTER)
        if chosen:
            self.path.setText(chosen if chosen.lower().endswith(".gpkg") else chosen + ".gpkg")
            self.folder_chosen.emit(Path(chosen).parent)

    def failed(self, exc: Exception) -> None:
        """Open again, the choices kept, saying why the pack was not written."""
        reopen(self, self.reason, exc)

    def problem(self) -> str:
        """Why OK cannot be pressed now, in one line ("" when it can)."""
        if not self.rep_id:
            return "The plan has no reps."
        if self.plan.settings.pack_of:
            return "This plan is itself a rep pack: export packs from the master plan."
        if self.path.text().strip() and not self.path.text().strip().lower().endswith(".gpkg"):
            return "A rep pack is a plan file: end its name with .gpkg."
        return target_problem(self.path.text(), (), self.plan_file)

    def refresh(self) -> None:
        """Show the reason, if any, and enable OK only without one."""
        reason = self.problem()
        self.reason.setText(reason)
        self.reason.setVisible(bool(reason))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not reason)


class MergeDialog(QDialog):
    """The records of a returned pack that disagree with the plan's, both values side by side.

    The user keeps both, keeps the plan's or takes the pack's (the other values then go into
    the note); Cancel merges nothing.
    """

    CHOICES: ClassVar[dict[str, str]] = {
        "both": "Keep &both", "mine": "Keep &this plan's", "theirs": "Take the &rep's"}

    def __init__(self, merge: LogMerge, pack_name: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Returned rep pack: conflicting visit records")
        self.choice = ""
        text = QLabel(f"{pack_name}: {len(merge.added)} new visit records, {merge.duplicates} "
                      f"already here. These {len(merge.conflicts)} visits were recorded "
                      "differently here and in the pack:")
        text.setWordWrap(True)
        self.table = QTableWidget(len(merge.conflicts), 5)
        self.table.setObjectName("conflicts")
        self.table.setHorizontalHeaderLabels(["Date", "Rep", "Account", "This plan",
                                              "Rep pack"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for row, c in enumerate(merge.conflicts):
            account = merge.plan.accounts.get(c.mine.account_id)
            cells = (c.mine.date, c.mine.rep_id,
                     f"{account.name} ({account.id})" if account else c.mine.account_id,
                     entry_values(c.mine), entry_values(c.theirs))
            for col, value in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        for key, label in self.CHOICES.items():
            button = self.buttons.addButton(label, QDialogButtonBox.ButtonRole.AcceptRole)
            button.setObjectName(key)
            button.clicked.connect(lambda _=False, k=key: self._choose(k))
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.table)
        layout.addWidget(self.buttons)
        self.resize(900, 320)

    def _choose(self, key: str) -> None:
        self.choice = key
        self.accept()


class RepPacks:
    """The commands that let a plan travel (see the module docstring)."""

    def __init__(self, bench: Workbench, routing: RoutingController, files: PlanFiles) -> None:
        self.bench = bench
        self.routing = routing
        self.files = files
        self.dialog: RepPackDialog | None = None
        self.merge_dialog: MergeDialog | None = None

    # ----------------------------------------------------------------- store the network
    def store_network(self) -> None:
        """Routing > Store road network in plan: clip the extract's network into the plan."""
        self.routing.ensure_network(self._store_now)

    def _store_now(self) -> None:
        network = self.routing.network
        assert network is not None
        if self.routing.network_key().startswith("stored:"):
            self.bench.notify_error(
                "Road network not stored again", "The plan already routes on the road network "
                "it carries (its extract is missing); choose the extract to store a new copy.")
            return
        self.bench.run_work("Storing the road network in the plan", embed_network,
                            self.bench.document.plan, network, on_done=self._on_stored)

    def _on_stored(self, result: object) -> None:
        clipped: ClipResult = result[1]  # type: ignore[index]

        def edit() -> Edit:
            new = self.bench.document.plan.copy()
            new.network = clipped.network
            return Edit("Store road network in plan", new)

        if self.bench.apply_edit(edit):
            self.bench.show_status(f"Road network stored in the plan: {clipped.describe()}",
                                   15000)

    # ----------------------------------------------------------------- export a pack
    def export_dialog(self) -> None:
        """File > Export > Rep pack: ask for the rep and file, then write the pack."""
        folder = file_folder(self.files.document, self.files.prefs, export=True)
        dialog = self.dialog = RepPackDialog(self.bench.document.plan, folder,
                                             self.bench.dialog_parent(), self.files.document.path)
        dialog.folder_chosen.connect(self.files.remember_export_folder)
        dialog.accepted.connect(lambda: self._export(dialog.rep_id,
                                                     Path(dialog.path.text().strip())))
        dialog.open()

    def _export(self, rep_id: str, path: Path) -> None:
        plan = self.bench.document.plan
        if not plan.settings.plan_id:
            # The returned pack is matched to the saved master: give it an identity and save.
            identified = with_identity(plan)
            self.bench.apply_edit(lambda: Edit("Give the plan an identity for rep packs",
                                               identified))
            if not self.files.save():
                self.bench.notify_error("Rep pack not written", "Save the plan first: a "
                                        "returned pack is merged only into the plan it came "
                                        "from, as saved.")
                return
        self.files.remember_export_folder(path.parent)
        self.routing.ensure_network(lambda: self._write(rep_id, path))

    def _write(self, rep_id: str, path: Path) -> None:
        assert self.routing.network is not None
        self.bench.run_work("Exporting rep pack", write_rep_pack, self.bench.document.plan,
                            rep_id, self.routing.network, path,
                            plan_file=self.files.document.path, on_error=self._failed,
                            on_done=lambda pack: self._on_written(pack, path))

    def _failed(self, exc: Exception) -> None:
        if self.dialog is not None:
            self.dialog.failed(exc)

    def _on_written(self, pack: RepPack, path: Path) -> None:
        self.bench.show_status(f"Wrote {path}: {pack.describe()}", 15000)

    # ----------------------------------------------------------------- merge a returned pack
    def import_dialog(self) -> None:
        """File > Import > Returned rep pack: merge its visit log, asking about conflicts."""
        path = ask_file(self.bench.dialog_parent(), "Returned rep pack", PACK_FILTER,
                        self.files.document, self.files.prefs, export=True)
        if path:
            self.merge(path)

    def merge(self, path: Path) -> None:
        """Merge the visit log of the pack at ``path`` (conflicts: ask which to keep)."""
        master = self.bench.document.plan
        try:
            pack = load_plan(path)
            check_pack_of(master, pack, path.name)
        except (PlanFileError, ExportError) as exc:
            self.bench.notify_error("Rep pack not merged", str(exc))
            return
        merged = merge_visit_log(master, pack, path.name)
        if not merged.conflicts:
            self._apply(merged, path)
            return
        dialog = self.merge_dialog = MergeDialog(merged, path.name, self.bench.dialog_parent())
        dialog.accepted.connect(lambda: self._apply(
            merge_visit_log(self.bench.document.plan, pack, path.name, dialog.choice), path))
        dialog.open()

    def _apply(self, merged: LogMerge, path: Path) -> None:
        if not merged.added and not merged.conflicts and (
                merged.plan.visit_log == self.bench.document.plan.visit_log):
            self.bench.show_status(f"{path.name}: nothing new ({merged.summary()})", 15000)
            return
        if self.bench.apply_edit(lambda: Edit(f"Merge visit log of {path.name}", merged.plan)):
            self.bench.show_status(f"Merged {path.name}: {merged.summary()}", 15000)
