"""Matrix benchmark: our travel_matrix against scipy Dijkstra and RoutingKit's CCH, same process.

    python benchmarks/matrix.py EXTRACT N [--uncached] [--scipy-sources K] [--nx-sources K]
                                          [--no-routingkit] [--scaling] [--seed S]

Builds (or reuses, by content hash) the compiled network in ``benchmarks/out/``, draws N
points near random roads and prints, in one process on the same points:

* **fresh process**: every cost a new process pays for its first seconds + metres matrix, step
  by step (network load, numba import, snap index, snapping, node order, contraction +
  customization, the matrix) and their total. ``--uncached`` deletes the cached node order and
  snap-index inputs first, so their preprocessing is timed too;
* **ours**: the same matrix again (steady state, median of 3): what the app pays per matrix;
* **scipy Dijkstra**: our ``engine="dijkstra"`` (scipy.sparse.csgraph.dijkstra per departure
  node, same snapping and end combination; seconds and metres), checked bit for bit; on all N
  origins, or on K of them extrapolated to N (``--scipy-sources K``: says so);
* **RoutingKit CCH** (``routingkit-cch`` from PyPI, an optional benchmark dependency): its
  inertial-flow order, CCH build and customization on the same routing edges (time in ms, one
  metric: seconds only), then one-to-many queries from each distinct departure node to the
  pinned arrival nodes, combined with the same partial edges; checked to give our seconds;
* **networkx** only with ``--nx-sources K`` (seconds only, K sources extrapolated);
* ratios of each baseline to ours, and process RSS (current and peak), not traced memory;
* ``--scaling``: N = 100, 500, 2,000, 5,000: time and process RSS.

The load average is printed with each step: this machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _env import header, load, rss_mib

from territory_desktop.routing import load_or_build, travel_matrix
from territory_desktop.routing.matrix import endpoints
from territory_desktop.routing.network import TIME_SHIFT
from territory_desktop.routing.prepared import prepared
from territory_desktop.routing.snapping import snap

OUT = Path(__file__).resolve().parent / "out"


def points_near_roads(net, n: int, seed: int) -> np.ndarray:
    """Return ``n`` seeded (lat, lon) points a little off the roads of ``net``."""
    rng = np.random.default_rng(seed)
    e = rng.choice(net.n_edges, n)
    lat = net.node_lat[net.arrays["edge_tail"][e]] + rng.normal(0, 0.0007, n)
    lon = net.node_lon[net.arrays["edge_tail"][e]] + rng.normal(0, 0.0007, n)
    return np.column_stack((lat, lon))


def networkx_baseline(net, snapped, k: int | None) -> tuple[float, int]:
    """Time networkx Dijkstra from ``k`` origins (all when None); return (seconds, runs)."""
    import networkx as nx

    a = net.arrays
    g = nx.DiGraph()
    e = prepared(net).routing_edges
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


def _clock(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def fresh_process(net, pts: np.ndarray, uncached: bool, load_s: float, import_s: float):
    """Time every first-use cost of a seconds + metres matrix; returns (snapped, total s)."""
    from territory_desktop.routing import cch, snap_index
    from territory_desktop.routing._progress import Feedback

    order_cache, snap_cache = cch.cache_path(net), snap_index.cache_path(net)
    for p in (order_cache, snap_cache) if uncached else ():
        if p and os.path.exists(p):
            os.unlink(p)
    had_order = cch.cached_order(net) is not None
    had_snap = bool(snap_cache and os.path.exists(snap_cache))
    print(f"fresh process ({cch.threads()} pair-loop threads; {load()}):")
    print(f"  import of the hierarchy module (numba) {import_s:.2f} s")
    _, idx_s = _clock(lambda: prepared(net).snap_index)
    snapped, snap_s = _clock(lambda: snap(net, pts[:, 0], pts[:, 1]))
    print(f"  snap index {idx_s:.2f} s ({'inputs from cache' if had_snap else 'built, cached'}), "
          f"snapping {snap_s:.2f} s ({int(snapped.reachable.sum())} reachable)")  # fmt: skip
    order, order_s = _clock(lambda: cch.node_order(net, Feedback()))
    print(f"  node order {order_s:.2f} s ({'from cache' if had_order else 'computed, cached'})")
    h, first_s = _clock(lambda: cch.build(net, order))
    prepared(net).cch = h
    _, again_s = _clock(lambda: cch.build(net, order))
    print(f"  contraction + customization {first_s:.2f} s (of which numba kernel loading "
          f"~{max(first_s - again_s, 0):.2f} s: {again_s:.2f} s when repeated); "
          f"{h.heads.shape[0]:,} arcs, elimination tree height {h.height}")  # fmt: skip
    m, mat_s = _clock(lambda: travel_matrix(net, snapped, engine="cch"))
    total = load_s + import_s + idx_s + snap_s + order_s + first_s + mat_s
    what = ("order and snap index not cached" if uncached else
            "order and snap inputs cached" if had_order and had_snap else "partly cached")
    what += "; compiled kernels from numba's disk cache; network load included"
    print(f"  matrix (seconds + metres) {mat_s:.2f} s; {load()}")
    cur, peak = rss_mib()
    print(f"  total {total:.2f} s ({what}); process RSS {cur:.0f} MiB now, {peak:.0f} MiB peak")
    return snapped, m, total


def scipy_baseline(net, snapped, ours, k: int | None) -> float:
    """Our scipy Dijkstra engine on all origins (or K, extrapolated); bit-for-bit check."""
    n = len(snapped)
    k = n if k is None else min(k, n)
    origins = snapped if k == n else snapped.take(np.arange(k))
    d, dt = _clock(lambda: travel_matrix(net, origins, snapped, engine="dijkstra"))
    same = np.array_equal(d.seconds, ours.seconds[:k]) and np.array_equal(d.meters, ours.meters[:k])
    est = dt * n / k
    note = "" if k == n else f" (measured on {k} origins: {dt:.2f} s, extrapolated to {n})"
    print(f"scipy Dijkstra (seconds + metres): {est:.2f} s{note}; identical seconds and metres: "
          f"{same}; {load()}")  # fmt: skip
    if not same:
        raise SystemExit("scipy Dijkstra and ours differ")
    return est


def routingkit_baseline(net, snapped, ours) -> tuple[float, float] | None:
    """RoutingKit CCH: (preprocessing s, query + combination s), seconds only."""
    try:
        import routingkit_cch as rk
    except ImportError:
        print("RoutingKit CCH: not installed (pip install routingkit-cch: benchmark only)")
        return None
    from territory_desktop.routing.matrix import _combine, direct_pairs

    a = net.arrays
    e = prepared(net).routing_edges
    tail, head = a["edge_tail"][e].tolist(), a["edge_head"][e].tolist()
    t0 = time.perf_counter()
    order = rk.compute_order_inertial(net.n_nodes, tail, head, net.node_lat.tolist(),
                                      net.node_lon.tolist())  # fmt: skip
    t_order = time.perf_counter() - t0
    cch = rk.CCH(order, tail, head, False)
    metric = rk.CCHMetric(cch, a["edge_time_ms"][e].astype(np.int64).tolist())
    prep = time.perf_counter() - t0
    dep_node, dep_cost, arr_node, arr_cost = endpoints(net, snapped)
    t0 = time.perf_counter()
    src = np.unique(dep_node[dep_node >= 0])
    tgt = np.unique(arr_node[arr_node >= 0])
    q = rk.CCHOneToMany(metric, tgt.tolist())
    node = np.empty((src.shape[0], tgt.shape[0]))
    for r, s in enumerate(src.tolist()):
        node[r] = np.array(q.distances_from(s), dtype=np.float64)  # None -> nan
    np.nan_to_num(node, copy=False, nan=np.inf)
    best = np.empty((dep_node.shape[0], arr_node.shape[0]))
    _combine(node, np.searchsorted(src, np.maximum(dep_node, 0)), np.floor(dep_cost / TIME_SHIFT),
             np.searchsorted(tgt, np.maximum(arr_node, 0)), np.floor(arr_cost / TIME_SHIFT), best)
    oi, di, c = direct_pairs(net, snapped, snapped)
    best[oi, di] = np.minimum(best[oi, di], np.floor(c / TIME_SHIFT))
    secs = best / 1000.0
    query = time.perf_counter() - t0
    diff = int(np.sum(secs != ours.seconds))
    print(f"RoutingKit CCH (seconds only): preprocessing {prep:.2f} s (inertial-flow order "
          f"{t_order:.2f} s, CCH + customization {prep - t_order:.2f} s); "
          f"{src.shape[0]:,} one-to-many queries + combination {query:.2f} s; "
          f"seconds differing from ours: {diff}; {load()}")  # fmt: skip
    if diff:
        raise SystemExit("RoutingKit and ours differ")
    return prep, query


def main() -> int:
    """Time our matrix against the baselines and print the figures; return the exit code."""
    ap = argparse.ArgumentParser()
    ap.add_argument("extract")
    ap.add_argument("n", type=int)
    ap.add_argument("--scaling", action="store_true")
    ap.add_argument("--nx-sources", type=int, default=None)
    ap.add_argument("--scipy-sources", type=int, default=None)
    ap.add_argument("--no-routingkit", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--uncached", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    from territory_desktop.routing import cch  # noqa: F401  (imports numba: timed)

    import_s = time.perf_counter() - t0
    header("matrix benchmark: ours vs scipy Dijkstra and RoutingKit CCH in one process")
    OUT.mkdir(exist_ok=True)
    npz = OUT / (Path(args.extract).name + ".npz")
    net, net_s = _clock(lambda: load_or_build(args.extract, npz))
    print(f"extract {Path(args.extract).name}: {net.n_nodes:,} nodes, {net.n_edges:,} edges "
          f"(network ready in {net_s:.2f} s); N = {args.n}, seed {args.seed}")  # fmt: skip
    pts = points_near_roads(net, args.n, args.seed)
    snapped, first, fresh_s = fresh_process(net, pts, args.uncached, net_s, import_s)
    runs = []
    for _ in range(3):
        m, dt = _clock(lambda: travel_matrix(net, snapped))
        runs.append(dt)
        assert m.engine == "cch"
        np.testing.assert_array_equal(m.seconds, first.seconds)
    ours = statistics.median(runs)
    print(f"ours (seconds + metres), steady state: {' '.join(f'{r:.3f}' for r in runs)} s, "
          f"median {ours:.3f} s; {load()}")  # fmt: skip
    sp = scipy_baseline(net, snapped, first, args.scipy_sources)
    rk = None if args.no_routingkit else routingkit_baseline(net, snapped, first)
    print("ratios (baseline time / ours; > 1 means ours is faster):")
    print(f"  scipy Dijkstra / ours: {sp / ours:.1f}x steady state, {sp / fresh_s:.1f}x against "
          "our fresh-process total")  # fmt: skip
    if rk is not None:
        prep, query = rk
        print(f"  RoutingKit queries / ours: {query / ours:.1f}x steady state; RoutingKit "
              f"preprocessing + queries / our fresh-process total: {(prep + query) / fresh_s:.1f}x")
    if args.nx_sources:
        nx_s, k = networkx_baseline(net, snapped, args.nx_sources)
        est = nx_s * int(snapped.reachable.sum()) / max(k, 1)
        print(f"  networkx per-source Dijkstra (seconds only, {k} sources extrapolated): "
              f"{est:.2f} s, {est / ours:.0f}x; {load()}")  # fmt: skip
    cur, peak = rss_mib()
    print(f"process RSS {cur:.0f} MiB now, {peak:.0f} MiB peak (includes the baselines)")
    if args.scaling:
        print("scaling with N (same network; first and repeated matrix of those points, "
              "process RSS after it):")  # fmt: skip
        for n in (100, 500, 2000, 5000):
            p = points_near_roads(net, n, args.seed + n)
            sn = snap(net, p[:, 0], p[:, 1])
            _, dt = _clock(lambda sn=sn: travel_matrix(net, sn))
            _, again = _clock(lambda sn=sn: travel_matrix(net, sn))
            cur, peak = rss_mib()
            print(f"  N={n:>5}: {dt:7.3f} s first, {again:7.3f} s repeated; RSS {cur:.0f} MiB "
                  f"now, {peak:.0f} MiB peak (result {2 * n * n * 8 / 2**20:.1f} MiB); {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
