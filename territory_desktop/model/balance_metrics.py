"""How fair and how drivable an alignment is: the figures of the balance view and CLI.

For a criterion ``x`` (workload hours per week, or potential) over the territories compared:

``max_min``
    ``max(x) / min(x)`` (``inf`` when a territory has none).
``cv``
    coefficient of variation, ``std(x) / mean(x)`` (population standard deviation).
``deviation[t]``
    ``x_t / target_t - 1`` where ``target_t = c_t * sum(x) / sum(c)`` and ``c_t`` is the
    territory's capacity (its rep's weekly hours; 1 for every territory when unknown): the
    common-utilisation target the balancer aims at.
``balance index`` (0-100)
    ``100 * (1 - mean_t |deviation_t|)``, floored at 0, averaged over workload and potential
    (both, whichever were balanced; potential only where some account has one): 100 when
    every territory is exactly on target; a plan within +/-5% everywhere on both scores at
    least 95.
``compactness score`` (0-100)
    the workload-weighted mean of the territories' compactness
    (:func:`territory_desktop.model.contiguity.compactness`).
``drive_minutes``
    the visit-weighted mean drive from each rep's home to their accounts, over all territories.
``split``
    territories in more than one piece (:func:`territory_desktop.model.contiguity.pieces`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from territory_desktop.model.territory_load import TerritoryLoad

CRITERIA = ("workload", "potential")


@dataclass(frozen=True)
class CriterionBalance:
    """Spread of one criterion over the territories (see the module docstring)."""

    criterion: str
    values: tuple[float, ...]
    targets: tuple[float, ...]
    deviations: tuple[float, ...]
    max_min: float
    cv: float
    index: float

    def outside(self, tolerance: float) -> list[int]:
        """Positions of the territories whose deviation exceeds ``tolerance``."""
        return [k for k, d in enumerate(self.deviations) if abs(d) > tolerance + 1e-9]


@dataclass(frozen=True)
class BalanceMetrics:
    """Balance, compactness and contiguity of a set of territories."""

    territory_ids: tuple[str, ...]
    criteria: dict[str, CriterionBalance]
    balance_index: float
    compactness: float
    drive_minutes: float
    split: tuple[str, ...]

    def deviation(self, criterion: str, territory_id: str) -> float:
        """Return the territory's ``deviation`` from its target on ``criterion`` (module doc)."""
        return self.criteria[criterion].deviations[self.territory_ids.index(territory_id)]


def band_text(tolerance: float) -> str:
    """Return a band as it was given: "5%", "2.5%", "0.1%" (not "0%" or "5.0%")."""
    return f"{tolerance:.1%}".replace(".0%", "%")


def miss_text(deviation: float, tolerance: float) -> str:
    """Return how far outside a band of ``tolerance`` a deviation is: "9.9% below".

    Under a 1% band it gives hundredths: 0.1% below a ±0.1% band would read as inside it.
    """
    return (f"{abs(deviation):.{2 if tolerance < 0.01 else 1}%} "
            f"{'above' if deviation > 0 else 'below'}")


def criterion_balance(criterion: str, values: Sequence[float],
                      capacities: Sequence[float]) -> CriterionBalance:
    """Spread of ``values`` against targets proportional to ``capacities``."""
    x = np.asarray(values, float)
    c = np.asarray(capacities, float)
    if not x.shape[0]:
        return CriterionBalance(criterion, (), (), (), math.nan, math.nan, math.nan)
    target = c * x.sum() / c.sum() if c.sum() > 0 else np.full_like(x, x.mean())
    dev = np.divide(x, target, out=np.zeros_like(x), where=target > 0) - 1.0
    dev[target <= 0] = 0.0
    low = float(x.min())
    max_min = float(x.max()) / low if low > 0 else (1.0 if x.max() == 0 else math.inf)
    mean = float(x.mean())
    cv = float(x.std()) / mean if mean > 0 else 0.0
    index = 100.0 * max(0.0, 1.0 - float(np.abs(dev).mean()))
    return CriterionBalance(criterion, tuple(map(float, x)), tuple(map(float, target)),
                            tuple(map(float, dev)), max_min, cv, index)


def balance_metrics(loads: Sequence[TerritoryLoad]) -> BalanceMetrics:
    """Metrics over ``loads`` (pass only the territories that are balanced together).

    Both criteria are always measured, whatever was balanced: there is one balance index.
    """
    caps = [t.weekly_hours or 1.0 for t in loads]
    per = {}
    for c in CRITERIA:
        vals = [t.workload_hours if c == "workload" else t.potential for t in loads]
        per[c] = criterion_balance(c, vals, caps)
    # A plan without potential would score a perfect 100 on it and lift the index.
    scored = [b.index for b in per.values() if b.criterion == "workload" or sum(b.values) > 0]
    index = float(np.mean(scored)) if loads else math.nan
    work = np.array([t.workload_hours for t in loads])
    comp = np.array([t.compactness for t in loads])
    compact = float((work * comp).sum() / work.sum()) if work.sum() > 0 else math.nan
    visits = np.array([t.visits_per_week for t in loads])
    minutes = np.array([t.drive_minutes for t in loads])
    drive = float((visits * minutes).sum() / visits.sum()) if visits.sum() > 0 else 0.0
    return BalanceMetrics(tuple(t.territory_id for t in loads), per, index, compact, drive,
                          tuple(t.territory_id for t in loads if t.pieces > 1))
