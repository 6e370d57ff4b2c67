"""File > Import > Alignment file: preview which accounts or units move, list the rows that don't.

The file is read and checked by
:func:`~territory_desktop.io.alignment.preview_account_alignment` (the same code as ``tdesk plan
align``); the dialog shows how many rows matched, how many accounts change territory and
owner, and every row that will not import with its line and reason (savable as CSV). Apply
moves the matched accounts as one undoable edit; rows in or into a locked territory, or held by
an overlay rule, are refused and listed. A file keyed by the ids of the unit layer shown on the
map (:func:`~territory_desktop.io.alignment.preview_unit_alignment`) moves those units instead,
through :func:`~territory_desktop.design_edits.apply_unit_alignment`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from territory_desktop.io.alignment import AccountAlignment, UnitAlignment
from territory_desktop.model.plan import Plan
from territory_desktop.qt.widgets import read_only_table, rep_label
from territory_desktop.qt.workbench import Workbench, ask_file

if TYPE_CHECKING:
    from territory_desktop.geo.units import UnitLayer
    from territory_desktop.qt.units import Units

__all__ = ["AlignmentDialog", "AlignmentImporter"]

ALIGNMENT_FILTER = "Alignment files (*.csv *.txt *.xlsx);;All files (*)"


class AlignmentDialog(QDialog):
    """The preview of an alignment file: what moves, what does not import, and why."""

    def __init__(self, plan: Plan, path: Path, preview: AccountAlignment | UnitAlignment,
                 parent: QWidget | None = None, unit_ids: Sequence[str] = (),
                 unit_names: Sequence[str] = ()) -> None:
        super().__init__(parent)
        self.setObjectName("alignmentDialog")
        self.setWindowTitle(f"Import alignment: {path.name}")
        self.preview = preview
        self.path = path
        found = preview.found
        unmatched = preview.unmatched
        moved = len(preview.moves)
        names = {t.id: t.name for t in plan.territories.values()}
        reps = {t.id: rep_label(plan.reps, t.rep_id) for t in plan.territories.values()}
        read = (f"{found.rows_read} rows read ({found.key_column!r} → "
                f"{found.territory_column!r}): ")
        tail = (f"{len(unmatched)} row{'s' if len(unmatched) != 1 else ''} did not match and "
                "will not import. ")
        if isinstance(preview, UnitAlignment):
            what = "unit"
            text = (f"{read}matched {preview.matched} {preview.layer_title} "
                    f"unit{'s' if preview.matched != 1 else ''}; {moved} "
                    f"unit{'s' if moved != 1 else ''} change territory. {tail}Units of locked "
                    "territories are never moved by a file: such rows are listed with the "
                    "others.")
            header = ["Unit", "Name", "From", "To"]
            rows = [[unit_ids[i], unit_names[i], names.get(old or "", "-"), names[new]]
                    for i, (old, new) in preview.moves.items()]
        else:
            what = "account"
            text = (f"{read}matched {preview.matched} accounts; {moved} "
                    f"account{'s' if moved != 1 else ''} change territory, "
                    f"{preview.owner_changes} of them change owner. {tail}Accounts in locked "
                    "territories and accounts held by overlay rules are never moved by a "
                    "file: such rows are listed with the others.")
            header = ["Account", "Name", "From", "To", "Owner"]
            rows = [[aid, plan.accounts[aid].name, names.get(old or "", "-"), names[new],
                     f"{reps.get(old or '', '-')} → {reps[new]}"]
                    for aid, (old, new) in preview.moves.items()]
        self.summary = QLabel(text, self)
        self.summary.setObjectName("alignmentSummary")
        self.summary.setWordWrap(True)
        self.moves = read_only_table(self, "alignmentMoves", header, rows)
        self.unmatched = read_only_table(self, "alignmentUnmatched", ["Line", "Reason"],
                                         [[str(u.line), u.reason] for u in unmatched])
        tabs = QTabWidget(self)
        tabs.addTab(self.moves, f"{what.title()}s that move ({moved})")
        tabs.addTab(self.unmatched, f"Rows that did not match ({len(unmatched)})")
        if unmatched and not moved:
            tabs.setCurrentWidget(self.unmatched)
        self.save_unmatched = QPushButton("Save unmatched rows as CSV…", self)
        self.save_unmatched.setObjectName("alignmentSaveUnmatched")
        self.save_unmatched.setEnabled(bool(unmatched))
        self.save_unmatched.clicked.connect(self.save_unmatched_dialog)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(f"Move {moved} {what}{'s' if moved != 1 else ''}")
        ok.setEnabled(bool(moved))
        self.buttons.addButton(self.save_unmatched, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(tabs, 1)
        layout.addWidget(self.buttons)
        self.resize(760, 460)

    def save_unmatched_dialog(self) -> None:
        """Ask where, then write the rows that did not import (file, line, reason) as CSV."""
        from territory_desktop.io.alignment import write_unmatched_csv

        suggested = self.path.with_name(f"{self.path.stem}_unmatched.csv")
        name, _ = QFileDialog.getSaveFileName(self, "Save unmatched rows", str(suggested),
                                              "CSV files (*.csv)")
        if not name:
            return
        target = Path(name).with_suffix(".csv")
        try:
            write_unmatched_csv(self.preview, target)
        except OSError as exc:
            self.summary.setText(f"{self.summary.text()}\nCould not write {target}: "
                                 f"{exc.strerror or exc}")
            return
        self.save_unmatched.setText(f"Saved {target.name}")


class AlignmentImporter(QObject):
    """File > Import > Alignment file: ask the file, preview it, apply it as one edit.

    The file's keys are account ids, or the ids of the units shown on the map (``units``):
    whichever set they match more of.
    """

    def __init__(self, bench: Workbench, units: Units | None = None) -> None:
        super().__init__(bench.dialog_parent())
        self.bench = bench
        self.units = units
        self.dialog: AlignmentDialog | None = None

    def open_dialog(self) -> None:
        """Ask for an alignment file, then preview it."""
        path = ask_file(self.bench.dialog_parent(), "Import alignment file", ALIGNMENT_FILTER,
                        self.bench.document, self.bench.prefs)
        if path:
            self.preview(path)

    def preview(self, path: Path) -> None:
        """Check ``path`` against the open plan (and the units shown) and show what it does."""
        from territory_desktop.io.tables import ImportFileError

        plan = self.bench.document.plan
        if not plan.territories:
            self.bench.notify_error("Import alignment", "the plan needs territories before "
                                    "an alignment file can move accounts or units")
            return
        try:
            found = self._check(path)
        except ImportFileError as exc:
            self.bench.notify_error("Import alignment", str(exc))
            return
        except OSError as exc:
            self.bench.notify_error("Import alignment", f"{path}: {exc.strerror or exc}")
            return
        if found is None:
            return
        layer = self.units.layer if self.units is not None else None
        dialog = AlignmentDialog(plan, path, found, self.bench.dialog_parent(),
                                 layer.ids if layer else (), layer.names if layer else ())
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._apply(plan, found, layer))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _check(self, path: Path) -> AccountAlignment | UnitAlignment | None:
        from territory_desktop.io.alignment import (
            looks_like_unit_ids,
            preview_account_alignment,
            preview_unit_alignment,
        )

        doc = self.bench.document
        plan = doc.plan
        accounts = preview_account_alignment(path, plan, doc.assignment.territory_of)
        shown = self.units
        layer = shown.layer if shown is not None else None
        if shown is not None and layer is not None:
            units = preview_unit_alignment(path, plan, layer.ids, shown.owners(), shown.title)
            by_unit, by_account = len(units.found.territory_of), len(accounts.found.territory_of)
            if by_unit > by_account or (not by_account and looks_like_unit_ids(
                    accounts.found.unknown_keys)):
                return units
        elif not accounts.found.territory_of and \
                looks_like_unit_ids(accounts.found.unknown_keys):
            self.bench.notify_error("Import alignment", f"{path.name}: the keys look like ZIP, "
                                    "county or state ids, not account ids: show a unit layer "
                                    "first (View > Geographic units)")
            return None
        if not plan.accounts:
            self.bench.notify_error("Import alignment", "the plan needs accounts before an "
                                    "alignment file can move accounts")
            return None
        return accounts

    def _apply(self, plan: Plan, found: AccountAlignment | UnitAlignment,
               layer: UnitLayer | None) -> None:
        from territory_desktop.design_edits import apply_account_alignment, apply_unit_alignment

        if plan is not self.bench.document.plan:
            self.bench.notify_error("Alignment not applied", "the plan changed while the "
                                    "preview was open; import the file again")
            return
        skipped = len(found.unmatched)
        rest = f", {skipped} rows did not import" if skipped else ""
        if isinstance(found, UnitAlignment):
            units = self.units
            if units is None or layer is None or units.layer is not layer:
                self.bench.notify_error("Alignment not applied", "the units shown changed "
                                        "while the preview was open; import the file again")
                return
            owners = units.owners()
            if self.bench.apply_edit(lambda: apply_unit_alignment(plan, layer, found, owners)):
                self.bench.show_status(f"Alignment imported: {len(found.moves)} "
                                       f"{found.layer_title} units moved{rest}", 10000)
            return
        if self.bench.apply_edit(lambda: apply_account_alignment(plan, found)):
            self.bench.show_status(
                f"Alignment imported: {len(found.moves)} accounts moved{rest}", 10000)
