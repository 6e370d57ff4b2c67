"""Territory outlines for an account alignment.

Each territory is the union of its accounts'
Voronoi cells within the accounts' region, so outlines share borders exactly (no gaps, no
overlaps) and a territory in one piece on the neighbour graph
(:mod:`territory_desktop.model.contiguity`, same projection and region) is drawn in one piece.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon
from shapely.geometry.base import BaseGeometry

from territory_desktop.geo.polygons import _drop_slivers, _polygonal
from territory_desktop.model.contiguity import KM_PER_DEG_LAT, KM_PER_DEG_LON, project, region


def _to_km(geom: BaseGeometry, lat0: float) -> BaseGeometry:
    k = np.array([KM_PER_DEG_LON * np.cos(np.radians(lat0)), KM_PER_DEG_LAT])
    return shapely.transform(geom, lambda c: c * k)


def _to_degrees(geom: BaseGeometry, lat0: float) -> BaseGeometry:
    k = np.array([KM_PER_DEG_LON * np.cos(np.radians(lat0)), KM_PER_DEG_LAT])
    return shapely.transform(geom, lambda c: c / k)


def voronoi_union(xy: np.ndarray, labels: np.ndarray, n_labels: int,
                  area: BaseGeometry) -> list[BaseGeometry]:
    """Union, per label, its points' Voronoi cells within ``area`` (all in km).

    A label with no point gets an empty polygon. Coincident points share one cell, which goes
    to the first of them.
    """
    if not xy.shape[0]:
        return [Polygon() for _ in range(n_labels)]
    uniq, first = np.unique(np.round(xy, 9), axis=0, return_index=True)
    if uniq.shape[0] == 1:
        cells = [area]
        owner = np.array([labels[first[0]]])
    else:
        diagram = shapely.voronoi_polygons(MultiPoint(uniq), extend_to=area.envelope)
        cells = list(diagram.geoms)
        # voronoi_polygons does not keep the input order: match cells to points.
        hit_pt, hit_cell = shapely.STRtree(cells).query(shapely.points(uniq),
                                                         predicate="intersects")
        owner = np.full(len(cells), -1, np.int64)
        owner[hit_cell] = labels[first[hit_pt]]
    parts: list[list[BaseGeometry]] = [[] for _ in range(n_labels)]
    for cell, lab in zip(cells, owner, strict=True):
        if lab >= 0:
            parts[lab].append(cell)
    out = []
    for group in parts:
        merged = shapely.union_all(group).intersection(area) if group else Polygon()
        out.append(_polygonal(shapely.make_valid(merged)))
    return out


def outlines_for(territory_of: Mapping[str, str | None],
                 points: Mapping[str, tuple[float, float]], territory_ids: Sequence[str],
                 extra_area: BaseGeometry | None = None,
                 keep_out: Sequence[BaseGeometry] = ()) -> dict[str, BaseGeometry]:
    """Outlines (lon/lat) of ``territory_ids`` from the accounts assigned to them.

    ``points`` maps every account id of the plan -> (lat, lon): all of them set the region
    and projection (as for the neighbour graph); only those of ``territory_ids`` get cells.
    ``extra_area`` (lon/lat) is added to the region (e.g. the old outlines), ``keep_out``
    outlines (locked territories) are cut out of it.
    """
    ids = list(points)
    lat = np.array([points[a][0] for a in ids], float)
    lon = np.array([points[a][1] for a in ids], float)
    if not ids:
        return {t: Polygon() for t in territory_ids}
    lat0 = float(lat.mean())
    xy = project(lat, lon, lat0)
    area = region(xy)
    if extra_area is not None:
        area = shapely.union_all([area, _to_km(extra_area, lat0)])
    if keep_out:
        area = area.difference(_to_km(shapely.union_all(list(keep_out)), lat0))
    index = {t: k for k, t in enumerate(territory_ids)}
    mine = np.array([territory_of.get(a) in index for a in ids])
    labels = np.array([index[territory_of[a]] for a in np.array(ids)[mine]],  # type: ignore[index]
                      np.int64)
    shapes = voronoi_union(xy[mine], labels, len(territory_ids), area)
    # Slivers go in lon/lat, the units area_m2 measures (in km it dropped real parts).
    return {t: shapely.normalize(_drop_slivers(_to_degrees(g, lat0))) if not g.is_empty else g
            for t, g in zip(territory_ids, shapes, strict=True)}
