"""Exceptions raised by the routing engine."""

from __future__ import annotations


class RoutingError(Exception):
    """A routing request cannot be answered (bad input, unreachable stop, bad file)."""


class NetworkBuildError(RoutingError):
    """An OSM extract cannot be turned into a road network."""


class Cancelled(RoutingError):
    """The caller's ``should_stop()`` returned True; the work was abandoned."""
