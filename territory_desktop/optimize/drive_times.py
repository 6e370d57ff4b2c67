"""Drive times a plan's workload estimate and balancing need, computed once per plan.

Road times come from the routing engine (:func:`territory_desktop.routing.travel_matrix`):
each centre (rep home) to every account and back, and each account to its
:data:`~territory_desktop.model.drive_estimate.NEIGHBOUR_POOL` nearest accounts, the latter
in spatially ordered blocks so 50,000 accounts never need a full matrix. Without a network
every time is straight-line distance x a detour factor (labelled "straight-line").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from territory_desktop.model.drive_estimate import (
    NEIGHBOUR_POOL,
    DriveTimes,
    straight_seconds,
    unit_vectors,
)
from territory_desktop.optimize._feedback import Feedback, Progress, Stop

if TYPE_CHECKING:
    from territory_desktop.model import Plan
    from territory_desktop.routing import RoadNetwork, SnapResult

_BLOCK = 256  # origins per neighbour-matrix block


def rep_homes(plan: Plan) -> dict[str, tuple[float, float]]:
    """Every rep's home as (lat, lon), keyed by rep id."""
    return {r.id: (r.home_lat, r.home_lon) for r in plan.reps.values()}


def drive_times(plan: Plan, network: RoadNetwork | None = None, *,
                centres: Mapping[str, tuple[float, float]] | None = None,
                progress: Progress | None = None, should_stop: Stop | None = None,
                ) -> DriveTimes:
    """Drive times between the plan's accounts and from ``centres`` (default: rep homes).

    With ``network`` None, or a network that reaches none of the accounts, every time is a
    straight-line estimate. Accounts the network cannot reach are listed in
    ``unreachable`` and get no drive time.
    """
    accounts = list(plan.accounts.values())
    lat = np.fromiter((a.lat for a in accounts), float, len(accounts))
    lon = np.fromiter((a.lon for a in accounts), float, len(accounts))
    ids = tuple(a.id for a in accounts)
    return times_between(ids, lat, lon, rep_homes(plan) if centres is None else centres,
                         network, progress=progress, should_stop=should_stop)


def times_between(ids: tuple[str, ...], lat: np.ndarray, lon: np.ndarray,
                  centres: Mapping[str, tuple[float, float]],
                  network: RoadNetwork | None = None, *, progress: Progress | None = None,
                  should_stop: Stop | None = None) -> DriveTimes:
    """:func:`drive_times` for bare coordinates (benchmarks, geographic units)."""
    fb = Feedback(progress, should_stop)
    n = lat.shape[0]
    pool = nearest_pool(lat, lon)
    c_ids = tuple(centres)
    c_lat = np.array([centres[c][0] for c in c_ids], float)
    c_lon = np.array([centres[c][1] for c in c_ids], float)
    reachable = np.ones(n, bool)
    unreachable: dict[str, str] = {}
    snapped = None
    if network is not None and n:
        fb.step(0.0, "placing accounts on the road network")
        from territory_desktop.routing.snapping import snap

        snapped = snap(network, lat, lon)
        reachable = np.asarray(snapped.reachable, bool).copy()
        unreachable = {ids[i]: snapped.reason[i] for i in np.flatnonzero(~reachable)}
        if not reachable.any():
            snapped = None  # the extract covers none of them: straight line for all
            reachable[:] = True
            unreachable = {}
    if snapped is None:
        fb.step(0.5, "straight-line drive times")
        centre_s = straight_seconds(c_lat[:, None], c_lon[:, None], lat[None, :], lon[None, :])
        pool_s = straight_seconds(lat[:, None], lon[:, None], lat[pool], lon[pool])
        fb.step(1.0, "drive times ready")
        return DriveTimes("straight-line", ids, lat, lon, c_ids, c_lat, c_lon,
                          centre_s.reshape(len(c_ids), n), pool, pool_s, reachable, {})
    assert network is not None
    fb.step(0.05, "drive times from rep homes")
    centre_s = _centre_seconds(network, snapped, c_lat, c_lon)
    pool_s = _pool_seconds(network, snapped, pool, fb.sub(0.2, 1.0))
    pool_s[~reachable] = np.inf
    pool_s[~reachable[pool]] = np.inf
    centre_s[:, ~reachable] = np.inf
    fb.step(1.0, "drive times ready")
    return DriveTimes("road", ids, lat, lon, c_ids, c_lat, c_lon, centre_s, pool, pool_s,
                      reachable, unreachable)


def add_centres(times: DriveTimes, centres: Mapping[str, tuple[float, float]],
                network: RoadNetwork | None = None) -> DriveTimes:
    """Return ``times`` with more centres (seed points, territory centres); known ids are kept."""
    new = {k: v for k, v in centres.items() if k not in times.centre_ids}
    if not new:
        return times
    c_lat = np.array([p[0] for p in new.values()], float)
    c_lon = np.array([p[1] for p in new.values()], float)
    if times.source == "road" and network is not None:
        from territory_desktop.routing.snapping import snap

        snapped = snap(network, times.lat, times.lon)
        rows = _centre_seconds(network, snapped, c_lat, c_lon)
        rows[:, ~times.reachable] = np.inf
    else:
        rows = straight_seconds(c_lat[:, None], c_lon[:, None], times.lat[None, :],
                                times.lon[None, :])
    return dataclasses.replace(
        times, centre_ids=times.centre_ids + tuple(new),
        centre_lat=np.concatenate((times.centre_lat, c_lat)),
        centre_lon=np.concatenate((times.centre_lon, c_lon)),
        centre_seconds=np.vstack((times.centre_seconds, rows)))


def nearest_pool(lat: np.ndarray, lon: np.ndarray, size: int = NEIGHBOUR_POOL) -> np.ndarray:
    """Per point, the indices of its ``size`` nearest other points (great circle)."""
    from scipy.spatial import cKDTree

    n = lat.shape[0]
    k = min(size, n - 1)
    if k <= 0:
        return np.zeros((n, 0), np.int64)
    _, idx = cKDTree(unit_vectors(lat, lon)).query(unit_vectors(lat, lon), k=k + 1)
    idx = np.asarray(idx, np.int64).reshape(n, k + 1)
    # Drop each point itself (not always column 0 when points coincide).
    own = idx == np.arange(n)[:, None]
    own[~own.any(axis=1), -1] = True
    near: np.ndarray = idx[~own].reshape(n, k)
    return near


def _centre_seconds(network: RoadNetwork, snapped: SnapResult, c_lat: np.ndarray,
                    c_lon: np.ndarray) -> np.ndarray:
    """Mean of centre -> account and account -> centre; straight line for unsnappable homes."""
    from territory_desktop.routing import travel_matrix

    if not c_lat.shape[0]:
        return np.zeros((0, len(snapped)))
    homes = np.column_stack((c_lat, c_lon))
    out = travel_matrix(network, homes, snapped, meters=False).seconds
    back = travel_matrix(network, snapped, homes, meters=False).seconds.T
    both: np.ndarray = np.where(np.isfinite(out) & np.isfinite(back), (out + back) / 2,
                    np.minimum(out, back))
    lost = ~np.isfinite(both).any(axis=1)  # a home the road network cannot reach
    if lost.any():
        both[lost] = straight_seconds(c_lat[lost, None], c_lon[lost, None],
                                      snapped.lat[None, :], snapped.lon[None, :])
    return both


def _pool_seconds(network: RoadNetwork, snapped: SnapResult, pool: np.ndarray,
                  fb: Feedback) -> np.ndarray:
    """Return the road seconds from each account to its pool.

    One small matrix per block of nearby accounts: block members share most of their
    neighbours.
    """
    from territory_desktop.routing import travel_matrix

    n, k = pool.shape
    out = np.full((n, k), np.inf)
    if not k:
        return out
    order = _spatial_order(snapped.lat, snapped.lon)
    for lo in range(0, n, _BLOCK):
        fb.step(lo / n, f"drive times between neighbouring accounts {lo:,}/{n:,}")
        rows = order[lo:lo + _BLOCK]
        dest = np.unique(pool[rows])
        m = travel_matrix(network, snapped.take(rows), snapped.take(dest), meters=False)
        col = np.searchsorted(dest, pool[rows])
        out[rows] = m.seconds[np.arange(rows.shape[0])[:, None], col]
    return out


def _spatial_order(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Return the indices along a Z-order curve, so consecutive accounts are near each other."""
    def scaled(v: np.ndarray) -> np.ndarray:
        span = float(v.max() - v.min()) or 1.0
        cells: np.ndarray = ((v - v.min()) / span * 65535).astype(np.uint64)
        return cells

    x, y = scaled(lon), scaled(lat)
    code = np.zeros(lat.shape[0], np.uint64)
    for b in range(16):
        bit = np.uint64(b)
        code |= ((x >> bit) & np.uint64(1)) << np.uint64(2 * b)
        code |= ((y >> bit) & np.uint64(1)) << np.uint64(2 * b + 1)
    order: np.ndarray = np.argsort(code, kind="stable")
    return order
