"""Progress and cancel plumbing shared by the long-running routing calls."""

from __future__ import annotations

from collections.abc import Callable

from .errors import Cancelled

ProgressFn = Callable[[float, str], None]
StopFn = Callable[[], bool]


class Feedback:
    """Wraps the optional ``progress`` and ``should_stop`` callbacks.

    ``step(fraction, message)`` reports progress scaled into ``[lo, hi]`` and raises
    :class:`Cancelled` when the caller asked to stop.
    """

    def __init__(
        self,
        progress: ProgressFn | None = None,
        should_stop: StopFn | None = None,
        lo: float = 0.0,
        hi: float = 1.0,
    ) -> None:
        self._progress = progress
        self._should_stop = should_stop
        self._lo = lo
        self._hi = hi

    def step(self, fraction: float, message: str) -> None:
        if self._should_stop is not None and self._should_stop():
            raise Cancelled(f"cancelled during: {message}")
        if self._progress is not None:
            f = self._lo + (self._hi - self._lo) * min(max(fraction, 0.0), 1.0)
            self._progress(f, message)

    def sub(self, lo: float, hi: float) -> Feedback:
        """Return a feedback for a sub-task covering ``[lo, hi]`` of this one."""
        span = self._hi - self._lo
        return Feedback(
            self._progress, self._should_stop, self._lo + span * lo, self._lo + span * hi
        )
