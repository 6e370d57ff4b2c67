"""Territory health: CRM results per territory, KPIs, signals and quarterly snapshots (Qt-free).

``results`` holds the imported opportunities, quotas and activities (imported by
:mod:`territory_desktop.io.results`); ``kpis`` computes the figures per territory, rep and team
for a period; ``signals`` raises the rules they break; ``report`` puts both together for every
view; ``snapshots`` freezes and compares them; ``formats`` writes their figures.
"""

from territory_desktop.health.formats import (
    KPI_KINDS,
    KPI_LABELS,
    format_change,
    kpi_text,
    missing_text,
)
from territory_desktop.health.kpis import HealthKpis, Kpis, compute_kpis
from territory_desktop.health.period import Period, PeriodError, parse_period, quarter_of
from territory_desktop.health.report import (
    HealthReport,
    default_as_of,
    default_period,
    health_report,
    report_json,
    results_date,
)
from territory_desktop.health.results import CrmResults
from territory_desktop.health.settings import HealthError, HealthSettings
from territory_desktop.health.signals import ACTIONS, RULES, Signal, assess
from territory_desktop.health.snapshots import (
    KpiChange,
    Snapshot,
    compare_snapshots,
    take_snapshot,
)

__all__ = [
    "ACTIONS",
    "KPI_KINDS",
    "KPI_LABELS",
    "RULES",
    "CrmResults",
    "HealthError",
    "HealthKpis",
    "HealthReport",
    "HealthSettings",
    "KpiChange",
    "Kpis",
    "Period",
    "PeriodError",
    "Signal",
    "Snapshot",
    "assess",
    "compare_snapshots",
    "compute_kpis",
    "default_as_of",
    "default_period",
    "format_change",
    "health_report",
    "kpi_text",
    "missing_text",
    "parse_period",
    "quarter_of",
    "report_json",
    "results_date",
    "take_snapshot",
]
