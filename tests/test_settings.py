from territory_desktop.settings import Preferences


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
    assert prefs.units == "miles"
    assert prefs.autosave_seconds == 60
    assert prefs.show_basemap is True
    assert prefs.snap_tolerance_m == 10.0


def test_recent_files_are_capped():
    prefs = Preferences(max_recent=3)
    for i in range(5):
        prefs.add_recent(f"/p{i}.gpkg")
    assert prefs.recent_files == ["/p4.gpkg", "/p3.gpkg", "/p2.gpkg"]
