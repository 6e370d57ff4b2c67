"""Python's cycle collector runs on the GUI thread only, while a window is open.

CPython collects in whichever thread allocates past the collector's threshold. In a worker
thread that collection may free a reference cycle holding Qt objects of the GUI thread (a
closed dialog with its slots, a window of an earlier plan), and Qt aborts the process when a
widget is destroyed outside the GUI thread. While any owner passed to
:func:`collect_on_gui_thread` lives, automatic collection is off and a timer on the GUI thread
collects the generations that are due, as the thresholds would.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

__all__ = ["INTERVAL_MS", "collect_on_gui_thread"]

INTERVAL_MS = 1000
"""How often the GUI thread looks at the collector's counts (pyqtgraph's choice, too)."""

_owners: set[int] = set()


def collect_on_gui_thread(owner: QObject) -> None:
    """Keep automatic collection off while ``owner`` lives and collect on its (GUI) thread."""
    timer = QTimer(owner)
    timer.setObjectName("guiThreadCollector")
    timer.setInterval(INTERVAL_MS)
    timer.timeout.connect(collect_due)
    key = id(timer)
    _owners.add(key)
    timer.destroyed.connect(lambda: _release(key))
    gc.disable()
    timer.start()


def collect_due() -> None:
    """Collect the oldest generation whose count passed its threshold, if any."""
    counts, limits = gc.get_count(), gc.get_threshold()
    due = [generation for generation in range(3)
           if limits[generation] and counts[generation] > limits[generation]]
    if due:
        gc.collect(due[-1])


def _release(key: int) -> None:
    _owners.discard(key)
    if not _owners:
        gc.enable()
