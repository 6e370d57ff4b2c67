"""A plan that travels: its road network stored in the plan file, clipped and checked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from territory_desktop import cli, edits
from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.io import load_plan, save_plan
from territory_desktop.io.planfile import PlanFileError
from territory_desktop.optimize.plan_schedule import solve_rep
from territory_desktop.resources import resource_path
from territory_desktop.routing import embedded, route, travel_matrix
from territory_desktop.routing.errors import NoRoadNetwork
from territory_desktop.routing.plan_network import embed_network, plan_road_network

SAMPLE = resource_path("sample")
REP = "REP-4"  # 22 visits a week: a quick rotation to compare


@pytest.fixture(scope="module")
def travelling(tmp_path_factory) -> Path:
    """Store the sample's network with the command, written to a folder with no extract."""
    away = tmp_path_factory.mktemp("away")
    out = away / "plan.gpkg"
    code = cli.main(["plan", "embed-network", str(SAMPLE / "sample_plan.gpkg"), "-o", str(out),
                     "--network-cache", str(away.parent / "nets" / "b.npz")])
    assert code == 0
    assert not (away / "baltimore.osm.pbf").exists()
    return out


def test_a_copy_with_no_extract_routes_and_schedules_a_rep_like_the_extract(
        travelling, tmp_path, capsys):
    original = load_plan(SAMPLE / "sample_plan.gpkg")
    from_extract = plan_road_network(original, SAMPLE, tmp_path / "nets")
    copy = load_plan(travelling)
    from_copy = plan_road_network(copy, travelling.parent, tmp_path / "nets")
    assert not from_extract.embedded and from_copy.embedded
    assert "stored in the plan (from baltimore.osm.pbf)" in from_copy.source
    assert "is missing" in from_copy.source

    owned = assign_accounts(original).territory_of
    ids = [a for a, t in owned.items() if t and original.territories[t].rep_id == REP]
    stops = [(original.reps[REP].home_lat, original.reps[REP].home_lon)] + [
        (original.accounts[a].lat, original.accounts[a].lon) for a in ids]
    a, b = route(from_extract.network, stops), route(from_copy.network, stops)
    assert [(leg.seconds, leg.meters) for leg in a.legs] == [
        (leg.seconds, leg.meters) for leg in b.legs]

    s1, _ = solve_rep(original, REP, owned, from_extract.network, seed=3, weeks=1)
    s2, _ = solve_rep(copy, REP, assign_accounts(copy).territory_of, from_copy.network, seed=3,
                      weeks=1)
    assert len(s1.visits) > 10
    assert s1 == s2

    # The command line routes the scheduled copy with no extract, and says on what.
    scheduled = tmp_path / "away" / "scheduled.gpkg"
    scheduled.parent.mkdir()
    save_plan(edits.set_schedule(copy, s2, "schedule", anchor="2025-03-03").plan, scheduled)
    capsys.readouterr()
    assert cli.main(["export", str(scheduled), "mileage", "--rep", REP, "--week", "2025-03-03",
                     "-o", str(tmp_path / "m.csv")]) == 0
    assert "note: roads stored in the plan (from baltimore.osm.pbf)" in capsys.readouterr().err
    assert (tmp_path / "m.csv").read_text(encoding="utf-8").count("\n") > 10


def test_the_stored_network_survives_save_and_load_unchanged(travelling, tmp_path):
    plan = load_plan(travelling)
    assert plan.network is not None
    save_plan(plan, tmp_path / "again.gpkg")
    again = load_plan(tmp_path / "again.gpkg").network
    assert again is not None and dict(again.meta) == dict(plan.network.meta)
    assert again.arrays.keys() == plan.network.arrays.keys()
    for name, array in plan.network.arrays.items():
        assert again.arrays[name].dtype == array.dtype
        assert np.array_equal(again.arrays[name], array), name
    # Edits keep it; taking it out is the command's --remove.
    assert plan.copy().network is plan.network
    assert cli.main(["plan", "embed-network", str(tmp_path / "again.gpkg"), "--remove"]) == 0
    assert load_plan(tmp_path / "again.gpkg").network is None


def test_a_rep_area_is_clipped_with_a_margin_grown_until_drive_times_agree(
        baltimore_network, sample_plan, monkeypatch):
    owned = assign_accounts(sample_plan).territory_of
    rep = sample_plan.reps[REP]
    ids = [a for a, t in owned.items() if t and sample_plan.territories[t].rep_id == REP]
    lats = [sample_plan.accounts[a].lat for a in ids] + [rep.home_lat]
    lons = [sample_plan.accounts[a].lon for a in ids] + [rep.home_lon]
    # No margin at all: the first clip cuts roads some fastest paths use; the check sees it.
    monkeypatch.setattr(embedded, "MIN_MARGIN_M", 1.0)
    monkeypatch.setattr(embedded, "MARGIN_FRACTION", 0.0)
    clipped = embedded.clip_network(baltimore_network, lats, lons)
    assert clipped.attempts > 1
    net = embedded.from_embedded(clipped.network)
    assert net.n_nodes < baltimore_network.n_nodes
    points = np.column_stack((lats, lons))
    full, small = travel_matrix(baltimore_network, points), travel_matrix(net, points)
    assert np.array_equal(full.seconds, small.seconds)
    assert np.array_equal(full.meters, small.meters)
    first = embedded.clip_to_box(baltimore_network, embedded._box(np.array(lats), np.array(lons),
                                                                   1.0))
    assert not np.array_equal(travel_matrix(first, points).seconds, full.seconds)


def test_no_extract_and_no_stored_network_says_so(sample_plan, tmp_path):
    with pytest.raises(NoRoadNetwork, match=r"extract .*baltimore.osm.pbf is missing, and the "
                       "plan carries no road network of its own"):
        plan_road_network(sample_plan, tmp_path, tmp_path / "nets")


def test_an_unreadable_extract_falls_back_to_the_stored_network(travelling, tmp_path):
    (tmp_path / "baltimore.osm.pbf").write_bytes(b"not an extract at all")
    copy = load_plan(travelling)
    used = plan_road_network(copy, tmp_path, tmp_path / "nets")
    assert used.embedded and "cannot be read" in used.source


def _damage(path: Path, sql: str, *args: object) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(sql, args)


@pytest.mark.parametrize(("sql", "args", "reason"), [
    ("UPDATE td_network SET data = ? WHERE name = 'edge_tail'", (b"\xff\xff\xff\x7f" * 10,),
     "bytes for"),
    ("UPDATE td_network SET data = substr(data, 1, 8) WHERE name = 'edge_head'", (),
     "bytes for"),
    ("UPDATE td_network SET dtype = '<i8' WHERE name = 'edge_seg'", (), "expected '<i4'"),
    ("UPDATE td_network SET shape = '[1, 2]' WHERE name = 'seg_kept'", (), "not one length"),
    ("UPDATE td_network SET data = ? WHERE name = 'meta'", (b"{broken",), "td_network"),
    ("UPDATE td_network SET name = 'surprise' WHERE name = 'edge_kph'", (),
     "not an array of a road network"),
    ("DELETE FROM td_network WHERE name = 'edge_kph'", (), "missing array edge_kph"),
])
def test_a_damaged_stored_network_is_one_line_naming_the_table(travelling, tmp_path, sql, args,
                                                              reason):
    path = tmp_path / "damaged.gpkg"
    path.write_bytes(travelling.read_bytes())
    _damage(path, sql, *args)
    with pytest.raises(PlanFileError) as info:
        load_plan(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    assert "table td_network" in message and reason in message


def test_out_of_range_node_indices_are_refused(travelling, tmp_path):
    path = tmp_path / "damaged.gpkg"
    path.write_bytes(travelling.read_bytes())
    with sqlite3.connect(path) as conn:
        (data,) = conn.execute("SELECT data FROM td_network WHERE name='edge_tail'").fetchone()
        bad = np.frombuffer(data, dtype="<i4").copy()
        bad[5] = 10**8
        conn.execute("UPDATE td_network SET data=? WHERE name='edge_tail'", (bad.tobytes(),))
    with pytest.raises(PlanFileError, match="table td_network: edge node index out of range"):
        load_plan(path)


def test_embedding_needs_the_full_network(travelling, capsys):
    assert cli.main(["plan", "embed-network", str(travelling)]) == 2
    assert "the full network of the extract is needed" in capsys.readouterr().err


def test_embed_network_clips_to_accounts_and_homes(baltimore_network, sample_plan):
    plan, clipped = embed_network(sample_plan, baltimore_network)
    assert plan.network is clipped.network and sample_plan.network is None
    assert clipped.checked_points == len(sample_plan.accounts) + len(sample_plan.reps)
