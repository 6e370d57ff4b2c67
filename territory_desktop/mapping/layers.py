"""What the map page draws, built from the plan and its assignment.

GeoJSON FeatureCollections for territories, reps, routes and isochrones, and compact columns
for the accounts (:func:`account_points`: a national plan has 200,000 of them). Pure functions
returning plain dicts (ready for ``json.dumps``). Text fields (names, addresses,
reasons) are passed through unchanged: they are data, and the page renders them with
``textContent``, never as markup. Coordinates are rounded to 6 decimals (~0.1 m).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import GeometryCollection, mapping
from shapely.geometry.base import BaseGeometry

from territory_desktop.geo.assignment import Assignment
from territory_desktop.model.plan import TIERS, Plan

__all__ = [
    "UNASSIGNED_COLOR",
    "AccountPoints",
    "account_points",
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


@dataclass(frozen=True)
class AccountPoints:
    """The accounts layer as the page draws it: compact columns, and each account's card.

    ``columns`` is what crosses the bridge (JSON-ready, a few bytes per account instead of a
    GeoJSON feature): ``ids`` (list of str), ``lon``/``lat`` (base64 of little-endian int32
    micro-degrees, i.e. rounded to 6 decimals), ``territory`` (base64 int32 index into
    ``colors``, -1 when unassigned), ``tier`` (base64 uint8 index into ``tiers``) and ``flags``
    (base64 uint8, bit 0: approximate location). The page asks for an account's card (the text
    of its tooltip and popup) only when one is pointed at: :meth:`card`.
    """

    columns: dict[str, Any]
    plan: Plan
    assignment: Assignment

    def __len__(self) -> int:
        """Return the number of accounts."""
        return int(self.columns["count"])

    def card(self, account_id: str) -> dict[str, Any] | None:
        """Return what the page shows about one account (None if the plan has no such account).

        Keys: ``id``, ``name``, ``tier``, ``territory_id`` (or None), ``territory_name``,
        ``color``, ``assigned``, ``reason``, ``address``, ``segment``, ``industry``,
        ``potential``, ``approximate``.
        """
        a = self.plan.accounts.get(account_id)
        if a is None:
            return None
        tid = self.assignment.territory_of.get(a.id)
        territory = self.plan.territories.get(tid) if tid is not None else None
        potential = a.potential if a.potential is not None and math.isfinite(a.potential) else None
        return {
            "id": a.id,
            "name": a.name,
            "tier": a.tier,
            "territory_id": territory.id if territory else None,
            "territory_name": territory.name if territory else "",
            "color": territory.color if territory else UNASSIGNED_COLOR,
            "assigned": territory is not None,
            "reason": self.assignment.reason.get(a.id, ""),
            "address": a.address,
            "segment": a.segment,
            "industry": a.industry,
            "potential": potential,
            "approximate": a.approximate_location,
        }


def _b64(values: np.ndarray) -> str:
    return base64.b64encode(values.tobytes()).decode("ascii")


def account_points(plan: Plan, assignment: Assignment) -> AccountPoints:
    """Every account as a point coloured by its territory (grey when unassigned), sized by tier.

    See :class:`AccountPoints` for the columns. Built in bulk: a national plan (200,000
    accounts) would be 80 MB of GeoJSON and 200,000 Leaflet layers.
    """
    accounts = list(plan.accounts.values())
    n = len(accounts)
    index: dict[str | None, int] = {tid: i for i, tid in enumerate(plan.territories)}
    territory_of = assignment.territory_of
    tier_code = {t: i for i, t in enumerate(TIERS)}

    def micro(values: Iterable[float]) -> np.ndarray:
        return np.round(np.fromiter(values, float, n) * 1e6).astype("<i4")

    columns = {
        "kind": "accounts",
        "count": n,
        "ids": [a.id for a in accounts],
        "lon": _b64(micro(a.lon for a in accounts)),
        "lat": _b64(micro(a.lat for a in accounts)),
        "territory": _b64(np.fromiter(
            (index.get(territory_of.get(a.id), -1) for a in accounts), "<i4", n)),
        "tier": _b64(np.fromiter((tier_code[a.tier] for a in accounts), np.uint8, n)),
        "flags": _b64(np.fromiter((a.approximate_location for a in accounts), np.uint8, n)),
        "colors": [t.color for t in plan.territories.values()],
        "tiers": list(TIERS),
    }
    return AccountPoints(columns, plan, assignment)


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
