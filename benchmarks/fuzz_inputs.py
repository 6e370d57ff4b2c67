"""Longer fuzz run of what a user imports or opens.

Damaged CSV in any encoding, damaged XLSX (zip bytes, one XML part, far cells and declared
dimensions), damaged plan files (bytes, dropped tables, odd field values), plus the reproducers
of ``../shared/data/bad-input/``.

    python benchmarks/fuzz_inputs.py [--cases 200] [--seed S]

Uses the machinery of ``tests/io/input_fuzz.py`` (the CI suite runs a fixed, smaller set):
every case runs ``tdesk plan create`` / ``plan info --json`` in a worker process; a case passes
with success (strict JSON) or a one-line error naming the file (exit 2) within the time bound.
Prints, per category, the inputs tried, successes, clear errors and failures (crash signal,
hang, traceback, malformed error), with the first failures in full. Exit status 1 when any
case failed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "io"), str(ROOT / "tests" / "routing")]

from _env import header  # noqa: E402
from input_fuzz import (  # noqa: E402
    BAD_INPUT,
    ENCODINGS,
    ODD_VALUES,
    PLAN_FIELDS,
    PLAN_TABLES,
    XLSX_PARTS,
    InputRunner,
    damage_plan,
    damage_xlsx_part,
    encode,
    far_cell_xlsx,
    seed_bytes,
)
from routing_fuzz import mutate  # noqa: E402

OPS = ("truncate", "flip", "set", "insert", "delete")


def _edits(rng: np.random.Generator) -> list[tuple[str, float, int]]:
    return [(str(rng.choice(OPS)), float(rng.random()), int(rng.integers(256)))
            for _ in range(int(rng.integers(1, 7)))]  # fmt: skip


def main() -> int:
    """Run every category, print its tally; return 1 when any case failed, else 0."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=200, help="cases per category")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--keep", type=Path, help="copy each failing input into this folder")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    header(f"fuzz_inputs: {args.cases} cases per category, seed {args.seed}")
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        seeds = seed_bytes(work)
        runner = InputRunner(work)
        dims = ["A1:XFD1048576", "A1", "ZZZ9", "A0:B", "", "A1:A1:A1"]
        categories = {
            "csv bytes, encodings": lambda: (".csv", mutate(
                encode(seeds[".csv"], str(rng.choice(ENCODINGS))), _edits(rng))),
            "xlsx zip bytes": lambda: (".xlsx", mutate(seeds[".xlsx"], _edits(rng))),
            "xlsx xml part": lambda: (".xlsx", damage_xlsx_part(
                seeds[".xlsx"], str(rng.choice(XLSX_PARTS)), _edits(rng))),
            "xlsx far cell": lambda: (".xlsx", far_cell_xlsx(
                seeds[".xlsx"], int(rng.integers(1, 16385)), int(rng.integers(1, 1048577)),
                str(rng.choice(dims)))),
            "plan bytes": lambda: (".gpkg", mutate(seeds[".gpkg"], _edits(rng))),
            "plan tables, values": lambda: (".gpkg", damage_plan(
                seeds[".gpkg"], work,
                [int(rng.integers(len(PLAN_TABLES)))] if rng.random() < 0.3 else [],
                [(int(rng.integers(len(PLAN_FIELDS))), int(rng.integers(len(ODD_VALUES))))
                 for _ in range(int(rng.integers(1, 4)))])),
        }  # fmt: skip
        print(f"{'category':22} {'tried':>6} {'success':>8} {'clear error':>12} {'failures':>9} "
              f"{'max s':>6}")  # fmt: skip
        shown: list[str] = []
        try:
            reproducers = sorted(p for p in BAD_INPUT.iterdir() if p.suffix in (".csv", ".xlsx",
                                                                               ".gpkg"))
            categories_run = [("bad-input reproducers", len(reproducers),
                               lambda i: (reproducers[i].suffix, reproducers[i].read_bytes()))]
            categories_run += [(name, args.cases, lambda _i, make=make: make())
                               for name, make in categories.items()]
            for name, count, case in categories_run:
                tally: Counter[str] = Counter()
                worst = 0.0
                for i in range(count):
                    kind, data = case(i)
                    o = runner.run(kind, data)
                    worst = max(worst, o.seconds)
                    tally["success" if o.what == "success" else "error" if o.ok else "fail"] += 1
                    if not o.ok and len(shown) < 10:
                        shown.append(f"{name}: {o.what}: {o.detail}")
                    if not o.ok and args.keep is not None:
                        args.keep.mkdir(parents=True, exist_ok=True)
                        (args.keep / f"fail{runner.count}{kind}").write_bytes(data)
                failed += tally["fail"]
                print(f"{name:22} {count:6} {tally['success']:8} {tally['error']:12} "
                      f"{tally['fail']:9} {worst:6.2f}", flush=True)  # fmt: skip
        finally:
            runner.close()
    for s in shown:
        print("FAILURE", s)
    print(f"total failures: {failed}; load {os.getloadavg()[0]:.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
