"""Accounts built a column at a time keep every rule Account checks row by row."""

from __future__ import annotations

import math

import pytest

from territory_desktop.model.plan import (
    ACCOUNT_FIELDS,
    MAX_EVERY_WEEKS,
    MAX_POTENTIAL,
    MAX_VISIT_MINUTES,
    MIN_EVERY_WEEKS,
    Account,
    PlanError,
    accounts_from_columns,
)

GOOD = [
    Account("a1", "Harbor <b>Clinic</b>", 39.29, -76.62, address="1 Main St", potential=1200.0,
            tier="A", every_weeks=1.5, visit_minutes=20.0, approximate_location=True,
            window_start=480, window_end=720, closed_weekdays=(5, 6), same_weekday=True),
    Account("a2", "Deli", -89.5, 180.0, tier="B", potential=0.0, every_weeks=MIN_EVERY_WEEKS,
            visit_minutes=MAX_VISIT_MINUTES),
    Account("a3", "Far", 90.0, -180.0, window_start=0, window_end=24 * 60, closed_weekdays=(0,)),
]


def _columns(accounts: list[Account]) -> list[list[object]]:
    return [[getattr(a, f) for a in accounts] for f in ACCOUNT_FIELDS]


def test_columns_give_the_same_accounts_as_the_constructor() -> None:
    built = accounts_from_columns(_columns(GOOD))
    assert built is not None
    assert [repr(a) for a in built] == [repr(a) for a in GOOD]
    assert built[0] == GOOD[0] and hash(built[2]) == hash(GOOD[2])
    with pytest.raises(AttributeError):  # still frozen
        built[0].name = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    "change",
    [
        {"id": "  "},
        {"lat": 90.5}, {"lat": math.nan}, {"lon": -180.01}, {"lon": math.inf},
        {"tier": "Z"},
        {"window_start": 480, "window_end": None}, {"window_start": None, "window_end": 600},
        {"window_start": 720, "window_end": 480}, {"window_start": -1, "window_end": 480},
        {"window_start": 480, "window_end": 24 * 60 + 1},
        {"closed_weekdays": (7,)}, {"closed_weekdays": (-1, 2)},
        {"every_weeks": 0.0}, {"every_weeks": math.nan}, {"every_weeks": MAX_EVERY_WEEKS + 1},
        {"visit_minutes": -5.0}, {"visit_minutes": 0.0}, {"visit_minutes": math.inf},
        {"potential": -1.0}, {"potential": math.nan}, {"potential": MAX_POTENTIAL * 2},
        {"potential": True},
    ],
)
def test_a_row_the_constructor_refuses_is_refused(change: dict[str, object]) -> None:
    row = {f: getattr(GOOD[1], f) for f in ACCOUNT_FIELDS} | change
    with pytest.raises(PlanError):
        Account(**row)  # type: ignore[arg-type]
    columns = _columns(GOOD)
    for i, f in enumerate(ACCOUNT_FIELDS):
        columns[i][1] = row[f]
    assert accounts_from_columns(columns) is None
