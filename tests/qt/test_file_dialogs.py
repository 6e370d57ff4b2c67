"""File dialogs open where the user's files are: the plan file's folder, or the last export's."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QPushButton

from territory_desktop.io import save_plan
from territory_desktop.io.exports.gis import write_territories


def test_import_dialogs_open_in_the_plan_files_folder(tdapp, qtbot, monkeypatch, tmp_path):
    window, doc = tdapp.window, tdapp.document
    saved = tmp_path / "plans" / "mine.gpkg"
    saved.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a, **_k: (str(saved), "")))
    window.actions["file.save_as"].trigger()
    qtbot.waitUntil(lambda: doc.path == saved and not doc.is_modified, timeout=30_000)
    opened_in = []

    def cancelled(_parent, _title, folder, *_rest, **_kw):
        opened_in.append(folder)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(cancelled))
    for action in ("file.import_accounts", "file.import_reps", "file.import_alignment",
                   "file.import_units"):
        window.actions[action].trigger()
    qtbot.mouseClick(window.health.load_button, Qt.MouseButton.LeftButton)
    assert opened_in == [str(saved.parent)] * 5


def test_export_dialogs_open_in_the_export_folder_else_the_plan_files(tdapp, qtbot,
                                                                      monkeypatch, tmp_path):
    window, doc, prefs = tdapp.window, tdapp.document, tdapp.files.prefs
    saved = tmp_path / "plans" / "mine.gpkg"
    saved.parent.mkdir()
    opened_in = []

    def chooser(_parent, title, start, *_rest, **_kw):
        if title == "Save plan as":
            return str(saved), ""
        opened_in.append(Path(start) if Path(start).is_dir() else Path(start).parent)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(chooser))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(chooser))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: chooser(*a, **k)[0]))
    window.actions["file.save_as"].trigger()
    qtbot.waitUntil(lambda: doc.path == saved and not doc.is_modified, timeout=30_000)
    sent = tmp_path / "sent"
    sent.mkdir()
    for preference, expected in (("", saved.parent), (str(sent), sent)):
        prefs.export_folder = preference
        opened_in.clear()
        for action in ("file.export_mileage", "file.export_route_pack", "file.export_gis",
                       "file.export_summary", "file.export_rep_pack"):
            window.actions[action].trigger()
            dialog = window.travel.dialog if action.endswith("rep_pack") else window.exports.dialog
            qtbot.mouseClick(dialog.findChild(QPushButton, "browse"), Qt.MouseButton.LeftButton)
            dialog.reject()
        window.actions["file.import_rep_pack"].trigger()
        assert opened_in == [expected] * 6  # a suggested name goes in that folder


def _answer_open(monkeypatch, crm: Path, shared_data: Path) -> list[str]:
    """Put real LA accounts in ``crm`` and make every file chooser pick them.

    Returns the folders the choosers opened in, in order.
    """
    crm.mkdir()
    accounts = crm / "accounts.csv"
    shutil.copy(shared_data / "accounts" / "la_metro_healthcare_accounts.csv", accounts)
    opened_in: list[str] = []

    def chooser(_parent, _title, folder, *_rest, **_kw):
        opened_in.append(folder)
        return str(accounts), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(chooser))
    return opened_in


def test_a_new_plans_second_import_opens_where_the_first_came_from(tdapp, monkeypatch,
                                                                    tmp_path, shared_data):
    window, doc = tdapp.window, tdapp.document
    window.actions["file.new"].trigger()
    crm = tmp_path / "A"
    opened_in = _answer_open(monkeypatch, crm, shared_data)
    window.actions["file.import_accounts"].trigger()
    assert len(doc.plan.accounts) == 385 and doc.path is None
    window.actions["file.import_accounts"].trigger()
    assert opened_in == [str(Path.home()), str(crm)]
    window.close()  # the folder outlives the session, as the other preferences do
    assert tdapp.files.store.load().last_folder == str(crm)


def test_imports_follow_the_last_picked_folder_until_another_plan_file(tdapp, qtbot, monkeypatch,
                                                                        tmp_path, shared_data):
    window, doc = tdapp.window, tdapp.document
    crm, plans = tmp_path / "Downloads", tmp_path / "plans"
    plans.mkdir()
    opened_in = _answer_open(monkeypatch, crm, shared_data)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a, **_k: (str(plans / "mine.gpkg"), "")))
    window.actions["file.save_as"].trigger()
    qtbot.waitUntil(lambda: doc.path == plans / "mine.gpkg", timeout=30_000)
    window.actions["file.import_accounts"].trigger()  # a new file: opens beside the plan
    window.actions["file.save"].trigger()  # the same file: the CRM folder is kept
    qtbot.waitUntil(lambda: not doc.is_modified, timeout=30_000)
    window.actions["file.import_accounts"].trigger()
    assert opened_in == [str(plans), str(crm)]


def test_browsing_for_an_export_target_is_where_the_next_export_opens(tdapp, qtbot, monkeypatch,
                                                                       tmp_path):
    window, files = tdapp.window, tdapp.files
    opened_in: list[Path] = []
    picked: list[Path] = []

    def chooser(_parent, _title, start, *_rest, **_kw):
        opened_in.append(Path(start) if Path(start).is_dir() else Path(start).parent)
        picked.append(tmp_path / f"out{len(picked)}")
        picked[-1].mkdir()
        return str(picked[-1] / "export.pdf"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(chooser))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(Path(chooser(*a, **k)[0]).parent)))
    actions = ("file.export_mileage", "file.export_route_pack", "file.export_gis",
               "file.export_summary", "file.export_rep_pack", "file.export_mileage")
    for action in actions:
        window.actions[action].trigger()
        dialog = window.travel.dialog if action.endswith("rep_pack") else window.exports.dialog
        qtbot.mouseClick(dialog.findChild(QPushButton, "browse"), Qt.MouseButton.LeftButton)
        dialog.reject()  # cancelled: the folder browsed to is still where the next one opens
    assert opened_in[1:] == picked[:-1]
    assert files.store.load().export_folder == str(picked[-1])


def test_export_dialogs_read_files_where_the_last_file_was_picked(tdapp, qtbot, monkeypatch,
                                                                   tmp_path):
    window, prefs, plan = tdapp.window, tdapp.files.prefs, tdapp.document.plan
    crm, before, gis = tmp_path / "crm", tmp_path / "before", tmp_path / "gis"
    for folder in (crm, before, gis):
        folder.mkdir()
    save_plan(plan, before / "plan.gpkg")
    write_territories(list(plan.territories.values())[:1], gis / "edited.geojson", "geojson")
    prefs.last_folder, prefs.export_folder = str(crm), str(tmp_path / "sent")
    answers = [before / "plan.gpkg", gis / "edited.geojson", None]
    opened_in = []

    def chooser(_parent, _title, folder, *_rest, **_kw):
        opened_in.append(folder)
        answer = answers.pop(0)
        return str(answer or ""), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(chooser))
    window.actions["file.export_assignments"].trigger()
    dialog = window.exports.dialog
    assert len(dialog.findChildren(QPushButton, "browse")) == 1  # the file to write
    qtbot.mouseClick(dialog.findChild(QPushButton, "browse_previous"), Qt.MouseButton.LeftButton)
    assert dialog.previous_path.text() == str(before / "plan.gpkg")
    dialog.reject()
    window.actions["file.import_territories"].trigger()
    dialog = window.exports.dialog
    qtbot.mouseClick(dialog.findChild(QPushButton, "browse"), Qt.MouseButton.LeftButton)
    assert dialog.layer.currentText() == "territories"
    dialog.reject()
    window.actions["file.import_accounts"].trigger()  # cancelled
    assert opened_in == [str(crm), str(before), str(gis)]
