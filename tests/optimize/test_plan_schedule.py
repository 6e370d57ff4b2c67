"""The plan-to-engine bridge on the sample plan (straight-line times: no network needed)."""

import pytest

from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.io import planfile
from territory_desktop.optimize import plan_schedule as ps
from territory_desktop.resources import resource_path


@pytest.fixture(scope="module")
def sample():
    plan = planfile.load_plan(resource_path("sample", "sample_plan.gpkg"))
    return plan, assign_accounts(plan).territory_of


def test_inputs_follow_cadence_and_rep_settings(sample):
    plan, territory_of = sample
    ids = ps.rep_accounts(plan, "REP-4", territory_of)
    rep, accounts, cycle = ps.rotation_inputs(plan, "REP-4", ids)
    assert [a.id for a in accounts] == ids
    assert cycle.weeks == 4 and cycle.weekdays == (0, 1, 2, 3, 4)
    for a in accounts:
        every, minutes = plan.settings.cadence_for(plan.accounts[a.id])
        assert a.visits_per_cycle == ps.visits_per_cycle(every, 4)
        assert a.visit_minutes == minutes
    assert rep.max_day_minutes == plan.reps["REP-4"].max_day_minutes


def test_balanced_cap_is_below_the_real_limit_and_covers_the_work(sample):
    plan, territory_of = sample
    ids = ps.rep_accounts(plan, "REP-1", territory_of)
    rep, accounts, cycle = ps.rotation_inputs(plan, "REP-1", ids)
    cap = ps.balanced_day_minutes(rep, accounts, cycle)
    work_per_day = sum(a.visits_per_cycle * a.visit_minutes for a in accounts) / 20
    assert work_per_day < cap <= rep.max_day_minutes


def test_solve_evaluate_and_timeline_agree(sample):
    plan, territory_of = sample
    schedule, rotation = ps.solve_rep(plan, "REP-4", territory_of, None, seconds=2, seed=5)
    again = ps.evaluate(rotation.planner, schedule)
    assert again.total_drive_seconds == pytest.approx(rotation.schedule.total_drive_seconds)
    day = next(d for d in rotation.schedule.days if len(d.account_ids) >= 2)
    stops = ps.day_timeline(rotation.planner, day.day.index, day.account_ids)
    assert [s.account_id for s in stops] == list(day.account_ids)
    assert all(s.arrive <= s.start < s.depart for s in stops)
    assert all(a.depart <= b.arrive for a, b in zip(stops, stops[1:], strict=False))
    back_home = rotation.planner.travel[2 + [a.id for a in rotation.planner.accounts]
                                        .index(stops[-1].account_id), 1]
    assert stops[-1].depart + back_home == pytest.approx(day.end_seconds, abs=1)
    assert sum(s.drive_in for s in stops) + back_home == pytest.approx(day.drive_seconds, abs=1)
    summary = ps.summarise("REP-4", again)
    assert summary.compliance == 1.0


def test_same_seed_same_schedule(sample):
    plan, territory_of = sample
    a, _ = ps.solve_rep(plan, "REP-4", territory_of, None, seconds=5, seed=11)
    b, _ = ps.solve_rep(plan, "REP-4", territory_of, None, seconds=5, seed=11)
    assert a == b
