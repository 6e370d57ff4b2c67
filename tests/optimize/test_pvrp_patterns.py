"""The pattern descent of the periodic VRP engine on a CGL instance respects the tabu list."""

from __future__ import annotations

import pytest

from territory_desktop.optimize.cgl_format import read_instance, to_problem
from territory_desktop.optimize.pvrp import SolveParams
from territory_desktop.optimize.pvrp.engine import Engine, Routes
from territory_desktop.optimize.pvrp.search import (
    construct,
    initial_choice,
    pattern_descent,
)


def _quiet(fraction: float, message: str) -> None:
    pass


def _never() -> bool:
    return False


@pytest.fixture
def p02(shared_data):
    problem = to_problem(read_instance(shared_data / "pvrp" / "p02.txt"))
    eng = Engine(problem, SolveParams(seed=3), _quiet, _never)
    choice = initial_choice(eng)
    routes = construct(eng, choice)
    multi = [i for i in eng.active if len(eng.patterns[i]) > 1]
    return eng, choice, routes, multi


def _assert_routes_follow_patterns(eng: Engine, routes: Routes, choice: dict[int, int]) -> None:
    """Every customer is visited once per block of its chosen (allowed) pattern, on a block day."""
    seen: dict[int, list[tuple[int, int]]] = {}
    for day, day_routes in enumerate(routes):
        assert len(day_routes) <= eng.p.days[day].vehicles
        for seq in day_routes:
            for ci, block in seq:
                seen.setdefault(ci, []).append((day, block))
    assert sorted(seen) == sorted(eng.active)
    for ci in eng.active:
        assert 0 <= choice[ci] < len(eng.patterns[ci])
        pattern = eng.patterns[ci][choice[ci]]
        visits = sorted(seen[ci], key=lambda v: v[1])
        assert [b for _, b in visits] == list(range(len(pattern)))
        assert all(day in pattern[b] for day, b in visits)


def test_descent_leaves_tabu_customers_on_their_pattern(p02):
    eng, choice, routes, multi = p02
    free = pattern_descent(eng, list(routes), dict(choice), multi)
    assert free, "the constructed start has improving pattern changes"
    tabu = dict.fromkeys(free, 10)
    work, work_choice = list(routes), dict(choice)
    moved = pattern_descent(eng, work, work_choice, multi, tabu, it=5)
    assert not set(moved) & set(free)
    assert all(work_choice[ci] == choice[ci] for ci in free)
    _assert_routes_follow_patterns(eng, work, work_choice)
    # once the tenure is over they may move again
    again = pattern_descent(eng, list(routes), dict(choice), multi, tabu, it=10)
    assert set(again) & set(free)
