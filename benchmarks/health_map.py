"""Health map benchmark: colour 500 territories by a KPI and size 200,000 accounts by pipeline.

Data (seeded, built before timing, not timed): the national plan of ``plan_scale.py`` (the
12,823 real HIFLD clinics replicated to ``--accounts`` with a jitter, ``--reps`` Voronoi
territories) and 200,000 seeded opportunities as :class:`CrmResults` tables (amounts lognormal,
45 % won, open deals closing in the period), one quota per rep; the health report of 2026Q4.

Timed, median of ``--runs``:

- Python, ours: what a KPI pick sends: :func:`~territory_desktop.mapping.health_layer.
  choropleth` (win rate), :func:`~territory_desktop.mapping.health_layer.account_sizes` by
  pipeline, :func:`~territory_desktop.mapping.health_layer.signal_badges`, both bridge
  commands encoded as JSON;
- Python, baseline: the map payload the app already builds on every plan change (territory and
  rep GeoJSON, the account columns, ``show_layers`` encoded);
- page (offscreen QtWebEngine, one view, same process): ``show_choropleth`` +
  ``show_signals`` from the call until the page acknowledges them painted, beside
  ``show_layers`` (the baseline: drawing the plan itself).

Writes the output with the command line to ``benchmarks/results/health_map.txt``.

    python benchmarks/health_map.py [--accounts 200000] [--reps 500] [--runs 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
# the checkout this file is in, not whichever one the environment has installed
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _env import header_lines, load

SEED = 12
N_OPPS = 200_000
PERIOD = "2026Q4"


def _env() -> str:
    return f"{load()}; threads in process {threading.active_count()}"


def build(n_accounts: int, n_reps: int):
    """Return the plan, its assignment, seeded CRM results and the 2026Q4 health report."""
    from plan_scale import build_plan, generate

    from territory_desktop.geo.assignment import assign_accounts
    from territory_desktop.health import CrmResults, health_report, parse_period
    from territory_desktop.health.results import Table

    plan = build_plan(generate(n_accounts, n_reps))
    rng = np.random.default_rng(SEED)
    ids = np.array(list(plan.accounts), dtype=object)
    days = np.timedelta64(1, "D")
    created = np.datetime64("2026-01-01", "D") + rng.integers(0, 330, N_OPPS) * days
    closed = created + (7 + rng.gamma(2.0, 18.0, N_OPPS).astype(int)) * days
    today = np.datetime64("2026-11-30", "D")
    won = rng.random(N_OPPS) < 0.45
    status = np.where(closed > today, "open", np.where(won, "won", "lost")).astype(object)
    opportunities = Table({
        "id": [f"O{i}" for i in range(N_OPPS)], "account_id": rng.choice(ids, N_OPPS),
        "amount": np.round(rng.lognormal(8.5, 0.9, N_OPPS), 2), "stage": status,
        "created": created, "closed": closed, "status": status})
    period = parse_period(PERIOD)
    n = len(plan.reps)
    quotas = Table({"rep_id": list(plan.reps), "period": [PERIOD] * n,
                    "first_month": [period.first_month] * n, "months": [period.months] * n,
                    "amount": rng.integers(200, 600, n) * 1000.0})
    empty = CrmResults.empty()
    results = CrmResults(opportunities, quotas, empty.activities)
    assignment = assign_accounts(plan)
    report = health_report(plan, results, period, territory_of=assignment.territory_of,
                           as_of=dt.date(2026, 11, 30))
    return plan, assignment, results, report


def health_payload(plan, report, results) -> tuple[str, str]:
    """Encode what picking a KPI sends: the choropleth with sizes, and the badges."""
    from territory_desktop.mapping.health_layer import (
        account_sizes,
        choropleth,
        signal_badges,
    )
    from territory_desktop.mapping.messages import encode_command

    colours = encode_command("show_choropleth", 1, {
        "choropleth": choropleth(report, "win_rate"),
        "sizes": account_sizes(plan, report, results, "pipeline")})
    badges = encode_command("show_signals", 2, {"signals": signal_badges(report)})
    return colours, badges


def layers_payload(plan, assignment) -> str:
    """Encode what every plan change sends: the ``show_layers`` command."""
    from territory_desktop.mapping import layers
    from territory_desktop.mapping.messages import encode_command

    return encode_command("show_layers", 0, {
        "territories": layers.territories_collection(plan, assignment),
        "accounts": layers.account_points(plan, assignment).columns,
        "reps": layers.reps_collection(plan), "fit": False})


def _median_time(fn, runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def page(plan, assignment, report, results, runs: int) -> dict[str, object]:
    """Time the page drawing the layers, then the choropleth and badges (offscreen)."""
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from territory_desktop.mapping import layers
    from territory_desktop.mapping.health_layer import (
        account_sizes,
        choropleth,
        signal_badges,
    )
    from territory_desktop.qt.map_view import MapView

    app = QApplication([])

    def wait_for(view, cmd: str, timeout_s: float = 300.0) -> int:
        loop, got = QEventLoop(), []

        def on_rendered(name: str, count: int) -> None:
            if name == cmd:
                got.append(count)
                loop.quit()

        view.rendered.connect(on_rendered)
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        loop.exec()
        view.rendered.disconnect(on_rendered)
        if not got:
            raise SystemExit(f"timed out waiting for {cmd}")
        return got[0]

    view = MapView()
    view.resize(1200, 800)
    view.show()
    loop = QEventLoop()
    view.page_ready.connect(loop.quit)
    loop.exec()
    out: dict[str, list[float] | str | int] = {"env_before": _env(), "layers": [],
                                                "health": [], "restore": []}
    kpis = ["win_rate", "attainment", "pipeline"]
    for i in range(runs):
        t = time.perf_counter()
        view.show_layers(layers.territories_collection(plan, assignment),
                         layers.account_points(plan, assignment), layers.reps_collection(plan))
        wait_for(view, "show_layers")
        out["layers"].append(time.perf_counter() - t)  # type: ignore[union-attr]
        t = time.perf_counter()
        view.show_choropleth(choropleth(report, kpis[i % len(kpis)]),
                             account_sizes(plan, report, results, "pipeline"))
        view.show_signals(signal_badges(report))
        out["badges"] = wait_for(view, "show_signals")
        out["health"].append(time.perf_counter() - t)  # type: ignore[union-attr]
        t = time.perf_counter()
        view.show_choropleth(None, None)
        view.show_signals(None)
        wait_for(view, "show_signals")
        out["restore"].append(time.perf_counter() - t)  # type: ignore[union-attr]
    out["env_after"] = _env()
    view.close()
    import shiboken6

    shiboken6.delete(view)
    app.quit()
    return out


def main() -> None:
    """Build the data, time Python and the page, print and write the results."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=200_000)
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).resolve().parent / "results" / "health_map.txt")
    args = ap.parse_args()
    lines = header_lines(f"health map: {args.accounts:,} accounts, {args.reps} territories, "
                         f"{N_OPPS:,} opportunities")

    def emit(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    t = time.perf_counter()
    plan, assignment, results, report = build(args.accounts, args.reps)
    emit(f"data built in {time.perf_counter() - t:.1f} s (not timed); {len(report.signals)} "
         f"signals on {len({s.territory_id for s in report.signals})} territories")
    emit(f"  before Python timings: {_env()}")
    ours, (colours, badges) = _median_time(lambda: health_payload(plan, report, results),
                                           args.runs)
    base, shown = _median_time(lambda: layers_payload(plan, assignment), args.runs)
    emit(f"Python, KPI pick (choropleth + pipeline sizes + badges, JSON "
         f"{(len(colours) + len(badges)) / 1e6:.2f} MB): {ours:.3f} s median of {args.runs}")
    emit(f"Python, baseline show_layers payload (JSON {len(shown) / 1e6:.2f} MB): "
         f"{base:.3f} s median of {args.runs}; ratio {ours / base:.2f}")
    emit(f"  after: {_env()}")
    drawn = page(plan, assignment, report, results, args.runs)
    emit(f"  page process: {drawn['env_before']}")
    fmt = ", ".join
    emit(f"page, show_layers (baseline), call to painted: "
         f"{fmt(f'{v:.2f}' for v in drawn['layers'])} s")
    emit(f"page, show_choropleth + show_signals ({drawn['badges']} badges), call to painted: "
         f"{fmt(f'{v:.2f}' for v in drawn['health'])} s; median ratio "
         f"{statistics.median(drawn['health']) / statistics.median(drawn['layers']):.2f}")
    emit(f"page, back to territory colours: {fmt(f'{v:.2f}' for v in drawn['restore'])} s")
    emit(f"  after: {drawn['env_after']}")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
