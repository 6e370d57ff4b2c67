"""Reporting periods: whole calendar months, quarters or years ("2026Q3", "2026-07", "2026")."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

__all__ = ["Period", "PeriodError", "parse_period", "quarter_of"]

_MONTHS = {name: i for i, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for name in names}


class PeriodError(ValueError):
    """A period that cannot be read; the message says which forms are understood."""


@dataclass(frozen=True)
class Period:
    """A run of whole calendar months: ``first_month`` counts months from year 0 (year*12 + m-1).

    ``start`` is the first day, ``end`` the day after the last (half-open).
    """

    first_month: int
    months: int

    def __post_init__(self) -> None:
        """Refuse a period of less than one month."""
        if self.months < 1:
            raise PeriodError("a period has at least one month")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """Return the calendar month ``month`` (1-12) of ``year``."""
        return cls(year * 12 + month - 1, 1)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """Return the calendar quarter ``quarter`` (1-4) of ``year``."""
        return cls(year * 12 + 3 * (quarter - 1), 3)

    @property
    def start(self) -> dt.date:
        """The first day of the period."""
        return dt.date(self.first_month // 12, self.first_month % 12 + 1, 1)

    @property
    def end(self) -> dt.date:
        """The day after the period (exclusive end)."""
        after = self.first_month + self.months
        return dt.date(after // 12, after % 12 + 1, 1)

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days

    @property
    def weeks(self) -> float:
        """Length of the period in weeks (days / 7)."""
        return self.days / 7.0

    @property
    def label(self) -> str:
        """``2026Q3``, ``2026-07``, ``2026``, or ``2026-05..2026-09`` for other spans."""
        year, month0 = divmod(self.first_month, 12)
        if self.months == 1:
            return f"{year}-{month0 + 1:02d}"
        if self.months == 3 and month0 % 3 == 0:
            return f"{year}Q{month0 // 3 + 1}"
        if self.months == 12 and month0 == 0:
            return str(year)
        last = self.first_month + self.months - 1
        return f"{year}-{month0 + 1:02d}..{last // 12}-{last % 12 + 1:02d}"

    def overlap_months(self, other: Period) -> int:
        """How many months the two periods share."""
        lo = max(self.first_month, other.first_month)
        hi = min(self.first_month + self.months, other.first_month + other.months)
        return max(0, hi - lo)

    def __str__(self) -> str:
        """Return the period's label, e.g. ``2026Q3``."""
        return self.label


def quarter_of(day: dt.date) -> Period:
    """Return the calendar quarter containing ``day``."""
    return Period.quarter(day.year, (day.month - 1) // 3 + 1)


_YEAR = r"((?:19|20|21)\d\d)"
_FORMS = (
    (re.compile(rf"^{_YEAR}\s*[-/ ]?\s*q([1-4])$"), "yq"),
    (re.compile(rf"^q([1-4])\s*[-/ ]?\s*{_YEAR}$"), "qy"),
    (re.compile(rf"^{_YEAR}\s*[-/.]\s*(\d{{1,2}})$"), "ym"),
    (re.compile(rf"^(\d{{1,2}})\s*[-/.]\s*{_YEAR}$"), "my"),
    (re.compile(rf"^([a-z]+)\.?\s*[-/ ]?\s*{_YEAR}$"), "namey"),
    (re.compile(rf"^{_YEAR}$"), "y"),
)


def parse_period(text: str) -> Period:
    """Parse a month, quarter or year as CRMs write it.

    Understood: ``2026Q3``, ``2026-Q3``, ``Q3 2026``, ``2026-07``, ``07/2026``, ``Jul 2026``,
    ``July 2026``, ``2026``, and ``2026-05..2026-09`` (a span of months, both ends included).

    Raises
    ------
    PeriodError
        If the text is none of these.
    """
    s = re.sub(r"\s+", " ", text.strip().casefold())
    if ".." in s:
        first, _, last = s.partition("..")
        a, b = parse_period(first), parse_period(last)
        if a.months != 1 or b.months != 1 or b.first_month < a.first_month:
            raise PeriodError(f"period {text!r}: a span runs from one month to a later one, "
                              "e.g. 2026-05..2026-09")
        return Period(a.first_month, b.first_month - a.first_month + 1)
    for pattern, form in _FORMS:
        m = pattern.match(s)
        if not m:
            continue
        if form == "yq":
            return Period.quarter(int(m.group(1)), int(m.group(2)))
        if form == "qy":
            return Period.quarter(int(m.group(2)), int(m.group(1)))
        if form == "y":
            return Period(int(m.group(1)) * 12, 12)
        if form == "namey":
            month = _MONTHS.get(m.group(1))
            if month is None:
                break
            return Period.month(int(m.group(2)), month)
        year, month_text = (m.group(1), m.group(2)) if form == "ym" else (m.group(2), m.group(1))
        if 1 <= int(month_text) <= 12:
            return Period.month(int(year), int(month_text))
        break
    raise PeriodError(f"period {text!r} is not a month, quarter or year "
                      "(use e.g. 2026Q3, 2026-07 or 2026)")
