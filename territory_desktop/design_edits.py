"""Plan edits of territory design: apply a balanced alignment, save and promote scenarios.

Same contract as :mod:`territory_desktop.edits` (a pure ``Plan -> Edit``), kept apart while
the design engines are new; it can move into ``edits.py`` unchanged.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from territory_desktop.edits import Edit
from territory_desktop.geo.account_polygons import outlines_for
from territory_desktop.geo.assignment import Assignment, assign_accounts
from territory_desktop.geo.polygons import MIN_AREA_M2, area_m2
from territory_desktop.model.plan import (
    OverlayRule,
    Plan,
    PlanError,
    Scenario,
    Territory,
    replace,
)

if TYPE_CHECKING:
    from territory_desktop.geo.units import UnitLayer
    from territory_desktop.io.alignment import AccountAlignment, UnitAlignment
    from territory_desktop.optimize.unit_balance import UnitDesign


def apply_alignment(plan: Plan, territory_of: Mapping[str, str | None],
                    territories: Mapping[str, Territory], redraw: Collection[str],
                    vacated: Collection[str] = (), text: str = "Balance territories") -> Edit:
    """Align the plan's accounts as ``territory_of``, as one undoable edit.

    ``territories`` is the territory list after the change (it may hold new ones); the
    outlines of ``redraw`` are rebuilt from their accounts (Voronoi cells, within the old
    outlines' area and around the accounts, never over other territories); ``vacated``
    territories lose their outline and are removed when no overlay rule names them. Where an
    outline cannot express the alignment (two accounts at one address, an account inside a
    locked territory) the account is pinned to its territory by an overlay rule.
    """
    new = plan.copy()
    new.territories = dict(territories)
    redraw = [t for t in new.territories if t in set(redraw)]
    gone = set(vacated)
    old_area = [t.geometry for t in plan.territories.values()
                if t.geometry is not None and (t.id in redraw or t.id in gone)]
    points = {a.id: (a.lat, a.lon) for a in plan.accounts.values()}
    keep_out = [t.geometry for t in new.territories.values()
                if t.geometry is not None and t.id not in redraw and t.id not in gone]
    shapes = outlines_for(territory_of, points, redraw,
                          shapely.union_all(old_area) if old_area else None, keep_out)
    for tid in redraw:
        geom = shapes[tid]
        usable = not geom.is_empty and area_m2(geom) >= MIN_AREA_M2
        new.territories[tid] = replace(new.territories[tid], geometry=geom if usable else None)
    named = {r.territory_id for r in new.rules}
    for tid in gone:
        if tid in named:
            new.territories[tid] = replace(new.territories[tid], geometry=None)
        else:
            new.territories.pop(tid, None)
    got = assign_accounts(new).territory_of
    pins = 0
    for aid, wanted in territory_of.items():
        if wanted is not None and got.get(aid) != wanted and wanted in new.territories:
            rule_id = new.new_id("PIN-", (r.id for r in new.rules))
            new.rules.append(OverlayRule(rule_id, "id", aid, wanted))
            pins += 1
    notes = (f"{pins} accounts pinned by overlay rules where an outline could not hold "
             "them",) if pins else ()
    return Edit(text, new, notes)


def apply_account_alignment(plan: Plan, alignment: AccountAlignment) -> Edit:
    """Move the accounts an alignment file moves, as one undoable edit.

    The outlines of the territories that gain or lose accounts follow them
    (:func:`apply_alignment`); refused and unmatched rows change nothing.
    """
    moved = len(alignment.moves)
    if not moved:
        raise PlanError("the alignment file moves no account: every matched account is "
                        "already in the territory it names")
    return apply_alignment(plan, alignment.territory_of, plan.territories, alignment.redraw,
                           text=f"Import alignment: {moved} account{'s' if moved != 1 else ''}"
                           " moved")


def apply_unit_design(plan: Plan, design: UnitDesign,
                      text: str = "Build territories from units") -> Edit:
    """Give the territories the design's dissolved unit outlines, as one undoable edit.

    Locked territories keep their outline (units are cut where they overlap one); vacated
    territories are removed unless an overlay rule names them.
    """
    new = plan.copy()
    new.territories = dict(design.territories)
    locked = [t.geometry for t in new.territories.values()
              if t.locked and t.geometry is not None]
    blocked = shapely.union_all(locked) if locked else None
    for tid, outline in design.outlines.items():
        geom = outline
        if blocked is not None and not geom.is_empty:
            geom, _ = _clean(geom.difference(blocked))
        usable = not geom.is_empty and area_m2(geom) >= MIN_AREA_M2
        new.territories[tid] = replace(new.territories[tid], geometry=geom if usable else None)
    named = {r.territory_id for r in new.rules}
    for tid in design.vacated:
        if tid in named:
            new.territories[tid] = replace(new.territories[tid], geometry=None)
        else:
            new.territories.pop(tid, None)
    return Edit(text, new, design.warnings)


def _clean(geom: BaseGeometry) -> tuple[BaseGeometry, None]:
    from territory_desktop.geo.polygons import _drop_slivers, _polygonal

    return shapely.normalize(_drop_slivers(_polygonal(shapely.make_valid(geom)))), None


def assign_units(plan: Plan, layer: UnitLayer, picked: Sequence[int], territory_id: str,
                 owners: Sequence[str | None], how: str = "click",
                 assignment: Assignment | None = None) -> Edit:
    """Give the ``picked`` units of ``layer`` to a territory, as one undoable edit.

    The territory's outline becomes its old outline united with the units; every other
    territory loses the units' area, so outlines never overlap and no sliver is left between
    them (the units share their borders exactly). Units ``owners`` gives to a locked
    territory are left where they are, and a locked territory's area is never taken. The
    accounts inside the units follow the outline (overlay rules still win); ``assignment``
    is the plan's (computed when not given), to count them.
    """
    target = plan.territories.get(territory_id)
    if target is None:
        raise PlanError(f"no territory with id {territory_id!r}")
    if target.locked:
        raise PlanError(f"{target.name} is locked; unlock it (Ctrl+L) to add units to it")
    chosen = list(dict.fromkeys(picked))
    locked_by = {i: o for i in chosen
                 if (o := owners[i]) is not None and plan.territories[o].locked}
    # Owners name a unit's main territory; a unit is the target's already only when its
    # outline covers it (a hand-drawn territory may hold most of a city that others share).
    have = target.geometry
    take = [i for i in chosen if i not in locked_by and (
        have is None or area_m2(layer.geometries[i].difference(have)) >= MIN_AREA_M2)]
    if not take:
        if locked_by:
            names = sorted({plan.territories[t].name for t in locked_by.values()})
            raise PlanError(f"the units belong to locked {', '.join(names)}; unlock it "
                            "(Ctrl+L) to take them")
        raise PlanError(f"the units are already in {target.name}")
    added = shapely.union_all([layer.geometries[i] for i in take])
    locked = [t.geometry for t in plan.territories.values()
              if t.locked and t.geometry is not None and t.geometry.intersects(added)]
    if locked:
        added = added.difference(shapely.union_all(locked))
    new = plan.copy()
    for t in plan.territories.values():
        if t.id == territory_id or t.geometry is None or t.locked \
                or not t.geometry.intersects(added):
            continue
        rest, _ = _clean(t.geometry.difference(added))
        usable = not rest.is_empty and area_m2(rest) >= MIN_AREA_M2
        new.territories[t.id] = replace(t, geometry=rest if usable else None)
    grown = added if target.geometry is None else shapely.union_all([target.geometry, added])
    new.territories[territory_id] = replace(target, geometry=_clean(grown)[0])
    # Rules match fields, not places: only accounts the map placed can follow the units.
    now = assignment or assign_accounts(plan)
    ids = [a for a, t in now.territory_of.items()
           if t != territory_id and not now.reason[a].startswith("rule")]
    lon = np.fromiter((plan.accounts[a].lon for a in ids), float, len(ids))
    lat = np.fromiter((plan.accounts[a].lat for a in ids), float, len(ids))
    grown_into = new.territories[territory_id].geometry
    moved = int(shapely.intersects(grown_into, shapely.points(lon, lat)).sum()) \
        if grown_into is not None and ids else 0
    n = len(take)
    notes = [f"{n} unit{'s' if n != 1 else ''} added to {target.name}: {moved} "
             f"account{'s' if moved != 1 else ''} changed owner"]
    if locked_by:
        notes.append(f"{len(locked_by)} unit{'s' if len(locked_by) != 1 else ''} of locked "
                     "territories left where they are")
    units = "unit " + layer.names[take[0]] if n == 1 else f"{n} units"
    by = f" ({how})" if how in ("box", "lasso") else ""
    return Edit(f"Add {units} to {target.name}{by}", new, tuple(notes))


def apply_unit_alignment(plan: Plan, layer: UnitLayer, alignment: UnitAlignment,
                         owners: Sequence[str | None]) -> Edit:
    """Give the units an alignment file moves to their territories, as one undoable edit.

    Each territory receives its units through :func:`assign_units` (the same dissolve as a
    click on the map, so outlines never overlap and leave no sliver); ``owners`` is each
    unit's territory before the file. Refused and unmatched rows change nothing.
    """
    by_territory: dict[str, list[int]] = {}
    for i, (_old, tid) in alignment.moves.items():
        by_territory.setdefault(tid, []).append(i)
    if not by_territory:
        raise PlanError("the alignment file moves no unit: every matched unit is already "
                        "in the territory it names")
    before = assign_accounts(plan)
    new = plan
    for tid, picked in by_territory.items():
        new = assign_units(new, layer, picked, tid, owners, "file", before).plan
    after = assign_accounts(new)
    changed = sum(1 for a, t in after.territory_of.items() if before.territory_of.get(a) != t)
    n = len(alignment.moves)
    units = f"{n} {alignment.layer_title} unit{'s' if n != 1 else ''}"
    return Edit(f"Import alignment: {units}", new,
                (f"{units} moved to {len(by_territory)} territor"
                 f"{'ies' if len(by_territory) != 1 else 'y'}: {changed} "
                 f"account{'s' if changed != 1 else ''} changed territory",))


def save_scenario(plan: Plan, name: str, territory_of: Mapping[str, str | None],
                  created: str = "", replace: bool = False) -> Edit:
    """Copy the current alignment into a scenario called ``name``, as one edit.

    A scenario of that name is refused, or with ``replace`` replaced where it is in the list.
    """
    name = name.strip()
    if not name:
        raise PlanError("a scenario needs a name")
    taken = [k for k, s in enumerate(plan.scenarios) if s.name == name]
    if taken and not replace:
        raise PlanError(f"a scenario named {name!r} exists already; choose another name")
    new = plan.copy()
    scenario = Scenario.from_plan(plan, name, territory_of, created=created)
    if taken:
        new.scenarios[taken[0]] = scenario
        return Edit(f"Replace scenario {name}", new)
    new.scenarios.append(scenario)
    return Edit(f"Save scenario {name}", new)


def delete_scenario(plan: Plan, name: str) -> Edit:
    """Remove the scenario ``name``, as one edit."""
    _scenario(plan, name)
    new = plan.copy()
    new.scenarios = [s for s in plan.scenarios if s.name != name]
    return Edit(f"Delete scenario {name}", new)


def promote_scenario(plan: Plan, name: str) -> Edit:
    """Make scenario ``name`` the current alignment (territories, outlines, cadence), one edit.

    Territories an overlay rule names but the scenario lacks stay, without an outline. Where
    the map and the rules would now put an account elsewhere than the scenario did (rules
    changed since), the account is pinned to the scenario's territory by an overlay rule
    ahead of the others.
    """
    scenario = _scenario(plan, name)
    gone = sorted({t.rep_id for t in scenario.territories
                   if t.rep_id is not None and t.rep_id not in plan.reps})
    if gone:
        raise PlanError(f"scenario {name} gives territories to rep {gone[0]}, who is no "
                        "longer in the plan; add the rep back first")
    new = scenario.plan_view(plan)
    for rule in plan.rules:
        old = plan.territories.get(rule.territory_id)
        if rule.territory_id not in new.territories and old is not None:
            new.territories[rule.territory_id] = replace(old, geometry=None)
    got = assign_accounts(new).territory_of
    pins = []
    taken = [r.id for r in new.rules]
    for aid, wanted in scenario.assignment:
        if aid in new.accounts and got.get(aid) != wanted:
            rule_id = new.new_id("PIN-", taken)
            taken.append(rule_id)
            pins.append(OverlayRule(rule_id, "id", aid, wanted))
    new.rules = [*pins, *new.rules]
    notes = (f"{len(pins)} accounts pinned by overlay rules to keep the scenario's "
             "alignment",) if pins else ()
    return Edit(f"Promote scenario {name}", new, notes)


def _scenario(plan: Plan, name: str) -> Scenario:
    found = next((s for s in plan.scenarios if s.name == name), None)
    if found is None:
        raise PlanError(f"no scenario named {name!r}")
    return found
