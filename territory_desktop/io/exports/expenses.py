"""Mileage expense reports for expense systems: one line per day or per trip, mapped columns.

Expense systems differ (several accept only a spreadsheet whose columns they map), so the
columns, their names, the date format and day/trip lines are a named :class:`ExpensePreset`,
saved in the plan (``Plan.exports``) or a JSON file. Only business distance is claimed: commute
legs are left out unless the rep works from a home office. The file has no totals row (an
importer would take it for an expense); :class:`ExpenseReport` carries the total.

Every line's amount is its printed distance times its printed rate, rounded to the cent, as
an expense system checks it: a trip's line is priced as the mileage log prices the leg, a
day's line holds the sum of its legs' printed distances at the day's rate (so it may differ from
the log's sum of leg amounts by a cent or two of rounding). The rate is per the file's unit
(the Unit column; a per-mile rate in a km claim is converted, see :func:`rates.rate_in`), and
the total is the sum of the lines.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from territory_desktop.io.exports._files import ExportError, write_atomic, write_csv, write_xlsx
from territory_desktop.io.exports.mileage import (
    claim_currency,
    leg_amount,
    rate_decimals,
    rate_warnings,
)
from territory_desktop.io.exports.rates import RateTable, amount, rate_in
from territory_desktop.io.exports.trips import Place, TripLeg, Trips, cents
from territory_desktop.model.export_settings import (
    DEFAULT_FIELDS,
    EXPENSE_FIELDS,
    ExpensePreset,
)
from territory_desktop.units import convert

__all__ = ["DEFAULT_FIELDS", "EXPENSE_FIELDS", "ExpenseLine", "ExpensePreset", "ExpenseReport",
           "expense_lines", "expense_table", "load_presets", "save_presets", "write_expenses"]

DECIMALS = {"distance": 2, "amount": 2, "odometer_start": 1, "odometer_end": 1}


def load_presets(path: Path) -> dict[str, ExpensePreset]:
    """Named presets from a JSON file (``{"name": {...}}``); a missing file holds none."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExportError(f"cannot read presets {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ExportError(f"{path}: presets must be a JSON object of named presets")
    return {name: ExpensePreset.from_json(name, value) for name, value in data.items()}


def save_presets(path: Path, presets: dict[str, ExpensePreset]) -> Path:
    """Write named presets as JSON (atomically)."""
    text = json.dumps({n: p.as_json() for n, p in sorted(presets.items())}, indent=2)
    return write_atomic(path, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))


@dataclass(frozen=True)
class ExpenseLine:
    """One reimbursable line: a day's or a trip's business distance priced at its date's rate.

    ``rate`` is per the claim's unit (``rate_unit``); ``amount`` is distance times rate. The
    odometer figures are in that unit too (converted from a log in the other one).
    """

    date: dt.date
    description: str
    start_address: str
    end_address: str
    distance: float
    rate: Decimal
    amount: Decimal
    currency: str
    rate_unit: str
    odometer_start: float | None = None
    odometer_end: float | None = None
    account_id: str = ""


@dataclass(frozen=True)
class ExpenseReport:
    """The reimbursable lines of a date range, their total and anything the user should check."""

    lines: tuple[ExpenseLine, ...]
    total: Decimal
    currency: str
    warnings: tuple[str, ...] = ()


def _where(place: Place) -> str:
    if place.account_id:
        return f"{place.name}, {place.label}"
    return f"{place.name} ({place.label})"


def _readings(leg: TripLeg, unit: str) -> tuple[float | None, float | None]:
    """Return the leg's odometer figures in the claim's ``unit``, where one line has one unit."""
    return (None if leg.odometer_start is None
            else convert(leg.odometer_start, leg.reading_unit, unit),
            None if leg.odometer_end is None
            else convert(leg.odometer_end, leg.reading_unit, unit))


def expense_lines(trips: Trips, rates: RateTable, per: str = "day") -> ExpenseReport:
    """Reimbursable lines: business distance priced at the rate of each line's date.

    Only days up to today: the rotation's later days are not driven yet.
    """
    trips = trips.driven()
    warnings = [*trips.warnings, *rate_warnings(trips, rates)]
    u = trips.unit
    lines: list[ExpenseLine] = []
    for day in trips.days:
        business: list[TripLeg] = [g for g in day.legs if g.trip_type == "business"]
        if not business:
            continue
        period = rates.period_for(day.date)
        rate = rate_in(period, u)
        if per == "trip":
            for g in business:
                lines.append(ExpenseLine(day.date, g.purpose, _where(g.origin),
                                         _where(g.destination), float(cents(g.distance)), rate,
                                         leg_amount(g, u, rates), period.currency, u,
                                         *_readings(g, u), g.destination.account_id))
            continue
        names = [v.place.name for v in day.visits]
        readings = [r for g in business for r in _readings(g, u) if r is not None]
        distance = sum((cents(g.distance) for g in business), Decimal(0))
        lines.append(ExpenseLine(
            day.date, f"{len(names)} customer visit{'s' if len(names) != 1 else ''}: "
            + "; ".join(names), _where(business[0].origin), _where(business[-1].destination),
            float(distance), rate, amount(distance, u, period), period.currency, u,
            min(readings, default=None), max(readings, default=None)))
    total = sum((line.amount for line in lines), Decimal(0))
    return ExpenseReport(tuple(lines), total, claim_currency(trips, rates), tuple(warnings))


def expense_table(trips: Trips, rates: RateTable, preset: ExpensePreset | None = None
                  ) -> tuple[list[str], list[list[Any]], list[int], ExpenseReport]:
    """Return the header, rows and decimals :func:`write_expenses` writes, and the lines."""
    preset = preset or ExpensePreset("standard")
    report = expense_lines(trips, rates, preset.per)
    rep = trips.rep

    def value(line: ExpenseLine, name: str) -> Any:
        return {
            "date": line.date, "category": preset.category, "description": line.description,
            "start_address": line.start_address, "end_address": line.end_address,
            "distance": line.distance, "unit": trips.unit,
            "rate": float(line.rate), "amount": float(line.amount), "currency": line.currency,
            "rep": rep.id, "rep_name": rep.name, "cost_centre": preset.cost_centre,
            "odometer_start": line.odometer_start, "odometer_end": line.odometer_end,
            "account_id": line.account_id,
        }[name]

    fields = [f for f, _ in preset.columns]
    header = [h for _, h in preset.columns]
    rows = [[value(line, f) for f in fields] for line in report.lines]
    if "unit" not in fields and {"distance", "rate"} & set(fields):
        report = dataclasses.replace(report, warnings=(*report.warnings,
                 f"the preset has no unit column: distances and rates are per {trips.unit}"))
    decimals = {**DECIMALS, "rate": rate_decimals(trips.driven(), rates)}
    return header, rows, [decimals.get(f, 2) for f in fields], report


def write_expenses(trips: Trips, rates: RateTable, path: Path, fmt: str,
                   preset: ExpensePreset | None = None) -> ExpenseReport:
    """Write the expense report as CSV (preset's names and date format) or XLSX (typed cells)."""
    preset = preset or ExpensePreset("standard")
    if fmt not in ("csv", "xlsx"):
        raise ExportError(f"expense reports are csv or xlsx, not {fmt!r}")
    header, rows, decimals, report = expense_table(trips, rates, preset)
    if fmt == "csv":
        write_csv(path, header, rows, decimals=decimals, date_format=preset.date_format)
    else:
        formats = {i: "0." + "0" * n for i, n in enumerate(decimals)}
        write_xlsx(path, [("Expenses", header, rows, [])], number_formats=formats)
    return report
