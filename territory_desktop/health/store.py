"""Keeping CRM results and snapshots in the plan, as edits (undoable in the app, saved with it)."""

from __future__ import annotations

import dataclasses

from territory_desktop.edits import Edit
from territory_desktop.health.snapshots import Snapshot
from territory_desktop.model.health_settings import HealthSettings
from territory_desktop.model.plan import Plan
from territory_desktop.model.plan_health import PlanHealth, SnapshotRecord
from territory_desktop.model.results import CrmResults

__all__ = ["add_snapshot", "set_thresholds", "snapshots_of", "store_results"]


def _with_health(plan: Plan, health: PlanHealth, text: str) -> Edit:
    new = plan.copy()
    new.health = health
    return Edit(text, new)


def store_results(plan: Plan, imported: CrmResults) -> Edit:
    """Merge ``imported`` into the plan's results (a known key updates, never duplicates)."""
    known = plan.health.results
    merged = imported if known is None else known.merged(imported)
    return _with_health(plan, dataclasses.replace(plan.health, results=merged),
                        "Import CRM results")


def add_snapshot(plan: Plan, snapshot: Snapshot) -> Edit:
    """Keep ``snapshot`` in the plan, after the snapshots taken before.

    A second snapshot of the same day and label gets "(2)", "(3)"... after its label, so the
    two can be told apart wherever snapshots are picked.
    """
    taken = {s.title for s in plan.health.snapshots}
    base, n = snapshot.label, 1
    while f"{snapshot.taken.isoformat()} {snapshot.label}".strip() in taken:
        n += 1
        snapshot = dataclasses.replace(snapshot, label=f"{base} ({n})".strip())
    header, rows = snapshot.to_records()
    record = SnapshotRecord(header, tuple(rows))
    health = dataclasses.replace(plan.health, snapshots=(*plan.health.snapshots, record))
    name = f"{snapshot.taken.isoformat()} {snapshot.label}".strip()
    return _with_health(plan, health, f"Take health snapshot {name}")


def snapshots_of(plan: Plan) -> list[Snapshot]:
    """Return the plan's snapshots, in the order they were taken."""
    return [Snapshot.from_records(s.header, s.rows) for s in plan.health.snapshots]


def set_thresholds(plan: Plan, settings: HealthSettings) -> Edit:
    """Use ``settings`` for the plan's health signals and KPI evidence from now on."""
    return _with_health(plan, dataclasses.replace(plan.health, settings=settings),
                        "Change health thresholds")
