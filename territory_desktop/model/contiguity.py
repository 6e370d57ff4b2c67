"""Which accounts are neighbours, how many pieces a territory is in, and how compact it is.

Account-based territories have no outline of their own, so contiguity is defined on the
**neighbour graph**: two accounts are neighbours when their Voronoi cells (in a local
equirectangular projection, km) share a border inside the accounts' region, their convex hull
grown by :data:`MARGIN_KM` (coincident accounts are joined to each other). A territory's
accounts form one **piece** when they are connected through neighbours of the same territory:
then the union of their cells, the outline :mod:`territory_desktop.geo.account_polygons`
draws, is in one part. The cells tile a convex region, so the graph is connected and every
alignment can be made contiguous.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from territory_desktop.model.drive_estimate import unit_vectors

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry


def project(lat: np.ndarray, lon: np.ndarray, lat0: float | None = None) -> np.ndarray:
    """(x, y) in km, equirectangular around ``lat0`` (default: the points' mean latitude)."""
    if lat0 is None:
        lat0 = float(np.mean(lat)) if lat.shape[0] else 0.0
    return np.column_stack((lon * KM_PER_DEG_LON * np.cos(np.radians(lat0)),
                            lat * KM_PER_DEG_LAT))


KM_PER_DEG_LON = 111.32
KM_PER_DEG_LAT = 110.57


#: The accounts' region is their convex hull grown by this much (km); outlines use the same.
MARGIN_KM = 1.0


def region(xy: np.ndarray, margin_km: float = MARGIN_KM) -> BaseGeometry:
    """Return the accounts' region in projected km: their convex hull grown by ``margin_km``."""
    from shapely.geometry import MultiPoint

    return MultiPoint(xy).convex_hull.buffer(margin_km)


def neighbour_graph(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Undirected edges (u, v) with u < v of the accounts' neighbour graph (see module doc)."""
    n = lat.shape[0]
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    xy = project(lat, lon)
    uniq, first, inverse = np.unique(np.round(xy, 6), axis=0, return_index=True,
                                     return_inverse=True)
    inverse = inverse.reshape(-1)
    us, vs = _cell_neighbours(uniq)
    u = first[us]
    v = first[vs]
    # Coincident accounts: each joins the first account at its location.
    dup = np.flatnonzero(first[inverse] != np.arange(n))
    u = np.concatenate((u, first[inverse[dup]]))
    v = np.concatenate((v, dup))
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    edges = np.unique(np.column_stack((lo, hi)), axis=0)
    return edges[:, 0].astype(np.int64), edges[:, 1].astype(np.int64)


def _cell_neighbours(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of distinct points whose Voronoi cells share a border inside :func:`region`."""
    import shapely
    from scipy.spatial import QhullError, Voronoi

    m = xy.shape[0]
    if m < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    try:
        vor = Voronoi(xy) if m >= 4 else None
    except QhullError:
        vor = None  # all on one line
    if vor is None:
        order = np.lexsort((xy[:, 1], xy[:, 0]))
        return order[:-1].astype(np.int64), order[1:].astype(np.int64)
    pairs = np.asarray(vor.ridge_points, np.int64)
    verts = np.asarray(vor.ridge_vertices, np.int64)
    start = vor.vertices[np.maximum(verts[:, 0], 0)]
    end = vor.vertices[np.maximum(verts[:, 1], 0)]
    # An unbounded ridge: a ray from its finite vertex, away from the points' centre.
    ray = (verts < 0).any(axis=1)
    if ray.any():
        finite = np.where(verts[ray, 0] >= 0, verts[ray, 0], verts[ray, 1])
        p, q = xy[pairs[ray, 0]], xy[pairs[ray, 1]]
        t = q - p
        normal = np.column_stack((-t[:, 1], t[:, 0]))
        normal /= np.linalg.norm(normal, axis=1)[:, None]
        mid = (p + q) / 2
        sign = np.sign(((mid - xy.mean(axis=0)) * normal).sum(axis=1))
        sign[sign == 0] = 1.0
        span = float(np.ptp(xy, axis=0).max()) + 10 * MARGIN_KM + 1.0
        origin = vor.vertices[finite]
        start[ray] = origin
        end[ray] = origin + normal * sign[:, None] * span * 4
    lines = shapely.linestrings(np.stack((start, end), axis=1))
    area = region(xy)
    shapely.prepare(area)
    shared = shapely.length(shapely.intersection(lines, area)) > 1e-9
    return pairs[shared, 0], pairs[shared, 1]


def components(n: int, u: np.ndarray, v: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Return the component id of each node in the graph restricted to edges inside one label.

    Nodes with label -1 are their own components.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    keep = (labels[u] == labels[v]) & (labels[u] >= 0)
    g = coo_matrix((np.ones(int(keep.sum())), (u[keep], v[keep])), shape=(n, n))
    return connected_components(g, directed=False)[1]


def pieces(n: int, u: np.ndarray, v: np.ndarray, labels: np.ndarray,
           n_labels: int) -> np.ndarray:
    """How many pieces each label's nodes form (0 for a label with no node)."""
    comp = components(n, u, v, labels)
    has = labels >= 0
    pairs = np.unique(np.column_stack((labels[has], comp[has])), axis=0)
    return np.bincount(pairs[:, 0], minlength=n_labels) if pairs.shape[0] else np.zeros(
        n_labels, np.int64)


def compactness(lat: np.ndarray, lon: np.ndarray, labels: np.ndarray,
                n_labels: int) -> np.ndarray:
    """Compactness score 0-100 of each label's accounts (nan for an empty label).

    ``100 * R / M``: ``M`` is the mean straight-line distance of the territory's ``n``
    accounts from their centre (mean position), ``R`` the same mean for the ``n`` accounts of
    the whole plan nearest to that centre, the most compact set of that size there could be.
    So 100 means no account of another territory is closer to the centre than the
    territory's own farthest ones; a stretched, ragged or interleaved territory scores lower.
    """
    from scipy.spatial import cKDTree

    xyz = unit_vectors(lat, lon)
    tree = cKDTree(xyz)
    out = np.full(n_labels, np.nan)
    for t in range(n_labels):
        own = xyz[labels == t]
        if not own.shape[0]:
            continue
        centre = own.mean(axis=0)
        norm = np.linalg.norm(centre)
        centre = centre / norm if norm else own[0]
        m = float(np.linalg.norm(own - centre, axis=1).mean())
        if m <= 1e-12:
            out[t] = 100.0
            continue
        dist, _ = tree.query(centre, k=own.shape[0])
        r = float(np.mean(dist))
        out[t] = 100.0 * min(1.0, r / m)
    return out


class Adjacency:
    """Neighbour lists of the graph, for local moves that must keep territories whole."""

    def __init__(self, n: int, u: np.ndarray, v: np.ndarray) -> None:
        self.n = n
        self.u, self.v = u, v
        # Both directions, grouped by source (CSR): a territory's border is read from its
        # members' rows, not from every edge of the graph.
        src = np.concatenate((u, v))
        order = np.argsort(src, kind="stable")
        self.ptr = np.concatenate(([0], np.cumsum(np.bincount(src, minlength=n))))
        self.nbr = np.concatenate((v, u))[order]
        self.near: list[set[int]] = [set() for _ in range(n)]
        for a, b in zip(u.tolist(), v.tolist(), strict=True):
            self.near[a].add(b)
            self.near[b].add(a)

    def of(self, i: int) -> set[int]:
        """Return the neighbours of node ``i``."""
        return self.near[i]

    def edges_from(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (node, neighbour) pair of ``nodes``."""
        start, deg = self.ptr[nodes], self.ptr[nodes + 1] - self.ptr[nodes]
        first = np.repeat(np.cumsum(deg) - deg, deg)
        at = np.repeat(start, deg) + np.arange(int(deg.sum())) - first
        return np.repeat(nodes, deg), self.nbr[at]

    def surely_whole_without(self, i: int, labels: np.ndarray) -> bool:
        """Try the cheap half of :meth:`stays_whole_without`.

        True means it stays whole; False means a full search is needed to tell.
        """
        lab = labels[i]
        same = [j for j in self.near[i] if labels[j] == lab]
        return len(same) <= 1 or self._linked_locally(same)

    def stays_whole_without(self, i: int, labels: np.ndarray, limit: int | None = None) -> bool:
        """Tell whether removing ``i`` from its label leaves that label's other nodes connected.

        Given they were connected before: a search from one same-label neighbour of ``i``
        must reach all the others without passing through ``i``. With ``limit``, a search
        that visits more nodes than that gives up and answers False (never a wrong True).
        """
        lab = labels[i]
        same = [j for j in self.near[i] if labels[j] == lab]
        if len(same) <= 1:
            return True
        if self._linked_locally(same):
            return True
        from collections import deque

        # Breadth first: a way round ``i`` is usually short, so the targets come up early.
        targets = set(same[1:])
        seen = {i, same[0]}
        queue = deque([same[0]])
        budget = limit if limit is not None else self.n
        while queue and targets and budget > 0:
            budget -= 1
            x = queue.popleft()
            for y in self.near[x]:
                if y not in seen and labels[y] == lab:
                    seen.add(y)
                    targets.discard(y)
                    queue.append(y)
        return not targets

    def _linked_locally(self, same: list[int]) -> bool:
        """Decide the usual case in O(degree²): the neighbours are connected to each other.

        Directly: around ``i`` in a Voronoi diagram, consecutive neighbours are adjacent.
        """
        pending = set(same[1:])
        stack = [same[0]]
        while stack and pending:
            near = pending & self.near[stack.pop()]
            pending -= near
            stack.extend(near)
        return not pending
