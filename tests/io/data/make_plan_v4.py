"""Writes plan_v4.gpkg, the schema-4 fixture. Run it only while the writer writes schema 4.

The schema-3 fixture, migrated: a rotation and a visit log whose readings carry their unit.
Schema 4 kept no past days: an edit of the rotation re-planned days already driven; schema 5
keeps them, and an older file reads as having kept none. The committed file is the record of
what schema 4 looked like; do not regenerate it later.
"""

from pathlib import Path

from territory_desktop.io.planfile import SCHEMA_VERSION, load_plan, save_plan

assert SCHEMA_VERSION == 4, "this script writes the schema-4 fixture only"

here = Path(__file__).parent
plan = load_plan(here / "plan_v3.gpkg")
plan.name = "LA fixture v4"
save_plan(plan, here / "plan_v4.gpkg")
