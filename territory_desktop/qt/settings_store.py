"""Persist :class:`Preferences` with QSettings (JSON in one key, so types survive)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from territory_desktop.settings import Preferences

log = logging.getLogger(__name__)
KEY = "preferences/v1"
LAYOUT_KEYS = ("window/geometry", "window/state")


class SettingsStore:
    """Thin adapter; tests pass a temporary ini file so they never touch real settings."""

    def __init__(self, ini_file: Path | None = None) -> None:
        if ini_file is None:
            self._qs = QSettings("TerritoryDesktop", "TerritoryDesktop")
        else:
            self._qs = QSettings(str(ini_file), QSettings.Format.IniFormat)

    def load(self) -> Preferences:
        """Return the stored preferences (the defaults when none or unreadable)."""
        raw = self._qs.value(KEY, "")
        if not raw:
            return Preferences()
        try:
            data = json.loads(str(raw))
        except json.JSONDecodeError:
            log.warning("settings were unreadable; using defaults")
            return Preferences()
        return Preferences.from_dict(data if isinstance(data, dict) else {})

    def save(self, prefs: Preferences) -> None:
        """Store ``prefs``."""
        self._qs.setValue(KEY, json.dumps(prefs.to_dict()))
        self._qs.sync()

    def load_window_layout(self) -> tuple[bytes, bytes] | None:
        """Return the main window's saved geometry and dock layout (QMainWindow's own blobs)."""
        values = [self._qs.value(key) for key in LAYOUT_KEYS]
        if not all(isinstance(v, QByteArray) and not v.isEmpty() for v in values):
            return None
        return bytes(values[0].data()), bytes(values[1].data())

    def save_window_layout(self, geometry: bytes, state: bytes) -> None:
        """Store the main window's geometry and dock layout (Qt's own blobs)."""
        for key, value in zip(LAYOUT_KEYS, (geometry, state), strict=True):
            self._qs.setValue(key, QByteArray(value))
        self._qs.sync()
