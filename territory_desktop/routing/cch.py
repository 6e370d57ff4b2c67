"""Optional customizable contraction hierarchies (PyPI ``routingkit-cch``) for seconds-only
matrices on large networks.

The expensive part is the nested-dissection node order (~10 s at 270k nodes); it depends only
on the topology, so it is cached next to the network file as
``<network>.cch-<content-hash[:16]>.npz`` (an int32 array, never a pickle). Building the
hierarchy from the order and customizing it with the ``edge_time_ms`` weights take ~0.3 s.
Weights are the same integer milliseconds as the Dijkstra engine, so times are identical.
"""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING, Any

import numpy as np

from ._progress import Feedback

if TYPE_CHECKING:
    from .network import RoadNetwork

_INF = 2**31 - 1


def cache_path(net: RoadNetwork) -> str | None:
    path = getattr(net, "path", None)
    if not path:
        return None
    return f"{os.fspath(path)}.cch-{net.content_hash[:16]}.npz"


def _order(net: RoadNetwork, fb: Feedback) -> list[int]:
    import routingkit_cch as rk

    p = cache_path(net)
    if p and os.path.isfile(p):
        with np.load(p, allow_pickle=False) as z:
            order = z["order"]
        if order.shape[0] == net.n_nodes:
            return order.tolist()
    fb.step(0.0, "ordering nodes for contraction (cached afterwards)")
    e = net.routing_edges
    order_l = rk.compute_order_inertial(
        net.n_nodes,
        net.arrays["edge_tail"][e].tolist(),
        net.arrays["edge_head"][e].tolist(),
        net.node_lat.tolist(),
        net.node_lon.tolist(),
    )
    if p:
        d = os.path.dirname(os.path.abspath(p))
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=d)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, order=np.asarray(order_l, dtype=np.int32))
        os.replace(tmp, p)
    return list(order_l)


def metric(net: RoadNetwork, fb: Feedback) -> Any:
    """The customized CCH metric for ``net`` (built once per process)."""
    cached = net.__dict__.get("_cch_metric")
    if cached is not None:
        return cached[1]
    import routingkit_cch as rk

    order = _order(net, fb)
    fb.step(0.5, "building contraction hierarchy")
    e = net.routing_edges
    cch = rk.CCH(order, net.arrays["edge_tail"][e].tolist(), net.arrays["edge_head"][e].tolist(),
                 False)  # fmt: skip
    m = rk.CCHMetric(cch, net.arrays["edge_time_ms"][e].tolist())
    net.__dict__["_cch_metric"] = (cch, m)  # keep the hierarchy alive with its metric
    return m


def matrix_ms(
    net: RoadNetwork,
    dep_node: np.ndarray,
    dep_ms: np.ndarray,
    targets: np.ndarray,
    fb: Feedback,
) -> np.ndarray:
    """Milliseconds from each origin (up to two departure nodes with initial costs) to each
    target node; inf where unreachable."""
    import routingkit_cch as rk

    m = metric(net, fb.sub(0.0, 0.3))
    q = rk.CCHOneToMany(m, targets.tolist())
    out = np.full((dep_node.shape[0], targets.shape[0]), np.inf)
    fbq = fb.sub(0.3, 1.0)
    n = dep_node.shape[0]
    for i in range(n):
        if i % 64 == 0:
            fbq.step(i / max(n, 1), f"contraction-hierarchy queries {i:,}/{n:,}")
        srcs = [(int(dep_node[i, k]), int(dep_ms[i, k])) for k in range(2) if dep_node[i, k] >= 0]
        if not srcs:
            continue
        row = q.distances_from(srcs[0][0]) if len(srcs) == 1 and srcs[0][1] == 0 else (
            q.distances_from_multi(srcs)
        )
        if None in row:  # unreachable targets (rare: the network is strongly connected)
            row = [_INF if v is None else v for v in row]
        r = np.array(row, dtype=np.float64)
        r[r >= _INF] = np.inf
        out[i] = r
    return out
