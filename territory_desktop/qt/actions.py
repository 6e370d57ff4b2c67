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
    QAbstractItemView,
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
_EDITING_KEYS = frozenset(QKeySequence(k) for k in ("Delete", "Backspace", "F2"))


class _FocusKeepsItsKeys(QObject):
    """Take keys off the window's shortcuts while a widget that has its own use for them has focus.

    Enter in a search box must search, not finish a reshape; Delete must delete a character,
    not the selected territories. In a list or table other than the territories' own (a
    rep's week, a day of the rotation, the scenarios), Delete and F2 act on that list's rows,
    never on a territory selected elsewhere. (A Python event filter on the whole application
    would see every event of every widget; following the focus is enough.)
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._keys: dict[QAction, list[QKeySequence]] = {}
        self._territory_views: list[QAbstractItemView] = []
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._follow_focus)

    def watch(self, action: QAction) -> None:
        """Hand ``action``'s typing and editing keys to the widgets with their own use for them."""
        keys = action.shortcuts()
        if any(k in _TYPING_KEYS or k in _EDITING_KEYS for k in keys):
            self._keys[action] = keys

    def territory_view(self, view: QAbstractItemView) -> None:
        """Let ``view`` (its rows are territories) keep the window's Delete and F2."""
        self._territory_views.append(view)

    def _follow_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        taken: frozenset[QKeySequence] = frozenset()
        if _is_text_field(new):
            taken = _TYPING_KEYS
        elif isinstance(new, QAbstractItemView) and new not in self._territory_views:
            taken = _EDITING_KEYS
        for action, keys in self._keys.items():
            action.setShortcuts([k for k in keys if k not in taken])


def _is_text_field(widget: QWidget | None) -> bool:
    if isinstance(widget, QLineEdit | QAbstractSpinBox | QTextEdit | QPlainTextEdit):
        return not widget.isReadOnly()
    return False


class ActionRegistry:
    """Owns every QAction of the window, keyed by id."""

    def __init__(self, parent: QWidget) -> None:
        self._parent = parent
        self._focus = _FocusKeepsItsKeys(parent)
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
        self._focus.watch(action)
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

    def territory_views(self, *views: QAbstractItemView) -> None:
        """Let ``views``, lists of territories, keep the window's Delete and F2.

        Any other list or table uses them on its own rows.
        """
        for view in views:
            self._focus.territory_view(view)

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


