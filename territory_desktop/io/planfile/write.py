"""Saving a plan atomically.

A temporary file beside the target, checked before it replaces the old file.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from pathlib import Path

from territory_desktop.files import atomic_path
from territory_desktop.io import gpkg, sharing
from territory_desktop.io.planfile.carry_over import _carry_over_user_tables
from territory_desktop.io.planfile.encode import _rows_for
from territory_desktop.io.planfile.read import _check_plan, _open_readonly
from territory_desktop.io.planfile.schema import (
    TABLES,
    PlanFileChanged,
    PlanFileError,
    _one_line,
    _os_reason,
    _value_problems,
)
from territory_desktop.io.planfile.temps import remove_stale_temps
from territory_desktop.io.sharing import FileStamp
from territory_desktop.model.plan import Plan

log = logging.getLogger(__package__)  # one logger for the plan file, as before the split

ANY_STAMP = object()  # save_plan's default: overwrite whatever is there


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
        # durable: fsync the file, os.replace, fsync the folder (a power cut leaves the old
        # file or the new one); the owner token lets remove_stale_temps see a killed save.
        with atomic_path(target, durable=True, owner=sharing.process_token()) as tmp:
            os.unlink(tmp)  # sqlite wants to create the file itself
            written = _write_database(plan, tmp, previous=target if target.exists() else None)
            _verify(tmp, plan, written)
            if mode is not None:
                os.chmod(tmp, mode)
            if expect is not ANY_STAMP and FileStamp.of(target) != expect:
                raise PlanFileChanged(
                    f"Cannot save {shown}: the file was changed by another window or program "
                    "while saving")
    except BaseException as exc:  # atomic_path has removed the temporary file
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
    """Return the permission bits to give the new file (the old file's).

    A read-only target is refused first: replacing it would work (the folder is writable) but
    silently undo the user's protection, even for root.
    """
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
    """Check the written file before it replaces the old one.

    A file that only says "Saved" is worth nothing: it must be intact (``quick_check``), a plan
    this version opens, every row that was written must be there, and the accounts, reps and
    territories must be the plan's, in order.

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

