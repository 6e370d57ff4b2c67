"""The ``network build``, ``matrix`` and ``route`` subcommands (handlers via ``main``)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from territory_desktop.cli import main

POINTS = "id,lat,lon\nharbor,39.2850,-76.6050\neast,39.2990,-76.5560\nsouth,39.2700,-76.5800\n"


@pytest.fixture(scope="module")
def net_file(tmp_path_factory, osm_dir) -> Path:
    out = tmp_path_factory.mktemp("net") / "baltimore.npz"
    rc = main(["network", "build", str(osm_dir / "baltimore_valhalla.osm.pbf"), "-o", str(out)])
    assert rc == 0
    return out


def test_network_build_prints_counts(osm_dir, tmp_path, capsys):
    out = tmp_path / "ad.npz"
    rc = main(["network", "build", str(osm_dir / "andorra_graphhopper.osm.pbf"), "-o", str(out),
               "--json"])  # fmt: skip
    assert rc == 0
    s = json.loads(capsys.readouterr().out)
    assert s["nodes"] > 1000 and s["edges"] > s["nodes"]
    assert s["dropped_components"] >= 0 and s["build_seconds"] > 0
    assert out.is_file()


def test_matrix_writes_every_ordered_pair(net_file, tmp_path, capsys):
    pts = tmp_path / "p.csv"
    pts.write_text(POINTS + "ocean,38.0,-74.0\n")
    out = tmp_path / "m.csv"
    assert main(["matrix", str(net_file), str(pts), "-o", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert [u["id"] for u in summary["unreachable_points"]] == ["ocean"]
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 16
    by = {(r["from_id"], r["to_id"]): r for r in rows}
    assert float(by["harbor", "east"]["seconds"]) > 60
    assert float(by["harbor", "east"]["meters"]) > 3000
    assert by["harbor", "ocean"]["seconds"] == "" and "outside" in by["harbor", "ocean"][
        "unreachable_reason"
    ]
    assert summary["unreachable_pairs"] == 7


def test_route_prints_legs_and_writes_geojson(net_file, tmp_path, capsys):
    pts = tmp_path / "p.csv"
    pts.write_text(POINTS)
    gj = tmp_path / "r.geojson"
    rc = main(["route", str(net_file), str(pts), "--json", "--units", "us", "--geojson", str(gj)])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert [(leg["from_id"], leg["to_id"]) for leg in out["legs"]] == [
        ("harbor", "east"), ("east", "south")]  # fmt: skip
    assert out["total"]["meters"] == pytest.approx(sum(leg["meters"] for leg in out["legs"]))
    assert out["total"]["miles"] == pytest.approx(out["total"]["meters"] / 1609.344, abs=1e-3)
    g = json.loads(gj.read_text())
    assert g["type"] == "FeatureCollection" and len(g["features"]) == 2
    assert g["features"][0]["properties"]["from_id"] == "harbor"


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["network", "build", "{tmp}/nope.osm.pbf", "-o", "{tmp}/x.npz"], "nope.osm.pbf: no such"),
        (["network", "build", "{tmp}/bad.osm.pbf", "-o", "{tmp}/x.npz"], "bad.osm.pbf: cannot"),
        (["matrix", "{tmp}/bad.osm.pbf", "{tmp}/p.csv", "-o", "{tmp}/o.csv"], "not a compiled"),
        (["matrix", "{net}", "{tmp}/far.csv", "-o", "{tmp}/o.csv"], "far.csv: none of the 2"),
        (["route", "{net}", "{tmp}/mixed.csv"], "mixed.csv: stop far at (10.000000, 10.000000)"),
        (["route", "{net}", "{tmp}/nocols.csv"], "nocols.csv: line 1: missing column(s) lat"),
        (["route", "{net}", "{tmp}/one.csv"], "one.csv: a route needs at least two stops"),
    ],
)
def test_errors_are_one_line_and_exit_2(net_file, tmp_path, capsys, argv, needle):
    (tmp_path / "bad.osm.pbf").write_bytes(b"\x00\x00\x00\x0dnot really a pbf file")
    (tmp_path / "p.csv").write_text(POINTS)
    (tmp_path / "far.csv").write_text("id,lat,lon\na,10,10\nb,11,11\n")
    (tmp_path / "mixed.csv").write_text("id,lat,lon\nok,39.2850,-76.6050\nfar,10,10\n")
    (tmp_path / "nocols.csv").write_text("id,x,y\n1,2,3\n")
    (tmp_path / "one.csv").write_text("id,lat,lon\nok,39.2850,-76.6050\n")
    args = [a.format(tmp=tmp_path, net=net_file) for a in argv]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert needle in err
