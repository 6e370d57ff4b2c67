"""An offline basemap drawn from the loaded OSM extract: roads by class and place names.

Roads are merged per class and simplified per zoom band, so the page draws a handful of
MultiLineStrings instead of thousands of ways, and at low zoom only the major classes. The result
is a GeoJSON FeatureCollection (a dict) cached as JSON next to the caller's cache folder, keyed by
the extract's SHA-256, so reopening a plan is instant.

Feature properties: roads ``kind="road"``, ``class`` and ``band``; place names ``kind="place"``,
``name``, ``place`` (OSM value), ``rank`` (0 = city ... 5 = hamlet) and ``min_zoom``; street names
``kind="street"`` with the same fields (``place="street"``, rank 6-8), one per name and class.
Foreign members: ``bands`` (``[{"band", "max_zoom"}]``: a band is shown below its ``max_zoom``),
``bbox`` and ``attribution``. Data is ODbL: "© OpenStreetMap contributors".
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import shapely

from territory_desktop.files import atomic_open, file_sha256

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "BANDS",
    "ROAD_CLASSES",
    "BasemapStats",
    "basemap_geojson",
    "build_basemap",
]

CACHE_VERSION = 2

# OSM highway value -> class drawn on the map (links are drawn with their road).
ROAD_CLASSES: dict[str, str] = {
    "motorway": "motorway", "motorway_link": "motorway",
    "trunk": "trunk", "trunk_link": "trunk",
    "primary": "primary", "primary_link": "primary",
    "secondary": "secondary", "secondary_link": "secondary",
    "tertiary": "tertiary", "tertiary_link": "tertiary",
    "residential": "residential", "living_street": "residential",
    "unclassified": "unclassified", "road": "unclassified",
    "service": "service",
}


@dataclass(frozen=True)
class Band:
    """A zoom band: shown while the map zoom is below ``max_zoom``."""

    band: int
    max_zoom: int
    classes: frozenset[str]
    tolerance_deg: float  # shapely simplify tolerance
    digits: int  # coordinate rounding


_MAJOR = frozenset({"motorway", "trunk", "primary"})
_MIDDLE = _MAJOR | {"secondary", "tertiary"}
# service roads (driveways, parking aisles) are left out: clutter, and half the data on big extracts
_ALL = _MIDDLE | {"residential", "unclassified"}
BANDS: tuple[Band, ...] = (
    Band(0, 11, _MAJOR, 0.0008, 4),  # ~80 m: state/region view
    Band(1, 14, _MIDDLE, 0.0002, 5),  # ~20 m: city view
    Band(2, 99, _ALL, 0.00004, 5),  # ~4 m: street view
)

# OSM place value -> (rank, min zoom at which its label is shown)
PLACES: dict[str, tuple[int, int]] = {
    "city": (0, 0),
    "town": (1, 8),
    "suburb": (2, 11),
    "village": (3, 11),
    "borough": (2, 11),
    "quarter": (4, 12),
    "neighbourhood": (4, 13),
    "hamlet": (5, 13),
}


@dataclass(frozen=True)
class BasemapStats:
    """How a basemap was built: for logging and the benchmark."""

    ways: int
    places: int
    features: int
    json_bytes: int
    seconds: float
    from_cache: bool


# Street names: (rank, min zoom) by class; minor streets are named only when zoomed right in.
STREET_LABELS: dict[str, tuple[int, int]] = {
    "motorway": (6, 13), "trunk": (6, 13), "primary": (6, 14), "secondary": (7, 15),
    "tertiary": (7, 15), "residential": (8, 16), "unclassified": (8, 16),
}


def _read_extract(
    path: Path,
) -> tuple[
    dict[str, list[np.ndarray]], list[dict[str, Any]], dict[tuple[str, str], list[np.ndarray]], int
]:
    import osmium  # heavy; only when a basemap is built

    lines: dict[str, list[np.ndarray]] = defaultdict(list)
    named: dict[tuple[str, str], list[np.ndarray]] = defaultdict(list)
    places: list[dict[str, Any]] = []
    ways = 0
    fp = osmium.FileProcessor(str(path)).with_locations().with_filter(
        osmium.filter.KeyFilter("highway", "place")
    )
    for obj in fp:
        # isinstance (what is_node()/is_way() do) so the type checker narrows the entity type
        if isinstance(obj, osmium.osm.Node):
            kind = obj.tags.get("place")
            name = obj.tags.get("name")
            if kind in PLACES and name and obj.location.valid():
                rank, min_zoom = PLACES[kind]
                places.append(
                    {
                        "name": name,
                        "place": kind,
                        "rank": rank,
                        "min_zoom": min_zoom,
                        "lon": obj.location.lon,
                        "lat": obj.location.lat,
                    }
                )
        elif isinstance(obj, osmium.osm.Way):
            cls = ROAD_CLASSES.get(obj.tags.get("highway") or "")
            if cls is None:
                continue
            coords = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
            if len(coords) >= 2:
                xy = np.asarray(coords, dtype=float)
                lines[cls].append(xy)
                ways += 1
                name = obj.tags.get("name")
                if name and cls in STREET_LABELS:
                    named[(name, cls)].append(xy)
    return lines, places, named, ways


def _street_labels(named: dict[tuple[str, str], list[np.ndarray]]) -> list[dict[str, Any]]:
    """One label per street name and class, at the middle of its longest connected stretch."""
    labels = []
    for (name, cls), parts in named.items():
        pieces = shapely.get_parts(_merge(parts))
        longest = max(pieces, key=lambda g: g.length)
        mid = shapely.line_interpolate_point(longest, 0.5, normalized=True)
        rank, min_zoom = STREET_LABELS[cls]
        labels.append(
            {"name": name, "place": "street", "rank": rank, "min_zoom": min_zoom,
             "lon": mid.x, "lat": mid.y, "kind": "street"}
        )
    return labels


def _round_coords(geom: BaseGeometry, digits: int) -> list[Any]:
    out = []
    for part in shapely.get_parts(geom):
        xy = np.round(shapely.get_coordinates(part), digits)
        # drop consecutive duplicates created by rounding
        keep = np.ones(len(xy), dtype=bool)
        keep[1:] = np.any(xy[1:] != xy[:-1], axis=1)
        xy = xy[keep]
        if len(xy) >= 2:
            out.append(xy.tolist())
    return out


def _merge(parts: list[np.ndarray]) -> BaseGeometry:
    """Merge the ways of one class into one (Multi)LineString (longer lines simplify better)."""
    coords = np.concatenate(parts)
    index = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    # With `indices`, linestrings gives an array of lines and their line_merge one geometry;
    # the stubs' overloads cannot tell that from the argument types.
    lines = cast("NDArray[np.object_]", shapely.linestrings(coords, indices=index))
    return cast("BaseGeometry", shapely.line_merge(shapely.multilinestrings(lines)))


def build_basemap(path: Path) -> tuple[dict[str, Any], int]:
    """Build the basemap FeatureCollection from an OSM extract (no cache); also the way count.

    Raises
    ------
    OSError
        If the extract cannot be read.
    """
    lines, places, named, ways = _read_extract(Path(path))
    places += _street_labels(named)
    merged = {cls: _merge(parts) for cls, parts in lines.items()}
    features: list[dict[str, Any]] = []
    for band in BANDS:
        for cls in sorted(merged):
            if cls not in band.classes:
                continue
            simple = shapely.simplify(merged[cls], band.tolerance_deg, preserve_topology=False)
            coords = _round_coords(simple, band.digits)
            if coords:
                features.append(
                    {
                        "type": "Feature",
                        "geometry": {"type": "MultiLineString", "coordinates": coords},
                        "properties": {"kind": "road", "class": cls, "band": band.band},
                    }
                )
    # biggest places first; one label per (name, rank) so duplicated nodes do not repeat
    seen: set[tuple[str, int]] = set()
    for p in sorted(places, key=lambda p: (p["rank"], p["name"])):
        key = (p["name"], p["rank"]) if p.get("kind") != "street" else (p["name"], -1)
        if key in seen:
            continue
        seen.add(key)
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(p["lon"], 5), round(p["lat"], 5)],
                },
                "properties": {
                    "kind": p.get("kind", "place"),
                    "name": p["name"],
                    "place": p["place"],
                    "rank": p["rank"],
                    "min_zoom": p["min_zoom"],
                },
            }
        )
    all_parts = [g for g in merged.values()]
    bbox = list(shapely.total_bounds(all_parts)) if all_parts else None
    fc: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": features,
        "bands": [{"band": b.band, "max_zoom": b.max_zoom} for b in BANDS],
        "attribution": "© OpenStreetMap contributors",
    }
    if bbox is not None and all(np.isfinite(bbox)):
        fc["bbox"] = [round(v, 5) for v in bbox]
    return fc, ways


def basemap_geojson(
    path: Path, cache_dir: Path | None = None
) -> tuple[dict[str, Any], BasemapStats]:
    """Return the basemap for an extract, from the cache when this exact file was seen before.

    The cache file is ``<cache_dir>/basemap-<sha256>.json`` (``cache_dir`` defaults to a folder in
    the system temporary directory) and is written atomically.
    """
    start = time.perf_counter()
    path = Path(path)
    if cache_dir is None:
        cache_dir = Path(tempfile.gettempdir()) / "territory-desktop-basemap"
    cache_dir.mkdir(parents=True, exist_ok=True)
    cache = cache_dir / f"basemap-v{CACHE_VERSION}-{file_sha256(path)}.json"
    if cache.is_file():
        try:
            text = cache.read_text(encoding="utf-8")
            fc = json.loads(text)
            return fc, _stats(fc, len(text), start, from_cache=True, ways=-1)
        except (OSError, ValueError):
            pass  # a damaged cache is rebuilt below
    fc, ways = build_basemap(path)
    text = json.dumps(fc, separators=(",", ":"), ensure_ascii=False)
    with atomic_open(cache, "w", encoding="utf-8") as f:
        f.write(text)
    return fc, _stats(fc, len(text.encode("utf-8")), start, from_cache=False, ways=ways)


def _stats(
    fc: dict[str, Any], size: int, start: float, *, from_cache: bool, ways: int
) -> BasemapStats:
    places = sum(1 for f in fc["features"] if f["properties"]["kind"] in ("place", "street"))
    return BasemapStats(
        ways=ways,
        places=places,
        features=len(fc["features"]),
        json_bytes=size,
        seconds=time.perf_counter() - start,
        from_cache=from_cache,
    )
