"""Carrying over what a user added in QGIS (tables, columns of our tables).

Done when a plan is saved over its previous file.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from pathlib import Path

from territory_desktop.io import gpkg
from territory_desktop.io.planfile.schema import TABLES, PlanFileError, _one_line

log = logging.getLogger(__package__)  # one logger for the plan file, as before the split


def _carry_over_user_tables(conn: sqlite3.Connection, previous: Path) -> None:
    """Copy tables a user added (e.g. in QGIS) from the file being replaced.

    Also keeps columns a user added to our tables (values matched by id; rows that are new in
    the plan get NULL). Spatial indexes and triggers are not copied (they need GDAL's SQL
    functions). A failure aborts the save (the caller discards the temporary file): a user's
    layer is data, never dropped silently. An old file that SQLite cannot open at all has
    nothing to carry over.
    """
    try:
        conn.execute("ATTACH DATABASE ? AS old", (previous.resolve().as_uri() + "?mode=ro",))
        old_tables = gpkg.table_names(conn, "old")
    except sqlite3.DatabaseError as exc:
        log.warning("the previous %s is unreadable (%s); nothing carried over", previous, exc)
        with contextlib.suppress(sqlite3.Error):
            conn.execute("DETACH DATABASE old")
        return
    ours = set(TABLES)
    for name in old_tables:
        try:
            if name in ours:
                _carry_over_user_columns(conn, name)
            else:
                _copy_user_table(conn, name)
        except sqlite3.Error as exc:
            raise PlanFileError(
                f"copying your table {name!r} from the previous file failed "
                f"({_one_line(str(exc))}); the previous file is unchanged (Save As a new file "
                "saves the plan without your own tables)") from None


_CONTENTS_COLUMNS = ("table_name", "data_type", "identifier", "description", "last_change",
                     "min_x", "min_y", "max_x", "max_y", "srs_id")
_GEOMETRY_COLUMNS = ("table_name", "column_name", "geometry_type_name", "srs_id", "z", "m")
_SRS_COLUMNS = ("srs_name", "srs_id", "organization", "organization_coordsys_id", "definition",
                "description")


def _copy_user_table(conn: sqlite3.Connection, name: str) -> None:
    """One table a user added, with its rows and its GeoPackage registration."""
    q = gpkg.quote
    (sql,) = conn.execute(
        "SELECT sql FROM old.sqlite_master WHERE type='table' AND name=?", (name,)
    ).fetchone()
    conn.execute(sql)
    conn.execute(f"INSERT INTO main.{q(name)} SELECT * FROM old.{q(name)}")
    old_meta = set(gpkg.table_names(conn, "old", system=True))
    for meta_table, columns in (("gpkg_contents", _CONTENTS_COLUMNS),
                                ("gpkg_geometry_columns", _GEOMETRY_COLUMNS)):
        if meta_table not in old_meta:
            continue
        # Named columns: GDAL versions add their own columns to these tables.
        present = set(gpkg.column_names(conn, meta_table, "old"))
        cols = ", ".join(q(c) for c in columns if c in present)
        conn.execute(f"INSERT OR IGNORE INTO main.{meta_table} ({cols}) "
                     f"SELECT {cols} FROM old.{meta_table} WHERE table_name=?", (name,))
    if {"gpkg_contents", "gpkg_spatial_ref_sys"} <= old_meta:
        # A user table may use an SRS we do not write by default.
        present = set(gpkg.column_names(conn, "gpkg_spatial_ref_sys", "old"))
        cols = ", ".join(q(c) for c in _SRS_COLUMNS if c in present)
        conn.execute(
            f"INSERT OR IGNORE INTO main.gpkg_spatial_ref_sys ({cols}) SELECT {cols} FROM "
            "old.gpkg_spatial_ref_sys WHERE srs_id IN (SELECT srs_id FROM old.gpkg_contents "
            "WHERE table_name=?)", (name,))


def _carry_over_user_columns(conn: sqlite3.Connection, table: str) -> None:
    """Copy columns a user added to one of our tables, matching rows by their unique key.

    Tables without one (td_visits, td_unplaced, td_visit_log) are rewritten row by row from the
    plan, so there is nothing to match a user's values to: their extra columns are dropped
    (and the log says which).
    """
    q = gpkg.quote
    ours = {"fid", "geom", *TABLES[table].column_names}
    old_cols = conn.execute(f"PRAGMA old.table_info({q(table)})").fetchall()
    added = [(col, decl) for _cid, col, decl, *_rest in old_cols if col not in ours]
    if not added:
        return
    key = next((c.name for c in TABLES[table].columns if "UNIQUE" in c.constraints), None)
    if key is None:
        log.warning("columns a user added to %s are not kept (its rows have no key): %s",
                    table, ", ".join(col for col, _ in added))
        return
    if key not in {c[1] for c in old_cols}:
        return
    for col, decl in added:
        conn.execute(f"ALTER TABLE main.{q(table)} ADD COLUMN {q(col)} {decl or ''}")
        conn.execute(
            f"UPDATE main.{q(table)} SET {q(col)} = (SELECT o.{q(col)} FROM old.{q(table)} o "
            f"WHERE o.{q(key)} = main.{q(table)}.{q(key)})"
        )
