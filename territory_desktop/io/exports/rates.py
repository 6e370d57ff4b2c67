"""Dated mileage rates: periods that tile the calendar, each a rate per mile or per km.

A table is read from CSV in one of two layouts: the generic one (``period_start, period_end,
rate, currency, unit``; rate in currency units per ``unit``) or the IRS reference table shipped
in ``resources/rates/`` (``business_cents_per_mile``). Periods must not overlap or leave gaps;
a leg is priced by the rate of its date.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from territory_desktop.io.exports._files import ExportError, write_csv
from territory_desktop.model.export_settings import RatePeriod, RateTable
from territory_desktop.units import METERS_PER_UNIT, distance_unit

if TYPE_CHECKING:
    from territory_desktop.model import Plan

__all__ = ["GENERIC_COLUMNS", "IRS_COLUMN", "RatePeriod", "RateTable", "amount", "default_rates",
           "plan_rates", "rate_in", "read_rates", "write_rates"]

GENERIC_COLUMNS = ("period_start", "period_end", "rate", "currency", "unit")
IRS_COLUMN = "business_cents_per_mile"
CONVERTED_RATE = Decimal("0.000001")
"""A rate converted to the other unit keeps six decimals: a cent in ten thousand dollars."""


def rate_in(period: RatePeriod, unit: str) -> Decimal:
    """Return the period's rate per ``unit``, converted (to :data:`CONVERTED_RATE`) if need be.

    A claim prints this rate beside its distances, so that distance times rate is the amount.
    """
    if period.unit == unit:
        return period.rate
    per = (period.rate * Decimal(str(METERS_PER_UNIT[distance_unit(unit)]))
           / Decimal(str(METERS_PER_UNIT[distance_unit(period.unit)])))
    return per.quantize(CONVERTED_RATE, rounding=ROUND_HALF_UP)


def amount(distance: float | Decimal, unit: str, period: RatePeriod) -> Decimal:
    """Reimbursement for ``distance`` in ``unit`` at :func:`rate_in` ``unit``, rounded to cents."""
    value = Decimal(str(float(distance))) * rate_in(period, unit)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def default_rates() -> RateTable:
    """Return the shipped US IRS business rates (see ``resources/rates/SOURCE.md``)."""
    import dataclasses

    from territory_desktop.resources import resource_path

    table = read_rates(resource_path("rates", "irs_standard_mileage_rates.csv"))
    return dataclasses.replace(table, source="the IRS rates shipped with Territory Desktop")


def plan_rates(plan: Plan) -> RateTable:
    """Return the plan's own rate table, or the shipped defaults when it has none."""
    return plan.exports.rates if plan.exports.rates is not None else default_rates()


def _date(path: Path, line: int, column: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ExportError(f"{path}:{line}: column {column}: {text!r} is not a date "
                          "(YYYY-MM-DD)") from None


def _decimal(path: Path, line: int, column: str, text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        raise ExportError(f"{path}:{line}: column {column}: {text!r} is not a number") from None
    if not value.is_finite():
        raise ExportError(f"{path}:{line}: column {column}: {text!r} is not a number")
    return value


def read_rates(path: Path) -> RateTable:
    """Read a rate table from CSV (generic or IRS layout); errors name file, line and column."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
            header = rows[0].keys() if rows else []
    except OSError as exc:
        raise ExportError(f"cannot read rate table {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ExportError(f"{path}: not a CSV rate table ({exc})") from None
    irs = IRS_COLUMN in header
    needed = ("period_start", "period_end", IRS_COLUMN) if irs else GENERIC_COLUMNS
    missing = [c for c in needed if c not in header]
    if not rows or missing:
        raise ExportError(f"{path}: a rate table needs the columns {', '.join(needed)}"
                          + (f" (missing {', '.join(missing)})" if rows else " and rows"))
    periods = []
    for line, row in enumerate(rows, start=2):
        start = _date(path, line, "period_start", row["period_start"] or "")
        end = _date(path, line, "period_end", row["period_end"] or "")
        if irs:
            rate = _decimal(path, line, IRS_COLUMN, row[IRS_COLUMN] or "") / 100
            check = row.get("verification") or ""
            periods.append(RatePeriod(start, end, rate, "USD", "mi", row.get("irs_document") or "",
                                      verified=not check.upper().startswith("UNVERIFIED")))
        else:
            unit = (row["unit"] or "").strip().lower()
            if unit not in METERS_PER_UNIT:
                raise ExportError(f"{path}:{line}: column unit: {row['unit']!r} is not mi or km")
            currency = (row["currency"] or "").strip().upper()
            if len(currency) != 3 or not currency.isalpha():
                raise ExportError(f"{path}:{line}: column currency: {row['currency']!r} is not "
                                  "a three-letter currency code")
            periods.append(RatePeriod(start, end, _decimal(path, line, "rate", row["rate"] or ""),
                                      currency, unit, (row.get("note") or "").strip()))
    return RateTable(tuple(periods), str(path))


def write_rates(table: RateTable, path: Path) -> Path:
    """Write the table in the generic layout, to edit and read back with :func:`read_rates`."""
    rows = [(p.start, p.end, str(p.rate), p.currency, p.unit, p.note) for p in table.periods]
    return write_csv(path, (*GENERIC_COLUMNS, "note"), rows)
