"""The map's boxes (the legends, the next-step hint, the gesture bar) never cover each other."""

from __future__ import annotations

import contextlib
from dataclasses import replace

import pytest
from map_mouse import click_map, page_value
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QFileDialog
from pytestqt.exceptions import TimeoutError as WaitTimeout

from territory_desktop.io import planfile

WAIT_MS = 60_000

# Every box shown on the map, as [name, left, top, right, bottom] in page pixels, and the map's.
BOXES = """(function () {
  var map = TD.state.map.getContainer(), out = [];
  [['health', '.td-health-legend'], ['territories', '.td-legend:not(.td-health-legend)'],
   ['hint', '.td-hint'], ['gesture', '.td-gesture-bar'],
   ['attribution', '.leaflet-control-attribution']].forEach(function (p) {
    map.querySelectorAll(p[1]).forEach(function (e) {
      var r = e.getBoundingClientRect();
      if (r.width && r.height) { out.push([p[0], r.left, r.top, r.right, r.bottom]); }
    });
  });
  var m = map.getBoundingClientRect();
  return { boxes: out, map: [m.left, m.top, m.right, m.bottom] };
})()"""


def overlaps(shown):
    """Return the pairs of boxes that intersect, and the boxes that leave the map."""
    boxes, (x0, y0, x1, y1) = shown["boxes"], shown["map"]
    out = [b[0] for b in boxes if b[1] < x0 - 0.5 or b[2] < y0 - 0.5 or b[3] > x1 + 0.5
           or b[4] > y1 + 0.5]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]:
                out.append(f"{a[0]} over {b[0]}")
    return out


def size_map(tdapp, qtbot, width, bottom):
    """Make the window ``width`` wide (768 tall) and the bottom panels ``bottom`` tall."""
    window = tdapp.window
    window.resize(width, 768)
    dock = window.findChild(QDockWidget, "dockTerritories")
    window.resizeDocks([dock], [bottom], Qt.Orientation.Vertical)
    view = tdapp.map_view
    qtbot.waitUntil(lambda: abs(page_value(qtbot, view, "innerHeight") - view.height()) <= 1
                    and abs(page_value(qtbot, view, "innerWidth") - view.width()) <= 1,
                    timeout=WAIT_MS)


def assert_apart(tdapp, qtbot, names):
    """Wait until the boxes ``names`` are all shown, then assert none covers another."""
    def shown():
        got = page_value(qtbot, tdapp.map_view, BOXES)
        return got if {b[0] for b in got["boxes"]} >= names else None

    qtbot.waitUntil(lambda: shown() is not None, timeout=WAIT_MS)
    # The page lays out on its own frame after a resize: the boxes settle within a moment.
    with contextlib.suppress(WaitTimeout):
        qtbot.waitUntil(lambda: overlaps(shown()) == [], timeout=5_000)
    last = shown()
    assert overlaps(last) == [], last


@pytest.fixture
def kpi_map(tdapp, qtbot):
    """Colour the sample's territories by win rate, picked in the KPI box by keyboard."""
    controls = tdapp.health_map
    qtbot.waitUntil(controls.kpi.isEnabled, timeout=WAIT_MS)  # once the sample's report is in
    controls.kpi.setFocus()
    with qtbot.waitSignal(tdapp.map_view.rendered, timeout=WAIT_MS,
                          check_params_cb=lambda name, count: name == "show_choropleth" and count):
        qtbot.keyClicks(controls.kpi, "Win rate")
    return tdapp


# The legends' [name, visible height, content height], and the middle of the territories title.
LEGENDS = """(function () {
  var title = document.querySelector('.td-legend:not(.td-health-legend) .td-legend-title')
    .getBoundingClientRect();
  return { title: [title.left + title.width / 2, title.top + title.height / 2],
    heights: Array.prototype.map.call(document.querySelectorAll('.td-legend'), function (e) {
      return [e.classList.contains('td-health-legend') ? 'health' : 'territories',
              e.clientHeight, e.scrollHeight]; }) };
})()"""


@pytest.mark.parametrize("bottom", [250, 420, 520])
def test_kpi_legend_and_territories_legend_stay_apart_in_a_short_map(kpi_map, qtbot, bottom):
    view = kpi_map.map_view
    size_map(kpi_map, qtbot, 1366, bottom)
    assert_apart(kpi_map, qtbot, {"health", "territories"})
    shown = page_value(qtbot, view, LEGENDS)
    kpi = next(h for h in shown["heights"] if h[0] == "health")
    # Squeezed, each shows its title and a row or more, and scrolls to the rest.
    assert all(visible >= 40 for _name, visible, _whole in shown["heights"]), shown
    # Folding the territories legend away gives its room to the KPI legend.
    click_map(qtbot, view, *shown["title"])
    qtbot.waitUntil(lambda: page_value(qtbot, view, "document.querySelectorAll('.td-legend-row')"
                                       ".length") == 0, timeout=WAIT_MS)
    assert_apart(kpi_map, qtbot, {"health", "territories"})
    folded = next(h for h in page_value(qtbot, view, LEGENDS)["heights"] if h[0] == "health")
    assert folded[1] == folded[2] if kpi[1] == kpi[2] else folded[1] > kpi[1], (kpi, folded)


def test_the_extract_hint_keeps_clear_of_the_health_legend(tdapp, qtbot, tmp_path, monkeypatch):
    plan = tdapp.document.plan.copy()
    plan.settings = replace(plan.settings, osm_extract="")
    path = tmp_path / "no_roads.gpkg"
    planfile.save_plan(plan, path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    with qtbot.waitSignal(tdapp.map_view.layers_shown, timeout=WAIT_MS):
        tdapp.window.actions["file.open"].trigger()
    hint = "Choose OSM extract"
    qtbot.waitUntil(lambda: hint in page_value(qtbot, tdapp.map_view,
                                               "document.querySelector('.td-hint').textContent"),
                    timeout=WAIT_MS)
    for width, bottom in ((1366, 300), (1000, 250), (1000, 450)):
        size_map(tdapp, qtbot, width, bottom)
        assert_apart(tdapp, qtbot, {"health", "territories", "hint"})
    # Drawing swaps the hint for the Finish / Cancel bar: that keeps clear of them too.
    with qtbot.waitSignal(tdapp.map_view.rendered, timeout=WAIT_MS,
                          check_params_cb=lambda name, count: name == "start_draw_polygon"):
        tdapp.window.actions["territory.draw"].trigger()
    assert_apart(tdapp, qtbot, {"health", "territories", "gesture"})
