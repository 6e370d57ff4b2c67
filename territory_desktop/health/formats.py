"""How a KPI reads: one way for the Health panel, the map, the snapshot comparison and ``tdesk``."""

from __future__ import annotations

from territory_desktop.health.snapshots import KpiChange

__all__ = ["KPI_KINDS", "KPI_LABELS", "format_change", "kpi_text", "missing_text"]

KPI_KINDS: dict[str, str] = {
    "pipeline": "money", "coverage_ratio": "ratio", "attainment": "percent",
    "win_rate": "percent", "avg_deal": "money", "cycle_days": "days",
    "velocity": "money_per_day", "visit_coverage": "percent", "a_coverage": "percent",
    "potential_captured": "percent", "white_space": "count", "utilisation": "percent",
}
"""KPI -> how it reads (:func:`kpi_text`), for every place that writes a KPI."""

KPI_LABELS: dict[str, str] = {
    "pipeline": "Pipeline", "coverage_ratio": "Pipeline coverage", "attainment": "Attainment",
    "win_rate": "Win rate", "avg_deal": "Avg deal", "cycle_days": "Cycle days",
    "velocity": "Velocity", "visit_coverage": "Visit coverage",
    "a_coverage": "A-account coverage", "potential_captured": "Potential captured",
    "white_space": "White space", "utilisation": "Utilisation",
}
"""KPI -> its label in a snapshot comparison (every KPI a snapshot compares)."""


def kpi_text(value: float, kind: str) -> str:
    """Return ``value`` as a KPI of this ``kind`` is written everywhere.

    ``kind`` is "money", "money_per_day", "percent", "ratio" (x), "days" or "count".
    """
    if kind == "percent":
        return f"{value:.0%}"
    if kind == "ratio":
        return f"{value:.1f}x"
    if kind in ("money", "money_per_day"):
        return f"{value:,.0f}" + ("/day" if kind == "money_per_day" else "")
    if kind == "count" and value != int(value):
        return f"{value:.1f}"
    return f"{value:.0f}"


def missing_text(reason: str) -> str:
    """Return what a KPI with no figure reads instead, whose ``reason`` says why it has none.

    "too few deals" when too few deals back it, else "-"; the reason is told beside it (the
    panel's tooltip, the map's card, the lines under ``tdesk plan health``'s table).
    """
    few = "needed" in reason or (reason.startswith("no ") and "deal" in reason)
    return "too few deals" if few else "-"


def format_change(change: KpiChange) -> tuple[str, str, str, str]:
    """Return the row (KPI label, before, after, verdict) a comparison shows for ``change``."""
    label, kind = KPI_LABELS[change.kpi], KPI_KINDS[change.kpi]

    def text(value: float | None) -> str:
        return "-" if value is None else kpi_text(value, kind)

    return label, text(change.before), text(change.after), change.verdict
