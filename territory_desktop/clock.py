"""The date the app takes as today, in one place.

Logs, claims, the rep's week and new rotations all ask :func:`today`, so they agree, and a test
can fix the date for all of them at once (``tests/conftest.py`` does).
"""

from __future__ import annotations

import datetime as dt


def today() -> dt.date:
    """Return today's date on this computer."""
    return dt.date.today()
