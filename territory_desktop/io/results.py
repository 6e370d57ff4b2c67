"""Import CRM results (opportunities, quotas, activities) from CSV or XLSX exports.

Files are read by :func:`territory_desktop.io.tables.read_table` (line numbers as a text editor
shows them, sheet rows for XLSX) and columns are recognised like account columns: Salesforce,
HubSpot, Dynamics 365 and generic names, ignoring case and punctuation; an explicit mapping
(field -> column) overrides the guess. Values are checked column by column with pandas, so 200,000
rows take about a second; every rejected row becomes a :class:`RowProblem` naming the file, line,
column and reason, and the good rows are kept.

Rules worth knowing
-------------------
- Opportunity status comes from a status column (Won / Lost / Open, Dynamics' Canceled and
  Out-Sold are lost), else from won/closed flags (Salesforce ``IsWon``/``IsClosed``, HubSpot
  "Is Closed Won"), else from the stage: a stage ending in "won" or "lost" ("Closed Won",
  ``closedlost``) is closed, any other stage is open.
- The close date is the close-date column, else the expected close date (Dynamics keeps both).
  A won or lost opportunity needs one; an open one may lack it.
- Dates: ``2026-07-15`` (times are ignored), ``7/15/2026``, ``15/07/2026``, ``15.07.2026``.
  Slashed dates are day-first when some day in the column is above 12 in first place, month-first
  when some is above 12 in second place, otherwise day-first only in semicolon (European) files.
- Sane ranges: amounts 0 to 100 billion; dates from 1990; created dates, close dates of won or
  lost opportunities and activity dates not after ``today``; expected close dates within 10 years.
- Activity types: visit, meeting, appointment, event, in person, on site -> ``visit``;
  call, phone call, phone -> ``call``; any other type (email, task, note) is reported and left out.
- A row whose account (or rep) is not in the plan is reported and left out; re-import it after
  adding the account.
- :func:`write_csv` writes text cells that a spreadsheet would run as a formula (starting with
  ``=``, ``+``, ``-``, ``@``, tab or carriage return) with a leading apostrophe.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import tempfile
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from territory_desktop.health.period import Period, PeriodError, parse_period
from territory_desktop.health.results import (
    ACTIVITY_COLUMNS,
    OPPORTUNITY_COLUMNS,
    QUOTA_COLUMNS,
    CrmResults,
    conform,
    empty_frame,
)

# The account importer's column guessing and locale sniffing, shared so both read files alike.
from territory_desktop.io.tables import (
    FieldSpec,
    RowProblem,
    Table,
    _guess,
    _usable_mapping,
    _uses_decimal_comma,
    parse_number,
    read_table,
)

__all__ = [
    "ACTIVITY_FIELD_SPECS",
    "OPPORTUNITY_FIELD_SPECS",
    "QUOTA_FIELD_SPECS",
    "ResultsImport",
    "ResultsImportReport",
    "import_activities",
    "import_opportunities",
    "import_quotas",
    "import_results",
    "write_csv",
    "write_problems_csv",
]

MAX_AMOUNT = 1e11
EARLIEST = dt.date(1990, 1, 1)
EXPECTED_CLOSE_YEARS = 10

OPPORTUNITY_FIELD_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("id", "Opportunity ID", (
        "opportunityid", "dealid", "recordid", "hsobjectid", "id", "opportunitynumber",
        "opportunityno", "externalid"), required=True),
    FieldSpec("account_id", "Account ID", (
        "accountid", "associatedcompanyid", "associatedcompanyidsprimary",
        "associatedcompanyids", "companyid", "parentaccountid", "customerid", "accountnumber",
        "customernumber", "account"), required=True),
    FieldSpec("amount", "Amount", (
        "amount", "opportunityamount", "dealamount", "amountincompanycurrency",
        "estimatedvalue", "estrevenue", "estimatedrevenue", "actualvalue", "actualrevenue",
        "value", "dealvalue", "revenue"), required=True),
    FieldSpec("stage", "Stage", (
        "stage", "stagename", "dealstage", "salesstage", "salesstagecode", "pipelinephase",
        "stepname", "opportunitystage", "phase")),
    FieldSpec("status", "Won / lost / open", (
        "status", "statecode", "opportunitystatus", "dealstatus", "outcome", "result",
        "wonlost")),
    FieldSpec("is_won", "Won (yes/no)", ("won", "iswon", "isclosedwon", "hsisclosedwon")),
    FieldSpec("is_closed", "Closed (yes/no)", (
        "closed", "isclosed", "isdealclosed", "hsisclosed")),
    FieldSpec("created", "Created date", (
        "createddate", "createdate", "createdon", "created", "datecreated", "opendate",
        "opportunitycreateddate"), required=True),
    FieldSpec("close", "Close date", (
        "closedate", "actualclosedate", "closeddate", "dateclosed", "wondate")),
    FieldSpec("expected_close", "Expected close date", (
        "estimatedclosedate", "estclosedate", "expectedclosedate", "forecastclosedate")),
)

QUOTA_FIELD_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("rep_id", "Rep ID", (
        "repid", "quotaownerid", "ownerid", "userid", "goalownerid", "salesrepid", "employeeid",
        "assigneeid", "rep", "owner", "salesrep", "quotaowner", "goalowner"), required=True),
    FieldSpec("period", "Period (2026Q3, 2026-07)", (
        "period", "quarter", "month", "fiscalperiod", "quotaperiod", "timeperiod",
        "periodname")),
    FieldSpec("start", "Period start", (
        "startdate", "periodstart", "from", "goalstartdate", "quotastartdate")),
    FieldSpec("end", "Period end", ("enddate", "periodend", "to", "goalenddate",
                                    "quotaenddate")),
    FieldSpec("amount", "Quota amount", (
        "quotaamount", "quota", "amount", "targetmoney", "target", "targetamount", "goal",
        "goalamount", "value"), required=True),
)

ACTIVITY_FIELD_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("account_id", "Account ID", (
        "accountid", "associatedcompanyid", "associatedcompanyidsprimary",
        "associatedcompanyids", "companyid", "regardingobjectid", "whatid", "parentaccountid",
        "customerid", "accountnumber", "account"), required=True),
    FieldSpec("date", "Date", (
        "activitydate", "date", "visitdate", "calldate", "actualend", "actualstart",
        "scheduledstart", "startdate", "hstimestamp", "timestamp", "completeddate",
        "createddate", "createdon"), required=True),
    FieldSpec("type", "Type (visit / call)", (
        "type", "activitytype", "tasksubtype", "eventsubtype", "activitytypecode",
        "engagementtype", "hsactivitytype", "channel", "subtype"), required=True),
)

_WON = {"won", "closedwon", "win", "dealwon"}
_LOST = {"lost", "closedlost", "canceled", "cancelled", "outsold", "deallost", "lose"}
_OPEN = {"open", "inprogress", "active", "onhold", "pending", "new"}
_TRUE = {"true", "yes", "y", "1", "x", "wahr", "ja"}
_FALSE = {"false", "no", "n", "0", "", "falsch", "nein"}
_VISIT = {"visit", "meeting", "appointment", "event", "inperson", "onsite", "sitevisit",
          "fieldvisit", "customervisit", "visite", "besuch"}
_CALL = {"call", "phonecall", "phone", "calllog", "telephone", "anruf"}


@dataclass
class ResultsImport:
    """One file's import: the kept rows (a frame with the result columns), the problems found,
    the mapping used (field -> column) and the required fields no column maps to (nothing is
    imported then)."""

    kind: str
    source: str
    frame: pd.DataFrame
    problems: list[RowProblem] = field(default_factory=list)
    mapping_used: dict[str, str] = field(default_factory=dict)
    missing_required: list[str] = field(default_factory=list)
    rows_read: int = 0

    @property
    def rows_rejected(self) -> int:
        return len({p.line for p in self.problems if p.skipped})


@dataclass
class ResultsImportReport:
    """What :func:`import_results` returns: the merged results and each file's import."""

    results: CrmResults
    imports: list[ResultsImport] = field(default_factory=list)

    @property
    def problems(self) -> list[RowProblem]:
        return [p for imp in self.imports for p in imp.problems]


def _stage_word(stage: str) -> str:
    """A stage ending in "won" / "lost" ("Closed Won", ``closedlost``) is closed; others open."""
    norm = _norm(stage)
    return "won" if norm.endswith("won") else "lost" if norm.endswith("lost") else "open"


def _status_word(status: str) -> str | None:
    norm = _norm(status)
    if norm in _WON or norm.endswith("won"):
        return "won"
    if norm in _LOST or norm.endswith("lost"):
        return "lost"
    return "open" if norm in _OPEN else None


class _Columns:
    """A table's mapped columns as stripped text Series, and the rows rejected so far.

    Checks run column-wise: each :meth:`reject` takes a boolean mask; only the first problem of a
    row is reported, as the account importer does.
    """

    def __init__(self, table: Table, mapping: Mapping[str, str], source: str) -> None:
        rows = table.rows
        self.mapping, self.source = dict(mapping), source
        self.lines = pd.Series([r.line for r in rows], dtype="int64")
        cells = [r.cells for r in rows]  # read_table gives every row every header column
        self.text_of: dict[str, pd.Series] = {}
        self.filled_of: dict[str, pd.Series] = {}
        for key, col in mapping.items():
            values = [c[col].strip() for c in cells]
            self.text_of[key] = pd.Series(values, dtype=object)
            self.filled_of[key] = pd.Series(np.fromiter(map(bool, values), bool, len(values)))
        self.rejected = pd.Series(False, index=self.lines.index)
        self._problems: list[RowProblem] = []

    def __len__(self) -> int:
        return len(self.lines)

    def text(self, key: str) -> pd.Series:
        found = self.text_of.get(key)
        return found if found is not None else pd.Series("", index=self.lines.index, dtype=object)

    def filled(self, key: str) -> pd.Series:
        """Whether each row has a value for ``key`` (False everywhere when unmapped)."""
        found = self.filled_of.get(key)
        return found if found is not None else pd.Series(False, index=self.lines.index)

    def column(self, key: str) -> str:
        return self.mapping.get(key, "")

    def reject(self, mask: pd.Series, key: str, reason: str,
               values: pd.Series | None = None) -> None:
        """Reject rows where ``mask`` holds; ``reason`` may use ``{value}`` (the cell, or
        ``values`` when given), formatted only for the rejected rows."""
        self._report(mask & ~self.rejected, key, reason, values, skipped=True)
        self.rejected |= mask.fillna(False).astype(bool)

    def warn(self, mask: pd.Series, key: str, reason: str) -> None:
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
        return sorted(self._problems, key=lambda p: p.line)

    def kept(self, frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
        return conform(frame[~self.rejected.to_numpy()], columns)


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def _by_value(text: pd.Series, fn: Callable[[str], object]) -> pd.Series:
    """``fn`` of each cell, computed once per distinct value: stage, status and type columns
    repeat a handful of values over many rows."""
    return text.map({value: fn(value) for value in pd.unique(text.to_numpy())})


def _numbers(text: pd.Series, filled: pd.Series,
             decimal_comma: bool) -> tuple[pd.Series, pd.Series]:
    """(values, bad): plain numbers parse in bulk, then "$1,200"-style ones (not in decimal-comma
    files); the rest ("1.234,5", "2.5k") one by one with the account importer's
    :func:`parse_number`, which decides every case the bulk passes do not."""
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
        values[slow] = parsed
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


def _dates(text: pd.Series, filled: pd.Series,
           dayfirst_default: bool) -> tuple[pd.Series, pd.Series]:
    """(dates at midnight, bad) for a column of date texts (see the module docstring).

    Whole-column passes first (ISO, then M/D/YYYY or D/M/YYYY, in the order the first cell
    suggests, each on what is still unparsed), then one regex pass over the rest.
    """
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
        decided = parsed.notna().any()
        dates[rest] = _ns(parsed)
    if not iso_first:
        iso_pass()
    rest = dates.isna() & filled
    if rest.any():  # times, dots, two-digit years: one regex pass over what is left
        sub = text[rest]
        iso = sub.str.extract(_ISO).astype(float)
        other = sub.str.extract(_SLASHED)
        a, b = other["a"].astype(float), other["b"].astype(float)
        year = other["y"].astype(float)
        two_digits = other["y"].str.len() == 2
        year = year.where(~two_digits, year + np.where(year <= 69, 2000, 1900))
        slashed = other["sep"].notna() & (other["sep"] != ".")
        first_big, second_big = (a[slashed] > 12).any(), (b[slashed] > 12).any()
        dayfirst = (dayfirst_default if decided or first_big == second_big
                    else bool(first_big))
        day_first_rows = (other["sep"] == ".") | dayfirst
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


def _date_column(cols: _Columns, key: str, what: str, dayfirst: bool,
                 required: bool = True) -> pd.Series:
    text = cols.text(key)
    if required:
        cols.reject(~cols.filled(key), key, f"{what} is empty")
    dates, bad = _dates(text, cols.filled(key), dayfirst)
    cols.reject(bad, key, what + " {value!r} is not a date (use YYYY-MM-DD)")
    cols.reject(dates < pd.Timestamp(EARLIEST), key,
                what + f" {{value:%Y-%m-%d}} is before {EARLIEST.year}", dates)
    return dates


def _amounts(cols: _Columns, key: str, what: str, decimal_comma: bool) -> pd.Series:
    text = cols.text(key)
    cols.reject(~cols.filled(key), key, f"{what} is empty")
    values, bad = _numbers(text, cols.filled(key), decimal_comma)
    cols.reject(bad, key, what + " {value!r} is not a number")
    cols.reject(values < 0, key, f"{what} must not be negative")
    cols.reject(values > MAX_AMOUNT, key,
                what + " {value} is above 100 billion; is the column in another unit?")
    return values


def _flags(cols: _Columns, key: str, what: str) -> pd.Series:
    flag = _by_value(cols.text(key), lambda v: _norm(v) in _TRUE if _norm(v) in _TRUE | _FALSE
                     else None)
    cols.reject(flag.isna(), key, what + " {value!r} is not yes or no")
    return flag.fillna(False).astype(bool)


def _unknown(cols: _Columns, key: str, known: Collection[str] | None, what: str) -> None:
    if known is not None:
        cols.reject(~cols.text(key).isin(pd.Index(list(known))), key,
                    what + " {value!r} is not in the plan")


def _duplicates(cols: _Columns, key_columns: Sequence[pd.Series], key: str,
                reason: str) -> None:
    """Reject later rows whose key repeats an earlier kept row; ``reason`` gets ``{value}`` =
    the first row's line."""
    keys = pd.DataFrame({str(i): s for i, s in enumerate(key_columns)})
    live = ~cols.rejected
    dup = keys[live].duplicated(keep="first").reindex(keys.index, fill_value=False)
    if dup.any():
        first_line = cols.lines[live].groupby(
            [s[live] for s in key_columns]).transform("first").reindex(keys.index)
        cols.reject(dup, key, reason, first_line.fillna(0).astype("int64"))


def _start(path: str | os.PathLike[str], mapping: Mapping[str, str] | None,
           specs: tuple[FieldSpec, ...]) -> tuple[Table, dict[str, str], bool]:
    table = read_table(path)
    return table, _usable_mapping(mapping, table.columns, specs), _uses_decimal_comma(path)


def _missing(used: Mapping[str, str], specs: tuple[FieldSpec, ...]) -> list[str]:
    return [s.key for s in specs if s.required and s.key not in used]


def _today(today: dt.date | None) -> pd.Timestamp:
    return pd.Timestamp(today or dt.date.today())


def import_opportunities(
    path: str | os.PathLike[str],
    account_ids: Collection[str] | None = None,
    mapping: Mapping[str, str] | None = None,
    today: dt.date | None = None,
) -> ResultsImport:
    """Read opportunities (id, account, amount, stage, created and close dates, status).

    Parameters
    ----------
    path
        CSV/TSV or XLSX file.
    account_ids
        The plan's account ids; rows for other accounts are reported and left out (None: no check).
    mapping
        Field -> column (keys of :data:`OPPORTUNITY_FIELD_SPECS`); guessed from the header if None.
    today
        The date after which nothing can have been created or closed (default: today).

    Raises
    ------
    ImportFileError
        If the file cannot be read as a table.
    """
    table, used, decimal_comma = _start(path, mapping, OPPORTUNITY_FIELD_SPECS)
    missing = _missing(used, OPPORTUNITY_FIELD_SPECS)
    if not {"status", "is_won", "stage"} & used.keys():
        missing.append("status")
    if not {"close", "expected_close"} & used.keys():
        missing.append("close")
    result = ResultsImport("opportunities", str(path), empty_frame(OPPORTUNITY_COLUMNS),
                           mapping_used=used, missing_required=missing,
                           rows_read=len(table.rows))
    if missing:
        return result
    cols = _Columns(table, used, str(path))
    now = _today(today)
    ids = cols.text("id")
    cols.reject(~cols.filled("id"), "id", "opportunity id is empty")
    accounts = cols.text("account_id")
    cols.reject(~cols.filled("account_id"), "account_id", "account id is empty")
    amount = _amounts(cols, "amount", "amount", decimal_comma)
    status = _status(cols)
    created = _date_column(cols, "created", "created date", decimal_comma)
    cols.reject(created > now, "created", "created date {value:%Y-%m-%d} is after today",
                created)
    close_key = "close" if "close" in used else "expected_close"
    closed = _date_column(cols, close_key, "close date", decimal_comma, required=False)
    if "close" in used and "expected_close" in used:
        expected = _date_column(cols, "expected_close", "expected close date", decimal_comma,
                                required=False)
        closed = closed.fillna(expected)
    is_closed = status != "open"
    cols.reject(is_closed & closed.isna(), close_key,
                "a {value} opportunity needs a close date", status)
    cols.reject(closed < created, close_key,
                "close date {value:%Y-%m-%d} is before the created date",
                closed)
    cols.reject(is_closed & (closed > now), close_key,
                "closed on {value:%Y-%m-%d}, which is after today", closed)
    horizon = now + pd.DateOffset(years=EXPECTED_CLOSE_YEARS)
    cols.reject(closed > horizon, close_key,
                f"expected close date {{value:%Y-%m-%d}} is more than {EXPECTED_CLOSE_YEARS} "
                "years ahead",
                closed)
    _unknown(cols, "account_id", account_ids, "account")
    _duplicates(cols, [ids], "id", "duplicate opportunity id (first used on line {value})")
    frame = pd.DataFrame({"id": ids, "account_id": accounts, "amount": amount,
                          "stage": cols.text("stage"), "created": created, "closed": closed,
                          "status": status})
    result.frame, result.problems = cols.kept(frame, OPPORTUNITY_COLUMNS), cols.problems
    return result


def _status(cols: _Columns) -> pd.Series:
    """``won``/``lost``/``open`` per row from the status column, the flags, or the stage."""
    if "status" in cols.mapping:
        word = _by_value(cols.text("status"), _status_word)
        won, lost = word == "won", word == "lost"
        cols.reject(word.isna(), "status", "status {value!r} is not won, lost or open")
    elif "is_won" in cols.mapping:
        won = _flags(cols, "is_won", "won flag")
        closed = (_flags(cols, "is_closed", "closed flag") if "is_closed" in cols.mapping
                  else None)
        if closed is None:  # without a closed flag only the stage can tell lost from open
            lost = ~won & (_by_value(cols.text("stage"), _stage_word) == "lost")
        else:
            lost = closed & ~won
    else:
        word = _by_value(cols.text("stage"), _stage_word)
        won, lost = word == "won", word == "lost"
    status = pd.Series("open", index=cols.lines.index, dtype=object)
    won, lost = won.fillna(False).astype(bool), lost.fillna(False).astype(bool)
    status[lost.to_numpy()] = "lost"
    status[won.to_numpy()] = "won"
    return status


def import_quotas(
    path: str | os.PathLike[str],
    rep_ids: Collection[str] | None = None,
    mapping: Mapping[str, str] | None = None,
) -> ResultsImport:
    """Read quotas (rep, period, amount); a period is a month, quarter or year (or any run of
    whole months given by start and end dates, as Dynamics goals have).

    Two rows for one rep whose months overlap would count twice: the later one is reported.

    Raises
    ------
    ImportFileError
        If the file cannot be read as a table.
    """
    table, used, decimal_comma = _start(path, mapping, QUOTA_FIELD_SPECS)
    missing = _missing(used, QUOTA_FIELD_SPECS)
    if "period" not in used and "start" not in used:
        missing.append("period")
    result = ResultsImport("quotas", str(path), empty_frame(QUOTA_COLUMNS), mapping_used=used,
                           missing_required=missing, rows_read=len(table.rows))
    if missing:
        return result
    cols = _Columns(table, used, str(path))
    reps = cols.text("rep_id")
    cols.reject(~cols.filled("rep_id"), "rep_id", "rep id is empty")
    _unknown(cols, "rep_id", rep_ids, "rep")
    first, months = _quota_periods(cols, decimal_comma)
    amount = _amounts(cols, "amount", "quota", decimal_comma)
    labels = pd.Series([Period(int(f), int(n)).label if n > 0 else "" for f, n in
                        zip(first, months, strict=True)], index=first.index, dtype=object)
    _overlapping_quotas(cols, reps, first, months, labels)
    frame = pd.DataFrame({"rep_id": reps, "period": labels, "first_month": first,
                          "months": months, "amount": amount})
    result.frame, result.problems = cols.kept(frame, QUOTA_COLUMNS), cols.problems
    return result


def _quota_periods(cols: _Columns, decimal_comma: bool) -> tuple[pd.Series, pd.Series]:
    """(first_month, months) per row; 0 months where the row is rejected."""
    first = pd.Series(0, index=cols.lines.index, dtype="int64")
    months = pd.Series(0, index=cols.lines.index, dtype="int64")
    text = cols.text("period")
    by_text: dict[str, Period | str] = {}
    for value in text.unique():
        if value:
            try:
                by_text[value] = parse_period(value)
            except PeriodError as exc:
                by_text[value] = str(exc)
    parsed = text.map(by_text)
    has_text = cols.filled("period")
    cols.reject(has_text & parsed.map(lambda p: isinstance(p, str)), "period", "{value}",
                parsed)
    good = has_text & parsed.map(lambda p: isinstance(p, Period))
    first[good] = parsed[good].map(lambda p: p.first_month).astype("int64")
    months[good] = parsed[good].map(lambda p: p.months).astype("int64")
    rest = ~has_text
    if "start" not in cols.mapping:
        cols.reject(rest, "period", "period is empty")
        return first, months
    start = _date_column(cols, "start", "period start", decimal_comma, required=False)
    cols.reject(rest & start.isna(), "start", "no period: give a period or start and end dates")
    cols.reject(rest & (start.dt.day != 1), "start",
                "period start {value:%Y-%m-%d} is not the first day of a month", start)
    alone = ("a start date alone does not say whether the quota is for a month or a quarter; "
             "add an end date or a period such as 2026Q3")
    if "end" not in cols.mapping:
        cols.reject(rest, "start", alone)
        return first, months
    cols.reject(rest & ~cols.filled("end"), "end", alone)
    end = _date_column(cols, "end", "period end", decimal_comma, required=False)
    month_end = end + pd.offsets.MonthEnd(0)
    cols.reject(rest & (end != month_end), "end",
                "period end {value:%Y-%m-%d} is not the last day of a month", end)
    cols.reject(rest & (end < start), "end", "period end {value:%Y-%m-%d} is before its start",
                end)
    live = rest & ~cols.rejected
    first[live] = (start[live].dt.year * 12 + start[live].dt.month - 1).astype("int64")
    months[live] = (end[live].dt.year * 12 + end[live].dt.month - first[live]).astype("int64")
    return first, months


def _overlapping_quotas(cols: _Columns, reps: pd.Series, first: pd.Series, months: pd.Series,
                        labels: pd.Series) -> None:
    # Quotas are few (reps x periods), so a plain loop is clear and fast enough.
    taken: dict[str, list[tuple[int, int, int, str]]] = {}
    overlap = pd.Series(False, index=cols.lines.index)
    reason = pd.Series("", index=cols.lines.index, dtype=object)
    for i in cols.lines.index[~cols.rejected.to_numpy()]:
        lo, hi = int(first[i]), int(first[i] + months[i])
        for a, b, line, label in taken.get(reps[i], []):
            if a < hi and lo < b:
                overlap[i] = True
                reason[i] = f"line {line} ({label})"
                break
        else:
            taken.setdefault(reps[i], []).append((lo, hi, int(cols.lines[i]), labels[i]))
    cols.reject(overlap, "rep_id", "this rep's quota overlaps the one on {value}", reason)


def import_activities(
    path: str | os.PathLike[str],
    account_ids: Collection[str] | None = None,
    mapping: Mapping[str, str] | None = None,
    today: dt.date | None = None,
) -> ResultsImport:
    """Read activity history (account, date, visit or call).

    A second row with the same account, date and type is reported and counted once.

    Raises
    ------
    ImportFileError
        If the file cannot be read as a table.
    """
    table, used, decimal_comma = _start(path, mapping, ACTIVITY_FIELD_SPECS)
    missing = _missing(used, ACTIVITY_FIELD_SPECS)
    result = ResultsImport("activities", str(path), empty_frame(ACTIVITY_COLUMNS),
                           mapping_used=used, missing_required=missing,
                           rows_read=len(table.rows))
    if missing:
        return result
    cols = _Columns(table, used, str(path))
    accounts = cols.text("account_id")
    cols.reject(~cols.filled("account_id"), "account_id", "account id is empty")
    date = _date_column(cols, "date", "date", decimal_comma)
    cols.reject(date > _today(today), "date", "date {value:%Y-%m-%d} is after today", date)
    kind = _by_value(cols.text("type"), lambda v: "visit" if _norm(v) in _VISIT
                     else "call" if _norm(v) in _CALL else "")
    cols.reject(kind == "", "type", "type {value!r} is neither a visit (visit, meeting, "
                "appointment) nor a call; left out")
    _unknown(cols, "account_id", account_ids, "account")
    _duplicates(cols, [accounts, date, kind], "date",
                "same account, date and type as line {value}; counted once")
    frame = pd.DataFrame({"account_id": accounts, "date": date, "type": kind})
    result.frame, result.problems = cols.kept(frame, ACTIVITY_COLUMNS), cols.problems
    return result


def import_results(
    account_ids: Collection[str] | None,
    rep_ids: Collection[str] | None,
    opportunities: str | os.PathLike[str] | None = None,
    quotas: str | os.PathLike[str] | None = None,
    activities: str | os.PathLike[str] | None = None,
    mappings: Mapping[str, Mapping[str, str]] | None = None,
    existing: CrmResults | None = None,
    today: dt.date | None = None,
) -> ResultsImportReport:
    """Import any of the three files and merge them into ``existing`` (re-import updates).

    ``mappings`` maps ``"opportunities"``, ``"quotas"`` or ``"activities"`` to that file's
    field -> column mapping. A file with required fields unmapped adds nothing (see its
    ``missing_required``).

    Raises
    ------
    ImportFileError
        If a file cannot be read as a table.
    """
    mappings = mappings or {}
    imports: list[ResultsImport] = []
    frames = {"opportunities": empty_frame(OPPORTUNITY_COLUMNS),
              "quotas": empty_frame(QUOTA_COLUMNS), "activities": empty_frame(ACTIVITY_COLUMNS)}
    if opportunities is not None:
        imports.append(import_opportunities(opportunities, account_ids,
                                            mappings.get("opportunities"), today))
    if quotas is not None:
        imports.append(import_quotas(quotas, rep_ids, mappings.get("quotas")))
    if activities is not None:
        imports.append(import_activities(activities, account_ids, mappings.get("activities"),
                                         today))
    for imp in imports:
        frames[imp.kind] = imp.frame
    newer = CrmResults(frames["opportunities"], frames["quotas"], frames["activities"])
    return ResultsImportReport((existing or CrmResults.empty()).merged(newer), imports)


def guess_mapping(kind: str, columns: Iterable[str]) -> dict[str, str]:
    """Field -> column recognised in ``columns`` for ``opportunities``, ``quotas`` or
    ``activities`` (for the mapping dialog)."""
    specs = {"opportunities": OPPORTUNITY_FIELD_SPECS, "quotas": QUOTA_FIELD_SPECS,
             "activities": ACTIVITY_FIELD_SPECS}[kind]
    return _guess(columns, specs)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | int | float | np.integer | np.floating):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(path: str | os.PathLike[str], header: Sequence[str],
              rows: Iterable[Sequence[object]]) -> None:
    """Write a UTF-8 CSV atomically; text that a spreadsheet would run as a formula is written
    with a leading apostrophe (numbers are written as numbers, so -5 stays -5)."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([_safe_cell(h) for h in header])
            writer.writerows([_safe_cell(v) for v in row] for row in rows)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_problems_csv(path: str | os.PathLike[str], problems: Iterable[RowProblem]) -> None:
    """The problem report as a spreadsheet: file, line, column, value, verdict, reason."""
    write_csv(path, ("file", "line", "column", "value", "verdict", "reason"),
              ((p.source, p.line, p.column, p.value, "rejected" if p.skipped else "warning",
                p.reason) for p in problems))
