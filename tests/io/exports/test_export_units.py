"""A logged reading keeps its distance in either unit; claims print rates per their own unit.

What a user walkthrough found: odometer 10000 -> 10012 logged in miles became a 12 km leg in a
km mileage log, priced $5.67 instead of $9.12, and km claims printed the per-mile rate 0.760
beside km distances, so distance times rate was not the amount.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest

from territory_desktop import cli, clock
from territory_desktop.io import save_plan
from territory_desktop.io.exports import build_trips, default_rates, expense_lines, mileage_report
from territory_desktop.model import VisitLogEntry
from territory_desktop.resources import resource_path

REP = "REP-4"
DAY = "2026-12-09"  # REP-4's Wednesday: Subway, Jimmy's Famous Seafood, Travelers, Vinny's
JIMMYS = "OSM-w244177029"
DECEMBER = ["--rep", REP, "--from", "2026-12-01", "--to", "2026-12-18"]
CENT = Decimal("0.01")


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 12, 18))


@pytest.fixture
def logged(export_plan):
    """Return the fixture plan with a drive to Jimmy's logged in miles: odometer 10000 -> 10012."""
    plan = export_plan.copy()
    plan.visit_log = [*plan.visit_log, VisitLogEntry(DAY, REP, JIMMYS, "done",
                                                     odometer_start=10000.0,
                                                     odometer_end=10012.0, unit="mi")]
    return plan


def _jimmys(report):
    header = list(report.header)
    row = next(r for r in report.rows if r[0] == "leg" and r[6] == JIMMYS
               and r[1] == dt.date.fromisoformat(DAY))
    return dict(zip(header, row, strict=True))


def _priced(distance, rate) -> Decimal:
    return (Decimal(distance) * Decimal(rate)).quantize(CENT, rounding=ROUND_HALF_UP)


def test_a_miles_reading_is_the_same_distance_and_money_in_a_km_log(logged, sample_network):
    start, end = dt.date(2026, 12, 7), dt.date(2026, 12, 11)
    rates = default_rates()  # 0.76 USD per mile in December 2026
    miles = _jimmys(mileage_report(build_trips(logged, REP, start, end, sample_network), rates))
    km = _jimmys(mileage_report(build_trips(logged, REP, start, end, sample_network, unit="km"),
                                rates))
    assert (miles["Business mi"], miles["Rate per mi"], miles["Amount"]) == (12.0, 0.76, 9.12)
    assert km["Business km"] == 19.31  # 12 mi, not 12 km
    assert km["Rate per km"] == 0.472242 and km["Amount"] == 9.12
    # The odometer figures are the odometer's, the source says their unit.
    assert (km["Odometer start"], km["Odometer end"]) == (10000.0, 10012.0)
    assert (km["Source"], miles["Source"]) == ("log odometer (in mi)", "log odometer")


def test_a_km_reading_converts_into_a_miles_claim(logged, sample_network):
    plan = logged.copy()
    plan.visit_log = [dataclasses.replace(e, unit="km") if e.odometer_start == 10000.0 else e
                      for e in plan.visit_log]
    trips = build_trips(plan, REP, dt.date(2026, 12, 9), dt.date(2026, 12, 9), sample_network)
    line = next(g for g in expense_lines(trips, default_rates(), "trip").lines
                if g.account_id == JIMMYS)
    assert (line.distance, line.rate, line.amount) == (7.46, Decimal("0.76"), Decimal("5.67"))
    # A claim has one unit: its odometer figures are converted with the distance.
    assert (line.odometer_start, line.odometer_end) == pytest.approx((6213.71, 6221.17), abs=0.01)


def _rows(path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("per", ["day", "trip"])
def test_every_km_claim_line_is_distance_times_rate(logged, tmp_path, cache, per):
    extract = str(resource_path("sample", "baltimore.osm.pbf"))
    logged.settings = dataclasses.replace(logged.settings, osm_extract=extract)
    path = tmp_path / "plan.gpkg"
    save_plan(logged, path)
    claim, log = tmp_path / "claim.csv", tmp_path / "log.csv"
    assert cli.main(["export", str(path), "expenses", *DECEMBER, "--unit", "km", "--per", per,
                     "-o", str(claim)]) == 0
    assert cli.main(["export", str(path), "mileage", *DECEMBER, "--unit", "km", "--rates",
                     "irs", "-o", str(log)]) == 0
    lines = _rows(claim)
    assert lines and {r["Unit"] for r in lines} == {"km"}
    assert {r["Rate"] for r in lines} == {"0.472242"}  # 0.76 USD/mi per km
    for r in lines:
        assert _priced(r["Distance"], r["Rate"]) == Decimal(r["Amount"]), r
    legs = [r for r in _rows(log) if r["Row"] == "leg"]
    for r in legs:
        assert _priced(r["Business km"], r["Rate per km"]) == Decimal(r["Amount"]), r
    jimmys = next(r for r in legs if r["Account ID"] == JIMMYS and r["Date"] == DAY)
    assert (jimmys["Business km"], jimmys["Amount"]) == ("19.31", "9.12")
