"""The accounts table read and written a column at a time, as the row reader reads it."""

from __future__ import annotations

import csv
import sqlite3
import struct
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point

from territory_desktop.io import account_columns, gpkg, planfile
from territory_desktop.model import Account, Plan


def _plan(shared_data: Path) -> Plan:
    """300 real HIFLD clinics, with every optional account field set on some of them."""
    with open(shared_data / "accounts" / "us_hospitals_hifld.csv", newline="",
              encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["lat"] and r["lon"]][:300]
    plan = Plan()
    for i, r in enumerate(rows):
        plan.accounts[r["account_id"]] = Account(
            r["account_id"], r["name"], float(r["lat"]), float(r["lon"]),
            address=r["address"], postal_code=r["zip"], segment=r["category"],
            industry=r["subtype"], potential=float(r["beds"]) if r["beds"] else None,
            tier="ABC"[i % 3], every_weeks=1.5 if i % 4 == 0 else None,
            visit_minutes=20.0 if i % 5 == 0 else None, owner=r["owner"],
            notes="line\n\"two\"" if i % 7 == 0 else "", approximate_location=i % 2 == 0,
            window_start=480 if i % 6 == 0 else None, window_end=720 if i % 6 == 0 else None,
            closed_weekdays=((5, 6), (), (0,))[i % 3], same_weekday=i % 9 == 0)
    return plan


def _row_reader(path: Path) -> list[Account]:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return planfile.decode._read_rows(conn, "accounts", planfile.decode._account)


def test_column_read_equals_the_row_reader(shared_data: Path, tmp_path: Path) -> None:
    plan = _plan(shared_data)
    path = tmp_path / "plan.gpkg"
    planfile.save_plan(plan, path)
    with sqlite3.connect(path) as conn:
        fast = account_columns.read_accounts(conn)
    assert fast is not None, "a file we wrote must take the column path"
    assert fast == _row_reader(path) == list(plan.accounts.values())
    assert planfile.load_plan(path).accounts == plan.accounts


def test_point_blobs_are_the_generic_blobs() -> None:
    x = np.array([-76.6121893, 0.0, 179.999999, -180.0, 13.4])
    y = np.array([39.2903848, 0.0, -89.5, 90.0, 52.52])
    assert account_columns.point_blobs(x, y, gpkg.WGS84) == [
        gpkg.to_blob(Point(a, b)) for a, b in zip(x, y, strict=True)]


def test_rows_edited_elsewhere_take_the_row_path(shared_data: Path, tmp_path: Path) -> None:
    plan = _plan(shared_data)
    path = tmp_path / "plan.gpkg"
    planfile.save_plan(plan, path)
    first, second = list(plan.accounts)[:2]
    # As QGIS may leave them: an empty tier, a number typed as text, a point with an envelope.
    wkb = shapely.to_wkb(Point(-77.5, 38.25), byte_order=1, flavor="iso")
    enveloped = b"GP" + struct.pack("<BBi4d", 0, 0b0000_0011, gpkg.WGS84,
                                    -77.5, -77.5, 38.25, 38.25) + wkb
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE accounts SET tier=NULL, potential='12.5' WHERE id=?", (first,))
        conn.execute("UPDATE accounts SET geom=? WHERE id=?", (enveloped, second))
    with sqlite3.connect(path) as conn:
        assert account_columns.read_accounts(conn) is None
    loaded = planfile.load_plan(path)
    assert (loaded.accounts[first].tier, loaded.accounts[first].potential) == ("C", 12.5)
    assert (loaded.accounts[second].lon, loaded.accounts[second].lat) == (-77.5, 38.25)
    assert len(loaded.accounts) == len(plan.accounts)

