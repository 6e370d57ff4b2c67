"""The settings store keeps preferences and the window layout between sessions."""

from territory_desktop.qt.settings_store import KEY, SettingsStore
from territory_desktop.settings import Preferences


def test_preferences_survive_a_new_store_on_the_same_file(tmp_path):
    ini = tmp_path / "settings.ini"
    prefs = Preferences(units="km", currency="EUR", snap_tolerance_m=40.0,
                        recent_files=[str(tmp_path / "east.gpkg")])
    SettingsStore(ini).save(prefs)
    again = SettingsStore(ini).load()
    assert again == prefs


def test_unreadable_or_missing_settings_give_the_defaults(tmp_path):
    ini = tmp_path / "settings.ini"
    assert SettingsStore(ini).load() == Preferences()
    store = SettingsStore(ini)
    store._qs.setValue(KEY, "{not json")  # what a crash mid-write or a hand edit leaves
    store._qs.sync()
    assert SettingsStore(ini).load() == Preferences()


def test_window_layout_round_trips_and_is_absent_until_saved(tmp_path):
    ini = tmp_path / "settings.ini"
    assert SettingsStore(ini).load_window_layout() is None
    SettingsStore(ini).save_window_layout(b"geometry\x00\x01", b"state\xff")
    assert SettingsStore(ini).load_window_layout() == (b"geometry\x00\x01", b"state\xff")
