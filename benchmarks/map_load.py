"""Map load benchmark: 5,000 real accounts and 50 territories pushed to the page after it is up.

Accounts: a seeded sample of US hospitals and urgent-care clinics (HIFLD). Territories: Voronoi
cells of 50 seeded accounts, clipped to the US states. Measures the time from the ``show_layers``
call until the page acknowledges it has drawn the payload (two animation frames after drawing),
on an already-loaded page; prints the payload size too, the command, load average and threads.
Output also goes to benchmarks/results/map_load.txt. No baseline runs here: the figure is an
absolute time, not a speed-up claim.

    QT_QPA_PLATFORM=offscreen QTWEBENGINE_DISABLE_SANDBOX=1 python benchmarks/map_load.py
"""

from __future__ import annotations

import csv
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import shapely
from shapely.geometry import shape

DATA = Path(os.environ.get("TERRITORY_SHARED_DATA")
            or Path(__file__).resolve().parents[2] / "shared" / "data")
OUT = Path(__file__).resolve().parent / "results" / "map_load.txt"
N_ACCOUNTS, N_TERRITORIES, RUNS, SEED = 5000, 50, 5, 42


def build_plan():
    """Build the benchmark's plan: territories, reps and accounts, seeded."""
    from territory_desktop.model.plan import PALETTE, Account, Plan, Rep, Territory

    rows = []
    for name in ("us_hospitals_hifld.csv", "us_urgent_care_hifld.csv"):
        with open(DATA / "accounts" / name, newline="", encoding="utf-8") as f:
            rows += [r for r in csv.DictReader(f) if r["lat"] and r["lon"]]
    rng = np.random.default_rng(SEED)
    picked = [rows[i] for i in rng.choice(len(rows), N_ACCOUNTS, replace=False)]
    accounts = {}
    for i, r in enumerate(picked):
        accounts[r["account_id"]] = Account(
            r["account_id"], r["name"], float(r["lat"]), float(r["lon"]),
            address=f'{r["address"]}, {r["city"]}, {r["state"]} {r["zip"]}',
            segment=r["category"], industry=r["subtype"], tier="ABC"[i % 3],
        )
    with open(DATA / "geo" / "boundaries" / "us_states_2023_10m.geojson", encoding="utf-8") as f:
        states = [shape(feat["geometry"]) for feat in json.load(f)["features"]]
    land = shapely.make_valid(shapely.union_all(states))
    seeds = [picked[i] for i in rng.choice(N_ACCOUNTS, N_TERRITORIES, replace=False)]
    points = shapely.multipoints([(float(s["lon"]), float(s["lat"])) for s in seeds])
    cells = shapely.voronoi_polygons(points, extend_to=land.envelope)
    territories, reps = {}, {}
    for i, s in enumerate(seeds):
        pt = shapely.Point(float(s["lon"]), float(s["lat"]))
        cell = next(c for c in cells.geoms if c.contains(pt))
        geom = shapely.make_valid(cell.intersection(land))
        geom = shapely.simplify(geom, 0.01)
        if geom.geom_type == "GeometryCollection":
            polys = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
            geom = shapely.union_all(polys)
        reps[f"r{i}"] = Rep(f"r{i}", f"Rep {i + 1}", pt.y, pt.x)
        territories[f"t{i}"] = Territory(
            f"t{i}",
            f"{s['city'].title()} {s['state']}",
            PALETTE[i % len(PALETTE)],
            rep_id=f"r{i}",
            geometry=geom,
        )
    return Plan(accounts=accounts, reps=reps, territories=territories)


def main() -> None:
    """Time building, loading and drawing the map page and print the figures."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from territory_desktop.geo.assignment import assign_accounts
    from territory_desktop.mapping.layers import (
        account_points,
        reps_collection,
        territories_collection,
    )
    from territory_desktop.qt.map_view import MapView

    app = QApplication(sys.argv)
    t0 = time.perf_counter()
    plan = build_plan()
    assignment = assign_accounts(plan)
    t1 = time.perf_counter()
    fcs = (
        territories_collection(plan, assignment),
        account_points(plan, assignment),
        reps_collection(plan),
    )
    t2 = time.perf_counter()
    payload = sum(len(json.dumps(getattr(fc, "columns", fc), separators=(",", ":")))
                  for fc in fcs)

    def wait(signal, timeout_s=60.0):
        loop = QEventLoop()
        got: list = []
        signal.connect(lambda *a: (got.append(a), loop.quit()))
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        loop.exec()
        if not got:
            raise SystemExit(f"timed out waiting for {signal}")
        return got[0]

    view = MapView()
    view.resize(1200, 800)
    view.show()
    start = time.perf_counter()
    wait(view.page_ready)
    page_up = time.perf_counter() - start
    times, counts = [], []
    for _ in range(RUNS):
        start = time.perf_counter()
        view.show_layers(*fcs)
        (count,) = wait(view.layers_shown)
        times.append(time.perf_counter() - start)
        counts.append(count)
    blocked = view.blocked_requests
    unassigned = len(assignment.unassigned())
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _env import header_lines, load, rss_mib

    lines = [
        *header_lines("map load: 5,000 accounts + 50 territories drawn after the page is up"),
        f"map_load benchmark ({platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} cpu, "
        f"QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM')})",
        f"data: {len(plan.accounts)} accounts (HIFLD hospitals + urgent care, seed {SEED}), "
        f"{len(plan.territories)} Voronoi territories clipped to US states, {len(plan.reps)} reps; "
        f"{unassigned} accounts unassigned",
        f"plan + assignment: {t1 - t0:.2f} s; GeoJSON build: {t2 - t1:.3f} s; "
        f"payload {payload / 1e6:.2f} MB JSON",
        f"page up (load until bridge ready): {page_up:.2f} s",
        f"show_layers -> page acknowledged painted, {RUNS} runs: "
        + ", ".join(f"{t:.3f}" for t in times)
        + f" s (first {times[0]:.3f} s, median {sorted(times)[len(times) // 2]:.3f} s)",
        f"features drawn per run: {counts[0]}; non-local requests blocked: {len(blocked)}",
        f"{load()}; this process's RSS {rss_mib()[0]:.0f} MiB now, {rss_mib()[1]:.0f} MiB peak "
        "(QtWebEngine renders in its own processes, not counted)",
    ]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    view.close()
    import shiboken6

    shiboken6.delete(view)
    app.quit()


if __name__ == "__main__":
    main()
