"""The realignment slider when a rep joins: drive hours and accounts moved along it.

Instance: the bundled Baltimore sample (248 accounts, 5 reps) on its road network, and a new
rep whose home is the middle of the accounts (the Realign dialog's default), balanced to
+/-5% at slider positions from "fewer moves" (0) to "shorter drives" (1). Per position: the
team's drive hours per week (the workload estimate's, as the Design panel shows them),
accounts moved, territories out of band, split territories, seconds.

Baseline in the same run: every account to the rep with the shortest drive from home
(``nearest``), the least driving any assignment of these homes can have, whatever its balance.
The slider should trade moves for drive: drive hours fall, moves rise, from 0 to 1.

Usage: python benchmarks/slider.py
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _env import header, load

from territory_desktop.io import planfile
from territory_desktop.model import Rep
from territory_desktop.model.territory_load import AccountTable, label_workload
from territory_desktop.optimize.balance import BalanceParams, balance_plan
from territory_desktop.optimize.drive_times import drive_times
from territory_desktop.realign import RealignRequest, realign_setup
from territory_desktop.resources import resource_path
from territory_desktop.routing import load_or_build

SLIDER = (0.0, 0.2, 0.5, 0.8, 0.9, 1.0)


def main() -> None:
    """Balance the sample with a joining rep at each slider position and print the figures."""
    header("realignment slider: a rep joins the sample (fewer moves <-> shorter drives)")
    sample = planfile.load_plan(resource_path("sample", "sample_plan.gpkg"))
    network = load_or_build(resource_path("sample", "baltimore.osm.pbf"),
                            Path(tempfile.gettempdir()) / "tdesk_slider_bench.npz")
    accounts = sample.accounts.values()
    joining = Rep("REP-NEW", "New Rep", sum(a.lat for a in accounts) / len(accounts),
                  sum(a.lon for a in accounts) / len(accounts))
    plan, params = realign_setup(sample, RealignRequest(BalanceParams(), joining=joining))
    times = drive_times(plan, network)
    team = list(params.reps or ())
    table = AccountTable.of(plan)
    secs = np.where(np.isfinite(times.centre_seconds), times.centre_seconds, np.inf)
    rows = np.array([times.centre(r) for r in team])
    nearest = np.argmin(secs[rows], axis=0)
    drive = label_workload(table, times, nearest, team,
                           len(plan.settings.working_weekdays)).drive_hours.sum()
    print(f"{len(table)} accounts, team {', '.join(team)}; {load()}", flush=True)
    print(f"  nearest home (baseline)  drive {drive:5.2f} h/wk  (no balance)", flush=True)
    for slider in SLIDER:
        t0 = time.perf_counter()
        result = balance_plan(plan, times, dataclasses.replace(params, shorter_drives=slider),
                              network=network)
        rows_ = [t for t in result.loads if t.territory_id in result.balanced]
        dev = result.metrics.criteria["workload"].deviations
        print(f"  slider {slider:3.1f}  drive {sum(t.drive_hours for t in rows_):5.2f} h/wk  "
              f"moved {len(result.moves):3d}  out of band {sum(abs(d) > 0.05 + 1e-9 for d in dev)}"
              f"/{len(rows_)}  split {sum(t.pieces > 1 for t in rows_)}  "
              f"{time.perf_counter() - t0:.2f} s", flush=True)
    print(load())


if __name__ == "__main__":
    main()
