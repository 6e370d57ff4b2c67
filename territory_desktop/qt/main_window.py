"""The main window: map in the middle, territory and account panels, menus and the status bar."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QToolBar,
    QWidget,
)

from territory_desktop.edits import Edit
from territory_desktop.geo.polygons import (
    GeometryError,
    KeepSide,
    area_m2,
    from_geojson,
    repair,
)
from territory_desktop.model import PlanError
from territory_desktop.qt import dialogs
from territory_desktop.qt.accounts_panel import AccountsPanel
from territory_desktop.qt.actions import ActionRegistry, ActionSpec
from territory_desktop.qt.document import PlanDocument
from territory_desktop.qt.files import PlanFiles
from territory_desktop.qt.panel_layout import PanelLayout
from territory_desktop.qt.rotation_controller import RotationController
from territory_desktop.qt.rotation_panel import RotationPanel
from territory_desktop.qt.route_panel import RoutePanel
from territory_desktop.qt.routing_controller import RoutingController
from territory_desktop.qt.territory_panel import TerritoryPanel
from territory_desktop.qt.worker import Cancelled, Worker, start
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


class MainWindow(QMainWindow):
    """Composes the document, map, panels and actions; every plan change is an undoable edit."""

    work_finished = Signal()
    """Background work (basemap, import) finished, successfully or not."""

    # The registry deliberately replaces QWidget.actions() on the window (menus and tests look
    # actions up by id: ``window.actions["edit.undo"]``); nothing calls the Qt method here.
    actions: ActionRegistry  # type: ignore[assignment]

    def __init__(self, document: PlanDocument, map_view: Any, prefs: Preferences,
                 files: PlanFiles, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        document.setParent(self)  # the window owns the document's lifetime
        files.setParent(self)
        self.document = document
        self.map = map_view
        self.prefs = prefs
        self.files = files
        files.attach(self)
        self.setObjectName("mainWindow")
        self.resize(1400, 880)
        self.setCentralWidget(map_view)

        self._selected: list[str] = []
        self._workers: list[Worker] = []
        self._closing_unasked = False  # closed by a stop signal: nobody is there to answer
        self.routing = RoutingController(self)
        self.rotation = RotationController(self)

        self.territories = TerritoryPanel(document, self, self.rotation.drive_hours_per_week)
        self.accounts = AccountsPanel(document, self)
        self.rotation_panel = RotationPanel(self, self.rotation)
        from territory_desktop.qt.rep_week import RepWeekView

        self.rep_week = RepWeekView(self)
        self.route_panel = RoutePanel(self)
        self.panels = PanelLayout(self)
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.panels.add("Territories", self.territories, bottom)
        self.panels.add("Accounts", self.accounts, Qt.DockWidgetArea.RightDockWidgetArea)
        self.panels.add("Rotation", self.rotation_panel, bottom)
        self.panels.add("Rep's week", self.rep_week, bottom)
        self.panels.add("Route", self.route_panel, bottom)
        self.routing.network_ready.connect(self.territories.model.refresh)
        self._build_status_bar()
        self.actions = ActionRegistry(self)
        self._declare_actions()
        self._build_menus_and_toolbar()
        self.route_panel.zoom_requested.connect(self.map.zoom_to_route)
        self.route_panel.clear_requested.connect(self.routing.clear_overlays)
        self.panels.reset()
        self.panels.restore(self.files.store.load_window_layout())

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

        self._map_ready = False
        self._fit_next = True  # the next drawing of the plan fits the map to it
        self._last_hint = ""
        self._gesture = ""  # "edit", "draw", "split" while the map has a gesture open
        self._basemap_for: str | None = None
        self._update_title()
        self.actions.update_enabled()

    # ----------------------------------------------------------------- construction
    def dock(self, name: str) -> QDockWidget:
        """The dock widget with object name ``name`` (e.g. ``"dockRotation"``)."""
        return self.panels.dock(name)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.counts_label = QLabel(self)
        # The job's title sits beside the bar, elided to a fixed width (full text in its
        # tooltip): inside the bar it was clipped, and its length moved the other widgets.
        self.progress_label = QLabel(self)
        self.progress_label.setFixedWidth(260)
        self.progress_label.setWordWrap(False)
        self.progress_label.hide()
        self.progress = QProgressBar(self)
        self.progress.setFixedWidth(120)
        self.progress.setRange(0, 1000)
        self.progress.setFormat("%p%")
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel_work)
        bar.addPermanentWidget(self.progress_label)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)
        bar.addPermanentWidget(self.counts_label)
        bar.addPermanentWidget(QLabel(ATTRIBUTION, self))

    def _declare_actions(self) -> None:
        has_selection = lambda: bool(self._selected)  # noqa: E731
        one_shaped = lambda: (len(self._selected) == 1  # noqa: E731
                              and self.document.plan.territories[self._selected[0]].geometry
                              is not None)
        k = QKeySequence.StandardKey
        add = self.actions.add
        stack = self.document.undo_stack
        add(ActionSpec("file.new", "&New plan", k.New), self.files.new)
        add(ActionSpec("file.open", "&Open…", k.Open), self.files.open_dialog)
        add(ActionSpec("file.sample", "Open &sample plan"), self.files.open_sample)
        add(ActionSpec("file.save", "&Save", k.Save), self.files.save)
        add(ActionSpec("file.save_as", "Save &as…", k.SaveAs), self.files.save_as)
        add(ActionSpec("file.import_accounts", "Import &accounts…", "Ctrl+I"),
            self.files.import_accounts_dialog)
        add(ActionSpec("file.import_accounts_columns", "Import accounts, &choosing columns…",
                       "Ctrl+Alt+I"), self.files.import_accounts_choosing_columns)
        add(ActionSpec("file.import_reps", "Import &reps…", "Ctrl+Shift+I"),
            self.files.import_reps_dialog)
        add(ActionSpec("file.quit", "&Quit", k.Quit), self.close)
        undo = add(ActionSpec("edit.undo", "&Undo", k.Undo), stack.undo)
        redo = add(ActionSpec("edit.redo", "&Redo", "Ctrl+Shift+Z"), stack.redo)
        # Toolbar buttons show the icon text: fixed, so the toolbar never shifts; the menu
        # and the tooltip name the command (see _on_stack_undo_text_changed).
        undo.setIconText("Undo")
        redo.setIconText("Redo")
        stack.canUndoChanged.connect(undo.setEnabled)
        stack.canRedoChanged.connect(redo.setEnabled)
        stack.undoTextChanged.connect(self._on_stack_undo_text_changed)
        stack.redoTextChanged.connect(self._on_stack_redo_text_changed)
        undo.setEnabled(False)
        redo.setEnabled(False)
        add(ActionSpec("edit.settings", "&Settings…", k.Preferences), self.edit_settings)
        add(ActionSpec("territory.draw", "&Draw territory", "Ctrl+D",
                       "Draw a new territory polygon on the map"), self.map.start_draw_polygon)
        add(ActionSpec("territory.reshape", "&Reshape", "Ctrl+E",
                       "Move the selected territory's vertices (snaps to neighbours)",
                       one_shaped), self._reshape_selected)
        add(ActionSpec("territory.finish", "&Finish reshaping", ("Return", "Enter"),
                       "Keep the reshaped outline as one undoable edit",
                       lambda: self._gesture == "edit"),
            self.map.finish_edit).setIconText("Finish")
        add(ActionSpec("territory.split", "S&plit", "Ctrl+K",
                       "Draw a line across the selected territory to split it", one_shaped),
            self._split_selected)
        add(ActionSpec("territory.merge", "&Merge", "Ctrl+M", "Merge the selected territories",
                       lambda: len(self._selected) >= 2), self.merge_selected)
        add(ActionSpec("territory.properties", "&Properties…", "F2",
                       "Rename, recolour or assign a rep", lambda: len(self._selected) == 1),
            self.edit_selected_properties)
        add(ActionSpec("territory.delete", "De&lete", k.Delete, "Delete the selected territories",
                       has_selection), self.delete_selected)
        add(ActionSpec("territory.overlay", "Add &overlay territory…", None,
                       "A territory filled only by rules, e.g. enterprise accounts"),
            self.add_overlay_territory)
        add(ActionSpec("territory.rule", "Add &rule…", None,
                       "Send accounts with a field value to the selected territory",
                       lambda: len(self._selected) == 1), self.add_field_rule)
        add(ActionSpec("territory.rules", "Overlay r&ules…", None,
                       "See and remove the rules that win over the map"), self.edit_rules)
        one_account = lambda: len(self.accounts.selected_ids()) == 1  # noqa: E731
        add(ActionSpec("account.properties", "Account &properties…", "Ctrl+Shift+E",
                       "Tier, cadence, time window, closed days and notes", one_account),
            self.edit_account)
        add(ActionSpec("account.pin", "&Pin to territory…", None,
                       "Keep the selected accounts in a territory whatever the map says",
                       lambda: bool(self.accounts.selected_ids())), self.pin_selected_accounts)
        add(ActionSpec("account.unpin", "&Unpin", None, "Let the map decide again",
                       lambda: bool(self.accounts.selected_ids())),
            lambda: self.pin_selected_accounts(unpin=True))
        add(ActionSpec("rep.properties", "Rep &settings…", None,
                       "Working hours, longest day and weekly hours of the rotation's rep"),
            self.edit_rep)
        add(ActionSpec("map.cancel", "&Cancel drawing", "Esc",
                       "Abandon drawing or reshaping; close the map's pop-up"),
            self.map.cancel_gesture)
        add(ActionSpec("view.zoom_all", "Zoom to &all", "Ctrl+0"), self.map.zoom_to_all)
        add(ActionSpec("view.zoom_territory", "Zoom to &territory", "Ctrl+T", "",
                       lambda: len(self._selected) == 1),
            lambda: self.map.zoom_to_territory(self._selected[0]))
        add(ActionSpec("view.find", "&Find account", k.Find), self._focus_search)
        add(ActionSpec("view.unassigned", "Show &unassigned accounts", "Ctrl+U"),
            self.show_unassigned)
        add(ActionSpec("view.zoom_route", "Zoom to r&oute", None,
                       "Fit the map to the route on it", lambda: self.route_panel.has_route),
            self.map.zoom_to_route)
        add(ActionSpec("view.reset_layout", "&Reset layout", None,
                       "Put every panel back where it started, under a large map"),
            self.panels.reset)
        routing = self.routing
        add(ActionSpec("routing.extract", "Choose OSM &extract…", None,
                       "Choose or replace the OpenStreetMap extract this plan routes on"),
            routing.choose_extract)
        add(ActionSpec("routing.build", "&Build road network", "Ctrl+B",
                       "Compile the plan's extract (cached; reopening does not re-parse it)"),
            routing.ensure_network)
        add(ActionSpec("routing.reachability", "Check &reachability", "Ctrl+Shift+R",
                       "Highlight accounts that cannot be reached by road, with the reason"),
            routing.show_reachability)
        add(ActionSpec("routing.route", "&Route through selected accounts", "Ctrl+R",
                       "Drive through the accounts selected in the list, in selection order"),
            routing.route_selected)
        add(ActionSpec("routing.route_best", "Route through selected, &best order",
                       "Ctrl+Shift+O",
                       "Start at the first selected account and visit the others in the order "
                       "with the least driving"), lambda: routing.route_selected(best_order=True))
        add(ActionSpec("routing.isochrone", "Drive-time &area around a rep…", "Ctrl+Shift+A"),
            routing.isochrone_dialog)
        add(ActionSpec("routing.clear", "&Clear route and areas", "Ctrl+Shift+C"),
            routing.clear_overlays)
        add(ActionSpec("rotation.schedule", "&Schedule rotation", "Ctrl+Shift+P",
                       "Plan the selected rep's multi-week call rotation on road drive times"),
            self._schedule_rotation)
        add(ActionSpec("rotation.week", "Rep's &week", "Ctrl+Shift+W",
                       "One rep's week: routes, addresses, notes and the visit log"),
            lambda: self._raise_dock("dockRepsweek"))
        add(ActionSpec("help.about", "&About Territory Desktop"), self._about)

    def _on_stack_undo_text_changed(self, text: str) -> None:
        self._name_stack_action(self.actions["edit.undo"], "Undo", text)

    def _on_stack_redo_text_changed(self, text: str) -> None:
        self._name_stack_action(self.actions["edit.redo"], "Redo", text)

    @staticmethod
    def _name_stack_action(action: Any, verb: str, command: str) -> None:
        """The menu and tooltip name the command; the toolbar keeps the fixed icon text."""
        full = f"{verb} {command}".strip()
        action.setText(f"&{full}")
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{full} ({shortcut})" if shortcut else full)
        action.setStatusTip(full)

    def _build_menus_and_toolbar(self) -> None:
        a = self.actions
        menus: dict[str, list[str | None]] = {
            "&File": ["file.new", "file.open", "file.sample", None, "file.save", "file.save_as",
                      None, "file.import_accounts",
                      "file.import_accounts_columns", "file.import_reps", None, "file.quit"],
            "&Edit": ["edit.undo", "edit.redo", None, "edit.settings"],
            "&Territory": ["territory.draw", "territory.reshape", "territory.finish",
                           "territory.split",
                           "territory.merge", None, "territory.properties", "territory.delete",
                           None, "territory.overlay", "territory.rule", "territory.rules", None,
                           "account.properties", "account.pin", "account.unpin", None,
                           "map.cancel"],
            "&Routing": ["routing.extract", "routing.build", None, "routing.reachability",
                         "routing.route", "routing.route_best", "routing.isochrone",
                         "routing.clear"],
            "R&otation": ["rotation.schedule", "rotation.week", None, "rep.properties"],
            "&View": ["view.zoom_all", "view.zoom_territory", "view.zoom_route", None,
                      "view.find", "view.unassigned", None, "view.reset_layout"],
            "&Help": ["help.about"],
        }
        for title, ids in menus.items():
            menu = self.menuBar().addMenu(title)
            if title == "&File":
                self.recent_menu = menu.addMenu("Open &recent")
                self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
            for action_id in ids:
                if action_id is None:
                    menu.addSeparator()
                else:
                    menu.addAction(a[action_id])
            if title == "&View":
                # Each panel's own show/hide toggle: a closed panel comes back from here.
                panels = menu.addMenu("&Panels")
                panels.setObjectName("panelsMenu")
                for dock in self.panels.docks:
                    panels.addAction(dock.toggleViewAction())
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("mainToolbar")
        for action_id in ("file.open", "file.save", None, "edit.undo", "edit.redo", None,
                          "territory.draw", "territory.reshape", "territory.finish",
                          "territory.split",
                          "territory.merge", "territory.properties", "territory.delete", None,
                          "view.zoom_all", "view.zoom_territory"):
            if action_id is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(a[action_id])
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
        self.statusBar().showMessage(edit.text, 5000)
        return True

    def notify_error(self, title: str, message: str) -> None:
        """Explain a problem without blocking (tests and long sessions never hang on it)."""
        log.warning("%s: %s", title, message)
        self.statusBar().showMessage(f"{title}: {message}", 10000)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok,
                          self)
        box.setObjectName("errorBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def ask_keep_side(self, overlapping: list[str]) -> str | None:
        return dialogs.ask_keep_side(self, overlapping)

    def _overlapping_names(self, geometry: Any, exclude: str | None = None) -> list[str]:
        names = []
        for t in self.document.plan.territories.values():
            if t.geometry is None or t.id == exclude or not t.geometry.intersects(geometry):
                continue
            if area_m2(t.geometry.intersection(geometry)) >= 100:
                names.append(t.name)
        return names

    def _on_map_polygon_drawn(self, geojson: dict) -> None:
        from territory_desktop import edits

        try:
            drawn = from_geojson(geojson)
            geom, _note = repair(drawn)  # the edit repairs again and reports the note
        except GeometryError as exc:
            self.notify_error("Drawing refused", str(exc))
            self._refresh_map()
            return
        keep: KeepSide = "existing"
        overlapping = self._overlapping_names(geom)
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

    def _on_map_territory_reshaped(self, territory_id: str, geojson: dict) -> None:
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

    def _on_map_split_line_drawn(self, territory_id: str, geojson: dict) -> None:
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

    def _schedule_rotation(self) -> None:
        self._raise_dock("dockRotation")
        self.rotation_panel._on_schedule_clicked()

    def _reshape_selected(self) -> None:
        self.map.start_edit_territory(self._selected[0])
        self.statusBar().showMessage(
            "Drag corners (they snap to neighbours); Enter or Finish keeps the outline, Esc "
            "cancels.", 15000)

    def _split_selected(self) -> None:
        self.map.start_split(self._selected[0])
        self.statusBar().showMessage("Draw a line across the territory; double-click to end.",
                                     10000)

    def merge_selected(self) -> None:
        from territory_desktop import edits

        ids = list(self._selected)
        self.apply_edit(lambda: edits.merge_territories(self.document.plan, ids))
        self.select_territories(ids[:1])

    def delete_selected(self) -> None:
        from territory_desktop import edits

        ids = list(self._selected)
        if self.apply_edit(lambda: edits.delete_territories(self.document.plan, ids)):
            self.select_territories([])

    def edit_selected_properties(self) -> None:
        from territory_desktop import edits

        tid = self._selected[0]
        territory = self.document.plan.territories[tid]
        dialog = dialogs.TerritoryDialog(self.document.plan, territory, self)
        if dialog.exec() and (changes := dialog.changes(territory)):
            self.apply_edit(lambda: edits.update_territory(self.document.plan, tid, **changes))

    def add_overlay_territory(self) -> None:
        from territory_desktop import edits

        name, ok = QInputDialog.getText(self, "Overlay territory", "Name (e.g. Enterprise):")
        if ok and name.strip():
            self.apply_edit(lambda: edits.add_overlay_territory(self.document.plan, name.strip(),
                                                                None))

    def add_field_rule(self) -> None:
        from territory_desktop import edits
        from territory_desktop.model import ACCOUNT_RULE_FIELDS

        tid = self._selected[0]
        name = self.document.plan.territories[tid].name
        field, ok = QInputDialog.getItem(
            self, "Overlay rule", f"Accounts whose field… go to {name}",
            list(ACCOUNT_RULE_FIELDS), 0, False,
        )
        if not ok:
            return
        value, ok = QInputDialog.getText(self, "Overlay rule", f"…{field} equals:")
        if ok and value.strip():
            self.apply_edit(lambda: edits.add_rule(self.document.plan, field, value.strip(), tid))

    def edit_rules(self) -> None:
        from territory_desktop import edits

        dialog = dialogs.RulesDialog(self.document.plan, self)
        dialog.remove_requested.connect(lambda rid: self.apply_edit(
            lambda: edits.remove_rule(self.document.plan, rid)))
        dialog.exec()
        dialog.deleteLater()

    def edit_account(self) -> None:
        from territory_desktop import edits

        ids = self.accounts.selected_ids()
        if len(ids) != 1:
            return
        account = self.document.plan.accounts[ids[0]]
        dialog = dialogs.AccountDialog(self.document.plan, account, self)
        if dialog.exec() and (changes := dialog.changes()):
            self.apply_edit(lambda: edits.update_account(self.document.plan, account.id,
                                                         **changes))

    def pin_selected_accounts(self, unpin: bool = False) -> None:
        """Pin the selected accounts to a territory the user picks (or unpin them)."""
        from territory_desktop import edits

        ids = self.accounts.selected_ids()
        if not ids:
            return
        target = None
        if not unpin:
            territories = list(self.document.plan.territories.values())
            if not territories:
                self.notify_error("Pin accounts", "The plan has no territories yet.")
                return
            labels = [f"{t.name} ({t.id})" for t in territories]
            label, ok = QInputDialog.getItem(self, "Pin accounts",
                                             f"Pin {len(ids)} account(s) to", labels, 0, False)
            if not ok or label not in labels:
                return
            target = territories[labels.index(label)].id

        def pin_all() -> Edit:
            plan = self.document.plan
            for aid in ids:
                plan = edits.pin_account(plan, aid, target).plan
            verb = ("Unpin" if target is None
                    else f"Pin to {self.document.plan.territories[target].name}")
            return Edit(f"{verb}: {len(ids)} account(s)", plan)

        self.apply_edit(pin_all)

    def edit_rep(self) -> None:
        from territory_desktop import edits

        rep_id = self.rotation_panel.rep_id()
        if rep_id is None:
            return
        rep = self.document.plan.reps[rep_id]
        dialog = dialogs.RepDialog(rep, self)
        if dialog.exec() and (changes := dialog.changes()):
            self.apply_edit(lambda: edits.update_rep(self.document.plan, rep_id, **changes))

    def _on_accounts_context_menu_requested(self, global_pos: Any) -> None:
        self.actions.update_enabled()
        menu = QMenu(self)
        for action_id in ("account.properties", "account.pin", "account.unpin", None,
                          "routing.route"):
            if action_id is None:
                menu.addSeparator()
            else:
                menu.addAction(self.actions[action_id])
        menu.exec(global_pos)
        menu.deleteLater()

    def edit_settings(self) -> None:
        from territory_desktop import edits

        dialog = dialogs.SettingsDialog(self.prefs, self.document.plan.settings, self)
        if not dialog.exec():
            return
        dialog.apply_to(self.prefs)
        self.files.save_preferences()
        self.files.autosave_timer.start(max(10, self.prefs.autosave_seconds) * 1000)
        new_settings = dialog.plan_settings()
        if new_settings != self.document.plan.settings:
            self.apply_edit(lambda: edits.update_settings(self.document.plan, new_settings))

    # ----------------------------------------------------------------- selection
    def select_territories(self, ids: list[str]) -> None:
        self._selected = [i for i in ids if i in self.document.plan.territories]
        self.territories.select(self._selected)
        self.map.select_territory(self._selected[0] if len(self._selected) == 1 else None)
        self.actions.update_enabled()

    @property
    def selected_territories(self) -> list[str]:
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
        self.route_panel.clear()

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
        if len(self._selected) == 1:
            self.map.select_territory(self._selected[0])
        hint = self.next_step()
        self.map.show_hint(hint)
        if hint and hint != self._last_hint:
            self.statusBar().showMessage(hint, 15000)
        self._last_hint = hint

    def next_step(self) -> str:
        """What a user should do next with this plan ("" once it has everything to work)."""
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
                 on_done: Callable[[Any], None] | None = None, kind: str | None = None,
                 **kwargs: Any) -> Worker:
        """Run ``fn`` off the GUI thread with progress and Cancel in the status bar.

        A new job of the same ``kind`` (default: ``fn``'s name) cancels the older one; jobs of
        other kinds run alongside it.
        """
        job_kind = kind or str(getattr(fn, "__name__", title))
        for old in self._workers:
            if old.kind == job_kind:
                old.cancel()
        worker = Worker(fn, *args, **kwargs)
        worker.title = title
        worker.kind = job_kind
        self._workers.append(worker)
        self.progress.setValue(0)
        self._show_progress_title(title)
        self.progress.show()
        self.cancel_button.show()
        worker.signals.progressed.connect(self._on_worker_progressed)
        worker.on_done = on_done
        worker.generation = self.document.generation
        # Bound methods, not closures: Qt drops them with the window, so a result that arrives
        # after the window is gone is never delivered to deleted widgets.
        worker.signals.returned.connect(self._on_worker_returned)
        worker.signals.errored.connect(self._on_worker_errored)
        worker.signals.finished.connect(self._on_worker_finished)
        return start(worker)

    def cancel_work(self) -> None:
        """Cancel every running job (the status bar's Cancel button)."""
        for worker in self._workers:
            worker.cancel()

    def _on_worker_progressed(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        if message:
            self.statusBar().showMessage(message, 3000)

    def _on_worker_returned(self, result: object) -> None:
        worker = self._sender_worker()
        if worker is None or worker.on_done is None:
            return
        if worker.generation == self.document.generation:  # else: computed for another plan
            worker.on_done(result)

    def _on_worker_errored(self, exc: BaseException) -> None:
        title = getattr(self._sender_worker(), "title", "Background work")
        if isinstance(exc, Cancelled):
            self.statusBar().showMessage(f"{title}: cancelled", 5000)
        else:
            self.notify_error(title, str(exc) or type(exc).__name__)

    def _sender_worker(self) -> Worker | None:
        signals = self.sender()
        return getattr(signals, "worker", None)

    def _on_worker_finished(self) -> None:
        worker = self._sender_worker()
        if worker in self._workers:
            self._workers.remove(worker)
        if self._workers:
            self._show_progress_title(self._workers[-1].title)
        else:
            self.progress.hide()
            self.progress_label.hide()
            self.cancel_button.hide()
        self.work_finished.emit()

    def _show_progress_title(self, title: str) -> None:
        label = self.progress_label
        label.setText(label.fontMetrics().elidedText(title, Qt.TextElideMode.ElideRight,
                                                     label.width() - 4))
        label.setToolTip(title)
        label.show()

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
        self.setWindowTitle(f"{name}{' *' if self.document.is_modified else ''} — "
                            "Territory Desktop")
        self._update_counts()

    def _on_document_edit_noted(self, note: str) -> None:
        self.statusBar().showMessage(note, 8000)

    def _about(self) -> None:
        from territory_desktop.qt.about import show_about

        show_about(self)

    def close_keeping_work(self) -> None:
        """Close without asking (Ctrl+C in the terminal, a logout): unsaved work goes to
        this window's autosave, which is offered back at the next start."""
        self.files.autosave()
        self._closing_unasked = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing_unasked and not self.files.confirm_discard("closing"):
            event.ignore()
            return
        self.cancel_work()
        for worker in list(self._workers):
            worker.wait(5)
        self.files.store.save_window_layout(*self.panels.saved())
        self.files.shutdown()
        event.accept()
