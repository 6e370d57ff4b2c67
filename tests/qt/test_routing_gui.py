"""Routing from the window: compile with progress, unreachable accounts, routes, isochrones."""

from __future__ import annotations

import pytest

from territory_desktop import edits
from territory_desktop.model import Account
from territory_desktop.routing.prepared import prepared

WAIT_MS = 60_000


@pytest.fixture
def routed(tdapp, qtbot):
    """The sample plan with its road network compiled (through the window's worker)."""
    controller = tdapp.window.routing
    with qtbot.waitSignal(controller.network_ready, timeout=WAIT_MS):
        tdapp.window.actions["routing.build"].trigger()
    return tdapp


def test_compile_shows_progress_then_caches(routed, qtbot):
    controller = routed.window.routing
    assert controller.network is not None and controller.network.n_nodes > 1000
    cached = list(controller.cache_dir.glob("*.npz"))
    networks = [p for p in cached if ".npz." not in p.name]
    assert len(networks) == 1
    # the loading worker also built the contraction hierarchy and cached the node order
    from territory_desktop.routing import cch

    assert cch.is_built(controller.network)
    assert prepared(controller.network).has_snap_index  # built off the GUI thread too
    assert cch.cache_path(controller.network) in {str(p) for p in cached}
    # a second request reuses the loaded network without any work
    calls = []
    controller.ensure_network(lambda: calls.append(1))
    assert calls == [1]


def test_unreachable_account_is_highlighted_with_reason(routed, qtbot):
    window, doc = routed.window, routed.document
    far = Account("FAR-1", "Lighthouse far out", 39.60, -76.30)  # well outside the extract
    window.apply_edit(lambda: edits.import_accounts(doc.plan, [far]))
    with qtbot.waitSignal(window.routing.reachability_checked, timeout=WAIT_MS) as got:
        window.actions["routing.reachability"].trigger()
    result = got.args[0]
    assert result.checked == len(doc.plan.accounts)
    assert "FAR-1" in result.unreachable
    assert result.unreachable["FAR-1"]  # a reason, not just a flag
    assert "cannot be reached" in window.statusBar().currentMessage()


def test_route_between_selected_accounts(routed, qtbot):
    window, doc = routed.window, routed.document
    ids = list(doc.plan.accounts)[:3]
    window.accounts.search.clear()
    table = window.accounts.table
    model = window.accounts.proxy
    from PySide6.QtCore import QItemSelectionModel

    for aid in ids:
        row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == aid)
        table.selectionModel().select(model.index(row, 0), QItemSelectionModel.SelectionFlag.Select
                                      | QItemSelectionModel.SelectionFlag.Rows)
    assert window.accounts.selected_ids() == ids
    with qtbot.waitSignal(window.routing.route_shown, timeout=WAIT_MS) as shown:
        window.actions["routing.route"].trigger()
    route = shown.args[0]
    assert len(route.legs) == 2
    assert route.total_meters == pytest.approx(sum(leg.meters for leg in route.legs), abs=0.2)
    assert route.total_seconds > 0
    assert "Route: 2 legs" in window.statusBar().currentMessage()


def test_isochrone_around_rep_home(routed, qtbot):
    window, doc = routed.window, routed.document
    rep_id = next(iter(doc.plan.reps))
    small = window.routing.show_isochrone(rep_id, 3)
    large = window.routing.show_isochrone(rep_id, 15)
    assert set(small) <= set(large)
    assert len(large) > len(small) > 0
