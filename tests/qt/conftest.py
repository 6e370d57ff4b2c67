"""Qt test set-up: headless QtWebEngine, set before any QApplication exists."""

from __future__ import annotations

import os

# Root in a container: Chromium's sandbox cannot start. Headless: the offscreen platform renders
# QtWebEngine with no display. Set here (test configuration), never in library code.
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


import pytest

WAIT_MS = 30_000


@pytest.fixture
def tdapp(qtbot, tmp_path, monkeypatch):
    """Run the whole application on a temporary settings file and data folder, sample plan open.

    Modal questions are answered by attributes on the fixture's ``answers`` dict so no test
    can hang on a dialog.
    """
    import shiboken6
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QMessageBox

    from territory_desktop import app as appmod

    answers = {"question": QMessageBox.StandardButton.Discard}
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: answers["question"]))
    built = appmod.build(settings_file=tmp_path / "settings.ini", data_dir=tmp_path / "data")
    built.answers = answers
    window = built.window
    window.resize(1300, 850)
    with qtbot.waitSignal(built.map_view.page_ready, timeout=WAIT_MS):
        window.show()
    with qtbot.waitSignal(built.map_view.layers_shown, timeout=WAIT_MS):
        assert built.files.open_sample(confirmed=True)
    yield built
    built.document.undo_stack.setClean()
    window.close()
    assert QThreadPool.globalInstance().waitForDone(10_000), "a worker was left running"
    shiboken6.delete(window)


SCHEDULED_REP = "REP-4"  # the sample's smallest territory: quick to schedule


@pytest.fixture
def scheduled(tdapp, qtbot):
    """Open the sample plan with SCHEDULED_REP's rotation computed through the window (seed 3)."""
    window = tdapp.window
    panel = window.rotation_panel
    panel.rep.setCurrentIndex(panel.rep.findData(SCHEDULED_REP))
    panel.seconds.setValue(2)
    panel.seed.setValue(3)
    with qtbot.waitSignal(window.rotation.schedule_ready, timeout=120_000):
        window.actions["rotation.schedule"].trigger()
    return tdapp
