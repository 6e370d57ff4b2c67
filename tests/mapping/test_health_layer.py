"""The health map layer: a KPI choropleth with the CLI's numbers, sized accounts, badges."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest

from territory_desktop import cli, clock
from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.health.kpis import deals_per_account
from territory_desktop.health.report import health_report
from territory_desktop.io.planfile import load_plan
from territory_desktop.io.results import import_results
from territory_desktop.mapping.health_layer import (
    MAP_KPIS,
    SIZE_CLASSES,
    account_sizes,
    choropleth,
    signal_badges,
)
from territory_desktop.resources import resource_path

SAMPLE = resource_path("sample")
RESULTS = SAMPLE / "results"
FILES = {"opportunities": RESULTS / "opportunities.csv", "quotas": RESULTS / "quotas.csv",
         "activities": RESULTS / "activities.csv"}
# How report_json rounds each figure (the CLI's --json).
DIGITS = {"pipeline": 2, "coverage_ratio": 4, "attainment": 4, "win_rate": 4, "avg_deal": 2,
          "cycle_days": 1, "velocity": 2, "visit_coverage": 4, "white_space": 0}


@pytest.fixture(scope="module")
def sample():
    """Load the sample plan and report on its invented CRM results (default quarter)."""
    loaded = load_plan(SAMPLE / "sample_plan.gpkg")
    plan = getattr(loaded, "plan", loaded)
    imported = import_results(plan.accounts, plan.reps, FILES["opportunities"], FILES["quotas"],
                              FILES["activities"], today=clock.today())
    return plan, imported.results, health_report(plan, imported.results)


def cli_health_json(plan_path: Path, capsys) -> dict:
    """Run ``tdesk plan health --json`` on the sample results; return its JSON."""
    args = ["plan", "health", str(plan_path),
            *(a for kind, path in FILES.items() for a in (f"--{kind}", str(path))), "--json"]
    assert cli.main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_choropleth_values_are_the_command_lines(sample, capsys):
    _, _, report = sample
    printed = cli_health_json(SAMPLE / "sample_plan.gpkg", capsys)
    assert printed["period"] == report.kpis.period.label
    checked = 0
    for kpi, digits in DIGITS.items():
        cells = choropleth(report, kpi)["territories"]
        assert list(cells) == [t["id"] for t in printed["territories"]]
        for row in printed["territories"]:
            value = cells[row["id"]]["value"]
            assert (None if value is None else round(value, digits)) == row[kpi], (kpi, row["id"])
            checked += value is not None
    assert checked > 30


def test_too_few_deals_is_no_data_not_zero(sample):
    _, _, report = sample
    few = [k for k in report.kpis.territories if k.win_rate is None]
    assert few, "the sample has a territory with too few closed deals"
    cells = choropleth(report, "win_rate")["territories"]
    for k in few:
        assert cells[k.key] == {"value": None, "color": None, "text": "too few deals",
                                "reason": k.reasons["win_rate"]}
    coloured = [c for c in cells.values() if c["value"] is not None]
    assert coloured and all(c["color"].startswith("#") for c in coloured)
    velocity = choropleth(report, "velocity")["territories"]
    assert {velocity[k.key]["text"] for k in few} == {"-"}  # as the panel writes no figure


def _darkness(color: str) -> int:
    n = int(color[1:], 16)
    return -((n >> 16) + ((n >> 8) & 255) + (n & 255))


def test_scale_follows_the_kpis_direction(sample):
    _, _, report = sample
    by = {k.key: k for k in report.kpis.territories}
    # more is better: the best territory is the darkest
    cells = choropleth(report, "pipeline")["territories"]
    best = max(by, key=lambda t: by[t].pipeline)
    assert max(cells, key=lambda t: _darkness(cells[t]["color"])) == best
    # less is better (sales cycle): the shortest cycle is the darkest; the legend runs light
    # (long) to dark (short)
    c = choropleth(report, "cycle_days")
    known = {t: v for t, v in c["territories"].items() if v["value"] is not None}
    assert max(known, key=lambda t: _darkness(known[t]["color"])) == min(
        known, key=lambda t: known[t]["value"])
    darkness = [_darkness(s["color"]) for s in c["legend"]]
    assert darkness == sorted(darkness)
    assert "lower" in c["note"]
    # a target: diverging, centred on it (utilisation 100 %, pipeline coverage at 3x)
    for kpi, centre, label in (("utilisation", 1.0, "100%"), ("coverage_ratio", 3.0, "3.0x")):
        c = choropleth(report, kpi)
        assert c["legend"][2] == {"color": "#f7f7f7", "label": label}
        values = [v["value"] for v in c["territories"].values() if v["value"] is not None]
        reach = max(abs(v - centre) for v in values)
        farthest = max(c["territories"].values(), key=lambda v: abs(v["value"] - centre))
        assert farthest["color"] in ("#ca0020", "#0571b0", "#5e3c99", "#e66101")
        assert c["legend"][0]["label"] != c["legend"][4]["label"] and reach > 0


def test_every_map_kpi_has_a_legend_of_distinct_labels(sample):
    _, _, report = sample
    for spec in MAP_KPIS:
        c = choropleth(report, spec.kpi)
        labels = [s["label"] for s in c["legend"]]
        assert len(labels) == 5 and len(set(labels)) == 5, (spec.kpi, labels)
        assert c["period"] == report.kpis.period.label and spec.label in c["title"]


def _classes(sizes):
    return np.frombuffer(base64.b64decode(sizes["sizes"]), np.uint8)


def test_accounts_are_sized_by_the_pipeline_the_kpis_count(sample):
    plan, results, report = sample
    sizes = account_sizes(plan, report, results, "pipeline")
    classes = _classes(sizes)
    assert sizes["count"] == len(plan.accounts) == len(classes)
    deals = deals_per_account(results, plan.accounts, report.kpis.period, report.kpis.as_of)
    pipeline = deals["pipeline"]
    assert ((classes == 0) == (pipeline <= 0)).all()
    assert classes.max() == SIZE_CLASSES
    order = np.argsort(pipeline, kind="stable")
    assert (np.diff(classes[order].astype(int)) >= 0).all()  # bigger pipeline, bigger dot
    # the same per-account sums add up to the territories' pipeline
    territory_of = assign_accounts(plan).territory_of
    for k in report.kpis.territories:
        mine = [i for i, a in enumerate(plan.accounts) if territory_of.get(a) == k.key]
        assert pipeline[mine].sum() == pytest.approx(k.pipeline)


def test_accounts_sized_by_potential(sample):
    plan, _, report = sample
    classes = _classes(account_sizes(plan, report, None, "potential"))
    potential = np.array([a.potential or 0.0 for a in plan.accounts.values()])
    assert ((classes == 0) == (potential <= 0)).all()
    assert classes[np.argmax(potential)] == SIZE_CLASSES
    with pytest.raises(ValueError, match="needs the CRM results"):
        account_sizes(plan, report, None, "pipeline")


def test_signal_badges_group_the_reports_signals_by_territory(sample):
    _, _, report = sample
    badges = signal_badges(report)
    assert [b["tid"] for b in badges] == list(dict.fromkeys(s.territory_id
                                                            for s in report.signals))
    flat = [(b["tid"], s["rule"], s["message"]) for b in badges for s in b["signals"]]
    assert flat == [(s.territory_id, s.rule, s.message) for s in report.signals]
    names = {k.key: k.name for k in report.kpis.territories}
    assert all(b["name"] == names[b["tid"]] for b in badges)
