"""Does an extract cover the plan's accounts? The core check and ``tdesk plan create --osm``."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from territory_desktop import cli
from territory_desktop.io import tables
from territory_desktop.resources import resource_path
from territory_desktop.routing import RoutingError, build_network
from territory_desktop.routing.coverage import check_coverage, extract_bounds, extract_coverage

SAMPLE_ACCOUNTS = resource_path("sample", "accounts.csv")
BALTIMORE = resource_path("sample", "baltimore.osm.pbf")


@pytest.fixture(scope="module")
def la_accounts(shared_data: Path) -> Path:
    return shared_data / "accounts" / "la_metro_healthcare_accounts.csv"


def _points(path: Path) -> tuple[list[float], list[float]]:
    accounts = tables.import_accounts(path).accounts
    return [a.lat for a in accounts], [a.lon for a in accounts]


def test_bounds_come_from_the_header_or_from_the_nodes(osm_dir):
    assert extract_bounds(BALTIMORE) == pytest.approx((-76.6081, 39.2586, -76.5288, 39.3065))
    # this extract's header has no box: its nodes are read, and they hold its road network
    sao_paulo = osm_dir / "sao_paulo_r5py.osm.pbf"
    west, south, east, north = extract_bounds(sao_paulo)
    min_lat, min_lon, max_lat, max_lon = build_network(sao_paulo).bbox
    assert west <= min_lon < max_lon <= east and south <= min_lat < max_lat <= north
    assert (east - west) < 0.2 and (north - south) < 0.2  # a district, not the world


def test_los_angeles_accounts_lie_outside_the_baltimore_extract(la_accounts):
    lats, lons = _points(la_accounts)
    coverage = extract_coverage(BALTIMORE, lats, lons)
    assert coverage.total == 385 and len(coverage.outside) == 385 and coverage.covers_none
    assert coverage.describe().startswith("385 of 385 accounts lie outside baltimore.osm.pbf")
    sample = extract_coverage(BALTIMORE, *_points(SAMPLE_ACCOUNTS))
    assert sample.covers_all and sample.total == 248


def test_margin_counts_points_a_short_drive_beyond_the_edge():
    bounds = (-76.6081, 39.2586, -76.5288, 39.3065)
    # 300 m and 900 m north of the box, then one far away
    lats = [39.3065 + 300 / 111_320, 39.3065 + 900 / 111_320, 34.05]
    lons = [-76.56, -76.56, -118.24]
    coverage = check_coverage(bounds, lats, lons, extract="x.osm.pbf")
    assert coverage.outside == (1, 2)
    assert not coverage.covers_all and not coverage.covers_none
    assert check_coverage(bounds, lats, lons, margin_m=1000).outside == (2,)
    assert check_coverage(None, lats, lons).outside == (0, 1, 2)  # an empty extract


def test_unreadable_extract_is_a_routing_error(tmp_path):
    bad = tmp_path / "broken.osm.pbf"
    bad.write_bytes(b"not osm at all")
    with pytest.raises(RoutingError, match=r"broken\.osm\.pbf"):
        extract_bounds(bad)


def test_plan_create_refuses_an_extract_that_covers_no_account(la_accounts, tmp_path, capsys):
    out = tmp_path / "la.gpkg"
    rc = cli.main(["plan", "create", "--accounts", str(la_accounts), "--osm", str(BALTIMORE),
                   "-o", str(out)])
    assert rc == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "385 of 385 accounts lie outside baltimore.osm.pbf" in err
    assert not out.exists()


def test_plan_create_warns_about_accounts_outside_and_names_them(la_accounts, tmp_path,
                                                                capsys):
    mixed = tmp_path / "mixed.csv"
    with SAMPLE_ACCOUNTS.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with la_accounts.open(encoding="utf-8") as f:
        far = list(csv.DictReader(f))[:2]
    with mixed.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        for r in far:
            writer.writerow(dict.fromkeys(rows[0], "") | {
                "Account ID": r["account_id"], "Account Name": r["name"],
                "Latitude": r["lat"], "Longitude": r["lon"], "Tier": "B"})
    out = tmp_path / "mixed.gpkg"
    rc = cli.main(["plan", "create", "--accounts", str(mixed), "--osm", str(BALTIMORE),
                   "-o", str(out)])
    assert rc == 0 and out.is_file()
    err = capsys.readouterr().err
    assert "warning: 2 of 250 accounts lie outside baltimore.osm.pbf" in err
    assert far[0]["account_id"] in err and far[1]["account_id"] in err
