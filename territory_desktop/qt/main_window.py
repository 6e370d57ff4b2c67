"""The main window: map in the middle, territory and account panels, menus and the status bar."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, override

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QToolBar,
    QWidget,
)

from territory_desktop.edits import Edit
from territory_desktop.geo.polygons import (
    GeometryError,
    KeepSide,
    from_geojson,
    repair,
)
from territory_desktop.model import PlanError
from territory_desktop.qt import dialogs
from territory_desktop.qt.accounts_panel import AccountsPanel
from territory_desktop.qt.actions import ActionRegistry
from territory_desktop.qt.design import Design
from territory_desktop.qt.document import PlanDocument
from territory_desktop.qt.editing import Editing
from territory_desktop.qt.exports_menu import Exports
from territory_desktop.qt.files import PlanFiles
from territory_desktop.qt.health_panel import HealthPanel
from territory_desktop.qt.jobs import JobRunner
from territory_desktop.qt.map_view import MapView
from territory_desktop.qt.panel_layout import PanelLayout
from territory_desktop.qt.rep_packs import RepPacks
from territory_desktop.qt.rep_week import RepWeekView
from territory_desktop.qt.rotation_controller import RotationController
from territory_desktop.qt.rotation_panel import RotationPanel
from territory_desktop.qt.route_panel import RoutePanel
from territory_desktop.qt.routing_controller import RoutingController
from territory_desktop.qt.territory_panel import TerritoryPanel
from territory_desktop.qt.units import Units
from territory_desktop.qt.widgets import separator
from territory_desktop.qt.window_actions import FILE, MENUS, VIEW, WINDOW_ACTIONS
from territory_desktop.qt.worker import Worker
from territory_desktop.settings import Preferences

log = logging.getLogger(__name__)

ATTRIBUTION = (
    "Road data © OpenStreetMap contributors (ODbL) · postal centroids © GeoNames (CC BY 4.0)"
)


def _build_basemap(extract: Path, cache_dir: Path, *, progress: Callable[[float, str], None],
                   should_stop: Callable[[], bool]) -> dict[str, Any]:
    from territory_desktop.mapping.basemap import basemap_geojson

    progress(0.0, f"Reading roads from {extract.name}")
    fc, _stats = basemap_geojson(extract, cache_dir)
    return fc


@dataclass(frozen=True)
class WindowParts:
    """The controllers and panels ``app.build`` makes for a window (see :meth:`install`)."""

    routing: RoutingController
    rotation: RotationController
    territories: TerritoryPanel
    accounts: AccountsPanel
    rotation_panel: RotationPanel
    rep_week: RepWeekView
    route_panel: RoutePanel
    editing: Editing
    exports: Exports
    health: HealthPanel
    travel: RepPacks
    design: Design
    units: Units


class MainWindow(QMainWindow):
    """Composes the document, map, panels and actions; every plan change is an undoable edit."""

    work_finished = Signal()
    """Background work (basemap, import) finished, successfully or not."""

    # The registry deliberately replaces QWidget.actions() on the window (menus and tests look
    # actions up by id: ``window.actions["edit.undo"]``); nothing calls the Qt method here.
    actions: ActionRegistry  # type: ignore[assignment]

    def __init__(self, document: PlanDocument, map_view: MapView, prefs: Preferences,
                 files: PlanFiles, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        document.setParent(self)  # the window owns the document's lifetime
        files.setParent(self)
        self.document = document
        self.map = map_view
        self.prefs = prefs
        self.files = files
        self.setObjectName("mainWindow")
        self.resize(1400, 880)
        self.setCentralWidget(map_view)
        self._selected: list[str] = []
        self._closing_unasked = False  # closed by a stop signal: nobody is there to answer
        self._build_status_bar()
        self._map_ready = False
        self._fit_next = True  # the next drawing of the plan fits the map to it
        self._last_hint = ""
        self._gesture = ""  # "edit", "draw", "split" while the map has a gesture open
        self._basemap_for: str | None = None
        self._edit_notes: list[str] = []  # the last edit's notes, until the event loop turns
        files.attach(self)

    def install(self, parts: WindowParts) -> None:
        """Take the controllers and panels ``app.build`` made.

        Dock the panels, declare the actions, place them in menus and the toolbar, and follow
        the document and the map.
        """
        self.routing = parts.routing
        self.rotation = parts.rotation
        self.territories = parts.territories
        self.accounts = parts.accounts
        self.rotation_panel = parts.rotation_panel
        self.rep_week = parts.rep_week
        self.route_panel = parts.route_panel
        self.editing = parts.editing
        self.exports = parts.exports
        self.health = parts.health
        self.travel = parts.travel
        self.design = parts.design
        self.units = parts.units
        self.panels = PanelLayout(self)
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.panels.add("Territories", self.territories, bottom)
        self.panels.add("Accounts", self.accounts, Qt.DockWidgetArea.RightDockWidgetArea)
        self.panels.add("Rotation", self.rotation_panel, bottom)
        self.panels.add("Rep's week", self.rep_week, bottom)
        self.panels.add("Route", self.route_panel, bottom)
        self.panels.add("Health", self.health, bottom)
        self.design.watch(self.panels.add("Design", self.design.panel, bottom))
        self.panels.add("Scenarios", self.design.scenarios, bottom)
        self.actions = ActionRegistry(self)
        self.actions.territory_views(self.territories.table, self.design.panel.table)
        self._declare_actions()
        self._build_menus_and_toolbar()
        self.panels.reset()
        self.panels.restore(self.files.store.load_window_layout())

        document, map_view = self.document, self.map
        document.plan_changed.connect(self._on_document_plan_changed)
        document.replaced.connect(self._on_document_replaced)
        document.path_changed.connect(self._update_title)
        document.edit_noted.connect(self._on_document_edit_noted)
        document.undo_stack.cleanChanged.connect(self._update_title)
        self.territories.selection_changed.connect(self._on_panel_selection_changed)
        self.accounts.account_activated.connect(self._on_accounts_account_activated)
        self.accounts.context_menu_requested.connect(self._on_accounts_context_menu_requested)
        self.accounts.table.selectionModel().selectionChanged.connect(
            self.actions.update_enabled)
        map_view.page_ready.connect(self._on_map_page_ready)
        map_view.polygon_drawn.connect(self._on_map_polygon_drawn)
        map_view.territory_reshaped.connect(self._on_map_territory_reshaped)
        map_view.split_line_drawn.connect(self._on_map_split_line_drawn)
        map_view.territory_clicked.connect(self._on_map_territory_clicked)
        map_view.account_clicked.connect(self._on_map_account_clicked)
        map_view.gesture_changed.connect(self._on_map_gesture_changed)
        map_view.map_error.connect(self._on_map_error)
        self._update_title()
        self.actions.update_enabled()

    # ----------------------------------------------------------------- workbench
    def show_status(self, text: str, msecs: int = 5000) -> None:
        """Show ``text`` in the status bar for ``msecs`` milliseconds.

        A message shown right after an edit (the edit's own, a dialog's summary) carries the
        edit's notes, so no later message of the same gesture hides them.
        """
        if self._edit_notes:
            text = " · ".join((text, *self._edit_notes))
            msecs = max(msecs, 15000)
        self.statusBar().showMessage(text, msecs)

    def update_actions(self) -> None:
        """Re-evaluate which actions are enabled."""
        self.actions.update_enabled()

    def dialog_parent(self) -> QWidget:
        """Dialogs open over the window."""
        return self

    # ----------------------------------------------------------------- construction
    def dock(self, name: str) -> QDockWidget:
        """Return the dock widget with object name ``name`` (e.g. ``"dockRotation"``)."""
        return self.panels.dock(name)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.jobs = JobRunner(bar, lambda: self.document.generation, self.notify_error)
        self.jobs.finished.connect(self.work_finished)
        self.progress, self.progress_label = self.jobs.progress, self.jobs.label
        self.counts_label = QLabel(self)
        bar.addPermanentWidget(separator(self))
        bar.addPermanentWidget(self.counts_label)
        bar.addPermanentWidget(QLabel(ATTRIBUTION, self))

    def _declare_actions(self) -> None:
        self.actions.add_all(WINDOW_ACTIONS, self)
        stack = self.document.undo_stack
        undo, redo = self.actions["edit.undo"], self.actions["edit.redo"]
        stack.canUndoChanged.connect(undo.setEnabled)
        stack.canRedoChanged.connect(redo.setEnabled)
        stack.undoTextChanged.connect(self._on_stack_undo_text_changed)
        stack.redoTextChanged.connect(self._on_stack_redo_text_changed)
        undo.setEnabled(False)
        redo.setEnabled(False)

    # What the actions' ``enabled_when`` asks (see window_actions.py).
    def has_selection(self) -> bool:
        """Return whether any territory is selected."""
        return bool(self._selected)

    def one_selected(self) -> bool:
        """Return whether exactly one territory is selected."""
        return len(self._selected) == 1

    def several_selected(self) -> bool:
        """Return whether two or more territories are selected."""
        return len(self._selected) >= 2

    def one_shaped(self) -> bool:
        """Return whether exactly one territory with an outline is selected."""
        # .get: panels that follow the plan may ask before the window drops a deleted id
        one = self.document.plan.territories.get(self._selected[0]) \
            if len(self._selected) == 1 else None
        return one is not None and one.geometry is not None

    def reshaping(self) -> bool:
        """Return whether the user is moving a territory's corners on the map."""
        return self._gesture == "edit"

    def one_account(self) -> bool:
        """Return whether exactly one account is selected."""
        return len(self.accounts.selected_ids()) == 1

    def some_accounts(self) -> bool:
        """Return whether any account is selected."""
        return bool(self.accounts.selected_ids())

    def has_route(self) -> bool:
        """Return whether a route is shown."""
        return self.route_panel.has_route

    def _on_stack_undo_text_changed(self, text: str) -> None:
        self._name_stack_action(self.actions["edit.undo"], "Undo", text)

    def _on_stack_redo_text_changed(self, text: str) -> None:
        self._name_stack_action(self.actions["edit.redo"], "Redo", text)

    @staticmethod
    def _name_stack_action(action: Any, verb: str, command: str) -> None:
        """Name the command in the menu and tooltip; the toolbar keeps the fixed icon text."""
        full = f"{verb} {command}".strip()
        action.setText(f"&{full}")
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{full} ({shortcut})" if shortcut else full)
        action.setStatusTip(full)

    def _build_menus_and_toolbar(self) -> None:
        menus = self.actions.place_in_menus(self.menuBar(), MENUS)
        file_menu = menus[FILE]
        self.recent_menu = QMenu("Open &recent", file_menu)
        file_menu.insertMenu(file_menu.actions()[0], self.recent_menu)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        # Each panel's own show/hide toggle: a closed panel comes back from here.
        panels = menus[VIEW].addMenu("&Panels")
        panels.setObjectName("panelsMenu")
        for dock in self.panels.docks:
            panels.addAction(dock.toggleViewAction())
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("mainToolbar")
        self.actions.place_in_toolbar(toolbar)
        self.addToolBar(toolbar)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.prefs.recent_files:
            act = self.recent_menu.addAction(path)
            act.triggered.connect(lambda _c=False, p=path: self.files.open_path(Path(p)))
        if not self.prefs.recent_files:
            self.recent_menu.addAction("(none)").setEnabled(False)

    # ----------------------------------------------------------------- edits
    def apply_edit(self, make: Callable[[], Edit]) -> bool:
        """Run an edit function and record it; a refused edit is explained, nothing changes."""
        try:
            edit = make()
        except (GeometryError, PlanError) as exc:
            self.notify_error("That edit was refused", str(exc))
            return False
        self.document.apply(edit)
        self.show_status(edit.text)
        return True

    def notify_error(self, title: str, message: str) -> None:
        """Explain a problem without blocking (tests and long sessions never hang on it)."""
        log.warning("%s: %s", title, message)
        self.statusBar().showMessage(f"{title}: {message}", 10000)
        dialogs.show_error(self, title, message)

    def ask_keep_side(self, overlapping: list[str]) -> str | None:
        """Ask which side keeps the overlap with ``overlapping``; None when cancelled."""
        return dialogs.ask_keep_side(self, overlapping)

    def _on_map_polygon_drawn(self, geojson: dict[str, Any]) -> None:
        from territory_desktop import edits

        try:
            drawn = from_geojson(geojson)
            geom, _note = repair(drawn)  # the edit repairs again and reports the note
        except GeometryError as exc:
            self.notify_error("Drawing refused", str(exc))
            self._refresh_map()
            return
        keep: KeepSide = "existing"
        overlapping = edits.overlapping_territories(self.document.plan, geom)
        if overlapping:
            answer = self.ask_keep_side(overlapping)
            if answer is None:
                self._refresh_map()
                return
            keep = "new" if answer == "new" else "existing"
        if not self.apply_edit(lambda: edits.add_territory(
                self.document.plan, drawn, keep=keep, snap_m=self.prefs.snap_tolerance_m)):
            self._refresh_map()
            return
        new_id = list(self.document.plan.territories)[-1]
        self.select_territories([new_id])

    def _on_map_territory_reshaped(self, territory_id: str, geojson: dict[str, Any]) -> None:
        from territory_desktop import edits

        territory = self.document.plan.territories.get(territory_id)
        if territory is None:
            return
        try:
            outline = from_geojson(geojson)
        except GeometryError as exc:
            self.notify_error("Reshape refused", str(exc))
            self._refresh_map()
            return
        if territory.geometry is not None and outline.equals_exact(territory.geometry, 1e-7):
            self.statusBar().showMessage(f"{territory.name}: no corner was moved", 5000)
            return
        if not self.apply_edit(lambda: edits.reshape_territory(
                self.document.plan, territory_id, outline,
                snap_m=self.prefs.snap_tolerance_m)):
            self._refresh_map()

    def _on_map_gesture_changed(self, mode: str, territory_id: str) -> None:
        self._gesture = mode
        self.actions.update_enabled()

    def _on_map_split_line_drawn(self, territory_id: str, geojson: dict[str, Any]) -> None:
        from territory_desktop import edits

        if territory_id not in self.document.plan.territories:
            return
        if not self.apply_edit(lambda: edits.split_territory(
                self.document.plan, territory_id, from_geojson(geojson))):  # type: ignore[arg-type]
            self._refresh_map()

    def _raise_dock(self, name: str) -> None:
        dock = self.dock(name)
        dock.show()
        dock.raise_()

    def schedule_rotation(self) -> None:
        """Show the Rotation panel and schedule its rep."""
        self._raise_dock("dockRotation")
        self.rotation_panel.schedule()

    def show_rep_week(self) -> None:
        """Bring the rep's week panel to the front."""
        self._raise_dock("dockRepsweek")

    def show_health(self) -> None:
        """Bring the Health panel to the front."""
        self._raise_dock("dockHealth")

    def zoom_to_selected_territory(self) -> None:
        """Fit the map to the selected territory."""
        self.map.zoom_to_territory(self._selected[0])


    def _reshape_selected(self) -> None:
        self.map.start_edit_territory(self._selected[0])
        self.statusBar().showMessage(
            "Drag corners (they snap to neighbours); Enter or Finish keeps the outline, Esc "
            "cancels.", 15000)

    def _split_selected(self) -> None:
        self.map.start_split(self._selected[0])
        self.statusBar().showMessage("Draw a line across the territory; double-click to end.",
                                     10000)

    def _on_accounts_context_menu_requested(self, global_pos: Any) -> None:
        menu = self.actions.context_menu(self, ("account.properties", "account.pin",
                                                "account.unpin", None, "routing.route"))
        menu.exec(global_pos)
        menu.deleteLater()

    # ----------------------------------------------------------------- selection
    def select_territories(self, ids: list[str]) -> None:
        """Select the territories ``ids`` in the table and on the map."""
        self._selected = [i for i in ids if i in self.document.plan.territories]
        self.territories.select(self._selected)
        self.map.select_territory(self._selected[0] if len(self._selected) == 1 else None)
        self.actions.update_enabled()

    @property
    def selected_territories(self) -> list[str]:
        """The ids of the selected territories, in selection order."""
        return list(self._selected)

    def _on_panel_selection_changed(self, ids: list[str]) -> None:
        self._selected = ids
        self.map.select_territory(ids[0] if len(ids) == 1 else None)
        self.actions.update_enabled()

    def _on_map_territory_clicked(self, territory_id: str) -> None:
        if territory_id in self.document.plan.territories:
            self.select_territories([territory_id])

    def _on_map_account_clicked(self, account_id: str) -> None:
        account = self.document.plan.accounts.get(account_id)
        if account is not None:
            tid = self.document.assignment.territory_of.get(account_id)
            where = self.document.plan.territories[tid].name if tid else "unassigned"
            self.statusBar().showMessage(f"{account.name} ({account.id}) · {where}", 8000)

    def _on_accounts_account_activated(self, account_id: str) -> None:
        self.map.zoom_to_account(account_id)
        self._on_map_account_clicked(account_id)

    def _focus_search(self) -> None:
        self.accounts.search.setFocus()
        self.accounts.search.selectAll()

    def show_unassigned(self) -> None:
        """List and ring on the map the accounts in no territory."""
        self.accounts.show_unassigned()
        ids = self.document.assignment.unassigned()
        self.map.highlight_accounts(ids, dict.fromkeys(ids, "not in any territory"))

    # ----------------------------------------------------------------- map refresh
    def _on_map_page_ready(self) -> None:
        self._map_ready = True
        self._refresh_map()
        self.map.zoom_to_all()
        self.load_basemap()

    def _on_document_replaced(self) -> None:
        """Another plan is opening: stop work computed for the old one."""
        self.cancel_work()
        self._basemap_for = None
        self._selected = []
        self._fit_next = True

    def _on_document_plan_changed(self) -> None:
        self._selected = [i for i in self._selected if i in self.document.plan.territories]
        self._refresh_map()
        self._update_counts()
        self.actions.update_enabled()
        if self._map_ready and self._basemap_for != self.files.extract_path():
            self.load_basemap()

    def _refresh_map(self) -> None:
        if not self._map_ready:
            return
        from territory_desktop.mapping import layers

        plan, assignment = self.document.plan, self.document.assignment
        self.map.show_layers(layers.territories_collection(plan, assignment),
                             layers.account_points(plan, assignment),
                             layers.reps_collection(plan), fit=self._fit_next)
        self._fit_next = False
        # Always: a territory selected in another plan, or undone away, must not stay the
        # page's target (a unit click would add to it).
        self.map.select_territory(self._selected[0] if len(self._selected) == 1 else None)
        hint = self.next_step()
        self.map.show_hint(hint)
        if hint and hint != self._last_hint:
            self.statusBar().showMessage(hint, 15000)
        self._last_hint = hint

    def next_step(self) -> str:
        """Return what a user should do next with this plan ("" once it has everything to work)."""
        plan = self.document.plan
        if not plan.accounts:
            return "Start by importing your accounts: File → Import accounts… (Ctrl+I)."
        if not plan.reps:
            return "Next, import your reps with their home addresses: File → Import reps… " \
                   "(Ctrl+Shift+I)."
        if not any(t.geometry is not None for t in plan.territories.values()):
            return "Next, draw territories on the map: Territory → Draw territory (Ctrl+D)."
        if not self.files.extract_path():
            return "For road drive times, routes and the street map, choose the area's " \
                   "OpenStreetMap extract: Routing → Choose OSM extract…"
        return ""

    def load_basemap(self) -> None:
        """Draw roads and place names from the plan's OSM extract, built off the GUI thread."""
        extract = self.files.extract_path()
        self._basemap_for = extract
        if not extract or not self.prefs.show_basemap:
            self.map.show_basemap(None)
            return
        self.run_work("Drawing the road basemap", _build_basemap, Path(extract),
                      self.files.data_dir / "basemaps", on_done=self.map.show_basemap)
        if self.document.plan.schedules:
            self.routing.ensure_network()  # scheduled drive times need it; cached after once

    def _on_map_error(self, message: str) -> None:
        log.warning("map: %s", message)
        self.statusBar().showMessage(f"Map: {message}", 8000)

    # ----------------------------------------------------------------- background work
    def run_work(self, title: str, fn: Callable[..., Any], *args: Any,
                 on_done: Callable[[Any], object] | None = None, kind: str | None = None,
                 quiet: bool = False, on_error: Callable[[Exception], object] | None = None,
                 **kwargs: Any) -> Worker:
        """Run ``fn`` off the GUI thread: :meth:`JobRunner.run`."""
        return self.jobs.run(title, fn, *args, on_done=on_done, kind=kind, quiet=quiet,
                             on_error=on_error, **kwargs)

    def cancel_work(self) -> None:
        """Cancel every running job."""
        self.jobs.cancel_all()

    # ----------------------------------------------------------------- chrome
    def _update_counts(self) -> None:
        plan = self.document.plan
        unassigned = len(self.document.assignment.unassigned())
        self.counts_label.setText(
            f"{len(plan.accounts)} accounts · {len(plan.territories)} territories · "
            f"{len(plan.reps)} reps · {unassigned} unassigned")

    def _update_title(self, *_: object) -> None:
        path = self.document.path
        name = path.name if path else f"{self.document.plan.name} (unsaved)"
        if self.files.read_only:  # saved elsewhere, or not at all (another window holds it)
            name += " (read-only)"
        self.setWindowTitle(f"{name}{' *' if self.document.is_modified else ''} — "
                            "Territory Desktop")
        self._update_counts()

    def _on_document_edit_noted(self, note: str) -> None:
        if not self._edit_notes:
            QTimer.singleShot(0, self, self._edit_notes.clear)
        self._edit_notes.append(note)
        self.statusBar().showMessage(" · ".join(self._edit_notes), 15000)

    def _about(self) -> None:
        from territory_desktop.qt.about import show_about

        show_about(self)

    def close_keeping_work(self) -> None:
        """Close without asking (Ctrl+C in the terminal, a logout).

        Unsaved work goes to this window's autosave, which is offered back at the next start.
        """
        self.files.autosave()
        self._closing_unasked = True
        self.close()

    @override
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing_unasked and not self.files.confirm_discard("closing"):
            event.ignore()
            return
        self.cancel_work()
        self.jobs.wait_all(5)
        self.files.store.save_window_layout(*self.panels.saved())
        self.files.shutdown()
        event.accept()
