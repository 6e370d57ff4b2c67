import pytest
from shapely.geometry import LineString, box

from territory_desktop import edits
from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.geo.polygons import GeometryError
from territory_desktop.model import Account, Plan, PlanError, Rep, Territory
from territory_desktop.model.workload import workloads

X0, Y0, D = -76.62, 39.29, 0.01


def base_plan() -> Plan:
    plan = Plan()
    plan.reps = {"r1": Rep("r1", "Ana", Y0, X0)}
    plan.accounts = {
        f"a{i}": Account(f"a{i}", f"Acct {i}", Y0 + 0.005 + 0.01 * (i % 2), X0 + 0.005 + 0.01 * i,
                         tier="ABC"[i % 3])
        for i in range(4)
    }
    west = Territory("T1", "West", "#1f77b4", "r1", box(X0, Y0, X0 + 2 * D, Y0 + 2 * D))
    plan.territories = {"T1": west}
    return plan


def test_add_territory_clips_and_does_not_mutate_input():
    plan = base_plan()
    edit = edits.add_territory(plan, box(X0 + D, Y0, X0 + 4 * D, Y0 + 2 * D))
    assert list(plan.territories) == ["T1"]
    new = edit.plan
    assert len(new.territories) == 2
    t2 = next(t for t in new.territories.values() if t.id != "T1")
    overlap = t2.geometry.intersection(new.territories["T1"].geometry)
    assert overlap.area == pytest.approx(0, abs=1e-12)
    a = assign_accounts(new)
    assert a.territory_of == {"a0": "T1", "a1": "T1", "a2": t2.id, "a3": t2.id}
    assert t2.color != "#1f77b4"


def test_add_territory_keep_new_respects_lock():
    plan = base_plan()
    plan.territories["T1"] = edits.replace(plan.territories["T1"], locked=True)
    with pytest.raises(GeometryError, match="locked"):
        edits.add_territory(plan, box(X0 + D, Y0, X0 + 4 * D, Y0 + 2 * D), keep="new")


def test_split_then_merge_round_trip_area():
    plan = base_plan()
    area = plan.territories["T1"].geometry.area
    split = edits.split_territory(plan, "T1", LineString([(X0 + D, Y0 - D), (X0 + D, Y0 + 3 * D)]))
    assert len(split.plan.territories) == 2
    ids = list(split.plan.territories)
    assert sum(t.geometry.area for t in split.plan.territories.values()) == pytest.approx(area)
    assert split.plan.territories["T1"].rep_id == "r1"
    merged = edits.merge_territories(split.plan, ids)
    assert list(merged.plan.territories) == ["T1"]
    assert merged.plan.territories["T1"].geometry.area == pytest.approx(area)


def test_delete_territory_removes_its_rules_and_pin_moves_account():
    plan = base_plan()
    plan = edits.add_overlay_territory(plan, "Key accounts", None).plan
    key = next(t for t in plan.territories if t != "T1")
    plan = edits.pin_account(plan, "a0", key).plan
    assert assign_accounts(plan).territory_of["a0"] == key
    plan = edits.pin_account(plan, "a0", "T1").plan
    assert len(plan.rules) == 1
    deleted = edits.delete_territories(plan, ["T1"])
    assert deleted.plan.rules == []
    assert assign_accounts(deleted.plan).unassigned() == ["a0", "a1", "a2", "a3"]


def test_update_territory_validates():
    plan = base_plan()
    assert edits.update_territory(plan, "T1", name="North").plan.territories["T1"].name == "North"
    with pytest.raises(PlanError):
        edits.update_territory(plan, "T1", rep_id="nobody")
    with pytest.raises(PlanError):
        edits.update_territory(plan, "T1", color="red")


def test_workloads_follow_cadence_and_overrides():
    plan = base_plan()
    rows = workloads(plan, assign_accounts(plan).territory_of)
    west, unassigned = rows
    # a0 (A weekly 45) and a1 (B two-weekly 30) are inside; a2 (C) and a3 (A) are outside
    assert west.accounts == 2 and unassigned.accounts == 2
    assert west.visits_per_year == pytest.approx(52 + 26)
    assert west.visit_hours_per_year == pytest.approx(52 * 0.75 + 26 * 0.5)
    assert west.share == pytest.approx(1.0)
    plan = edits.update_account(plan, "a0", every_weeks=2.0, visit_minutes=60.0).plan
    west = workloads(plan, assign_accounts(plan).territory_of)[0]
    assert west.visit_hours_per_year == pytest.approx(26 * 1.0 + 26 * 0.5)


def test_workloads_add_scheduled_drive_and_utilisation():
    plan = base_plan()
    rows = workloads(plan, assign_accounts(plan).territory_of, lambda rep: 3.0)
    west = rows[0]
    assert west.drive_hours_per_week == pytest.approx(3.0)
    expected = (west.visit_hours_per_week + 3.0) / 40.0
    assert west.utilisation == pytest.approx(expected)
    unknown = workloads(plan, assign_accounts(plan).territory_of)[0]
    assert unknown.drive_hours_per_week is None
    assert unknown.utilisation == pytest.approx(unknown.visit_hours_per_week / 40.0)


def test_pin_accounts_pins_and_unpins_several_as_one_edit(sample_plan):
    tid = next(iter(sample_plan.territories))
    ids = list(sample_plan.accounts)[:3]
    pinned = edits.pin_accounts(sample_plan, ids, tid)
    assert pinned.text == f"Pin to {sample_plan.territories[tid].name}: 3 account(s)"
    territory_of = assign_accounts(pinned.plan).territory_of
    assert all(territory_of[a] == tid for a in ids)
    assert sum(r.field == "id" for r in pinned.plan.rules) == 3
    assert not any(r.field == "id" for r in sample_plan.rules)  # the input is untouched
    unpinned = edits.pin_accounts(pinned.plan, ids, None)
    assert unpinned.text == "Unpin: 3 account(s)"
    assert not any(r.field == "id" for r in unpinned.plan.rules)
    with pytest.raises(PlanError):
        edits.pin_accounts(sample_plan, ["no-such-account"], tid)


def test_overlap_under_the_threshold_is_a_slip_along_the_border():
    plan = base_plan()  # West covers 2D x 2D from (X0, Y0)
    beside = box(X0 + 2 * D, Y0, X0 + 4 * D, Y0 + 2 * D)
    assert edits.overlapping_territories(plan, beside) == []
    sliver = box(X0 + 2 * D - 1e-6, Y0, X0 + 4 * D, Y0 + 2 * D)  # ~0.09 m x 2.2 km: ~190 m²
    inside = box(X0 + D, Y0, X0 + 3 * D, Y0 + 2 * D)
    assert edits.overlapping_territories(plan, inside) == ["West"]
    assert edits.overlapping_territories(plan, inside, exclude="T1") == []
    from territory_desktop.geo.polygons import area_m2

    thin = box(X0 + 2 * D - 2e-7, Y0, X0 + 4 * D, Y0 + 2 * D)
    assert area_m2(thin.intersection(plan.territories["T1"].geometry)) < edits.MIN_OVERLAP_M2
    assert edits.overlapping_territories(plan, thin) == []
    assert area_m2(sliver.intersection(plan.territories["T1"].geometry)) > edits.MIN_OVERLAP_M2
    assert edits.overlapping_territories(plan, sliver) == ["West"]
