"""Exceptions raised by the routing engine."""

from __future__ import annotations

from territory_desktop.cancel import Cancelled

__all__ = ["Cancelled", "NetworkBuildError", "NoRoadNetwork", "RoutingError"]


class RoutingError(Exception):
    """A routing request cannot be answered (bad input, unreachable stop, bad file)."""


class NetworkBuildError(RoutingError):
    """An OSM extract cannot be turned into a road network."""


class NoRoadNetwork(RoutingError):
    """A plan has neither a usable extract nor a road network of its own."""
