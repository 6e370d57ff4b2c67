"""GeoPackage geometry blobs: the ``GP`` header (version, flags, srs id, envelope) and ISO WKB.

Shared by the plan file (io/gpkg.py) and the reader of the user's GIS files
(geo/vector_files.py).
"""

from __future__ import annotations

import math
import struct

import shapely
from shapely.geometry.base import BaseGeometry

WGS84 = 4326


class GeoPackageError(ValueError):
    """A GeoPackage blob or table that this module cannot read."""


def to_blob(geom: BaseGeometry | None, srs_id: int = WGS84) -> bytes | None:
    """Encode a GeoPackage geometry blob: ``GP``, version 0, flags, srs id, envelope, WKB (LE)."""
    if geom is None:
        return None
    wkb = shapely.to_wkb(geom, byte_order=1, output_dimension=2, flavor="iso")
    if geom.is_empty:
        flags = 0b0001_0001  # empty, no envelope, little endian
        return b"GP" + struct.pack("<BBi", 0, flags, srs_id) + wkb
    if geom.geom_type == "Point":
        flags = 0b0000_0001  # no envelope needed for a point
        return b"GP" + struct.pack("<BBi", 0, flags, srs_id) + wkb
    minx, miny, maxx, maxy = geom.bounds
    flags = 0b0000_0011  # envelope [minx, maxx, miny, maxy], little endian
    return b"GP" + struct.pack("<BBi4d", 0, flags, srs_id, minx, maxx, miny, maxy) + wkb


_ENVELOPE_DOUBLES = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}


def from_blob(blob: bytes | None) -> BaseGeometry | None:
    """Decode a GeoPackage geometry blob (any byte order, any envelope)."""
    if blob is None:
        return None
    if not isinstance(blob, bytes | bytearray | memoryview):
        # bytes(2**62) would try to allocate that much: a number is not a geometry
        raise GeoPackageError("geometry is not a GeoPackage blob")
    data = bytes(blob)
    if len(data) < 8 or data[:2] != b"GP":
        raise GeoPackageError("geometry is not a GeoPackage blob")
    flags = data[3]
    if flags & 0b0010_0000:
        raise GeoPackageError("extended GeoPackage geometries are not supported")
    envelope = (flags >> 1) & 0b111
    if envelope not in _ENVELOPE_DOUBLES:
        raise GeoPackageError(f"invalid geometry envelope code {envelope}")
    start = 8 + 8 * _ENVELOPE_DOUBLES[envelope]
    try:
        geom = shapely.from_wkb(data[start:])
    except shapely.errors.ShapelyError as exc:
        raise GeoPackageError(f"unreadable geometry: {exc}") from None
    if isinstance(geom, shapely.Point) and not geom.is_empty and (
        math.isnan(geom.x) or math.isnan(geom.y)
    ):
        return shapely.Point()  # GeoPackage writes an empty point as POINT(NaN NaN)
    return geom
