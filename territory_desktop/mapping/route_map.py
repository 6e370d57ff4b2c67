"""A road route as the map and the status bar show it (distances in the user's unit)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from territory_desktop.units import format_distance

from .layers import GeoJSON, route_collection

if TYPE_CHECKING:
    from territory_desktop.routing import Route


def leg_properties(route: Route, names: Sequence[str], unit: str) -> list[dict[str, Any]]:
    """Per leg: ``from`` and ``to`` (stop names), ``minutes`` (0.1) and ``distance`` (text)."""
    return [{"from": names[i], "to": names[i + 1], "minutes": round(leg.seconds / 60, 1),
             "distance": format_distance(leg.meters, unit)}
            for i, leg in enumerate(route.legs)]


def route_layer(route: Route, names: Sequence[str], stops: Sequence[tuple[float, float, str]],
                unit: str) -> GeoJSON:
    """Return the route's map layer: one line per leg and the numbered stops.

    Leg properties come from :func:`leg_properties`; stops are given as ``(lat, lon, label)``.
    """
    return route_collection([[(lon, lat) for lat, lon in leg.coordinates] for leg in route.legs],
                            leg_properties(route, names, unit),
                            [(lon, lat, label) for lat, lon, label in stops])


def route_summary(route: Route, unit: str) -> str:
    """One line for the status bar: legs, total distance and driving minutes."""
    return (f"Route: {len(route.legs)} legs, {format_distance(route.total_meters, unit)}, "
            f"{route.total_seconds / 60:.0f} min driving")
