"""The mileage log and planned-vs-logged report: golden CSV, XLSX cell by cell, PDF text."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest

from territory_desktop import cli
from territory_desktop.io.exports import default_rates, mileage_report, planned_vs_logged_report

RANGE = ["--rep", "REP-4", "--from", "2025-12-29", "--to", "2026-01-09"]


def _export(plan_path, kind, out, *extra):
    return cli.main(["export", str(plan_path), kind, *RANGE, *extra, "-o", str(out)])


def _rows(path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_mileage_csv_matches_the_golden_file(export_plan_path, tmp_path, cache, golden, capsys):
    out = tmp_path / "mileage.csv"
    assert _export(export_plan_path, "mileage", out, "--rates", "irs") == 0
    assert "wrote" in capsys.readouterr().out
    golden(out, "mileage_REP-4.csv")
    assert out.read_bytes().decode("utf-8").count("\n") == len(_rows(out)) + 1  # one header row


def test_mileage_totals_add_up_and_rates_follow_the_date(export_plan_path, tmp_path, cache,
                                                          trips):
    out = tmp_path / "mileage.csv"
    assert _export(export_plan_path, "mileage", out, "--rates", "irs") == 0
    rows = _rows(out)
    legs = [r for r in rows if r["Row"] == "leg"]
    period = next(r for r in rows if r["Row"] == "period total")
    columns = ("Business mi", "Commute mi", "Personal mi", "Total mi", "Amount")
    # Every total is the sum of the printed figures of its legs, to the cent.
    for col in columns:
        assert Decimal(period[col]) == sum(Decimal(r[col]) for r in legs), col
    assert Decimal(period["Total mi"]) == trips.printed()
    assert Decimal(period["Business mi"]) == trips.printed("business")
    # 70 cents in 2025, 72.5 cents from 2026 (IRS notices), per leg by its date.
    assert {r["Rate per mi"] for r in legs if r["Date"] < "2026"} == {"0.700"}
    assert {r["Rate per mi"] for r in legs if r["Date"] >= "2026"} == {"0.725"}
    for leg in legs:  # a leg's amount is its printed business distance at the printed rate
        assert Decimal(leg["Amount"]) == (Decimal(leg["Business mi"]) * Decimal(
            leg["Rate per mi"])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    days = [r for r in rows if r["Row"] == "day total"]
    for day in days:
        of_day = [r for r in legs if r["Date"] == day["Date"]]
        for col in columns:
            assert Decimal(day[col]) == sum(Decimal(r[col]) for r in of_day), (day["Date"], col)
    weeks = [r for r in rows if r["Row"] == "week total"]
    assert [w["Date"] for w in weeks] == ["2025-12-29", "2026-01-05"]
    for col in columns:
        assert sum(Decimal(w[col]) for w in weeks) == Decimal(period[col])
        assert sum(Decimal(d[col]) for d in days) == Decimal(period[col])
        years = [r for r in rows if r["Row"].startswith("year ")]
        assert sum(Decimal(y[col]) for y in years) == Decimal(period[col])
    # Commute is never reimbursed (the rep has no home office).
    assert all(Decimal(r["Amount"]) == 0 for r in legs if r["Trip type"] != "business")
    y2025 = next(r for r in rows if r["Row"] == "year 2025")
    assert (y2025["Odometer start"], y2025["Odometer end"]) == ("41200.0", "41300.0")
    y2026 = next(r for r in rows if r["Row"] == "year 2026")
    assert (y2026["Odometer start"], y2026["Odometer end"]) == ("", "")


def test_mileage_xlsx_cells_are_typed_and_equal_the_log(export_plan_path, tmp_path, cache,
                                                        trips):
    from openpyxl import load_workbook

    out = tmp_path / "mileage.xlsx"
    assert _export(export_plan_path, "mileage", out, "--rates", "irs") == 0
    report = mileage_report(trips, default_rates())
    sheet = load_workbook(out).worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == list(report.header)
    assert all(c.font.bold for c in sheet[1])
    assert sheet.max_row == len(report.rows) + 1
    for r, row in enumerate(report.rows):
        cells = sheet[r + 2]
        for cell, want in zip(cells, row, strict=True):
            if isinstance(want, dt.date):
                assert cell.is_date and cell.value.date() == want
            elif isinstance(want, float):
                assert cell.data_type == "n" and cell.value == pytest.approx(want, abs=1e-9)
            elif want is None:
                assert cell.value is None
            else:
                assert cell.data_type == "s" and cell.value == want
        assert cells[0].font.bold == (r in report.totals)
    period = next(r for r, row in enumerate(report.rows) if row[0] == "period total")
    total = sheet.cell(period + 2, report.header.index("Total mi") + 1)
    assert total.value == pytest.approx(float(trips.printed()), abs=1e-9)  # as printed
    assert total.number_format == "0.00"


def test_mileage_pdf_is_a_printable_log_with_a_signature_line(export_plan_path, tmp_path, cache,
                                                              trips):
    from pypdf import PdfReader

    out = tmp_path / "mileage.pdf"
    assert _export(export_plan_path, "mileage", out, "--rates", "irs") == 0
    text = "\n".join(page.extract_text() for page in PdfReader(out).pages)
    flat = " ".join(text.split())
    assert "Mileage log: Samuel Okoye (REP-4), 2025-12-29 to 2026-01-09" in flat
    assert "Signature:" in flat and "true record of the business use" in flat
    assert "© OpenStreetMap contributors" in flat
    for day in trips.days:
        assert day.date.isoformat() in flat
    names = {g.destination.name for g in trips.legs}
    for name in names:
        assert " ".join(name.split()[:1]) in flat
    assert f"{trips.total():,.2f}" in flat  # the period total
    assert "year 2025" in flat and "41,300.0" in flat
    # no word of the table is split over two lines (it read "Odomet er start")
    for word in ("Odometer", "Business", "Commute", "Personal", "Currency", "commute",
                 "odometer"):
        assert word in text, word


def test_planned_vs_logged_matches_the_golden_file(export_plan_path, tmp_path, cache, golden,
                                                   trips):
    out = tmp_path / "pvl.csv"
    assert _export(export_plan_path, "planned-vs-logged", out) == 0
    golden(out, "planned_vs_logged_REP-4.csv")
    rows = _rows(out)
    for r in rows:
        assert float(r["Difference mi"]) == pytest.approx(
            float(r["Logged mi"]) - float(r["Planned mi"]), abs=0.011)
    report = planned_vs_logged_report(trips)
    by_day = {r["Date"]: r for r in rows}
    assert by_day["2025-12-30"]["Planned visits"] == "3" and by_day["2025-12-30"]["Visits"] == "1"
    assert by_day["2026-01-02"]["Planned mi"] == "0.00"  # only the moved visit that day
    assert float(by_day["Total"]["Planned mi"]) == pytest.approx(
        sum(d.planned_distance for d in trips.days), abs=0.01)
    assert len(report.rows) == len(rows)
