from __future__ import annotations

import base64
import json

import numpy as np
from shapely.geometry import LineString, Point, shape

from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.mapping.layers import (
    UNASSIGNED_COLOR,
    account_points,
    isochrone_collection,
    reps_collection,
    route_collection,
    territories_collection,
)

XSS_NAME = "<img src=x onerror=alert(1)>"


def _by_id(fc):
    return {f["properties"]["id"]: f for f in fc["features"]}


def _column(points, name, dtype):
    return np.frombuffer(base64.b64decode(points.columns[name]), dtype).tolist()


def test_accounts_are_coloured_by_their_territory_and_unassigned_grey(two_territory_plan):
    plan = two_territory_plan
    points = account_points(plan, assign_accounts(plan))
    cols = points.columns
    assert cols["ids"] == ["a1", "a2", "a3"] and len(points) == 3
    # columns: micro-degrees, territory index into colors (-1 unassigned), tier, flags
    assert _column(points, "lon", "<i4")[0] == -76_620_000
    assert _column(points, "lat", "<i4")[0] == 39_290_000
    colors = [cols["colors"][i] if i >= 0 else UNASSIGNED_COLOR
              for i in _column(points, "territory", "<i4")]
    assert colors == ["#1f77b4", "#ff7f0e", UNASSIGNED_COLOR]
    assert [cols["tiers"][i] for i in _column(points, "tier", "u1")] == ["A", "B", "C"]
    assert _column(points, "flags", "u1")[1] == 1  # a2 has an approximate location
    cards = {aid: points.card(aid) for aid in cols["ids"]}
    assert cards["a1"]["color"] == "#1f77b4"
    assert cards["a1"]["territory_id"] == "t1"
    assert cards["a2"]["color"] == "#ff7f0e"
    assert cards["a3"]["color"] == UNASSIGNED_COLOR
    assert cards["a3"]["assigned"] is False
    assert cards["a3"]["territory_id"] is None
    assert cards["a2"]["approximate"] is True
    assert cards["a1"]["tier"] == "A"
    assert points.card("no such account") is None


def test_text_is_kept_as_data_not_escaped(two_territory_plan):
    plan = two_territory_plan
    card = account_points(plan, assign_accounts(plan)).card("a1")
    territories = _by_id(territories_collection(plan))
    assert card["name"] == XSS_NAME
    assert card["address"] == "1 & 2 <Main> St"
    assert territories["t1"]["properties"]["name"] == "West <b>side</b>"
    # and the JSON that goes to the page round-trips the raw text
    assert json.loads(json.dumps(card))["name"] == XSS_NAME


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
