"""Territories and accounts for GIS tools: GeoJSON, KML, GeoPackage and Shapefile via pyogrio.

pyogrio is one well-kept GDAL binding whose wheels carry every driver needed here. Territories
are written as MultiPolygons in WGS84 with their id, name, colour, owner rep and lock; reading
a file back gives the same territories (single-part MultiPolygons become Polygons again), and
bad features are reported one line each while good ones still import.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from territory_desktop.io.exports._files import (
    OSM_ATTRIBUTION,
    ExportError,
    write_atomic,
    write_atomic_set,
)
from territory_desktop.model import Account, Plan, PlanError, Territory, next_color

GIS_FORMATS = {  # format name -> (GDAL driver, file suffix)
    "geojson": ("GeoJSON", ".geojson"),
    "kml": ("LIBKML", ".kml"),
    "gpkg": ("GPKG", ".gpkg"),
    "shp": ("ESRI Shapefile", ".shp"),
}
_SUFFIXES = {".geojson": "geojson", ".json": "geojson", ".kml": "kml", ".gpkg": "gpkg",
             ".shp": "shp"}
TERRITORY_FIELDS = ("id", "name", "color", "rep_id", "locked")


def _driver(fmt: str) -> str:
    try:
        return GIS_FORMATS[fmt][0]
    except KeyError:
        raise ExportError(f"GIS format must be one of {', '.join(GIS_FORMATS)}, "
                          f"not {fmt!r}") from None


def _text_array(values: Sequence[str | None]) -> np.ndarray:
    return np.array(list(values), dtype=object)


def _write(path: Path, fmt: str, layer: str, geometry: list[Any], fields: dict[str, np.ndarray],
           geometry_type: str, attribution: bool) -> list[Path]:
    import pyogrio.raw
    import shapely

    driver = _driver(fmt)
    wkb = np.array([None if g is None else shapely.to_wkb(g) for g in geometry], dtype=object)
    note = f"Contains OpenStreetMap-derived data {OSM_ATTRIBUTION} (ODbL)" if attribution else ""
    layer_options: dict[str, str] = {}
    dataset_options: dict[str, str] = {}
    if note and fmt in ("geojson", "gpkg"):
        layer_options["DESCRIPTION"] = note
    if note and fmt == "kml":
        dataset_options["DESCRIPTION"] = note

    def write(tmp: Path) -> None:
        pyogrio.raw.write(tmp, wkb, list(fields.values()), list(fields), layer=layer,
                          driver=driver, geometry_type=geometry_type, crs="EPSG:4326",
                          promote_to_multi=geometry_type.startswith("Multi"),
                          layer_options=layer_options or None,
                          dataset_options=dataset_options or None,
                          encoding="UTF-8" if fmt == "shp" else None)
        if note and fmt == "shp":  # a Shapefile has no metadata: say it beside the file
            tmp.with_suffix(".txt").write_text(note + "\n", encoding="utf-8")

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
    return _write(Path(path), fmt, "territories", geoms, fields, "MultiPolygon", attribution)


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
    import pyogrio
    import pyogrio.raw
    import shapely
    from shapely.validation import explain_validity

    path = Path(path)
    _format_of(path)
    if not path.exists():
        raise ExportError(f"{path}: no such file")
    try:
        layers = pyogrio.list_layers(path)
        if layer is None:
            names = [str(n) for n, _ in layers]
            layer = "territories" if "territories" in names else (names[0] if names else None)
        if layer is None:
            raise ExportError(f"{path}: the file has no layers")
        meta, _, wkb, values = pyogrio.raw.read(path, layer=layer, force_2d=True)
    except ExportError:
        raise
    except Exception as exc:  # GDAL's errors come in several classes; all mean "unreadable"
        raise ExportError(f"{path}: not a readable GIS file ({str(exc).splitlines()[0]})") \
            from None
    if meta.get("crs") and "4326" not in str(meta["crs"]) and "CRS84" not in str(meta["crs"]):
        raise ExportError(f"{path}: coordinates are in {meta['crs']}; territories must be in "
                          "WGS84 longitude/latitude (EPSG:4326)")
    if wkb is None:  # an attribute table (e.g. in a GeoPackage) has no geometry column
        raise ExportError(f"{path}: layer {layer!r} has no geometries; territories are polygons")
    names = [str(n) for n in meta["fields"]]
    result = TerritoryImport()
    seen: set[str] = set()
    for n in range(len(wkb)):
        where = f"{path}:feature {n + 1}"
        row = {name: values[i][n] for i, name in enumerate(names)}
        tid = str(_field(row, "id", "territory_id") or f"T{n + 1}").strip()
        name = str(_field(row, "name") or tid)
        if tid in seen:
            result.problems.append(f"{where}: column id: rejected: {tid!r} is used twice")
            continue
        geom = None if wkb[n] is None else shapely.from_wkb(wkb[n])
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
        if geom is not None and geom.geom_type == "MultiPolygon" and len(geom.geoms) == 1:
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
