"""The workload model and balance metrics on the real sample plan.

Labels (estimate, scheduled, straight-line), capacity utilisation, and the metrics as their
docstrings define them.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.model.balance_metrics import balance_metrics, criterion_balance
from territory_desktop.model.drive_estimate import DETOUR_FACTOR, STRAIGHT_LINE_SPEED_KMH
from territory_desktop.model.territory_load import territory_loads
from territory_desktop.model.workload import rep_week
from territory_desktop.optimize import plan_schedule as ps
from territory_desktop.optimize.drive_times import drive_times
from territory_desktop.optimize.plan_schedule import scheduled_drive_hours

MAP = ("T1", "T2", "T3", "T4")


def test_road_estimate_is_labelled_and_adds_up(sample_plan, baltimore_network):
    territory_of = assign_accounts(sample_plan).territory_of
    times = drive_times(sample_plan, baltimore_network)
    assert times.label == "estimate"
    loads = {t.territory_id: t for t in territory_loads(sample_plan, territory_of, times)}
    for tid in MAP:
        row = loads[tid]
        assert row.drive_source == "estimate"
        mine = [a for a, t in territory_of.items() if t == tid]
        assert row.accounts == len(mine) and sum(row.by_tier.values()) == len(mine)
        visit_h = 0.0
        for aid in mine:
            every, minutes = sample_plan.settings.cadence_for(sample_plan.accounts[aid])
            visit_h += minutes / 60.0 / every
        assert row.visit_hours == pytest.approx(visit_h, rel=1e-9)
        assert row.potential == pytest.approx(
            sum(sample_plan.accounts[a].potential or 0.0 for a in mine))
        assert row.drive_hours > 0
        rep = sample_plan.reps[row.rep_id]
        # Utilisation has one formula (rep_week); with the estimated driving it is the load.
        week = rep_week(sample_plan, row.rep_id, territory_of, row.drive_hours)
        assert week.utilisation == pytest.approx(row.workload_hours / rep.weekly_hours)


def test_scheduled_rotation_replaces_the_estimate_for_its_rep(sample_plan, baltimore_network):
    plan = sample_plan.copy()
    territory_of = assign_accounts(plan).territory_of
    schedule, _ = ps.solve_rep(plan, "REP-4", territory_of, baltimore_network, seconds=2,
                               seed=1)
    plan.schedules["REP-4"] = schedule
    scheduled = scheduled_drive_hours(plan, territory_of, baltimore_network)
    assert set(scheduled) == {"REP-4"}
    exact = ps.evaluate(ps.planner_for(plan, "REP-4", territory_of, baltimore_network,
                                       weeks=schedule.weeks), schedule)
    assert scheduled["REP-4"] == pytest.approx(
        sum(d.drive_seconds for d in exact.days) / 3600 / schedule.weeks)
    times = drive_times(plan, baltimore_network)
    loads = {t.rep_id: t for t in territory_loads(plan, territory_of, times, scheduled)}
    assert loads["REP-4"].drive_source == "scheduled"
    assert loads["REP-4"].drive_hours == pytest.approx(scheduled["REP-4"])
    assert loads["REP-1"].drive_source == "estimate"
    # The estimate was calibrated on such rotations: it lands near the scheduled figure.
    estimate = {t.rep_id: t for t in territory_loads(plan, territory_of, times)}["REP-4"]
    assert estimate.drive_hours == pytest.approx(scheduled["REP-4"], rel=0.6)


def test_design_and_health_count_a_rotation_only_while_it_is_the_territorys(sample_plan,
                                                                          baltimore_network):
    # One rule (plan_schedule.scheduled_drive_hours): the Design panel and the health report
    # show one utilisation for a rep whose rotation plans their accounts; once an account moves
    # away the Design panel estimates the driving and the report counts visits only.
    from territory_desktop import edits
    from territory_desktop.health.report import health_report
    from territory_desktop.io import load_plan
    from territory_desktop.model.workload import workloads
    from territory_desktop.optimize.alignment_figures import alignment_figures

    plan = load_plan(Path(__file__).resolve().parents[1] / "data" / "exports_plan.gpkg")
    results = sample_plan.health.results

    def figures(plan, territory_of):
        design = next(t for t in alignment_figures(plan, territory_of, baltimore_network).loads
                      if t.rep_id == "REP-4")
        drive = scheduled_drive_hours(plan, territory_of, baltimore_network)
        report = health_report(plan, results, territory_of=territory_of,
                               scheduled_drive_hours=drive.get)
        health = next(k for k in report.kpis.territories if k.rep_id == "REP-4")
        return design, health.utilisation, drive

    territory_of = assign_accounts(plan).territory_of
    design, health, drive = figures(plan, territory_of)
    assert design.drive_source == "scheduled" and design.drive_hours == drive["REP-4"]
    assert health == pytest.approx(design.workload_hours / design.weekly_hours)
    # An ad hoc visit to another rep's account is on top of the rotation: still the territory's.
    other = next(a for a, t in territory_of.items()
                 if t is not None and plan.territories[t].rep_id == "REP-1")
    with_adhoc = edits.add_adhoc_visit(plan, "REP-4", other, (0, 0)).plan
    design, health, adhoc_drive = figures(with_adhoc, territory_of)
    assert design.drive_source == "scheduled" and adhoc_drive["REP-4"] > drive["REP-4"]
    assert health == pytest.approx(design.workload_hours / design.weekly_hours)
    # A realignment moves one of REP-4's visited accounts to REP-1: the rotation is stale.
    moved = next(v.account_id for v in plan.schedules["REP-4"].visits)
    realigned = {**territory_of, moved: territory_of[other]}
    design, health, drive = figures(plan, realigned)
    assert "REP-4" not in drive and design.drive_source == "estimate"
    visits_only = next(w.utilisation for w in workloads(plan, realigned) if w.rep_id == "REP-4")
    assert health == pytest.approx(visits_only)


def test_plans_without_roads_use_straight_line_times_a_detour(sample_plan):
    times = drive_times(sample_plan)
    assert times.label == "straight-line"
    # Rep home to account: haversine x detour at the set speed.
    rep = sample_plan.reps["REP-1"]
    acc = next(iter(sample_plan.accounts.values()))
    r = 6_371_008.8
    p1, p2 = math.radians(rep.home_lat), math.radians(acc.lat)
    dl = math.radians(acc.lon - rep.home_lon)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    metres = 2 * r * math.asin(math.sqrt(h))
    want = metres * DETOUR_FACTOR / (STRAIGHT_LINE_SPEED_KMH / 3.6)
    got = times.centre_seconds[times.centre("REP-1"), 0]
    assert got == pytest.approx(want, rel=1e-6)
    loads = territory_loads(sample_plan, assign_accounts(sample_plan).territory_of, times)
    assert {t.drive_source for t in loads if t.rep_id} == {"straight-line"}


def test_criterion_balance_follows_its_definitions():
    x = [30.0, 40.0, 50.0]
    cap = [40.0, 40.0, 20.0]
    b = criterion_balance("workload", x, cap)
    target = np.array(cap) * sum(x) / sum(cap)  # 48, 48, 24
    assert b.targets == pytest.approx(tuple(target))
    dev = np.array(x) / target - 1
    assert b.deviations == pytest.approx(tuple(dev))
    assert b.max_min == pytest.approx(50 / 30)
    assert b.cv == pytest.approx(np.std(x) / np.mean(x))
    assert b.index == pytest.approx(100 * (1 - np.abs(dev).mean()))
    assert b.outside(0.05) == [0, 1, 2]
    even = criterion_balance("workload", [10.0, 10.5, 9.5], [1, 1, 1])
    assert even.index >= 95 and even.outside(0.05) == []


def test_metrics_of_the_sample_flag_pieces_and_weigh_by_workload(sample_plan,
                                                                  baltimore_network):
    territory_of = assign_accounts(sample_plan).territory_of
    times = drive_times(sample_plan, baltimore_network)
    loads = [t for t in territory_loads(sample_plan, territory_of, times)
             if t.territory_id in MAP]
    m = balance_metrics(loads)
    work = np.array([t.workload_hours for t in loads])
    comp = np.array([t.compactness for t in loads])
    assert m.compactness == pytest.approx((work * comp).sum() / work.sum())
    assert all(0 <= t.compactness <= 100 for t in loads)
    assert 0 <= m.balance_index <= 100
    visits = np.array([t.visits_per_week for t in loads])
    assert m.drive_minutes == pytest.approx(
        (visits * [t.drive_minutes for t in loads]).sum() / visits.sum())
    # Giving T3 the T1 account farthest from T3 leaves it alone inside T1: T3 is split.
    acc = sample_plan.accounts
    t3 = np.array([(acc[a].lat, acc[a].lon) for a, t in territory_of.items() if t == "T3"])
    lone = max((a for a, t in territory_of.items() if t == "T1"),
               key=lambda a: ((t3 - (acc[a].lat, acc[a].lon)) ** 2).sum(1).min())
    stray = dict(territory_of)
    stray[lone] = "T3"
    split = balance_metrics([t for t in territory_loads(sample_plan, stray, times)
                             if t.territory_id in MAP])
    assert m.split == ()
    assert split.split == ("T3",)


def test_a_plan_without_potential_is_indexed_on_workload_alone(sample_plan, baltimore_network):
    territory_of = assign_accounts(sample_plan).territory_of
    times = drive_times(sample_plan, baltimore_network)
    loads = [dataclasses.replace(t, potential=0.0)
             for t in territory_loads(sample_plan, territory_of, times) if t.territory_id in MAP]
    m = balance_metrics(loads)
    assert m.criteria["potential"].index == 100.0  # nothing to measure
    assert m.balance_index == m.criteria["workload"].index < 100.0
