"""Plan file handling for the window: New/Open/Save/Save As, recent files, imports, autosave."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QStandardPaths, QTimer
from PySide6.QtWidgets import QAbstractButton, QFileDialog, QMessageBox

from territory_desktop.io import planfile, sharing
from territory_desktop.io.planfile import PlanFileChanged, PlanFileError
from territory_desktop.model import (
    Account,
    Plan,
    PlanSettings,
    Rep,
    TierCadence,
    default_cadence,
)
from territory_desktop.qt.document import PlanDocument
from territory_desktop.qt.settings_store import SettingsStore
from territory_desktop.qt.workbench import ask_file, file_folder
from territory_desktop.resources import resource_path, resources_root
from territory_desktop.routing.plan_network import resolve_extract, stored_extract
from territory_desktop.settings import Preferences

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from territory_desktop.qt.workbench import Workbench

log = logging.getLogger(__name__)
PLAN_FILTER = "Territory plans (*.gpkg)"
TABLE_FILTER = "Spreadsheets (*.csv *.txt *.xlsx);;All files (*)"


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def sample_plan_path() -> Path:
    """Return the path of the bundled sample plan."""
    return resource_path("sample", "sample_plan.gpkg")


class PlanFiles(QObject):
    """Everything that moves a plan between the document and disk, including autosave."""

    def __init__(self, document: PlanDocument, prefs: Preferences, store: SettingsStore,
                 data_dir: Path | None = None) -> None:
        super().__init__()
        self.document = document
        self.prefs = prefs
        self.store = store
        self._data_dir = data_dir
        self.bench: Workbench | None = None
        self.window: QWidget | None = None  # dialogs open over it
        self.autosave_timer = QTimer(self)
        self.autosave_timer.timeout.connect(self.autosave)
        self._base_dir: Path | None = None  # where relative extract paths resolve from
        # This window's identity in autosave names and lock files; the file's stamp when it
        # was opened or last saved here (a different stamp at save: somebody else saved).
        self.owner = sharing.new_owner()
        self._stamp: sharing.FileStamp | None = None
        self._locked: Path | None = None
        self.read_only = False
        self._recovered: Path | None = None  # another window's autosave restored here

    def attach(self, bench: Workbench) -> None:
        """Work inside ``bench`` (its errors, status line, dialogs) and start autosaving."""
        self.bench = bench
        self.window = bench.dialog_parent()
        self.autosave_timer.start(max(10, self.prefs.autosave_seconds) * 1000)

    # ----------------------------------------------------------------- helpers
    @property
    def data_dir(self) -> Path:
        """The folder for autosaves, basemaps and compiled networks (created on demand)."""
        if self._data_dir is None:
            loc = QStandardPaths.writableLocation(
                QStandardPaths.StandardLocation.AppLocalDataLocation)
            self._data_dir = Path(loc or Path.home() / ".territory-desktop")
        self._data_dir.mkdir(parents=True, exist_ok=True)
        return self._data_dir

    def _autosave_key(self) -> Path:
        return self.document.path or self.data_dir / "untitled.gpkg"

    def _hold(self, path: Path | None, read_only: bool = False) -> None:
        """Make ``path`` this window's file: lock it (unless read-only), note its stamp.

        Another file than before: file dialogs open beside it, until the user picks elsewhere.
        """
        if path is not None and path != self.document.path:
            self.prefs.last_folder = str(path.parent)
        if self._locked is not None and self._locked != path:
            sharing.drop_lock(self._locked, self.owner)
            self._locked = None
        self.read_only = read_only
        self._stamp = sharing.FileStamp.of(path) if path is not None else None
        if path is not None and not read_only:
            sharing.take_lock(path, self.owner)
            self._locked = path

    def choose(self, title: str, text: str, choices: list[str]) -> str | None:
        """Ask the user to pick one of ``choices`` (button texts); None when cancelled."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.Cancel, self.window)
        box.setObjectName("choiceBox")
        buttons: dict[QAbstractButton, str] = {
            box.addButton(c, QMessageBox.ButtonRole.AcceptRole): c for c in choices}
        box.exec()
        clicked = box.clickedButton()
        return None if clicked is None else buttons.get(clicked)

    def plan_folder(self) -> Path | None:
        """Return the folder a relative extract name is taken from (the plan file's)."""
        return self.document.path.parent if self.document.path else self._base_dir

    def extract_path(self) -> str:
        """Absolute path of the plan's OSM extract, or "" when it has none or it is missing."""
        p = resolve_extract(self.document.plan.settings.osm_extract, self.plan_folder())
        return str(p) if p is not None and p.is_file() else ""

    def _error(self, title: str, message: str) -> None:
        if self.bench is not None:
            self.bench.notify_error(title, message)
        else:
            log.error("%s: %s", title, message)

    def save_preferences(self) -> None:
        """Store the preferences in the settings file."""
        self.store.save(self.prefs)

    def remember_export_folder(self, folder: Path) -> None:
        """Open the next export's file dialogs in ``folder`` (where this one wrote)."""
        self.prefs.export_folder = str(folder)
        self.save_preferences()

    # ----------------------------------------------------------------- new / open
    def confirm_discard(self, doing: str) -> bool:
        """Ask before losing unsaved changes; True when it is fine to go on."""
        if not self.document.is_modified:
            return True
        answer = QMessageBox.question(
            self.window, "Unsaved changes",
            f"The plan has unsaved changes. Save them before {doing}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            self._forget_autosave()  # the user threw this work away: do not offer it back
            return True
        return False

    def new(self) -> None:
        """Start an empty plan, once any unsaved work is saved or discarded."""
        if self.confirm_discard("starting a new plan"):
            self._forget_autosave()
            self._base_dir = None
            self._hold(None)
            self.document.reset(Plan(settings=PlanSettings(cadence=self.default_cadence())), None)

    def default_cadence(self) -> dict[str, TierCadence]:
        """Return the tier cadence new plans start with (Preferences), else the defaults."""
        cadence = default_cadence()
        for tier in cadence:
            every = self.prefs.default_every_weeks.get(tier)
            minutes = self.prefs.default_visit_minutes.get(tier)
            if every and minutes:
                cadence[tier] = TierCadence(tier, float(every), float(minutes))
        return cadence

    def open_dialog(self) -> None:
        """Ask for a plan file and open it, once any unsaved work is saved or discarded."""
        if not self.confirm_discard("opening another plan"):
            return
        start = str(Path(self.prefs.recent_files[0]).parent) if self.prefs.recent_files else ""
        name, _ = QFileDialog.getOpenFileName(self.window, "Open plan", start, PLAN_FILTER)
        if name:
            self.open_path(Path(name), confirmed=True)

    def open_path(self, path: Path, confirmed: bool = False) -> bool:
        """Open ``path``, offering its autosave when that is newer (after a crash)."""
        if not confirmed and not self.confirm_discard("opening another plan"):
            return False
        path = path.resolve()
        if _inside(path, resources_root()):
            # Shipped files stay read-only: the sample opens as an untitled copy.
            return self.open_sample(confirmed=True)
        # Reopening this window's own file (a reload) keeps the choice made when it was opened.
        reopening = self.document.path is not None and self.document.path.resolve() == path
        read_only = self.read_only if reopening else False
        holder = sharing.read_lock(path)
        if holder is not None and holder.owner != self.owner and not reopening:
            answer = self.choose(
                "Plan already open",
                f"{path.name} is already open in another window ({holder.describe()}). "
                "Two windows saving one plan would overwrite each other's work.",
                ["Open read-only", "Open anyway"])
            if answer is None:
                return False
            read_only = answer == "Open read-only"
        recovery = planfile.find_recovery(path, self.owner)
        restored = None
        if recovery is not None and self.ask_restore(path.name, recovery):
            try:
                restored = planfile.load_plan(recovery)
            except PlanFileError as exc:
                self._error("Cannot recover", str(exc))
        try:
            on_disk = planfile.load_plan(path) if path.is_file() or restored is None else None
        except PlanFileError as exc:
            if restored is None:
                self._error("Cannot open plan", str(exc))
                return False
            on_disk = None
        if restored is None:
            self._forget_autosave()
        self._recovered = recovery if restored is not None else None
        self._base_dir = path.parent
        self._hold(path, read_only)  # first: the title the reset shows says read-only
        self.document.reset(on_disk or Plan(name=path.stem), path)
        if restored is not None:
            # Restored work is unsaved until the user saves it; undo goes back to the file.
            # The autosave stays on disk until then.
            from territory_desktop.edits import Edit

            self.document.apply(Edit("Restore autosaved changes", restored))
        self.prefs.add_recent(str(path))
        self.save_preferences()
        return True

    def open_sample(self, confirmed: bool = False) -> bool:
        """Open the bundled sample as an untitled copy, so Save never writes into resources."""
        if not confirmed and not self.confirm_discard("opening the sample plan"):
            return False
        path = sample_plan_path()
        try:
            plan = planfile.load_plan(path)
        except PlanFileError as exc:
            self._error("Cannot open the sample plan", str(exc))
            return False
        extract = resolve_extract(plan.settings.osm_extract, path.parent)
        if extract is not None:
            from dataclasses import replace

            plan.settings = replace(plan.settings, osm_extract=str(extract.resolve()))
        self._forget_autosave()
        self._base_dir = path.parent
        self._hold(None)
        self.document.reset(plan, None)
        return True

    def ask_restore(self, name: str, recovery: Path) -> bool:
        """Ask whether to restore the newer autosave ``recovery`` of the plan called ``name``."""
        answer = QMessageBox.question(
            self.window, "Recover unsaved work",
            f"{name} has newer autosaved changes (probably from a crash). Restore them?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes)
        return answer == QMessageBox.StandardButton.Yes

    # ----------------------------------------------------------------- save
    def save(self) -> bool:
        """Save to the plan's file (asking for one when it has none); True when saved."""
        if self.document.path is None:
            return self.save_as()
        return self.save_to(self.document.path)

    def save_as(self) -> bool:
        """Ask for a file and save the plan there; True when saved."""
        start = str(self.document.path or Path(file_folder(self.document, self.prefs))
                    / f"{self.document.plan.name}.gpkg")
        name, _ = QFileDialog.getSaveFileName(self.window, "Save plan as", start, PLAN_FILTER)
        if not name:
            return False
        path = Path(name)
        if path.suffix.lower() != ".gpkg":
            path = path.with_suffix(".gpkg")
        return self.save_to(path)

    def save_to(self, path: Path) -> bool:
        """Write the plan atomically; relative extract paths are kept relative to the new file.

        Saving over this window's own file checks that nobody else saved it meanwhile (then
        the user chooses: save as, reload, overwrite). On any failure the old file and the
        autosave stay and the user is told.
        """
        own = self.document.path is not None and path.resolve() == self.document.path.resolve()
        if own and self.read_only:
            self._error("Save failed", f"{path.name} was opened read-only because another "
                        "window has it open; use Save As to keep your changes.")
            return False
        plan = self._plan_for(path)
        try:
            if own:
                planfile.save_plan(plan, path, expect=self._stamp)
            else:
                planfile.save_plan(plan, path)
        except PlanFileChanged:
            return self._resolve_conflict(path)
        except (PlanFileError, OSError) as exc:
            self.autosave()  # the work is at least in this window's autosave
            kept = ("The previous file is unchanged." if path.exists() else
                    "Nothing was written; your work is kept in this window and its autosave.")
            self._error("Save failed", f"{exc}. {kept}")
            return False
        self._forget_autosave()
        if self._recovered is not None:
            with contextlib.suppress(OSError):  # restored and now saved; gone already is fine
                self._recovered.unlink()
            self._recovered = None
        self._base_dir = path.parent
        self._hold(path)
        self.document.mark_saved(path)
        self.prefs.add_recent(str(path))
        self.save_preferences()
        if self.bench is not None:
            self.bench.show_status(f"Saved {path}", 5000)
        return True

    def _resolve_conflict(self, path: Path) -> bool:
        answer = self.choose(
            "Plan changed by someone else",
            f"{path.name} was saved by another window or program since you opened it. "
            "Saving now would throw their changes away.",
            ["Save as…", "Reload (drop my changes)", "Overwrite"])
        if answer == "Save as…":
            return self.save_as()
        if answer == "Overwrite":
            self._stamp = sharing.FileStamp.of(path)
            return self.save_to(path)
        if answer == "Reload (drop my changes)":
            self._forget_autosave()
            self.document.undo_stack.setClean()
            self.open_path(path, confirmed=True)
        return False

    def _plan_for(self, path: Path) -> Plan:
        plan = self.document.plan
        extract = self.extract_path()
        if not extract:
            return plan
        from dataclasses import replace

        out = plan.copy()
        out.settings = replace(plan.settings,
                               osm_extract=stored_extract(Path(extract), path.parent))
        return out

    # ----------------------------------------------------------------- autosave
    def autosave(self) -> Path | None:
        """Write the autosave when there are unsaved changes; returns its path."""
        if not self.document.is_modified:
            return None
        try:
            return planfile.write_autosave(self.document.plan, self._autosave_key(), self.owner)
        except (PlanFileError, OSError) as exc:
            log.warning("autosave failed: %s", exc)
            return None

    def _forget_autosave(self) -> None:
        planfile.discard_autosave(self._autosave_key(), self.owner)

    def recover_untitled(self) -> bool:
        """At start-up: offer an untitled plan's autosave left by a crash."""
        key = self.data_dir / "untitled.gpkg"
        recovery = planfile.find_recovery(key, self.owner)
        if recovery is None:
            return False
        try:
            plan = planfile.load_plan(recovery)
        except PlanFileError as exc:
            self._error("Cannot recover", str(exc))
            return False
        # Named as the user knew it (the sample opens untitled as "Baltimore sample")
        if not self.ask_restore(f"The unsaved plan “{plan.name}”" if plan.name
                                else "An unsaved plan", recovery):
            return False
        from territory_desktop.edits import Edit

        self.document.reset(Plan(), None)
        self.document.apply(Edit("Restore autosaved changes", plan))
        self._recovered = recovery
        return True

    def shutdown(self) -> None:
        """Stop autosaving and release the plan's file lock, as the window closes."""
        self.autosave_timer.stop()
        if not self.document.is_modified:
            self._forget_autosave()
        self._hold(None)
        sharing.release(self.owner)
        self.save_preferences()

    # ----------------------------------------------------------------- imports
    def import_accounts_dialog(self) -> None:
        """Ask for a table of accounts and import it."""
        self._import_accounts(choose_columns=False)

    def import_accounts_choosing_columns(self) -> None:
        """Import accounts, showing the column mapping even when every column was recognised."""
        self._import_accounts(choose_columns=True)

    def _import_accounts(self, choose_columns: bool) -> None:
        path = ask_file(self.window, "Import accounts", TABLE_FILTER, self.document, self.prefs)
        if path:
            self.import_table(path, "accounts", choose_columns=choose_columns)

    def import_reps_dialog(self) -> None:
        """Ask for a table of reps and import it."""
        path = ask_file(self.window, "Import reps", TABLE_FILTER, self.document, self.prefs)
        if path:
            self.import_table(path, "reps")

    def import_table(self, path: Path, kind: str, mapping: dict[str, str] | None = None,
                     choose_columns: bool = False) -> Any:
        """Import accounts or reps from the table at ``path``.

        Asks for a column mapping when columns are not recognised or ``choose_columns`` (the
        user wants their own columns, e.g. a value column).

        Rejected rows are reported (line, column, reason); good rows are imported as one edit.
        Returns the import result, or None when the user cancelled or the file is unreadable.
        """
        from territory_desktop import edits, import_edits
        from territory_desktop.io import tables

        plan = self.document.plan
        # a row of an account the plan has keeps what the file lacks (its location, its tier)
        importer: Callable[..., tables.ImportResult | tables.RepImportResult] = (
            partial(tables.import_accounts, existing=plan.accounts) if kind == "accounts"
            else tables.import_reps)
        country = plan.settings.country or "US"
        try:
            result = importer(path, mapping=mapping, country=country)
            if result.missing_required or choose_columns:
                columns = tables.read_table(path).columns
                fields = tables.ACCOUNT_FIELDS if kind == "accounts" else tables.REP_FIELDS
                intro = ("Some columns were not recognised." if result.missing_required
                         else "The columns below were recognised; change any of them.")
                dialog = self.mapping_dialog(columns, fields, result.mapping_used, intro)
                if dialog is None:
                    return None
                result = importer(path, mapping=dialog, country=country)
                if result.missing_required:
                    self._error("Import refused", "Still missing: "
                                + ", ".join(result.missing_required))
                    return None
        except tables.ImportFileError as exc:
            self._error("Cannot import", str(exc))
            return None
        # the importer was picked by ``kind``: accounts give an ImportResult, reps a RepImportResult
        records: list[Account] | list[Rep]
        edit: edits.Edit | None = None
        if isinstance(result, tables.ImportResult):
            records = result.accounts
            if records:
                edit = import_edits.import_accounts(self.document.plan, records,
                                                    fields=result.fields)
        else:
            records = result.reps
            if records:
                edit = import_edits.import_reps(self.document.plan, records)
        if edit is not None:
            self.document.apply(edit)
        if result.problems:
            self.show_problems(path, len(records), result.problems,
                               edit.notes if edit is not None else ())
        elif self.bench is not None:
            self.bench.show_status(f"Imported {len(records)} {kind}", 8000)
        return result

    def mapping_dialog(self, columns: list[str], fields: Any, guess: dict[str, str],
                       intro: str) -> dict[str, str] | None:
        """Ask the user to map ``columns`` onto ``fields``; None when cancelled."""
        from territory_desktop.qt import dialogs

        dialog = dialogs.ColumnMappingDialog(columns, fields, guess, self.window, intro)
        return dialog.mapping() if dialog.exec() else None

    def show_problems(self, path: Path, imported: int, problems: list[Any],
                      notes: Sequence[str] = ()) -> None:
        """Show the rows of ``path`` that were rejected or imported with a warning.

        ``notes`` (the import edit's, e.g. which fields of existing accounts were updated) lead
        the summary.
        """
        from territory_desktop.qt import dialogs

        lines = [f"line {p.line}, column {p.column or '—'}: "
                 f"{'rejected' if p.skipped else 'imported with a warning'}: {p.reason}"
                 + (f" (value: {p.value!r})" if p.value not in (None, "") else "")
                 for p in problems]
        rejected = len({p.line for p in problems if p.skipped})
        summary = (f"{_rows(imported)} of {path.name} {_were(imported)} imported; "
                   f"{_rows(rejected)} {_were(rejected)} rejected. "
                   + "".join(f"{n[:1].upper()}{n[1:]}. " for n in notes)
                   + "Every problem is listed below with its file line and column. "
                   "Fix the rows in the file and import it again (records are matched by id).")
        dialog = dialogs.ReportDialog("Import report", summary, "\n".join(lines), self.window)
        dialog.setObjectName("importReport")
        dialog.open()
        self.last_report = dialog


def _rows(count: int) -> str:
    return f"{count} row{'' if count == 1 else 's'}"


def _were(count: int) -> str:
    return "was" if count == 1 else "were"
