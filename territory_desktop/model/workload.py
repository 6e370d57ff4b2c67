"""Per-territory workload figures for the territory panel and ``tdesk plan info``."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from territory_desktop.model.cadence import WEEKS_PER_YEAR, visits_per_year
from territory_desktop.model.plan import TIERS, Plan


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
    utilisation: float | None = None  # the rep's, from :func:`rep_week`
    share: float = 0.0

    @property
    def visit_hours_per_week(self) -> float:
        """Visit hours a year over the weeks of a year."""
        return self.visit_hours_per_year / WEEKS_PER_YEAR


@dataclass(frozen=True)
class RepWeek:
    """A rep's week: what their accounts' cadence asks for, scheduled driving, capacity.

    The one definition of utilisation, shown by the territory table and the rotation view.
    """

    visit_hours: float  # visits per week by cadence x visit length, over the rep's territories
    drive_hours: float | None  # scheduled driving per week (None without a rotation)
    weekly_hours: float

    @property
    def hours(self) -> float:
        """Visit plus scheduled drive hours per week (no drive without a rotation)."""
        return self.visit_hours + (self.drive_hours or 0.0)

    @property
    def utilisation(self) -> float:
        """(visit + scheduled drive hours per week) / weekly hours."""
        return self.hours / self.weekly_hours if self.weekly_hours > 0 else math.inf


def visit_hours_per_week(plan: Plan, account_ids: Iterable[str]) -> float:
    """Visit hours a week the accounts' cadence asks for (visits a year / weeks a year)."""
    total = 0.0
    for aid in account_ids:
        every_weeks, minutes = plan.settings.cadence_for(plan.accounts[aid])
        total += visits_per_year(every_weeks) * minutes / 60.0
    return total / WEEKS_PER_YEAR


def rep_week(plan: Plan, rep_id: str, territory_of: Mapping[str, str | None],
             drive_hours_per_week: float | None) -> RepWeek:
    """Return the rep's week over the accounts of every territory they own."""
    owned = {t.id for t in plan.territories.values() if t.rep_id == rep_id}
    ids = [a for a in plan.accounts if territory_of.get(a) in owned]
    return RepWeek(visit_hours_per_week(plan, ids), drive_hours_per_week,
                   plan.reps[rep_id].weekly_hours)


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
    rep_hours: dict[str, float] = {}  # a year's visit hours of each rep's accounts
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
        visits = visits_per_year(every_weeks)
        row.accounts += 1
        row.by_tier[account.tier] += 1
        row.potential += account.potential or 0.0
        row.visits_per_year += visits
        row.visit_hours_per_year += visits * minutes / 60.0
        if row.rep_id is not None and tid is not None:
            # Summed as rep_week sums (plan order, same terms): the same float, one pass.
            rep_hours[row.rep_id] = rep_hours.get(row.rep_id, 0.0) + visits * minutes / 60.0
    total = sum(r.visit_hours_per_year for r in rows.values() if r.territory_id is not None)
    for r in rows.values():
        r.share = r.visit_hours_per_year / total if total and r.territory_id else 0.0
    by_rep: dict[str, list[TerritoryWorkload]] = {}
    for r in rows.values():
        if r.territory_id is not None and r.rep_id is not None and r.rep_id in plan.reps:
            by_rep.setdefault(r.rep_id, []).append(r)
    for rep_id, owned in by_rep.items():
        drive = scheduled_drive_hours(rep_id)
        week = RepWeek(rep_hours.get(rep_id, 0.0) / WEEKS_PER_YEAR, drive,
                       plan.reps[rep_id].weekly_hours)
        visits = sum(r.visit_hours_per_year for r in owned)
        for r in owned:
            if drive is not None:
                r.drive_hours_per_week = drive * (
                    r.visit_hours_per_year / visits if visits else 1.0 / len(owned))
            # the rep's whole week, shown on each of their territories
            r.utilisation = week.utilisation
    ordered = [rows[t] for t in plan.territories]
    if None in rows:
        ordered.append(rows[None])
    return ordered
