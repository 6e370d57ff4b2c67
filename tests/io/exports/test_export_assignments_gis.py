"""CRM assignments (ids exactly as imported) and GIS round trips."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt

import numpy as np
import pyogrio.raw
import pytest
from shapely.geometry import Point, Polygon

from territory_desktop import cli
from territory_desktop.io import save_plan
from territory_desktop.io.exports import (
    ExportError,
    read_territories,
    write_assignments,
    write_territories,
)
from territory_desktop.model import Account, Plan, Rep, Territory


def test_assignments_match_the_golden_file(export_plan_path, tmp_path, golden):
    out = tmp_path / "assignments.csv"
    assert cli.main(["export", str(export_plan_path), "assignments", "-o", str(out)]) == 0
    golden(out, "assignments.csv")


def test_realignment_carries_previous_owner_and_effective_date(export_plan_path, export_plan,
                                                               tmp_path):
    previous = export_plan.copy()
    previous.territories["T4"] = dataclasses.replace(previous.territories["T4"], rep_id="REP-1")
    old = tmp_path / "before.gpkg"
    save_plan(previous, old)
    out = tmp_path / "assignments.xlsx"
    assert cli.main(["export", str(export_plan_path), "assignments", "--previous", str(old),
                     "--effective", "2026-02-01", "-o", str(out)]) == 0
    from openpyxl import load_workbook

    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[-4:] == ("Previous territory ID", "Previous owner rep ID", "Owner changed",
                           "Effective date")
    changed = [r for r in body if r[7] == "yes"]
    assert changed and all(r[2] == "T4" and r[4] == "REP-4" and r[6] == "REP-1" for r in changed)
    assert all(r[8] == dt.datetime(2026, 2, 1) for r in changed)
    assert all(r[8] is None for r in body if r[7] == "no")
    assert len(changed) == 22  # REP-4's accounts


def test_ids_are_written_exactly_as_imported_and_never_as_formulas(tmp_path):
    from openpyxl import load_workbook

    plan = Plan()
    plan.reps["007"] = Rep("007", "Ann", 39.28, -76.56)
    plan.territories["T1"] = Territory("T1", "All", "#1f77b4", "007",
                                       Polygon([(-77, 39), (-76, 39), (-76, 40), (-77, 40)]))
    ids = ["00123", "-0042", "1.50", "=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "@SUM(1)"]
    for i, aid in enumerate(ids):
        plan.accounts[aid] = Account(aid, f"Account {i}", 39.3, -76.6 + i * 0.01)
    write_assignments(plan, tmp_path / "a.csv", "csv")
    with (tmp_path / "a.csv").open(encoding="utf-8", newline="") as f:
        got = [r["Account ID"] for r in csv.DictReader(f)]
    assert got[:3] == ids[:3]  # plain values, numbers included, exactly as they came
    assert got[3:] == ["'" + i for i in ids[3:]]  # would run as formulas: neutralised
    write_assignments(plan, tmp_path / "a.xlsx", "xlsx")
    cells = [row[0] for row in load_workbook(tmp_path / "a.xlsx").active.iter_rows(min_row=2)]
    assert [c.value for c in cells] == ids and {c.data_type for c in cells} == {"s"}
    assert cells[0].value == "00123"  # text, not the number 123


@pytest.mark.parametrize("fmt", ["geojson", "kml", "gpkg", "shp"])
def test_territories_round_trip_through_every_gis_format(export_plan_path, export_plan, tmp_path,
                                                         fmt):
    out = tmp_path / f"territories.{fmt}"
    assert cli.main(["export", str(export_plan_path), "territories", "-o", str(out)]) == 0
    back = read_territories(out)
    assert back.problems == []
    assert [t.id for t in back.territories] == list(export_plan.territories)
    for got in back.territories:
        want = export_plan.territories[got.id]
        assert (got.name, got.color, got.rep_id, got.locked) == (want.name, want.color,
                                                                 want.rep_id, want.locked)
        if want.geometry is None:
            assert got.geometry is None
        else:  # KML stores 15 significant digits: nanodegrees
            assert got.geometry.equals_exact(want.geometry, 1e-9 if fmt == "kml" else 0.0)
    if fmt == "gpkg":
        import pyogrio

        text = pyogrio.read_info(out)["layer_metadata"]["DESCRIPTION"].encode()
    else:
        text = (out.with_suffix(".txt") if fmt == "shp" else out).read_bytes()
    assert "© OpenStreetMap contributors".encode() in text


def test_geojson_to_territories_to_geojson_is_identical(export_plan, tmp_path):
    first = tmp_path / "a.geojson"
    write_territories(list(export_plan.territories.values()), first, "geojson", attribution=True)
    second = tmp_path / "b.geojson"
    write_territories(read_territories(first).territories, second, "geojson", attribution=True)
    assert second.read_bytes() == first.read_bytes()


def test_accounts_export_with_territory_and_owner(export_plan_path, export_plan, tmp_path):
    import pyogrio

    out = tmp_path / "accounts.gpkg"
    assert cli.main(["export", str(export_plan_path), "accounts", "-o", str(out)]) == 0
    frame = pyogrio.read_dataframe(out)
    assert list(frame["id"]) == list(export_plan.accounts)
    assert (frame["rep_id"] == "REP-4").sum() == 22
    first = export_plan.accounts[frame["id"][0]]
    assert (frame.geometry[0].x, frame.geometry[0].y) == (first.lon, first.lat)
    assert "© OpenStreetMap contributors" in pyogrio.read_info(out)["layer_metadata"][
        "DESCRIPTION"]


def test_bad_features_are_reported_and_good_ones_still_import(tmp_path):
    good = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    path = tmp_path / "mixed.geojson"
    import json

    feats = [
        {"type": "Feature", "properties": {"id": "A", "name": "Good", "color": "#1f77b4"},
         "geometry": good.__geo_interface__},
        {"type": "Feature", "properties": {"id": "B", "name": "Bowtie"},
         "geometry": bowtie.__geo_interface__},
        {"type": "Feature", "properties": {"id": "C", "name": "A point"},
         "geometry": Point(0, 0).__geo_interface__},
        {"type": "Feature", "properties": {"id": "A", "name": "Twice"},
         "geometry": good.__geo_interface__},
        {"type": "Feature", "properties": {"id": "D", "name": "Odd colour", "color": "red"},
         "geometry": good.__geo_interface__},
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}),
                    encoding="utf-8")
    result = read_territories(path)
    assert [t.id for t in result.territories] == ["A", "D"]
    assert result.territories[1].color.startswith("#")
    assert len(result.problems) == 4
    assert result.problems[0].startswith(f"{path}:feature 2: geometry: rejected: Bowtie is not a "
                                         "valid polygon (Self-intersection")
    assert "feature 3: geometry: rejected: A point is a Point, not a polygon" in result.problems[1]
    assert "feature 4: column id: rejected: 'A' is used twice" in result.problems[2]
    assert "feature 5: column color: warning" in result.problems[3]


def test_unsupported_or_unreadable_gis_input_is_a_clear_error(tmp_path, capsys,
                                                              export_plan_path):
    with pytest.raises(ExportError, match=r"unsupported format \.csv; territories come from"):
        read_territories(tmp_path / "t.csv")
    junk = tmp_path / "junk.geojson"
    junk.write_text("{ this is not json", encoding="utf-8")
    with pytest.raises(ExportError, match=r"junk\.geojson: not a readable GeoJSON file"):
        read_territories(junk)
    with pytest.raises(ExportError, match="no such file"):
        read_territories(tmp_path / "missing.kml")
    table = tmp_path / "table.gpkg"  # a GeoPackage attribute table: no geometry column at all
    pyogrio.raw.write(table, None, [np.array(["T1", "T2"], dtype=object)], ["id"],
                      layer="territories", driver="GPKG", geometry_type=None)
    with pytest.raises(ExportError, match=r"table\.gpkg: layer 'territories' has no geometries"):
        read_territories(table)
    code = cli.main(["import", str(export_plan_path), "territories", str(junk), "-o",
                     str(tmp_path / "p.gpkg")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("error: ") and "\n" not in err
    assert not (tmp_path / "p.gpkg").exists()


def test_import_territories_into_a_plan(export_plan_path, export_plan, tmp_path, capsys):
    from territory_desktop.io import load_plan

    moved = [dataclasses.replace(export_plan.territories["T1"], name="Brewers Hill North",
                                 rep_id="REP-9"),
             Territory("T9", "New", "#123456", "REP-2",
                       Polygon([(-76.6, 39.26), (-76.59, 39.26), (-76.59, 39.27)]))]
    source = tmp_path / "edited.shp"
    write_territories(moved, source, "shp")
    out = tmp_path / "plan.gpkg"
    assert cli.main(["import", str(export_plan_path), "territories", str(source), "-o",
                     str(out)]) == 0
    assert "no rep 'REP-9' in the plan; imported without an owner" in capsys.readouterr().err
    plan = load_plan(out)
    assert plan.territories["T1"].name == "Brewers Hill North"
    assert plan.territories["T1"].rep_id is None
    assert plan.territories["T9"].rep_id == "REP-2"
    assert set(plan.territories) == set(export_plan.territories) | {"T9"}
