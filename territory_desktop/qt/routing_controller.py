"""Road network for the open plan: compile the chosen extract, reachability, routes, isochrones."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QMessageBox

from territory_desktop.qt.workbench import ask_file
from territory_desktop.routing.coverage import Coverage, check_coverage, extract_coverage
from territory_desktop.routing.plan_network import (
    PlanNetwork,
    Reachability,
    check_reachability,
    plan_road_network,
)
from territory_desktop.units import distance_unit

if TYPE_CHECKING:
    from territory_desktop.qt.files import PlanFiles
    from territory_desktop.qt.workbench import Workbench
    from territory_desktop.routing import RoadNetwork, Route

log = logging.getLogger(__name__)
EXTRACT_FILTER = "OpenStreetMap extracts (*.osm.pbf *.pbf *.osm *.osm.gz *.osm.bz2);;All files (*)"


class RoutingController(QObject):
    """Owns the compiled network of the open plan and the routing actions of the window."""

    network_ready = Signal()
    """The compiled network for the plan's extract is loaded (read ``network``)."""
    reachability_checked = Signal(object)
    """A :class:`Reachability` for the current plan."""
    route_shown = Signal(object)
    """The :class:`territory_desktop.routing.Route` drawn on the map."""
    coverage_checked = Signal(object)
    """A chosen extract was checked against the plan's accounts: a
    :class:`territory_desktop.routing.coverage.Coverage`."""

    route_presented = Signal(object, list, str, str)
    """A route was drawn for the Route panel to list: (Route, stop labels in driving order,
    title, the user's distance unit)."""
    overlays_cleared = Signal()
    """Routes, drive-time areas and highlights were taken off the map."""
    route_cleared = Signal()
    """The route (only) was taken off the map."""
    route_redrawn = Signal(object, list, str, str)
    """The route in view was drawn again for an edit (as route_presented, not brought forward)."""

    def __init__(self, bench: Workbench, files: PlanFiles,
                 selected_accounts: Callable[[], list[str]]) -> None:
        super().__init__(bench.dialog_parent())
        self.bench = bench
        self.files = files
        self.selected_accounts = selected_accounts
        self.network: RoadNetwork | None = None
        self._network_for = ""
        self._network_name = ""
        self.reachability: Reachability | None = None
        self._pending: list[Callable[[], object]] = []
        self._building: str | None = None  # extract being compiled right now
        self._shown: tuple[Route, list[str], str, str] | None = None  # route, labels, title, unit
        bench.document.plan_changed.connect(self._on_document_plan_changed)
        bench.document.replaced.connect(self._on_document_replaced)

    @property
    def cache_dir(self) -> Path:
        """The folder of compiled road networks."""
        return self.files.data_dir / "networks"

    # ----------------------------------------------------------------- extract and network
    def choose_extract(self) -> None:
        """Ask for an OpenStreetMap extract and make it the plan's."""
        path = ask_file(self.bench.dialog_parent(), "Choose OpenStreetMap extract",
                        EXTRACT_FILTER, self.bench.document, self.bench.prefs)
        if path:
            self.set_extract(path)

    def set_extract(self, path: Path) -> None:
        """Make ``path`` the plan's extract (one undoable edit) and compile it.

        Only once it is known to cover the plan's accounts: refused when it covers none of them,
        and the user is asked when some lie outside it.
        """
        accounts = list(self.bench.document.plan.accounts.values())
        if not accounts:
            self._use_extract(path)
            return
        self.bench.run_work(f"Checking what {path.name} covers", extract_coverage, path,
                             [a.lat for a in accounts], [a.lon for a in accounts],
                             on_done=lambda coverage: self._on_extract_checked(path, coverage))

    def _on_extract_checked(self, path: Path, coverage: Coverage) -> None:
        self.coverage_checked.emit(coverage)
        if coverage.covers_none or coverage.bounds is None:
            self.bench.notify_error(
                "Extract refused",
                f"{coverage.describe()}, so none of them could get drive times or routes. "
                "Choose an extract of the area your accounts are in. The plan keeps its "
                "current extract.")
            return
        if not coverage.covers_all:
            answer = QMessageBox.question(
                self.bench.dialog_parent(), "Some accounts lie outside the extract",
                f"{coverage.describe()}. They will have "
                f"no drive times or routes. Use {path.name} anyway?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                self.bench.show_status(
                    f"{path.name} not used: {coverage.describe()}", 10000)
                return
        self._use_extract(path)

    def _use_extract(self, path: Path) -> None:
        from territory_desktop import edits

        plan = self.bench.document.plan
        settings = replace(plan.settings, osm_extract=str(path.resolve()))
        if self.bench.apply_edit(lambda: edits.update_settings(plan, settings)):
            self.ensure_network()

    def network_coverage(self) -> Coverage | None:
        """Which accounts lie outside the loaded network's roads (None before it is loaded)."""
        if self.network is None:
            return None
        accounts = list(self.bench.document.plan.accounts.values())
        min_lat, min_lon, max_lat, max_lon = self.network.bbox
        return check_coverage((min_lon, min_lat, max_lon, max_lat), [a.lat for a in accounts],
                              [a.lon for a in accounts],
                              extract=self._network_name or "the road network")

    def network_key(self) -> str:
        """Return what the plan routes on now: its extract's path, else its stored network."""
        extract = self.files.extract_path()
        if extract:
            return extract
        stored = self.bench.document.plan.network
        return f"stored:{stored.content_hash}" if stored is not None else ""

    def ensure_network(self, then: Callable[[], object] | None = None) -> None:
        """Load or compile the network off the GUI thread, then run ``then``.

        The plan's extract when it is there, else the road network stored in the plan.
        """
        key = self.network_key()
        if not key:
            self.bench.notify_error(
                "No road network", "This plan has no OpenStreetMap extract (or it is missing) "
                "and carries no road network of its own. Choose one with Routing → Choose OSM "
                "extract…")
            return
        if self.network is not None and self._network_for == key:
            if then is not None:
                then()
            return
        if then is not None:
            self._pending.append(then)
        if self._building == key:
            return  # already on its way; ``then`` runs when it lands

        def built(source: PlanNetwork) -> None:
            self._on_network_built(key, source)

        self._building = key
        what = (f"Compiling roads of {Path(key).name}" if not key.startswith("stored:")
                else "Loading the road network stored in the plan")
        worker = self.bench.run_work(what, plan_road_network, self.bench.document.plan,
                                      self.files.plan_folder(), self.cache_dir, prepare=True,
                                      on_done=built)
        worker.signals.finished.connect(self._on_build_finished)

    def with_network(self, then: Callable[[], object]) -> None:
        """Run ``then`` once the plan's extract is compiled; at once when it has none.

        What the Design panel measures on: road drive times whenever the plan has an extract.
        """
        if self.network is None and self.files.extract_path():
            self.ensure_network(then)
        else:
            then()

    def _on_build_finished(self) -> None:
        """Forget the finished build; what waited for it ran in _on_network_built on success."""
        self._building = None
        self._pending = []

    def _on_network_built(self, key: str, source: PlanNetwork) -> None:
        network = self.network = source.network
        self._network_for = key
        self._network_name = (source.network.meta.get("source_name", "") if source.embedded
                              else Path(key).name)
        s = network.summary()
        coverage = self.network_coverage()
        outside = f"; {coverage.describe()}" if coverage and not coverage.covers_all else ""
        stored = f" ({source.source})" if source.embedded else ""
        self.bench.show_status(
            f"Road network: {s.get('nodes') or network.n_nodes:,} nodes, "
            f"{s.get('edges') or network.n_edges:,} road segments{stored}{outside}", 15000)
        self.network_ready.emit()
        pending, self._pending = self._pending, []
        for step in pending:
            step()

    def _on_document_plan_changed(self) -> None:
        if self._network_for and self.network_key() != self._network_for:
            self.network = None
            self._network_for = ""
        self.reachability = None

    def _on_document_replaced(self) -> None:
        self._pending = []
        self._shown = None

    # ----------------------------------------------------------------- queries
    def show_reachability(self) -> None:
        """Highlight accounts that cannot be reached by road, each with its reason."""
        self.ensure_network(self._show_reachability_now)

    def _show_reachability_now(self) -> None:
        assert self.network is not None
        result = check_reachability(self.network, self.bench.document.plan)
        self.reachability = result
        self.bench.map.highlight_accounts(list(result.unreachable), result.unreachable)
        self.bench.show_status(self.reachability_message(result), 15000)
        coverage = self.network_coverage()
        if coverage is not None and coverage.covers_none:
            self.bench.notify_error("No account can be reached",
                                     f"{coverage.describe()}. Choose an extract of the area "
                                     "your accounts are in: Routing → Choose OSM extract…")
        self.reachability_checked.emit(result)

    def reachability_message(self, result: Reachability) -> str:
        """Return the status line for a reachability check, with the main reason up front."""
        if not result.unreachable:
            return f"All {result.checked} accounts can be reached by road"
        text = f"{len(result.unreachable)} of {result.checked} accounts cannot be reached by road"
        coverage = self.network_coverage()
        if coverage is not None and coverage.outside:
            text += (f": {len(coverage.outside)} lie outside the roads of {coverage.extract} "
                     "(Routing → Choose OSM extract…)")
        return text + " (highlighted in red; hover for each reason)"

    def route_selected(self, best_order: bool = False) -> None:
        """Route through the accounts selected in the account list.

        In selection order, or from the first selected one through the others in the order with
        the least driving.
        """
        ids = self.selected_accounts()
        if len(ids) < 2:
            order = ("the first one is the start" if best_order
                     else "in the order to visit them")
            self.bench.notify_error("Route", "Select at least two accounts in the account list "
                                     f"(Ctrl+click), {order}.")
            return
        self.ensure_network(lambda: self.show_route(ids, best_order=best_order))

    def route_selected_best_order(self) -> None:
        """Route from the first selected account through the others with the least driving."""
        self.route_selected(best_order=True)

    def show_route(self, account_ids: list[str], best_order: bool = False) -> Any:
        """Draw the road route through ``account_ids``, list its legs and report the totals.

        The stops are reordered for the least driving when ``best_order``.
        """
        from territory_desktop.mapping.route_map import route_summary
        from territory_desktop.routing import RoutingError, route

        assert self.network is not None
        plan = self.bench.document.plan
        note = ""
        if best_order:
            account_ids, note = self._best_order(account_ids)
        stops = [(plan.accounts[a].lat, plan.accounts[a].lon) for a in account_ids]
        names = [plan.accounts[a].name for a in account_ids]
        try:
            result = route(self.network, stops, names=names)
        except RoutingError as exc:
            self.bench.notify_error("Route", str(exc))
            return None
        labels = [f"{i + 1}. {n}" for i, n in enumerate(names)]
        title = "Best order" if best_order else "Selection order"
        self.present_route(result, labels, title)
        self.bench.show_status(
            f"{route_summary(result, self.bench.prefs.units)}{note}", 15000)
        self.route_shown.emit(result)
        return result

    def _best_order(self, account_ids: list[str]) -> tuple[list[str], str]:
        """Reorder the ids for the least driving (first one kept), with a note.

        The note compares it with the selection order; the ids are unchanged when some stop has
        no drive to the others (the route then names it).
        """
        from territory_desktop.routing import travel_matrix
        from territory_desktop.routing.tour import best_order, path_cost

        assert self.network is not None
        plan = self.bench.document.plan
        points = [(plan.accounts[a].lat, plan.accounts[a].lon) for a in account_ids]
        seconds = travel_matrix(self.network, points, meters=False).seconds
        try:
            order = best_order(seconds)
        except ValueError:
            return account_ids, ""
        given = path_cost(seconds, list(range(len(account_ids))))
        better = path_cost(seconds, order)
        return ([account_ids[i] for i in order],
                f" (in selection order: {given / 60:.0f} min; best order saves "
                f"{(given - better) / 60:.0f} min)")

    def present_route(self, result: Route, labels: list[str], title: str,
                      redraw: bool = False) -> None:
        """Draw ``result`` zoomed to fit and list its legs in the Route panel.

        ``labels`` name each stop in driving order, numbered as the map numbers them
        ("1. Deli"; "Home" shows as H); a round trip's return to its first stop is not drawn
        twice. ``redraw``: the route in view changed with an edit; the view, the status bar and
        the panels stay as the user left them.
        """
        from territory_desktop.mapping.route_map import route_layer, route_summary

        self._shown = (result, labels, title, distance_unit(self.bench.prefs.units))
        stops = [(float(lat), float(lon), label) for lat, lon, label
                 in zip(result.stops.lat, result.stops.lon, labels, strict=True)]
        if len(stops) > 2 and stops[-1][:2] == stops[0][:2]:
            stops.pop()
        self.bench.map.show_route(route_layer(result, labels, stops, self.bench.prefs.units),
                                  fit=not redraw)
        if redraw:
            self.route_redrawn.emit(result, labels, title, self.bench.prefs.units)
            return
        self.route_presented.emit(result, labels, title, self.bench.prefs.units)
        self.bench.update_actions()
        # every route drawn says its totals (a day's route left the last one's in view)
        self.bench.show_status(f"{title} — {route_summary(result, self.bench.prefs.units)}",
                               15000)

    def show_distance_unit(self) -> None:
        """Show the route in view again in the user's distance unit, if that changed.

        Its leg cards on the map and the Route panel follow; the status bar says its totals.
        """
        from territory_desktop.mapping.route_map import route_summary

        if self._shown is None:
            return
        result, labels, title, unit = self._shown
        if distance_unit(self.bench.prefs.units) == unit:
            return
        self.present_route(result, labels, title, redraw=True)
        self.bench.show_status(f"{title} — {route_summary(result, self.bench.prefs.units)}",
                               15000)

    def clear_route(self) -> None:
        """Take the route off the map and out of the Route panel (drive-time areas stay)."""
        self._shown = None
        self.bench.map.show_route(None)
        self.route_cleared.emit()
        self.bench.update_actions()

    def isochrone_dialog(self) -> None:
        """Ask for a rep and a drive time and draw the area reachable from the rep's home."""
        plan = self.bench.document.plan
        if not plan.reps:
            self.bench.notify_error("Isochrone", "The plan has no reps.")
            return
        labels = [f"{r.name} ({r.id})" for r in plan.reps.values()]
        parent = self.bench.dialog_parent()
        label, ok = QInputDialog.getItem(parent, "Drive-time area", "Around the home of",
                                         labels, 0, False)
        if not ok:
            return
        minutes, ok = QInputDialog.getInt(parent, "Drive-time area", "Minutes of driving",
                                          20, 1, 600)
        if ok:
            rep_id = list(plan.reps)[labels.index(label)]
            self.ensure_network(lambda: self.show_isochrone(rep_id, minutes))

    def show_isochrone(self, rep_id: str, minutes: int) -> list[str]:
        """Shade the area within ``minutes`` of the rep's home; returns accounts inside it."""
        from territory_desktop.mapping.layers import isochrone_collection
        from territory_desktop.routing import RoutingError, isochrone, within_time

        assert self.network is not None
        plan = self.bench.document.plan
        rep = plan.reps[rep_id]
        origin = (rep.home_lat, rep.home_lon)
        try:
            area = isochrone(self.network, origin, minutes * 60.0)
            ids = list(plan.accounts)
            points = [(plan.accounts[a].lat, plan.accounts[a].lon) for a in ids]
            inside_idx, _secs = within_time(self.network, origin, minutes * 60.0, points)
            inside = [ids[int(i)] for i in inside_idx]
        except RoutingError as exc:
            self.bench.notify_error("Drive-time area", f"{rep.name}'s home: {exc}")
            return []
        self.bench.map.show_isochrone(isochrone_collection(
            [(area, {"minutes": minutes, "rep": rep.name, "accounts": len(inside)})]))
        self.bench.show_status(
            f"{len(inside)} accounts within {minutes} min of {rep.name}'s home", 15000)
        return inside

    def clear_overlays(self) -> None:
        """Remove the route and the reachable areas from the map."""
        self._shown = None
        self.bench.map.show_route(None)
        self.overlays_cleared.emit()
        self.bench.update_actions()
        self.bench.map.show_isochrone(None)
        self.bench.map.highlight_accounts([], {})
