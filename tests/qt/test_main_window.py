"""Real user paths through the main window: the map page, the panels, the undo stack, files."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from territory_desktop.io import planfile
from territory_desktop.resources import resource_path

WAIT_MS = 30_000

SAMPLE_CSV = resource_path("sample", "accounts.csv")


def js(qtbot, view, expression: str):
    out: list = []
    view.run_js(expression, out.append)
    qtbot.waitUntil(lambda: bool(out), timeout=WAIT_MS)
    return out[0]


def fire_polygon(view, lonlats: list[tuple[float, float]]) -> None:
    """What Geoman does when the user finishes drawing a polygon on the page."""
    latlngs = json.dumps([[lat, lon] for lon, lat in lonlats])
    view.run_js("(function(){ var p = L.polygon(" + latlngs + ");"
                " TD.state.map.fire('pm:create', {layer: p, shape: 'Polygon'}); return 1; })()",
                lambda _: None)


def fire_line(view, lonlats: list[tuple[float, float]]) -> None:
    latlngs = json.dumps([[lat, lon] for lon, lat in lonlats])
    view.run_js("(function(){ var l = L.polyline(" + latlngs + ");"
                " TD.state.map.fire('pm:create', {layer: l, shape: 'Line'}); return 1; })()",
                lambda _: None)


def test_sample_plan_is_drawn_with_counts(tdapp, qtbot):
    plan = tdapp.document.plan
    assert len(plan.accounts) > 200 and len(plan.reps) == 5
    shown = js(qtbot, tdapp.map_view,
               "[TD.state.accounts.getLayers().length, TD.state.territories.getLayers().length]")
    assert shown == [len(plan.accounts), sum(t.geometry is not None
                                             for t in plan.territories.values())]
    table = tdapp.window.territories.model
    assert [r.territory_id for r in table.rows] == list(plan.territories)
    assert sum(r.accounts for r in table.rows) == len(plan.accounts)
    assert "248 accounts" in tdapp.window.counts_label.text()


def test_draw_polygon_through_page_clips_and_undoes(tdapp, qtbot):
    window, doc, view = tdapp.window, tdapp.document, tdapp.map_view
    before = doc.plan
    window.ask_keep_side = lambda names: "existing"
    # a box straddling the extract's east edge: only the part outside existing territories stays
    _west, south, east, north = shape_bounds(doc)
    ring = [(east - 0.01, south + 0.01), (east + 0.03, south + 0.01), (east + 0.03, north - 0.01),
            (east - 0.01, north - 0.01), (east - 0.01, south + 0.01)]
    view.start_draw_polygon()
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        fire_polygon(view, ring)
    added = [t for t in doc.plan.territories.values() if t.id not in before.territories]
    assert len(added) == 1
    new = added[0].geometry
    assert new.bounds[0] == pytest.approx(east, abs=1e-6)  # clipped at the old border
    for t in before.territories.values():
        if t.geometry is not None:
            assert new.intersection(t.geometry).area < 1e-10
    assert window.selected_territories == [added[0].id]
    assert doc.undo_stack.undoText().startswith("Draw territory")
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        window.actions["edit.undo"].trigger()
    assert doc.plan is before
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        window.actions["edit.redo"].trigger()
    assert added[0].id in doc.plan.territories


def shape_bounds(doc) -> tuple[float, float, float, float]:
    import shapely

    geoms = [t.geometry for t in doc.plan.territories.values() if t.geometry is not None]
    return shapely.union_all(geoms).bounds


def test_invalid_drawing_is_refused_with_reason(tdapp, qtbot):
    window, doc, view = tdapp.window, tdapp.document, tdapp.map_view
    before = doc.plan
    _west, _south, east, north = shape_bounds(doc)
    # a tiny bow-tie outside everything: repaired, but too small to keep
    d = 0.00005
    x, y = east + 0.05, north
    view.start_draw_polygon()
    fire_polygon(view, [(x, y), (x + d, y + d), (x + d, y), (x, y + d), (x, y)])
    qtbot.waitUntil(lambda: "refused" in window.statusBar().currentMessage(), timeout=WAIT_MS)
    assert "no usable area" in window.statusBar().currentMessage()
    assert doc.plan is before
    assert not doc.undo_stack.canUndo()


def test_split_select_merge_and_properties(tdapp, qtbot):
    window, doc, view = tdapp.window, tdapp.document, tdapp.map_view
    tid = next(t.id for t in doc.plan.territories.values() if t.geometry is not None)
    geom = doc.plan.territories[tid].geometry
    accounts_before = tdapp.document.assignment.accounts_in(tid)
    # clicking the territory on the map selects its row in the panel
    with qtbot.waitSignal(view.territory_clicked, timeout=WAIT_MS):
        view.run_js("TD.state.bridge.post(JSON.stringify({event: 'territory_clicked', tid: "
                    + json.dumps(tid) + "}))", lambda _: None)
    assert window.selected_territories == [tid]
    assert window.territories.selected_ids() == [tid]
    assert window.actions["territory.split"].isEnabled()
    window.actions["territory.split"].trigger()
    minx, miny, maxx, maxy = geom.bounds
    mid = (miny + maxy) / 2
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        fire_line(view, [(minx - 0.01, mid), (maxx + 0.01, mid)])
    pieces = [t for t in doc.plan.territories.values()
              if t.id == tid or t.name.startswith(doc.plan.territories[tid].name + " (")]
    assert len(pieces) == 2
    assert sum(p.geometry.area for p in pieces) == pytest.approx(geom.area, rel=1e-9)
    after = sum(len(doc.assignment.accounts_in(p.id)) for p in pieces)
    assert after == len(accounts_before)
    # select both rows in the panel, merge, and we are back to one territory with its accounts
    window.territories.select([p.id for p in pieces])
    window._on_panel_selection_changed(window.territories.selected_ids())
    assert window.actions["territory.merge"].isEnabled()
    window.actions["territory.merge"].trigger()
    assert doc.plan.territories[tid].geometry.area == pytest.approx(geom.area, rel=1e-9)
    assert sorted(doc.assignment.accounts_in(tid)) == sorted(accounts_before)
    assert doc.undo_stack.count() == 2
    # recolour + rename via one edit, reflected in the table model
    from territory_desktop import edits

    window.apply_edit(lambda: edits.update_territory(doc.plan, tid, name="Downtown",
                                                     color="#123456"))
    row = next(r for r in window.territories.model.rows if r.territory_id == tid)
    assert row.name == "Downtown"
    names = js(qtbot, view, "TD.state.territoryProps.map(function(p){return p.name;})")
    assert "Downtown" in names


def test_import_csv_with_bad_row_reports_line_and_column(tdapp, qtbot, tmp_path):
    window, doc = tdapp.window, tdapp.document
    csv = tmp_path / "crm.csv"
    csv.write_text(
        "Account ID,Account Name,BillingLatitude,BillingLongitude,Industry\n"
        "NEW-1,Good Deli,39.2901,-76.6001,Food\n"
        "NEW-2,Broken Row,abc,-76.6002,Food\n"
        "NEW-3,\"Quoted, with comma\",39.2903,-76.6003,Food\n", encoding="utf-8")
    before = len(doc.plan.accounts)
    result = tdapp.files.import_table(csv, "accounts")
    assert sorted(a.id for a in result.accounts) == ["NEW-1", "NEW-3"]
    assert len(doc.plan.accounts) == before + 2
    assert doc.undo_stack.undoText() == "Import 2 accounts"
    report = tdapp.files.last_report.details.toPlainText()
    assert "line 3, column BillingLatitude: rejected" in report
    assert "'abc'" in report
    assert tdapp.window.accounts.model.rowCount() == before + 2
    window.accounts.search.setText("quoted, with")
    assert window.accounts.visible_ids() == ["NEW-3"]
    tdapp.files.last_report.close()


def test_save_reopen_compare_and_recent_files(tdapp, qtbot, tmp_path):
    window, doc, files = tdapp.window, tdapp.document, tdapp.files
    from territory_desktop import edits

    tid = next(iter(doc.plan.territories))
    window.apply_edit(lambda: edits.update_territory(doc.plan, tid, name="Renamed"))
    assert doc.is_modified and window.windowTitle().startswith("sample")  is False
    target = tmp_path / "mine.gpkg"
    assert files.save_to(target)
    assert not doc.is_modified
    saved = doc.plan
    # the extract path is stored relative when possible and still resolves after reopening
    assert files.extract_path().endswith("baltimore.osm.pbf")
    files.new()
    assert doc.plan.accounts == {}
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        assert files.open_path(target)
    again = doc.plan
    assert again.accounts == saved.accounts
    assert again.reps == saved.reps
    assert again.rules == saved.rules
    assert list(again.territories) == list(saved.territories)
    for k, t in saved.territories.items():
        u = again.territories[k]
        assert (u.name, u.color, u.rep_id) == (t.name, t.color, t.rep_id)
        assert (u.geometry is None) == (t.geometry is None)
        if t.geometry is not None:
            assert u.geometry.equals_exact(t.geometry, 1e-9)
    assert again.territories[tid].name == "Renamed"
    assert tdapp.window.prefs.recent_files[0] == str(target)
    assert files.extract_path() != ""


def test_autosave_then_recovery_after_crash(tdapp, qtbot, tmp_path):
    doc, files = tdapp.document, tdapp.files
    from territory_desktop import edits

    target = tmp_path / "crashy.gpkg"
    assert files.save_to(target)
    tid = next(iter(doc.plan.territories))
    tdapp.window.apply_edit(lambda: edits.update_territory(doc.plan, tid, name="Unsaved work"))
    auto = files.autosave()
    assert auto is not None and auto.is_file()
    # "crash": the document is dropped without saving; a new session opens the plan
    files.ask_restore = lambda path, rec: True
    doc.undo_stack.setClean()
    assert files.open_path(target, confirmed=True)
    assert doc.plan.territories[tid].name == "Unsaved work"
    assert doc.is_modified  # restored work is not yet saved
    assert planfile.load_plan(target).territories[tid].name != "Unsaved work"
    assert auto.is_file()  # kept until the restored work is saved
    doc.undo_stack.undo()  # back to what is on disk, not to the restored work
    assert doc.plan.territories[tid].name == planfile.load_plan(target).territories[tid].name
    assert not doc.is_modified


def test_opening_the_shipped_sample_by_path_never_saves_into_resources(tdapp):
    from territory_desktop.resources import resource_path

    assert tdapp.files.open_path(resource_path("sample", "sample_plan.gpkg"), confirmed=True)
    assert tdapp.document.path is None  # an untitled copy: Save asks where


def test_close_with_unsaved_changes_asks(tdapp, qtbot):
    from PySide6.QtWidgets import QMessageBox

    from territory_desktop import edits

    doc, window = tdapp.document, tdapp.window
    tid = next(iter(doc.plan.territories))
    window.apply_edit(lambda: edits.update_territory(doc.plan, tid, name="Keep me"))
    tdapp.answers["question"] = QMessageBox.StandardButton.Cancel
    assert window.close() is False
    assert window.isVisible()
    tdapp.answers["question"] = QMessageBox.StandardButton.Discard


def test_keyboard_shortcuts_are_declared_once(tdapp):
    from PySide6.QtGui import QKeySequence

    window = tdapp.window
    seen = {}
    for action in window.findChildren(type(window.actions["edit.undo"])):
        for seq in action.shortcuts():
            key = seq.toString()
            assert key not in seen, f"{key} bound to {seen.get(key)} and {action.objectName()}"
            seen[key] = action.objectName()
    assert window.actions["edit.undo"].shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    assert window.actions["edit.redo"].shortcut() == QKeySequence("Ctrl+Shift+Z")


def test_search_and_unassigned_filter(tdapp, qtbot):
    window, doc = tdapp.window, tdapp.document
    some = next(iter(doc.plan.accounts.values()))
    window.accounts.search.setText(some.id)
    assert window.accounts.visible_ids() == [some.id]
    window.accounts.search.clear()
    window.show_unassigned()
    assert window.accounts.visible_ids() == doc.assignment.unassigned()
    assert Qt.CheckState(window.accounts.unassigned_only.checkState()) == Qt.CheckState.Checked


def test_reshape_through_page_moves_border_and_neighbour_gives_way(tdapp, qtbot):
    window, doc, view = tdapp.window, tdapp.document, tdapp.map_view
    shaped = [t for t in doc.plan.territories.values() if t.geometry is not None]
    # the sample's cells are side by side west to east: grow the first one eastwards
    first = min(shaped, key=lambda t: t.geometry.bounds[0])
    neighbour = next(t for t in shaped if t.id != first.id and t.geometry.touches(first.geometry))
    area_before = first.geometry.area
    window.select_territories([first.id])
    window.actions["territory.reshape"].trigger()
    qtbot.waitUntil(lambda: js(qtbot, view, "!!(TD.state.gesture && TD.state.gesture.copy)"),
                    timeout=WAIT_MS)
    # drag every vertex on the east border 300 m further east, as a user would with the mouse
    east = first.geometry.bounds[2]
    script = """(function(){ var c = TD.state.gesture.copy; var rings = c.getLatLngs();
      var ring = Array.isArray(rings[0]) ? rings[0] : rings; var moved = 0;
      ring.forEach(function(p){ if (p.lng > """ + f"{east:f}" + """ - 0.004) {
        p.lng += 0.0035; moved++; } });
      c.setLatLngs(rings); return moved; })()"""
    assert js(qtbot, view, script) >= 1
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        window.map.finish_edit()
    grown = doc.plan.territories[first.id].geometry
    assert grown.area > area_before
    assert grown.intersection(doc.plan.territories[neighbour.id].geometry).area < 1e-10
    assert doc.undo_stack.undoText() == f"Reshape {first.name}"
    doc.undo_stack.undo()
    assert doc.plan.territories[first.id].geometry.area == pytest.approx(area_before)
