import pytest

from territory_desktop.settings import Preferences
from territory_desktop.units import format_distance


def test_round_trip_and_defaults():
    prefs = Preferences(units="km", currency="EUR")
    prefs.add_recent("/a.gpkg")
    prefs.add_recent("/b.gpkg")
    prefs.add_recent("/a.gpkg")
    again = Preferences.from_dict(prefs.to_dict())
    assert again == prefs
    assert again.recent_files == ["/a.gpkg", "/b.gpkg"]


def test_bad_values_fall_back_to_defaults():
    prefs = Preferences.from_dict({"units": "furlongs", "autosave_seconds": "soon",
                                   "show_basemap": 1, "snap_tolerance_m": 10, "nope": 3})
    assert prefs.units == "mi"
    assert prefs.autosave_seconds == 60
    assert prefs.show_basemap is True
    assert prefs.snap_tolerance_m == 10.0


@pytest.mark.parametrize(("stored", "unit"), [("miles", "mi"), ("mi", "mi"), ("km", "km")])
def test_units_are_distance_units_and_old_stored_names_still_read(stored, unit):
    prefs = Preferences.from_dict({"units": stored})
    assert prefs.units == unit
    assert Preferences().units == "mi"
    assert format_distance(1609.344, prefs.units) == f"{1.0 if unit == 'mi' else 1.6} {unit}"


def test_recent_files_are_capped():
    prefs = Preferences(max_recent=3)
    for i in range(5):
        prefs.add_recent(f"/p{i}.gpkg")
    assert prefs.recent_files == ["/p4.gpkg", "/p3.gpkg", "/p2.gpkg"]


def test_the_default_cadence_is_written_once_for_settings_and_plans():
    from territory_desktop.model.plan import default_cadence

    prefs, plan_default = Preferences(), default_cadence()
    assert prefs.default_every_weeks == {t: c.every_weeks for t, c in plan_default.items()}
    assert prefs.default_visit_minutes == {t: c.visit_minutes for t, c in plan_default.items()}
