"""CSV/XLSX import of accounts and reps: CRM column names, line numbers, problems, postal codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from territory_desktop.io.tables import (
    ImportFileError,
    RowProblem,
    guess_account_mapping,
    import_accounts,
    import_reps,
    parse_frequency,
    parse_number,
    postal_centroid,
    read_table,
)

DATA = Path(__file__).parent / "data"


def test_salesforce_export() -> None:
    res = import_accounts(DATA / "salesforce_accounts.csv")
    assert res.missing_required == [] and res.problems == []
    assert res.mapping_used == {
        "id": "Account ID", "name": "Account Name", "lat": "BillingLatitude",
        "lon": "BillingLongitude", "postal_code": "BillingPostalCode",
        "address": "BillingStreet", "city": "BillingCity", "state": "BillingState",
        "country": "BillingCountry", "segment": "Type", "industry": "Industry",
        "potential": "AnnualRevenue", "owner": "Account Owner",
    }
    assert len(res.accounts) == 6
    a = res.accounts[0]
    assert (a.id, a.name) == ("HOSP-0000392801", "Ahmc Anaheim Regional Medical Center")
    assert (a.lat, a.lon) == (33.84815379, -117.93444769)
    assert a.address == "1111 W LA PALMA AVE, ANAHEIM, CA"
    assert (a.postal_code, a.segment, a.industry) == ("92801", "Customer - Direct",
                                                      "GENERAL ACUTE CARE")
    assert (a.potential, a.owner, a.approximate_location) == (22_300_000, "Dana Whitfield", False)
    # Tiers ranked by revenue (beds 223, 75, 334, 23, 293, 135): top 20 % A, next 30 % B.
    assert [x.tier for x in res.accounts] == ["B", "C", "A", "C", "B", "C"]


def test_hubspot_export_places_zip_only_company_approximately() -> None:
    res = import_accounts(DATA / "hubspot_companies.csv")
    assert res.problems == []
    assert res.mapping_used["id"] == "Record ID"
    assert res.mapping_used["name"] == "Company name"
    assert res.mapping_used["owner"] == "Company owner"
    assert res.mapping_used["potential"] == "Annual Revenue"
    assert res.mapping_used["postal_code"] == "Postal Code"
    assert res.mapping_used["address"] == "Street Address"
    assert res.mapping_used["state"] == "State/Region"
    last = res.accounts[-1]
    assert (last.id, last.name, last.postal_code) == (
        "9005", "Foothill Regional Medical Center", "92780")
    assert last.approximate_location
    # The GeoNames centroid of 92780 (Tustin) is within a few km of the hospital.
    assert last.lat == pytest.approx(33.73025666, abs=0.05)
    assert last.lon == pytest.approx(-117.82857161, abs=0.05)
    assert not any(a.approximate_location for a in res.accounts[:-1])


def test_dynamics_export() -> None:
    res = import_accounts(DATA / "dynamics_accounts.csv")
    assert res.problems == []
    m = res.mapping_used
    assert (m["id"], m["name"], m["lat"], m["lon"], m["postal_code"]) == (
        "accountid", "name", "address1_latitude", "address1_longitude", "address1_postalcode")
    assert (m["industry"], m["potential"], m["owner"], m["segment"]) == (
        "industrycode", "revenue", "ownerid", "customertypecode")
    assert res.accounts[0].id == "6f1c2a1e-0000-4000-8000-000000000000"
    assert res.accounts[0].segment == "Enterprise"
    assert res.accounts[1].address == "2601 E CHAPMAN AVE, ORANGE, CA"


def test_semicolon_file_with_decimal_commas_tiers_and_frequencies() -> None:
    res = import_accounts(DATA / "generic_semicolon.csv")
    assert res.problems == []
    a = res.accounts
    assert (a[0].lat, a[0].lon) == (33.84815379, -117.93444769)
    assert [x.tier for x in a] == list("ABCABC")
    # Overrides equal to the tier cadence (A 1 wk/45 min, B 2 wk/30, C 4 wk/30) are dropped.
    assert [x.every_weeks for x in a] == [None, None, None, None, None, 2.0]
    assert [x.visit_minutes for x in a] == [None, None, 60.0, 20.0, None, 40.0]


def test_bad_rows_are_reported_with_line_and_column() -> None:
    res = import_accounts(DATA / "bad_rows.csv")
    got = [(p.line, p.column, p.value, p.skipped) for p in res.problems]
    assert got == [
        (3, "lat", "abc", True),
        (4, "lat", "123", True),
        (5, "name", "", True),
        (6, "zip", "00000", True),
        (7, "id", "HOSP-0000392801", True),
        (11, "lon", "abc", True),
    ]
    reasons = [p.reason for p in res.problems]
    assert "not a number" in reasons[0]
    assert "outside -90..90" in reasons[1]
    assert reasons[2] == "name is empty"
    assert "not found in the US postal codes" in reasons[3]
    assert reasons[4] == "duplicate id (first used on line 2)"
    assert [x.id for x in res.accounts] == ["HOSP-0000392801", "HOSP-0031592680",
                                            "HOSP-0016892663"]
    assert res.accounts[1].notes == "Loading dock at rear\r\nask for Maria"
    assert res.accounts[2].approximate_location
    assert res.rows_read == 9
    # Every row is either imported or reported.
    assert len(res.accounts) + len({p.line for p in res.problems if p.skipped}) == res.rows_read
    assert "line 3, column 'lat'" in str(res.problems[0])


def test_quoted_newlines_keep_line_numbers() -> None:
    _, rows = read_table(DATA / "bad_rows.csv")
    assert [r.line for r in rows] == [2, 3, 4, 5, 6, 7, 8, 10, 11]


def test_markup_is_kept_as_text(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text('id,name,lat,lon\n1,"<img src=x onerror=alert(1)> & Co",39.29,-76.61\n')
    assert import_accounts(p).accounts[0].name == "<img src=x onerror=alert(1)> & Co"


def test_xlsx_import_uses_sheet_rows(tmp_path: Path) -> None:
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Account ID", "Account Name", "BillingLatitude", "BillingLongitude",
               "BillingPostalCode", "Tier", "Visit frequency"])
    ws.append(["HOSP-0000392801", "Ahmc Anaheim Regional Medical Center", 33.84815379,
               -117.93444769, 92801, "Tier 1", "weekly"])
    ws.append([None] * 7)  # a blank row in between: line numbers are sheet rows
    ws.append(["HOSP-0005992669", "Chapman Global Medical Center", "north", -117.82641316,
               92869, "B", 2])
    ws.append(["UC-1", "Postal-code account", None, None, 2108, "C", "quarterly"])
    path = tmp_path / "accounts.xlsx"
    wb.save(path)
    res = import_accounts(path)
    # A bad latitude with a known ZIP: imported at the ZIP centroid, and reported.
    assert [(p.line, p.column, p.skipped) for p in res.problems] == [
        (4, "BillingLatitude", False)]
    assert "placed at the postal-code centroid" in res.problems[0].reason
    assert [a.id for a in res.accounts] == ["HOSP-0000392801", "HOSP-0005992669", "UC-1"]
    first, chapman, uc = res.accounts
    assert chapman.approximate_location and chapman.every_weeks is None  # 2 per 4 wk = B
    assert (first.lat, first.postal_code, first.tier) == (33.84815379, "92801", "A")
    # Excel dropped the ZIP's leading zero; 02108 is Boston.
    assert uc.approximate_location and uc.lat == pytest.approx(42.36, abs=0.05)
    assert uc.every_weeks == 13.0


def test_bom_tab_delimited_latin1(tmp_path: Path) -> None:
    p = tmp_path / "tab.txt"
    p.write_bytes("\ufeffID\tName\tLatitude\tLongitude\n1\tCaf\u00e9 M\u00fcnchen\t48.1\t11.5\n"
                  .encode("utf-8"))
    assert import_accounts(p).accounts[0].name == "Café München"
    p2 = tmp_path / "latin.csv"
    p2.write_bytes("id;name;lat;lon\n1;Caf\u00e9;48,1;11,5\n".encode("latin-1"))
    a = import_accounts(p2).accounts[0]
    assert (a.name, a.lat, a.lon) == ("Café", 48.1, 11.5)


def test_empty_and_header_only_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    with pytest.raises(ImportFileError, match=r"empty\.csv.*empty"):
        import_accounts(empty)
    header = tmp_path / "header.csv"
    header.write_text("id,name,lat,lon\n")
    res = import_accounts(header)
    assert res.accounts == [] and res.problems == [] and res.missing_required == []


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="does not exist"):
        read_table(tmp_path / "nope.csv")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ImportFileError, match="not a readable Excel file"):
        read_table(bad)
    binary = tmp_path / "bin.csv"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(ImportFileError, match="binary"):
        read_table(binary)


def test_missing_required_columns(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("Customer,City\nAcme,Baltimore\n")
    res = import_accounts(p)
    assert res.missing_required == ["id", "location"]
    assert res.accounts == []
    # With an explicit mapping the same file imports (here: no location still missing).
    res = import_accounts(p, mapping={"id": "Customer", "name": "Customer"})
    assert res.missing_required == ["location"]


def test_explicit_mapping_overrides_guess(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("Kunde,Bezeichnung,PLZ,Land\nK1,Viktualienmarkt Stand 3,80331,Germany\n")
    res = import_accounts(p, mapping={"id": "Kunde", "name": "Bezeichnung",
                                      "postal_code": "PLZ", "country": "Land"})
    a = res.accounts[0]
    assert a.approximate_location and a.lat == pytest.approx(48.13, abs=0.05)


def test_mapping_ignores_case_and_punctuation() -> None:
    m = guess_account_mapping(["ACCOUNT_ID", "account-name", "Lat.", "LNG", "Post Code",
                               "Visits", "Score"])
    assert m == {"id": "ACCOUNT_ID", "name": "account-name", "lat": "Lat.", "lon": "LNG",
                 "postal_code": "Post Code", "frequency": "Visits", "score": "Score"}


def test_tier_from_score_top_20_next_30(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    lines = ["id,name,lat,lon,score"] + [f"{i},N{i},39.2{i},-76.6,{i * 10}" for i in range(10)]
    p.write_text("\n".join(lines))
    tiers = {a.id: a.tier for a in import_accounts(p).accounts}
    assert [tiers[str(i)] for i in range(9, -1, -1)] == list("AABBBCCCCC")


@pytest.mark.parametrize(("text", "weeks"), [
    ("weekly", 1), ("Every week", 1), ("bi-weekly", 2), ("every 2 weeks", 2),
    ("every other week", 2), ("monthly", 4), ("4 per 4 weeks", 1), ("2x/month", 2),
    ("twice a month", 2), ("3 times per week", 1 / 3), ("quarterly", 13), ("8", 0.5),
    ("1", 4), ("once a month", 4), ("every 6 weeks", 6), ("1 per 2 weeks", 2),
])
def test_parse_frequency(text: str, weeks: float) -> None:
    assert parse_frequency(text) == pytest.approx(weeks)


@pytest.mark.parametrize("text", ["0", "-1", "sometimes", "every blue moon"])
def test_parse_frequency_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_frequency(text)


@pytest.mark.parametrize(("text", "value"), [
    ("1,234.5", 1234.5), ("1.234,5", 1234.5), ("$2.5M", 2.5e6), ("12 500", 12500),
    ("1,234", 1234), ("3,5", 3.5), ("EUR 1.000.000", 1e6), ("-76.61", -76.61),
])
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value)


def test_postal_centroids() -> None:
    assert postal_centroid("21201-1234", "US") == pytest.approx((39.29, -76.62), abs=0.05)
    assert postal_centroid("M5V 3L9", "CA") is not None
    assert postal_centroid("SW1A 1AA", "GB") is not None
    assert postal_centroid("1011 AB", "NL") is not None
    assert postal_centroid("80331", "DE") == pytest.approx((48.14, 11.57), abs=0.05)
    assert postal_centroid("2000", "AU") is not None
    assert postal_centroid("99999", "US") is None
    assert postal_centroid("75001", "FR") is None


def test_import_reps(tmp_path: Path) -> None:
    p = tmp_path / "reps.csv"
    p.write_text(
        "Employee ID,First Name,Last Name,Home Latitude,Home Longitude,Home ZIP,"
        "Hours per week,Skills\n"
        "R1,Ann,Okafor,39.3121,-76.6205,,37.5,wine; craft beer\n"
        "R2,Ben,Szabo,,,21224,,\n"
        "R3,,,39.3,-76.6,,40,\n"
        "R1,Dup,Licate,39.3,-76.6,,40,\n"
        "R4,Cy,Ng,39.3,-76.6,,400,\n"
    )
    res = import_reps(p)
    assert res.missing_required == []
    assert [(r.id, r.name) for r in res.reps] == [("R1", "Ann Okafor"), ("R2", "Ben Szabo"),
                                                  ("R4", "Cy Ng")]
    ann, ben, cy = res.reps
    assert (ann.home_lat, ann.weekly_hours, ann.skills) == (39.3121, 37.5, ("wine",
                                                                             "craft beer"))
    assert ben.approximate_home and ben.home_lat == pytest.approx(39.28, abs=0.05)
    assert ben.weekly_hours == 40.0
    assert cy.weekly_hours == 40.0
    assert [(p.line, p.column, p.skipped) for p in res.problems] == [
        (4, "Last Name", True), (5, "Employee ID", True), (6, "Hours per week", False)]


def test_row_problem_is_plain_data() -> None:
    p = RowProblem(3, "lat", "abc", "latitude 'abc' is not a number")
    assert str(p) == "line 3, column 'lat': latitude 'abc' is not a number"


def test_api_shapes_used_by_the_gui_and_cli() -> None:
    from territory_desktop.io.tables import ACCOUNT_FIELDS, REP_FIELDS

    table = read_table(DATA / "bad_rows.csv")
    assert table.columns == ["id", "name", "lat", "lon", "zip", "notes"]
    columns, rows = table
    assert columns is table.columns and rows is table.rows
    assert ("id", True) in ACCOUNT_FIELDS and ("postal_code", False) in ACCOUNT_FIELDS
    assert ("name", True) in REP_FIELDS
    res = import_accounts(DATA / "bad_rows.csv")
    assert all(p.source == str(DATA / "bad_rows.csv") for p in res.problems)
