"""Quarterly snapshots: stored, read back and compared.

Quarterly snapshots: frozen KPIs survive the flat records a plan file will store (checked
through SQLite tables of the proposed shape), and two snapshots compare KPI by KPI.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3

from territory_desktop.health import (
    HealthSettings,
    Snapshot,
    compare_snapshots,
    compute_kpis,
    parse_period,
    take_snapshot,
)
from territory_desktop.io.results import import_results

SETTINGS = HealthSettings(min_deals=3)


def _snapshot(small, period: str, taken: dt.date) -> Snapshot:
    results = import_results(small.plan.accounts, small.plan.reps, small.opportunities,
                             small.quotas, small.activities, today=dt.date(2026, 12, 1)).results
    return take_snapshot(compute_kpis(small.plan, results, parse_period(period), SETTINGS),
                         taken, label=f"{period} review")


def test_snapshot_round_trips_through_flat_records_and_sqlite(small):
    snap = _snapshot(small, "2026Q3", dt.date(2026, 10, 2))
    assert snap.territories[1].white_space == 1
    assert snap.territories[1].white_space_accounts == ()  # the count is kept, not the list
    header, rows = snap.to_records()
    assert Snapshot.from_records(header, rows) == snap
    assert Snapshot.from_records(json.loads(json.dumps(header)),
                                 json.loads(json.dumps(rows))) == snap

    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE snapshots (id INTEGER PRIMARY KEY, taken TEXT, period TEXT, "
               "as_of TEXT, label TEXT, settings TEXT)")
    db.execute("CREATE TABLE snapshot_kpis (snapshot_id INTEGER, scope TEXT, key TEXT, "
               "name TEXT, rep_id TEXT, kpi TEXT, value REAL, reason TEXT)")
    db.execute("INSERT INTO snapshots VALUES (1, ?, ?, ?, ?, ?)",
               (header["taken"], header["period"], header["as_of"], header["label"],
                json.dumps(header["settings"])))
    db.executemany("INSERT INTO snapshot_kpis VALUES (1, :scope, :key, :name, :rep_id, :kpi, "
                   ":value, :reason)", rows)
    taken, period, as_of, label, settings = db.execute(
        "SELECT taken, period, as_of, label, settings FROM snapshots").fetchone()
    cols = ("scope", "key", "name", "rep_id", "kpi", "value", "reason")
    back = [dict(zip(cols, r, strict=True)) for r in db.execute(
        f"SELECT {', '.join(cols)} FROM snapshot_kpis ORDER BY rowid")]
    restored = Snapshot.from_records({"taken": taken, "period": period, "as_of": as_of,
                                      "label": label, "settings": json.loads(settings)}, back)
    assert restored == snap
    assert restored.territories[1].reasons["win_rate"] == (
        "2 closed deals in 2026Q3; at least 3 needed")


def test_compare_says_what_improved_and_what_slipped(small):
    """Each KPI is compared in its own direction.

    Before: the real Q3 figures. After: T1 with a win rate of 0.8 (up from 0.75), a cycle of
    55 days (up from 50: slower, so slipped), two white-space accounts (slipped), the same
    attainment, and utilisation 1.1 (moved out of the 0.6..1.0 band: slipped); T2 utilisation
    from 1.0 to 0.9 (both inside the band: unchanged); T2's win rate stays None (not
    comparable); a new territory T3 is not comparable.
    """
    before = _snapshot(small, "2026Q3", dt.date(2026, 10, 2))
    t1, t2 = before.territories
    t3 = dataclasses.replace(t2, key="T3", name="New")
    after = dataclasses.replace(before, territories=(
        dataclasses.replace(t1, win_rate=0.8, cycle_days=55.0, white_space=2, utilisation=1.1),
        dataclasses.replace(t2, utilisation=0.9), t3))
    verdicts = {(c.scope, c.key, c.kpi): c.verdict for c in compare_snapshots(before, after)}
    assert verdicts[("territory", "T1", "win_rate")] == "improved"
    assert verdicts[("territory", "T1", "cycle_days")] == "slipped"
    assert verdicts[("territory", "T1", "white_space")] == "slipped"
    assert verdicts[("territory", "T1", "attainment")] == "unchanged"
    assert verdicts[("territory", "T1", "utilisation")] == "slipped"
    assert verdicts[("territory", "T2", "utilisation")] == "unchanged"
    assert verdicts[("territory", "T2", "win_rate")] == "not comparable"
    assert verdicts[("territory", "T3", "pipeline")] == "not comparable"
    assert verdicts[("team", None, "pipeline")] == "unchanged"

    back = compare_snapshots(after, before)
    assert {(c.key, c.kpi): c.verdict for c in back}[("T1", "cycle_days")] == "improved"


def test_compare_two_real_quarters(small):
    """Two real quarters compare as the hand-computed figures say.

    Q2 to Q3: T1 won 4,000 in Q2 (o5) and 36,000 in Q3 -> won improved; R1 had no Q2 quota
    (only June's 9,000 -> attainment 4,000/9,000), Q3 0.6: improved.
    """
    q2 = _snapshot(small, "2026Q2", dt.date(2026, 7, 1))
    q3 = _snapshot(small, "2026Q3", dt.date(2026, 10, 2))
    assert q2.territories[0].attainment == 4_000 / 9_000
    verdicts = {(c.key, c.kpi): (c.before, c.after, c.verdict)
                for c in compare_snapshots(q2, q3) if c.scope == "territory"}
    assert verdicts[("T1", "attainment")] == (4_000 / 9_000, 0.6, "improved")


def test_two_snapshots_of_one_day_and_label_can_be_told_apart(small):
    from territory_desktop.health.store import add_snapshot, snapshots_of

    snap = _snapshot(small, "2026Q3", dt.date(2026, 10, 2))
    plan = small.plan
    for _ in range(3):
        plan = add_snapshot(plan, snap).plan
    assert [s.title for s in plan.health.snapshots] == [
        "2026-10-02 2026Q3 review", "2026-10-02 2026Q3 review (2)",
        "2026-10-02 2026Q3 review (3)"]
    assert [s.label for s in snapshots_of(plan)][1] == "2026Q3 review (2)"
