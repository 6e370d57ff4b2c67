"""Drive-time and distance matrices between snapped points.

Partial edges: a point snapped at fraction ``f`` of a segment leaves along the segment's
edges (``(1-f)`` of the forward edge to its head, ``f`` of the backward edge to its tail) and is
reached the same way; points on the same segment can also drive directly between their
positions. Partial times and lengths are rounded to whole ms/dm, so every figure is an exact
integer sum and :func:`travel_matrix` and :func:`~territory_desktop.routing.routes.route`
return identical legs.

Engines
-------
``"dijkstra"``: scipy.sparse.csgraph.dijkstra over the unique departure nodes on the packed
weight ``time_ms * 2**25 + length_dm`` (fastest path, ties broken by distance; seconds and
metres come out of one run). ``"cch"``: RoutingKit customizable contraction hierarchies
(PyPI ``routingkit-cch``, optional) for seconds only (``meters=False``); its node order is
cached next to the network file. ``"auto"`` picks CCH for seconds-only matrices on networks of
at least ``CCH_MIN_NODES`` nodes when the library is installed, else Dijkstra.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ._progress import Feedback, ProgressFn, StopFn
from .errors import RoutingError
from .network import TIME_SHIFT

if TYPE_CHECKING:
    from .network import RoadNetwork
    from .snapping import SnapResult

CCH_MIN_NODES = 1_000
_CHUNK_CELLS = 16_000_000  # float64 cells per Dijkstra chunk (~128 MB)


@dataclass
class TravelMatrix:
    """Seconds and metres from each origin (rows) to each destination (columns).

    ``np.inf`` marks pairs with no drive (an unsnappable point, or no path); ``meters`` is
    None when only seconds were asked for.
    """

    seconds: np.ndarray
    meters: np.ndarray | None
    origins: SnapResult
    destinations: SnapResult
    engine: str = "dijkstra"
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def unreachable_origins(self) -> np.ndarray:
        return np.flatnonzero(~self.origins.reachable)

    @property
    def unreachable_destinations(self) -> np.ndarray:
        return np.flatnonzero(~self.destinations.reachable)


def as_latlon(points: Any) -> tuple[np.ndarray, np.ndarray]:
    """Accept an (n, 2) array-like of (lat, lon) and return two float64 arrays."""
    a = np.asarray(points, dtype=np.float64)
    if a.ndim == 1 and a.shape[0] == 2:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] != 2:
        raise RoutingError("points must be (lat, lon) pairs")
    return a[:, 0].copy(), a[:, 1].copy()


def _ensure_snapped(net: RoadNetwork, pts: Any, max_access_m: float) -> SnapResult:
    from .snapping import SnapResult

    if isinstance(pts, SnapResult):
        return pts
    lat, lon = as_latlon(pts)
    return net.snap(lat, lon, max_access_m=max_access_m)


def _partial(net: RoadNetwork, edge: np.ndarray, frac: np.ndarray) -> np.ndarray:
    """Packed cost of driving ``frac`` of ``edge`` (whole ms and dm)."""
    t = np.rint(net.arrays["edge_time_ms"][edge] * frac)
    d = np.rint(net.arrays["edge_length_dm"][edge] * frac)
    return t * TIME_SHIFT + d


def endpoints(net: RoadNetwork, s: SnapResult) -> tuple[np.ndarray, ...]:
    """Departure and arrival options per snapped point, each padded to two columns.

    Returns (dep_node, dep_cost, arr_node, arr_cost): node -1 / cost inf = no option.
    """
    n = len(s)
    fwd, bwd = net.seg_edges
    seg = np.maximum(s.segment, 0)
    ef, eb = fwd[seg], bwd[seg]
    ok = s.reachable
    f = s.fraction
    a = net.arrays
    dep_node = np.full((n, 2), -1, dtype=np.int64)
    arr_node = np.full((n, 2), -1, dtype=np.int64)
    dep_cost = np.full((n, 2), np.inf)
    arr_cost = np.full((n, 2), np.inf)
    m = ok & (ef >= 0)
    e = ef[m]
    dep_node[m, 0] = a["edge_head"][e]
    dep_cost[m, 0] = _partial(net, e, 1.0 - f[m])
    arr_node[m, 0] = a["edge_tail"][e]
    arr_cost[m, 0] = _partial(net, e, f[m])
    m = ok & (eb >= 0)
    e = eb[m]
    dep_node[m, 1] = a["edge_head"][e]  # the segment's first node
    dep_cost[m, 1] = _partial(net, e, f[m])
    arr_node[m, 1] = a["edge_tail"][e]  # the segment's last node
    arr_cost[m, 1] = _partial(net, e, 1.0 - f[m])
    return dep_node, dep_cost, arr_node, arr_cost


def direct_cost(net: RoadNetwork, o: SnapResult, d: SnapResult) -> np.ndarray:
    """Packed cost of driving straight along a shared segment (inf where not possible)."""
    fwd, bwd = net.seg_edges
    out = np.full((len(o), len(d)), np.inf)
    oi, di = np.nonzero(
        (o.segment[:, None] == d.segment[None, :])
        & o.reachable[:, None]
        & d.reachable[None, :]
    )
    if oi.shape[0] == 0:
        return out
    seg = o.segment[oi]
    df = d.fraction[di] - o.fraction[oi]
    ef, eb = fwd[seg], bwd[seg]
    cf = np.where((ef >= 0) & (df >= 0), _partial(net, np.maximum(ef, 0), np.abs(df)), np.inf)
    cb = np.where((eb >= 0) & (df <= 0), _partial(net, np.maximum(eb, 0), np.abs(df)), np.inf)
    out[oi, di] = np.minimum(cf, cb)
    return out


def _node_dijkstra(
    net: RoadNetwork,
    dep_node: np.ndarray,
    dep_cost: np.ndarray,
    arr_node: np.ndarray,
    arr_cost: np.ndarray,
    fb: Feedback,
) -> np.ndarray:
    """Packed cost via one Dijkstra per unique departure node, then the 2 x 2 combination of
    departure and arrival options (cheaper when points share few nodes: small networks)."""
    from scipy.sparse.csgraph import dijkstra

    src = np.unique(dep_node[dep_node >= 0])
    tgt = np.unique(arr_node[arr_node >= 0])
    best = np.full((dep_node.shape[0], arr_node.shape[0]), np.inf)
    if not src.shape[0] or not tgt.shape[0]:
        return best
    node = np.empty((src.shape[0], tgt.shape[0]))
    chunk = max(1, min(256, _CHUNK_CELLS // max(net.n_nodes, 1)))
    for start in range(0, src.shape[0], chunk):
        fb.step(start / src.shape[0], f"shortest paths {start:,}/{src.shape[0]:,}")
        d = dijkstra(net.csr, directed=True, indices=src[start : start + chunk], min_only=False)
        node[start : start + chunk] = d[:, tgt]
    si = np.searchsorted(src, np.maximum(dep_node, 0))
    ti = np.searchsorted(tgt, np.maximum(arr_node, 0))
    # Best over departure options first (origins x arrival nodes), then over arrival options.
    via = node[si[:, 0]]
    via += dep_cost[:, 0, None]
    alt = node[si[:, 1]]
    alt += dep_cost[:, 1, None]
    np.minimum(via, alt, out=via)
    del alt
    for j in range(2):
        cand = via[:, ti[:, j]]
        cand += arr_cost[None, :, j]
        np.minimum(best, cand, out=best)
    return best


def _augmented_dijkstra(
    net: RoadNetwork,
    dep_node: np.ndarray,
    dep_cost: np.ndarray,
    arr_node: np.ndarray,
    arr_cost: np.ndarray,
    fb: Feedback,
) -> np.ndarray:
    """Packed cost from each origin to each destination.

    Each origin becomes a virtual source node with edges to its departure nodes (partial
    costs) and each destination a virtual sink fed by its arrival nodes, so one Dijkstra per
    origin covers both directions of its edge exactly (instead of one per departure node).
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    n, no, nd = net.n_nodes, dep_node.shape[0], arr_node.shape[0]
    e = net.routing_edges
    a = net.arrays
    oi, ok = np.nonzero(dep_node >= 0)
    di, dk = np.nonzero(arr_node >= 0)
    tail = np.concatenate((a["edge_tail"][e], n + oi, arr_node[di, dk]))
    head = np.concatenate((a["edge_head"][e], dep_node[oi, ok], n + no + di))
    w = np.concatenate((net.packed_weight[e], dep_cost[oi, ok], arr_cost[di, dk]))
    size = n + no + nd
    # No duplicate (tail, head) pairs exist here, so csr_matrix's summing cannot bite.
    g = csr_matrix((w, (tail, head)), shape=(size, size))
    out = np.full((no, nd), np.inf)
    rows = np.unique(oi)
    chunk = max(1, min(256, _CHUNK_CELLS // max(size, 1)))
    for start in range(0, rows.shape[0], chunk):
        fb.step(start / max(rows.shape[0], 1), f"shortest paths {start:,}/{rows.shape[0]:,}")
        r = rows[start : start + chunk]
        d = dijkstra(g, directed=True, indices=n + r, min_only=False)
        out[r] = d[:, n + no :]
    return out


def travel_matrix(
    network: RoadNetwork,
    origins: Any,
    destinations: Any = None,
    *,
    meters: bool = True,
    engine: str = "auto",
    max_access_m: float = 500.0,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> TravelMatrix:
    """Asymmetric drive-time (s) and distance (m) matrix between (lat, lon) points.

    Parameters
    ----------
    origins, destinations
        (n, 2) (lat, lon) array-likes or :class:`SnapResult`; destinations default to origins.
    meters
        Also compute metres along each fastest path (forces the Dijkstra engine).
    engine
        ``"auto"``, ``"dijkstra"`` or ``"cch"`` (see module docstring).
    """
    fb = Feedback(progress, should_stop)
    fb.step(0.0, "snapping points")
    o = _ensure_snapped(network, origins, max_access_m)
    d = o if destinations is None else _ensure_snapped(network, destinations, max_access_m)
    dep_node, dep_cost, _, _ = endpoints(network, o)
    _, _, arr_node, arr_cost = endpoints(network, d)
    engine = _choose_engine(network, engine, meters)
    fbq = fb.sub(0.05, 0.95)
    best = direct_cost(network, o, d)
    if engine == "cch":
        # Seconds only: CCH tracks one integer metric (ms); lengths are not available.
        from .cch import matrix_ms

        tgt = np.unique(arr_node[arr_node >= 0])
        dep_ms = np.where(dep_node >= 0, np.floor(np.nan_to_num(dep_cost, posinf=0) / TIME_SHIFT), 0)
        arr_ms = np.floor(np.nan_to_num(arr_cost, posinf=0) / TIME_SHIFT)
        node = matrix_ms(network, dep_node, dep_ms, tgt, fbq) if tgt.shape[0] else None
        fb.step(0.95, "combining")
        best_ms = np.floor(best / TIME_SHIFT)
        if node is not None:
            ti = np.searchsorted(tgt, np.maximum(arr_node, 0))
            for j in range(2):
                cand = node[:, ti[:, j]]
                cand += np.where(arr_node[:, j] >= 0, arr_ms[:, j], np.inf)[None, :]
                np.minimum(best_ms, cand, out=best_ms)
        best_ms /= 1000.0
        fb.step(1.0, "matrix done")
        return TravelMatrix(best_ms, None, o, d, engine)
    else:
        n_src = np.unique(dep_node[dep_node >= 0]).shape[0]
        n_org = int((dep_node >= 0).any(axis=1).sum())
        size = network.n_nodes + dep_node.shape[0] + arr_node.shape[0]
        fn = _node_dijkstra if n_src * network.n_nodes <= n_org * size else _augmented_dijkstra
        np.minimum(best, fn(network, dep_node, dep_cost, arr_node, arr_cost, fbq), out=best)
    with np.errstate(invalid="ignore"):
        t_ms, dm = np.divmod(best, TIME_SHIFT)  # inf -> (nan, nan)
    secs = t_ms
    secs /= 1000.0
    mtr = None
    if engine != "cch":
        mtr = dm
        mtr /= 10.0
        mtr[np.isnan(mtr)] = np.inf
    secs[np.isnan(secs)] = np.inf
    fb.step(1.0, "matrix done")
    return TravelMatrix(secs, mtr if meters else None, o, d, engine)


def _choose_engine(net: RoadNetwork, engine: str, meters: bool) -> str:
    if engine not in ("auto", "dijkstra", "cch"):
        raise RoutingError(f"unknown matrix engine {engine!r}")
    if engine == "cch" and meters:
        raise RoutingError("the CCH engine computes seconds only; pass meters=False")
    if engine == "auto":
        if not meters and net.n_nodes >= CCH_MIN_NODES and _has_cch():
            return "cch"
        return "dijkstra"
    return engine


def _has_cch() -> bool:
    try:
        import routingkit_cch  # noqa: F401
    except ImportError:
        return False
    return True
