"""Writes plan_v2.gpkg, the schema-2 fixture. Run it only while the writer writes schema 2.

The schema-1 fixture's facilities (HIFLD, public use) with what schema 2 added: time windows,
closed days, working hours and days off, working weekdays and holidays, a two-week rotation for
one rep (pinned and ad-hoc visits, an unplaced account), an empty rotation for another, and a
visit log with every status. The committed file is the record of what schema 2 looked like; do not
regenerate it later.
"""

from pathlib import Path

from shapely.geometry import Polygon

from territory_desktop.io.planfile import SCHEMA_VERSION, save_plan
from territory_desktop.model.plan import (
    Account,
    OverlayRule,
    Plan,
    PlanSettings,
    Rep,
    Territory,
    TierCadence,
)
from territory_desktop.model.schedule import (
    RepSchedule,
    ScheduledVisit,
    UnplacedAccount,
    VisitLogEntry,
)

assert SCHEMA_VERSION == 2, "this script writes the schema-2 fixture only"

plan = Plan(name="LA fixture v2")
plan.accounts["HOSP-0000392801"] = Account(
    "HOSP-0000392801", "Ahmc Anaheim Regional Medical Center", 33.84815379, -117.93444769,
    address="1111 W LA PALMA AVE, ANAHEIM, CA", postal_code="92801", segment="Hospital",
    industry="GENERAL ACUTE CARE", potential=223.0, tier="A", owner="PROPRIETARY",
)
plan.accounts["HOSP-0005992669"] = Account(
    "HOSP-0005992669", "Chapman Global Medical Center", 33.78861494, -117.82641316,
    address="2601 E CHAPMAN AVE, ORANGE, CA", postal_code="92869", segment="Enterprise",
    potential=75.0, tier="B", every_weeks=2.0, visit_minutes=60.0, notes="line 1\nline 2",
    window_start=9 * 60, window_end=11 * 60 + 30, closed_weekdays=(5, 6), same_weekday=True,
)
plan.accounts["ZIP-90012"] = Account(
    "ZIP-90012", "Postal-code placed account", 34.0614, -118.2385, postal_code="90012",
    approximate_location=True,
)
plan.reps["R1"] = Rep(
    "R1", "Dana Whitfield", 33.8, -117.9, 37.5, ("cardiology", "ortho"),
    workday_start=7 * 60, workday_end=16 * 60, max_day_minutes=8 * 60, days_off=((1, 4),),
)
plan.reps["R2"] = Rep("R2", "Eli Navarro", 34.05, -118.25)
plan.territories["T1"] = Territory(
    "T1", "Orange County", "#1f77b4", "R1",
    Polygon([(-118.0, 33.7), (-117.7, 33.7), (-117.7, 33.9), (-118.0, 33.9)]),
)
plan.territories["ENT"] = Territory("ENT", "Enterprise", "#d62728", "R1", None, locked=True)
plan.rules.append(OverlayRule("RULE1", "segment", "Enterprise", "ENT"))
plan.settings = PlanSettings(
    cadence={"A": TierCadence("A", 1, 45), "B": TierCadence("B", 2, 30),
             "C": TierCadence("C", 8, 20)},
    rotation_weeks=2, rotation_start="2025-01-06", country="US", osm_extract="la.osm.pbf",
    working_weekdays=(0, 1, 2, 3), holidays=("2025-05-26", "2025-07-04"),
)
plan.schedules["R1"] = RepSchedule(
    "R1", 2,
    (
        ScheduledVisit("HOSP-0000392801", 0, 0, 0),
        ScheduledVisit("HOSP-0005992669", 0, 0, 1, pinned=True),
        ScheduledVisit("ZIP-90012", 0, 2, 0, adhoc=True),
        ScheduledVisit("HOSP-0000392801", 1, 0, 0),
    ),
    (UnplacedAccount("ZIP-90012", 1, "approximate location"),),
    seed=42,
)
plan.schedules["R2"] = RepSchedule("R2", 2, seed=42)
plan.visit_log += [
    VisitLogEntry("2025-01-06", "R1", "HOSP-0000392801", "done", odometer_start=48210.0,
                  odometer_end=48228.5, note="parking on\nChapman Ave"),
    VisitLogEntry("2025-01-06", "R1", "HOSP-0005992669", "skipped", note="buyer out"),
    VisitLogEntry("2025-01-08", "R1", "ZIP-90012", "moved", moved_to="2025-01-09"),
    VisitLogEntry("2025-01-13", "R1", "HOSP-0000392801", "done", miles=12.0),
]

save_plan(plan, Path(__file__).with_name("plan_v2.gpkg"))
