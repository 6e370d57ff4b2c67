"""Derived routing structures live in one PreparedNetwork, not in the network's __dict__."""

from __future__ import annotations

import numpy as np

from territory_desktop.routing import RoadNetwork, prepare_matrices, travel_matrix
from territory_desktop.routing.prepared import prepared


def test_queries_share_one_prepared_network_and_leave_the_network_plain(networks):
    src = networks["andorra"]
    net = RoadNetwork(arrays=src.arrays, meta=src.meta)
    prepare_matrices(net)
    pts = np.column_stack((net.node_lat[:5], net.node_lon[:5]))
    m = travel_matrix(net, pts)
    assert m.seconds.shape == (5, 5)
    p = prepared(net)
    assert p is prepared(net) and p.network is net
    assert p.has_snap_index and p.cch is not None
    assert set(vars(net)) == {"arrays", "meta", "path", "derived"}
    assert prepared(src) is not p  # another network object prepares its own
