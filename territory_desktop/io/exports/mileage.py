"""The mileage log (an IRS-adequate record), its reimbursement, and planned versus logged miles.

One row per leg: date, destination (account name and address), business purpose, distance by
trip type, odometer readings where the rep logged them and where the figure comes from. Day,
week (Monday to Sunday) and period totals follow, then a footer per calendar year with the
odometer's first and last reading of that year where known (Treas. Reg. 1.274-5T(b)(6); Pub 463
ch. 5). Commute legs (home to the first stop, last stop home) are never reimbursed unless the
rep works from a home office.

Every figure adds up as printed: a leg's distance is rounded to the hundredth, its amount is
that distance times the printed rate of its date rounded to the cent, and every total (day,
week, period, year) is the sum of the printed figures of its legs. Rates are printed per the
log's unit (a per-mile rate in a km log is converted, see :func:`rates.rate_in`); odometer
figures as the odometer showed them, the Source naming their unit when it is not the log's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from territory_desktop.io.exports._files import ExportError, Report, write_csv, write_xlsx
from territory_desktop.io.exports.rates import RateTable, amount, rate_in
from territory_desktop.io.exports.trips import TRIP_TYPES, TripDay, TripLeg, Trips, cents

FORMATS = ("csv", "xlsx", "pdf")
_Sums = tuple[dict[str, Decimal], Decimal]  # printed distance by trip type, amount


def _monday(date: dt.date) -> dt.date:
    return date - dt.timedelta(days=date.weekday())


def _visits(n: int) -> str:
    return f"{n} visit" if n == 1 else f"{n} visits"


def leg_amount(leg: TripLeg, unit: str, rates: RateTable) -> Decimal:
    """Return a leg's reimbursement: its printed business distance at its date's rate, in cents."""
    return amount(cents(leg.business), unit, rates.period_for(leg.date))


def rate_decimals(trips: Trips, rates: RateTable) -> int:
    """Return the decimals that print every rate the driven days use, per the trips' unit (3+).

    Distance times the printed rate is then the amount, to the cent.
    """
    used = rates.covering(trips.days[0].date, trips.days[-1].date) if trips.days else ()
    return max([3, *(len(f"{rate_in(p, trips.unit).normalize():f}".partition(".")[2])
                      for p in used)])


def rate_warnings(trips: Trips, rates: RateTable, advice: str = "") -> list[str]:
    """Warnings for the unverified rates the driven days use (``trips`` already driven).

    Only the days in the log need a rate: a range reaching past the table's last period is
    fine as long as those later days are not driven yet. A driven day without a rate raises
    the table's :class:`ExportError` naming it.
    """
    if not trips.days:
        return []
    used = rates.covering(trips.days[0].date, trips.days[-1].date)
    return [f"the rate {p.rate} {p.currency}/{p.unit} from {p.start} to {p.end} is not "
            f"verified ({p.note or 'no source'}){advice}" for p in used if not p.verified]


def claim_currency(trips: Trips, rates: RateTable) -> str:
    """Return the currency a claim of ``trips`` is paid in: its first driven day's rate's."""
    return (rates.period_for(trips.days[0].date) if trips.days else rates.periods[-1]).currency


def range_text(trips: Trips) -> str:
    """Return the trips' dates, saying where later days were left out as not driven yet."""
    text = f"{trips.start.isoformat()} to {trips.end.isoformat()}"
    if trips.driven_to is not None:
        text += f" (days after {trips.driven_to.isoformat()} left out: not driven yet)"
    return text


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
    currency = ""
    if rates is not None:
        header += [f"Rate per {u}", "Amount", "Currency"]
        decimals += [rate_decimals(trips, rates), 2, 0]
        warnings += rate_warnings(trips, rates, ": check it before paying")
        currency = claim_currency(trips, rates)
    rows: list[tuple[Any, ...]] = []
    totals: list[int] = []

    def figures(distances: dict[str, Decimal]) -> list[float]:
        b, c, p = (distances.get(t, Decimal(0)) for t in TRIP_TYPES)
        return [float(b), float(c), float(p), float(b + c + p)]

    def money(date: dt.date | None, value: Decimal) -> list[Any]:
        if rates is None:
            return []
        if date is None:
            return [None, float(value), currency]
        period = rates.period_for(date)
        return [float(rate_in(period, u)), float(value), period.currency]

    sums: dict[dt.date, _Sums] = {}

    def add(days: Sequence[TripDay]) -> _Sums:
        distance = {t: sum((sums[d.date][0][t] for d in days), Decimal(0)) for t in TRIP_TYPES}
        return distance, sum((sums[d.date][1] for d in days), Decimal(0))

    def total_row(label: str, date: dt.date | None, days: Sequence[TripDay], purpose: str = "",
                  odometer: tuple[float | None, float | None] = (None, None)) -> None:
        distance, value = add(days)
        totals.append(len(rows))
        rows.append((label, date, None, None, None, None, None, purpose, *odometer,
                     *figures(distance), None, *money(None, value)))

    week: list[TripDay] = []
    for i, day in enumerate(trips.days):
        distance = {t: Decimal(0) for t in TRIP_TYPES}
        value = Decimal(0)
        for leg in day.legs:
            printed = cents(leg.distance)
            distance[leg.trip_type] += printed
            priced = leg_amount(leg, u, rates) if rates is not None else Decimal(0)
            value += priced
            rows.append(("leg", leg.date, leg.trip_type, leg.origin.name, leg.destination.name,
                         leg.destination.label, leg.destination.account_id or None, leg.purpose,
                         leg.odometer_start, leg.odometer_end,
                         *figures({leg.trip_type: printed}), _source(leg, u),
                         *money(leg.date, priced)))
        sums[day.date] = (distance, value)
        totals.append(len(rows))
        rows.append(("day total", day.date, None, None, None, None, None,
                     _visits(len(day.visits)), None, None, *figures(distance), None,
                     *([None, float(value), rates.period_for(day.date).currency]
                       if rates else [])))
        week.append(day)
        last = i == len(trips.days) - 1
        if last or _monday(trips.days[i + 1].date) != _monday(day.date):
            monday = _monday(day.date)
            total_row("week total", monday, week, f"week of {monday.isoformat()}")
            week = []
    total_row("period total", None, trips.days, range_text(trips))
    last_year = min(trips.end, trips.driven_to or trips.end).year
    for year in range(trips.start.year, max(last_year, trips.start.year) + 1):
        days = [d for d in trips.days if d.date.year == year]
        first, last_reading, unit = trips.year_odometer.get(year, (None, None, u))
        purpose = f"year {year} in this log"
        if first is not None and last_reading is not None:
            purpose += f"; odometer readings span {last_reading - first:.1f} {unit}"
        total_row(f"year {year}", None, days, purpose, (first, last_reading))
    rep = trips.rep
    title = f"Mileage log: {rep.name} ({rep.id}), {range_text(trips)}"
    notes = (
        "Distances: the road route of each leg on OpenStreetMap data (© OpenStreetMap "
        "contributors), replaced by the rep's recorded miles or odometer readings where logged "
        "(Source column).",
        "Commute legs (home to the first stop, last stop to home) are not business miles"
        + (" (this rep works from a home office: they are)." if rep.home_office else "."),
    )
    return Report(title, tuple(header), rows, totals, tuple(decimals), notes, tuple(warnings))


def _source(leg: TripLeg, unit: str) -> str:
    """Return where the leg's figure comes from, naming the log's unit when it is not ``unit``."""
    if leg.reading_unit and leg.reading_unit != unit:
        return f"{leg.source} (in {leg.reading_unit})"
    return leg.source


def planned_vs_logged_report(trips: Trips) -> Report:
    """Per day: planned distance (the schedule's route) vs the log's work driving, difference.

    Logged work driving is business plus commute (personal gaps between odometer readings are
    not work driving, so they are left out), as the mileage log prints it; the planned distance
    is likewise the sum of its route's legs to the hundredth, so a day driven as planned shows
    no difference. Totals are the sums of the printed days. Only days up to today.
    """
    trips = trips.driven()
    u = trips.unit
    header = ("Date", "Planned visits", "Visits", f"Planned {u}", f"Logged {u}",
              f"Difference {u}", "Legs from the log", "Legs")
    rows: list[tuple[Any, ...]] = []
    planned_sum = logged_sum = Decimal(0)
    for d in trips.days:
        planned = d.planned_printed
        logged = d.printed("business") + d.printed("commute")
        planned_sum += planned
        logged_sum += logged
        rows.append((d.date, d.planned_visits, len(d.visits), float(planned), float(logged),
                     float(logged - planned), d.logged_legs, len(d.legs)))
    rows.append(("Total", sum(r[1] for r in rows), sum(r[2] for r in rows), float(planned_sum),
                 float(logged_sum), float(logged_sum - planned_sum), sum(r[6] for r in rows),
                 sum(r[7] for r in rows)))
    rep = trips.rep
    return Report(f"Planned vs logged: {rep.name} ({rep.id}), {range_text(trips)}",
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
