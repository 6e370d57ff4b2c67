"""Compare matrices between points exactly on road nodes with a plain Dijkstra.

Points placed exactly on road nodes: our matrix against a plain scipy Dijkstra between the
same nodes (issue 8 item 16).

    python benchmarks/node_points.py [EXTRACT] [--n 2000] [--seed 0]

Draws N distinct random nodes of the compiled network, puts a point exactly on each and
compares ``travel_matrix`` (the hierarchy engine) with ``scipy.sparse.csgraph.dijkstra`` on the
network's own routing graph from those nodes to those nodes. Both minimise the same packed
weight, so every pair must agree to the millisecond; a pair where ours is slower means a point
was forced to leave or arrive along one edge instead of using every direction its node allows.
Prints how many points were snapped to the start or end of a one-way segment, how many pairs
are slower and by how much. Exit status 1 when any pair differs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _env import header

from territory_desktop.routing import load_or_build, travel_matrix
from territory_desktop.routing.network import TIME_SHIFT
from territory_desktop.routing.prepared import prepared
from territory_desktop.routing.snapping import snap

ROOT = Path(__file__).resolve().parents[1]
SCALE = ROOT.parent / "shared" / "data" / "osm-scale" / "sao_paulo_tiled8x8_SYNTHETIC.osm.pbf"
OUT = Path(__file__).resolve().parent / "out"


def reference_seconds(net, nodes: np.ndarray) -> np.ndarray:
    """Scipy Dijkstra from each node to each node on the packed routing weight, in seconds."""
    from scipy.sparse.csgraph import dijkstra

    out = np.empty((nodes.shape[0], nodes.shape[0]))
    chunk = max(1, 16_000_000 // net.n_nodes)
    for lo in range(0, nodes.shape[0], chunk):
        d = dijkstra(prepared(net).csr, directed=True, indices=nodes[lo : lo + chunk])
        out[lo : lo + chunk] = d[:, nodes]
    return np.floor(out / TIME_SHIFT) / 1000.0


def main() -> int:
    """Run the comparison and print the figures; return the exit code."""
    ap = argparse.ArgumentParser()
    ap.add_argument("extract", nargs="?", default=str(SCALE))
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    header("points exactly on road nodes: our matrix vs scipy Dijkstra between the same nodes")
    OUT.mkdir(exist_ok=True)
    net = load_or_build(args.extract, OUT / (Path(args.extract).name + ".npz"))
    print(f"{Path(args.extract).name}: {net.n_nodes:,} nodes; N = {args.n} node points, "
          f"seed {args.seed}; load {os.getloadavg()[0]:.2f}")  # fmt: skip
    rng = np.random.default_rng(args.seed)
    nodes = rng.choice(net.n_nodes, args.n, replace=False)
    pts = np.column_stack((net.node_lat[nodes], net.node_lon[nodes]))
    s = snap(net, pts[:, 0], pts[:, 1])
    fwd, bwd = prepared(net).seg_edges
    seg = np.maximum(s.segment, 0)
    one_way = (fwd[seg] < 0) | (bwd[seg] < 0)
    at_end = (s.fraction == 0.0) | (s.fraction == 1.0)
    print(f"snapped: {int(s.reachable.sum())} reachable, {int(np.sum(s.access_m < 0.01))} within "
          f"1 cm of their node; {int(np.sum(one_way & s.reachable))} on a one-way segment "
          f"({int(np.sum(one_way & at_end))} exactly at its start or end)")  # fmt: skip
    t0 = time.perf_counter()
    ours = travel_matrix(net, s, meters=False).seconds
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = reference_seconds(net, nodes)
    t_ref = time.perf_counter() - t0
    diff = ours - ref
    slower = diff > 0.0005
    faster = diff < -0.0005
    rows = np.flatnonzero(slower.any(axis=1) | slower.any(axis=0))
    print(f"ours {t_ours:.2f} s, scipy Dijkstra {t_ref:.2f} s; load {os.getloadavg()[0]:.2f}")
    print(f"pairs slower than Dijkstra: {int(slower.sum()):,} of {slower.size:,} "
          f"({100 * slower.mean():.1f}%), involving {rows.shape[0]} points; "
          f"max excess {np.nanmax(np.where(slower, diff, 0.0)):.1f} s; "
          f"pairs faster (impossible): {int(faster.sum())}")  # fmt: skip
    return 1 if (slower.any() or faster.any()) else 0


if __name__ == "__main__":
    sys.exit(main())
