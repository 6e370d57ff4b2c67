"""Units on real LA accounts: who owns each unit, what a gesture picks, the unit edit."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from territory_desktop.design_edits import apply_account_alignment, apply_unit_design, assign_units
from territory_desktop.edits import update_territory
from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.geo.unit_owners import plan_extent, unit_owners, units_picked
from territory_desktop.geo.units import load_builtin
from territory_desktop.io import planfile
from territory_desktop.io.alignment import preview_account_alignment
from territory_desktop.model.plan import PlanError
from territory_desktop.optimize.unit_balance import design_from_units


@pytest.fixture(scope="module")
def built(la_plan):
    plan = la_plan(6)
    layer = load_builtin("zcta", plan_extent(plan))
    design = design_from_units(plan, layer)
    return apply_unit_design(plan, design).plan, layer, design


def _owners(plan, layer):
    return unit_owners(plan, layer, assign_accounts(plan).territory_of)


def test_owners_are_the_units_the_design_gave_each_territory(built):
    plan, layer, design = built
    owners = _owners(plan, layer)
    for uid, tid in design.unit_territory.items():
        assert owners[layer.ids.index(uid)] == tid
    outside = set(layer.ids) - set(design.unit_territory)
    assert all(owners[layer.ids.index(u)] is None for u in outside)


def test_units_and_their_owners_survive_save_and_reopen(built, tmp_path):
    plan, layer, _ = built
    owners = _owners(plan, layer)
    # A unit without accounts given to a territory by hand: its outline carries it.
    empty = next(i for i, o in enumerate(owners) if o is None)
    target = next(iter(plan.territories))
    edited = assign_units(plan, layer, [empty], target, owners).plan
    path = tmp_path / "units.gpkg"
    planfile.save_plan(edited, path)
    again = planfile.load_plan(path)
    assert _owners(again, layer) == _owners(edited, layer)
    assert _owners(again, layer)[empty] == target


def test_a_unit_edit_keeps_the_territories_a_tiling(built):
    plan, layer, _ = built
    owners = _owners(plan, layer)
    target, other = list(plan.territories)[:2]
    picked = [i for i, o in enumerate(owners) if o == other][:5]
    edit = assign_units(plan, layer, picked, target, owners, "box")
    assert edit.text == f"Add 5 units to {plan.territories[target].name} (box)"
    shapes = [t.geometry for t in edit.plan.territories.values()]
    union = shapely.union_all(shapes)
    assert union.area == pytest.approx(sum(s.area for s in shapes), rel=1e-9)
    before = shapely.union_all([t.geometry for t in plan.territories.values()])
    assert shapely.symmetric_difference(union, before).area <= 1e-9 * before.area
    after = _owners(edit.plan, layer)
    assert [after[i] for i in picked] == [target] * 5
    was, now = assign_accounts(plan).territory_of, assign_accounts(edit.plan).territory_of
    moved = sum(1 for a, t in now.items() if t != was[a])
    assert moved > 0 and all(now[a] == target for a in now if now[a] != was[a])
    assert edit.notes[0] == f"5 units added to {plan.territories[target].name}: {moved} " \
        "accounts changed owner"
    assert sum(a != b for a, b in zip(after, owners, strict=True)) == 5


def test_locked_units_stay_and_a_locked_target_is_refused(built):
    plan, layer, _ = built
    owners = _owners(plan, layer)
    target, other = list(plan.territories)[:2]
    locked = update_territory(plan, other, locked=True).plan
    theirs = [i for i, o in enumerate(owners) if o == other][:3]
    with pytest.raises(PlanError, match="locked"):
        assign_units(locked, layer, theirs, target, owners)
    free = next(i for i, o in enumerate(owners) if o not in (target, other, None))
    edit = assign_units(locked, layer, [*theirs, free], target, owners)
    assert edit.plan.territories[other].geometry is locked.territories[other].geometry
    assert "3 units of locked territories left where they are" in edit.notes
    with pytest.raises(PlanError, match="locked"):
        assign_units(locked, layer, [free], other, owners)


def test_a_gesture_picks_the_units_whose_inside_point_it_holds(built):
    _, layer, _ = built
    inside = [g.representative_point() for g in layer.geometries[:3]]
    assert units_picked(layer, inside[0]) == [0]
    # A lasso crossing itself (a figure of eight) is repaired, not refused.
    a, b = inside[0], inside[1]
    eight = shapely.Polygon([(a.x - 1e-3, a.y - 1e-3), (b.x + 1e-3, b.y + 1e-3),
                             (b.x + 1e-3, b.y - 1e-3), (a.x - 1e-3, a.y + 1e-3)])
    assert not eight.is_valid
    repaired = shapely.make_valid(eight)
    expected = [i for i, g in enumerate(layer.geometries)
                if repaired.contains(g.representative_point())]
    assert units_picked(layer, eight) == (expected or units_picked(
        layer, repaired.representative_point()))
    # A box around one unit's inside point only picks that unit when it holds no other.
    p = inside[2]
    tiny = shapely.box(p.x - 1e-6, p.y - 1e-6, p.x + 1e-6, p.y + 1e-6)
    assert units_picked(layer, tiny) == [2]
    assert units_picked(layer, shapely.Point(0.0, 0.0)) == []


def test_the_extent_holds_every_account_and_outline(built):
    plan = built[0]
    x0, y0, x1, y1 = plan_extent(plan)
    lon = np.array([a.lon for a in plan.accounts.values()])
    lat = np.array([a.lat for a in plan.accounts.values()])
    assert x0 < lon.min() and lon.max() < x1 and y0 < lat.min() and lat.max() < y1
    outlines = shapely.union_all([t.geometry for t in plan.territories.values()])
    assert shapely.box(x0, y0, x1, y1).contains(outlines)


def test_an_account_alignment_on_unit_outlines_redraws_them_without_pins(built, tmp_path):
    # Territories of ZIP units are in several pieces (islands, the coast): their redrawn
    # outlines were once all dropped as slivers, and every account of them pinned by a rule.
    plan, _, _ = built
    before = assign_accounts(plan).territory_of
    tids = sorted({t for t in before.values() if t is not None})
    movers = [next(a for a, t in sorted(before.items()) if t == src) for src in tids[:4]]
    rows = [f"{a},{plan.territories[tids[(k + 1) % len(tids)]].name}"
            for k, a in enumerate(movers)]
    path = tmp_path / "alignment.csv"
    path.write_text("account_id,territory\n" + "\n".join(rows) + "\n", encoding="utf-8")
    alignment = preview_account_alignment(path, plan, before)
    assert len(alignment.moves) == 4
    edit = apply_account_alignment(plan, alignment)
    assert edit.notes == () and len(edit.plan.rules) == len(plan.rules)
    assert all(edit.plan.territories[t].geometry is not None for t in alignment.redraw)
    assert assign_accounts(edit.plan).territory_of == alignment.territory_of


def test_the_built_in_layers_covering_a_plan_are_those_with_units_where_its_accounts_are(
        la_plan, sample_plan):
    from dataclasses import replace

    from territory_desktop.geo.unit_owners import builtin_covering

    assert builtin_covering(la_plan(6)) == {"zcta", "county", "state"}
    assert builtin_covering(sample_plan) == {"county", "state"}  # no ZCTA in Maryland
    plan = la_plan(6)
    first = next(iter(plan.accounts))
    plan.accounts[first] = replace(plan.accounts[first], lat=39.29, lon=-76.61)  # Baltimore
    assert builtin_covering(plan) == {"county", "state"}  # ZIP/ZCTA would miss one account
    for aid, account in plan.accounts.items():  # the whole plan in Paris: no US layer
        plan.accounts[aid] = replace(account, lat=48.86, lon=2.35)
    assert builtin_covering(plan) == set()
