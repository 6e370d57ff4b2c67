"""A small health fixture whose figures are computed by hand.

A small hand-computed health fixture: seven real Baltimore places from the sample plan, two
territories, and invented results written as CRM exports (the numbers are worked out by hand in
tests/health/test_health_kpis.py).

Territories (overlay rules pin the accounts; no geometry needed):

- T1 "North" (rep R1, 1.5 h/week): a1 A 100,000; a2 B 50,000; a3 C 10,000.
- T2 "South" (rep R2, 1.875 h/week): b1 A 200,000; b2 A 40,000; b3 B 20,000; b4 C 150,000.

Default cadence: A weekly 45 min, B every 2 weeks 30 min, C every 4 weeks 30 min.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from territory_desktop.model.plan import OverlayRule, Plan, Rep, Territory
from territory_desktop.model.schedule import RepSchedule, ScheduledVisit, VisitLogEntry
from territory_desktop.resources import resource_path

SAMPLE = resource_path("sample")
Q3_START = dt.date(2026, 7, 1)

# fixture name -> (tier, potential); ids are the first seven accounts of the sample plan
ACCOUNTS = {"a1": ("A", 100_000.0), "a2": ("B", 50_000.0), "a3": ("C", 10_000.0),
            "b1": ("A", 200_000.0), "b2": ("A", 40_000.0), "b3": ("B", 20_000.0),
            "b4": ("C", 150_000.0)}


@dataclasses.dataclass
class Fixture:
    plan: Plan
    ids: dict[str, str]  # fixture name -> real account id
    opportunities: Path
    quotas: Path
    activities: Path


def _monday_dates(count: int, start: dt.date = dt.date(2026, 7, 6)) -> list[dt.date]:
    return [start + dt.timedelta(weeks=i) for i in range(count)]


@pytest.fixture
def small(tmp_path: Path) -> Fixture:
    from territory_desktop.io.planfile import load_plan

    sample = load_plan(SAMPLE / "sample_plan.gpkg")
    real = list(sample.accounts.values())[:7]
    ids = {name: acc.id for name, acc in zip(ACCOUNTS, real, strict=True)}
    accounts = {
        acc.id: dataclasses.replace(acc, tier=ACCOUNTS[name][0], potential=ACCOUNTS[name][1],
                                    every_weeks=None, visit_minutes=None)
        for name, acc in zip(ACCOUNTS, real, strict=True)
    }
    reps = {"R1": Rep("R1", "Rita North", 39.29, -76.60, weekly_hours=1.5),
            "R2": Rep("R2", "Sam South", 39.28, -76.58, weekly_hours=1.875)}
    territories = {"T1": Territory("T1", "North", "#1f77b4", "R1"),
                   "T2": Territory("T2", "South", "#ff7f0e", "R2")}
    rules = [OverlayRule(f"pin-{n}", "id", ids[n], "T1" if n.startswith("a") else "T2")
             for n in ACCOUNTS]
    schedule = RepSchedule("R2", 4, tuple(
        [ScheduledVisit(ids["b1"], week, 0, 0) for week in range(4)]
        + [ScheduledVisit(ids["b3"], 0, 1, 0)]))
    b_dates = _monday_dates(5)
    visit_log = [VisitLogEntry(b_dates[0].isoformat(), "R1", ids["a2"], "done"),  # = activity
                 VisitLogEntry("2026-09-28", "R1", ids["a2"], "done"),
                 VisitLogEntry("2026-09-29", "R1", ids["a3"], "skipped")]
    plan = Plan(accounts=accounts, reps=reps, territories=territories, rules=rules,
                name="small", schedules={"R2": schedule}, visit_log=visit_log)

    opportunities = tmp_path / "opportunities.csv"
    rows = [
        ("o1", "a1", 10_000, "Closed Won", "2026-06-01", "2026-07-11"),
        ("o2", "a1", 20_000, "Closed Won", "2026-07-01", "2026-08-20"),
        ("o3", "a2", 6_000, "Closed Won", "2026-08-01", "2026-09-30"),
        ("o4", "a2", 8_000, "Closed Lost", "2026-07-05", "2026-08-05"),
        ("o5", "a3", 4_000, "Closed Won", "2026-03-01", "2026-06-30"),
        ("o6", "a1", 30_000, "Negotiation/Review", "2026-08-15", "2026-09-15"),
        ("o7", "a2", 12_000, "Prospecting", "2026-09-01", "2026-10-01"),
        ("o8", "a3", 5_000, "Qualification", "2026-09-10", ""),
        ("o9", "a1", 3_000, "Closed Lost", "2026-09-01", "2026-10-01"),
        ("p1", "b1", 50_000, "Closed Won", "2026-07-01", "2026-07-31"),
        ("p2", "b2", 10_000, "Closed Lost", "2026-07-10", "2026-08-10"),
        ("p3", "b3", 20_000, "Proposal/Price Quote", "2026-05-01", "2026-07-20"),
        ("p4", "b4", 7_000, "Closed Lost", "2025-02-01", "2025-03-01"),
    ]
    opportunities.write_text(
        "Opportunity ID,Account ID,Amount,Stage,Created Date,Close Date\n"
        + "".join(f"{o},{ids[a]},{amt},{stage},{c},{d}\n" for o, a, amt, stage, c, d in rows),
        encoding="utf-8")
    quotas = tmp_path / "quotas.csv"
    quotas.write_text("Quota Owner ID,Period,Quota Amount\n"
                      "R1,2026Q3,60000\n"
                      "R1,2026-06,9000\n"
                      "R2,2026-08..2026-10,90000\n", encoding="utf-8")
    activities = tmp_path / "activities.csv"
    lines = [f"{ids['a1']},{d.isoformat()},Visit" for d in _monday_dates(13)]
    lines += [f"{ids['a2']},{d.isoformat()},Visit" for d in b_dates]
    lines += [f"{ids['a2']},2026-07-07,Call",
              f"{ids['b4']},2026-08-03,Call"]
    lines += [f"{ids['b2']},{d.isoformat()},Visit" for d in _monday_dates(12)]
    activities.write_text("Account ID,Activity Date,Type\n" + "\n".join(lines) + "\n",
                          encoding="utf-8")
    return Fixture(plan, ids, opportunities, quotas, activities)
