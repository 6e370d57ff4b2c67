"""The temporary files of saves: their names, and removing those that killed saves left."""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path

from territory_desktop.io import sharing

STALE_TEMP_SECONDS = 600.0
# ".<plan name>.gpkg.<owner token>-<mkstemp's 8 characters>.tmp.gpkg" (files.atomic_path keeps
# the target's suffix); older versions' names end in ".tmp", and before owner tokens the
# token was missing: such files are judged by age alone.
_TEMP_NAME = re.compile(
    r"^\..+\.gpkg\.(?:(h[0-9a-f]{4}p\d+w\d+)-)?[a-z0-9_]{8}\.tmp(?:\.gpkg)?$")


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
