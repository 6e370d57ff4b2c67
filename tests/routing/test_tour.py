"""Stop order with the least driving, on real drive times between real sample accounts."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from territory_desktop.io import tables
from territory_desktop.resources import resource_path
from territory_desktop.routing import tour, travel_matrix
from territory_desktop.routing.tour import best_order, path_cost


@pytest.fixture(scope="module")
def seconds(baltimore) -> np.ndarray:
    """Return drive times between 14 sample accounts.

    Drive times between 14 sample accounts spread over the extract (one-way streets give an
    asymmetric matrix).
    """
    accounts = tables.import_accounts(resource_path("sample", "accounts.csv")).accounts
    chosen = accounts[::17][:14]
    m = travel_matrix(baltimore, [(a.lat, a.lon) for a in chosen], meters=False).seconds
    assert np.isfinite(m).all() and not np.allclose(m, m.T)
    return m


def _brute_force(cost: np.ndarray, round_trip: bool) -> float:
    n = cost.shape[0]
    return min(path_cost(cost, [0, *p], round_trip=round_trip)
               for p in itertools.permutations(range(1, n)))


@pytest.mark.parametrize("round_trip", [False, True])
def test_exact_order_matches_every_permutation(seconds, round_trip):
    cost = seconds[:8, :8]
    order = best_order(cost, round_trip=round_trip)
    assert order[0] == 0 and sorted(order) == list(range(8))
    assert path_cost(cost, order, round_trip=round_trip) == pytest.approx(
        _brute_force(cost, round_trip))
    assert path_cost(cost, order) < path_cost(cost, list(range(8)))  # beats the given order


def test_other_start_and_tiny_cases(seconds):
    cost = seconds[:6, :6]
    order = best_order(cost, start=3)
    assert order[0] == 3 and sorted(order) == list(range(6))
    assert best_order(seconds[:2, :2], start=1) == [1, 0]
    assert best_order(seconds[:1, :1]) == [0]
    with pytest.raises(ValueError, match="square"):
        best_order(seconds[:3, :4])


def test_heuristic_beyond_the_exact_size_is_close_to_the_best(seconds, monkeypatch):
    assert seconds.shape[0] > tour.EXACT_UP_TO
    heuristic = path_cost(seconds, best_order(seconds))
    monkeypatch.setattr(tour, "EXACT_UP_TO", 20)
    exact = path_cost(seconds, best_order(seconds))
    assert exact <= heuristic <= exact * 1.03


def test_unreachable_stop_is_refused(seconds):
    cost = seconds[:5, :5].copy()
    cost[:, 4] = np.inf  # nobody can drive to stop 4
    with pytest.raises(ValueError, match="cannot be reached"):
        best_order(cost)
