"""Which territory each geographic unit belongs to, and which units a map gesture picked.

A unit belongs to the territory that owns most of its accounts; a unit the user gave to a
territory (one whose area lies inside that territory's outline) belongs to it even when
overlay rules keep some of its accounts elsewhere; a unit without accounts belongs to the
territory holding its representative point. Nothing is stored: the territory outlines carry
the assignment, so it is the same after the plan is saved and reopened.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from territory_desktop.geo.units import (
    BUILTIN,
    BUILTIN_STATES,
    UnitLayer,
    load_builtin,
    units_of_points,
)
from territory_desktop.model.plan import Plan

__all__ = ["COVERED", "builtin_covering", "plan_extent", "unit_owners", "units_picked"]

COVERED = 0.99
"""Share of a unit's area inside a territory's outline from which the unit is that
territory's whatever its accounts say (the user put it there)."""

_MARGIN = 0.1  # of the plan's span, each side: units just outside the plan are shown too
_MIN_MARGIN_DEG = 0.02


def plan_extent(plan: Plan) -> tuple[float, float, float, float] | None:
    """(min lon, min lat, max lon, max lat) of accounts, rep homes and outlines, plus a margin.

    None for an empty plan.
    """
    lons = [a.lon for a in plan.accounts.values()] + [r.home_lon for r in plan.reps.values()]
    lats = [a.lat for a in plan.accounts.values()] + [r.home_lat for r in plan.reps.values()]
    for t in plan.territories.values():
        if t.geometry is not None and not t.geometry.is_empty:
            x0, y0, x1, y1 = t.geometry.bounds
            lons += [x0, x1]
            lats += [y0, y1]
    if not lons:
        return None
    x0, x1, y0, y1 = min(lons), max(lons), min(lats), max(lats)
    dx = max((x1 - x0) * _MARGIN, _MIN_MARGIN_DEG)
    dy = max((y1 - y0) * _MARGIN, _MIN_MARGIN_DEG)
    return (max(x0 - dx, -180.0), max(y0 - dy, -90.0), min(x1 + dx, 180.0), min(y1 + dy, 90.0))


def builtin_covering(plan: Plan) -> set[str]:
    """Return the built-in layers (kinds) with units in every state the plan's accounts are in.

    Accounts outside every state's outline (offshore of the simplified coast) do not count;
    no layer covers a plan with no account in a US state.
    """
    extent = plan_extent(plan)
    if extent is None or not plan.accounts:
        return set()
    states = load_builtin("state", extent)
    lat = np.array([a.lat for a in plan.accounts.values()])
    lon = np.array([a.lon for a in plan.accounts.values()])
    found = {states.ids[i] for i in units_of_points(states, lat, lon) if i >= 0}
    return {kind for kind in BUILTIN if found
            and found <= set(BUILTIN_STATES.get(kind, found))}


def unit_owners(plan: Plan, layer: UnitLayer,
                territory_of: Mapping[str, str | None]) -> list[str | None]:
    """Return the territory id each unit of ``layer`` belongs to (None: no territory).

    ``territory_of`` is the plan's account assignment
    (:func:`~territory_desktop.geo.assignment.assign_accounts`).
    """
    n = len(layer)
    if not n:
        return []
    shaped = [t for t in plan.territories.values()
              if t.geometry is not None and not t.geometry.is_empty]
    geoms = np.array(layer.geometries, dtype=object)
    by_point: list[str | None] = [None] * n
    if shaped:
        points = shapely.point_on_surface(geoms)
        tree = shapely.STRtree(np.array([t.geometry for t in shaped], dtype=object))
        p, s = tree.query(points, predicate="intersects")
        first = np.full(n, len(shaped))
        np.minimum.at(first, p, s)  # on a shared border the territory listed first wins
        by_point = [shaped[k].id if k < len(shaped) else None for k in first.tolist()]
    ids = list(plan.accounts)
    counts: list[Counter[str]] = [Counter() for _ in range(n)]
    if ids:
        accounts = plan.accounts.values()
        lat = np.fromiter((a.lat for a in accounts), float, len(ids))
        lon = np.fromiter((a.lon for a in accounts), float, len(ids))
        for aid, u in zip(ids, units_of_points(layer, lat, lon).tolist(), strict=True):
            owner = territory_of.get(aid)
            if u >= 0 and owner is not None:
                counts[u][owner] += 1
    out: list[str | None] = []
    for i in range(n):
        if not counts[i]:
            out.append(by_point[i])
            continue
        # Most accounts; ties go to the territory listed first in the plan.
        top = max(counts[i].values())
        by_accounts = next(t for t in plan.territories if counts[i].get(t) == top)
        here = by_point[i]
        if here is not None and here != by_accounts and _covered(
                geoms[i], plan.territories[here].geometry):
            out.append(here)
        else:
            out.append(by_accounts)
    return out


def _covered(unit: BaseGeometry, outline: BaseGeometry | None) -> bool:
    if outline is None or unit.area <= 0:
        return False
    return bool(unit.intersection(outline).area >= COVERED * unit.area)


def units_picked(layer: UnitLayer, geometry: BaseGeometry) -> list[int]:
    """Return the positions of the units a gesture picked.

    A point picks the unit it falls in; a box or lasso (a polygon, repaired if it crosses
    itself) picks the units whose representative point it holds, or, when it holds none,
    the unit under its own centre.
    """
    if not len(layer) or geometry.is_empty:
        return []
    if isinstance(geometry, Point):
        found = units_of_points(layer, np.array([geometry.y]), np.array([geometry.x]))
        return [int(found[0])] if found[0] >= 0 else []
    area = shapely.make_valid(geometry)
    points = shapely.point_on_surface(np.array(layer.geometries, dtype=object))
    shapely.prepare(area)
    inside = np.flatnonzero(shapely.contains(area, points)).tolist()
    if inside:
        return [int(i) for i in inside]
    centre = area.representative_point() if not area.is_empty else geometry.centroid
    return units_picked(layer, centre)

