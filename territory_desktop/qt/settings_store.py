"""Persist :class:`Preferences` with QSettings (JSON in one key, so types survive)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from PySide6.QtCore import QSettings

from territory_desktop.settings import Preferences

log = logging.getLogger(__name__)
KEY = "preferences/v1"


class SettingsStore:
    """Thin adapter; tests pass a temporary ini file so they never touch real settings."""

    def __init__(self, ini_file: Path | None = None) -> None:
        if ini_file is None:
            self._qs = QSettings("TerritoryDesktop", "TerritoryDesktop")
        else:
            self._qs = QSettings(str(ini_file), QSettings.Format.IniFormat)

    def load(self) -> Preferences:
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
        self._qs.setValue(KEY, json.dumps(prefs.to_dict()))
        self._qs.sync()
