"""The Design panel and Auto-balance, driven by the user's gestures on the sample plan."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QToolBar

from territory_desktop.optimize.alignment_figures import alignment_figures

WAIT_MS = 120_000
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _open_design(tdapp, qtbot):
    """Ctrl+Shift+D shows the panel; wait for figures on road drive times."""
    window, design = tdapp.window, tdapp.window.design
    qtbot.keyClick(window, Qt.Key.Key_D, CTRL_SHIFT)
    qtbot.waitUntil(lambda: design.figures is not None
                    and design.figures.times.source == "road"
                    and design.panel.figures is design.figures, timeout=WAIT_MS)
    return design


def _column(panel, name):
    from territory_desktop.qt.design_panel import COLUMNS

    col = COLUMNS.index(name)
    return [panel.table.item(r, col).text() for r in range(panel.table.rowCount())]


def test_design_panel_shows_the_balance_of_the_plan(tdapp, qtbot):
    design = _open_design(tdapp, qtbot)
    panel = design.panel
    assert tdapp.window.dock("dockDesign").isVisible()
    doc = tdapp.document
    # The figures the engine gives for this plan, on the same network, independently of the view.
    expected = alignment_figures(doc.plan, doc.assignment.territory_of,
                                 tdapp.window.routing.network)
    work = expected.metrics.criteria["workload"]
    assert _column(panel, "Territory") == [t.name for t in expected.loads]
    assert _column(panel, "Rep") == [doc.plan.reps[t.rep_id].name for t in expected.loads]
    assert _column(panel, "Workload h/wk") == [f"{t.workload_hours:.1f}" for t in expected.loads]
    scored = list(expected.metrics.territory_ids)
    assert scored == ["T1", "T2", "T3", "T4"]  # T-ENT is overlay-only: listed, not scored
    devs = _column(panel, "Deviation")
    assert devs[:4] == [f"{d:+.1%}" for d in work.deviations] and devs[4] == "not scored"
    assert set(_column(panel, "Drive time")) == {"estimate"}  # road times, no rotation yet
    text = panel.summary.text()
    assert f"max/min {work.max_min:.2f}, CV {work.cv:.1%}" in text
    assert f"Balance index</b> {expected.metrics.balance_index:.0f}/100" in text
    assert f"Compactness</b> {expected.metrics.compactness:.0f}/100" in text
    # The chart: one bar per scored territory, its height the workload.
    bars = panel.chart.series()[0].barSets()[0]
    assert [bars.at(k) for k in range(bars.count())] == pytest.approx(work.values)


def test_design_panel_follows_edits_and_undo(tdapp, qtbot):
    window = tdapp.window
    design = _open_design(tdapp, qtbot)
    before = _column(design.panel, "Territory")
    window.select_territories(["T4"])
    with qtbot.waitSignal(design.panel.figures_shown, timeout=WAIT_MS):
        qtbot.keyClick(window, Qt.Key.Key_Delete)
    assert "T4" not in design.figures.metrics.territory_ids
    assert len(_column(design.panel, "Territory")) == len(before) - 1
    with qtbot.waitSignal(design.panel.figures_shown, timeout=WAIT_MS):
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _column(design.panel, "Territory") == before


# ----------------------------------------------------------------- auto-balance


def _balance_dialog(tdapp, qtbot, via="shortcut"):
    window, design = tdapp.window, tdapp.window.design
    if via == "toolbar":
        toolbar = window.findChild(QToolBar, "mainToolbar")
        button = toolbar.widgetForAction(window.actions["territory.balance"])
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    else:
        qtbot.keyClick(window, Qt.Key.Key_B, CTRL_SHIFT)
    qtbot.waitUntil(lambda: design.dialog is not None and design.dialog.isVisible())
    return design.dialog


def _focus(window, qtbot):
    """Give the window focus back after a dialog closed (a window manager would)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def _click_balance(qtbot, dialog):
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)


def _error_box(window):
    boxes = [b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible()]
    return boxes[-1] if boxes else None


def test_balance_from_the_toolbar_shows_progress_and_undoes_in_one_step(tdapp, qtbot):
    window, doc = tdapp.window, tdapp.document
    design = _open_design(tdapp, qtbot)
    before = doc.plan
    steps = doc.undo_stack.count()
    dialog = _balance_dialog(tdapp, qtbot, via="toolbar")
    assert dialog.tolerance.value() == 5.0
    seen = []
    window.jobs.progress.valueChanged.connect(seen.append)
    with qtbot.waitSignal(design.balanced, timeout=WAIT_MS) as balanced:
        _click_balance(qtbot, dialog)
    result = balanced.args[0]
    assert result.in_band and result.moves and not result.warnings, result.warnings
    assert _error_box(window) is None
    assert any(0 < v < 1000 for v in seen)  # the status bar's bar moved while it ran
    assert doc.undo_stack.count() == steps + 1
    assert doc.undo_stack.undoText() == f"Auto-balance: {len(result.moves)} accounts moved"
    # The panel measures the balanced plan: every territory within +/-5% of its target.
    qtbot.waitUntil(lambda: design.panel.figures is not None
                    and design.panel.figures is design.figures
                    and doc.plan is not before, timeout=WAIT_MS)
    with qtbot.waitSignal(design.panel.figures_shown, timeout=WAIT_MS):
        design.refresh()
    work = design.figures.metrics.criteria["workload"]
    assert max(abs(d) for d in work.deviations) <= 0.05 + 1e-6, work.deviations
    assert "0 of 4 outside ±5%" in design.panel.summary.text()
    # One Ctrl+Z gives back the plan as it was.
    _focus(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.plan is before


def test_cancel_a_balance_changes_nothing(tdapp, qtbot):
    window, doc = tdapp.window, tdapp.document
    _open_design(tdapp, qtbot)
    before, steps = doc.plan, doc.undo_stack.count()
    dialog = _balance_dialog(tdapp, qtbot)
    with qtbot.waitSignal(window.jobs.finished, timeout=WAIT_MS):
        _click_balance(qtbot, dialog)
        assert window.jobs.cancel_button.isVisible()
        assert window.jobs.rule.isVisible()  # messages stop at a rule, not in the job's title
        qtbot.mouseClick(window.jobs.cancel_button, Qt.MouseButton.LeftButton)
    assert doc.plan is before and doc.undo_stack.count() == steps
    assert not window.jobs.rule.isVisible() and not window.jobs.label.isVisible()
    assert window.statusBar().currentMessage() == "Balancing territories: cancelled"


def test_locked_territory_never_moves(tdapp, qtbot):
    window, doc = tdapp.window, tdapp.document
    design = _open_design(tdapp, qtbot)
    window.select_territories(["T3"])
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert doc.plan.territories["T3"].locked
    locked = doc.plan.territories["T3"]
    own = {a for a, t in doc.assignment.territory_of.items() if t == "T3"}
    dialog = _balance_dialog(tdapp, qtbot)
    with qtbot.waitSignal(design.balanced, timeout=WAIT_MS) as balanced:
        _click_balance(qtbot, dialog)
    assert "T3" not in balanced.args[0].balanced
    assert doc.plan.territories["T3"] is locked  # same outline, same rep
    assert {a for a, t in doc.assignment.territory_of.items() if t == "T3"} == own


def test_the_band_fields_offer_no_band_of_zero(tdapp, qtbot):
    """A band of 0 % cannot be balanced to: the fields stop at 0.1 %, where the user looks."""
    dialog = _balance_dialog(tdapp, qtbot)
    _focus(dialog, qtbot)
    dialog.tolerance.setFocus()
    for _ in range(8):  # 5 % down by 1 % steps, and on
        qtbot.keyClick(dialog.tolerance, Qt.Key.Key_Down)
    assert dialog.tolerance.text() == "0.1 %"
    _type(qtbot, dialog.tolerance, "0")
    qtbot.keyClick(dialog.tolerance, Qt.Key.Key_Tab)  # leaving the field: the nearest value
    assert dialog.tolerance.text() == "0.1 %"
    qtbot.mouseClick(dialog.potential, Qt.MouseButton.LeftButton,
                     pos=QPoint(6, dialog.potential.height() // 2))
    assert dialog.potential_tolerance.isEnabled()
    _type(qtbot, dialog.potential_tolerance, "0")
    qtbot.keyClick(dialog.potential_tolerance, Qt.Key.Key_Tab)
    assert dialog.potential_tolerance.text() == "0.1 %"
    assert dialog.params().tolerance == dialog.params().potential_tolerance == 0.001
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)


def _type(qtbot, field, text):
    """Select what the field shows (Ctrl+A) and type ``text`` over it."""
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(field, text)


def test_a_tolerance_tighter_than_one_account_is_explained_with_every_warning(tdapp, qtbot):
    window = tdapp.window
    dialog = _balance_dialog(tdapp, qtbot)
    _type(qtbot, dialog.tolerance, "0.1")
    assert dialog.tolerance.value() == 0.1
    with qtbot.waitSignal(window.design.balanced, timeout=WAIT_MS) as balanced:
        _click_balance(qtbot, dialog)
    result = balanced.args[0]
    assert not result.in_band and len(result.warnings) > 1
    box = _error_box(window)
    assert box is not None and box.windowTitle() == "Balanced, but not within ±0.1%"
    # Every territory out of band is named, one a line, as the CLI lists them.
    assert box.text().splitlines() == [f"• {w}" for w in result.warnings]
    assert box.text().startswith("• the tolerance of +/-0.1% is tighter than one account "
                                 "allows: account ")
    out = [w for w in result.warnings if "cannot reach the workload band" in w]
    assert out and all("band (±0.1%)" in w for w in out)  # the band given, not 0%


def test_contradictory_locks_are_refused_in_one_line(tdapp, qtbot):
    window, doc = tdapp.window, tdapp.document
    window.select_territories(["T2"])
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    before = doc.plan
    dialog = _balance_dialog(tdapp, qtbot)
    item = next(dialog.reps.item(k) for k in range(dialog.reps.count())
                if dialog.reps.item(k).data(Qt.ItemDataRole.UserRole) == "REP-2")
    item.setCheckState(Qt.CheckState.Unchecked)  # REP-2 leaves, but T2 is locked to REP-2
    _click_balance(qtbot, dialog)
    qtbot.waitUntil(lambda: _error_box(window) is not None, timeout=WAIT_MS)
    box = _error_box(window)
    assert box.text() == ("territory Fells Prospect is locked to rep REP-2, who is not in the "
                          "team: unlock it or keep the rep")
    assert doc.plan is before


def test_more_reps_than_accounts_is_refused_in_one_line(tdapp, qtbot, tmp_path):
    from territory_desktop.io.planfile import save_plan
    from territory_desktop.model import Plan

    window, doc = tdapp.window, tdapp.document
    small = Plan(name="three accounts")
    sample = doc.plan
    for aid in list(sample.accounts)[:3]:
        small.accounts[aid] = sample.accounts[aid]
    for rid in list(sample.reps)[:4]:
        small.reps[rid] = sample.reps[rid]
    for tid in ("T1", "T2", "T3", "T4"):
        small.territories[tid] = sample.territories[tid]
    save_plan(small, tmp_path / "small.gpkg")
    assert tdapp.files.open_path(tmp_path / "small.gpkg", confirmed=True)
    dialog = _balance_dialog(tdapp, qtbot)
    _click_balance(qtbot, dialog)
    qtbot.waitUntil(lambda: _error_box(window) is not None, timeout=WAIT_MS)
    assert _error_box(window).text() == ("4 territories to balance but only 3 accounts to "
                                         "share: every rep needs at least one account")


def test_a_split_territory_is_flagged(tdapp, qtbot):
    from territory_desktop import edits
    from territory_desktop.qt.design_panel import COLUMNS

    window, doc = tdapp.window, tdapp.document
    design = _open_design(tdapp, qtbot)
    assert "split" not in design.panel.summary.text()
    # An account of Harbor East (far west) pinned to O'Donnell Heights (far east).
    far = next(a for a, t in doc.assignment.territory_of.items() if t == "T3")
    with qtbot.waitSignal(design.panel.figures_shown, timeout=WAIT_MS):
        window.apply_edit(lambda: edits.pin_account(doc.plan, far, "T4"))
    row = _column(design.panel, "Territory").index("O'Donnell Heights")
    assert _column(design.panel, "Pieces")[row] == "2 (split)"
    pieces = COLUMNS.index("Pieces")
    assert design.panel.table.item(row, pieces).foreground().color().name() == "#c62828"
    # Seen without scrolling sideways in the window's default layout (issue 11's split flag).
    table = design.panel.table
    assert table.columnViewportPosition(pieces) + table.columnWidth(pieces) \
        <= table.viewport().width()
    assert "split: O'Donnell Heights" in design.panel.summary.text()


def test_design_panel_on_a_plan_without_territories(tdapp, qtbot, tmp_path):
    from territory_desktop.io.planfile import save_plan
    from territory_desktop.model import Plan

    sample = tdapp.document.plan
    bare = Plan(name="accounts only")
    for aid in list(sample.accounts)[:5]:
        bare.accounts[aid] = sample.accounts[aid]
    save_plan(bare, tmp_path / "bare.gpkg")
    assert tdapp.files.open_path(tmp_path / "bare.gpkg", confirmed=True)
    design = tdapp.window.design
    with qtbot.waitSignal(design.panel.figures_shown, timeout=WAIT_MS):
        qtbot.keyClick(tdapp.window, Qt.Key.Key_D, CTRL_SHIFT)
    assert design.panel.table.rowCount() == 0
    assert design.panel.summary.text() == ("No territory on the map has a rep yet: nothing "
                                           "to balance.")
    assert _error_box(tdapp.window) is None


def test_design_panel_measures_only_while_in_view(tdapp, qtbot):
    window, doc = tdapp.window, tdapp.document
    qtbot.wait(500)
    assert window.design.figures is None  # opening a plan does not measure a hidden panel
    design = _open_design(tdapp, qtbot)
    measured = design.figures
    qtbot.keyClick(window, Qt.Key.Key_H, CTRL_SHIFT)  # the Health tab hides the Design tab
    window.select_territories(["T4"])
    qtbot.keyClick(window, Qt.Key.Key_Delete)
    assert "T4" not in doc.plan.territories
    qtbot.wait(500)
    assert design.figures is measured
    with qtbot.waitSignal(design.panel.figures_shown, timeout=WAIT_MS):
        qtbot.keyClick(window, Qt.Key.Key_D, CTRL_SHIFT)
    assert "T4" not in design.figures.metrics.territory_ids


def test_opening_another_plan_shows_the_default_band(tdapp, qtbot):
    window = tdapp.window
    design = _open_design(tdapp, qtbot)
    dialog = _balance_dialog(tdapp, qtbot)
    _type(qtbot, dialog.tolerance, "10")
    with qtbot.waitSignal(design.balanced, timeout=WAIT_MS):
        _click_balance(qtbot, dialog)
    qtbot.waitUntil(lambda: "outside ±10%" in design.panel.summary.text(), timeout=WAIT_MS)
    with qtbot.waitSignal(design.panel.figures_shown, timeout=WAIT_MS):
        window.actions["file.sample"].trigger()  # the balance is discarded, as answered
    assert "outside ±5%" in design.panel.summary.text()


def _toggle_rep(qtbot, dialog, row):
    """Make ``row`` of the reps list current and press Space on it, as a keyboard user does."""
    dialog.reps.setFocus()
    dialog.reps.setCurrentRow(row)
    qtbot.keyClick(dialog.reps.viewport(), Qt.Key.Key_Space)


def test_reps_with_no_territory_yet_are_all_in_the_team(tdapp, qtbot):
    """First use: no rep has a territory on the map, so balancing starts with the whole team."""
    window, doc = tdapp.window, tdapp.document
    window.select_territories(list(doc.plan.territories))
    _focus(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_Delete)
    assert not doc.plan.territories
    dialog = _balance_dialog(tdapp, qtbot)
    assert dialog.team() == tuple(doc.plan.reps)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)


def test_the_no_rep_problem_goes_once_a_rep_is_checked(tdapp, qtbot):
    dialog = _balance_dialog(tdapp, qtbot)
    _focus(dialog, qtbot)
    for row in range(dialog.reps.count()):
        if dialog.reps.item(row).checkState() == Qt.CheckState.Checked:
            _toggle_rep(qtbot, dialog, row)
    assert dialog.team() == ()
    _click_balance(qtbot, dialog)
    assert dialog.isVisible() and dialog.problem.isVisible()
    assert dialog.problem.text() == "check at least one rep to balance"
    _toggle_rep(qtbot, dialog, 0)
    assert len(dialog.team()) == 1
    assert not dialog.problem.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
