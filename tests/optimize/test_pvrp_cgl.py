"""The periodic VRP engine on CGL benchmark instances: feasible, close to the reference costs."""

from __future__ import annotations

import pytest

from territory_desktop.optimize.cgl_format import (
    CGLRoute,
    check_solution,
    read_instance,
    to_problem,
)
from territory_desktop.optimize.pvrp import SolveParams, solve_pvrp


def _solve(data, name: str, **kw):
    inst = read_instance(data / f"{name}.txt")
    res = solve_pvrp(to_problem(inst), SolveParams(**kw))
    routes = [CGLRoute(r.day + 1, r.vehicle + 1, tuple(c + 1 for c in r.customers))
              for r in res.routes]
    cost, errors = check_solution(inst, routes)
    return res, cost, errors


@pytest.mark.parametrize(("name", "reference", "gap"),
                         [("p01", 524.61, 0.01), ("p03", 524.61, 0.01)])
def test_small_instances_near_the_reference_cost(shared_data, name, reference, gap):
    res, cost, errors = _solve(shared_data / "pvrp", name, iterations=6000, time_limit=60,
                               seed=1)
    assert errors == []
    assert res.feasible and not res.unplaced
    assert cost == pytest.approx(res.cost, abs=1e-6)
    assert cost <= reference * (1 + gap)
