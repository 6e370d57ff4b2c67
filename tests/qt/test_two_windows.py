"""Issue 9 item 2: two windows on one plan, through the real file handling.

Two app instances, as two processes would be; and a failed save through the window
(item 1).
"""

from __future__ import annotations

import errno

import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QPushButton

from territory_desktop import edits
from territory_desktop.io import planfile


def _click_when_asked(qtbot, text: str, seen: list[str]) -> None:
    """Click the button ``text`` of the next choice box, as the user would."""
    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        button = next(b for b in box.findChildren(QPushButton) if b.text() == text)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    QTimer.singleShot(0, click)


@pytest.fixture
def second_app(qtbot, tmp_path):
    from territory_desktop import app as appmod

    built = appmod.build(settings_file=tmp_path / "settings-b.ini", data_dir=tmp_path / "data-b")
    yield built
    built.document.undo_stack.setClean()
    built.window.close()
    shiboken6.delete(built.window)


def _rename(app, name: str) -> None:
    doc = app.document
    tid = next(iter(doc.plan.territories))
    app.window.apply_edit(lambda: edits.update_territory(doc.plan, tid, name=name))


def test_two_windows_never_lose_each_others_work(tdapp, second_app, qtbot, tmp_path,
                                                  monkeypatch):
    a, b = tdapp, second_app
    plan = tmp_path / "shared.gpkg"
    assert a.files.save_to(plan)
    seen: list[str] = []
    # B opens the plan A has open: told so, and chooses to edit anyway.
    _click_when_asked(qtbot, "Open anyway", seen)
    assert b.files.open_path(plan, confirmed=True)
    assert "already open in another window" in seen[-1]
    _rename(a, "A's change")
    _rename(b, "B's change")
    auto_a, auto_b = a.files.autosave(), b.files.autosave()
    assert auto_a != auto_b and auto_a.is_file() and auto_b.is_file()
    assert b.files.save_to(plan)  # B saves first
    assert auto_a.is_file(), "B's save deleted A's autosave"
    tid = next(iter(a.document.plan.territories))
    # A saves over B's save: asked, and chooses Save As; B's change stays in the file.
    other = tmp_path / "a-copy.gpkg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",  # the file chooser's answer
                        staticmethod(lambda *_a, **_k: (str(other), "")))
    _click_when_asked(qtbot, "Save as…", seen)
    assert a.files.save_to(plan)
    assert "saved by another window or program" in seen[-1]
    assert planfile.load_plan(plan).territories[tid].name == "B's change"
    assert planfile.load_plan(other).territories[tid].name == "A's change"
    assert a.document.path == other and not a.document.is_modified
    # B saves again without being asked (A's copy went elsewhere); A opens the shared plan
    # again, is told B has it and opens it read-only: B's latest work.
    _rename(b, "B again")
    asked = len(seen)
    assert b.files.save_to(plan)
    assert len(seen) == asked
    _click_when_asked(qtbot, "Open read-only", seen)
    assert a.files.open_path(plan, confirmed=True)
    assert "already open in another window" in seen[-1]
    assert a.files.read_only and a.document.plan.territories[tid].name == "B again"


def test_read_only_window_cannot_overwrite(tdapp, second_app, qtbot, tmp_path):
    a, b = tdapp, second_app
    plan = tmp_path / "shared.gpkg"
    assert a.files.save_to(plan)
    seen: list[str] = []
    _click_when_asked(qtbot, "Open read-only", seen)
    assert b.files.open_path(plan, confirmed=True)
    assert b.window.windowTitle() == "shared.gpkg (read-only) — Territory Desktop"
    before = plan.read_bytes()
    _rename(b, "B's change")
    assert not b.files.save_to(plan)
    assert plan.read_bytes() == before
    assert "opened read-only" in b.window.statusBar().currentMessage()


def test_reload_takes_the_other_windows_save(tdapp, second_app, qtbot, tmp_path):
    a, b = tdapp, second_app
    plan = tmp_path / "shared.gpkg"
    assert a.files.save_to(plan)
    seen: list[str] = []
    _click_when_asked(qtbot, "Open anyway", seen)
    assert b.files.open_path(plan, confirmed=True)
    _rename(b, "B's change")
    assert b.files.save_to(plan)
    _rename(a, "A's change")
    _click_when_asked(qtbot, "Reload (drop my changes)", seen)
    assert not a.files.save_to(plan)
    tid = next(iter(a.document.plan.territories))
    assert a.document.plan.territories[tid].name == "B's change"
    assert not a.document.is_modified


def test_failed_save_keeps_file_and_autosave_and_says_so(tdapp, qtbot, tmp_path, monkeypatch):
    files = tdapp.files
    plan = tmp_path / "mine.gpkg"
    assert files.save_to(plan)
    _rename(tdapp, "Unsaved")
    auto = files.autosave()
    before, auto_before = plan.read_bytes(), auto.read_bytes()

    def disk_full(*_a):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("territory_desktop.files._fsync_file", disk_full)
    assert not files.save_to(plan)
    assert plan.read_bytes() == before
    assert auto.is_file()
    assert planfile.load_plan(auto).territories == tdapp.document.plan.territories
    assert auto_before  # the autosave was rewritten with the same work, never deleted
    message = tdapp.window.statusBar().currentMessage()
    assert "Save failed" in message and "the disk is full" in message
    assert "previous file is unchanged" in message
    assert tdapp.document.is_modified and "*" in tdapp.window.windowTitle()


def test_a_failed_first_save_does_not_speak_of_a_previous_file(tdapp, monkeypatch, tmp_path):
    def disk_full(*_a):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("territory_desktop.files._fsync_file", disk_full)
    target = tmp_path / "new.gpkg"
    assert not tdapp.files.save_to(target)
    assert not target.exists()
    message = tdapp.window.statusBar().currentMessage()
    assert "the disk is full" in message and "previous file" not in message
    assert "Nothing was written" in message
