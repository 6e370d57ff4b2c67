"""Find files shipped with the application, from a checkout or from a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["resource_path", "resources_root", "user_cache_dir"]


def resources_root() -> Path:
    """Return the ``resources/`` folder: beside the package, or in ``sys._MEIPASS`` when frozen.

    A frozen build must collect the checkout's ``resources/`` folder as ``resources`` (PyInstaller
    ``datas=[("resources", "resources")]``), including the installed ``resources/web/vendor/``.
    """
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Return the path of a shipped resource, e.g. ``resource_path("web", "map.js")``.

    The path is returned whether or not the file exists, so callers can say what is missing.
    """
    return resources_root().joinpath(*parts)


def user_cache_dir() -> Path:
    """Where derived files (compiled networks, basemaps) are cached for the command line.

    ``$TDESK_CACHE`` if set, else ``$XDG_CACHE_HOME/territory-desktop`` (``~/.cache`` by default).
    Never inside ``resources/``: shipped files stay read-only.
    """
    import os

    if custom := os.environ.get("TDESK_CACHE"):
        return Path(custom)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "territory-desktop"
