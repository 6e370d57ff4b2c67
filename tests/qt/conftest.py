"""Qt test set-up: headless QtWebEngine, set before any QApplication exists."""

from __future__ import annotations

import os
import sys
import threading
from importlib.abc import MetaPathFinder

# Root in a container: Chromium's sandbox cannot start. Headless: the offscreen platform renders
# QtWebEngine with no display. Set here (test configuration), never in library code.
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


import pytest

WAIT_MS = 30_000


class _WorkerThreadImports(MetaPathFinder):
    """Record modules imported for the first time outside the main thread.

    Such an import goes through PySide6's import hook, which is not thread-safe: it crashed the
    process now and then. Background work must find its modules already imported
    (``qt.worker.WORKER_MODULES``); this makes a missing one fail its test instead of a later one
    segfaulting at random.
    """

    def __init__(self) -> None:
        self.seen: list[str] = []

    def find_spec(self, name, path, target=None):
        if threading.current_thread() is not threading.main_thread():
            self.seen.append(f"{name} (thread {threading.current_thread().name})")
        return None


_worker_imports = _WorkerThreadImports()
sys.meta_path.insert(0, _worker_imports)


@pytest.fixture(autouse=True)
def no_first_import_in_a_worker_thread():
    """Fail a test whose background work imported a module first (see _WorkerThreadImports)."""
    _worker_imports.seen.clear()
    yield
    seen, _worker_imports.seen[:] = list(_worker_imports.seen), []
    assert not seen, ("first imported in a worker thread (import it on the GUI thread, e.g. "
                      f"in qt.worker.WORKER_MODULES): {', '.join(dict.fromkeys(seen))}")


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


@pytest.fixture
def week(scheduled, monkeypatch):
    """Show SCHEDULED_REP's week, with a today after every week the tests show.

    Their visits may then be logged done. Returns (app, rep's week view).
    """
    import datetime as dt

    from territory_desktop import clock
    from territory_desktop.optimize.plan_schedule import cycle_for

    window = scheduled.window
    window.actions["rotation.week"].trigger()
    view = window.rep_week
    view.rep.setCurrentIndex(view.rep.findData(SCHEDULED_REP))
    plan = scheduled.document.plan
    cycle = cycle_for(plan, plan.schedules[SCHEDULED_REP].weeks)
    after = max(cycle.monday, clock.today()) + dt.timedelta(weeks=52)
    monkeypatch.setattr(clock, "today", lambda: after)
    return scheduled, view


@pytest.fixture
def no_results(tdapp, qtbot, tmp_path):
    """Open a copy of the sample plan that holds no CRM results in the application.

    The bundled sample stores invented results so its dashboard is filled on first launch;
    tests of importing results start from a plan without any.
    """
    from territory_desktop.io.planfile import save_plan
    from territory_desktop.model.plan_health import PlanHealth

    plan = tdapp.document.plan.copy()
    plan.health = PlanHealth()
    path = tmp_path / "sample_without_results.gpkg"
    save_plan(plan, path)
    with qtbot.waitSignal(tdapp.map_view.layers_shown, timeout=WAIT_MS):
        assert tdapp.files.open_path(path, confirmed=True)
    return tdapp
