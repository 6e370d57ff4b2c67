"""Territory > Add rep…: a new plan gets its reps in the app, home clicked on the map, one undo."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from territory_desktop.model.plan import DEFAULT_WEEKLY_HOURS

WAIT_MS = 60_000


def _js(tdapp, qtbot, script):
    box = {}
    tdapp.map_view.run_js(script, lambda value: box.setdefault("value", value))
    qtbot.waitUntil(lambda: "value" in box, timeout=10_000)
    return box["value"]


def _new_plan(tdapp, qtbot):
    with qtbot.waitSignal(tdapp.map_view.layers_shown, timeout=WAIT_MS):
        tdapp.window.actions["file.new"].trigger()
    assert not tdapp.document.plan.reps


def _ok(qtbot, dialog):
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)


def _opened(tdapp, qtbot):
    editing = tdapp.window.editing
    qtbot.waitUntil(lambda: editing.new_rep is not None and editing.new_rep.isVisible())
    return editing.new_rep


def test_a_rep_added_on_a_new_plan_with_the_home_clicked_on_the_map(tdapp, qtbot):
    window, doc, view = tdapp.window, tdapp.document, tdapp.map_view
    _new_plan(tdapp, qtbot)
    window.actions["rep.add"].trigger()
    dialog = _opened(tdapp, qtbot)
    fields = dialog.fields
    assert fields.rep_id.text() == "REP-1"  # suggested, free
    assert fields.hours.value() == DEFAULT_WEEKLY_HOURS
    _ok(qtbot, dialog)  # nothing typed yet
    assert dialog.isVisible() and dialog.problem.text() == "the new rep needs a name"
    qtbot.keyClicks(fields.name, "Priya Shah")
    fields.hours.selectAll()
    qtbot.keyClicks(fields.hours, "38")
    with qtbot.waitSignal(view.rendered, timeout=WAIT_MS,
                          check_params_cb=lambda cmd, n: cmd == "start_pick_point"):
        qtbot.mouseClick(fields.pick, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(view.point_picked, timeout=WAIT_MS):
        _js(tdapp, qtbot, "(TD.state.map.fire('click', {latlng: L.latLng(39.2905, -76.5650)}),"
                          " 1)")
    assert (fields.lat.value(), fields.lon.value()) == (39.2905, -76.565)
    steps = doc.undo_stack.count()
    _ok(qtbot, dialog)
    assert not dialog.isVisible()
    rep = doc.plan.reps["REP-1"]
    assert (rep.name, rep.weekly_hours, rep.home_lat, rep.home_lon) == (
        "Priya Shah", 38.0, 39.2905, -76.565)
    assert doc.undo_stack.count() == steps + 1
    assert doc.undo_stack.undoText() == "Add rep Priya Shah"
    # The next one is offered the next free id; a taken id is refused in place.
    window.actions["rep.add"].trigger()
    dialog = _opened(tdapp, qtbot)
    assert dialog.fields.rep_id.text() == "REP-2"
    qtbot.keyClicks(dialog.fields.name, "Twin")
    dialog.fields.rep_id.selectAll()
    qtbot.keyClicks(dialog.fields.rep_id, "REP-1")
    _ok(qtbot, dialog)
    assert dialog.problem.text() == ("a rep with id REP-1 is in the plan already; choose "
                                     "another id")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel),
                     Qt.MouseButton.LeftButton)
    assert list(doc.plan.reps) == ["REP-1"]
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not doc.plan.reps


def test_rep_settings_with_no_reps_offers_to_add_one(tdapp, qtbot):
    window, doc = tdapp.window, tdapp.document
    _new_plan(tdapp, qtbot)
    tdapp.answers["question"] = QMessageBox.StandardButton.No
    window.actions["rep.properties"].trigger()
    assert window.editing.new_rep is None
    tdapp.answers["question"] = QMessageBox.StandardButton.Yes
    window.actions["rep.properties"].trigger()
    dialog = _opened(tdapp, qtbot)
    qtbot.keyClicks(dialog.fields.name, "Ana Bell")
    for box, text in ((dialog.fields.lat, "34.05"), (dialog.fields.lon, "-118.25")):
        box.selectAll()
        qtbot.keyClicks(box, text)
    _ok(qtbot, dialog)
    rep = doc.plan.reps["REP-1"]
    assert (rep.name, rep.home_lat, rep.home_lon) == ("Ana Bell", 34.05, -118.25)
