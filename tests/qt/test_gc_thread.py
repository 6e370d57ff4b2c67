"""Python's cycle collector runs on the GUI thread while a window is open, never in a worker.

A collection in a worker thread once freed Qt objects of the GUI thread and Qt aborted the
whole process (seen in a test run: "Fatal Python error: Aborted", "Garbage-collecting" in a
worker's stack).
"""

from __future__ import annotations

import gc
import threading
import weakref

import shiboken6
from PySide6.QtCore import QObject

from territory_desktop.qt.gc_thread import collect_on_gui_thread


class _Node:
    """An object in a reference cycle: only the cycle collector frees it."""

    def __init__(self) -> None:
        self.itself = self


def test_a_workers_allocations_never_collect_in_the_worker(tdapp, qtbot):
    assert not gc.isenabled()  # the window turned automatic collection off
    gui = threading.get_ident()
    collecting_threads: list[int] = []

    def note(phase, _info):
        if phase == "start":
            collecting_threads.append(threading.get_ident())

    cycle = _Node()
    freed = weakref.ref(cycle)
    del cycle
    gc.callbacks.append(note)
    try:
        worker = threading.Thread(target=lambda: [_Node() for _ in range(200_000)])
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: freed() is None, timeout=5_000)  # the GUI thread's timer
    finally:
        gc.callbacks.remove(note)
    assert collecting_threads, "nothing was collected"
    assert set(collecting_threads) == {gui}


def test_collection_stays_off_until_the_last_owner_is_gone(tdapp):
    other = QObject()
    collect_on_gui_thread(other)
    shiboken6.delete(other)
    assert not gc.isenabled()  # the window still lives
