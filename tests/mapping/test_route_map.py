"""A route on the map and in the status bar, in the user's unit (``mapping.route_map``)."""

from __future__ import annotations

import pytest

from territory_desktop.mapping.route_map import leg_properties, route_layer, route_summary
from territory_desktop.routing import build_network, route


def test_route_layer_legs_stops_and_distances(shared_data):
    net = build_network(shared_data / "osm" / "west-oakland_osmnx.osm.bz2")
    stops = [(float(net.node_lat[i]), float(net.node_lon[i])) for i in (0, 10, 20)]
    r = route(net, stops, names=["A", "B", "C"])
    props = leg_properties(r, ["A", "B", "C"], "miles")
    assert [(p["from"], p["to"]) for p in props] == [("A", "B"), ("B", "C")]
    assert props[0]["distance"] == f"{r.legs[0].meters / 1609.344:.1f} mi"
    assert props[1]["minutes"] == round(r.legs[1].seconds / 60, 1)
    fc = route_layer(r, ["A", "B", "C"], [(*stops[0], "1. A"), (*stops[1], "2. B")], "km")
    legs = [f for f in fc["features"] if f["properties"]["kind"] == "leg"]
    marks = [f for f in fc["features"] if f["properties"]["kind"] == "stop"]
    assert len(legs) == 2 and legs[0]["properties"]["distance"].endswith(" km")
    lon, lat = marks[1]["geometry"]["coordinates"]
    assert (lon, lat) == pytest.approx((stops[1][1], stops[1][0]), abs=1e-6)
    assert marks[1]["properties"]["label"] == "2. B"
    assert route_summary(r, "km") == (f"Route: 2 legs, {r.total_meters / 1000:.1f} km, "
                                      f"{r.total_seconds / 60:.0f} min driving")
