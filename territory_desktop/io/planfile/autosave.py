"""Crash recovery: each window's autosave beside the plan file, and finding one to restore."""

from __future__ import annotations

import glob
import os
import sqlite3
from pathlib import Path

from territory_desktop.io import sharing
from territory_desktop.io.planfile.read import _check_plan, _open_readonly
from territory_desktop.io.planfile.schema import PLAN_SUFFIX, PlanFileError
from territory_desktop.io.planfile.temps import _remove_quietly
from territory_desktop.io.planfile.write import save_plan
from territory_desktop.io.sharing import FileStamp
from territory_desktop.model.plan import Plan


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
    """Return the newest autosave worth offering to restore for the plan at ``path``, or None.

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
