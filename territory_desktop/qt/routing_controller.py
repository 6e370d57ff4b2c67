"""Road network for the open plan: compile the chosen extract, reachability, routes, isochrones."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog

from territory_desktop.model import Plan

if TYPE_CHECKING:
    from territory_desktop.qt.main_window import MainWindow
    from territory_desktop.routing import RoadNetwork, SnapResult

log = logging.getLogger(__name__)
EXTRACT_FILTER = "OpenStreetMap extracts (*.osm.pbf *.pbf *.osm *.osm.gz *.osm.bz2);;All files (*)"


@dataclass(frozen=True)
class Reachability:
    """Which accounts cannot be reached by road, with the reason for each."""

    unreachable: dict[str, str]
    checked: int


def compile_network(extract: Path, cache_dir: Path, *, progress: Callable[[float, str], None],
                    should_stop: Callable[[], bool]) -> RoadNetwork:
    """Load the compiled network for ``extract`` from the cache, or compile and cache it, then
    prepare it for matrices here (snap index, contraction hierarchy), so snapping and
    matrices on the GUI thread take milliseconds."""
    from territory_desktop.routing import load_or_build, prepare_matrices

    cache_dir.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha1(str(extract.resolve()).encode()).hexdigest()[:12]
    target = cache_dir / f"{extract.name.split('.')[0]}-{key}.npz"
    network = load_or_build(extract, target, progress=lambda f, m: progress(0.8 * f, m),
                            should_stop=should_stop)
    prepare_matrices(network, progress=lambda f, m: progress(0.8 + 0.2 * f, m),
                     should_stop=should_stop)
    return network


def check_reachability(network: RoadNetwork, plan: Plan,
                       max_access_m: float = 500.0) -> Reachability:
    """Snap every account to the road network; unreachable ones get the engine's reason."""
    ids = list(plan.accounts)
    if not ids:
        return Reachability({}, 0)
    lats = [plan.accounts[i].lat for i in ids]
    lons = [plan.accounts[i].lon for i in ids]
    snapped: SnapResult = network.snap(lats, lons, max_access_m=max_access_m)
    bad = {ids[k]: snapped.reason[k] or "unreachable" for k in range(len(ids))
           if not bool(snapped.reachable[k])}
    return Reachability(bad, len(ids))


class RoutingController(QObject):
    """Owns the compiled network of the open plan and the routing actions of the window."""

    network_ready = Signal()
    """The compiled network for the plan's extract is loaded (read ``network``)."""
    reachability_checked = Signal(object)
    """A :class:`Reachability` for the current plan."""
    route_shown = Signal(object)
    """The :class:`territory_desktop.routing.Route` drawn on the map."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.network: RoadNetwork | None = None
        self._network_for = ""
        self.reachability: Reachability | None = None
        self._pending: list[Callable[[], object]] = []
        self._building: str | None = None  # extract being compiled right now
        window.document.plan_changed.connect(self._on_document_plan_changed)
        window.document.replaced.connect(self._on_document_replaced)

    @property
    def cache_dir(self) -> Path:
        return self.window.files.data_dir / "networks"

    # ----------------------------------------------------------------- extract and network
    def choose_extract(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self.window, "Choose OpenStreetMap extract", "",
                                              EXTRACT_FILTER)
        if name:
            self.set_extract(Path(name))

    def set_extract(self, path: Path) -> None:
        """Make ``path`` the plan's extract (one undoable edit) and compile it."""
        from territory_desktop import edits

        plan = self.window.document.plan
        settings = replace(plan.settings, osm_extract=str(path.resolve()))
        self.window.apply_edit(lambda: edits.update_settings(plan, settings))
        self.ensure_network()

    def ensure_network(self, then: Callable[[], object] | None = None) -> None:
        """Load or compile the network off the GUI thread, then run ``then``."""
        extract = self.window.files.extract_path()
        if not extract:
            self.window.notify_error(
                "No road network", "This plan has no OpenStreetMap extract. Choose one with "
                "Routing → Choose OSM extract…")
            return
        if self.network is not None and self._network_for == extract:
            if then is not None:
                then()
            return
        if then is not None:
            self._pending.append(then)
        if self._building == extract:
            return  # already on its way; ``then`` runs when it lands

        def built(network: RoadNetwork) -> None:
            self._on_network_built(extract, network)

        self._building = extract
        worker = self.window.run_work(f"Compiling roads of {Path(extract).name}",
                                      compile_network, Path(extract), self.cache_dir,
                                      on_done=built)
        worker.signals.finished.connect(self._on_build_finished)

    def _on_build_finished(self) -> None:
        """A build ended; what waited for it ran in _on_network_built only if it succeeded."""
        self._building = None
        self._pending = []

    def _on_network_built(self, extract: str, network: RoadNetwork) -> None:
        self.network = network
        self._network_for = extract
        s = network.summary()
        self.window.statusBar().showMessage(
            f"Road network: {s.get('nodes') or network.n_nodes:,} nodes, "
            f"{s.get('edges') or network.n_edges:,} road segments", 8000)
        self.network_ready.emit()
        pending, self._pending = self._pending, []
        for step in pending:
            step()

    def _on_document_plan_changed(self) -> None:
        if self._network_for and self.window.files.extract_path() != self._network_for:
            self.network = None
            self._network_for = ""
        self.reachability = None

    def _on_document_replaced(self) -> None:
        self._pending = []

    # ----------------------------------------------------------------- queries
    def show_reachability(self) -> None:
        """Highlight accounts that cannot be reached by road, each with its reason."""
        self.ensure_network(self._show_reachability_now)

    def _show_reachability_now(self) -> None:
        assert self.network is not None
        result = check_reachability(self.network, self.window.document.plan)
        self.reachability = result
        self.window.map.highlight_accounts(list(result.unreachable), result.unreachable)
        self.window.statusBar().showMessage(
            f"{len(result.unreachable)} of {result.checked} accounts cannot be reached by road"
            + (" (highlighted in red; hover for the reason)" if result.unreachable else ""),
            10000)
        self.reachability_checked.emit(result)

    def route_selected(self) -> None:
        """Route through the accounts selected in the account list, in selection order."""
        ids = self.window.accounts.selected_ids()
        if len(ids) < 2:
            self.window.notify_error("Route", "Select at least two accounts in the account list "
                                     "(Ctrl+click), in the order to visit them.")
            return
        self.ensure_network(lambda: self.show_route(ids))

    def show_route(self, account_ids: list[str]) -> Any:
        """Draw the road route through ``account_ids`` and report legs and totals."""
        from territory_desktop.mapping.layers import route_collection
        from territory_desktop.routing import RoutingError, route

        assert self.network is not None
        plan = self.window.document.plan
        stops = [(plan.accounts[a].lat, plan.accounts[a].lon) for a in account_ids]
        names = [plan.accounts[a].name for a in account_ids]
        try:
            result = route(self.network, stops, names=names)
        except RoutingError as exc:
            self.window.notify_error("Route", str(exc))
            return None
        miles = self.window.prefs.units == "miles"
        props = []
        for i, leg in enumerate(result.legs):
            dist = f"{leg.miles:.1f} mi" if miles else f"{leg.meters / 1000:.1f} km"
            props.append({"from": names[i], "to": names[i + 1],
                          "minutes": round(leg.seconds / 60, 1), "distance": dist})
        fc = route_collection([[(lon, lat) for lat, lon in leg.coordinates]
                               for leg in result.legs], props,
                              [(plan.accounts[a].lon, plan.accounts[a].lat, f"{i + 1}. {n}")
                               for i, (a, n) in enumerate(zip(account_ids, names, strict=True))])
        self.window.map.show_route(fc)
        total = (f"{result.total_miles:.1f} mi" if miles
                 else f"{result.total_meters / 1000:.1f} km")
        self.window.statusBar().showMessage(
            f"Route: {len(result.legs)} legs, {total}, {result.total_seconds / 60:.0f} min "
            "driving", 15000)
        self.route_shown.emit(result)
        return result

    def isochrone_dialog(self) -> None:
        plan = self.window.document.plan
        if not plan.reps:
            self.window.notify_error("Isochrone", "The plan has no reps.")
            return
        labels = [f"{r.name} ({r.id})" for r in plan.reps.values()]
        label, ok = QInputDialog.getItem(self.window, "Drive-time area", "Around the home of",
                                         labels, 0, False)
        if not ok:
            return
        minutes, ok = QInputDialog.getInt(self.window, "Drive-time area", "Minutes of driving",
                                          20, 1, 600)
        if ok:
            rep_id = list(plan.reps)[labels.index(label)]
            self.ensure_network(lambda: self.show_isochrone(rep_id, minutes))

    def show_isochrone(self, rep_id: str, minutes: int) -> list[str]:
        """Shade the area within ``minutes`` of the rep's home; returns accounts inside it."""
        from territory_desktop.mapping.layers import isochrone_collection
        from territory_desktop.routing import RoutingError, isochrone, within_time

        assert self.network is not None
        plan = self.window.document.plan
        rep = plan.reps[rep_id]
        origin = (rep.home_lat, rep.home_lon)
        try:
            area = isochrone(self.network, origin, minutes * 60.0)
            ids = list(plan.accounts)
            points = [(plan.accounts[a].lat, plan.accounts[a].lon) for a in ids]
            inside_idx, _secs = within_time(self.network, origin, minutes * 60.0, points)
            inside = [ids[int(i)] for i in inside_idx]
        except RoutingError as exc:
            self.window.notify_error("Drive-time area", f"{rep.name}'s home: {exc}")
            return []
        self.window.map.show_isochrone(isochrone_collection(
            [(area, {"minutes": minutes, "rep": rep.name, "accounts": len(inside)})]))
        self.window.statusBar().showMessage(
            f"{len(inside)} accounts within {minutes} min of {rep.name}'s home", 15000)
        return inside

    def clear_overlays(self) -> None:
        self.window.map.show_route(None)
        self.window.map.show_isochrone(None)
        self.window.map.highlight_accounts([], {})
