"""Import CRM results (opportunities, quotas, activities) from CSV or XLSX exports.

Files are read column-wise by :func:`territory_desktop.io.tables.read.read_columns` (line numbers
as a text editor shows them, sheet rows for XLSX) and columns are recognised like account
columns: Salesforce, HubSpot, Dynamics 365 and generic names, ignoring case and punctuation; an
explicit mapping (field -> column) overrides the guess. Values are checked column by column with
numpy, so 200,000 rows take about a second; every rejected row becomes a :class:`RowProblem`
naming the file, line, column and reason, and the good rows are kept.

Rules worth knowing
-------------------
- Opportunity status comes from a status column (Won / Lost / Open), else from won/closed flags
  (Salesforce ``IsWon``/``IsClosed``, HubSpot "Is Closed Won"), else from the stage, by
  :func:`outcome`: a word ending in "won" means won ("Closed Won (Renewal)", ``closedwon``),
  one ending in "lost" or disqualified, dead, cancelled, out-sold means lost ("Closed - Lost to
  Competitor"), and a stage that says "closed" but neither (or both) is reported and left out
  rather than counted as open pipeline. Any other stage is open.
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
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from territory_desktop import clock
from territory_desktop.files import atomic_open, formula_safe
from territory_desktop.health.period import Period, PeriodError, parse_period
from territory_desktop.health.results import (
    ACTIVITY_COLUMNS,
    OPPORTUNITY_COLUMNS,
    QUOTA_COLUMNS,
    CrmResults,
    Table,
    empty_table,
)
from territory_desktop.io.columnar import (
    Columns,
    amounts,
    by_value,
    date_column,
    day,
    duplicates,
    flags,
    is_none,
    norm,
    object_array,
    unknown,
)

# The account importer's column guessing and locale sniffing, shared so both read files alike.
from territory_desktop.io.tables.columns import FieldSpec, _guess, _usable_mapping
from territory_desktop.io.tables.read import (
    ColumnTable,
    RowProblem,
    _uses_decimal_comma,
    read_columns,
)

__all__ = [
    "ACTIVITY_FIELD_SPECS",
    "OPPORTUNITY_FIELD_SPECS",
    "QUOTA_FIELD_SPECS",
    "STAGE_RULE",
    "ResultsImport",
    "ResultsImportReport",
    "guess_mapping",
    "import_activities",
    "import_opportunities",
    "import_quotas",
    "import_results",
    "outcome",
    "write_csv",
    "write_problems_csv",
]

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

STAGE_RULE = ("Without a won/lost column the stage decides: the word won (Closed Won, closedwon)"
              " means won;\nlost, disqualified, dead or cancelled means lost; a stage that says "
              "closed but not which is\nreported and left out; any other stage is open pipeline.")
"""How a stage tells won, lost and open apart (:func:`outcome`), as the mapping dialog says it."""

_WIN = {"win"}
_LOSS = {"lose", "disqualified", "dead", "cancelled", "canceled", "outsold"}
_OPEN = {"open", "inprogress", "active", "onhold", "pending", "new"}
_VISIT = {"visit", "meeting", "appointment", "event", "inperson", "onsite", "sitevisit",
          "fieldvisit", "customervisit", "visite", "besuch"}
_CALL = {"call", "phonecall", "phone", "calllog", "telephone", "anruf"}


@dataclass
class ResultsImport:
    """One file's import: the kept rows, the problems found and the mapping used.

    The kept rows (``frame``) are a :class:`Table` with the result columns; the mapping is
    field -> column. When a required field maps to no column (``missing_required``), nothing is
    imported.
    """

    kind: str
    source: str
    frame: Table
    problems: list[RowProblem] = field(default_factory=list)
    mapping_used: dict[str, str] = field(default_factory=dict)
    missing_required: list[str] = field(default_factory=list)
    rows_read: int = 0

    @property
    def rows_rejected(self) -> int:
        """Number of rows rejected (a row with several problems counts once)."""
        return len({p.line for p in self.problems if p.skipped})


@dataclass
class ResultsImportReport:
    """What :func:`import_results` returns: the merged results and each file's import."""

    results: CrmResults
    imports: list[ResultsImport] = field(default_factory=list)

    @property
    def problems(self) -> list[RowProblem]:
        """Every file's problems, file by file."""
        return [p for imp in self.imports for p in imp.problems]


def outcome(text: str) -> str | None:
    """Return ``won``, ``lost``, ``closed`` (not saying which) or None for a stage or status.

    The text's words (casefolded; hyphens and apostrophes joined, so "Out-Sold" is ``outsold``)
    decide: a word ending in "won" or "win" means won, one ending in "lost" or in ``_LOSS``
    means lost, "closed" means closed. Words for both outcomes make it ``closed``.
    """
    words = set(re.findall(r"[0-9a-z]+", re.sub(r"[-'’]", "", text.casefold())))
    won = any(w.endswith("won") for w in words) or bool(words & _WIN)
    lost = any(w.endswith("lost") for w in words) or bool(words & _LOSS)
    if won != lost:
        return "won" if won else "lost"
    return "closed" if won or "closed" in words else None


def _status_word(status: str) -> str | None:
    word = outcome(status)
    if word in ("won", "lost"):
        return word
    return "open" if word is None and norm(status) in _OPEN else None


def _start(path: str | os.PathLike[str], mapping: Mapping[str, str] | None,
           specs: tuple[FieldSpec, ...]) -> tuple[ColumnTable, dict[str, str], bool]:
    table = read_columns(path)
    return table, _usable_mapping(mapping, table.columns, specs), _uses_decimal_comma(path)


def _missing(used: Mapping[str, str], specs: tuple[FieldSpec, ...]) -> list[str]:
    return [s.key for s in specs if s.required and s.key not in used]


def _today(today: dt.date | None) -> dt.date:
    return today or clock.today()


def _years_after(day_: dt.date, years: int) -> dt.date:
    """Return the same day ``years`` later; 29 February becomes the 28th in a common year."""
    try:
        return day_.replace(year=day_.year + years)
    except ValueError:
        return day_.replace(year=day_.year + years, day=28)


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
    result = ResultsImport("opportunities", str(path), empty_table(OPPORTUNITY_COLUMNS),
                           mapping_used=used, missing_required=missing,
                           rows_read=len(table.lines))
    if missing:
        return result
    cols = Columns(table, used, str(path))
    now = _today(today)
    ids = cols.text("id")
    cols.reject(~cols.filled("id"), "id", "opportunity id is empty")
    accounts = cols.text("account_id")
    cols.reject(~cols.filled("account_id"), "account_id", "account id is empty")
    amount = amounts(cols, "amount", "amount", decimal_comma)
    status = _status(cols)
    created = date_column(cols, "created", "created date", decimal_comma)
    cols.reject(created > day(now), "created", "created date {value:%Y-%m-%d} is after today",
                created)
    close_key = "close" if "close" in used else "expected_close"
    closed = date_column(cols, close_key, "close date", decimal_comma, required=False)
    if "close" in used and "expected_close" in used:
        expected = date_column(cols, "expected_close", "expected close date", decimal_comma,
                                required=False)
        closed = np.where(np.isnat(closed), expected, closed)
    is_closed = status != "open"
    cols.reject(is_closed & np.isnat(closed), close_key,
                "a {value} opportunity needs a close date", status)
    cols.reject(closed < created, close_key,
                "close date {value:%Y-%m-%d} is before the created date",
                closed)
    cols.reject(is_closed & (closed > day(now)), close_key,
                "closed on {value:%Y-%m-%d}, which is after today", closed)
    horizon = day(_years_after(now, EXPECTED_CLOSE_YEARS))
    cols.reject(closed > horizon, close_key,
                f"expected close date {{value:%Y-%m-%d}} is more than {EXPECTED_CLOSE_YEARS} "
                "years ahead",
                closed)
    unknown(cols, "account_id", account_ids, "account")
    duplicates(cols, [ids], "id", "duplicate opportunity id (first used on line {value})")
    frame = {"id": ids, "account_id": accounts, "amount": amount, "stage": cols.text("stage"),
             "created": created, "closed": closed, "status": status}
    result.frame, result.problems = cols.kept(frame, OPPORTUNITY_COLUMNS), cols.problems
    return result


def _status(cols: Columns) -> np.ndarray:
    """``won``/``lost``/``open`` per row from the status column, the flags, or the stage."""
    if "status" in cols.mapping:
        word = by_value(cols, "status", _status_word)
        won, lost = word == "won", word == "lost"
        cols.reject(is_none(word), "status", "status {value!r} is not won, lost or open")
    elif "is_won" in cols.mapping:
        won = flags(cols, "is_won", "won flag")
        closed = (flags(cols, "is_closed", "closed flag") if "is_closed" in cols.mapping
                  else None)
        if closed is None:  # without a closed flag only the stage can tell lost from open
            lost = ~won & np.isin(by_value(cols, "stage", outcome), ["lost", "closed"])
        else:
            lost = closed & ~won
    else:
        word = by_value(cols, "stage", outcome)
        won, lost = word == "won", word == "lost"
        cols.reject(word == "closed", "stage",
                    "stage {value!r} says closed but not whether won or lost; left out (a "
                    "closed deal is not open pipeline): name it Closed Won or Closed Lost, or "
                    "map a won/lost column")
    status = object_array(["open"] * len(cols), len(cols))
    status[np.asarray(lost, dtype=bool)] = "lost"
    status[np.asarray(won, dtype=bool)] = "won"
    return status


def import_quotas(
    path: str | os.PathLike[str],
    rep_ids: Collection[str] | None = None,
    mapping: Mapping[str, str] | None = None,
) -> ResultsImport:
    """Read quotas (rep, period, amount).

    A period is a month, quarter or year (or any run of whole months given by start and end
    dates, as Dynamics goals have).

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
    result = ResultsImport("quotas", str(path), empty_table(QUOTA_COLUMNS), mapping_used=used,
                           missing_required=missing, rows_read=len(table.lines))
    if missing:
        return result
    cols = Columns(table, used, str(path))
    reps = cols.text("rep_id")
    cols.reject(~cols.filled("rep_id"), "rep_id", "rep id is empty")
    unknown(cols, "rep_id", rep_ids, "rep")
    first, months = _quota_periods(cols, decimal_comma)
    amount = amounts(cols, "amount", "quota", decimal_comma)
    labels = object_array((Period(f, n).label if n > 0 else "" for f, n in
                           zip(first.tolist(), months.tolist(), strict=True)), len(first))
    _overlapping_quotas(cols, reps, first, months, labels)
    frame = {"rep_id": reps, "period": labels, "first_month": first, "months": months,
             "amount": amount}
    result.frame, result.problems = cols.kept(frame, QUOTA_COLUMNS), cols.problems
    return result


def _quota_periods(cols: Columns, decimal_comma: bool) -> tuple[np.ndarray, np.ndarray]:
    """(first_month, months) per row; 0 months where the row is rejected."""
    first = np.zeros(len(cols), dtype=np.int64)
    months = np.zeros(len(cols), dtype=np.int64)
    codes, distinct = cols.distinct("period")
    by_text: list[Period | str | None] = []
    for value in distinct:
        try:
            by_text.append(parse_period(value) if value else None)
        except PeriodError as exc:
            by_text.append(str(exc))
    parsed = object_array(by_text, len(by_text))[codes]
    is_error = np.array([isinstance(p, str) for p in by_text], dtype=bool)[codes]
    is_period = np.array([isinstance(p, Period) for p in by_text], dtype=bool)[codes]
    has_text = cols.filled("period")
    cols.reject(has_text & is_error, "period", "{value}", parsed)
    good = np.flatnonzero(has_text & is_period)
    first[good] = [p.first_month for p in parsed[good]]
    months[good] = [p.months for p in parsed[good]]
    rest = ~has_text
    if "start" not in cols.mapping:
        cols.reject(rest, "period", "period is empty")
        return first, months
    start = date_column(cols, "start", "period start", decimal_comma, required=False)
    cols.reject(rest & np.isnat(start), "start",
                "no period: give a period or start and end dates")
    cols.reject(rest & (start != start.astype("datetime64[M]").astype("datetime64[D]")),
                "start", "period start {value:%Y-%m-%d} is not the first day of a month", start)
    alone = ("a start date alone does not say whether the quota is for a month or a quarter; "
             "add an end date or a period such as 2026Q3")
    if "end" not in cols.mapping:
        cols.reject(rest, "start", alone)
        return first, months
    cols.reject(rest & ~cols.filled("end"), "end", alone)
    end = date_column(cols, "end", "period end", decimal_comma, required=False)
    month_end = ((end.astype("datetime64[M]") + np.timedelta64(1, "M")).astype("datetime64[D]")
                 - np.timedelta64(1, "D"))
    cols.reject(rest & (end != month_end), "end",
                "period end {value:%Y-%m-%d} is not the last day of a month", end)
    cols.reject(rest & (end < start), "end", "period end {value:%Y-%m-%d} is before its start",
                end)
    live = rest & ~cols.rejected
    # months since 1970-01, plus 1970 years: year * 12 + month - 1
    first[live] = start[live].astype("datetime64[M]").astype(np.int64) + 1970 * 12
    months[live] = (end[live].astype("datetime64[M]").astype(np.int64) + 1970 * 12 + 1
                    - first[live])
    return first, months


def _overlapping_quotas(cols: Columns, reps: np.ndarray, first: np.ndarray,
                        months: np.ndarray, labels: np.ndarray) -> None:
    # Quotas are few (reps x periods), so a plain loop is clear and fast enough.
    taken: dict[str, list[tuple[int, int, int, str]]] = {}
    overlap = np.zeros(len(cols), dtype=bool)
    reason = object_array([""] * len(cols), len(cols))
    for i in np.flatnonzero(~cols.rejected).tolist():
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
    result = ResultsImport("activities", str(path), empty_table(ACTIVITY_COLUMNS),
                           mapping_used=used, missing_required=missing,
                           rows_read=len(table.lines))
    if missing:
        return result
    cols = Columns(table, used, str(path))
    accounts = cols.text("account_id")
    cols.reject(~cols.filled("account_id"), "account_id", "account id is empty")
    date = date_column(cols, "date", "date", decimal_comma)
    cols.reject(date > day(_today(today)), "date", "date {value:%Y-%m-%d} is after today", date)
    kind = by_value(cols, "type", lambda v: "visit" if norm(v) in _VISIT
                     else "call" if norm(v) in _CALL else "")
    cols.reject(kind == "", "type", "type {value!r} is neither a visit (visit, meeting, "
                "appointment) nor a call; left out")
    unknown(cols, "account_id", account_ids, "account")
    duplicates(cols, [accounts, date, kind], "date",
                "same account, date and type as line {value}; counted once")
    frame = {"account_id": accounts, "date": date, "type": kind}
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
    frames = {"opportunities": empty_table(OPPORTUNITY_COLUMNS),
              "quotas": empty_table(QUOTA_COLUMNS), "activities": empty_table(ACTIVITY_COLUMNS)}
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
    """Return the field -> column mapping recognised in ``columns``, for the mapping dialog.

    ``kind`` is ``opportunities``, ``quotas`` or ``activities``.
    """
    specs = {"opportunities": OPPORTUNITY_FIELD_SPECS, "quotas": QUOTA_FIELD_SPECS,
             "activities": ACTIVITY_FIELD_SPECS}[kind]
    return _guess(columns, specs)




def _safe_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | int | float | np.integer | np.floating):
        return str(value)
    return formula_safe(str(value))


def write_csv(path: str | os.PathLike[str], header: Sequence[str],
              rows: Iterable[Sequence[object]]) -> None:
    """Write a UTF-8 CSV atomically.

    Text that a spreadsheet would run as a formula is written with a leading apostrophe
    (numbers are written as numbers, so -5 stays -5).
    """
    target = Path(path)
    with atomic_open(target, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([_safe_cell(h) for h in header])
        writer.writerows([_safe_cell(v) for v in row] for row in rows)


def write_problems_csv(path: str | os.PathLike[str], problems: Iterable[RowProblem]) -> None:
    """Write the problem report as a spreadsheet: file, line, column, value, verdict, reason."""
    write_csv(path, ("file", "line", "column", "value", "verdict", "reason"),
              ((p.source, p.line, p.column, p.value, "rejected" if p.skipped else "warning",
                p.reason) for p in problems))
