"""One name per distance unit and one way to show a distance (territory_desktop.units)."""

from __future__ import annotations

import pytest

from territory_desktop.units import distance_unit, format_distance, in_unit


@pytest.mark.parametrize(("name", "unit"), [("mi", "mi"), ("miles", "mi"), ("us", "mi"),
                                            ("km", "km"), ("metric", "km"), (" KM ", "km")])
def test_older_spellings_name_the_same_unit(name, unit):
    assert distance_unit(name) == unit


def test_unknown_unit_is_refused():
    with pytest.raises(ValueError, match="unknown distance unit 'furlongs'"):
        distance_unit("furlongs")


def test_format_distance_as_the_app_showed_it():
    meters = 12_345.6
    assert format_distance(meters, "miles") == f"{meters / 1609.344:.1f} mi" == "7.7 mi"
    assert format_distance(meters, "km") == "12.3 km"
    assert format_distance(meters, "us", 2) == "7.67 mi"
    assert in_unit(1609.344, "mi") == 1.0 and in_unit(2500.0, "metric") == 2.5
