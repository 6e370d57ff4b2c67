import pytest

from territory_desktop.qt.worker import Cancelled, Worker, start


def count_to(n, *, progress, should_stop):
    for i in range(n):
        if should_stop():
            raise Cancelled("stopped")
        progress((i + 1) / n, f"step {i + 1}")
    return n * 2


def failing(*, progress, should_stop):
    raise ValueError("the extract has no roads")


def test_worker_reports_progress_and_result(qtbot):
    worker = Worker(count_to, 5)
    seen, results = [], []
    worker.signals.progressed.connect(lambda f, m: seen.append((f, m)))
    worker.signals.returned.connect(results.append)
    with qtbot.waitSignal(worker.signals.finished, timeout=5000):
        start(worker)
    assert results == [10]
    assert seen[-1] == (1.0, "step 5")
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)


def test_worker_reports_errors(qtbot):
    worker = Worker(failing)
    errors = []
    worker.signals.errored.connect(errors.append)
    with qtbot.waitSignal(worker.signals.finished, timeout=5000):
        start(worker)
    assert isinstance(errors[0], ValueError)
    assert "no roads" in str(errors[0])


def test_our_explained_errors_are_logged_in_one_line_others_with_their_traceback(qtbot, caplog):
    from territory_desktop.optimize.balance import BalanceError

    def too_few_units(*, progress, should_stop):
        raise BalanceError("4 territories but only 2 units: use smaller units")

    for fn in (too_few_units, failing):
        worker = Worker(fn)
        with qtbot.waitSignal(worker.signals.finished, timeout=5000):
            start(worker)
    ours, theirs = [r for r in caplog.records if r.name == "territory_desktop.qt.worker"]
    assert ours.getMessage() == ("background work refused: 4 territories but only 2 units: "
                                 "use smaller units")
    assert "Traceback" not in ours.getMessage()
    assert theirs.getMessage().startswith("background work failed:\nTraceback")


def test_cancelled_worker_never_returns(qtbot):
    import threading

    gate = threading.Event()

    def wait_then_count(*, progress, should_stop):
        gate.wait(5)
        return count_to(1000, progress=progress, should_stop=should_stop)

    worker = Worker(wait_then_count)
    results, errors = [], []
    worker.signals.returned.connect(results.append)
    worker.signals.errored.connect(errors.append)
    with qtbot.waitSignal(worker.signals.finished, timeout=5000):
        start(worker)
        worker.cancel()
        gate.set()
    assert results == []
    assert isinstance(errors[0], Cancelled)
    assert worker.wait(1)


@pytest.fixture(autouse=True)
def _no_dangling_workers():
    from PySide6.QtCore import QThreadPool

    yield
    assert QThreadPool.globalInstance().waitForDone(5000), "a worker was left running"


def test_any_exception_after_cancel_is_reported_as_cancelled(qtbot):
    """Core packages raise their own Cancelled; the GUI sees one kind."""
    import threading

    gate = threading.Event()

    class RoutingCancelled(Exception):
        pass

    def stops_with_own_exception(*, progress, should_stop):
        gate.wait(5)
        if should_stop():
            raise RoutingCancelled("cancelled during compile")
        return 1

    worker = Worker(stops_with_own_exception)
    errors = []
    worker.signals.errored.connect(errors.append)
    with qtbot.waitSignal(worker.signals.finished, timeout=5000):
        start(worker)
        worker.cancel()
        gate.set()
    assert len(errors) == 1 and isinstance(errors[0], Cancelled)


def wait_for_stop(*, progress, should_stop):
    import time

    while not should_stop():
        time.sleep(0.01)
    raise Cancelled("stopped")


def test_status_bar_says_cancelled_only_for_the_users_cancel(qtbot):
    """A job replaced by a newer one of its kind once overwrote the new work's status text."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMainWindow

    from territory_desktop.qt.jobs import JobRunner

    window = QMainWindow()
    qtbot.addWidget(window)
    bar = window.statusBar()
    runner = JobRunner(bar, lambda: 0, lambda title, text: None)
    window.show()
    first = runner.run("Drawing the road basemap", wait_for_stop, kind="basemap")
    with qtbot.waitSignal(first.signals.finished, timeout=5000):
        second = runner.run("Drawing the road basemap", wait_for_stop, kind="basemap")
        bar.showMessage("Import accounts to begin")
    assert bar.currentMessage() == "Import accounts to begin"
    with qtbot.waitSignal(second.signals.finished, timeout=5000):
        qtbot.mouseClick(runner.cancel_button, Qt.MouseButton.LeftButton)
    assert bar.currentMessage() == "Drawing the road basemap: cancelled"


def test_every_module_background_work_needs_is_imported_before_the_first_worker():
    """A name in WORKER_MODULES that no longer exists would be skipped silently at run time."""
    import importlib

    from territory_desktop.qt import worker

    for module in worker.WORKER_MODULES:
        importlib.import_module(module)
    worker.import_worker_modules()
    assert worker._imported
