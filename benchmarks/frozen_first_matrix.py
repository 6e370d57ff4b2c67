"""First drive-time matrix of the frozen app (kernels compiled ahead of time) vs the checkout's JIT.

    python benchmarks/frozen_first_matrix.py [BUNDLE] [--rounds R]

BUNDLE is the one-folder app (default ``dist/territory-desktop``, made by
``installers/build_linux.sh``). Each run is ``territory-desktop --smoke`` headless (open the
sample, draw the map, drive-time matrix between its 248 accounts, schedule, save, reopen) in a
clean environment; the figure is its ``first_matrix_s``: road network ready (compiled from the
sample's extract on a fresh install, loaded after that) plus the matrix, kernels included.
Per round, alternating:

* ``fresh``: the bundle as built, a new user (empty home) in a new folder: a fresh install,
  running the kernels the bundle ships compiled ahead of time;
* ``second``: that user again, launched from another folder;
* ``checkout``: ``python main.py --smoke`` from this checkout with its warm numba cache, a new
  user: the unfrozen app at its best.

Prints every run with where its kernels came from, then medians and ratios, with load average
and thread count.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "territory-desktop"


def smoke(command: list[str], home: Path, cwd: Path, extra: dict[str, str]) -> dict[str, str]:
    """One ``--smoke`` run; its figures by name."""
    home.mkdir(parents=True, exist_ok=True)
    cwd.mkdir(parents=True, exist_ok=True)
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8",
           "QT_QPA_PLATFORM": "offscreen", "QTWEBENGINE_DISABLE_SANDBOX": "1", **extra}
    done = subprocess.run([*command, "--smoke"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)
    if done.returncode != 0 or "smoke: OK" not in done.stdout:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n"
                         f"{done.stdout}\n{done.stderr}")
    return dict(re.findall(r"\b(start_to_map_s|first_matrix_s|kernels|kernels_compiled|"
                           r"kernels_from_cache) (\S+)", done.stdout))


def main() -> int:
    """Time the frozen app's first matrix, fresh and second launch; return the exit status."""
    ap = argparse.ArgumentParser()
    ap.add_argument("bundle", nargs="?", type=Path, default=ROOT / "dist" / NAME)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    bundle = args.bundle.resolve()
    if not (bundle / NAME).is_file():
        raise SystemExit(f"{bundle / NAME} not found: run installers/build_linux.sh")
    threads = min(4, os.cpu_count() or 1)  # territory_desktop.routing.cch.threads()
    times: dict[str, list[float]] = {"fresh": [], "second": [], "checkout": []}
    with tempfile.TemporaryDirectory(prefix="territory-bench-") as tmp_name:
        tmp = Path(tmp_name)
        runs = {
            "fresh": ([str(bundle / NAME)], {}),
            "checkout": ([sys.executable, str(ROOT / "main.py")], {"PYTHONPATH": str(ROOT)}),
        }
        for r in range(1, args.rounds + 1):
            for label in ("fresh", "second", "checkout"):
                home = tmp / f"home-{'fresh' if label == 'second' else label}-{r}"
                command, extra = runs["fresh" if label == "second" else label]
                cwd = tmp / f"cwd-{label}-{r}" / "deeper"
                got = smoke(command, home, cwd, extra)
                times[label].append(float(got["first_matrix_s"]))
                print(f"round {r} {label:>8}: first matrix {got['first_matrix_s']} s, "
                      f"start to map {got['start_to_map_s']} s, kernels {got['kernels']} "
                      f"(compiled {got['kernels_compiled']} / loaded "
                      f"{got['kernels_from_cache']})  "
                      f"(load {os.getloadavg()[0]:.2f}, {threads} pair-loop threads, "
                      f"{os.cpu_count()} CPUs)", flush=True)
    med = {label: statistics.median(values) for label, values in times.items()}
    print(f"first drive-time matrix, sample plan (248 accounts), median of {args.rounds} rounds: "
          + ", ".join(f"{label} {value:.2f} s" for label, value in med.items()))
    print(f"fresh/checkout {med['fresh'] / med['checkout']:.2f}x, "
          f"second/checkout {med['second'] / med['checkout']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
