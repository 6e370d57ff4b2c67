"""A plan's road network: extract path, cache file, compiling, reachability."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from territory_desktop.model import Account, Plan
from territory_desktop.routing import load_network
from territory_desktop.routing.plan_network import (
    check_reachability,
    compile_network,
    network_cache_path,
    resolve_extract,
    stored_extract,
)
from territory_desktop.routing.prepared import prepared


def test_a_relative_extract_is_taken_from_the_plan_folder(tmp_path):
    plans = tmp_path / "plans"
    assert resolve_extract("", plans) is None
    assert resolve_extract("osm/city.osm.pbf", plans) == plans.resolve() / "osm/city.osm.pbf"
    elsewhere = tmp_path / "data" / "city.osm.pbf"  # an absolute path is kept as it is
    assert resolve_extract(str(elsewhere), plans) == elsewhere


def test_an_extract_beside_the_plan_is_stored_relative_else_absolute(tmp_path):
    plans = tmp_path / "plans"
    inside, outside = plans / "osm" / "a.osm.pbf", tmp_path / "elsewhere" / "b.osm.pbf"
    assert stored_extract(inside, plans) == str(Path("osm") / "a.osm.pbf")
    assert stored_extract(outside, plans) == str(outside.resolve())
    assert resolve_extract(stored_extract(inside, plans), plans) == inside.resolve()


def test_network_cache_file_keeps_the_name_existing_caches_have(tmp_path, monkeypatch):
    extract = tmp_path / "baltimore.osm.pbf"
    key = hashlib.sha1(str(extract.resolve()).encode()).hexdigest()[:12]
    assert network_cache_path(extract, tmp_path / "c") == tmp_path / "c" / f"baltimore-{key}.npz"
    monkeypatch.setenv("TDESK_CACHE", str(tmp_path / "user"))
    assert network_cache_path(extract) == tmp_path / "user" / "networks" / f"baltimore-{key}.npz"


def test_compile_network_caches_and_prepares(osm_dir, tmp_path):
    seen: list[float] = []
    net = compile_network(osm_dir / "west-oakland_osmnx.osm.bz2", tmp_path / "nets",
                          progress=lambda f, m: seen.append(f), should_stop=lambda: False)
    cached = network_cache_path(osm_dir / "west-oakland_osmnx.osm.bz2", tmp_path / "nets")
    assert cached.is_file() and load_network(cached).content_hash == net.content_hash
    assert prepared(net).has_snap_index and prepared(net).cch is not None
    assert seen and seen == sorted(seen) and seen[-1] <= 1.0 and max(seen) > 0.8


def test_check_reachability_names_the_unreachable_accounts(baltimore):
    node = int(np.argmax(baltimore.node_lat))
    plan = Plan(name="reach")
    plan.accounts = {
        "on-road": Account("on-road", "On a road", float(baltimore.node_lat[node]),
                           float(baltimore.node_lon[node])),
        "at-sea": Account("at-sea", "At sea", 30.0, -60.0),
    }
    result = check_reachability(baltimore, plan)
    assert result.checked == 2
    assert list(result.unreachable) == ["at-sea"]
    assert "outside the road network's extent" in result.unreachable["at-sea"]
    assert check_reachability(baltimore, Plan(name="empty")).checked == 0
