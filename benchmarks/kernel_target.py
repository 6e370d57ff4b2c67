"""Routing kernels compiled for numba's ``generic`` CPU (what a frozen bundle ships) vs this host.

    python benchmarks/kernel_target.py EXTRACT N [--rounds R]

The frozen app ships its kernels compiled for the ``generic`` CPU so that they run on any
machine (installers/compile_kernels.py). This measures what that costs, with the JIT and
``NUMBA_CPU_NAME``: for each target, in its own process and numba cache folder (compiled first, not
timed), the steady-state seconds + metres matrix of N points near random roads (median of 5
calls), alternating targets for R rounds. Prints both medians and their ratio, with load average
and threads.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import statistics, sys, time
sys.path.insert(0, {bench!r})
from matrix import OUT, points_near_roads
from territory_desktop.routing import load_or_build, snap, travel_matrix
from territory_desktop.routing import cch
net = load_or_build({extract!r}, OUT / (Path({extract!r}).name.split(".")[0] + ".npz"))
pts = points_near_roads(net, {n}, 0)
snapped = snap(net, pts[:, 0], pts[:, 1])
travel_matrix(net, snapped, engine="cch")  # hierarchy built, kernels loaded
runs = []
for _ in range(5):
    t0 = time.perf_counter()
    travel_matrix(net, snapped, engine="cch")
    runs.append(time.perf_counter() - t0)
print(statistics.median(runs), cch.threads())
"""


def run(target: str, cache: Path, extract: str, n: int) -> tuple[float, int]:
    """Time the matrix with kernels compiled for ``target``; return (median s, thread count)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env.update(NUMBA_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    if target == "generic":
        env["NUMBA_CPU_NAME"] = "generic"
    code = "from pathlib import Path\n" + CHILD.format(bench=str(ROOT / "benchmarks"),
                                                      extract=extract, n=n)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    return float(out[0]), int(out[1])


def main() -> int:
    """Compare the generic and host kernels over the rounds asked; return the exit status."""
    ap = argparse.ArgumentParser()
    ap.add_argument("extract")
    ap.add_argument("n", type=int)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    extract = str(Path(args.extract).resolve())
    times: dict[str, list[float]] = {"host": [], "generic": []}
    with tempfile.TemporaryDirectory() as tmp:
        for target in times:  # compile each target once, untimed
            run(target, Path(tmp, target), extract, 50)
        for r in range(args.rounds):
            for target in times:
                t, threads = run(target, Path(tmp, target), extract, args.n)
                times[target].append(t)
                print(f"round {r + 1} {target:>7}: {t:.3f} s  (load {os.getloadavg()[0]:.2f}, "
                      f"{threads} pair-loop threads, {os.cpu_count()} CPUs)", flush=True)
    host, generic = (statistics.median(times[t]) for t in ("host", "generic"))
    print(f"{Path(extract).name}, N = {args.n}, seconds + metres, median of rounds: "
          f"host CPU {host:.3f} s, generic CPU {generic:.3f} s, generic/host {generic / host:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
