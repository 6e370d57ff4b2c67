"""What a plan remembers for its exports: dated mileage rates and named expense-column presets.

Plain frozen dataclasses with their invariants checked on construction, so a plan can only hold
a rate table that tiles the calendar (no gap, no overlap) and presets an expense file can be
written with. The per-rep home-office flag lives on :class:`~territory_desktop.model.plan.Rep`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from territory_desktop.units import METERS_PER_UNIT


class ExportError(ValueError):
    """An export, rate table or preset that cannot be used as given; one line says why."""


@dataclass(frozen=True)
class RatePeriod:
    """One period's rate: ``rate`` currency units per ``unit`` (mi or km), dates inclusive."""

    start: dt.date
    end: dt.date
    rate: Decimal
    currency: str = "USD"
    unit: str = "mi"
    note: str = ""  # where the rate comes from
    verified: bool = True


@dataclass(frozen=True)
class RateTable:
    """Periods in date order with no gap and no overlap (checked on construction)."""

    periods: tuple[RatePeriod, ...]
    source: str = field(default="", compare=False)  # where it was read from, for messages

    def __post_init__(self) -> None:
        """Refuse a table with no periods, a gap, an overlap or a period ending before it starts."""
        where = f"{self.source}: " if self.source else ""
        if not self.periods:
            raise ExportError(f"{where}the rate table has no periods")
        for p in self.periods:
            if p.end < p.start:
                raise ExportError(f"{where}rate period {p.start} to {p.end} ends before it starts")
            if p.unit not in METERS_PER_UNIT:
                raise ExportError(f"{where}rate period {p.start}: unit must be mi or km, "
                                  f"not {p.unit!r}")
            if not p.rate.is_finite() or p.rate < 0:
                raise ExportError(f"{where}rate period {p.start}: the rate is not a number "
                                  "of zero or more")
            if len(p.currency) != 3 or not p.currency.isalpha() or not p.currency.isupper():
                raise ExportError(f"{where}rate period {p.start}: currency {p.currency!r} is "
                                  "not a three-letter code such as USD")
        ordered = sorted(self.periods, key=lambda p: p.start)
        for a, b in itertools.pairwise(ordered):
            if b.start <= a.end:
                raise ExportError(f"{where}rate periods overlap: {a.start} to {a.end} and "
                                  f"{b.start} to {b.end}")
            if b.start > a.end + dt.timedelta(days=1):
                raise ExportError(f"{where}the rate table has a gap: no rate from "
                                  f"{a.end + dt.timedelta(days=1)} to "
                                  f"{b.start - dt.timedelta(days=1)}")
        object.__setattr__(self, "periods", tuple(ordered))

    def period_for(self, date: dt.date) -> RatePeriod:
        """Return the period covering ``date``, or raise an error naming the table's span."""
        for p in self.periods:
            if p.start <= date <= p.end:
                return p
        where = f"{self.source}: " if self.source else ""
        raise ExportError(f"{where}no mileage rate for {date} (the table covers "
                          f"{self.periods[0].start} to {self.periods[-1].end}); add that year's "
                          "rate under File > Export > Mileage rates and expense presets "
                          "(tdesk: --rates RATES.csv)")

    def covering(self, start: dt.date, end: dt.date) -> list[RatePeriod]:
        """Return the periods a date range uses; all must share one currency."""
        self.period_for(start)
        self.period_for(end)
        used = [p for p in self.periods if p.start <= end and p.end >= start]
        currencies = sorted({p.currency for p in used})
        if len(currencies) > 1:
            raise ExportError(f"the rates from {start} to {end} mix currencies "
                              f"({', '.join(currencies)}); export each period on its own")
        return used


EXPENSE_FIELDS = {
    "date": "Date",
    "category": "Category",
    "description": "Description",
    "start_address": "Start address",
    "end_address": "End address",
    "distance": "Distance",
    "unit": "Unit",
    "rate": "Rate",
    "amount": "Amount",
    "currency": "Currency",
    "rep": "Rep",
    "rep_name": "Rep name",
    "cost_centre": "Cost centre",
    "odometer_start": "Odometer start",
    "odometer_end": "Odometer end",
    "account_id": "Account ID",
}
"""Every field a line can carry, with its default column name."""

DEFAULT_FIELDS = ("date", "category", "description", "start_address", "end_address",
                  "distance", "unit", "rate", "amount", "currency", "rep", "cost_centre")


@dataclass(frozen=True)
class ExpensePreset:
    """How one expense system wants its file: columns (field, name) in order, dates, lines."""

    name: str
    columns: tuple[tuple[str, str], ...] = tuple((f, EXPENSE_FIELDS[f]) for f in DEFAULT_FIELDS)
    date_format: str = "%Y-%m-%d"
    per: str = "day"  # "day" or "trip"
    category: str = "Mileage"
    cost_centre: str = ""

    def __post_init__(self) -> None:
        """Refuse a preset without a name or with unknown fields or options."""
        if not self.name.strip():
            raise ExportError("an expense preset needs a name")
        unknown = [f for f, _ in self.columns if f not in EXPENSE_FIELDS]
        if unknown:
            raise ExportError(f"preset {self.name}: unknown field {unknown[0]!r} (fields: "
                              f"{', '.join(EXPENSE_FIELDS)})")
        if not self.columns:
            raise ExportError(f"preset {self.name}: no columns")
        if self.per not in ("day", "trip"):
            raise ExportError(f"preset {self.name}: lines are per 'day' or per 'trip', "
                              f"not {self.per!r}")
        sample = dt.date(2001, 2, 3)
        try:
            shown = sample.strftime(self.date_format)
        except ValueError as exc:
            raise ExportError(f"preset {self.name}: bad date format {self.date_format!r}: "
                              f"{exc}") from None
        if "3" not in shown:  # no day of the month: not a date format
            raise ExportError(f"preset {self.name}: date format {self.date_format!r} does not "
                              "show the day (use e.g. %Y-%m-%d or %m/%d/%Y)")

    def as_json(self) -> dict[str, Any]:
        """Return the preset as JSON data (without its name, which is the key)."""
        return {"columns": [list(c) for c in self.columns], "date_format": self.date_format,
                "per": self.per, "category": self.category, "cost_centre": self.cost_centre}

    @classmethod
    def from_json(cls, name: str, data: Any) -> ExpensePreset:
        """Return the preset ``name`` from JSON data; ExportError names what is wrong."""
        if not isinstance(data, dict):
            raise ExportError(f"preset {name}: expected an object")
        try:
            columns = tuple((str(f), str(h)) for f, h in data.get("columns", []))
        except (TypeError, ValueError):
            raise ExportError(f"preset {name}: columns are [field, name] pairs") from None
        known = {f.name for f in dataclasses.fields(cls)} - {"name", "columns"}
        extra = {k: str(v) for k, v in data.items() if k in known}
        return cls(name, columns or cls.columns, **extra)


@dataclass(frozen=True)
class ExportSettings:
    """A plan's own export settings: its rate table (None: the shipped defaults) and presets."""

    rates: RateTable | None = None
    presets: tuple[ExpensePreset, ...] = ()

    def __post_init__(self) -> None:
        """Refuse two presets of the same name (a file could not tell them apart)."""
        names = [p.name for p in self.presets]
        twice = next((n for n in names if names.count(n) > 1), None)
        if twice is not None:
            raise ExportError(f"two expense presets are named {twice!r}")

    def preset(self, name: str) -> ExpensePreset | None:
        """Return the preset called ``name``, or None."""
        return next((p for p in self.presets if p.name == name), None)
