"""The mileage log (an IRS-adequate record), its reimbursement, and planned versus logged miles.

One row per leg: date, destination (account name and address), business purpose, distance by
trip type, odometer readings where the rep logged them and where the figure comes from. Day,
week (Monday to Sunday) and period totals follow, then a footer per calendar year with the
odometer's first and last reading of that year where known (Treas. Reg. 1.274-5T(b)(6); Pub 463
ch. 5). Commute legs (home to the first stop, last stop home) are never reimbursed unless the
rep works from a home office.

Reimbursement is priced per day (every leg of a day has the day's rate): a day's amount is its
business distance times the rate, rounded to cents; week, period and year amounts add up days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from territory_desktop.io.exports._files import ExportError, Report, write_csv, write_xlsx
from territory_desktop.io.exports.rates import RateTable, amount
from territory_desktop.io.exports.trips import TripDay, Trips

FORMATS = ("csv", "xlsx", "pdf")


def _monday(date: dt.date) -> dt.date:
    return date - dt.timedelta(days=date.weekday())


def _visits(n: int) -> str:
    return f"{n} visit" if n == 1 else f"{n} visits"


def _round(x: float) -> float:
    return float(round(x, 6))  # drop float noise; CSV and XLSX show two decimals


def mileage_report(trips: Trips, rates: RateTable | None = None) -> Report:
    """Build the mileage log as rows (legs, day/week/period totals, yearly footer).

    Only days up to today: the rotation's later days are not driven yet.
    """
    trips = trips.driven()
    u = trips.unit
    header = ["Row", "Date", "Trip type", "From", "To", "Destination address", "Account ID",
              "Business purpose", "Odometer start", "Odometer end", f"Business {u}",
              f"Commute {u}", f"Personal {u}", f"Total {u}", "Source"]
    decimals = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 0]
    warnings = list(trips.warnings)
    if rates is not None:
        header += ["Rate", "Amount", "Currency"]
        decimals += [3, 2, 0]
        used = rates.covering(trips.start, trips.end)
        warnings += [f"the rate {p.rate} {p.currency}/{p.unit} from {p.start} to {p.end} is not "
                     f"verified ({p.note or 'no source'}): check it before paying"
                     for p in used if not p.verified]
    rows: list[tuple[Any, ...]] = []
    totals: list[int] = []

    def by_type(distances: dict[str, float]) -> list[float]:
        b, c, p = (_round(distances.get(t, 0.0)) for t in ("business", "commute", "personal"))
        return [b, c, p, _round(b + c + p)]

    def money(date: dt.date | None, business: float, value: Decimal | None) -> list[Any]:
        if rates is None:
            return []
        if date is None:
            currency = rates.period_for(trips.start).currency
            return [None, float(value or 0), currency]
        period = rates.period_for(date)
        return [float(period.rate), float(amount(business, u, period)), period.currency]

    def total_row(label: str, date: dt.date | None, days: Sequence[TripDay],
                  value: Decimal | None, purpose: str = "",
                  odometer: tuple[float | None, float | None] = (None, None)) -> None:
        sums = {t: sum(d.total(t) for d in days) for t in ("business", "commute", "personal")}
        totals.append(len(rows))
        rows.append((label, date, None, None, None, None, None, purpose, *odometer,
                     *by_type(sums), None, *money(None, 0.0, value)))

    def day_amount(day: TripDay) -> Decimal:
        if rates is None:
            return Decimal(0)
        return amount(day.total("business"), u, rates.period_for(day.date))

    week: list[TripDay] = []
    for i, day in enumerate(trips.days):
        for leg in day.legs:
            dist = {leg.trip_type: leg.distance}
            rows.append(("leg", leg.date, leg.trip_type, leg.origin.name, leg.destination.name,
                         leg.destination.label, leg.destination.account_id or None, leg.purpose,
                         leg.odometer_start, leg.odometer_end, *by_type(dist), leg.source,
                         *money(leg.date, leg.business, None)))
        totals.append(len(rows))
        rows.append(("day total", day.date, None, None, None, None, None,
                     _visits(len(day.visits)), None, None,
                     *by_type({t: day.total(t) for t in ("business", "commute", "personal")}),
                     None, *([None, float(day_amount(day)),
                              rates.period_for(day.date).currency] if rates else [])))
        week.append(day)
        last = i == len(trips.days) - 1
        if last or _monday(trips.days[i + 1].date) != _monday(day.date):
            monday = _monday(day.date)
            total_row("week total", monday, week, sum((day_amount(d) for d in week), Decimal(0)),
                      f"week of {monday.isoformat()}")
            week = []
    total_row("period total", None, trips.days,
              sum((day_amount(d) for d in trips.days), Decimal(0)),
              f"{trips.start.isoformat()} to {trips.end.isoformat()}")
    for year in range(trips.start.year, trips.end.year + 1):
        days = [d for d in trips.days if d.date.year == year]
        first, last_reading = trips.year_odometer.get(year, (None, None))
        purpose = f"year {year} in this log"
        if first is not None and last_reading is not None:
            purpose += f"; odometer readings span {last_reading - first:.1f} {u}"
        total_row(f"year {year}", None, days, sum((day_amount(d) for d in days), Decimal(0)),
                  purpose, (first, last_reading))
    rep = trips.rep
    title = (f"Mileage log: {rep.name} ({rep.id}), {trips.start.isoformat()} to "
             f"{trips.end.isoformat()}")
    notes = (
        "Distances: the road route of each leg on OpenStreetMap data (© OpenStreetMap "
        "contributors), replaced by the rep's recorded miles or odometer readings where logged "
        "(Source column).",
        "Commute legs (home to the first stop, last stop to home) are not business miles"
        + (" (this rep works from a home office: they are)." if rep.home_office else "."),
    )
    return Report(title, tuple(header), rows, totals, tuple(decimals), notes, tuple(warnings))


def planned_vs_logged_report(trips: Trips) -> Report:
    """Per day: planned distance (the schedule's route) vs the log's work driving, difference.

    Logged work driving is business plus commute (personal gaps between odometer readings are
    not work driving, so they are left out). Only days up to today.
    """
    trips = trips.driven()
    u = trips.unit
    header = ("Date", "Planned visits", "Visits", f"Planned {u}", f"Logged {u}",
              f"Difference {u}", "Legs from the log", "Legs")
    rows: list[tuple[Any, ...]] = []
    for d in trips.days:
        logged = d.total("business") + d.total("commute")
        rows.append((d.date, d.planned_visits, len(d.visits), _round(d.planned_distance),
                     _round(logged), _round(logged - d.planned_distance), d.logged_legs,
                     len(d.legs)))
    planned = sum(r[3] for r in rows)
    logged = sum(r[4] for r in rows)
    rows.append(("Total", sum(r[1] for r in rows), sum(r[2] for r in rows), _round(planned),
                 _round(logged), _round(logged - planned), sum(r[6] for r in rows),
                 sum(r[7] for r in rows)))
    rep = trips.rep
    return Report(f"Planned vs logged: {rep.name} ({rep.id}), {trips.start} to {trips.end}",
                  header, rows, [len(rows) - 1], (0, 0, 0, 2, 2, 2, 0, 0),
                  warnings=trips.warnings)


def write_report(report: Report, path: Path, fmt: str, *, signature: bool = False) -> Path:
    """Write a report as CSV, XLSX or PDF (atomically)."""
    if fmt == "csv":
        return write_csv(path, report.header, report.rows, decimals=report.decimals)
    if fmt == "xlsx":
        formats = {i: "0" if n == 0 else "0." + "0" * n for i, n in enumerate(report.decimals)}
        return write_xlsx(path, [(report.title[:31].split(":")[0], report.header, report.rows,
                                  report.totals)], number_formats=formats)
    if fmt == "pdf":
        from territory_desktop.io.exports.pdf import table_pdf

        return table_pdf(path, report, signature=signature)
    raise ExportError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def write_mileage_log(trips: Trips, path: Path, fmt: str,
                      rates: RateTable | None = None) -> Report:
    """Write the mileage log as CSV, XLSX or PDF (with a signature line); return the report."""
    report = mileage_report(trips, rates)
    write_report(report, path, fmt, signature=True)
    return report
