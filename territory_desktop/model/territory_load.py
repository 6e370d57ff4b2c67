"""Workload per territory and rep in hours per week: visits plus driving, beside potential.

``workload = visit hours + drive hours`` per week, where visit hours are
``visit minutes / 60 / every_weeks`` summed over the territory's accounts (the plan's cadence,
:meth:`~territory_desktop.model.plan.PlanSettings.cadence_for`), and drive hours come from,
in order of preference:

``"scheduled"``
    the rep's stored rotation on road times, when it was made for the rep's current accounts
    (:func:`territory_desktop.optimize.plan_schedule.scheduled_drive_hours`, the rule the
    territory table and the health report follow too);
``"estimate"``
    the calibrated road estimate of :mod:`territory_desktop.model.drive_estimate`;
``"straight-line"``
    the same estimate on straight-line distance x detour factor (no road network).

A rep's driving is estimated over all their territories together (one home, one week) and
shared among them by visit hours. A rep's utilisation has one definition,
:func:`territory_desktop.model.workload.rep_week`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from territory_desktop.model.cadence import visits_per_week
from territory_desktop.model.drive_estimate import DriveTimes, estimate_drive, straight_seconds
from territory_desktop.model.plan import TIERS, Plan


class WorkloadError(ValueError):
    """Workload inputs that do not fit together (e.g. drive times of another account list)."""


@dataclass(frozen=True)
class AccountTable:
    """The plan's accounts as arrays, in plan order (the balancer and estimates use these)."""

    ids: tuple[str, ...]
    lat: np.ndarray
    lon: np.ndarray
    visits_per_week: np.ndarray
    visit_hours: np.ndarray  # per week
    potential: np.ndarray
    tier: np.ndarray  # index into TIERS

    @classmethod
    def of(cls, plan: Plan) -> AccountTable:
        """Build the table of ``plan``'s accounts."""
        accounts = list(plan.accounts.values())
        n = len(accounts)
        every = np.empty(n)
        minutes = np.empty(n)
        for k, a in enumerate(accounts):
            every[k], minutes[k] = plan.settings.cadence_for(a)
        visits = visits_per_week(every)
        return cls(tuple(a.id for a in accounts),
                   np.fromiter((a.lat for a in accounts), float, n),
                   np.fromiter((a.lon for a in accounts), float, n),
                   visits, visits * minutes / 60.0,
                   np.fromiter((a.potential or 0.0 for a in accounts), float, n),
                   np.fromiter((TIERS.index(a.tier) for a in accounts), np.int64, n))

    def __len__(self) -> int:
        """Return the number of accounts."""
        return len(self.ids)


@dataclass(frozen=True)
class LabelWorkload:
    """Per label (territory): visit and drive hours per week; per account: home seconds."""

    visit_hours: np.ndarray
    drive_hours: np.ndarray
    home_seconds: np.ndarray

    @property
    def workload(self) -> np.ndarray:
        """Visit plus drive hours per week, per label."""
        total: np.ndarray = self.visit_hours + self.drive_hours
        return total


def label_workload(table: AccountTable, times: DriveTimes, labels: np.ndarray,
                   owners: Sequence[str | None], working_days: int,
                   scheduled: Mapping[str, float] | None = None) -> LabelWorkload:
    """Workload of each label ``0..len(owners)-1`` given each account's label (-1: none).

    ``owners[t]`` is the rep of label ``t`` (its home is the centre) or None (driven from the
    accounts' centre, straight line). Labels of one rep share one drive estimate, split by
    visit hours; ``scheduled[rep]`` replaces the estimate with a scheduled figure.
    """
    if times.account_ids != table.ids:
        raise WorkloadError("the drive times were computed for another list of accounts; "
                            "recompute them after importing or deleting accounts")
    n_labels = len(owners)
    group_of_owner: dict[str, int] = {}
    label_group = np.empty(n_labels, np.int64)
    for t, rep in enumerate(owners):
        key = rep if rep is not None else f"\0territory {t}"
        label_group[t] = group_of_owner.setdefault(key, len(group_of_owner))
    keys = list(group_of_owner)
    times, centres = _with_centres(times, table, labels, label_group, keys)
    group = np.where(labels >= 0, label_group[np.maximum(labels, 0)], -1)
    est = estimate_drive(times, group, centres, table.visits_per_week, working_days)
    visit = np.bincount(labels[labels >= 0], table.visit_hours[labels >= 0],
                        minlength=n_labels)
    group_visit = np.bincount(label_group, visit, minlength=len(keys))
    group_drive = est.drive_seconds / 3600.0
    for g, key in enumerate(keys):
        if scheduled and key in scheduled:
            group_drive[g] = scheduled[key]
    share = np.divide(visit, group_visit[label_group], out=np.zeros(n_labels),
                      where=group_visit[label_group] > 0)
    alone = np.bincount(label_group, minlength=len(keys))[label_group] == 1
    share[alone] = 1.0
    return LabelWorkload(visit, group_drive[label_group] * share, est.home_seconds)


def _with_centres(times: DriveTimes, table: AccountTable, labels: np.ndarray,
                  label_group: np.ndarray, keys: list[str]) -> tuple[DriveTimes, np.ndarray]:
    """Centre row per group: the rep's home, or the accounts' centre for rep-less labels."""
    import dataclasses

    centres = np.empty(len(keys), np.int64)
    extra: list[np.ndarray] = []
    for g, key in enumerate(keys):
        if not key.startswith("\0"):
            try:
                centres[g] = times.centre(key)
            except ValueError:
                raise WorkloadError(f"no drive times from rep {key}'s home; recompute the "
                                    "drive times after adding a rep") from None
            continue
        members = np.isin(labels, np.flatnonzero(label_group == g))
        lat = float(table.lat[members].mean()) if members.any() else 0.0
        lon = float(table.lon[members].mean()) if members.any() else 0.0
        centres[g] = len(times.centre_ids) + len(extra)
        extra.append(straight_seconds(np.full(len(table), lat), np.full(len(table), lon),
                                      table.lat, table.lon))
    if extra:
        times = dataclasses.replace(
            times, centre_seconds=np.vstack([times.centre_seconds, *extra]))
    return times, centres


@dataclass(frozen=True)
class TerritoryLoad:
    """Workload and opportunity of one territory, hours per week.

    ``weekly_hours`` is the rep's (None without a rep). ``drive_minutes`` is the
    visit-weighted mean drive from the rep's home to the accounts. ``pieces`` counts the
    territory's parts on the neighbour graph (:mod:`territory_desktop.model.contiguity`);
    ``compactness`` is that module's 0-100 score.
    """

    territory_id: str
    name: str
    rep_id: str | None
    accounts: int
    by_tier: dict[str, int]
    potential: float
    visits_per_week: float
    visit_hours: float
    drive_hours: float
    drive_source: str
    weekly_hours: float | None
    drive_minutes: float
    pieces: int
    compactness: float
    unreachable: tuple[str, ...] = field(default_factory=tuple)

    @property
    def workload_hours(self) -> float:
        """Visit plus drive hours per week."""
        return self.visit_hours + self.drive_hours


def territory_loads(plan: Plan, territory_of: Mapping[str, str | None], times: DriveTimes,
                    scheduled: Mapping[str, float] | None = None,
                    table: AccountTable | None = None,
                    graph: tuple[np.ndarray, np.ndarray] | None = None) -> list[TerritoryLoad]:
    """One :class:`TerritoryLoad` per territory of the plan, in plan order.

    ``territory_of`` maps account id -> territory id (e.g. ``assign_accounts(plan)``);
    ``scheduled`` maps rep id -> scheduled drive hours per week. ``table`` and ``graph`` (the
    neighbour graph's edges) may be passed in to save recomputing them on every edit.
    """
    from territory_desktop.model.contiguity import compactness, neighbour_graph, pieces

    table = table or AccountTable.of(plan)
    tids = list(plan.territories)
    index = {t: k for k, t in enumerate(tids)}
    labels = np.fromiter((index.get(territory_of.get(a) or "", -1) for a in table.ids),
                         np.int64, len(table))
    owners = [t.rep_id if t.rep_id in plan.reps else None for t in plan.territories.values()]
    work = label_workload(table, times, labels, owners, len(plan.settings.working_weekdays),
                          scheduled)
    u, v = graph if graph is not None else neighbour_graph(table.lat, table.lon)
    n_pieces = pieces(len(table), u, v, labels, len(tids))
    compact = compactness(table.lat, table.lon, labels, len(tids))
    lab = labels >= 0
    counts = np.bincount(labels[lab], minlength=len(tids))
    tiers = np.zeros((len(tids), len(TIERS)), np.int64)
    np.add.at(tiers, (labels[lab], table.tier[lab]), 1)
    potential = np.bincount(labels[lab], table.potential[lab], minlength=len(tids))
    visits = np.bincount(labels[lab], table.visits_per_week[lab], minlength=len(tids))
    home = np.where(np.isfinite(work.home_seconds), work.home_seconds, 0.0)
    has_home = lab & np.isfinite(work.home_seconds)
    weighted = np.bincount(labels[has_home], (table.visits_per_week * home)[has_home],
                           minlength=len(tids))
    home_visits = np.bincount(labels[has_home], table.visits_per_week[has_home],
                              minlength=len(tids))
    lost = [a for a in table.ids if a in times.unreachable]
    rows = []
    for t, terr in enumerate(plan.territories.values()):
        rep = owners[t]
        source = ("scheduled" if scheduled and rep in scheduled
                  else times.label if rep is not None else "straight-line")
        hours = plan.reps[rep].weekly_hours if rep is not None else None
        rows.append(TerritoryLoad(
            terr.id, terr.name, rep, int(counts[t]),
            dict(zip(TIERS, (int(c) for c in tiers[t]), strict=True)), float(potential[t]),
            float(visits[t]), float(work.visit_hours[t]), float(work.drive_hours[t]), source,
            hours, float(weighted[t] / home_visits[t] / 60.0) if home_visits[t] else 0.0,
            int(n_pieces[t]), float(compact[t]) if counts[t] else 100.0,
            tuple(a for a in lost if territory_of.get(a) == terr.id)))
    return rows
