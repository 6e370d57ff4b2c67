"""Units from the user's own polygon file (geo/units.read_unit_file)."""

from __future__ import annotations

import json

import pytest

from territory_desktop.design_edits import assign_units
from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.geo.unit_owners import plan_extent, unit_owners
from territory_desktop.geo.units import load_builtin, read_unit_file
from territory_desktop.optimize.balance import BalanceError
from territory_desktop.optimize.unit_balance import design_from_units


def _square(x: float, y: float) -> dict:
    ring = [[x, y], [x + 0.1, y], [x + 0.1, y + 0.1], [x, y + 0.1], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_a_unit_files_name_field_names_its_units(tmp_path):
    features = [{"type": "Feature", "properties": {"id": f"U{k}", "Name": name, "pop": k},
                 "geometry": _square(-76.7 + 0.1 * k, 39.2)}
                for k, name in enumerate(["Canton", "Fells Point"])]
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    layer = read_unit_file(path)
    assert layer.ids == ("U0", "U1")
    assert layer.names == ("Canton", "Fells Point")
    assert list(layer.attributes["pop"]) == [0, 1]


def test_a_unit_edit_is_named_by_the_units_name(sample_plan):
    layer = load_builtin("county", plan_extent(sample_plan))
    owners = unit_owners(sample_plan, layer, assign_accounts(sample_plan).territory_of)
    i = layer.ids.index("24005")  # Baltimore County, whose city is "Baltimore city, MD"
    target = next(t for t in sample_plan.territories if t != owners[i])
    edit = assign_units(sample_plan, layer, [i], target, owners)
    assert edit.text == f"Add unit Baltimore, MD to {sample_plan.territories[target].name}"


def test_a_unit_mostly_in_the_territory_still_takes_the_rest_of_it(sample_plan):
    # Baltimore city (24510) is shared by the sample's hand-drawn territories: the one that
    # holds most of it is its owner, yet a click must give it the parts the others hold.
    layer = load_builtin("county", plan_extent(sample_plan))
    owners = unit_owners(sample_plan, layer, assign_accounts(sample_plan).territory_of)
    i = layer.ids.index("24510")
    target = owners[i]
    city = layer.geometries[i]
    others = [t for t in sample_plan.territories.values()
              if t.id != target and t.geometry is not None and t.geometry.intersects(city)
              and t.geometry.intersection(city).area > 1e-9]
    assert target is not None and others
    edit = assign_units(sample_plan, layer, [i], target, owners)
    grown = edit.plan.territories[target].geometry
    assert city.difference(grown).area < 1e-9
    for t in others:
        after = edit.plan.territories[t.id].geometry
        assert after is None or after.intersection(city).area < 1e-9


def test_too_few_units_for_the_team_names_the_reps_counted(sample_plan):
    # The Enterprise territory lives by an overlay rule, without an outline: its rep is not
    # one of those the units are shared between, and the message says who is.
    layer = load_builtin("state", plan_extent(sample_plan))
    team = [r.name for r in sample_plan.reps.values() if any(
        t.rep_id == r.id and t.geometry is not None for t in sample_plan.territories.values())]
    with pytest.raises(BalanceError) as refused:
        design_from_units(sample_plan, layer)
    assert str(refused.value) == (f"{len(team)} reps with a territory on the map "
                                  f"({', '.join(team)}) but only 1 unit of this layer holds "
                                  "the plan's accounts: use smaller units or fewer reps")
