"""Re-importing accounts by id: what the file does not supply stays as stored.

A walkthrough lost every potential and tier (and cadence overrides, notes) to a plain re-import
of the CRM file, and moved precisely placed accounts to postal-code centroids.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from territory_desktop import edits, import_edits
from territory_desktop.io.tables import import_accounts
from territory_desktop.model import Plan

HEADER = "id,name,lat,lon,zip,beds\n"


def _csv(tmp_path: Path, body: str, name: str = "crm.csv") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def _plan(path: Path, **overrides: str) -> Plan:
    result = import_accounts(path, overrides=overrides)
    return import_edits.import_accounts(Plan(), result.accounts, fields=result.fields).plan


def _reimport(plan: Plan, path: Path) -> tuple[edits.Edit, list[str]]:
    result = import_accounts(path, existing=plan.accounts)
    edit = import_edits.import_accounts(plan, result.accounts, fields=result.fields)
    return edit, [f"{p}: {'rejected' if p.skipped else 'warning'}" for p in result.problems]


def test_la_reimport_keeps_potential_and_tiers(shared_data: Path) -> None:
    la = shared_data / "accounts" / "la_metro_healthcare_accounts.csv"
    plan = _plan(la, potential="beds")
    assert Counter(a.tier for a in plan.accounts.values()) == {"A": 38, "B": 58, "C": 289}
    edit, problems = _reimport(plan, la)
    assert problems == []
    assert {a.id: (a.potential, a.tier) for a in edit.plan.accounts.values()} == {
        a.id: (a.potential, a.tier) for a in plan.accounts.values()}
    assert edit.notes == ("385 existing accounts updated: name, location, address, postal code, "
                          "segment, industry, owner; potential, tier, visit interval, visit "
                          "minutes and notes kept",)


def test_reimport_updates_only_the_supplied_fields(tmp_path: Path) -> None:
    plan = _plan(_csv(tmp_path, HEADER + "A1,Alpha,34.05,-118.25,90012,300\n"
                      "A2,Beta,34.10,-118.30,90027,10\n"), potential="beds")
    plan = edits.update_account(plan, "A1", every_weeks=3.0, visit_minutes=50.0, tier="A",
                                notes="gate code 1234", owner="Ana").plan
    renamed = _csv(tmp_path, "id,name,lat,lon\nA1,Alpha Hospital,34.06,-118.26\n", "new.csv")
    edit, _ = _reimport(plan, renamed)
    a = edit.plan.accounts["A1"]
    assert (a.name, a.lat, a.lon) == ("Alpha Hospital", 34.06, -118.26)
    assert (a.potential, a.tier, a.every_weeks, a.visit_minutes, a.notes, a.owner) == (
        300.0, "A", 3.0, 50.0, "gate code 1234", "Ana")
    assert a.postal_code == "90012"
    assert edit.notes == ("1 existing account updated: name, location; address, postal code, "
                          "segment, industry, potential, tier, visit interval, visit minutes, "
                          "owner and notes kept",)


def test_a_frequency_without_a_tier_is_an_override_of_the_stored_tier(tmp_path: Path) -> None:
    plan = _plan(_csv(tmp_path, "id,name,lat,lon,tier\nA1,Alpha,34.05,-118.25,A\n"))
    monthly = _csv(tmp_path, "id,name,lat,lon,frequency\nA1,Alpha,34.05,-118.25,monthly\n",
                   "monthly.csv")
    a = _reimport(plan, monthly)[0].plan.accounts["A1"]
    assert (a.tier, a.every_weeks) == ("A", 4.0)


def test_bad_coordinate_keeps_the_stored_location(tmp_path: Path) -> None:
    plan = _plan(_csv(tmp_path, HEADER + "A1,Alpha,34.0522,-118.2437,90012,\n"))
    body = HEADER + "A1,Alpha,abc,-118.2437,90012,\nA2,New,abc,-118.2437,90012,\n"
    edit, problems = _reimport(plan, _csv(tmp_path, body, "bad.csv"))
    a, new = edit.plan.accounts["A1"], edit.plan.accounts["A2"]
    assert (a.lat, a.lon, a.approximate_location) == (34.0522, -118.2437, False)
    assert new.approximate_location  # a new account still gets the centroid
    assert problems == [
        "line 2, column 'lat': latitude 'abc' is not a number; kept the stored location: warning",
        "line 3, column 'lat': latitude 'abc' is not a number; placed at the postal-code "
        "centroid instead: warning",
    ]


def test_missing_coordinates_keep_a_precise_location(tmp_path: Path) -> None:
    plan = _plan(_csv(tmp_path, HEADER + "A1,Alpha,34.0522,-118.2437,90012,\n"))
    edit, problems = _reimport(plan, _csv(tmp_path, "id,name,zip\nA1,Alpha,90027\n", "zip.csv"))
    a = edit.plan.accounts["A1"]
    assert (a.lat, a.lon, a.approximate_location, a.postal_code) == (
        34.0522, -118.2437, False, "90027")
    assert problems == []


def test_swapped_coordinates_are_named(tmp_path: Path) -> None:
    result = import_accounts(_csv(tmp_path, HEADER + "A1,Alpha,-117.99,34.05,,\n"))
    assert [str(p) for p in result.problems] == [
        "line 2, column 'lat': latitude -117.99 is outside -90..90; latitude and longitude "
        "look swapped"]


def test_blank_potential_is_reported(tmp_path: Path) -> None:
    body = HEADER + "".join(f"A{i},N{i},34.0{i},-118.2,,{'' if i % 2 else i * 10}\n"
                            for i in range(1, 9))
    result = import_accounts(_csv(tmp_path, body), overrides={"potential": "beds"})
    assert [(p.line, p.column, p.skipped) for p in result.problems] == [(2, "beds", False)]
    assert result.problems[0].reason.startswith(
        "potential is blank on 4 of 8 rows (lines 2, 4, 6, 8); they have no potential")
    assert "top 20 % and next 30 % of the 4 rows with a value" in result.problems[0].reason


def test_the_importer_and_the_edit_name_the_same_account_fields() -> None:
    # The importer says which fields a file supplies, the edit takes and names them: a field
    # added to one table and not the other would be silently kept (or never named).
    from territory_desktop.io.tables.importing import FIELD_SOURCES

    assert list(FIELD_SOURCES) == list(import_edits.IMPORTED_ACCOUNT_FIELDS)
