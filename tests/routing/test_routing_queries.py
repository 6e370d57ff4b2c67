"""Snapping, matrices, routes and time-budget queries on real extracts."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from territory_desktop.routing import (
    Cancelled,
    RoadNetwork,
    RoutingError,
    isochrone,
    route,
    travel_matrix,
    within_time,
)
from territory_desktop.routing.network import TIME_SHIFT
from territory_desktop.routing.prepared import prepared
from territory_desktop.routing.snapping import snap


def _points_on_roads(net: RoadNetwork, n: int, seed: int) -> np.ndarray:
    """Random points within ~100 m of random kept segments (all reachable)."""
    rng = np.random.default_rng(seed)
    e = rng.choice(net.n_edges, n)
    lat = net.node_lat[net.arrays["edge_tail"][e]] + rng.normal(0, 0.0005, n)
    lon = net.node_lon[net.arrays["edge_tail"][e]] + rng.normal(0, 0.0005, n)
    return np.column_stack((lat, lon))


def _reference_matrix(net: RoadNetwork, pts: np.ndarray) -> np.ndarray:
    """Return the packed costs networkx computes between snapped points.

    Independent check: networkx Dijkstra on the compiled edges, with each snapped point
    inserted as virtual origin/destination nodes splitting its edge (packed weights).
    """
    s = snap(net, pts[:, 0], pts[:, 1])
    a = net.arrays
    g = nx.DiGraph()
    w = a["edge_time_ms"].astype(np.float64) * TIME_SHIFT + a["edge_length_dm"]
    for e in range(net.n_edges):
        u, v = int(a["edge_tail"][e]), int(a["edge_head"][e])
        if not g.has_edge(u, v) or g[u][v]["w"] > w[e]:
            g.add_edge(u, v, w=float(w[e]))

    def part(e: int, f: float) -> float:
        return np.rint(a["edge_time_ms"][e] * f) * TIME_SHIFT + np.rint(a["edge_length_dm"][e] * f)

    for i in range(len(s)):
        seg, f = int(s.segment[i]), float(s.fraction[i])
        for e in np.flatnonzero(a["edge_seg"] == seg).tolist():
            t, h = int(a["edge_tail"][e]), int(a["edge_head"][e])
            along = 1.0 - f if a["edge_rev"][e] else f  # position from the edge's tail
            g.add_edge(("o", i), h, w=part(e, 1.0 - along))
            g.add_edge(t, ("d", i), w=part(e, along))
            for j in range(len(s)):
                if int(s.segment[j]) == seg:
                    aj = 1.0 - float(s.fraction[j]) if a["edge_rev"][e] else float(s.fraction[j])
                    if aj >= along:
                        c = part(e, aj - along)
                        if not g.has_edge(("o", i), ("d", j)) or g[("o", i)][("d", j)]["w"] > c:
                            g.add_edge(("o", i), ("d", j), w=c)
    out = np.full((len(s), len(s)), np.inf)
    for i in range(len(s)):
        dist = nx.single_source_dijkstra_path_length(g, ("o", i), weight="w")
        for j in range(len(s)):
            out[i, j] = dist.get(("d", j), np.inf)
    return out


@pytest.mark.parametrize("engine", ["cch", "dijkstra"])
@pytest.mark.parametrize("name", ["baltimore", "andorra", "liechtenstein", "helsinki"])
def test_matrix_equals_independent_dijkstra(networks, name, engine):
    net = networks[name]
    pts = _points_on_roads(net, 25, seed=1)
    m = travel_matrix(net, pts, engine=engine)
    assert m.engine == engine
    ok = m.origins.reachable
    assert ok.sum() >= 20
    ref = _reference_matrix(net, pts[ok])
    ref_s = np.floor(ref / TIME_SHIFT) / 1000.0
    ref_m = (ref - np.floor(ref / TIME_SHIFT) * TIME_SHIFT) / 10.0
    got_s = m.seconds[np.ix_(ok, ok)]
    np.testing.assert_allclose(got_s, ref_s, atol=0.1, rtol=0)
    np.testing.assert_allclose(m.meters[np.ix_(ok, ok)], ref_m, atol=0.1, rtol=0)
    assert np.isfinite(got_s).all() and (got_s > 0).sum() >= ok.sum() ** 2 - ok.sum() - 5


def test_matrix_rectangular_and_unreachable_rows(baltimore):
    pts = _points_on_roads(baltimore, 6, seed=2)
    far = np.array([[45.0, -70.0]])
    m = travel_matrix(baltimore, np.vstack((pts, far)), pts[:3])
    assert m.seconds.shape == (7, 3)
    assert np.isinf(m.seconds[6]).all() and np.isinf(m.meters[6]).all()
    assert m.unreachable_origins.tolist() == [6]
    full = travel_matrix(baltimore, pts)
    np.testing.assert_array_equal(m.seconds[:6], full.seconds[:, :3])


def _oneway_segment(net: RoadNetwork, min_len_dm: int = 1500) -> int:
    fwd, bwd = prepared(net).seg_edges
    a = net.arrays
    one = np.flatnonzero((fwd >= 0) & (bwd < 0))
    one = one[a["edge_length_dm"][fwd[one]] >= min_len_dm]
    return int(one[0])


@pytest.mark.parametrize("name", ["baltimore", "sao_paulo", "bayreuth"])
def test_one_way_streets_make_the_matrix_asymmetric(networks, name):
    net = networks[name]
    seg = _oneway_segment(net)
    from territory_desktop.routing.routes import segment_slice

    a_pt = segment_slice(net, seg, 0.2, 0.2)[0]
    b_pt = segment_slice(net, seg, 0.8, 0.8)[0]
    m = travel_matrix(net, [a_pt, b_pt])
    fwd, _ = prepared(net).seg_edges
    e = int(fwd[seg])
    expect = np.rint(net.arrays["edge_time_ms"][e] * 0.6) / 1000.0
    assert m.seconds[0, 1] == pytest.approx(expect, abs=0.002)  # straight along the one-way
    assert m.seconds[1, 0] > m.seconds[0, 1] + 5.0  # must drive around the block
    assert m.meters[1, 0] > m.meters[0, 1]


def test_route_legs_sum_and_match_matrix(baltimore):
    pts = _points_on_roads(baltimore, 5, seed=3)
    r = route(baltimore, pts)
    m = travel_matrix(baltimore, pts)
    assert len(r.legs) == 4
    for k, leg in enumerate(r.legs):
        assert leg.seconds == pytest.approx(m.seconds[k, k + 1], abs=1e-6)
        assert leg.meters == pytest.approx(m.meters[k, k + 1], abs=1e-6)
        # Leg metres = full edges driven + partial edges at both ends (whole decimetres).
        a = baltimore.arrays
        mid = leg.edges[1:-1]
        inner_dm = int(a["edge_length_dm"][mid].sum()) if mid else 0
        assert inner_dm <= round(leg.meters * 10) <= inner_dm + a["edge_length_dm"][
            [leg.edges[0], leg.edges[-1]]
        ].sum()
        # Geometry runs from the snapped start to the snapped end.
        s = r.stops
        assert leg.coordinates[0] == pytest.approx((s.snapped_lat[k], s.snapped_lon[k]), abs=1e-6)
        assert leg.coordinates[-1] == pytest.approx(
            (s.snapped_lat[k + 1], s.snapped_lon[k + 1]), abs=1e-6
        )
    assert r.total_seconds == pytest.approx(sum(leg.seconds for leg in r.legs), abs=1e-9)
    assert r.total_meters == pytest.approx(sum(leg.meters for leg in r.legs), abs=1e-9)
    assert r.total_miles == pytest.approx(r.total_meters / 1609.344)
    gj = r.to_geojson(units="us")
    assert len(gj["features"]) == 4 and "miles" in gj["properties"]
    lon, lat = gj["features"][0]["geometry"]["coordinates"][0]
    assert (lat, lon) == pytest.approx(r.legs[0].coordinates[0])


def test_route_geometry_length_matches_leg_meters(networks):
    net = networks["liechtenstein"]
    pts = _points_on_roads(net, 3, seed=4)
    r = route(net, pts)
    from territory_desktop.geo.distance import haversine_m

    for leg in r.legs:
        c = np.array(leg.coordinates)
        geo = haversine_m(c[:-1, 0], c[:-1, 1], c[1:, 0], c[1:, 1]).sum()
        assert geo == pytest.approx(leg.meters, rel=0.002, abs=2.0)


def test_unreachable_accounts_are_flagged_with_reasons(networks):
    net = networks["baltimore"]
    b = net.bbox
    s = snap(net, [39.28, 45.0, float("nan")], [-76.58, -70.0, 1.0])
    assert s.reachable.tolist()[1:] == [False, False]
    assert "outside the road network's extent" in s.reason[1]
    assert "invalid coordinates" in s.reason[2]
    # Inside the extent but far from any road (the harbour, parks): too far to snap.
    glat, glon = np.meshgrid(np.linspace(b[0], b[2], 30), np.linspace(b[1], b[3], 30))
    g = snap(net, glat.ravel(), glon.ravel(), max_access_m=200.0)
    far = np.array(["no drivable road within 200 m" in r for r in g.reason])
    assert far.sum() > 20
    assert (g.access_m[far] > 200.0).all()
    assert (g.access_m[g.reachable] <= 200.0).all()
    # Helsinki has islands with roads but no road link (ferries only).
    hel = networks["helsinki"]
    isl = np.flatnonzero(hel.arrays["seg_island"])
    assert isl.shape[0] > 0
    from territory_desktop.routing.routes import segment_slice

    p = segment_slice(hel, int(isl[0]), 0.5, 0.5)[0]
    si = snap(hel, [p[0]], [p[1]])
    assert not si.reachable[0] and "not connected to the main road network" in si.reason[0]
    m = travel_matrix(hel, [p, (hel.node_lat[0], hel.node_lon[0])])
    assert np.isinf(m.seconds[0]).all() and np.isinf(m.seconds[:, 0]).all()
    with pytest.raises(RoutingError, match="unreachable: nearest road"):
        route(hel, [p, (hel.node_lat[0], hel.node_lon[0])])


def test_snap_projects_onto_edges_not_nodes(baltimore):
    a = baltimore.arrays
    e = int(np.argmax(a["edge_length_dm"]))  # a long edge: its midpoint is far from nodes
    from territory_desktop.routing.routes import segment_slice

    seg = int(a["edge_seg"][e])
    mid = segment_slice(baltimore, seg, 0.5, 0.5)[0]
    s = snap(baltimore, [mid[0]], [mid[1]])
    assert s.segment[0] == seg or s.access_m[0] < 1.0
    assert s.access_m[0] < 1.0
    node_d = np.hypot(baltimore.node_lat - mid[0], baltimore.node_lon - mid[1]).min() * 111e3
    assert node_d > 20.0
    assert s.fraction[0] == pytest.approx(0.5, abs=0.01) or s.segment[0] != seg


def test_within_time_and_isochrone(baltimore):
    pts = _points_on_roads(baltimore, 40, seed=5)
    home = pts[0]
    m = travel_matrix(baltimore, [home], pts, meters=False)
    idx, secs = within_time(baltimore, home, 300.0, pts)
    expect = np.flatnonzero(m.seconds[0] <= 300.0)
    assert idx.tolist() == expect.tolist() and 0 < len(idx) < 40
    np.testing.assert_allclose(secs, m.seconds[0, idx])
    import shapely

    poly = isochrone(baltimore, home, 300.0)
    assert poly.geom_type in ("Polygon", "MultiPolygon") and poly.area > 0
    inside = shapely.contains_xy(poly, pts[:, 1], pts[:, 0])
    assert inside[idx].mean() > 0.9  # reachable accounts lie on reached roads
    bigger = isochrone(baltimore, home, 600.0)
    assert bigger.area > poly.area


def test_matrix_progress_and_cancel(baltimore):
    pts = _points_on_roads(baltimore, 30, seed=6)
    seen: list[float] = []
    travel_matrix(baltimore, pts, progress=lambda f, msg: seen.append(f))
    assert seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(Cancelled):
        travel_matrix(baltimore, pts, should_stop=lambda: True)


def test_engines_agree_bit_for_bit(networks, tmp_path):
    """All matrix engines agree exactly.

    Both Dijkstra strategies and the contraction hierarchy give the same packed costs,
    so seconds and metres are identical; the node order is cached next to the network.
    """
    from territory_desktop.routing import cch
    from territory_desktop.routing import matrix as mx
    from territory_desktop.routing._progress import Feedback

    for name in ("sao_paulo", "bayreuth", "helsinki"):
        net = networks[name]
        pts = _points_on_roads(net, 150, seed=7)
        pts[::13] += 0.5  # outside the extent: unreachable rows and columns
        s = snap(net, pts[:, 0], pts[:, 1])
        dn, dc, an, ac = mx.endpoints(net, s)
        a = mx._node_dijkstra(net, dn, dc, an, ac, Feedback())
        b = mx._augmented_dijkstra(net, dn, dc, an, ac, Feedback())
        c = cch.packed_matrix(net, dn, dc, an, ac, Feedback())
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(c, a)
        assert np.isinf(c[::13]).all() and np.isinf(c[:, ::13]).all()
        assert np.isfinite(c[1, 2:13]).all()
        d = travel_matrix(net, s, engine="dijkstra")
        h = travel_matrix(net, s, engine="cch")
        np.testing.assert_array_equal(h.seconds, d.seconds)
        np.testing.assert_array_equal(h.meters, d.meters)
        few = s.take(np.arange(1, 6))  # a handful of points: computed without the thread pool
        np.testing.assert_array_equal(travel_matrix(net, few, engine="cch").meters,
                                      d.meters[1:6, 1:6])  # fmt: skip
    src = networks["sao_paulo"]
    net = RoadNetwork(arrays=src.arrays, meta=src.meta)  # no hierarchy built yet
    net.save(tmp_path / "sp.npz")  # gives the order cache a home
    assert not cch.is_ready(net)
    order = cch.node_order(net, Feedback())
    assert sorted(order.tolist()) == list(range(net.n_nodes))
    assert cch.is_ready(net) and list(tmp_path.glob("sp.npz.order*-*.npz"))
    np.testing.assert_array_equal(cch.cached_order(net), order)
    cache = Path(cch.cache_path(net))
    good = cache.read_bytes()
    for damaged in (b"damaged", good[: len(good) // 2]):  # garbage, a truncated zip
        cache.write_bytes(damaged)
        assert cch.cached_order(net) is None  # recomputed, never trusted
    for bad in (np.where(order == order[6], order[5], order), np.where(order == 3, -1, order)):
        np.savez(cache, order=bad)  # the right shape but not a permutation
        assert cch.cached_order(net) is None
    # the order depends on the road graph alone: another speed profile reuses it
    assert cch.cache_path(net) == cch.cache_path(RoadNetwork(
        arrays=src.arrays, meta={**src.meta, "content_hash": "0" * 64}, path=net.path))
    ro = RoadNetwork(arrays=src.arrays, meta=src.meta, path=tmp_path / "gone" / "x.npz")
    np.testing.assert_array_equal(cch.node_order(ro, Feedback()), order)  # folder missing
    with pytest.raises(RoutingError, match="unknown matrix engine"):
        travel_matrix(net, s, engine="fastest")


def test_auto_engine_follows_the_cost_model(networks):
    """The automatic engine choice follows the cost model.

    Dijkstra for a few origins on an unordered network and for one origin to very many
    destinations; the hierarchy for many-to-many, and for small sets once it is built.
    """
    from territory_desktop.routing import matrix as mx
    from territory_desktop.routing import prepare_matrices

    src = networks["sao_paulo"]
    net = RoadNetwork(arrays=src.arrays, meta=src.meta)  # no hierarchy, no order cache
    pts = _points_on_roads(net, 300, seed=8)
    dn = mx.endpoints(net, snap(net, pts[:, 0], pts[:, 1]))[0]
    assert mx._choose_engine(net, "auto", dn[:2], 2) == "dijkstra"
    assert mx._choose_engine(net, "auto", dn, 300) == "cch"
    assert mx._choose_engine(net, "dijkstra", dn, 300) == "dijkstra"
    prepare_matrices(net)  # built: small sets are hierarchy queries too
    assert prepared(net).has_snap_index  # snapping is prepared as well
    assert mx._choose_engine(net, "auto", dn[:2], 2) == "cch"
    assert mx._choose_engine(net, "auto", dn[:1], 20_000) == "dijkstra"  # one to very many


def test_hierarchy_is_a_valid_elimination_tree(networks):
    """The contraction hierarchy has the properties its queries rely on.

    Every upward neighbour of a node is an ancestor in the elimination tree (what lets a
    point's search follow one root path), and customised arcs never undercut shortest paths.
    """
    from scipy.sparse.csgraph import dijkstra

    from territory_desktop.routing import cch
    from territory_desktop.routing._progress import Feedback

    net = networks["andorra"]
    h = cch.hierarchy(net, Feedback())
    n = net.n_nodes
    for x in range(0, n, 7):
        anc = set()
        y = int(h.parent[x])
        while y >= 0:
            anc.add(y)
            y = int(h.parent[y])
        assert set(h.heads[h.ptr[x] : h.ptr[x + 1]].tolist()) <= anc
    inv = np.empty(n, np.int64)
    inv[h.rank] = np.arange(n)
    x = np.repeat(np.arange(n), np.diff(h.ptr))
    tails, heads = inv[x], inv[h.heads]
    d = dijkstra(prepared(net).csr, directed=True, indices=np.unique(tails[:200]))
    src = {v: k for k, v in enumerate(np.unique(tails[:200]).tolist())}
    for k in range(200):
        exact = d[src[int(tails[k])], heads[k]]
        assert h.up[k] >= exact  # a real path's cost (basic customization: an upper bound)


def test_node_order_reports_progress_and_cancels(networks, monkeypatch):
    from territory_desktop.routing import cch
    from territory_desktop.routing._progress import Feedback

    src = networks["sao_paulo"]
    monkeypatch.setattr(cch, "_ORDER_BUDGET", 500)  # many small steps
    seen: list[float] = []
    net = RoadNetwork(arrays=src.arrays, meta=src.meta)
    order = cch.node_order(net, Feedback(lambda f, m: seen.append(f)))
    assert sorted(order.tolist()) == list(range(net.n_nodes))
    assert len(seen) > 5 and seen == sorted(seen)
    calls = iter(range(1000))
    with pytest.raises(Cancelled):
        cch.node_order(RoadNetwork(arrays=src.arrays, meta=src.meta),
                       Feedback(None, lambda: next(calls) >= 3))  # fmt: skip


def test_cch_threads_give_identical_rows_and_cancel(networks):
    from territory_desktop.routing import cch
    from territory_desktop.routing import matrix as mx
    from territory_desktop.routing._progress import Feedback

    net = networks["sao_paulo"]
    pts = _points_on_roads(net, 300, seed=12)
    s = snap(net, pts[:, 0], pts[:, 1])
    dn, dc, an, ac = mx.endpoints(net, s)
    one = cch.packed_matrix(net, dn, dc, an, ac, Feedback(), n_threads=1)
    seen: list[float] = []
    three = cch.packed_matrix(net, dn, dc, an, ac, Feedback(lambda f, m: seen.append(f)),
                              n_threads=3)  # fmt: skip
    np.testing.assert_array_equal(one, three)
    assert seen == sorted(seen) and len(seen) > 5
    calls = iter(range(1000))
    with pytest.raises(Cancelled):
        cch.packed_matrix(net, dn, dc, an, ac, Feedback(None, lambda: next(calls) >= 4))


@pytest.mark.parametrize("engine", ["cch", "dijkstra"])
def test_dense_matrix_combination_and_direct_pairs(baltimore, engine):
    """Many points per node give brute-force exact matrices.

    Many points per node (the gather-and-combine path) with unreachable rows and columns:
    every entry equals the brute-force minimum over the 2 x 2 departure/arrival options of
    node-to-node Dijkstra plus the direct drive along a shared segment.
    """
    from scipy.sparse.csgraph import dijkstra

    from territory_desktop.routing import matrix as mx

    pts = _points_on_roads(baltimore, 400, seed=11)
    pts[::23] += 0.3  # outside the extent: unreachable
    pts[5::97] = pts[4::97]  # duplicates: same segment, same position
    s = snap(baltimore, pts[:, 0], pts[:, 1])
    m = travel_matrix(baltimore, s, engine=engine)
    dn, dc, an, ac = mx.endpoints(baltimore, s)
    full = dijkstra(prepared(baltimore).csr, directed=True)
    dd = full[np.maximum(dn, 0)][:, :, np.maximum(an, 0)]
    dd[dn < 0] = np.inf
    # dd[o, k, d, j]: departure option k of o to arrival option j of d
    best = (dd + dc[:, :, None, None] + ac[None, None]).min(axis=(1, 3))
    direct = np.full_like(best, np.inf)
    for i in range(len(s)):
        for j in range(len(s)):
            if s.reachable[i] and s.reachable[j] and s.segment[i] == s.segment[j]:
                direct[i, j] = mx.direct_cost(baltimore, s.take([i]), s.take([j]))[0, 0]
    assert np.isfinite(direct).sum() > len(s)  # the diagonal and more
    best = np.minimum(best, direct)
    fin = np.isfinite(best)
    with np.errstate(invalid="ignore"):
        secs = np.where(fin, np.floor(best / TIME_SHIFT) / 1000.0, np.inf)
        metres = np.where(fin, (best % TIME_SHIFT) / 10.0, np.inf)
    np.testing.assert_array_equal(m.seconds, secs)
    np.testing.assert_array_equal(m.meters, metres)
    assert not np.isfinite(m.seconds[::23]).any() and not np.isfinite(m.seconds[:, ::23]).any()


def test_snap_index_inputs_are_cached_next_to_the_network(networks, tmp_path):
    """The snap index cache is used, trusted only when sound.

    A network loaded from a file caches the snap index inputs (no pickle); a fresh load
    builds its index from the cache and snaps identically; a damaged cache is rebuilt.
    """
    from territory_desktop.routing import load_network
    from territory_desktop.routing.snap_index import cache_path

    src = networks["helsinki"]  # has islands: both trees matter
    RoadNetwork(arrays=src.arrays, meta=src.meta).save(tmp_path / "h.npz")
    pts = _points_on_roads(src, 300, seed=14)
    pts[::29] += 0.4

    def snapped(net: RoadNetwork) -> tuple:
        s = snap(net, pts[:, 0], pts[:, 1])
        return s.reachable, s.reason, s.segment, s.fraction, s.access_m, s.snapped_lat

    ref = snapped(src)
    first = load_network(tmp_path / "h.npz")
    got = [snapped(first)]
    p = cache_path(first)
    assert p and Path(p).is_file()
    with np.load(p, allow_pickle=False) as z:
        assert {"gx", "gy", "geo", "kept", "island"} <= set(z.files)
    got.append(snapped(load_network(tmp_path / "h.npz")))  # from the cache
    Path(p).write_bytes(b"not an npz")
    got.append(snapped(load_network(tmp_path / "h.npz")))  # rebuilt
    with np.load(p, allow_pickle=False) as z:
        assert "kept" in z.files
    for g in got:
        for a, b in zip(g, ref, strict=True):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_warm_up_compiles_the_kernels_real_use_needs(networks):
    """The warm-up compiles exactly the kernel signatures real use needs.

    The install-time warm-up compiles each kernel for exactly the argument types real use
    passes: after a real order, build and matrix, no kernel has a second signature.
    """
    from territory_desktop.routing import cch

    cch.warm_up()
    src = networks["andorra"]
    net = RoadNetwork(arrays=src.arrays, meta=src.meta)
    pts = _points_on_roads(net, 80, seed=15)
    travel_matrix(net, pts, engine="cch")
    kernels = (cch._dissect, cch._contract, cch._customize, cch._depths,
               cch._searches, cch._pairs)  # fmt: skip
    for k in kernels:
        assert len(k.signatures) == 1, (k.py_func.__name__, k.signatures)
