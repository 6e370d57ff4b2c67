"""``tdesk export`` of a log that reaches past the rate table, or holds an implausible reading.

What a user walkthrough found: a range into 2027 refused for days nobody had driven yet, totals
a cent off the sum of their lines, and a mistyped odometer (12003 to 99999 on a 0.1 mi drive)
claimed without a word. "Today" is fixed here (``clock.today``), so the tests mean the
same whatever the computer's date.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest

from territory_desktop import cli, clock
from territory_desktop.io import save_plan
from territory_desktop.model import VisitLogEntry
from territory_desktop.resources import resource_path

REP = "REP-4"
INTO_2027 = ["--rep", REP, "--from", "2026-12-07", "--to", "2027-01-08"]
DECEMBER = ["--rep", REP, "--from", "2026-12-01", "--to", "2026-12-31"]
TYPO_DAY = "2026-12-09"  # REP-4's Wednesday: Subway, Jimmy's Famous Seafood, Travelers, Vinny's
JIMMYS = "OSM-w244177029"  # 0.12 mi by road from Subway


@pytest.fixture
def today(monkeypatch):
    """Set the date the exports take as today; returns the setter."""
    def set_today(date: dt.date) -> None:
        monkeypatch.setattr(clock, "today", lambda: date)

    set_today(dt.date(2026, 12, 18))
    return set_today


def _saved(plan, path):
    """Save ``plan`` at ``path``, naming its extract where the command line finds it."""
    extract = str(resource_path("sample", "baltimore.osm.pbf"))
    plan.settings = dataclasses.replace(plan.settings, osm_extract=extract)
    path.parent.mkdir(exist_ok=True)
    save_plan(plan, path)
    return path


@pytest.fixture
def typo_plan(export_plan, tmp_path):
    """Save the fixture plan with the rep's odometer typo: 12003 to 99999 into Jimmy's."""
    plan = export_plan.copy()
    plan.visit_log = [*plan.visit_log, VisitLogEntry(TYPO_DAY, REP, JIMMYS, "done",
                                                     odometer_start=12003.0,
                                                     odometer_end=99999.0)]
    return _saved(plan, tmp_path / "plan" / "typo.gpkg")


def _rows(path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_a_range_into_next_year_needs_rates_only_for_the_days_driven(
        export_plan_path, tmp_path, cache, capsys, today):
    out = tmp_path / "m.csv"
    assert cli.main(["export", str(export_plan_path), "mileage", *INTO_2027, "--rates", "plan",
                     "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert "error" not in captured.err
    assert "planned days after today (2026-12-18) left out: not driven yet" in captured.err
    rows = _rows(out)
    dates = {r["Date"] for r in rows if r["Row"] == "leg"}
    assert dates and max(dates) <= "2026-12-18"
    assert [r["Row"] for r in rows if r["Row"].startswith("year")] == ["year 2026"]
    period = next(r for r in rows if r["Row"] == "period total")
    assert period["Business purpose"] == (
        "2026-12-07 to 2027-01-08 (days after 2026-12-18 left out: not driven yet)")
    claim = tmp_path / "e.csv"
    assert cli.main(["export", str(export_plan_path), "expenses", *INTO_2027, "--per", "trip",
                     "-o", str(claim)]) == 0
    assert "error" not in capsys.readouterr().err
    assert Decimal(period["Amount"]) == sum(Decimal(r["Amount"]) for r in _rows(claim))
    # A day in 2027 that was driven has no rate: still refused, with the table's span.
    today(dt.date(2027, 1, 5))
    assert cli.main(["export", str(export_plan_path), "mileage", *INTO_2027, "--rates", "plan",
                     "-o", str(tmp_path / "late.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and err.endswith(
        "error: the IRS rates shipped with Territory Desktop: no mileage rate for 2027-01-04 "
        "(the table covers 2024-01-01 to 2026-12-31); add that year's rate under File > "
        "Export > Mileage rates and expense presets (tdesk: --rates RATES.csv)"), err
    assert not (tmp_path / "late.csv").exists()


def test_an_odometer_typo_is_claimed_as_logged_but_warned_about(typo_plan, tmp_path, cache,
                                                                capsys, today):
    out = tmp_path / "m.csv"
    assert cli.main(["export", str(typo_plan), "mileage", *DECEMBER, "--rates", "plan", "-o",
                     str(out)]) == 0
    err = capsys.readouterr().err
    warned = [line for line in err.splitlines() if TYPO_DAY in line]
    assert warned == [
        f"warning: {TYPO_DAY}: the drive to Jimmy's Famous Seafood ({JIMMYS}) is logged as "
        "87,996.0 mi (odometer 12,003.0 to 99,999.0 mi) but is 0.1 mi by road: check the entry"]
    assert "0.76 USD/mi from 2026-07-01 to 2026-12-31 is not verified" in err
    rows = _rows(out)
    typo = next(r for r in rows if r["Row"] == "leg" and r["Date"] == TYPO_DAY
                and r["Account ID"] == JIMMYS)
    assert (typo["Business mi"], typo["Source"]) == ("87996.00", "log odometer")  # kept
    assert typo["Amount"] == "66876.96"
    # Every total is the sum of its printed lines: legs for days, days for weeks and the rest.
    legs = [r for r in rows if r["Row"] == "leg"]
    for total in (r for r in rows if r["Row"] != "leg"):
        mine = [r for r in legs if total["Row"] in ("period total", f"year {r['Date'][:4]}")
                or (total["Row"] == "day total" and r["Date"] == total["Date"])
                or (total["Row"] == "week total" and total["Date"] <= r["Date"] <= str(
                    dt.date.fromisoformat(total["Date"]) + dt.timedelta(days=6)))]
        for col in ("Business mi", "Commute mi", "Personal mi", "Total mi", "Amount"):
            assert Decimal(total[col]) == sum(Decimal(r[col]) for r in mine), (total, col)
    for leg in legs:
        assert Decimal(leg["Amount"]) == (Decimal(leg["Business mi"]) * Decimal(
            leg["Rate per mi"])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    day = next(r for r in rows if r["Row"] == "day total" and r["Date"] == TYPO_DAY)
    # The printed log says both, in its title and under the table, for whoever signs it off.
    from pypdf import PdfReader

    pdf = tmp_path / "m.pdf"
    assert cli.main(["export", str(typo_plan), "mileage", *DECEMBER, "--rates", "plan", "-o",
                     str(pdf)]) == 0
    capsys.readouterr()
    flat = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
    assert ("Mileage log: Samuel Okoye (REP-4), 2026-12-01 to 2026-12-31 (days after "
            "2026-12-18 left out: not driven yet)") in flat
    assert f"Warning: {warned[0][len('warning: '):]}" in flat
    # The expense claim of that day: one line, the log's money to the cent, the same warning.
    claim = tmp_path / "e.csv"
    assert cli.main(["export", str(typo_plan), "expenses", "--rep", REP, "--from", TYPO_DAY,
                     "--to", TYPO_DAY, "-o", str(claim)]) == 0
    captured = capsys.readouterr()
    assert f": 1 day, {day['Business mi']} business mi of {day['Total mi']}; 1 line, " \
        f"{day['Amount']} USD" in captured.out
    assert f"warning: {warned[0][len('warning: '):]}" in captured.err
    assert [r["Amount"] for r in _rows(claim)] == [day["Amount"]]


def test_an_odometer_jump_between_visits_is_warned_about_for_the_day(export_plan, tmp_path,
                                                                     cache, capsys, today):
    # The rep's readings are right on each drive, but the next drive starts 5,000 mi later:
    # a personal leg, never claimed, yet the day's log is far beyond its route.
    plan = export_plan.copy()
    plan.visit_log = [*plan.visit_log,
                      VisitLogEntry(TYPO_DAY, REP, JIMMYS, "done", odometer_start=12003.0,
                                    odometer_end=12003.1),
                      VisitLogEntry(TYPO_DAY, REP, "OSM-w244177012", "done",
                                    odometer_start=17003.1, odometer_end=17003.2)]
    path = _saved(plan, tmp_path / "plan" / "jump.gpkg")
    assert cli.main(["export", str(path), "planned-vs-logged", *DECEMBER, "-o",
                     str(tmp_path / "p.csv")]) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if TYPO_DAY in line]
    assert warned == [
        f"warning: {TYPO_DAY}: the day is logged as 5,002.1 mi but its road route is 2.1 mi: "
        f"check the readings of Jimmy's Famous Seafood ({JIMMYS}), Travelers (OSM-w244177012)"]
