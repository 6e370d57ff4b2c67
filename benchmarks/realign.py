"""Realignment when one rep of ten leaves: moves against the 1.3x goal, band, one piece.

Instance: the 385 real LA-metro hospitals and urgent-care clinics of ``/work/shared/data``
(tiers and potential derived as in ``tests/la_plans.py``), ten reps at the
accounts nearest the centres of a seeded k-means, balanced to +/-5 % with outlines (the plan a
user has before a rep leaves). Then each rep in turn leaves: :func:`balance_plan` with the
other nine, a move budget of ``floor(1.3 x the leaver's accounts)`` and the slider at
``--shorter-drives``. Per leaver: accounts moved, budget, territories out of the band, worst
deviation, split territories. The goal (issue 11 item 5): moves <= budget, every territory in
the band, none split.

Baseline in the same run: the same realignment with no budget at the fewer-moves end of the
slider (``shorter_drives=0``), which reaches the band but may move more.

Beside each leaver, a lower bound on the accounts any realignment must move to reach the band
(``benchmarks/realign_bound.py``): where it exceeds the budget, no engine can meet the goal
for that leaver and the line says so.

Usage: python benchmarks/realign.py [--shorter-drives 0.2]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _env import header, load
from la_plans import build_la_plan
from realign_bound import moves_lower_bound
from shared_paths import SHARED_DATA

from territory_desktop.design_edits import apply_alignment
from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.optimize.balance import BalanceParams, balance_plan
from territory_desktop.optimize.drive_times import drive_times

TOL = 0.05


def summary(result, budget: int | None) -> tuple[bool, str]:
    """Return (goal met, one line) for a realignment result."""
    rows = [t for t in result.loads if t.territory_id in result.balanced]
    dev = np.array([result.metrics.criteria["workload"].deviations[p] for p in range(len(rows))])
    out = int((np.abs(dev) > TOL + 1e-9).sum())
    split = sum(t.pieces > 1 for t in rows)
    moved = len(result.moves)
    ok = out == 0 and split == 0 and (budget is None or moved <= budget)
    return ok, (f"moved {moved:3d}{'' if budget is None else f' (budget {budget:3d})'}  "
                f"out of band {out}/{len(rows)}  worst {np.abs(dev).max():5.1%}  split {split}")


def main() -> None:
    """Let each of the ten reps leave in turn and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shorter-drives", type=float, default=0.2)
    args = parser.parse_args()
    header("realignment: one rep of ten leaves (budget 1.3x the leaver's accounts)")
    plan = build_la_plan(SHARED_DATA, 10)
    times = drive_times(plan)
    start = balance_plan(plan, times, BalanceParams(reps=tuple(plan.reps), tolerance=TOL))
    plan = apply_alignment(plan, start.territory_of, start.territories, start.balanced).plan
    owned = assign_accounts(plan).territory_of
    print(f"LA: {len(plan.accounts)} accounts, 10 reps; starting alignment in band: "
          f"{start.in_band}; {load()}", flush=True)
    met = base_met = possible = 0
    for rep in plan.reps:
        tid = next(t.id for t in plan.territories.values() if t.rep_id == rep)
        own = [a for a, t in owned.items() if t == tid]
        budget = math.floor(1.3 * len(own))
        team = tuple(r for r in plan.reps if r != rep)
        t0, c0 = time.perf_counter(), time.process_time()
        result = balance_plan(plan, times, BalanceParams(
            reps=team, tolerance=TOL, max_moves=budget, shorter_drives=args.shorter_drives))
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
        ok, line = summary(result, budget)
        met += ok
        free = balance_plan(plan, times, BalanceParams(reps=team, tolerance=TOL,
                                                       shorter_drives=0.0))
        base_ok, base_line = summary(free, budget)
        base_met += base_ok
        bound = moves_lower_bound(plan, times, team, TOL)
        possible += bound <= budget
        verdict = "the bound does not rule the goal out" if bound <= budget else \
            "GOAL UNREACHABLE: the bound exceeds the budget"
        print(f"{rep} leaves ({len(own):2d} accounts): {line}  {'GOAL' if ok else 'miss'}  "
              f"{secs:.2f} s ({cpu:.2f} s CPU)\n   baseline, no budget, fewer moves: {base_line}"
              f"  {'GOAL' if base_ok else 'miss'}\n   lower bound on moves {bound}: {verdict}",
              flush=True)
    print(f"leavers meeting the goal (moves <= 1.3x, all in +/-5%, none split): {met}/10; "
          f"baseline without the budget: {base_met}/10; not ruled out by the lower bound: "
          f"{possible}/10; {load()}")


if __name__ == "__main__":
    main()
