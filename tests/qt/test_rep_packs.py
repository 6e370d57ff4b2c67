"""A plan that travels, through the window.

Store the network, export a rep pack, use it with no extract, merge the returned visit log.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox, QPushButton

from territory_desktop import clock, edits
from territory_desktop.io import load_plan, save_plan
from territory_desktop.io.exports.reppack import make_rep_pack
from territory_desktop.model import VisitLogEntry

WAIT_MS = 120_000
REP = "REP-4"


def menu_action(window, menu_text, submenu_text, text):
    """Return the action ``text`` as the menu bar lists it (in ``submenu_text`` if given)."""
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == menu_text)
    if submenu_text:
        menu = next(a.menu() for a in menu.actions() if a.text() == submenu_text)
    return next(a for a in menu.actions() if a.text() == text)


def status_starts(qtbot, window, text):
    """Wait until the status bar says ``text`` (another message may have replaced it since)."""
    said = [window.statusBar().currentMessage()]
    window.statusBar().messageChanged.connect(said.append)
    qtbot.waitUntil(lambda: any(m.startswith(text) for m in said), timeout=WAIT_MS)


def test_export_rep_pack_from_the_menu_writes_a_pack_of_the_saved_plan(
        scheduled, qtbot, tmp_path, monkeypatch):
    window, doc = scheduled.window, scheduled.document
    master_path, pack_path = tmp_path / "office" / "master.gpkg", tmp_path / "laptop" / "p.gpkg"
    master_path.parent.mkdir()
    pack_path.parent.mkdir()
    answers = {"Save plan as": str(master_path), "Export rep pack": str(pack_path)}
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda parent, caption, *a, **k: (answers[caption], "")))
    menu_action(window, "&File", "&Export", "Rep &pack…").trigger()
    dialog = window.travel.dialog
    assert dialog.isVisible()
    dialog.rep.setCurrentIndex(dialog.rep.findData(REP))
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and "Choose the file" in dialog.reason.text()
    qtbot.keyClicks(dialog.path, str(pack_path.with_suffix("")))  # typed without .gpkg
    assert not ok.isEnabled() and "end its name with .gpkg" in dialog.reason.text()
    dialog.path.clear()
    qtbot.mouseClick(dialog.findChild(QPushButton, "browse"), Qt.MouseButton.LeftButton)
    assert dialog.path.text() == str(pack_path)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    status_starts(qtbot, window, f"Wrote {pack_path}")
    # The master was given an identity and saved; the pack records it.
    plan_id = doc.plan.settings.plan_id
    assert plan_id and load_plan(master_path).settings.plan_id == plan_id
    pack = load_plan(pack_path)
    assert pack.settings.pack_of == plan_id and list(pack.reps) == [REP]
    assert pack.schedules[REP] == doc.plan.schedules[REP]
    assert pack.network is not None and pack.settings.osm_extract == ""


def test_store_road_network_is_an_undoable_edit(tdapp, qtbot):
    window, doc = tdapp.window, tdapp.document
    assert doc.plan.network is None
    menu_action(window, "&Routing", "", "&Store road network in plan").trigger()
    status_starts(qtbot, window, "Road network stored in the plan")
    assert doc.plan.network is not None
    assert doc.undo_stack.undoText() == "Store road network in plan"
    window.actions["edit.undo"].trigger()
    assert doc.plan.network is None


def test_a_pack_opened_with_no_extract_reoptimises_a_day_and_logs_a_visit(
        tdapp, qtbot, tmp_path, baltimore_network, monkeypatch):
    from territory_desktop.optimize.plan_schedule import solve_rep

    window, doc, files = tdapp.window, tdapp.document, tdapp.files
    plan = dataclasses.replace(doc.plan, settings=dataclasses.replace(doc.plan.settings,
                                                                      plan_id="m1"))
    plan.network = None
    schedule, rotation = solve_rep(plan, REP, doc.assignment.territory_of, baltimore_network,
                                   seconds=2, seed=3)
    plan = edits.set_schedule(plan, schedule, "s",
                              anchor=rotation.planner.cycle.monday.isoformat()).plan
    path = tmp_path / "laptop" / "pack.gpkg"
    path.parent.mkdir()
    save_plan(make_rep_pack(plan, REP, baltimore_network).plan, path)
    assert files.open_path(path, confirmed=True)
    assert files.extract_path() == ""  # no extract: the pack names none

    panel = window.rotation_panel
    panel.rep.setCurrentIndex(panel.rep.findData(REP))
    slot = next(s for s, d in panel.days.items() if d.count() >= 2)
    day_visits = sorted(v.account_id for v in doc.plan.schedules[REP].day(*slot))
    menu = panel.day_menu(panel.days[slot], None)
    next(a for a in menu.actions() if a.text() == "Re-optimise this day").trigger()
    qtbot.waitUntil(lambda: doc.undo_stack.undoText().startswith("Re-optimise week"),
                    timeout=WAIT_MS)
    assert window.routing.network is not None
    assert window.routing.network_key().startswith("stored:")
    assert sorted(v.account_id for v in doc.plan.schedules[REP].day(*slot)) == day_visits

    window.actions["rotation.week"].trigger()
    view = window.rep_week
    view.rep.setCurrentIndex(view.rep.findData(REP))
    assert view.rows
    week_end = dt.date.fromisoformat(view.rows[-1][0])
    monkeypatch.setattr(clock, "today", lambda: week_end)  # logged at the week's end
    view.table.cellWidget(0, 6).setCurrentText("done")
    date, aid = view.rows[0]
    assert any((e.date, e.account_id, e.status) == (date, aid, "done")
               for e in doc.plan.visit_log)
    assert files.save()
    assert any(e.account_id == aid for e in load_plan(path).visit_log)


def _master_and_pack(tmp_path: Path, network, plan) -> tuple[Path, Path, VisitLogEntry]:
    """Write a master with one logged visit and a returned pack that disagrees and adds one."""
    master = dataclasses.replace(plan, settings=dataclasses.replace(plan.settings,
                                                                    plan_id="m1"))
    account = next(iter(master.accounts))
    mine = VisitLogEntry("2026-01-05", REP, account, "done", odometer_start=100.0,
                         odometer_end=110.0)
    master = edits.log_visit(master, mine).plan
    pack = make_rep_pack(master, REP, network).plan
    theirs = dataclasses.replace(mine, odometer_end=112.0)
    pack = edits.log_visit(pack, theirs).plan
    pack.visit_log.append(VisitLogEntry("2026-01-06", REP, account, "skipped", note="closed"))
    master_path, pack_path = tmp_path / "master.gpkg", tmp_path / "returned.gpkg"
    save_plan(master, master_path)
    save_plan(pack, pack_path)
    return master_path, pack_path, theirs


def test_returned_pack_conflicts_are_shown_and_the_merge_undoes(
        tdapp, qtbot, tmp_path, monkeypatch, baltimore_network, sample_plan):
    window, doc, files = tdapp.window, tdapp.document, tdapp.files
    master_path, pack_path, theirs = _master_and_pack(tmp_path, baltimore_network, sample_plan)
    assert files.open_path(master_path, confirmed=True)
    before = list(doc.plan.visit_log)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(pack_path), "")))
    menu_action(window, "&File", "&Import", "Returned &rep pack…").trigger()
    dialog = window.travel.merge_dialog
    assert dialog.isVisible() and dialog.table.rowCount() == 1
    assert dialog.table.item(0, 3).text() == "done, odometer 100-110 mi"
    assert dialog.table.item(0, 4).text() == "done, odometer 100-112 mi"
    qtbot.mouseClick(dialog.findChild(QPushButton, "both"), Qt.MouseButton.LeftButton)
    log = doc.plan.visit_log
    assert len(log) == len(before) + 2 and theirs in log and all(e in log for e in before)
    assert window.statusBar().currentMessage().startswith(
        "Merged returned.gpkg: 1 visit records added, 0 already here, 1 conflicts")
    assert doc.undo_stack.undoText() == "Merge visit log of returned.gpkg"
    window.actions["edit.undo"].trigger()
    assert doc.plan.visit_log == before


def test_a_pack_of_another_plan_is_refused_with_the_reason(
        tdapp, qtbot, tmp_path, monkeypatch, baltimore_network, sample_plan):
    window, doc, files = tdapp.window, tdapp.document, tdapp.files
    master_path, pack_path, _ = _master_and_pack(tmp_path, baltimore_network, sample_plan)
    other = load_plan(master_path)
    other.settings = dataclasses.replace(other.settings, plan_id="someone-else")
    save_plan(other, master_path)
    assert files.open_path(master_path, confirmed=True)
    before = list(doc.plan.visit_log)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(pack_path), "")))
    menu_action(window, "&File", "&Import", "Returned &rep pack…").trigger()
    box = window.findChild(QMessageBox, "errorBox")
    assert box is not None and "is a rep pack of another plan" in box.text()
    assert doc.plan.visit_log == before and doc.undo_stack.count() == 0
    box.close()
