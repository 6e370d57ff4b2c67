"""Scenarios saved in the plan file: save -> load gives the same scenarios, old files have none."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from territory_desktop.design_edits import apply_alignment
from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.io.planfile import PlanFileError, load_plan, save_plan
from territory_desktop.model import TierCadence
from territory_desktop.model.scenario import Scenario
from territory_desktop.optimize.balance import BalanceParams, balance_plan
from territory_desktop.optimize.drive_times import drive_times

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def two_scenarios(sample_plan):
    """Give the sample as it ships ("Current") and balanced over its reps, own cadence."""
    plan = sample_plan.copy()
    now = Scenario.from_plan(plan, "Current", assign_accounts(plan).territory_of,
                             note="as shipped", created="2026-12-06T23:00:00")
    result = balance_plan(plan, drive_times(plan), BalanceParams(reps=tuple(plan.reps)))
    balanced = apply_alignment(plan, result.territory_of, result.territories,
                               result.balanced).plan
    later = Scenario.from_plan(balanced, "Balanced, A every 2 weeks",
                               assign_accounts(balanced).territory_of)
    later = Scenario(later.name, later.assignment, later.territories, later.team,
                     (TierCadence("A", 2, 60), TierCadence("B", 4, 30), TierCadence("C", 8, 20)))
    plan.scenarios = [now, later]
    return plan


def test_scenarios_round_trip_identical(two_scenarios, tmp_path: Path) -> None:
    path = tmp_path / "with_scenarios.gpkg"
    save_plan(two_scenarios, path)
    back = load_plan(path)
    assert [s.name for s in back.scenarios] == ["Current", "Balanced, A every 2 weeks"]
    assert back.scenarios == two_scenarios.scenarios
    # Not vacuous: the two alignments differ and the second one carries its own cadence.
    a, b = back.scenarios
    assert a.assignment != b.assignment and len(a.assignment) == 248
    assert a.cadence != b.cadence and b.cadence[0] == TierCadence("A", 2, 60)
    assert sum(t.geometry is not None for t in b.territories) >= 4  # outlines saved too
    # Saving the loaded plan again writes the same scenarios.
    save_plan(back, tmp_path / "again.gpkg")
    assert load_plan(tmp_path / "again.gpkg").scenarios == two_scenarios.scenarios


def test_v2_fixture_loads_with_no_scenarios(tmp_path: Path) -> None:
    plan = load_plan(DATA / "plan_v2.gpkg")
    assert plan.scenarios == []
    save_plan(plan, tmp_path / "v3.gpkg")
    assert load_plan(tmp_path / "v3.gpkg").scenarios == []


def test_two_scenarios_with_one_name_are_refused(two_scenarios, tmp_path: Path) -> None:
    plan = two_scenarios.copy()
    plan.scenarios.append(plan.scenarios[0])
    with pytest.raises(PlanFileError, match="two scenarios are named 'Current'"):
        save_plan(plan, tmp_path / "dup.gpkg")


def test_a_scenario_row_of_an_unknown_scenario_is_named(two_scenarios, tmp_path: Path) -> None:
    path = tmp_path / "damaged.gpkg"
    save_plan(two_scenarios, path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE td_scenario_team SET scenario = 'Gone' WHERE fid = 2")
    with pytest.raises(PlanFileError, match=r"table td_scenario_team: .*scenario 'Gone' has no "
                                            r"row in td_scenarios"):
        load_plan(path)
