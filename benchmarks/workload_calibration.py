"""Fit the drive-hours estimate to rotations scheduled by the rotation engine, and show the error.

For each instance (real accounts on real road networks) the accounts are split into K
territories (k-means, rep homes at the centres), each rep's 4-week rotation is scheduled with
``optimize.plan_schedule.solve_rep`` on road times, and the estimate's two terms
(``model.drive_estimate``: between stops, trips from home) are computed for the same
territory. Non-negative least squares fits the coefficients on all territories; the error is
shown in-sample and leaving each instance out in turn.

Instances: the sample plan's 245 territory accounts (central Baltimore, K = 3..7), and 200
accounts placed at named businesses of the Liechtenstein and Andorra extracts (whole countries:
rural roads, mountain valleys; K = 2..4), keeping those the road network reaches. Each rep
lives at the account nearest their territory's k-means centre.

Usage: python benchmarks/workload_calibration.py [--seconds S]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from design_instances import OSM, clustered_accounts, extract_pois, kmeans, plan_from

from territory_desktop.io import planfile
from territory_desktop.model.drive_estimate import estimate_drive
from territory_desktop.model.territory_load import AccountTable
from territory_desktop.optimize.drive_times import drive_times
from territory_desktop.optimize.plan_schedule import solve_rep, summarise
from territory_desktop.resources import resource_path
from territory_desktop.routing import load_or_build, snap

CACHE = Path(tempfile.gettempdir()) / "tdesk_calibration"


def instances():
    """(name, network, points, tiers, potential, ks)."""
    CACHE.mkdir(exist_ok=True)
    sample = planfile.load_plan(resource_path("sample", "sample_plan.gpkg"))
    kept = [a for a in sample.accounts.values() if a.segment != "Enterprise"]
    pts = np.array([(a.lat, a.lon) for a in kept])
    net = load_or_build(resource_path("sample", "baltimore.osm.pbf"), CACHE / "balt.npz")
    yield ("baltimore", net, pts, np.array([a.tier for a in kept]),
           np.array([a.potential or 0.0 for a in kept]), (3, 4, 5, 6, 7))
    for name, file in (("liechtenstein", "liechtenstein_valhalla.osm.pbf"),
                       ("andorra", "andorra_graphhopper.osm.pbf")):
        net = load_or_build(OSM / file, CACHE / f"{name}.npz")
        pois = extract_pois(OSM / file)
        pts, tiers, pot = clustered_accounts(pois, 260, seed=7, spread_m=50.0)
        # The rotation engine needs accounts on the road network: keep reachable ones.
        ok = np.asarray(snap(net, pts[:, 0], pts[:, 1]).reachable, bool)
        keep = np.flatnonzero(ok)[:200]
        yield name, net, pts[keep], tiers[keep], pot[keep], (2, 3, 4)


def main() -> None:
    """Fit the drive-hours estimate on every instance and print the fit and its error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0,
                        help="time limit per rep rotation (safety cut-off; default 30)")
    args = parser.parse_args()
    print("command: python " + " ".join(sys.argv))
    print(f"load average {os.getloadavg()[0]:.2f}, threads {os.cpu_count()}")
    rows = []
    t0 = time.perf_counter()
    for name, net, pts, tiers, pot, ks in instances():
        for k in ks:
            labels, centres_ll = kmeans(pts, k, seed=k)
            # Each rep lives at the account nearest their territory's centre (on the roads).
            homes = np.array([pts[np.argmin(((pts - c) ** 2).sum(1))] for c in centres_ll])
            plan, territory_of = plan_from(pts, tiers, pot, homes, labels)
            table = AccountTable.of(plan)
            times = drive_times(plan, net)
            group = labels.astype(np.int64)
            centres = np.array([times.centre(f"R{r}") for r in range(k)])
            est = estimate_drive(times, group, centres, table.visits_per_week,
                                 len(plan.settings.working_weekdays))
            for r in range(k):
                _, rotation = solve_rep(plan, f"R{r}", territory_of, net, seconds=args.seconds,
                                        seed=0)
                s = summarise(f"R{r}", rotation.schedule)
                weeks = rotation.planner.cycle.weeks
                rows.append((name, k, r, int((labels == r).sum()),
                             s.visit_hours / weeks, s.drive_hours / weeks,
                             est.between_stops[r] / 3600, est.home_trips[r] / 3600,
                             len(s.unplaced)))
                print(f"{name:>13} K={k} rep {r}: {rows[-1][3]:3d} accounts, visits "
                      f"{rows[-1][4]:5.1f} h/wk, scheduled drive {rows[-1][5]:5.2f} h/wk, "
                      f"terms {rows[-1][6]:5.2f} / {rows[-1][7]:5.2f}, unplaced "
                      f"{rows[-1][8]}", flush=True)
    from scipy.optimize import nnls

    # A rotation that could not place every visit drives less than the territory needs.
    dropped = [r for r in rows if r[8]]
    rows = [r for r in rows if not r[8]]
    print(f"\nleft out of the fit: {len(dropped)} rotations with unplaced visits (over "
          "capacity)")
    names = np.array([r[0] for r in rows])
    y = np.array([r[5] for r in rows])
    x = np.array([(r[6], r[7]) for r in rows])
    coef, _ = nnls(x, y)
    print(f"{len(rows)} scheduled rotations in {time.perf_counter() - t0:.0f} s")
    print(f"fitted NEIGHBOUR_COEF = {coef[0]:.4f}, HOME_COEF = {coef[1]:.4f}")
    rel = x @ coef / y - 1
    print(f"in-sample relative error: median |e| {np.median(np.abs(rel)):.1%}, "
          f"max |e| {np.abs(rel).max():.1%}, mean e {rel.mean():+.1%}")
    for held in dict.fromkeys(names):
        train = names != held
        c, _ = nnls(x[train], y[train])
        e = x[~train] @ c / y[~train] - 1
        print(f"  {held:>13} left out: coefficients {c[0]:.3f}/{c[1]:.3f}, "
              f"median |e| {np.median(np.abs(e)):.1%}, max |e| {np.abs(e).max():.1%}, "
              f"total drive {x[~train].dot(c).sum() / y[~train].sum() - 1:+.1%}")
    weights = y / y.sum()
    print(f"drive-weighted mean |e| {float((np.abs(rel) * weights).sum()):.1%} (big "
          "territories count more); by size:")
    sizes = np.array([r[3] for r in rows])
    for lo, hi in ((1, 20), (20, 60), (60, 1000)):
        m = (sizes >= lo) & (sizes < hi)
        if m.any():
            print(f"  {lo:>3}-{hi - 1:<3} accounts: {int(m.sum()):2d} rotations, median |e| "
                  f"{np.median(np.abs(rel[m])):.1%}, max |e| {np.abs(rel[m]).max():.1%}")
    raw = x.sum(axis=1) / y - 1
    print(f"uncalibrated (both coefficients 1): median |e| {np.median(np.abs(raw)):.1%}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
