"""Routes through ordered stops: geometry, per-leg and total seconds and metres.

A leg is computed exactly like a matrix entry (same snapping, same partial edges, same packed
Dijkstra), then its path is unpacked from the predecessor tree: leg metres are the sum of the
edges actually driven plus the partial edges at both ends, in whole decimetres.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from territory_desktop.geo.distance import haversine_m
from territory_desktop.units import METERS_PER_MILE, distance_unit

from .errors import RoutingError
from .matrix import as_latlon, direct_cost, endpoint_options
from .network import TIME_SHIFT
from .prepared import prepared
from .snapping import SnapResult, snap

if TYPE_CHECKING:
    from .network import RoadNetwork



@dataclass
class Leg:
    """One leg between consecutive stops."""

    seconds: float
    meters: float
    coordinates: list[tuple[float, float]]  # (lat, lon) from snapped start to snapped end
    edges: list[int] = field(default_factory=list)  # directed edge ids, partial ends included

    @property
    def miles(self) -> float:
        """Length in miles."""
        return self.meters / METERS_PER_MILE


@dataclass
class Route:
    """A route through ordered stops."""

    legs: list[Leg]
    stops: SnapResult

    @property
    def total_seconds(self) -> float:
        """Driving time of all legs, summed to the millisecond."""
        return round(sum(round(leg.seconds * 1000) for leg in self.legs) / 1000.0, 3)

    @property
    def total_meters(self) -> float:
        """Length of all legs, summed to the decimetre."""
        return round(sum(round(leg.meters * 10) for leg in self.legs) / 10.0, 1)

    @property
    def total_miles(self) -> float:
        """Length of all legs in miles."""
        return self.total_meters / METERS_PER_MILE

    @property
    def coordinates(self) -> list[tuple[float, float]]:
        """(lat, lon) of the whole route, a point shared by consecutive legs kept once."""
        out: list[tuple[float, float]] = []
        for leg in self.legs:
            pts = leg.coordinates
            out.extend(pts[1:] if out and pts and out[-1] == pts[0] else pts)
        return out

    def to_geojson(self, units: str = "km") -> dict[str, Any]:
        """Return the route as a GeoJSON FeatureCollection: one LineString per leg (lon, lat).

        With ``units="mi"`` each leg and the totals also carry ``miles``.
        """
        miles = distance_unit(units) == "mi"
        feats = []
        for i, leg in enumerate(self.legs):
            props: dict[str, Any] = {"leg": i, "from_stop": i, "to_stop": i + 1,
                                     "seconds": leg.seconds, "meters": leg.meters}
            if miles:
                props["miles"] = round(leg.miles, 3)
            feats.append({
                "type": "Feature",
                "geometry": {"type": "LineString",
                             "coordinates": [[lon, lat] for lat, lon in leg.coordinates]},
                "properties": props,
            })  # fmt: skip
        totals: dict[str, Any] = {"seconds": self.total_seconds, "meters": self.total_meters}
        if miles:
            totals["miles"] = round(self.total_miles, 3)
        return {"type": "FeatureCollection", "features": feats, "properties": totals}


def segment_slice(net: RoadNetwork, seg: int, f0: float, f1: float) -> list[tuple[float, float]]:
    """(lat, lon) vertices of a segment between fractions f0 and f1 (reversed if f0 > f1)."""
    a = net.arrays
    p0, p1 = int(a["seg_first"][seg]), int(a["seg_last"][seg])
    lat = a["geom_lat_e7"][p0 : p1 + 1] * 1e-7
    lon = a["geom_lon_e7"][p0 : p1 + 1] * 1e-7
    cum = np.concatenate(([0.0], np.cumsum(haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]))))
    total = cum[-1] if cum[-1] > 0 else 1.0
    lo, hi = sorted((f0, f1))

    def at(f: float) -> tuple[float, float]:
        x = f * total
        la = float(np.interp(x, cum, lat))
        lo_ = float(np.interp(x, cum, lon))
        return (la, lo_)

    inner = [(float(lat[i]), float(lon[i])) for i in range(len(cum))
             if lo * total < cum[i] < hi * total]
    pts = [at(lo), *inner, at(hi)]
    return pts[::-1] if f0 > f1 else pts


def _leg(net: RoadNetwork, s: SnapResult, i: int, j: int) -> Leg:
    from scipy.sparse.csgraph import dijkstra

    prep = prepared(net)
    o, d = s.take([i]), s.take([j])
    dep_node, dep_cost, dep_edge, _, _, _ = endpoint_options(net, o)
    _, _, _, arr_node, arr_cost, arr_edge = endpoint_options(net, d)
    best = float(direct_cost(net, o, d)[0, 0])
    choice: tuple[int, int] | None = None
    preds: dict[int, np.ndarray] = {}
    for k in range(2):
        src = int(dep_node[0, k])
        if src < 0:
            continue
        dist, pred = dijkstra(prep.csr, directed=True, indices=src, return_predecessors=True)
        preds[k] = pred
        for m in range(2):
            tgt = int(arr_node[0, m])
            if tgt < 0:
                continue
            c = dep_cost[0, k] + dist[tgt] + arr_cost[0, m]
            if c < best:
                best, choice = c, (k, m)
    if not np.isfinite(best):
        raise RoutingError(f"no drive from stop {i} to stop {j}")
    t_ms = np.floor(best / TIME_SHIFT)
    dm = best - t_ms * TIME_SHIFT
    fwd, bwd = prep.seg_edges
    so, sd = int(o.segment[0]), int(d.segment[0])
    fo, fd = float(o.fraction[0]), float(d.fraction[0])
    if choice is None:  # along the shared segment
        e = int(fwd[so] if fd >= fo and fwd[so] >= 0 else bwd[so])
        return Leg(t_ms / 1000.0, dm / 10.0, segment_slice(net, so, fo, fd), [e])
    k, m = choice
    src, tgt = int(dep_node[0, k]), int(arr_node[0, m])
    nodes = [tgt]
    pred = preds[k]
    while nodes[-1] != src:
        nodes.append(int(pred[nodes[-1]]))
    nodes.reverse()
    lookup = prep.csr_edge_lookup
    mid = [lookup[(u, v)] for u, v in itertools.pairwise(nodes)]
    e_out, e_in = int(dep_edge[0, k]), int(arr_edge[0, m])  # -1: the stop is at the node
    if e_out >= 0:
        coords = segment_slice(net, so, fo, 1.0 if e_out == fwd[so] else 0.0)
    else:
        coords = [(float(prep.node_lat[src]), float(prep.node_lon[src]))]
    for e in mid:
        coords.extend(net.edge_coords(e)[1:])
    if e_in >= 0:
        coords.extend(segment_slice(net, sd, 0.0 if e_in == fwd[sd] else 1.0, fd)[1:])
    edges = [e for e in (e_out, *mid, e_in) if e >= 0]
    return Leg(t_ms / 1000.0, dm / 10.0, coords, edges)


def route(
    network: RoadNetwork, stops: Any, *, names: list[str] | None = None,
    max_access_m: float = 500.0,
) -> Route:  # fmt: skip
    """Fastest route through ``stops`` ((lat, lon) pairs or a SnapResult) in the given order.

    Raises
    ------
    RoutingError
        Fewer than two stops, or a stop that is unreachable (the reason is in the message).
    """
    if isinstance(stops, SnapResult):
        s = stops
    else:
        lat, lon = as_latlon(stops)
        s = snap(network, lat, lon, max_access_m=max_access_m)
    if len(s) < 2:
        raise RoutingError("a route needs at least two stops")
    bad = np.flatnonzero(~s.reachable)
    if bad.shape[0]:
        i = int(bad[0])
        label = names[i] if names else f"stop {i + 1}"
        more = f" (and {bad.shape[0] - 1} more)" if bad.shape[0] > 1 else ""
        raise RoutingError(
            f"{label} at ({s.lat[i]:.6f}, {s.lon[i]:.6f}) is unreachable: {s.reason[i]}{more}"
        )
    legs = [_leg(network, s, i, i + 1) for i in range(len(s) - 1)]
    return Route(legs, s)
