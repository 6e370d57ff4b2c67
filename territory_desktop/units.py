"""Distance units: one name for each ("mi", "km") and one way to show a distance.

Older spellings are still read where users or files may carry them (preferences stored
"miles", the ``route --units`` option took "us"/"metric"): :func:`distance_unit` maps them.
"""

from __future__ import annotations

from typing import Literal

DistanceUnit = Literal["mi", "km"]
METERS_PER_MILE = 1609.344
METERS_PER_UNIT: dict[DistanceUnit, float] = {"mi": METERS_PER_MILE, "km": 1000.0}
_ALIASES: dict[str, DistanceUnit] = {
    "mi": "mi", "miles": "mi", "mile": "mi", "us": "mi",
    "km": "km", "kilometres": "km", "kilometers": "km", "metric": "km",
}  # fmt: skip


def distance_unit(name: str) -> DistanceUnit:
    """Return the unit called ``name`` ("mi", "km" or an older spelling such as "miles", "metric").

    Raises
    ------
    ValueError
        When ``name`` is no distance unit.
    """
    unit = _ALIASES.get(name.strip().lower())
    if unit is None:
        raise ValueError(f"unknown distance unit {name!r} (use mi or km)")
    return unit


def in_unit(meters: float, unit: str) -> float:
    """``meters`` expressed in ``unit``."""
    return meters / METERS_PER_UNIT[distance_unit(unit)]


def convert(distance: float, unit: str, to: str) -> float:
    """``distance`` in ``unit`` expressed in the unit ``to`` (unchanged when they are the same)."""
    source, target = distance_unit(unit), distance_unit(to)
    if source == target:
        return distance
    return distance * METERS_PER_UNIT[source] / METERS_PER_UNIT[target]


def format_distance(meters: float, unit: str, digits: int = 1) -> str:
    """``meters`` as the user reads it: ``"12.3 mi"`` or ``"19.8 km"``."""
    u = distance_unit(unit)
    return f"{meters / METERS_PER_UNIT[u]:.{digits}f} {u}"
