"""The date the app takes as today, and how a time of day is written, each in one place.

Logs, claims, the rep's week and new rotations all ask :func:`today`, so they agree, and a test
can fix the date for all of them at once (``tests/conftest.py`` does). The panels and the
exports print planned times with :func:`hhmm`, so a visit reads the same on screen and on paper.
"""

from __future__ import annotations

import datetime as dt


def today() -> dt.date:
    """Return today's date on this computer."""
    return dt.date.today()


def hhmm(seconds: float) -> str:
    """Return seconds from midnight as HH:MM, to the nearest minute."""
    minutes = round(seconds / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
