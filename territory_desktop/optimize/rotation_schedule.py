"""A rotation's schedule: the plan of each working day, what did not fit, and the stretch.

The result types of the scheduling flow (plan -> rotation problem -> engine -> schedule ->
evaluation): :mod:`territory_desktop.optimize.rotation` builds them from the engine's routes or
from hand-edited stop orders, and nothing here looks back at the problem or the engine.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from territory_desktop.model.schedule import WEEKDAY_NAMES, UnplacedAccount


@dataclass(frozen=True)
class RotationDay:
    """A working day of the cycle."""

    index: int  # position among the cycle's working days (the engine's day)
    week: int  # 0-based
    weekday: int  # 0 = Monday
    date: dt.date  # in the planned cycle occurrence

    @property
    def label(self) -> str:
        return f"W{self.week + 1} {WEEKDAY_NAMES[self.weekday]}"



@dataclass(frozen=True)
class RotationDayPlan:
    """One day of the schedule: the stop order and its totals (seconds)."""

    day: RotationDay
    account_ids: tuple[str, ...]
    drive_seconds: float
    visit_seconds: float
    start_seconds: float
    end_seconds: float
    duration_seconds: float


@dataclass
class RotationSchedule:
    """The rotation: one plan per working day, what could not be placed, and compliance."""

    days: list[RotationDayPlan]
    unplaced: list[UnplacedAccount]
    compliance: dict[str, float]
    required_visits: dict[str, int]
    total_drive_seconds: float
    feasible: bool
    runtime: float
    iterations: int
    blocks: dict[str, tuple[tuple[int, ...], ...]] = field(default_factory=dict)

    def visit_days(self, account_id: str) -> list[int]:
        return [p.day.index for p in self.days if account_id in p.account_ids]

    @property
    def day_lengths(self) -> list[float]:
        return [p.duration_seconds for p in self.days if p.account_ids]

    @property
    def stretch_factor(self) -> float:
        """How much less often to visit so the unplaced visits fit (1.0: nothing unplaced)."""
        return stretch_factor(sum(len(p.account_ids) for p in self.days),
                              sum(u.missing_visits for u in self.unplaced))



def stretch_factor(placed: int, missing: int) -> float:
    """How much less often to visit so ``placed + missing`` visits fit where ``placed`` did.

    Rounded up to 0.05 (1.0 when nothing is missing).
    """
    if not missing or not placed:
        return 1.0
    return math.ceil((placed + missing) / placed * 20 - 1e-9) / 20


def stretched_visits(required: Mapping[str, int], factor: float, weeks: int) -> dict[str, int]:
    """Visits per cycle after visiting every account ``factor`` times less often.

    The total drops to ``floor(total / factor)``, shared in proportion to each account's
    visits (largest remainders first, ties by id); every account keeps at least one visit and
    a frequency the cycle can hold (below the weeks, or whole visits per week).  A plain
    ``round(v / factor)`` would leave a weekly visit weekly at 1.1, so nothing would change.
    """
    def allowed(v: int) -> bool:
        return v >= 1 and (v < weeks or v % weeks == 0)

    share = {a: v / factor for a, v in required.items() if v}
    new = {a: max(1, math.floor(x)) for a, x in share.items()}
    for a in new:
        while not allowed(new[a]):
            new[a] -= 1
    target = max(len(new), math.floor(sum(required.values()) / factor + 1e-9))
    by_remainder = sorted(new, key=lambda a: (-(share[a] - new[a]), a))
    for a in by_remainder:
        if sum(new.values()) >= target:
            break
        up = next((v for v in range(new[a] + 1, required[a] + 1) if allowed(v)), None)
        if up is not None and sum(new.values()) - new[a] + up <= target:
            new[a] = up
    return {a: new.get(a, 0) for a in required}


