"""The map widget against the real page: offline, text as data, gestures and validation."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np
import pytest
import shiboken6
from map_mouse import MOUSE_JS
from PySide6.QtCore import Qt, QUrl
from shapely.geometry import LineString, box
from shared_paths import SHARED_DATA

from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.mapping.basemap import basemap_geojson
from territory_desktop.mapping.layers import (
    account_points,
    reps_collection,
    route_collection,
    territories_collection,
)
from territory_desktop.model.plan import PALETTE, Account, Plan, Rep, Territory
from territory_desktop.qt.map_view import MapView

XSS = "<img src=x onerror=alert(1)>"
BALTIMORE = SHARED_DATA / "osm" / "baltimore_valhalla.osm.pbf"
SHOTS = Path(os.environ.get("MAP_SCREENSHOT_DIR", "benchmarks/out"))
WAIT_MS = 60_000  # a cold page under a loaded machine took over 15 s once


def _baltimore_plan(n_accounts: int = 120, seed: int = 7) -> Plan:
    """Four territories on a 2x2 grid over central Baltimore; accounts scattered, some outside."""
    x0, y0, x1, y1 = -76.64, 39.275, -76.56, 39.315
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    cells = [
        box(x0, ym, xm, y1), box(xm, ym, x1, y1), box(x0, y0, xm, ym), box(xm, y0, x1 - 0.01, ym)
    ]
    names = ["North-West", "North-East", "South-West", "South-East"]
    reps = {
        f"r{i}": Rep(f"r{i}", f"Rep {n}", c.centroid.y, c.centroid.x)
        for i, (n, c) in enumerate(zip(names, cells, strict=True))
    }
    territories = {
        f"t{i}": Territory(f"t{i}", n, PALETTE[i], rep_id=f"r{i}", geometry=c)
        for i, (n, c) in enumerate(zip(names, cells, strict=True))
    }
    rng = np.random.default_rng(seed)
    accounts = {}
    for i in range(n_accounts):
        lon, lat = rng.uniform(x0 - 0.005, x1 + 0.005), rng.uniform(y0, y1)
        aid = f"a{i}"
        accounts[aid] = Account(
            aid, f"Clinic {i}", lat, lon, tier="ABC"[i % 3], address=f"{i} Main St"
        )
    accounts["xss"] = Account("xss", XSS, 39.30, -76.60, tier="A", address="<b>bold</b> & co")
    return Plan(accounts=accounts, reps=reps, territories=territories)


def _payload(plan: Plan) -> tuple[dict, dict, dict]:
    assignment = assign_accounts(plan)
    return (
        territories_collection(plan, assignment),
        account_points(plan, assignment),
        reps_collection(plan),
    )


def _js(qtbot, view: MapView, expression: str):
    box_: list = []
    view.run_js(expression, box_.append)
    qtbot.waitUntil(lambda: bool(box_), timeout=WAIT_MS)
    return box_[0]


def _wait_done(qtbot, view: MapView, seq: int, call) -> int:
    """Call ``call`` (which sends command ``seq``) and wait for the page to acknowledge it."""
    got: list[int] = []

    def on_rendered(cmd: str, count: int) -> None:
        got.append(count)

    view.rendered.connect(on_rendered)
    try:
        with qtbot.waitSignal(view.rendered, timeout=WAIT_MS):
            call()
    finally:
        view.rendered.disconnect(on_rendered)
    return got[-1]


def _road_pixels(image) -> int:
    """Pixels of the basemap's neutral road greys (territory fills and background are tinted)."""
    n = 0
    for x in range(0, image.width(), 4):
        for y in range(0, image.height(), 4):
            c = image.pixelColor(x, y)
            r, g, b = c.red(), c.green(), c.blue()
            if r == g == b and 165 <= r <= 215:
                n += 1
    return n


def _save_when_roads_painted(qtbot, view: MapView, name: str, baseline: int) -> None:
    """Save a screenshot once the basemap is on screen.

    Frames reach Qt after the page's ack, so wait until the grab has clearly more road-grey
    pixels than ``baseline`` (before the basemap).
    """
    shot: list = []

    def painted() -> bool:
        image = view.web_view.grab().toImage()
        shot[:] = [image]
        return _road_pixels(image) > baseline + 150

    qtbot.waitUntil(painted, timeout=WAIT_MS)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot[0].save(str(SHOTS / name))


@pytest.fixture
def view(qtbot, tmp_path):
    v = MapView(cache_dir=tmp_path / "page")
    v.resize(1000, 720)
    v.show()
    with qtbot.waitSignal(v.page_ready, timeout=WAIT_MS):
        pass
    yield v
    v.close()
    shiboken6.delete(v)


@pytest.fixture(scope="module")
def baltimore_basemap(tmp_path_factory):
    fc, _ = basemap_geojson(BALTIMORE, tmp_path_factory.mktemp("basemap"))
    return fc


def test_page_is_offline_and_shows_data_as_text(qtbot, view, baltimore_basemap):
    plan = _baltimore_plan()
    t, a, r = _payload(plan)
    with qtbot.waitSignal(view.layers_shown, timeout=WAIT_MS) as shown:
        view.show_layers(t, a, r)
    assert shown.args == [len(t["features"]) + len(a) + len(r["features"])]
    baseline = _road_pixels(view.web_view.grab().toImage())
    with qtbot.waitSignal(
        view.rendered, timeout=WAIT_MS, check_params_cb=lambda c, n: c == "show_basemap"
    ) as bm:
        view.show_basemap(baltimore_basemap)
    assert bm.args[1] == len(baltimore_basemap["features"])
    # the page drew roads on the basemap canvas, and place labels
    inked = (
        "(function(){ var c = document.querySelector('.leaflet-basemap-pane canvas');"
        " var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; var n = 0;"
        " for (var i = 3; i < d.length; i += 4) { if (d[i]) { n++; } } return n; })()"
    )
    assert _js(qtbot, view, inked) > 10_000
    labels = "document.querySelectorAll('.td-label-place, .td-label-place-major').length"
    assert _js(qtbot, view, labels) > 3
    _save_when_roads_painted(qtbot, view, "map_baltimore.png", baseline)

    # The hostile name is text: no <img> anywhere, and the tooltip shows it literally.
    assert _js(qtbot, view, "document.querySelectorAll('img').length") == 0
    _wait_done(qtbot, view, 0, lambda: view.zoom_to_account("xss"))
    text = _js(
        qtbot, view, "(document.querySelector('.leaflet-popup .td-title') || {}).textContent"
    )
    assert text == XSS
    # the pointer moved over the account's dot: its card comes from Python, shown as text
    _js(qtbot, view, "TD.state.map.closePopup() || 1")
    hover = (
        "(function(){ var A = TD.state.accounts, m = TD.state.map;"
        " var p = m.latLngToContainerPoint(A.latLngAt(A.indexOf('xss')));"
        " var r = m.getContainer().getBoundingClientRect();"
        " var x = r.left + p.x, y = r.top + p.y;"
        " document.elementFromPoint(x, y).dispatchEvent(new MouseEvent('mousemove',"
        " {clientX: x, clientY: y, bubbles: true})); return 1; })()"
    )
    _js(qtbot, view, hover)
    title = "(function(){ var t = document.querySelector('.leaflet-tooltip .td-title');" \
            " return t && t.textContent; })()"
    qtbot.waitUntil(lambda: _js(qtbot, view, title) == XSS, timeout=WAIT_MS)
    address = _js(
        qtbot,
        view,
        "Array.from(document.querySelectorAll('.leaflet-tooltip .td-val'))"
        ".map(function(e){return e.textContent})",
    )
    assert "<b>bold</b> & co" in address
    bold = "document.querySelectorAll('.leaflet-tooltip b, .leaflet-popup b').length"
    assert _js(qtbot, view, bold) == 0
    assert _js(qtbot, view, "document.querySelectorAll('img').length") == 0
    assert _js(qtbot, view, "document.querySelectorAll('.td-legend-row').length") == 4
    assert view.blocked_requests == []


def test_page_folder_goes_with_the_view(qtbot):
    """A view without a cache folder writes its page to a temporary one and removes it."""
    v = MapView()
    with qtbot.waitSignal(v.page_ready, timeout=WAIT_MS):
        v.show()
    folder = Path(v.web_view.url().toLocalFile()).parent
    assert folder.name.startswith("territory-map-") and (folder / "map.html").is_file()
    v.close()
    shiboken6.delete(v)
    assert not folder.exists()


def test_interceptor_blocks_and_records_remote_requests(qtbot, view):
    # Chromium already refuses remote sub-resources of a file:// page before they reach the
    # interceptor; a navigation does reach it, which proves the interceptor blocks on its own.
    view.web_view.load(QUrl("https://tile.openstreetmap.org/0/0/0.png"))
    qtbot.waitUntil(lambda: len(view.blocked_requests) == 1, timeout=WAIT_MS)
    assert view.blocked_requests[0].startswith("https://tile.openstreetmap.org/")


def test_drawn_polygon_reaches_python(qtbot, view):
    _wait_done(qtbot, view, 0, view.start_draw_polygon)
    script = (
        "(function(){ var m = TD.state.map;"
        " var p = L.polygon([[39.30, -76.62], [39.30, -76.60], [39.29, -76.60]]);"
        " m.fire('pm:create', {layer: p, shape: 'Polygon'}); return 1; })()"
    )
    with qtbot.waitSignal(view.polygon_drawn, timeout=WAIT_MS) as drawn:
        view.run_js(script, lambda _: None)
    geometry = drawn.args[0]
    assert geometry["type"] == "Polygon"
    assert geometry["coordinates"] == [
        [[-76.62, 39.3], [-76.6, 39.3], [-76.6, 39.29], [-76.62, 39.3]]
    ]
    # the map does not keep the drawing: Python answers with the new state
    assert _js(qtbot, view, "TD.state.gesture") is None


def test_edit_and_split_gestures_report_territory_ids(qtbot, view):
    t, a, r = _payload(_baltimore_plan(10))
    with qtbot.waitSignal(view.layers_shown, timeout=WAIT_MS):
        view.show_layers(t, a, r)
    with qtbot.waitSignal(view.gesture_changed, timeout=WAIT_MS) as started:
        view.start_edit_territory("t1")
    assert started.args == ["edit", "t1"]
    assert _js(qtbot, view, "!!TD.state.gesture.copy.pm.enabled()") is True
    # Enter typed into the page itself (no window shortcut around it) finishes the edit
    target = view.web_view.focusProxy()
    target.setFocus()
    qtbot.waitUntil(target.hasFocus, timeout=WAIT_MS)
    with qtbot.waitSignal(view.territory_reshaped, timeout=WAIT_MS) as reshaped:
        qtbot.keyClick(target, Qt.Key.Key_Return)
    tid, geometry = reshaped.args
    assert tid == "t1" and geometry["type"] == "Polygon"
    assert len(geometry["coordinates"][0]) == 5
    assert _js(qtbot, view, "TD.state.gesture") is None

    _wait_done(qtbot, view, 0, lambda: view.start_split("t0"))
    script = (
        "(function(){ var l = L.polyline([[39.31, -76.63], [39.29, -76.61]]);"
        " TD.state.map.fire('pm:create', {layer: l, shape: 'Line'}); return 1; })()"
    )
    with qtbot.waitSignal(view.split_line_drawn, timeout=WAIT_MS) as split:
        view.run_js(script, lambda _: None)
    assert split.args[0] == "t0"
    assert split.args[1] == {
        "type": "LineString", "coordinates": [[-76.63, 39.31], [-76.61, 39.29]]
    }


def test_malformed_messages_are_ignored_and_logged(qtbot, view, caplog):
    caplog.set_level(logging.WARNING, logger="territory_desktop.qt.map_view")
    bad = [
        '{"event": "format_disk"}',
        '{"event": "polygon_drawn", "geometry": '
        '{"type": "Polygon", "coordinates": [[[NaN, 1], [2, 2], [3, 3], [NaN, 1]]]}}',
        '{"event": "polygon_drawn", "geometry": {"type": "Point", "coordinates": [0, 0]}}',
    ]
    for text in bad:
        with qtbot.waitSignal(view.message_rejected, timeout=WAIT_MS):
            view.run_js(f"(TD.state.bridge.post({json.dumps(text)}), 1)", lambda _: None)
    # and an unknown command sent to the page is refused there and reported
    with qtbot.waitSignal(view.map_error, timeout=WAIT_MS) as err:
        view._bridge.command.emit('{"cmd": "eval", "seq": 1, "args": {}}')
    assert "unknown command" in err.args[0]
    rejected = [r for r in caplog.records if "ignored a malformed message" in r.getMessage()]
    assert len(rejected) == 3


def test_large_payload_renders_and_screenshot(qtbot, view, baltimore_basemap):
    plan = _baltimore_plan(5000)
    t, a, r = _payload(plan)
    with qtbot.waitSignal(view.layers_shown, timeout=WAIT_MS) as shown:
        view.show_layers(t, a, r)
    assert shown.args == [4 + 5001 + 4]
    baseline = _road_pixels(view.web_view.grab().toImage())
    with qtbot.waitSignal(view.rendered, timeout=WAIT_MS):
        view.show_basemap(baltimore_basemap)
    unreachable = ["a1", "a2", "a3"]
    reasons = {"a1": "no road"}
    assert _wait_done(qtbot, view, 0, lambda: view.highlight_accounts(unreachable, reasons)) == 3
    route = route_collection(
        [[(-76.63, 39.28), (-76.60, 39.30), (-76.58, 39.29)]], [{"from": "Home", "to": "A"}]
    )
    assert _wait_done(qtbot, view, 0, lambda: view.show_route(route, fit=False)) == 1
    assert _wait_done(qtbot, view, 0, lambda: view.select_territory("t0")) == 1
    _save_when_roads_painted(qtbot, view, "map_baltimore_5000.png", baseline)
    # a canvas that drew something has many colours in the middle
    image = view.web_view.grab().toImage()
    colours = {image.pixel(x, y) for x in range(100, 900, 25) for y in range(100, 600, 25)}
    assert len(colours) > 10


# Where the legend and the open card are, in pixels of the page, and whether the legend stepped
# aside; ``at`` is the pointer the card follows, in the same pixels.
CARD_JS = """(function (ll) {
  var map = TD.state.map, box = map.getContainer().getBoundingClientRect();
  var legend = document.querySelector('.td-legend');
  var tip = document.querySelector('.leaflet-tooltip');
  var anchor = TD.state.territories.getTooltip(), r = legend.getBoundingClientRect();
  var at = anchor && anchor.isOpen() ? map.latLngToContainerPoint(anchor.getLatLng()) : null;
  var want = map.latLngToContainerPoint(L.latLng(ll[0], ll[1]));
  var c = tip && tip.getBoundingClientRect();
  return { moved: !!at && Math.abs(at.x - want.x) < 1 && Math.abs(at.y - want.y) < 1,
    hidden: legend.classList.contains('td-under-card'),
    overlap: !!c && r.left < c.right && c.left < r.right && r.top < c.bottom && c.top < r.bottom,
    legend: [r.left - box.left, r.top - box.top] };
})(%s)"""


def test_a_sticky_card_moved_under_the_legend_hides_it(qtbot, view):
    """A territory's card follows the pointer; the legend steps aside when the card reaches it."""
    plan = _baltimore_plan(0)
    with qtbot.waitSignal(view.layers_shown, timeout=WAIT_MS):
        view.show_layers(*_payload(plan))
    _js(qtbot, view, MOUSE_JS)
    left, top = _js(qtbot, view, CARD_JS % "[0, 0]")["legend"]
    # From above the legend, where the card (drawn above the pointer) is clear of it, down to
    # just left of its top corner, where the card covers it; all in one territory.
    points = [[left + 150 - 41 * i, top - 120 + 36 * i] for i in range(5)]
    lls = _js(qtbot, view, f"{json.dumps(points)}.map(function (p) {{"
                           " var ll = TD.state.map.containerPointToLatLng(p);"
                           " return [ll.lat, ll.lng]; })")
    path = LineString([(lon, lat) for lat, lon in lls])
    assert any(t.geometry is not None and t.geometry.contains(path)
               for t in plan.territories.values())

    def hover(ll):
        def there() -> bool:
            _js(qtbot, view, f"TDTest.hover({json.dumps(ll)})")
            return bool(_js(qtbot, view, CARD_JS % json.dumps(ll))["moved"])
        qtbot.waitUntil(there, timeout=WAIT_MS)  # Leaflet skips moves closer than 32 ms apart
        return lambda: _js(qtbot, view, CARD_JS % json.dumps(ll))

    state = hover(lls[0])
    assert state() == {**state(), "hidden": False, "overlap": False}
    for ll in lls[1:]:
        state = hover(ll)
    qtbot.waitUntil(lambda: state()["hidden"], timeout=10_000)
    assert state()["overlap"]
    state = hover(lls[0])
    qtbot.waitUntil(lambda: not state()["hidden"], timeout=10_000)
