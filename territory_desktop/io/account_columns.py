"""The accounts table of a plan file read and written a column at a time.

A national plan has 200,000 accounts; decoding each row's geometry blob, JSON and numbers on
its own took ~25 us per account. Here the whole point column is one NumPy array and the other
columns are converted in bulk. Only the form :func:`account_rows` writes is read here:
:func:`read_accounts` returns None for anything else (a row edited in QGIS, an envelope on a
point, a value of an unexpected type, a value the model refuses), and the plan reader then
takes its careful row-by-row path, which converts what it can and names the row it cannot.
"""

from __future__ import annotations

import gc
import json
import sqlite3
from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any

import numpy as np
from shapely.geometry import MultiPoint
from shapely.geometry.base import BaseGeometry

from territory_desktop.model.plan import Account, accounts_from_columns

# Table columns after the geometry, in the order of the table and of Account's fields
# (Account has lat, lon after name: they come from the geometry).
COLUMNS = ("id", "name", "address", "postal_code", "segment", "industry", "potential", "tier",
           "every_weeks", "visit_minutes", "owner", "notes", "approximate_location",
           "window_start", "window_end", "closed_weekdays", "same_weekday")
_TEXT = ("name", "address", "postal_code", "segment", "industry", "owner", "notes")
_REAL = ("potential", "every_weeks", "visit_minutes")
_WINDOW = ("window_start", "window_end")

# A GeoPackage blob of a 2D point as we write it: "GP", version 0, flags 1 (little endian,
# no envelope), srs id, then little-endian ISO WKB: byte order 1, type 1, x, y.
_POINT_BLOB = np.dtype([("magic", "S2"), ("version", "u1"), ("flags", "u1"), ("srs", "<i4"),
                        ("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])


def point_blobs(x: np.ndarray, y: np.ndarray, srs_id: int) -> list[bytes]:
    """GeoPackage point blobs, byte for byte what :func:`gpkg.to_blob` writes for each point."""
    rec = np.zeros(len(x), _POINT_BLOB)
    rec["magic"], rec["flags"], rec["srs"] = b"GP", 1, srs_id
    rec["order"], rec["type"], rec["x"], rec["y"] = 1, 1, x, y
    raw, size = rec.tobytes(), _POINT_BLOB.itemsize
    return [raw[i:i + size] for i in range(0, len(raw), size)]


def _point_columns(blobs: Sequence[object]) -> tuple[list[float], list[float]] | None:
    """(lat, lon) of blobs that are all plain points, else None."""
    size = _POINT_BLOB.itemsize
    if not all(b.__class__ is bytes and len(b) == size for b in blobs):
        return None
    rec = np.frombuffer(b"".join(blobs), _POINT_BLOB)  # type: ignore[arg-type]
    plain = ((rec["magic"] == b"GP") & (rec["version"] == 0) & (rec["flags"] == 1)
             & (rec["order"] == 1) & (rec["type"] == 1)
             & np.isfinite(rec["x"]) & np.isfinite(rec["y"]))
    if not plain.all():
        return None
    return rec["y"].tolist(), rec["x"].tolist()


def read_accounts(conn: sqlite3.Connection) -> list[Account] | None:
    """Every account of the plan file in ``fid`` order, or None if a row needs the slow path."""
    # Millions of cells and 200,000 accounts, none of them in a reference cycle: the cycle
    # collector would walk them again and again as they are made (~20% of the time).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _read_accounts(conn)
    finally:
        if enabled:
            gc.enable()


def _read_accounts(conn: sqlite3.Connection) -> list[Account] | None:
    cur = conn.cursor()
    cur.row_factory = None
    names = ", ".join(f'"{c}"' for c in ("geom", *COLUMNS))
    rows = cur.execute(f"SELECT {names} FROM accounts ORDER BY fid").fetchall()
    if not rows:
        return []
    blobs, *values = zip(*rows, strict=True)
    cols: dict[str, Sequence[Any]] = dict(zip(COLUMNS, values, strict=True))
    lat_lon = _point_columns(blobs)
    if lat_lon is None or not _all(cols["id"], str) or not _all(cols["tier"], str):
        return None
    for name in _TEXT:
        types = _types(cols[name])
        if not types <= {str, type(None)}:
            return None
        if type(None) in types:
            cols[name] = ["" if v is None else v for v in cols[name]]
    for name in _REAL:
        types = _types(cols[name])
        if not types <= {float, int, type(None)}:
            return None
        if int in types:
            cols[name] = [None if v is None else float(v) for v in cols[name]]
    for name in (*_WINDOW, "approximate_location", "same_weekday"):
        if not _all(cols[name], int, type(None)):
            return None
    if not all(v in (0, 1) for v in cols["same_weekday"]) or any(
            v is None for v in cols["approximate_location"]):
        return None
    days = _weekday_tuples(cols["closed_weekdays"])
    if days is None:
        return None
    return accounts_from_columns((
        cols["id"], cols["name"], *lat_lon, *(cols[c] for c in COLUMNS[2:12]),
        list(map(bool, cols["approximate_location"])), cols["window_start"], cols["window_end"],
        days, list(map(bool, cols["same_weekday"]))))


def _types(values: Iterable[object]) -> set[type]:
    return set(map(type, values))


def _all(values: Iterable[object], *types: type) -> bool:
    return _types(values) <= set(types)


def _weekday_tuples(texts: Sequence[object]) -> list[tuple[int, ...]] | None:
    """closed_weekdays as tuples (each distinct JSON text parsed once), None if one is odd."""
    parsed: dict[object, tuple[int, ...]] = {}
    for text in set(texts):
        if text.__class__ is not str:
            return None
        try:
            items = json.loads(text)
        except json.JSONDecodeError:
            return None
        if not isinstance(items, list) or not _all(items, int):
            return None
        parsed[text] = tuple(items)
    return [parsed[t] for t in texts]


_ROW = attrgetter(*COLUMNS)


def account_rows(
    accounts: Sequence[Account], srs_id: int
) -> tuple[list[tuple[Any, ...]], list[BaseGeometry]]:
    """Return the rows of the accounts table and the points as one geometry.

    The rows (geometry blob first) are as :func:`read_accounts` reads them; the geometry is for
    the table's extent ([] when there are no accounts).
    """
    if not accounts:
        return [], []
    lon = np.fromiter((a.lon for a in accounts), float, len(accounts))
    lat = np.fromiter((a.lat for a in accounts), float, len(accounts))
    cols = list(zip(*map(_ROW, accounts), strict=True))
    texts: dict[tuple[int, ...], str] = {}
    days = COLUMNS.index("closed_weekdays")
    cols[days] = tuple(texts.get(d) or texts.setdefault(d, json.dumps(list(d)))
                       for d in cols[days])
    for i in (COLUMNS.index("approximate_location"), COLUMNS.index("same_weekday")):
        cols[i] = tuple(map(int, cols[i]))
    rows = list(zip(point_blobs(lon, lat, srs_id), *cols, strict=True))
    return rows, [MultiPoint(np.column_stack([lon, lat]))]
