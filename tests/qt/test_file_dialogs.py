"""File dialogs open where the user's files are: the plan file's folder, not the app's."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog


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
