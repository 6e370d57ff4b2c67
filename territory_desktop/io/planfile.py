"""The plan file: one GeoPackage that Territory Desktop reads and writes and QGIS opens as layers.

Layout (schema version 2; every table has ``fid INTEGER PRIMARY KEY`` first, rows keep plan order):

==============  ===========  =============================================================
table           kind         columns
==============  ===========  =============================================================
territories     features     geom MULTIPOLYGON (NULL for overlay-only), id, name, color,
                             rep_id, locked
accounts        features     geom POINT, id, name, address, postal_code, segment, industry,
                             potential, tier, every_weeks, visit_minutes, owner, notes,
                             approximate_location, window_start, window_end (minutes from
                             midnight, NULL = any time), closed_weekdays (JSON list, 0 = Mon),
                             same_weekday (0/1)
reps            features     geom POINT (home), id, name, weekly_hours, skills (JSON list),
                             approximate_home, workday_start, workday_end, max_day_minutes,
                             days_off (JSON list of [week, weekday])
td_meta         attributes   key, value: schema_version, app_version, plan_name, generator
td_rules        attributes   id, field, value, territory_id (in rule order)
td_cadence      attributes   tier, every_weeks, visit_minutes
td_settings     attributes   key, value: the scalar fields of ``PlanSettings`` (tuples as JSON
                             lists: working_weekdays, holidays)
td_schedule     attributes   rep_id, weeks, seed: one row per rep with a rotation
td_visits       attributes   rep_id, account_id, week, weekday, visit_order, pinned, adhoc
                             (0/1); schedule by schedule, each in its ``visits`` order
td_unplaced     attributes   rep_id, account_id, missing_visits, reason
td_visit_log    attributes   date, rep_id, account_id, status (done/skipped/moved), moved_to,
                             odometer_start, odometer_end, miles, note (in log order)
==============  ===========  =============================================================

Schema 1 had no scheduling columns or tables; ``MIGRATIONS[1]`` adds them with their defaults.
New columns are plain INTEGER/TEXT/REAL so QGIS and GDAL show them as ordinary fields.

All geometry is EPSG:4326 (lon, lat). Territory polygons are stored as MultiPolygon (the layer has
one geometry type, as QGIS prefers) and read back as a Polygon when they have one part.

To add a table for a later feature: declare its :class:`TableSpec` in ``TABLES``, fill it in
``_rows_for`` and read it in ``_read_plan``; if old files need changing, bump ``SCHEMA_VERSION`` and
add a step to ``MIGRATIONS`` plus a fixture of the previous version under ``tests/io/data/``.

Saving is atomic (temporary file in the same folder, fsync, ``os.replace``, fsync the folder), so a
crash or power cut leaves either the old or the new file. Tables a user added in QGIS are carried
over when a plan is saved over its previous file, and so are columns added to our tables.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import glob
import json
import logging
import math
import os
import re
import sqlite3
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from territory_desktop import __version__
from territory_desktop.io import account_columns, gpkg, sharing
from territory_desktop.io.gpkg import Column, TableSpec
from territory_desktop.io.sharing import FileStamp
from territory_desktop.model.plan import (
    Account,
    OverlayRule,
    Plan,
    PlanError,
    PlanSettings,
    Rep,
    Territory,
    TierCadence,
)
from territory_desktop.model.schedule import (
    RepSchedule,
    ScheduledVisit,
    ScheduleError,
    UnplacedAccount,
    VisitLogEntry,
)

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
MAX_ROTATION_WEEKS = 52  # a rotation cycle of up to a year
GENERATOR = "Territory Desktop"
PLAN_SUFFIX = ".gpkg"


class PlanFileError(Exception):
    """A plan file that cannot be read or written; the message names the file and the problem."""


class PlanFileChanged(PlanFileError):
    """A save found the file changed by somebody else since it was opened (see ``expect``)."""


ANY_STAMP = object()  # save_plan's default: overwrite whatever is there


# ---------------------------------------------------------------------------------------------
# The schema: the one place where tables are declared.

# What schema 2 added, declared once and used both by the writer (TABLES) and by the v1 -> v2
# migration. Frozen: a later schema changes TABLES and adds its own migration, never edits these
# (the v1 fixture test would catch it: v1 -> v2 -> v3 would add the same column twice).
_ACCOUNT_COLUMNS_V2 = (
    Column("window_start", "INTEGER"),
    Column("window_end", "INTEGER"),
    Column("closed_weekdays", "TEXT", "DEFAULT '[]'"),
    Column("same_weekday", "INTEGER", "DEFAULT 0"),
)
_REP_COLUMNS_V2 = (
    Column("workday_start", "INTEGER", "DEFAULT 480"),
    Column("workday_end", "INTEGER", "DEFAULT 1020"),
    Column("max_day_minutes", "INTEGER", "DEFAULT 540"),
    Column("days_off", "TEXT", "DEFAULT '[]'"),
)
_SETTINGS_V2 = (("working_weekdays", "[0, 1, 2, 3, 4]"), ("holidays", "[]"), ("day_balance", "1.0"))
_SCHEDULE_TABLES_V2 = (
    TableSpec(
        "td_schedule",
        (
            Column("rep_id", "TEXT", "NOT NULL UNIQUE"),
            Column("weeks", "INTEGER"),
            Column("seed", "INTEGER"),
        ),
        description="Territory Desktop: call rotation per rep",
    ),
    TableSpec(
        "td_visits",
        (
            Column("rep_id", "TEXT", "NOT NULL"),
            Column("account_id", "TEXT", "NOT NULL"),
            Column("week", "INTEGER"),
            Column("weekday", "INTEGER"),
            Column("visit_order", "INTEGER"),
            Column("pinned", "INTEGER", "DEFAULT 0"),
            Column("adhoc", "INTEGER", "DEFAULT 0"),
        ),
        description="Territory Desktop: visits of the rotation (week, weekday 0 = Mon, stop order)",
    ),
    TableSpec(
        "td_unplaced",
        (
            Column("rep_id", "TEXT", "NOT NULL"),
            Column("account_id", "TEXT", "NOT NULL"),
            Column("missing_visits", "INTEGER"),
            Column("reason", "TEXT"),
        ),
        description="Territory Desktop: visits the rotation could not fit, and why",
    ),
    TableSpec(
        "td_visit_log",
        (
            Column("date", "TEXT", "NOT NULL"),
            Column("rep_id", "TEXT"),
            Column("account_id", "TEXT"),
            Column("status", "TEXT"),
            Column("moved_to", "TEXT"),
            Column("odometer_start", "REAL"),
            Column("odometer_end", "REAL"),
            Column("miles", "REAL"),
            Column("note", "TEXT"),
        ),
        description="Territory Desktop: visits done, skipped or moved, with mileage",
    ),
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "territories",
            (
                Column("id", "TEXT", "NOT NULL UNIQUE"),
                Column("name", "TEXT"),
                Column("color", "TEXT"),
                Column("rep_id", "TEXT"),
                Column("locked", "BOOLEAN"),
            ),
            geometry_type="MULTIPOLYGON",
            description="Sales territories",
        ),
        TableSpec(
            "accounts",
            (
                Column("id", "TEXT", "NOT NULL UNIQUE"),
                Column("name", "TEXT"),
                Column("address", "TEXT"),
                Column("postal_code", "TEXT"),
                Column("segment", "TEXT"),
                Column("industry", "TEXT"),
                Column("potential", "REAL"),
                Column("tier", "TEXT"),
                Column("every_weeks", "REAL"),
                Column("visit_minutes", "REAL"),
                Column("owner", "TEXT"),
                Column("notes", "TEXT"),
                Column("approximate_location", "BOOLEAN"),
                *_ACCOUNT_COLUMNS_V2,
            ),
            geometry_type="POINT",
            description="Customer accounts",
        ),
        TableSpec(
            "reps",
            (
                Column("id", "TEXT", "NOT NULL UNIQUE"),
                Column("name", "TEXT"),
                Column("weekly_hours", "REAL"),
                Column("skills", "TEXT"),
                Column("approximate_home", "BOOLEAN"),
                *_REP_COLUMNS_V2,
            ),
            geometry_type="POINT",
            description="Sales reps at their home base",
        ),
        TableSpec(
            "td_meta",
            (Column("key", "TEXT", "NOT NULL UNIQUE"), Column("value", "TEXT")),
            description="Territory Desktop: file information",
        ),
        TableSpec(
            "td_rules",
            (
                Column("id", "TEXT", "NOT NULL UNIQUE"),
                Column("field", "TEXT"),
                Column("value", "TEXT"),
                Column("territory_id", "TEXT"),
            ),
            description="Territory Desktop: overlay rules, first match wins",
        ),
        TableSpec(
            "td_cadence",
            (
                Column("tier", "TEXT", "NOT NULL UNIQUE"),
                Column("every_weeks", "REAL"),
                Column("visit_minutes", "REAL"),
            ),
            description="Territory Desktop: visit cadence per tier",
        ),
        TableSpec(
            "td_settings",
            (Column("key", "TEXT", "NOT NULL UNIQUE"), Column("value", "TEXT")),
            description="Territory Desktop: plan settings",
        ),
        *_SCHEDULE_TABLES_V2,
    )
}

# Forward migrations: MIGRATIONS[n] turns a schema-n database into schema n+1, in place, on a
# private in-memory copy (the user's file is never modified by opening it).
Migration = Callable[[sqlite3.Connection], None]


def _migrate_1_to_2(conn: sqlite3.Connection) -> None:
    """Schema 2: time windows, working hours, settings for scheduling, the rotation, the log."""
    for table, columns in (("accounts", _ACCOUNT_COLUMNS_V2), ("reps", _REP_COLUMNS_V2)):
        for c in columns:
            conn.execute(f'ALTER TABLE "{table}" ADD COLUMN "{c.name}" {c.sql_type} '
                         f"{c.constraints}".rstrip())
    conn.executemany("INSERT OR IGNORE INTO td_settings (key, value) VALUES (?, ?)", _SETTINGS_V2)
    for spec in _SCHEDULE_TABLES_V2:
        gpkg.create_table(conn, spec)


MIGRATIONS: dict[int, Migration] = {1: _migrate_1_to_2}


# ---------------------------------------------------------------------------------------------
# Saving


def save_plan(plan: Plan, path: str | os.PathLike[str],
              expect: FileStamp | object | None = ANY_STAMP) -> FileStamp:
    """Write ``plan`` to ``path`` atomically and return the new file's stamp.

    The plan goes to a temporary file in the same folder, which is checked (SQLite's
    ``quick_check``, every row written there, the records' ids in order) before it replaces
    the old file.
    Any failure leaves the old file as it was. A symlink is written through (its target is
    replaced); the old file's permissions are kept.

    Parameters
    ----------
    expect
        The stamp the caller saw when it opened or last saved ``path`` (None: it expected no
        file). When the file on disk has another stamp, somebody else saved it meanwhile and
        :class:`PlanFileChanged` is raised. By default the file is not checked.

    Raises
    ------
    PlanFileError
        If the target is read-only, the folder is not writable, the disk is full, a table a
        user added cannot be carried over, or the written file does not read back the same.
    """
    shown = Path(path)
    target = Path(os.path.realpath(shown))  # through a symlink to the file it names
    folder = target.parent
    problem = next(_value_problems(plan), None)
    if problem is not None:
        # Refuse here rather than write a file that load_plan would call damaged.
        raise PlanFileError(f"Cannot save {shown}: {problem[1]}")
    mode = _writable_mode(target, shown)
    remove_stale_temps(folder)
    if expect is not ANY_STAMP and FileStamp.of(target) != expect:
        raise PlanFileChanged(
            f"Cannot save {shown}: the file was changed by another window or program since "
            "it was opened here")
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.name}.{sharing.process_token()}-", suffix=TEMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise PlanFileError(f"Cannot save {shown}: {_os_reason(exc)}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        os.unlink(tmp)  # sqlite wants to create the file itself
        written = _write_database(plan, tmp, previous=target if target.exists() else None)
        _verify(tmp, plan, written)
        if mode is not None:
            os.chmod(tmp, mode)
        _fsync_file(tmp)
        if expect is not ANY_STAMP and FileStamp.of(target) != expect:
            raise PlanFileChanged(
                f"Cannot save {shown}: the file was changed by another window or program "
                "while saving")
        os.replace(tmp, target)
        _fsync_dir(folder)
    except BaseException as exc:
        _remove_quietly(tmp)
        if isinstance(exc, PlanFileError):
            if str(exc).startswith("Cannot save"):
                raise
            raise PlanFileError(f"Cannot save {shown}: {_one_line(str(exc))}") from None
        if isinstance(exc, OSError):
            raise PlanFileError(f"Cannot save {shown}: {_os_reason(exc)}") from None
        if isinstance(exc, sqlite3.Error):
            raise PlanFileError(f"Cannot save {shown}: {_one_line(str(exc))}") from None
        if isinstance(exc, Exception):
            # Whatever went wrong, the user is told and the old file stays.
            log.debug("saving %s failed", shown, exc_info=True)  # shown only when debugging
            raise PlanFileError(
                f"Cannot save {shown}: {type(exc).__name__}: {_one_line(str(exc))}") from None
        raise
    stamp = FileStamp.of(target)
    assert stamp is not None
    return stamp


def _writable_mode(target: Path, shown: Path) -> int | None:
    """The permission bits to give the new file (the old file's), after refusing a read-only
    target: replacing it would work (the folder is writable) but silently undo the user's
    protection, even for root."""
    try:
        st = target.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise PlanFileError(f"Cannot save {shown}: {_os_reason(exc)}") from None
    if not stat.S_ISREG(st.st_mode):
        raise PlanFileError(f"Cannot save {shown}: it is not a regular file")
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(
            target, os.W_OK):
        raise PlanFileError(
            f"Cannot save {shown}: the file is read-only; use Save As to save a copy")
    return stat.S_IMODE(st.st_mode)


def _os_reason(exc: OSError) -> str:
    return _one_line(exc.strerror or str(exc))


def _one_line(text: str) -> str:
    """Messages are shown in one status line and printed as one CLI line."""
    return " ".join(text.split())


def _write_database(plan: Plan, path: Path, previous: Path | None) -> dict[str, int]:
    """Write ``plan`` into a new database at ``path``; returns the rows written per table."""
    written: dict[str, int] = {}
    conn = sqlite3.connect(path.resolve().as_uri(), isolation_level=None, uri=True)
    try:
        # The file is private until os.replace: no journal needed, fsync happens afterwards.
        # Without a journal a failed statement cannot be rolled back: any failure discards the
        # whole temporary file instead (save_plan), never the statement alone.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        gpkg.initialise(conn)
        for spec in TABLES.values():
            gpkg.create_table(conn, spec)
            rows, geoms = _rows_for(spec.name, plan)
            gpkg.insert_rows(conn, spec, rows)
            written[spec.name] = len(rows)
            if geoms:
                gpkg.update_extent(conn, spec.name, geoms)
        if previous is not None:
            _carry_over_user_tables(conn, previous)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return written


def _verify(tmp: Path, plan: Plan, written: dict[str, int]) -> None:
    """Check the written file before it replaces the old one (a file that only says "Saved"
    is worth nothing): intact (``quick_check``), a plan this version opens, every row that was
    written is there, and the accounts, reps and territories are the plan's, in order.

    Cheaper than reading the whole plan back (0.1 s instead of ~3 s of CPU at 200,000
    accounts), and it catches what goes wrong in a save: a damaged or short file.
    """
    with _open_readonly(tmp) as conn:
        (check,) = conn.execute("PRAGMA quick_check(1)").fetchone()
        if check != "ok":
            raise PlanFileError(f"the written file failed its check ({_one_line(check)}); "
                                "the previous file is unchanged")
        try:
            _check_plan(conn, tmp)
        except PlanFileError as exc:
            raise PlanFileError(f"the written file does not read back: {exc}") from None
        for table, count in written.items():
            (found,) = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            if found != count:
                raise PlanFileError(f"the written file does not read back the same "
                                    f"({table}: {found} rows of {count})")
        for table, records in (("accounts", plan.accounts), ("reps", plan.reps),
                               ("territories", plan.territories)):
            ids = [r[0] for r in conn.execute(f'SELECT id FROM "{table}" ORDER BY fid')]
            if ids != list(records):
                raise PlanFileError(f"the written file does not read back the same ({table})")


def _rows_for(table: str, plan: Plan) -> tuple[list[tuple[object, ...]], list[BaseGeometry]]:
    """Rows of ``table`` for ``plan`` (geometry blob first for feature tables), and geometries."""
    rows: list[tuple[object, ...]]
    if table == "territories":
        geoms = [_as_multipolygon(t.geometry) for t in plan.territories.values()]
        rows = [
            (gpkg.to_blob(g), t.id, t.name, t.color, t.rep_id, int(t.locked))
            for t, g in zip(plan.territories.values(), geoms, strict=True)
        ]
        return rows, [g for g in geoms if g is not None]
    if table == "accounts":
        return account_columns.account_rows(list(plan.accounts.values()), gpkg.WGS84)
    if table == "reps":
        points = [Point(r.home_lon, r.home_lat) for r in plan.reps.values()]
        rows = [
            (gpkg.to_blob(p), r.id, r.name, r.weekly_hours, json.dumps(list(r.skills)),
             int(r.approximate_home), r.workday_start, r.workday_end, r.max_day_minutes,
             json.dumps([list(d) for d in r.days_off]))
            for r, p in zip(plan.reps.values(), points, strict=True)
        ]
        return rows, points
    if table == "td_meta":
        meta = {
            "schema_version": str(SCHEMA_VERSION),
            "app_version": __version__,
            "generator": GENERATOR,
            "plan_name": plan.name,
        }
        return list(meta.items()), []
    if table == "td_rules":
        return [(r.id, r.field, r.value, r.territory_id) for r in plan.rules], []
    if table == "td_cadence":
        cad = plan.settings.cadence
        return [(c.tier, c.every_weeks, c.visit_minutes) for c in cad.values()], []
    if table == "td_settings":
        return [(k, _setting_to_text(v)) for k, v in _scalar_settings(plan.settings).items()], []
    if table == "td_schedule":
        return [(s.rep_id, s.weeks, s.seed) for s in plan.schedules.values()], []
    if table == "td_visits":
        # Each schedule's own order, so a loaded schedule equals the saved one.
        return [
            (s.rep_id, v.account_id, v.week, v.weekday, v.order, int(v.pinned), int(v.adhoc))
            for s in plan.schedules.values() for v in s.visits
        ], []
    if table == "td_unplaced":
        return [
            (s.rep_id, u.account_id, u.missing_visits, u.reason)
            for s in plan.schedules.values() for u in s.unplaced
        ], []
    if table == "td_visit_log":
        return [
            (e.date, e.rep_id, e.account_id, e.status, e.moved_to, e.odometer_start,
             e.odometer_end, e.miles, e.note)
            for e in plan.visit_log
        ], []
    raise AssertionError(f"no writer for table {table}")


def _scalar_settings(settings: PlanSettings) -> dict[str, object]:
    return {
        f.name: getattr(settings, f.name)
        for f in dataclasses.fields(settings)
        if f.name != "cadence"
    }


def _setting_to_text(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(list(value) if isinstance(value, tuple) else value)


def _as_multipolygon(geom: BaseGeometry | None) -> MultiPolygon | None:
    if geom is None:
        return None
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    return geom  # type: ignore[return-value]


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


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # Windows cannot open a directory; NTFS journals the rename itself
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


TEMP_SUFFIX = ".tmp"
STALE_TEMP_SECONDS = 600.0
# ".<plan name>.gpkg.<owner token>-<mkstemp's 8 characters>.tmp"; before owner tokens, the
# token was missing: such files are judged by age alone.
_TEMP_NAME = re.compile(r"^\..+\.gpkg\.(?:(h[0-9a-f]{4}p\d+w\d+)-)?[a-z0-9_]{8}\.tmp$")


def remove_stale_temps(folder: str | os.PathLike[str]) -> int:
    """Delete temporary files that killed saves left in ``folder``; returns how many.

    Only our own (named like a save's temporary file) and only stale ones: their process is
    gone, or, where that cannot be checked (another computer, an older version's name), they
    are older than ``STALE_TEMP_SECONDS``. A live save's file is never touched.
    """
    removed = 0
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        m = _TEMP_NAME.match(entry.name)
        if m is None:
            continue
        with contextlib.suppress(OSError):
            modified = entry.stat(follow_symlinks=False).st_mtime
            owner = m.group(1)
            stale = (not sharing.owner_alive(owner, modified) if owner
                     else now - modified > STALE_TEMP_SECONDS)
            if stale and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed += 1
    return removed


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


# ---------------------------------------------------------------------------------------------
# Loading


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
    """The file's schema version, after checking it is an intact plan this version can read."""
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


_T = TypeVar("_T")


class _TableError(ValueError):
    """A bad value found while reading ``table`` (which may not be the table being assembled)."""

    def __init__(self, table: str, message: str) -> None:
        super().__init__(message)
        self.table = table

_BAD_VALUE = (PlanError, ScheduleError, ValueError, TypeError, KeyError, IndexError,
              gpkg.GeoPackageError)


def _read_plan(conn: sqlite3.Connection, source: Path) -> Plan:
    conn.row_factory = sqlite3.Row
    where = ""
    try:
        where = "td_meta"
        meta = {r["key"]: r["value"] for r in conn.execute("SELECT key, value FROM td_meta")}
        where = "reps"
        reps = _read_rows(conn, "reps", _rep)
        where = "accounts"
        accounts = account_columns.read_accounts(conn) or _read_rows(conn, "accounts", _account)
        where = "territories"
        territories = _read_rows(conn, "territories", _territory)
        where = "td_rules"
        rules = _read_rows(conn, "td_rules", lambda r: OverlayRule(
            _text(r["id"]), _text(r["field"]), _text(r["value"]), _text(r["territory_id"])))
        where = "td_cadence"
        cadence = {
            c.tier: c for c in _read_rows(conn, "td_cadence", lambda r: TierCadence(
                _text(r["tier"]), _float(r["every_weeks"], "every_weeks"),
                _float(r["visit_minutes"], "visit_minutes")))
        }
        where = "td_settings"
        settings = _settings(cadence, dict(
            (r["key"], r["value"]) for r in _rows(conn, "td_settings")
        ))
        where = "td_schedule"
        schedules = _read_schedules(conn)
        where = "td_visit_log"
        visit_log = _read_rows(conn, "td_visit_log", _log_entry)
    except _BAD_VALUE as exc:
        table = exc.table if isinstance(exc, _TableError) else where
        raise PlanFileError(
            f"Cannot open {source}: the file is damaged: table {table}: {exc}"
        ) from None
    plan = Plan(
        accounts=_unique(accounts, "account", source),
        reps=_unique(reps, "rep", source),
        territories=_unique(territories, "territory", source),
        rules=rules,
        settings=settings,
        name=meta.get("plan_name") or source.stem,
        schedules=schedules,
        visit_log=visit_log,
    )
    problem = next(_value_problems(plan), None)
    if problem is not None:
        raise PlanFileError(
            f"Cannot open {source}: the file is damaged: table {problem[0]}: {problem[1]}"
        )
    return plan


def _rows(conn: sqlite3.Connection, table: str) -> list[sqlite3.Row]:
    return conn.execute(f'SELECT * FROM "{table}" ORDER BY fid').fetchall()


def _read_rows(
    conn: sqlite3.Connection, table: str, build: Callable[[sqlite3.Row], _T]
) -> list[_T]:
    """``build`` applied to each row; a bad value names its row (the fid QGIS shows)."""
    out = []
    for r in _rows(conn, table):
        try:
            out.append(build(r))
        except _BAD_VALUE as exc:
            raise _TableError(table, f"row {r['fid']}: {exc}") from None
    return out


def _read_schedules(conn: sqlite3.Connection) -> dict[str, RepSchedule]:
    """The rotations: td_schedule gives the reps, td_visits and td_unplaced their rows."""
    heads: dict[str, tuple[int, int]] = {}
    for rep_id, weeks, seed in _read_rows(conn, "td_schedule", lambda r: (
            _text(r["rep_id"]), _int(r["weeks"], "weeks"), _int(r["seed"], "seed", 0))):
        if rep_id in heads:
            raise ValueError(f"rep {rep_id!r} has two schedules")
        heads[rep_id] = (weeks, seed)
    visits: dict[str, list[ScheduledVisit]] = {rep_id: [] for rep_id in heads}
    unplaced: dict[str, list[UnplacedAccount]] = {rep_id: [] for rep_id in heads}
    for table, build, into in (("td_visits", _visit, visits),
                               ("td_unplaced", _unplaced, unplaced)):
        for rep_id, item in _read_rows(conn, table, build):
            if rep_id not in into:
                raise _TableError(table, f"rep {rep_id!r} has no row in td_schedule")
            into[rep_id].append(item)  # type: ignore[arg-type]
    return {
        rep_id: RepSchedule(rep_id, weeks, tuple(visits[rep_id]), tuple(unplaced[rep_id]), seed)
        for rep_id, (weeks, seed) in heads.items()
    }


def _visit(r: sqlite3.Row) -> tuple[str, ScheduledVisit]:
    return _text(r["rep_id"]), ScheduledVisit(
        account_id=_text(r["account_id"]),
        week=_int(r["week"], "week"),
        weekday=_int(r["weekday"], "weekday"),
        order=_int(r["visit_order"], "visit_order"),
        pinned=_flag(r["pinned"], "pinned"),
        adhoc=_flag(r["adhoc"], "adhoc"),
    )


def _unplaced(r: sqlite3.Row) -> tuple[str, UnplacedAccount]:
    return _text(r["rep_id"]), UnplacedAccount(
        _text(r["account_id"]), _int(r["missing_visits"], "missing_visits"), _text(r["reason"]))


def _log_entry(r: sqlite3.Row) -> VisitLogEntry:
    return VisitLogEntry(
        date=_text(r["date"]),
        rep_id=_text(r["rep_id"]),
        account_id=_text(r["account_id"]),
        status=_text(r["status"]),
        moved_to=_text(r["moved_to"]),
        odometer_start=_opt_float(r["odometer_start"], "odometer_start"),
        odometer_end=_opt_float(r["odometer_end"], "odometer_end"),
        miles=_opt_float(r["miles"], "miles"),
        note=_text(r["note"]),
    )


def _unique(items: list, what: str, source: Path) -> dict:
    out = {item.id: item for item in items}
    if len(out) < len(items):
        seen: set[str] = set()
        twice = next(item.id for item in items if item.id in seen or seen.add(item.id))
        raise PlanFileError(
            f"Cannot open {source}: the file is damaged: {what} id {twice!r} appears twice"
        )
    return out


def _text(value: object) -> str:
    if isinstance(value, bytes):  # str() would turn it into "b'...'" silently
        raise ValueError("binary data where text belongs")
    return "" if value is None else str(value)


def _opt_float(value: object, what: str = "value") -> float | None:
    if value is None or value == "":
        return None
    return _float(value, what)


def _float(value: object, what: str) -> float:
    """A finite number from a REAL column (QGIS may have stored "12.5")."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{what} must be a number, not {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{what} must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number, not {value!r}")
    return number


_NO_DEFAULT = object()


def _int(value: object, what: str, default: object = _NO_DEFAULT) -> int:
    """A whole number from an INTEGER column (QGIS may have stored 480.0 or "480")."""
    if value is None or value == "":
        if default is _NO_DEFAULT:
            raise ValueError(f"{what} is empty")
        return default  # type: ignore[return-value]
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text)
        except ValueError:
            value = float(text) if _is_number(text) else value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{what} must be a whole number, not {value!r}")
    return value


def _opt_int(value: object, what: str) -> int | None:
    return None if value is None or value == "" else _int(value, what)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _flag(value: object, what: str) -> bool:
    """A 0/1 column; NULL (a row added in QGIS) is 0."""
    number = _int(value, what, 0)
    if number not in (0, 1):
        raise ValueError(f"{what} must be 0 or 1, not {value!r}")
    return bool(number)


def _json_list(value: object, what: str) -> list[object]:
    """A JSON list column; NULL or empty text is an empty list."""
    text = _text(value).strip()
    if not text:
        return []
    try:
        items = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"{what} is not a JSON list: {text!r}") from None
    if not isinstance(items, list):
        raise ValueError(f"{what} is not a JSON list: {text!r}")
    return items


def _int_tuple(value: object, what: str) -> tuple[int, ...]:
    return tuple(_strict_int(v, what) for v in _json_list(value, what))


def _strict_int(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{what} must hold whole numbers, not {value!r}")
    return value


def _pairs(value: object, what: str) -> tuple[tuple[int, int], ...]:
    out = []
    for item in _json_list(value, what):
        if not isinstance(item, list) or len(item) != 2:
            raise ValueError(f"{what} must hold [week, weekday] pairs, not {item!r}")
        out.append((_strict_int(item[0], what), _strict_int(item[1], what)))
    return tuple(out)


def _point(blob: bytes | None, what: str) -> tuple[float, float]:
    geom = gpkg.from_blob(blob)
    if geom is None or geom.is_empty or geom.geom_type != "Point":
        raise ValueError(f"{what} has no point location")
    return geom.y, geom.x


def _account(r: sqlite3.Row) -> Account:
    lat, lon = _point(r["geom"], f"account {r['id']}")
    return Account(
        id=_text(r["id"]),
        name=_text(r["name"]),
        lat=lat,
        lon=lon,
        address=_text(r["address"]),
        postal_code=_text(r["postal_code"]),
        segment=_text(r["segment"]),
        industry=_text(r["industry"]),
        potential=_opt_float(r["potential"], "potential"),
        tier=_text(r["tier"]) or "C",
        every_weeks=_opt_float(r["every_weeks"], "every_weeks"),
        visit_minutes=_opt_float(r["visit_minutes"], "visit_minutes"),
        owner=_text(r["owner"]),
        notes=_text(r["notes"]),
        approximate_location=bool(r["approximate_location"]),
        window_start=_opt_int(r["window_start"], "window_start"),
        window_end=_opt_int(r["window_end"], "window_end"),
        closed_weekdays=_int_tuple(r["closed_weekdays"], "closed_weekdays"),
        same_weekday=_flag(r["same_weekday"], "same_weekday"),
    )


def _rep(r: sqlite3.Row) -> Rep:
    lat, lon = _point(r["geom"], f"rep {r['id']}")
    skills_text = _text(r["skills"])
    skills = tuple(json.loads(skills_text)) if skills_text.startswith("[") else tuple(
        s.strip() for s in skills_text.split(";") if s.strip()
    )
    return Rep(
        id=_text(r["id"]),
        name=_text(r["name"]),
        home_lat=lat,
        home_lon=lon,
        weekly_hours=_opt_float(r["weekly_hours"], "weekly_hours") or _REP_DEFAULTS.weekly_hours,
        skills=tuple(str(s) for s in skills),
        approximate_home=bool(r["approximate_home"]),
        workday_start=_int(r["workday_start"], "workday_start", _REP_DEFAULTS.workday_start),
        workday_end=_int(r["workday_end"], "workday_end", _REP_DEFAULTS.workday_end),
        max_day_minutes=_int(r["max_day_minutes"], "max_day_minutes",
                             _REP_DEFAULTS.max_day_minutes),
        days_off=_pairs(r["days_off"], "days_off"),
    )


_REP_DEFAULTS = Rep("defaults", "", 0.0, 0.0)


def _territory(r: sqlite3.Row) -> Territory:
    geom = gpkg.from_blob(r["geom"])
    if geom is not None:
        geom = None if geom.is_empty else _polygonal(geom, r["id"])
    return Territory(
        id=_text(r["id"]),
        name=_text(r["name"]),
        color=_text(r["color"]),
        rep_id=_text(r["rep_id"]) or None,
        geometry=geom,
        locked=bool(r["locked"]),
    )


def _polygonal(geom: BaseGeometry, tid: str) -> BaseGeometry:
    if not geom.is_valid:
        # A polygon edited in QGIS may self-intersect; keep the territory and repair it.
        log.warning("territory %s: invalid geometry repaired on load", tid)
        geom = shapely.make_valid(geom)
        parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in (
            "Polygon", "MultiPolygon")]
        geom = shapely.union_all(parts) if parts else Polygon()
    if isinstance(geom, MultiPolygon) and len(geom.geoms) == 1:
        return geom.geoms[0]
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"territory {tid}: geometry is a {geom.geom_type}, not a polygon")
    return geom


def _settings(cadence: dict[str, TierCadence], values: dict[str, object]) -> PlanSettings:
    defaults = PlanSettings()
    kwargs: dict[str, object] = {}
    for f in dataclasses.fields(PlanSettings):
        if f.name == "cadence" or f.name not in values:
            continue
        kwargs[f.name] = _setting(f.name, getattr(defaults, f.name), values[f.name])
    full_cadence = dict(defaults.cadence)
    full_cadence.update(cadence)
    return PlanSettings(cadence=full_cadence, **kwargs)  # type: ignore[arg-type]


def _setting(name: str, default: object, stored: object) -> object:
    """One setting from its text in td_settings, of the type of its default (strictly: a
    rotation length of 2.5 or "true" is damage, not a value to round or guess)."""
    raw = _text(stored)
    what = f"setting {name}"
    if isinstance(default, str):
        return raw
    if isinstance(default, tuple):
        return tuple(_json_list(raw, what))
    try:
        value = json.loads(raw)
    except (json.JSONDecodeError, RecursionError):
        raise ValueError(f"{what} is not a value: {raw[:40]!r}") from None
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{what} must be true or false, not {raw[:40]!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not _is_count(value):
            raise ValueError(f"{what} must be a whole number, not {raw[:40]!r}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value):
            raise ValueError(f"{what} must be a number, not {raw[:40]!r}")
        return float(value)
    return value


def _value_problems(plan: Plan) -> Iterator[tuple[str, str]]:
    """(table, message) for values the model accepts but a reopened plan could not use.

    Checked on save and on load alike, so a plan that saves also opens: ISO dates that the
    scheduler parses, weekdays 0..6, whole numbers where counts are meant.
    """
    for rep in plan.reps.values():
        for week, weekday in rep.days_off:
            if week < 0 or not 0 <= weekday <= 6:
                yield "reps", (f"rep {rep.id}: day off (week {week}, weekday {weekday}) needs "
                               "week 0 or later and weekday 0 (Mon) to 6 (Sun)")
    settings = plan.settings
    if not 1 <= settings.rotation_weeks <= MAX_ROTATION_WEEKS:
        yield "td_settings", (f"rotation weeks must be 1 to {MAX_ROTATION_WEEKS}, not "
                              f"{settings.rotation_weeks!r}")
    if settings.rotation_start and not _is_iso_date(settings.rotation_start):
        yield "td_settings", (f"rotation start {settings.rotation_start[:40]!r} is not a date "
                              "like 2025-03-03")
    for weekday in plan.settings.working_weekdays:
        if not _is_weekday(weekday):
            yield "td_settings", f"working weekday {weekday!r} is not 0 (Mon) to 6 (Sun)"
    for day in plan.settings.holidays:
        if not _is_iso_date(day):
            yield "td_settings", f"holiday {day!r} is not a date like 2025-12-25"
    balance = plan.settings.day_balance
    if not (isinstance(balance, int | float) and 0.0 <= balance <= 1.0):
        yield "td_settings", f"day_balance {balance!r} is not between 0 (least driving) and 1"
    for key, schedule in plan.schedules.items():
        what = f"schedule of rep {schedule.rep_id}"
        if key != schedule.rep_id:
            yield "td_schedule", f"{what} is filed under rep {key}"
        if not _is_count(schedule.weeks) or schedule.weeks < 1:
            yield "td_schedule", f"{what}: weeks must be 1 or more, not {schedule.weeks!r}"
        if not _is_count(schedule.seed):
            yield "td_schedule", f"{what}: seed must be a whole number, not {schedule.seed!r}"
        for u in schedule.unplaced:
            if not _is_count(u.missing_visits) or u.missing_visits < 0:
                yield "td_unplaced", (f"{what}: account {u.account_id}: missing visits must be "
                                      f"0 or more, not {u.missing_visits!r}")
    for n, entry in enumerate(plan.visit_log, start=1):
        what = f"entry {n} ({entry.rep_id}, {entry.account_id})"
        if not _is_iso_date(entry.date):
            yield "td_visit_log", f"{what}: date {entry.date!r} is not a date like 2025-03-04"
        if entry.moved_to and not _is_iso_date(entry.moved_to):
            yield "td_visit_log", (f"{what}: moved to {entry.moved_to!r}, not a date like "
                                   "2025-03-04")


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_weekday(value: object) -> bool:
    return _is_count(value) and 0 <= value <= 6  # type: ignore[operator]


def _is_iso_date(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return dt.date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def plan_schema_version(path: str | os.PathLike[str]) -> int:
    """The schema version stored in a plan file (for diagnostics and tests)."""
    source = Path(path)
    try:
        with _open_readonly(source) as conn:
            return _check_plan(conn, source)
    except sqlite3.DatabaseError as exc:
        raise PlanFileError(f"Cannot open {source}: the file is damaged: {exc}") from None


# ---------------------------------------------------------------------------------------------
# Crash recovery


def autosave_path(path: str | os.PathLike[str], owner: str = "") -> Path:
    """Where ``owner``'s autosave of the plan at ``path`` lives: a hidden sibling file.

    Each window has its own (``owner`` from :func:`sharing.new_owner`), so two windows on one
    plan never overwrite or delete each other's. For an untitled plan, pass a path in the
    user's data folder (e.g. ``<data>/untitled.gpkg``).
    """
    p = Path(path)
    tag = f".{owner}" if owner else ""
    return p.with_name(f".{p.name}.autosave{tag}{PLAN_SUFFIX}")


def write_autosave(plan: Plan, path: str | os.PathLike[str], owner: str = "") -> Path:
    """Save ``plan`` atomically to :func:`autosave_path` of ``path``; returns that path."""
    target = autosave_path(path, owner)
    save_plan(plan, target)
    return target


def find_recovery(path: str | os.PathLike[str], owner: str = "") -> Path | None:
    """The newest autosave worth offering to restore for the plan at ``path``, or None.

    Offered when the autosave is a readable plan newer than the plan file (or the plan file is
    gone) and its window is gone (a crash): the autosaves of windows still open, here or in
    another process, are theirs. ``owner``'s own autosave counts. Stale or unreadable
    autosaves are ignored (not deleted: the user may want them).
    """
    main = Path(path)
    main_stamp = FileStamp.of(main)
    candidates = []
    for auto in main.parent.glob(f".{glob.escape(main.name)}.autosave*{PLAN_SUFFIX}"):
        token = sharing.token_in(auto.name[len(main.name) + 1:])
        stamp = FileStamp.of(auto)
        if stamp is None or (main_stamp is not None and main_stamp.mtime_ns >= stamp.mtime_ns):
            continue
        if token and token != owner and sharing.owner_alive(token, stamp.mtime_ns / 1e9):
            continue
        candidates.append((stamp.mtime_ns, auto))
    for _mtime, auto in sorted(candidates, reverse=True):
        try:
            with _open_readonly(auto) as conn:
                _check_plan(conn, auto)
        except (PlanFileError, sqlite3.DatabaseError, OSError):
            continue
        return auto
    return None


def discard_autosave(path: str | os.PathLike[str], owner: str = "") -> None:
    """Delete ``owner``'s autosave of the plan at ``path`` (after a normal save or close)."""
    _remove_quietly(autosave_path(path, owner))
