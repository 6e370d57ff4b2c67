"""Writes plan_v1.gpkg, the schema-1 fixture. Run it only while the writer writes schema 1.

Three real Los Angeles facilities (HIFLD, public use), one rep, two territories and a rule.
The committed file is the record of what schema 1 looked like; do not regenerate it later.
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

assert SCHEMA_VERSION == 1, "this script writes the schema-1 fixture only"

plan = Plan(name="LA fixture v1")
plan.accounts["HOSP-0000392801"] = Account(
    "HOSP-0000392801", "Ahmc Anaheim Regional Medical Center", 33.84815379, -117.93444769,
    address="1111 W LA PALMA AVE, ANAHEIM, CA", postal_code="92801", segment="Hospital",
    industry="GENERAL ACUTE CARE", potential=223.0, tier="A", owner="PROPRIETARY",
)
plan.accounts["HOSP-0005992669"] = Account(
    "HOSP-0005992669", "Chapman Global Medical Center", 33.78861494, -117.82641316,
    address="2601 E CHAPMAN AVE, ORANGE, CA", postal_code="92869", segment="Enterprise",
    potential=75.0, tier="B", every_weeks=2.0, visit_minutes=60.0, notes="line 1\nline 2",
)
plan.accounts["ZIP-90012"] = Account(
    "ZIP-90012", "Postal-code placed account", 34.0614, -118.2385, postal_code="90012",
    approximate_location=True,
)
plan.reps["R1"] = Rep("R1", "Dana Whitfield", 33.8, -117.9, 37.5, ("cardiology", "ortho"))
plan.territories["T1"] = Territory(
    "T1", "Orange County", "#1f77b4", "R1",
    Polygon([(-118.0, 33.7), (-117.7, 33.7), (-117.7, 33.9), (-118.0, 33.9)]),
)
plan.territories["ENT"] = Territory("ENT", "Enterprise", "#d62728", "R1", None, locked=True)
plan.rules.append(OverlayRule("RULE1", "segment", "Enterprise", "ENT"))
plan.settings = PlanSettings(
    cadence={"A": TierCadence("A", 1, 45), "B": TierCadence("B", 2, 30),
             "C": TierCadence("C", 8, 20)},
    rotation_weeks=8, rotation_start="2025-01-06", country="US", osm_extract="la.osm.pbf",
)

save_plan(plan, Path(__file__).with_name("plan_v1.gpkg"))
