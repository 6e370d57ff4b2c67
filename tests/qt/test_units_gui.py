"""Territories from geographic units, through the user's gestures on real LA accounts.

Build from ZIP/ZCTA units with Ctrl+Alt+U, then click, box and lasso units on the map page
(real mouse events dispatched inside the page, carried over the bridge), undo with Ctrl+Z,
lock with Ctrl+L, and open bad unit files through File > Import.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from map_mouse import MOUSE_JS
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QMenu, QMessageBox

from territory_desktop.io import planfile

WAIT_MS = 120_000
CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def js(qtbot, view, expression: str):
    out: list = []
    view.run_js(expression, out.append)
    qtbot.waitUntil(lambda: bool(out), timeout=WAIT_MS)
    return out[0]


def _focus(window, qtbot):
    """Give the window focus back after a dialog closed (a window manager would)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def _build_dialog_on_la(tdapp, qtbot, la_plan, tmp_path):
    """Open the LA plan (6 reps, no territories) and Build territories from units (Ctrl+Alt+U)."""
    window, units = tdapp.window, tdapp.window.units
    path = tmp_path / "la.gpkg"
    planfile.save_plan(la_plan(6), path)
    with qtbot.waitSignal(tdapp.map_view.layers_shown, timeout=WAIT_MS):
        assert tdapp.files.open_path(path, confirmed=True)
    _focus(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_U, CTRL_ALT)
    qtbot.waitUntil(lambda: units.dialog is not None and units.dialog.isVisible())
    return units.dialog


@pytest.fixture
def units_plan(tdapp, qtbot, la_plan, tmp_path):
    """Open the LA plan (6 reps, no territories) and build it from ZIP/ZCTA units (Ctrl+Alt+U)."""
    window, units = tdapp.window, tdapp.window.units
    dialog = _build_dialog_on_la(tdapp, qtbot, la_plan, tmp_path)
    assert dialog.layer.currentData() == "zcta"  # Los Angeles: the ZIP/ZCTA units cover it
    with qtbot.waitSignal(units.built, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)
    _close_error_boxes(window, qtbot)  # the build's verdict on the band (see below), read
    _focus(window, qtbot)
    assert tdapp.document.undo_stack.count() == 1
    assert tdapp.document.undo_stack.undoText().startswith("Build 6 territories from ZIP/ZCTA")
    # The layer is on the map, painted by territory.
    qtbot.waitUntil(lambda: js(qtbot, tdapp.map_view,
                               "TD.state.units.owners.filter(Boolean).length")
                    == sum(1 for o in units.owners() if o), timeout=WAIT_MS)
    js(qtbot, tdapp.map_view, MOUSE_JS)
    return tdapp


def _close_error_boxes(window, qtbot):
    for box in [b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible()]:
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def _select(tdapp, qtbot, tid):
    """Click the territory's row in the Territories panel; wait until the map knows."""
    window = tdapp.window
    panel, table = window.territories, window.territories.table
    row = next(r for r, w in enumerate(panel.model.rows) if w.territory_id == tid)
    rect = table.visualRect(panel.proxy.mapFromSource(panel.model.index(row, 0)))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.selected_territories == [tid]
    qtbot.waitUntil(lambda: js(qtbot, tdapp.map_view, "TD.state.selected") == tid,
                    timeout=WAIT_MS)


def _zoom_to_selected(tdapp, qtbot):
    with qtbot.waitSignal(tdapp.map_view.rendered, timeout=WAIT_MS,
                          check_params_cb=lambda cmd, _n: cmd == "zoom_to_territory"):
        qtbot.keyClick(tdapp.window, Qt.Key.Key_T, CTRL)


def _shapes(plan):
    return [t.geometry for t in plan.territories.values() if t.geometry is not None]


def _assert_tiled(plan, region):
    """No overlaps (area of union = sum of areas) and no gaps inside ``region``."""
    shapes = _shapes(plan)
    union = shapely.union_all(shapes)
    assert union.area == pytest.approx(sum(s.area for s in shapes), rel=1e-9)
    assert shapely.symmetric_difference(union, region).area <= 1e-9 * region.area


def _neighbour_unit(tdapp, qtbot, target):
    """Find a unit of another territory whose inside point shows, zoomed to ``target``."""
    units, plan = tdapp.window.units, tdapp.document.plan
    owners = units.owners()
    box = shapely.box(*plan.territories[target].geometry.bounds)
    for i, owner in enumerate(owners):
        if owner and owner != target:
            p = units.layer.geometries[i].representative_point()
            if box.contains(p) and js(qtbot, tdapp.map_view,
                                      f"TDTest.open([{p.y}, {p.x}])"):
                return i, p
    raise AssertionError("no unit of another territory in view")


def test_click_adds_a_unit_and_undo_restores_exactly(units_plan, qtbot):
    tdapp = units_plan
    doc, units, view = tdapp.document, tdapp.window.units, tdapp.map_view
    target = next(iter(doc.plan.territories))
    _select(tdapp, qtbot, target)
    _zoom_to_selected(tdapp, qtbot)
    i, p = _neighbour_unit(tdapp, qtbot, target)
    before, owners_before = doc.plan, list(units.owners())
    region = shapely.union_all(_shapes(before))
    name = before.territories[target].name
    assert js(qtbot, view, "document.querySelector('.td-units-target').textContent") == \
        f"Adding to {name}"
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        js(qtbot, view, f"TDTest.click([{p.y}, {p.x}])")
    assert doc.undo_stack.undoText() == \
        f"Add unit {units.layer.names[i]} to {before.territories[target].name}"
    owners = units.owners()
    assert owners[i] == target
    assert [o for k, o in enumerate(owners) if k != i] == \
        [o for k, o in enumerate(owners_before) if k != i]
    _assert_tiled(doc.plan, region)
    # The accounts inside the unit changed owner with it.
    inside = [a.id for a in doc.plan.accounts.values()
              if units.layer.geometries[i].contains(shapely.Point(a.lon, a.lat))]
    assert all(doc.assignment.territory_of[a] == target for a in inside)
    # The page repaints the unit in the target's colour.
    qtbot.waitUntil(lambda: js(qtbot, view, f"TD.state.units.owners[{i}]") == target,
                    timeout=WAIT_MS)
    # The selection stayed (the click went to the unit, not to the territory under it).
    assert tdapp.window.selected_territories == [target]
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        qtbot.keyClick(tdapp.window, Qt.Key.Key_Z, CTRL)
    assert doc.plan is before
    assert units.owners() == owners_before


def test_lasso_adds_every_unit_inside_it_in_one_edit(units_plan, qtbot):
    tdapp = units_plan
    doc, units, view = tdapp.document, tdapp.window.units, tdapp.map_view
    target = next(iter(doc.plan.territories))
    _select(tdapp, qtbot, target)
    _zoom_to_selected(tdapp, qtbot)
    before, owners_before = doc.plan, list(units.owners())
    region = shapely.union_all(_shapes(before))
    # A freehand loop around a neighbour unit, as wide as the view allows, where no legend or
    # box covers it (as a user lassos in the open).
    bounds = js(qtbot, view, "(function(){ var b = TD.state.map.getBounds(); "
                "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()")
    r = 0.2 * min(bounds[2] - bounds[0], bounds[3] - bounds[1])
    box = shapely.box(*before.territories[target].geometry.bounds)
    loop: list[tuple[float, float]] = []
    for k, owner in enumerate(owners_before):
        p = units.layer.geometries[k].representative_point()
        if not owner or owner == target or not box.contains(p):
            continue
        loop = [(p.y + r * np.sin(a), p.x + r * np.cos(a))
                for a in np.linspace(0, 2 * np.pi, 40)]
        if js(qtbot, view, f"{json.dumps(loop)}.every(function (ll) "
                           "{ return TDTest.open(ll); })"):
            break
    else:
        raise AssertionError("no unit of another territory with open map around it")
    lasso = shapely.Polygon([(lon, lat) for lat, lon in loop])
    inside = [k for k, g in enumerate(units.layer.geometries)
              if lasso.contains(g.representative_point())]
    taken = [k for k in inside if owners_before[k] != target]
    assert len(inside) >= 3 and len(taken) >= 2  # several units, some from other territories
    with qtbot.waitSignal(view.units_picked, timeout=WAIT_MS) as picked, \
            qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        js(qtbot, view, f"TDTest.drag({json.dumps(loop)}, {{altKey: true}}, true)")
    assert picked.args[:2] == [target, "lasso"]
    assert doc.undo_stack.count() == 2  # the build, then one edit for the whole lasso
    assert doc.undo_stack.undoText().endswith("(lasso)")
    owners = units.owners()
    assert all(owners[k] == target for k in inside)
    assert all(owners[k] == owners_before[k] for k in range(len(owners)) if k not in inside)
    _assert_tiled(doc.plan, region)
    # Each territory is still the union of its units.
    for tid, t in doc.plan.territories.items():
        mine = [units.layer.geometries[k] for k, o in enumerate(owners) if o == tid]
        assert shapely.symmetric_difference(t.geometry, shapely.union_all(mine)).area \
            <= 1e-9 * t.geometry.area
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        qtbot.keyClick(tdapp.window, Qt.Key.Key_Z, CTRL)
    assert doc.plan is before
    assert units.owners() == owners_before


def test_box_adds_units_and_esc_cancels_a_lasso(units_plan, qtbot):
    tdapp = units_plan
    doc, units, view = tdapp.document, tdapp.window.units, tdapp.map_view
    target = next(iter(doc.plan.territories))
    _select(tdapp, qtbot, target)
    _zoom_to_selected(tdapp, qtbot)
    _i, p = _neighbour_unit(tdapp, qtbot, target)
    before = doc.plan
    # Esc in the middle of a lasso: nothing is sent, nothing changes.
    d = 0.01
    loop = [(p.y - d, p.x - d), (p.y - d, p.x + d), (p.y + d, p.x + d), (p.y + d, p.x - d)]
    js(qtbot, view, f"TDTest.drag({json.dumps(loop)}, {{altKey: true}}, false)")
    assert js(qtbot, view, "TD.state.units.drag !== null")
    qtbot.keyClick(tdapp.window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: js(qtbot, view, "TD.state.units.drag === null"), timeout=WAIT_MS)
    with qtbot.assertNotEmitted(view.units_picked, wait=500):
        js(qtbot, view, f"TDTest.release([{loop[-1][0]}, {loop[-1][1]}], {{altKey: true}})")
    assert doc.plan is before
    # Shift+drag a box: the units whose inside point it holds join the target.
    corners = [(p.y - d, p.x - d), (p.y + d, p.x + d)]
    box = shapely.box(p.x - d, p.y - d, p.x + d, p.y + d)
    inside = [k for k, g in enumerate(units.layer.geometries)
              if box.contains(g.representative_point())]
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        js(qtbot, view, f"TDTest.drag({json.dumps(corners)}, {{shiftKey: true}}, true)")
    assert doc.undo_stack.undoText().endswith("(box)")
    owners = units.owners()
    assert inside and all(owners[k] == target for k in inside)
    # The map's Lasso button: the next plain drag is a lasso.
    js(qtbot, view, "(document.querySelector('.td-units-lasso').click(), 1)")
    assert js(qtbot, view, "TD.state.units.lassoArmed")
    ring = [(p.y - 2 * d, p.x - 2 * d), (p.y - 2 * d, p.x + 2 * d), (p.y + 2 * d, p.x + 2 * d),
            (p.y + 2 * d, p.x - 2 * d), (p.y - 2 * d, p.x - 2 * d)]
    with qtbot.waitSignal(view.units_picked, timeout=WAIT_MS) as picked:
        js(qtbot, view, f"TDTest.drag({json.dumps(ring)}, {{}}, true)")
    assert picked.args[1] == "lasso"
    assert not js(qtbot, view, "TD.state.units.lassoArmed")  # one lasso per press


def test_a_locked_territorys_units_are_never_taken(units_plan, qtbot):
    tdapp = units_plan
    doc, units, view, window = (tdapp.document, tdapp.window.units, tdapp.map_view,
                                tdapp.window)
    target = next(iter(doc.plan.territories))
    _select(tdapp, qtbot, target)
    _zoom_to_selected(tdapp, qtbot)
    i, p = _neighbour_unit(tdapp, qtbot, target)
    owner = units.owners()[i]
    _select(tdapp, qtbot, owner)
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        qtbot.keyClick(window, Qt.Key.Key_L, CTRL)
    assert doc.plan.territories[owner].locked
    _select(tdapp, qtbot, target)
    before = doc.plan
    with qtbot.waitSignal(view.units_picked, timeout=WAIT_MS):
        js(qtbot, view, f"TDTest.click([{p.y}, {p.x}])")
    qtbot.waitUntil(lambda: "refused" in window.statusBar().currentMessage(), timeout=WAIT_MS)
    assert "locked" in window.statusBar().currentMessage()
    assert doc.plan is before
    assert units.owners()[i] == owner


BAD_FILES = {
    "points.geojson": (json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "A"},
         "geometry": {"type": "Point", "coordinates": [-118.3, 34.0]}}]}),
        "no usable polygon: {path}: feature 1 (A): rejected: a Point, not a polygon"),
    "broken.geojson": ('{"type": "FeatureCollection", "features": [',
                       "{path}: not a readable GeoJSON file"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_unit_file_gives_a_one_line_message(tdapp, qtbot, monkeypatch, tmp_path, name):
    window = tdapp.window
    text, expected = BAD_FILES[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    before = tdapp.document.plan
    menu = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&Import")
    action = next(a for a in menu.actions() if a.objectName() == "file.import_units")
    action.trigger()

    def boxes():
        return [b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible()]

    qtbot.waitUntil(lambda: bool(boxes()), timeout=WAIT_MS)
    message = boxes()[-1].text()
    assert expected.format(path=path) in message
    assert "\n" not in message and "Traceback" not in message
    assert tdapp.document.plan is before and not window.units.shown()


def test_a_unit_file_with_an_invalid_polygon_is_shown_with_the_repair_named(
        tdapp, qtbot, monkeypatch, tmp_path):
    window = tdapp.window
    x, y = -76.62, 39.29  # Baltimore, where the sample plan is
    square = [[x, y], [x + 0.02, y], [x + 0.02, y + 0.02], [x, y + 0.02], [x, y]]
    bow_tie = [[x + 0.02, y], [x + 0.04, y + 0.02], [x + 0.04, y], [x + 0.02, y + 0.02],
               [x + 0.02, y]]
    path = tmp_path / "mine.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "A"},
         "geometry": {"type": "Polygon", "coordinates": [square]}},
        {"type": "Feature", "properties": {"id": "B"},
         "geometry": {"type": "Polygon", "coordinates": [bow_tie]}}]}), encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    with qtbot.waitSignal(window.units.layer_shown, timeout=WAIT_MS) as shown:
        window.actions["view.units_file"].trigger()
    assert shown.args == [2]
    box = next(b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible())
    assert box.windowTitle() == "Units of mine: 0 rejected, 1 repaired"
    assert box.text().startswith(f"{path}: feature 2 (B): changed: invalid polygon repaired")
    assert js(qtbot, tdapp.map_view, "TD.state.units.ids") == ["A", "B"]
    assert window.actions["view.units_hide"].isEnabled()
    window.actions["view.units_hide"].trigger()
    qtbot.waitUntil(lambda: js(qtbot, tdapp.map_view, "TD.state.units.layer === null"),
                    timeout=WAIT_MS)


def test_cancel_a_build_from_units_changes_nothing(tdapp, qtbot, la_plan, tmp_path):
    window, units, doc = tdapp.window, tdapp.window.units, tdapp.document
    path = tmp_path / "la.gpkg"
    planfile.save_plan(la_plan(6), path)
    with qtbot.waitSignal(tdapp.map_view.layers_shown, timeout=WAIT_MS):
        assert tdapp.files.open_path(path, confirmed=True)
    _focus(window, qtbot)
    before = doc.plan
    qtbot.keyClick(window, Qt.Key.Key_U, CTRL_ALT)
    qtbot.waitUntil(lambda: units.dialog is not None and units.dialog.isVisible())
    qtbot.mouseClick(units.dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    assert window.jobs.progress.isVisible() and window.jobs.cancel_button.isVisible()
    qtbot.mouseClick(window.jobs.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.jobs.workers, timeout=WAIT_MS)
    assert "cancelled" in window.statusBar().currentMessage()
    assert doc.plan is before and not doc.undo_stack.canUndo() and not units.shown()


def test_a_build_from_units_lists_every_warning(tdapp, qtbot, la_plan, tmp_path):
    window, units = tdapp.window, tdapp.window.units
    dialog = _build_dialog_on_la(tdapp, qtbot, la_plan, tmp_path)
    dialog.by.setFocus()
    qtbot.keyClicks(dialog.by, "Pot")
    assert dialog.by.currentData() == "potential"
    dialog.tolerance.setFocus()
    qtbot.keyClick(dialog.tolerance, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(dialog.tolerance, "0.5")
    assert dialog.tolerance.value() == 0.5
    assert dialog.tolerance.text() == "0.5 %"  # one decimal, as in the other band fields
    with qtbot.waitSignal(units.built, timeout=WAIT_MS) as built:
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)
    warnings = built.args[0].warnings
    assert len(warnings) > 1
    box = next(b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible())
    assert box.windowTitle() == f"Built, with {len(warnings)} warnings"
    assert box.text().splitlines() == [f"• {w}" for w in warnings]  # each, one a line
    # The Design panel measures the new territories against the band they were built to.
    design = window.design
    design.show_panel()
    qtbot.waitUntil(lambda: design.panel.figures is not None
                    and design.panel.figures.metrics.territory_ids
                    and "outside ±0.5%" in design.panel.summary.text(), timeout=WAIT_MS)


def test_a_build_from_units_warns_of_what_the_design_panel_shows(tdapp, qtbot, la_plan,
                                                                  tmp_path):
    # Six LA reps from ZIP/ZCTA units: on the units' own estimate every territory is in the
    # band, but the plan built drives between its stops too. The warning the user reads and
    # the Design panel's Deviation column name the same territories, by the same figure.
    from territory_desktop.qt.design_panel import COLUMNS

    window, units = tdapp.window, tdapp.window.units
    dialog = _build_dialog_on_la(tdapp, qtbot, la_plan, tmp_path)
    with qtbot.waitSignal(units.built, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)
    boxes = [b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible()]
    assert boxes, "the build said nothing of the territory the Design panel shows outside"
    said = {}
    for line in boxes[0].text().splitlines():
        name, _, rest = line.removeprefix("• territory ").partition(" cannot reach the ±5% "
                                                                    "band: ")
        if rest:
            figure, where = rest.split()[:2]
            said[name] = ("+" if where == "above" else "-") + figure
    assert said
    _close_error_boxes(window, qtbot)
    design = window.design
    design.show_panel()
    table = design.panel.table
    qtbot.waitUntil(lambda: design.panel.figures is not None and table.rowCount() == 6,
                    timeout=WAIT_MS)
    shown = {table.item(r, 0).text(): table.item(r, COLUMNS.index("Deviation")).text()
             for r in range(table.rowCount())}
    assert {n: d for n, d in shown.items() if abs(float(d.rstrip("%"))) > 5} == said


def test_county_units_around_the_sample_are_painted_by_territory(tdapp, qtbot):
    from territory_desktop.geo.unit_owners import plan_extent
    from territory_desktop.geo.units import load_builtin

    window, view = tdapp.window, tdapp.map_view
    expected = load_builtin("county", plan_extent(tdapp.document.plan))
    with qtbot.waitSignal(window.units.layer_shown, timeout=WAIT_MS) as shown:
        window.actions["view.units_county"].trigger()
    assert shown.args == [len(expected)]
    assert "County units: select a territory" in window.statusBar().currentMessage()
    # The shipped layer's own oddity (a Virginia county without area) is not the user's news.
    assert not [b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible()]
    owners = [o or "" for o in window.units.owners()]
    assert any(owners)  # Baltimore's counties hold the sample's accounts
    qtbot.waitUntil(lambda: js(qtbot, view, "TD.state.units.owners") == owners,
                    timeout=WAIT_MS)
    # Building territories offers the units on the map first, the balance in words.
    qtbot.keyClick(window, Qt.Key.Key_U, CTRL_ALT)
    units = window.units
    qtbot.waitUntil(lambda: units.dialog is not None and units.dialog.isVisible())
    assert units.dialog.layer.currentData() == "county"
    assert units.dialog.layer.currentText() == "County (built-in, shown)"
    assert units.dialog.by.currentText() == "Workload (visit and drive hours)"
    qtbot.keyClick(units.dialog, Qt.Key.Key_Escape)


def test_building_from_units_offers_a_layer_that_has_units_where_the_accounts_are(tdapp,
                                                                                 qtbot):
    """Baltimore has no built-in ZIP/ZCTA units: the county layer is offered first."""
    window, units = tdapp.window, tdapp.window.units
    _focus(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_U, CTRL_ALT)
    qtbot.waitUntil(lambda: units.dialog is not None and units.dialog.isVisible())
    layer = units.dialog.layer
    assert layer.currentData() == "county"
    assert [layer.itemText(k) for k in range(layer.count())] == [
        "ZIP/ZCTA (built-in: CA, CT, DC, DE, HI, NH, RI)", "County (built-in)",
        "State (built-in)"]
    qtbot.keyClick(units.dialog, Qt.Key.Key_Escape)


def test_units_given_by_hand_are_theirs_again_after_save_and_reopen(units_plan, qtbot):
    tdapp = units_plan
    doc, units, view, window = (tdapp.document, tdapp.window.units, tdapp.map_view,
                                tdapp.window)
    target = next(iter(doc.plan.territories))
    _select(tdapp, qtbot, target)
    _zoom_to_selected(tdapp, qtbot)
    i, p = _neighbour_unit(tdapp, qtbot, target)
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        js(qtbot, view, f"TDTest.click([{p.y}, {p.x}])")
    owners = dict(zip(units.layer.ids, units.owners(), strict=True))
    assert owners[units.layer.ids[i]] == target
    path = doc.path
    qtbot.keyClick(window, Qt.Key.Key_S, CTRL)  # saved where it was opened from
    assert not doc.is_modified
    with qtbot.waitSignal(view.layers_shown, timeout=WAIT_MS):
        assert tdapp.files.open_path(path, confirmed=True)
    assert not units.shown()  # another document: its units are asked for again
    with qtbot.waitSignal(units.layer_shown, timeout=WAIT_MS):
        window.actions["view.units_zcta"].trigger()
    # The plan's area now reaches to its outlines: more units around, the same owners.
    again = dict(zip(units.layer.ids, units.owners(), strict=True))
    assert {u: again[u] for u in owners} == owners


def test_a_unit_alignment_file_moves_the_units_in_one_edit(units_plan, qtbot, monkeypatch,
                                                           tmp_path):
    import csv

    tdapp = units_plan
    doc, window, units = tdapp.document, tdapp.window, tdapp.window.units
    # The layer the user shows from the View menu is the one the file's keys are read against.
    window.actions["view.units_hide"].trigger()
    with qtbot.waitSignal(units.layer_shown, timeout=WAIT_MS):
        window.actions["view.units_zcta"].trigger()
    layer = units.layer
    tids = list(doc.plan.territories)
    locked = tids[-1]
    _select(tdapp, qtbot, locked)
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        qtbot.keyClick(window, Qt.Key.Key_L, CTRL)
    before, owners_before = doc.plan, list(units.owners())
    region = shapely.union_all(_shapes(before))
    names = {t.id: t.name for t in before.territories.values()}
    free = [t for t in tids if t != locked]
    # Every fifth unit of an unlocked territory goes to the next unlocked territory, by name.
    movable = [i for i, o in enumerate(owners_before) if o in free][::5]
    goes = {i: free[(free.index(owners_before[i]) + 1) % len(free)] for i in movable}
    stays, other = [i for i, o in enumerate(owners_before) if o in free and i not in goes][:2]
    held = next(i for i, o in enumerate(owners_before) if o == locked)
    rows = [["ZCTA", "Territory"]] + [[layer.ids[i], names[t]] for i, t in goes.items()]
    first_bad = len(rows) + 1
    rows += [["99999", names[free[0]]],  # not a unit shown
             [layer.ids[stays], "Atlantis"],  # no such territory
             [layer.ids[held], names[free[0]]],  # a unit of a locked territory
             [layer.ids[other], names[locked]],  # into a locked territory
             [layer.ids[stays], owners_before[stays]]]  # already there, by id: matched
    path = tmp_path / "zcta_alignment.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    importer = window.design.alignment
    importer.dialog = None
    window.actions["file.import_alignment"].trigger()
    dialog = importer.dialog
    assert dialog is not None and dialog.isVisible()
    assert f"matched {len(goes) + 1} ZIP/ZCTA units; {len(goes)} units change territory" \
        in dialog.summary.text()
    assert dialog.moves.rowCount() == len(goes)
    unmatched = [(dialog.unmatched.item(r, 0).text(), dialog.unmatched.item(r, 1).text())
                 for r in range(dialog.unmatched.rowCount())]
    assert unmatched == [
        (str(first_bad), "no ZIP/ZCTA unit shown with id '99999'"),
        (str(first_bad + 1), "no territory with id or name 'Atlantis'"),
        (str(first_bad + 2), f"unit {layer.ids[held]} is in {names[locked]}, which is locked: "
                             "unlock it to move its units"),
        (str(first_bad + 3), f"territory {names[locked]} is locked: unlock it to give it "
                             "units")]
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.text() == f"Move {len(goes)} units"
    steps = doc.undo_stack.count()
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert doc.undo_stack.count() == steps + 1
    assert doc.undo_stack.undoText() == f"Import alignment: {len(goes)} ZIP/ZCTA units"
    owners = units.owners()
    assert all(owners[i] == t for i, t in goes.items())
    assert [o for i, o in enumerate(owners) if i not in goes] == \
        [o for i, o in enumerate(owners_before) if i not in goes]
    _assert_tiled(doc.plan, region)
    assert doc.plan.territories[locked].geometry.equals(before.territories[locked].geometry)
    _focus(window, qtbot)
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    assert doc.plan is before
    assert units.owners() == owners_before


def test_a_territory_selected_in_the_last_plan_is_no_target_in_the_next(tdapp, qtbot, la_plan,
                                                                        tmp_path):
    # The page kept "T3" selected after another plan opened: once that plan had a T3 of its
    # own, a unit click added to it while nothing was selected in the window.
    _select(tdapp, qtbot, "T3")
    path = tmp_path / "la.gpkg"
    planfile.save_plan(la_plan(6), path)
    with qtbot.waitSignal(tdapp.map_view.layers_shown, timeout=WAIT_MS):
        assert tdapp.files.open_path(path, confirmed=True)
    assert tdapp.window.selected_territories == []
    qtbot.waitUntil(lambda: js(qtbot, tdapp.map_view, "TD.state.selected") is None,
                    timeout=WAIT_MS)
