"""Effect of the intersection delay model: drive times with delays / pure edge-speed times.

    python benchmarks/routing_delay.py [EXTRACT] [N]

NOTES.md: Valhalla gave ~1.23x the osmnx edge-speed times on São Paulo. This prints our ratio
(median and mean over all pairs of N points) for the default profile against the same profile
with ``traffic_signal_s = junction_s = 0``.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _env import header

from territory_desktop.routing import SpeedProfile, build_network, travel_matrix


def main() -> int:
    """Print how signal and junction delays change drive times; return the exit code."""
    ex = sys.argv[1] if len(sys.argv) > 1 else str(
        Path(__file__).resolve().parents[2] / "shared/data/osm/sao_paulo_r5py.osm.pbf"
    )
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    header("intersection delay model: drive times with delays / pure edge-speed times")
    prof = SpeedProfile()
    plain = dataclasses.replace(prof, traffic_signal_s=0.0, junction_s=0.0)
    a, b = build_network(ex, prof), build_network(ex, plain)
    rng = np.random.default_rng(0)
    e = rng.choice(a.n_edges, n)
    tails = a.arrays["edge_tail"][e]
    pts = np.column_stack((a.node_lat[tails], a.node_lon[tails]))
    ta = travel_matrix(a, pts, meters=False, engine="dijkstra").seconds
    tb = travel_matrix(b, pts, meters=False, engine="dijkstra").seconds
    ok = np.isfinite(ta) & np.isfinite(tb) & (tb > 60)
    r = ta[ok] / tb[ok]
    print(f"{Path(ex).name}: {n} points, {int(ok.sum()):,} pairs over 1 min; "
          f"signals {a.meta['signals']:,}, traffic_signal_s={prof.traffic_signal_s}, "
          f"junction_s={prof.junction_s}")
    print(f"with delays / edge speeds only: median {np.median(r):.3f}, mean {r.mean():.3f}, "
          f"p10 {np.percentile(r, 10):.3f}, p90 {np.percentile(r, 90):.3f} "
          "(Valhalla vs osmnx edge speeds, NOTES.md: 1.23)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
