"""What the map draws of a geographic unit layer: the outlines once, their colours per edit.

The outlines (:func:`units_collection`) are sent once per layer; after an edit only the
owners change, so :func:`unit_colors` sends one colour and territory id per unit, in the
same order. Pure functions returning plain dicts; no Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from territory_desktop.geo.units import UnitLayer
from territory_desktop.mapping.layers import (
    UNASSIGNED_COLOR,
    feature_collection,
    geometry_to_geojson,
)
from territory_desktop.model.plan import Plan

__all__ = ["LAYER_NAMES", "unit_colors", "units_collection"]

LAYER_NAMES = {"zcta": "ZIP/ZCTA", "county": "County", "state": "State"}
"""The built-in layers as the user reads them."""


def units_collection(layer: UnitLayer, title: str) -> dict[str, Any]:
    """One feature per unit (properties ``id``, ``name``), with ``title`` naming the layer."""
    features = [{"type": "Feature", "geometry": geometry_to_geojson(g),
                 "properties": {"id": uid, "name": name}}
                for uid, name, g in zip(layer.ids, layer.names, layer.geometries, strict=True)]
    return feature_collection(features, kind="units", title=title)


def unit_colors(plan: Plan, owners: Sequence[str | None]) -> dict[str, Any]:
    """Per unit (layer order) its territory's colour and id ("" for none), and their names."""
    colors = [plan.territories[t].color if t else UNASSIGNED_COLOR for t in owners]
    names = {t: plan.territories[t].name for t in set(owners) if t}
    return {"colors": colors, "owners": [t or "" for t in owners], "names": names}
