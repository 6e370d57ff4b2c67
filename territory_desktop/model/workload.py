"""Per-territory workload figures for the territory panel and ``tdesk plan info``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from territory_desktop.model.plan import TIERS, WEEKS_PER_YEAR, Plan


@dataclass
class TerritoryWorkload:
    """Workload of one territory (or of the unassigned accounts when ``territory_id`` is None)."""

    territory_id: str | None
    name: str
    rep_id: str | None
    rep_name: str
    accounts: int = 0
    by_tier: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TIERS, 0))
    potential: float = 0.0
    visits_per_year: float = 0.0
    visit_hours_per_year: float = 0.0
    drive_hours_per_week: float | None = None  # scheduled driving, when a rotation exists
    utilisation: float | None = None  # the rep's (visit + drive hours per week) / weekly hours
    share: float = 0.0

    @property
    def visit_hours_per_week(self) -> float:
        return self.visit_hours_per_year / WEEKS_PER_YEAR


def workloads(
    plan: Plan,
    territory_of: Mapping[str, str | None],
    scheduled_drive_hours: Callable[[str], float | None] = lambda _rep: None,
) -> list[TerritoryWorkload]:
    """One row per territory in plan order, plus a last row for unassigned accounts if any.

    ``share`` is the territory's part of the team's visit hours (0..1).
    ``scheduled_drive_hours(rep_id)`` gives the rep's scheduled driving per week (None when
    unknown); a rep with several territories has it split by their visit hours.
    """
    rows: dict[str | None, TerritoryWorkload] = {}
    for t in plan.territories.values():
        rep = plan.reps.get(t.rep_id) if t.rep_id else None
        rows[t.id] = TerritoryWorkload(t.id, t.name, t.rep_id, rep.name if rep else "")
    for account in plan.accounts.values():
        tid = territory_of.get(account.id)
        if tid not in rows:
            tid = None
            rows.setdefault(None, TerritoryWorkload(None, "Unassigned", None, ""))
        row = rows[tid]
        every_weeks, minutes = plan.settings.cadence_for(account)
        visits = WEEKS_PER_YEAR / every_weeks
        row.accounts += 1
        row.by_tier[account.tier] += 1
        row.potential += account.potential or 0.0
        row.visits_per_year += visits
        row.visit_hours_per_year += visits * minutes / 60.0
    total = sum(r.visit_hours_per_year for r in rows.values() if r.territory_id is not None)
    for r in rows.values():
        r.share = r.visit_hours_per_year / total if total and r.territory_id else 0.0
    by_rep: dict[str, list[TerritoryWorkload]] = {}
    for r in rows.values():
        if r.territory_id is not None and r.rep_id in plan.reps:
            by_rep.setdefault(r.rep_id, []).append(r)
    for rep_id, owned in by_rep.items():
        drive = scheduled_drive_hours(rep_id)
        visits = sum(r.visit_hours_per_year for r in owned)
        rep_hours = sum(r.visit_hours_per_week for r in owned) + (drive or 0.0)
        for r in owned:
            if drive is not None:
                r.drive_hours_per_week = drive * (
                    r.visit_hours_per_year / visits if visits else 1.0 / len(owned))
            # the rep's whole week, shown on each of their territories
            r.utilisation = rep_hours / plan.reps[rep_id].weekly_hours
    ordered = [rows[t] for t in plan.territories]
    if None in rows:
        ordered.append(rows[None])
    return ordered
