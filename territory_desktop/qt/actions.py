"""Declare each user action once; menus, toolbars and context menus place the same QAction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


@dataclass(frozen=True)
class ActionSpec:
    """What an action is: id, label, shortcut(s), tooltip and when it is enabled.

    ``shortcut`` may be a tuple of keys that all trigger the action (e.g. Return and the
    keypad's Enter); the first is the one menus show.
    """

    id: str
    text: str
    shortcut: str | QKeySequence.StandardKey | tuple[str, ...] | None = None
    tip: str = ""
    enabled_when: Callable[[], bool] | None = None


class ActionRegistry:
    """Owns every QAction of the window, keyed by id."""

    def __init__(self, parent: QWidget) -> None:
        self._parent = parent
        self._actions: dict[str, QAction] = {}
        self._specs: dict[str, ActionSpec] = {}

    def add(self, spec: ActionSpec, handler: Callable[[], object]) -> QAction:
        if spec.id in self._actions:
            raise ValueError(f"action {spec.id} declared twice")
        action = QAction(spec.text, self._parent)
        action.setObjectName(spec.id)
        if isinstance(spec.shortcut, tuple):
            action.setShortcuts([QKeySequence(key) for key in spec.shortcut])
        elif spec.shortcut is not None:
            action.setShortcut(QKeySequence(spec.shortcut))
        tip = spec.tip or spec.text.replace("&", "")
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: handler())
        self._parent.addAction(action)
        self._actions[spec.id] = action
        self._specs[spec.id] = spec
        return action

    def __getitem__(self, action_id: str) -> QAction:
        return self._actions[action_id]

    def update_enabled(self) -> None:
        """Re-evaluate every ``enabled_when`` (call after selection or plan changes)."""
        for action_id, spec in self._specs.items():
            if spec.enabled_when is not None:
                self._actions[action_id].setEnabled(bool(spec.enabled_when()))
