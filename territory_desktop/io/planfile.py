"""The plan file: one GeoPackage that Territory Desktop reads and writes and QGIS opens as layers.

Layout (schema version 1; every table has ``fid INTEGER PRIMARY KEY`` first, rows keep plan order):

==============  ===========  =============================================================
table           kind         columns
==============  ===========  =============================================================
territories     features     geom MULTIPOLYGON (NULL for overlay-only), id, name, color,
                             rep_id, locked
accounts        features     geom POINT, id, name, address, postal_code, segment, industry,
                             potential, tier, every_weeks, visit_minutes, owner, notes,
                             approximate_location
reps            features     geom POINT (home), id, name, weekly_hours, skills (JSON list),
                             approximate_home
td_meta         attributes   key, value: schema_version, app_version, plan_name, generator
td_rules        attributes   id, field, value, territory_id (in rule order)
td_cadence      attributes   tier, every_weeks, visit_minutes
td_settings     attributes   key, value: the scalar fields of ``PlanSettings``
==============  ===========  =============================================================

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
import glob
import json
import logging
import math
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from territory_desktop import __version__
from territory_desktop.io import gpkg
from territory_desktop.io.gpkg import Column, TableSpec
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

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
GENERATOR = "Territory Desktop"
PLAN_SUFFIX = ".gpkg"


class PlanFileError(Exception):
    """A plan file that cannot be read or written; the message names the file and the problem."""


# ---------------------------------------------------------------------------------------------
# The schema: the one place where tables are declared.

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
    )
}

# Forward migrations: MIGRATIONS[n] turns a schema-n database into schema n+1, in place, on a
# private in-memory copy (the user's file is never modified by opening it).
Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: dict[int, Migration] = {}


# ---------------------------------------------------------------------------------------------
# Saving


def save_plan(plan: Plan, path: str | os.PathLike[str]) -> None:
    """Write ``plan`` to ``path`` atomically.

    Raises
    ------
    PlanFileError
        If the folder is not writable, the disk is full, or the plan cannot be stored.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise PlanFileError(f"Cannot save {target}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        os.unlink(tmp)  # sqlite wants to create the file itself
        _write_database(plan, tmp, previous=target if target.exists() else None)
        _fsync_file(tmp)
        os.replace(tmp, target)
        _fsync_dir(folder)
        _remove_stale_temps(target)
    except PlanFileError:
        _remove_quietly(tmp)
        raise
    except (OSError, sqlite3.Error) as exc:
        _remove_quietly(tmp)
        raise PlanFileError(f"Cannot save {target}: {exc}") from None
    except BaseException:
        _remove_quietly(tmp)
        raise


def _write_database(plan: Plan, path: Path, previous: Path | None) -> None:
    conn = sqlite3.connect(path.resolve().as_uri(), isolation_level=None, uri=True)
    try:
        # The file is private until os.replace: no journal needed, fsync happens afterwards.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        gpkg.initialise(conn)
        for spec in TABLES.values():
            gpkg.create_table(conn, spec)
            rows, geoms = _rows_for(spec.name, plan)
            gpkg.insert_rows(conn, spec, rows)
            if geoms:
                gpkg.update_extent(conn, spec.name, geoms)
        conn.execute("COMMIT")
        if previous is not None:
            _carry_over_user_tables(conn, previous)
    finally:
        conn.close()


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
        points = [Point(a.lon, a.lat) for a in plan.accounts.values()]
        rows = [
            (gpkg.to_blob(p), a.id, a.name, a.address, a.postal_code, a.segment, a.industry,
             a.potential, a.tier, a.every_weeks, a.visit_minutes, a.owner, a.notes,
             int(a.approximate_location))
            for a, p in zip(plan.accounts.values(), points, strict=True)
        ]
        return rows, points
    if table == "reps":
        points = [Point(r.home_lon, r.home_lat) for r in plan.reps.values()]
        rows = [
            (gpkg.to_blob(p), r.id, r.name, r.weekly_hours, json.dumps(list(r.skills)),
             int(r.approximate_home))
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
    return json.dumps(value)


def _as_multipolygon(geom: BaseGeometry | None) -> MultiPolygon | None:
    if geom is None:
        return None
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    return geom  # type: ignore[return-value]


def _carry_over_user_tables(conn: sqlite3.Connection, previous: Path) -> None:
    """Copy tables a user added (e.g. in QGIS) from the file being replaced.

    Also keeps columns a user added to our tables (values matched by id; rows that are new in
    the plan get NULL). Best effort: an unreadable previous file is simply not carried over.
    Spatial indexes and triggers are not copied (they need GDAL's SQL functions).
    """
    try:
        conn.execute("ATTACH DATABASE ? AS old", (previous.resolve().as_uri() + "?mode=ro",))
    except sqlite3.Error:
        return
    try:
        conn.execute("BEGIN")
        ours = set(TABLES)
        for name in gpkg.table_names(conn, "old"):
            if name in ours:
                _carry_over_user_columns(conn, name)
                continue
            (sql,) = conn.execute(
                "SELECT sql FROM old.sqlite_master WHERE type='table' AND name=?", (name,)
            ).fetchone()
            conn.execute(sql)
            conn.execute(f'INSERT INTO main."{name}" SELECT * FROM old."{name}"')
            for meta_table in ("gpkg_contents", "gpkg_geometry_columns"):
                with contextlib.suppress(sqlite3.Error):
                    conn.execute(
                        f"INSERT OR IGNORE INTO main.{meta_table} "
                        f"SELECT * FROM old.{meta_table} WHERE table_name=?",
                        (name,),
                    )
            with contextlib.suppress(sqlite3.Error):
                # A user table may use an SRS we do not write by default.
                conn.execute(
                    "INSERT OR IGNORE INTO main.gpkg_spatial_ref_sys SELECT * FROM "
                    "old.gpkg_spatial_ref_sys WHERE srs_id IN (SELECT srs_id FROM "
                    "old.gpkg_contents WHERE table_name=?)",
                    (name,),
                )
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        log.warning("could not carry over user tables from %s: %s", previous, exc)
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    finally:
        conn.execute("DETACH DATABASE old")


def _carry_over_user_columns(conn: sqlite3.Connection, table: str) -> None:
    """Copy columns a user added to one of our tables, matching rows by id."""
    key = "id" if "id" in TABLES[table].column_names else TABLES[table].column_names[0]
    ours = {"fid", "geom", *TABLES[table].column_names}
    old_cols = conn.execute(f'PRAGMA old.table_info("{table}")').fetchall()
    if key not in {c[1] for c in old_cols}:
        return
    for _cid, col, decl, *_rest in old_cols:
        if col in ours:
            continue
        conn.execute(f'ALTER TABLE main."{table}" ADD COLUMN "{col}" {decl or ""}')
        conn.execute(
            f'UPDATE main."{table}" SET "{col}" = (SELECT o."{col}" FROM old."{table}" o '
            f'WHERE o."{key}" = main."{table}"."{key}")'
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


STALE_TEMP_SECONDS = 600.0


def _remove_stale_temps(target: Path) -> None:
    """Delete temp files that killed saves of ``target`` left behind.

    Only files older than ``STALE_TEMP_SECONDS``: a younger one may belong to a save running in
    another process right now.
    """
    now = time.time()
    for tmp in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            if now - tmp.stat().st_mtime > STALE_TEMP_SECONDS:
                tmp.unlink()


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
    try:
        with _open_readonly(source) as conn:
            version = _check_plan(conn, source)
            if version < SCHEMA_VERSION:
                with _migrated_copy(conn, version, source) as mem:
                    return _read_plan(mem, source)
            return _read_plan(conn, source)
    except PlanFileError:
        raise
    except sqlite3.DatabaseError as exc:
        raise PlanFileError(f"Cannot open {source}: the file is damaged: {exc}") from None
    except OSError as exc:
        raise PlanFileError(f"Cannot open {source}: {exc.strerror or exc}") from None


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
        version = int(meta.get("schema_version", ""))
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


def _read_plan(conn: sqlite3.Connection, source: Path) -> Plan:
    conn.row_factory = sqlite3.Row
    where = ""
    try:
        where = "td_meta"
        meta = {r["key"]: r["value"] for r in conn.execute("SELECT key, value FROM td_meta")}
        where = "reps"
        reps = [_rep(r) for r in _rows(conn, "reps")]
        where = "accounts"
        accounts = [_account(r) for r in _rows(conn, "accounts")]
        where = "territories"
        territories = [_territory(r) for r in _rows(conn, "territories")]
        where = "td_rules"
        rules = [
            OverlayRule(r["id"], r["field"], _text(r["value"]), r["territory_id"])
            for r in _rows(conn, "td_rules")
        ]
        where = "td_cadence"
        cadence = {
            r["tier"]: TierCadence(r["tier"], float(r["every_weeks"]), float(r["visit_minutes"]))
            for r in _rows(conn, "td_cadence")
        }
        where = "td_settings"
        settings = _settings(cadence, dict(
            (r["key"], r["value"]) for r in _rows(conn, "td_settings")
        ))
    except (PlanError, ValueError, TypeError, KeyError, IndexError,
            gpkg.GeoPackageError) as exc:
        raise PlanFileError(
            f"Cannot open {source}: the file is damaged: table {where}: {exc}"
        ) from None
    return Plan(
        accounts=_unique(accounts, "account", source),
        reps=_unique(reps, "rep", source),
        territories=_unique(territories, "territory", source),
        rules=rules,
        settings=settings,
        name=meta.get("plan_name") or source.stem,
    )


def _rows(conn: sqlite3.Connection, table: str) -> list[sqlite3.Row]:
    return conn.execute(f'SELECT * FROM "{table}" ORDER BY fid').fetchall()


def _unique(items: list, what: str, source: Path) -> dict:
    out: dict = {}
    for item in items:
        if item.id in out:
            raise PlanFileError(
                f"Cannot open {source}: the file is damaged: {what} id {item.id!r} appears twice"
            )
        out[item.id] = item
    return out


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _opt_float(value: object) -> float | None:
    if value is None or value == "":
        return None
    return float(value)  # type: ignore[arg-type]


def _point(blob: bytes | None, what: str) -> tuple[float, float]:
    geom = gpkg.from_blob(blob)
    if geom is None or geom.is_empty or geom.geom_type != "Point":
        raise ValueError(f"{what} has no point location")
    return geom.y, geom.x


def _account(r: sqlite3.Row) -> Account:
    lat, lon = _point(r["geom"], f"account {r['id']}")
    return Account(
        id=r["id"],
        name=_text(r["name"]),
        lat=lat,
        lon=lon,
        address=_text(r["address"]),
        postal_code=_text(r["postal_code"]),
        segment=_text(r["segment"]),
        industry=_text(r["industry"]),
        potential=_opt_float(r["potential"]),
        tier=_text(r["tier"]) or "C",
        every_weeks=_opt_float(r["every_weeks"]),
        visit_minutes=_opt_float(r["visit_minutes"]),
        owner=_text(r["owner"]),
        notes=_text(r["notes"]),
        approximate_location=bool(r["approximate_location"]),
    )


def _rep(r: sqlite3.Row) -> Rep:
    lat, lon = _point(r["geom"], f"rep {r['id']}")
    skills_text = _text(r["skills"])
    skills = tuple(json.loads(skills_text)) if skills_text.startswith("[") else tuple(
        s.strip() for s in skills_text.split(";") if s.strip()
    )
    return Rep(
        id=r["id"],
        name=_text(r["name"]),
        home_lat=lat,
        home_lon=lon,
        weekly_hours=float(r["weekly_hours"]) if r["weekly_hours"] is not None else 40.0,
        skills=tuple(str(s) for s in skills),
        approximate_home=bool(r["approximate_home"]),
    )


def _territory(r: sqlite3.Row) -> Territory:
    geom = gpkg.from_blob(r["geom"])
    if geom is not None:
        geom = None if geom.is_empty else _polygonal(geom, r["id"])
    return Territory(
        id=r["id"],
        name=_text(r["name"]),
        color=_text(r["color"]),
        rep_id=r["rep_id"] or None,
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
        default = getattr(defaults, f.name)
        raw = _text(values[f.name])
        if isinstance(default, str):
            kwargs[f.name] = raw
        else:
            value = json.loads(raw)
            if isinstance(default, int) and not isinstance(default, bool):
                if isinstance(value, float) and not math.isfinite(value):
                    raise ValueError(f"setting {f.name} is not a number")
                value = int(value)
            kwargs[f.name] = value
    full_cadence = dict(defaults.cadence)
    full_cadence.update(cadence)
    return PlanSettings(cadence=full_cadence, **kwargs)  # type: ignore[arg-type]


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


def autosave_path(path: str | os.PathLike[str]) -> Path:
    """Where the autosave of the plan at ``path`` lives: a hidden sibling file.

    For an untitled plan, pass a path in the user's data folder (e.g. ``<data>/untitled.gpkg``).
    """
    p = Path(path)
    return p.with_name(f".{p.name}.autosave{PLAN_SUFFIX}")


def write_autosave(plan: Plan, path: str | os.PathLike[str]) -> Path:
    """Save ``plan`` atomically to :func:`autosave_path` of ``path``; returns that path."""
    target = autosave_path(path)
    save_plan(plan, target)
    return target


def find_recovery(path: str | os.PathLike[str]) -> Path | None:
    """An autosave worth offering to restore for the plan at ``path``, or None.

    Offered when the autosave is a readable plan newer than the plan file (or the plan file is
    gone). Stale or unreadable autosaves are ignored (not deleted: the user may want them).
    """
    auto = autosave_path(path)
    if not auto.is_file():
        return None
    main = Path(path)
    if main.is_file() and main.stat().st_mtime_ns >= auto.stat().st_mtime_ns:
        return None
    try:
        with _open_readonly(auto) as conn:
            _check_plan(conn, auto)
    except (PlanFileError, sqlite3.DatabaseError, OSError):
        return None
    return auto


def discard_autosave(path: str | os.PathLike[str]) -> None:
    """Delete the autosave of the plan at ``path`` (after a normal save or close)."""
    _remove_quietly(autosave_path(path))
