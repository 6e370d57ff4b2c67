from shapely.geometry import box

from territory_desktop.geo.assignment import OUTSIDE, assign_accounts
from territory_desktop.model import Account, OverlayRule, Plan, Territory


def make_plan() -> Plan:
    plan = Plan()
    plan.accounts = {
        "in1": Account("in1", "Inside one", 0.5, 0.5),
        "in2": Account("in2", "Inside two", 0.5, 1.5, segment="Enterprise"),
        "edge": Account("edge", "On border", 0.5, 1.0),
        "out": Account("out", "Far away", 5.0, 5.0),
    }
    plan.territories = {
        "t1": Territory("t1", "West", "#1f77b4", geometry=box(0, 0, 1, 1)),
        "t2": Territory("t2", "East", "#ff7f0e", geometry=box(1, 0, 2, 1)),
        "ent": Territory("ent", "Enterprise", "#2ca02c"),
    }
    return plan


def test_geography_then_border_then_outside():
    a = assign_accounts(make_plan())
    assert a.territory_of == {"in1": "t1", "in2": "t2", "edge": "t1", "out": None}
    assert a.reason["out"] == OUTSIDE
    assert a.unassigned() == ["out"]


def test_field_rule_beats_map_and_pin_beats_field_rule():
    plan = make_plan()
    plan.rules = [OverlayRule("r1", "segment", "enterprise", "ent")]
    a = assign_accounts(plan)
    assert a.territory_of["in2"] == "ent"
    assert a.reason["in2"] == "rule: segment = enterprise"
    plan.rules.insert(0, OverlayRule("r0", "id", "in2", "t1"))
    assert assign_accounts(plan).territory_of["in2"] == "t1"


def test_rule_to_deleted_territory_is_ignored():
    plan = make_plan()
    plan.rules = [OverlayRule("r1", "id", "out", "gone")]
    assert assign_accounts(plan).territory_of["out"] is None
    assert plan.validate() == ["rule account out pinned refers to unknown territory gone"]
