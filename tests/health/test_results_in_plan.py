"""CRM results, snapshots and health thresholds saved in the plan file and read back."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from territory_desktop.health import HealthSettings, compute_kpis, parse_period, take_snapshot
from territory_desktop.health.store import add_snapshot, snapshots_of, store_results
from territory_desktop.io.planfile import PlanFileError, load_plan, save_plan
from territory_desktop.io.results import import_results

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "io" / "data"
TODAY = dt.date(2026, 12, 1)


def _imported(small):
    return import_results(small.plan.accounts, small.plan.reps, small.opportunities,
                          small.quotas, small.activities, today=TODAY).results


def test_results_snapshot_and_thresholds_round_trip(small, tmp_path):
    results = _imported(small)
    assert np.isnat(results.opportunities["closed"]).any()  # an open deal, no close date
    plan = store_results(small.plan, results).plan
    settings = HealthSettings(min_deals=3, pipeline_coverage_min=2.5)
    plan.health = dataclasses.replace(plan.health, settings=settings)
    snap = take_snapshot(compute_kpis(plan, results, parse_period("2026Q3")),
                         dt.date(2026, 10, 2), label="Q3 review")
    assert snap.settings == settings  # the KPIs used the plan's thresholds
    plan = add_snapshot(plan, snap).plan
    path = tmp_path / "plan.gpkg"
    save_plan(plan, path)

    loaded = load_plan(path)
    assert loaded.health.results == results
    assert loaded.health.settings == settings
    assert loaded.health.snapshots == plan.health.snapshots
    assert snapshots_of(loaded) == [snap]
    for name, table in (("opportunities", results.opportunities),
                        ("quotas", results.quotas), ("activities", results.activities)):
        back = getattr(loaded.health.results, name)
        assert len(back) == len(table) > 0, name
        assert [back[c].dtype for c in back.columns] == [table[c].dtype for c in table.columns]
    # saved again unchanged: the same rows
    save_plan(loaded, tmp_path / "again.gpkg")
    assert load_plan(tmp_path / "again.gpkg").health == loaded.health


def test_reimport_updates_instead_of_duplicating(small):
    results = _imported(small)
    plan = store_results(small.plan, results).plan
    again = store_results(plan, results).plan
    assert again.health.results == plan.health.results
    with pytest.raises(ValueError, match="read-only"):
        results.opportunities["amount"][0] = 123.0  # results are changed by replacing them
    amounts = results.opportunities["amount"].copy()
    amounts[0] = 123.0
    changed = results.opportunities.replace(amount=amounts)
    newer = dataclasses.replace(results, opportunities=changed)
    updated = store_results(again, newer).plan.health.results
    assert len(updated.opportunities) == len(results.opportunities)
    row = list(updated.opportunities["id"]).index(changed["id"][0])
    assert updated.opportunities["amount"][row] == 123.0
    assert plan.health.results.opportunities["amount"][0] != 123.0  # the edit copied


def test_v2_fixture_loads_with_no_results_and_default_thresholds():
    plan = load_plan(DATA / "plan_v2.gpkg")
    assert plan.health.results is None
    assert plan.health.snapshots == ()
    assert plan.health.settings == HealthSettings()


@pytest.mark.parametrize(("sql", "message"), [
    ("UPDATE td_opportunities SET status='maybe' WHERE fid=2",
     "table td_opportunities: row 2: status 'maybe' is not won, lost or open"),
    ("UPDATE td_activities SET date='yesterday' WHERE fid=1",
     "table td_activities: row 1: date 'yesterday' is not a date"),
    ("UPDATE td_opportunities SET amount='lots' WHERE fid=3",
     "table td_opportunities: row 3: amount 'lots' is not an amount of zero or more"),
    ("UPDATE td_opportunities SET amount=-5 WHERE fid=1",
     "table td_opportunities: row 1: amount -5.0 is not an amount of zero or more"),
    ("UPDATE td_opportunities SET created=NULL WHERE fid=4",
     "table td_opportunities: row 4: created (empty) is not a date"),
    ("UPDATE td_opportunities SET closed=20260701 WHERE fid=1",
     "table td_opportunities: row 1: closed '20260701' is not a date"),
    ("UPDATE td_activities SET date='1500-01-01' WHERE fid=2",
     "table td_activities: row 2: date '1500-01-01' is not a date"),
    ("UPDATE td_quotas SET months=0 WHERE fid=2",
     "table td_quotas: row 2: months 0 is not a whole number of 1 or more"),
    ("UPDATE td_quotas SET first_month=2.5 WHERE fid=1",
     "table td_quotas: row 1: first_month 2.5 is not a whole number of 0 or more"),
    ("UPDATE td_snapshots SET settings='[' WHERE fid=1",
     "table td_snapshots: row 1: settings are not a JSON object"),
    ("UPDATE td_settings SET value='lots' WHERE key='health.min_deals'",
     "table td_settings: setting health.min_deals is not a number"),
    ("UPDATE td_settings SET value='-1' WHERE key='health.min_deals'",
     "table td_settings: health setting min_deals must be a number of zero or more"),
])
def test_a_damaged_results_value_names_its_table_and_row(small, tmp_path, sql, message):
    path = tmp_path / "plan.gpkg"
    plan = store_results(small.plan, _imported(small)).plan
    snap = take_snapshot(compute_kpis(plan, plan.health.results, parse_period("2026Q3")),
                         dt.date(2026, 10, 2))
    save_plan(add_snapshot(plan, snap).plan, path)
    with sqlite3.connect(path) as conn:
        conn.execute(sql)
    with pytest.raises(PlanFileError, match="damaged") as err:
        load_plan(path)
    assert message in str(err.value)


def test_results_frames_keep_their_dtypes_when_empty(small, tmp_path):
    results = _imported(small)
    none = np.arange(0)
    only_deals = dataclasses.replace(results, quotas=results.quotas.take(none),
                                     activities=results.activities.take(none))
    path = tmp_path / "plan.gpkg"
    save_plan(store_results(small.plan, only_deals).plan, path)
    back = load_plan(path).health.results
    assert back == only_deals
    assert len(back.activities) == 0 and back.activities["date"].dtype == "datetime64[D]"
    assert isinstance(back.opportunities["created"][0], np.datetime64)


def test_importing_storing_and_reading_results_needs_no_pandas(small, tmp_path):
    """The app ships without pandas (installers/territory_desktop.spec refuses it): ~21 MiB."""
    path = tmp_path / "plan.gpkg"
    save_plan(small.plan, path)
    code = ("import sys, datetime as dt; from territory_desktop.io.planfile import load_plan, "
            "save_plan; from territory_desktop.io.results import import_results; "
            "from territory_desktop.health import health_report, parse_period; "
            "from territory_desktop.health.store import store_results; "
            f"p = load_plan({str(path)!r}); "
            "r = import_results(p.accounts, p.reps, *sys.argv[1:], "
            "today=dt.date(2026, 12, 1)).results; "
            f"save_plan(store_results(p, r).plan, {str(path)!r}); p = load_plan({str(path)!r}); "
            "health_report(p, p.health.results, parse_period('2026Q3')); "
            "print(len(p.health.results.opportunities), 'pandas' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, str(small.opportunities),
                           str(small.quotas), str(small.activities)], capture_output=True,
                          text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    count, loaded = done.stdout.split()
    assert int(count) > 0 and loaded == "False"
