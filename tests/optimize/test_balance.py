"""Auto-balancing on the real sample plan (road times) and on real LA accounts.

The band, contiguity, locks, determinism, cancel, and clear messages for input it cannot
balance.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import shapely

from territory_desktop.cancel import Cancelled
from territory_desktop.design_edits import apply_alignment
from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.model import Account
from territory_desktop.optimize.balance import BalanceError, BalanceParams, balance_plan
from territory_desktop.optimize.drive_times import drive_times

MAP = ("T1", "T2", "T3", "T4")


@pytest.fixture(scope="module")
def road_times(sample_plan, baltimore_network):
    return drive_times(sample_plan, baltimore_network)


def _deviations(result):
    rows = [t for t in result.loads if t.territory_id in result.balanced]
    work = np.array([t.workload_hours for t in rows])
    cap = np.array([t.weekly_hours for t in rows])
    return work / (cap * work.sum() / cap.sum()) - 1


def test_balancing_the_sample_reaches_the_band_in_one_piece(sample_plan, road_times):
    before = assign_accounts(sample_plan).territory_of
    result = balance_plan(sample_plan, road_times, BalanceParams(tolerance=0.05))
    assert result.balanced == MAP
    dev = _deviations(result)
    assert np.abs(dev).max() <= 0.05 + 1e-9, dev
    assert result.in_band
    assert all(t.pieces == 1 for t in result.loads if t.territory_id in MAP)
    # The sample starts unbalanced (22 to 93 accounts): something had to move.
    assert result.moves
    assert {m.account_id for m in result.moves} == {
        a for a in sample_plan.accounts if before[a] != result.territory_of[a]}
    # Written back as outlines, the plan assigns every account as the balance said, and each
    # balanced territory is drawn in one part.
    edit = apply_alignment(sample_plan, result.territory_of, result.territories,
                           result.balanced, result.vacated)
    assert assign_accounts(edit.plan).territory_of == result.territory_of
    for tid in MAP:
        assert edit.plan.territories[tid].geometry.geom_type == "Polygon"
    shapes = [edit.plan.territories[t].geometry for t in MAP]
    union = shapely.union_all(shapes)
    assert union.area == pytest.approx(sum(s.area for s in shapes), rel=1e-9)


def test_workload_and_potential_both_in_their_bands(sample_plan, road_times):
    params = BalanceParams(tolerance=0.05, criteria=("workload", "potential"),
                           potential_tolerance=0.10)
    result = balance_plan(sample_plan, road_times, params)
    assert result.in_band, result.warnings
    pot = result.metrics.criteria["potential"].deviations
    assert max(abs(d) for d in pot) <= 0.10 + 1e-9
    assert np.abs(_deviations(result)).max() <= 0.05 + 1e-9


def test_same_seed_same_alignment(sample_plan, road_times):
    a = balance_plan(sample_plan, road_times, BalanceParams(seed=3))
    b = balance_plan(sample_plan, road_times, BalanceParams(seed=3))
    assert a.territory_of == b.territory_of


def test_locks_never_move(sample_plan, road_times):
    plan = sample_plan.copy()
    plan.territories["T2"] = dataclasses.replace(plan.territories["T2"], locked=True)
    before = assign_accounts(plan).territory_of
    t3 = sorted(a for a, t in before.items() if t == "T3")
    locked = frozenset(t3[::3])  # every third account of the biggest territory
    result = balance_plan(plan, road_times, BalanceParams(locked_accounts=locked))
    after = result.territory_of
    assert all(after[a] == "T3" for a in locked)
    assert {a for a, t in after.items() if t == "T2"} == {
        a for a, t in before.items() if t == "T2"}
    assert all(after[a] == "T-ENT" for a, t in before.items() if t == "T-ENT")
    assert "T2" not in result.balanced
    assert all(m.account_id not in locked for m in result.moves)


def test_progress_is_reported_and_cancel_stops_it(sample_plan, road_times):
    seen = []
    balance_plan(sample_plan, road_times, progress=lambda f, m: seen.append(f))
    assert seen[0] == 0.0 and seen == sorted(seen)
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        balance_plan(sample_plan, road_times, should_stop=stop)


def test_more_reps_than_accounts_is_refused(la_plan):
    plan = la_plan(4)
    for aid in list(plan.accounts)[3:]:
        del plan.accounts[aid]
    with pytest.raises(BalanceError, match="4 territories to balance but only 3 accounts"):
        balance_plan(plan, drive_times(plan), BalanceParams(reps=tuple(plan.reps)))


def test_a_tolerance_no_alignment_can_meet_names_the_territories(sample_plan, road_times):
    result = balance_plan(sample_plan, road_times, BalanceParams(tolerance=0.001))
    assert not result.in_band
    text = "\n".join(result.warnings)
    assert "tighter than one account allows" in text
    assert "cannot reach the workload band" in text
    named = [t for t in MAP if sample_plan.territories[t].name in text]
    assert named
    first = sample_plan.territories[named[0]]  # with its rep's name, not the id
    assert f"territory {first.name} ({sample_plan.reps[first.rep_id].name}) cannot" in text


def test_contradictory_locks_are_explained(sample_plan, road_times):
    plan = sample_plan.copy()
    plan.territories["T4"] = dataclasses.replace(plan.territories["T4"], locked=True)
    with pytest.raises(BalanceError, match="locked to rep REP-4, who is not in the team"):
        balance_plan(plan, road_times, BalanceParams(reps=("REP-1", "REP-2", "REP-3")))
    leaving = next(a for a, t in assign_accounts(sample_plan).territory_of.items()
                   if t == "T4")
    with pytest.raises(BalanceError, match=f"account {leaving} is locked but"):
        balance_plan(sample_plan, road_times,
                     BalanceParams(reps=("REP-1", "REP-2", "REP-3"),
                                   locked_accounts=frozenset({leaving})))
    with pytest.raises(BalanceError, match="not in the plan"):
        balance_plan(sample_plan, road_times,
                     BalanceParams(locked_accounts=frozenset({"NO-SUCH"})))


def test_unreachable_accounts_are_listed_and_still_aligned(sample_plan, baltimore_network):
    plan = sample_plan.copy()
    # A real place well outside the Baltimore extract (Annapolis, MD): no road reaches it.
    plan.accounts["FAR-1"] = Account("FAR-1", "Annapolis store", 38.9784, -76.4922)
    times = drive_times(plan, baltimore_network)
    assert "FAR-1" in times.unreachable
    result = balance_plan(plan, times)
    assert result.territory_of["FAR-1"] in MAP
    assert "FAR-1" in result.unreachable
    assert any("cannot reach" in w and "FAR-1" in w for w in result.warnings)
    owner = result.load(result.territory_of["FAR-1"])
    assert owner.unreachable == ("FAR-1",)


def test_auto_build_from_rep_homes_on_real_accounts(la_plan):
    plan = la_plan(10)
    times = drive_times(plan)  # no road network for LA: straight-line
    assert times.label == "straight-line"
    result = balance_plan(plan, times, BalanceParams(reps=tuple(plan.reps)))
    assert len(result.balanced) == 10
    assert result.in_band, result.warnings
    assert all(t.pieces == 1 for t in result.loads)
    assert all(result.territory_of[a] is not None for a in plan.accounts)
    assert {t.drive_source for t in result.loads} == {"straight-line"}


@pytest.mark.parametrize("n_reps", [14, 18])
def test_building_more_territories_on_real_accounts_reaches_the_band(la_plan, n_reps):
    """Fewer accounts per territory: each repair's drift of the exact estimate is larger.

    Four rounds of repair aimed at the band's edge ended 6.1 % (14 reps) and 17.3 % (18 reps)
    off; more rounds aimed inside the band reach it.
    """
    plan = la_plan(n_reps)
    result = balance_plan(plan, drive_times(plan), BalanceParams(reps=tuple(plan.reps)))
    assert result.in_band, result.warnings
    assert max(abs(d) for d in result.metrics.criteria["workload"].deviations) <= 0.05 + 1e-9
    assert all(t.pieces == 1 for t in result.loads)


def test_the_shorter_drives_end_of_the_slider_drives_less_when_a_rep_joins(
        sample_plan, baltimore_network):
    """Further towards "shorter drives", never longer drives, and never fewer moves.

    A rep joins at the middle of the sample's accounts (the realign dialog's default home).
    The border repair used to regain the band with the biggest steps first: at 0.8 and 1 it
    undid what the model had saved, and drove longer than at 0.5 while moving 70-140 accounts.
    """
    from territory_desktop.model import Rep
    from territory_desktop.realign import RealignRequest, realign_setup

    accounts = sample_plan.accounts.values()
    joining = Rep("REP-NEW", "New Rep", sum(a.lat for a in accounts) / len(accounts),
                  sum(a.lon for a in accounts) / len(accounts))
    plan, params = realign_setup(sample_plan, RealignRequest(BalanceParams(), joining=joining))
    times = drive_times(plan, baltimore_network)
    drive, moved = [], []
    for slider in (0.5, 0.8, 1.0):
        result = balance_plan(plan, times, dataclasses.replace(params, shorter_drives=slider),
                              network=baltimore_network)
        assert result.in_band, (slider, result.warnings)
        drive.append(sum(t.drive_hours for t in result.loads if t.territory_id in result.balanced))
        moved.append(len(result.moves))
    assert drive == sorted(drive, reverse=True), drive
    assert moved == sorted(moved), moved


def test_a_stress_plan_of_jittered_sample_copies_reaches_the_band(sample_plan,
                                                                   baltimore_network):
    # 992 accounts: the model leaves a territory in two big pieces (across the harbour) and
    # making it whole hands one back; the border repair must then win it back. It stopped at
    # -9% when the 64 best moves it looked at, one per border edge, were a few accounts each
    # counted several times and none could leave without cutting its territory in two.
    from stress_plans import jittered_copies

    plan = jittered_copies(sample_plan, 4, seed=1)
    times = drive_times(plan, baltimore_network)
    result = balance_plan(plan, times, BalanceParams(tolerance=0.05))
    assert result.in_band, result.warnings
    assert np.abs(_deviations(result)).max() <= 0.05
    assert all(t.pieces == 1 for t in result.loads if t.territory_id in result.balanced)
