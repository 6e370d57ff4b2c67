"""Unit alignment files against the real shipped county layer around the real LA accounts."""

from __future__ import annotations

import openpyxl
import pytest

from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.geo.unit_owners import plan_extent, unit_owners
from territory_desktop.geo.units import load_builtin
from territory_desktop.io.alignment import looks_like_unit_ids, preview_unit_alignment
from territory_desktop.model.plan import Territory


@pytest.fixture
def la_counties(la_plan):
    plan = la_plan(2)
    plan.territories = {"T1": Territory("T1", "West", "#1f77b4", rep_id="R01"),
                        "T2": Territory("T2", "East", "#ff7f0e", rep_id="R02")}
    layer = load_builtin("county", plan_extent(plan))
    return plan, layer, unit_owners(plan, layer, assign_accounts(plan).territory_of)


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_county_fips_keep_their_leading_zero(la_counties, tmp_path, suffix):
    plan, layer, owners = la_counties
    los_angeles, orange = layer.ids.index("06037"), layer.ids.index("06059")
    rows = [["county_fips", "territory"], [6037, "West"], ["06059", "t2"], ["6999", "West"]]
    path = tmp_path / f"counties.{suffix}"
    if suffix == "xlsx":  # a spreadsheet keeps 06037 typed as a number: 6037
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        book.save(path)
    else:
        path.write_text("\n".join(",".join(map(str, r)) for r in rows) + "\n", "utf-8")
    found = preview_unit_alignment(path, plan, layer.ids, owners, "County")
    assert found.found.territory_of == {"06037": "T1", "06059": "T2"}
    assert found.moves == {los_angeles: (owners[los_angeles], "T1"),
                           orange: (owners[orange], "T2")}
    assert [(u.line, u.reason) for u in found.unmatched] == [
        (4, "no County unit shown with id '6999'")]


def test_unit_ids_are_told_from_account_ids():
    assert looks_like_unit_ids(["06037", "90012", "CA", "ny"])
    assert not looks_like_unit_ids(["LA-0001", "06037"])
    assert not looks_like_unit_ids([])


def test_state_abbreviations_match_in_any_case(la_counties, tmp_path):
    plan, _counties, _owners = la_counties
    layer = load_builtin("state", plan_extent(plan))
    owners = unit_owners(plan, layer, assign_accounts(plan).territory_of)
    path = tmp_path / "states.csv"
    path.write_text("state,territory\nca,East\nNV,West\nZZ,West\n", "utf-8")
    found = preview_unit_alignment(path, plan, layer.ids, owners, "State")
    assert found.found.territory_of == {"CA": "T2"}
    assert [(u.line, u.reason) for u in found.unmatched] == [  # Nevada is not around LA
        (3, "no State unit shown with id 'NV'"), (4, "no State unit shown with id 'ZZ'")]
