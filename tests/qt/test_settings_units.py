"""Distance units chosen in the Settings dialog are stored as one unit name (mi/km).

A settings file written before that ("miles") still opens as miles.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog

from territory_desktop.model import PlanSettings
from territory_desktop.qt import dialogs
from territory_desktop.qt.settings_store import KEY, SettingsStore


def test_settings_dialog_stores_distance_units(tdapp, monkeypatch, tmp_path):
    window = tdapp.window
    for shown, stored in (("km", "km"), ("miles", "mi")):
        def choose(dialog, shown=shown):
            dialog.units.setCurrentText(shown)
            return QDialog.DialogCode.Accepted

        monkeypatch.setattr(dialogs.SettingsDialog, "exec", choose)
        window.actions["edit.settings"].trigger()  # Edit > Settings..., as the user opens it
        assert window.prefs.units == stored
        assert SettingsStore(tmp_path / "settings.ini").load().units == stored


def test_old_settings_file_with_miles_still_reads(qtbot, tmp_path):
    old = QSettings(str(tmp_path / "old.ini"), QSettings.Format.IniFormat)
    old.setValue(KEY, json.dumps({"units": "miles", "currency": "EUR"}))
    old.sync()
    prefs = SettingsStore(tmp_path / "old.ini").load()
    assert (prefs.units, prefs.currency) == ("mi", "EUR")
    shown = dialogs.SettingsDialog(prefs, PlanSettings())
    qtbot.addWidget(shown)
    assert shown.units.currentText() == "miles"
