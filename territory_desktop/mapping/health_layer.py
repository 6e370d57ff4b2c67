"""What the map draws for territory health: a KPI choropleth, sized accounts and signal badges.

The figures are the :class:`~territory_desktop.health.report.HealthReport`'s, the same ones the
Health panel and ``tdesk plan health`` show. Python decides every colour and size (the page only
paints them), so the scale is tested here:

- a KPI where more is better (win rate, pipeline) gets a sequential scale, darker = better; one
  where less is better (cycle length) the same scale reversed, so darker is still better;
- a KPI with a target (attainment 100 %, utilisation 100 %, pipeline coverage at the signal's
  threshold) gets a diverging scale centred on the target, symmetric around it;
- a territory whose figure is missing (too few deals, no quota) has no colour: the page hatches
  it as "no data", never as a zero.

Accounts can be sized by potential or pipeline: a compact column of radius classes (one byte per
account, in plan order as :func:`~territory_desktop.mapping.layers.account_points`), the area of
a dot growing with the value.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from territory_desktop.health.formats import KPI_KINDS, kpi_text, missing_text
from territory_desktop.health.kpis import deals_per_account
from territory_desktop.health.report import HealthReport
from territory_desktop.health.results import CrmResults
from territory_desktop.model.plan import Plan

__all__ = ["MAP_KPIS", "RULE_TITLES", "SIZE_BY", "MapKpi", "account_sizes", "choropleth",
           "map_kpi", "signal_badges"]


@dataclass(frozen=True)
class MapKpi:
    """A KPI the map can colour by.

    Its ``kind`` (how it reads) is the one :data:`~territory_desktop.health.formats.KPI_KINDS`
    gives; ``better`` is "higher", "lower" or "target" (diverging around ``target``, or around the
    plan's setting named ``target_setting`` when given).
    """

    kpi: str
    label: str
    better: str
    target: float = 1.0
    target_setting: str = ""

    @property
    def kind(self) -> str:
        """How the KPI reads ("money", "percent", ...: :func:`kpi_text`)."""
        return KPI_KINDS[self.kpi]


MAP_KPIS: tuple[MapKpi, ...] = (
    MapKpi("pipeline", "Pipeline", "higher"),
    MapKpi("coverage_ratio", "Pipeline coverage", "target",
           target_setting="pipeline_coverage_min"),
    MapKpi("attainment", "Quota attainment", "target", 1.0),
    MapKpi("win_rate", "Win rate", "higher"),
    MapKpi("avg_deal", "Average deal", "higher"),
    MapKpi("cycle_days", "Sales cycle", "lower"),
    MapKpi("velocity", "Deal velocity", "higher"),
    MapKpi("visit_coverage", "Visit coverage (A and B)", "higher"),
    MapKpi("a_coverage", "Visit coverage (A)", "higher"),
    MapKpi("potential_captured", "Potential captured", "higher"),
    MapKpi("white_space", "White space", "lower"),
    MapKpi("utilisation", "Rep utilisation", "target", 1.0),
)
"""The KPIs the map colours by, in the order the Health panel offers them."""

UNITS = {"money": "amount", "money_per_day": "amount per day", "percent": "%",
         "ratio": "x the remaining quota", "days": "days", "count": "accounts"}

RULE_TITLES = {
    "win_rate_spread": "Win rates far apart",
    "utilisation_high": "Rep over-loaded",
    "utilisation_low": "Rep under-loaded",
    "pipeline_coverage_low": "Thin pipeline",
    "a_coverage_low": "A accounts under-visited",
    "potential_share_high": "More potential than work",
    "potential_share_low": "Less potential than work",
}
"""A short title per signal rule, for the map's badges and the panel's answers."""

# ColorBrewer ramps (Cynthia Brewer, Apache-2.0 style licence): light to dark / low to high.
_SEQUENTIAL = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")  # YlGnBu
_DIVERGING = ("#ca0020", "#f4a582", "#f7f7f7", "#92c5de", "#0571b0")  # RdBu: under red
_LOAD = ("#5e3c99", "#b2abd2", "#f7f7f7", "#fdb863", "#e66101")  # PuOr: under purple, over orange

SIZE_BY = ("potential", "pipeline")
"""What account dots can be sized by."""
SIZE_CLASSES = 7
"""Radius classes 1..7 (0: no value); the page draws class c at 2 + 1.25 c pixels."""
_SIZE_TOP_QUANTILE = 0.99  # one huge account must not shrink every other dot to a speck


def map_kpi(kpi: str) -> MapKpi:
    """Return the :class:`MapKpi` named ``kpi`` (KeyError if the map cannot colour by it)."""
    for spec in MAP_KPIS:
        if spec.kpi == kpi:
            return spec
    raise KeyError(kpi)


def _mix(ramp: Sequence[str], t: float) -> str:
    """Return the colour at ``t`` (0..1) along ``ramp``, linear between its anchors."""
    t = min(max(t, 0.0), 1.0) * (len(ramp) - 1)
    i = min(int(t), len(ramp) - 2)
    f = t - i
    a, b = int(ramp[i][1:], 16), int(ramp[i + 1][1:], 16)
    parts = [round(((a >> s) & 255) * (1 - f) + ((b >> s) & 255) * f) for s in (16, 8, 0)]
    return "#{:02x}{:02x}{:02x}".format(*parts)


@dataclass(frozen=True)
class _Scale:
    ramp: tuple[str, ...]
    lo: float
    hi: float
    reverse: bool

    def color(self, value: float) -> str:
        span = self.hi - self.lo
        t = 0.5 if span <= 0 else (value - self.lo) / span
        return _mix(self.ramp, 1.0 - t if self.reverse else t)


def _scale(spec: MapKpi, values: list[float], report: HealthReport) -> tuple[_Scale, str]:
    """Return the colour scale for ``values`` and the legend's note on how to read it."""
    if spec.better == "target":
        centre = (float(getattr(report.kpis.settings, spec.target_setting))
                  if spec.target_setting else spec.target)
        reach = max((abs(v - centre) for v in values), default=0.0) or abs(centre) * 0.1 or 1.0
        ramp = _LOAD if spec.kpi == "utilisation" else _DIVERGING
        low, high = ("purple", "orange") if ramp is _LOAD else ("red", "blue")
        note = (f"centred on {kpi_text(centre, spec.kind)}: {low} under, {high} over")
        return _Scale(ramp, centre - reach, centre + reach, False), note
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if spec.better == "lower":
        return _Scale(_SEQUENTIAL, lo, hi, True), "darker: lower (better)"
    return _Scale(_SEQUENTIAL, lo, hi, False), "darker: higher (better)"


def _labels(stops: list[float], kind: str) -> list[str]:
    """Write the legend's stops; one more decimal when a narrow range would repeat a label."""
    labels = [kpi_text(v, kind) for v in stops]
    if len(set(labels)) == len(labels) or kind in ("money", "money_per_day"):
        return labels
    if kind == "percent":
        return [f"{v:.1%}" for v in stops]
    return [f"{v:.1f}" + ("x" if kind == "ratio" else "") for v in stops]


def choropleth(report: HealthReport, kpi: str) -> dict[str, Any]:
    """Return the territories coloured by ``kpi``: what the page's ``show_choropleth`` draws.

    Keys: ``kpi``, ``title`` (label and unit), ``period``, ``note`` (how to read the scale),
    ``territories`` (id -> ``value`` as computed, or None; ``color`` or None for "no data";
    ``text`` as the panel writes it; ``reason`` why it is missing) and ``legend`` (five
    ``{color, label}`` stops from the light or low end).
    """
    spec = map_kpi(kpi)
    territories = report.kpis.territories
    values = [float(v) for k in territories if (v := getattr(k, kpi)) is not None
              and math.isfinite(v)]
    scale, note = _scale(spec, values, report)
    cells: dict[str, dict[str, Any]] = {}
    for k in territories:
        value = getattr(k, kpi)
        if value is None or not math.isfinite(value):
            reason = k.reasons.get(kpi, "")
            cells[str(k.key)] = {"value": None, "color": None, "text": missing_text(reason),
                                 "reason": reason}
        else:
            cells[str(k.key)] = {"value": float(value), "color": scale.color(float(value)),
                                 "text": kpi_text(float(value), spec.kind), "reason": ""}
    stops = [scale.lo + (scale.hi - scale.lo) * i / 4 for i in range(5)]
    if scale.reverse:
        stops.reverse()
    return {
        "kpi": kpi,
        "title": f"{spec.label} ({UNITS[spec.kind]})",
        "period": report.kpis.period.label,
        "note": note,
        "territories": cells,
        "legend": [{"color": scale.color(v), "label": label}
                   for v, label in zip(stops, _labels(stops, spec.kind), strict=True)],
    }


def account_sizes(plan: Plan, report: HealthReport, results: CrmResults | None,
                  size_by: str) -> dict[str, Any]:
    """Return every account's dot size by ``size_by`` ("potential" or "pipeline").

    Keys: ``by``, ``count``, ``sizes`` (base64 of one uint8 radius class per account in plan
    order: 0 for no value, else 1..:data:`SIZE_CLASSES` with the dot's area growing with the
    value up to the 99th percentile) and ``legend`` (``{size, label}`` for three values).
    Pipeline is the accounts' open amount of the report's period, as the KPIs count it.
    """
    ids = list(plan.accounts)
    if size_by == "potential":
        values = np.fromiter(((a.potential or 0.0) for a in plan.accounts.values()), float,
                             len(ids))
    elif size_by == "pipeline":
        if results is None:
            raise ValueError("sizing by pipeline needs the CRM results")
        deals = deals_per_account(results, ids, report.kpis.period, report.kpis.as_of)
        values = deals["pipeline"].astype(float)
    else:
        raise ValueError(f"cannot size accounts by {size_by!r}")
    values = np.where(np.isfinite(values) & (values > 0), values, 0.0)
    positive = values[values > 0]
    top = float(np.quantile(positive, _SIZE_TOP_QUANTILE)) if len(positive) else 0.0
    classes = np.zeros(len(ids), np.uint8)
    if top > 0:
        scaled = np.ceil(SIZE_CLASSES * np.sqrt(np.minimum(values, top) / top))
        classes = np.where(values > 0, np.clip(scaled, 1, SIZE_CLASSES), 0).astype(np.uint8)
    legend = []
    if top > 0:
        for share in (1.0, 0.25, 0.04):
            size = int(np.ceil(SIZE_CLASSES * math.sqrt(share)))
            label = kpi_text(top * share, "money")
            legend.append({"size": size, "label": ("≥ " if share == 1.0 else "") + label})
    return {"by": size_by, "count": len(ids),
            "sizes": base64.b64encode(classes.tobytes()).decode("ascii"), "legend": legend}


def signal_badges(report: HealthReport) -> list[dict[str, Any]]:
    """Return one badge per territory with signals: ``tid``, ``name`` and its ``signals``.

    Each signal is ``{rule, title, message}``, in the report's order.
    """
    names = {str(k.key): k.name for k in report.kpis.territories}
    badges: dict[str, dict[str, Any]] = {}
    for s in report.signals:
        badge = badges.setdefault(s.territory_id, {
            "tid": s.territory_id, "name": names.get(s.territory_id, s.territory_id),
            "signals": []})
        badge["signals"].append({"rule": s.rule, "title": RULE_TITLES.get(s.rule, s.rule),
                                 "message": s.message})
    return list(badges.values())
