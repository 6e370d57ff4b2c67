"""Export a compiled network as an osmnx-style networkx graph (interoperability, analysis)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .profile import ROAD_CLASSES

if TYPE_CHECKING:
    import networkx as nx

    from .network import RoadNetwork


def to_networkx(network: RoadNetwork) -> nx.MultiDiGraph[int]:
    """Return the network as a ``networkx.MultiDiGraph`` with osmnx attribute names.

    Nodes are OSM node ids with ``x`` (lon) and ``y`` (lat); edges carry ``osmid`` (way id),
    ``highway``, ``length`` (m), ``speed_kph``, ``travel_time`` (s, delays included) and
    ``edge_id`` (index into the compiled arrays). ``graph["crs"]`` is EPSG:4326.
    """
    import networkx as nx

    a = network.arrays
    g: nx.MultiDiGraph[int] = nx.MultiDiGraph(crs="epsg:4326",
                                              name=network.meta.get("source_name", ""))
    ids = a["node_osm_id"].tolist()
    g.add_nodes_from(
        (i, {"x": x, "y": y})
        for i, x, y in zip(ids, network.node_lon.tolist(), network.node_lat.tolist(), strict=True)
    )
    tail, head = a["edge_tail"].tolist(), a["edge_head"].tolist()
    for e in range(network.n_edges):
        g.add_edge(
            ids[tail[e]], ids[head[e]],
            osmid=int(a["edge_way_id"][e]), highway=ROAD_CLASSES[int(a["edge_class"][e])],
            length=int(a["edge_length_dm"][e]) / 10.0, speed_kph=float(a["edge_kph"][e]),
            travel_time=int(a["edge_time_ms"][e]) / 1000.0, edge_id=e,
        )  # fmt: skip
    return g
