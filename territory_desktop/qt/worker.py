"""The one mechanism that runs long, Qt-free work off the GUI thread.

The work is a plain function taking ``progress(fraction, message)`` and ``should_stop()``
keyword arguments (see ``territory_desktop.routing`` and ``territory_desktop.optimize``).
"""

from __future__ import annotations

import codecs
import importlib
import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any, override

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from territory_desktop.cancel import Cancelled

log = logging.getLogger(__name__)

#: What background work imports lazily: our modules and the libraries they import inside
#: functions. A first import inside a worker thread goes through PySide6's import hook, which
#: is not thread-safe and crashed the process now and then; so they are all imported on the GUI
#: thread before the first worker starts. tests/qt/conftest.py fails a test whose work still
#: imported a module first.
WORKER_MODULES = (
    "territory_desktop.routing.cch",
    "territory_desktop.routing.snap_index",
    "territory_desktop.routing._geom",
    "territory_desktop.routing.plan_network",
    "territory_desktop.routing.embedded",
    "territory_desktop.optimize.plan_schedule",
    "territory_desktop.optimize.replan",
    "territory_desktop.health",
    "territory_desktop.io.exports",
    "territory_desktop.io.exports.reppack",
    "territory_desktop.io.exports.pdf",
    "territory_desktop.io.design_pdf",
    "territory_desktop.geo.assignment",
    "territory_desktop.optimize.alignment_figures",
    "territory_desktop.optimize.drive_times",
    "territory_desktop.optimize.balance",
    "territory_desktop.optimize.repair",
    "territory_desktop.optimize.band_search",
    "territory_desktop.optimize.transport",
    "territory_desktop.model.contiguity",
    "territory_desktop.routing.snapping",
    "territory_desktop.design_edits",
    "territory_desktop.geo.units",
    "territory_desktop.optimize.unit_balance",
    "scipy.optimize",
    "scipy.sparse.csgraph",
    "osmium",
    "pyproj",
    "scipy.spatial",
    "pyvrp",
    "openpyxl",
    "openpyxl.packaging.extended",
    "territory_desktop.geo.vector_files",
    "shapefile",
    "reportlab.platypus",
    "reportlab.graphics.renderPDF",
    "reportlab.graphics.shapes",
    # route packs: the calendar (with the timezone and recurrence modules it loads) and GPX
    "icalendar",
    "gpxpy.gpx",
    # the holidays' names in route packs and the rep's week
    "holidays",
)
_imported = False


def import_worker_modules() -> None:
    """Import :data:`WORKER_MODULES` and numba's compiler registries, once, on this thread.

    Call on the GUI thread; :func:`start` does before the first worker runs.
    """
    global _imported
    if _imported:
        return
    _imported = True
    for module in WORKER_MODULES:
        try:
            importlib.import_module(module)
        except ImportError as exc:  # left out of a bundle that never needs it
            log.debug("not imported for background work: %s", exc)
    # reportlab's text codecs, and the one unit files are read with: Python's own search
    # imports a module per new codec name first.
    for codec in ("winansi", "WinAnsiEncoding", "pdfdoc", "extpdfdoc", "utf-8-sig"):
        try:
            codecs.lookup(codec)
        except LookupError:
            log.debug("no codec %s for background work", codec)
    try:  # a checkout's JIT kernels; the bundle ships them compiled, without numba
        from numba.core.registry import cpu_target
    except ImportError:
        return
    # Loading a cached kernel the first time imports some 200 of numba's modules.
    cpu_target.target_context.refresh()
    cpu_target.typing_context.refresh()
    importlib.import_module("numba.core.runtime.context")
    importlib.import_module("numba.core.boxing")


class WorkerSignals(QObject):
    """Signals of a :class:`Worker`; they are delivered on the GUI thread."""

    progressed = Signal(float, str)
    """(fraction 0..1, message) as the work reports it."""
    returned = Signal(object)
    """The work's return value."""
    errored = Signal(object)
    """The exception the work raised (``Cancelled`` when the user stopped it)."""
    finished = Signal()
    """Emitted last, whatever the outcome."""

    worker: Worker
    """The worker these signals belong to, so a slot's ``sender()`` leads back to its job."""


class Worker(QRunnable):
    """Run ``fn(*args, progress=..., should_stop=..., **kwargs)`` on a thread pool."""

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.signals = WorkerSignals()
        self.signals.worker = self
        self.title = ""
        self.kind = ""
        self.on_done: Callable[[Any], object] | None = None  # set by whoever starts it
        self.on_error: Callable[[Exception], object] | None = None  # likewise
        self.generation = 0
        self.superseded = False  # cancelled because a newer job of its kind replaced it
        self.quiet = False  # its steps stay out of the status line (JobRunner.run)
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self._stop = threading.Event()
        self._done = threading.Event()

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self._stop.set()

    @property
    def is_cancelled(self) -> bool:
        """Whether the work was asked to stop."""
        return self._stop.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the work has finished (for shutdown); True when it did."""
        return self._done.wait(timeout)

    def _progress(self, fraction: float, message: str = "") -> None:
        self.signals.progressed.emit(float(fraction), message)

    @override
    def run(self) -> None:
        try:
            result = self._fn(
                *self._args, progress=self._progress, should_stop=self._stop.is_set,
                **self._kwargs,
            )
        except BaseException as exc:  # reported to the GUI, never swallowed
            if self._stop.is_set():
                # Whatever the work raised when it saw the stop (Cancelled, or an error from
                # work cut short), the GUI hears one kind of cancellation.
                self.signals.errored.emit(Cancelled("cancelled"))
            else:
                if type(exc).__module__.startswith("territory_desktop."):
                    # Ours: raised to tell the user why (no units there, too few units), and
                    # shown to them; a traceback in the log would only look like a crash.
                    log.warning("background work refused: %s", exc)
                else:
                    log.error("background work failed:\n%s", traceback.format_exc())
                self.signals.errored.emit(exc)
        else:
            if self._stop.is_set():
                self.signals.errored.emit(Cancelled("cancelled"))
            else:
                self.signals.returned.emit(result)
        finally:
            self._done.set()
            self.signals.finished.emit()


def start(worker: Worker, pool: QThreadPool | None = None) -> Worker:
    """Start ``worker`` on ``pool`` (the global pool by default) and return it."""
    import_worker_modules()
    (pool or QThreadPool.globalInstance()).start(worker)
    return worker
