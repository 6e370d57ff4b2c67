"""Real user paths through the main window: the map page, the panels, the undo stack, files."""

from __future__ import annotations

import json

import pytest
from map_mouse import click_map
from PySide6.QtCore import Qt
from pytestqt.exceptions import TimeoutError as WaitTimeout

from territory_desktop.io import planfile
from territory_desktop.resources import resource_path

WAIT_MS = 30_000

SAMPLE_CSV = resource_path("sample", "accounts.csv")


def js(qtbot, view, expression: str):
    """Evaluate ``expression`` in the map page and return its value.

    Asked again every 5 s: once in a full run a page answered no runJavaScript callback at
    all (the same question alone, and the whole file, passed).
    """
    out: list = []
    for _ in range(WAIT_MS // 5000):
        view.run_js(expression, out.append)
        try:
            qtbot.waitUntil(lambda: bool(out), timeout=5000)
        except WaitTimeout:
            continue
        return out[0]
    raise TimeoutError(f"the map page gave no answer to {expression!r} in {WAIT_MS} ms")


def fire_polygon(view, lonlats: list[tuple[float, float]]) -> None:
    """Do what Geoman does when the user finishes drawing a polygon on the page."""
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
               "[TD.state.accounts.count, TD.state.territories.getLayers().length]")
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


def test_an_edits_notes_stay_in_the_status_bar_beside_its_text(tdapp, qtbot):
    window, doc, view = tdapp.window, tdapp.document, tdapp.map_view
    window.ask_keep_side = lambda names: "new"  # the territories under it give up the area
    west, south, east, north = shape_bounds(doc)
    mid_x, mid_y = (west + east) / 2, (south + north) / 2
    ring = [(mid_x - 0.01, mid_y - 0.01), (mid_x + 0.01, mid_y - 0.01),
            (mid_x + 0.01, mid_y + 0.01), (mid_x - 0.01, mid_y + 0.01),
            (mid_x - 0.01, mid_y - 0.01)]
    view.start_draw_polygon()
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        fire_polygon(view, ring)
    message = window.statusBar().currentMessage()
    assert message.startswith("Draw territory")
    assert "gave up the overlapping area" in message
    # The panels' refreshes after the edit (health, balance figures) keep their steps out of
    # the status line: the edit's message is still there when they are done.
    assert any(w.kind == "health" for w in window.jobs.workers)
    qtbot.waitUntil(lambda: not window.jobs.workers, timeout=WAIT_MS)
    assert window.statusBar().currentMessage() == message


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
    table, panel = window.territories.table, window.territories
    for n, piece in enumerate(pieces):  # click one row, Ctrl+click the other
        row = next(r for r, w in enumerate(panel.model.rows) if w.territory_id == piece.id)
        rect = table.visualRect(panel.proxy.mapFromSource(panel.model.index(row, 0)))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.ControlModifier if n else
                         Qt.KeyboardModifier.NoModifier, rect.center())
    assert sorted(window.selected_territories) == sorted(p.id for p in pieces)
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


def test_an_untitled_plan_left_by_a_crash_is_offered_back_by_its_name(tdapp):
    from territory_desktop import edits

    doc, files = tdapp.document, tdapp.files
    assert doc.path is None  # the sample opens as an untitled copy
    name = doc.plan.name
    tid = next(iter(doc.plan.territories))
    tdapp.window.apply_edit(lambda: edits.update_territory(doc.plan, tid, name="Unsaved work"))
    assert files.autosave() is not None
    asked = []
    files.ask_restore = lambda label, rec: asked.append(label) or True
    doc.undo_stack.setClean()  # "crash": the next session starts
    assert files.recover_untitled()
    assert asked == [f"The unsaved plan “{name}”"]
    assert doc.plan.territories[tid].name == "Unsaved work"


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


def drag_on_map(qtbot, view, start: tuple[float, float], dx: int) -> None:
    """Press the mouse at ``start`` on the map, move ``dx`` pixels east in steps, release."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    target = view.web_view.focusProxy()
    x, y = round(start[0]), round(start[1])
    QTest.mousePress(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(x, y))
    for step in range(5, dx + 1, 5):
        QTest.mouseMove(target, QPoint(x + step, y))
        qtbot.wait(15)
    QTest.mouseRelease(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(x + dx, y))


def west_territory_and_neighbour(doc):
    shaped = [t for t in doc.plan.territories.values() if t.geometry is not None]
    first = min(shaped, key=lambda t: t.geometry.bounds[0])
    neighbour = next(t for t in shaped if t.id != first.id and t.geometry.touches(first.geometry))
    return first, neighbour


def start_reshape_by_clicking(tdapp, qtbot, territory) -> None:
    """Click the territory on the map, press Ctrl+E: the page's edit gesture opens."""
    from PySide6.QtWidgets import QApplication

    window, view = tdapp.window, tdapp.map_view
    # a point inside the territory, away from its label and the rep home markers
    inside = territory.geometry.representative_point()
    x, y = js(qtbot, view, "(function(){ var p = TD.state.map.latLngToContainerPoint("
              f"[{inside.y}, {inside.x}]); return [p.x, p.y + 40]; }})()")
    with qtbot.waitSignal(view.territory_clicked, timeout=WAIT_MS):
        click_map(qtbot, view, x, y)
    assert window.selected_territories == [territory.id]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: js(qtbot, view, "!!(TD.state.gesture && TD.state.gesture.copy)"),
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.actions["territory.finish"].isEnabled(), timeout=WAIT_MS)


EAST_VERTEX = """(function(){ var ms = TD.state.gesture.copy.pm._markers;
  var ring = Array.isArray(ms[0]) ? ms[0] : ms; var best = null;
  ring.forEach(function(m){ if (!best || m.getLatLng().lng > best.getLatLng().lng) best = m; });
  var p = TD.state.map.latLngToContainerPoint(best.getLatLng()); return [p.x, p.y]; })()"""


def accounts_row(window, tid):
    return next(r.accounts for r in window.territories.model.rows if r.territory_id == tid)


def test_reshape_by_dragging_a_corner_commits_with_enter(tdapp, qtbot):
    """Select, Ctrl+E, drag a corner with the mouse, Enter with the map focused: one edit."""
    from PySide6.QtWidgets import QApplication

    window, doc, view = tdapp.window, tdapp.document, tdapp.map_view
    first, neighbour = west_territory_and_neighbour(doc)
    area_before, accounts_before = first.geometry.area, accounts_row(window, first.id)
    start_reshape_by_clicking(tdapp, qtbot, first)
    assert js(qtbot, view, "getComputedStyle(document.querySelector('.td-finish')).display") \
        != "none"  # the map shows its Finish button while reshaping
    drag_on_map(qtbot, view, js(qtbot, view, EAST_VERTEX), 120)
    assert doc.undo_stack.count() == 0  # nothing is kept until the user finishes
    assert QApplication.focusWidget() is view.web_view.focusProxy()
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    grown = doc.plan.territories[first.id].geometry
    assert grown.area > area_before * 1.02
    assert grown.intersection(doc.plan.territories[neighbour.id].geometry).area < 1e-10
    assert doc.undo_stack.count() == 1
    assert doc.undo_stack.undoText() == f"Reshape {first.name}"
    # the numbers follow: the territory table counts the accounts the new corner took in
    assert accounts_row(window, first.id) == len(doc.assignment.accounts_in(first.id))
    assert accounts_row(window, first.id) > accounts_before
    qtbot.waitUntil(lambda: not window.actions["territory.finish"].isEnabled(), timeout=WAIT_MS)
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        window.actions["edit.undo"].trigger()
    assert doc.plan.territories[first.id].geometry.area == pytest.approx(area_before)
    assert accounts_row(window, first.id) == accounts_before


def test_reshape_commits_with_keypad_enter_while_the_table_has_focus(tdapp, qtbot):
    window, doc, view = tdapp.window, tdapp.document, tdapp.map_view
    first, _neighbour = west_territory_and_neighbour(doc)
    area_before = first.geometry.area
    start_reshape_by_clicking(tdapp, qtbot, first)
    drag_on_map(qtbot, view, js(qtbot, view, EAST_VERTEX), 100)
    table = window.territories.table
    table.setFocus()
    qtbot.waitUntil(table.hasFocus, timeout=WAIT_MS)
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        qtbot.keyClick(table, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert doc.plan.territories[first.id].geometry.area > area_before * 1.02
    assert doc.undo_stack.undoText() == f"Reshape {first.name}"


def test_enter_and_delete_in_a_text_field_stay_in_the_field_while_reshaping(tdapp, qtbot):
    """The window's Enter (finish) and Delete (delete territory) do not steal typing keys."""
    window, doc, view = tdapp.window, tdapp.document, tdapp.map_view
    first, _neighbour = west_territory_and_neighbour(doc)
    start_reshape_by_clicking(tdapp, qtbot, first)
    drag_on_map(qtbot, view, js(qtbot, view, EAST_VERTEX), 100)
    search = window.accounts.search
    qtbot.mouseClick(search, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(search.hasFocus, timeout=WAIT_MS)
    qtbot.keyClicks(search, "zzq")
    qtbot.keyClick(search, Qt.Key.Key_Delete)  # at the end of the text: deletes nothing
    qtbot.keyClick(search, Qt.Key.Key_Backspace)
    qtbot.keyClick(search, Qt.Key.Key_Return)
    qtbot.keyClick(search, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    qtbot.wait(200)
    assert search.text() == "zz"
    assert first.id in doc.plan.territories and window.selected_territories == [first.id]
    assert doc.undo_stack.count() == 0  # neither finished nor deleted
    assert window.actions["territory.finish"].isEnabled()
    assert js(qtbot, view, "!!(TD.state.gesture && TD.state.gesture.copy)")


def test_reshape_finish_button_on_the_map_and_esc_cancels(tdapp, qtbot):
    from PySide6.QtWidgets import QApplication

    window, doc, view = tdapp.window, tdapp.document, tdapp.map_view
    first, _neighbour = west_territory_and_neighbour(doc)
    before = doc.plan
    # Esc abandons the drag: nothing recorded, the outline is Python's again
    start_reshape_by_clicking(tdapp, qtbot, first)
    drag_on_map(qtbot, view, js(qtbot, view, EAST_VERTEX), 100)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.actions["territory.finish"].isEnabled(), timeout=WAIT_MS)
    assert doc.plan is before and doc.undo_stack.count() == 0
    assert js(qtbot, view, "TD.state.gesture") is None
    # again, finishing with the map's own button
    start_reshape_by_clicking(tdapp, qtbot, first)
    drag_on_map(qtbot, view, js(qtbot, view, EAST_VERTEX), 100)
    button = js(qtbot, view, "(function(){ var r = document.querySelector('.td-finish')"
                ".getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2];"
                " })()")
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        click_map(qtbot, view, *button)
    assert doc.plan.territories[first.id].geometry.area > first.geometry.area * 1.02
    assert doc.undo_stack.count() == 1


TEXT_BOXES = """(function(){ function box(e){ var r = document.createRange();
  r.selectNodeContents(e); var b = r.getBoundingClientRect();
  return {left: b.left, right: b.right, top: b.top, bottom: b.bottom, height: b.height}; }
  var keys = document.querySelectorAll('.leaflet-popup .td-key');
  var vals = document.querySelectorAll('.leaflet-popup .td-val');
  var out = [];
  for (var i = 0; i < keys.length; i++) {
    out.push({key: keys[i].textContent, value: vals[i].textContent, k: box(keys[i]),
              v: box(vals[i]), line: parseFloat(getComputedStyle(vals[i]).lineHeight)});
  }
  return out; })()"""


def test_account_popup_reads_as_rows_and_esc_closes_it(tdapp, qtbot):
    from PySide6.QtWidgets import QApplication

    window, doc, view = tdapp.window, tdapp.document, tdapp.map_view
    account = next(a for a in doc.plan.accounts.values() if "Aliceanna" in a.address)
    # find it by name and press Enter: the map centres on it and opens its pop-up
    qtbot.keyClick(window.accounts.search, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(QApplication.focusWidget(), account.name)
    with qtbot.waitSignal(view.rendered, timeout=WAIT_MS,
                          check_params_cb=lambda cmd, _n: cmd == "zoom_to_account"):
        qtbot.keyClick(window.accounts.search, Qt.Key.Key_Return)
    rows = js(qtbot, view, TEXT_BOXES)
    assert {r["key"] for r in rows} >= {"Tier", "Territory", "Address"}
    for r in rows:  # every label ends well before its value starts, values line up
        assert r["k"]["right"] + 6 <= r["v"]["left"], r
        assert r["v"]["left"] == rows[0]["v"]["left"]
    address = next(r for r in rows if r["key"] == "Address")
    assert address["value"] == account.address
    assert address["v"]["height"] < 1.5 * address["line"]  # one line, not a word per line
    # Esc closes it, wherever the focus is: here the search field...
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: js(qtbot, view, "document.querySelectorAll('.leaflet-popup')"
                               ".length") == 0, timeout=WAIT_MS)
    # ...and on the map, after clicking the account's dot
    x, y = js(qtbot, view, "(function(){ var p = TD.state.map.latLngToContainerPoint("
              "TD.state.accounts.latLngAt(TD.state.accounts.indexOf(" + json.dumps(account.id)
              + ")));"
              " return [p.x, p.y]; })()")
    with qtbot.waitSignal(view.account_clicked, timeout=WAIT_MS):
        click_map(qtbot, view, x, y)
    assert js(qtbot, view, "document.querySelectorAll('.leaflet-popup').length") == 1
    assert QApplication.focusWidget() is view.web_view.focusProxy()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: js(qtbot, view, "document.querySelectorAll('.leaflet-popup')"
                               ".length") == 0, timeout=WAIT_MS)


def test_an_open_account_card_shows_the_plan_after_an_edit(tdapp, qtbot):
    from PySide6.QtWidgets import QApplication

    window, doc, view = tdapp.window, tdapp.document, tdapp.map_view
    tid = "T3"
    account = next(doc.plan.accounts[a] for a, t in sorted(doc.assignment.territory_of.items())
                   if t == tid)
    qtbot.keyClick(window.accounts.search, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(QApplication.focusWidget(), account.name)
    with qtbot.waitSignal(view.rendered, timeout=WAIT_MS,
                          check_params_cb=lambda cmd, _n: cmd == "zoom_to_account"):
        qtbot.keyClick(window.accounts.search, Qt.Key.Key_Return)

    def territory_row():
        rows = js(qtbot, view, TEXT_BOXES)
        return next((r["value"] for r in rows if r["key"] == "Territory"), None)

    qtbot.waitUntil(lambda: territory_row() == doc.plan.territories[tid].name, timeout=WAIT_MS)
    # Its territory goes (select it, Territory > Delete): the card open on the map says so.
    window.select_territories([tid])
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        window.actions["territory.delete"].trigger()
    assert tid not in doc.plan.territories
    now = doc.assignment.territory_of[account.id]
    expected = doc.plan.territories[now].name if now else "unassigned"
    qtbot.waitUntil(lambda: territory_row() == expected, timeout=WAIT_MS)
    assert js(qtbot, view, "document.querySelectorAll('.leaflet-popup').length") == 1


OVERLAPS = """(function(){ var reps = Array.from(document.querySelectorAll('.td-rep'))
  .map(function(e){ return e.getBoundingClientRect(); });
  var hits = [];
  document.querySelectorAll('.td-label-territory').forEach(function(l){
    var a = l.getBoundingClientRect();
    reps.forEach(function(b){ if (a.left < b.right && a.right > b.left && a.top < b.bottom
      && a.bottom > b.top) { hits.push(l.textContent); } }); });
  return [document.querySelectorAll('.td-label-territory').length, reps.length, hits]; })()"""


def test_territory_names_keep_clear_of_rep_homes(tdapp, qtbot):
    view, plan = tdapp.map_view, tdapp.document.plan
    for zoom_in in (0, 1):  # as opened, then one step closer
        if zoom_in:
            with qtbot.waitSignal(view.rendered, timeout=WAIT_MS):
                view.zoom_to_territory(next(iter(plan.territories)))
        labels, reps, hits = js(qtbot, view, OVERLAPS)
        assert reps == len(plan.reps) and labels >= 1
        assert hits == []
    shaped = sum(t.geometry is not None for t in plan.territories.values())
    view.zoom_to_all()
    assert js(qtbot, view, OVERLAPS)[0] == shaped  # every name still finds a place


def test_legend_lists_every_territory_whole_without_scrolling(tdapp, qtbot):
    view, plan = tdapp.map_view, tdapp.document.plan
    legend = js(qtbot, view, """(function(){
      var box = document.querySelector('.td-legend:not(.td-health-legend)');
      var cut = Array.from(box.querySelectorAll('.td-legend-name, .td-legend-rep'))
        .filter(function(e){ return e.scrollWidth > e.clientWidth + 1; })
        .map(function(e){ return e.textContent; });
      return {names: Array.from(box.querySelectorAll('.td-legend-name'))
                .map(function(e){ return e.firstChild.textContent; }),
              reps: Array.from(box.querySelectorAll('.td-legend-rep'))
                .map(function(e){ return e.textContent; }),
              cut: cut, scrolls: box.scrollHeight > box.clientHeight + 1}; })()""")
    territories = sorted(plan.territories.values(), key=lambda t: t.name)
    assert legend["names"] == [t.name for t in territories]  # the overlay Enterprise too
    assert "Enterprise" in legend["names"]
    assert legend["reps"] == [plan.reps[t.rep_id].name if t.rep_id else ""
                              for t in territories]
    assert legend["cut"] == []
    assert legend["scrolls"] is False


def test_the_legend_folds_away_with_a_click_on_its_title_and_stays_folded(tdapp, qtbot):
    view = tdapp.map_view
    box = """(function(){
      var box = document.querySelector('.td-legend:not(.td-health-legend)');
      var t = box.querySelector('.td-legend-title').getBoundingClientRect();
      var r = box.getBoundingClientRect();
      return {x: t.left + t.width / 2, y: t.top + t.height / 2, height: r.height,
              rows: box.querySelectorAll('.td-legend-row').length,
              title: box.querySelector('.td-legend-title').textContent}; })()"""
    shown = js(qtbot, view, box)
    assert shown["rows"] == len(tdapp.document.plan.territories)
    click_map(qtbot, view, shown["x"], shown["y"])
    qtbot.waitUntil(lambda: js(qtbot, view, box)["rows"] == 0)
    folded = js(qtbot, view, box)
    assert folded["height"] < shown["height"] / 3 and "Territories" in folded["title"]
    # A redraw after an edit (a territory renamed) keeps it folded; a click brings it back.
    from territory_desktop import edits

    doc = tdapp.document
    tid = next(iter(doc.plan.territories))
    with qtbot.waitSignal(view.layers_shown, timeout=WAIT_MS):
        tdapp.window.apply_edit(lambda: edits.update_territory(doc.plan, tid, name="Renamed"))
    assert js(qtbot, view, box)["rows"] == 0
    click_map(qtbot, view, folded["x"], folded["y"])
    qtbot.waitUntil(lambda: js(qtbot, view, box)["rows"] == shown["rows"])


def toolbar_button(window, action_id):
    from PySide6.QtWidgets import QToolBar

    toolbar = window.findChild(QToolBar, "mainToolbar")
    return toolbar.widgetForAction(window.actions[action_id])


def test_undo_button_keeps_its_label_and_undoing_everything_clears_the_star(tdapp, qtbot):
    from PySide6.QtTest import QTest

    window, doc, view = tdapp.window, tdapp.document, tdapp.map_view
    undo = toolbar_button(window, "edit.undo")
    redo_x = toolbar_button(window, "edit.redo").x()
    _first, neighbour = west_territory_and_neighbour(doc)
    # two edits the way a user makes them: click a territory's row and press Delete, then
    # draw a new territory on the map
    table = window.territories.table
    row = next(r for r in range(table.model().rowCount())
               if table.model().index(r, 0).data() == neighbour.name)
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     table.visualRect(table.model().index(row, 0)).center())
    assert window.selected_territories == [neighbour.id]
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        qtbot.keyClick(table, Qt.Key.Key_Delete)
    _west, south, east, north = shape_bounds(doc)
    view.start_draw_polygon()
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        fire_polygon(view, [(east + 0.01, south), (east + 0.03, south), (east + 0.03, north),
                            (east + 0.01, south)])
    assert doc.undo_stack.undoText().startswith("Draw territory")
    assert window.windowTitle().count("*") == 1
    qtbot.wait(50)  # let the toolbar lay out again
    assert undo.text() == "Undo"  # the button does not grow with the command
    assert toolbar_button(window, "edit.redo").x() == redo_x  # and nothing after it moves
    assert doc.undo_stack.undoText() in undo.toolTip()  # the full command is in the tooltip
    assert window.actions["edit.undo"].text().replace("&", "") == \
        f"Undo {doc.undo_stack.undoText()}"  # and in the Edit menu
    while doc.undo_stack.canUndo():
        with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
            QTest.mouseClick(undo, Qt.MouseButton.LeftButton)
    assert "*" not in window.windowTitle()
    assert undo.text() == "Undo" and not undo.isEnabled()


def test_status_bar_progress_title_fits_and_figures_read_well(tdapp, qtbot):
    window = tdapp.window
    seen: list[tuple[str, int, int, str, str, int, int]] = []

    def record(*_args) -> None:
        label, bar = window.progress_label, window.progress
        seen.append((label.text(), label.fontMetrics().horizontalAdvance(label.text()),
                     label.width(), label.toolTip(), bar.text(),
                     bar.fontMetrics().horizontalAdvance(bar.text()), bar.width()))

    import threading

    go = threading.Event()

    def job(progress, should_stop) -> None:
        go.wait(10)
        progress(0.5, "")

    worker = window.run_work("Compiling roads of a_rather_long_extract_name_for_a_region"
                             ".osm.pbf", job)
    worker.signals.progressed.connect(record)
    with qtbot.waitSignal(worker.signals.finished, timeout=WAIT_MS):
        go.set()
    text, text_px, label_px, tip, bar_text, bar_px, bar_width = seen[0]
    assert text_px <= label_px and text.endswith("…")  # elided on one line, not clipped
    assert tip.startswith("Compiling roads of a_rather_long")
    assert bar_text == "50%" and bar_px < bar_width
    # visits per year are whole visits; Share explains itself on hover
    from PySide6.QtCore import QEvent, QPoint
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    table = window.territories.table
    model = table.model()
    visits = next(c for c in range(model.columnCount())
                  if model.headerData(c, Qt.Orientation.Horizontal) == "Visits / yr")
    texts = [model.index(r, visits).data() for r in range(model.rowCount())]
    assert all("." not in t for t in texts), texts
    share = next(c for c in range(model.columnCount())
                 if model.headerData(c, Qt.Orientation.Horizontal) == "Share")
    header = table.horizontalHeader()
    pos = QPoint(header.sectionViewportPosition(share) + 5, header.height() // 2)
    QApplication.sendEvent(header.viewport(), QHelpEvent(QEvent.Type.ToolTip, pos,
                                                        header.viewport().mapToGlobal(pos)))
    qtbot.waitUntil(lambda: "share" in QToolTip.text().lower(), timeout=WAIT_MS)


def drag_window(qtbot, window, start, end) -> None:
    """Press at ``start`` on the window itself (a dock separator), move to ``end``, release."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    (x0, y0), (x1, y1) = start, end
    QTest.mousePress(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(x0, y0))
    steps = 10
    for i in range(1, steps + 1):
        QTest.mouseMove(window, QPoint(x0 + (x1 - x0) * i // steps, y0 + (y1 - y0) * i // steps))
        qtbot.wait(10)
    QTest.mouseRelease(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(x1, y1))


def map_rect(window):
    view = window.map
    return view.geometry().translated(view.parentWidget().mapTo(window, view.pos()) - view.pos())


def test_map_grows_when_the_divider_is_dragged_and_the_layout_is_remembered(tdapp, qtbot,
                                                                            tmp_path):
    import shiboken6
    from PySide6.QtWidgets import QAbstractButton, QDockWidget

    from territory_desktop import app as appmod

    window = tdapp.window
    bottom = window.findChild(QDockWidget, "dockTerritories")
    assert map_rect(window).height() > 0.55 * window.height()  # the map leads from the start
    # drag the divider between the map and the bottom panels most of the way down
    gap_y = (map_rect(window).bottom() + bottom.geometry().top()) // 2
    x = map_rect(window).center().x()
    drag_window(qtbot, window, (x, gap_y), (x, window.height() - 40))
    qtbot.waitUntil(lambda: bottom.height() < 150, timeout=WAIT_MS)
    assert not bottom.isFloating()  # resized, not torn off
    assert map_rect(window).height() > 0.75 * window.height()
    small = bottom.height()
    # the Accounts panel is closed with its own button and comes back from View > Panels
    accounts = window.dock("dockAccounts")
    close = next(b for b in accounts.findChildren(QAbstractButton)
                 if b.objectName() == "qt_dockwidget_closebutton")
    close.click()
    assert not accounts.isVisible()
    panels = {a.text().replace("&", ""): a for a in window.findChild(
        type(window.recent_menu), "panelsMenu").actions()}
    assert set(panels) == {"Territories", "Accounts", "Rotation", "Rep's week", "Route",
                           "Health", "Design", "Scenarios"}
    panels["Accounts"].trigger()
    assert accounts.isVisible()
    # the next session opens with the same layout
    window.close()
    again = appmod.build(settings_file=tmp_path / "settings.ini", data_dir=tmp_path / "data")
    try:
        # (the offscreen test screen is 800 x 800, so the saved geometry is clamped to it; a
        # desktop gets its size back, here the window is sized as before)
        again.window.resize(window.size())
        with qtbot.waitSignal(again.map_view.page_ready, timeout=WAIT_MS):
            again.window.show()
        assert abs(again.window.dock("dockTerritories").height() - small) <= 2
        # View > Reset layout puts the panels back
        again.window.actions["view.reset_layout"].trigger()
        qtbot.waitUntil(lambda: again.window.dock("dockTerritories").height() > small + 60,
                        timeout=WAIT_MS)
    finally:
        again.window.close()
        shiboken6.delete(again.window)


def test_a_first_start_lays_the_panels_out_as_reset_layout_does(qtbot, tmp_path):
    import shiboken6

    from territory_desktop import app as appmod

    fresh = appmod.build(settings_file=tmp_path / "settings.ini", data_dir=tmp_path / "data")
    window = fresh.window
    try:
        with qtbot.waitSignal(fresh.map_view.page_ready, timeout=WAIT_MS):
            window.show()
        first = (window.dock("dockTerritories").height(), window.dock("dockAccounts").width())
        window.actions["view.reset_layout"].trigger()
        qtbot.wait(50)  # let the layout settle, so that a no-op reset is seen as one
        again = (window.dock("dockTerritories").height(), window.dock("dockAccounts").width())
        assert abs(first[0] - again[0]) <= 2 and abs(first[1] - again[1]) <= 2, (first, again)
    finally:
        window.close()
        shiboken6.delete(window)


def test_new_plan_and_imported_accounts_are_in_view_with_a_next_step(tdapp, qtbot,
                                                                      monkeypatch,
                                                                      shared_data):
    from PySide6.QtWidgets import QFileDialog

    window, view = tdapp.window, tdapp.map_view
    hint = "(function(){ var h = document.querySelector('.td-hint');" \
           " return h && h.style.display !== 'none' ? h.textContent : ''; })()"
    assert js(qtbot, view, hint) == ""  # the sample has everything: nothing to suggest
    with qtbot.waitSignal(view.layers_shown, timeout=WAIT_MS):
        window.actions["file.new"].trigger()
    assert "Import accounts" in js(qtbot, view, hint)
    assert "Import accounts" in window.statusBar().currentMessage()
    la = shared_data / "accounts" / "la_metro_healthcare_accounts.csv"
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(la), "")))
    with qtbot.waitSignal(view.layers_shown, timeout=WAIT_MS):
        window.actions["file.import_accounts"].trigger()
    assert len(tdapp.document.plan.accounts) == 385
    # the map moved to Los Angeles by itself (no Ctrl+0), and says what comes next
    in_view = js(qtbot, view, "(function(){ var v = TD.state.map.getBounds(); var n = 0;"
                 " var A = TD.state.accounts; for (var i = 0; i < A.count; i++) {"
                 " if (v.contains(A.latLngAt(i))) { n++; } } return n; })()")
    assert in_view == 385
    assert "Import reps" in js(qtbot, view, hint)
