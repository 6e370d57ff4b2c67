"""Damaged network files and absurd ways give one-line errors.

Damaged network files and absurd ways (issue 9 items 4 and 5): one-line errors naming the
file and the problem, never a crash signal or a wrapped travel time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from territory_desktop.routing import NetworkBuildError, RoutingError, build_network, load_network
from territory_desktop.routing.network import MAX_EDGE_MS

ROOT = Path(__file__).resolve().parents[2]
POINTS = "id,lat,lon\nharbor,39.2850,-76.6050\neast,39.2990,-76.5560\n"


@pytest.fixture(scope="module")
def good_arrays(networks):
    net = networks["baltimore"]
    return {k: v.copy() for k, v in net.arrays.items()}, dict(net.meta)


def _save(path: Path, arrays: dict, meta: dict) -> Path:
    np.savez(path, meta=np.array(json.dumps(meta)), **arrays)
    return path


def _damage(arrays: dict, meta: dict, how: str) -> tuple[dict, dict]:
    a = {k: v.copy() for k, v in arrays.items()}
    m = dict(meta)
    n = a["node_lat_e7"].shape[0]
    if how == "tail":
        a["edge_tail"][7] = n + 1000
    elif how == "head":
        a["edge_head"][3] = -5
    elif how == "seg":
        a["edge_seg"][0] = a["seg_first"].shape[0]
    elif how == "geometry":
        a["seg_last"][2] = a["geom_lat_e7"].shape[0] + 3
    elif how == "order":
        a["seg_first"][4], a["seg_last"][4] = a["seg_last"][4], a["seg_first"][4]
    elif how == "dtype":
        a["edge_tail"] = a["edge_tail"].astype(np.int64)
    elif how == "shape":
        a["edge_head"] = a["edge_head"][:-1]
    elif how == "2d":
        a["node_lat_e7"] = np.stack((a["node_lat_e7"], a["node_lat_e7"]))
    elif how == "time":
        a["edge_time_ms"][9] = -2147483648
    elif how == "kph":
        a["edge_kph"][1] = np.nan
    elif how == "class":
        a["edge_class"][1] = 100
    elif how == "kept":
        a["seg_kept"][:] = True
        a["seg_kept"][int(a["edge_seg"][0])] = False
    elif how == "bbox":
        m["bbox"] = ["x"]
    return a, m


DAMAGES = {
    "tail": "edge node index out of range", "head": "edge node index out of range",
    "seg": "edge segment index out of range", "geometry": "positions out of range",
    "order": "positions not ordered", "dtype": "edge_tail is int64",
    "shape": "edge_head has", "2d": "node_lat_e7 is int32[2,", "time": "travel time negative",
    "kph": "edge speed not a positive number", "class": "road class code out of range",
    "kept": "kept segments do not match", "bbox": "meta lacks a valid bbox",
}  # fmt: skip


@pytest.mark.parametrize("how", list(DAMAGES))
def test_damaged_network_arrays_are_refused_on_load(good_arrays, tmp_path, how):
    arrays, meta = _damage(*good_arrays, how)
    path = _save(tmp_path / "net.npz", arrays, meta)
    with pytest.raises(RoutingError) as exc:
        load_network(path)
    msg = str(exc.value)
    assert msg.startswith(f"{path}: damaged network file (") and DAMAGES[how] in msg
    assert "\n" not in msg


def test_route_on_out_of_range_network_is_an_error_not_a_segfault(good_arrays, tmp_path):
    """The user's path: ``tdesk route`` in its own process; a crash signal fails the test."""
    path = _save(tmp_path / "net.npz", *_damage(*good_arrays, "tail"))
    (tmp_path / "p.csv").write_text(POINTS)
    for cmd in ("route", "matrix"):
        extra = ["-o", str(tmp_path / "m.csv")] if cmd == "matrix" else []
        done = subprocess.run(
            [sys.executable, "-m", "territory_desktop", cmd, str(path), str(tmp_path / "p.csv"),
             *extra], cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 2, (done.returncode, done.stderr[-500:])
        assert done.stderr.count("\n") == 1
        assert f"{path}: damaged network file (edge node index out of range)" in done.stderr


def test_the_undamaged_file_still_loads(good_arrays, tmp_path):
    net = load_network(_save(tmp_path / "net.npz", *good_arrays))
    assert net.n_nodes == good_arrays[0]["node_lat_e7"].shape[0]


LONG_WAY = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="0.0" lon="0.0"/>
  <node id="2" lat="0.001" lon="0.0"/>
  <node id="3" lat="0.001" lon="170.0"/>
  <way id="7"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way>
  <way id="8"><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
</osm>
"""


def test_a_way_too_long_for_32_bit_times_is_refused_by_name(tmp_path):
    """A way too long for a travel time is named, not wrapped.

    18,900 km at a residential speed is ~630 h: int32 milliseconds used to wrap to
    -2,147,483,648; now compiling names the way.
    """
    path = tmp_path / "long.osm"
    path.write_text(LONG_WAY)
    with pytest.raises(NetworkBuildError) as exc:
        build_network(path)
    msg = str(exc.value)
    assert msg.startswith(f"{path}: way 8 has a segment of 18,9") and "h, more than" in msg
    assert "is the extract damaged?" in msg
    short = tmp_path / "short.osm"
    short.write_text(LONG_WAY.replace('lon="170.0"', 'lon="0.01"'))
    net = build_network(short)
    assert (net.arrays["edge_time_ms"] > 0).all()
    assert (net.arrays["edge_time_ms"] <= MAX_EDGE_MS).all()
