"""Compile benchmark: parse+compile time and peak RSS per extract, load time, load/parse ratio.

    python benchmarks/compile.py [EXTRACT ...]    (default: every shared extract + the scale one)

Each build runs in a fresh child process so its peak RSS (``ru_maxrss``: process RSS, not
traced memory) is its own; the load average is printed per row. Prints
nodes, edges, build seconds, peak MiB, .npz size, load seconds and the parse/load ratio; the
rows for different extract sizes show how time and memory grow with the extract.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"

CHILD = r"""
import json, os, resource, sys, time
sys.path.insert(0, sys.argv[3])
from territory_desktop.routing import build_network, load_network
t0 = time.perf_counter()
net = build_network(sys.argv[1])
build = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
net.save(sys.argv[2])
loads = []
for _ in range(3):
    t0 = time.perf_counter(); load_network(sys.argv[2]); loads.append(time.perf_counter() - t0)
print(json.dumps({"nodes": net.n_nodes, "edges": net.n_edges, "build_s": build, "peak_mib": rss,
                  "npz_mib": os.path.getsize(sys.argv[2]) / 2**20, "load_s": min(loads),
                  "dropped_components": net.meta["dropped_components"]}))
"""


def main() -> int:
    """Time compiling the extracts and print the figures; return the exit code."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _env import header, load

    header("compile: parse + compile per extract (fresh child process each), then load")
    extracts = [Path(p) for p in sys.argv[1:]] or [
        *sorted((DATA / "osm").glob("*.osm*")),
        DATA / "osm-scale" / "sao_paulo_tiled8x8_SYNTHETIC.osm.pbf",
    ]
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    print(f"{'extract':40} {'MB':>6} {'nodes':>8} {'edges':>8} {'build s':>8} {'peak MiB':>8} "
          f"{'npz MiB':>7} {'load s':>7} {'parse/load':>10}  load at row end")  # fmt: skip
    for x in extracts:
        npz = out / (x.name + ".npz")
        r = subprocess.run([sys.executable, "-c", CHILD, str(x), str(npz), str(ROOT)],
                           capture_output=True, text=True, check=True)  # fmt: skip
        d = json.loads(r.stdout.strip().splitlines()[-1])
        print(f"{x.name:40} {x.stat().st_size / 1e6:6.1f} {d['nodes']:8,} {d['edges']:8,} "
              f"{d['build_s']:8.2f} {d['peak_mib']:8.0f} {d['npz_mib']:7.1f} {d['load_s']:7.4f} "
              f"{d['build_s'] / d['load_s']:9.0f}x  {load()}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
