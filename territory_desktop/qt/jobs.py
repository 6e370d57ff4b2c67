"""Background jobs of a window: start them, show their progress and Cancel in the status bar.

Each job is a :class:`~territory_desktop.qt.worker.Worker`; this module keeps the running ones,
cancels an older job of the same kind, drops results computed for a plan no longer open and
reports failures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar

from territory_desktop.cancel import Cancelled
from territory_desktop.qt.widgets import separator
from territory_desktop.qt.worker import Worker, start


class JobRunner(QObject):
    """Runs the window's background jobs, with their progress in ``status_bar``.

    Parameters
    ----------
    status_bar
        Where the job's title, a progress bar and a Cancel button appear while jobs run.
    generation
        The open document's generation; a result computed under another one is dropped.
    notify_error
        ``(title, message)``: how a failed job is reported.
    """

    finished = Signal()
    """A job finished, successfully or not."""

    def __init__(self, status_bar: QStatusBar, generation: Callable[[], int],
                 notify_error: Callable[[str, str], None]) -> None:
        super().__init__(status_bar)
        self._bar = status_bar
        self._generation = generation
        self._notify_error = notify_error
        self.workers: list[Worker] = []
        # The job's title sits beside the bar, elided to a fixed width (full text in its
        # tooltip): inside the bar it was clipped, and its length moved the other widgets.
        self.label = QLabel(status_bar)
        self.label.setFixedWidth(260)
        self.label.setWordWrap(False)
        self.label.hide()
        self.progress = QProgressBar(status_bar)
        self.progress.setFixedWidth(120)
        self.progress.setRange(0, 1000)
        self.progress.setFormat("%p%")
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel", status_bar)
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel_all)
        # "…repairing territory b" ran into "Realigning territories" without the rule
        self.rule = separator(status_bar)
        self.rule.hide()
        status_bar.addPermanentWidget(self.rule)
        status_bar.addPermanentWidget(self.label)
        status_bar.addPermanentWidget(self.progress)
        status_bar.addPermanentWidget(self.cancel_button)

    def run(self, title: str, fn: Callable[..., Any], *args: Any,
            on_done: Callable[[Any], object] | None = None, kind: str | None = None,
            quiet: bool = False, on_error: Callable[[Exception], object] | None = None,
            **kwargs: Any) -> Worker:
        """Run ``fn`` off the GUI thread with progress and Cancel in the status bar.

        A new job of the same ``kind`` (default: ``fn``'s name) cancels the older one; jobs of
        other kinds run alongside it. A ``quiet`` job (a panel's refresh after every edit)
        shows its bar and title but not its steps, which would hide what the edit said.
        A failure goes to ``on_error`` (an export dialog that opens again), else to the
        error box.
        """
        job_kind = kind or str(getattr(fn, "__name__", title))
        for old in self.workers:
            if old.kind == job_kind:
                old.superseded = True
                old.cancel()
        worker = Worker(fn, *args, **kwargs)
        worker.title = title
        worker.kind = job_kind
        worker.quiet = quiet
        self.workers.append(worker)
        self.progress.setValue(0)
        self._show_title(title)
        self.progress.show()
        self.cancel_button.show()
        worker.signals.progressed.connect(self._on_worker_progressed)
        worker.on_done = on_done
        worker.on_error = on_error
        worker.generation = self._generation()
        # Bound methods, not closures: Qt drops them with the window, so a result that arrives
        # after the window is gone is never delivered to deleted widgets.
        worker.signals.returned.connect(self._on_worker_returned)
        worker.signals.errored.connect(self._on_worker_errored)
        worker.signals.finished.connect(self._on_worker_finished)
        return start(worker)

    def cancel_all(self) -> None:
        """Cancel every running job (the status bar's Cancel button)."""
        for worker in self.workers:
            worker.cancel()

    def wait_all(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for each running job (at shutdown)."""
        for worker in list(self.workers):
            worker.wait(timeout)

    def _on_worker_progressed(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        worker = self._sender_worker()
        if message and not (worker is not None and worker.quiet):
            self._bar.showMessage(message, 3000)

    def _on_worker_returned(self, result: object) -> None:
        worker = self._sender_worker()
        if worker is None or worker.on_done is None:
            return
        if worker.generation == self._generation():  # else: computed for another plan
            worker.on_done(result)

    def _on_worker_errored(self, exc: BaseException) -> None:
        worker = self._sender_worker()
        title = getattr(worker, "title", "Background work")
        if isinstance(exc, Cancelled):
            # Only a cancel the user asked for is news; a job replaced by a newer one or left
            # behind by another plan would overwrite what the status bar says about the new work.
            if worker is not None and not worker.superseded \
                    and worker.generation == self._generation():
                self._bar.showMessage(f"{title}: cancelled", 5000)
        elif (worker is not None and worker.on_error is not None and isinstance(exc, Exception)
              and worker.generation == self._generation()):
            worker.on_error(exc)
        else:
            self._notify_error(title, str(exc) or type(exc).__name__)

    def _sender_worker(self) -> Worker | None:
        signals = self.sender()
        return getattr(signals, "worker", None)

    def _on_worker_finished(self) -> None:
        worker = self._sender_worker()
        if worker in self.workers:
            self.workers.remove(worker)
        if self.workers:
            self._show_title(self.workers[-1].title)
        else:
            self.progress.hide()
            self.rule.hide()
            self.label.hide()
            self.cancel_button.hide()
        self.finished.emit()

    def _show_title(self, title: str) -> None:
        label = self.label
        label.setText(label.fontMetrics().elidedText(title, Qt.TextElideMode.ElideRight,
                                                     label.width() - 4))
        label.setToolTip(title)
        label.show()
        self.rule.show()
