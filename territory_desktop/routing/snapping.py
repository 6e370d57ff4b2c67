"""Snap points to the nearest drivable edge (segment projection, not nearest node).

The nearest segment comes from the network's spatial index
(:mod:`~territory_desktop.routing.snap_index`, built once per network and kept in its
:class:`~territory_desktop.routing.prepared.PreparedNetwork`).

A point is **unreachable** (``reachable=False`` with a reason) when it is outside the
network's extent, farther than ``max_access_m`` from any connected road, or *on* a road with no
connection at all to the main network (an island reached only by ferry): within
``ISLAND_ON_ROAD_M`` of it while the nearest connected road is more than ``ISLAND_MARGIN_M``
farther away. A point farther from the cut-off road than that is served by the nearest
connected road within ``max_access_m``, and its ``note`` says that a nearer road was passed
over. Dropped pieces that touch the main network (one-way stubs cut by the extract's border)
do not count as islands: a point next to one snaps to the nearest connected road instead.

A point whose snapped position lies within ``AT_NODE_M`` of a segment's end is *at that
node* (``fraction`` exactly 0 or 1): it leaves and arrives in every direction the node allows,
not only along the segment it was snapped to (which may be a one-way street).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from territory_desktop.geo.distance import haversine_m

from .prepared import prepared

if TYPE_CHECKING:
    from .network import RoadNetwork
    from .snap_index import SegmentIndex

ISLAND_MARGIN_M = 50.0
#: A point this close to a cut-off road is taken to be on it (an address lies within about
#: this distance of its own street); farther away, a connected road within reach serves it.
ISLAND_ON_ROAD_M = 100.0
#: Half the decimetre lengths are kept in: a snap closer than this to a segment end is at
#: the end node.
AT_NODE_M = 0.05


@dataclass
class SnapResult:
    """Per input point (arrays of equal length)."""

    lat: np.ndarray
    lon: np.ndarray
    reachable: np.ndarray  # bool
    reason: list[str]  # "" when reachable
    access_m: np.ndarray  # metres from the point to the road (inf if no road at all)
    edge: np.ndarray  # int64 directed edge id on the snapped segment (-1 if unreachable)
    segment: np.ndarray  # int64 segment id (-1 if unreachable)
    fraction: np.ndarray  # position along the segment's node order, 0..1 (by length)
    snapped_lat: np.ndarray
    snapped_lon: np.ndarray
    note: list[str]  # "" or what the caller should know about a reachable point's snap

    def __len__(self) -> int:
        """Return the number of points."""
        return int(self.lat.shape[0])

    def take(self, idx: Any) -> SnapResult:
        """Return the results of the points at indices ``idx``, in that order."""
        idx = np.asarray(idx, dtype=np.int64)
        return SnapResult(
            self.lat[idx], self.lon[idx], self.reachable[idx],
            [self.reason[i] for i in idx.tolist()], self.access_m[idx], self.edge[idx],
            self.segment[idx], self.fraction[idx], self.snapped_lat[idx], self.snapped_lon[idx],
            [self.note[i] for i in idx.tolist()],
        )  # fmt: skip


def snap(
    net: RoadNetwork, lats: Any, lons: Any, max_access_m: float = 500.0
) -> SnapResult:
    """Snap (lat, lon) points to the nearest edge of ``net``; flag the unreachable ones."""
    lat = np.atleast_1d(np.asarray(lats, dtype=np.float64))
    lon = np.atleast_1d(np.asarray(lons, dtype=np.float64))
    if lat.shape != lon.shape:
        raise ValueError("lats and lons differ in length")
    n = lat.shape[0]
    prep = prepared(net)
    idx: SegmentIndex = prep.snap_index
    reason = [""] * n
    reachable = np.ones(n, dtype=bool)
    valid = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    for i in np.flatnonzero(~valid):
        reason[i] = f"invalid coordinates ({lat[i]}, {lon[i]})"
    reachable &= valid
    # Outside the extent (with the access margin): no road data there, whatever is nearest.
    b = net.bbox
    mlat = max_access_m / 111_000.0
    mlon = mlat / max(np.cos(np.radians((b[0] + b[2]) / 2)), 0.05)
    inside = (lat >= b[0] - mlat) & (lat <= b[2] + mlat) & (lon >= b[1] - mlon) & (
        lon <= b[3] + mlon
    )
    for i in np.flatnonzero(valid & ~inside):
        reason[i] = (
            f"outside the road network's extent (lat {b[0]:.4f}..{b[2]:.4f}, "
            f"lon {b[1]:.4f}..{b[3]:.4f})"
        )
    reachable &= inside

    x = np.zeros(n)
    y = np.zeros(n)
    if valid.any():
        x[valid], y[valid] = idx.proj.to_xy(lat[valid], lon[valid])
    kp, kd, kt = idx.kept.nearest(x, y)
    _, dd, _ = idx.island.nearest(x, y)
    piece = np.where(kp >= 0, idx.kept_ids[np.maximum(kp, 0)], -1)
    seg = np.where(piece >= 0, idx.piece_seg[np.maximum(piece, 0)], -1)
    along = idx.piece_along[np.maximum(piece, 0)] + kt * idx.piece_len[np.maximum(piece, 0)]
    seg_len = idx.seg_len[np.maximum(seg, 0)]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(seg_len > 0, along / seg_len, 0.0)
    frac = np.clip(frac, 0.0, 1.0)
    frac[along >= seg_len - AT_NODE_M] = 1.0  # exactly at a node: see the module docstring
    frac[along <= AT_NODE_M] = 0.0
    # Snapped location: interpolate on the geodesic piece, access distance by haversine.
    a = net.arrays
    pos = idx.piece_pos[np.maximum(piece, 0)]
    la0, lo0 = a["geom_lat_e7"][pos] * 1e-7, a["geom_lon_e7"][pos] * 1e-7
    la1, lo1 = a["geom_lat_e7"][pos + 1] * 1e-7, a["geom_lon_e7"][pos + 1] * 1e-7
    slat = la0 + kt * (la1 - la0)
    slon = lo0 + kt * (lo1 - lo0)
    access = np.where(kp >= 0, haversine_m(lat, lon, slat, slon), np.inf)

    note = [""] * n
    for i in np.flatnonzero(reachable):
        cut_off = dd[i] + ISLAND_MARGIN_M < kd[i] and dd[i] <= max_access_m
        if kp[i] < 0:
            reachable[i] = False
            reason[i] = "the network has no roads"
        elif cut_off and (dd[i] <= ISLAND_ON_ROAD_M or access[i] > max_access_m):
            reachable[i] = False
            reason[i] = (
                f"nearest road ({dd[i]:.0f} m) is not connected to the main road network "
                f"(island or closed-off area); nearest connected road is {access[i]:.0f} m away"
            )
        elif access[i] > max_access_m:
            reachable[i] = False
            reason[i] = f"no drivable road within {max_access_m:.0f} m (nearest {access[i]:.0f} m)"
        elif cut_off:
            note[i] = (
                f"snapped to the nearest connected road, {access[i]:.0f} m away; a nearer road "
                f"({dd[i]:.0f} m) is not connected to the main road network"
            )
    fwd, bwd = prep.seg_edges
    s0 = np.maximum(seg, 0)
    edge = np.where(fwd[s0] >= 0, fwd[s0], bwd[s0])
    edge = np.where(reachable, edge, -1)
    return SnapResult(
        lat=lat, lon=lon, reachable=reachable, reason=reason, access_m=access,
        edge=edge.astype(np.int64), segment=np.where(reachable, seg, -1).astype(np.int64),
        fraction=np.where(reachable, frac, 0.0), snapped_lat=slat, snapped_lon=slon, note=note,
    )  # fmt: skip
