"""``tdesk pvrp``: solve a CGL (1997) periodic VRP instance with the scheduler's engine."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import TextIO

__all__ = ["pvrp_command", "register"]


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Add the ``pvrp`` subcommand to a ``tdesk`` argument parser."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "pvrp",
        help="solve a periodic VRP instance (Cordeau-Gendreau-Laporte 1997 format)",
        description="Solve a CGL periodic VRP instance (type 1, Euclidean, unrounded) with the "
        "call-rotation engine and print the cost and routes.",
    )
    p.add_argument("instance", help="instance file (e.g. p01.txt)")
    p.add_argument("--seconds", type=float, default=None,
                   help="time limit (default 60; none with --iterations)")
    p.add_argument("--iterations", type=int, default=None,
                   help="solver iterations: the same seed and iterations give the same answer "
                        "on any machine and under any load")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--json", action="store_true", help="print JSON (cost and routes)")
    p.set_defaults(func=lambda args: pvrp_command(args.instance, args.seconds, args.seed,
                                                     args.json, iterations=args.iterations))
    return p


def pvrp_command(
    instance: str,
    seconds: float | None = 60.0,
    seed: int = 0,
    as_json: bool = True,
    out: TextIO | None = None,
    err: TextIO | None = None,
    iterations: int | None = None,
) -> int:
    """Solve ``instance``; print JSON ``{"cost", "routes": [{"day", "vehicle", "customers"}]}``.

    ``iterations`` counts the work instead of the clock, so a seed gives one answer whatever
    the load; then ``seconds`` (None: no limit) only cuts a run short.  Days, vehicles and
    customers are 1-based as in the CGL files.  Returns the exit code: 0 solved and feasible,
    1 no feasible solution found, 2 bad input.
    """
    from territory_desktop.optimize.cgl_format import (
        CGLFormatError,
        CGLRoute,
        check_solution,
        read_instance,
        to_problem,
    )
    from territory_desktop.optimize.pvrp import PVRPError, SolveParams, solve_pvrp

    out = out or sys.stdout
    err = err or sys.stderr
    if seconds is None:
        seconds = math.inf if iterations is not None else 60.0
    if not seconds > 0:
        print("error: --seconds must be positive", file=err)
        return 2
    if iterations is not None and iterations < 1:
        print("error: --iterations must be at least 1", file=err)
        return 2
    try:
        inst = read_instance(instance)
        res = solve_pvrp(to_problem(inst), SolveParams(time_limit=seconds, seed=seed,
                                                       iterations=iterations))
    except (CGLFormatError, PVRPError) as exc:
        print(f"error: {exc}", file=err)
        return 2
    routes = [
        CGLRoute(r.day + 1, r.vehicle + 1, tuple(c + 1 for c in r.customers)) for r in res.routes
    ]
    cost, errors = check_solution(inst, routes)
    payload = {
        "cost": round(cost, 6),
        "feasible": not errors,
        "routes": [
            {"day": r.day, "vehicle": r.vehicle, "customers": list(r.customers)} for r in routes
        ],
    }
    if errors:
        payload["violations"] = errors
    if as_json:
        print(json.dumps(payload), file=out)
    else:
        verdict = "feasible" if not errors else "INFEASIBLE"
        print(f"cost {cost:.2f} ({len(routes)} routes, {verdict})",
              file=out)
        for r in routes:
            print(f"day {r.day} vehicle {r.vehicle}: {' '.join(map(str, r.customers))}", file=out)
    if errors:
        print(f"error: no feasible solution found ({errors[0]})", file=err)
        return 1
    return 0
