"""Call-rotation scheduling: accounts, a rep and an N-week cycle onto the periodic VRP engine.

A rotation is an N-week cycle (default 4) of working days anchored to a start date and repeating,
so every calendar date maps to a rotation day.  Each account gets a visit pattern spread evenly over
the cycle (2 per 4 weeks: weeks 1 and 3 or 2 and 4; weekly: once in every week), either with a
floating weekday within each week or, with ``same_weekday``, the same weekday every time.  The
engine (:mod:`territory_desktop.optimize.pvrp`) chooses the patterns and routes every day on the
given travel times, one route per day limited by the rep's working hours and maximum day length.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from territory_desktop.geo.distance import haversine_m
from territory_desktop.model.cadence import FrequencyError, visits_per_cycle
from territory_desktop.model.plan import (
    DEFAULT_MAX_DAY_MINUTES,
    DEFAULT_WORKDAY_END,
    DEFAULT_WORKDAY_START,
)
from territory_desktop.model.schedule import WEEKDAY_NAMES
from territory_desktop.optimize.pvrp import Customer, Day, PVRPProblem, SolveParams

__all__ = [
    "RotationAccount",
    "RotationCycle",
    "RotationDay",
    "RotationError",
    "RotationPlanner",
    "RotationRep",
    "account_patterns",
    "balance_params",
    "haversine_travel_seconds",
]

BALANCE_WEIGHT = 0.15
"""Engine balance weight between least driving and even days (see :func:`balance_params`).

Measured by ``benchmarks/rotation_balance.py``: the longest days shrink steadily along the
setting on the sample and the 150-account case."""

EVEN_DAYS_WEIGHT = 0.1
"""Engine balance weight at even days, before :mod:`~territory_desktop.optimize.even_days`
gives the slack under 0.5 h of spread back to driving.

The smallest weight the engine's solver resolves (it prices time in tenths of a travel unit,
so 0.15 is solved as 0.2).  Measured by ``benchmarks/rotation_balance.py``: the sample's rep
with a far cluster of accounts then drives about a tenth less at even days, and every day is
still used."""

TravelSource = np.ndarray | Callable[[Sequence[tuple[float, float]]], np.ndarray]


class RotationError(ValueError):
    """The rotation inputs are inconsistent (bad frequency, bad matrix shape, ...)."""


@dataclass(frozen=True)
class RotationAccount:
    """An account to visit on a rotation.

    ``visits_per_cycle`` (e.g. 4, 2 or 1 per 4 weeks) or ``every_weeks`` (1 = weekly, 2 = every
    other week) gives the frequency.  ``time_window`` is (start, end) of service in minutes from
    midnight; ``closed_weekdays`` uses 0 = Monday.
    """

    id: str
    lat: float
    lon: float
    visits_per_cycle: int | None = None
    every_weeks: int | None = None
    visit_minutes: float = 30.0
    time_window: tuple[float, float] | None = None
    closed_weekdays: frozenset[int] = frozenset()
    same_weekday: bool = False


@dataclass(frozen=True)
class RotationRep:
    """A rep: start/end location, working hours (minutes from midnight), day-length limit.

    ``days_off`` holds calendar dates (within the planned cycle) or ``(week, weekday)`` pairs
    (0-based, repeating every cycle).  ``weekly_minutes`` bounds each week: every working day
    gets an equal share of it (never more than ``max_day_minutes``).
    """

    id: str
    start: tuple[float, float]
    end: tuple[float, float] | None = None
    workday_start: float = DEFAULT_WORKDAY_START
    workday_end: float = DEFAULT_WORKDAY_END
    max_day_minutes: float = DEFAULT_MAX_DAY_MINUTES
    days_off: frozenset[dt.date | tuple[int, int]] = frozenset()
    weekly_minutes: float | None = None


@dataclass(frozen=True)
class RotationDay:
    """A working day of the cycle."""

    index: int  # position among the cycle's working days (the engine's day)
    week: int  # 0-based
    weekday: int  # 0 = Monday
    date: dt.date  # in the planned cycle occurrence

    @property
    def label(self) -> str:
        """Short name such as "W1 Mon"."""
        return f"W{self.week + 1} {WEEKDAY_NAMES[self.weekday]}"


@dataclass(frozen=True)
class RotationCycle:
    """N weeks of working weekdays, anchored at ``start`` (moved back to its Monday)."""

    weeks: int = 4
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    start: dt.date = dt.date(2024, 1, 1)

    def __post_init__(self) -> None:
        """Reject a cycle of no weeks or with impossible weekdays."""
        if self.weeks < 1:
            raise RotationError("a rotation cycle needs at least one week")
        if not self.weekdays or any(not 0 <= d <= 6 for d in self.weekdays):
            raise RotationError("working weekdays must be 0 (Mon) .. 6 (Sun)")

    @property
    def monday(self) -> dt.date:
        """The Monday of the week the cycle starts in."""
        return self.start - dt.timedelta(days=self.start.weekday())

    def slot(self, date: dt.date) -> tuple[int, int] | None:
        """(week, weekday) of any calendar date in the repeating cycle; None if not a workday."""
        offset = (date - self.monday).days
        week = (offset // 7) % self.weeks
        if date.weekday() not in self.weekdays:
            return None
        return week, date.weekday()

    def all_slots(self) -> list[tuple[int, int]]:
        """Return every (week, weekday) working slot of the cycle, in order."""
        return [(w, d) for w in range(self.weeks) for d in sorted(self.weekdays)]

    def date_of(self, week: int, weekday: int) -> dt.date:
        """Return the date of a slot in the planned occurrence of the cycle."""
        return self.monday + dt.timedelta(days=7 * week + weekday)

    def next_date(self, week: int, weekday: int, on_or_after: dt.date) -> dt.date:
        """Return the first date on or after ``on_or_after`` that is the slot (week, weekday)."""
        offset = (7 * week + weekday - (on_or_after - self.monday).days) % (7 * self.weeks)
        return on_or_after + dt.timedelta(days=offset)


def haversine_travel_seconds(
    points: Sequence[tuple[float, float]], kmh: float = 30.0
) -> np.ndarray:
    """Straight-line travel times (seconds) at ``kmh``: a stand-in until road times are given."""
    pts = np.asarray(points, dtype=float)
    lat, lon = pts[:, 0][:, None], pts[:, 1][:, None]
    secs: np.ndarray = haversine_m(lat, lon, lat.T, lon.T) / 1000.0 / kmh * 3600.0
    return secs


# --------------------------------------------------------------------------- patterns


def _frequency(acc: RotationAccount, cycle: RotationCycle) -> int:
    """Return an account's visits per cycle, at most one per working day of the cycle.

    This is a size limit: an absurd frequency must fail here, never enumerate its patterns.
    """
    if acc.visits_per_cycle is not None:
        v = int(acc.visits_per_cycle)
    elif acc.every_weeks is not None:
        try:
            v = visits_per_cycle(acc.every_weeks, cycle.weeks)
        except FrequencyError as exc:
            raise RotationError(f"account {acc.id}: {exc}") from None
    else:
        raise RotationError(f"account {acc.id}: no frequency (visits_per_cycle or every_weeks)")
    if v < 0:
        raise RotationError(f"account {acc.id}: negative frequency")
    slots = cycle.weeks * len(cycle.weekdays)
    if v > slots:
        raise RotationError(
            f"account {acc.id}: {v} visits per {cycle.weeks} weeks is more than one visit per "
            f"working day ({slots} in the cycle); check its visit frequency")
    return v


def _split(items: Sequence[int], parts: int) -> list[list[int]]:
    """Split consecutive items into ``parts`` nearly equal runs."""
    out, n = [], len(items)
    for k in range(parts):
        out.append(list(items[round(k * n / parts) : round((k + 1) * n / parts)]))
    return out


def account_patterns(
    acc: RotationAccount, cycle: RotationCycle, available: Mapping[tuple[int, int], int]
) -> tuple[list[tuple[tuple[int, ...], ...]], int]:
    """Return an account's allowed patterns over the available days, and its visits per cycle.

    ``available`` maps (week, weekday) to the engine's day index.  Visits are spread evenly: with
    v < N visits the weeks are ``o + round(i * N / v)`` (mod N) for an offset o; with v = q * N,
    q visits in every week, each in its own run of weekdays.  Floating: each block is a set of
    days; same weekday: one weekday, repeated.
    """
    n = cycle.weeks
    v = _frequency(acc, cycle)
    if v == 0:
        return [], 0
    weekdays = [d for d in sorted(cycle.weekdays) if d not in acc.closed_weekdays]

    def day(w: int, d: int) -> int | None:
        return available.get((w, d))

    block_sets: list[list[list[tuple[int, int]]]] = []  # pattern -> blocks -> slots
    if v == 1:
        block_sets.append([[(w, d) for w in range(n) for d in weekdays]])
    elif v < n or v % n:
        weeks_sets: list[tuple[int, ...]] = []
        per_week = max(1, v // n)
        if v < n:
            for o in range(n):
                ws = tuple(sorted({(o + round(i * n / v)) % n for i in range(v)}))
                if ws not in weeks_sets:
                    weeks_sets.append(ws)
        else:
            raise RotationError(
                f"account {acc.id}: {v} visits per {n} weeks is not a multiple of the weeks"
            )
        for ws in weeks_sets:
            if acc.same_weekday:
                for d in weekdays:
                    block_sets.append([[(w, d)] for w in ws for _ in range(per_week)])
            else:
                block_sets.append([[(w, d) for d in weekdays] for w in ws])
    else:
        q = v // n
        runs = _split(weekdays, q)
        if any(not r for r in runs):
            raise RotationError(f"account {acc.id}: {q} visits a week but fewer open weekdays")
        if acc.same_weekday:
            choices: list[list[int]] = [[]]
            for r in runs:
                choices = [[*c, d] for c in choices for d in r]
            for c in choices:
                block_sets.append([[(w, d)] for w in range(n) for d in c])
        else:
            block_sets.append([[(w, d) for d in r] for w in range(n) for r in runs])
    patterns: list[tuple[tuple[int, ...], ...]] = []
    for blocks in block_sets:
        mapped = [tuple(sorted(x for x in (day(w, d) for w, d in b) if x is not None))
                  for b in blocks]
        if all(mapped) and (pat := tuple(mapped)) not in patterns:
            patterns.append(pat)
    return patterns, v


def balance_params(day_balance: float) -> tuple[float, float]:
    """Return the engine's (balance weight, slack) for the plan setting ``day_balance``.

    0 is least driving; 1 is even days (every day priced above the mean, then evened out at
    the least driving by :func:`~territory_desktop.optimize.even_days.even_out`); in between,
    days are priced above a target that moves from the day limit down to the mean day, so the
    longest days shrink first and the empty days fill last.
    """
    if not (isinstance(day_balance, int | float) and 0.0 <= day_balance <= 1.0):
        raise RotationError(f"day balance {day_balance!r} is not between 0 and 1")
    if day_balance >= 1.0:
        return EVEN_DAYS_WEIGHT, 0.0
    return (BALANCE_WEIGHT if day_balance > 0 else 0.0), 1.0 - day_balance


# --------------------------------------------------------------------------- planner


class RotationPlanner:
    """The rotation problem of one rep: working days, drive times, each account's patterns.

    The second step of the scheduling flow (plan -> rotation problem -> engine -> schedule ->
    evaluation): :meth:`problem` is the engine's input, and
    :mod:`territory_desktop.optimize.rotation_schedule` turns the engine's answer (or hand-edited
    stop orders) into a :class:`~territory_desktop.optimize.rotation_schedule.RotationSchedule`.
    Nothing here solves or evaluates.

    Parameters
    ----------
    rep, accounts, cycle
        The rotation inputs.
    travel
        Travel times in seconds over ``[rep start, rep end, accounts...]``: a matrix or a callable
        taking those (lat, lon) points (e.g. a wrapper over ``routing.travel_matrix``).  Defaults
        to straight-line distance at 30 km/h.
    day_balance
        From 0 (least driving) to 1 (even days): see :func:`balance_params`.  Solving and
        re-optimising both use it (through :meth:`params`), so a re-planned week is balanced
        like the full schedule.
    """

    def __init__(
        self,
        rep: RotationRep,
        accounts: Sequence[RotationAccount],
        cycle: RotationCycle | None = None,
        travel: TravelSource | None = None,
        day_balance: float = 1.0,
    ) -> None:
        self.rep = rep
        self.balance, self.balance_slack = balance_params(day_balance)
        #: "Even days": every usable day used, spread under 0.5 h, then the least driving.
        self.even_days = day_balance >= 1.0
        self.accounts = list(accounts)
        self.cycle = cycle or RotationCycle()
        ids = [a.id for a in self.accounts]
        if len(set(ids)) != len(ids):
            raise RotationError("account ids must be unique")
        self.account_index = {a.id: i for i, a in enumerate(self.accounts)}
        end = rep.end or rep.start
        points = [rep.start, end] + [(a.lat, a.lon) for a in self.accounts]
        if travel is None:
            matrix = haversine_travel_seconds(points)
        elif callable(travel):
            matrix = np.asarray(travel(points), dtype=float)
        else:
            matrix = np.asarray(travel, dtype=float)
        if matrix.shape != (len(points), len(points)):
            raise RotationError(
                f"travel matrix is {matrix.shape}, expected {(len(points), len(points))} "
                "over [rep start, rep end, accounts...]"
            )
        if not np.all(np.isfinite(matrix)):
            # Unreachable pairs: prohibitive but finite, so the solver can still report them.
            finite = matrix[np.isfinite(matrix)]
            big = 10 * (finite.max() if finite.size else 1)
            matrix = np.where(np.isfinite(matrix), matrix, big)
        self.travel = matrix
        # Working days of the cycle minus days off. Holidays are one-off dates, not days of
        # the repeating cycle: their visits go to the next working day (plan_schedule).
        off: set[tuple[int, int]] = set()
        for item in rep.days_off:
            if isinstance(item, dt.date):
                slot = self.cycle.slot(item)
                first = self.cycle.monday
                if slot and first <= item < first + dt.timedelta(weeks=self.cycle.weeks):
                    off.add(slot)
            else:
                off.add((int(item[0]), int(item[1])))
        self.days = [
            RotationDay(k, w, d, self.cycle.date_of(w, d))
            for k, (w, d) in enumerate(s for s in self.cycle.all_slots() if s not in off)
        ]
        self._slot_index = {(rd.week, rd.weekday): rd.index for rd in self.days}
        window = (rep.workday_start * 60.0, rep.workday_end * 60.0)
        self.day_limit_minutes = min(rep.max_day_minutes, rep.workday_end - rep.workday_start)
        self.weekly_bound = False
        if rep.weekly_minutes is not None:
            share = rep.weekly_minutes / len(self.cycle.weekdays)
            if share < self.day_limit_minutes:
                # Each working day gets an equal share of the week, so no week runs over.
                self.day_limit_minutes = max(0.0, share)
                self.weekly_bound = True
        self._day = Day(
            vehicles=1, max_duration=self.day_limit_minutes * 60.0, start=0, end=1, window=window
        )
        self.static_reasons: dict[int, str] = {}
        self._patterns: list[list[tuple[tuple[int, ...], ...]]] = []
        self.required: list[int] = []
        for i, a in enumerate(self.accounts):
            pats, v = account_patterns(a, self.cycle, self._slot_index)
            self._patterns.append(pats)
            self.required.append(v)
            reason = self._static_reason(i, a, pats, v)
            if reason:
                self.static_reasons[i] = reason

    # -- feasibility of a single account, independent of the others
    def _static_reason(
        self, i: int, a: RotationAccount, pats: list[tuple[tuple[int, ...], ...]], v: int
    ) -> str | None:
        if v == 0:
            return None
        rep = self.rep
        if set(self.cycle.weekdays) <= set(a.closed_weekdays):
            return "closed on every working day"
        if a.time_window is not None:
            tw0, tw1 = a.time_window
            if tw1 - tw0 < 0:
                return "time window ends before it starts"
            # The window bounds the start of the visit; the visit must end within working hours.
            if max(tw0, rep.workday_start) > min(tw1, rep.workday_end - a.visit_minutes):
                return "time window does not overlap working hours long enough for the visit"
        alone = self.travel[0, 2 + i] + a.visit_minutes * 60 + self.travel[2 + i, 1]
        if alone > self.day_limit_minutes * 60:
            return (
                f"a visit alone takes {alone / 3600:.2f} h with driving, over "
                f"{self.limit_text()}"
            )
        if not pats:
            return "no allowed day combination: closed weekdays and days off leave no slot"
        return None

    def limit_text(self) -> str:
        """Return the day limit in words, for reasons a visit does not fit."""
        hours = f"{self.day_limit_minutes / 60:.2f} h"
        if self.weekly_bound:
            weekly = (self.rep.weekly_minutes or 0.0) / 60
            return (f"the {hours} a day that the rep's {weekly:g} h week allows over "
                    f"{len(self.cycle.weekdays)} working days")
        return f"the {hours} day limit"

    def problem(self, pins: Mapping[str, Iterable[int]] | None = None) -> PVRPProblem:
        """Return the engine's problem.

        ``pins`` maps an account id to the days its visits must stay on.
        """
        pins = pins or {}
        customers = []
        for i, a in enumerate(self.accounts):
            pats = self._patterns[i] if i not in self.static_reasons else []
            tw = None
            if a.time_window is not None:
                tw = (a.time_window[0] * 60.0, a.time_window[1] * 60.0)
            customers.append(
                Customer(
                    location=2 + i,
                    service=a.visit_minutes * 60.0,
                    patterns=tuple(pats) if pats else ((),),
                    time_window=tw,
                    pinned_days=tuple(sorted(pins.get(a.id, ()))),
                    name=a.id,
                )
            )
        return PVRPProblem(
            days=tuple(self._day for _ in self.days),
            customers=tuple(customers),
            travel=self.travel,
        )

    def default_params(self) -> SolveParams:
        """Deterministic effort sized for interactive use (iterations, with a time cap).

        150 accounts / 250 visits: about 6 s on the development machine; the 9 s cap only cuts a
        run on a loaded machine.  Short slices (40 solver iterations per pattern step) measured
        best for this budget; the engine keeps its last 20% for the best patterns.
        """
        return SolveParams(time_limit=9.0, iterations=3_000, slice_iterations=40,
                           balance=self.balance, balance_slack=self.balance_slack)

    def params(self, params: SolveParams | None = None) -> SolveParams:
        """``params`` (default :meth:`default_params`) with this rotation's day balance."""
        return replace(params or self.default_params(), balance=self.balance,
                       balance_slack=self.balance_slack)
