"""Declare each user action once, as data.

Menus, toolbars and context menus place the same QAction (in the style of napari's
app-model: id, text, shortcuts, where it goes, when it is enabled, what it runs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QMenu,
    QMenuBar,
    QPlainTextEdit,
    QTextEdit,
    QToolBar,
    QWidget,
)

Shortcut = str | QKeySequence.StandardKey | tuple[str, ...] | None


@dataclass(frozen=True)
class ActionSpec:
    """Describe one action: id, label, shortcuts, tooltip, enabling, handler, placement.

    ``shortcut`` may be a tuple of keys that all trigger the action (e.g. Return and the
    keypad's Enter); the first is the one menus show. ``handler`` and ``enabled_when`` name
    attributes of the object the actions are bound to (dotted: ``"files.save"``), so the
    declaration stays data. ``menu`` is the menu title that lists the action (inside its
    ``submenu`` when one is named); a new ``group``
    within a menu starts after a separator; ``toolbar`` is the action's group on the main
    toolbar (None: not on it).
    """

    id: str
    text: str
    shortcut: Shortcut = None
    tip: str = ""
    enabled_when: str | Callable[[], bool] | None = None
    handler: str = ""
    menu: str = ""
    group: int = 0
    toolbar: int | None = None
    icon_text: str = ""
    submenu: str = ""


_TYPING_KEYS = frozenset(QKeySequence(k) for k in ("Return", "Enter", "Delete", "Backspace"))


class _TextFieldsKeepTheirKeys(QObject):
    """Take typing keys off the window's shortcuts while a text field has the focus.

    Enter in a search box must search, not finish a reshape; Delete must delete a character,
    not the selected territories. (A Python event filter on the whole application would see
    every event of every widget; following the focus is enough.)
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._typing: dict[QAction, list[QKeySequence]] = {}
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._follow_focus)

    def watch(self, action: QAction) -> None:
        """Hand ``action``'s typing-key shortcuts to text fields when they have the focus."""
        keys = action.shortcuts()
        if any(k in _TYPING_KEYS for k in keys):
            self._typing[action] = keys

    def _follow_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        typing = _is_text_field(new)
        for action, keys in self._typing.items():
            action.setShortcuts([k for k in keys if k not in _TYPING_KEYS] if typing else keys)


def _is_text_field(widget: QWidget | None) -> bool:
    if isinstance(widget, QLineEdit | QAbstractSpinBox | QTextEdit | QPlainTextEdit):
        return not widget.isReadOnly()
    return False


class ActionRegistry:
    """Owns every QAction of the window, keyed by id."""

    def __init__(self, parent: QWidget) -> None:
        self._parent = parent
        self._text_fields = _TextFieldsKeepTheirKeys(parent)
        self._actions: dict[str, QAction] = {}
        self._specs: dict[str, ActionSpec] = {}
        self._enabled: dict[str, Callable[[], bool]] = {}

    def add(self, spec: ActionSpec, handler: Callable[[], object]) -> QAction:
        """Make the QAction ``spec`` declares, running ``handler`` when triggered."""
        if spec.id in self._actions:
            raise ValueError(f"action {spec.id} declared twice")
        action = QAction(spec.text, self._parent)
        action.setObjectName(spec.id)
        if isinstance(spec.shortcut, tuple):
            action.setShortcuts([QKeySequence(key) for key in spec.shortcut])
        elif spec.shortcut is not None:
            action.setShortcut(QKeySequence(spec.shortcut))
        self._text_fields.watch(action)
        tip = spec.tip or spec.text.replace("&", "")
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
        action.setStatusTip(tip)
        if spec.icon_text:
            action.setIconText(spec.icon_text)
        action.triggered.connect(lambda _checked=False: handler())
        self._parent.addAction(action)
        self._actions[spec.id] = action
        self._specs[spec.id] = spec
        if callable(spec.enabled_when):
            self._enabled[spec.id] = spec.enabled_when
        return action

    def add_all(self, specs: Iterable[ActionSpec], target: object) -> None:
        """Add every spec, its ``handler`` and ``enabled_when`` looked up on ``target``."""
        for spec in specs:
            self.add(spec, attrgetter(spec.handler)(target))
            if isinstance(spec.enabled_when, str):
                self._enabled[spec.id] = attrgetter(spec.enabled_when)(target)

    def __getitem__(self, action_id: str) -> QAction:
        """Return the QAction declared with ``action_id``."""
        return self._actions[action_id]

    def get(self, action_id: str) -> QAction | None:
        """Return the QAction declared with ``action_id``, or None when there is none."""
        return self._actions.get(action_id)

    def update_enabled(self) -> None:
        """Re-evaluate every ``enabled_when`` (call after selection or plan changes)."""
        for action_id, enabled in self._enabled.items():
            self._actions[action_id].setEnabled(bool(enabled()))

    def place_in_menus(self, bar: QMenuBar, titles: Iterable[str]) -> dict[str, QMenu]:
        """Build one menu per title, in order, with a separator between groups.

        Each lists its actions in declaration order.
        """
        menus: dict[str, QMenu] = {}
        for title in titles:
            menu = menus[title] = bar.addMenu(title)
            submenus: dict[str, QMenu] = {}
            group: int | None = None
            for spec in self._specs.values():
                if spec.menu != title:
                    continue
                if group is not None and spec.group != group:
                    menu.addSeparator()
                group = spec.group
                if spec.submenu and spec.submenu not in submenus:
                    submenus[spec.submenu] = menu.addMenu(spec.submenu)
                (submenus[spec.submenu] if spec.submenu else menu).addAction(
                    self._actions[spec.id])
        return menus

    def place_in_toolbar(self, toolbar: QToolBar) -> None:
        """Return the actions with a ``toolbar`` group, in declaration order, separated by group."""
        group: int | None = None
        for spec in self._specs.values():
            if spec.toolbar is None:
                continue
            if group is not None and spec.toolbar != group:
                toolbar.addSeparator()
            group = spec.toolbar
            toolbar.addAction(self._actions[spec.id])

    def context_menu(self, parent: QWidget, ids: Iterable[str | None]) -> QMenu:
        """Build a menu of the actions ``ids`` (None: a separator), enabled as they are now."""
        self.update_enabled()
        menu = QMenu(parent)
        for action_id in ids:
            if action_id is None:
                menu.addSeparator()
            else:
                menu.addAction(self._actions[action_id])
        return menu


