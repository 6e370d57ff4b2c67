"""Plan-level health settings: signal thresholds and the minimum evidence behind a figure."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

__all__ = ["HealthError", "HealthSettings"]


class HealthError(ValueError):
    """Bad health input (a setting out of range, a cancelled run); the message says what."""


@dataclass(frozen=True)
class HealthSettings:
    """Thresholds of the health signals and of the KPIs' minimum evidence.

    Attributes
    ----------
    win_rate_spread_max
        Signal when the best and worst territory win rates differ by more (0.10 = 10 pp).
    utilisation_max, utilisation_min
        Signal when a rep's utilisation is above / below (1.0 = 100 %).
    pipeline_coverage_min
        Signal when pipeline / remaining quota is below (3.0 = 3x).
    a_coverage_min
        Signal when the share of A accounts visited at their cadence is below.
    share_ratio_max
        Signal when potential share / workload share is above this or below its inverse
        (1.25: the territory holds 25 % more, or 20 % less, of the potential than of the work).
    min_deals
        A win rate needs at least this many closed deals, an average deal size or a cycle length
        this many won deals; fewer and the figure is None with the reason.
    white_space_top_share
        "High-potential" accounts are the top share of the plan's accounts by potential.
    """

    win_rate_spread_max: float = 0.10
    utilisation_max: float = 1.0
    utilisation_min: float = 0.6
    pipeline_coverage_min: float = 3.0
    a_coverage_min: float = 0.9
    share_ratio_max: float = 1.25
    min_deals: int = 5
    white_space_top_share: float = 0.2

    def __post_init__(self) -> None:
        """Refuse negative or non-finite values and bands whose ends are the wrong way round."""
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise HealthError(f"health setting {f.name} must be a number of zero or more")
        if self.utilisation_min > self.utilisation_max:
            raise HealthError("minimum utilisation is above the maximum")
        if self.a_coverage_min > 1:
            raise HealthError("the share of A accounts visited at their cadence must be at "
                              "most 100 %")
        if self.win_rate_spread_max > 1:
            raise HealthError("win rates cannot differ by more than 100 points")
        if self.share_ratio_max < 1:
            raise HealthError("the potential/workload share ratio limit must be at least 1")
        if not 0 < self.white_space_top_share <= 1:
            raise HealthError("the white-space share of accounts must be above 0 and at most 1")
        if self.min_deals < 1 or int(self.min_deals) != self.min_deals:
            raise HealthError("the minimum number of deals must be a whole number, at least 1")

    def to_dict(self) -> dict[str, float]:
        """Name -> value, for the plan file's settings table."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> HealthSettings:
        """Return settings from :meth:`to_dict` output (unknown names ignored, missing default)."""
        known = {f.name for f in dataclasses.fields(cls)}
        numbers: dict[str, Any] = {k: (int(v) if k == "min_deals" else float(v))
                                   for k, v in values.items() if k in known}
        return cls(**numbers)
