"""numba's compiled-kernel cache in a frozen (PyInstaller) build.

numba keys a cached kernel on its source file: the cache folder comes from the file's absolute
path and the cache is trusted while the file is unchanged. A frozen build has no source files,
and PyInstaller records module paths relative to the folder the app is launched from, so
numba's own locators key the cache on the launch folder: every launch from elsewhere would
compile the routing kernels again (~9 s).

:func:`configure`, called by ``main.py`` before numba is imported (frozen builds only):

* points ``NUMBA_CACHE_DIR`` at ``numba/`` in the per-user cache folder
  (:func:`territory_desktop.resources.user_cache_dir`);
* compiles for numba's ``generic`` CPU, so the kernels compiled when the bundle is built run on
  any machine of the same architecture: the build ships them in ``numba_cache/`` and a fresh
  install seeds its user cache from there instead of compiling;
* selects :class:`FrozenLocator`, which keys each kernel on its module name and a hash of the
  module's compiled code (the frozen counterpart of numba's source-file hash), never on a path.

A checkout (not frozen) keeps numba's defaults: kernels cached beside their source files.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["SEED_FOLDER", "FrozenLocator", "configure"]

#: Folder of the bundle (``sys._MEIPASS``) holding the kernels compiled at build time.
SEED_FOLDER = "numba_cache"


def configure() -> None:
    """Set numba's cache up for a frozen build; call before numba is imported.

    Values already in the environment win (the build uses ``NUMBA_CACHE_DIR`` to compile the
    kernels it ships into the bundle).
    """
    if not getattr(sys, "frozen", False):
        return
    from territory_desktop.resources import user_cache_dir

    os.environ.setdefault("NUMBA_CACHE_DIR", str(user_cache_dir() / "numba"))
    os.environ.setdefault("NUMBA_CPU_NAME", "generic")
    os.environ["NUMBA_CACHE_LOCATOR_CLASSES"] = f"{__name__}.FrozenLocator"


@functools.cache
def _module_stamp(module_name: str) -> str:
    """Hash the module's compiled code, else the executable.

    The code's hash changes with any edit of the module; the executable's is numba's own
    choice for frozen builds.
    """
    spec = getattr(sys.modules.get(module_name), "__spec__", None)
    get_code = getattr(getattr(spec, "loader", None), "get_code", None)
    code = get_code(module_name) if get_code is not None else None
    data = marshal.dumps(code) if code is not None else Path(sys.executable).read_bytes()
    return hashlib.sha256(data).hexdigest()[:16]


def _seed(folder: Path) -> None:
    """Fill an absent cache folder from the bundle's copy.

    A rename makes it all-or-nothing, so two copies of the app starting at once never see
    half a folder.
    """
    bundle = getattr(sys, "_MEIPASS", None)
    seed = Path(bundle, SEED_FOLDER, folder.name) if bundle else None
    if folder.exists() or seed is None or not seed.is_dir():
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".seed-", dir=folder.parent))
    try:
        shutil.copytree(seed, staging, dirs_exist_ok=True)
        os.replace(staging, folder)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # another process won the race, or no space


class FrozenLocator:
    """numba cache locator for frozen builds: ``NUMBA_CACHE_DIR/<module>-<code hash>/``.

    numba imports it by name (``NUMBA_CACHE_LOCATOR_CLASSES``) and uses it through the
    ``from_function``/``get_cache_path``/``get_source_stamp``/``get_disambiguator`` protocol of
    its ``_CacheLocator``; nothing here imports numba before :func:`configure` has run.
    """

    def __init__(self, py_func: Any, py_file: str, folder: Path, stamp: str) -> None:
        self._py_file = py_file  # numba names it in its "cannot cache" warnings
        self._lineno = py_func.__code__.co_firstlineno
        self._folder = folder
        self._stamp = stamp

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> FrozenLocator | None:
        """Return the locator of a kernel of a frozen build (None when not frozen: numba's own)."""
        from numba.core import config

        if not getattr(sys, "frozen", False):
            return None
        module = py_func.__module__
        stamp = _module_stamp(module)
        root = getattr(config, "CACHE_DIR", "") or tempfile.gettempdir()  # set from env at import
        folder = Path(root, f"{module}-{stamp}")
        try:
            _seed(folder)
            folder.mkdir(parents=True, exist_ok=True)
            tempfile.TemporaryFile(dir=folder).close()
        except OSError:
            # No writable cache (read-only home): compile into a folder for this process only,
            # rather than numba's "no locator available" error at import.
            folder = Path(tempfile.mkdtemp(prefix="territory-desktop-numba-"))
        return cls(py_func, py_file, folder, stamp)

    def ensure_cache_path(self) -> None:
        """Create the per-user cache folder."""
        self._folder.mkdir(parents=True, exist_ok=True)

    def get_cache_path(self) -> str:
        """Return the per-user cache folder."""
        return str(self._folder)

    def get_source_stamp(self) -> str:
        """Return the stamp that invalidates the cache when the code changes."""
        return self._stamp

    def get_disambiguator(self) -> str:
        """Return the kernel's line number, telling apart same-named kernels of one module."""
        return str(self._lineno)
