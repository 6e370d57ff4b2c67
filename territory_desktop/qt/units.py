"""Territories from geographic units in the window: show a unit layer, edit by units, build.

A unit layer (built-in ZIP/ZCTA, county or state, or a polygon file the user opens) is
loaded off the GUI thread for the plan's area only (:func:`~territory_desktop.geo.
unit_owners.plan_extent`) and drawn as thin outlines coloured by the territory each unit
belongs to (:func:`~territory_desktop.geo.unit_owners.unit_owners`), repainted after every
edit. With a territory selected, a click, a box (Shift+drag) or a lasso (Alt+drag, or the
map's Lasso button) on the map gives units to it: one undoable edit each
(:func:`~territory_desktop.design_edits.assign_units`). "Build territories from units…"
runs :func:`~territory_desktop.optimize.unit_balance.design_from_units` as a background job
with progress and Cancel and applies it as one edit.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSpinBox,
    QWidget,
)
from shapely.geometry import shape

from territory_desktop.geo.unit_owners import (
    builtin_covering,
    plan_extent,
    unit_owners,
    units_picked,
)
from territory_desktop.geo.units import (
    BUILTIN_STATES,
    UnitFileError,
    UnitLayer,
    load_builtin,
    read_unit_file,
)
from territory_desktop.mapping.unit_layer import LAYER_NAMES, unit_colors, units_collection
from territory_desktop.model.plan import Plan
from territory_desktop.optimize._feedback import Feedback, Progress, Stop
from territory_desktop.optimize.unit_balance import BY, UnitDesign
from territory_desktop.qt.balance_dialog import band_field
from territory_desktop.qt.widgets import bullets, with_warnings
from territory_desktop.qt.workbench import Workbench, apply_computed, ask_file

if TYPE_CHECKING:
    from territory_desktop.optimize.alignment_figures import AlignmentFigures
    from territory_desktop.qt.routing_controller import RoutingController
    from territory_desktop.routing import RoadNetwork

__all__ = ["UNIT_FILE_FILTER", "BuildUnitsDialog", "Units", "load_units", "shown_units_job",
           "unit_design_job"]

UNIT_FILE_FILTER = ("Polygon files (*.geojson *.json *.gpkg *.shp *.kml *.fgb);;"
                    "All files (*)")
HINT = "{title} units: select a territory, then click, Shift+drag or lasso units to add them"


def load_units(kind: str, path: str | None, extent: tuple[float, float, float, float] | None,
               *, progress: Progress, should_stop: Stop) -> UnitLayer:
    """Load a built-in layer (``kind``) or a unit file (``path``), only around ``extent``.

    Raises
    ------
    UnitFileError
        When the file cannot be read, holds no usable polygon, or none near the plan.
    """
    fb = Feedback(progress, should_stop)
    fb.step(0.0, f"Reading {Path(path).name if path else LAYER_NAMES[kind]} units")
    if path is None:
        layer = load_builtin(kind, extent)
        if not len(layer):
            raise UnitFileError(f"no {LAYER_NAMES[kind]} unit lies in the plan's area (the "
                                f"built-in {LAYER_NAMES[kind]} layer covers {_covers(kind)})")
        return layer
    layer = read_unit_file(path)
    fb.step(0.8, "Keeping the units in the plan's area")
    if not len(layer):
        first = f": {layer.problems[0]}" if layer.problems else ""
        raise UnitFileError(f"{path}: no usable polygon{first}")
    if extent is not None:
        import shapely

        tree = shapely.STRtree(list(layer.geometries))
        near = sorted(tree.query(shapely.box(*extent), predicate="intersects").tolist())
        if not near:
            raise UnitFileError(f"{path}: none of its {len(layer)} units lies in the plan's "
                                "area")
        layer = layer.subset(near)
    return layer


def shown_units_job(kind: str, path: str | None,
                    extent: tuple[float, float, float, float] | None, title: str, *,
                    progress: Progress, should_stop: Stop) -> tuple[UnitLayer, dict[str, Any]]:
    """Load the units (:func:`load_units`) and build their outlines for the map."""
    layer = load_units(kind, path, extent, progress=progress, should_stop=should_stop)
    return layer, units_collection(layer, title)


def unit_design_job(plan: Plan, layer: UnitLayer | None, kind: str, title: str, by: str,
                    tolerance: float, seed: int, network: RoadNetwork | None = None,
                    reuse: AlignmentFigures | None = None, *, progress: Progress,
                    should_stop: Stop) -> tuple[UnitLayer, dict[str, Any], UnitDesign]:
    """Load the layer (unless given) and assign its units to the reps, like ``tdesk plan units``.

    The territories built are then judged on the figures the Design panel shows
    (:func:`~territory_desktop.optimize.unit_balance.judged_on_plan`, on ``network``, drive
    times reused from ``reuse`` while they fit). Returns the layer, its outlines for the map
    and the design.
    """
    from territory_desktop.design_edits import apply_unit_design
    from territory_desktop.optimize.unit_balance import design_from_units, judged_on_plan

    fb = Feedback(progress, should_stop)
    if layer is None:
        layer = load_units(kind, None, plan_extent(plan), progress=fb.sub(0.0, 0.3).step,
                           should_stop=should_stop)
    design = design_from_units(plan, layer, by=by, tolerance=tolerance, seed=seed,
                               progress=fb.sub(0.3, 0.8).step, should_stop=should_stop)
    fb.step(0.8, "Measuring the territories built")
    design = judged_on_plan(design, apply_unit_design(plan, design).plan, network, reuse,
                            progress=fb.sub(0.8, 0.95).step, should_stop=should_stop)
    fb.step(0.95, "Drawing the units")
    return layer, units_collection(layer, title), design


def _covers(kind: str) -> str:
    """Return where the built-in layer ``kind`` has units: "CA, CT, DC..." or "the US"."""
    return ", ".join(BUILTIN_STATES[kind]) if kind in BUILTIN_STATES else "the US"


_BY_LABELS = {"workload": "Workload (visit and drive hours)", "population": "Population",
              "potential": "Potential"}


class BuildUnitsDialog(QDialog):
    """Ask which units, what to balance, how tightly and the seed.

    The units offered first are those on the map, else the finest built-in layer of
    ``covering`` (with units where the plan's accounts are).
    """

    def __init__(self, shown: str | None, file_title: str | None,
                 parent: QWidget | None = None, covering: Collection[str] = ()) -> None:
        super().__init__(parent)
        self.setObjectName("buildUnitsDialog")
        self.setWindowTitle("Build territories from units")
        self.layer = QComboBox(self)
        for kind, name in LAYER_NAMES.items():
            text = f"{name} (built-in: {_covers(kind)}" if kind in BUILTIN_STATES \
                else f"{name} (built-in"
            if kind == shown:
                text += "; shown" if kind in BUILTIN_STATES else ", shown"
            self.layer.addItem(f"{text})", kind)
        if file_title:
            self.layer.insertItem(0, f"{file_title} (shown)", "file")
        first = shown or next((k for k in LAYER_NAMES if k in covering), None)
        self.layer.setCurrentIndex(max(0, self.layer.findData(first)))
        self.by = QComboBox(self)
        for name in BY:
            self.by.addItem(_BY_LABELS[name], name)
        self.tolerance = band_field(self, "unitsTolerance", 5.0, least=0.5, most=50.0)
        self.tolerance.setToolTip("How far each territory may be from its share of the "
                                  "balanced figure")
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 1_000_000)
        self.seed.setToolTip("Another seed starts the territories from other units: the same "
                             "seed always gives the same territories")
        form = QFormLayout(self)
        form.addRow("Units", self.layer)
        form.addRow("Balance", self.by)
        form.addRow("Band ±", self.tolerance)
        form.addRow("Seed", self.seed)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)


class Units(QObject):
    """The unit layer on the map, the unit gestures and "Build territories from units…".

    Parameters
    ----------
    bench
        The window: document, map, edits, messages and background work.
    routing
        The plan's road network: a build is judged on it, as the Design panel measures.
    figures
        The Design panel's latest figures (their drive times are reused while they fit).
    """

    layer_shown = Signal(int)
    """A unit layer was drawn (payload: its number of units; 0 when hidden)."""
    built = Signal(object)
    """Territories were built from units as one edit (payload: the :class:`UnitDesign`)."""

    def __init__(self, bench: Workbench, routing: RoutingController,
                 figures: Callable[[], AlignmentFigures | None]) -> None:
        super().__init__(bench.dialog_parent())
        self.bench = bench
        self.routing = routing
        self.figures = figures
        self.layer: UnitLayer | None = None
        self.title = ""
        self.dialog: BuildUnitsDialog | None = None
        self._owners: tuple[Plan, list[str | None]] | None = None
        bench.document.plan_changed.connect(self._on_document_plan_changed)
        bench.document.replaced.connect(self.hide)
        bench.map.units_picked.connect(self._on_map_units_picked)

    # ----------------------------------------------------------------- showing
    def shown(self) -> bool:
        """Return whether a unit layer is on the map."""
        return self.layer is not None

    def show_zcta(self) -> None:
        """Show the built-in ZIP/ZCTA units around the plan."""
        self._load("zcta", None)

    def show_county(self) -> None:
        """Show the built-in county units around the plan."""
        self._load("county", None)

    def show_state(self) -> None:
        """Show the built-in state units around the plan."""
        self._load("state", None)

    def open_file_dialog(self) -> None:
        """Ask for a polygon file (GeoJSON, GeoPackage, Shapefile, KML) and show its units."""
        path = ask_file(self.bench.dialog_parent(), "Open geographic units", UNIT_FILE_FILTER,
                        self.bench.document, self.bench.prefs)
        if path:
            self._load("file", str(path))

    def hide(self) -> None:
        """Take the unit layer off the map."""
        if self.layer is None:
            return
        self.layer = None
        self._owners = None
        self.bench.map.show_units(None)
        self.bench.update_actions()
        self.layer_shown.emit(0)

    def _load(self, kind: str, path: str | None) -> None:
        plan = self.bench.document.plan
        extent = plan_extent(plan)
        if extent is None:
            self.bench.notify_error("No units shown", "the plan is empty: import accounts "
                                    "first, so the units of their area can be shown")
            return
        title = Path(path).stem if path else LAYER_NAMES[kind]
        what = f"Opening units {Path(path).name}" if path else f"Loading {title} units"
        self.bench.run_work(what, shown_units_job, kind, path, extent, title,
                            kind="units-load", on_done=lambda done: self.present(title, *done))

    def present(self, title: str, layer: UnitLayer, outlines: dict[str, Any]) -> None:
        """Draw ``layer`` (called ``title``, its ``outlines`` built) coloured by territory."""
        self.layer, self.title = layer, title
        self._owners = None
        self.bench.map.show_units(outlines)
        self._paint()
        self.bench.update_actions()
        rejected = [p for p in layer.problems if p.rejected]
        # The shipped layers' few oddities (a county without area) are ours, not news.
        if layer.problems and layer.kind == "file":
            changed = len(layer.problems) - len(rejected)
            self.bench.notify_error(
                f"Units of {title}: {len(rejected)} rejected, {changed} repaired",
                str(layer.problems[0]))
        else:
            self.bench.show_status(HINT.format(title=title), 15000)
        self.layer_shown.emit(len(layer))

    def owners(self) -> list[str | None]:
        """Return the territory of each shown unit, for the plan as it is now."""
        plan = self.bench.document.plan
        if self.layer is None:
            return []
        if self._owners is None or self._owners[0] is not plan:
            self._owners = (plan, unit_owners(plan, self.layer,
                                              self.bench.document.assignment.territory_of))
        return self._owners[1]

    def _paint(self) -> None:
        self.bench.map.paint_units(unit_colors(self.bench.document.plan, self.owners()))

    def _on_document_plan_changed(self) -> None:
        if self.layer is not None:
            self._paint()

    # ----------------------------------------------------------------- gestures
    def _on_map_units_picked(self, territory_id: str, how: str,
                             geometry: dict[str, Any]) -> None:
        from territory_desktop.design_edits import assign_units

        plan, layer = self.bench.document.plan, self.layer
        if layer is None or territory_id not in plan.territories:
            return
        picked = units_picked(layer, shape(geometry))
        if not picked:
            self.bench.show_status("No unit there: the units shown cover the plan's area only",
                                   8000)
            return
        owners, assignment = self.owners(), self.bench.document.assignment
        self.bench.apply_edit(lambda: assign_units(plan, layer, picked, territory_id, owners,
                                                   how, assignment))

    # ----------------------------------------------------------------- building
    def build_dialog(self) -> None:
        """Ask which units and what to balance, then build territories from them."""
        plan = self.bench.document.plan
        if not plan.reps or not plan.accounts:
            self.bench.notify_error("Build territories from units",
                                    "the plan needs accounts and reps first")
            return
        file_title = self.title if self.layer is not None \
            and self.layer.kind == "file" else None
        shown = None if self.layer is None else self.layer.kind
        covering = builtin_covering(plan) if shown is None else set()
        dialog = BuildUnitsDialog(shown, file_title, self.bench.dialog_parent(), covering)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._build(
            str(dialog.layer.currentData()), str(dialog.by.currentData()),
            dialog.tolerance.value() / 100.0, dialog.seed.value()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _build(self, kind: str, by: str, tolerance: float, seed: int) -> None:
        layer = self.layer if kind == "file" else None
        title = self.title if kind == "file" else LAYER_NAMES[kind]

        def run() -> None:
            plan = self.bench.document.plan
            self.bench.run_work(f"Building territories from {title} units", unit_design_job,
                                plan, layer, kind, title, by, tolerance, seed,
                                self.routing.network, self.figures(), kind="units-build",
                                on_done=lambda done: self._on_built(plan, title, *done))

        self.routing.with_network(run)

    def _on_built(self, plan: Plan, title: str, layer: UnitLayer, outlines: dict[str, Any],
                  design: UnitDesign) -> None:
        from territory_desktop.design_edits import apply_unit_design

        text = f"Build {len(design.outlines)} territories from {title} units"
        if not apply_computed(self.bench, plan, "Units", "build them again",
                              lambda: apply_unit_design(plan, design, text)):
            return
        self.present(title, layer, outlines)
        ours = {str(p) for p in layer.problems} if layer.kind != "file" else set()
        warnings = [w for w in design.warnings if w not in ours]
        if warnings:
            self.bench.notify_error(f"Built, {with_warnings(warnings)}", bullets(warnings))
        self.built.emit(design)
