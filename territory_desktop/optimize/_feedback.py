"""Progress and cancel plumbing for the territory-design engines."""

from __future__ import annotations

from collections.abc import Callable

from territory_desktop.cancel import Cancelled

Progress = Callable[[float, str], None]
Stop = Callable[[], bool]


class Feedback:
    """Progress and cancel for one task, scaled into the share ``[lo, hi]`` of its caller.

    ``step(fraction, message)`` reports progress within ``[lo, hi]`` and raises
    :class:`Cancelled` when the caller asked to stop.
    """

    def __init__(self, progress: Progress | None = None, should_stop: Stop | None = None,
                 lo: float = 0.0, hi: float = 1.0) -> None:
        self.progress, self.should_stop, self.lo, self.hi = progress, should_stop, lo, hi

    def step(self, fraction: float, message: str) -> None:
        if self.should_stop is not None and self.should_stop():
            raise Cancelled(f"cancelled during: {message}")
        if self.progress is not None:
            self.progress(self.lo + (self.hi - self.lo) * min(max(fraction, 0.0), 1.0), message)

    def sub(self, lo: float, hi: float) -> Feedback:
        """Return the feedback for a sub-task covering ``[lo, hi]`` of this one."""
        span = self.hi - self.lo
        return Feedback(self.progress, self.should_stop, self.lo + span * lo,
                        self.lo + span * hi)
