"""The one visit-frequency conversion: its rounding is pinned here."""

from __future__ import annotations

import math

import numpy as np
import pytest

from territory_desktop.model.cadence import (
    FrequencyError,
    every_weeks_for,
    visits_due,
    visits_per_cycle,
    visits_per_week,
    visits_per_year,
)


@pytest.mark.parametrize(("every", "weeks", "visits"), [
    (1, 4, 4), (2, 4, 2), (4, 4, 1), (0.5, 4, 8),
    (3, 4, 1),  # 1.33 rounds down
    (1.6, 4, 2),  # 2.5: halves go to the even number, as Python's round does
    (8 / 3, 4, 2),  # 1.5 -> 2 (even)
    (1.6, 6, 4),  # 3.75 rounds up
    (5, 4, 1), (10, 4, 1), (520, 4, 1),  # under one a cycle: still visited once
    (1 / 14, 4, 56),  # twice a day, every day
])
def test_visits_per_cycle_rounds_to_nearest_whole_visit_at_least_one(every, weeks, visits):
    assert visits_per_cycle(every, weeks) == visits


@pytest.mark.parametrize("every", [0, -1, math.nan, math.inf, "2", None, 1e-9])
def test_visits_per_cycle_refuses_an_interval_no_calendar_holds(every):
    with pytest.raises(FrequencyError):
        visits_per_cycle(every, 4)


def test_year_and_week_are_not_rounded():
    assert visits_per_year(4) == 13.0
    assert visits_per_year(1.6) == 32.5
    assert visits_per_week(4) == 0.25
    assert np.array_equal(visits_per_week(np.array([1.0, 2.0, 8.0])), [1.0, 0.5, 0.125])


@pytest.mark.parametrize("weeks", [1, 4, 6, 8, 13])
def test_the_stretch_interval_gives_the_visits_back(weeks):
    for visits in range(1, 3 * weeks + 1):
        assert visits_per_cycle(every_weeks_for(visits, weeks), weeks) == visits


def test_visits_due_are_whole_intervals_passed():
    assert visits_due(3.9, 2) == 1.0
    assert visits_due(4, 2) == 2.0
    assert 9 / (9 / 7) < 7 and visits_due(9, 9 / 7) == 7.0  # not 6 from 6.999...
    assert visits_due(1, 4) == 0.0  # nothing due yet
    assert np.array_equal(visits_due(13, np.array([1.0, 2.0, 4.0])), [13.0, 6.0, 3.0])
