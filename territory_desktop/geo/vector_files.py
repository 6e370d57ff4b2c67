"""Read the user's GIS vector files: GeoJSON, KML, Shapefile, GeoPackage, FlatGeobuf, no GDAL.

GDAL (through pyogrio) was three quarters of the bundle's libraries outside Qt for four formats
that need little: GeoJSON is JSON, KML is XML and always WGS84 longitude/latitude, a Shapefile
is read by pyshp (pure Python), a GeoPackage is SQLite with the blobs of ``gpkg_blob``, a
FlatGeobuf file is read by ``flatgeobuf``. A
layer comes back with its fields, one record per feature, shapely geometries (2D) and its
coordinate system as the file states it; the caller decides whether to reproject
(:func:`to_wgs84`). A geometry that cannot be read fails its feature (``errors``), not the
file; a file that cannot be read at all raises :class:`VectorFileError` naming it and why.
"""

from __future__ import annotations

import json
import sqlite3
import struct
import warnings
import zipfile
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from territory_desktop.geo.flatgeobuf import read_flatgeobuf
from territory_desktop.geo.gpkg_blob import GeoPackageError, from_blob

FORMATS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".kml": "KML", ".kmz": "KML",
           ".shp": "Shapefile", ".gpkg": "GeoPackage", ".fgb": "FlatGeobuf"}


class VectorFileError(ValueError):
    """A GIS file that cannot be read at all; the message names the file and the reason."""


@dataclass
class VectorLayer:
    """One layer of a GIS file, as the file has it.

    ``geometries`` is None for a layer without a geometry column (a GeoPackage attribute
    table). ``crs`` is what the file states ("EPSG:n" or WKT), None when it states nothing.
    ``errors`` maps a feature's position to why its geometry could not be read (it is None).
    """

    name: str
    fields: list[str]
    records: list[dict[str, Any]]
    geometries: list[BaseGeometry | None] | None
    crs: str | None = None
    errors: dict[int, str] = field(default_factory=dict)


def list_layers(path: str | Path) -> list[str]:
    """Return the names of the layers in a GIS file, in file order."""
    path = Path(path)
    reader = _format(path)
    if reader == "GeoPackage":
        with closing(_open_gpkg(path)) as conn:
            return [name for name, _ in _gpkg_layers(conn, path)]
    if reader == "KML":
        return [name for name, _ in _kml_layers(_kml_root(path), path.stem)]
    return [_read(path, None).name]


def read_layer(path: str | Path, layer: str | None = None) -> VectorLayer:
    """Read one layer (the first when ``layer`` is None) of a GIS file.

    Raises :class:`VectorFileError` when the file cannot be read.
    """
    return _read(Path(path), layer)


def is_wgs84(crs: str | None) -> bool:
    """Tell whether ``crs`` is WGS84 longitude/latitude (None, stated nothing, counts as it)."""
    if crs is None or crs.upper() in ("EPSG:4326", "OGC:CRS84", "CRS84"):
        return True
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:  # axis order aside: GeoJSON's "urn:ogc:def:crs:OGC:1.3:CRS84" is longitude first
        return bool(CRS.from_user_input(crs).equals(CRS.from_epsg(4326), ignore_axis_order=True))
    except CRSError:
        return False


def to_wgs84(layer: VectorLayer, where: str) -> list[BaseGeometry | None]:
    """Return the layer's geometries in WGS84 longitude/latitude, reprojected with pyproj."""
    geoms = layer.geometries or []
    if is_wgs84(layer.crs):
        return list(geoms)
    from pyproj import Transformer
    from pyproj.exceptions import CRSError

    try:
        t = Transformer.from_crs(layer.crs, "EPSG:4326", always_xy=True)
    except CRSError as exc:
        raise VectorFileError(f"{where}: unknown coordinate system ({exc})") from None

    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(t.transform(xy[:, 0], xy[:, 1]))

    return [None if g is None else shapely.transform(g, project) for g in geoms]


def _format(path: Path) -> str:
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise VectorFileError(f"{path}: unsupported format {path.suffix or '(no suffix)'}; "
                              "GIS files are GeoJSON, KML, Shapefile (.shp), GeoPackage or "
                              "FlatGeobuf")
    if not path.is_file():
        raise VectorFileError(f"{path}: no such file")
    return kind


def _read(path: Path, layer: str | None) -> VectorLayer:
    readers: dict[str, Callable[[Path, str | None], VectorLayer]] = {
        "GeoJSON": _read_geojson, "KML": _read_kml, "Shapefile": _read_shapefile,
        "GeoPackage": _read_gpkg, "FlatGeobuf": _read_fgb}
    return readers[_format(path)](path, layer)


def _one_layer(path: Path, name: str, layer: str | None) -> None:
    if layer not in (None, name):
        raise VectorFileError(f"{path}: no layer {layer!r}; the file has one layer, {name!r}")


def _geometry(build: Callable[[Any], BaseGeometry | None], source: Any,
              errors: dict[int, str], k: int) -> BaseGeometry | None:
    """Build feature ``k``'s geometry (2D); an unreadable one is recorded in ``errors``."""
    try:
        geom = build(source)
    except Exception as exc:  # shapely and the parsers raise several types for bad input
        errors[k] = f"not a valid geometry ({exc})"
        return None
    return None if geom is None else shapely.force_2d(geom)


# ------------------------------------------------------------------------------ GeoJSON

def _read_geojson(path: Path, layer: str | None) -> VectorLayer:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VectorFileError(f"{path}: not a readable GeoJSON file ({exc})") from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise VectorFileError(f"{path}: a GeoJSON FeatureCollection was expected")
    name = str(data.get("name") or path.stem)
    _one_layer(path, name, layer)
    crs = None
    if isinstance(data.get("crs"), dict):  # the 2008 GeoJSON spec; RFC 7946 is always WGS84
        crs = str((data["crs"].get("properties") or {}).get("name") or "") or None
    records: list[dict[str, Any]] = []
    geoms: list[BaseGeometry | None] = []
    errors: dict[int, str] = {}
    for k, feat in enumerate(data.get("features") or []):
        feat = feat if isinstance(feat, dict) else {}
        props = dict(feat.get("properties") or {})
        if "id" in feat and "id" not in props:  # GDAL reads a feature's id as a field too
            props["id"] = feat["id"]
        records.append(props)
        geo = feat.get("geometry")
        geoms.append(_geometry(_geojson_shape, geo, errors, k))
    fields = list(dict.fromkeys(key for r in records for key in r))
    return VectorLayer(name, fields, records, geoms, crs, errors)


def _geojson_shape(geometry: Any) -> BaseGeometry | None:
    return shape(geometry) if geometry else None


# ------------------------------------------------------------------------------ KML

def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _child(element: ElementTree.Element, name: str) -> ElementTree.Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _child_text(element: ElementTree.Element, name: str) -> str | None:
    found = _child(element, name)
    return None if found is None or found.text is None else found.text.strip()


def _kml_root(path: Path) -> ElementTree.Element:
    try:
        if path.suffix.lower() == ".kmz":  # a zip whose first .kml is the document
            with zipfile.ZipFile(path) as kmz:
                inner = next(n for n in kmz.namelist() if n.lower().endswith(".kml"))
                return ElementTree.fromstring(kmz.read(inner))
        return ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError, zipfile.BadZipFile, StopIteration) as exc:
        reason = "no .kml inside" if isinstance(exc, StopIteration) else str(exc)
        raise VectorFileError(f"{path}: not a readable KML file ({reason})") from None


def _kml_layers(root: ElementTree.Element, default: str,
                ) -> list[tuple[str, list[ElementTree.Element]]]:
    """(name, placemarks) per Document or Folder holding placemarks, as GDAL lists them."""
    layers: list[tuple[str, list[ElementTree.Element]]] = []

    def visit(container: ElementTree.Element, name: str) -> None:
        own = [c for c in container if _local(c.tag) == "Placemark"]
        if own:
            unique, n = name, 1
            while unique in [n for n, _ in layers]:
                n += 1
                unique = f"{name} ({n})"
            layers.append((unique, own))
        for c in container:
            if _local(c.tag) in ("Document", "Folder"):
                visit(c, _child_text(c, "name") or name)

    visit(root, default)
    return layers


_KML_TYPES: dict[str, Callable[[str], object]] = {
    "int": int, "uint": int, "short": int, "ushort": int, "float": float, "double": float,
    "bool": lambda v: v.strip().lower() in ("1", "true")}


def _kml_coordinates(text: str | None) -> list[tuple[float, float]]:
    points = []
    for item in (text or "").split():
        parts = item.split(",")
        if len(parts) < 2:
            raise ValueError(f"bad coordinate {item!r}")
        points.append((float(parts[0]), float(parts[1])))
    return points


def _kml_geometry(element: ElementTree.Element) -> BaseGeometry:
    kind = _local(element.tag)
    if kind == "Point":
        return shapely.Point(_kml_coordinates(_child_text(element, "coordinates"))[0])
    if kind in ("LineString", "LinearRing"):
        return shapely.LineString(_kml_coordinates(_child_text(element, "coordinates")))
    if kind == "Polygon":
        rings = []
        for boundary in ("outerBoundaryIs", "innerBoundaryIs"):
            for b in (c for c in element if _local(c.tag) == boundary):
                ring = _child(b, "LinearRing")
                if ring is not None:
                    rings.append(_kml_coordinates(_child_text(ring, "coordinates")))
        if not rings:
            return shapely.Polygon()
        return shapely.Polygon(rings[0], rings[1:])
    if kind == "MultiGeometry":
        parts: list[Any] = [_kml_geometry(c) for c in element
                            if _local(c.tag) in _KML_GEOMETRIES]
        kinds = {p.geom_type for p in parts}
        if kinds == {"Polygon"}:
            return shapely.MultiPolygon(parts)
        if kinds == {"Point"}:
            return shapely.MultiPoint(parts)
        if kinds == {"LineString"}:
            return shapely.MultiLineString(parts)
        return shapely.GeometryCollection(parts)
    raise ValueError(f"unsupported KML geometry {kind}")


_KML_GEOMETRIES = ("Point", "LineString", "LinearRing", "Polygon", "MultiGeometry")


def _read_kml(path: Path, layer: str | None) -> VectorLayer:
    root = _kml_root(path)
    layers = _kml_layers(root, path.stem)
    if not layers:
        raise VectorFileError(f"{path}: the file has no placemarks")
    chosen = layers[0] if layer is None else next((x for x in layers if x[0] == layer), None)
    if chosen is None:
        raise VectorFileError(f"{path}: no layer {layer!r}; layers are "
                              f"{', '.join(n for n, _ in layers)}")
    types = {str(f.get("name")): _KML_TYPES.get(str(f.get("type")).lower(), str)
             for f in root.iter() if _local(f.tag) == "SimpleField"}
    records: list[dict[str, Any]] = []
    geoms: list[BaseGeometry | None] = []
    errors: dict[int, str] = {}
    for k, mark in enumerate(chosen[1]):
        props: dict[str, Any] = {} if mark.get("id") is None else {"id": mark.get("id")}
        for key in ("name", "description"):
            if _child(mark, key) is not None:
                props[key] = _child_text(mark, key)
        for item in mark.iter():
            tag = _local(item.tag)
            if tag == "SimpleData":
                key, text = str(item.get("name")), (item.text or "").strip()
                try:
                    props[key] = types.get(key, str)(text) if text else None
                except ValueError:
                    props[key] = text
            elif tag == "Data":
                props[str(item.get("name"))] = _child_text(item, "value")
        records.append(props)
        found = next((c for c in mark if _local(c.tag) in _KML_GEOMETRIES), None)
        geoms.append(None if found is None else _geometry(_kml_geometry, found, errors, k))
    fields = list(dict.fromkeys(key for r in records for key in r))
    return VectorLayer(chosen[0], fields, records, geoms, None, errors)


# ------------------------------------------------------------------------------ Shapefile

def _read_shapefile(path: Path, layer: str | None) -> VectorLayer:
    import shapefile  # pyshp

    _one_layer(path, path.stem, layer)
    crs = None
    prj = path.with_suffix(".prj")
    if prj.is_file():
        crs = prj.read_text(encoding="utf-8", errors="replace").strip() or None
    try:
        rows = _shapefile_rows(shapefile, path, None)  # the .cpg's encoding, else UTF-8
    except Exception as exc:  # pyshp raises struct, index and value errors on damaged files
        if path.with_suffix(".cpg").is_file():
            raise VectorFileError(f"{path}: not a readable Shapefile ({exc})") from None
        try:  # no .cpg and not UTF-8: the Windows code page older tools wrote
            rows = _shapefile_rows(shapefile, path, "cp1252")
        except Exception:
            raise VectorFileError(f"{path}: not a readable Shapefile ({exc})") from None
    fields, records, shapes = rows
    geoms: list[BaseGeometry | None] = []
    errors: dict[int, str] = {}
    for k, s in enumerate(shapes):
        geoms.append(None if s.shapeType == shapefile.NULL else
                     _geometry(_shapefile_shape, s, errors, k))
    return VectorLayer(path.stem, fields, records, geoms, crs, errors)


def _shapefile_shape(record_shape: Any) -> BaseGeometry:
    with warnings.catch_warnings():
        # pyshp warns about rings it had to guess (holes without a shell): read as it found
        warnings.simplefilter("ignore")
        return shape(record_shape.__geo_interface__)


def _shapefile_rows(shapefile: Any, path: Path, encoding: str | None,
                    ) -> tuple[list[str], list[dict[str, Any]], list[Any]]:
    with shapefile.Reader(str(path), encoding=encoding) as r:
        fields = [str(f[0]) for f in r.fields[1:]]
        text = {str(f[0]) for f in r.fields[1:] if f[1] == "C"}
        records, shapes = [], []
        for item in r.iterShapeRecords():
            # dBASE has no null text: GDAL reads an empty one as null, and so do we
            records.append({k: None if k in text and v == "" else v
                            for k, v in zip(fields, list(item.record), strict=True)})
            shapes.append(item.shape)
    return fields, records, shapes


# ------------------------------------------------------------------------------ FlatGeobuf

def _read_fgb(path: Path, layer: str | None) -> VectorLayer:
    try:
        name, fields, records, geoms, crs, errors = read_flatgeobuf(path.read_bytes())
    except (OSError, ValueError, IndexError, struct.error, UnicodeDecodeError) as exc:
        raise VectorFileError(f"{path}: not a readable FlatGeobuf file ({exc})") from None
    _one_layer(path, name or path.stem, layer)
    return VectorLayer(name or path.stem, fields, records,
                       [None if g is None else shapely.force_2d(g) for g in geoms], crs, errors)


# ------------------------------------------------------------------------------ GeoPackage

def _open_gpkg(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise VectorFileError(f"{path}: not a readable GeoPackage ({exc})") from None
    return conn


def _gpkg_layers(conn: sqlite3.Connection, path: Path) -> list[tuple[str, str]]:
    try:
        return [(str(n), str(t)) for n, t in conn.execute(
            "SELECT table_name, data_type FROM gpkg_contents WHERE data_type IN "
            "('features', 'attributes') ORDER BY table_name")]
    except sqlite3.Error as exc:
        raise VectorFileError(f"{path}: not a readable GeoPackage ({exc})") from None


def _gpkg_crs(conn: sqlite3.Connection, srs_id: int) -> str | None:
    row = conn.execute("SELECT organization, organization_coordsys_id, definition FROM "
                       "gpkg_spatial_ref_sys WHERE srs_id = ?", (srs_id,)).fetchone()
    if row is None or srs_id in (0, -1):  # the GeoPackage's "undefined" systems
        return None
    organization, code, definition = row
    if str(organization).upper() == "EPSG":
        return f"EPSG:{code}"
    return str(definition) if definition and definition != "undefined" else None


def _read_gpkg(path: Path, layer: str | None) -> VectorLayer:
    with closing(_open_gpkg(path)) as conn:
        layers = _gpkg_layers(conn, path)
        if not layers:
            raise VectorFileError(f"{path}: the file has no layers")
        names = [n for n, _ in layers]
        name = names[0] if layer is None else layer
        if name not in names:
            raise VectorFileError(f"{path}: no layer {layer!r}; layers are {', '.join(names)}")
        try:
            return _gpkg_table(conn, name)
        except sqlite3.Error as exc:
            raise VectorFileError(f"{path}: layer {name!r} is not readable ({exc})") from None


def _gpkg_table(conn: sqlite3.Connection, name: str) -> VectorLayer:
    quoted = '"' + name.replace('"', '""') + '"'
    geometry = conn.execute("SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE "
                            "table_name = ?", (name,)).fetchone()
    info = conn.execute(f"PRAGMA table_info({quoted})").fetchall()
    key = next((str(c[1]) for c in info if c[5] == 1 and str(c[2]).upper() == "INTEGER"), None)
    geom_column = str(geometry[0]) if geometry else None
    fields = [str(c[1]) for c in info if str(c[1]) not in (key, geom_column)]
    records: list[dict[str, Any]] = []
    blobs: list[object] = []
    columns = ", ".join('"' + f.replace('"', '""') + '"' for f in
                        ([geom_column] if geom_column else []) + fields) or "1"
    order = f' ORDER BY "{key}"' if key else ""
    for row in conn.execute(f"SELECT {columns} FROM {quoted}{order}"):
        values = list(row)
        if geom_column:
            blobs.append(values.pop(0))
        records.append(dict(zip(fields, values, strict=True)) if fields else {})
    if not geom_column:
        return VectorLayer(name, fields, records, None)
    errors: dict[int, str] = {}
    geoms = [_geometry(_blob, b, errors, k) for k, b in enumerate(blobs)]
    return VectorLayer(name, fields, records, geoms, _gpkg_crs(conn, int(geometry[1])), errors)


def _blob(value: object) -> BaseGeometry | None:
    try:
        geom = from_blob(value)  # type: ignore[arg-type]
    except GeoPackageError as exc:
        raise ValueError(str(exc)) from None
    return None if geom is None or geom.is_empty else geom
