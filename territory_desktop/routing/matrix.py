"""Drive-time and distance matrices between snapped points.

Partial edges: a point snapped at fraction ``f`` of a segment leaves along the segment's
edges (``(1-f)`` of the forward edge to its head, ``f`` of the backward edge to its tail) and is
reached the same way; points on the same segment can also drive directly between their
positions. A point exactly at a segment end (``f`` 0 or 1) is at that node: it leaves from and
arrives at the node itself, in every direction the node allows, even when the segment it was
snapped to is a one-way street. Partial times and lengths are rounded to whole ms/dm, so every
figure is an exact integer sum and :func:`travel_matrix` and
:func:`~territory_desktop.routing.routes.route` return identical legs.

Engines
-------
Both minimise the packed weight ``time_ms * 2**25 + length_dm`` (fastest path, ties broken by
distance; seconds and metres come out of one value), so they agree bit for bit.
``"cch"``: our customizable contraction hierarchy (:mod:`~territory_desktop.routing.cch`),
fast for many points on any network once its node order is known (cached per network).
``"dijkstra"``: scipy.sparse.csgraph.dijkstra from each unique departure node (or from each
origin as a virtual node, whichever touches fewer nodes), the reference. ``"auto"`` estimates
both from a cost model measured on the 268k-node extract (:func:`_choose_engine`): Dijkstra
costs one full search per departure node; the hierarchy costs its setup when not yet built
(ordering unless cached, contraction), a root-path search per point and a step per pair. So
a few origins on a large network, or one origin and thousands of destinations, use Dijkstra;
many-to-many matrices and anything small on a built hierarchy use CCH.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ._progress import Feedback, ProgressFn, StopFn
from .errors import RoutingError
from .network import TIME_SHIFT
from .prepared import prepared
from .snapping import SnapResult, snap

if TYPE_CHECKING:
    from .network import RoadNetwork

# Cost model of the "auto" engine choice, in seconds, measured on the 268k-node extract.
_DIJKSTRA_PER_NODE = 0.18e-6  # one scipy Dijkstra: 47 ms at 268k nodes
_CCH_SEARCH_PER_LEVEL = 0.1e-6  # one point's root-path search: 27 us at height 282
_CCH_PER_PAIR = 50e-9  # the pair loop
_CCH_BUILD_PER_NODE = 1.5e-6  # contraction + customization: 0.4 s
_CCH_ORDER_PER_NODE = 8e-6  # node order: 2.1 s
_CCH_TYPICAL_HEIGHT = 300
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
        """Indices of the origins that reach no road of the network."""
        return np.flatnonzero(~self.origins.reachable)

    @property
    def unreachable_destinations(self) -> np.ndarray:
        """Indices of the destinations that no road of the network reaches."""
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
    if isinstance(pts, SnapResult):
        return pts
    lat, lon = as_latlon(pts)
    return snap(net, lat, lon, max_access_m=max_access_m)


def _partial(net: RoadNetwork, edge: np.ndarray, frac: np.ndarray) -> np.ndarray:
    """Packed cost of driving ``frac`` of ``edge`` (whole ms and dm)."""
    t = np.rint(net.arrays["edge_time_ms"][edge] * frac)
    d = np.rint(net.arrays["edge_length_dm"][edge] * frac)
    packed: np.ndarray = t * TIME_SHIFT + d
    return packed


def endpoints(net: RoadNetwork, s: SnapResult) -> tuple[np.ndarray, ...]:
    """Departure and arrival options per snapped point, each padded to two columns.

    Returns (dep_node, dep_cost, arr_node, arr_cost): node -1 / cost inf = no option.
    """
    dep_node, dep_cost, _, arr_node, arr_cost, _ = endpoint_options(net, s)
    return dep_node, dep_cost, arr_node, arr_cost


def endpoint_options(net: RoadNetwork, s: SnapResult) -> tuple[np.ndarray, ...]:
    """Return :func:`endpoints` plus the edge each option drives part of.

    The tuple is (dep_node, dep_cost, dep_edge, arr_node, arr_cost, arr_edge); an edge of -1
    means none: the point is at the node.
    """
    n = len(s)
    fwd, bwd = prepared(net).seg_edges
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
    dep_edge = np.where(dep_node >= 0, np.column_stack((ef, eb)), -1)
    arr_edge = dep_edge.copy()
    # At a node, the node itself at no cost is the one option: it dominates driving the
    # segment's edge (the routing graph holds that edge or a faster parallel one).
    first = np.where(ef >= 0, a["edge_tail"][np.maximum(ef, 0)], a["edge_head"][np.maximum(eb, 0)])
    last = np.where(ef >= 0, a["edge_head"][np.maximum(ef, 0)], a["edge_tail"][np.maximum(eb, 0)])
    for at, node in ((ok & (f == 0.0), first), (ok & (f == 1.0), last)):
        for opt_node, opt_cost, opt_edge in ((dep_node, dep_cost, dep_edge),
                                             (arr_node, arr_cost, arr_edge)):  # fmt: skip
            opt_node[at] = np.column_stack((node[at], np.full(int(at.sum()), -1)))
            opt_cost[at] = (0.0, np.inf)
            opt_edge[at] = -1
    return dep_node, dep_cost, dep_edge, arr_node, arr_cost, arr_edge


def direct_pairs(
    net: RoadNetwork, o: SnapResult, d: SnapResult
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Find every pair that can drive straight along a shared segment.

    Returns (origin index, destination index, packed cost), found by sorting segments rather
    than by an n x m comparison.
    """
    fwd, bwd = prepared(net).seg_edges
    so = np.where(o.reachable, o.segment, -1)
    sd = np.where(d.reachable, d.segment, -1)
    order = np.argsort(sd, kind="stable")
    sds = sd[order]
    lo = np.searchsorted(sds, so, side="left")
    hi = np.searchsorted(sds, so, side="right")
    cnt = np.where(so >= 0, hi - lo, 0)
    oi = np.repeat(np.arange(so.shape[0]), cnt)
    if oi.shape[0] == 0:
        return oi, oi.copy(), np.empty(0)
    starts = np.cumsum(cnt) - cnt
    di = order[lo[oi] + (np.arange(oi.shape[0]) - starts[oi])]
    seg = so[oi]
    df = d.fraction[di] - o.fraction[oi]
    ef, eb = fwd[seg], bwd[seg]
    cf = np.where((ef >= 0) & (df >= 0), _partial(net, np.maximum(ef, 0), np.abs(df)), np.inf)
    cb = np.where((eb >= 0) & (df <= 0), _partial(net, np.maximum(eb, 0), np.abs(df)), np.inf)
    return oi, di, np.minimum(cf, cb)


def direct_cost(net: RoadNetwork, o: SnapResult, d: SnapResult) -> np.ndarray:
    """Packed cost of driving straight along a shared segment (inf where not possible)."""
    out = np.full((len(o), len(d)), np.inf)
    oi, di, c = direct_pairs(net, o, d)
    out[oi, di] = c
    return out


def _node_dijkstra(
    net: RoadNetwork,
    dep_node: np.ndarray,
    dep_cost: np.ndarray,
    arr_node: np.ndarray,
    arr_cost: np.ndarray,
    fb: Feedback,
) -> np.ndarray:
    """Return packed costs via one Dijkstra per unique departure node.

    Then the 2 x 2 combination of departure and arrival options is taken; this is cheaper when
    points share few nodes (small networks).
    """
    from scipy.sparse.csgraph import dijkstra

    src = np.unique(dep_node[dep_node >= 0])
    tgt = np.unique(arr_node[arr_node >= 0])
    if not src.shape[0] or not tgt.shape[0]:
        return np.full((dep_node.shape[0], arr_node.shape[0]), np.inf)
    best = np.empty((dep_node.shape[0], arr_node.shape[0]))  # _combine overwrites every cell
    nsrc = src.shape[0]
    chunk = max(1, min(256, _CHUNK_CELLS // max(net.n_nodes, 1)))
    node = np.empty((nsrc, tgt.shape[0]))
    for lo in range(0, nsrc, chunk):
        fb.step(lo / nsrc, f"shortest paths {lo:,}/{nsrc:,}")
        d = dijkstra(prepared(net).csr, directed=True, indices=src[lo : lo + chunk], min_only=False)
        node[lo : lo + chunk] = d[:, tgt]
    si = np.searchsorted(src, np.maximum(dep_node, 0))
    ti = np.searchsorted(tgt, np.maximum(arr_node, 0))
    return _combine(node, si, dep_cost, ti, arr_cost, best)


def _combine(
    node: np.ndarray,
    si: np.ndarray,
    dep_cost: np.ndarray,
    ti: np.ndarray,
    arr_cost: np.ndarray,
    best: np.ndarray,
) -> np.ndarray:
    """Write ``best[o, d]``, the cheapest of the 2 x 2 options, into ``best``.

    Each option costs dep_cost + node[si, ti] + arr_cost; every cell is written (its previous
    contents are ignored).

    Arrival options first on the (unique source nodes x destinations) matrix, then departure
    options as whole-row gathers; every temporary is preallocated and reused (the dense
    gathers and their memory traffic are the cost here, not the arithmetic). An option with
    infinite cost (none) drops out by itself.
    """
    n_src, nd = node.shape[0], ti.shape[0]
    via = np.empty((n_src, nd))
    # One scratch buffer serves both passes (fewer fresh pages to fault in).
    scratch = np.empty(max(n_src, si.shape[0]) * nd)
    tmp = scratch[: n_src * nd].reshape(n_src, nd)
    np.take(node, ti[:, 0], axis=1, out=via)
    via += arr_cost[None, :, 0]
    if np.isfinite(arr_cost[:, 1]).any():
        np.take(node, ti[:, 1], axis=1, out=tmp)
        tmp += arr_cost[None, :, 1]
        np.minimum(via, tmp, out=via)
    row = scratch[: si.shape[0] * nd].reshape(si.shape[0], nd)
    np.take(via, si[:, 0], axis=0, out=best)
    best += dep_cost[:, 0, None]
    has2 = np.isfinite(dep_cost[:, 1])
    if has2.any():
        np.take(via, si[:, 1], axis=0, out=row)
        row += dep_cost[:, 1, None]
        np.minimum(best, row, out=best)
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
    prep = prepared(net)
    e = prep.routing_edges
    a = net.arrays
    oi, ok = np.nonzero(dep_node >= 0)
    di, dk = np.nonzero(arr_node >= 0)
    tail = np.concatenate((a["edge_tail"][e], n + oi, arr_node[di, dk]))
    head = np.concatenate((a["edge_head"][e], dep_node[oi, ok], n + no + di))
    w = np.concatenate((prep.packed_weight[e], dep_cost[oi, ok], arr_cost[di, dk]))
    size = n + no + nd
    # No duplicate (tail, head) pairs exist here, so csr_matrix's summing cannot bite.
    g = csr_matrix((w, (tail, head)), shape=(size, size))
    rows = np.unique(oi)
    nr = rows.shape[0]
    chunk = max(1, min(256, _CHUNK_CELLS // max(size, 1)))
    sub = np.empty((nr, nd))
    for lo in range(0, nr, chunk):
        fb.step(lo / max(nr, 1), f"shortest paths {lo:,}/{nr:,}")
        d = dijkstra(g, directed=True, indices=n + rows[lo : lo + chunk], min_only=False)
        sub[lo : lo + chunk] = d[:, n + no :]
    if nr == no:
        return sub
    out = np.full((no, nd), np.inf)
    out[rows] = sub
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
        Also return metres along each fastest path (both engines compute them anyway;
        False only skips unpacking them).
    engine
        ``"auto"``, ``"dijkstra"`` or ``"cch"`` (see module docstring).
    """
    fb = Feedback(progress, should_stop)
    fb.step(0.0, "snapping points")
    o = _ensure_snapped(network, origins, max_access_m)
    d = o if destinations is None else _ensure_snapped(network, destinations, max_access_m)
    dep_node, dep_cost, _, _ = endpoints(network, o)
    _, _, arr_node, arr_cost = endpoints(network, d)
    engine = _choose_engine(network, engine, dep_node, arr_node.shape[0])
    fbq = fb.sub(0.05, 0.95)
    if engine == "cch":
        from .cch import packed_matrix

        best = packed_matrix(network, dep_node, dep_cost, arr_node, arr_cost, fbq)
    else:
        n_src, n_org = _source_counts(dep_node)
        size = network.n_nodes + dep_node.shape[0] + arr_node.shape[0]
        fn = _node_dijkstra if n_src * network.n_nodes <= n_org * size else _augmented_dijkstra
        best = fn(network, dep_node, dep_cost, arr_node, arr_cost, fbq)
    oi, di, dcost = direct_pairs(network, o, d)
    if oi.shape[0]:
        best[oi, di] = np.minimum(best[oi, di], dcost)
    fb.step(0.97, "unpacking seconds and metres")
    secs, mtr = _unpack(best, meters)
    fb.step(1.0, "matrix done")
    return TravelMatrix(secs, mtr, o, d, engine)


def _unpack(best: np.ndarray, meters: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Split packed costs into seconds and metres (inf where there is no drive).

    The metres reuse ``best``'s buffer. Exact: multiplying by 2**-25 and flooring is an exact
    integer division of these exact integers.
    """
    secs = np.multiply(best, 1.0 / TIME_SHIFT)
    np.floor(secs, out=secs)  # whole ms; inf stays inf
    if meters:
        with np.errstate(invalid="ignore"):
            # best - ms * 2**25 = dm (exact); inf - inf = nan where there is no drive
            best -= secs * TIME_SHIFT
        best /= 10.0
        np.copyto(best, np.inf, where=np.isnan(best))
    secs /= 1000.0
    return secs, (best if meters else None)


def _source_counts(dep_node: np.ndarray) -> tuple[int, int]:
    """Count the Dijkstra runs each engine would need.

    Returns (distinct departure nodes, origins with any departure): the runs of
    :func:`_node_dijkstra` and of :func:`_augmented_dijkstra` respectively.
    """
    return np.unique(dep_node[dep_node >= 0]).shape[0], int((dep_node >= 0).any(axis=1).sum())


def _choose_engine(net: RoadNetwork, engine: str, dep_node: np.ndarray, n_dest: int) -> str:
    """Choose the engine for ``engine="auto"``: whichever the cost model says is cheaper."""
    if engine not in ("auto", "dijkstra", "cch"):
        raise RoutingError(f"unknown matrix engine {engine!r}")
    if engine != "auto":
        return engine
    from . import cch

    n, n_org = net.n_nodes, dep_node.shape[0]
    dijkstra = _DIJKSTRA_PER_NODE * n * min(_source_counts(dep_node))
    if cch.is_built(net):
        setup, height = 0.0, cch.hierarchy(net, Feedback()).height
    else:
        per_node = _CCH_BUILD_PER_NODE + (0.0 if cch.is_ready(net) else _CCH_ORDER_PER_NODE)
        setup, height = per_node * n, _CCH_TYPICAL_HEIGHT
    hierarchy = (setup + _CCH_SEARCH_PER_LEVEL * height * (n_org + n_dest)
                 + _CCH_PER_PAIR * n_org * n_dest)  # fmt: skip
    return "cch" if hierarchy < dijkstra else "dijkstra"


def prepare_matrices(
    network: RoadNetwork,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> None:
    """Build what matrices on ``network`` need, now.

    That is the snap index and the contraction hierarchy (ordering the network first unless its
    order is cached). Later snapping and matrices then pay no setup, and small ones take
    milliseconds. Meant for a worker thread right after the network is loaded; does nothing the
    second time.
    """
    from .cch import hierarchy

    fb = Feedback(progress, should_stop)
    fb.step(0.0, "indexing roads for snapping")
    _ = prepared(network).snap_index
    hierarchy(network, fb.sub(0.2, 1.0))
