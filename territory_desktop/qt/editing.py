"""Edits the user asks for through the menus.

Territory, rule, account, rep and settings dialogs, merge and delete. Each ends in one
undoable edit on the workbench.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from territory_desktop import edits
from territory_desktop.edits import Edit
from territory_desktop.model import ACCOUNT_RULE_FIELDS, Plan
from territory_desktop.qt import dialogs
from territory_desktop.qt.files import PlanFiles
from territory_desktop.qt.new_rep import AddRepDialog, show_picking_home
from territory_desktop.qt.workbench import Workbench


class Editing(QObject):
    """The edit actions of the window, on the selection it is given.

    Parameters
    ----------
    bench
        Where edits are applied and problems reported.
    files
        Saves the preferences the Settings dialog changes.
    selected_territories, select_territories
        Read and set the territory selection.
    selected_accounts
        The accounts selected in the account list.
    rotation_rep
        The rep the Rotation panel shows (None: no rep).
    """

    preferences_changed = Signal()
    """The Settings dialog changed the user's preferences (read them from the workbench)."""

    def __init__(self, bench: Workbench, files: PlanFiles,
                 selected_territories: Callable[[], list[str]],
                 select_territories: Callable[[list[str]], None],
                 selected_accounts: Callable[[], list[str]],
                 rotation_rep: Callable[[], str | None]) -> None:
        super().__init__(bench.dialog_parent())
        self.bench = bench
        self.files = files
        self.selected_territories = selected_territories
        self.select_territories = select_territories
        self.selected_accounts = selected_accounts
        self.rotation_rep = rotation_rep
        self.new_rep: AddRepDialog | None = None

    def _parent(self) -> QWidget:
        return self.bench.dialog_parent()

    def _plan(self) -> Plan:
        return self.bench.document.plan

    def _apply(self, make: Callable[[], Edit]) -> bool:
        return self.bench.apply_edit(make)

    def merge_selected(self) -> None:
        """Merge the selected territories into the first selected one."""
        ids = list(self.selected_territories())
        self._apply(lambda: edits.merge_territories(self._plan(), ids))
        self.select_territories(ids[:1])

    def delete_selected(self) -> None:
        """Delete the selected territories."""
        ids = list(self.selected_territories())
        if self._apply(lambda: edits.delete_territories(self._plan(), ids)):
            self.select_territories([])

    def edit_selected_properties(self) -> None:
        """Edit the selected territory's name, rep and colour in a dialog."""
        tid = self.selected_territories()[0]
        territory = self._plan().territories[tid]
        dialog = dialogs.TerritoryDialog(self._plan(), territory, self._parent())
        if dialog.exec() and (changes := dialog.changes(territory)):
            self._apply(lambda: edits.update_territory(self._plan(), tid, **changes))

    def add_overlay_territory(self) -> None:
        """Add an overlay territory, named by the user, with no outline."""
        name, ok = QInputDialog.getText(self._parent(), "Overlay territory",
                                        "Name (e.g. Enterprise):")
        if ok and name.strip():
            self._apply(lambda: edits.add_overlay_territory(self._plan(), name.strip(), None))

    def add_field_rule(self) -> None:
        """Add a rule sending accounts with a chosen field value to the selected territory."""
        tid = self.selected_territories()[0]
        name = self._plan().territories[tid].name
        field, ok = QInputDialog.getItem(
            self._parent(), "Overlay rule", f"Accounts whose field… go to {name}",
            list(ACCOUNT_RULE_FIELDS), 0, False,
        )
        if not ok:
            return
        value, ok = QInputDialog.getText(self._parent(), "Overlay rule", f"…{field} equals:")
        if ok and value.strip():
            self._apply(lambda: edits.add_rule(self._plan(), field, value.strip(), tid))

    def edit_rules(self) -> None:
        """Show the overlay rules and remove the ones the user asks to."""
        dialog = dialogs.RulesDialog(self._plan(), self._parent())
        dialog.remove_requested.connect(lambda rid: self._apply(
            lambda: edits.remove_rule(self._plan(), rid)))
        dialog.exec()
        dialog.deleteLater()

    def edit_account(self) -> None:
        """Edit the one selected account in a dialog."""
        ids = self.selected_accounts()
        if len(ids) != 1:
            return
        account = self._plan().accounts[ids[0]]
        dialog = dialogs.AccountDialog(self._plan(), account, self._parent())
        if dialog.exec() and (changes := dialog.changes()):
            self._apply(lambda: edits.update_account(self._plan(), account.id, **changes))

    def pin_selected_accounts(self, unpin: bool = False) -> None:
        """Pin the selected accounts to a territory the user picks (or unpin them)."""
        ids = self.selected_accounts()
        if not ids:
            return
        target = None
        if not unpin:
            territories = list(self._plan().territories.values())
            if not territories:
                self.bench.notify_error("Pin accounts", "The plan has no territories yet.")
                return
            labels = [f"{t.name} ({t.id})" for t in territories]
            label, ok = QInputDialog.getItem(self._parent(), "Pin accounts",
                                             f"Pin {len(ids)} account(s) to", labels, 0, False)
            if not ok or label not in labels:
                return
            target = territories[labels.index(label)].id
        self._apply(lambda: edits.pin_accounts(self._plan(), ids, target))

    def unpin_selected_accounts(self) -> None:
        """Let the map decide again for the selected accounts."""
        self.pin_selected_accounts(unpin=True)

    def add_rep(self) -> None:
        """Ask a new rep's name, id, weekly hours and home (typed or clicked); one edit."""
        dialog = AddRepDialog(self._plan(), self._parent())
        self.new_rep = dialog
        dialog.accepted.connect(lambda: self._apply(
            lambda: edits.add_rep(self._plan(), dialog.fields.rep())))
        show_picking_home(dialog, self.bench.map, dialog.fields.pick_requested, dialog.set_home,
                          lambda: self._forget_add_rep(dialog))

    def _forget_add_rep(self, dialog: AddRepDialog) -> None:
        if self.new_rep is dialog:
            self.new_rep = None

    def edit_rep(self) -> None:
        """Edit the rotation's rep in a dialog (with no reps, offer to add one)."""
        rep_id = self.rotation_rep()
        if rep_id is None:
            if not self._plan().reps and QMessageBox.question(
                    self._parent(), "Rep settings", "The plan has no reps yet. Add one now?",
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                    QMessageBox.StandardButton.Yes) == QMessageBox.StandardButton.Yes:
                self.add_rep()
            return
        rep = self._plan().reps[rep_id]
        dialog = dialogs.RepDialog(rep, self._parent())
        if dialog.exec() and (changes := dialog.changes()):
            self._apply(lambda: edits.update_rep(self._plan(), rep_id, **changes))

    def edit_settings(self) -> None:
        """Edit the preferences and the plan's settings in a dialog."""
        dialog = dialogs.SettingsDialog(self.bench.prefs, self._plan().settings,
                                        self._parent())
        if not dialog.exec():
            return
        dialog.apply_to(self.bench.prefs)
        self.files.save_preferences()
        self.preferences_changed.emit()
        self.files.autosave_timer.start(max(10, self.bench.prefs.autosave_seconds) * 1000)
        new_settings = dialog.plan_settings()
        if new_settings != self._plan().settings:
            self._apply(lambda: edits.update_settings(self._plan(), new_settings))
