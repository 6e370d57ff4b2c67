"""Export settings in the plan file: home office per rep, dated rates, expense presets."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from territory_desktop.io.exports.rates import default_rates
from territory_desktop.io.planfile import PlanFileError, load_plan, save_plan
from territory_desktop.model import Plan, Rep
from territory_desktop.model.export_settings import (
    ExpensePreset,
    ExportError,
    ExportSettings,
    RatePeriod,
    RateTable,
)

DATA = Path(__file__).parent / "data"


def _settings() -> ExportSettings:
    rates = RateTable((
        RatePeriod(dt.date(2024, 1, 1), dt.date(2024, 6, 30), Decimal("0.3000"), "EUR", "km",
                   "company policy H1"),
        RatePeriod(dt.date(2024, 7, 1), dt.date(2025, 12, 31), Decimal("0.3175"), "EUR", "km",
                   "company policy, unverified", verified=False),
    ))
    presets = (
        ExpensePreset("Expensify", (("date", "Transaction Date"), ("distance", "Kilometres"),
                                    ("amount", "Amount €")), "%d/%m/%Y", "trip", "Car",
                      "CC-7"),
        ExpensePreset("standard"),
    )
    return ExportSettings(rates, presets)


def _plan() -> Plan:
    plan = Plan(name="exports")
    plan.reps["R1"] = Rep("R1", "Ann", 39.3, -76.6, home_office=True)
    plan.reps["R2"] = Rep("R2", "Ben", 39.2, -76.5)
    plan.exports = _settings()
    return plan


def test_export_settings_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "plan.gpkg"
    plan = _plan()
    save_plan(plan, path)
    loaded = load_plan(path)
    assert loaded.exports == plan.exports
    assert [r.home_office for r in loaded.reps.values()] == [True, False]
    rates = loaded.exports.rates
    assert rates is not None
    # Money keeps its digits (no float rounding) and its unverified flag.
    assert [str(p.rate) for p in rates.periods] == ["0.3000", "0.3175"]
    assert [p.verified for p in rates.periods] == [True, False]
    assert loaded.exports.presets[0].columns[2] == ("amount", "Amount €")
    save_plan(loaded, path)  # and again: identical
    again = load_plan(path)
    assert again.exports == plan.exports
    assert list(again.reps.values()) == list(plan.reps.values())


def test_v2_fixture_loads_with_export_defaults() -> None:
    plan = load_plan(DATA / "plan_v2.gpkg")
    assert plan.exports == ExportSettings()  # the shipped rates, no presets
    assert not any(r.home_office for r in plan.reps.values())


def test_a_plan_without_rates_saves_none_and_defaults_apply(tmp_path: Path) -> None:
    plan = _plan()
    plan.exports = ExportSettings(None, ())
    save_plan(plan, tmp_path / "p.gpkg")
    with sqlite3.connect(tmp_path / "p.gpkg") as conn:
        assert conn.execute("SELECT count(*) FROM td_mileage_rates").fetchone() == (0,)
    assert load_plan(tmp_path / "p.gpkg").exports.rates is None
    assert default_rates().periods[0].currency == "USD"


def test_a_gap_in_the_rate_table_is_refused_with_its_dates(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="gap: no rate from 2024-07-01 to 2024-07-31"):
        RateTable((RatePeriod(dt.date(2024, 1, 1), dt.date(2024, 6, 30), Decimal("0.3")),
                   RatePeriod(dt.date(2024, 8, 1), dt.date(2024, 12, 31), Decimal("0.3"))))
    # A gap typed into the file (in QGIS) names the table and the missing dates.
    path = tmp_path / "p.gpkg"
    save_plan(_plan(), path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE td_mileage_rates SET period_start='2024-08-01' WHERE fid=2")
    with pytest.raises(PlanFileError, match=r"table td_mileage_rates: the rate table has a "
                       r"gap: no rate from 2024-07-01 to 2024-07-31"):
        load_plan(path)


@pytest.mark.parametrize(("table", "column", "value", "message"), [
    ("td_mileage_rates", "rate", "'0,30'", "row 1: rate must be a number, not '0,30'"),
    ("td_mileage_rates", "period_end", "'June'", "row 1: period_end 'June' is not a date"),
    ("td_expense_presets", "columns", "'[[\"miles\", \"Miles\"]]'", "unknown field 'miles'"),
    ("td_expense_presets", "per", "'week'", "lines are per 'day' or per 'trip'"),
    ("reps", "home_office", "2", "home_office must be 0 or 1"),
])
def test_bad_export_settings_name_table_and_row(tmp_path: Path, table: str, column: str,
                                                value: str, message: str) -> None:
    path = tmp_path / "p.gpkg"
    save_plan(_plan(), path)
    with sqlite3.connect(path) as conn:
        conn.execute(f"UPDATE {table} SET {column}={value} WHERE fid=1")
    with pytest.raises(PlanFileError, match=f"table {table}: .*{message}") as err:
        load_plan(path)
    assert "\n" not in str(err.value)


def test_two_presets_of_one_name_are_refused() -> None:
    with pytest.raises(ExportError, match="two expense presets are named 'a'"):
        ExportSettings(None, (ExpensePreset("a"), dataclasses.replace(ExpensePreset("a"),
                                                                      per="trip")))
