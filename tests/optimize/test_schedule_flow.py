"""Scheduling one rep flows one way, each step a function of the one before.

Plan -> rotation problem -> engine (-> even days) -> schedule -> evaluation (issue 10).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.optimize import plan_schedule as ps
from territory_desktop.optimize.even_days import even_out
from territory_desktop.optimize.pvrp import SolveParams, solve_pvrp
from territory_desktop.optimize.rotation_schedule import schedule_from_result, solve_rotation

ROOT = Path(__file__).resolve().parents[2]
PARAMS = SolveParams(time_limit=60.0, iterations=400, slice_iterations=40, seed=5)


def test_no_step_imports_a_later_one():
    """Hold the import contract "schedule-flow" (pyproject.toml).

    The engine knows no rotation, the problem no schedule, the schedule no plan.
    """
    done = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache",
                           "--contract", "schedule-flow"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "Scheduling one rep flows one way" in done.stdout and "KEPT" in done.stdout


def test_the_steps_compose_into_the_schedule(sample_plan):
    rep_id = "REP-2"
    territory_of = assign_accounts(sample_plan).territory_of
    problem = ps.planner_for(sample_plan, rep_id, territory_of, None)  # plan -> problem
    answer = solve_pvrp(problem.problem(), problem.params(PARAMS))  # problem -> engine
    assert problem.even_days  # the plan's default: the engine's days are then evened out
    answer = even_out(problem.problem(), answer, seed=PARAMS.seed)  # engine -> even days
    schedule = schedule_from_result(problem, answer)  # engine -> schedule
    summary = ps.summarise(rep_id, schedule)  # schedule -> evaluation
    # The one call that runs the middle steps gives the same schedule, visit for visit.
    again = solve_rotation(problem, PARAMS)
    assert [d.account_ids for d in again.days] == [d.account_ids for d in schedule.days]
    assert ps.summarise(rep_id, again) == summary
    # Evaluating the plan's record of the schedule gives the same figures back.
    record = ps.to_rep_schedule(ps.RepRotation(problem, schedule), seed=PARAMS.seed)
    assert ps.summarise(rep_id, ps.evaluate(problem, record)) == summary
    assert summary.compliance == pytest.approx(
        sum(len(schedule.visit_days(a)) for a in schedule.required_visits)
        / sum(schedule.required_visits.values()))
