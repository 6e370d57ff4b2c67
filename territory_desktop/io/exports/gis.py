"""Territories and accounts for GIS tools: GeoJSON, KML, GeoPackage and Shapefile.

Written and read without GDAL (see geo/vector_files.py for why): GeoJSON with ``json``, KML
with ``xml.etree``, GeoPackage with the plan file's own GeoPackage code, Shapefile with pyshp.
GDAL and QGIS read every file written here (the tests check it with pyogrio). Territories are
written as MultiPolygons in WGS84 with their id, name, colour, owner rep and lock; reading a
file back gives the same territories (single-part MultiPolygons become Polygons again), a file
in another coordinate system is reprojected to WGS84, and bad features are reported one line
each while good ones still import.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
from shapely.geometry.base import BaseGeometry

from territory_desktop.geo.vector_files import VectorFileError, list_layers, read_layer, to_wgs84
from territory_desktop.io import gpkg
from territory_desktop.io.exports._files import (
    OSM_ATTRIBUTION,
    ExportError,
    write_atomic,
    write_atomic_set,
)
from territory_desktop.model import Account, Plan, PlanError, Territory, next_color

GIS_FORMATS = {  # format name -> (name shown to users, file suffix)
    "geojson": ("GeoJSON", ".geojson"),
    "kml": ("KML", ".kml"),
    "gpkg": ("GeoPackage", ".gpkg"),
    "shp": ("ESRI Shapefile", ".shp"),
}
_SUFFIXES = {".geojson": "geojson", ".json": "geojson", ".kml": "kml", ".gpkg": "gpkg",
             ".shp": "shp"}
TERRITORY_FIELDS = ("id", "name", "color", "rep_id", "locked")
_KML = "http://www.opengis.net/kml/2.2"
_DBF_TEXT_BYTES = 254  # the longest text a dBASE field holds


def _check_format(fmt: str) -> None:
    if fmt not in GIS_FORMATS:
        raise ExportError(f"GIS format must be one of {', '.join(GIS_FORMATS)}, not {fmt!r}")


def _text_array(values: Sequence[str | None]) -> np.ndarray:
    return np.array(list(values), dtype=object)


def _value(value: object) -> object:
    """Return a field value as plain Python: NumPy scalars unwrapped, NaN as missing."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


Fields = dict[str, np.ndarray]


def _rows(fields: Fields, n: int) -> list[dict[str, object]]:
    return [{k: _value(v[i]) for k, v in fields.items()} for i in range(n)]


def _write_geojson(tmp: Path, layer: str, geoms: list[Any], fields: Fields, points: bool,
                   note: str) -> None:
    from shapely.geometry import mapping

    doc: dict[str, object] = {"type": "FeatureCollection", "name": layer}
    if note:
        doc["description"] = note  # GDAL reads it as the layer's DESCRIPTION
    doc["features"] = [
        {"type": "Feature", "properties": row, "geometry": None if g is None else mapping(g)}
        for g, row in zip(geoms, _rows(fields, len(geoms)), strict=True)]
    tmp.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")


def _kml_coordinates(coords: Any) -> str:
    return " ".join(f"{float(x)!r},{float(y)!r}" for x, y, *_ in coords)


def _kml_geometry(parent: ElementTree.Element, geom: BaseGeometry) -> None:
    sub = ElementTree.SubElement
    if geom.geom_type == "Point":
        sub(sub(parent, "Point"), "coordinates").text = _kml_coordinates(geom.coords)
    elif geom.geom_type == "Polygon":
        polygon = sub(parent, "Polygon")
        for i, ring in enumerate([geom.exterior, *geom.interiors]):  # type: ignore[attr-defined]
            boundary = sub(polygon, "outerBoundaryIs" if i == 0 else "innerBoundaryIs")
            sub(sub(boundary, "LinearRing"), "coordinates").text = _kml_coordinates(ring.coords)
    else:  # a MultiPolygon
        multi = sub(parent, "MultiGeometry")
        for part in geom.geoms:  # type: ignore[attr-defined]
            _kml_geometry(multi, part)


def _write_kml(tmp: Path, layer: str, geoms: list[Any], fields: Fields, points: bool,
               note: str) -> None:
    """Write KML 2.2 as GDAL's LIBKML driver does.

    The ``id`` and ``name`` fields become each placemark's id and name, the others typed
    SchemaData; coordinates are written exactly, KML being always WGS84.
    """
    sub = ElementTree.SubElement
    root = ElementTree.Element("kml", xmlns=_KML)
    document = sub(root, "Document", id="root_doc")
    if note:
        sub(document, "description").text = note
    schema = sub(document, "Schema", name=layer, id=layer)
    data_fields = [k for k in fields if k not in ("id", "name")]
    for k in data_fields:
        kind = fields[k].dtype.kind
        sub(schema, "SimpleField", name=k, type={"i": "int", "f": "float"}.get(kind, "string"))
    folder = sub(document, "Folder")
    sub(folder, "name").text = layer
    for g, row in zip(geoms, _rows(fields, len(geoms)), strict=True):
        mark = sub(folder, "Placemark")
        if row.get("id") is not None:
            mark.set("id", str(row["id"]))
        if row.get("name") is not None:
            sub(mark, "name").text = str(row["name"])
        data = sub(sub(mark, "ExtendedData"), "SchemaData", schemaUrl=f"#{layer}")
        for k in data_fields:
            if row[k] is not None:
                sub(data, "SimpleData", name=k).text = str(row[k])
        if g is not None:
            _kml_geometry(mark, g)
    ElementTree.indent(root)
    ElementTree.ElementTree(root).write(tmp, encoding="UTF-8", xml_declaration=True)


def _write_gpkg(tmp: Path, layer: str, geoms: list[Any], fields: Fields, points: bool,
                note: str) -> None:
    types = {"i": "INTEGER", "f": "REAL"}
    spec = gpkg.TableSpec(layer, tuple(gpkg.Column(k, types.get(v.dtype.kind, "TEXT"))
                                       for k, v in fields.items()),
                          geometry_type="POINT" if points else "MULTIPOLYGON",
                          description=note)
    rows = [(gpkg.to_blob(g), *row.values())
            for g, row in zip(geoms, _rows(fields, len(geoms)), strict=True)]
    with closing(sqlite3.connect(tmp)) as conn:
        gpkg.initialise(conn)
        gpkg.create_table(conn, spec)
        gpkg.insert_rows(conn, spec, rows)
        gpkg.update_extent(conn, layer, [g for g in geoms if g is not None])
        conn.commit()


def _dbf_text(value: object) -> object:
    if not isinstance(value, str):
        return value
    return value.encode("utf-8")[:_DBF_TEXT_BYTES].decode("utf-8", "ignore")


def _write_shp(tmp: Path, layer: str, geoms: list[Any], fields: Fields, points: bool,
               note: str) -> None:
    """Write a Shapefile with its .dbf (UTF-8, said in a .cpg), .shx and .prj (WGS84).

    For OSM-derived data the attribution goes in a .txt beside it (a Shapefile has no
    metadata).
    """
    import shapefile  # pyshp
    from pyproj import CRS

    rows = [{k: _dbf_text(v) for k, v in row.items()} for row in _rows(fields, len(geoms))]
    with shapefile.Writer(str(tmp), shapeType=shapefile.POINT if points else shapefile.POLYGON,
                          encoding="utf-8") as out:
        for k, v in fields.items():
            if v.dtype.kind == "i":
                out.field(k, "N", 10, 0)
            elif v.dtype.kind == "f":
                out.field(k, "N", 24, 15)  # GDAL's width and decimals for a real
            else:
                longest = max((len(str(r[k]).encode("utf-8")) for r in rows
                               if r[k] is not None), default=1)
                out.field(k, "C", max(1, longest))
        for g, row in zip(geoms, rows, strict=True):
            if g is None:
                out.null()
            elif points:
                out.point(g.x, g.y)
            else:
                out.shape(g.__geo_interface__)  # pyshp orients the rings as the format wants
            # dBASE has no null text: empty, which GDAL reads as null
            out.record(*("" if v is None and fields[k].dtype.kind == "O" else v
                         for k, v in row.items()))
    tmp.with_suffix(".prj").write_text(CRS.from_epsg(4326).to_wkt("WKT1_ESRI"), encoding="ascii")
    tmp.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")
    if note:
        tmp.with_suffix(".txt").write_text(note + "\n", encoding="utf-8")


_WRITERS: dict[str, Callable[[Path, str, list[Any], Fields, bool, str], None]] = {
    "geojson": _write_geojson, "kml": _write_kml, "gpkg": _write_gpkg, "shp": _write_shp}


def _write(path: Path, fmt: str, layer: str, geometry: list[Any], fields: Fields,
           geometry_type: str, attribution: bool) -> list[Path]:
    _check_format(fmt)
    note = f"Contains OpenStreetMap-derived data {OSM_ATTRIBUTION} (ODbL)" if attribution else ""

    def write(tmp: Path) -> None:
        _WRITERS[fmt](tmp, layer, geometry, fields, geometry_type == "Point", note)

    if fmt == "shp":
        return write_atomic_set(path, write)
    return [write_atomic(path, write)]


def write_territories(territories: Sequence[Territory], path: Path, fmt: str, *,
                      attribution: bool = False) -> list[Path]:
    """Territories as a GIS layer ``territories``; returns the files written.

    ``attribution`` adds "© OpenStreetMap contributors" (layer description, KML document
    description, or a ``.txt`` beside a Shapefile) for OSM-derived data.
    """
    from shapely.geometry import MultiPolygon, Polygon

    # A territory's geometry is a Polygon or a MultiPolygon (Territory checks it).
    geoms = [MultiPolygon([t.geometry]) if isinstance(t.geometry, Polygon) else
             t.geometry if isinstance(t.geometry, MultiPolygon) else None
             for t in territories]
    fields = {
        "id": _text_array([t.id for t in territories]),
        "name": _text_array([t.name for t in territories]),
        "color": _text_array([t.color for t in territories]),
        "rep_id": _text_array([t.rep_id for t in territories]),
        "locked": np.array([int(t.locked) for t in territories], dtype=np.int32),
    }
    return _write(Path(path), fmt, "territories", geoms, fields, "MultiPolygon",
                  attribution)


def write_accounts(plan: Plan, territory_of: dict[str, str | None], path: Path, fmt: str, *,
                   attribution: bool = False) -> list[Path]:
    """Accounts as points with their fields, territory and owner rep (layer ``accounts``)."""
    from shapely.geometry import Point

    accounts: list[Account] = list(plan.accounts.values())
    owner = {tid: t.rep_id for tid, t in plan.territories.items()}
    tids = [territory_of.get(a.id) for a in accounts]

    def num(values: Sequence[float | None]) -> np.ndarray:
        return np.array([math.nan if v is None else float(v) for v in values], dtype=float)

    fields = {
        "id": _text_array([a.id for a in accounts]),
        "name": _text_array([a.name for a in accounts]),
        "address": _text_array([a.address for a in accounts]),
        "postcode": _text_array([a.postal_code for a in accounts]),
        "segment": _text_array([a.segment for a in accounts]),
        "industry": _text_array([a.industry for a in accounts]),
        "tier": _text_array([a.tier for a in accounts]),
        "potential": num([a.potential for a in accounts]),
        "territory": _text_array(tids),
        "rep_id": _text_array([owner.get(t) if t else None for t in tids]),
    }
    points = [Point(a.lon, a.lat) for a in accounts]
    return _write(Path(path), fmt, "accounts", points, fields, "Point", attribution)


def write_plan_layer(plan: Plan, kind: str, path: Path, fmt: str) -> list[Path]:
    """Write the plan's ``territories`` or ``accounts`` (with territory and owner) as ``fmt``.

    OSM attribution is added when the plan routes on an OpenStreetMap extract.
    """
    osm = bool(plan.settings.osm_extract)
    if kind == "territories":
        return write_territories(list(plan.territories.values()), path, fmt, attribution=osm)
    if kind != "accounts":
        raise ExportError(f"a GIS layer is territories or accounts, not {kind!r}")
    from territory_desktop.geo.assignment import assign_accounts

    return write_accounts(plan, assign_accounts(plan).territory_of, path, fmt, attribution=osm)


def gis_format(path: Path) -> str:
    """Return the GIS format a file's suffix names ("" when none)."""
    return _SUFFIXES.get(Path(path).suffix.lower(), "")


@dataclass
class TerritoryImport:
    """Territories read from a GIS file, and one line per feature that was left out or fixed."""

    territories: list[Territory] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _format_of(path: Path) -> str:
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ExportError(f"{path}: unsupported format {path.suffix or '(no suffix)'}; "
                          "territories come from .geojson, .kml, .gpkg or .shp")
    return fmt


def _field(row: dict[str, Any], *names: str) -> Any:
    lower = {k.lower(): v for k, v in row.items()}
    for n in names:
        if n in lower and lower[n] is not None and not (isinstance(lower[n], float)
                                                         and math.isnan(lower[n])):
            return lower[n]
    return None


def read_territories(path: Path, layer: str | None = None) -> TerritoryImport:
    """Territories from a GeoJSON, KML, GeoPackage or Shapefile polygon layer.

    Raises
    ------
    ExportError
        The file is missing, of an unsupported kind, unreadable, or has no usable layer.
    """
    from shapely.geometry import MultiPolygon
    from shapely.validation import explain_validity

    path = Path(path)
    _format_of(path)
    if not path.exists():
        raise ExportError(f"{path}: no such file")
    try:
        if layer is None:
            names = list_layers(path)
            layer = "territories" if "territories" in names else (names[0] if names else None)
        if layer is None:
            raise ExportError(f"{path}: the file has no layers")
        found = read_layer(path, layer)
        if found.geometries is None:  # an attribute table (e.g. in a GeoPackage)
            raise ExportError(f"{path}: layer {layer!r} has no geometries; territories are "
                              "polygons")
        geometries = to_wgs84(found, str(path))
    except VectorFileError as exc:
        raise ExportError(str(exc)) from None
    result = TerritoryImport()
    seen: set[str] = set()
    for n, (row, geom) in enumerate(zip(found.records, geometries, strict=True)):
        where = f"{path}:feature {n + 1}"
        tid = str(_field(row, "id", "territory_id") or f"T{n + 1}").strip()
        name = str(_field(row, "name") or tid)
        if tid in seen:
            result.problems.append(f"{where}: column id: rejected: {tid!r} is used twice")
            continue
        if n in found.errors:
            result.problems.append(f"{where}: geometry: rejected: {name} is "
                                   f"{found.errors[n]}")
            continue
        if geom is not None and geom.is_empty:
            geom = None
        if geom is not None and geom.geom_type not in ("Polygon", "MultiPolygon"):
            result.problems.append(f"{where}: geometry: rejected: {name} is a "
                                   f"{geom.geom_type}, not a polygon")
            continue
        if geom is not None and not geom.is_valid:
            result.problems.append(f"{where}: geometry: rejected: {name} is not a valid polygon "
                                   f"({explain_validity(geom)})")
            continue
        if isinstance(geom, MultiPolygon) and len(geom.geoms) == 1:
            geom = geom.geoms[0]
        color = str(_field(row, "color", "colour") or "")
        used = [t.color for t in result.territories]
        rep = _field(row, "rep_id", "rep")
        locked = _field(row, "locked")
        try:
            territory = Territory(tid, name, color, None if rep in (None, "") else str(rep),
                                  geom, bool(int(locked)) if locked is not None else False)
        except PlanError as exc:
            if "colour" not in str(exc):
                result.problems.append(f"{where}: rejected: {exc}")
                continue
            new = next_color(used)
            result.problems.append(f"{where}: column color: warning: {color!r} is not a "
                                   f"colour like #1f77b4; {new} used")
            territory = Territory(tid, name, new, None if rep in (None, "") else str(rep),
                                  geom, bool(int(locked)) if locked is not None else False)
        except (TypeError, ValueError) as exc:
            result.problems.append(f"{where}: rejected: {exc}")
            continue
        seen.add(tid)
        result.territories.append(territory)
    if not result.territories and not result.problems:
        raise ExportError(f"{path}: layer {layer} has no features")
    return result
