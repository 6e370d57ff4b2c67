"""The borders of two alignments for the scenario comparison map (no Qt).

Before: every outlined territory of the earlier alignment, drawn dashed grey; after: those of
the later one, solid in their territory colours, so a manager sees where borders moved. The
page (``resources/web/design.js``) only paints what this builds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from territory_desktop.mapping.layers import feature_collection, geometry_to_geojson
from territory_desktop.model.plan import Territory

__all__ = ["comparison_borders"]


def _borders(territories: Iterable[Territory]) -> dict[str, Any]:
    features = []
    for t in territories:
        if t.geometry is None or t.geometry.is_empty:
            continue
        features.append({"type": "Feature", "geometry": geometry_to_geojson(t.geometry.boundary),
                         "properties": {"id": t.id, "name": t.name, "color": t.color}})
    return feature_collection(features)


def comparison_borders(before_name: str, before: Iterable[Territory], after_name: str,
                       after: Iterable[Territory]) -> dict[str, Any]:
    """Build the ``show_borders`` payload: both alignments' territory borders as lines.

    Parameters
    ----------
    before_name, after_name
        What the legend calls each side (a scenario's name, or "Current plan").
    before, after
        The territories of each side; those without an outline are left out.

    Returns
    -------
    dict
        ``{"before": FeatureCollection, "after": FeatureCollection, "before_name",
        "after_name"}``; each feature's properties are ``id``, ``name`` and ``color``.
    """
    return {"before": _borders(before), "after": _borders(after),
            "before_name": before_name, "after_name": after_name}
