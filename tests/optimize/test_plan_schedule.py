"""The plan-to-engine bridge on the sample plan (straight-line times: no network needed)."""

import itertools
import sqlite3

import pytest

from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.io import planfile
from territory_desktop.model.cadence import visits_per_cycle
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
        assert a.visits_per_cycle == visits_per_cycle(every, 4)
        assert a.visit_minutes == minutes
    assert rep.max_day_minutes == plan.reps["REP-4"].max_day_minutes


def test_solve_evaluate_and_timeline_agree(sample):
    plan, territory_of = sample
    schedule, rotation = ps.solve_rep(plan, "REP-4", territory_of, None, seconds=2, seed=5)
    again = ps.evaluate(rotation.planner, schedule)
    assert again.total_drive_seconds == pytest.approx(rotation.schedule.total_drive_seconds)
    day = next(d for d in rotation.schedule.days if len(d.account_ids) >= 2)
    stops = ps.day_timeline(rotation.planner, day.day.index, day.account_ids)
    assert [s.account_id for s in stops] == list(day.account_ids)
    assert all(s.arrive <= s.start < s.depart for s in stops)
    assert all(a.depart <= b.arrive for a, b in itertools.pairwise(stops))
    back_home = rotation.planner.travel[2 + [a.id for a in rotation.planner.accounts]
                                        .index(stops[-1].account_id), 1]
    assert stops[-1].depart + back_home == pytest.approx(day.end_seconds, abs=1)
    assert sum(s.drive_in for s in stops) + back_home == pytest.approx(day.drive_seconds, abs=1)
    summary = ps.summarise("REP-4", again)
    assert summary.compliance == 1.0


def test_same_seed_same_schedule(sample):
    plan, territory_of = sample
    a, _ = ps.solve_rep(plan, "REP-4", territory_of, None, seconds=60, seed=11)
    b, _ = ps.solve_rep(plan, "REP-4", territory_of, None, seconds=60, seed=11)
    assert a == b


@pytest.fixture(scope="module")
def network_file(tmp_path_factory):
    from territory_desktop.routing import load_or_build

    path = tmp_path_factory.mktemp("net") / "baltimore.npz"
    load_or_build(resource_path("sample", "baltimore.osm.pbf"), path)
    return path


@pytest.fixture(scope="module")
def road_network(network_file):
    from territory_desktop.routing import load_or_build

    return load_or_build(resource_path("sample", "baltimore.osm.pbf"), network_file)


def _saved(plan, path, **settings):
    from dataclasses import replace

    plan = plan.copy()
    plan.settings = replace(plan.settings, osm_extract=str(resource_path(
        "sample", "baltimore.osm.pbf")), **settings)
    planfile.save_plan(plan, path)
    return path


def test_cli_schedule_follows_the_plans_day_balance(sample, network_file, tmp_path, capsys):
    import json

    from territory_desktop import edits
    from territory_desktop.cli import main

    plan, _ = sample
    for t in plan.territories.values():  # one rep's territory keeps the test quick
        if t.rep_id != "REP-4":
            plan = edits.update_territory(plan, t.id, rep_id=None).plan
    figures = {}
    for balance in (0.0, 1.0):
        path = _saved(plan, tmp_path / f"b{balance}.gpkg", day_balance=balance)
        assert planfile.load_plan(path).settings.day_balance == balance  # kept in the file
        assert main(["plan", "schedule", str(path), "--seconds", "60", "--json",
                     "--network-cache", str(network_file)]) == 0
        figures[balance] = {r["rep_id"]: r for r in json.loads(capsys.readouterr().out)["reps"]}
    assert list(figures[0.0]) == list(figures[1.0]) == ["REP-4"]
    least, even = figures[0.0]["REP-4"], figures[1.0]["REP-4"]
    assert even["empty_days"] == 0 < least["empty_days"]
    assert even["day_spread_hours"] < 0.5 < least["day_spread_hours"]
    assert even["longest_day_hours"] < least["longest_day_hours"]
    assert least["drive_hours"] < even["drive_hours"]


def test_cli_schedule_refuses_an_absurd_frequency_quickly(sample, network_file, tmp_path,
                                                          capsys):
    import time

    from territory_desktop.cli import main

    plan, territory_of = sample
    odd = ps.rep_accounts(plan, "REP-4", territory_of)[0]
    path = _saved(plan, tmp_path / "odd.gpkg")
    with sqlite3.connect(path) as db:  # "1000000000x/day", as a hostile or hand-edited file has it
        db.execute("UPDATE accounts SET every_weeks = ? WHERE id = ?", (1 / 7e9, odd))
    start = time.perf_counter()
    code = main(["plan", "schedule", str(path), "--seconds", "30",
                 "--network-cache", str(network_file)])
    err = capsys.readouterr().err.strip()
    assert code != 0 and time.perf_counter() - start < 5  # checked before any rep is solved
    assert len(err.splitlines()) == 1 and odd in err and "weeks between visits" in err, err


def test_windows_closed_days_and_same_weekday_hold_on_road_times(sample, road_network):
    from dataclasses import replace

    plan, territory_of = sample
    plan = plan.copy()
    ids = ps.rep_accounts(plan, "REP-4", territory_of)
    windowed, closed, fixed = ids[0], ids[1], ids[2]
    plan.accounts[windowed] = replace(plan.accounts[windowed], window_start=10 * 60,
                                      window_end=11 * 60)
    plan.accounts[closed] = replace(plan.accounts[closed], closed_weekdays=(0, 1, 2))
    plan.accounts[fixed] = replace(plan.accounts[fixed], every_weeks=1.0, same_weekday=True)
    schedule, rotation = ps.solve_rep(plan, "REP-4", territory_of, road_network, seconds=3,
                                      seed=2)
    assert rotation.schedule.feasible and not schedule.unplaced
    planner = rotation.planner
    checked = 0
    for day in rotation.schedule.days:
        for stop in ps.day_timeline(planner, day.day.index, day.account_ids):
            if stop.account_id == windowed:
                assert 10 * 3600 <= stop.start <= 11 * 3600
                checked += 1
    assert checked == visits_per_cycle(plan.settings.cadence_for(
        plan.accounts[windowed])[0], 4)
    assert all(v.weekday not in (0, 1, 2) for v in schedule.visits_of(closed))
    days = {v.weekday for v in schedule.visits_of(fixed)}
    assert len(schedule.visits_of(fixed)) == 4 and len(days) == 1
    limit = plan.reps["REP-4"].max_day_minutes * 60
    assert max(d.duration_seconds for d in rotation.schedule.days) <= limit
    # the schedule's drive time is the routing engine's time for the same stop order
    from territory_desktop.routing import route

    day = max(rotation.schedule.days, key=lambda d: len(d.account_ids))
    rep = plan.reps["REP-4"]
    stops = [(rep.home_lat, rep.home_lon),
             *((plan.accounts[a].lat, plan.accounts[a].lon) for a in day.account_ids),
             (rep.home_lat, rep.home_lon)]
    assert route(road_network, stops).total_seconds == pytest.approx(day.drive_seconds, abs=0.5)


def test_planned_times_are_the_engines_and_go_on_past_the_days_own_visits(sample):
    """The rep's week times a day as the exports do; on the engine's own days both agree."""
    plan, territory_of = sample
    _schedule, rotation = ps.solve_rep(plan, "REP-4", territory_of, None, seconds=2, seed=5)
    planner = rotation.planner
    days = [d for d in rotation.schedule.days if d.account_ids]
    for day in days:
        engine = ps.day_timeline(planner, day.day.index, day.account_ids)
        ours = ps.planned_times(plan, "REP-4", planner, day.account_ids)
        assert [(s.account_id, s.arrive, s.start, s.depart) for s in ours] == [
            (s.account_id, pytest.approx(s.arrive, abs=0.01), pytest.approx(s.start, abs=0.01),
             pytest.approx(s.depart, abs=0.01)) for s in engine]
    # a holiday's visits after a day's own: timed on from where the day's own end
    own, moved = days[0].account_ids, [a for a in days[1].account_ids
                                       if a not in days[0].account_ids]
    both = ps.planned_times(plan, "REP-4", planner, [*own, *moved])
    assert [s.account_id for s in both] == [*own, *moved]
    assert both[len(own)].arrive == pytest.approx(both[len(own) - 1].depart
                                                  + both[len(own)].drive_in)
