"""Trips: the schedule's road routes with the visit log applied (read by every driving export)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from territory_desktop import clock, edits
from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.io.exports import ExportError, build_trips
from territory_desktop.model import VisitLogEntry
from territory_desktop.optimize.plan_schedule import cycle_for, day_timeline, planner_for
from territory_desktop.routing import travel_matrix
from territory_desktop.routing.routes import METERS_PER_MILE

REP = "REP-4"  # the fixture plan's scheduled rep (see tests/data/make_exports_plan.py)
START, END = dt.date(2025, 12, 29), dt.date(2026, 1, 9)


def _matrix_miles(network, points):
    """Road miles of consecutive legs through ``points``, from the travel-time matrix."""
    m = np.asarray(travel_matrix(network, points).meters, float)
    return [m[i, i + 1] / METERS_PER_MILE for i in range(len(points) - 1)]


def _day_points(plan, ids):
    rep = plan.reps[REP]
    home = (rep.home_lat, rep.home_lon)
    return [home, *((plan.accounts[a].lat, plan.accounts[a].lon) for a in ids), home]


def test_mileage_totals_equal_the_routing_distances_of_the_scheduled_legs(
        export_plan, sample_network, trips):
    schedule = export_plan.schedules[REP]
    cycle = cycle_for(export_plan, schedule.weeks)
    planned_total = routed_total = 0.0
    for day in trips.days:
        planned = [v.account_id for v in schedule.day(*day.slot)] if day.slot else []
        if planned:
            expected = sum(_matrix_miles(sample_network, _day_points(export_plan, planned)))
            assert day.planned_distance == pytest.approx(expected, abs=0.01)
            planned_total += expected
        actual = [v.place.account_id for v in day.visits]
        legs = _matrix_miles(sample_network, _day_points(export_plan, actual))
        routed = [g.routed for g in day.legs if g.routed is not None]
        assert routed == pytest.approx(legs, abs=0.005)
        routed_total += sum(legs)
        if all(g.source == "route" for g in day.legs):  # nothing logged: the route is the log
            assert day.total() == pytest.approx(sum(legs), abs=0.01)
    assert sum(d.planned_distance for d in trips.days) == pytest.approx(planned_total, abs=0.01)
    assert sum(g.routed for g in trips.legs if g.routed is not None) == pytest.approx(
        routed_total, abs=0.01)
    assert cycle.monday == START


def test_second_week_has_no_log_so_its_total_is_the_routes(export_plan, sample_network):
    week2 = build_trips(export_plan, REP, dt.date(2026, 1, 5), dt.date(2026, 1, 11),
                        sample_network)
    schedule = export_plan.schedules[REP]
    expected = 0.0
    for day in week2.days:
        ids = [v.account_id for v in schedule.day(*day.slot)]
        expected += sum(_matrix_miles(sample_network, _day_points(export_plan, ids)))
    assert week2.total() == pytest.approx(expected, abs=0.01)
    assert week2.total() == pytest.approx(sum(d.planned_distance for d in week2.days), abs=0.01)
    assert [d.date.weekday() for d in week2.days] == [0, 2, 3, 4]  # Tuesday has no visits


def test_logged_visits_win_over_the_plan(export_plan, trips):
    schedule = export_plan.schedules[REP]
    days = {d.date.isoformat(): d for d in trips.days}
    mon = days["2025-12-29"]
    # Odometer readings replace the routed distance of the leg into the visit...
    first = mon.legs[0]
    assert (first.source, first.distance, first.trip_type) == ("log odometer", pytest.approx(3.4),
                                                               "commute")
    assert (first.odometer_start, first.odometer_end) == (41200.0, 41203.4)
    # ...and a jump between one visit's end reading and the next start is personal driving.
    gap = [g for g in mon.legs if g.trip_type == "personal"]
    assert len(gap) == 1 and gap[0].distance == pytest.approx(4.0)
    assert gap[0].source == "odometer gap"
    assert mon.legs[-1].destination.name == "Home" and mon.legs[-1].trip_type == "commute"
    # Skipped visits drop out; the moved one is driven on the date it moved to.
    tue = days["2025-12-30"]
    skipped, moved = schedule.day(0, 1)[1].account_id, schedule.day(0, 1)[2].account_id
    assert [v.place.account_id for v in tue.visits] == [schedule.day(0, 1)[0].account_id]
    assert [p.account_id for p in tue.skipped] == [skipped]
    assert tue.planned_visits == 3
    fri = days["2026-01-02"]
    assert [(v.place.account_id, v.status, v.moved_from) for v in fri.visits] == [
        (moved, "moved", "2025-12-30")]
    assert "moved from 2025-12-30" in fri.legs[0].purpose
    # Recorded miles win too.
    wed = days["2025-12-31"]
    assert (wed.legs[0].distance, wed.legs[0].source) == (2.5, "log miles")
    assert "2026-01-01" not in days  # the plan's holiday


def test_home_office_makes_home_legs_business(export_plan, sample_network, trips):
    plan = export_plan.copy()
    plan.reps[REP] = dataclasses.replace(plan.reps[REP], home_office=True)
    office = build_trips(plan, REP, START, END, sample_network)
    assert {g.trip_type for g in office.legs} == {"business", "personal"}
    assert office.total("business") == pytest.approx(
        trips.total("business") + trips.total("commute"))
    assert office.total() == pytest.approx(trips.total())


def test_visit_times_are_the_rotation_engines(export_plan, sample_network, trips):
    territory_of = assign_accounts(export_plan).territory_of
    planner = planner_for(export_plan, REP, territory_of, sample_network,
                          export_plan.schedules[REP].weeks)
    index = {(d.week, d.weekday): d.index for d in planner.days}
    checked = 0
    for day in trips.days:
        if day.date < dt.date(2026, 1, 5):
            continue
        ids = [v.place.account_id for v in day.visits]
        expected = day_timeline(planner, index[day.slot], ids)
        for v, e in zip(day.visits, expected, strict=True):
            assert (v.arrive, v.start, v.depart) == pytest.approx((e.arrive, e.start, e.depart),
                                                                  abs=0.01)
            checked += 1
    assert checked == 15


@pytest.mark.parametrize(("rep", "start", "end", "message"), [
    ("REP-9", START, END, "no rep with id 'REP-9'"),
    ("REP-1", START, END, "has no rotation yet"),
    (REP, dt.date(2025, 1, 1), dt.date(2025, 3, 1), "no scheduled visits from 2025-01-01"),
    (REP, END, START, "ends (2025-12-29) before it starts"),
])
def test_bad_requests_are_clear(export_plan, sample_network, rep, start, end, message):
    with pytest.raises(ExportError, match=r".*" + message.replace("(", r"\(").replace(")", r"\)")):
        build_trips(export_plan, rep, start, end, sample_network)


def test_kilometres(export_plan, sample_network, trips):
    km = build_trips(export_plan, REP, dt.date(2026, 1, 5), END, sample_network, unit="km")
    miles = [d for d in trips.days if d.date >= dt.date(2026, 1, 5)]
    assert km.total() == pytest.approx(sum(d.total() for d in miles) * 1.609344, abs=0.01)
    spelled = build_trips(export_plan, REP, dt.date(2026, 1, 5), END, sample_network,
                          unit="kilometres")  # an older spelling, read as units.py reads it
    assert (spelled.unit, spelled.total()) == ("km", km.total())
    with pytest.raises(ExportError, match="unit must be one of mi, km"):
        build_trips(export_plan, REP, START, END, sample_network, unit="furlong")


def test_a_mileage_log_and_an_expense_claim_hold_only_days_driven(export_plan, trips,
                                                                   sample_network):
    # Days after today are the rotation's plan, not driving: a claim for a month must not
    # hold its last weeks (or Christmas Day) before they happen.
    from territory_desktop.io.exports.expenses import expense_lines
    from territory_desktop.io.exports.mileage import mileage_report
    from territory_desktop.io.exports.rates import default_rates

    dates = sorted({d.date for d in trips.days})
    today = dates[len(dates) // 2]
    driven = trips.driven(today)
    assert [d.date for d in driven.days] == [d for d in dates if d <= today]
    later = len(dates) - len(driven.days)
    assert later > 0 and driven.warnings[-1] == (
        f"{later} planned days after today ({today}) left out: not driven yet")
    assert trips.driven(dates[-1]) is trips  # nothing later: the same trips
    # The reports cut at the computer's date, whatever it is: a range around it.
    now = clock.today()
    around = build_trips(export_plan, REP, now - dt.timedelta(days=3),
                         now + dt.timedelta(days=24), sample_network)
    assert any(d.date > now for d in around.days)
    claim = expense_lines(around, default_rates())
    assert all(line.date <= now for line in claim.lines)
    assert any("not driven yet" in w for w in claim.warnings)
    logged = [r[1] for r in mileage_report(around).rows if isinstance(r[1], dt.date)]
    assert all(d <= now for d in logged)


def test_visits_logged_off_the_plan_are_driven_in_odometer_order(export_plan, sample_network):
    # A re-planned day: the rep logged two visits the rotation now has elsewhere, the later
    # one first. The log's odometer says which came first; the legs must not run backwards.
    from territory_desktop.model import VisitLogEntry

    plan = export_plan.copy()
    day = dt.date(2026, 1, 6)
    cycle = cycle_for(plan, plan.schedules[REP].weeks)
    planned = {v.account_id for v in plan.schedules[REP].day(*cycle.slot(day))}
    mine = [a for a, t in assign_accounts(plan).territory_of.items()
            if t and plan.territories[t].rep_id == REP and a not in planned][:2]
    first, second = mine
    iso = day.isoformat()
    plan.visit_log = [e for e in plan.visit_log if e.date != iso] + [
        VisitLogEntry(iso, REP, second, "done", odometer_start=12012.5, odometer_end=12020.0),
        VisitLogEntry(iso, REP, first, "done", odometer_start=12000.0, odometer_end=12012.5)]
    trips = build_trips(plan, REP, day, day, sample_network)
    order = [v.place.account_id for v in trips.days[0].visits]
    assert order.index(first) < order.index(second)
    readings = [v.entry.odometer_start for v in trips.days[0].visits
                if v.entry is not None and v.entry.odometer_start is not None]
    assert readings == sorted(readings)


def test_a_holidays_visits_are_driven_on_the_next_working_day(export_plan, sample_network):
    plan = export_plan.copy()
    plan.settings = dataclasses.replace(plan.settings,
                                        holidays=(*plan.settings.holidays, "2026-01-07"))
    schedule = plan.schedules[REP]
    wednesday = [v.account_id for v in schedule.day(1, 2)]
    thursday = [v.account_id for v in schedule.day(1, 3)]
    assert wednesday and thursday and not set(wednesday) & set(thursday)
    week2 = build_trips(plan, REP, dt.date(2026, 1, 5), dt.date(2026, 1, 11), sample_network)
    days = {d.date.isoformat(): d for d in week2.days}
    assert "2026-01-07" not in days
    thu = days["2026-01-08"]
    assert [(v.place.account_id, v.moved_from) for v in thu.visits] == [
        *((a, "") for a in thursday), *((a, "2026-01-07") for a in wednesday)]
    assert thu.planned_visits == len(thursday) + len(wednesday)
    # the same visits, no more and no fewer, as without the holiday
    plain = build_trips(export_plan, REP, dt.date(2026, 1, 5), dt.date(2026, 1, 11),
                        sample_network)
    assert sorted(v.place.account_id for d in week2.days for v in d.visits) == sorted(
        v.place.account_id for d in plain.days for v in d.visits)


def test_a_moved_visit_the_rotation_also_has_on_its_new_day_is_driven_once(
        export_plan, sample_network):
    # The rep logs Monday's visit as moved to Tuesday, then drags it to Tuesday in the rotation
    # too: Tuesday has it planned and moved in. It is one visit, as the rep's week shows it.
    plan = export_plan.copy()
    account = plan.schedules[REP].day(1, 0)[0].account_id
    plan = edits.log_visit(plan, VisitLogEntry("2026-01-05", REP, account, "moved",
                                               moved_to="2026-01-06")).plan
    plan = edits.move_visit(plan, REP, account, (1, 0), (1, 1)).plan
    week2 = build_trips(plan, REP, dt.date(2026, 1, 5), dt.date(2026, 1, 11), sample_network)
    tue = next(d for d in week2.days if d.date == dt.date(2026, 1, 6))
    stops = [v.place.account_id for v in tue.visits]
    assert stops.count(account) == 1, stops
    assert sorted(v.place.account_id for d in week2.days for v in d.visits) == sorted(
        a for d in build_trips(export_plan, REP, dt.date(2026, 1, 5), dt.date(2026, 1, 11),
                               sample_network).days for a in (v.place.account_id for v in d.visits))


def test_a_visit_logged_done_then_moved_in_the_rotation_is_driven_once(export_plan,
                                                                       sample_network):
    # Monday's visit is logged done, then the rotation moves it to Wednesday: that week it was
    # made on Monday, and Wednesday does not drive (or claim) it again.
    plan = export_plan.copy()
    account = plan.schedules[REP].day(1, 0)[0].account_id
    plan = edits.log_visit(plan, VisitLogEntry("2026-01-05", REP, account, "done")).plan
    plan = edits.move_visit(plan, REP, account, (1, 0), (1, 2)).plan
    week2 = build_trips(plan, REP, dt.date(2026, 1, 5), dt.date(2026, 1, 11), sample_network)
    stops = [(d.date.isoformat(), v.place.account_id) for d in week2.days for v in d.visits]
    assert [day for day, a in stops if a == account] == ["2026-01-05"], stops
