"""Matrix benchmark: our travel_matrix vs a networkx per-source Dijkstra baseline.

    python benchmarks/matrix.py EXTRACT N [--uncached] [--nx-sources K] [--dijkstra]
                                          [--scaling] [--seed S]

Builds (or reuses, by content hash) the compiled network in ``benchmarks/out/``, draws N
points near random roads and prints, in one process on the same points:

* **fresh process**: every cost a new process pays for its first seconds + metres matrix, step
  by step: loading the network, importing numba, snap index, snapping, the hierarchy (node
  order: from the cache or computed; numba kernels loaded from their on-disk cache;
  contraction + customization) and the matrix, and their total. ``--uncached`` deletes the
  cached node order and snap-index inputs first, so their preprocessing is timed too (and
  cached again); numba's compiled kernels stay cached (run.sh compiles them at install);
* **ours**: the same matrix again (steady state, median of 3): what the app pays per matrix;
* ``--dijkstra``: the scipy Dijkstra engine on the same points, checked bit for bit;
* **networkx**: ``single_source_dijkstra_path_length`` (seconds only) from each origin's node
  on a DiGraph of the same compiled edges (graph construction not timed), on all N sources or
  K of them extrapolated to N (``--nx-sources K``: says so); and the ratios;
* ``--scaling``: N = 100, 500, 2,000, 5,000 with time and peak traced memory.

The 1-minute load average is printed with each step: this machine is shared.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from territory_desktop.routing import load_or_build, travel_matrix
from territory_desktop.routing.matrix import endpoints

OUT = Path(__file__).resolve().parent / "out"


def points_near_roads(net, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    e = rng.choice(net.n_edges, n)
    lat = net.node_lat[net.arrays["edge_tail"][e]] + rng.normal(0, 0.0007, n)
    lon = net.node_lon[net.arrays["edge_tail"][e]] + rng.normal(0, 0.0007, n)
    return np.column_stack((lat, lon))


def networkx_baseline(net, snapped, k: int | None) -> tuple[float, int]:
    import networkx as nx

    a = net.arrays
    g = nx.DiGraph()
    e = net.routing_edges
    g.add_weighted_edges_from(
        zip(a["edge_tail"][e].tolist(), a["edge_head"][e].tolist(),
            (a["edge_time_ms"][e] / 1000.0).tolist(), strict=True)
    )  # fmt: skip
    dep, _, _, _ = endpoints(net, snapped)
    src = [int(max(r)) for r in dep[snapped.reachable]]
    if k is not None:
        src = src[:k]
    t0 = time.perf_counter()
    for s in src:
        nx.single_source_dijkstra_path_length(g, s, weight="weight")
    return time.perf_counter() - t0, len(src)


def _rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def _clock(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def fresh_process(net, pts: np.ndarray, uncached: bool, load_s: float):
    """Time every first-use cost of a seconds + metres matrix; returns (snapped, total s)."""
    t0 = time.perf_counter()
    from territory_desktop.routing import cch, snapping  # imports numba
    from territory_desktop.routing._progress import Feedback

    import_s = time.perf_counter() - t0

    order_cache, snap_cache = cch.cache_path(net), snapping.cache_path(net)
    for p in (order_cache, snap_cache) if uncached else ():
        if p and os.path.exists(p):
            os.unlink(p)
    had_order = cch.cached_order(net) is not None
    had_snap = bool(snap_cache and os.path.exists(snap_cache))
    print(f"fresh process ({os.cpu_count()} CPUs, {cch.threads()} pair-loop threads; {_load()}):")
    print(f"  import of the hierarchy module (numba) {import_s:.2f} s")
    _, idx_s = _clock(lambda: net.snap_index)
    snapped, snap_s = _clock(lambda: net.snap(pts[:, 0], pts[:, 1]))
    print(f"  snap index {idx_s:.2f} s ({'inputs from cache' if had_snap else 'built, cached'}), "
          f"snapping {snap_s:.2f} s ({int(snapped.reachable.sum())} reachable)")  # fmt: skip
    order, order_s = _clock(lambda: cch.node_order(net, Feedback()))
    print(f"  node order {order_s:.2f} s ({'from cache' if had_order else 'computed, cached'})")
    h, first_s = _clock(lambda: cch.build(net, order))
    net.__dict__["_cch"] = h
    _, again_s = _clock(lambda: cch.build(net, order))
    print(f"  contraction + customization {first_s:.2f} s (of which numba kernel loading "
          f"~{max(first_s - again_s, 0):.2f} s: {again_s:.2f} s when repeated); "
          f"{h.heads.shape[0]:,} arcs, elimination tree height {h.height}")  # fmt: skip
    m, mat_s = _clock(lambda: travel_matrix(net, snapped, engine="cch"))
    total = load_s + import_s + idx_s + snap_s + order_s + first_s + mat_s
    what = ("order and snap index not cached" if uncached else
            "order and snap inputs cached" if had_order and had_snap else "partly cached")
    what += "; compiled kernels from numba's disk cache; network load included"
    print(f"  matrix (seconds + metres) {mat_s:.2f} s; {_load()}")
    print(f"  total {total:.2f} s ({what}); process peak RSS {_rss_mib():.0f} MiB")
    return snapped, m, total


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("extract")
    ap.add_argument("n", type=int)
    ap.add_argument("--scaling", action="store_true")
    ap.add_argument("--nx-sources", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--uncached", action="store_true")
    ap.add_argument("--dijkstra", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    npz = OUT / (Path(args.extract).name + ".npz")
    net, net_s = _clock(lambda: load_or_build(args.extract, npz))
    print(f"extract {Path(args.extract).name}: {net.n_nodes:,} nodes, {net.n_edges:,} edges "
          f"(network ready in {net_s:.2f} s); N = {args.n}")  # fmt: skip
    pts = points_near_roads(net, args.n, args.seed)
    snapped, first, fresh_s = fresh_process(net, pts, args.uncached, net_s)
    runs = []
    for _ in range(3):
        m, dt = _clock(lambda: travel_matrix(net, snapped))
        runs.append(dt)
        assert m.engine == "cch"
        np.testing.assert_array_equal(m.seconds, first.seconds)
    ours = statistics.median(runs)
    print(f"ours, seconds + metres, steady state: {' '.join(f'{r:.3f}' for r in runs)} s, "
          f"median {ours:.3f} s; {_load()}")  # fmt: skip
    if args.dijkstra:
        d, dt = _clock(lambda: travel_matrix(net, snapped, engine="dijkstra"))
        same = np.array_equal(d.seconds, m.seconds) and np.array_equal(d.meters, m.meters)
        print(f"scipy Dijkstra engine: {dt:.2f} s; identical seconds and metres: {same}")
        if not same:
            return 1
    nx_s, k = networkx_baseline(net, snapped, args.nx_sources)
    nreach = int(snapped.reachable.sum())
    est = nx_s * nreach / max(k, 1)
    note = "" if k == nreach else f" (measured on {k} sources, extrapolated to {nreach})"
    print(f"networkx per-source Dijkstra (seconds only): {est:.2f} s{note}; {_load()}")
    print(f"ratio networkx / ours: {est / ours:.1f}x steady state; "
          f"{est / fresh_s:.1f}x against the fresh-process total")  # fmt: skip
    if args.scaling:
        print("scaling with N (same network; time of the first and a repeated matrix of those "
              "points, peak traced memory):")
        for n in (100, 500, 2000, 5000):
            p = points_near_roads(net, n, args.seed + n)
            sn = net.snap(p[:, 0], p[:, 1])
            _, dt = _clock(lambda sn=sn: travel_matrix(net, sn))
            _, again = _clock(lambda sn=sn: travel_matrix(net, sn))
            tracemalloc.start()
            travel_matrix(net, sn)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(f"  N={n:>5}: {dt:7.3f} s first, {again:7.3f} s repeated (memory already "
                  f"paged in); peak {peak / 2**20:7.1f} MiB traced "
                  f"(result {2 * n * n * 8 / 2**20:.1f} MiB)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
