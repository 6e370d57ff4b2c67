"""Writes plan_v3.gpkg, the schema-3 fixture. Run it only while the writer writes schema 3.

The schema-2 fixture, migrated, with a visit log of readings: odometer start and end, a typed
distance, and readings on a moved visit. Schema 3 stored no unit with a reading (the user's
distance preference said what it meant at the time); schema 4 reads them as miles. The committed
file is the record of what schema 3 looked like; do not regenerate it later.
"""

from pathlib import Path

from territory_desktop.io.planfile import SCHEMA_VERSION, load_plan, save_plan
from territory_desktop.model.schedule import VisitLogEntry

assert SCHEMA_VERSION == 3, "this script writes the schema-3 fixture only"

here = Path(__file__).parent
plan = load_plan(here / "plan_v2.gpkg")
plan.name = "LA fixture v3"
plan.visit_log += [
    VisitLogEntry("2025-01-20", "R1", "HOSP-0000392801", "done", odometer_start=10000.0,
                  odometer_end=10012.0),
    VisitLogEntry("2025-01-20", "R1", "HOSP-0005992669", "done", miles=15.0, note="typed"),
]
plan.visit_log.sort(key=lambda e: (e.date, e.rep_id))
save_plan(plan, here / "plan_v3.gpkg")
