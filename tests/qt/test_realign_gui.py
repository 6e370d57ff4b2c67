"""Territory > Realign (Ctrl+Alt+R): a rep leaves or joins, within a budget, one undo."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from territory_desktop.io.planfile import save_plan
from territory_desktop.model.plan import OverlayRule

WAIT_MS = 120_000
CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


def _focus(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def _realign_dialog(tdapp, qtbot):
    window, design = tdapp.window, tdapp.window.design
    _focus(window, qtbot)
    design.realign = None
    qtbot.keyClick(window, Qt.Key.Key_R, CTRL_ALT)
    qtbot.waitUntil(lambda: design.realign is not None and design.realign.isVisible())
    return design.realign


def _choose_join(qtbot, dialog):
    """Click the "A rep joins" radio button on its indicator."""
    button = dialog.join
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(6, button.height() // 2))
    assert button.isChecked() and dialog.pages.currentIndex() == 1


def _ok(qtbot, dialog):
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)


def _owners(doc):
    plan = doc.plan
    return {a: plan.territories[t].rep_id if t else None
            for a, t in doc.assignment.territory_of.items()}


def test_a_rep_leaves_within_the_budget_and_one_undo_brings_them_back(tdapp, qtbot):
    window, doc, design = tdapp.window, tdapp.document, tdapp.window.design
    before_plan = doc.plan
    before = _owners(doc)
    own = sum(1 for r in before.values() if r == "REP-4")
    assert own == 22
    dialog = _realign_dialog(tdapp, qtbot)
    dialog.leaving.setCurrentIndex(dialog.leaving.findData("REP-4"))
    assert dialog.band.max_moves.value() == 29  # 1.3 x the leaver's 22 accounts, rounded up
    dialog.band.max_moves.setValue(40)
    dialog.band.max_losses.setValue(12)
    seen = []
    window.jobs.progress.valueChanged.connect(seen.append)
    steps = doc.undo_stack.count()
    with qtbot.waitSignal(design.realigned, timeout=WAIT_MS) as got:
        _ok(qtbot, dialog)
    realignment = got.args[0]
    result = realignment.result
    assert any(0 < v < 1000 for v in seen)  # the status bar's bar moved while it ran
    assert doc.undo_stack.count() == steps + 1
    assert doc.undo_stack.undoText() == (f"Realign: Samuel Okoye leaves, {len(result.moves)} "
                                         "accounts moved")
    # The rep is gone, no account is theirs, and no more moved than the budget.
    assert "REP-4" not in doc.plan.reps
    after = _owners(doc)
    assert "REP-4" not in after.values()
    changed = {a for a in after if after[a] != before[a]}
    assert {m.account_id for m in result.moves} == changed
    assert own <= len(changed) <= 40
    lost = Counter(before[a] for a in changed if before[a] != "REP-4")
    assert max(lost.values(), default=0) <= 12
    # The result view names every moved account, its old and new rep.
    view = design.realign_result
    assert view is not None and view.isVisible()
    assert view.moves.rowCount() == len(result.moves)
    names = {r.id: r.name for r in before_plan.reps.values()}
    rows = {tuple(view.moves.item(r, c).text() for c in range(4))
            for r in range(view.moves.rowCount())}
    assert rows == {(m.account_id, before_plan.accounts[m.account_id].name, names[before[
        m.account_id]], names[after[m.account_id]]) for m in result.moves}
    assert view.balance.rowCount() == 3
    right = int(Qt.AlignmentFlag.AlignRight)
    for r in range(3):  # figures right-aligned ("22", "31.2", "+1.4%"), names not
        aligned = [bool(int(view.balance.item(r, c).textAlignment()) & right) for c in range(5)]
        assert aligned == [False, False, True, True, True]
    assert view.balance.verticalScrollBar().maximum() == 0  # every territory shows
    assert view.headline.text() == f"Samuel Okoye left: {len(changed)} accounts changed owner."
    band_line = view.status.text().splitlines()[0]
    assert band_line == ("Every territory is within ±5% of its workload target." if result.in_band
                         else "The band of ±5% could NOT be met:")
    assert f"{len(changed)} of at most 40 accounts moved" in view.status.text()
    # One Ctrl+Z: the rep and the whole alignment come back.
    view.close()
    _focus(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.plan is before_plan
    assert "REP-4" in doc.plan.reps and _owners(doc) == before


def test_the_result_gives_the_balance_index_the_design_panel_gives(tdapp, qtbot):
    window, design = tdapp.window, tdapp.window.design
    dialog = _realign_dialog(tdapp, qtbot)
    dialog.leaving.setCurrentIndex(dialog.leaving.findData("REP-4"))
    with qtbot.waitSignal(design.realigned, timeout=WAIT_MS) as got:
        _ok(qtbot, dialog)
    shown = design.realign_result.figures.text()
    design.realign_result.close()
    _focus(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_D,  # the Design panel measures the realigned plan
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: design.panel.figures is not None
                    and design.panel.figures is design.figures
                    and design.figures.metrics.territory_ids == ("T1", "T2", "T3"),
                    timeout=WAIT_MS)
    panel = design.figures.metrics
    assert got.args[0].result.metrics.balance_index == pytest.approx(panel.balance_index)
    index = f"{panel.balance_index:.0f}/100"
    assert f"Balance index</b> {index}" in design.panel.summary.text()
    assert f"balance index {index}," in shown


def test_a_budget_too_small_is_said_plainly(tdapp, qtbot):
    doc, design = tdapp.document, tdapp.window.design
    dialog = _realign_dialog(tdapp, qtbot)
    dialog.leaving.setCurrentIndex(dialog.leaving.findData("REP-4"))
    dialog.band.max_moves.setValue(25)  # 22 must move: 3 more to rebalance is too few
    with qtbot.waitSignal(design.realigned, timeout=WAIT_MS) as got:
        _ok(qtbot, dialog)
    result = got.args[0].result
    assert len(result.moves) <= 25
    view = design.realign_result
    assert not result.in_band and not view.met
    text = view.status.text()
    assert text.startswith("The band of ±5% could NOT be met:")
    assert "(the move budget is used up)" in text
    assert "REP-4" not in doc.plan.reps


def test_a_budget_below_the_leavers_accounts_is_refused_in_the_dialog(tdapp, qtbot):
    design = tdapp.window.design
    dialog = _realign_dialog(tdapp, qtbot)
    dialog.leaving.setCurrentIndex(dialog.leaving.findData("REP-4"))  # 22 accounts, all move
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled() and not dialog.problem.isVisible()
    budget = dialog.band.max_moves
    _focus(dialog, qtbot)
    budget.setFocus()
    qtbot.keyClick(budget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(budget, "5")
    assert budget.value() == 5
    # Said before anything runs, with the inputs still there to change.
    assert not ok.isEnabled() and dialog.problem.isVisible()
    assert dialog.problem.text() == ("Samuel Okoye's 22 accounts must all move: allow at "
                                     "least 22 accounts moved")
    with qtbot.assertNotEmitted(design.realigned, wait=300):
        _ok(qtbot, dialog)
    assert dialog.isVisible() and budget.value() == 5
    qtbot.keyClicks(budget, "0")  # 50
    assert ok.isEnabled() and not dialog.problem.isVisible()
    _choose_join(qtbot, dialog)  # a rep who joins takes accounts: none must move
    budget.setFocus()
    qtbot.keyClick(budget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(budget, "5")
    assert budget.value() == 5
    assert ok.isEnabled() and not dialog.problem.isVisible()
    dialog.reject()


def _open_changed(tdapp, qtbot, tmp_path, change):
    """Open a copy of the sample plan changed by ``change(plan)``."""
    plan = tdapp.document.plan.copy()
    change(plan)
    path = tmp_path / "changed.gpkg"
    save_plan(plan, path)
    with qtbot.waitSignal(tdapp.map_view.layers_shown, timeout=WAIT_MS):
        assert tdapp.files.open_path(path, confirmed=True)


def _type_budget(qtbot, dialog, text):
    budget = dialog.band.max_moves
    _focus(dialog, qtbot)
    budget.setFocus()
    qtbot.keyClick(budget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(budget, text)
    assert budget.value() == int(text)


def test_the_budget_check_counts_what_the_engine_moves(tdapp, qtbot, tmp_path):
    """The leaver's enterprise accounts, kept by an overlay rule, need no budget: they stay."""
    doc, design = tdapp.document, tdapp.window.design

    def enterprise_to_rep_4(plan):
        plan.territories["T-ENT"] = replace(plan.territories["T-ENT"], rep_id="REP-4")

    _open_changed(tdapp, qtbot, tmp_path, enterprise_to_rep_4)
    enterprise = doc.assignment.accounts_in("T-ENT")
    assert Counter(_owners(doc).values())["REP-4"] == 22 + len(enterprise) == 25
    dialog = _realign_dialog(tdapp, qtbot)
    dialog.leaving.setCurrentIndex(dialog.leaving.findData("REP-4"))
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    _type_budget(qtbot, dialog, "21")
    assert not ok.isEnabled()
    assert dialog.problem.text() == ("Samuel Okoye's 22 accounts must all move: allow at "
                                     "least 22 accounts moved")
    _type_budget(qtbot, dialog, "22")
    assert ok.isEnabled() and not dialog.problem.isVisible()
    with qtbot.waitSignal(design.realigned, timeout=WAIT_MS) as got:
        _ok(qtbot, dialog)
    moves = got.args[0].result.moves
    assert len(moves) == 22 and {m.from_rep for m in moves} == {"REP-4"}
    assert doc.assignment.accounts_in("T-ENT") == enterprise


def test_the_leaver_note_says_what_moves_as_the_budget_check_counts(tdapp, qtbot, tmp_path):
    """The leaver owns 25 accounts, 3 kept by an overlay rule: the note and the budget say 22."""
    doc = tdapp.document

    def enterprise_to_rep_4(plan):
        plan.territories["T-ENT"] = replace(plan.territories["T-ENT"], rep_id="REP-4")

    _open_changed(tdapp, qtbot, tmp_path, enterprise_to_rep_4)
    enterprise = doc.plan.territories["T-ENT"].name
    dialog = _realign_dialog(tdapp, qtbot)
    combo = dialog.leaving
    combo.setFocus()
    while combo.currentData() != "REP-4":  # the user steps through the reps with the keyboard
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == "Samuel Okoye (REP-4, 25 accounts)"
    assert dialog.leaver_note.text() == (
        "Samuel Okoye's 22 accounts move; they count towards the accounts moved. Their other "
        f"3 stay in {enterprise}, left without a rep.")
    assert dialog.band.max_moves.value() == 22 + 7  # 1.3 x the 22 that move, rounded up
    _type_budget(qtbot, dialog, "21")
    assert dialog.problem.text().startswith("Samuel Okoye's 22 accounts must all move")
    dialog.reject()


def test_an_account_pinned_to_the_leavers_territory_is_said_in_the_dialog(tdapp, qtbot,
                                                                          tmp_path):
    doc = tdapp.document
    pinned = doc.assignment.accounts_in("T4")[0]

    def pin(plan):
        plan.rules.insert(0, OverlayRule("R-PIN", "id", pinned, "T4"))

    _open_changed(tdapp, qtbot, tmp_path, pin)
    dialog = _realign_dialog(tdapp, qtbot)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.leaving.setCurrentIndex(dialog.leaving.findData("REP-3"))
    assert ok.isEnabled() and not dialog.problem.isVisible()
    dialog.leaving.setCurrentIndex(dialog.leaving.findData("REP-4"))
    # Said before anything runs: the engine would refuse it.
    assert not ok.isEnabled()
    assert dialog.problem.text() == (f"account {pinned} is pinned by an overlay rule to "
                                     "O'Donnell Heights, whose rep is leaving the team: change "
                                     "the rule first")
    dialog.reject()


def test_cancel_a_realignment_leaves_the_plan_unchanged(tdapp, qtbot):
    window, doc = tdapp.window, tdapp.document
    with qtbot.waitSignal(window.routing.network_ready, timeout=WAIT_MS):
        qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)  # roads first
    qtbot.waitUntil(lambda: not window.jobs.workers, timeout=WAIT_MS)  # then nothing else runs
    before, steps = doc.plan, doc.undo_stack.count()
    dialog = _realign_dialog(tdapp, qtbot)
    dialog.leaving.setCurrentIndex(dialog.leaving.findData("REP-2"))
    with qtbot.waitSignal(window.jobs.finished, timeout=WAIT_MS):
        _ok(qtbot, dialog)
        assert window.jobs.cancel_button.isVisible()
        qtbot.mouseClick(window.jobs.cancel_button, Qt.MouseButton.LeftButton)
    assert doc.plan is before and doc.undo_stack.count() == steps
    assert "REP-2" in doc.plan.reps
    assert window.statusBar().currentMessage() == "Realigning territories: cancelled"


def _js(tdapp, qtbot, script):
    box = {}
    tdapp.map_view.run_js(script, lambda value: box.setdefault("value", value))
    qtbot.waitUntil(lambda: "value" in box, timeout=10_000)
    return box["value"]


def test_a_rep_joins_with_a_home_clicked_on_the_map(tdapp, qtbot):
    window, doc, design = tdapp.window, tdapp.document, tdapp.window.design
    before_plan = doc.plan
    dialog = _realign_dialog(tdapp, qtbot)
    assert dialog.leaver_note.isVisible()
    _choose_join(qtbot, dialog)
    assert dialog.joiner.rep_id.text() == "REP-6"
    # No leaver to speak of; the budget is 1.3x the newcomer's share of the accounts.
    assert not dialog.leaver_note.isVisible()
    team = len(dialog.owned)
    assert dialog.band.max_moves.value() == -(-13 * sum(dialog.owned.values()) // (10 * (team + 1)))
    qtbot.keyClicks(dialog.joiner.name, "Priya Shah")
    dialog.joiner.hours.setValue(38.0)
    # "Click on the map…", then a click on the map inside the page.
    with qtbot.waitSignal(tdapp.map_view.rendered, timeout=WAIT_MS,
                          check_params_cb=lambda cmd, n: cmd == "start_pick_point"):
        qtbot.mouseClick(dialog.joiner.pick, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(tdapp.map_view.point_picked, timeout=WAIT_MS):
        _js(tdapp, qtbot, "(TD.state.map.fire('click', {latlng: L.latLng(39.2905, -76.5650)}),"
                          " 1)")
    assert (dialog.joiner.lat.value(), dialog.joiner.lon.value()) == (39.2905, -76.565)
    assert _js(tdapp, qtbot, "TD.state.picking") is None  # one click, then picking ends
    with qtbot.waitSignal(design.realigned, timeout=WAIT_MS) as got:
        _ok(qtbot, dialog)
    result = got.args[0].result
    rep = doc.plan.reps["REP-6"]
    assert (rep.name, rep.weekly_hours, rep.home_lat, rep.home_lon) == (
        "Priya Shah", 38.0, 39.2905, -76.565)
    theirs = [t for t in doc.plan.territories.values() if t.rep_id == "REP-6"]
    assert len(theirs) == 1 and theirs[0].geometry is not None
    owned = [a for a, r in _owners(doc).items() if r == "REP-6"]
    assert owned and len(owned) == sum(1 for m in result.moves if m.to_rep == "REP-6")
    assert design.realign_result.headline.text().startswith("Priya Shah joined: ")
    design.realign_result.close()
    _focus(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.plan is before_plan and "REP-6" not in doc.plan.reps


def test_bad_input_is_explained_in_the_dialog(tdapp, qtbot):
    window, doc = tdapp.window, tdapp.document
    dialog = _realign_dialog(tdapp, qtbot)
    band = dialog.band.tolerance  # a band of 0 % is not offered: typed, it becomes 0.1 %
    _focus(dialog, qtbot)
    band.setFocus()
    qtbot.keyClick(band, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(band, "0")
    qtbot.keyClick(band, Qt.Key.Key_Tab)
    assert band.text() == "0.1 %"
    _choose_join(qtbot, dialog)
    _ok(qtbot, dialog)  # no name
    assert dialog.isVisible() and dialog.problem.text() == "the new rep needs a name"
    qtbot.keyClicks(dialog.joiner.name, "Priya Shah")
    dialog.joiner.rep_id.setText("REP-1")
    _ok(qtbot, dialog)
    assert dialog.problem.text() == ("a rep with id REP-1 is in the plan already; choose "
                                     "another id")
    dialog.reject()
    assert tdapp.window.design.realign is None
    # Only one rep with a territory left: nobody can take their accounts.
    window.select_territories(["T2", "T3", "T4"])
    _focus(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_Delete)
    assert [t for t in doc.plan.territories.values() if t.geometry is not None] \
        == [doc.plan.territories["T1"]]
    before = doc.plan
    dialog = _realign_dialog(tdapp, qtbot)
    assert dialog.leaving.count() == 1
    _ok(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.problem.text() == ("no reps left to take Alicia Moreno's accounts: add a rep "
                                     "first")
    assert doc.plan is before


def test_picking_a_home_over_shown_units_adds_no_unit(tdapp, qtbot):
    window, view, doc = tdapp.window, tdapp.map_view, tdapp.document
    with qtbot.waitSignal(window.units.layer_shown, timeout=WAIT_MS):
        window.actions["view.units_county"].trigger()
    window.select_territories(["T1"])  # with a territory selected a click adds a unit
    qtbot.waitUntil(lambda: _js(tdapp, qtbot, "TD.state.selected") == "T1", timeout=WAIT_MS)
    before = doc.plan
    dialog = _realign_dialog(tdapp, qtbot)
    with qtbot.waitSignal(view.rendered, timeout=WAIT_MS,
                          check_params_cb=lambda cmd, n: cmd == "start_pick_point"):
        qtbot.mouseClick(dialog.joiner.pick, Qt.MouseButton.LeftButton)
    with qtbot.assertNotEmitted(view.units_picked, wait=500), \
            qtbot.waitSignal(view.point_picked, timeout=WAIT_MS):
        _js(tdapp, qtbot, "(TD.state.map.fire('click', {latlng: L.latLng(39.2905, -76.5650)}),"
                          " 1)")
    assert doc.plan is before
    assert (dialog.joiner.lat.value(), dialog.joiner.lon.value()) == (39.2905, -76.565)


def test_a_home_clicked_over_a_territory_selects_nothing(tdapp, qtbot):
    """The click that places the new rep's home is a real mouse click over a territory."""
    from map_mouse import MOUSE_JS
    from shapely.geometry import Point

    window, view, doc = tdapp.window, tdapp.map_view, tdapp.document
    _js(tdapp, qtbot, MOUSE_JS)
    shape = doc.plan.territories["T3"].geometry
    west, south, east, north = shape.bounds
    inside = [Point(west + (east - west) * i / 8, south + (north - south) * j / 8)
              for i in range(1, 8) for j in range(1, 8)]
    target = next(p for p in inside if shape.contains(p)
                  and _js(tdapp, qtbot, f"TDTest.open([{p.y}, {p.x}])"))
    dialog = _realign_dialog(tdapp, qtbot)
    _choose_join(qtbot, dialog)
    with qtbot.waitSignal(view.rendered, timeout=WAIT_MS,
                          check_params_cb=lambda cmd, n: cmd == "start_pick_point"):
        qtbot.mouseClick(dialog.joiner.pick, Qt.MouseButton.LeftButton)
    with qtbot.assertNotEmitted(view.territory_clicked, wait=500), \
            qtbot.waitSignal(view.point_picked, timeout=WAIT_MS):
        assert _js(tdapp, qtbot, f"TDTest.click([{target.y}, {target.x}])") == "CANVAS"
    assert window.selected_territories == []
    home = (dialog.joiner.lat.value(), dialog.joiner.lon.value())
    assert home == pytest.approx((target.y, target.x), abs=1e-3)
