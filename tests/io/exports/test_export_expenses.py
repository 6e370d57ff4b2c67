"""Rate tables (dated periods, gaps and overlaps refused) and expense reports with presets."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import pytest

from territory_desktop import cli
from territory_desktop.io.exports import (
    ExpensePreset,
    ExportError,
    default_rates,
    expense_lines,
    load_presets,
    read_rates,
    save_presets,
    write_rates,
)
from territory_desktop.io.exports.rates import RatePeriod, RateTable, amount

RANGE = ["--rep", "REP-4", "--from", "2025-12-29", "--to", "2026-01-09"]


def test_default_rates_are_the_irs_table_with_its_unverified_period_flagged():
    table = default_rates()
    assert table.period_for(dt.date(2024, 6, 1)).rate == Decimal("0.67")
    assert table.period_for(dt.date(2025, 12, 31)).rate == Decimal("0.70")
    assert table.period_for(dt.date(2026, 1, 1)).rate == Decimal("0.725")
    late = table.period_for(dt.date(2026, 7, 1))
    assert late.rate == Decimal("0.76") and not late.verified
    assert all(p.verified for p in table.periods if p.start < dt.date(2026, 7, 1))
    with pytest.raises(ExportError, match=r"no mileage rate for 2023-12-31 \(the table covers "
                                          r"2024-01-01 to 2026-12-31\)"):
        table.period_for(dt.date(2023, 12, 31))


def _table(tmp_path, rows, header="period_start,period_end,rate,currency,unit"):
    path = tmp_path / "rates.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_gap_or_overlap_in_the_periods_is_a_clear_error(tmp_path):
    gap = _table(tmp_path, ["2025-01-01,2025-06-30,0.70,USD,mi",
                            "2025-07-02,2025-12-31,0.72,USD,mi"])
    with pytest.raises(ExportError, match="rate table has a gap: no rate from 2025-07-01 to "
                                          "2025-07-01"):
        read_rates(gap)
    overlap = _table(tmp_path, ["2025-01-01,2025-06-30,0.70,USD,mi",
                                "2025-06-01,2025-12-31,0.72,USD,mi"])
    with pytest.raises(ExportError, match="rate periods overlap: 2025-01-01 to 2025-06-30 and "
                                          "2025-06-01 to 2025-12-31"):
        read_rates(overlap)
    bad = _table(tmp_path, ["2025-01-01,2025-06-30,0.70,USD,mi", "2025-07-01,2025-12-31,x,USD,mi"])
    with pytest.raises(ExportError, match=r"rates.csv:3: column rate: 'x' is not a number"):
        read_rates(bad)
    with pytest.raises(ExportError, match="needs the columns"):
        read_rates(_table(tmp_path, ["1,2"], header="a,b"))


def test_per_km_rates_in_another_currency(tmp_path):
    path = _table(tmp_path, ["2025-01-01,2026-12-31,0.30,EUR,km"])
    table = read_rates(path)
    period = table.period_for(dt.date(2025, 12, 29))
    assert amount(10.0, "mi", period) == Decimal("4.83")  # 16.09 km x 0.30
    assert amount(10.0, "km", period) == Decimal("3.00")
    back = tmp_path / "again.csv"
    write_rates(table, back)
    assert read_rates(back).periods == table.periods
    mixed = RateTable((RatePeriod(dt.date(2025, 1, 1), dt.date(2025, 12, 31), Decimal(1), "USD"),
                       RatePeriod(dt.date(2026, 1, 1), dt.date(2026, 12, 31), Decimal(1), "EUR")))
    with pytest.raises(ExportError, match="mix currencies"):
        mixed.covering(dt.date(2025, 12, 1), dt.date(2026, 1, 31))


def test_cli_refuses_a_rate_table_with_a_gap_and_writes_nothing(export_plan_path, tmp_path,
                                                               cache, capsys):
    gap = _table(tmp_path, ["2025-01-01,2025-12-30,0.70,USD,mi",
                            "2026-01-01,2026-12-31,0.72,USD,mi"])
    out = tmp_path / "log.csv"
    code = cli.main(["export", str(export_plan_path), "mileage", *RANGE, "--rates", str(gap),
                     "-o", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("error: ") and "\n" not in err
    assert "gap: no rate from 2025-12-31 to 2025-12-31" in err
    assert not out.exists() and list(tmp_path.glob(".log.csv*")) == []


def test_expenses_per_day_match_the_golden_file(export_plan_path, tmp_path, cache, golden, trips):
    out = tmp_path / "expenses.csv"
    assert cli.main(["export", str(export_plan_path), "expenses", *RANGE, "--cost-centre",
                     "CC-410", "-o", str(out)]) == 0
    golden(out, "expenses_day_REP-4.csv")
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["Date", "Category", "Description", "Start address", "End address",
                             "Distance", "Unit", "Rate", "Amount", "Currency", "Rep",
                             "Cost centre"]
    assert {r["Category"] for r in rows} == {"Mileage"} and {r["Rep"] for r in rows} == {"REP-4"}
    # Only business miles are claimed: the sum of lines is the log's business distance.
    assert sum(float(r["Distance"]) for r in rows) == pytest.approx(trips.total("business"),
                                                                    abs=0.02)
    report = expense_lines(trips, default_rates())
    assert sum(Decimal(r["Amount"]) for r in rows) == report.total


def test_expenses_per_trip_with_mapped_columns_and_date_format(export_plan_path, tmp_path, cache,
                                                               golden):
    out = tmp_path / "trips.csv"
    presets = tmp_path / "presets.json"
    args = ["--per", "trip", "--date-format", "%m/%d/%Y", "--column", "date=Trip date",
            "--column", "description=Purpose", "--column", "distance=Miles", "--column",
            "odometer_start", "--column", "odometer_end", "--column", "amount=Amount (USD)"]
    assert cli.main(["export", str(export_plan_path), "expenses", *RANGE, *args,
                     "--presets", str(presets), "--save-preset", "finance", "-o", str(out)]) == 0
    golden(out, "expenses_trip_REP-4.csv")
    saved = load_presets(presets)["finance"]
    assert saved.per == "trip" and saved.date_format == "%m/%d/%Y"
    assert saved.columns[0] == ("date", "Trip date") and saved.columns[3] == (
        "odometer_start", "Odometer start")
    # The saved preset reproduces the same file.
    again = tmp_path / "again.csv"
    assert cli.main(["export", str(export_plan_path), "expenses", *RANGE, "--presets",
                     str(presets), "--preset", "finance", "-o", str(again)]) == 0
    assert again.read_bytes() == out.read_bytes()


def test_expenses_xlsx_has_typed_cells_and_no_totals_row(export_plan_path, tmp_path, cache,
                                                         trips):
    from openpyxl import load_workbook

    out = tmp_path / "expenses.xlsx"
    assert cli.main(["export", str(export_plan_path), "expenses", *RANGE, "-o", str(out)]) == 0
    sheet = load_workbook(out).active
    report = expense_lines(trips, default_rates())
    assert sheet.max_row == len(report.lines) + 1
    for r, line in enumerate(report.lines, start=2):
        assert sheet.cell(r, 1).is_date and sheet.cell(r, 1).value.date() == line.date
        assert sheet.cell(r, 6).value == pytest.approx(line.distance, abs=1e-6)
        assert sheet.cell(r, 9).value == float(line.amount)


def test_presets_round_trip_and_bad_presets_are_refused(tmp_path):
    preset = ExpensePreset("concur-like", (("date", "Transaction Date"), ("amount", "Amount")),
                           date_format="%d/%m/%Y", per="trip", cost_centre="4711")
    path = tmp_path / "p.json"
    save_presets(path, {preset.name: preset})
    assert load_presets(path) == {preset.name: preset}
    with pytest.raises(ExportError, match="unknown field 'mileage'"):
        ExpensePreset("x", (("mileage", "Miles"),))
    with pytest.raises(ExportError, match="does not show the day"):
        ExpensePreset("x", date_format="%Y")
    with pytest.raises(ExportError, match="per 'day' or per 'trip'"):
        ExpensePreset("x", per="week")
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ExportError, match="cannot read presets"):
        load_presets(path)
