"""Visit frequency: the one conversion from "a visit every N weeks" to visits per period.

Workload (visits a year, a week), the rotation scheduler (whole visits per cycle) and the
cadence stretch (the interval that gives a cycle's visits back) all convert here, so the
territory table, the scheduler and the stretch can never round the same account differently.
"""

from __future__ import annotations

import math
from typing import Any, TypeVar

import numpy as np

WEEKS_PER_YEAR = 52.0
"""A year of cadence: 52 weeks (a visit every 4 weeks is 13 visits a year)."""

MAX_VISITS_PER_CYCLE = 10**6
"""Above this, an interval is damage (far more than one visit a day), never a plan."""

_Weeks = TypeVar("_Weeks", float, np.ndarray)


class FrequencyError(ValueError):
    """A visit interval that no calendar can hold (not a positive finite number of weeks)."""


def visits_per_week(every_weeks: _Weeks) -> _Weeks:
    """Visits a week for a visit every ``every_weeks`` weeks (a float or an array of them)."""
    return 1.0 / every_weeks


def visits_per_year(every_weeks: float) -> float:
    """Visits a year (52 weeks) for a visit every ``every_weeks`` weeks, not rounded."""
    return WEEKS_PER_YEAR / every_weeks


def visits_per_cycle(every_weeks: float, weeks: int) -> int:
    """Whole visits in a ``weeks``-week cycle for a visit every ``every_weeks`` weeks.

    Rounded to the nearest whole visit (Python's ``round``: halves go to the even number, so
    every 1.6 weeks over 4 weeks is 2 visits, every 8/3 weeks is 2) and at least one: an
    account on the plan is visited at least once a cycle.

    Raises
    ------
    FrequencyError
        When ``every_weeks`` is not a positive finite number, or asks for an absurd number of
        visits (over a million a cycle).
    """
    if not (isinstance(every_weeks, int | float) and math.isfinite(every_weeks)
            and every_weeks > 0):
        raise FrequencyError(f"a visit every {every_weeks!r} weeks is not a usable interval")
    per_cycle = weeks / every_weeks
    if not math.isfinite(per_cycle) or per_cycle > MAX_VISITS_PER_CYCLE:
        raise FrequencyError(f"a visit every {every_weeks:g} weeks is more than one a day")
    return max(1, round(per_cycle))


def visits_due(weeks: Any, every_weeks: Any) -> Any:
    """Whole visits due in ``weeks`` weeks for a visit every ``every_weeks`` weeks.

    Floored: a visit is due once its whole interval has passed, so an account with no visit
    due yet owes none (the 1e-9 keeps 9 weeks at 7 visits every 9/7 weeks, where the division
    gives 6.999...). Floats or numpy arrays (the health KPIs pass a column).
    """
    return np.floor(weeks / every_weeks + 1e-9)


def every_weeks_for(visits: int, weeks: int) -> float:
    """Return the interval (weeks, 4 decimals) giving ``visits`` visits over ``weeks``.

    That is, whose :func:`visits_per_cycle` over ``weeks`` is ``visits``: what the cadence
    stretch stores for an account's new frequency.
    """
    return round(weeks / visits, 4)
