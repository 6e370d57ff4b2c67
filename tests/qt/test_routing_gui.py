"""Routing from the window: compile with progress, unreachable accounts, routes, isochrones."""

from __future__ import annotations

import pytest
from settings_gestures import choose_units

from territory_desktop import import_edits
from territory_desktop.model import Account
from territory_desktop.routing.prepared import prepared

WAIT_MS = 60_000


@pytest.fixture
def routed(tdapp, qtbot):
    """Open the sample plan with its road network compiled (through the window's worker)."""
    controller = tdapp.window.routing
    with qtbot.waitSignal(controller.network_ready, timeout=WAIT_MS):
        tdapp.window.actions["routing.build"].trigger()
    return tdapp


def test_compile_shows_progress_then_caches(routed, qtbot):
    controller = routed.window.routing
    assert controller.network is not None and controller.network.n_nodes > 1000
    cached = list(controller.cache_dir.glob("*.npz"))
    networks = [p for p in cached if ".npz." not in p.name]
    assert len(networks) == 1
    # the loading worker also built the contraction hierarchy and cached the node order
    from territory_desktop.routing import cch

    assert cch.is_built(controller.network)
    assert prepared(controller.network).has_snap_index  # built off the GUI thread too
    assert cch.cache_path(controller.network) in {str(p) for p in cached}
    # a second request reuses the loaded network without any work
    calls = []
    controller.ensure_network(lambda: calls.append(1))
    assert calls == [1]


def test_unreachable_account_is_highlighted_with_reason(routed, qtbot):
    window, doc = routed.window, routed.document
    far = Account("FAR-1", "Lighthouse far out", 39.60, -76.30)  # well outside the extract
    window.apply_edit(lambda: import_edits.import_accounts(doc.plan, [far]))
    with qtbot.waitSignal(window.routing.reachability_checked, timeout=WAIT_MS) as got:
        window.actions["routing.reachability"].trigger()
    result = got.args[0]
    assert result.checked == len(doc.plan.accounts)
    assert "FAR-1" in result.unreachable
    assert result.unreachable["FAR-1"]  # a reason, not just a flag
    assert "cannot be reached" in window.statusBar().currentMessage()


def test_route_between_selected_accounts(routed, qtbot):
    window, doc = routed.window, routed.document
    ids = list(doc.plan.accounts)[:3]
    window.accounts.search.clear()
    table = window.accounts.table
    model = window.accounts.proxy
    from PySide6.QtCore import QItemSelectionModel

    for aid in ids:
        row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == aid)
        table.selectionModel().select(model.index(row, 0), QItemSelectionModel.SelectionFlag.Select
                                      | QItemSelectionModel.SelectionFlag.Rows)
    assert window.accounts.selected_ids() == ids
    with qtbot.waitSignal(window.routing.route_shown, timeout=WAIT_MS) as shown:
        window.actions["routing.route"].trigger()
    route = shown.args[0]
    assert len(route.legs) == 2
    assert route.total_meters == pytest.approx(sum(leg.meters for leg in route.legs), abs=0.2)
    assert route.total_seconds > 0
    assert "Route: 2 legs" in window.statusBar().currentMessage()


def test_isochrone_around_rep_home(routed, qtbot):
    window, doc = routed.window, routed.document
    rep_id = next(iter(doc.plan.reps))
    small = window.routing.show_isochrone(rep_id, 3)
    large = window.routing.show_isochrone(rep_id, 15)
    assert set(small) <= set(large)
    assert len(large) > len(small) > 0


def _choose_extract(window, qtbot, monkeypatch, path) -> None:
    """Routing > Choose OSM extract…, picking ``path`` in the file dialog."""
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    with qtbot.waitSignal(window.routing.coverage_checked, timeout=WAIT_MS):
        window.actions["routing.extract"].trigger()


def test_extract_that_covers_no_account_is_refused_at_once(tdapp, qtbot, monkeypatch,
                                                         shared_data):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from territory_desktop.resources import resource_path

    window, doc = tdapp.window, tdapp.document
    window.actions["file.new"].trigger()
    la = shared_data / "accounts" / "la_metro_healthcare_accounts.csv"
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(la), "")))
    window.actions["file.import_accounts"].trigger()
    assert len(doc.plan.accounts) == 385
    edits_before = doc.undo_stack.count()
    _choose_extract(window, qtbot, monkeypatch, resource_path("sample", "baltimore.osm.pbf"))
    box = window.findChild(QMessageBox, "errorBox")
    assert box is not None and box.windowTitle() == "Extract refused"
    assert "385 of 385 accounts lie outside baltimore.osm.pbf" in box.text()
    assert doc.plan.settings.osm_extract == ""  # nothing changed
    assert doc.undo_stack.count() == edits_before
    box.close()


def test_extract_missing_some_accounts_asks_first(tdapp, qtbot, monkeypatch, tmp_path):
    import shutil

    from PySide6.QtWidgets import QMessageBox

    from territory_desktop.resources import resource_path

    window, doc = tdapp.window, tdapp.document
    far = [Account("FAR-1", "Annapolis office", 38.978, -76.492),
           Account("FAR-2", "Towson office", 39.401, -76.602)]
    window.apply_edit(lambda: import_edits.import_accounts(doc.plan, far))
    copy = tmp_path / "baltimore-copy.osm.pbf"
    shutil.copy(resource_path("sample", "baltimore.osm.pbf"), copy)
    asked: list[str] = []

    def answer(parent, title, text, *args):
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", staticmethod(answer))
    _choose_extract(window, qtbot, monkeypatch, copy)
    assert len(asked) == 1 and "2 of 250 accounts lie outside baltimore-copy.osm.pbf" in asked[0]
    assert not doc.plan.settings.osm_extract.endswith("baltimore-copy.osm.pbf")  # "No" kept it
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    _choose_extract(window, qtbot, monkeypatch, copy)
    assert doc.plan.settings.osm_extract == str(copy.resolve())


def test_all_reachable_is_said_plainly(routed, qtbot):
    window = routed.window
    with qtbot.waitSignal(window.routing.reachability_checked, timeout=WAIT_MS):
        window.actions["routing.reachability"].trigger()
    assert window.statusBar().currentMessage() == "All 248 accounts can be reached by road"


def _select_accounts(window, ids) -> None:
    from PySide6.QtCore import QItemSelectionModel

    window.accounts.search.clear()
    table, model = window.accounts.table, window.accounts.proxy
    table.selectionModel().clearSelection()
    for aid in ids:
        row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == aid)
        table.selectionModel().select(model.index(row, 0), QItemSelectionModel.SelectionFlag.Select
                                      | QItemSelectionModel.SelectionFlag.Rows)
    assert window.accounts.selected_ids() == ids


def _js(qtbot, view, expression):
    out: list = []
    view.run_js(expression, out.append)
    qtbot.waitUntil(lambda: bool(out), timeout=WAIT_MS)
    return out[0]


def test_best_order_route_with_leg_table_zoomed_to_it(routed, qtbot):
    from PySide6.QtCore import Qt

    from territory_desktop.routing import route

    window, doc, view = routed.window, routed.document, routed.map_view
    zoom_all = _js(qtbot, view, "TD.state.map.getZoom()")
    # five accounts near one another, selected in a zig-zag order
    accounts = sorted(doc.plan.accounts.values(), key=lambda a: a.lon)[40:45]
    ids = [accounts[i].id for i in (0, 4, 1, 3, 2)]
    _select_accounts(window, ids)
    window.accounts.table.setFocus()
    with qtbot.waitSignal(window.routing.route_shown, timeout=WAIT_MS) as shown:
        qtbot.keyClick(window.accounts.table, Qt.Key.Key_O,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    best = shown.args[0]
    plan = doc.plan
    given = route(window.routing.network, [(plan.accounts[a].lat, plan.accounts[a].lon)
                                           for a in ids])
    assert best.total_seconds < given.total_seconds  # the zig-zag was worse
    assert "best order saves" in window.statusBar().currentMessage()
    # the stops, numbered as on the map, each with the leg to it and running totals
    table = window.route_panel.table
    assert table.rowCount() == 5
    assert table.item(0, 0).text() == f"1. {plan.accounts[ids[0]].name}"  # the start is kept
    assert [table.item(r, 0).text()[:2] for r in range(5)] == ["1.", "2.", "3.", "4.", "5."]
    assert table.item(1, 0).toolTip().startswith(f"1. {plan.accounts[ids[0]].name} \u2192 2.")
    assert float(table.item(4, 3).text()) == pytest.approx(best.total_seconds / 60, abs=0.06)
    assert sum(float(table.item(r, 1).text()) for r in range(1, 5)) == pytest.approx(
        best.total_seconds / 60, abs=0.2)
    assert window.dock("dockRoute").isVisible()
    # the map zoomed to the route and numbers its stops
    qtbot.waitUntil(lambda: _js(qtbot, view, "TD.state.map.getZoom()") > zoom_all,
                    timeout=WAIT_MS)
    assert _js(qtbot, view, "TD.state.map.getBounds().contains(TD.state.route.getBounds())")
    marks = _js(qtbot, view, "Array.from(document.querySelectorAll('.td-stop'))"
                ".map(function(e){ return e.textContent; })")
    assert marks == ["1", "2", "3", "4", "5"]
    # Zoom to all, then the panel's button brings the route back into view
    window.actions["view.zoom_all"].trigger()
    qtbot.waitUntil(lambda: _js(qtbot, view, "TD.state.map.getZoom()") == zoom_all,
                    timeout=WAIT_MS)
    window.route_panel.zoom_button.click()
    qtbot.waitUntil(lambda: _js(qtbot, view, "TD.state.map.getZoom()") > zoom_all,
                    timeout=WAIT_MS)


def test_click_on_a_day_header_draws_that_days_route(scheduled, qtbot):
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from tests.qt.conftest import SCHEDULED_REP

    window, doc, view = scheduled.window, scheduled.document, scheduled.map_view
    panel = window.rotation_panel
    schedule = doc.plan.schedules[SCHEDULED_REP]
    slot = next(s for s in panel.headers if len(schedule.day(*s)) >= 2)
    visits = schedule.day(*slot)
    assert window.route_panel.table.rowCount() == 0
    header = panel.headers[slot]
    QTest.mouseClick(header, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(5, header.height() // 2))
    table = window.route_panel.table
    qtbot.waitUntil(lambda: table.rowCount() == len(visits) + 2, timeout=WAIT_MS)
    names = [doc.plan.accounts[v.account_id].name for v in visits]
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == [
        "Home", *(f"{i + 1}. {n}" for i, n in enumerate(names)), "Home"]
    assert f"week {slot[0] + 1}" in window.route_panel.title.text()
    # the map draws it: Home plus one numbered marker per visit
    marks = _js(qtbot, view, "Array.from(document.querySelectorAll('.td-stop'))"
                ".map(function(e){ return e.textContent; })")
    assert marks == ["H", *(str(i + 1) for i in range(len(visits)))]


STOPS = "document.querySelectorAll('.td-stop').length"  # route stops drawn on the map


def _click_a_day_header(tdapp, qtbot, visits):
    """Click the header of the first day with ``visits`` or more; return its slot.

    The day is the scheduled rep's; its route is on the map on return.
    """
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from tests.qt.conftest import SCHEDULED_REP

    panel = tdapp.window.rotation_panel
    schedule = tdapp.document.plan.schedules[SCHEDULED_REP]
    slot = next(s for s in panel.headers if len(schedule.day(*s)) >= visits)
    header = panel.headers[slot]
    QTest.mouseClick(header, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(5, header.height() // 2))
    qtbot.waitUntil(lambda: _js(qtbot, tdapp.map_view, STOPS) > 0, timeout=WAIT_MS)
    return slot


def test_a_day_marked_off_takes_its_route_off_the_map(scheduled, qtbot):
    # Draw a day's route, then mark that day off from its right-click menu: the re-plan runs
    # in a worker, and the map and the Route panel then show no route for the day off.
    from PySide6.QtCore import QPoint, Qt, QTimer
    from PySide6.QtGui import QContextMenuEvent
    from PySide6.QtWidgets import QApplication, QMenu

    from tests.qt.conftest import SCHEDULED_REP

    window, doc, view = scheduled.window, scheduled.document, scheduled.map_view
    panel = window.rotation_panel
    slot = _click_a_day_header(scheduled, qtbot, visits=2)

    def mark_day_off() -> None:
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            QTimer.singleShot(20, mark_day_off)
            return
        action = next(a for a in menu.actions() if a.text() == "Mark day off (every 4 weeks)")
        qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())

    day = panel.days[slot]
    QTimer.singleShot(0, mark_day_off)
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        QApplication.sendEvent(day.viewport(), QContextMenuEvent(
            QContextMenuEvent.Reason.Mouse, QPoint(5, 5), day.viewport().mapToGlobal(QPoint(5, 5))))
    assert slot in doc.plan.reps[SCHEDULED_REP].days_off
    qtbot.waitUntil(lambda: _js(qtbot, view, STOPS) == 0, timeout=10_000)
    assert not window.route_panel.has_route


def test_an_edit_of_the_days_visits_redraws_its_route_where_the_user_left_the_view(scheduled,
                                                                                   qtbot):
    # A day's route is on the map; the user closes the Route panel, then deletes a visit of that
    # day: the route follows (one stop fewer), the view and the closed panel stay as they were.
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest


    window, doc, view = scheduled.window, scheduled.document, scheduled.map_view
    panel = window.rotation_panel
    slot = _click_a_day_header(scheduled, qtbot, visits=3)
    before = _js(qtbot, view, STOPS)
    day = panel.days[slot]
    rect = day.visualItemRect(day.item(1))
    QTest.mouseClick(day.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     rect.center())
    qtbot.wait(300)  # whatever the click shows on the map, it shows before the edit
    window.dock("dockRoute").close()
    _js(qtbot, view, "TD.state.map.setZoom(TD.state.map.getZoom() - 2, {animate: false})")  # out
    where = "[TD.state.map.getZoom(), TD.state.map.getCenter().lat, TD.state.map.getCenter().lng]"
    seen = _js(qtbot, view, where)
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        qtbot.keyClick(day, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: _js(qtbot, view, STOPS) == before - 1, timeout=10_000)
    assert _js(qtbot, view, where) == seen
    assert not window.dock("dockRoute").isVisible()
    assert window.route_panel.has_route


LEG_DISTANCES = ("TD.state.route.getLayers().map(function(l){ return l.feature.properties; })"
                 ".filter(function(p){ return p.distance; })"
                 ".map(function(p){ return p.distance; })")  # the legs' cards on the map


def test_a_new_distance_unit_shows_the_route_in_view_in_it(scheduled, qtbot, monkeypatch):
    # A day's route is listed, drawn and summed up in miles; the user picks km in Settings:
    # the Route panel, the legs' cards on the map and the status bar all say km at once.

    from territory_desktop.units import METERS_PER_MILE

    window, view = scheduled.window, scheduled.map_view
    panel, table = window.route_panel, window.route_panel.table
    assert window.prefs.units == "mi"
    _click_a_day_header(scheduled, qtbot, visits=2)
    qtbot.waitUntil(lambda: panel.has_route, timeout=WAIT_MS)
    last = table.rowCount() - 1
    miles = float(table.item(last, 4).text())
    assert panel.title.text().endswith(" mi")
    assert " mi," in window.statusBar().currentMessage()

    choose_units(qtbot, window, "km")
    assert window.prefs.units == "km"
    assert table.horizontalHeaderItem(4).text() == "Total\nkm"
    assert float(table.item(last, 4).text()) == pytest.approx(
        miles * METERS_PER_MILE / 1000, abs=0.01)
    assert panel.title.text().endswith(" km")
    message = window.statusBar().currentMessage()
    assert " km," in message and " mi," not in message
    qtbot.waitUntil(lambda: all(d.endswith(" km") for d in _js(qtbot, view, LEG_DISTANCES)),
                    timeout=WAIT_MS)
    assert len(_js(qtbot, view, LEG_DISTANCES)) == last
