"""Routing engine on OpenStreetMap road networks (Qt-free, offline).

Public API
----------
``SpeedProfile`` (``SpeedProfile.for_country(code)``)
    Drivable filter, speed per road class, intersection delay model (see ``profile``).
``build_network(extract_path, profile=None, progress=None, should_stop=None) -> RoadNetwork``
    Read .osm/.osm.bz2/.osm.gz/.osm.pbf with pyosmium, compile the largest strongly connected
    drivable component into int32/float32 arrays.
``RoadNetwork.save(path)`` / ``load_network(path) -> RoadNetwork``
    ``.npz`` without pickle, atomic write; ``meta`` carries the content hash of extract+profile.
``load_or_build(extract_path, network_path, profile=None, ...) -> RoadNetwork``
    Reuse a compiled network whose content hash matches, else build and save it.
``snap(network, lats, lons, max_access_m=500.0) -> SnapResult``
    Nearest drivable edge; unreachable points flagged with a reason.
``travel_matrix(network, origins, destinations=None, *, meters=True, engine="auto",
max_access_m=500.0, progress=None, should_stop=None) -> TravelMatrix``
    Asymmetric seconds and metres, ``np.inf`` where there is no drive.
``prepare_matrices(network, progress=None, should_stop=None)``
    Build the snap index and contraction hierarchy ahead of time (e.g. in the loading worker).
``route(network, stops, *, names=None, max_access_m=500.0) -> Route``
    Legs (seconds, metres, miles, (lat, lon) coordinates, edge ids), totals, ``to_geojson()``.
``within_time(network, origin, seconds, points) -> (indices, seconds)``,
``times_from_homes(network, homes, accounts) -> TravelMatrix``,
``isochrone(network, origin, seconds) -> shapely Polygon | MultiPolygon``
``to_networkx(network) -> networkx.MultiDiGraph`` (osmnx-style attributes)
Errors: ``RoutingError``; ``NetworkBuildError`` (a RoutingError); ``Cancelled`` (a
RoutingError) when ``should_stop()`` returns True.

Points are (lat, lon) in WGS84. All times include the intersection delay model described in
``territory_desktop.routing.profile``.
"""

from .errors import Cancelled, NetworkBuildError, RoutingError
from .isochrone import isochrone, times_from_homes, within_time
from .matrix import TravelMatrix, prepare_matrices, travel_matrix
from .network import RoadNetwork, build_network, load_network, load_or_build
from .nx_export import to_networkx
from .profile import ROAD_CLASSES, SpeedProfile
from .routes import Leg, Route, route
from .snapping import SnapResult, snap

__all__ = [
    "ROAD_CLASSES",
    "Cancelled",
    "Leg",
    "NetworkBuildError",
    "RoadNetwork",
    "Route",
    "RoutingError",
    "SnapResult",
    "SpeedProfile",
    "TravelMatrix",
    "build_network",
    "isochrone",
    "load_network",
    "load_or_build",
    "prepare_matrices",
    "route",
    "snap",
    "times_from_homes",
    "to_networkx",
    "travel_matrix",
    "within_time",
]
