"""The one cancellation: what long work raises when its caller's ``should_stop()`` said so.

Routing, the design engines and the GUI's worker all raise and catch this class, so a stop
means the same thing whichever layer noticed it.
"""

from __future__ import annotations


class Cancelled(Exception):
    """The caller's ``should_stop()`` returned True; the work was abandoned."""
