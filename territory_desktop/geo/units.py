"""Geographic units (ZIP/ZCTA, county, state, or the user's own polygons) and their dissolve.

Built-in layers ship in ``resources/geo/`` (see its ATTRIBUTION.md). User files: GeoJSON,
GeoPackage, Shapefile, KML or FlatGeobuf (geo/vector_files.py), reprojected to WGS84. Every
feature is checked: no geometry, a non-polygon, a duplicate or missing id are rejected with
the feature's number and reason; an invalid polygon is repaired (``make_valid``) and reported;
where two units overlap the overlap stays with the first and the later one is cut. So the
units never overlap, and a territory's outline (the union of its units) never overlaps
another's: no slivers, no gaps inside the covered region.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from territory_desktop.geo.polygons import _polygonal, area_m2
from territory_desktop.geo.vector_files import VectorFileError, read_layer, to_wgs84
from territory_desktop.resources import resource_path

BUILTIN = {
    # kind: (files, id field, name fields)
    "state": (("us_states.geojson.gz",), "state_abbr", ("state_name",)),
    "county": (("us_counties.geojson.gz",), "county_fips", ("county_name", "state_abbr")),
    "zcta": (("zcta_ca.geojson.gz", "zcta_ct_dc_de_hi_nh_ri.geojson.gz"), "ZCTA5CE10", ()),
}
BUILTIN_STATES = {"zcta": ("CA", "CT", "DC", "DE", "HI", "NH", "RI")}
"""The states (``state_abbr``) a built-in layer has units in; one not named covers the US."""
_ATTRIBUTE_ID = {"state": "state_abbr", "county": "county_fips", "zcta": "ZCTA5CE10"}
_ID_GUESSES = ("id", "unit_id", "zcta5ce10", "zcta5ce20", "geoid", "zip", "zipcode", "zip_code",
               "postcode", "county_fips", "fips", "name")
_NAME_GUESSES = ("name", "unit_name", "namelsad", "label", "title")
OVERLAP_M2 = 1.0  # overlaps smaller than this are rounding, not overlaps
_TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xls", ".ods")  # no geometry: say so


class UnitFileError(ValueError):
    """A unit file that cannot be read at all; the message names the file and the reason."""


@dataclass(frozen=True)
class UnitProblem:
    """A feature that was rejected (``rejected``) or changed (repaired, overlap cut)."""

    source: str
    feature: int  # 1-based position in the file
    unit_id: str
    reason: str
    rejected: bool = True

    def __str__(self) -> str:
        """Return the one-line message: file, feature number, id, what happened and why."""
        what = "rejected" if self.rejected else "changed"
        return f"{self.source}: feature {self.feature} ({self.unit_id or 'no id'}): {what}: " \
               f"{self.reason}"


@dataclass(frozen=True)
class UnitLayer:
    """Valid, non-overlapping polygon units with ids, names and numeric attributes."""

    kind: str
    source: str
    ids: tuple[str, ...]
    names: tuple[str, ...]
    geometries: tuple[BaseGeometry, ...]
    attributes: dict[str, np.ndarray] = field(default_factory=dict)
    problems: tuple[UnitProblem, ...] = ()

    def __len__(self) -> int:
        """Return the number of units."""
        return len(self.ids)

    def subset(self, idx: Sequence[int]) -> UnitLayer:
        """Return the layer of the units at positions ``idx``, in that order."""
        idx = list(idx)
        return UnitLayer(self.kind, self.source, tuple(self.ids[i] for i in idx),
                         tuple(self.names[i] for i in idx),
                         tuple(self.geometries[i] for i in idx),
                         {k: v[idx] for k, v in self.attributes.items()}, self.problems)


def load_builtin(kind: str, bbox: tuple[float, float, float, float] | None = None) -> UnitLayer:
    """Load a shipped unit layer with its population and households.

    Parameters
    ----------
    kind : str
        ``"zcta"``, ``"county"`` or ``"state"``.
    bbox : tuple of float, optional
        (min lon, min lat, max lon, max lat): keep only the units that intersect it.

    Returns
    -------
    UnitLayer
        The units, with ``population`` and ``households`` attributes (NaN where unknown).
    """
    if kind not in BUILTIN:
        raise UnitFileError(f"unknown unit layer {kind!r}; use zcta, county or state")
    files, id_field, name_fields = BUILTIN[kind]
    features = []
    for name in files:
        path = resource_path("geo", name)
        try:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                features += json.load(f)["features"]
        except OSError as exc:
            raise UnitFileError(f"cannot read the shipped unit layer {path}: {exc}") from None
    layer = _from_features(kind, f"{kind} (built-in)", features, id_field, name_fields, bbox)
    population, households = _builtin_attributes(kind)
    layer.attributes["population"] = np.array([population.get(i, np.nan) for i in layer.ids])
    layer.attributes["households"] = np.array([households.get(i, np.nan) for i in layer.ids])
    return layer


def _builtin_attributes(kind: str) -> tuple[dict[str, float], dict[str, float]]:
    pop: dict[str, float] = {}
    hh: dict[str, float] = {}
    with open(resource_path("geo", "unit_attributes.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["layer"] == kind:
                pop[row["id"]] = float(row["population"])
                hh[row["id"]] = float(row["households"])
    return pop, hh


def read_unit_file(path: str | os.PathLike[str], id_field: str | None = None,
                   name_field: str | None = None, layer: str | None = None) -> UnitLayer:
    """Read units from a polygon file: GeoJSON, GeoPackage, Shapefile, KML or FlatGeobuf.

    Units are named by ``name_field``, or a field called name, label or title (else by their
    ids). Numeric fields become attributes (e.g. population, potential); feature problems are
    listed in ``problems``, not raised. Raises :class:`UnitFileError` when the file cannot be
    read at all, has no features or no id field.
    """
    source = Path(path)
    if not source.is_file():
        raise UnitFileError(f"{source}: the file does not exist")
    if source.suffix.lower() in _TABLE_SUFFIXES:
        raise UnitFileError(f"{source}: the file has no geometry, so it holds no polygon units")
    features = _read_features(source, layer)
    if not features:
        raise UnitFileError(f"{source}: no features")
    props = [f.get("properties") or {} for f in features if isinstance(f, dict)]
    id_field = id_field or _guess_id(props, source)
    names = (name_field,) if name_field else _guess_name(props, id_field)
    return _from_features("file", str(source), features, id_field, names, None)


def _guess_id(props: list[dict[str, Any]], source: Path) -> str:
    keys = list(dict.fromkeys(k for p in props[:50] for k in p))
    folded = {k.casefold(): k for k in keys}
    for guess in _ID_GUESSES:
        if guess in folded:
            return folded[guess]
    raise UnitFileError(f"{source}: no id field found (looked for {', '.join(_ID_GUESSES)}); "
                        f"fields are {', '.join(keys) or 'none'}: name one with --id-field")


def _guess_name(props: list[dict[str, Any]], id_field: str) -> tuple[str, ...]:
    """Return the field naming the units ("name", ...) when one other than the id is there."""
    folded = {k.casefold(): k for p in props[:50] for k in p}
    found = [folded[g] for g in _NAME_GUESSES if g in folded and folded[g] != id_field]
    return tuple(found[:1])


def _read_features(source: Path, layer: str | None) -> list[dict[str, Any]]:
    """Return the file's features as GeoJSON-like dicts in WGS84.

    A feature whose geometry could not be read carries the reason in ``error``.
    """
    try:
        found = read_layer(source, layer)
        if found.geometries is None:  # a GeoPackage attribute table
            raise UnitFileError(f"{source}: the file has no geometry, so it holds no polygon "
                                "units")
        geoms = to_wgs84(found, str(source))
    except VectorFileError as exc:
        raise UnitFileError(str(exc)) from None
    return [{"type": "Feature", "properties": {k: _plain(v) for k, v in props.items()},
             "geometry": None if g is None else shapely.geometry.mapping(g),
             "error": found.errors.get(i)}
            for i, (props, g) in enumerate(zip(found.records, geoms, strict=True))]


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _from_features(kind: str, source: str, features: list[Any], id_field: str,
                   name_fields: tuple[str, ...],
                   bbox: tuple[float, float, float, float] | None) -> UnitLayer:
    ids, names, geoms, props_kept = [], [], [], []
    problems: list[UnitProblem] = []
    seen: dict[str, int] = {}
    box = shapely.box(*bbox) if bbox else None
    for k, feat in enumerate(features, start=1):
        props = (feat.get("properties") or {}) if isinstance(feat, dict) else {}
        raw = props.get(id_field)
        uid = "" if raw is None else str(raw).strip()
        if uid.endswith(".0") and uid[:-2].isdigit():
            uid = uid[:-2]
        if not uid:
            problems.append(UnitProblem(source, k, "", f"no value in id field {id_field!r}"))
            continue
        if uid in seen:
            problems.append(UnitProblem(source, k, uid, f"id already used by feature "
                                        f"{seen[uid]}"))
            continue
        geom, note = _valid_polygon(feat.get("geometry") if isinstance(feat, dict) else None)
        if isinstance(feat, dict) and feat.get("error"):
            geom, note = None, str(feat["error"])
        if geom is None:
            problems.append(UnitProblem(source, k, uid, note or "no geometry"))
            continue
        if box is not None and not geom.intersects(box):
            continue
        if note:
            problems.append(UnitProblem(source, k, uid, note, rejected=False))
        seen[uid] = k
        ids.append(uid)
        label = ", ".join(str(props.get(n)) for n in name_fields if props.get(n)) or uid
        names.append(label)
        geoms.append(geom)
        props_kept.append((k, props))
    attrs: dict[str, np.ndarray] = {}
    if kind == "file" and props_kept:
        for key in dict.fromkeys(x for _, p in props_kept for x in p):
            if key == id_field:
                continue
            values = [p.get(key) for _, p in props_kept]
            if all((isinstance(v, int | float) and not isinstance(v, bool)) or v is None
                   for v in values) and any(v is not None for v in values):
                attrs[key] = np.array([np.nan if v is None else float(v) for v in values])
    geoms, cut = _remove_overlaps(geoms, ids)
    for pos, reason in cut:
        problems.append(UnitProblem(source, props_kept[pos][0], ids[pos], reason,
                                    rejected=False))
    return UnitLayer(kind, source, tuple(ids), tuple(names), tuple(geoms), attrs,
                     tuple(problems))


def _valid_polygon(geometry: object) -> tuple[BaseGeometry | None, str | None]:
    """(polygon, note): None with the reason when unusable; a note when repaired."""
    if not geometry:
        return None, "no geometry"
    try:
        geom = shape(geometry)  # type: ignore[arg-type]
    except Exception as exc:  # shapely raises several types for malformed input
        return None, f"not a valid geometry ({exc})"
    if geom.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection"):
        return None, f"a {geom.geom_type}, not a polygon"
    note = None
    if not geom.is_valid:
        note = f"invalid polygon repaired ({explain_validity(geom)})"
        geom = shapely.make_valid(geom)
    geom = _polygonal(geom)
    if geom.is_empty or area_m2(geom) <= 0:
        return None, "the polygon has no area" + (f" ({note})" if note else "")
    return geom, note


def _remove_overlaps(geoms: list[BaseGeometry], ids: list[str],
                     ) -> tuple[list[BaseGeometry], list[tuple[int, str]]]:
    """Cut from each unit what earlier units already cover (reported per unit)."""
    if len(geoms) < 2:
        return geoms, []
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="overlaps")
    keep = a < b
    out = list(geoms)
    notes = []
    for i, j in sorted(zip(a[keep].tolist(), b[keep].tolist(), strict=True)):
        overlap = out[i].intersection(out[j])
        m2 = area_m2(overlap)
        if m2 < OVERLAP_M2:
            continue
        out[j] = _polygonal(out[j].difference(out[i]))
        notes.append((j, f"overlapped unit {ids[i]} by {m2:,.0f} m²; the overlap stays "
                         f"with {ids[i]}"))
    return out, notes


def units_of_points(layer: UnitLayer, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Index of the unit containing each point, -1 outside every unit."""
    out = np.full(lat.shape[0], -1, np.int64)
    if not len(layer) or not lat.shape[0]:
        return out
    tree = shapely.STRtree(list(layer.geometries))
    p, u = tree.query(shapely.points(lon, lat), predicate="intersects")
    order = np.lexsort((-u, p))  # on a shared border the first unit wins
    out[p[order]] = u[order]
    return out


def unit_adjacency(layer: UnitLayer) -> tuple[np.ndarray, np.ndarray]:
    """Find the edges (u < v) between units sharing a border of positive length.

    A unit with no such neighbour (an island) is joined to its nearest unit, so every
    alignment can be whole.
    """
    geoms = list(layer.geometries)
    n = len(geoms)
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    shared = shapely.length(shapely.intersection(np.array(geoms)[a], np.array(geoms)[b]))
    a, b = a[shared > 0], b[shared > 0]
    degree = np.bincount(np.concatenate((a, b)), minlength=n)
    lonely = np.flatnonzero(degree == 0)
    extra_a, extra_b = [], []
    for i in lonely:
        j = tree.query_nearest(geoms[i], exclusive=True)
        if len(j):
            extra_a.append(min(int(i), int(j[0])))
            extra_b.append(max(int(i), int(j[0])))
    u = np.concatenate((a, np.array(extra_a, np.int64))).astype(np.int64)
    v = np.concatenate((b, np.array(extra_b, np.int64))).astype(np.int64)
    edges = np.unique(np.column_stack((u, v)), axis=0) if u.shape[0] else np.zeros((0, 2),
                                                                                  np.int64)
    return edges[:, 0], edges[:, 1]


def dissolve(layer: UnitLayer, labels: np.ndarray, n_labels: int) -> list[BaseGeometry]:
    """Per label, the union of its units (an empty polygon for a label with none)."""
    out: list[BaseGeometry] = []
    for t in range(n_labels):
        parts = [layer.geometries[i] for i in np.flatnonzero(labels == t)]
        if not parts:
            out.append(Polygon())
            continue
        merged = _polygonal(shapely.union_all(parts))
        if not merged.is_valid:
            merged = _polygonal(shapely.make_valid(merged))
        out.append(shapely.normalize(merged))
    return out
