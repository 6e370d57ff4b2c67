"""``tdesk matrix`` output and points-file errors, through the command line.

``tdesk matrix`` output (CSV written columnar, npz, parquet) and points-file errors
(issue 8 item 18, issue 9 items 6 and 7), through the command line.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json

import numpy as np
import pytest

from territory_desktop.cli import main
from territory_desktop.routing.matrix_io import csv_cell, write_matrix_csv

HOSTILE_IDS = ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tTab", "a,b", 'q"t', "plain",
               "line\nbreak", "ünï"]  # fmt: skip


@pytest.fixture(scope="module")
def net_file(tmp_path_factory, osm_dir):
    out = tmp_path_factory.mktemp("net") / "baltimore.npz"
    assert main(["network", "build", str(osm_dir / "baltimore_valhalla.osm.pbf"), "-o",
                 str(out)]) == 0  # fmt: skip
    return out


def _points_file(path, ids, pts):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "lat", "lon"])
    for i, (lat, lon) in zip(ids, pts, strict=True):
        w.writerow([i, lat, lon])
    path.write_text(buf.getvalue(), encoding="utf-8")


def test_csv_writer_matches_the_csv_module_cell_for_cell(tmp_path):
    """The columnar CSV writer matches the csv module cell for cell.

    The columnar writer gives the same cells as the csv module with the same formatting,
    including unreachable pairs and their reasons, hostile ids and tiny blocks.
    """
    rng = np.random.default_rng(0)
    n = len(HOSTILE_IDS)
    sec = np.floor(rng.uniform(0, 9e6, (n, n))) / 1000.0
    met = np.floor(rng.uniform(0, 9e5, (n, n))) / 10.0
    sec[0, 0] = met[0, 0] = 0.0
    sec[3, :] = met[3, :] = np.inf  # unreachable origin
    sec[:, 5] = met[:, 5] = np.inf  # unreachable destination
    sec[1, 2] = met[1, 2] = np.inf  # no path
    reasons = [""] * n
    reasons[3] = "outside the road network's extent (lat 1..2, lon 3..4)"
    reasons[5] = 'far, "very" far'
    import territory_desktop.routing.matrix_io as mio

    for block in (1 << 25, 7):  # one block; blocks that split rows at odd places
        mio._BLOCK_BYTES = block
        try:
            write_matrix_csv(str(tmp_path / "m.csv"), HOSTILE_IDS, sec, met, reasons)
        finally:
            mio._BLOCK_BYTES = 32 << 20
        with open(tmp_path / "m.csv", newline="", encoding="utf-8") as f:
            got = list(csv.reader(f))
        want = [["from_id", "to_id", "seconds", "meters", "unreachable_reason"]]
        for i in range(n):
            for j in range(n):
                ok = np.isfinite(sec[i, j])
                why = "" if ok else (reasons[i] or reasons[j] or "no road path")
                want.append([csv_cell(HOSTILE_IDS[i]).strip('"').replace('""', '"'),
                             csv_cell(HOSTILE_IDS[j]).strip('"').replace('""', '"'),
                             f"{sec[i, j]:.3f}" if ok else "", f"{met[i, j]:.1f}" if ok else "",
                             why])  # fmt: skip
        assert got == want


def test_formula_cells_are_escaped():
    assert [csv_cell(i) for i in ("=1+2", "+1", "-2", "@x", "\tx", "\rx", "ok", "a,b")] == [
        "'=1+2", "+1", "-2", "'@x", "'\tx", '"\'\rx"', "ok", '"a,b"']  # fmt: skip


def test_matrix_formats_through_the_command_line(net_file, tmp_path, capsys):
    pts = np.array([[39.2850, -76.6050], [39.2990, -76.5560], [39.2700, -76.5800], [38.0, -74.0]])
    ids = ["=cmd|' /C calc'!A0", "east", "south", "@ocean"]
    _points_file(tmp_path / "p.csv", ids, pts)
    out = tmp_path / "m.csv"
    assert main(["matrix", str(net_file), str(tmp_path / "p.csv"), "-o", str(out)]) == 0
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 16
    assert rows[0]["from_id"] == "'=cmd|' /C calc'!A0" and rows[3]["to_id"] == "'@ocean"
    assert "outside" in rows[3]["unreachable_reason"] and rows[3]["seconds"] == ""
    assert main(["matrix", str(net_file), str(tmp_path / "p.csv"), "-o",
                 str(tmp_path / "m.npz"), "--format", "npz"]) == 0  # fmt: skip
    with np.load(tmp_path / "m.npz", allow_pickle=False) as z:
        assert z["ids"].tolist() == ids  # typed data: ids as given
        assert z["seconds"].shape == (4, 4) and np.isinf(z["seconds"][3]).all()
        assert float(z["seconds"][0, 1]) == float(rows[1]["seconds"])
        assert "outside" in str(z["reasons"][3])
    capsys.readouterr()
    rc = main(["matrix", str(net_file), str(tmp_path / "p.csv"), "-o",
               str(tmp_path / "m.parquet"), "--format", "parquet"])  # fmt: skip
    if importlib.util.find_spec("pyarrow") is None:
        err = capsys.readouterr().err
        assert rc == 2 and err.count("\n") == 1 and "needs the pyarrow package" in err
        assert not (tmp_path / "m.parquet").exists()
    else:
        import pyarrow.parquet as pq

        t = pq.read_table(tmp_path / "m.parquet").to_pydict()
        assert rc == 0 and len(t["from_id"]) == 16 and t["from_id"][0] == ids[0]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"id,lat,lon\na,39.28,-76.6\nb\xe9,39.29,-76.6\n",
         "p.csv: line 3, byte 2: not UTF-8 text (byte 0xe9)"),
        (b"id,lat,lon\n" + b"x" * (129 * 1024) + b",39.28,-76.6\n",
         "p.csv: line 2: a field is longer than 128 KiB"),
        (b"id,lat,lon\na,39.28,-76.6\nb,3\x009,-76.6\n", "p.csv: line 3: contains a NUL byte"),
        (b"id,lat,lon\na,39.28,-76.6\nb,north,-76.6\n", "p.csv: line 3, column lat: bad lat"),
        (b"id,lat,lon\na,39.28,-76.6\nb,39.2,1e999\n", "p.csv: line 3, column lon: bad lon"),
        (b"id,lat,lon\n\"a,39.28,-76.6\n", "p.csv: line 2, column lat: bad lat"),
        (b"\xff\xfei\x00d\x00", "p.csv: line 1, byte 1: not UTF-8 text (byte 0xff)"),
        (b"", "p.csv: empty file"),
        (b"id,lat,lon\n,39.28,-76.6\n", "p.csv: line 2, column id: empty id"),
    ],
)
def test_bad_points_files_give_one_line_errors(net_file, tmp_path, capsys, content, needle):
    (tmp_path / "p.csv").write_bytes(content)
    for argv in (["matrix", str(net_file), str(tmp_path / "p.csv"), "-o", str(tmp_path / "o")],
                 ["route", str(net_file), str(tmp_path / "p.csv")]):  # fmt: skip
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1, err
        assert needle in err


def test_matrix_json_summary_names_the_format(net_file, tmp_path, capsys):
    _points_file(tmp_path / "p.csv", ["a", "b"], [[39.2850, -76.6050], [39.2990, -76.5560]])
    capsys.readouterr()
    assert main(["matrix", str(net_file), str(tmp_path / "p.csv"), "-o", str(tmp_path / "m.npz"),
                 "--format", "npz", "--json"]) == 0  # fmt: skip
    s = json.loads(capsys.readouterr().out)
    assert s["format"] == "npz" and s["pairs"] == 4 and s["snap_notes"] == []
