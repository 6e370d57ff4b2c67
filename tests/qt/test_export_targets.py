"""No export writes over the open plan; an export that cannot be written leaves its dialog up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from export_gestures import WAIT_MS, click_ok, export_action
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog

from territory_desktop.io.planfile import autosave_path

REP = "REP-4"


def save_as(qtbot, tdapp, monkeypatch, path: Path) -> bytes:
    """Save the open plan as ``path`` through File > Save As; return the file's bytes."""
    path.parent.mkdir(exist_ok=True)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a, **_k: (str(path), "")))
    tdapp.window.actions["file.save_as"].trigger()
    qtbot.waitUntil(lambda: tdapp.document.path == path and not tdapp.document.is_modified,
                    timeout=WAIT_MS)
    return path.read_bytes()


def refused(qtbot, dialog, text: str) -> str:
    """Type ``text`` as the file; return the reason shown, after checking OK is disabled."""
    dialog.path.clear()
    dialog.path.setFocus()
    qtbot.keyClicks(dialog.path, text)
    qtbot.keyClick(dialog.path, Qt.Key.Key_Return)  # the default button, were it enabled
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert dialog.reason.isVisible() and "\n" not in dialog.reason.text()
    return str(dialog.reason.text())


def test_a_rep_pack_cannot_overwrite_the_open_plan(tdapp, qtbot, monkeypatch, tmp_path):
    master = tmp_path / "office" / "master.gpkg"
    before = save_as(qtbot, tdapp, monkeypatch, master)
    linked = tmp_path / "office" / "linked.gpkg"
    os.link(master, linked)
    export_action(tdapp.window, "Rep &pack…").trigger()
    dialog = tdapp.window.travel.dialog
    dialog.rep.setCurrentIndex(dialog.rep.findData(REP))
    assert refused(qtbot, dialog, str(master)) == (
        f"Cannot write {master}: that is the plan master.gpkg (or its autosave or lock file).")
    for other in (tmp_path / "office" / ".." / "office" / "master.gpkg", linked,
                  autosave_path(master, tdapp.files.owner)):
        assert "that is the plan master.gpkg" in refused(qtbot, dialog, str(other)), other
    assert dialog.isVisible()
    assert not [w for w in tdapp.window.jobs.workers if w.title == "Exporting rep pack"]
    assert master.read_bytes() == before and not tdapp.document.is_modified


def test_a_gis_geopackage_cannot_overwrite_the_open_plan(tdapp, qtbot, monkeypatch, tmp_path):
    master = tmp_path / "office" / "master.gpkg"
    before = save_as(qtbot, tdapp, monkeypatch, master)
    export_action(tdapp.window, "&Territories and accounts for GIS…").trigger()
    dialog = tdapp.window.exports.dialog
    dialog.format.setCurrentIndex(dialog.format.findText("GeoPackage", Qt.MatchFlag.MatchContains))
    assert dialog.suffix == "gpkg"
    assert "that is the plan master.gpkg" in refused(qtbot, dialog, str(master))
    assert dialog.isVisible() and master.read_bytes() == before


@pytest.mark.skipif(not os.access("/proc", os.W_OK), reason="needs root: /proc looks writable")
def test_a_failed_write_names_the_file_and_keeps_the_dialog(tdapp, qtbot):
    window = tdapp.window
    export_action(window, "&Assignments for the CRM…").trigger()
    dialog = window.exports.dialog
    dialog.format.setCurrentIndex(1)  # XLSX: a choice the user would lose with the dialog
    dialog.path.setFocus()
    qtbot.keyClicks(dialog.path, "/proc/assignments.xlsx")  # root passes every check; no file
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.isVisible() and not window.jobs.workers, timeout=WAIT_MS)
    assert dialog.reason.text() == ("Cannot write /proc/assignments.xlsx: the folder does not "
                                    "accept new files.")
    assert dialog.path.text() == "/proc/assignments.xlsx" and dialog.fmt == "xlsx"
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert window.exports.dialog is dialog
