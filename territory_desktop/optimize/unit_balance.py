"""Territories built from geographic units: assign units to reps, balanced, then dissolve.

The same transportation model and boundary repair as account balancing
(:mod:`~territory_desktop.optimize.balance`), on units instead of accounts: a unit's load is
the visit hours of the accounts inside it plus their driving from the rep's home
(``by="workload"``), a unit attribute such as population where accounts are sparse
(``by="population"``), or potential; neighbours are units sharing a border. Units an
alignment file fixes (``fixed``) keep their territory. Drive times to units are straight-line
from the rep's home to the unit's interior point; :func:`judged_on_plan` then measures the plan
built from them as the Design panel does, so the band verdict is the plan's own. The territory
outlines are the dissolved unions of their units.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from shapely.geometry import MultiPoint
from shapely.geometry.base import BaseGeometry

from territory_desktop.geo.units import UnitLayer, dissolve, unit_adjacency, units_of_points
from territory_desktop.model.balance_metrics import band_text, miss_text
from territory_desktop.model.contiguity import Adjacency
from territory_desktop.model.drive_estimate import HOME_COEF, straight_seconds
from territory_desktop.model.plan import Plan, Territory, next_color
from territory_desktop.model.territory_load import AccountTable
from territory_desktop.optimize._feedback import Feedback, Progress, Stop
from territory_desktop.optimize.balance import BalanceError

if TYPE_CHECKING:
    from territory_desktop.optimize.alignment_figures import AlignmentFigures
    from territory_desktop.routing import RoadNetwork

BY = ("workload", "population", "potential")


@dataclass(frozen=True)
class UnitDesign:
    """Units per territory, the dissolved outlines, and what did not fit."""

    layer: UnitLayer
    unit_territory: dict[str, str]
    territories: dict[str, Territory]
    outlines: dict[str, BaseGeometry]
    loads: dict[str, float]
    targets: dict[str, float]
    vacated: tuple[str, ...]
    outside: tuple[str, ...]  # accounts in no unit of the layer
    warnings: tuple[str, ...]
    tolerance: float  # the band the units were balanced to
    by: str = "workload"
    out_of_band: tuple[str, ...] = ()  # the warnings that say a territory is outside the band


def units_in_scope(layer: UnitLayer, table: AccountTable) -> tuple[UnitLayer, np.ndarray]:
    """Return the units to balance, and each account's unit (-1: none).

    These are the units holding accounts plus those inside the accounts' convex hull, so the
    territories cover the accounts' region without holes.
    """
    import shapely

    holding = units_of_points(layer, table.lat, table.lon)
    keep = set(holding[holding >= 0].tolist())
    if len(table) >= 3:
        hull = MultiPoint(np.column_stack((table.lon, table.lat))).convex_hull
        tree = shapely.STRtree(list(layer.geometries))
        inside = tree.query(hull, predicate="intersects")
        for i in inside.tolist():
            # Only units mostly inside the hull: a big unit grazing the edge would add a lake.
            if layer.geometries[i].intersection(hull).area >= 0.5 * layer.geometries[i].area:
                keep.add(i)
    idx = sorted(keep)
    sub = layer.subset(idx)
    remap = np.full(len(layer) + 1, -1, np.int64)  # the last: "in no unit"
    remap[idx] = np.arange(len(idx))
    return sub, remap[holding]


def design_from_units(plan: Plan, layer: UnitLayer, *, by: str = "workload",
                      reps: tuple[str, ...] | None = None, tolerance: float = 0.05,
                      fixed: Mapping[str, str] | None = None, seed: int = 0,
                      candidates: int = 10, progress: Progress | None = None,
                      should_stop: Stop | None = None) -> UnitDesign:
    """Assign ``layer``'s units around the plan's accounts to the team's reps (see module)."""
    from territory_desktop.geo.assignment import assign_accounts
    from territory_desktop.optimize.repair import RepairState, make_contiguous, repair_band
    from territory_desktop.optimize.transport import TransportProblem, solve_transport

    if by not in BY:
        raise BalanceError(f"balance units by {' , '.join(BY)}, not {by!r}")
    fb = Feedback(progress, should_stop)
    fb.step(0.0, "finding the units around the accounts")
    table = AccountTable.of(plan)
    units, unit_of = units_in_scope(layer, table)
    if not len(units):
        raise BalanceError("no unit of this layer contains any of the plan's accounts")
    team = list(reps) if reps is not None else [r for r in plan.reps if any(
        t.rep_id == r and not t.locked and t.geometry is not None
        for t in plan.territories.values())] or list(plan.reps)
    unknown = [r for r in team if r not in plan.reps]
    if unknown:
        raise BalanceError(f"unknown rep {unknown[0]!r} in the team")
    if not team:
        raise BalanceError("the plan has no reps to build territories for")
    territories = dict(plan.territories)
    locked = [t for t in territories.values() if t.locked and t.geometry is not None]
    tids = []
    for rep_id in team:
        own = next((t.id for t in territories.values() if t.rep_id == rep_id and not t.locked
                    and t.geometry is not None), None)
        if own is None:
            own = plan.new_id("T", territories)
            territories[own] = Territory(own, f"{plan.reps[rep_id].name} territory",
                                         next_color(t.color for t in territories.values()),
                                         rep_id)
        tids.append(own)
    vacated = tuple(t.id for t in plan.territories.values() if t.geometry is not None
                    and not t.locked and t.id not in tids)
    k = len(tids)
    n = len(units)
    # Units under a locked territory stay out of the design.
    import shapely

    points = shapely.point_on_surface(np.array(units.geometries))
    blocked = np.zeros(n, bool)
    for t in locked:
        blocked |= shapely.contains(t.geometry, points)
    labels = np.full(n, -1, np.int64)
    movable = ~blocked
    index = {t: j for j, t in enumerate(tids)}
    warnings: list[str] = []
    for uid, tid in (fixed or {}).items():
        if uid in units.ids and tid in index:
            pos = units.ids.index(uid)
            labels[pos] = index[tid]
            movable[pos] = False
        elif uid in units.ids:
            warnings.append(f"unit {uid} is aligned to {tid}, which is not a territory of "
                            "the team; it is balanced like the others")
    if k > int((~blocked).sum()):
        usable = int((~blocked).sum())
        raise BalanceError(f"{k} reps with a territory on the map ("
                           f"{', '.join(plan.reps[r].name for r in team)}) but only {usable} "
                           f"unit{'s' if usable != 1 else ''} of this layer "
                           f"hold{'' if usable != 1 else 's'} the plan's accounts: use "
                           "smaller units or fewer reps")
    ux = np.array([p.x for p in points])
    uy = np.array([p.y for p in points])
    homes = [plan.reps[territories[t].rep_id] for t in tids]  # type: ignore[index]
    secs = straight_seconds(np.array([h.home_lat for h in homes])[:, None],
                            np.array([h.home_lon for h in homes])[:, None], uy[None], ux[None])
    inside = unit_of >= 0
    visit = np.bincount(unit_of[inside], table.visit_hours[inside], minlength=n)
    visits = np.bincount(unit_of[inside], table.visits_per_week[inside], minlength=n)
    if by == "workload":
        base = visit
        mean_visits = visits.sum() / k
        days = min(float(len(plan.settings.working_weekdays)), mean_visits)
        per_second = HOME_COEF * 2 * days * visits / max(mean_visits, 1e-9) / 3600
    else:
        attr = "population" if by == "population" else "potential"
        if attr == "potential" and attr not in units.attributes:
            base = np.bincount(unit_of[inside], table.potential[inside], minlength=n)
        elif attr in units.attributes:
            base = np.nan_to_num(units.attributes[attr])
        else:
            raise BalanceError(f"this unit layer has no {attr} figures")
        per_second = np.zeros(n)
    if base[~blocked].sum() <= 0:
        raise BalanceError(f"the units have no {by} to balance")
    capacity = np.array([h.weekly_hours for h in homes]) if by == "workload" else np.ones(k)
    weight = np.maximum(base, base[base > 0].min() * 0.01 if (base > 0).any() else 1.0)
    free = np.flatnonzero(movable)
    c = min(candidates, k)
    cand = np.argsort(secs[:, free], axis=0, kind="stable")[:c].T
    load = base[free, None] + per_second[free, None] * secs[cand, free[:, None]]
    rng = np.random.default_rng(seed)
    cost = weight[free, None] * secs[cand, free[:, None]] * (1 + 1e-7 * rng.random(cand.shape))
    fixed_idx = np.flatnonzero(labels >= 0)
    fixed_load = np.bincount(labels[fixed_idx], base[fixed_idx] + per_second[fixed_idx]
                             * secs[labels[fixed_idx], fixed_idx], minlength=k)
    total = fixed_load.sum() + load[:, 0].sum()
    target = capacity * total / capacity.sum()
    fb.step(0.2, "solving the transportation model")
    solution = solve_transport(TransportProblem(cand, load, cost, fixed_load, target,
                                                tolerance * 0.8))
    labels[free] = solution.territory
    state = RepairState(labels, movable, base, per_second, secs, secs, weight, target,
                        tolerance, np.zeros(k))
    u, v = unit_adjacency(units)
    adj = Adjacency(n, u, v)
    fb.step(0.6, "repairing borders")
    for round_no in range(3):
        split = make_contiguous(state, adj)
        # Loads depend on the home each unit is driven from: aim at what they now add up to.
        state.target = capacity * state.loads().sum() / capacity.sum()
        if not state.violation().any() or round_no == 2:
            break
        repair_band(state, adj, fb.sub(0.6 + 0.1 * round_no, 0.7 + 0.1 * round_no))
    loads, target = state.loads(), state.target
    for ti in split:
        warnings.append(f"territory {territories[tids[ti]].name} is in pieces (fixed units "
                        "hold it apart)")
    out_of_band = [_outside(territories[tids[ti]].name, loads[ti] / target[ti] - 1, by,
                            tolerance)
                   for ti in np.flatnonzero(state.violation() > 0).tolist()]
    warnings.extend(out_of_band)
    fb.step(0.9, "dissolving units into territories")
    outlines = dissolve(units, state.labels, k)
    unit_territory = {units.ids[i]: tids[state.labels[i]] for i in range(n)
                      if state.labels[i] >= 0}
    current = assign_accounts(plan).territory_of
    outside = tuple(a for a, u_ in zip(table.ids, unit_of, strict=True)
                    if u_ < 0 and current.get(a) not in {t.id for t in locked})
    if outside:
        warnings.append(f"{len(outside)} accounts lie in no unit of this layer and stay "
                        f"unassigned: {', '.join(outside[:10])}"
                        f"{' ...' if len(outside) > 10 else ''}")
    fb.step(1.0, "units assigned")
    return UnitDesign(units, unit_territory, territories, dict(zip(tids, outlines, strict=True)),
                      dict(zip(tids, map(float, loads), strict=True)),
                      dict(zip(tids, map(float, target), strict=True)), vacated, outside,
                      tuple(warnings + [str(p) for p in units.problems]), tolerance, by,
                      tuple(out_of_band))


def _outside(name: str, deviation: float, by: str, tolerance: float) -> str:
    return (f"territory {name} cannot reach the ±{band_text(tolerance)} band: "
            f"{miss_text(deviation, tolerance)} its target {by} "
            "(units are too coarse, or fixed units hold it)")


def judged_on_plan(design: UnitDesign, built: Plan, network: RoadNetwork | None = None,
                   reuse: AlignmentFigures | None = None, *, progress: Progress | None = None,
                   should_stop: Stop | None = None) -> UnitDesign:
    """Return ``design`` with its workload measured on ``built``, the plan made from it.

    The units are balanced on their own estimate (see the module); the Design panel measures
    the plan itself (:func:`~territory_desktop.optimize.alignment_figures.alignment_figures`:
    drive between the stops and from home, by road when ``network`` is given). The loads,
    targets and band warnings become those figures, so the build and the panel agree on
    which territory is outside the band. A design balanced by population or potential is
    returned as it is. ``reuse``: earlier figures whose drive times still fit.
    """
    from territory_desktop.geo.assignment import assign_accounts
    from territory_desktop.optimize.alignment_figures import alignment_figures

    if design.by != "workload":
        return design
    figures = alignment_figures(built, assign_accounts(built).territory_of, network, reuse,
                                progress=progress, should_stop=should_stop)
    work, ids = figures.metrics.criteria["workload"], figures.metrics.territory_ids
    scored = [(k, t) for k, t in enumerate(ids) if t in design.outlines]
    out_of_band = tuple(
        _outside(built.territories[ids[k]].name, work.deviations[k], design.by, design.tolerance)
        for k in work.outside(design.tolerance) if ids[k] in design.outlines)
    kept = tuple(w for w in design.warnings if w not in design.out_of_band)
    return replace(design, loads={**design.loads, **{t: work.values[k] for k, t in scored}},
                   targets={**design.targets, **{t: work.targets[k] for k, t in scored}},
                   warnings=out_of_band + kept, out_of_band=out_of_band)
