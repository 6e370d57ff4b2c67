"""The road network a plan carries: its arrays as rows of ``td_network`` and back.

One row per array: ``name``, ``dtype`` (numpy's little-endian type string, e.g. ``<i4``),
``shape`` (JSON list) and ``data`` (the raw bytes, C order). One row named ``meta`` holds the
network's meta as UTF-8 JSON. Never a pickle: bytes are only ever read back as the dtype the
network layout expects, then checked like a network file (sizes, index ranges, coordinates).
"""

from __future__ import annotations

import json
import sqlite3

import numpy as np

from territory_desktop.model.network_data import EmbeddedNetwork

META_ROW = "meta"


def network_rows(network: EmbeddedNetwork | None) -> list[tuple[object, ...]]:
    """Rows of ``td_network`` for ``network`` (none when the plan carries no network)."""
    if network is None:
        return []
    rows: list[tuple[object, ...]] = [
        (META_ROW, "json", "[]", json.dumps(dict(network.meta), sort_keys=True).encode())]
    for name, array in network.arrays.items():
        little = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
        rows.append((name, little.dtype.str, json.dumps(list(little.shape)), little.tobytes()))
    return rows


def read_network(conn: sqlite3.Connection) -> EmbeddedNetwork | None:
    """Read ``td_network`` (None when empty).

    Raises
    ------
    ValueError
        A row that is not an array the layout expects, bytes that do not fill its shape, or
        a network that fails the checks of a network file; the message says which.
    """
    from territory_desktop.routing.network import ARRAY_DTYPES, network_problem

    rows = conn.execute('SELECT name, dtype, shape, data FROM "td_network" ORDER BY fid').fetchall()
    if not rows:
        return None
    arrays: dict[str, np.ndarray] = {}
    meta: object = None
    for name, dtype, shape, data in rows:
        if not isinstance(data, bytes):
            raise ValueError(f"row {name!r}: no data")
        if name == META_ROW:
            meta = json.loads(data.decode("utf-8"))
            continue
        expected = ARRAY_DTYPES.get(name)
        if expected is None:
            raise ValueError(f"row {name!r} is not an array of a road network")
        want = np.dtype(expected).newbyteorder("<")
        if dtype != want.str:
            raise ValueError(f"array {name} is {dtype!r}, expected {want.str!r}")
        dims = json.loads(shape)
        if not (isinstance(dims, list) and len(dims) == 1 and isinstance(dims[0], int)
                and dims[0] >= 0):
            raise ValueError(f"array {name}: shape {shape!r} is not one length")
        if len(data) != dims[0] * want.itemsize:
            raise ValueError(f"array {name}: {len(data):,} bytes for {dims[0]:,} values of "
                             f"{want.itemsize} bytes")
        if want.kind == "b" and data and max(data) > 1:
            raise ValueError(f"array {name}: a flag other than 0 or 1")
        arrays[name] = np.frombuffer(data, dtype=want).astype(np.dtype(expected), copy=False)
    if not isinstance(meta, dict):
        raise ValueError("no meta row")
    problem = network_problem(arrays, meta)
    if problem:
        raise ValueError(problem)
    return EmbeddedNetwork(arrays, meta)
