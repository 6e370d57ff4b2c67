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


def build(settings_file: Path | None = None, data_dir: Path | None = None) -> App:
    """Create the document, map, file handling and window. A QApplication must exist."""
    from territory_desktop.qt.document import PlanDocument
    from territory_desktop.qt.files import PlanFiles
    from territory_desktop.qt.main_window import MainWindow
    from territory_desktop.qt.map_view import MapView
    from territory_desktop.qt.settings_store import SettingsStore

    store = SettingsStore(settings_file)
    prefs = store.load()
    document = PlanDocument()
    files = PlanFiles(document, prefs, store, data_dir)
    map_view = MapView()
    window = MainWindow(document, map_view, prefs, files)
    return App(window, document, files, map_view)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse the desktop app's command line (an optional plan file, ``--sample``)."""
    parser = argparse.ArgumentParser(prog="territory-desktop",
                                     description="Offline field sales territory planning.")
    parser.add_argument("plan", nargs="?", type=Path, help="a plan file (.gpkg) to open")
    parser.add_argument("--sample", action="store_true",
                        help="open the bundled sample plan (as an unsaved copy)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Start the desktop application."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from territory_desktop.qt.application import create_application

    qapp = create_application(sys.argv[:1])
    app = build()
    window = app.window
    if args.plan is not None:
        app.files.open_path(args.plan.resolve(), confirmed=True)
    elif args.sample:
        app.files.open_sample(confirmed=True)
    else:
        app.files.recover_untitled()
    window.show()
    return qapp.exec()
