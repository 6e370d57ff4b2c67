"""Quarterly snapshots: the KPIs frozen with a date, and what improved or slipped between two.

A snapshot keeps every figure of :class:`~territory_desktop.health.kpis.Kpis` and the reasons
for missing ones, but not the lists of white-space accounts (their count is kept): it records
how the territories stood, not which accounts to call.

:meth:`Snapshot.to_records` / :meth:`Snapshot.from_records` give the flat form a plan file
stores: one header (taken, period, as_of, label, settings) and one row per KPI of each
territory, rep and the team (scope, key, name, rep_id, kpi, value, reason).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from territory_desktop.health.kpis import HealthKpis, Kpis
from territory_desktop.health.period import Period, parse_period
from territory_desktop.health.settings import HealthSettings
from territory_desktop.model.plan import TIERS

__all__ = ["KPI_DIRECTIONS", "KpiChange", "Snapshot", "compare_snapshots", "take_snapshot"]

KPI_DIRECTIONS: dict[str, int] = {
    "pipeline": 1, "coverage_ratio": 1, "attainment": 1, "win_rate": 1, "avg_deal": 1,
    "cycle_days": -1, "velocity": 1, "visit_coverage": 1, "a_coverage": 1,
    "potential_captured": 1, "white_space": -1, "utilisation": 0,
}
"""KPI -> 1 if higher is better, -1 if lower is better, 0 for utilisation (better when closer
to the settings' band)."""

_NUMBERS = tuple(f.name for f in dataclasses.fields(Kpis)
                 if f.name not in ("key", "name", "rep_id", "by_tier", "white_space_accounts",
                                   "reasons"))
_INTS = {"accounts", "won_deals", "lost_deals", "pipeline_deals", "white_space"}
SCOPES = ("territory", "rep", "team")


@dataclass(frozen=True)
class Snapshot:
    """The KPIs of one period (figures as of ``as_of``), frozen on ``taken``."""

    taken: dt.date
    period: Period
    as_of: dt.date
    territories: tuple[Kpis, ...]
    reps: tuple[Kpis, ...]
    team: Kpis
    settings: HealthSettings
    label: str = ""

    def to_records(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """(header, rows): see the module docstring; values are float or None."""
        header = {"taken": self.taken.isoformat(), "period": self.period.label,
                  "as_of": self.as_of.isoformat(),
                  "label": self.label, "settings": self.settings.to_dict()}
        rows = []
        for scope, items in (("territory", self.territories), ("rep", self.reps),
                             ("team", (self.team,))):
            for k in items:
                values = {n: getattr(k, n) for n in _NUMBERS}
                values.update({f"tier_{t}": k.by_tier.get(t, 0) for t in TIERS})
                rows += [{"scope": scope, "key": k.key, "name": k.name, "rep_id": k.rep_id,
                          "kpi": kpi, "value": None if v is None else float(v),
                          "reason": k.reasons.get(kpi)} for kpi, v in values.items()]
        return header, rows

    @classmethod
    def from_records(cls, header: Mapping[str, Any],
                     rows: Iterable[Mapping[str, Any]]) -> Snapshot:
        """Return the snapshot that :meth:`to_records` described."""
        grouped: dict[tuple[str, str | None], list[Mapping[str, Any]]] = {}
        for row in rows:
            grouped.setdefault((row["scope"], row["key"]), []).append(row)
        by_scope: dict[str, list[Kpis]] = {s: [] for s in SCOPES}
        for (scope, key), items in grouped.items():
            values = {r["kpi"]: r["value"] for r in items}
            numbers: dict[str, Any] = {n: (None if values.get(n) is None else
                           int(values[n]) if n in _INTS else float(values[n]))
                       for n in _NUMBERS}
            by_scope[scope].append(Kpis(
                key=key, name=items[0]["name"], rep_id=items[0]["rep_id"],
                by_tier={t: int(values.get(f"tier_{t}") or 0) for t in TIERS},
                white_space_accounts=(),
                reasons={r["kpi"]: r["reason"] for r in items if r["reason"]}, **numbers))
        return cls(dt.date.fromisoformat(header["taken"]), parse_period(header["period"]),
                   dt.date.fromisoformat(header["as_of"]),
                   tuple(by_scope["territory"]), tuple(by_scope["rep"]), by_scope["team"][0],
                   HealthSettings.from_dict(header["settings"]), header.get("label", ""))


def take_snapshot(kpis: HealthKpis, taken: dt.date, label: str = "") -> Snapshot:
    """Freeze ``kpis`` with the date they were taken."""

    def frozen(k: Kpis) -> Kpis:
        return dataclasses.replace(k, white_space_accounts=(), by_tier=dict(k.by_tier),
                                   reasons=dict(k.reasons))

    return Snapshot(taken, kpis.period, kpis.as_of, tuple(map(frozen, kpis.territories)),
                    tuple(map(frozen, kpis.reps)), frozen(kpis.team), kpis.settings, label)


@dataclass(frozen=True)
class KpiChange:
    """One KPI of one territory, rep or the team in two snapshots.

    ``verdict``: ``improved``, ``slipped``, ``unchanged``, or ``not comparable`` (missing in
    either snapshot, or None in either).
    """

    scope: str
    key: str | None
    name: str
    kpi: str
    before: float | None
    after: float | None
    verdict: str


def compare_snapshots(before: Snapshot, after: Snapshot,
                      settings: HealthSettings | None = None) -> tuple[KpiChange, ...]:
    """List what improved and what slipped from ``before`` to ``after``.

    Per KPI of :data:`KPI_DIRECTIONS`, for each territory and rep (matched by id) and the team.

    Utilisation improves when it moves closer to ``settings``' band (``after``'s settings by
    default); inside the band it is unchanged.
    """
    settings = settings or after.settings
    changes: list[KpiChange] = []
    for scope, old, new in (("territory", before.territories, after.territories),
                            ("rep", before.reps, after.reps),
                            ("team", (before.team,), (after.team,))):
        old_by = {k.key: k for k in old}
        new_by = {k.key: k for k in new}
        keys = list(old_by) + [k for k in new_by if k not in old_by]
        for key in keys:
            a, b = old_by.get(key), new_by.get(key)
            name = new_by[key].name if key in new_by else old_by[key].name
            for kpi, direction in KPI_DIRECTIONS.items():
                x = None if a is None else getattr(a, kpi)
                y = None if b is None else getattr(b, kpi)
                changes.append(KpiChange(scope, key, name, kpi, x, y,
                                         _verdict(x, y, direction, settings)))
    return tuple(changes)


def _verdict(x: float | None, y: float | None, direction: int,
             settings: HealthSettings) -> str:
    if x is None or y is None:
        return "not comparable"
    if direction == 0:
        def off(u: float) -> float:
            return max(0.0, settings.utilisation_min - u, u - settings.utilisation_max)

        x, y, direction = off(x), off(y), -1
    if math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12):
        return "unchanged"
    return "improved" if (y - x) * direction > 0 else "slipped"
