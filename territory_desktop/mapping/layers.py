"""GeoJSON FeatureCollections the map page draws, built from the plan and its assignment.

Pure functions returning plain dicts (ready for ``json.dumps``). Text fields (names, addresses,
reasons) are passed through unchanged: they are data, and the page renders them with
``textContent``, never as markup. Coordinates are rounded to 6 decimals (~0.1 m).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import shapely
from shapely.geometry import GeometryCollection, mapping
from shapely.geometry.base import BaseGeometry

from territory_desktop.geo.assignment import Assignment
from territory_desktop.model.plan import Plan

__all__ = [
    "UNASSIGNED_COLOR",
    "accounts_collection",
    "feature_collection",
    "geometry_to_geojson",
    "isochrone_collection",
    "reps_collection",
    "route_collection",
    "territories_collection",
]

UNASSIGNED_COLOR = "#9e9e9e"
_DIGITS = 6

GeoJSON = dict[str, Any]


def feature_collection(features: Iterable[GeoJSON], **members: Any) -> GeoJSON:
    """Return a FeatureCollection; extra keywords become foreign members (e.g. ``kind``)."""
    return {"type": "FeatureCollection", "features": list(features), **members}


def _round(coords: Any) -> Any:
    if isinstance(coords, (int, float)):
        return round(float(coords), _DIGITS)
    return [_round(c) for c in coords]


def geometry_to_geojson(geometry: BaseGeometry) -> GeoJSON:
    """Return a shapely geometry as a GeoJSON geometry dict with rounded coordinates."""
    if isinstance(geometry, GeometryCollection):
        return {
            "type": "GeometryCollection",
            "geometries": [geometry_to_geojson(g) for g in geometry.geoms],
        }
    geo = mapping(geometry)
    return {"type": geo["type"], "coordinates": _round(geo["coordinates"])}


def _point(lon: float, lat: float) -> GeoJSON:
    return {"type": "Point", "coordinates": [round(lon, _DIGITS), round(lat, _DIGITS)]}


def territories_collection(plan: Plan, assignment: Assignment | None = None) -> GeoJSON:
    """One feature per territory with a geometry.

    Properties: ``id``, ``name``, ``color``, ``rep_id``, ``rep_name``, ``locked``, ``accounts``
    (count assigned, when an assignment is given) and ``label`` ([lon, lat] of a point inside the
    polygon where the name is drawn). The foreign member ``legend`` lists every territory in
    plan order, overlay ones without area too (``id``, ``name``, ``color``, ``rep_name``,
    ``overlay``, ``accounts``), so the map's legend names all of them.
    """
    counts = assignment.counts() if assignment is not None else None
    features = []
    legend = []
    for t in plan.territories.values():
        rep = plan.reps.get(t.rep_id) if t.rep_id else None
        legend.append({"id": t.id, "name": t.name, "color": t.color,
                       "rep_name": rep.name if rep else "",
                       "overlay": t.geometry is None or t.geometry.is_empty,
                       "accounts": counts.get(t.id, 0) if counts is not None else None})
        if t.geometry is None or t.geometry.is_empty:
            continue
        label = t.geometry.representative_point()
        features.append(
            {
                "type": "Feature",
                "id": t.id,
                "geometry": geometry_to_geojson(t.geometry),
                "properties": {
                    "id": t.id,
                    "name": t.name,
                    "color": t.color,
                    "rep_id": t.rep_id,
                    "rep_name": rep.name if rep else "",
                    "locked": t.locked,
                    "accounts": counts.get(t.id, 0) if counts is not None else None,
                    "label": [round(label.x, _DIGITS), round(label.y, _DIGITS)],
                },
            }
        )
    return feature_collection(features, kind="territories", legend=legend)


def accounts_collection(plan: Plan, assignment: Assignment) -> GeoJSON:
    """One Point feature per account, coloured by its territory (grey when unassigned).

    Properties: ``id``, ``name``, ``tier``, ``territory_id`` (or None), ``territory_name``,
    ``color``, ``assigned``, ``reason``, ``address``, ``segment``, ``industry``, ``potential``,
    ``approximate``.
    """
    territories = plan.territories
    features = []
    for a in plan.accounts.values():
        tid = assignment.territory_of.get(a.id)
        territory = territories.get(tid) if tid is not None else None
        potential = a.potential if a.potential is not None and math.isfinite(a.potential) else None
        features.append(
            {
                "type": "Feature",
                "id": a.id,
                "geometry": _point(a.lon, a.lat),
                "properties": {
                    "id": a.id,
                    "name": a.name,
                    "tier": a.tier,
                    "territory_id": territory.id if territory else None,
                    "territory_name": territory.name if territory else "",
                    "color": territory.color if territory else UNASSIGNED_COLOR,
                    "assigned": territory is not None,
                    "reason": assignment.reason.get(a.id, ""),
                    "address": a.address,
                    "segment": a.segment,
                    "industry": a.industry,
                    "potential": potential,
                    "approximate": a.approximate_location,
                },
            }
        )
    return feature_collection(features, kind="accounts")


def reps_collection(plan: Plan) -> GeoJSON:
    """Return one Point per rep home base.

    Properties: ``id``, ``name``, ``color`` (of the first territory the rep owns, else grey),
    ``territories`` (names) and ``approximate``.
    """
    owned: dict[str, list[tuple[str, str]]] = {}
    for t in plan.territories.values():
        if t.rep_id:
            owned.setdefault(t.rep_id, []).append((t.name, t.color))
    features = []
    for r in plan.reps.values():
        mine = owned.get(r.id, [])
        features.append(
            {
                "type": "Feature",
                "id": r.id,
                "geometry": _point(r.home_lon, r.home_lat),
                "properties": {
                    "id": r.id,
                    "name": r.name,
                    "color": mine[0][1] if mine else UNASSIGNED_COLOR,
                    "territories": [name for name, _ in mine],
                    "approximate": r.approximate_home,
                },
            }
        )
    return feature_collection(features, kind="reps")


def route_collection(
    legs: Sequence[BaseGeometry | Sequence[tuple[float, float]]],
    leg_properties: Sequence[Mapping[str, Any]] | None = None,
    stops: Sequence[tuple[float, float, str]] = (),
) -> GeoJSON:
    """Return a route as one LineString per leg (lon/lat), plus numbered stop points.

    ``leg_properties[i]`` is copied into leg ``i`` (e.g. ``from``, ``to``, ``km``, ``minutes``);
    ``stops`` are ``(lon, lat, label)``. Every leg gets ``kind="leg"`` and ``leg`` (its index);
    every stop ``kind="stop"``, ``seq`` and ``label``.
    """
    features = []
    for i, leg in enumerate(legs):
        line = leg if isinstance(leg, BaseGeometry) else shapely.LineString(leg)
        props: dict[str, Any] = dict(leg_properties[i]) if leg_properties else {}
        props.update(kind="leg", leg=i)
        features.append(
            {"type": "Feature", "geometry": geometry_to_geojson(line), "properties": props}
        )
    for seq, (lon, lat, label) in enumerate(stops):
        features.append(
            {
                "type": "Feature",
                "geometry": _point(lon, lat),
                "properties": {"kind": "stop", "seq": seq, "label": label},
            }
        )
    return feature_collection(features, kind="route")


def isochrone_collection(
    polygons: Sequence[tuple[BaseGeometry, Mapping[str, Any]]],
) -> GeoJSON:
    """Reachable areas as polygon features.

    ``polygons`` are ``(geometry, properties)`` pairs, e.g. ``{"minutes": 30}``.
    """
    features = [
        {"type": "Feature", "geometry": geometry_to_geojson(geom), "properties": dict(props)}
        for geom, props in polygons
    ]
    return feature_collection(features, kind="isochrone")
