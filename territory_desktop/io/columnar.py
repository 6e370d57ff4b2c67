"""Column-wise checks of imported cells, shared by the results importers.

A :class:`Columns` holds a table's mapped columns as stripped text (numpy object arrays) and the
rows rejected so far; the helpers parse numbers, dates and yes/no flags a whole column at a
time and reject the rows that fail with a reason naming the value (see
:mod:`territory_desktop.io.results` for the rules). Repeated text (dates, stages, account ids)
is parsed or looked up once per distinct value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from territory_desktop.health.results import Table, conform
from territory_desktop.io.tables import RowProblem, parse_number
from territory_desktop.io.tables.read import ColumnTable

__all__ = ["EARLIEST", "MAX_AMOUNT", "Columns", "amounts", "by_value", "date_column", "day",
           "duplicates", "factorize", "flags", "is_none", "norm", "object_array", "parse_dates",
           "parse_numbers", "unknown"]

MAX_AMOUNT = 1e11
EARLIEST = dt.date(1990, 1, 1)
_TRUE = {"true", "yes", "y", "1", "x", "wahr", "ja"}
_FALSE = {"false", "no", "n", "0", "", "falsch", "nein"}


def object_array(values: Iterable[Any], n: int | None = None) -> np.ndarray:
    """Return ``values`` as a 1-D object array (strings stay Python ``str``)."""
    items = list(values)
    out = np.empty(len(items) if n is None else n, dtype=object)
    out[:] = items
    return out


def day(value: dt.date) -> np.datetime64:
    """Return ``value`` as a ``datetime64[D]``."""
    return np.datetime64(value, "D")


def factorize(values: Iterable[Hashable]) -> tuple[np.ndarray, list[Any]]:
    """(codes, distinct values in first-seen order): ``values[i] == distinct[codes[i]]``."""
    items = values if isinstance(values, list) else list(values)
    distinct = list(dict.fromkeys(items))  # C loops: a 250,000-row column in milliseconds
    index = {v: i for i, v in enumerate(distinct)}
    return np.fromiter(map(index.__getitem__, items), np.intp, len(items)), distinct


class Columns:
    """A table's mapped columns as stripped text, and the rows rejected so far.

    Checks run column-wise: each :meth:`reject` takes a boolean mask; only the first problem of a
    row is reported, as the account importer does.
    """

    def __init__(self, table: ColumnTable, mapping: Mapping[str, str], source: str) -> None:
        self.mapping, self.source = dict(mapping), source
        self.lines = np.asarray(table.lines, dtype=np.int64)
        n = len(self.lines)
        self.text_of: dict[str, np.ndarray] = {}
        self.filled_of: dict[str, np.ndarray] = {}
        for key, col in mapping.items():
            text = object_array([cell.strip() for cell in table.cells[col]], n)
            self.text_of[key] = text
            self.filled_of[key] = text != ""
        self.rejected = np.zeros(n, dtype=bool)
        self._problems: list[RowProblem] = []
        self._distinct: dict[str, tuple[np.ndarray, list[str]]] = {}

    def __len__(self) -> int:
        """Return the number of rows read."""
        return len(self.lines)

    def text(self, key: str) -> np.ndarray:
        """Return the stripped text of field ``key`` per row (empty everywhere when unmapped)."""
        found = self.text_of.get(key)
        return found if found is not None else object_array([""] * len(self), len(self))

    def filled(self, key: str) -> np.ndarray:
        """Whether each row has a value for ``key`` (False everywhere when unmapped)."""
        found = self.filled_of.get(key)
        return found if found is not None else np.zeros(len(self), dtype=bool)

    def distinct(self, key: str) -> tuple[np.ndarray, list[str]]:
        """(codes, distinct texts) of field ``key`` (see :func:`factorize`), computed once."""
        if key not in self._distinct:
            self._distinct[key] = factorize(self.text(key).tolist())
        return self._distinct[key]

    def column(self, key: str) -> str:
        """Return the file's column name for field ``key`` ("" when unmapped)."""
        return self.mapping.get(key, "")

    def reject(self, mask: np.ndarray, key: str, reason: str,
               values: np.ndarray | None = None) -> None:
        """Reject the rows where ``mask`` holds, each with a problem naming its line and column.

        ``reason`` may use ``{value}`` (the cell, or ``values`` when given: dates as
        :class:`datetime.date`), formatted only for the rejected rows.
        """
        mask = np.asarray(mask, dtype=bool)
        self._report(mask & ~self.rejected, key, reason, values, skipped=True)
        self.rejected |= mask

    def warn(self, mask: np.ndarray, key: str, reason: str) -> None:
        """Report a warning for the rows where ``mask`` holds; they are still kept."""
        self._report(np.asarray(mask, dtype=bool) & ~self.rejected, key, reason, None,
                     skipped=False)

    def _report(self, mask: np.ndarray, key: str, reason: str, values: np.ndarray | None,
                skipped: bool) -> None:
        rows = np.flatnonzero(mask)
        if not len(rows):
            return
        cells = self.text(key)[rows].tolist()
        shown = cells if values is None else values[rows].tolist()
        for line, cell, value in zip(self.lines[rows].tolist(), cells, shown, strict=True):
            self._problems.append(RowProblem(line, self.column(key), str(cell),
                                             reason.format(value=value), skipped, self.source))

    @property
    def problems(self) -> list[RowProblem]:
        """Every problem reported so far, in line order."""
        return sorted(self._problems, key=lambda p: p.line)

    def kept(self, columns: Mapping[str, np.ndarray], names: tuple[str, ...]) -> Table:
        """Return the rows not rejected, with exactly ``names`` and their dtypes."""
        keep = ~self.rejected
        return conform({c: np.asarray(columns[c])[keep] for c in names}, names)


def norm(text: str) -> str:
    """Return ``text`` casefolded with everything but letters and digits removed, for matching."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def by_value(cols: Columns, key: str, fn: Callable[[str], object]) -> np.ndarray:
    """Map ``fn`` over field ``key``'s text, computed once per distinct value.

    Stage, status and type columns repeat a handful of values over many rows.
    """
    codes, distinct = cols.distinct(key)
    mapped: np.ndarray = object_array((fn(v) for v in distinct), len(distinct))[codes]
    return mapped


def is_none(values: np.ndarray) -> np.ndarray:
    """Where an object column holds None."""
    return np.fromiter((v is None for v in values.tolist()), bool, len(values))


# Plain numbers: ASCII digits only, no "_" separators (Python's float() takes both); the rest
# goes to the slower passes.
_PLAIN = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_US_MONEY = re.compile(r"[$£€]?\s?[+-]?\d{1,3}(?:,\d{3})*(?:\.\d+)?|[+-]?[$£€]\s?\d+(?:\.\d+)?")


def _plain(text: str) -> float:
    return float(text) if _PLAIN.fullmatch(text) else math.nan


def _number(text: str, decimal_comma: bool) -> float:
    """Parse one cell: plain, then "$1,200"-style (not in decimal-comma files), then the rest."""
    if not text:
        return math.nan
    value = _plain(text)
    if math.isfinite(value):
        return value
    if not decimal_comma and _US_MONEY.fullmatch(text):
        value = _plain(re.sub(r"[^\d.\-+]", "", text))
        if not math.isnan(value):
            return value  # may be inf: "above 100 billion"
    try:
        return parse_number(text, decimal_comma)
    except ValueError:
        return math.nan


def parse_numbers(text: np.ndarray, filled: np.ndarray,
                  decimal_comma: bool) -> tuple[np.ndarray, np.ndarray]:
    """Parse a column of number texts; return (values, bad).

    Each distinct text is parsed once: plain numbers first, then "$1,200"-style ones (not in
    decimal-comma files); the rest ("1.234,5", "2.5k") with the account importer's
    :func:`parse_number`, which decides every case the first passes do not.
    """
    return _numbers(factorize(np.where(filled, text, "").tolist()), decimal_comma)


def _numbers(factorized: tuple[np.ndarray, list[str]],
             decimal_comma: bool) -> tuple[np.ndarray, np.ndarray]:
    codes, distinct = factorized
    # plain numbers, most of a column, converted in one pass; each other one by itself
    plain = np.fromiter((_PLAIN.fullmatch(v) is not None for v in distinct), bool, len(distinct))
    values = np.full(len(distinct), np.nan)
    values[plain] = np.array([v for v, p in zip(distinct, plain.tolist(), strict=True) if p],
                             dtype=str).astype(np.float64)
    values[~np.isfinite(values)] = np.nan
    for i in np.flatnonzero(np.isnan(values)).tolist():
        values[i] = _number(distinct[i], decimal_comma)
    bad = np.isnan(values) & np.array([bool(v) for v in distinct], dtype=bool)
    return values[codes], bad[codes]


_ISO = re.compile(r"^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})"
                  r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?$")
_SLASHED = re.compile(r"^(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
                      r"(?:[T ,]+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp]\.?[Mm]\.?)?)?$")
# The bulk passes' formats: "%Y-%m-%d" with ASCII digits, "%m/%d/%Y" and "%d/%m/%Y" as strptime
# matches them (its day may be " 5"; its year may have any Unicode digits).
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_MONTH, _DAY = r"(1[0-2]|0[1-9]|[1-9])", r"(3[01]|[12]\d|0[1-9]|[1-9]| [1-9])"
_MDY = re.compile(rf"{_MONTH}/{_DAY}/(\d\d\d\d)")
_DMY = re.compile(rf"{_DAY}/{_MONTH}/(\d\d\d\d)")


def _date(year: float, month: float, day_: float) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day_))
    except (ValueError, OverflowError):
        return None


def _sane(value: dt.date | None) -> dt.date | None:
    """Years the old nanosecond dates could not hold there (e.g. 0026 from "1/2/0026"): None."""
    return value if value is not None and 1700 <= value.year < 2200 else None


def _ymd(text: str) -> dt.date | None:
    m = _YMD.fullmatch(text)
    return _date(int(m[1]), int(m[2]), int(m[3])) if m else None


def _slashed(text: str, dayfirst: bool) -> dt.date | None:
    m = (_DMY if dayfirst else _MDY).fullmatch(text)
    if m is None:
        return None
    first, second, year = int(m[1]), int(m[2]), int(m[3])
    return _date(year, second, first) if dayfirst else _date(year, first, second)


def parse_dates(text: np.ndarray, filled: np.ndarray,
                dayfirst_default: bool) -> tuple[np.ndarray, np.ndarray]:
    """(``datetime64[D]`` dates, bad) for a column of date texts (see the module docstring).

    Each distinct text is parsed once (a 200,000-row export holds a few hundred dates): whole-
    column passes first (ISO, then M/D/YYYY or D/M/YYYY, in the order the first cell suggests,
    each on what is still unparsed), then one regex pass over the rest. The passes only ask
    whether some value proves the day/month order, so parsing the distinct values decides as
    parsing every row would.
    """
    return _dates(factorize(np.where(filled, text, "").tolist()), dayfirst_default)


def _dates(factorized: tuple[np.ndarray, list[str]],
           dayfirst_default: bool) -> tuple[np.ndarray, np.ndarray]:
    codes, distinct = factorized
    parsed = _parse_distinct_dates(distinct, dayfirst_default)
    dates = np.array(parsed, dtype="datetime64[D]")
    bad = np.array([p is None and bool(t) for p, t in zip(parsed, distinct, strict=True)],
                   dtype=bool)
    return dates[codes], bad[codes]


def _parse_distinct_dates(text: Sequence[str], dayfirst_default: bool) -> list[dt.date | None]:
    dates: list[dt.date | None] = [None] * len(text)
    first = next((t for t in text if t), None)
    if first is None:
        return dates
    iso_first = re.match(r"\d{4}-", first) is not None
    decided = False  # whether a bulk pass fixed the column's day/month order

    def rest() -> list[int]:
        return [i for i, t in enumerate(text) if t and dates[i] is None]

    def iso_pass() -> None:
        for i in rest():
            dates[i] = _sane(_ymd(text[i]))

    if iso_first:
        iso_pass()
    todo = rest()
    if todo:
        parsed = [_slashed(text[i], dayfirst_default) for i in todo]
        other = [_slashed(text[i], not dayfirst_default)
                 for i, p in zip(todo, parsed, strict=True) if p is None]
        # A day above 12 in a parsed date proves its column order; a row that fails one order
        # and parses in the other proves the other. Switch only on one-sided proof.
        if any(o is not None for o in other) and not any(p is not None and p.day > 12
                                                         for p in parsed):
            dayfirst_default = not dayfirst_default
            parsed = [_slashed(text[i], dayfirst_default) for i in todo]
        decided = any(p is not None for p in parsed)
        for i, p in zip(todo, parsed, strict=True):
            dates[i] = _sane(p)
    if not iso_first:
        iso_pass()
    todo = rest()
    if todo:  # times, dots, two-digit years: one regex pass over what is left
        iso = [_ISO.search(text[i]) for i in todo]
        slashed = [_SLASHED.search(text[i]) for i in todo]
        plain = [m for m in slashed if m is not None and m["sep"] != "."]
        first_big = any(float(m["a"]) > 12 for m in plain)
        second_big = any(float(m["b"]) > 12 for m in plain)
        dayfirst = (dayfirst_default if decided or first_big == second_big
                    else first_big)
        for i, m_iso, m in zip(todo, iso, slashed, strict=True):
            if m_iso is not None:
                dates[i] = _sane(_date(float(m_iso["y"]), float(m_iso["m"]),
                                       float(m_iso["d"])))
            elif m is not None:
                year = float(m["y"])
                if len(m["y"]) == 2:
                    year += 2000 if year <= 69 else 1900
                a, b = float(m["a"]), float(m["b"])
                day_first_row = m["sep"] == "." or dayfirst
                dates[i] = _sane(_date(year, b, a) if day_first_row else _date(year, a, b))
    return dates


def date_column(cols: Columns, key: str, what: str, dayfirst: bool,
                required: bool = True) -> np.ndarray:
    """Parse field ``key`` as dates, rejecting empty (when ``required``), bad and too early ones."""
    if required:
        cols.reject(~cols.filled(key), key, f"{what} is empty")
    dates, bad = _dates(cols.distinct(key), dayfirst)  # unfilled cells are ""
    cols.reject(bad, key, what + " {value!r} is not a date (use YYYY-MM-DD)")
    cols.reject(dates < day(EARLIEST), key,
                what + f" {{value:%Y-%m-%d}} is before {EARLIEST.year}", dates)
    return dates


def amounts(cols: Columns, key: str, what: str, decimal_comma: bool) -> np.ndarray:
    """Parse field ``key`` as amounts, rejecting empty, bad, negative and implausibly large ones."""
    cols.reject(~cols.filled(key), key, f"{what} is empty")
    values, bad = _numbers(cols.distinct(key), decimal_comma)
    cols.reject(bad, key, what + " {value!r} is not a number")
    cols.reject(values < 0, key, f"{what} must not be negative")
    cols.reject(values > MAX_AMOUNT, key,
                what + " {value} is above 100 billion; is the column in another unit?")
    return values


def flags(cols: Columns, key: str, what: str) -> np.ndarray:
    """Parse field ``key`` as yes/no flags, rejecting anything else."""
    flag = by_value(cols, key, lambda v: norm(v) in _TRUE if norm(v) in _TRUE | _FALSE
                    else None)
    missing = is_none(flag)
    cols.reject(missing, key, what + " {value!r} is not yes or no")
    return np.where(missing, False, flag).astype(bool)


def unknown(cols: Columns, key: str, known: Collection[str] | None, what: str) -> None:
    """Reject rows whose field ``key`` is not in ``known`` (None: anything goes)."""
    if known is not None:
        codes, distinct = cols.distinct(key)
        found = np.array([v in known for v in distinct], dtype=bool)
        cols.reject(~found[codes], key, what + " {value!r} is not in the plan")


def _codes(cols: Columns, column: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, int]:
    """Integer codes of a column's values in ``rows`` (equal values share one) and a bound."""
    for key, text in cols.text_of.items():
        if column is text:  # a field's text: its codes are known
            codes, distinct = cols.distinct(key)
            return codes[rows].astype(np.int64), len(distinct)
    column = column[rows]
    if column.dtype.kind in "Mmifb":
        values, codes = np.unique(column.view(np.int64) if column.dtype.kind in "Mm"
                                  else column, return_inverse=True)
        return codes.astype(np.int64), len(values)
    found, distinct = factorize(column.tolist())
    return found.astype(np.int64), len(distinct)


def duplicates(cols: Columns, key_columns: Sequence[np.ndarray], key: str,
               reason: str) -> None:
    """Reject later rows whose key repeats an earlier kept row.

    ``reason`` gets ``{value}`` = the first row's line.
    """
    live = np.flatnonzero(~cols.rejected)
    if len(key_columns) == 1 and len(set(key_columns[0][live].tolist())) == len(live):
        return  # ids, the usual case: all distinct, which a set tells fastest
    combined = np.zeros(len(live), dtype=np.int64)
    for column in key_columns:  # mixed radix: at most rows^3 < 2^63 for three columns
        codes, count = _codes(cols, column, live)
        combined = combined * max(count, 1) + codes
    order = np.argsort(combined, kind="stable")  # a group's first row comes first
    ordered = combined[order]
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    if starts.all():
        return
    group_first = order[np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))]
    mask = np.zeros(len(cols), dtype=bool)
    mask[live[order[~starts]]] = True
    first_line = np.zeros(len(cols), dtype=np.int64)
    first_line[live[order]] = cols.lines[live[group_first]]
    cols.reject(mask, key, reason, first_line)
