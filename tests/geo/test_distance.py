"""The one haversine (territory_desktop.geo.distance)."""

from __future__ import annotations

import numpy as np

from territory_desktop.geo.distance import EARTH_RADIUS_M, haversine_m


def test_one_degree_of_latitude_and_of_longitude_at_60_north():
    one_degree = 2 * np.pi * EARTH_RADIUS_M / 360  # 111,195 m
    assert abs(float(haversine_m(0.0, 0.0, 1.0, 0.0)) - one_degree) < 1e-6
    # Along a parallel the great circle is a little shorter than the parallel's arc.
    d = float(haversine_m(60.0, 10.0, 60.0, 11.0))
    assert 0.49 * one_degree < d < 0.5 * one_degree


def test_vectorised_and_symmetric():
    lat1, lon1 = np.array([39.28, 47.14]), np.array([-76.61, 9.52])
    lat2, lon2 = np.array([39.30, 42.51]), np.array([-76.58, 1.52])
    d = haversine_m(lat1, lon1, lat2, lon2)
    np.testing.assert_allclose(d, haversine_m(lat2, lon2, lat1, lon1))
    assert d.shape == (2,) and 3_000 < d[0] < 4_000 and 800_000 < d[1] < 900_000
    assert float(haversine_m(10.0, 20.0, 10.0, 20.0)) == 0.0
