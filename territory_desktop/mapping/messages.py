"""The map bridge protocol: the commands Python sends and the checks on what the page sends back.

Everything that crosses the bridge is one JSON text. Python -> page: ``{"cmd", "seq", "args"}``
with ``cmd`` in :data:`COMMANDS`. Page -> Python: ``{"event", ...}`` with ``event`` in
:data:`EVENTS`. The page is untrusted input: :func:`parse_page_message` accepts only known events
whose fields have the right types, ids that are strings and well-formed GeoJSON geometry of the
expected type with finite coordinates inside lon -180..180 / lat -90..90. Anything else raises
:class:`BridgeMessageError`, which the Qt layer logs and ignores. No Qt here.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "COMMANDS",
    "EVENTS",
    "MAX_MESSAGE_CHARS",
    "BridgeMessageError",
    "PageMessage",
    "check_feature_collection",
    "encode_command",
    "parse_page_message",
    "validate_geometry",
]

COMMANDS = frozenset(
    {
        "show_layers",
        "show_basemap",
        "select_territory",
        "zoom_to_territory",
        "zoom_to_all",
        "zoom_to_account",
        "account_card",
        "highlight_accounts",
        "show_route",
        "zoom_to_route",
        "show_isochrone",
        "show_hint",
        "show_choropleth",
        "show_signals",
        "start_draw_polygon",
        "start_edit_territory",
        "finish_edit",
        "start_split",
        "cancel_gesture",
        "show_units",
        "paint_units",
    }
)

EVENTS = frozenset(
    {
        "page_ready",
        "rendered",
        "polygon_drawn",
        "territory_reshaped",
        "split_line_drawn",
        "territory_clicked",
        "account_clicked",
        "account_card_requested",
        "gesture_changed",
        "units_picked",
        "error",
    }
)

# A drawn polygon with 100k vertices is already absurd; this bounds parsing work on bad input.
MAX_MESSAGE_CHARS = 5_000_000
MAX_ID_CHARS = 200
GESTURES = ("edit", "draw", "split")
UNIT_GESTURES = {"click": ("Point",), "box": ("Polygon",), "lasso": ("Polygon",)}


class BridgeMessageError(ValueError):
    """A message from the page that is not part of the protocol; it is logged and ignored."""


@dataclass(frozen=True)
class PageMessage:
    """A validated page -> Python message: ``event`` and its checked fields."""

    event: str
    data: dict[str, Any] = field(default_factory=dict)


def _reject_constant(name: str) -> float:
    raise BridgeMessageError(f"non-finite number {name} in message")


def _position(pos: Any) -> None:
    if not isinstance(pos, list) or len(pos) not in (2, 3):
        raise BridgeMessageError("a position must be [lon, lat]")
    for v in pos:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise BridgeMessageError("coordinates must be finite numbers")
    lon, lat = pos[0], pos[1]
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise BridgeMessageError(f"coordinate out of range: {lon}, {lat}")


def _line(coords: Any, min_points: int) -> None:
    if not isinstance(coords, list) or len(coords) < min_points:
        raise BridgeMessageError(f"a line needs at least {min_points} positions")
    for p in coords:
        _position(p)


def _ring(coords: Any) -> None:
    _line(coords, 4)
    if coords[0][:2] != coords[-1][:2]:
        raise BridgeMessageError("a polygon ring must be closed")


def _polygon(coords: Any) -> None:
    if not isinstance(coords, list) or not coords:
        raise BridgeMessageError("a polygon needs at least one ring")
    for ring in coords:
        _ring(ring)


def validate_geometry(geometry: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    """Check a GeoJSON geometry dict of one of the ``allowed`` types; return a clean copy.

    Raises
    ------
    BridgeMessageError
        If the type is not allowed, a ring is not closed, or a coordinate is missing,
        non-finite or out of range.
    """
    if not isinstance(geometry, dict):
        raise BridgeMessageError("geometry must be an object")
    kind = geometry.get("type")
    if kind not in allowed:
        raise BridgeMessageError(f"geometry type {kind!r} is not one of {', '.join(allowed)}")
    coords = geometry.get("coordinates")
    if kind == "Point":
        _position(coords)
    elif kind == "LineString":
        _line(coords, 2)
    elif kind == "MultiLineString":
        if not isinstance(coords, list) or not coords:
            raise BridgeMessageError("empty MultiLineString")
        for line in coords:
            _line(line, 2)
    elif kind == "Polygon":
        _polygon(coords)
    elif kind == "MultiPolygon":
        if not isinstance(coords, list) or not coords:
            raise BridgeMessageError("empty MultiPolygon")
        for poly in coords:
            _polygon(poly)
    else:  # pragma: no cover - guarded by ``allowed``
        raise BridgeMessageError(f"unsupported geometry type {kind!r}")
    return {"type": kind, "coordinates": coords}


def _id(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_CHARS:
        raise BridgeMessageError(f"{what} must be a non-empty string")
    return value


def parse_page_message(text: Any) -> PageMessage:
    """Parse and validate one message from the page.

    Raises
    ------
    BridgeMessageError
        For anything that is not a well-formed message of a known event.
    """
    if not isinstance(text, str):
        raise BridgeMessageError("message must be a JSON string")
    if len(text) > MAX_MESSAGE_CHARS:
        raise BridgeMessageError(f"message too long ({len(text)} characters)")
    try:
        msg = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:  # JSONDecodeError and our BridgeMessageError
        if isinstance(exc, BridgeMessageError):
            raise
        raise BridgeMessageError(f"not JSON: {exc}") from None
    if not isinstance(msg, dict):
        raise BridgeMessageError("message must be a JSON object")
    event = msg.get("event")
    if event not in EVENTS:
        raise BridgeMessageError(f"unknown event {event!r}")
    data: dict[str, Any] = {}
    if event == "rendered":
        cmd, count, seq = msg.get("cmd"), msg.get("count"), msg.get("seq")
        if cmd not in COMMANDS:
            raise BridgeMessageError(f"rendered: unknown command {cmd!r}")
        for name, v in (("count", count), ("seq", seq)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise BridgeMessageError(f"rendered: {name} must be a non-negative integer")
        data = {"cmd": cmd, "count": count, "seq": seq}
    elif event == "polygon_drawn":
        data = {"geometry": validate_geometry(msg.get("geometry"), ("Polygon",))}
    elif event == "territory_reshaped":
        data = {
            "tid": _id(msg.get("tid"), "territory id"),
            "geometry": validate_geometry(msg.get("geometry"), ("Polygon", "MultiPolygon")),
        }
    elif event == "split_line_drawn":
        data = {
            "tid": _id(msg.get("tid"), "territory id"),
            "geometry": validate_geometry(msg.get("geometry"), ("LineString",)),
        }
    elif event == "territory_clicked":
        data = {"tid": _id(msg.get("tid"), "territory id")}
    elif event in ("account_clicked", "account_card_requested"):
        data = {"aid": _id(msg.get("aid"), "account id")}
    elif event == "gesture_changed":
        mode, tid = msg.get("mode"), msg.get("tid")
        if mode is not None and mode not in GESTURES:
            raise BridgeMessageError(f"gesture_changed: unknown gesture {mode!r}")
        data = {"mode": mode or "", "tid": "" if tid is None else _id(tid, "territory id")}
    elif event == "units_picked":
        how = msg.get("how")
        if how not in UNIT_GESTURES:
            raise BridgeMessageError(f"units_picked: unknown gesture {how!r}")
        data = {"tid": _id(msg.get("tid"), "territory id"), "how": how,
                "geometry": validate_geometry(msg.get("geometry"), UNIT_GESTURES[how])}
    elif event == "error":
        message = msg.get("message")
        if not isinstance(message, str):
            raise BridgeMessageError("error: message must be a string")
        data = {"message": message[:2000]}
    return PageMessage(event, data)


def check_feature_collection(fc: Any, what: str) -> dict[str, Any]:
    """Check that ``fc`` looks like a GeoJSON FeatureCollection before sending it.

    Raises
    ------
    ValueError
        If ``fc`` is not a dict with ``type == "FeatureCollection"`` and a list of features.
    """
    if (
        not isinstance(fc, dict)
        or fc.get("type") != "FeatureCollection"
        or not isinstance(fc.get("features"), list)
    ):
        raise ValueError(f"{what} must be a GeoJSON FeatureCollection")
    for f in fc["features"]:
        if not isinstance(f, dict) or f.get("type") != "Feature" or "geometry" not in f:
            raise ValueError(f"{what}: every item must be a GeoJSON Feature")
    return fc


def encode_command(cmd: str, seq: int, args: dict[str, Any]) -> str:
    """One Python -> page message as JSON text (NaN and infinity are refused)."""
    if cmd not in COMMANDS:
        raise ValueError(f"unknown map command {cmd!r}")
    return json.dumps(
        {"cmd": cmd, "seq": seq, "args": args}, allow_nan=False, separators=(",", ":")
    )
