"""Issue 9 item 7: the app ignored SIGINT.

Ctrl+C in the terminal (or a SIGTERM at logout) closes it within seconds, keeping unsaved
work in the autosave, never asking a question nobody is there to answer.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from territory_desktop import edits
from territory_desktop.io import planfile
from territory_desktop.model.plan import Account, Plan

_START_APP = "import sys; from territory_desktop.app import main; sys.exit(main(sys.argv[1:]))"


def test_ctrl_c_in_the_terminal_closes_the_app(tmp_path: Path) -> None:
    plan = tmp_path / "plan.gpkg"
    planfile.save_plan(Plan(name="p", accounts={"A1": Account("A1", "One", 39.3, -76.6)}), plan)
    lock = tmp_path / ".plan.gpkg.lock"
    home = tmp_path / "home"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), HOME=str(home),
               XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
               QT_QPA_PLATFORM="offscreen", QTWEBENGINE_DISABLE_SANDBOX="1")
    app = subprocess.Popen([sys.executable, "-c", _START_APP, str(plan)], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while not lock.exists():  # the window holds the plan: the app is up
            assert app.poll() is None, app.communicate()[0][-2000:]
            assert time.monotonic() < deadline, "the app did not open the plan"
            time.sleep(0.2)
        time.sleep(1)  # into the event loop (a signal before it is delivered as well)
        app.send_signal(signal.SIGINT)
        output, _ = app.communicate(timeout=30)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    assert app.returncode == 128 + signal.SIGINT, output[-2000:]
    assert "Traceback" not in output and "KeyboardInterrupt" not in output
    assert not lock.exists()  # closed properly: the plan is free for the next window


def test_a_stop_signal_keeps_unsaved_work_in_the_autosave(tdapp, qtbot, tmp_path) -> None:
    from territory_desktop.qt.application import StopSignals

    window, doc = tdapp.window, tdapp.document
    plan = tmp_path / "mine.gpkg"
    assert tdapp.files.save_to(plan)
    tid = next(iter(doc.plan.territories))
    window.apply_edit(lambda: edits.update_territory(doc.plan, tid, name="Unsaved name"))
    stop = StopSignals()
    stop.received.connect(lambda _signum: window.close_keeping_work())
    try:
        # The fixture answers any question with Discard, which would delete the autosave.
        os.kill(os.getpid(), signal.SIGTERM)
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    finally:
        stop.restore()
    autosaves = list(plan.parent.glob(".mine.gpkg.*autosave*"))
    assert len(autosaves) == 1, sorted(p.name for p in plan.parent.iterdir())
    assert planfile.load_plan(autosaves[0]).territories[tid].name == "Unsaved name"
    assert planfile.load_plan(plan).territories[tid].name != "Unsaved name"
