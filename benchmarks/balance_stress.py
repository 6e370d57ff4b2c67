"""Auto-balance of a user's stress plan: the Baltimore sample's accounts copied 24 times.

Instance (``tests/stress_plans.py``): 5,952 accounts, the sample's 248 and 23 copies each
moved 200 m to 1 km at random (seeded), same tiers and cadences, the sample's reps and map
territories, road drive times. Balanced at several bands; per band: in the band or not, each
territory's deviation from its target, seconds, and the warnings about the band.

Usage: python benchmarks/balance_stress.py [--copies 24] [--seeds 0,1,2] [--bands 0.03,0.05,0.1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _env import header, load
from stress_plans import jittered_copies

from territory_desktop.io import planfile
from territory_desktop.optimize.balance import BalanceParams, balance_plan
from territory_desktop.optimize.drive_times import drive_times
from territory_desktop.resources import resource_path
from territory_desktop.routing import load_or_build


def main() -> None:
    """Balance the stress plan of each seed at each band and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=24)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--bands", default="0.03,0.05,0.1")
    args = parser.parse_args()
    header("auto-balance of the sample copied and jittered (a user's stress plan)")
    sample = planfile.load_plan(resource_path("sample", "sample_plan.gpkg"))
    network = load_or_build(resource_path("sample", "baltimore.osm.pbf"),
                            Path(tempfile.gettempdir()) / "tdesk_slider_bench.npz")
    for seed in (int(s) for s in args.seeds.split(",")):
        plan = jittered_copies(sample, args.copies, seed)
        t0 = time.perf_counter()
        times = drive_times(plan, network)
        print(f"seed {seed}: {len(plan.accounts):,} accounts, {len(times.unreachable)} "
              f"unreachable (drive times {time.perf_counter() - t0:.1f} s); {load()}",
              flush=True)
        for band in (float(b) for b in args.bands.split(",")):
            t0 = time.perf_counter()
            result = balance_plan(plan, times, BalanceParams(tolerance=band), network=network)
            dev = result.metrics.criteria["workload"].deviations
            print(f"  +/-{band:4.0%}  in band {result.in_band!s:5}  deviations "
                  f"{' '.join(f'{d:+6.1%}' for d in dev)}  {time.perf_counter() - t0:5.2f} s",
                  flush=True)
            for warning in result.warnings:
                if "band" in warning:
                    print(f"    {warning}")
    print(load())


if __name__ == "__main__":
    main()
