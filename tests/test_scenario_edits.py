"""Saving, promoting and deleting scenarios: pure edits on the real sample plan."""

from __future__ import annotations

import pytest

from territory_desktop.design_edits import (
    apply_alignment,
    delete_scenario,
    promote_scenario,
    save_scenario,
)
from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.model import OverlayRule, PlanError
from territory_desktop.optimize.balance import BalanceParams, balance_plan
from territory_desktop.optimize.drive_times import drive_times


@pytest.fixture(scope="module")
def shipped_then_balanced(sample_plan):
    """Save the sample as "As shipped", then balance it (the plan now differs)."""
    plan = save_scenario(sample_plan, "As shipped",
                         assign_accounts(sample_plan).territory_of).plan
    result = balance_plan(plan, drive_times(plan), BalanceParams())
    return apply_alignment(plan, result.territory_of, result.territories,
                           result.balanced).plan


def test_promote_brings_back_the_saved_alignment(shipped_then_balanced, sample_plan):
    plan = shipped_then_balanced
    before = assign_accounts(sample_plan).territory_of
    assert assign_accounts(plan).territory_of != before
    edit = promote_scenario(plan, "As shipped")
    assert edit.text == "Promote scenario As shipped"
    assert list(edit.plan.territories.values()) == list(sample_plan.territories.values())
    assert assign_accounts(edit.plan).territory_of == before
    assert edit.notes == () and edit.plan.scenarios == plan.scenarios
    assert plan.territories != edit.plan.territories  # the input plan is untouched


def test_promote_pins_accounts_a_newer_rule_would_move(shipped_then_balanced, sample_plan):
    plan = shipped_then_balanced.copy()
    saved = assign_accounts(sample_plan).territory_of
    moved = next(a for a, t in saved.items() if t == "T1")
    plan.rules = [OverlayRule("R-new", "id", moved, "T2"), *plan.rules]
    edit = promote_scenario(plan, "As shipped")
    assert assign_accounts(edit.plan).territory_of == saved
    assert edit.plan.rules[0] == OverlayRule(edit.plan.rules[0].id, "id", moved, "T1")
    assert edit.notes == ("1 accounts pinned by overlay rules to keep the scenario's "
                          "alignment",)


def test_promote_refuses_a_scenario_whose_rep_left(shipped_then_balanced):
    plan = shipped_then_balanced.copy()
    del plan.reps["REP-4"]
    with pytest.raises(PlanError, match="gives territories to rep REP-4, who is no longer"):
        promote_scenario(plan, "As shipped")


def test_save_refuses_a_taken_or_empty_name_and_delete_removes(shipped_then_balanced):
    plan = shipped_then_balanced
    owned = assign_accounts(plan).territory_of
    with pytest.raises(PlanError, match="'As shipped' exists already"):
        save_scenario(plan, " As shipped ", owned)
    with pytest.raises(PlanError, match="needs a name"):
        save_scenario(plan, "  ", owned)
    two = save_scenario(plan, "Balanced", owned, "2026-12-06T23:00:00").plan
    assert [s.name for s in two.scenarios] == ["As shipped", "Balanced"]
    assert two.scenarios[1].created == "2026-12-06T23:00:00"
    assert [s.name for s in delete_scenario(two, "As shipped").plan.scenarios] == ["Balanced"]
    again = save_scenario(two, "As shipped", owned, "2026-12-07T09:00:00", replace=True)
    assert again.text == "Replace scenario As shipped"
    assert [(s.name, s.created) for s in again.plan.scenarios] == [
        ("As shipped", "2026-12-07T09:00:00"), ("Balanced", "2026-12-06T23:00:00")]
    with pytest.raises(PlanError, match="no scenario named 'Gone'"):
        delete_scenario(two, "Gone")
