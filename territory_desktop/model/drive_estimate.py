"""Drive hours per week of a rep's territory, estimated fast enough to recompute while editing.

The inputs are drive times computed once per plan (:class:`DriveTimes`, built by
:func:`territory_desktop.optimize.drive_times.drive_times` from the road network, or from
straight-line distances when the plan has none); the estimate itself is a few NumPy passes.

The estimate
------------
For a rep (or a rep-less territory, driven from its accounts' centre) with accounts ``S``,
``v_i`` visits per week of account ``i``, ``h_i`` the drive seconds between the home and ``i``
(mean of both directions) and ``n_i`` the mean drive seconds from ``i`` to its
:data:`NEIGHBOURS_K` nearest accounts of ``S`` (among its :data:`NEIGHBOUR_POOL` nearest
accounts of the whole plan)::

    days  = min(working days per week, sum(v))            # days the rep goes out
    h_bar = sum(v_i h_i) / sum(v)                         # visit-weighted trip from home
    drive = NEIGHBOUR_COEF * sum(v_i n_i) + HOME_COEF * 2 * days * h_bar   # seconds/week

The first term is driving between stops, the second the trips out and back each day. The two
coefficients were fitted once to rotations scheduled by the rotation engine (see
:data:`CALIBRATION`). An account with no neighbour of ``S`` among its pool uses the
straight-line time to the nearest account of ``S``. Accounts the road network cannot reach
are left out of both terms (their visit hours still count) and listed by the caller.

Straight-line plans use ``distance * DETOUR_FACTOR / STRAIGHT_LINE_SPEED_KMH`` as drive time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

EARTH_RADIUS_M = 6_371_008.8

#: How many nearest accounts (straight line) get a road drive time, per account.
NEIGHBOUR_POOL = 12
#: How many of them inside the territory the between-stops term averages.
NEIGHBOURS_K = 3

#: Road metres per straight-line metre and road speed, for plans without a road network.
#: Medians of 300 random node pairs on each of six real OSM extracts (Baltimore,
#: Liechtenstein, Andorra, North Bayreuth, Helsinki, São Paulo; our own routing engine):
#: circuity 1.33-1.60 (median of medians 1.47), speed along the road 25-57 km/h (44); so
#: 1.4 and 45 km/h give 112 s per straight-line km, inside the measured 103-209.
DETOUR_FACTOR = 1.4
STRAIGHT_LINE_SPEED_KMH = 45.0

#: Coefficients of the estimate, fitted by ``benchmarks/workload_calibration.py`` (non-negative
#: least squares of the two terms against 42 rotations scheduled by the rotation engine on road
#: times: the sample plan's accounts in central Baltimore split 3-7 ways, 200 accounts at real
#: businesses of Liechtenstein and Andorra split 2-4 ways). Error of the fitted estimate per
#: rotation: median 13.5 %, drive-weighted mean 12.9 %; territories of 20-59 accounts median
#: 12 % (max 54 %), 60+ accounts median 11 % (max 24 %), under 20 accounts median 73 %
#: (tiny drives). Leaving one region out of the fit moves the total by -23 % to +26 %. Raw
#: output: ``benchmarks/results/workload_calibration.txt``.
NEIGHBOUR_COEF = 0.9257
HOME_COEF = 0.9590
CALIBRATION = ("fitted to 42 scheduled rotations (Baltimore, Liechtenstein, Andorra); "
               "median error 13.5 %")

SOURCES = ("scheduled", "estimate", "straight-line")
"""Labels of a drive figure: an exact stored rotation, the road estimate, or straight line."""


def straight_seconds(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray,
                     lon2: np.ndarray) -> np.ndarray:
    """Drive seconds from straight-line distance x :data:`DETOUR_FACTOR` at the set speed."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    metres: np.ndarray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return metres * DETOUR_FACTOR / (STRAIGHT_LINE_SPEED_KMH / 3.6)


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points on the unit sphere: Euclidean nearest neighbours there are great-circle ones."""
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)))


@dataclass(frozen=True)
class DriveTimes:
    """Drive times of one plan's accounts, computed once and reused by every estimate.

    ``centre_seconds[c, i]`` is the mean of the drives centre ``c`` -> account ``i`` and back
    (centres are rep homes, or any other named point); ``pool_index[i]`` the plan's nearest
    accounts to ``i`` (straight line, nearest first) and ``pool_seconds[i]`` the drive to each
    (``inf``: no drive). ``reachable[i]`` is False for accounts the road network cannot reach
    (``unreachable`` gives the reasons). ``source`` is ``"road"`` or ``"straight-line"``.
    """

    source: str
    account_ids: tuple[str, ...]
    lat: np.ndarray
    lon: np.ndarray
    centre_ids: tuple[str, ...]
    centre_lat: np.ndarray
    centre_lon: np.ndarray
    centre_seconds: np.ndarray
    pool_index: np.ndarray
    pool_seconds: np.ndarray
    reachable: np.ndarray
    unreachable: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The label of figures estimated from these times: "estimate" or "straight-line"."""
        return "estimate" if self.source == "road" else "straight-line"

    def centre(self, centre_id: str) -> int:
        """Row of ``centre_id`` in :attr:`centre_seconds` (ValueError when unknown)."""
        return self.centre_ids.index(centre_id)


@dataclass(frozen=True)
class DriveEstimate:
    """Per group: drive seconds per week and its two terms; per account: the home seconds."""

    drive_seconds: np.ndarray
    between_stops: np.ndarray
    home_trips: np.ndarray
    home_seconds: np.ndarray  # per account, from its group's centre (nan: no group/unreachable)


def neighbour_seconds(times: DriveTimes, group: np.ndarray) -> np.ndarray:
    """Return each account's mean drive seconds to its nearest same-group accounts.

    Its :data:`NEIGHBOURS_K` nearest; ``nan`` for accounts without a group or unreachable ones.

    Accounts with no same-group account in their pool use the straight-line time to the
    nearest account of their group (``inf`` when they are alone in it).
    """
    n = group.shape[0]
    pool = times.pool_index
    out = np.full(n, np.nan)
    if pool.ndim == 2 and pool.shape[1]:
        same = (group[pool] == group[:, None]) & (group[:, None] >= 0) & times.reachable[pool]
        secs = np.where(same, times.pool_seconds, np.inf)
        k = min(NEIGHBOURS_K, secs.shape[1])
        nearest = np.partition(secs, k - 1, axis=1)[:, :k] if secs.shape[1] > k else secs
        finite = np.isfinite(nearest)
        count = finite.sum(axis=1)
        total = np.where(finite, nearest, 0.0).sum(axis=1)
        has = count > 0
        out[has] = total[has] / count[has]
    lonely = np.flatnonzero(np.isnan(out) & (group >= 0) & times.reachable)
    if lonely.shape[0]:
        out[lonely] = _nearest_same_group(times, group, lonely)
    return out


def _nearest_same_group(times: DriveTimes, group: np.ndarray, lonely: np.ndarray) -> np.ndarray:
    from scipy.spatial import cKDTree

    xyz = unit_vectors(times.lat, times.lon)
    out = np.full(lonely.shape[0], np.inf)
    for g in np.unique(group[lonely]):
        members = np.flatnonzero((group == g) & times.reachable)
        ask = np.flatnonzero(group[lonely] == g)
        if members.shape[0] < 2:
            continue
        _, nearest = cKDTree(xyz[members]).query(xyz[lonely[ask]], k=2)
        i = lonely[ask]
        j = members[nearest[:, 1]]  # [:, 0] is the account itself
        out[ask] = straight_seconds(times.lat[i], times.lon[i], times.lat[j], times.lon[j])
    return out


def estimate_drive(times: DriveTimes, group: np.ndarray, centre_of_group: np.ndarray,
                   visits_per_week: np.ndarray, working_days: int) -> DriveEstimate:
    """Drive seconds per week of each group (see the module docstring for the formula).

    Parameters
    ----------
    group
        Per account, the group (rep or territory) index ``0..G-1``; -1 for none.
    centre_of_group
        Per group, its row in ``times.centre_seconds``.
    visits_per_week
        Per account.
    working_days
        Working days per week (caps the daily trips of busy groups).
    """
    n_groups = centre_of_group.shape[0]
    n = group.shape[0]
    idx = np.flatnonzero((group >= 0) & times.reachable)
    home = np.full(n, np.nan)
    home[idx] = times.centre_seconds[centre_of_group[group[idx]], idx]
    near = neighbour_seconds(times, group)
    v = visits_per_week
    ok = idx[np.isfinite(home[idx])]
    g = group[ok]
    between_each = np.where(np.isfinite(near[ok]), near[ok], 0.0)  # alone: no stop-to-stop
    visits = np.bincount(g, v[ok], minlength=n_groups)
    between = np.bincount(g, v[ok] * between_each, minlength=n_groups)
    weighted_home = np.bincount(g, v[ok] * home[ok], minlength=n_groups)
    h_bar = np.divide(weighted_home, visits, out=np.zeros(n_groups), where=visits > 0)
    days = np.minimum(float(working_days), visits)
    trips = 2.0 * days * h_bar
    drive = NEIGHBOUR_COEF * between + HOME_COEF * trips
    return DriveEstimate(drive, between, trips, home)
