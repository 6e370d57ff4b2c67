"""Scenarios (named alignments) and the realignment report between two of them.

A :class:`Scenario` is a frozen copy of who owns what: every account's territory, the
territories with their reps and outlines, the team and (optionally) its own tier cadence. It
is all plain values, declared in :mod:`~territory_desktop.model.plan` because a plan holds its
scenarios (``Plan.scenarios``, saved in the plan file's ``td_scenario*`` tables).

:func:`compare` puts two alignments side by side per territory (workload, potential, drive
hours, compactness, accounts moved in and out); :func:`realignment_report` lists, per rep,
the accounts gained and lost and the net change in workload and drive hours, and the
hand-off list (old owner -> new owner -> account -> last logged visit). An account **changes
owner** when the rep of its territory differs (no rep, or no territory, counts as an owner).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from territory_desktop.model.plan import Plan, Scenario
from territory_desktop.model.territory_load import TerritoryLoad

__all__ = [
    "AccountChange", "RealignmentReport", "RepChange", "Scenario", "Side",
    "TerritoryComparison", "compare", "last_visits", "realignment_report",
]


@dataclass(frozen=True)
class Side:
    """One side of a comparison: the plan (as the scenario sees it), alignment and figures."""

    name: str
    plan: Plan
    territory_of: Mapping[str, str | None]
    loads: Sequence[TerritoryLoad]

    def owner(self, account_id: str) -> str | None:
        """Return the rep owning the account on this side, or None."""
        tid = self.territory_of.get(account_id)
        t = self.plan.territories.get(tid) if tid else None
        return t.rep_id if t is not None else None


@dataclass(frozen=True)
class TerritoryComparison:
    """One territory in both alignments (None: absent on that side)."""

    territory_id: str
    name: str
    rep_a: str | None
    rep_b: str | None
    accounts: tuple[int | None, int | None]
    workload: tuple[float | None, float | None]
    potential: tuple[float | None, float | None]
    drive_hours: tuple[float | None, float | None]
    compactness: tuple[float | None, float | None]
    moved_in: int
    moved_out: int


def compare(a: Side, b: Side) -> list[TerritoryComparison]:
    """Per territory (those of ``a`` first, then new ones of ``b``) the figures of both sides."""
    la = {t.territory_id: t for t in a.loads}
    lb = {t.territory_id: t for t in b.loads}
    both = [a.territory_of, b.territory_of]
    common = [x for x in a.territory_of if x in b.territory_of]
    rows = []
    for tid in dict.fromkeys([*la, *lb]):
        x, y = la.get(tid), lb.get(tid)

        def pair(attr: str, x: TerritoryLoad | None = x,
                 y: TerritoryLoad | None = y) -> tuple[Any, Any]:
            return (getattr(x, attr) if x else None, getattr(y, attr) if y else None)

        moved_in = sum(1 for acc in common
                       if both[1][acc] == tid and both[0][acc] != tid)
        moved_out = sum(1 for acc in common
                        if both[0][acc] == tid and both[1][acc] != tid)
        rows.append(TerritoryComparison(
            tid, (x or y).name, x.rep_id if x else None,  # type: ignore[union-attr]
            y.rep_id if y else None, pair("accounts"), pair("workload_hours"),
            pair("potential"), pair("drive_hours"), pair("compactness"), moved_in, moved_out))
    return rows


@dataclass(frozen=True)
class AccountChange:
    """An account that changes owner, with what the new owner needs to know."""

    account_id: str
    name: str
    potential: float
    old_territory: str | None
    new_territory: str | None
    old_rep: str | None
    new_rep: str | None
    last_visit: str  # ISO date of the last visit logged as done ("" if none)


@dataclass(frozen=True)
class RepChange:
    """A rep's side of a realignment: accounts gained and lost, net workload and driving."""

    rep_id: str
    name: str
    gained: tuple[AccountChange, ...]
    lost: tuple[AccountChange, ...]
    workload: tuple[float, float]
    drive_hours: tuple[float, float]
    potential: tuple[float, float]

    @property
    def net_workload(self) -> float:
        """Workload hours per week after minus before."""
        return self.workload[1] - self.workload[0]

    @property
    def net_drive_hours(self) -> float:
        """Drive hours per week after minus before."""
        return self.drive_hours[1] - self.drive_hours[0]


@dataclass(frozen=True)
class RealignmentReport:
    """Everything that changes between alignment ``a`` (before) and ``b`` (after)."""

    before: str
    after: str
    territories: tuple[TerritoryComparison, ...]
    reps: tuple[RepChange, ...]
    handoffs: tuple[AccountChange, ...]
    only_before: tuple[str, ...]
    only_after: tuple[str, ...]

    @property
    def moved(self) -> int:
        """Number of accounts that change hands."""
        return len(self.handoffs)


def last_visits(plan: Plan) -> dict[str, str]:
    """Account id -> ISO date of its last visit logged as done."""
    out: dict[str, str] = {}
    for e in plan.visit_log:
        if e.status == "done" and e.date > out.get(e.account_id, ""):
            out[e.account_id] = e.date
    return out


def realignment_report(a: Side, b: Side) -> RealignmentReport:
    """Return the realignment report from ``a`` (before) to ``b`` (after)."""
    visits = last_visits(a.plan)
    changes = []
    for acc in a.plan.accounts:
        if acc not in b.plan.accounts:
            continue
        old, new = a.owner(acc), b.owner(acc)
        if old == new:
            continue
        account = b.plan.accounts[acc]
        changes.append(AccountChange(acc, account.name, account.potential or 0.0,
                                     a.territory_of.get(acc), b.territory_of.get(acc),
                                     old, new, visits.get(acc, "")))
    changes.sort(key=lambda c: (c.old_rep or "", c.new_rep or "", c.account_id))

    def per_rep(side: Side, rep: str, attr: str) -> float:
        return float(sum(getattr(t, attr) for t in side.loads if t.rep_id == rep))

    reps = []
    for rep_id in dict.fromkeys([*a.plan.reps, *b.plan.reps]):
        rep = b.plan.reps.get(rep_id) or a.plan.reps[rep_id]
        reps.append(RepChange(
            rep_id, rep.name, tuple(c for c in changes if c.new_rep == rep_id),
            tuple(c for c in changes if c.old_rep == rep_id),
            (per_rep(a, rep_id, "workload_hours"), per_rep(b, rep_id, "workload_hours")),
            (per_rep(a, rep_id, "drive_hours"), per_rep(b, rep_id, "drive_hours")),
            (per_rep(a, rep_id, "potential"), per_rep(b, rep_id, "potential"))))
    return RealignmentReport(
        a.name, b.name, tuple(compare(a, b)), tuple(reps), tuple(changes),
        tuple(x for x in a.plan.accounts if x not in b.plan.accounts),
        tuple(x for x in b.plan.accounts if x not in a.plan.accounts))
