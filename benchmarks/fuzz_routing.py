"""Fuzz the routing inputs for longer than the test suite does.

Longer fuzz run of the routing inputs: damaged OSM extracts (.osm, .osm.gz, .osm.bz2,
.osm.pbf), damaged network files (bytes, array values) and bad points files.

    python benchmarks/fuzz_routing.py [--cases 200] [--seed S]

Uses the machinery of ``tests/routing/routing_fuzz.py`` (the CI suite runs a fixed, smaller
set): every case runs ``tdesk`` in a worker process; a case passes with success or a one-line
error naming the file (exit 2) within the time bound. Prints, per category, the inputs tried,
successes, clear errors and failures (crash signal, hang, traceback, malformed error), with
the first failures in full. Exit status 1 when any case failed.
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
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "routing")]

from _env import header  # noqa: E402
from routing_fuzz import OSM_KINDS, Runner, damage_arrays, mutate, seed_bytes  # noqa: E402

OPS = ("truncate", "flip", "set", "insert", "delete")
VALUES = (-1, 0, 1, 2**31 - 1, -(2**31), 10**6, 127, -128)


def _edits(rng: np.random.Generator) -> list[tuple[str, float, int]]:
    return [(str(rng.choice(OPS)), float(rng.random()), int(rng.integers(256)))
            for _ in range(int(rng.integers(1, 7)))]  # fmt: skip


def _points(rng: np.random.Generator, seed: bytes) -> bytes:
    pick = int(rng.integers(4))
    if pick == 0:
        body = rng.integers(0, 256, int(rng.integers(0, 300)), dtype=np.uint8).tobytes()
    elif pick == 1:
        enc = str(rng.choice(["utf-16", "utf-32", "latin-1", "cp1252"]))
        body = "Åsa,42.5078,1.5211\nb,42.5441,1.5149\n".encode(enc)
    elif pick == 2:
        body = b"x" * int(rng.integers(1, 300_000)) + b",42.5,1.52\n"
    else:
        body = seed[11:]
    return mutate(seed[:11] + body, _edits(rng)[: int(rng.integers(0, 3))])


def main() -> int:
    """Run the fuzz cases and print what failed; return the exit code."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=200, help="cases per category")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    header(f"fuzz_routing: {args.cases} cases per category, seed {args.seed}")
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        seeds = seed_bytes(work)
        net = str(work / "seed.npz")
        runner = Runner(work)
        categories = {
            **{f"extract {k}": (lambda k=k: (k, mutate(seeds[k], _edits(rng)), ""))
               for k in OSM_KINDS},
            "network bytes": lambda: (".npz", mutate(seeds[".npz"], _edits(rng)), ""),
            "network values": lambda: (".npz", damage_arrays(seeds[".npz"], [
                (int(rng.integers(18)), float(rng.random()), int(rng.choice(VALUES)))
                for _ in range(int(rng.integers(1, 5)))]), ""),
            "points file": lambda: (".csv", _points(rng, seeds[".csv"]), net),
        }  # fmt: skip
        print(f"{'category':22} {'tried':>6} {'success':>8} {'clear error':>12} {'failures':>9} "
              f"{'max s':>6}")  # fmt: skip
        shown: list[str] = []
        try:
            for name, make in categories.items():
                tally: Counter[str] = Counter()
                worst = 0.0
                for _ in range(args.cases):
                    kind, data, network = make()
                    o = runner.run(kind, data, network)
                    worst = max(worst, o.seconds)
                    tally["success" if o.what == "success" else "error" if o.ok else "fail"] += 1
                    if not o.ok and len(shown) < 10:
                        shown.append(f"{name}: {o.what}: {o.detail}")
                failed += tally["fail"]
                print(f"{name:22} {args.cases:6} {tally['success']:8} {tally['error']:12} "
                      f"{tally['fail']:9} {worst:6.2f}", flush=True)  # fmt: skip
        finally:
            runner.close()
    for s in shown:
        print("FAILURE", s)
    print(f"total failures: {failed}; load {os.getloadavg()[0]:.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
