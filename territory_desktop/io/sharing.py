"""Several windows or processes on one plan file: owners, lock files and modification stamps.

Each window that edits a plan is an *owner* with a token naming its host, process and window
(``h1a2bp4242w1``). The token is written into the names of its autosave and temporary files and
into the plan's lock file, so that

- a second window opening a plan sees the lock of the first and can open it read-only;
- a save compares the file's :class:`FileStamp` with the one it saw at open or last save, so a
  change made by anybody else (another window, another program, another computer) is noticed
  even where no lock was taken;
- leftovers of a killed process (autosaves, temporary files, locks) are recognised as stale
  because their process is gone, and only ours are ever deleted.

Processes on another host cannot be checked: their files count as live until they are
``REMOTE_STALE_SECONDS`` old.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import re
import socket
import time
from dataclasses import dataclass
from pathlib import Path

REMOTE_STALE_SECONDS = 600.0

_HOST = hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:4]
_TOKEN = re.compile(r"h([0-9a-f]{4})p(\d+)w(\d+)")
_window_numbers = itertools.count(1)
_live_windows: set[str] = set()


@dataclass(frozen=True)
class FileStamp:
    """What identifies one version of a file: a save by anybody changes at least one field."""

    mtime_ns: int
    size: int
    inode: int

    @classmethod
    def of(cls, path: str | os.PathLike[str]) -> FileStamp | None:
        """Take the stamp of ``path`` now, or None when there is no such file."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        return cls(st.st_mtime_ns, st.st_size, st.st_ino)


def new_owner() -> str:
    """Make a token for one window of this process (live until :func:`release`)."""
    token = f"h{_HOST}p{os.getpid()}w{next(_window_numbers)}"
    _live_windows.add(token)
    return token


def release(owner: str) -> None:
    """Mark the window ``owner`` closed: its files may now count as another's leftovers."""
    _live_windows.discard(owner)


def owner_alive(owner: str, modified: float | None = None) -> bool:
    """Whether the window or process behind ``owner`` may still be running.

    ``modified`` (a file's mtime) lets a token from another host expire after
    ``REMOTE_STALE_SECONDS``; without it such a token counts as live.
    """
    m = _TOKEN.fullmatch(owner)
    if m is None:
        return False
    host, pid, window = m.group(1), int(m.group(2)), int(m.group(3))
    if host != _HOST:
        return modified is None or time.time() - modified < REMOTE_STALE_SECONDS
    if pid == os.getpid():
        # Window 0 is the process itself (a save running right now in this process).
        return window == 0 or owner in _live_windows
    return _pid_alive(pid)


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # pragma: no cover - no cheap check without extra modules
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def token_in(name: str) -> str | None:
    """Return the owner token embedded in a file name, if any."""
    m = _TOKEN.search(name)
    return m.group(0) if m else None


def process_token() -> str:
    """Return the token of this process without a window (saves made by the command line)."""
    return f"h{_HOST}p{os.getpid()}w0"


# ---------------------------------------------------------------------------------------------
# Lock files


def lock_path(path: str | os.PathLike[str]) -> Path:
    """Return the lock file of the plan at ``path``: a hidden sibling, like the autosave."""
    p = Path(path)
    return p.with_name(f".{p.name}.lock")


@dataclass(frozen=True)
class LockInfo:
    """Who holds a plan open: their owner token, user name and when they opened it."""

    owner: str
    user: str
    since: str

    def describe(self) -> str:
        """Say who holds the lock and since when, for a message to the user."""
        who = self.user or "someone"
        return f"{who} (since {self.since})" if self.since else who


def read_lock(path: str | os.PathLike[str]) -> LockInfo | None:
    """Read the live lock on the plan at ``path``, or None (no lock, unreadable, or stale)."""
    lock = lock_path(path)
    try:
        data = json.loads(lock.read_text(encoding="utf-8"))
        info = LockInfo(str(data["owner"]), str(data.get("user", "")),
                         str(data.get("since", "")))
        modified = lock.stat().st_mtime
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return info if owner_alive(info.owner, modified) else None


def take_lock(path: str | os.PathLike[str], owner: str) -> None:
    """Record that ``owner`` has the plan at ``path`` open.

    Best effort: a read-only folder simply gets no lock; the modification stamp still catches
    conflicting saves.
    """
    info = {"owner": owner, "user": _user_name(),
            "since": time.strftime("%Y-%m-%d %H:%M"), "host": socket.gethostname()}
    with contextlib.suppress(OSError):
        lock_path(path).write_text(json.dumps(info), encoding="utf-8")


def drop_lock(path: str | os.PathLike[str], owner: str) -> None:
    """Remove the lock of the plan at ``path`` if ``owner`` holds it (never another's)."""
    lock = lock_path(path)
    try:
        data = json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(data, dict) and data.get("owner") == owner:
        with contextlib.suppress(OSError):
            lock.unlink()


def _user_name() -> str:
    for key in ("USER", "USERNAME", "LOGNAME"):
        if os.environ.get(key):
            return os.environ[key]
    return ""


def is_plan_file(target: str | os.PathLike[str], plan: str | os.PathLike[str]) -> bool:
    """Whether writing ``target`` would replace the plan file at ``plan`` or its hidden siblings.

    The same file is found through symlinks and hard links; the siblings are the autosaves,
    the lock and the temporary files of saves (``.<plan name>.*`` beside the plan).
    """
    target, plan = Path(target), Path(plan)
    if target.resolve() == plan.resolve():
        return True
    with contextlib.suppress(OSError):
        if os.path.samefile(target, plan):
            return True
    return (target.resolve().parent == plan.resolve().parent
            and target.name.startswith(f".{plan.name}."))
