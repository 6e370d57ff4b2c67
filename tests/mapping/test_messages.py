from __future__ import annotations

import json

import pytest

from territory_desktop.mapping.messages import (
    COMMANDS,
    BridgeMessageError,
    check_feature_collection,
    encode_command,
    parse_page_message,
)

SQUARE = [[[-76.6, 39.3], [-76.5, 39.3], [-76.5, 39.4], [-76.6, 39.3]]]


def test_well_formed_messages_are_accepted():
    msg = parse_page_message(json.dumps({"event": "polygon_drawn", "geometry": {"type": "Polygon", "coordinates": SQUARE}}))
    assert msg.event == "polygon_drawn"
    assert msg.data["geometry"]["coordinates"] == SQUARE
    line = {"type": "LineString", "coordinates": [[-76.6, 39.3], [-76.5, 39.4]]}
    msg = parse_page_message(json.dumps({"event": "split_line_drawn", "tid": "t1", "geometry": line}))
    assert (msg.data["tid"], msg.data["geometry"]["type"]) == ("t1", "LineString")
    msg = parse_page_message('{"event": "rendered", "cmd": "show_layers", "seq": 3, "count": 5050}')
    assert msg.data == {"cmd": "show_layers", "seq": 3, "count": 5050}


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1, 2]",
        '{"event": "format_disk"}',
        '{"event": "polygon_drawn", "geometry": {"type": "Polygon", "coordinates": [[[NaN, 1], [2, 2], [3, 3], [NaN, 1]]]}}',
        '{"event": "polygon_drawn", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}}',
        '{"event": "polygon_drawn", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}}',
        '{"event": "polygon_drawn", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]}}',
        '{"event": "polygon_drawn", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}',
        '{"event": "polygon_drawn", "geometry": {"type": "Polygon", "coordinates": [[["0", 0], [1, 0], [1, 1], ["0", 0]]]}}',
        '{"event": "split_line_drawn", "tid": 7, "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}',
        '{"event": "split_line_drawn", "tid": "t1", "geometry": {"type": "LineString", "coordinates": [[0, 0]]}}',
        '{"event": "account_clicked", "aid": null}',
        '{"event": "rendered", "cmd": "eval", "seq": 1, "count": 1}',
        '{"event": "rendered", "cmd": "show_layers", "seq": -1, "count": 1}',
        '{"event": "territory_reshaped", "tid": "t1", "geometry": {"type": "Point", "coordinates": [0, 0]}}',
    ],
)
def test_malformed_messages_are_rejected(text):
    with pytest.raises(BridgeMessageError):
        parse_page_message(text)


def test_commands_are_a_fixed_set_and_refuse_nan():
    assert "show_layers" in COMMANDS
    with pytest.raises(ValueError):
        encode_command("eval", 1, {})
    with pytest.raises(ValueError):
        encode_command("show_route", 1, {"route": {"x": float("nan")}})
    assert json.loads(encode_command("zoom_to_all", 2, {})) == {"cmd": "zoom_to_all", "seq": 2, "args": {}}


def test_check_feature_collection():
    assert check_feature_collection({"type": "FeatureCollection", "features": []}, "x")
    with pytest.raises(ValueError):
        check_feature_collection({"type": "Feature"}, "x")
    with pytest.raises(ValueError):
        check_feature_collection({"type": "FeatureCollection", "features": [{"type": "Point"}]}, "x")
