"""What routing derives from a compiled network, built once per process and kept together.

A :class:`~territory_desktop.routing.network.RoadNetwork` is the stored data (arrays and
meta) and nothing else. The structures that snapping, routes, matrices and isochrones derive
from it (the CSR graph, the per-segment edge table, the snap index, the contraction
hierarchy...) live in its :class:`PreparedNetwork`, which :func:`prepared` creates on first
use and keeps with the network, so every query on the same network object shares them.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from .network import TIME_SHIFT, RoadNetwork

if TYPE_CHECKING:
    from ._geom import LocalProjection
    from .snap_index import SegmentIndex

_CREATE_LOCK = threading.Lock()


def prepared(network: RoadNetwork) -> PreparedNetwork:
    """Return the :class:`PreparedNetwork` of ``network`` (created on first use, then shared)."""
    p = network.derived
    if p is None:
        with _CREATE_LOCK:  # two worker threads asking at once get the same object
            p = network.derived
            if p is None:
                p = network.derived = PreparedNetwork(network)
    assert isinstance(p, PreparedNetwork)
    return p


class PreparedNetwork:
    """Routing structures derived from one network; each is built on first use.

    Parameters
    ----------
    network
        The compiled network the structures are derived from (never modified).
    """

    def __init__(self, network: RoadNetwork) -> None:
        self.network = network
        #: The :class:`~territory_desktop.routing.cch.Hierarchy`, once
        #: :func:`~territory_desktop.routing.cch.hierarchy` has built it (None before; typed
        #: loosely so this module need not import cch, which imports it).
        self.cch: Any = None
        #: Hash of what the CCH node order depends on (set by ``cch.cache_path``).
        self.cch_order_key: str | None = None
        self.cch_lock = threading.Lock()  # one hierarchy build, whichever thread asks first

    @property
    def arrays(self) -> dict[str, np.ndarray]:
        """The network's compiled arrays."""
        return self.network.arrays

    @property
    def n_nodes(self) -> int:
        """Number of road nodes."""
        return self.network.n_nodes

    @cached_property
    def node_lat(self) -> np.ndarray:
        """Node latitudes in degrees (float64)."""
        return self.network.node_lat

    @cached_property
    def node_lon(self) -> np.ndarray:
        """Node longitudes in degrees (float64)."""
        return self.network.node_lon

    @cached_property
    def seg_edges(self) -> tuple[np.ndarray, np.ndarray]:
        """Per segment: the edge along its node order and the edge against it (-1 = none)."""
        a = self.arrays
        n_seg = a["seg_first"].shape[0]
        fwd = np.full(n_seg, -1, dtype=np.int64)
        bwd = np.full(n_seg, -1, dtype=np.int64)
        rev = a["edge_rev"].astype(bool)
        ids = np.arange(self.network.n_edges)
        fwd[a["edge_seg"][~rev]] = ids[~rev]
        bwd[a["edge_seg"][rev]] = ids[rev]
        return fwd, bwd

    @cached_property
    def packed_weight(self) -> np.ndarray:
        """float64 ``time_ms * TIME_SHIFT + length_dm`` per edge (exact integers)."""
        return (
            self.arrays["edge_time_ms"].astype(np.float64) * TIME_SHIFT
            + self.arrays["edge_length_dm"].astype(np.float64)
        )

    @cached_property
    def routing_edges(self) -> np.ndarray:
        """Edge ids used for routing: the fastest of each set of parallel edges.

        Sorted by (tail, head). scipy's csr_matrix would SUM parallel edges, so we choose first.
        """
        tail = self.arrays["edge_tail"].astype(np.int64)
        head = self.arrays["edge_head"].astype(np.int64)
        order = np.lexsort((self.packed_weight, head, tail))
        key = tail[order] * self.n_nodes + head[order]
        first = np.ones(order.shape[0], dtype=bool)
        first[1:] = key[1:] != key[:-1]
        return order[first]

    @cached_property
    def csr(self) -> Any:
        """The CSR matrix (scipy) of packed weights over :attr:`routing_edges` (no duplicates)."""
        from scipy.sparse import csr_matrix

        e = self.routing_edges
        n = self.n_nodes
        tail = self.arrays["edge_tail"][e]
        indptr = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(np.bincount(tail, minlength=n), out=indptr[1:])
        return csr_matrix(
            (self.packed_weight[e], self.arrays["edge_head"][e].astype(np.int32), indptr),
            shape=(n, n),
        )

    @cached_property
    def csr_edge_lookup(self) -> dict[tuple[int, int], int]:
        """(tail, head) -> routing edge id, for path reconstruction."""
        e = self.routing_edges
        t = self.arrays["edge_tail"][e].tolist()
        h = self.arrays["edge_head"][e].tolist()
        return dict(zip(zip(t, h, strict=True), e.tolist(), strict=True))

    @cached_property
    def projection(self) -> LocalProjection:
        """Local metric projection centred on the network's bounding box."""
        from ._geom import LocalProjection

        # A clipped copy keeps the projection of the network it was cut from: same snapping.
        centre = self.network.meta.get("projection_centre")
        if centre is not None:
            return LocalProjection(float(centre[0]), float(centre[1]))
        b = self.network.bbox
        return LocalProjection((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)

    @cached_property
    def snap_index(self) -> SegmentIndex:
        """Spatial index of the segments (see :mod:`~territory_desktop.routing.snap_index`)."""
        from .snap_index import SegmentIndex

        return SegmentIndex(self.network, self.projection)

    @property
    def has_snap_index(self) -> bool:
        """True once :attr:`snap_index` has been built in this process."""
        return "snap_index" in self.__dict__
