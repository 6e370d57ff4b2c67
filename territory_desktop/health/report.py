"""The health of a plan's territories for one period: KPIs plus signals, and their JSON form.

The command line prints :func:`report_json`; the panel, dashboard and map read the same
:class:`HealthReport`, so every view shows the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from territory_desktop import clock
from territory_desktop.health.kpis import HealthKpis, compute_kpis
from territory_desktop.health.period import Period, quarter_of
from territory_desktop.health.results import CrmResults
from territory_desktop.health.settings import HealthSettings
from territory_desktop.health.signals import Signal, assess
from territory_desktop.model.plan import Plan

__all__ = ["HealthReport", "default_as_of", "default_period", "health_report", "report_json",
           "results_date"]


@dataclass(frozen=True)
class HealthReport:
    """KPIs and the signals they raise."""

    kpis: HealthKpis
    signals: tuple[Signal, ...]

    def signals_of(self, territory_id: str) -> list[Signal]:
        """Return the signals raised for territory ``territory_id``."""
        return [s for s in self.signals if s.territory_id == territory_id]


def results_date(results: CrmResults) -> dt.date | None:
    """Return the latest day the results know of, or None if they are empty.

    That is the last created date, won/lost close date or activity date (an open deal's close
    date is a forecast, not a fact).
    """
    opp = results.opportunities
    days = np.concatenate([opp["created"], opp["closed"][opp["status"] != "open"],
                           results.activities["date"]])
    days = days[~np.isnat(days)]
    latest: dt.date | None = days.max().item() if len(days) else None
    return latest


def default_period(results: CrmResults, today: dt.date | None = None) -> Period:
    """Return the quarter of :func:`results_date` (of ``today`` for empty results).

    So a results export shows its own latest quarter whatever the date it is opened.
    """
    return quarter_of(results_date(results) or today or clock.today())


def default_as_of(results: CrmResults, period: Period) -> dt.date:
    """:func:`results_date` kept within the period: the period's last day once it is over."""
    last_day = period.end - dt.timedelta(days=1)
    latest = results_date(results)
    return last_day if latest is None else min(max(latest, period.start), last_day)


def health_report(
    plan: Plan,
    results: CrmResults,
    period: Period | None = None,
    settings: HealthSettings | None = None,
    territory_of: Mapping[str, str | None] | None = None,
    as_of: dt.date | None = None,
    progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    scheduled_drive_hours: Callable[[str], float | None] | None = None,
) -> HealthReport:
    """Compute the KPIs and the signals they raise for ``period`` as of ``as_of``.

    The KPIs come from :func:`~territory_desktop.health.kpis.compute_kpis`, the signals from
    :func:`~territory_desktop.health.signals.assess`; ``period`` defaults to
    :func:`default_period`, ``as_of`` to :func:`default_as_of`. ``scheduled_drive_hours``
    (rep id -> hours per week, or None) makes the utilisation count scheduled driving.
    """
    period = period or default_period(results)
    kpis = compute_kpis(plan, results, period, settings, territory_of,
                        as_of or default_as_of(results, period), progress, should_stop,
                        scheduled_drive_hours)
    return HealthReport(kpis, assess(kpis))


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def report_json(report: HealthReport) -> dict[str, Any]:
    """Return the report as plain JSON data, in the shape the issue asked for.

    That is ``{"period", "territories": [{"id", "rep_id", "pipeline", "coverage_ratio",
    "attainment", "win_rate", "avg_deal", "cycle_days", "velocity", "visit_coverage",
    "white_space", "signals": [{"rule", "value", "threshold"}]}]}``.

    Money is rounded to cents, ratios to 4 decimals, days to 0.1; None is ``null``.
    """
    return {
        "period": report.kpis.period.label,
        "territories": [
            {
                "id": k.key, "rep_id": k.rep_id, "pipeline": round(k.pipeline, 2),
                "coverage_ratio": _round(k.coverage_ratio, 4),
                "attainment": _round(k.attainment, 4), "win_rate": _round(k.win_rate, 4),
                "avg_deal": _round(k.avg_deal, 2), "cycle_days": _round(k.cycle_days, 1),
                "velocity": _round(k.velocity, 2),
                "visit_coverage": _round(k.visit_coverage, 4), "white_space": k.white_space,
                "signals": [{"rule": s.rule, "value": round(s.value, 4),
                             "threshold": s.threshold}
                            for s in report.signals_of(str(k.key))],
            }
            for k in report.kpis.territories
        ],
    }
