"""PVRP benchmark: the scheduler's engine on the Cordeau-Gendreau-Laporte instances.

Runs every instance in ../shared/data/pvrp (or --data) through the same code path as
``tdesk pvrp`` (``pvrp_command``), checks feasibility with the independent checker, and prints
each gap to the cost of the shipped reference solution (``.res``; some are not the best known:
the engine beats a few) and the mean.  Goal: mean gap <= 1.0% at 60 s per instance, every
solution feasible.

``--iterations N`` replaces the clock by a solver-iteration budget per instance: the same seed
and budget give the same figures on any machine and under any load (use it to compare engine
versions); the default is the 60 s wall-clock run the goal is stated for.

Usage: python benchmarks/pvrp.py [--seconds 60 | --iterations N] [--seed 0] [--only p01,p02]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _env import header, load
from shared_paths import SHARED_DATA

from territory_desktop.cli.pvrp import pvrp_command
from territory_desktop.optimize.cgl_format import (
    CGLRoute,
    check_solution,
    read_instance,
    read_solution,
)

DATA = SHARED_DATA / "pvrp"


def main(argv: list[str] | None = None) -> int:
    """Solve the PVRP instances and print each cost beside its reference; return the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=None, help="per instance (default 60)")
    ap.add_argument("--iterations", type=int, default=None, help="per instance, instead of time")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--only", default="", help="comma-separated instance names")
    args = ap.parse_args(argv)
    names = sorted(p.stem for p in args.data.glob("*.txt"))
    names.sort(key=lambda n: (n.startswith("pr"), n))
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    if not names:
        print(f"error: no instances in {args.data}", file=sys.stderr)
        return 2
    budget = (f"{args.iterations} iterations" if args.iterations is not None
              else f"{args.seconds or 60:g} s")
    header(f"PVRP benchmark: {len(names)} CGL instances, {budget} each, seed {args.seed}; "
           "the solver is single-threaded")
    print(f"{'inst':6} {'reference':>9} {'found':>9} {'gap%':>6} {'feasible':>8} {'sec':>6}")
    gaps, all_ok = [], True
    for name in names:
        inst_path = args.data / f"{name}.txt"
        reference = read_solution(args.data / f"{name}.res").cost
        buf, err = io.StringIO(), io.StringIO()
        t = time.perf_counter()
        rc = pvrp_command(str(inst_path), args.seconds, args.seed, True, buf, err,
                          iterations=args.iterations)
        el = time.perf_counter() - t
        out = json.loads(buf.getvalue())
        inst = read_instance(inst_path)
        routes = [CGLRoute(r["day"], r["vehicle"], tuple(r["customers"])) for r in out["routes"]]
        cost, errors = check_solution(inst, routes)  # re-checked independently of the command
        ok = rc == 0 and not errors and abs(cost - out["cost"]) < 1e-4
        all_ok &= ok
        gap = 100 * (cost / reference - 1)
        gaps.append(gap)
        print(f"{name:6} {reference:9.2f} {cost:9.2f} {gap:6.2f} {ok!s:>8} {el:6.1f}", flush=True)
    mean = sum(gaps) / len(gaps)
    met = all_ok and mean <= 1.0
    print(f"mean gap {mean:.2f}% to the shipped reference costs over {len(gaps)} instances; "
          f"all feasible: {all_ok}; at the end {load()}")
    print("GOAL MET (mean gap <= 1.0%, all feasible)" if met else "GOAL NOT MET")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
