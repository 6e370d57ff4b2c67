"""Territory health benchmark: import CRM results and compute the KPIs at scale.

Data (seeded, written to a temporary folder before timing):

- 50,000 accounts: the 12,823 real US hospitals and urgent-care clinics of HIFLD
  (``/work/shared/data/accounts``), each repeated four times with a seeded jitter of up to
  ~2 km (there is no larger real account list here); potential lognormal, tiers by rank.
- 100 reps, 100 territories: Voronoi cells of 100 seeded accounts, clipped to the data's box.
- 200,000 opportunities as a Salesforce report (M/D/YYYY dates, "$" amounts for 1 in 10 rows,
  1 in 200 rows broken: a bad amount, an unknown account or a close date before the created
  date); 800 quotas (100 reps x 8 quarters); 250,000 activities (visits and calls, ISO dates).

Timed, in one process:

- ours: :func:`territory_desktop.io.results.import_results` (read, check every cell, report
  every bad row with line/column/reason) then :func:`territory_desktop.health.health_report`
  (assignment, workloads, KPIs per territory, rep and team, signals), median of ``--runs``;
- baseline 1, a plain per-row Python loop doing the same checks and sums (csv.DictReader,
  parse_number, strptime, dictionaries);
- baseline 2, naive pandas: ``read_csv`` + ``to_datetime`` + ``groupby`` with no checks and no
  problem report (what the columnar sums cost alone: a floor, not a competitor). The app has no
  pandas; it is importable here because osmnx's geopandas needs it.

The won amount and pipeline per territory of ours and of baseline 1 are compared and printed.
Writes the output, with the command line, to ``benchmarks/results/health.txt``.

    python benchmarks/health.py [--runs 3]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import shapely

# the checkout this file is in, not whichever one the environment has installed
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
DATA = Path(os.environ.get("TERRITORY_SHARED_DATA")
            or Path(__file__).resolve().parents[2] / "shared" / "data")
OUT = Path(__file__).resolve().parent / "results" / "health.txt"
N_ACCOUNTS, N_REPS, N_OPPS, N_ACTS, SEED = 50_000, 100, 200_000, 250_000, 12
TODAY = dt.date(2026, 12, 1)
PERIOD = "2026Q3"
STAGES = ("Prospecting", "Qualification", "Proposal/Price Quote", "Negotiation/Review")


def build_plan():
    """Build the benchmark's plan: territories, reps and accounts, seeded."""
    from territory_desktop.model.plan import PALETTE, Account, Plan, Rep, Territory

    rows = []
    for name in ("us_hospitals_hifld.csv", "us_urgent_care_hifld.csv"):
        with open(DATA / "accounts" / name, newline="", encoding="utf-8") as f:
            rows += [r for r in csv.DictReader(f) if r["lat"] and r["lon"]]
    rng = np.random.default_rng(SEED)
    base = np.array([(float(r["lat"]), float(r["lon"])) for r in rows])
    picks = np.resize(np.arange(len(rows)), N_ACCOUNTS)
    jitter = rng.uniform(-0.02, 0.02, (N_ACCOUNTS, 2)) * (picks >= len(rows))[:, None]
    lat, lon = (base[picks] + jitter).T
    potential = np.round(rng.lognormal(11.0, 0.8, N_ACCOUNTS), -2)
    rank = np.argsort(np.argsort(-potential)) / N_ACCOUNTS
    tiers = np.where(rank < 0.2, "A", np.where(rank < 0.5, "B", "C"))
    accounts = {}
    for i in range(N_ACCOUNTS):
        r = rows[picks[i]]
        aid = f"{r['account_id']}-{i // len(rows)}"
        accounts[aid] = Account(aid, r["name"], float(lat[i]), float(lon[i]),
                                potential=float(potential[i]), tier=str(tiers[i]))
    seeds = rng.choice(N_ACCOUNTS, N_REPS, replace=False)
    points = shapely.multipoints(np.column_stack([lon[seeds], lat[seeds]]))
    frame = shapely.box(lon.min() - 1, lat.min() - 1, lon.max() + 1, lat.max() + 1)
    cells = list(shapely.voronoi_polygons(points, extend_to=frame).geoms)
    reps, territories = {}, {}
    for i, s in enumerate(seeds):
        pt = shapely.Point(lon[s], lat[s])
        cell = next(c for c in cells if c.contains(pt)).intersection(frame)
        reps[f"r{i}"] = Rep(f"r{i}", f"Rep {i + 1}", float(lat[s]), float(lon[s]),
                            weekly_hours=float(rng.uniform(20, 45)))
        territories[f"t{i}"] = Territory(f"t{i}", f"Territory {i + 1}",
                                         PALETTE[i % len(PALETTE)], f"r{i}", cell)
    return Plan(accounts=accounts, reps=reps, territories=territories)


def _clock() -> np.ndarray:
    """(wall, CPU) seconds: CPU time moves less than wall time on a shared, loaded machine."""
    return np.array([time.perf_counter(), time.process_time()])


def _fmt(t: np.ndarray) -> str:
    return f"{t[0]:.2f} s ({t[1]:.2f} s CPU)"


def _us(day: dt.date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


def write_files(plan, folder: Path) -> dict[str, Path]:
    """Write seeded CRM exports for ``plan`` into ``folder``; return them by kind."""
    rng = np.random.default_rng(SEED + 1)
    ids = np.array(list(plan.accounts))
    start = dt.date(2025, 1, 1)
    span = (TODAY - start).days
    paths = {k: folder / f"{k}.csv" for k in ("opportunities", "quotas", "activities")}
    with open(paths["opportunities"], "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Opportunity ID", "Account ID", "Amount", "Stage", "Created Date",
                    "Close Date"])
        acc = rng.choice(ids, N_OPPS)
        created = rng.integers(0, span, N_OPPS)
        cycle = 7 + rng.gamma(2.0, 18.0, N_OPPS).astype(int)
        amount = np.round(rng.lognormal(8.5, 0.9, N_OPPS), 2)
        won = rng.random(N_OPPS) < 0.45
        broken = rng.random(N_OPPS) < 0.005
        for i in range(N_OPPS):
            c = start + dt.timedelta(days=int(created[i]))
            close = c + dt.timedelta(days=int(cycle[i]))
            stage = (("Closed Won" if won[i] else "Closed Lost") if close <= TODAY
                     else STAGES[i % len(STAGES)])
            amt = f"${amount[i]:,.2f}" if i % 10 == 0 else f"{amount[i]:.2f}"
            account = acc[i]
            if broken[i]:
                kind = i % 3
                amt = "n/a" if kind == 0 else amt
                account = "NOT-IN-PLAN" if kind == 1 else account
                close = c - dt.timedelta(days=3) if kind == 2 else close
            w.writerow([f"OPP-{i:07d}", account, amt, stage, _us(c), _us(close)])
    with open(paths["quotas"], "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Quota Owner ID", "Period", "Quota Amount"])
        for rep in plan.reps:
            for year in (2025, 2026):
                for q in range(1, 5):
                    w.writerow([rep, f"{year}Q{q}", int(rng.integers(200, 600)) * 1000])
    with open(paths["activities"], "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Account ID", "Activity Date", "Type"])
        acc = rng.choice(ids, N_ACTS)
        day = rng.integers(0, 180, N_ACTS)
        first = dt.date(2026, 6, 1)
        for i in range(N_ACTS):
            kind = "Visit" if i % 4 else "Call"
            w.writerow([acc[i], (first + dt.timedelta(days=int(day[i]))).isoformat(), kind])
    return paths


def ours(plan, paths):
    """Import the exports and compute the health report with the app's code."""
    from territory_desktop.health import health_report, parse_period
    from territory_desktop.io.results import import_results

    t0 = _clock()
    imported = import_results(plan.accounts, plan.reps, paths["opportunities"],
                              paths["quotas"], paths["activities"], today=TODAY)
    t1 = _clock()
    report = health_report(plan, imported.results, parse_period(PERIOD))
    t2 = _clock()
    return t1 - t0, t2 - t1, imported, report


def _date(text: str) -> dt.date:
    for fmt in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValueError(text)


def baseline_loop(plan, paths):
    """Do the same checks and sums one row at a time in plain Python (the baseline)."""
    from territory_desktop.geo.assignment import assign_accounts
    from territory_desktop.io.tables import parse_number
    from territory_desktop.model.workload import workloads

    t0 = _clock()
    problems: list[tuple[int, str, str]] = []
    opps, seen = [], {}
    with open(paths["opportunities"], newline="", encoding="utf-8") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            oid, account = row["Opportunity ID"].strip(), row["Account ID"].strip()
            try:
                amount = parse_number(row["Amount"])
            except ValueError:
                problems.append((line, "Amount", "not a number"))
                continue
            if not 0 <= amount <= 1e11:
                problems.append((line, "Amount", "out of range"))
                continue
            try:
                created, closed = _date(row["Created Date"]), _date(row["Close Date"])
            except ValueError:
                problems.append((line, "Created Date", "not a date"))
                continue
            stage = row["Stage"].lower()
            status = "won" if stage.endswith("won") else "lost" if stage.endswith(
                "lost") else "open"
            if closed < created or created > TODAY or (status != "open" and closed > TODAY):
                problems.append((line, "Close Date", "bad dates"))
                continue
            if account not in plan.accounts:
                problems.append((line, "Account ID", "not in the plan"))
                continue
            if oid in seen:
                problems.append((line, "Opportunity ID", "duplicate"))
                continue
            seen[oid] = line
            opps.append((account, amount, status, created, closed))
    quotas = []
    with open(paths["quotas"], newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            year, q = row["Period"].split("Q")
            quotas.append((row["Quota Owner ID"], int(year), int(q),
                           parse_number(row["Quota Amount"])))
    visits: dict[str, set[dt.date]] = defaultdict(set)
    with open(paths["activities"], newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["Account ID"] in plan.accounts and row["Type"] == "Visit":
                visits[row["Account ID"]].add(_date(row["Activity Date"]))
    t1 = _clock()

    territory_of = assign_accounts(plan).territory_of
    start, end = dt.date(2026, 7, 1), dt.date(2026, 10, 1)
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    active: set[str] = set()
    for account, amount, status, created, closed in opps:
        s = sums[territory_of[account]]
        if start <= closed < end and status == "won":
            s["won"] += amount
            s["won_deals"] += 1
            s["cycle"] += (closed - created).days
        elif start <= closed < end and status == "lost":
            s["lost_deals"] += 1
        elif start <= closed < end and status == "open":
            s["pipeline"] += amount
        if created < end and (status == "open" or closed >= start):
            active.add(account)
    quota = defaultdict(float)
    for rep, year, q, amount in quotas:
        if (year, q) == (2026, 3):
            quota[rep] += amount
    weeks = (end - start).days / 7
    threshold = sorted((a.potential or 0 for a in plan.accounts.values()), reverse=True)[
        int(np.ceil(len(plan.accounts) * 0.2)) - 1]
    for a in plan.accounts.values():
        s = sums[territory_of[a.id]]
        n = sum(1 for d in visits.get(a.id, ()) if start <= d < end)
        due = int(weeks / plan.settings.cadence_for(a)[0] + 1e-9)
        if a.tier in "AB":
            s["ab"] += 1
            s["covered"] += n >= due
        if (a.potential or 0) >= threshold and a.id not in active and n == 0:
            s["white"] += 1
    load = {w.territory_id: w for w in workloads(plan, territory_of)}
    table = {}
    for t in plan.territories.values():
        s = sums[t.id]
        closed_n = s["won_deals"] + s["lost_deals"]
        table[t.id] = {
            "won": s["won"], "pipeline": s["pipeline"],
            "win_rate": s["won_deals"] / closed_n if closed_n >= 5 else None,
            "attainment": s["won"] / quota[t.rep_id] if quota[t.rep_id] else None,
            "visit_coverage": s["covered"] / s["ab"] if s["ab"] else None,
            "white_space": s["white"], "utilisation": load[t.id].utilisation,
        }
    t2 = _clock()
    return t1 - t0, t2 - t1, table, len(problems)


def baseline_pandas(plan, paths):
    """Columnar sums with no checks and no problem report."""
    import pandas as pd

    from territory_desktop.geo.assignment import assign_accounts

    t0 = _clock()
    opp = pd.read_csv(paths["opportunities"], dtype=str)
    opp["amount"] = pd.to_numeric(opp["Amount"].str.replace(r"[$,]", "", regex=True),
                                  errors="coerce")
    opp["created"] = pd.to_datetime(opp["Created Date"], format="%m/%d/%Y")
    opp["closed"] = pd.to_datetime(opp["Close Date"], format="%m/%d/%Y")
    acts = pd.read_csv(paths["activities"], dtype=str)
    acts["date"] = pd.to_datetime(acts["Activity Date"], format="%Y-%m-%d")
    t1 = _clock()
    territory = pd.Series(assign_accounts(plan).territory_of)
    opp["territory"] = opp["Account ID"].map(territory)
    q3 = (opp["closed"] >= "2026-07-01") & (opp["closed"] < "2026-10-01")
    won = q3 & (opp["Stage"] == "Closed Won")
    sums = opp.assign(won=opp["amount"].where(won, 0.0)).groupby("territory")["won"].sum()
    visits = acts[acts["Type"] == "Visit"].groupby("Account ID").size()
    t2 = _clock()
    return t1 - t0, t2 - t1, sums, len(visits)


def main() -> None:
    """Time both ways, check they agree and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    def env() -> str:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        return (f"load average {load}; threads in process {threading.active_count()}; "
                f"cpus usable {len(os.sched_getaffinity(0))}")

    lines = [f"command: python {' '.join(sys.argv)}",
             f"health benchmark ({platform.python_version()}, {platform.machine()}, "
             f"{os.cpu_count()} cpu), {dt.datetime.now().isoformat(timespec='seconds')}"]
    t = time.perf_counter()
    plan = build_plan()
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_files(plan, Path(tmp))
        sizes = ", ".join(f"{k} {p.stat().st_size / 1e6:.1f} MB" for k, p in paths.items())
        lines.append(f"data: {len(plan.accounts):,} accounts, {len(plan.reps)} reps, "
                     f"{len(plan.territories)} territories, {N_OPPS:,} opportunities, 800 "
                     f"quotas, {N_ACTS:,} activities ({sizes}); built in "
                     f"{time.perf_counter() - t:.1f} s (not timed below); period {PERIOD}")
        print("\n".join(lines), flush=True)

        def emit(line: str) -> None:
            lines.append(line)
            print(line, flush=True)

        runs = []
        for i in range(args.runs):
            emit(f"  before ours run {i + 1}: {env()}")
            imp_s, kpi_s, imported, report = ours(plan, paths)
            runs.append((imp_s, kpi_s))
            emit(f"ours run {i + 1}: import {_fmt(imp_s)} + KPIs and signals {_fmt(kpi_s)} "
                 f"= {_fmt(imp_s + kpi_s)}")
        total = statistics.median(a[0] + b[0] for a, b in runs)
        total_cpu = statistics.median(a[1] + b[1] for a, b in runs)
        kept = {imp.kind: len(imp.frame) for imp in imported.imports}
        emit(f"ours median: {total:.2f} s ({total_cpu:.2f} s CPU; goal < 10 s); kept {kept}; "
             f"{sum(imp.rows_rejected for imp in imported.imports)} rows rejected with "
             f"line/column/reason; {len(report.signals)} signals")

        emit(f"  before baseline 1: {env()}")
        b_imp, b_kpi, table, b_problems = baseline_loop(plan, paths)
        emit(f"baseline 1, per-row Python loop: import {_fmt(b_imp)} + KPIs {_fmt(b_kpi)} = "
             f"{_fmt(b_imp + b_kpi)}; {b_problems} rows rejected (it lets duplicate "
             "activities pass silently)")
        agree = all(
            abs(k.won - table[k.key]["won"]) < 1e-6 * max(1.0, k.won)
            and abs(k.pipeline - table[k.key]["pipeline"]) < 1e-6 * max(1.0, k.pipeline)
            and k.white_space == table[k.key]["white_space"]
            for k in report.kpis.territories)
        emit(f"  ours and baseline 1 agree on won, pipeline and white space per territory: "
             f"{agree}")

        emit(f"  before baseline 2: {env()}")
        p_imp, p_kpi, _sums, _n = baseline_pandas(plan, paths)
        emit(f"baseline 2, naive pandas (no checks, no problem report, won sums only): read "
             f"{_fmt(p_imp)} + sums {_fmt(p_kpi)} = {_fmt(p_imp + p_kpi)}")
        b_total = b_imp + b_kpi
        emit(f"ours vs baseline 1: {b_total[0] / total:.1f}x wall, "
             f"{b_total[1] / total_cpu:.1f}x CPU; after: {env()}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
