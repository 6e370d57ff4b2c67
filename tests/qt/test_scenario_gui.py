"""Scenarios through the window: save two, compare them, make one current, export, reopen."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
)

from territory_desktop import edits
from territory_desktop.io.planfile import load_plan
from territory_desktop.optimize.alignment_figures import CURRENT
from territory_desktop.qt.scenario_panel import COMPARE_COLUMNS

WAIT_MS = 120_000
CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _focus(window, qtbot):
    """Give the window focus back after a dialog closed (a window manager would)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def _save_scenario(tdapp, qtbot, name, expect_saved=True):
    """Ctrl+Alt+S, type the name, Enter."""
    window, panel = tdapp.window, tdapp.window.design.scenarios
    _focus(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_S, CTRL_ALT)
    qtbot.waitUntil(lambda: panel.name_dialog is not None and panel.name_dialog.isVisible())
    dialog = panel.name_dialog
    line = dialog.findChild(QLineEdit)
    line.selectAll()
    qtbot.keyClicks(line, name)
    qtbot.keyClick(line, Qt.Key.Key_Return)
    if expect_saved:
        qtbot.waitUntil(lambda: any(s.name == name for s in tdapp.document.plan.scenarios))


def _balance(tdapp, qtbot):
    window, design = tdapp.window, tdapp.window.design
    _focus(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_B, CTRL_SHIFT)
    qtbot.waitUntil(lambda: design.dialog is not None and design.dialog.isVisible())
    with qtbot.waitSignal(design.balanced, timeout=WAIT_MS) as balanced:
        qtbot.mouseClick(design.dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)
    return balanced.args[0]


@pytest.fixture
def two_scenarios(tdapp, qtbot):
    """Save "As shipped", auto-balance, save "Balanced" (both through the window)."""
    _save_scenario(tdapp, qtbot, "As shipped")
    result = _balance(tdapp, qtbot)
    _save_scenario(tdapp, qtbot, "Balanced")
    return result


def _compare(tdapp, qtbot, before, after):
    window, panel = tdapp.window, tdapp.window.design.scenarios
    _focus(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_C, CTRL_ALT)
    assert window.dock("dockScenarios").isVisible()
    panel.before.setCurrentIndex(panel.before.findText(before))
    panel.after.setCurrentIndex(panel.after.findText(after))
    with qtbot.waitSignal(panel.compared, timeout=WAIT_MS) as got:
        qtbot.mouseClick(panel.compare_button, Qt.MouseButton.LeftButton)
    return got.args[0]


def _cells(panel, name):
    col = COMPARE_COLUMNS.index(name)
    return [panel.table.item(r, col).text() for r in range(panel.table.rowCount())]


def test_compare_two_saved_scenarios(tdapp, qtbot, two_scenarios):
    panel = tdapp.window.design.scenarios
    plan = tdapp.document.plan
    assert [s.name for s in plan.scenarios] == ["As shipped", "Balanced"]
    assert [panel.list.item(k).data(Qt.ItemDataRole.UserRole)
            for k in range(panel.list.count())] == ["As shipped", "Balanced"]
    report = _compare(tdapp, qtbot, "As shipped", "Balanced")
    shipped, balanced = plan.scenarios
    old, new = shipped.owner_of(), balanced.owner_of()
    changed = {a for a in old if old[a] != new.get(a)}
    assert {c.account_id for c in report.handoffs} == changed
    assert report.moved == len(changed) > 0
    assert panel.summary.text().startswith(f"As shipped → Balanced: {len(changed)} accounts "
                                           "change owner")
    # Side by side per territory: both workloads, the accounts moved in and out.
    assert _cells(panel, "Territory")[:4] == ["Brewers Hill", "Fells Prospect", "Harbor East",
                                              "O'Donnell Heights"]
    for row, t in enumerate(report.territories):
        a, b = t.workload
        assert _cells(panel, "Workload h/wk")[row] == (f"{a:.1f}" if f"{a:.1f}" == f"{b:.1f}"
                                                        and a == b else f"{a:.1f} → {b:.1f}")
        assert _cells(panel, "Moved in")[row] == str(t.moved_in)
    assert sum(t.moved_in for t in report.territories) == len(changed)
    # Every territory's row shows whole in the bottom panels' default height, nothing to scroll.
    table = panel.table
    assert table.rowCount() == len(tdapp.document.plan.territories) == 5
    qtbot.waitUntil(lambda: table.visualItemRect(table.item(4, 0)).bottom()
                    < table.viewport().height())  # once the rows are laid out


def test_scenario_against_the_current_plan_and_moves_on_the_map(tdapp, qtbot, two_scenarios,
                                                                  monkeypatch):
    panel = tdapp.window.design.scenarios
    report = _compare(tdapp, qtbot, "Balanced", CURRENT)
    assert report.moved == 0  # the plan is still the balanced alignment
    report = _compare(tdapp, qtbot, "As shipped", CURRENT)
    assert report.moved == len(two_scenarios.moves)
    ringed = []
    real = tdapp.map_view.highlight_accounts
    monkeypatch.setattr(tdapp.map_view, "highlight_accounts",
                        lambda ids, reasons=None: ringed.append((ids, reasons)) or real(ids,
                                                                                        reasons))
    qtbot.mouseClick(panel.show_moves, Qt.MouseButton.LeftButton)
    ids, reasons = ringed[-1]
    assert sorted(ids) == sorted(c.account_id for c in report.handoffs)
    first = report.handoffs[0]
    assert reasons[first.account_id] == f"{first.old_rep} → {first.new_rep}"


def test_make_a_scenario_current_is_one_undoable_edit(tdapp, qtbot, two_scenarios):
    window, doc, panel = tdapp.window, tdapp.document, tdapp.window.design.scenarios
    shipped = doc.plan.scenarios[0]
    balanced_plan = doc.plan
    panel.select("As shipped")
    qtbot.mouseClick(panel.promote_button, Qt.MouseButton.LeftButton)
    assert doc.undo_stack.undoText() == "Promote scenario As shipped"
    assert list(doc.plan.territories.values()) == list(shipped.territories)
    got = doc.assignment.territory_of
    assert all(got[a] == t for a, t in shipped.assignment)
    _focus(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.plan is balanced_plan


def test_a_comparison_names_reps_and_closes_when_the_plan_changes(tdapp, qtbot, two_scenarios):
    doc, panel = tdapp.document, tdapp.window.design.scenarios
    report = _compare(tdapp, qtbot, "As shipped", CURRENT)
    names = {r.name for r in doc.plan.reps.values()}
    for cell in _cells(panel, "Rep"):
        assert all(side in names | {"-"} for side in cell.split(" → ")), cell
    mover = next(r for r in report.reps if r.gained or r.lost)
    assert f"{doc.plan.reps[mover.rep_id].name} +{len(mover.gained)}/-" in panel.summary.text()
    # Make current: the comparison was of the plan before; its figures no longer hold.
    panel.select("As shipped")
    qtbot.mouseClick(panel.promote_button, Qt.MouseButton.LeftButton)
    assert doc.undo_stack.undoText() == "Promote scenario As shipped"
    assert panel.report is None and panel.table.rowCount() == 0
    assert panel.summary.text() == "The plan changed after the comparison: compare again."
    assert not panel.close_button.isEnabled()


def test_export_the_realignment_report(tdapp, qtbot, two_scenarios, monkeypatch, tmp_path):
    panel = tdapp.window.design.scenarios
    report = _compare(tdapp, qtbot, "As shipped", "Balanced")
    out = tmp_path / "reports" / "realignment.xlsx"
    out.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a, **_k: (str(out), "Excel workbook (*.xlsx)")))
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    book = openpyxl.load_workbook(out)
    handoffs = next(ws for ws in book.worksheets if ws.max_row == report.moved + 1)
    assert handoffs.max_row == report.moved + 1
    opened_in = []

    def chooser(_parent, _title, start, *_rest, **_kw):
        opened_in.append(Path(start).parent)
        return str(tmp_path / "r.csv"), "CSV files (*.csv)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(chooser))
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "r.csv").is_file() and (tmp_path / "r-reps.csv").is_file()
    tdapp.window.actions["file.export_gis"].trigger()  # the next export opens where it went
    dialog = tdapp.window.exports.dialog
    qtbot.mouseClick(dialog.findChild(QPushButton, "browse"), Qt.MouseButton.LeftButton)
    dialog.reject()
    assert opened_in == [out.parent, tmp_path]


def test_save_and_reopen_keeps_the_scenarios(tdapp, qtbot, two_scenarios, monkeypatch,
                                              tmp_path):
    window, doc = tdapp.window, tdapp.document
    saved = list(doc.plan.scenarios)
    path = tmp_path / "with-scenarios.gpkg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a, **_k: (str(path), "")))
    _focus(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: doc.path == path and not doc.is_modified, timeout=WAIT_MS)
    assert load_plan(path).scenarios == saved
    assert tdapp.files.open_sample(confirmed=True)
    assert doc.plan.scenarios == []
    panel = window.design.scenarios
    assert [panel.after.itemText(k) for k in range(panel.after.count())] == [CURRENT]
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *_a, **_k: (str(path), "")))
    _focus(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: doc.path == path, timeout=WAIT_MS)
    assert doc.plan.scenarios == saved
    assert [panel.after.itemText(k) for k in range(panel.after.count())] == [
        CURRENT, "As shipped", "Balanced"]
    assert [panel.list.item(k).data(Qt.ItemDataRole.UserRole)
            for k in range(panel.list.count())] == ["As shipped", "Balanced"]


def test_saving_under_a_taken_name_asks_before_replacing_it(tdapp, qtbot):
    window, doc = tdapp.window, tdapp.document
    _save_scenario(tdapp, qtbot, "Q1")
    first = doc.plan.scenarios[0]
    assert window.apply_edit(lambda: edits.pin_account(
        doc.plan, next(a for a, t in doc.assignment.territory_of.items() if t == "T3"), "T4"))
    steps = doc.undo_stack.count()

    def answer(label):
        _save_scenario(tdapp, qtbot, "Q1", expect_saved=False)
        qtbot.waitUntil(lambda: _visible_box(window) is not None)
        box = _visible_box(window)
        assert "'Q1' exists already. Replace it" in box.text()
        button = next(b for b in box.buttons() if b.text().replace("&", "") == label)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _visible_box(window) is None)

    answer("Cancel")
    assert doc.plan.scenarios == [first] and doc.undo_stack.count() == steps
    answer("Replace")
    assert [s.name for s in doc.plan.scenarios] == ["Q1"]
    assert doc.plan.scenarios[0] != first  # the pinned account's new owner is in it
    assert doc.undo_stack.undoText() == "Replace scenario Q1"
    doc.undo_stack.undo()
    assert doc.plan.scenarios == [first]


def _visible_box(window):
    return next((b for b in window.findChildren(QMessageBox, "replaceScenarioBox")
                 if b.isVisible()), None)


def _js(tdapp, qtbot, script):
    """Evaluate ``script`` in the map page and return its value (JSON round trip)."""
    box = {}
    tdapp.map_view.run_js(script, lambda value: box.setdefault("value", value))
    qtbot.waitUntil(lambda: "value" in box, timeout=10_000)
    return box["value"]


def test_comparison_draws_old_and_new_borders_until_closed(tdapp, qtbot, two_scenarios):
    panel, view = tdapp.window.design.scenarios, tdapp.map_view
    plan = tdapp.document.plan
    shipped, balanced = plan.scenarios
    with qtbot.waitSignal(view.rendered, timeout=WAIT_MS,
                          check_params_cb=lambda cmd, n: cmd == "show_borders"):
        _compare(tdapp, qtbot, "As shipped", "Balanced")
    state = _js(tdapp, qtbot, "TD.state.comparison")
    outlined = [t for t in shipped.territories if t.geometry is not None]
    assert state == {"before": len(outlined), "after": sum(
        1 for t in balanced.territories if t.geometry is not None),
        "before_name": "As shipped", "after_name": "Balanced"}
    assert state["before"] == 4
    # The lines on the map are those outlines: the old ones dashed grey, the new ones solid in
    # their territory colours.
    drawn = _js(tdapp, qtbot, """TD.state.comparisonLayers.map(function (g) {
        return g.getLayers().map(function (l) {
          return [l.feature.properties.id, l.options.color, l.options.dashArray || ''];
        }); })""")
    halo, new, old = drawn
    assert sorted(x[0] for x in old) == sorted(t.id for t in outlined)
    assert {tuple(x[1:]) for x in old} == {("#616161", "7,6")}
    colours = {t.id: t.color for t in balanced.territories}
    assert sorted(new) == sorted([t, colours[t], ""] for t, *_ in new)
    assert len(halo) == len(new) == state["after"]
    legend = _js(tdapp, qtbot, "document.querySelector('.td-comparison-legend').textContent")
    assert "Before: As shipped" in legend and "After: Balanced" in legend
    # A "what next" hint over a narrow map (a laptop, docks open) leaves the legend readable.
    tdapp.window.resize(1100, 760)
    qtbot.waitUntil(lambda: _js(tdapp, qtbot, "TD.state.map.getSize().x") < 900,
                    timeout=WAIT_MS)
    with qtbot.waitSignal(view.rendered, timeout=WAIT_MS,
                          check_params_cb=lambda cmd, n: cmd == "show_hint"):
        view.show_hint("For road drive times, routes and the street map, choose the area's "
                       "OpenStreetMap extract: Routing → Choose OSM extract…")
    apart = _js(tdapp, qtbot, """(function () {
      var a = document.querySelector('.td-comparison-legend').getBoundingClientRect();
      var b = document.querySelector('.td-hint').getBoundingClientRect();
      return b.height > 0 && (a.bottom <= b.top || b.bottom <= a.top || a.right <= b.left
                              || b.right <= a.left); })()""")
    assert apart
    view.show_hint("")
    # Closing the comparison takes the borders and the legend off the map.
    with qtbot.waitSignal(view.rendered, timeout=WAIT_MS,
                          check_params_cb=lambda cmd, n: cmd == "show_borders"):
        qtbot.mouseClick(panel.close_button, Qt.MouseButton.LeftButton)
    assert _js(tdapp, qtbot, "[TD.state.comparison, TD.state.comparisonLayers.length, "
                             "document.querySelectorAll('.td-comparison-legend').length]") \
        == [None, 0, 0]
    assert panel.table.rowCount() == 0 and not panel.close_button.isEnabled()


def test_a_figure_missing_on_one_side_lines_up_with_the_figures(tdapp, qtbot):
    # A territory deleted since "As shipped" has no figures in the current plan: its row reads
    # "- → 60", right-aligned in its column like "51 → 67" is, not pushed to the left.
    window, plan = tdapp.window, tdapp.document.plan
    _save_scenario(tdapp, qtbot, "As shipped")
    gone = next(t for t in plan.territories.values() if t.geometry is not None)
    panel, table = window.territories, window.territories.table
    row = next(r for r, w in enumerate(panel.model.rows) if w.territory_id == gone.id)
    rect = table.visualRect(panel.proxy.mapFromSource(panel.model.index(row, 0)))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.selected_territories == [gone.id]
    window.actions["territory.delete"].trigger()
    assert gone.id not in tdapp.document.plan.territories
    scenarios = window.design.scenarios
    _compare(tdapp, qtbot, CURRENT, "As shipped")
    row = _cells(scenarios, "Territory").index(gone.name)
    right = Qt.AlignmentFlag.AlignRight
    for name in ("Accounts", "Workload h/wk", "Potential", "Drive h/wk"):
        item = scenarios.table.item(row, COMPARE_COLUMNS.index(name))
        assert item.text().startswith("- → ")
        assert item.textAlignment() & right, name
