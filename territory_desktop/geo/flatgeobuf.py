"""Read FlatGeobuf files (https://flatgeobuf.org, version 3) without GDAL.

A FlatGeobuf file is a magic number, a FlatBuffers header (name, columns, geometry type,
coordinate system), an optional packed R-tree, then one size-prefixed FlatBuffers feature after
another (geometry as flat coordinate arrays with ring ends, properties as column index and
value pairs). The FlatBuffers tables are read directly with ``struct``: the schema is small and
fixed (``header.fbs``, ``feature.fbs``), and only reading is needed.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

MAGIC = b"fgb\x03"  # "fgb", major version 3, then "fgb" and the patch version
_NODE_BYTES = 40  # an R-tree node: four doubles and a uint64 offset
# ColumnType -> struct format of a fixed-size value (String, Json, DateTime, Binary have a length)
_FIXED = {0: "<b", 1: "<B", 2: "<?", 3: "<h", 4: "<H", 5: "<i", 6: "<I", 7: "<q", 8: "<Q",
          9: "<f", 10: "<d"}
_TEXT = {11, 12, 13}
_GEOMETRY_TYPES = {1: "Point", 2: "LineString", 3: "Polygon", 4: "MultiPoint",
                   5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}


class _Table:
    """One FlatBuffers table: fields by their number in the schema."""

    def __init__(self, buf: bytes, pos: int) -> None:
        self.buf, self.pos = buf, pos
        self.vtable = pos - struct.unpack_from("<i", buf, pos)[0]
        self.vsize = struct.unpack_from("<H", buf, self.vtable)[0]

    def _field(self, n: int) -> int:
        at = 4 + 2 * n
        offset = struct.unpack_from("<H", self.buf, self.vtable + at)[0] if at < self.vsize else 0
        return self.pos + offset if offset else 0

    def scalar(self, n: int, fmt: str, default: Any) -> Any:
        at = self._field(n)
        return struct.unpack_from(fmt, self.buf, at)[0] if at else default

    def _target(self, n: int) -> int:
        at = self._field(n)
        return at + struct.unpack_from("<I", self.buf, at)[0] if at else 0

    def string(self, n: int) -> str | None:
        at = self._target(n)
        if not at:
            return None
        size = struct.unpack_from("<I", self.buf, at)[0]
        return self.buf[at + 4:at + 4 + size].decode("utf-8")

    def bytes_(self, n: int) -> bytes:
        at = self._target(n)
        if not at:
            return b""
        size = struct.unpack_from("<I", self.buf, at)[0]
        return self.buf[at + 4:at + 4 + size]

    def array(self, n: int, dtype: str) -> np.ndarray:
        at = self._target(n)
        if not at:
            return np.zeros(0, dtype)
        size = struct.unpack_from("<I", self.buf, at)[0]
        return np.frombuffer(self.buf, dtype, size, at + 4)

    def table(self, n: int) -> _Table | None:
        at = self._target(n)
        return _Table(self.buf, at) if at else None

    def tables(self, n: int) -> list[_Table]:
        at = self._target(n)
        if not at:
            return []
        size = struct.unpack_from("<I", self.buf, at)[0]
        items = (at + 4 + 4 * i for i in range(size))
        return [_Table(self.buf, p + struct.unpack_from("<I", self.buf, p)[0]) for p in items]


def _root(buf: bytes) -> _Table:
    return _Table(buf, struct.unpack_from("<I", buf, 0)[0])


def _index_bytes(count: int, node_size: int) -> int:
    if node_size == 0 or count == 0:
        return 0
    node_size = max(node_size, 2)
    nodes = level = count
    while level != 1:
        level = -(-level // node_size)
        nodes += level
    return nodes * _NODE_BYTES


def _geometry(geom: _Table, kind: int) -> BaseGeometry | None:
    kind = geom.scalar(6, "<B", 0) or kind
    if kind == 6 or kind == 7:  # MultiPolygon, GeometryCollection: one part each
        parts: list[Any] = [g for g in (_geometry(p, 3 if kind == 6 else 0)
                                        for p in geom.tables(7)) if g is not None]
        return shapely.MultiPolygon(parts) if kind == 6 else shapely.GeometryCollection(parts)
    xy = geom.array(1, "<f8").reshape(-1, 2)
    ends = geom.array(0, "<u4").tolist() or [len(xy)]
    rings = [xy[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    if kind == 1:
        return shapely.Point(xy[0]) if len(xy) else shapely.Point()
    if kind == 2:
        return shapely.LineString(xy)
    if kind == 3:
        return shapely.Polygon(rings[0], rings[1:]) if len(xy) else shapely.Polygon()
    if kind == 4:
        return shapely.MultiPoint(xy)
    if kind == 5:
        return shapely.MultiLineString(rings)
    raise ValueError(f"unsupported FlatGeobuf geometry type {kind}")


def _properties(data: bytes, columns: list[tuple[str, int]]) -> dict[str, Any]:
    values: dict[str, Any] = {name: None for name, _ in columns}
    at = 0
    while at < len(data):
        index = struct.unpack_from("<H", data, at)[0]
        name, kind = columns[index]
        at += 2
        if kind in _FIXED:
            values[name] = struct.unpack_from(_FIXED[kind], data, at)[0]
            at += struct.calcsize(_FIXED[kind])
        else:
            size = struct.unpack_from("<I", data, at)[0]
            raw = data[at + 4:at + 4 + size]
            values[name] = raw.decode("utf-8") if kind in _TEXT else raw
            at += 4 + size
    return values


def read_flatgeobuf(data: bytes) -> tuple[str, list[str], list[dict[str, Any]],
                                           list[BaseGeometry | None], str | None,
                                           dict[int, str]]:
    """Return (layer name, fields, records, geometries, CRS, geometry errors) of a file's bytes.

    Raises ValueError (or struct.error, IndexError) when the bytes are not a FlatGeobuf file.
    """
    if data[:4] != MAGIC:
        raise ValueError("not a FlatGeobuf file (no 'fgb' version 3 signature)")
    size = struct.unpack_from("<I", data, 8)[0]
    header = _root(data[12:12 + size])
    columns = [(t.string(0) or f"field{i}", t.scalar(1, "<B", 11))
               for i, t in enumerate(header.tables(7))]
    kind = header.scalar(2, "<B", 0)
    count = header.scalar(8, "<Q", 0)
    crs = header.table(10)
    code = crs.scalar(1, "<i", 0) if crs else 0
    organization = (crs.string(0) or "EPSG") if crs else ""
    wkt = crs.string(4) if crs else None
    stated = f"{organization}:{code}" if code else wkt
    at = 12 + size + _index_bytes(count, header.scalar(9, "<H", 16))
    records: list[dict[str, Any]] = []
    geoms: list[BaseGeometry | None] = []
    errors: dict[int, str] = {}
    k = 0
    while at < len(data):
        length = struct.unpack_from("<I", data, at)[0]
        feature = _root(data[at + 4:at + 4 + length])
        records.append(_properties(feature.bytes_(1), columns))
        geometry = feature.table(0)
        try:
            geoms.append(None if geometry is None else _geometry(geometry, kind))
        except (ValueError, IndexError, struct.error, shapely.errors.ShapelyError) as exc:
            errors[k] = f"not a valid geometry ({exc})"
            geoms.append(None)
        at += 4 + length
        k += 1
    name = header.string(0) or ""
    return name, [n for n, _ in columns], records, geoms, stated, errors
