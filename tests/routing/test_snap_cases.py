"""Snapping cases found in the field.

Snapping cases found in the field (issue 8 items 16 and 17): points exactly on road nodes
next to one-way streets, and points nearer a cut-off road than a connected one.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from territory_desktop.cli import main
from territory_desktop.geo.distance import haversine_m
from territory_desktop.routing import RoadNetwork, route, travel_matrix
from territory_desktop.routing.network import TIME_SHIFT
from territory_desktop.routing.prepared import prepared
from territory_desktop.routing.snapping import snap


def _one_way_end_nodes(net: RoadNetwork, n: int, seed: int) -> np.ndarray:
    """Return nodes that end one-way segments, plus a few random ones.

    Nodes at the start or end of one-way segments (where a point used to be forced to
    drive the one-way first, or to arrive along it), plus a few random ones.
    """
    fwd, bwd = prepared(net).seg_edges
    a = net.arrays
    one = np.flatnonzero((fwd >= 0) != (bwd >= 0))
    e = np.where(fwd[one] >= 0, fwd[one], bwd[one])
    ends = np.unique(np.concatenate((a["edge_tail"][e], a["edge_head"][e])))
    rng = np.random.default_rng(seed)
    pick = rng.choice(ends, min(n, ends.shape[0]), replace=False)
    extra = rng.choice(net.n_nodes, 20, replace=False)
    return np.unique(np.concatenate((pick, extra)))


@pytest.mark.parametrize("name", ["baltimore", "sao_paulo", "bayreuth"])
def test_points_on_nodes_leave_and_arrive_in_every_direction(networks, name):
    """A point on a node gets the node-to-node shortest path.

    Item 16: a point exactly on a node gets the node-to-node shortest path (a plain
    Dijkstra between the same nodes), from both engines, bit for bit.
    """
    net = networks[name]
    nodes = _one_way_end_nodes(net, 150, seed=16)
    pts = np.column_stack((net.node_lat[nodes], net.node_lon[nodes]))
    s = snap(net, pts[:, 0], pts[:, 1])
    assert s.reachable.all()
    ref = dijkstra(prepared(net).csr, directed=True, indices=nodes)[:, nodes]
    ref_s = np.floor(ref / TIME_SHIFT) / 1000.0
    ref_m = (ref - np.floor(ref / TIME_SHIFT) * TIME_SHIFT) / 10.0
    for engine in ("cch", "dijkstra"):
        m = travel_matrix(net, s, engine=engine)
        np.testing.assert_array_equal(m.seconds, ref_s)
        np.testing.assert_array_equal(m.meters, ref_m)


def test_route_from_a_node_starts_at_the_node(networks):
    """A route between node points starts and ends at the nodes.

    A route between node points drives the node-to-node path, and its geometry starts and
    ends at the nodes (not on the one-way segment the point was snapped to).
    """
    net = networks["baltimore"]
    nodes = _one_way_end_nodes(net, 40, seed=7)
    pts = np.column_stack((net.node_lat[nodes], net.node_lon[nodes]))
    m = travel_matrix(net, pts)
    r = route(net, pts[:12])
    for k, leg in enumerate(r.legs):
        assert leg.seconds == m.seconds[k, k + 1] and leg.meters == m.meters[k, k + 1]
        assert leg.coordinates[0] == pytest.approx(tuple(pts[k]), abs=1e-9)
        assert leg.coordinates[-1] == pytest.approx(tuple(pts[k + 1]), abs=1e-9)
        c = np.array(leg.coordinates)
        geo = haversine_m(c[:-1, 0], c[:-1, 1], c[1:, 0], c[1:, 1]).sum()
        assert geo == pytest.approx(leg.meters, rel=0.002, abs=2.0)
        used = net.arrays["edge_length_dm"][leg.edges].sum() / 10.0
        assert used == pytest.approx(leg.meters, abs=0.05)  # whole edges: node to node


# Near Hamburg Street, Baltimore: the nearest road (155 m) is cut off from the network, a
# connected road is 255 m away (within the 500 m limit).
NEAR_CUT_OFF = (39.2795542, -76.6102790)


def test_point_near_a_cut_off_road_snaps_to_the_connected_one(networks):
    """Item 17: reachable, snapped to the connected road, and the note says so."""
    net = networks["baltimore"]
    s = snap(net, [NEAR_CUT_OFF[0]], [NEAR_CUT_OFF[1]])
    assert s.reachable[0] and s.reason[0] == ""
    assert s.access_m[0] == pytest.approx(255, abs=3)
    assert "snapped to the nearest connected road, 255 m away" in s.note[0]
    assert "nearer road (155 m) is not connected" in s.note[0]
    # with a tighter limit the connected road is out of reach: unreachable, with the reason
    tight = snap(net, [NEAR_CUT_OFF[0]], [NEAR_CUT_OFF[1]], max_access_m=200.0)
    assert not tight.reachable[0] and "not connected to the main road network" in tight.reason[0]
    # a point on the cut-off road itself stays unreachable (an island, e.g. reached by ferry)
    hel = networks["helsinki"]
    from territory_desktop.routing.routes import segment_slice

    p = segment_slice(hel, int(np.flatnonzero(hel.arrays["seg_island"])[0]), 0.5, 0.5)[0]
    si = snap(hel, [p[0]], [p[1]])
    assert not si.reachable[0] and si.note[0] == ""


def test_matrix_command_reports_the_snap_note(networks, tmp_path, capsys, osm_dir):
    net_file = tmp_path / "b.npz"
    assert main(["network", "build", str(osm_dir / "baltimore_valhalla.osm.pbf"), "-o",
                 str(net_file)]) == 0  # fmt: skip
    pts = tmp_path / "p.csv"
    pts.write_text(f"id,lat,lon\nnear,{NEAR_CUT_OFF[0]},{NEAR_CUT_OFF[1]}\n"
                   "harbor,39.2850,-76.6050\n")  # fmt: skip
    capsys.readouterr()
    assert main(["matrix", str(net_file), str(pts), "-o", str(tmp_path / "m.csv"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["unreachable_points"] == []
    assert [(n["id"], "255 m away" in n["note"]) for n in out["snap_notes"]] == [("near", True)]
    assert main(["route", str(net_file), str(pts)]) == 0
    text = capsys.readouterr().out
    assert "note: near (39.2795542, -76.610279): snapped to the nearest connected road" in text
