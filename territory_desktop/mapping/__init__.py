"""Builds the map page and the GeoJSON it shows (folium and shapely; no Qt)."""

from territory_desktop.mapping.basemap import BasemapStats, basemap_geojson, build_basemap
from territory_desktop.mapping.layers import (
    UNASSIGNED_COLOR,
    AccountPoints,
    account_points,
    isochrone_collection,
    reps_collection,
    route_collection,
    territories_collection,
)
from territory_desktop.mapping.messages import (
    COMMANDS,
    EVENTS,
    BridgeMessageError,
    parse_page_message,
)
from territory_desktop.mapping.page import ATTRIBUTION, MapAssetsError, build_map_page

__all__ = [
    "ATTRIBUTION",
    "COMMANDS",
    "EVENTS",
    "UNASSIGNED_COLOR",
    "AccountPoints",
    "BasemapStats",
    "BridgeMessageError",
    "MapAssetsError",
    "account_points",
    "basemap_geojson",
    "build_basemap",
    "build_map_page",
    "isochrone_collection",
    "parse_page_message",
    "reps_collection",
    "route_collection",
    "territories_collection",
]
