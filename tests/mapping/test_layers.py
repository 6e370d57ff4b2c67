from __future__ import annotations

import json

from shapely.geometry import LineString, Point, shape

from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.mapping.layers import (
    UNASSIGNED_COLOR,
    accounts_collection,
    isochrone_collection,
    reps_collection,
    route_collection,
    territories_collection,
)

XSS_NAME = "<img src=x onerror=alert(1)>"


def _by_id(fc):
    return {f["properties"]["id"]: f for f in fc["features"]}


def test_accounts_are_coloured_by_their_territory_and_unassigned_grey(two_territory_plan):
    plan = two_territory_plan
    fc = accounts_collection(plan, assign_accounts(plan))
    feats = _by_id(fc)
    assert fc["type"] == "FeatureCollection"
    assert feats["a1"]["properties"]["color"] == "#1f77b4"
    assert feats["a1"]["properties"]["territory_id"] == "t1"
    assert feats["a2"]["properties"]["color"] == "#ff7f0e"
    assert feats["a3"]["properties"]["color"] == UNASSIGNED_COLOR
    assert feats["a3"]["properties"]["assigned"] is False
    assert feats["a3"]["properties"]["territory_id"] is None
    assert feats["a2"]["properties"]["approximate"] is True
    assert feats["a1"]["properties"]["tier"] == "A"
    assert feats["a1"]["geometry"] == {"type": "Point", "coordinates": [-76.62, 39.29]}


def test_text_is_kept_as_data_not_escaped(two_territory_plan):
    plan = two_territory_plan
    accounts = _by_id(accounts_collection(plan, assign_accounts(plan)))
    territories = _by_id(territories_collection(plan))
    assert accounts["a1"]["properties"]["name"] == XSS_NAME
    assert accounts["a1"]["properties"]["address"] == "1 & 2 <Main> St"
    assert territories["t1"]["properties"]["name"] == "West <b>side</b>"
    # and the JSON that goes to the page round-trips the raw text
    assert json.loads(json.dumps(accounts))["a1"]["properties"]["name"] == XSS_NAME


def test_territories_carry_rep_counts_and_a_label_inside(two_territory_plan):
    plan = two_territory_plan
    fc = territories_collection(plan, assign_accounts(plan))
    feats = _by_id(fc)
    west = feats["t1"]["properties"]
    assert west["rep_name"] == "Ann"
    assert west["color"] == "#1f77b4"
    assert west["accounts"] == 1
    poly = shape(feats["t1"]["geometry"])
    assert poly.equals(plan.territories["t1"].geometry)
    assert poly.contains(Point(west["label"]))


def test_reps_take_their_territory_colour(two_territory_plan):
    feats = _by_id(reps_collection(two_territory_plan))
    assert feats["r1"]["properties"]["color"] == "#1f77b4"
    assert feats["r1"]["properties"]["territories"] == ["West <b>side</b>"]
    assert feats["r2"]["geometry"]["coordinates"] == [-76.59, 39.28]


def test_route_and_isochrone_collections():
    route = route_collection(
        [[(-76.6, 39.3), (-76.61, 39.31)], LineString([(-76.61, 39.31), (-76.62, 39.3)])],
        [{"from": "Home", "to": "A", "km": 1.2}, {"from": "A", "to": "Home", "km": 1.4}],
        stops=[(-76.6, 39.3, "Home"), (-76.61, 39.31, "A")],
    )
    legs = [f for f in route["features"] if f["properties"]["kind"] == "leg"]
    stops = [f for f in route["features"] if f["properties"]["kind"] == "stop"]
    assert [leg["properties"]["leg"] for leg in legs] == [0, 1]
    assert legs[1]["geometry"]["type"] == "LineString"
    assert legs[0]["properties"]["to"] == "A"
    assert [s["properties"]["label"] for s in stops] == ["Home", "A"]
    iso = isochrone_collection([(Point(-76.6, 39.3).buffer(0.01), {"minutes": 30})])
    assert iso["features"][0]["geometry"]["type"] == "Polygon"
    assert iso["features"][0]["properties"] == {"minutes": 30}
