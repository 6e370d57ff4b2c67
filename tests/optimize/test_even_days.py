"""Even days at the least driving, on the sample plan's reps and road times (issue 8, item 22)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.optimize import plan_schedule as ps
from territory_desktop.optimize.pvrp import solve_pvrp
from territory_desktop.optimize.rotation_schedule import schedule_from_result


@pytest.fixture(scope="module")
def solve(sample_plan, baltimore_network):
    """Schedule one rep of the sample plan at a day balance, as the GUI and CLI do."""
    territory_of = assign_accounts(sample_plan).territory_of

    def run(rep_id: str, balance: float) -> ps.RepRotation:
        plan = sample_plan.copy()
        plan.settings = dataclasses.replace(plan.settings, day_balance=balance)
        _record, rotation = ps.solve_rep(plan, rep_id, territory_of, baltimore_network,
                                         seconds=300, seed=0)
        assert rotation.schedule.feasible and not rotation.schedule.unplaced
        return rotation

    return run


def _hours(rotation: ps.RepRotation) -> np.ndarray:
    return np.array([d.duration_seconds if d.account_ids else 0.0
                     for d in rotation.schedule.days]) / 3600


def test_a_rep_with_fewer_visits_than_days_uses_a_day_per_visit(solve):
    """REP-ENT has 12 visits for 20 working days: even days puts each on its own day."""
    rotation = solve("REP-ENT", 1.0)
    assert sum(rotation.planner.required) == 12 and len(rotation.planner.days) == 20
    used = _hours(rotation)[_hours(rotation) > 0]
    assert len(used) == 12, f"{len(used)} of the 12 usable days used"
    assert used.std() < 0.5


def test_even_days_gives_the_spread_below_half_an_hour_back_to_driving(solve):
    """Every day used, spread under 0.5 h, and less driving than the engine's tight days."""
    rotation = solve("REP-1", 1.0)
    hours = _hours(rotation)
    assert (hours > 0).all() and hours.std() < 0.5
    planner = rotation.planner
    params = dataclasses.replace(planner.default_params(), time_limit=300, seed=0)
    tight = schedule_from_result(planner, solve_pvrp(planner.problem(), planner.params(params)))
    tight_hours = np.array([d.duration_seconds for d in tight.days]) / 3600
    assert (tight_hours > 0).all() and tight_hours.std() < hours.std()
    assert rotation.schedule.total_drive_seconds < tight.total_drive_seconds - 60


def test_least_driving_is_the_engines_answer_unchanged(solve):
    rotation = solve("REP-4", 0.0)
    planner = rotation.planner
    assert not planner.even_days and planner.balance == 0.0
    params = dataclasses.replace(planner.default_params(), time_limit=300, seed=0)
    engine = schedule_from_result(planner, solve_pvrp(planner.problem(), planner.params(params)))
    assert [d.account_ids for d in engine.days] == [d.account_ids
                                                    for d in rotation.schedule.days]
    assert (_hours(rotation) == 0).sum() >= 10  # a few long days: least driving packs them
