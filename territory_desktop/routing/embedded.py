"""A plan's own copy of its road network: clipped to the plan's area and checked exact.

Clipping keeps the roads in a box around the given points (accounts, rep homes) grown by a
margin, then the largest strongly connected part of them, so the copy is a network like any
other. The margin starts at ``max(MIN_MARGIN_M, MARGIN_FRACTION x the points' span)``: a
fastest path may leave the box around its two ends to take a faster road (a ring road or a
highway), but rarely by more than a fraction of their distance. Then the copy is checked:
drive times and metres between every pair of points (up to ``CHECK_POINTS`` of them, a seeded
sample beyond that) must equal the full network's to the millisecond and decimetre; where one
differs the margin doubles, up to the whole network. Snapping uses the full network's local
projection (``meta["projection_centre"]``), so points snap to the same places.
"""

from __future__ import annotations

import hashlib
import json
import math
import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# At module level: the window imports this module on the GUI thread (app.WORKER_MODULES), so
# the worker that clips never makes scipy's first import through PySide6's import hook.
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from territory_desktop.model.network_data import EmbeddedNetwork

from ._progress import Feedback, ProgressFn, StopFn
from .errors import RoutingError
from .network import RoadNetwork

MIN_MARGIN_M = 3_000.0
MARGIN_FRACTION = 0.2
CHECK_POINTS = 1_500
_M_PER_DEG = 111_320.0

_AS_NETWORK: weakref.WeakKeyDictionary[EmbeddedNetwork, RoadNetwork] = (
    weakref.WeakKeyDictionary())


@dataclass(frozen=True)
class ClipResult:
    """A clipped network and how it was found."""

    network: EmbeddedNetwork
    margin_m: float  # the margin that passed the check
    attempts: int  # clips tried (the margin doubles after each failed check)
    checked_points: int  # points whose pairwise drive times were compared
    full_nodes: int  # nodes of the network it was clipped from

    def describe(self) -> str:
        """One line for the user."""
        n = int(self.network.arrays["node_lat_e7"].shape[0])
        return (f"{n:,} of {self.full_nodes:,} road nodes kept ({self.margin_m / 1000:.1f} km "
                f"margin; drive times between {self.checked_points} points equal the full "
                "network's)")


def clip_network(network: RoadNetwork, lats: list[float], lons: list[float], *,
                 progress: ProgressFn | None = None,
                 should_stop: StopFn | None = None) -> ClipResult:
    """Clip ``network`` to the points (lat, lon) plus a checked margin (see module docstring).

    Raises
    ------
    RoutingError
        No point lies on the network's roads.
    """
    from .matrix import travel_matrix

    fb = Feedback(progress, should_stop)
    lat = np.asarray(lats, dtype=np.float64)
    lon = np.asarray(lons, dtype=np.float64)
    ok = np.isfinite(lat) & np.isfinite(lon)
    lat, lon = lat[ok], lon[ok]
    if lat.shape[0] == 0:
        raise RoutingError("no accounts or rep homes to clip the road network to")
    if lat.shape[0] > CHECK_POINTS:
        pick = np.sort(np.random.default_rng(0).choice(lat.shape[0], CHECK_POINTS, False))
        check_lat, check_lon = lat[pick], lon[pick]
    else:
        check_lat, check_lon = lat, lon
    points = np.column_stack((check_lat, check_lon))
    fb.step(0.0, "drive times on the full network")
    full = travel_matrix(network, points)
    span = math.hypot((lat.max() - lat.min()) * _M_PER_DEG,
                      (lon.max() - lon.min()) * _M_PER_DEG * math.cos(math.radians(lat.mean())))
    margin = max(MIN_MARGIN_M, MARGIN_FRACTION * span)
    full_box = network.bbox
    attempts = 0
    while True:
        attempts += 1
        fb.step(min(0.9, 0.1 + 0.2 * attempts), f"clipping with a {margin / 1000:.1f} km margin")
        box = _box(lat, lon, margin)
        whole = (box[0] <= full_box[0] and box[1] <= full_box[1] and box[2] >= full_box[2]
                 and box[3] >= full_box[3])
        clipped = network if whole else clip_to_box(network, box)
        if whole:
            break
        got = travel_matrix(clipped, points)
        assert full.meters is not None and got.meters is not None
        if (np.array_equal(full.seconds, got.seconds)
                and np.array_equal(full.meters, got.meters)):
            break
        margin *= 2
    fb.step(1.0, "road network clipped")
    return ClipResult(to_embedded(clipped), margin, attempts, int(points.shape[0]),
                      network.n_nodes)


def _box(lat: np.ndarray, lon: np.ndarray, margin_m: float) -> tuple[float, float, float,
                                                                     float]:
    dlat = margin_m / _M_PER_DEG
    dlon = margin_m / (_M_PER_DEG * max(math.cos(math.radians(float(np.abs(lat).max()))), 0.05))
    return (float(lat.min()) - dlat, float(lon.min()) - dlon, float(lat.max()) + dlat,
            float(lon.max()) + dlon)


def clip_to_box(network: RoadNetwork, box: tuple[float, float, float, float]) -> RoadNetwork:
    """Return the roads of ``network`` in ``box`` (min_lat, min_lon, max_lat, max_lon).

    Segments with an end in the box are kept (so snapping near the edge finds them), edges
    whose both ends are in the box, then the largest strongly connected part of those.
    """
    a = network.arrays
    lo_lat, lo_lon = math.floor(box[0] * 1e7), math.floor(box[1] * 1e7)
    hi_lat, hi_lon = math.ceil(box[2] * 1e7), math.ceil(box[3] * 1e7)

    def inside(lat_e7: np.ndarray, lon_e7: np.ndarray) -> np.ndarray:
        result: np.ndarray = ((lat_e7 >= lo_lat) & (lat_e7 <= hi_lat) & (lon_e7 >= lo_lon)
                              & (lon_e7 <= hi_lon))
        return result

    sf, sl = a["seg_first"], a["seg_last"]
    glat, glon = a["geom_lat_e7"], a["geom_lon_e7"]
    seg_in = inside(glat[sf], glon[sf]) | inside(glat[sl], glon[sl])
    node_in = inside(a["node_lat_e7"], a["node_lon_e7"])
    tail, head = a["edge_tail"], a["edge_head"]
    edge_in = seg_in[a["edge_seg"]] & node_in[tail] & node_in[head]
    n = network.n_nodes
    graph = csr_matrix((np.ones(int(edge_in.sum())), (tail[edge_in], head[edge_in])),
                       shape=(n, n))
    _, labels = connected_components(graph, directed=True, connection="strong")
    keep_node = labels == int(np.argmax(np.bincount(labels)))
    keep_edge = edge_in & keep_node[tail] & keep_node[head]
    if not keep_edge.any():
        raise RoutingError("the road network has no roads in the plan's area")
    seg_ids = np.flatnonzero(seg_in)
    new_seg = np.full(sf.shape[0], -1, dtype=np.int64)
    new_seg[seg_ids] = np.arange(seg_ids.shape[0])
    # The geometry positions the kept segments cover, each once (a way's consecutive segments
    # share their junction point), renumbered in pool order.
    cover = np.zeros(glat.shape[0] + 1, dtype=np.int64)
    np.add.at(cover, sf[seg_ids], 1)
    np.add.at(cover, sl[seg_ids].astype(np.int64) + 1, -1)
    covered = np.cumsum(cover[:-1]) > 0
    pool = np.flatnonzero(covered)
    new_pos = np.cumsum(covered) - 1
    new_node = np.cumsum(keep_node) - 1
    edge_seg = new_seg[a["edge_seg"][keep_edge]]
    seg_kept = np.zeros(seg_ids.shape[0], dtype=bool)
    seg_kept[edge_seg] = True
    arrays = {
        "geom_lat_e7": glat[pool], "geom_lon_e7": glon[pool],
        "seg_first": new_pos[sf[seg_ids]].astype(np.int32),
        "seg_last": new_pos[sl[seg_ids]].astype(np.int32),
        "seg_kept": seg_kept, "seg_island": a["seg_island"][seg_ids],
        "node_lat_e7": a["node_lat_e7"][keep_node], "node_lon_e7": a["node_lon_e7"][keep_node],
        "node_osm_id": a["node_osm_id"][keep_node],
        "edge_tail": new_node[tail[keep_edge]].astype(np.int32),
        "edge_head": new_node[head[keep_edge]].astype(np.int32),
        "edge_seg": edge_seg.astype(np.int32),
        **{k: a[k][keep_edge] for k in ("edge_rev", "edge_time_ms", "edge_length_dm",
                                        "edge_class", "edge_kph", "edge_way_id")},
    }  # fmt: skip
    b = network.bbox
    meta = dict(network.meta)
    clip_box = [max(box[0], b[0]), max(box[1], b[1]), min(box[2], b[2]), min(box[3], b[3])]
    meta.update(
        bbox=clip_box,
        projection_centre=meta.get("projection_centre", [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2]),
        clipped_from=network.content_hash,
        content_hash=hashlib.sha256(
            (network.content_hash + json.dumps(clip_box)).encode()).hexdigest(),
        nodes=int(keep_node.sum()), edges=int(keep_edge.sum()), segments=int(seg_kept.sum()),
    )
    return RoadNetwork(arrays=arrays, meta=meta)


def to_embedded(network: RoadNetwork) -> EmbeddedNetwork:
    """Return ``network`` as the data a plan carries (arrays made read-only, not copied)."""
    arrays = {}
    for name, array in network.arrays.items():
        view = array.view()
        view.flags.writeable = False
        arrays[name] = view
    return EmbeddedNetwork(arrays, dict(network.meta))


def from_embedded(embedded: EmbeddedNetwork, cache_dir: Path | None = None) -> RoadNetwork:
    """Return the network a plan carries, ready for routing (one object per copy, shared).

    ``cache_dir``: where its snap index and contraction order may be cached (none: in memory).
    """
    net = _AS_NETWORK.get(embedded)
    if net is None:
        net = RoadNetwork(arrays=dict(embedded.arrays), meta=dict(embedded.meta))
        if cache_dir is not None:
            Path(cache_dir).mkdir(parents=True, exist_ok=True)
            net.path = str(Path(cache_dir) / f"embedded-{embedded.content_hash[:16]}")
        _AS_NETWORK[embedded] = net
    return net
