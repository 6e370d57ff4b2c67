"""The composition root: builds the application, its collaborators and the main window."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Qt stays out of the import path until build() runs
    from territory_desktop.qt.document import PlanDocument
    from territory_desktop.qt.files import PlanFiles
    from territory_desktop.qt.health_map import HealthMap
    from territory_desktop.qt.main_window import MainWindow
    from territory_desktop.qt.map_view import MapView

log = logging.getLogger(__name__)


@dataclass
class App:
    """The wired-up application (tests build one with a temporary settings store)."""

    window: MainWindow
    document: PlanDocument
    files: PlanFiles
    map_view: MapView
    health_map: HealthMap


def build(settings_file: Path | None = None, data_dir: Path | None = None) -> App:
    """Create the document, map, file handling, controllers, panels and window; connect them.

    This is the one place where the parts meet: controllers and panels see the window only as
    their :class:`~territory_desktop.qt.workbench.Workbench`. A QApplication must exist.
    """
    from territory_desktop.qt.accounts_panel import AccountsPanel
    from territory_desktop.qt.design import Design
    from territory_desktop.qt.document import PlanDocument
    from territory_desktop.qt.editing import Editing
    from territory_desktop.qt.exports_menu import Exports
    from territory_desktop.qt.files import PlanFiles
    from territory_desktop.qt.gc_thread import collect_on_gui_thread
    from territory_desktop.qt.health_map import HealthMap
    from territory_desktop.qt.health_panel import HealthPanel
    from territory_desktop.qt.main_window import MainWindow, WindowParts
    from territory_desktop.qt.map_view import MapView
    from territory_desktop.qt.rep_packs import RepPacks
    from territory_desktop.qt.rep_week import RepWeekView
    from territory_desktop.qt.rotation_controller import RotationController
    from territory_desktop.qt.rotation_panel import RotationPanel
    from territory_desktop.qt.route_panel import RoutePanel
    from territory_desktop.qt.routing_controller import RoutingController
    from territory_desktop.qt.settings_store import SettingsStore
    from territory_desktop.qt.territory_panel import TerritoryPanel
    from territory_desktop.qt.units import Units

    store = SettingsStore(settings_file)
    prefs = store.load()
    document = PlanDocument()
    files = PlanFiles(document, prefs, store, data_dir)
    map_view = MapView()
    window = MainWindow(document, map_view, prefs, files)
    collect_on_gui_thread(window)  # a worker thread's collection could destroy Qt objects
    # Controllers and panels see the window only as their Workbench.
    accounts = AccountsPanel(document, window)
    routing = RoutingController(window, files, accounts.selected_ids)
    rotation = RotationController(window, routing)
    territories = TerritoryPanel(document, window, rotation.drive_hours_per_week)
    rotation_panel = RotationPanel(window, rotation, lambda: window.selected_territories)
    rep_week = RepWeekView(window, rotation)
    route_panel = RoutePanel(window)
    editing = Editing(window, files, lambda: window.selected_territories,
                      window.select_territories, accounts.selected_ids, rotation_panel.rep_id)
    health = HealthPanel(window, scheduled_drive=rotation.drive_hours_per_week)
    units = Units(window, routing, lambda: design.figures)
    exports = Exports(window, routing, files, rotation_panel.rep_id)
    packs = RepPacks(window, routing, files)
    design = Design(window, routing, accounts.selected_ids, lambda: window.selected_territories,
                    units)
    window.install(WindowParts(routing, rotation, territories, accounts, rotation_panel,
                               rep_week, route_panel, editing, exports, health, packs, design,
                               units))

    def raise_dock(name: str) -> None:
        window.dock(name).show()
        window.dock(name).raise_()

    # After install: a signal's answers look the window's actions up by id.
    health_map = HealthMap(health, window.select_territories, rotation_panel, raise_dock,
                           window.actions.get)

    design.scenarios.report_written.connect(files.remember_export_folder)
    routing.network_ready.connect(territories.model.refresh)
    routing.network_ready.connect(health.refresh)  # its utilisation counts road driving
    routing.route_presented.connect(route_panel.show_route)
    routing.route_redrawn.connect(route_panel.show_route)
    routing.route_presented.connect(lambda *_: window.dock("dockRoute").show())
    routing.overlays_cleared.connect(route_panel.clear)
    routing.route_cleared.connect(route_panel.clear)
    route_panel.zoom_requested.connect(map_view.zoom_to_route)
    route_panel.clear_requested.connect(routing.clear_overlays)
    document.replaced.connect(route_panel.clear)
    editing.preferences_changed.connect(rep_week.show_distance_unit)
    editing.preferences_changed.connect(routing.show_distance_unit)
    # The rotation's rep follows the territory selected on the map or in the table.
    territories.table.selectionModel().selectionChanged.connect(
        lambda *_: rotation_panel.follow_territory_selection())
    return App(window, document, files, map_view, health_map)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse the desktop app's command line (an optional plan file, ``--sample``)."""
    parser = argparse.ArgumentParser(prog="territory-desktop",
                                     description="Offline field sales territory planning.")
    parser.add_argument("plan", nargs="?", type=Path, help="a plan file (.gpkg) to open")
    parser.add_argument("--sample", action="store_true",
                        help="open the bundled sample plan (as an unsaved copy)")
    parser.add_argument("--smoke", action="store_true",
                        help="self-test headless: open the sample, route, schedule, save, reopen; "
                             "exit 0 or print why not (installers/smoke_test.sh)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Start the desktop application."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from territory_desktop.qt.application import StopSignals, create_application

    qapp = create_application(sys.argv[:1])
    if args.smoke:
        from territory_desktop.qt.smoke import run_smoke

        return run_smoke(qapp, build)
    app = build()
    window = app.window
    stop = StopSignals(qapp)

    def on_stop(signum: int) -> None:
        log.info("signal %d: closing, unsaved work kept in the autosave", signum)
        window.close_keeping_work()
        qapp.exit(128 + signum)  # the shell's convention: 130 after Ctrl+C

    stop.received.connect(on_stop)
    if args.plan is not None:
        app.files.open_path(args.plan.resolve(), confirmed=True)
    elif args.sample:
        app.files.open_sample(confirmed=True)
    else:
        app.files.recover_untitled()
    window.show()
    return qapp.exec()
