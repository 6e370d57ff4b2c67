"""Writing files atomically and hashing them: the one place for both.

Every file the app writes (plan, caches, exports, matrices) goes through :func:`atomic_path` or
:func:`atomic_open`, so a crash, a full disk or a killed process leaves either the old file or
the new one, never a half-written one.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import random
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

_CHUNK = 1 << 22
_NAME_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789_"  # as tempfile.mkstemp's names
_random = random.Random()
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, durable: bool = False,
                owner: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on a clean exit move it over ``target``.

    The temporary file ``.<name>.<random>.tmp<suffix>`` sits in the target's folder (so the
    move is one atomic ``os.replace``) and keeps the target's suffix (writers that choose a
    format by it, such as ``numpy.savez``, still work). It exists and is empty when yielded;
    a writer that must create the file itself may delete it first. On any error it is removed
    and an existing ``target`` is left untouched; an ``OSError`` about the temporary file
    comes out as :class:`WriteError`, which names ``target``.

    The new file gets the permissions any new file gets (0666 less the process's umask, as
    ``open(path, "w")`` gives), or those of the ``target`` it replaces; not ``mkstemp``'s
    0600, which left every export readable by its owner only.

    Parameters
    ----------
    target
        The file to write.
    durable
        Also flush the new file and the folder entry to disk (``fsync``) before returning,
        so the new content survives a power cut (the plan file wants this; caches do not).
    owner
        A token put in the temporary name (``.<name>.<owner>-<random>.tmp<suffix>``), so a
        cleanup can tell whether the process that wrote it is gone (the plan file's
        ``remove_stale_temps``).
    """
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    tag = f"{owner}-" if owner else ""
    try:
        tmp = _new_file(folder, f".{target.name}.{tag}", ".tmp" + target.suffix)
    except OSError as exc:
        raise WriteError.of(target, exc) from exc
    try:
        yield tmp
        _keep_mode(target, tmp)  # after writing: a read-only mode must not stop the writer
        if durable:
            _fsync_file(tmp)
        os.replace(tmp, target)
        if durable:
            _fsync_dir(folder)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and exc.filename in (None, str(tmp), tmp):
            raise WriteError.of(target, exc) from exc
        raise


class WriteError(OSError):
    """A file that could not be written: ``str()`` names it and says why, in words.

    Not the temporary file the write went to, which the user never chose.
    """

    @classmethod
    def of(cls, target: str | os.PathLike[str], exc: OSError) -> WriteError:
        """Return the error for ``target`` that ``exc`` (about any file of the write) means."""
        if isinstance(exc, WriteError):
            return exc
        folder = Path(target).parent
        reasons = {
            errno.ENOENT: ("the folder does not accept new files" if folder.is_dir()
                           else f"folder {folder} does not exist"),
            errno.EACCES: "permission denied", errno.EPERM: "permission denied",
            errno.EROFS: "the disk is read-only", errno.ENOSPC: "the disk is full",
            errno.ENOTDIR: "a part of the path is not a folder",
            errno.EISDIR: "it is a folder", errno.ENAMETOOLONG: "the name is too long",
        }
        reason = reasons.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()
        return cls(exc.errno, reason, str(target))

    def __str__(self) -> str:
        """Return "cannot write <target>: <reason>"."""
        return f"cannot write {self.filename}: {self.strerror}"


@contextlib.contextmanager
def atomic_open(target: str | os.PathLike[str], mode: str = "wb", *, durable: bool = False,
                **open_args: Any) -> Iterator[IO[Any]]:
    """Open a file for writing that replaces ``target`` in one step when the block ends.

    ``mode`` and ``open_args`` (``encoding``, ``newline``) are those of :func:`open`; see
    :func:`atomic_path` for where the temporary file lives and what ``durable`` does.
    """
    if not set(mode) & {"w", "x"}:
        raise ValueError(f"atomic_open writes a new file; mode {mode!r} does not")
    with atomic_path(target, durable=durable) as tmp, open(tmp, mode.replace("x", "w"),
                                                           **open_args) as f:
        yield f


def _new_file(folder: Path, prefix: str, suffix: str) -> Path:
    """Create an empty file ``<prefix><8 random characters><suffix>`` that did not exist.

    Like ``tempfile.mkstemp`` (same names, ``O_EXCL``), but created with mode 0666 so the
    umask decides, as for any new file.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(1000):
        name = "".join(_random.choices(_NAME_CHARACTERS, k=8))
        path = folder / f"{prefix}{name}{suffix}"
        try:
            os.close(os.open(path, flags, 0o666))
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free temporary name for {prefix}*{suffix} in {folder}")


def _keep_mode(target: Path, tmp: Path) -> None:
    """Give ``tmp`` the permission bits of the regular file ``target`` it will replace."""
    try:
        st = target.stat()
    except OSError:
        return  # no target yet: the new file's own (umask) permissions stand
    if stat.S_ISREG(st.st_mode):
        os.chmod(tmp, stat.S_IMODE(st.st_mode))


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, as lowercase hex (read in 4 MB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


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


def formula_safe(text: str) -> str:
    """Return ``text`` as a spreadsheet will show it, never run it (CSV injection, OWASP).

    A cell starting with ``=``, ``@``, a tab or a carriage return, or with ``+``/``-`` followed
    by anything but a plain number, gets a leading apostrophe. Plain numbers (an id such as
    ``-1042``) are written exactly as they are: a number is no formula, and changing it would
    change the value every other reader of the file sees.
    """
    if not text:
        return text
    first = text[0]
    if first in "=@\t\r" or (first in "+-" and not _PLAIN_NUMBER.match(text)):
        return "'" + text
    return text
