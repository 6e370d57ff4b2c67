"""CGL periodic VRP reader and checker, on the public instances in ../shared/data/pvrp."""

from __future__ import annotations

import pytest
from shared_paths import SHARED_DATA

from territory_desktop.optimize.cgl_format import (
    CGLFormatError,
    CGLRoute,
    check_solution,
    read_instance,
    read_solution,
)

DATA = SHARED_DATA / "pvrp"
REFERENCE_COST = {
    "p01": 524.61, "p02": 1322.87, "p03": 524.61, "p04": 835.43, "p05": 2027.99,
    "p06": 836.37, "p07": 826.14, "p08": 2034.15, "p09": 826.14, "p10": 1595.84,
    "pr01": 2209.02, "pr02": 3799.28, "pr03": 5218.13, "pr04": 6012.79, "pr05": 6769.80,
}


@pytest.mark.parametrize("name", sorted(REFERENCE_COST))
def test_reference_solutions_recompute_to_their_stated_cost(name):
    inst = read_instance(DATA / f"{name}.txt")
    ref = read_solution(DATA / f"{name}.res")
    cost, errors = check_solution(inst, ref.routes)
    if name == "p01":
        # The reference leaves out customer 51: it sits on the depot with demand = Q, so it
        # costs nothing but needs a vehicle of its own on day 2 (the engine's p01 schedule
        # does serve it, see tests/optimize).
        assert tuple(inst.coords[51]) == tuple(inst.coords[0])
        assert errors == ["customer 51 visited on days mask 0, not an allowed combination"]
    else:
        assert errors == []
    assert cost == pytest.approx(REFERENCE_COST[name], abs=0.006)
    assert ref.cost == pytest.approx(REFERENCE_COST[name], abs=0.006)


def test_p02_header_and_combinations():
    inst = read_instance(DATA / "p02.txt")
    assert (inst.vehicles, inst.num_customers, inst.num_days) == (3, 50, 5)
    assert inst.capacity == (160.0,) * 5 and inst.max_duration == (0.0,) * 5
    assert inst.combinations[1] == (1, 2, 4, 8, 16)
    assert inst.combinations[2] == (31,)
    assert inst.combinations[3] == (5, 10, 20)


def test_checker_reports_violations():
    inst = read_instance(DATA / "p02.txt")
    ref = read_solution(DATA / "p02.res")
    routes = list(ref.routes)
    moved = routes[0]
    # Move the first route to another day: some customers then break their combination.
    routes[0] = CGLRoute(moved.day % 5 + 1, moved.vehicle, moved.customers)
    _, errors = check_solution(inst, routes)
    assert any("not an allowed combination" in e for e in errors)
    # Merge two routes of the same day: capacity breaks.
    r1, r2 = ref.routes[0], next(r for r in ref.routes[1:] if r.day == ref.routes[0].day)
    merged = [CGLRoute(r1.day, 1, r1.customers + r2.customers)] + [
        r for r in ref.routes if r not in (r1, r2)
    ]
    _, errors = check_solution(inst, merged)
    assert any("load" in e for e in errors)


def test_duration_limit_checked():
    inst = read_instance(DATA / "pr01.txt")
    ref = read_solution(DATA / "pr01.res")
    r1, r2 = ref.routes[0], next(r for r in ref.routes[1:] if r.day == ref.routes[0].day)
    merged = [CGLRoute(r1.day, 1, r1.customers + r2.customers)] + [
        r for r in ref.routes if r not in (r1, r2)
    ]
    _, errors = check_solution(inst, merged)
    assert any("duration" in e for e in errors)


def test_bad_file_raises(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("2 3 10 4\n")
    with pytest.raises(CGLFormatError):
        read_instance(bad)
