"""Our GIS files against GDAL's.

What we write GDAL reads as written; what GDAL writes we read as GDAL does. pyogrio (GDAL) is
a test-only dependency: the app ships neither.
"""

from __future__ import annotations

import json
import math

import geopandas
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import CRS
from shapely.geometry import Point, Polygon

from territory_desktop.geo.units import UnitFileError, read_unit_file
from territory_desktop.geo.vector_files import VectorFileError, list_layers, read_layer, to_wgs84
from territory_desktop.io.exports import ExportError, read_territories, write_territories
from territory_desktop.io.exports.gis import write_accounts
from territory_desktop.model import Territory

FORMATS = ["geojson", "kml", "gpkg", "shp"]


def _gdal(path, **kw):
    frame = pyogrio.read_dataframe(path, **kw)
    frame.columns = [c.lower() for c in frame.columns]  # KML's "Name"
    return frame


def _same_shape(a, b):
    """Compare normalised: Shapefile rings follow the format's orientation."""
    return shapely.normalize(a).equals_exact(shapely.normalize(b), 0.0)


@pytest.mark.parametrize("fmt", FORMATS)
def test_territories_we_write_read_in_gdal_as_written(export_plan, tmp_path, fmt):
    territories = list(export_plan.territories.values())
    holed = Polygon([(-76.7, 39.2), (-76.5, 39.2), (-76.5, 39.4), (-76.7, 39.4)],
                    [[(-76.65, 39.25), (-76.6, 39.25), (-76.6, 39.3)]])
    territories.append(Territory("T9", "Crème brûlée \"Süd\" & <Nord>", "#123456", None, holed,
                                 True))
    out = tmp_path / f"t.{fmt}"
    write_territories(territories, out, fmt, attribution=True)
    frame = _gdal(out)
    info = pyogrio.read_info(out)
    assert CRS.from_user_input(info["crs"]).to_epsg() == 4326
    assert list(frame["id"]) == [t.id for t in territories]
    assert list(frame["name"]) == [t.name for t in territories]
    assert list(frame["color"]) == [t.color for t in territories]
    assert [None if isinstance(r, float) or r in (None, "") else r for r in frame["rep_id"]] \
        == [t.rep_id for t in territories]
    assert [int(v) for v in frame["locked"]] == [int(t.locked) for t in territories]
    for got, want in zip(frame.geometry, territories, strict=True):
        if want.geometry is None:
            assert got is None or got.is_empty
        else:
            # a Shapefile cannot tell a one-part MultiPolygon from a Polygon
            assert got.geom_type == "MultiPolygon" or fmt == "shp"
            assert _same_shape(shapely.MultiPolygon([got]) if got.geom_type == "Polygon"
                               else got,
                               shapely.MultiPolygon([want.geometry])
                               if want.geometry.geom_type == "Polygon" else want.geometry)
    if fmt in ("geojson", "gpkg"):
        assert "© OpenStreetMap contributors" in info["layer_metadata"]["DESCRIPTION"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_accounts_we_write_read_in_gdal_as_written(export_plan, tmp_path, fmt):
    plan = export_plan.copy()
    first = next(iter(plan.accounts))
    plan.accounts[first] = type(plan.accounts[first])(first, "Zoë's Café", 39.29, -76.61)
    territory_of = {a: ("T1" if i % 2 else None) for i, a in enumerate(plan.accounts)}
    out = tmp_path / f"a.{fmt}"
    write_accounts(plan, territory_of, out, fmt)
    frame = _gdal(out)
    accounts = list(plan.accounts.values())
    assert list(frame["id"]) == [a.id for a in accounts]
    assert frame["name"][0] == "Zoë's Café"
    assert [(p.x, p.y) for p in frame.geometry] == [(a.lon, a.lat) for a in accounts]
    potential = [None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
                 for v in frame["potential"]]
    assert potential == [a.potential for a in accounts]
    assert [None if isinstance(t, float) or not t else t for t in frame["territory"]] \
        == [territory_of[a.id] for a in accounts]


def _gdal_sample(tmp_path, fmt, crs):
    """Write with GDAL: accents, a null, an integer and a real, a hole, a null geometry."""
    square = Polygon([(0, 0), (1000, 0), (1000, 1000), (0, 1000)],
                     [[(100, 100), (200, 100), (200, 200), (100, 200)]])
    origin = (500_000, 4_350_000) if crs != 4326 else (-76.6, 39.3)
    scale = 1.0 if crs != 4326 else 1e-4
    geoms = [shapely.affinity.translate(shapely.affinity.scale(square, scale, scale,
                                                               origin=(0, 0)), *origin),
             shapely.affinity.translate(shapely.affinity.scale(square, scale, scale,
                                                               origin=(0, 0)),
                                        origin[0] + 1000 * scale, origin[1]),
             None]
    frame = geopandas.GeoDataFrame(
        {"zip": ["21201", "21202", "21203"], "label": ["Ménage à trois", None, "Straße"],
         "population": np.array([1200, 0, 7], dtype=np.int64),
         "share": [0.25, float("nan"), 1.5]},
        geometry=geoms, crs=crs)
    path = tmp_path / f"gdal.{fmt}"
    if fmt == "kml":  # pyogrio's own call: geopandas would make a folder of KML files
        pyogrio.write_dataframe(frame, path, driver="LIBKML")
    elif fmt == "fgb":  # GDAL's spatial index refuses a null geometry
        pyogrio.write_dataframe(frame, path, SPATIAL_INDEX="NO")
    else:
        frame.to_file(path, layer="units" if fmt == "gpkg" else None, engine="pyogrio")
    return path


@pytest.mark.parametrize(("fmt", "crs"), [("geojson", 4326), ("kml", 4326), ("gpkg", 26918),
                                          ("gpkg", 4326), ("shp", 26918), ("shp", 4326),
                                          ("fgb", 26918), ("fgb", 4326)])
def test_files_gdal_writes_read_as_gdal_reads_them(tmp_path, fmt, crs):
    path = _gdal_sample(tmp_path, fmt, crs)
    want = pyogrio.read_dataframe(path).to_crs(4326)
    got = read_layer(path)
    geoms = to_wgs84(got, str(path))
    assert len(got.records) == len(want) == 3
    for column in ("zip", "label", "population", "share"):
        ours = [r.get(column) for r in got.records]
        theirs = [None if v is None or (isinstance(v, float) and math.isnan(v)) else v
                  for v in want[column].tolist()]
        ours = [None if isinstance(v, float) and math.isnan(v) else v for v in ours]
        if column == "population" and fmt == "kml":  # GDAL's KML keeps the number as text
            theirs = [str(v) for v in theirs]
            ours = [str(v) for v in ours]
        assert ours == theirs, column
    for a, b in zip(geoms, want.geometry, strict=True):
        if b is None or b.is_empty:
            assert a is None
        else:
            assert shapely.normalize(a).equals_exact(shapely.normalize(b), 1e-9)
    assert list_layers(path) == [got.name]


def test_flatgeobuf_with_a_spatial_index_reads_in_gdal_order(tmp_path):
    frame = geopandas.GeoDataFrame(
        {"zip": ["east", "west", "middle"]}, crs=4326,
        geometry=[shapely.box(2, 0, 3, 1), shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    path = tmp_path / "indexed.fgb"
    pyogrio.write_dataframe(frame, path, SPATIAL_INDEX="YES")
    want = pyogrio.read_dataframe(path)
    got = read_layer(path)
    assert [r["zip"] for r in got.records] == list(want["zip"])
    assert all(a.equals_exact(b, 0.0) for a, b in zip(got.geometries, want.geometry,
                                                       strict=True))
    assert read_unit_file(path, id_field="zip").ids == tuple(want["zip"])


def test_shapefile_text_in_the_windows_code_page_reads_with_or_without_its_cpg(tmp_path):
    frame = geopandas.GeoDataFrame({"label": ["Ménage", "Straße"]}, crs=4326,
                                   geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    path = tmp_path / "old.shp"
    pyogrio.write_dataframe(frame, path, encoding="cp1252")
    assert path.with_suffix(".cpg").read_text() == "CP1252"
    assert [r["label"] for r in read_layer(path).records] == ["Ménage", "Straße"]
    path.with_suffix(".cpg").unlink()
    assert [r["label"] for r in read_layer(path).records] == ["Ménage", "Straße"]


def test_geojson_naming_crs84_reads_as_wgs84_and_a_projected_one_is_reprojected(tmp_path):
    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)]).__geo_interface__
    doc = {"type": "FeatureCollection",  # as QGIS and older GDAL write GeoJSON
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
           "features": [{"type": "Feature", "properties": {"id": "T1", "color": "#1f77b4"},
                         "geometry": square}]}
    path = tmp_path / "crs84.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert [t.id for t in read_territories(path).territories] == ["T1"]
    doc["crs"]["properties"]["name"] = "urn:ogc:def:crs:EPSG::3857"
    path.write_text(json.dumps(doc), encoding="utf-8")
    layer = read_unit_file(path)
    # one metre of Web Mercator at the equator: 1 / 111,319.49 degrees either way
    assert layer.geometries[0].bounds == pytest.approx((0, 0, 8.98315e-6, 8.98315e-6), abs=1e-10)
    territory = read_territories(path).territories[0]  # reprojected like the units
    assert territory.geometry.equals_exact(layer.geometries[0], 0.0)


def test_territories_in_a_projected_crs_are_reprojected_to_wgs84(tmp_path):
    """A GeoPackage in UTM 18N (as a county GIS office keeps it) imports where GDAL puts it."""
    path = tmp_path / "utm.gpkg"
    squares = [shapely.box(360_000, 4_350_000, 365_000, 4_355_000),
               shapely.box(365_000, 4_350_000, 370_000, 4_355_000)]
    frame = geopandas.GeoDataFrame({"id": ["T1", "T2"], "name": ["West", "East"],
                                    "color": ["#1f77b4", "#ff7f0e"]},
                                   geometry=squares, crs=26918)
    pyogrio.write_dataframe(frame, path, layer="territories")
    got = read_territories(path)
    assert not got.problems and [t.id for t in got.territories] == ["T1", "T2"]
    want = frame.to_crs(4326).geometry
    for t, w in zip(got.territories, want, strict=True):
        assert shapely.symmetric_difference(t.geometry, w).area <= 1e-9 * w.area
        lon, lat = t.geometry.centroid.coords[0]
        assert -76.8 < lon < -76.4 and 39.2 < lat < 39.4  # 140 km west of UTM 18N's -75


def test_unit_file_from_gdal_geopackage_is_reprojected_with_its_attributes(tmp_path):
    path = _gdal_sample(tmp_path, "gpkg", 26918)
    layer = read_unit_file(path, id_field="zip")
    assert layer.ids == ("21201", "21202")  # the third feature has no geometry
    assert [p.reason for p in layer.problems] == ["no geometry"]
    assert layer.attributes["population"].tolist() == [1200.0, 0.0]
    lon, lat = layer.geometries[0].centroid.coords[0]
    assert -76.0 < lon < -74.0 and 39.0 < lat < 40.0  # UTM 18N near 500 km E, 4350 km N


def test_bad_files_are_one_line_errors_naming_the_file(tmp_path):
    broken = {
        "a.shp": b"not a shapefile at all",
        "b.gpkg": b"SQLite? no",
        "c.kml": b"<kml><Document><Placemark>",
        "d.geojson": b"[1, 2]",
        "e.fgb": b"fgb\x03fgb\x00\xff\xff\xff\x7f",
    }
    for name, data in broken.items():
        path = tmp_path / name
        path.write_bytes(data)
        for call in (read_layer, read_unit_file):
            with pytest.raises((VectorFileError, UnitFileError)) as caught:
                call(path)
            assert str(caught.value).startswith(f"{path}: ") and "\n" not in str(caught.value)
        if path.suffix != ".fgb":  # territories do not come from FlatGeobuf
            with pytest.raises(ExportError, match=f"^{path}: "):
                read_territories(path)
    with pytest.raises(VectorFileError, match=r"unsupported format \.tab"):
        read_layer(tmp_path / "x.tab")


def test_one_bad_geometry_fails_its_feature_not_the_file(tmp_path):
    good = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)]).__geo_interface__
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "A"}, "geometry": good},
        {"type": "Feature", "properties": {"id": "B"},
         "geometry": {"type": "Polygon", "coordinates": [[1, 2]]}}]}
    path = tmp_path / "t.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = read_territories(path)
    assert [t.id for t in result.territories] == ["A"]
    assert result.problems[-1] == (f"{path}:feature 2: geometry: rejected: B is not a valid "
                                   f"geometry ({read_layer(path).errors[1][22:-1]})")
    assert isinstance(read_layer(path).geometries[0], Polygon)
    assert Point(0.5, 0.5).within(read_layer(path).geometries[0])
