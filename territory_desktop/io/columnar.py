"""Column-wise checks of imported cells, shared by the results importers.

A :class:`Columns` holds a table's mapped columns as stripped text Series and the rows rejected
so far; the helpers parse numbers, dates and yes/no flags a whole column at a time and reject
the rows that fail with a reason naming the value (see :mod:`territory_desktop.io.results` for
the rules).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Mapping, Sequence

import numpy as np
import pandas as pd

from territory_desktop.health.results import conform
from territory_desktop.io.tables import RowProblem, parse_number
from territory_desktop.io.tables.read import ColumnTable

__all__ = ["EARLIEST", "MAX_AMOUNT", "Columns", "amounts", "by_value", "date_column", "duplicates",
           "flags", "norm", "parse_dates", "parse_numbers", "unknown"]

MAX_AMOUNT = 1e11
EARLIEST = dt.date(1990, 1, 1)
_TRUE = {"true", "yes", "y", "1", "x", "wahr", "ja"}
_FALSE = {"false", "no", "n", "0", "", "falsch", "nein"}


class Columns:
    """A table's mapped columns as stripped text Series, and the rows rejected so far.

    Checks run column-wise: each :meth:`reject` takes a boolean mask; only the first problem of a
    row is reported, as the account importer does.
    """

    def __init__(self, table: ColumnTable, mapping: Mapping[str, str], source: str) -> None:
        self.mapping, self.source = dict(mapping), source
        self.lines = pd.Series(table.lines, dtype="int64")
        self.text_of: dict[str, pd.Series] = {}
        self.filled_of: dict[str, pd.Series] = {}
        for key, col in mapping.items():
            values = [cell.strip() for cell in table.cells[col]]
            self.text_of[key] = pd.Series(values, dtype=object)
            self.filled_of[key] = pd.Series(np.fromiter(map(bool, values), bool, len(values)))
        self.rejected = pd.Series(False, index=self.lines.index)
        self._problems: list[RowProblem] = []

    def __len__(self) -> int:
        """Return the number of rows read."""
        return len(self.lines)

    def text(self, key: str) -> pd.Series:
        """Return the stripped text of field ``key`` per row (empty everywhere when unmapped)."""
        found = self.text_of.get(key)
        return found if found is not None else pd.Series("", index=self.lines.index, dtype=object)

    def filled(self, key: str) -> pd.Series:
        """Whether each row has a value for ``key`` (False everywhere when unmapped)."""
        found = self.filled_of.get(key)
        return found if found is not None else pd.Series(False, index=self.lines.index)

    def column(self, key: str) -> str:
        """Return the file's column name for field ``key`` ("" when unmapped)."""
        return self.mapping.get(key, "")

    def reject(self, mask: pd.Series, key: str, reason: str,
               values: pd.Series | None = None) -> None:
        """Reject the rows where ``mask`` holds, each with a problem naming its line and column.

        ``reason`` may use ``{value}`` (the cell, or ``values`` when given), formatted only for the
        rejected rows.
        """
        self._report(mask & ~self.rejected, key, reason, values, skipped=True)
        self.rejected |= mask.fillna(False).astype(bool)

    def warn(self, mask: pd.Series, key: str, reason: str) -> None:
        """Report a warning for the rows where ``mask`` holds; they are still kept."""
        self._report(mask & ~self.rejected, key, reason, None, skipped=False)

    def _report(self, mask: pd.Series, key: str, reason: str, values: pd.Series | None,
                skipped: bool) -> None:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        cells = self.text(key)[mask]
        shown = cells if values is None else values[mask]
        for line, cell, value in zip(self.lines[mask], cells, shown, strict=True):
            self._problems.append(RowProblem(int(line), self.column(key), str(cell),
                                             reason.format(value=value), skipped, self.source))

    @property
    def problems(self) -> list[RowProblem]:
        """Every problem reported so far, in line order."""
        return sorted(self._problems, key=lambda p: p.line)

    def kept(self, frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
        """Return the rows of ``frame`` not rejected, with exactly ``columns`` and their dtypes."""
        return conform(frame[~self.rejected.to_numpy()], columns)


def norm(text: str) -> str:
    """Return ``text`` casefolded with everything but letters and digits removed, for matching."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def by_value(text: pd.Series, fn: Callable[[str], object]) -> pd.Series:
    """Map ``fn`` over a column, computed once per distinct value.

    Stage, status and type columns repeat a handful of values over many rows.
    """
    return text.map({value: fn(value) for value in pd.unique(text.to_numpy())})


def parse_numbers(text: pd.Series, filled: pd.Series,
             decimal_comma: bool) -> tuple[pd.Series, pd.Series]:
    """Parse a column of number texts; return (values, bad).

    Plain numbers parse in bulk, then "$1,200"-style ones (not in decimal-comma files); the
    rest ("1.234,5", "2.5k") one by one with the account importer's :func:`parse_number`,
    which decides every case the bulk passes do not.
    """
    values = pd.to_numeric(text.where(filled), errors="coerce").astype("float64")
    values = values.where(np.isfinite(values))
    slow = values.isna() & filled
    if slow.any() and not decimal_comma:
        plain = text[slow].str.fullmatch(_US_MONEY)
        if plain.any():
            cleaned = text[slow][plain].str.replace(r"[^\d.\-+]", "", regex=True)
            values[cleaned.index] = pd.to_numeric(cleaned, errors="coerce")
            slow = values.isna() & filled
    if slow.any():
        parsed = []
        for cell in text[slow]:
            try:
                parsed.append(parse_number(cell, decimal_comma))
            except ValueError:
                parsed.append(np.nan)
        values[slow] = np.asarray(parsed, dtype="float64")
    return values, values.isna() & filled


_US_MONEY = r"[$£€]?\s?[+-]?\d{1,3}(?:,\d{3})*(?:\.\d+)?|[+-]?[$£€]\s?\d+(?:\.\d+)?"


_ISO = (r"^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})"
        r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?$")
_SLASHED = (r"^(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
            r"(?:[T ,]+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp]\.?[Mm]\.?)?)?$")


def _ns(dates: pd.Series) -> pd.Series:
    """Nanosecond dates; years pandas cannot hold there (e.g. 0026 from "1/2/0026") are NaT."""
    sane = (dates >= pd.Timestamp("1700-01-01")) & (dates < pd.Timestamp("2200-01-01"))
    return dates.where(sane).astype("datetime64[ns]")


def parse_dates(text: pd.Series, filled: pd.Series,
           dayfirst_default: bool) -> tuple[pd.Series, pd.Series]:
    """(dates at midnight, bad) for a column of date texts (see the module docstring).

    Each distinct text is parsed once (a 200,000-row export holds a few hundred dates): whole-
    column passes first (ISO, then M/D/YYYY or D/M/YYYY, in the order the first cell suggests,
    each on what is still unparsed), then one regex pass over the rest. The passes only ask
    whether some value proves the day/month order, so parsing the distinct values decides as
    parsing every row would.
    """
    codes, uniques = pd.factorize(text.where(filled, ""))
    distinct = pd.Series(uniques, dtype=object)
    dates, bad = _parse_distinct_dates(distinct, distinct != "", dayfirst_default)
    return (pd.Series(dates.to_numpy()[codes], index=text.index, dtype="datetime64[ns]"),
            pd.Series(bad.to_numpy()[codes], index=text.index, dtype=bool))


def _parse_distinct_dates(text: pd.Series, filled: pd.Series,
                          dayfirst_default: bool) -> tuple[pd.Series, pd.Series]:
    dates = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    if not filled.any():
        return dates, filled
    iso_first = re.match(r"\d{4}-", text[filled].iloc[0]) is not None
    decided = False  # whether a bulk pass fixed the column's day/month order

    def iso_pass() -> None:
        rest = dates.isna() & filled
        if rest.any():
            dates[rest] = _ns(pd.to_datetime(text[rest], format="%Y-%m-%d", errors="coerce"))

    if iso_first:
        iso_pass()
    rest = dates.isna() & filled
    if rest.any():
        sub = text[rest]
        formats = ["%m/%d/%Y", "%d/%m/%Y"][::-1 if dayfirst_default else 1]
        parsed = pd.to_datetime(sub, format=formats[0], errors="coerce")
        failed = parsed.isna()
        other = pd.to_datetime(sub[failed], format=formats[1], errors="coerce")
        # A day above 12 in a parsed date proves its column order; a row that fails one order
        # and parses in the other proves the other. Switch only on one-sided proof.
        if other.notna().any() and not (parsed.dt.day > 12).any():
            parsed = pd.to_datetime(sub, format=formats[1], errors="coerce")
            dayfirst_default = not dayfirst_default
        decided = bool(parsed.notna().any())
        dates[rest] = _ns(parsed)
    if not iso_first:
        iso_pass()
    rest = dates.isna() & filled
    if rest.any():  # times, dots, two-digit years: one regex pass over what is left
        sub = text[rest]
        iso = sub.str.extract(_ISO).astype(float)
        fields = sub.str.extract(_SLASHED)
        a, b = fields["a"].astype(float), fields["b"].astype(float)
        year = fields["y"].astype(float)
        two_digits = fields["y"].str.len() == 2
        year = year.where(~two_digits, year + np.where(year <= 69, 2000, 1900))
        slashed = fields["sep"].notna() & (fields["sep"] != ".")
        first_big, second_big = (a[slashed] > 12).any(), (b[slashed] > 12).any()
        dayfirst = (dayfirst_default if decided or first_big == second_big
                    else bool(first_big))
        day_first_rows = (fields["sep"] == ".") | dayfirst
        parts = pd.DataFrame({
            "year": iso["y"].fillna(year),
            "month": iso["m"].fillna(b.where(day_first_rows, a)),
            "day": iso["d"].fillna(a.where(day_first_rows, b)),
        })
        ok = parts.notna().all(axis=1)
        parsed = pd.Series(pd.NaT, index=sub.index, dtype="datetime64[ns]")
        if ok.any():
            parsed[ok] = _ns(pd.to_datetime(parts[ok], errors="coerce"))
        dates[rest] = parsed
    return dates, dates.isna() & filled


def date_column(cols: Columns, key: str, what: str, dayfirst: bool,
                 required: bool = True) -> pd.Series:
    """Parse field ``key`` as dates, rejecting empty (when ``required``), bad and too early ones."""
    text = cols.text(key)
    if required:
        cols.reject(~cols.filled(key), key, f"{what} is empty")
    dates, bad = parse_dates(text, cols.filled(key), dayfirst)
    cols.reject(bad, key, what + " {value!r} is not a date (use YYYY-MM-DD)")
    cols.reject(dates < pd.Timestamp(EARLIEST), key,
                what + f" {{value:%Y-%m-%d}} is before {EARLIEST.year}", dates)
    return dates


def amounts(cols: Columns, key: str, what: str, decimal_comma: bool) -> pd.Series:
    """Parse field ``key`` as amounts, rejecting empty, bad, negative and implausibly large ones."""
    text = cols.text(key)
    cols.reject(~cols.filled(key), key, f"{what} is empty")
    values, bad = parse_numbers(text, cols.filled(key), decimal_comma)
    cols.reject(bad, key, what + " {value!r} is not a number")
    cols.reject(values < 0, key, f"{what} must not be negative")
    cols.reject(values > MAX_AMOUNT, key,
                what + " {value} is above 100 billion; is the column in another unit?")
    return values


def flags(cols: Columns, key: str, what: str) -> pd.Series:
    """Parse field ``key`` as yes/no flags, rejecting anything else."""
    flag = by_value(cols.text(key), lambda v: norm(v) in _TRUE if norm(v) in _TRUE | _FALSE
                     else None)
    cols.reject(flag.isna(), key, what + " {value!r} is not yes or no")
    return flag.fillna(False).astype(bool)


def unknown(cols: Columns, key: str, known: Collection[str] | None, what: str) -> None:
    """Reject rows whose field ``key`` is not in ``known`` (None: anything goes)."""
    if known is not None:
        cols.reject(~cols.text(key).isin(pd.Index(list(known))), key,
                    what + " {value!r} is not in the plan")


def duplicates(cols: Columns, key_columns: Sequence[pd.Series], key: str,
                reason: str) -> None:
    """Reject later rows whose key repeats an earlier kept row.

    ``reason`` gets ``{value}`` = the first row's line.
    """
    keys = pd.DataFrame({str(i): s for i, s in enumerate(key_columns)})[~cols.rejected]
    repeated = keys.duplicated(keep=False)
    if not repeated.any():
        return
    # Only rows whose key repeats are grouped: a handful, whatever the size of the file.
    shared = keys[repeated]
    first_line = cols.lines[shared.index].groupby(
        [shared[c] for c in shared.columns]).transform("first")
    later = shared.duplicated(keep="first")
    mask = pd.Series(False, index=cols.lines.index)
    mask[later.index[later.to_numpy()]] = True
    cols.reject(mask, key, reason, first_line.reindex(cols.lines.index, fill_value=0))
