"""Starting territories for a new plan: one Voronoi cell per rep home around the accounts."""

from __future__ import annotations

import math
from collections.abc import Sequence

import shapely
from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry

from territory_desktop.geo.polygons import degrees


def voronoi_cells(
    seeds: Sequence[tuple[float, float]],
    points: Sequence[tuple[float, float]],
    margin_m: float = 1000.0,
) -> list[BaseGeometry]:
    """One cell per seed (lon, lat), tiling the buffered hull of ``points`` and seeds.

    Cells share borders exactly, so the result has no gaps or overlaps. Coordinates are scaled
    by cos(latitude) first so cells follow ground distance rather than degrees.
    """
    if not seeds:
        return []
    if len(set(seeds)) != len(seeds):
        raise ValueError("two seeds are at the same place; give each territory its own centre")
    everything = list(seeds) + list(points)
    lat0 = sum(p[1] for p in everything) / len(everything)
    kx = math.cos(math.radians(lat0))

    def scaled(g: BaseGeometry) -> BaseGeometry:
        return shapely.transform(g, lambda c: c * [kx, 1.0])

    def unscaled(g: BaseGeometry) -> BaseGeometry:
        return shapely.transform(g, lambda c: c / [kx, 1.0])

    area = MultiPoint(everything).convex_hull.buffer(degrees(margin_m, lat0))
    if len(seeds) == 1:
        return [shapely.normalize(area)]
    seed_points = MultiPoint([Point(s) for s in seeds])
    cells = shapely.voronoi_polygons(scaled(seed_points), extend_to=scaled(area).envelope)
    by_seed: list[BaseGeometry] = []
    for s in seeds:
        target = scaled(Point(s))
        cell = next(c for c in cells.geoms if c.covers(target))
        by_seed.append(shapely.normalize(unscaled(cell).intersection(area)))
    return by_seed
