"""Opening a plan file.

Checking it is an intact plan this version reads, migrating older schemas in memory, and
reading it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import shapely

from territory_desktop.io import gpkg
from territory_desktop.io.planfile.decode import _int, _read_plan
from territory_desktop.io.planfile.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    PlanFileError,
    _one_line,
    _os_reason,
)
from territory_desktop.io.planfile.temps import remove_stale_temps
from territory_desktop.model.plan import Plan

log = logging.getLogger(__package__)  # one logger for the plan file, as before the split


def load_plan(path: str | os.PathLike[str]) -> Plan:
    """Read a plan file, migrating older schema versions in memory.

    Raises
    ------
    PlanFileError
        If the file is missing, is not a Territory Desktop plan, was made by a newer version,
        or is damaged. The message names the file.
    """
    source = Path(path)
    if not source.is_file():
        raise PlanFileError(f"Cannot open {source}: the file does not exist")
    remove_stale_temps(source.parent)
    try:
        with _open_readonly(source) as conn:
            version = _check_plan(conn, source)
            if version < SCHEMA_VERSION:
                with _migrated_copy(conn, version, source) as mem:
                    return _read_plan(mem, source)
            return _read_plan(conn, source)
    except PlanFileError as exc:
        raise PlanFileError(_one_line(str(exc))) from None
    except sqlite3.DatabaseError as exc:
        raise PlanFileError(
            f"Cannot open {source}: the file is damaged: {_one_line(str(exc))}") from None
    except OSError as exc:
        raise PlanFileError(f"Cannot open {source}: {_os_reason(exc)}") from None
    except (ValueError, TypeError, KeyError, IndexError, ArithmeticError,
            shapely.errors.ShapelyError) as exc:
        # A value no check above foresaw: still one line naming the file, never a traceback.
        log.debug("reading %s failed", source, exc_info=True)  # shown only when debugging
        raise PlanFileError(f"Cannot open {source}: the file is damaged: "
                            f"{type(exc).__name__}: {_one_line(str(exc))}") from None


@contextlib.contextmanager
def _open_readonly(path: Path) -> Iterator[sqlite3.Connection]:
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    try:
        yield conn
    finally:
        conn.close()


def _check_plan(conn: sqlite3.Connection, source: Path) -> int:
    """Return the schema version, after checking it is an intact plan this version can read."""
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = set(gpkg.table_names(conn))
    except sqlite3.DatabaseError:
        raise PlanFileError(
            f"Cannot open {source}: it is not a Territory Desktop plan (not a GeoPackage file)"
        ) from None
    if "td_meta" not in tables:
        what = "a GeoPackage made by another program" if app_id == gpkg.APPLICATION_ID else (
            "not a GeoPackage file")
        raise PlanFileError(f"Cannot open {source}: it is not a Territory Desktop plan ({what})")
    (check,) = conn.execute("PRAGMA quick_check(1)").fetchone()
    if check != "ok":
        raise PlanFileError(f"Cannot open {source}: the file is damaged: {check}")
    meta = dict(conn.execute("SELECT key, value FROM td_meta").fetchall())
    try:
        version = _int(meta.get("schema_version"), "schema_version")
    except ValueError:
        raise PlanFileError(
            f"Cannot open {source}: the file is damaged: no valid schema version"
        ) from None
    if version > SCHEMA_VERSION:
        raise PlanFileError(
            f"Cannot open {source}: it was made by a newer version of Territory Desktop "
            f"(schema {version}; this version reads up to schema {SCHEMA_VERSION}). "
            "Update Territory Desktop to open it."
        )
    if version < 0:
        raise PlanFileError(f"Cannot open {source}: the file is damaged: schema {version}")
    return version


@contextlib.contextmanager
def _migrated_copy(
    conn: sqlite3.Connection, version: int, source: Path
) -> Iterator[sqlite3.Connection]:
    mem = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.backup(mem)
        while version < SCHEMA_VERSION:
            step = MIGRATIONS.get(version)
            if step is None:
                raise PlanFileError(
                    f"Cannot open {source}: no conversion from schema {version} "
                    f"to {version + 1}"
                )
            mem.execute("BEGIN")
            try:
                step(mem)
                version += 1
                mem.execute(
                    "UPDATE td_meta SET value=? WHERE key='schema_version'", (str(version),)
                )
                mem.execute("COMMIT")
            except sqlite3.Error as exc:
                mem.execute("ROLLBACK")
                raise PlanFileError(
                    f"Cannot open {source}: converting from schema {version} failed: {exc}"
                ) from None
        yield mem
    finally:
        mem.close()


def plan_schema_version(path: str | os.PathLike[str]) -> int:
    """Return the schema version stored in a plan file (for diagnostics and tests)."""
    source = Path(path)
    try:
        with _open_readonly(source) as conn:
            return _check_plan(conn, source)
    except sqlite3.DatabaseError as exc:
        raise PlanFileError(f"Cannot open {source}: the file is damaged: {exc}") from None
