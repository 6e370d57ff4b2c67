"""Territory polygon operations: repair, snapping, clipping against neighbours, split and merge.

All geometry is lon/lat (WGS84). Tolerances are given in metres and converted with a local
scale, which is exact enough at territory scale (a few hundred km).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

import shapely
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import split as split_by_line
from shapely.validation import explain_validity

METRES_PER_DEGREE = 111_320.0
MIN_AREA_M2 = 100.0

KeepSide = Literal["existing", "new"]


class GeometryError(ValueError):
    """A polygon that cannot be used as a territory; the message gives the reason."""


def degrees(metres: float, lat: float) -> float:
    """Convert ``metres`` roughly to degrees at latitude ``lat`` (the larger of x/y)."""
    return metres / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.05))


def area_m2(geom: BaseGeometry) -> float:
    """Approximate area in square metres (local equirectangular scale)."""
    if geom.is_empty:
        return 0.0
    lat = geom.centroid.y
    return geom.area * METRES_PER_DEGREE**2 * math.cos(math.radians(lat))


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygon parts of ``geom`` (make_valid may add lines and points)."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    if isinstance(geom, GeometryCollection):
        parts = [g for g in geom.geoms if isinstance(g, Polygon | MultiPolygon)]
        return shapely.union_all(parts) if parts else Polygon()
    return Polygon()


def _drop_slivers(geom: BaseGeometry) -> BaseGeometry:
    if isinstance(geom, MultiPolygon):
        parts = [p for p in geom.geoms if area_m2(p) >= MIN_AREA_M2]
        if len(parts) == 1:
            return parts[0]
        return MultiPolygon(parts) if parts else Polygon()
    return geom


def from_geojson(geometry: Mapping[str, object]) -> BaseGeometry:
    """Return the shapely geometry of a GeoJSON geometry mapping (GeometryError if malformed)."""
    try:
        return shape(dict(geometry))
    except Exception as exc:  # shapely raises several types for malformed input
        raise GeometryError(f"not a valid GeoJSON geometry: {exc}") from exc


def repair(geom: BaseGeometry) -> tuple[BaseGeometry, str | None]:
    """Return a valid (Multi)Polygon for ``geom`` and a note when it had to be repaired.

    Raises GeometryError when nothing usable remains (no area, not a polygon).
    """
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise GeometryError(f"a territory must be a polygon, not a {geom.geom_type}")
    if geom.is_empty:
        raise GeometryError("the polygon is empty")
    note = None
    if not geom.is_valid:
        reason = explain_validity(geom)
        geom = _polygonal(shapely.make_valid(geom))
        note = f"repaired: {reason}"
    geom = _drop_slivers(geom)
    if geom.is_empty or area_m2(geom) < MIN_AREA_M2:
        raise GeometryError("the polygon has no usable area (fewer than 100 m²)")
    return shapely.normalize(geom), note


def snap_to_neighbours(
    geom: BaseGeometry, neighbours: Mapping[str, BaseGeometry], tolerance_m: float = 25.0
) -> BaseGeometry:
    """Move ``geom``'s vertices within ``tolerance_m`` onto neighbouring borders."""
    near = [g for g in neighbours.values() if g is not None and g.distance(geom) < 1.0]
    if not near:
        return geom
    tol = degrees(tolerance_m, geom.centroid.y)
    borders = shapely.union_all([g.boundary for g in near])
    snapped = shapely.snap(geom, borders, tol)
    if not snapped.is_valid:
        snapped = _polygonal(shapely.make_valid(snapped))
    return snapped if not snapped.is_empty else geom


def fit_among(
    geom: BaseGeometry,
    others: Mapping[str, BaseGeometry],
    keep: KeepSide = "existing",
    tolerance_m: float = 25.0,
) -> tuple[BaseGeometry, dict[str, BaseGeometry]]:
    """Place ``geom`` among ``others`` so that no two overlap.

    ``keep="existing"`` clips the new polygon; ``keep="new"`` cuts the overlap out of the
    others. Returns the new geometry and the changed neighbours (id -> geometry; an empty
    geometry means a neighbour was swallowed completely). Raises GeometryError when the new
    polygon lies entirely inside existing territories.
    """
    geom, _ = repair(geom)
    geom = snap_to_neighbours(geom, others, tolerance_m)
    changed: dict[str, BaseGeometry] = {}
    overlapping = {
        k: g for k, g in others.items() if g is not None and g.intersects(geom)
        and area_m2(g.intersection(geom)) >= MIN_AREA_M2
    }
    if not overlapping:
        return repair(geom)[0], changed
    if keep == "existing":
        clipped = geom.difference(shapely.union_all(list(overlapping.values())))
        clipped = _drop_slivers(_polygonal(clipped))
        if clipped.is_empty or area_m2(clipped) < MIN_AREA_M2:
            raise GeometryError("the new polygon lies entirely inside existing territories")
        return repair(clipped)[0], changed
    for k, g in overlapping.items():
        rest = _drop_slivers(_polygonal(g.difference(geom)))
        changed[k] = shapely.normalize(rest) if not rest.is_empty else Polygon()
    return repair(geom)[0], changed


def split(geom: BaseGeometry, line: LineString) -> list[BaseGeometry]:
    """Cut ``geom`` with ``line`` into pieces, largest first; at least two or GeometryError."""
    if line.geom_type != "LineString" or len(line.coords) < 2:
        raise GeometryError("draw a line with at least two points to split a territory")
    if not line.intersects(geom):
        raise GeometryError("the split line does not cross the territory")
    # Extend the ends slightly so a line drawn to the border (not past it) still cuts.
    coords = list(line.coords)
    ext = degrees(5.0, geom.centroid.y)
    coords[0] = _extend(coords[1], coords[0], ext)
    coords[-1] = _extend(coords[-2], coords[-1], ext)
    pieces = [p for p in split_by_line(geom, LineString(coords)).geoms
              if area_m2(p) >= MIN_AREA_M2]
    if len(pieces) < 2:
        raise GeometryError("the split line must cross the territory from border to border")
    pieces.sort(key=lambda p: -p.area)
    return [shapely.normalize(p) for p in pieces]


def _extend(a: tuple[float, ...], b: tuple[float, ...], by: float) -> tuple[float, float]:
    dx, dy = b[0] - a[0], b[1] - a[1]
    n = math.hypot(dx, dy) or 1.0
    return (b[0] + dx / n * by, b[1] + dy / n * by)


def merge(geoms: list[BaseGeometry]) -> BaseGeometry:
    """One geometry covering all of ``geoms`` (a MultiPolygon if they do not touch)."""
    if len(geoms) < 2:
        raise GeometryError("select at least two territories to merge")
    merged = _drop_slivers(_polygonal(shapely.union_all(geoms)))
    return repair(merged)[0]
