"""The Health panel keeps CRM results and snapshots in the plan; odd columns get mapped.

Every step is a user's gesture: View > Health (Ctrl+Shift+H), the Load button and the file
chooser, Ctrl+Z / Ctrl+Shift+Z, Ctrl+S and Ctrl+O with the file choosers answering, typing into
the snapshot dialog and the pickers, choosing columns in the mapping dialog.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog

from territory_desktop import clock
from territory_desktop.health.formats import format_change
from territory_desktop.health.snapshots import compare_snapshots, take_snapshot
from territory_desktop.health.store import snapshots_of
from territory_desktop.io import planfile
from territory_desktop.io.results import guess_mapping, import_results
from territory_desktop.resources import resource_path

RESULTS = resource_path("sample") / "results"
WAIT_MS = 60_000
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
LEFT = Qt.MouseButton.LeftButton


def _answer_files(monkeypatch, method: str, answers: list[object]) -> None:
    queue = [str(a) for a in answers]
    monkeypatch.setattr(QFileDialog, method,
                        staticmethod(lambda *a, **k: (queue.pop(0) if queue else "", "")))


def _key(qtbot, window, key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """Press a window shortcut (Ctrl+S...) once the window is active again after a dialog."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    qtbot.keyClick(window, key, modifiers)


def _show_health(qtbot, window):
    window.activateWindow()
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_H, CTRL_SHIFT)
    assert window.dock("dockHealth").isVisible()
    return window.health


def _table(panel) -> list[list[str]]:
    t = panel.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def _load_sample_results(qtbot, monkeypatch, window):
    panel = _show_health(qtbot, window)
    _answer_files(monkeypatch, "getOpenFileName", [RESULTS / "opportunities.csv",
                                                  RESULTS / "quotas.csv",
                                                  RESULTS / "activities.csv"])
    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(panel.load_button, LEFT)
    return panel


def _reopen(qtbot, monkeypatch, tdapp, path: Path) -> None:
    window = tdapp.window
    _answer_files(monkeypatch, "getOpenFileName", [path])
    with qtbot.waitSignal(window.health.report_shown, timeout=WAIT_MS):
        window.activateWindow()
        qtbot.keyClick(window, Qt.Key.Key_O, CTRL)
    assert tdapp.document.path == path.resolve()


def test_imported_results_are_stored_undoable_saved_and_shown_on_reopen(
        no_results, qtbot, monkeypatch, tmp_path):
    tdapp = no_results
    window, document = tdapp.window, tdapp.document
    assert document.plan.health.results is None
    panel = _load_sample_results(qtbot, monkeypatch, window)
    expected = import_results(document.plan.accounts, document.plan.reps,
                              RESULTS / "opportunities.csv", RESULTS / "quotas.csv",
                              RESULTS / "activities.csv", today=clock.today()).results
    assert document.plan.health.results == expected
    assert document.is_modified and "stored in the plan" in panel.summary.text()
    shown = _table(panel)
    assert len(shown) == len(document.plan.territories) + 1

    # Undo takes the results out of the plan and the panel empties; redo brings them back.
    with qtbot.waitSignal(document.plan_changed):
        _key(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert document.plan.health.results is None and panel.table.rowCount() == 0
    assert panel.summary.text().startswith("No CRM results in this plan")
    with qtbot.waitSignal(panel.report_shown, timeout=WAIT_MS):
        _key(qtbot, window, Qt.Key.Key_Z, CTRL_SHIFT)
    assert document.plan.health.results == expected and _table(panel) == shown
    assert panel.summary.text().startswith("CRM results stored in the plan: 1302 opportunities")

    # Loading the same files again updates the stored rows: no duplicates.
    _load_sample_results(qtbot, monkeypatch, window)
    assert document.plan.health.results == expected

    without = document.path
    saved = tmp_path / "with results.gpkg"
    _answer_files(monkeypatch, "getSaveFileName", [saved])
    _key(qtbot, window, Qt.Key.Key_S, CTRL_SHIFT)  # Save as
    assert not document.is_modified
    assert planfile.load_plan(saved).health.results == expected

    # Reopened: the panel shows the stored results at once, without any file chosen.
    _answer_files(monkeypatch, "getOpenFileName", [])
    with qtbot.waitSignal(document.replaced):
        assert tdapp.files.open_path(without, confirmed=True)
    assert panel.table.rowCount() == 0 and not panel.period.isEnabled()
    _reopen(qtbot, monkeypatch, tdapp, saved)
    assert _table(panel) == shown
    assert panel.period.currentText() == "2026Q4"
    assert panel.summary.text().startswith("CRM results stored in the plan: 1302 opportunities")


def _take_snapshot(qtbot, panel, taken: str, label: str) -> None:
    box = panel.snapshots
    panel.tabs.setCurrentWidget(box)
    qtbot.mouseClick(box.take_button, LEFT)
    dialog = box.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.date.setFocus()
    qtbot.keyClick(dialog.date, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(dialog.date, taken)
    dialog.label.setFocus()
    qtbot.keyClick(dialog.label, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(dialog.label, label)
    with qtbot.waitSignal(box.compared, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.ok_button, LEFT)
    assert dialog.taken().isoformat() == taken


def _pick(qtbot, combo, index: int, signal) -> None:
    """Choose item ``index`` of a closed combo box with Home and Down, as a keyboard user."""
    combo.setFocus()
    if combo.currentIndex() == index:  # chosen already: move away first, so choosing it counts
        qtbot.keyClick(combo, Qt.Key.Key_End if index == 0 else Qt.Key.Key_Home)
    for n in range(index + 1):
        key = Qt.Key.Key_Home if n == 0 else Qt.Key.Key_Down
        if n == index:
            with qtbot.waitSignal(signal, timeout=WAIT_MS):
                qtbot.keyClick(combo, key)
        else:
            qtbot.keyClick(combo, key)
    assert combo.currentIndex() == index


def _choose_period(qtbot, panel, label: str) -> None:
    _pick(qtbot, panel.period, panel.period.findText(label), panel.report_shown)
    assert panel.period.currentText() == label
    # a refresh started before the pick (after the last edit) may report first
    qtbot.waitUntil(lambda: panel.report is not None and panel.report.kpis.period.label == label
                    and panel.snapshots.take_button.isEnabled(), timeout=WAIT_MS)


def _tree(box) -> list[tuple[str, list[tuple[str, ...]]]]:
    out = []
    for i in range(box.tree.topLevelItemCount()):
        top = box.tree.topLevelItem(i)
        out.append((top.text(0), [tuple(top.child(j).text(c) for c in range(4))
                                  for j in range(top.childCount())]))
    return out


def _expected_tree(changes) -> list[tuple[str, list[tuple[str, ...]]]]:
    """Group the engine's changes per territory (then the team) as the panel should."""
    groups: dict = {}
    for c in changes:
        if c.scope != "rep":
            groups.setdefault((c.scope, c.key), []).append(c)
    out = []
    for (scope, _), items in groups.items():
        moved = [c for c in items if c.verdict in ("improved", "slipped")]
        up = sum(c.verdict == "improved" for c in moved)
        name = "Team" if scope == "team" else items[0].name
        out.append((f"{name}: {up} improved, {len(moved) - up} slipped",
                    [format_change(c) for c in moved]))
    return out


def test_snapshots_are_taken_compared_and_kept_in_the_saved_plan(tdapp, qtbot, monkeypatch,
                                                                 tmp_path):
    window, document = tdapp.window, tdapp.document
    panel = _load_sample_results(qtbot, monkeypatch, window)
    box = panel.snapshots
    assert box.before.count() == 1  # only "Now": nothing to compare yet
    _choose_period(qtbot, panel, "2026Q3")
    _take_snapshot(qtbot, panel, "2026-10-01", "Q3 review")
    _choose_period(qtbot, panel, "2026Q4")
    _take_snapshot(qtbot, panel, "2026-12-31", "Q4 review")
    snaps = snapshots_of(document.plan)
    assert [(s.taken, s.label, s.period.label) for s in snaps] == [
        (dt.date(2026, 10, 1), "Q3 review", "2026Q3"),
        (dt.date(2026, 12, 31), "Q4 review", "2026Q4")]
    # the figures shown, frozen (white-space lists become counts)
    assert snaps[1] == take_snapshot(panel.report.kpis, dt.date(2026, 12, 31), "Q4 review")
    assert document.undo_stack.undoText() == "Take health snapshot 2026-12-31 Q4 review"

    # Pick Q3 -> Q4: the tree lists, per territory, what improved and what slipped.
    _pick(qtbot, box.before, 0, box.compared)
    _pick(qtbot, box.after, 1, box.compared)
    assert (box.before.currentText(), box.after.currentText()) == (
        "2026-10-01 Q3 review (2026Q3)", "2026-12-31 Q4 review (2026Q4)")
    changes = compare_snapshots(snaps[0], snaps[1])
    expected = _expected_tree(changes)
    assert _tree(box) == expected
    assert any(rows for _, rows in expected)
    verdicts = {c.verdict for c in changes}
    assert {"improved", "slipped"} <= verdicts  # the sample moves both ways
    assert len(expected) == len(document.plan.territories) + 1  # every territory + the team

    # Save, open another plan, reopen: the snapshots are still there and compare the same.
    saved = tmp_path / "snapshots.gpkg"
    _answer_files(monkeypatch, "getSaveFileName", [saved])
    _key(qtbot, window, Qt.Key.Key_S, CTRL)
    assert not document.is_modified
    with qtbot.waitSignal(document.replaced):
        assert tdapp.files.open_sample(confirmed=True)
    assert box.before.count() == 0
    _reopen(qtbot, monkeypatch, tdapp, saved)
    assert snapshots_of(document.plan) == snaps
    titles = [box.before.itemText(i) for i in range(box.before.count())]
    assert titles[:2] == ["2026-10-01 Q3 review (2026Q3)", "2026-12-31 Q4 review (2026Q4)"]
    assert titles[2].startswith("Now: 2026Q4")
    _pick(qtbot, box.before, 0, box.compared)
    _pick(qtbot, box.after, 1, box.compared)
    assert _tree(box) == expected


ODD = {"Opportunity ID": "Ref No", "Opportunity Name": "Title", "Account ID": "Client",
       "Account Name": "Client Name", "Amount": "Deal Worth", "Created Date": "Opened On",
       "Close Date": "Closes On"}


def _odd_opportunities(tmp_path: Path) -> tuple[Path, int]:
    """Write the sample opportunities under column names no CRM uses, plus one bad amount."""
    lines = (RESULTS / "opportunities.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    bad = lines[1].split(",")
    bad[0], bad[header.index("Amount")] = "OPP-BAD-1", "lots"
    odd = ",".join(ODD.get(h, h) for h in header)
    path = tmp_path / "deals export.csv"
    path.write_text("\n".join([odd, *lines[1:], ",".join(bad)]) + "\n", encoding="utf-8")
    return path, len(lines) + 1


def test_unrecognised_columns_are_mapped_in_the_dialog(no_results, qtbot, monkeypatch, tmp_path):
    tdapp = no_results
    window, document = tdapp.window, tdapp.document
    odd, bad_line = _odd_opportunities(tmp_path)
    columns = [ODD.get(h, h) for h in (RESULTS / "opportunities.csv").read_text(
        encoding="utf-8").splitlines()[0].split(",")]
    guessed = guess_mapping("opportunities", columns)
    assert not {"id", "account_id", "amount", "created"} & set(guessed)  # truly unrecognised
    panel = _show_health(qtbot, window)
    _answer_files(monkeypatch, "getOpenFileName", [odd, "", ""])
    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(panel.load_button, LEFT)
    dialog = panel.mapping_dialog
    assert dialog is not None and dialog.isVisible()
    assert "deals export.csv lacks required columns" in panel.summary.text()
    assert document.plan.health.results is None
    # the preview: the file's header and first five rows as written
    preview = dialog.findChild(type(panel.table), "mappingPreview")
    assert [preview.horizontalHeaderItem(c).text() for c in range(preview.columnCount())] == (
        columns)
    first = (RESULTS / "opportunities.csv").read_text(encoding="utf-8").splitlines()[1]
    assert [preview.item(0, c).text() for c in range(preview.columnCount())] == (
        first.split(","))
    assert preview.rowCount() == 5
    assert [preview.verticalHeaderItem(r).text() for r in range(5)] == [
        f"line {n}" for n in range(2, 7)]  # the file's own line numbers
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # required fields unmapped
    chosen = {"id": "Ref No", "account_id": "Client", "amount": "Deal Worth",
              "created": "Opened On", "close": "Closes On"}
    for field, column in chosen.items():
        combo = dialog.boxes[field]
        combo.setFocus()
        qtbot.keyClicks(combo, column)  # a closed combo box selects the item typed
        assert combo.currentText() == column, field
    assert ok.isEnabled()
    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(ok, LEFT)

    mapping = {**guessed, **chosen}
    expected = import_results(document.plan.accounts, document.plan.reps, odd,
                              mappings={"opportunities": mapping}, today=clock.today())
    stored = document.plan.health.results
    assert stored is not None and stored == expected.results
    assert len(stored.opportunities) == 1302  # every good row; the bad one left out
    problems = [panel.problems.item(i).text() for i in range(panel.problems.count())]
    assert any(p.startswith(f"deals export.csv:{bad_line}: column Deal Worth: rejected")
               for p in problems), problems
    assert "1 rejected" in panel.summary.text() and panel.table.rowCount() > 1


def test_cancelling_the_mapping_dialog_stores_nothing(no_results, qtbot, monkeypatch, tmp_path):
    tdapp = no_results
    window, document = tdapp.window, tdapp.document
    odd, _ = _odd_opportunities(tmp_path)
    panel = _show_health(qtbot, window)
    _answer_files(monkeypatch, "getOpenFileName", [odd, "", ""])
    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(panel.load_button, LEFT)
    dialog = panel.mapping_dialog
    assert dialog is not None and dialog.isVisible()
    jobs = list(window.jobs.workers)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), LEFT)
    assert not dialog.isVisible()
    assert list(window.jobs.workers) == jobs  # no import started again
    assert document.plan.health.results is None and not document.is_modified
    assert panel.summary.text() == "Import cancelled: nothing loaded."


def test_cancelling_the_quotas_mapping_says_that_nothing_was_loaded(no_results, qtbot,
                                                                   monkeypatch, tmp_path):
    tdapp = no_results
    window, document = tdapp.window, tdapp.document
    lines = (RESULTS / "opportunities.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    bad = lines[1].split(",")
    bad[0], bad[header.index("Amount")] = "OPP-BAD-1", "lots"
    opportunities = tmp_path / "bad_opps.csv"  # recognised columns, one row rejected
    opportunities.write_text("\n".join([*lines[:8], ",".join(bad)]) + "\n", encoding="utf-8")
    quotas = tmp_path / "targets.csv"
    quotas.write_text("Seller,Window,Objective\nREP-1,2026Q4,1000\n", encoding="utf-8")
    panel = _show_health(qtbot, window)
    _answer_files(monkeypatch, "getOpenFileName", [opportunities, quotas, ""])
    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(panel.load_button, LEFT)
    dialog = panel.mapping_dialog
    assert dialog is not None and dialog.isVisible() and "targets.csv" in dialog.windowTitle()
    assert "bad_opps.csv: 7 opportunities kept, 1 rejected" in panel.summary.text()
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), LEFT)
    assert panel.summary.text() == "Import cancelled: nothing loaded."
    assert window.statusBar().currentMessage() == "CRM results: import cancelled, nothing loaded"
    assert document.plan.health.results is None and document.undo_stack.count() == 0


def test_two_files_with_odd_columns_are_mapped_one_after_the_other(no_results, qtbot, monkeypatch,
                                                                   tmp_path):
    tdapp = no_results
    window, document = tdapp.window, tdapp.document
    odd, _ = _odd_opportunities(tmp_path)
    quota_lines = (RESULTS / "quotas.csv").read_text(encoding="utf-8").splitlines()
    quotas = tmp_path / "targets.csv"
    quotas.write_text("\n".join(["Seller,Seller Name,Window,Objective", *quota_lines[1:]])
                      + "\n", encoding="utf-8")
    panel = _show_health(qtbot, window)
    _answer_files(monkeypatch, "getOpenFileName", [odd, quotas, ""])
    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(panel.load_button, LEFT)
    answers = [("deals export.csv", {"id": "Ref No", "account_id": "Client",
                                     "amount": "Deal Worth", "created": "Opened On",
                                     "close": "Closes On"}),
               ("targets.csv", {"rep_id": "Seller", "period": "Window", "amount": "Objective"})]
    for name, chosen in answers:
        dialog = panel.mapping_dialog
        assert dialog is not None and dialog.isVisible() and name in dialog.windowTitle()
        for field, column in chosen.items():
            dialog.boxes[field].setFocus()
            qtbot.keyClicks(dialog.boxes[field], column)
        with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
            qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), LEFT)
    stored = document.plan.health.results
    assert stored is not None
    assert (len(stored.opportunities), len(stored.quotas)) == (1302, len(quota_lines) - 1)
    assert len(stored.activities) == 0
