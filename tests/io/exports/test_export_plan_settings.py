"""The export commands read the plan's own settings: home office, rates and expense presets."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from decimal import Decimal

from territory_desktop import cli
from territory_desktop.io import save_plan
from territory_desktop.io.exports import build_trips, expense_lines
from territory_desktop.model.export_settings import (
    ExpensePreset,
    ExportSettings,
    RatePeriod,
    RateTable,
)

RANGE = ["--rep", "REP-4", "--from", "2025-12-29", "--to", "2026-01-09"]
EUR_PER_KM = RateTable((
    RatePeriod(dt.date(2025, 1, 1), dt.date(2025, 12, 31), Decimal("0.30"), "EUR", "km"),
    RatePeriod(dt.date(2026, 1, 1), dt.date(2026, 12, 31), Decimal("0.32"), "EUR", "km"),
))
PRESET = ExpensePreset("finance", (("date", "Datum"), ("distance", "Miles"),
                                   ("amount", "Betrag"), ("currency", "Währung")), "%d.%m.%Y")


def _rows(path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_plan_rates_presets_and_home_office_are_used(export_plan, export_plan_path, tmp_path,
                                                     cache, sample_network):
    plan = export_plan.copy()
    plan.reps["REP-4"] = dataclasses.replace(plan.reps["REP-4"], home_office=True)
    plan.exports = ExportSettings(EUR_PER_KM, (PRESET,))
    plan.settings = dataclasses.replace(plan.settings, osm_extract=str(
        (export_plan_path.parent / export_plan.settings.osm_extract).resolve()))
    path = tmp_path / "plan.gpkg"
    save_plan(plan, path)
    out = tmp_path / "expenses.csv"
    assert cli.main(["export", str(path), "expenses", *RANGE, "--preset", "finance",
                     "-o", str(out)]) == 0
    rows = _rows(out)
    assert rows[0] == ["Datum", "Miles", "Betrag", "Währung"]
    assert {r[3] for r in rows[1:]} == {"EUR"}
    assert rows[1][0] == "29.12.2025"
    # The rep's home office makes home legs business miles, priced per km at the plan's rates.
    trips = build_trips(plan, "REP-4", dt.date(2025, 12, 29), dt.date(2026, 1, 9),
                        sample_network)
    assert trips.total("commute") == 0 < trips.total("business")
    report = expense_lines(trips, EUR_PER_KM)
    assert sum(Decimal(r[2]) for r in rows[1:]) == report.total
    assert sum(float(r[1]) for r in rows[1:]) > sum(
        line.distance for line in expense_lines(
            build_trips(export_plan, "REP-4", dt.date(2025, 12, 29), dt.date(2026, 1, 9),
                        sample_network), EUR_PER_KM).lines)
    # --rates irs still asks for the shipped rates; a mileage log takes the plan's with 'plan'.
    irs = tmp_path / "irs.csv"
    assert cli.main(["export", str(path), "expenses", *RANGE, "--preset", "finance",
                     "--rates", "irs", "-o", str(irs)]) == 0
    assert {r[3] for r in _rows(irs)[1:]} == {"USD"}
    log = tmp_path / "log.csv"
    assert cli.main(["export", str(path), "mileage", *RANGE, "--rates", "plan",
                     "-o", str(log)]) == 0
    assert "EUR" in {r[-1] for r in _rows(log)[1:]}


def test_an_unknown_preset_names_the_plan_s_presets(export_plan, export_plan_path, tmp_path,
                                                    cache, capsys):
    plan = export_plan.copy()
    plan.exports = ExportSettings(None, (PRESET,))
    plan.settings = dataclasses.replace(plan.settings, osm_extract=str(
        (export_plan_path.parent / export_plan.settings.osm_extract).resolve()))
    path = tmp_path / "plan.gpkg"
    save_plan(plan, path)
    assert cli.main(["export", str(path), "expenses", *RANGE, "--preset", "sap",
                     "-o", str(tmp_path / "x.csv")]) == 2
    assert "no expense preset named 'sap' (the plan has finance)" in capsys.readouterr().err
