"""Even days or least driving: drive hours against day-length spread along the plan setting.

For each value of the plan setting ``day_balance`` (0 = least driving ... 1 = even days) this
schedules (a) every rep of the sample plan (5 reps, 4-week cycle, road times on the sample
extract) and (b) the 150-account case of ``benchmarks/rotation.py``, and prints total drive
hours, the day-length spread (standard deviation of each rep's working-day lengths, empty days
counted as 0 h, averaged over reps), the range (longest minus shortest day) and empty days.
Beside it, in the same run, the baseline the issue measured: the same engine at least driving
under a day cap near the average load (the previous "balanced" mode).

Goal at "even days": every working day used, spread under 0.5 h, at most 10% more driving than
"least driving".  Reps with fewer visits in the cycle than working days are named: no plan
can use every one of their days.  Deterministic: fixed iteration budgets and seed.

Usage: python benchmarks/rotation_balance.py [--settings 0,0.25,0.5,0.75,1] [--seed 0]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.io import planfile
from territory_desktop.optimize.plan_schedule import planner_for, rep_accounts
from territory_desktop.optimize.rotation import RotationPlanner
from territory_desktop.optimize.rotation_schedule import solve_rotation
from territory_desktop.resources import resource_path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _env import header, load
from rotation import build

CACHE = Path(tempfile.gettempdir()) / "tdesk_rotation_bench"


def old_day_cap(planner: RotationPlanner) -> float:
    """Return the previous balancing's day cap, never above the rep's limit.

    It sits near the average load: visits x minutes / days x 1.15 + 30 min for driving.
    """
    work = sum(planner.required[i] * a.visit_minutes for i, a in enumerate(planner.accounts))
    longest = max((a.visit_minutes for a in planner.accounts), default=0.0)
    cap = max(work / len(planner.days) * 1.15 + 30.0, longest + 30.0, 120.0)
    return min(planner.day_limit_minutes, cap)


def figures(schedules) -> tuple[float, float, float, int, int, bool]:
    """(drive h, mean per-rep spread h, mean per-rep range h, empty days, days, all feasible)."""
    drive, spreads, ranges, empty, days, ok = 0.0, [], [], 0, 0, True
    for s in schedules:
        lengths = np.array([d.duration_seconds if d.account_ids else 0.0 for d in s.days]) / 3600
        drive += s.total_drive_seconds / 3600
        spreads.append(lengths.std())
        ranges.append(lengths.max() - lengths.min())
        empty += int((lengths == 0).sum())
        days += len(lengths)
        ok = ok and s.feasible and not s.unplaced
    return drive, float(np.mean(spreads)), float(np.mean(ranges)), empty, days, ok


def sample_planners(balance: float):
    """Return a planner for each rep of the sample plan with ``day_balance`` set to ``balance``."""
    from territory_desktop.routing import load_or_build

    plan = planfile.load_plan(resource_path("sample", "sample_plan.gpkg"))
    plan.settings = dataclasses.replace(plan.settings, day_balance=balance)
    territory_of = assign_accounts(plan).territory_of
    CACHE.mkdir(exist_ok=True)
    network = load_or_build(resource_path("sample", "baltimore.osm.pbf"), CACHE / "baltimore.npz")
    return [planner_for(plan, rep, territory_of, network) for rep in plan.reps
            if rep_accounts(plan, rep, territory_of)]


def reps_short_of_visits(planners) -> list[str]:
    """Name the reps with fewer visits in the cycle than working days: they cannot use every day."""
    return [f"{p.rep.id} has {sum(p.required)} visits for {len(p.days)} working days"
            for p in planners if sum(p.required) < len(p.days)]


def solve_all(planners, seed: int, cap: bool = False):
    """Solve every planner with ``seed``; with ``cap``, the previous day-capped way."""
    out = []
    for p in planners:
        if cap:
            rep = dataclasses.replace(p.rep, max_day_minutes=old_day_cap(p))
            p = RotationPlanner(rep, p.accounts, p.cycle, p.travel, day_balance=0.0)
        params = dataclasses.replace(p.default_params(), seed=seed, time_limit=600.0)
        out.append(solve_rotation(p, params))
    return out


def row(label: str, schedules, elapsed: float, base_drive: float | None) -> float:
    """Print one line of figures beside the baseline's driving; return the drive hours."""
    drive, spread, rng, empty, days, ok = figures(schedules)
    more = f"{100 * (drive / base_drive - 1):+6.1f}%" if base_drive else "   base"
    print(f"  {label:<26} drive {drive:7.2f} h {more}  spread {spread:4.2f} h  range {rng:4.2f} h"
          f"  empty days {empty:3d}/{days}  all placed {ok!s:5}  {elapsed:5.1f} s", flush=True)
    return drive


def main(argv: list[str] | None = None) -> int:
    """Run every setting and the baseline on both cases, print the table; 0 if the goals are met."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--settings", default="0,0.25,0.5,0.75,1")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    settings = [float(x) for x in args.settings.split(",")]
    header(f"even days or least driving along the plan's day_balance, seed {args.seed} (the "
           "solver is single-threaded)")
    rep, accounts, travel = build("road")
    cases = {
        "sample plan, 5 reps": lambda b: sample_planners(b),
        "150 accounts, 1 rep": lambda b: [RotationPlanner(rep, accounts, travel=travel,
                                                          day_balance=b)],
    }
    goals = True
    for name, make in cases.items():
        print(name)
        t = time.perf_counter()
        base = row("least driving (0)", solve_all(make(0.0), args.seed),
                   time.perf_counter() - t, None)
        t = time.perf_counter()
        row("old day cap, least driving", solve_all(make(0.0), args.seed, cap=True),
            time.perf_counter() - t, base)
        for short in reps_short_of_visits(make(1.0)):
            print(f"  every day used is impossible: {short}")
        for b in settings:
            if b == 0.0:
                continue
            t = time.perf_counter()
            schedules = solve_all(make(b), args.seed)
            row(f"day_balance {b:g}", schedules, time.perf_counter() - t, base)
            if b == 1.0:
                drive, spread, _r, empty, _d, ok = figures(schedules)
                met = empty == 0 and spread < 0.5 and drive <= 1.10 * base and ok
                goals = goals and met
                print(f"  even days goal (every day used, spread < 0.5 h, <= +10% driving, "
                      f"all placed): {'met' if met else 'NOT met'}")
    print(f"at the end: {load()}")
    print("GOALS MET" if goals else "GOALS NOT MET")
    return 0 if goals else 1


if __name__ == "__main__":
    sys.exit(main())
