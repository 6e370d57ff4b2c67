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
    drawn = {"event": "polygon_drawn", "geometry": {"type": "Polygon", "coordinates": SQUARE}}
    msg = parse_page_message(json.dumps(drawn))
    assert msg.event == "polygon_drawn"
    assert msg.data["geometry"]["coordinates"] == SQUARE
    line = {"type": "LineString", "coordinates": [[-76.6, 39.3], [-76.5, 39.4]]}
    split = {"event": "split_line_drawn", "tid": "t1", "geometry": line}
    msg = parse_page_message(json.dumps(split))
    assert (msg.data["tid"], msg.data["geometry"]["type"]) == ("t1", "LineString")
    msg = parse_page_message('{"event": "rendered", "cmd": "show_layers", "seq": 3, "count": 5050}')
    assert msg.data == {"cmd": "show_layers", "seq": 3, "count": 5050}


# message prefixes, so each malformed case below shows only what is wrong with it
_DRAWN = '{"event": "polygon_drawn", "geometry": '
_SPLIT = '{"event": "split_line_drawn", "tid": '


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1, 2]",
        '{"event": "format_disk"}',
        _DRAWN + '{"type": "Polygon", "coordinates": [[[NaN, 1], [2, 2], [3, 3], [NaN, 1]]]}}',
        _DRAWN + '{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}}',
        _DRAWN + '{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}}',
        _DRAWN + '{"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]}}',
        _DRAWN + '{"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}',
        _DRAWN + '{"type": "Polygon", "coordinates": [[["0", 0], [1, 0], [1, 1], ["0", 0]]]}}',
        _SPLIT + '7, "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}',
        _SPLIT + '"t1", "geometry": {"type": "LineString", "coordinates": [[0, 0]]}}',
        '{"event": "account_clicked", "aid": null}',
        '{"event": "rendered", "cmd": "eval", "seq": 1, "count": 1}',
        '{"event": "rendered", "cmd": "show_layers", "seq": -1, "count": 1}',
        '{"event": "territory_reshaped", "tid": "t1", "geometry": '
        '{"type": "Point", "coordinates": [0, 0]}}',
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
    expected = {"cmd": "zoom_to_all", "seq": 2, "args": {}}
    assert json.loads(encode_command("zoom_to_all", 2, {})) == expected


def test_check_feature_collection():
    assert check_feature_collection({"type": "FeatureCollection", "features": []}, "x")
    with pytest.raises(ValueError):
        check_feature_collection({"type": "Feature"}, "x")
    with pytest.raises(ValueError):
        check_feature_collection(
            {"type": "FeatureCollection", "features": [{"type": "Point"}]}, "x"
        )


def test_account_card_request_names_one_account():
    msg = parse_page_message('{"event": "account_card_requested", "aid": "a1"}')
    assert (msg.event, msg.data) == ("account_card_requested", {"aid": "a1"})
    with pytest.raises(BridgeMessageError):
        parse_page_message('{"event": "account_card_requested", "aid": 7}')
    assert "account_card" in COMMANDS


def test_unit_gestures_carry_a_territory_and_the_right_shape():
    point = {"type": "Point", "coordinates": [-118.3, 34.0]}
    box = {"type": "Polygon", "coordinates": SQUARE}
    click = parse_page_message(json.dumps({"event": "units_picked", "tid": "T1", "how": "click",
                                           "geometry": point}))
    assert click.data == {"tid": "T1", "how": "click", "geometry": point}
    lasso = parse_page_message(json.dumps({"event": "units_picked", "tid": "T1", "how": "lasso",
                                           "geometry": box}))
    assert lasso.data["geometry"]["coordinates"] == SQUARE
    for bad in ({"tid": "T1", "how": "grab", "geometry": point},
                {"tid": "T1", "how": "click", "geometry": box},
                {"tid": "T1", "how": "box", "geometry": point},
                {"tid": None, "how": "click", "geometry": point}):
        with pytest.raises(BridgeMessageError):
            parse_page_message(json.dumps({"event": "units_picked", **bad}))
