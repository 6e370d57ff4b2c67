"""Customizable contraction hierarchy (CCH) on the packed weight: exact seconds *and* metres.

Every edge weighs the packed ``time_ms * 2**25 + length_dm`` of the Dijkstra engine (an
exact integer in float64), so the hierarchy minimises the same value: the fastest path, ties
broken by distance, with both sums recovered at once. Its matrices equal the Dijkstra
engine's bit for bit.

Steps
-----
* **Node order** (:func:`node_order`, :func:`_dissect`): nested dissection by straight-line
  cuts (the best of four directions crossed by the fewest edges), separators ranked above
  the parts they separate (~2 s at 270k nodes; RoutingKit's max-flow inertial flow order
  took 9 s, held the GIL and gave the same query speed here). It depends on the road graph
  alone and is cached next to the network file (:func:`cache_path`; an int32 array, never a
  pickle; a damaged file is recomputed). Any order gives exact results; a good one keeps the
  hierarchy small and its elimination tree shallow.
* **Contraction** (:func:`_contract`): eliminate nodes in that order; each node's upward
  neighbours (by rank) become a clique. The lowest upward neighbour is the node's parent in
  the *elimination tree*, and all its upward neighbours are ancestors there.
* **Customization** (:func:`_customize`): up/down arc weights from the edges, then every lower
  triangle ``y <- x -> z`` (x lowest) improves arc ``(y, z)``, bottom-up.
* **Queries**: a point's search space is the root path of its lower edge end in the
  elimination tree, relaxing upward arcs only (no priority queue). Values are stored by tree
  depth, so origin ``i`` and destination ``j`` meet on the shared prefix of their root paths:
  ``d(i, j) = min_k F[i, k] + B[j, k]`` over the depths ``k`` where both paths hold the same
  node (the top node of the shortest up-down path is one of them).

Contraction and customization take ~0.4 s at 270k nodes and are redone per process; the
kernels are numba-compiled (cached on disk after the first run; compiled ahead of time in a
frozen build, see :mod:`~territory_desktop.routing.cch_aot`) and release the GIL, so the
pair loop runs in row blocks on a thread pool, with progress and cancel between blocks.
The kernels live in :mod:`~territory_desktop.routing.cch_kernels`; this module builds,
caches and queries the hierarchy.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from territory_desktop.files import atomic_open

from ._progress import Feedback
from .prepared import prepared

if getattr(sys, "frozen", False) and not TYPE_CHECKING:
    # The bundle ships the kernels compiled ahead of time, and no numba (see cch_aot.py).
    from . import cch_kernels_aot
    from .cch_aot import checked

    _dissect, _contract, _customize, _depths, _searches, _pairs = checked(cch_kernels_aot)
else:
    from .cch_kernels import _contract, _customize, _depths, _dissect, _pairs, _searches

if TYPE_CHECKING:
    from .network import RoadNetwork

#: Upper bound on pair-loop threads.
MAX_THREADS = 4
#: Subproblems this small are not dissected further.
LEAF_SIZE = 32
_ORDER_BUDGET = 400_000  # nodes handled per ordering call (~0.1 s): progress and cancel
_ROWS_PER_TASK = 32
_ORDER_FORMAT = 1  # bump when the ordering changes: old cache files are then ignored


def cache_path(net: RoadNetwork) -> str | None:
    """Where the node order of a network loaded from a file is cached (None: in memory).

    Keyed on what the order depends on (nodes, routing edges, coordinates) and on the order's
    format, so a new speed profile reuses it and a changed road graph does not.
    """
    path = net.path
    if not path:
        return None
    prep = prepared(net)
    key = prep.cch_order_key
    if key is None:
        e = prep.routing_edges
        h = hashlib.sha256(np.int64(net.n_nodes).tobytes())
        for a in (net.arrays["edge_tail"][e], net.arrays["edge_head"][e],
                  net.arrays["node_lat_e7"], net.arrays["node_lon_e7"]):  # fmt: skip
            h.update(np.ascontiguousarray(a, dtype=np.int64).tobytes())
        key = prep.cch_order_key = h.hexdigest()[:16]
    return f"{os.fspath(path)}.order{_ORDER_FORMAT}-{key}.npz"


def cached_order(net: RoadNetwork) -> np.ndarray | None:
    """Return the cached node order of ``net``, or None when there is none to trust.

    A missing file, or a damaged one (truncated, not a permutation of the nodes), gives None:
    the order is then recomputed and rewritten.
    """
    p = cache_path(net)
    if not (p and os.path.isfile(p)):
        return None
    try:
        # Our own handle: np.load leaks its file when the zip is damaged (BadZipFile).
        with open(p, "rb") as f, np.load(f, allow_pickle=False) as z:
            order = np.asarray(z["order"])
    except Exception:  # zip, npy and I/O errors alike: just recompute
        return None
    n = net.n_nodes
    if order.shape != (n,) or order.dtype.kind not in "iu":
        return None
    if n and (order.min() < 0 or order.max() >= n or np.bincount(order, minlength=n).max() != 1):
        return None
    return order


def _save_order(path: str, order: np.ndarray) -> None:
    """Write the order atomically; a read-only folder just leaves it uncached."""
    with contextlib.suppress(OSError), atomic_open(path) as f:
        np.savez(f, order=order)


@dataclass(frozen=True)
class _Graph:
    """What the hierarchy needs of a network: its routing edges and node coordinates."""

    tail: np.ndarray  # int64
    head: np.ndarray  # int64
    weight: np.ndarray  # float64, packed
    lat: np.ndarray  # float64
    lon: np.ndarray  # float64

    @property
    def n(self) -> int:
        return int(self.lat.shape[0])

    @classmethod
    def of(cls, net: RoadNetwork) -> _Graph:
        prep = prepared(net)
        e = prep.routing_edges
        return cls(net.arrays["edge_tail"][e].astype(np.int64),
                   net.arrays["edge_head"][e].astype(np.int64), prep.packed_weight[e],
                   prep.node_lat.astype(np.float64), prep.node_lon.astype(np.float64))  # fmt: skip

    def adjacency(self) -> tuple[np.ndarray, np.ndarray]:
        """Undirected adjacency as CSR (ptr, neighbours)."""
        u = np.concatenate((self.tail, self.head))
        v = np.concatenate((self.head, self.tail))
        ptr = np.zeros(self.n + 1, np.int64)
        np.cumsum(np.bincount(u, minlength=self.n), out=ptr[1:])
        return ptr, v[np.argsort(u, kind="stable")]


def node_order(net: RoadNetwork, fb: Feedback) -> np.ndarray:
    """Nested-dissection node order (node ids, most important last), cached on disk."""
    order = cached_order(net)
    if order is not None:
        return order
    order = _order(_Graph.of(net), fb)
    p = cache_path(net)
    if p:
        _save_order(p, order)
    return order


def _order(g: _Graph, fb: Feedback) -> np.ndarray:
    adj_ptr, adj = g.adjacency()
    n = g.n
    x = g.lon * np.cos(np.radians(float(g.lat.mean()))) if n else g.lon
    rank = np.full(n, -1, np.int64)
    member = np.full(n, -1, np.int64)
    pool = np.arange(n, dtype=np.int64)
    stack = np.empty((3, n + 1), np.int64)
    stack[:, 0] = (0, n, n)
    state = np.array([1 if n else 0, 0, 0], np.int64)  # stack top, stamp, nodes ranked
    while state[0] > 0:
        fb.step(state[2] / n, f"ordering nodes for contraction {state[2]:,}/{n:,}")
        _dissect(adj_ptr, adj, x, g.lat, LEAF_SIZE, rank, member, pool, stack, state,
                 _ORDER_BUDGET)  # fmt: skip
    return np.argsort(rank).astype(np.int32)


@dataclass
class Hierarchy:
    """The contracted and customized network (see the module docstring); ranks, not ids."""

    rank: np.ndarray
    ptr: np.ndarray
    heads: np.ndarray
    up: np.ndarray
    down: np.ndarray
    parent: np.ndarray
    depth: np.ndarray

    @property
    def height(self) -> int:
        """The elimination tree's height: its deepest depth plus one (0 when empty)."""
        return int(self.depth.max()) + 1 if self.depth.shape[0] else 0

    def searches(
        self, node: np.ndarray, cost: np.ndarray, forward: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Run every point's upward search along its root path.

        ``node`` holds each point's (n, 2) node options (-1: none) and ``cost`` their packed costs.
        Returns (values, node ranks, start depth) per point; a start depth of -1 means no option.
        """
        big = np.iinfo(np.int64).max
        r = np.where(node >= 0, self.rank[np.maximum(node, 0)], -1)
        start = np.where(r >= 0, r, big).min(axis=1)
        start[start == big] = -1
        c = np.where(r >= 0, cost, np.inf)
        wt = self.up if forward else self.down
        F, P = _searches(self.ptr, self.heads, wt, self.parent, self.depth, start, r, c,
                         max(self.height, 1))  # fmt: skip
        return F, P, np.where(start >= 0, self.depth[np.maximum(start, 0)], -1)


def build(net: RoadNetwork, order: np.ndarray) -> Hierarchy:
    """Contract ``net`` in ``order`` and customize it with the packed edge weights."""
    return _build(_Graph.of(net), order)


def _build(g: _Graph, order: np.ndarray) -> Hierarchy:
    rank = np.empty(g.n, np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(g.n)
    ptr, heads, parent = _contract(g.n, rank, *g.adjacency())
    up, down = _customize(ptr, heads, rank[g.tail], rank[g.head], g.weight)
    return Hierarchy(rank, ptr, heads, up, down, parent, _depths(parent))


def warm_up() -> None:
    """Compile every kernel (or load it from numba's disk cache) on a tiny graph.

    The argument types are those of real use; run at install time so the first real matrix is
    quick.
    """
    tail = np.array([0, 1, 2, 1], np.int64)
    head = np.array([1, 2, 0, 0], np.int64)
    g = _Graph(tail, head, np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 0.001, 0.002]),
               np.array([0.0, 0.002, 0.0]))  # fmt: skip
    h = _build(g, _order(g, Feedback()))
    node = np.array([[0, 1], [2, -1]], np.int64)
    cost = np.array([[0.0, 1.0], [0.0, np.inf]])
    _matrix(h, node, cost, node, cost, Feedback(), 1)


def hierarchy(net: RoadNetwork, fb: Feedback) -> Hierarchy:
    """Return the hierarchy of ``net``, built once per process (the order comes from the cache).

    A second thread asking meanwhile waits for the first build instead of repeating it.
    """
    prep = prepared(net)
    h: Hierarchy | None = prep.cch
    if h is not None:
        return h
    with prep.cch_lock:
        h = prep.cch
        if h is None:
            order = node_order(net, fb.sub(0.0, 0.9))
            fb.step(0.9, "building contraction hierarchy")
            h = prep.cch = build(net, order)
    return h


def is_built(net: RoadNetwork) -> bool:
    """Tell whether this process already holds the hierarchy of ``net``."""
    return prepared(net).cch is not None


def is_ready(net: RoadNetwork) -> bool:
    """Tell whether a matrix on ``net`` can start without ordering the nodes first.

    True when the hierarchy was built in this process or an order file is cached
    (:func:`cached_order` still validates it when it is used).
    """
    p = cache_path(net)
    return is_built(net) or bool(p and os.path.isfile(p))


def threads() -> int:
    """Pair-loop threads: usable CPUs, at most :data:`MAX_THREADS`."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(MAX_THREADS, n))


def packed_matrix(
    net: RoadNetwork,
    dep_node: np.ndarray,
    dep_cost: np.ndarray,
    arr_node: np.ndarray,
    arr_cost: np.ndarray,
    fb: Feedback,
    n_threads: int | None = None,
) -> np.ndarray:
    """Return the packed cost from each origin to each destination (inf: no drive).

    Origins have up to two departure nodes with costs, destinations arrival nodes with costs.
    Drives along a shared segment are the caller's
    (:func:`~territory_desktop.routing.matrix.direct_pairs`).
    """
    h = hierarchy(net, fb.sub(0.0, 0.5))
    return _matrix(h, dep_node, dep_cost, arr_node, arr_cost, fb, n_threads)


def _matrix(
    h: Hierarchy,
    dep_node: np.ndarray,
    dep_cost: np.ndarray,
    arr_node: np.ndarray,
    arr_cost: np.ndarray,
    fb: Feedback,
    n_threads: int | None,
) -> np.ndarray:
    fb.step(0.5, "contraction-hierarchy searches")
    Fo, Po, do = h.searches(dep_node, dep_cost, forward=True)
    Fd, Pd, dd = h.searches(arr_node, arr_cost, forward=False)
    no, nd = Fo.shape[0], Fd.shape[0]
    out = np.empty((no, nd))
    rows = _ROWS_PER_TASK

    def task(lo: int) -> None:
        _pairs(Fo, Po, do, Fd, Pd, dd, lo, min(lo + rows, no), out[lo : lo + rows])

    if no <= rows:
        task(0)  # a rep's few accounts: no thread pool
        return out
    fbp = fb.sub(0.55, 1.0)
    with ThreadPoolExecutor(n_threads or threads()) as pool:
        futures = [pool.submit(task, lo) for lo in range(0, no, rows)]
        try:
            for k, f in enumerate(futures):
                fbp.step(k / len(futures), f"matrix rows {k * rows:,}/{no:,}")
                f.result()
        except BaseException:
            for g in futures:
                g.cancel()
            raise
    return out
