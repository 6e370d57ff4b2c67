"""Matrix benchmark: our travel_matrix vs a networkx per-source Dijkstra baseline.

    python benchmarks/matrix.py EXTRACT N [--scaling] [--nx-sources K] [--seed S]
    python benchmarks/matrix.py EXTRACT N --seconds-only [--uncached]

Builds (or reuses, by content hash) the compiled network in ``benchmarks/out/``, draws N
points near random roads, and prints, measured in one run on the same points:
* ours, seconds + metres (scipy Dijkstra engine), and seconds-only (engine "auto": CCH when
  routingkit-cch is installed and the network is large, its node-order preprocessing shown
  separately: cached after the first run);
* the networkx baseline: ``single_source_dijkstra_path_length`` from each origin's nearest
  node on a DiGraph of the same compiled edges (all N sources, or K of them extrapolated
  to N when ``--nx-sources K`` is given: says so);
* the ratio. ``--scaling`` adds N = 100, 500, 2000, 5000 with time and peak traced memory.

``--seconds-only`` measures what a fresh process pays for a seconds-only matrix, step by step
(snap index, snapping, CCH preprocessing, queries + combination), with the queries run in
parallel (the default: forked processes on Linux) and serially (one process), checks the two
are bit-identical, and prints the 1-minute load average around each step.
``--uncached`` deletes the cached CCH node order and snap index inputs first, so their
preprocessing is timed too (and cached again).
"""

from __future__ import annotations

import argparse
import os
import resource
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


def timed(fn, memory: bool = False):
    """(result, seconds, peak traced bytes). Memory is traced in a second run: tracemalloc
    slows Python-object allocation (the CCH rows) by several times."""
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    peak = 0
    if memory:
        tracemalloc.start()
        fn()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return out, dt, peak


def _load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def seconds_only(net, pts: np.ndarray, uncached: bool) -> int:
    from territory_desktop.routing import cch, snapping
    from territory_desktop.routing import matrix as mx

    print(f"{os.cpu_count()} CPUs, {cch.workers()} CCH query processes; {_load()} at start")
    cache, snap_cache = cch.cache_path(net), snapping.cache_path(net)
    for p in (cache, snap_cache) if uncached else ():
        if p and os.path.exists(p):
            os.unlink(p)
    had = bool(cache and os.path.exists(cache))
    had_snap = bool(snap_cache and os.path.exists(snap_cache))
    t0 = time.perf_counter()
    _ = net.snap_index
    idx_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    snapped = net.snap(pts[:, 0], pts[:, 1])
    snap_s = time.perf_counter() - t0
    print(f"snap index {idx_s:.2f} s ({'inputs from cache' if had_snap else 'built and cached'})"
          f", snapping {snap_s:.2f} s "
          f"({int(snapped.reachable.sum())} reachable); {_load()}")  # fmt: skip
    t0 = time.perf_counter()
    cch.metric(net, mx.Feedback())
    prep = time.perf_counter() - t0
    kind = "order from cache, build + customise" if had else "order computed + build + customise"
    print(f"CCH preprocessing: {prep:.2f} s ({kind}); {_load()}")
    t0 = time.perf_counter()
    par = travel_matrix(net, snapped, meters=False)
    par_s = time.perf_counter() - t0
    print(f"queries + combination, parallel ({cch.workers()} processes): {par_s:.2f} s; {_load()}")
    total = idx_s + snap_s + prep + par_s
    what = "preprocessing cached" if had and had_snap else "preprocessing not cached"
    print(f"fresh-process total ({what}): {total:.2f} s "
          f"(goal < 10 s: {'met' if total < 10 else 'NOT met'}); peak RSS {_rss_mib():.0f} MiB")
    real = cch.workers
    cch.workers = lambda: 1
    try:
        t0 = time.perf_counter()
        ser = travel_matrix(net, snapped, meters=False)
        ser_s = time.perf_counter() - t0
    finally:
        cch.workers = real
    same = np.array_equal(ser.seconds, par.seconds)
    print(f"queries + combination, serial (1 process): {ser_s:.2f} s; {_load()}; "
          f"parallel == serial bit for bit: {same}")  # fmt: skip
    return 0 if same else 1


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("extract")
    ap.add_argument("n", type=int)
    ap.add_argument("--scaling", action="store_true")
    ap.add_argument("--nx-sources", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--seconds-only", action="store_true")
    ap.add_argument("--uncached", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    npz = OUT / (Path(args.extract).name + ".npz")
    t0 = time.perf_counter()
    net = load_or_build(args.extract, npz)
    print(f"extract {Path(args.extract).name}: {net.n_nodes:,} nodes, {net.n_edges:,} edges "
          f"(network ready in {time.perf_counter() - t0:.2f} s)")  # fmt: skip
    pts = points_near_roads(net, args.n, args.seed)
    if args.seconds_only:
        return seconds_only(net, pts, args.uncached)
    t0 = time.perf_counter()
    _ = net.snap_index  # build the snap index (a cached property) outside the timed matrix
    idx_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    snapped = net.snap(pts[:, 0], pts[:, 1])
    snap_s = time.perf_counter() - t0
    print(f"N = {args.n}: snap index build {idx_s:.2f} s (once per network), snapping "
          f"{snap_s * 1000:.1f} ms, {int(snapped.reachable.sum())} reachable")  # fmt: skip
    travel_matrix(net, pts[:5])  # warm the per-process structures (CSR, parallel-edge pick)
    m, full_s, full_mem = timed(lambda: travel_matrix(net, snapped), memory=True)
    print(f"ours, seconds+metres (dijkstra): {full_s:.2f} s, peak {full_mem / 2**20:.0f} MiB "
          f"traced; process peak RSS so far {_rss_mib():.0f} MiB")  # fmt: skip
    from territory_desktop.routing import cch
    from territory_desktop.routing import matrix as mx

    engine = mx._choose_engine(net, "auto", False)
    prep = 0.0
    if engine == "cch":
        cache = cch.cache_path(net)
        had = bool(cache and os.path.exists(cache))
        t0 = time.perf_counter()
        cch.metric(net, mx.Feedback())
        prep = time.perf_counter() - t0
        print(f"CCH preprocessing: {prep:.2f} s ({'order from cache' if had else 'order computed and cached'})")  # noqa: E501
    s, sec_s, _ = timed(lambda: travel_matrix(net, snapped, meters=False))
    print(f"ours, seconds only ({s.engine}): {sec_s:.2f} s (+ {prep:.2f} s preprocessing); "
          f"process peak RSS so far {_rss_mib():.0f} MiB")  # fmt: skip
    ok = np.isfinite(m.seconds)
    assert np.allclose(s.seconds[ok], m.seconds[ok], atol=0.0015)
    nx_s, k = networkx_baseline(net, snapped, args.nx_sources)
    nreach = int(snapped.reachable.sum())
    est = nx_s * nreach / max(k, 1)
    note = "" if k == nreach else f" (measured on {k} sources, extrapolated to {nreach})"
    print(f"networkx per-source Dijkstra: {est:.2f} s{note}")
    print(f"ratio networkx / ours(seconds+metres): {est / full_s:.1f}x; "
          f"networkx / ours(seconds only incl. preprocessing): {est / (sec_s + prep):.1f}x")
    if args.scaling:
        print("scaling with N (same network; time, peak traced memory):")
        for n in (100, 500, 2000, 5000):
            p = points_near_roads(net, n, args.seed + n)
            sn = net.snap(p[:, 0], p[:, 1])
            _, t_full, mem = timed(lambda sn=sn: travel_matrix(net, sn), memory=True)
            _, t_sec, _ = timed(lambda sn=sn: travel_matrix(net, sn, meters=False))
            print(f"  N={n:>5}: seconds+metres {t_full:7.2f} s  peak {mem / 2**20:6.0f} MiB | "
                  f"seconds only ({mx._choose_engine(net, 'auto', False)}) {t_sec:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
