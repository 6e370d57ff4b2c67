"""Unit gestures benchmark: what one click or lasso on ZIP/ZCTA units costs on the GUI thread.

Data (real, built before timing): the 385 LA-metro accounts of ``tests/la_plans.py`` with
``--reps`` reps, territories built from the built-in ZIP/ZCTA units (``design_from_units``),
and the ZCTA layer around the plan (``plan_extent``).

Timed, median of ``--runs``:

- once per layer (off the GUI thread in the app): loading the units around the plan, and the
  ``show_units`` payload (built and JSON-encoded; its size is printed);
- per gesture, ours (GUI thread): the units a lasso picks (``units_picked``), the edit
  (``assign_units``), the owners of every unit after it (``unit_owners``; the account
  assignments before and after are the document's, which the map needs anyway) and the
  ``paint_units`` payload encoded;
- per gesture, baseline: what the app already does after every edit (the assignment, the
  territory, account and rep payloads of ``show_layers`` encoded).

Writes the output with the command line to ``benchmarks/results/unit_gestures.txt``.

    python benchmarks/unit_gestures.py [--reps 6] [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _env import ROOT, header_lines, load


def _env() -> str:
    return f"{load()}; threads in process {threading.active_count()}"


def _median(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    """Build the plan, time the gesture and the baseline, print and save the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=6)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()

    import shapely
    from la_plans import build_la_plan
    from shared_paths import SHARED_DATA

    from territory_desktop.design_edits import apply_unit_design, assign_units
    from territory_desktop.geo.assignment import assign_accounts
    from territory_desktop.geo.unit_owners import plan_extent, unit_owners, units_picked
    from territory_desktop.geo.units import load_builtin
    from territory_desktop.mapping import layers
    from territory_desktop.mapping.messages import encode_command
    from territory_desktop.mapping.unit_layer import unit_colors, units_collection
    from territory_desktop.optimize.unit_balance import design_from_units

    out = header_lines("Unit gestures: one lasso on ZIP/ZCTA units, LA metro")
    plan = build_la_plan(SHARED_DATA, args.reps)
    extent = plan_extent(plan)
    layer = load_builtin("zcta", extent)
    plan = apply_unit_design(plan, design_from_units(plan, layer)).plan
    owners = unit_owners(plan, layer, assign_accounts(plan).territory_of)
    target, other = list(plan.territories)[:2]
    # A lasso: the convex hull of the inside points of five of ``other``'s units.
    theirs = [i for i, o in enumerate(owners) if o == other][:5]
    lasso = shapely.MultiPoint([layer.geometries[i].representative_point()
                                for i in theirs]).convex_hull.buffer(0.002)
    out.append(f"# {len(plan.accounts)} accounts, {len(plan.territories)} territories, "
               f"{len(layer)} units shown, lasso picks "
               f"{len(units_picked(layer, lasso))} units")

    t_load = _median(lambda: load_builtin("zcta", extent), max(1, args.runs // 3))
    payload = encode_command("show_units", 1, {"units": units_collection(layer, "ZIP/ZCTA")})
    t_payload = _median(lambda: encode_command(
        "show_units", 1, {"units": units_collection(layer, "ZIP/ZCTA")}), args.runs)

    def gesture() -> None:
        # The app's document holds the assignment before and after (the map needs it too).
        picked = units_picked(layer, lasso)
        new = assign_units(plan, layer, picked, target, owners, "lasso", assignment).plan
        after = unit_owners(new, layer, new_assignment.territory_of)
        encode_command("paint_units", 2, unit_colors(new, after))

    assignment = assign_accounts(plan)
    picked = units_picked(layer, lasso)
    new_assignment = assign_accounts(assign_units(plan, layer, picked, target, owners).plan)

    def baseline() -> None:
        assignment = assign_accounts(plan)
        encode_command("show_layers", 3, {
            "territories": layers.territories_collection(plan, assignment),
            "accounts": layers.account_points(plan, assignment).columns,
            "reps": layers.reps_collection(plan), "fit": False})

    t_gesture = _median(gesture, args.runs)
    t_base = _median(baseline, args.runs)
    out += [
        f"load the units around the plan (once per layer, worker thread): {t_load:.3f} s  "
        f"[{_env()}]",
        f"show_units payload (once per layer): {t_payload:.3f} s, "
        f"{len(payload) / 1e6:.2f} MB  [{_env()}]",
        f"per lasso, ours (pick + edit + owners + paint_units): {t_gesture * 1000:.1f} ms  "
        f"[{_env()}]",
        f"per edit, baseline (assignment + show_layers payload the app already sends): "
        f"{t_base * 1000:.1f} ms  [{_env()}]",
        f"ours / baseline: {t_gesture / t_base:.2f}",
    ]
    text = "\n".join(out)
    print(text)
    result = ROOT / "benchmarks" / "results" / "unit_gestures.txt"
    result.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
