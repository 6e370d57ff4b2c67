"""What keeping CRM results in the plan file costs on save and open, at the health scale.

Data: the plan and exports of ``benchmarks/health.py`` (50,000 accounts, 100 reps, 200,000
opportunities, 800 quotas, 250,000 activities), imported once (not timed).

Timed (wall and CPU, median of ``--runs``):

- ``save_plan`` of the plan without results and with them (the difference is what every save
  and autosave now costs), then ``load_plan`` of both files;
- baseline: pandas ``DataFrame.to_sql`` of the three tables (as frames, made before timing)
  into a new SQLite file and ``read_sql`` back with the date columns parsed (the obvious way to
  store frames; it checks no value on reading, ours checks every status, amount and date).
  pandas is not in the app; it is importable here because osmnx's geopandas needs it.

Writes the output, with the command line, to ``benchmarks/results/results_store.txt``.

    python benchmarks/results_store.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import health as scale

OUT = Path(__file__).resolve().parent / "results" / "results_store.txt"


def _env() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"load average {load}; threads in process {threading.active_count()}"


def _time(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of ``runs`` calls."""
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    """Time saving and opening with and without results, and the pandas baseline."""
    import pandas as pd

    from territory_desktop.health.store import store_results
    from territory_desktop.io.planfile import load_plan, save_plan
    from territory_desktop.io.results import import_results

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    lines = [f"command: python {' '.join(sys.argv)}"]

    def emit(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    plan = scale.build_plan()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = scale.write_files(plan, folder)
        results = import_results(plan.accounts, plan.reps, paths["opportunities"],
                                 paths["quotas"], paths["activities"],
                                 today=scale.TODAY).results
        with_results = store_results(plan, results).plan
        rows = {k: len(getattr(results, k)) for k in ("opportunities", "quotas", "activities")}
        emit(f"data: {len(plan.accounts):,} accounts, {len(plan.reps)} reps; results {rows}")
        bare, full = folder / "bare.gpkg", folder / "full.gpkg"
        figures = {}
        for name, fn in (
                ("save without results", lambda: save_plan(plan, bare)),
                ("save with results", lambda: save_plan(with_results, full)),
                ("open without results", lambda: load_plan(bare)),
                ("open with results", lambda: load_plan(full))):
            emit(f"  before {name}: {_env()}")
            figures[name] = _time(fn, args.runs)
            emit(f"{name}: {figures[name][0]:.2f} s ({figures[name][1]:.2f} s CPU)")
        assert load_plan(full).health.results == results, "the stored results differ"
        emit("stored results read back identical: True; file sizes "
             f"{bare.stat().st_size / 1e6:.1f} MB without, {full.stat().st_size / 1e6:.1f} MB "
             "with")

        base = folder / "pandas.sqlite"

        frames = {kind: pd.DataFrame({c: getattr(results, kind)[c]
                                      for c in getattr(results, kind).columns})
                  for kind in rows}

        def pandas_write() -> None:
            base.unlink(missing_ok=True)
            with sqlite3.connect(base) as conn:
                for kind, frame in frames.items():
                    frame.to_sql(kind, conn, index=False)

        def pandas_read() -> None:
            with sqlite3.connect(base) as conn:
                pd.read_sql("SELECT * FROM opportunities", conn,
                            parse_dates=["created", "closed"])
                pd.read_sql("SELECT * FROM quotas", conn)
                pd.read_sql("SELECT * FROM activities", conn, parse_dates=["date"])

        emit(f"  before baseline: {_env()}")
        write = _time(pandas_write, args.runs)
        read = _time(pandas_read, args.runs)
        emit(f"baseline pandas to_sql: {write[0]:.2f} s ({write[1]:.2f} s CPU); read_sql: "
             f"{read[0]:.2f} s ({read[1]:.2f} s CPU)")
        added_save = np.subtract(figures["save with results"], figures["save without results"])
        added_open = np.subtract(figures["open with results"], figures["open without results"])
        emit(f"results add to a save {added_save[0]:.2f} s ({added_save[1]:.2f} s CPU) vs "
             f"pandas to_sql {write[0]:.2f} s; to an open {added_open[0]:.2f} s "
             f"({added_open[1]:.2f} s CPU) vs pandas read_sql {read[0]:.2f} s; after: {_env()}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
