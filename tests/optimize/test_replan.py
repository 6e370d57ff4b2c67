"""Re-planning a stored rotation, weekly hours, day balance, stretch and absurd frequencies."""

from __future__ import annotations

import time

import numpy as np
import pytest

from territory_desktop.model import RepSchedule, ScheduledVisit, UnplacedAccount
from territory_desktop.optimize.pvrp import Customer, Day, PVRPProblem, SolveParams, evaluate_route
from territory_desktop.optimize.replan import merge_replanned
from territory_desktop.optimize.rotation import (
    RotationAccount,
    RotationError,
    RotationPlanner,
    RotationRep,
    stretched_visits,
    visits_per_cycle,
)

HOME = (39.29, -76.61)
FAST = SolveParams(time_limit=60.0, iterations=500, slice_iterations=40, seed=2)


def _accounts(n: int = 30, seed: int = 4, size: float = 0.06) -> list[RotationAccount]:
    rng = np.random.default_rng(seed)
    return [RotationAccount(f"a{k}", HOME[0] + rng.uniform(-size, size),
                            HOME[1] + rng.uniform(-1.3 * size, 1.3 * size),
                            visits_per_cycle=(4, 2, 1)[k % 3], visit_minutes=40)
            for k in range(n)]


def test_merge_keeps_other_days_pins_and_ad_hoc_flags():
    v = ScheduledVisit
    stored = RepSchedule("r", 4, (
        v("a", 0, 0, 0), v("b", 0, 1, 0, pinned=True), v("c", 0, 1, 1, adhoc=True),
        v("d", 0, 2, 0), v("e", 1, 1, 0)), (UnplacedAccount("x", 1, "full"),))
    replanned = RepSchedule("r", 4, (
        v("a", 0, 0, 0), v("c", 0, 2, 0), v("b", 0, 1, 0), v("d", 0, 2, 1), v("e", 1, 2, 0)),
        (UnplacedAccount("x", 1, "full"), UnplacedAccount("y", 1, "new")))
    merged = merge_replanned(stored, replanned, {(0, 1), (0, 2)})
    by_slot = merged.days()
    assert by_slot[(0, 0)] == ["a"]  # untouched day, as stored
    assert by_slot[(1, 1)] == ["e"]  # another week: the re-planned copy is ignored
    assert (1, 2) not in by_slot
    assert by_slot[(0, 2)] == ["c", "d"] and by_slot[(0, 1)] == ["b"]
    flags = {(x.account_id, x.slot): (x.pinned, x.adhoc) for x in merged.visits}
    assert flags[("b", (0, 1))] == (True, False)
    assert flags[("c", (0, 2))] == (False, True)
    assert [u.account_id for u in merged.unplaced] == ["x", "y"]


def test_a_day_starts_late_rather_than_waiting_for_a_window():
    travel = np.array([[0, 600, 600], [600, 0, 600], [600, 600, 0]], dtype=float)
    problem = PVRPProblem(
        days=(Day(window=(8 * 3600.0, 17 * 3600.0)),),
        customers=(Customer(1, service=1800.0),
                   Customer(2, service=1800.0, time_window=(13 * 3600.0, 14 * 3600.0))),
        travel=travel)
    ev = evaluate_route(problem, 0, [0, 1])
    # 10 min, 30 min visit, 10 min, wait for 13:00, 30 min, 10 min home: leave at 12:10.
    assert ev.start == pytest.approx(12 * 3600 + 600)
    assert ev.waiting == 0 and ev.duration == pytest.approx(3 * 600 + 2 * 1800)
    assert ev.end == pytest.approx(13 * 3600 + 1800 + 600)


def test_day_balance_trades_driving_for_even_days():
    def solve(balance: float):
        planner = RotationPlanner(RotationRep("r", HOME), _accounts(size=0.03),
                                  day_balance=balance)
        s = planner.solve(FAST)
        assert s.feasible and not s.unplaced
        return s.total_drive_seconds, np.array([d.duration_seconds for d in s.days]) / 3600

    least_drive, least = solve(0.0)
    half_drive, half = solve(0.5)
    even_drive, even = solve(1.0)
    assert even.min() > 0 and even.std() < 0.5  # every working day used, even lengths
    assert least.std() > 2 and (least == 0).any()  # a few long days, some empty
    assert least.max() > half.max() > even.max()  # the longest day shrinks along the scale
    assert least_drive < half_drive < even_drive


def test_weekly_hours_bound_every_week_and_name_the_limit():
    rep = RotationRep("r", HOME, max_day_minutes=300, weekly_minutes=20 * 60)
    planner = RotationPlanner(rep, _accounts(60))
    s = planner.solve(FAST)
    for week in range(4):
        hours = sum(d.duration_seconds for d in s.days if d.day.week == week) / 3600
        assert hours <= 20 + 1e-6, f"week {week + 1}: {hours:.2f} h"
    assert s.unplaced, "60 accounts at 40 min need more than 20 h a week"
    assert all("20 h week" in u.reason for u in s.unplaced)
    assert s.stretch_factor > 1


def test_stretch_lowers_visits_even_by_a_tenth():
    required = {f"w{k}": 4 for k in range(10)} | {f"b{k}": 2 for k in range(10)}
    kept = stretched_visits(required, 1.10, 4)
    assert sum(kept.values()) == int(60 / 1.10)  # 54 of 60
    assert all(v in (1, 2, 3, 4) for v in kept.values())
    assert all(kept[a] <= required[a] for a in required)
    # the intervals written back convert to the same visits
    assert all(visits_per_cycle(round(4 / v, 4), 4) == v for v in kept.values())


@pytest.mark.parametrize("every", [1 / 7e9, 1e-320, 0.0, -2.0, float("nan"), float("inf")])
def test_absurd_frequencies_fail_fast_with_the_account_named(every):
    account = RotationAccount("odd", HOME[0], HOME[1], every_weeks=every)
    start = time.perf_counter()
    with pytest.raises(RotationError, match="account odd"):
        RotationPlanner(RotationRep("r", HOME), [account, *_accounts(3)])
    assert time.perf_counter() - start < 1.0
