"""Creating the QApplication with what QtWebEngine needs set up before it exists."""

from __future__ import annotations

import signal
import socket

from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier, Qt, Signal
from PySide6.QtWidgets import QApplication

from territory_desktop.qt.about import app_icon


def create_application(argv: list[str]) -> QApplication:
    """Return the one QApplication (created once; later calls return the existing one)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    qapp = QApplication(argv)
    qapp.setApplicationName("Territory Desktop")
    qapp.setOrganizationName("TerritoryDesktop")
    qapp.setDesktopFileName("territory-desktop")  # Wayland matches the window to its .desktop
    qapp.setWindowIcon(app_icon())
    return qapp


class StopSignals(QObject):
    """SIGINT (Ctrl+C in the terminal) and SIGTERM (logout, ``kill``) as a Qt signal.

    Qt's event loop runs in C++, so Python's own handler would only run at the next call into
    Python, which may never come: the app ignored Ctrl+C. Python writes the signal's number to
    a socket (``signal.set_wakeup_fd``) that a QSocketNotifier watches, which wakes the loop.
    """

    received = Signal(int)
    """A stop signal arrived; payload: its number."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._read, self._write = socket.socketpair()
        for end in (self._read, self._write):
            end.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno())
        self._previous = {s: signal.signal(s, _note_only)
                          for s in (signal.SIGINT, signal.SIGTERM)}
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_socket_ready)

    def _on_socket_ready(self) -> None:
        try:
            numbers = self._read.recv(64)
        except BlockingIOError:
            return
        for number in numbers:
            self.received.emit(number)

    def restore(self) -> None:
        """Put back the handlers that were there before (tests build several windows)."""
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._read.close()
        self._write.close()


def _note_only(_signum: int, _frame: object) -> None:
    """Python-level handler: the wake-up socket carries the signal to the event loop."""
