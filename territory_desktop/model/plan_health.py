"""What a plan keeps for territory health: CRM results, frozen snapshots, thresholds.

The results' tables are only named for type checking, so importing this module stays light.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from territory_desktop.model.health_settings import HealthSettings

if TYPE_CHECKING:
    from territory_desktop.model.results import CrmResults

__all__ = ["PlanHealth", "SnapshotRecord"]


@dataclass(frozen=True)
class SnapshotRecord:
    """One snapshot as the plan stores it: ``health.snapshots.Snapshot.to_records`` output.

    ``header``: taken, period, as_of, label, settings; ``rows``: one per KPI of each
    territory, rep and the team (scope, key, name, rep_id, kpi, value, reason).
    """

    header: Mapping[str, Any]
    rows: tuple[Mapping[str, Any], ...]

    @property
    def title(self) -> str:
        """``2026-10-01 Q3 review`` (date taken, then the label when there is one)."""
        return f"{self.header['taken']} {self.header.get('label', '')}".strip()


@dataclass(frozen=True)
class PlanHealth:
    """The plan's CRM results (None: none imported), snapshots in the order taken, settings."""

    results: CrmResults | None = None
    snapshots: tuple[SnapshotRecord, ...] = ()
    settings: HealthSettings = field(default_factory=HealthSettings)
