"""Minimal GeoPackage 1.3 writing and reading with the stdlib ``sqlite3`` module.

Only what the plan file needs: the core tables (``gpkg_spatial_ref_sys``, ``gpkg_contents``,
``gpkg_geometry_columns``), feature and attribute tables, and GeoPackage geometry blobs
(the ``GP`` header followed by ISO WKB). No spatial index: QGIS and GDAL read the file without one,
and the R-tree triggers GDAL writes call SQL functions that plain ``sqlite3`` does not have.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry

# The geometry blobs are also read by geo/vector_files.py (a layer below io): they live there.
from territory_desktop.geo.gpkg_blob import WGS84, GeoPackageError, from_blob, to_blob

__all__ = ["WGS84", "Column", "GeoPackageError", "TableSpec", "column_names", "create_table",
           "from_blob", "initialise", "insert_rows", "quote", "table_names", "to_blob",
           "update_extent"]

APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10300  # GeoPackage 1.3.0

_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)

_CORE_SQL = """
CREATE TABLE gpkg_spatial_ref_sys (
    srs_name TEXT NOT NULL,
    srs_id INTEGER PRIMARY KEY,
    organization TEXT NOT NULL,
    organization_coordsys_id INTEGER NOT NULL,
    definition TEXT NOT NULL,
    description TEXT
);
CREATE TABLE gpkg_contents (
    table_name TEXT NOT NULL PRIMARY KEY,
    data_type TEXT NOT NULL,
    identifier TEXT UNIQUE,
    description TEXT DEFAULT '',
    last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
    srs_id INTEGER,
    CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE gpkg_geometry_columns (
    table_name TEXT NOT NULL,
    column_name TEXT NOT NULL,
    geometry_type_name TEXT NOT NULL,
    srs_id INTEGER NOT NULL,
    z TINYINT NOT NULL,
    m TINYINT NOT NULL,
    CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
    CONSTRAINT uk_gc_table_name UNIQUE (table_name),
    CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
    CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
);
"""

_SRS_ROWS = (
    ("Undefined cartesian SRS", -1, "NONE", -1, "undefined",
     "undefined cartesian coordinate reference system"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined",
     "undefined geographic coordinate reference system"),
    ("WGS 84 geodetic", WGS84, "EPSG", 4326, _WGS84_WKT,
     "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"),
)

SYSTEM_TABLES = frozenset(
    {
        "gpkg_spatial_ref_sys", "gpkg_contents", "gpkg_geometry_columns", "gpkg_extensions",
        "gpkg_ogr_contents", "gpkg_metadata", "gpkg_metadata_reference", "gpkg_tile_matrix",
        "gpkg_tile_matrix_set", "gpkg_data_columns", "gpkg_data_column_constraints",
        "sqlite_sequence",
    }
)


@dataclass(frozen=True)
class Column:
    """One attribute column: name and SQLite type (TEXT, REAL, INTEGER, BOOLEAN...)."""

    name: str
    sql_type: str
    constraints: str = ""


@dataclass(frozen=True)
class TableSpec:
    """A table to create and register in ``gpkg_contents``.

    ``geometry_type`` (e.g. ``"POINT"``, ``"MULTIPOLYGON"``) makes it a feature table with a
    ``geom`` column; ``None`` makes it an attribute table. Every table gets
    ``fid INTEGER PRIMARY KEY`` first, which GDAL and QGIS use as the feature id.
    """

    name: str
    columns: tuple[Column, ...]
    geometry_type: str | None = None
    description: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        """The names of the columns after ``fid`` and ``geom``, in order."""
        return tuple(c.name for c in self.columns)


def quote(name: str) -> str:
    """Quote ``name`` as an SQL identifier: in double quotes, inner quotes doubled.

    A QGIS layer may be called anything, ``my "best" customers`` included.
    """
    return '"' + name.replace('"', '""') + '"'


def initialise(conn: sqlite3.Connection) -> None:
    """Turn an empty SQLite database into an empty GeoPackage."""
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {USER_VERSION}")
    for statement in _CORE_SQL.split(";"):  # not executescript: it would commit
        if statement.strip():
            conn.execute(statement)
    conn.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?,?,?,?,?,?)", _SRS_ROWS)


def create_table(conn: sqlite3.Connection, spec: TableSpec) -> None:
    """Create ``spec`` and register it; extent is filled in by :func:`update_extent`."""
    parts = ["fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"]
    if spec.geometry_type is not None:
        parts.append(f"geom {spec.geometry_type}")
    parts += [f"{quote(c.name)} {c.sql_type} {c.constraints}".rstrip() for c in spec.columns]
    conn.execute(f"CREATE TABLE {quote(spec.name)} ({', '.join(parts)})")
    data_type = "features" if spec.geometry_type is not None else "attributes"
    srs = WGS84 if spec.geometry_type is not None else None
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)"
        " VALUES (?,?,?,?,?)",
        (spec.name, data_type, spec.name, spec.description, srs),
    )
    if spec.geometry_type is not None:
        conn.execute(
            "INSERT INTO gpkg_geometry_columns VALUES (?,?,?,?,0,0)",
            (spec.name, "geom", spec.geometry_type, WGS84),
        )


def insert_rows(
    conn: sqlite3.Connection, spec: TableSpec, rows: Sequence[Sequence[object]]
) -> None:
    """Insert rows (geometry blob first for feature tables, then the columns in spec order)."""
    names = (["geom"] if spec.geometry_type is not None else []) + list(spec.column_names)
    quoted = ", ".join(quote(n) for n in names)
    marks = ", ".join("?" for _ in names)
    conn.executemany(f"INSERT INTO {quote(spec.name)} ({quoted}) VALUES ({marks})", rows)


def update_extent(conn: sqlite3.Connection, table: str, geoms: Sequence[BaseGeometry]) -> None:
    """Record the bounding box of ``geoms`` in ``gpkg_contents`` (QGIS zooms to it)."""
    boxes = [g.bounds for g in geoms if g is not None and not g.is_empty]
    if not boxes:
        return
    conn.execute(
        "UPDATE gpkg_contents SET min_x=?, min_y=?, max_x=?, max_y=? WHERE table_name=?",
        (min(b[0] for b in boxes), min(b[1] for b in boxes),
         max(b[2] for b in boxes), max(b[3] for b in boxes), table),
    )


def table_names(conn: sqlite3.Connection, schema: str = "main",
                system: bool = False) -> list[str]:
    """List the user tables (not SQLite or GeoPackage system tables) in ``schema``.

    With ``system``, list the GeoPackage system tables present instead.
    """
    rows = conn.execute(
        f"SELECT name FROM {schema}.sqlite_master WHERE type='table' ORDER BY name"
    ).fetchall()
    names = [r[0] for r in rows if isinstance(r[0], str)]
    if system:
        return [n for n in names if n in SYSTEM_TABLES]
    return [n for n in names if n not in SYSTEM_TABLES and not n.startswith("sqlite_")
            and not n.startswith("rtree_")]


def column_names(conn: sqlite3.Connection, table: str, schema: str = "main") -> list[str]:
    """Return the names of ``table``'s columns as the file has them, in order."""
    return [r[1] for r in conn.execute(f"PRAGMA {schema}.table_info({quote(table)})")]
