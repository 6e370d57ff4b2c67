"""Great-circle distance: the one haversine of the package."""

from __future__ import annotations

from typing import Any

import numpy as np

#: Mean Earth radius (IUGG), as osmnx uses.
EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Great-circle distance in metres between (lat1, lon1) and (lat2, lon2), in degrees.

    Vectorised over numpy arrays (osmnx's ``great_circle``); scalars give a numpy float.
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
