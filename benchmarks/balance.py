"""Auto-balancing speed and quality beside two plain baselines, on realistic instances.

Instances (``benchmarks/design_instances.py``): accounts clustered around the named businesses
of the Baltimore extract with road drive times from our routing engine, and around US county
centres weighted by population over the lower 48 states with straight-line drive times (no
road network covers them). Rep homes: the account nearest each centre of a seeded k-means.

For each size the same drive times feed three methods, all measured with the same exact
workload estimate (visits + calibrated drive hours per week):

* ``nearest``: every account to the rep with the shortest drive from home;
* ``greedy``: accounts by decreasing workload, each to the nearest rep still under
  (1 + tolerance) x target, else the least loaded (a plain capacitated greedy);
* ``balance``: :func:`territory_desktop.optimize.balance.balance_plan` (transportation model +
  border repair), tolerance +/-5 %; the model is solved as an LP (HiGHS) up to
  ``PRICE_MIN_ACCOUNTS`` movable accounts and by territory prices above (the line says which).

Columns: seconds (drive times are shared and timed apart), accounts moved out of the band,
worst deviation from target, max/min workload, territories in more than one piece. Also the
time to recompute every territory's workload for an edit (``territory_loads``, median of 5).

Usage: python benchmarks/balance.py [--sizes 500x10,5000x20,50000x100] [--where extract,us]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from _env import header, load
from design_instances import (
    clustered_accounts,
    county_centroids,
    extract_pois,
    kmeans,
    plan_from,
)

from territory_desktop.model.balance_metrics import balance_metrics
from territory_desktop.model.contiguity import neighbour_graph, pieces
from territory_desktop.model.territory_load import AccountTable, label_workload, territory_loads
from territory_desktop.optimize.balance import PRICE_MIN_ACCOUNTS, BalanceParams, balance_plan
from territory_desktop.optimize.drive_times import drive_times
from territory_desktop.resources import resource_path

CACHE = Path(tempfile.gettempdir()) / "tdesk_balance_bench"
TOL = 0.05


def baseline(times, table, k: int, greedy: bool) -> np.ndarray:
    """Labels of the nearest-rep or greedy assignment (rep r = centre r)."""
    secs = np.where(np.isfinite(times.centre_seconds), times.centre_seconds, np.inf)
    nearest = np.argmin(secs, axis=0)
    if not greedy:
        return nearest
    w = table.visit_hours
    target = w.sum() / k
    load = np.zeros(k)
    labels = np.empty(len(table), np.int64)
    order = np.argsort(-w, kind="stable")
    ranked = np.argsort(secs, axis=0)
    for i in order:
        for r in ranked[:, i]:
            if load[r] + w[i] <= (1 + TOL) * target:
                break
        else:
            r = int(np.argmin(load))
        labels[i] = r
        load[r] += w[i]
    return labels


def measure(plan, times, table, labels, graph, k: int) -> str:
    """Summarise an alignment: territories out of band, worst deviation, max/min, split."""
    work = label_workload(table, times, labels, [f"R{r}" for r in range(k)], 5).workload
    target = work.sum() / k
    dev = work / target - 1
    out = int((np.abs(dev) > TOL + 1e-9).sum())
    split = int((pieces(len(table), *graph, labels, k) > 1).sum())
    return (f"out of band {out:3d}/{k:<3d} worst {np.abs(dev).max():6.1%}  max/min "
            f"{work.max() / max(work.min(), 1e-9):6.3f}  split {split:3d}")


def run(where: str, n: int, k: int, net, centres, weights, spread: float) -> None:
    """Balance one generated instance of ``n`` accounts and ``k`` reps and print its figures."""
    pts, tiers, pot = clustered_accounts(centres, n, seed=n + k, spread_m=spread,
                                         weights=weights)
    if net is not None:
        from territory_desktop.routing import snap

        ok = np.asarray(snap(net, pts[:, 0], pts[:, 1]).reachable, bool)
        pts, tiers, pot = pts[ok], tiers[ok], pot[ok]
    _, centre_ll = kmeans(pts, k, seed=k)
    homes = np.array([pts[np.argmin(((pts - c) ** 2).sum(1))] for c in centre_ll])
    plan, _ = plan_from(pts, tiers, pot, homes)
    t0 = time.perf_counter()
    times = drive_times(plan, net)
    t_times = time.perf_counter() - t0
    table = AccountTable.of(plan)
    graph = neighbour_graph(table.lat, table.lon)
    print(f"\n{where}: {len(table):,} accounts x {k} reps ({times.source} drive times "
          f"{t_times:.2f} s, {len(times.unreachable)} unreachable); {load()}", flush=True)
    for name in ("nearest", "greedy"):
        t0 = time.perf_counter()
        labels = baseline(times, table, k, name == "greedy")
        dt = time.perf_counter() - t0
        print(f"  {name:8} {dt:7.2f} s  {measure(plan, times, table, labels, graph, k)}",
              flush=True)
    params = BalanceParams(tolerance=TOL, reps=tuple(plan.reps), seed=0)
    t0, c0 = time.perf_counter(), time.process_time()
    result = balance_plan(plan, times, params)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    index = {t: r for r, t in enumerate(result.balanced)}
    labels = np.array([index[result.territory_of[a]] for a in table.ids])
    rep_of = [result.territories[t].rep_id for t in result.balanced]
    assert rep_of == [f"R{r}" for r in range(k)]
    solver = "prices" if len(table) > PRICE_MIN_ACCOUNTS else "LP"
    print(f"  {'balance':8} {dt:7.2f} s  {measure(plan, times, table, labels, graph, k)}"
          f"  in band: {result.in_band}; {cpu:.2f} s CPU; {solver}; {load()}", flush=True)
    view = plan.copy()
    view.territories = result.territories
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        loads = territory_loads(view, result.territory_of, times, table=table, graph=graph)
        balance_metrics(loads)
        runs.append(time.perf_counter() - t0)
    print(f"  live recompute of all territories' workload and metrics: "
          f"{np.median(runs) * 1000:.0f} ms (median of 5)")


def main() -> None:
    """Run the benchmark for each size and place on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500x10,5000x20,50000x100")
    parser.add_argument("--where", default="extract,us")
    args = parser.parse_args()
    from territory_desktop.routing import load_or_build

    header("territory balancing beside nearest-rep and greedy baselines")
    sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(",")]
    CACHE.mkdir(exist_ok=True)
    if "extract" in args.where:
        net = load_or_build(resource_path("sample", "baltimore.osm.pbf"), CACHE / "balt.npz")
        pois = extract_pois(resource_path("sample", "baltimore.osm.pbf"))
        for n, k in sizes:
            run("Baltimore extract", n, k, net, pois, None, 150.0)
    if "us" in args.where:
        centres, weights = county_centroids()
        for n, k in sizes:
            run("US counties", n, k, None, centres, np.sqrt(weights), 5000.0)


if __name__ == "__main__":
    main()
