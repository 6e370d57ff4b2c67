"""Realignment on real LA accounts: a rep of ten leaves, within a disruption budget.

The realignment report names exactly the accounts whose owner changes.
"""

from __future__ import annotations

import math

import pytest

from territory_desktop.design_edits import apply_alignment
from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.model.scenario import Side, realignment_report
from territory_desktop.model.territory_load import territory_loads
from territory_desktop.optimize.balance import BalanceError, BalanceParams, balance_plan
from territory_desktop.optimize.drive_times import drive_times


@pytest.fixture(scope="module")
def ten_reps(la_plan):
    """Balance a 10-rep plan with outlines, as a user would have it before a rep leaves."""
    plan = la_plan(10)
    times = drive_times(plan)
    result = balance_plan(plan, times, BalanceParams(reps=tuple(plan.reps)))
    assert result.in_band
    edit = apply_alignment(plan, result.territory_of, result.territories, result.balanced)
    return edit.plan, times


def _leaving(plan):
    owned = assign_accounts(plan).territory_of
    tid = next(t.id for t in plan.territories.values() if t.rep_id == "R04")
    return "R04", [a for a, t in owned.items() if t == tid]


def test_one_rep_of_ten_leaves_within_budget(ten_reps):
    plan, times = ten_reps
    rep, own = _leaving(plan)
    budget = math.floor(1.3 * len(own))
    team = tuple(r for r in plan.reps if r != rep)
    result = balance_plan(plan, times, BalanceParams(reps=team, max_moves=budget,
                                                     shorter_drives=0.2))
    assert len(result.moves) <= budget
    assert {m.account_id for m in result.moves} >= set(own)  # the leaver's accounts all go
    assert all(m.from_rep == rep for m in result.moves if m.account_id in own)
    assert all(t.pieces == 1 for t in result.loads if t.territory_id in result.balanced)
    assert all(result.territories[t].rep_id != rep for t in result.balanced)
    # A budget this tight leaves some territories outside +/-5% here (the leaver's
    # neighbours must pass load on through their own borders); the result says which and why.
    if not result.in_band:
        assert any("the move budget is used up" in w for w in result.warnings)


def test_one_rep_of_ten_leaves_without_budget_reaches_the_band(ten_reps):
    plan, times = ten_reps
    rep, own = _leaving(plan)
    team = tuple(r for r in plan.reps if r != rep)
    result = balance_plan(plan, times, BalanceParams(reps=team, shorter_drives=0.0))
    assert result.in_band, result.warnings
    assert all(t.pieces == 1 for t in result.loads if t.territory_id in result.balanced)
    assert {m.account_id for m in result.moves} >= set(own)


def test_per_rep_loss_cap_holds(ten_reps):
    plan, times = ten_reps
    rep, _ = _leaving(plan)
    team = tuple(r for r in plan.reps if r != rep)
    result = balance_plan(plan, times, BalanceParams(reps=team, max_losses_per_rep=3))
    lost: dict[str, int] = {}
    for m in result.moves:
        if m.from_rep != rep:
            lost[m.from_rep] = lost.get(m.from_rep, 0) + 1  # type: ignore[index]
    assert max(lost.values(), default=0) <= 3


def test_a_budget_below_the_accounts_that_must_move_is_refused(ten_reps):
    plan, times = ten_reps
    rep, own = _leaving(plan)
    team = tuple(r for r in plan.reps if r != rep)
    with pytest.raises(BalanceError, match=f"smaller than the {len(own)} accounts that must"):
        balance_plan(plan, times, BalanceParams(reps=team, max_moves=len(own) - 1))


def test_fewer_moves_end_of_the_slider_moves_fewer_accounts(ten_reps):
    plan, times = ten_reps
    rep, _ = _leaving(plan)
    team = tuple(r for r in plan.reps if r != rep)
    few = balance_plan(plan, times, BalanceParams(reps=team, shorter_drives=0.0))
    short = balance_plan(plan, times, BalanceParams(reps=team, shorter_drives=1.0))
    assert len(few.moves) < len(short.moves)


def test_report_lists_exactly_the_accounts_whose_owner_differs(ten_reps):
    plan, times = ten_reps
    rep, _ = _leaving(plan)
    team = tuple(r for r in plan.reps if r != rep)
    result = balance_plan(plan, times, BalanceParams(reps=team, shorter_drives=0.5))
    after = apply_alignment(plan, result.territory_of, result.territories, result.balanced,
                            result.vacated).plan
    before_of = assign_accounts(plan).territory_of
    after_of = assign_accounts(after).territory_of

    def owner(p, of, a):
        return p.territories[of[a]].rep_id if of.get(a) else None

    changed = {a for a in plan.accounts
               if owner(plan, before_of, a) != owner(after, after_of, a)}
    report = realignment_report(
        Side("before", plan, before_of, territory_loads(plan, before_of, times)),
        Side("after", after, after_of, territory_loads(after, after_of, times)))
    assert {c.account_id for c in report.handoffs} == changed
    assert changed == {m.account_id for m in result.moves}
    by_rep = {r.rep_id: r for r in report.reps}
    assert {c.account_id for c in by_rep[rep].lost} == {
        a for a in changed if owner(plan, before_of, a) == rep}
    assert not by_rep[rep].gained
    assert sum(len(r.gained) for r in report.reps) == len(changed)
    assert by_rep[rep].workload[1] == 0.0 and by_rep[rep].workload[0] > 0


def test_a_leaver_whose_neighbours_can_absorb_the_load_meets_the_goal(ten_reps):
    """Issue 11 item 5's goal where the budget allows it: R10 of ten leaves (35 accounts).

    Moves at most 1.3x the leaver's accounts, every territory within +/-5%, none in pieces.
    The cap inside the fractional model is spent again by rounding (this missed the band
    before); the move-penalty try stays within the budget and reaches it.
    """
    plan, times = ten_reps
    owned = assign_accounts(plan).territory_of
    tid = next(t.id for t in plan.territories.values() if t.rep_id == "R10")
    own = [a for a, t in owned.items() if t == tid]
    budget = math.floor(1.3 * len(own))
    team = tuple(r for r in plan.reps if r != "R10")
    result = balance_plan(plan, times, BalanceParams(reps=team, max_moves=budget,
                                                     shorter_drives=0.2))
    assert len(result.moves) <= budget
    assert result.in_band, result.warnings
    assert all(t.pieces == 1 for t in result.loads if t.territory_id in result.balanced)
    deviations = result.metrics.criteria["workload"].deviations
    assert max(abs(d) for d in deviations) <= 0.05 + 1e-9
    assert {m.account_id for m in result.moves} >= set(own)


@pytest.mark.parametrize("rep", ["R04", "R05", "R08"])
def test_a_leaver_whose_load_must_ripple_on_meets_the_goal(ten_reps, rep):
    """Issue 11 item 5's goal where the vacated load must pass on through the neighbours.

    R04 (35 accounts) and R08 (45) missed the band within 1.3x when the model was rounded
    and stray pieces handed over; R05 (43) also when border layers of fewest moves followed.
    One assignment MILP that keeps every territory whole (optimize/vacancy.py) reaches it.
    """
    plan, times = ten_reps
    owned = assign_accounts(plan).territory_of
    tid = next(t.id for t in plan.territories.values() if t.rep_id == rep)
    own = [a for a, t in owned.items() if t == tid]
    budget = math.floor(1.3 * len(own))
    team = tuple(r for r in plan.reps if r != rep)
    result = balance_plan(plan, times, BalanceParams(reps=team, max_moves=budget,
                                                     shorter_drives=0.2))
    assert len(result.moves) <= budget
    assert result.in_band, result.warnings
    assert all(t.pieces == 1 for t in result.loads if t.territory_id in result.balanced)
    assert {m.account_id for m in result.moves} >= set(own)


def test_a_leaver_the_milp_leaves_outside_the_band_comes_nearer(ten_reps):
    """A leaver the MILP leaves outside the band: the search takes it nearer, deterministically.

    R03 of ten (40 accounts): the vacancy MILP and the repair left 6 of 9 territories out of
    +/-5% (worst 9.2%) within the budget; the tabu search on the exact estimate
    (optimize/band_search.py) takes it to 3 (worst 6.7%), in one piece, within the budget,
    the same twice.
    """
    plan, times = ten_reps
    owned = assign_accounts(plan).territory_of
    tid = next(t.id for t in plan.territories.values() if t.rep_id == "R03")
    budget = math.floor(1.3 * sum(t == tid for t in owned.values()))
    team = tuple(r for r in plan.reps if r != "R03")
    params = BalanceParams(reps=team, max_moves=budget, shorter_drives=0.2)
    result = balance_plan(plan, times, params)
    assert len(result.moves) <= budget
    assert all(t.pieces == 1 for t in result.loads if t.territory_id in result.balanced)
    outside = result.metrics.criteria["workload"].outside(0.05)
    worst = max(abs(d) for d in result.metrics.criteria["workload"].deviations)
    assert len(outside) <= 3 and worst < 0.07, (outside, worst)
    again = balance_plan(plan, times, params)
    assert again.territory_of == result.territory_of
