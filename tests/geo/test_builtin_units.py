"""The unit layers the app ships (resources/geo/, built by scripts/build_geo_units.py)."""

from __future__ import annotations

from collections import Counter

from territory_desktop.geo.units import load_builtin


def test_every_county_has_a_name_of_its_own_in_its_state():
    layer = load_builtin("county")
    twice = [name for name, n in Counter(layer.names).items() if n > 1]
    assert twice == []
    name_of = dict(zip(layer.ids, layer.names, strict=True))
    # county-equivalent cities carry the Census's "city", their namesake counties do not
    assert (name_of["24510"], name_of["24005"]) == ("Baltimore city, MD", "Baltimore, MD")
    assert (name_of["29510"], name_of["51600"]) == ("St. Louis city, MO", "Fairfax city, VA")
    assert name_of["32510"] == "Carson City, NV"
