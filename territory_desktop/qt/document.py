"""The open plan, its file path and the one undo stack every edit goes through."""

from __future__ import annotations

from pathlib import Path
from typing import override

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from territory_desktop.edits import Edit
from territory_desktop.geo.assignment import Assignment, assign_accounts
from territory_desktop.model import Plan


class PlanEditCommand(QUndoCommand):
    """One user edit: swaps the document between the plan before and after it."""

    def __init__(self, document: PlanDocument, edit: Edit) -> None:
        super().__init__(edit.text)
        self._document = document
        self._before = document.plan
        self._after = edit.plan

    @override
    def redo(self) -> None:
        self._document._set_plan(self._after)

    @override
    def undo(self) -> None:
        self._document._set_plan(self._before)


class PlanDocument(QObject):
    """Holds the plan being edited. Widgets read it and push edits; they never mutate it."""

    plan_changed = Signal()
    """The plan (and so the assignment) changed; no payload: read ``plan``/``assignment``."""
    path_changed = Signal(str)
    """The file the plan is saved to changed (payload: the path, "" for untitled)."""
    edit_noted = Signal(str)
    """An edit produced a note for the user (repairs, clipped neighbours)."""
    replaced = Signal()
    """A different plan was loaded (New/Open): results computed for the old one are stale."""

    def __init__(self, plan: Plan | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self._plan = plan or Plan()
        self._assignment: Assignment | None = None
        self._path: Path | None = None
        self.generation = 0  # bumped on every reset; background results carry the one they saw

    @property
    def plan(self) -> Plan:
        """The plan as it is now."""
        return self._plan

    @property
    def assignment(self) -> Assignment:
        """The plan's account-to-territory assignment (computed once per plan)."""
        if self._assignment is None:
            self._assignment = assign_accounts(self._plan)
        return self._assignment

    @property
    def path(self) -> Path | None:
        """The file the plan was opened from or last saved to (None: never saved)."""
        return self._path

    @property
    def is_modified(self) -> bool:
        """Whether there are edits since the last save."""
        return not self.undo_stack.isClean()

    def apply(self, edit: Edit) -> None:
        """Record ``edit`` on the undo stack and make it current.

        Days already past that the edit would re-plan keep their visits (what was driven).
        """
        from territory_desktop.optimize.plan_schedule import keep_past_days

        plan, note = keep_past_days(self._plan, edit.plan)
        if note:
            edit = Edit(edit.text, plan, (*edit.notes, note))
        self.undo_stack.push(PlanEditCommand(self, edit))
        for note in edit.notes:
            self.edit_noted.emit(note)

    def reset(self, plan: Plan, path: Path | None) -> None:
        """Replace the whole document (New/Open): clears undo history."""
        self.generation += 1
        self.replaced.emit()
        self.undo_stack.clear()
        self._path = path
        self._set_plan(plan)
        self.undo_stack.setClean()
        self.path_changed.emit(str(path or ""))

    def mark_saved(self, path: Path) -> None:
        """Record that the plan is now saved in ``path`` (the undo stack is clean)."""
        self._path = path
        self.undo_stack.setClean()
        self.path_changed.emit(str(path))

    def _set_plan(self, plan: Plan) -> None:
        self._plan = plan
        self._assignment = None
        self.plan_changed.emit()
