"""Time-budget queries: who is within N minutes, and the reachable area as a polygon."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import RoutingError
from .matrix import TravelMatrix, as_latlon, endpoints, travel_matrix
from .network import TIME_SHIFT
from .prepared import prepared
from .snapping import snap

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from .network import RoadNetwork

_BUFFER_M = 60.0  # half-width of the road corridor drawn as reachable


def _origin_times(network: RoadNetwork, origin: Any, seconds: float) -> np.ndarray:
    """Seconds from ``origin`` to every node (inf beyond ``seconds``)."""
    from scipy.sparse.csgraph import dijkstra

    lat, lon = as_latlon(origin)
    s = snap(network, lat[:1], lon[:1])
    if not s.reachable[0]:
        raise RoutingError(f"origin ({lat[0]:.6f}, {lon[0]:.6f}) is unreachable: {s.reason[0]}")
    dep_node, dep_cost, _, _ = endpoints(network, s)
    times = np.full(network.n_nodes, np.inf)
    w = network.arrays["edge_time_ms"].astype(np.float64)
    from scipy.sparse import csr_matrix

    e = prepared(network).routing_edges
    g = csr_matrix(
        (w[e], (network.arrays["edge_tail"][e], network.arrays["edge_head"][e])),
        shape=(network.n_nodes, network.n_nodes),
    )
    limit = seconds * 1000.0
    for k in range(2):
        src = int(dep_node[0, k])
        if src < 0:
            continue
        c0 = float(np.floor(dep_cost[0, k] / TIME_SHIFT))
        if c0 > limit:
            continue
        d = dijkstra(g, directed=True, indices=src, limit=limit - c0)
        np.minimum(times, (d + c0) / 1000.0, out=times)
    return times


def within_time(
    network: RoadNetwork, origin: Any, seconds: float, points: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Return the indices of ``points`` reachable from ``origin`` within ``seconds``, and times."""
    m = travel_matrix(network, [origin] if np.ndim(origin) == 1 else origin, points, meters=False)
    t = m.seconds[0]
    idx = np.flatnonzero(t <= seconds)
    return idx, t[idx]


def times_from_homes(network: RoadNetwork, homes: Any, accounts: Any, **kw: Any) -> TravelMatrix:
    """Drive time (and metres) from each rep home (rows) to each account (columns)."""
    return travel_matrix(network, homes, accounts, **kw)


def isochrone(network: RoadNetwork, origin: Any, seconds: float) -> Any:
    """Return the area reachable from ``origin`` within ``seconds``.

    It is the reached roads (edges cut at the time limit) buffered by 60 m, as a shapely Polygon
    or MultiPolygon in (lon, lat).
    """
    import shapely

    times = _origin_times(network, origin, seconds)
    a = network.arrays
    tail = a["edge_tail"]
    t0 = times[tail]
    reach = np.flatnonzero(t0 <= seconds)
    prep = prepared(network)
    proj = prep.projection
    gx, gy = prep.snap_index.gx, prep.snap_index.gy
    sf, sl = a["seg_first"], a["seg_last"]
    lines = []
    partial_pts: list[tuple[float, float]] = []
    partial_len: list[int] = []
    from .routes import segment_slice

    for e in reach.tolist():
        frac = min(1.0, (seconds - t0[e]) / max(a["edge_time_ms"][e] / 1000.0, 1e-9))
        seg = int(a["edge_seg"][e])
        if frac >= 1.0:
            p0, p1 = int(sf[seg]), int(sl[seg])
            lines.append(np.column_stack((gx[p0 : p1 + 1], gy[p0 : p1 + 1])))
        else:
            f_start = 1.0 if a["edge_rev"][e] else 0.0
            f_end = f_start + (-frac if a["edge_rev"][e] else frac)
            pts = segment_slice(network, seg, f_start, f_end)
            partial_pts.extend(pts)
            partial_len.append(len(pts))
    if partial_pts:
        px, py = proj.to_xy([p[0] for p in partial_pts], [p[1] for p in partial_pts])
        for chunk in np.split(np.column_stack((px, py)), np.cumsum(partial_len)[:-1]):
            lines.append(chunk)
    if not lines:
        x, y = proj.to_xy(*as_latlon(origin))
        geom: BaseGeometry = shapely.Point(float(x[0]), float(y[0])).buffer(_BUFFER_M)
    else:
        # Buffering each line and unioning is ~9x faster than buffering one MultiLineString.
        parts = shapely.buffer([shapely.LineString(ln) for ln in lines], _BUFFER_M, quad_segs=2)
        geom = shapely.union_all(parts)
    geom = geom.simplify(10.0)

    def back(xy: np.ndarray) -> np.ndarray:
        lat, lon = proj.to_latlon(xy[:, 0], xy[:, 1])
        return np.column_stack((lon, lat))

    return shapely.transform(geom, back)
