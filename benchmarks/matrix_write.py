"""``tdesk matrix`` end to end, and its CSV writer against the csv module (issue 8 item 18).

    python benchmarks/matrix_write.py [EXTRACT] [N]     (default: the sample extract, 2,000)

Prints, in one run on the same N points near random roads:

* the wall time of ``python -m territory_desktop matrix NETWORK POINTS -o OUT --format F`` in a
  fresh process for each format (csv, npz, parquet when pyarrow is installed), after one
  untimed run that leaves the network's order and snap caches in place (as after first use);
* in this process, on the same matrix: our columnar CSV writer and the csv-module writer the
  command used before (one ``writerow`` per pair, same formatting), the ratio, and whether both
  files hold the same cells (ids here need no escaping).
"""

from __future__ import annotations

import csv
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _env import header, load  # noqa: E402
from matrix import points_near_roads  # noqa: E402

from territory_desktop.routing import load_or_build, travel_matrix  # noqa: E402
from territory_desktop.routing.matrix_io import write_matrix_csv  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"


def csv_module_writer(path: str, ids, seconds, meters, reasons) -> None:
    """Write the matrix the way ``tdesk matrix`` used to: the csv module, one row per pair."""
    n = len(ids)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["from_id", "to_id", "seconds", "meters", "unreachable_reason"])
        for i in range(n):
            sec, met = seconds[i], meters[i]
            ok = np.isfinite(sec)
            for j in range(n):
                if ok[j]:
                    w.writerow([ids[i], ids[j], f"{sec[j]:.3f}", f"{met[j]:.1f}", ""])
                else:
                    w.writerow([ids[i], ids[j], "", "", reasons[i] or reasons[j]
                                or "no road path"])  # fmt: skip


def main() -> int:
    """Time both writers on the same matrix, check the files agree; return the exit code."""
    extract = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "resources/sample/baltimore.osm.pbf")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    header("tdesk matrix end to end; columnar CSV writer vs the csv module")
    OUT.mkdir(exist_ok=True)
    npz = OUT / (Path(extract).name + ".npz")
    net = load_or_build(extract, npz)
    pts = points_near_roads(net, n, 0)
    ids = [f"acct-{k:05d}" for k in range(n)]
    points = OUT / f"points{n}.csv"
    with open(points, "w", encoding="utf-8") as f:
        f.write("id,lat,lon\n")
        f.writelines(f"{i},{la:.7f},{lo:.7f}\n" for i, (la, lo) in zip(ids, pts, strict=True))
    print(f"{Path(extract).name}: {net.n_nodes:,} nodes; N = {n} points ({n * n:,} pairs)")
    formats = ["csv", "npz"] + (["parquet"] if importlib.util.find_spec("pyarrow") else [])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    print("end to end, fresh process each (python -m territory_desktop matrix ...):")
    for k, fmt in enumerate(["csv", *formats]):
        out = OUT / f"matrix{n}.{fmt}"
        cmd = [sys.executable, "-m", "territory_desktop", "matrix", str(npz), str(points),
               "-o", str(out), "--format", fmt]  # fmt: skip
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True)
        dt = time.perf_counter() - t0
        if k:  # the first run only warms the caches next to the network file
            print(f"  --format {fmt:8} {dt:6.2f} s wall, {out.stat().st_size / 2**20:6.1f} MiB; "
                  f"{load()}")  # fmt: skip
    if "parquet" not in formats:
        print("  --format parquet: not measured (pyarrow is not installed)")
    m = travel_matrix(net, pts)
    reasons = m.origins.reason
    a, b = OUT / "ours.csv", OUT / "csvmodule.csv"
    t0 = time.perf_counter()
    write_matrix_csv(str(a), ids, m.seconds, m.meters, reasons)
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    csv_module_writer(str(b), ids, m.seconds, m.meters, reasons)
    base = time.perf_counter() - t0
    with open(a, newline="", encoding="utf-8") as fa, open(b, newline="", encoding="utf-8") as fb:
        same = all(x == y for x, y in zip(csv.reader(fa), csv.reader(fb), strict=True))
    print(f"writing the {n:,} x {n:,} CSV in this process: ours {ours:.2f} s, csv module "
          f"{base:.2f} s ({base / ours:.1f}x); same cells: {same}; {load()}")  # fmt: skip
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
