"""The periodic VRP engine on CGL benchmark instances: feasible and close to best known."""

from __future__ import annotations

import pytest
from shared_paths import SHARED_DATA

from territory_desktop.io.cgl_format import CGLRoute, check_solution, read_instance, to_problem
from territory_desktop.optimize.pvrp import SolveParams, solve_pvrp

DATA = SHARED_DATA / "pvrp"


def _solve(name: str, **kw):
    inst = read_instance(DATA / f"{name}.txt")
    res = solve_pvrp(to_problem(inst), SolveParams(**kw))
    routes = [CGLRoute(r.day + 1, r.vehicle + 1, tuple(c + 1 for c in r.customers))
              for r in res.routes]
    cost, errors = check_solution(inst, routes)
    return res, cost, errors


@pytest.mark.parametrize(("name", "best", "gap"), [("p01", 524.61, 0.01), ("p03", 524.61, 0.01)])
def test_small_instances_near_best_known(name, best, gap):
    res, cost, errors = _solve(name, time_limit=3.0, seed=1)
    assert errors == []
    assert res.feasible and not res.unplaced
    assert cost == pytest.approx(res.cost, abs=1e-6)
    assert cost <= best * (1 + gap)
