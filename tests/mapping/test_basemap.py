from __future__ import annotations

from shared_paths import SHARED_DATA

from territory_desktop.mapping.basemap import basemap_geojson

OSM = SHARED_DATA / "osm"


def _classes(fc, band=None):
    return {
        f["properties"]["class"]
        for f in fc["features"]
        if f["properties"]["kind"] == "road" and (band is None or f["properties"]["band"] == band)
    }


def test_baltimore_roads_by_class_and_band_with_place_names(tmp_path):
    fc, stats = basemap_geojson(OSM / "baltimore_valhalla.osm.pbf", tmp_path)
    assert {"motorway", "primary", "secondary", "residential"} <= _classes(fc)
    assert _classes(fc, 0) <= {"motorway", "trunk", "primary"}  # low zoom: major roads only
    assert "residential" in _classes(fc, 2)
    places = {f["properties"]["name"] for f in fc["features"] if f["properties"]["kind"] == "place"}
    assert {"Canton", "Fells Point"} <= places
    west, south, east, north = fc["bbox"]
    assert -76.7 < west < east < -76.5 and 39.2 < south < north < 39.4
    assert not stats.from_cache and stats.ways > 1000
    again, cached = basemap_geojson(OSM / "baltimore_valhalla.osm.pbf", tmp_path)
    assert cached.from_cache and again == fc


def test_west_oakland_xml_extract_has_roads_and_street_names(tmp_path):
    fc, _ = basemap_geojson(OSM / "west-oakland_osmnx.osm.bz2", tmp_path)
    assert {"secondary", "residential"} <= _classes(fc)
    streets = {
        f["properties"]["name"] for f in fc["features"] if f["properties"]["kind"] == "street"
    }
    assert "7th Street" in streets
