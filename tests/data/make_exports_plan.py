"""Build ``exports_plan.gpkg``: the sample plan with REP-4's rotation and a week of visit log.

Run from the repository root (re-runnable; the result is deterministic for the seed):
``PYTHONPATH=. python tests/data/make_exports_plan.py``. The export golden files in
``tests/data/expected/`` are made from this plan; regenerate them only on purpose.

The rotation is two weeks from Monday 2025-12-29 with New Year's Day off (a visit moved to
Friday 2 January), so one log spans two calendar years and two IRS rate periods (70 and 72.5
cents a mile).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from territory_desktop import edits
from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.io import load_plan, save_plan
from territory_desktop.model import VisitLogEntry
from territory_desktop.optimize.plan_schedule import solve_rep
from territory_desktop.routing import build_network

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "resources" / "sample"
OUT = Path(__file__).resolve().parent / "exports_plan.gpkg"
REP = "REP-4"
SEED = 7


def main() -> None:
    plan = load_plan(SAMPLE / "sample_plan.gpkg")
    plan.name = "Exports fixture"
    plan.settings = dataclasses.replace(
        plan.settings, rotation_weeks=2, rotation_start="2025-12-29", holidays=("2026-01-01",),
        osm_extract="../../resources/sample/baltimore.osm.pbf")
    network = build_network(SAMPLE / "baltimore.osm.pbf")
    territory_of = assign_accounts(plan).territory_of
    schedule, _ = solve_rep(plan, REP, territory_of, network, seconds=30, seed=SEED, weeks=2)
    plan = edits.set_schedule(plan, schedule, "schedule", anchor="2025-12-29").plan
    # The first week's log: what the rep recorded in the app (see the mileage rules).
    days = {slot: ids for slot, ids in schedule.days().items() if slot[0] == 0}
    mon, tue, wed = days[(0, 0)], days[(0, 1)], days[(0, 2)]
    log = [
        VisitLogEntry("2025-12-29", REP, mon[0], "done", odometer_start=41200.0,
                      odometer_end=41203.4),
        VisitLogEntry("2025-12-29", REP, mon[1], "done", odometer_start=41203.4,
                      odometer_end=41205.0),
        VisitLogEntry("2025-12-29", REP, mon[2], "done", odometer_start=41209.0,
                      odometer_end=41210.1, note="lunch stop before"),
        VisitLogEntry("2025-12-30", REP, tue[1], "skipped", note="closed for inventory"),
        VisitLogEntry("2025-12-30", REP, tue[2], "moved", moved_to="2026-01-02"),
        VisitLogEntry("2025-12-31", REP, wed[0], "done", miles=2.5),
        VisitLogEntry("2025-12-31", REP, wed[1], "planned", odometer_start=41300.0),
    ]
    for entry in log:
        plan = edits.log_visit(plan, entry).plan
    if OUT.exists():
        OUT.unlink()
    save_plan(plan, OUT)
    print(f"wrote {OUT}: {len(schedule.visits)} visits, {len(schedule.unplaced)} unplaced")


if __name__ == "__main__":
    main()
