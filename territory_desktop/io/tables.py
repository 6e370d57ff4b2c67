"""Import accounts and reps from CSV or XLSX exports of a CRM.

Reading (:func:`read_table`) keeps the line number a user sees in a text editor (header = line 1,
quoted newlines counted) or the sheet row for XLSX. Column mapping (:func:`guess_account_mapping`)
recognises Salesforce, HubSpot, Dynamics 365 and generic column names, ignoring case and
punctuation. Import (:func:`import_accounts`, :func:`import_reps`) never drops a row silently:
every row that is skipped, and every value that is ignored, becomes a :class:`RowProblem`.

Rules worth knowing
-------------------
- Required: id, name, and a location: latitude and longitude, or a postal code. Postal codes are
  placed at their GeoNames centroid (US, CA, DE, GB, NL, AU, offline) and marked approximate.
  A 0/0 position is treated as missing (CRMs write it for "no coordinates").
- Tier: taken from a tier column (A/B/C, 1/2/3, "Tier 1"...); otherwise derived by rank from a
  score column, else from potential/revenue: the top 20 % are A, the next 30 % B, the rest C (equal
  values share the better tier). Without any of these, the tier whose cadence matches the visit
  frequency, else C.
- Visit frequency: "weekly", "biweekly", "monthly", "quarterly", "every 3 weeks", "twice a month",
  "4 per 4 weeks", "2x/week", or a bare number = visits per 4 weeks. A month counts as 4 weeks
  (the call-rotation convention), a quarter 13 weeks, a year 52.
- Visit frequency and minutes equal to the tier's cadence are not stored as overrides, so the
  account follows the tier if its cadence changes later.
- Text is kept exactly as written (no markup is interpreted; the map layer escapes it).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import io
import math
import os
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from territory_desktop.model.plan import (
    MAX_EVERY_WEEKS,
    MAX_POTENTIAL,
    MAX_VISIT_MINUTES,
    MIN_EVERY_WEEKS,
    Account,
    PlanError,
    Rep,
    TierCadence,
    default_cadence,
)
from territory_desktop.resources import resource_path

__all__ = [
    "ACCOUNT_FIELDS",
    "ACCOUNT_FIELD_SPECS",
    "POSTAL_COUNTRIES",
    "REP_FIELDS",
    "REP_FIELD_SPECS",
    "FieldSpec",
    "ImportFileError",
    "ImportResult",
    "RepImportResult",
    "RowProblem",
    "SourceRow",
    "Table",
    "guess_account_mapping",
    "guess_rep_mapping",
    "import_accounts",
    "import_reps",
    "parse_frequency",
    "parse_number",
    "postal_centroid",
    "rank_tiers",
    "read_table",
]


class ImportFileError(Exception):
    """A file that cannot be read as a table; the message names the file and the problem."""


@dataclass(frozen=True)
class SourceRow:
    """One data row: its line (CSV, 1-based, header = 1) or sheet row (XLSX), and its cells."""

    line: int
    cells: dict[str, str]


class Table(NamedTuple):
    """What :func:`read_table` returns; unpacks as ``columns, rows``."""

    columns: list[str]
    rows: list[SourceRow]


@dataclass(frozen=True)
class RowProblem:
    """A problem with one value of one row.

    ``skipped`` says whether the row was left out (False: the row was imported without that
    value). ``source`` is the file, for messages like ``accounts.csv:12: ...``.
    """

    line: int
    column: str
    value: str
    reason: str
    skipped: bool = True
    source: str = ""

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column!r}" if self.column else "")
        return f"{where}: {self.reason}"


@dataclass
class ImportResult:
    """Accounts that imported, the problems found, and the mapping used (field -> column).

    ``missing_required`` lists required fields no column is mapped to ("id", "name",
    "location" = latitude and longitude or a postal code); nothing is imported then and the GUI
    asks the user to map columns.
    """

    accounts: list[Account] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    mapping_used: dict[str, str] = field(default_factory=dict)
    missing_required: list[str] = field(default_factory=list)
    rows_read: int = 0


@dataclass
class RepImportResult:
    """Like :class:`ImportResult`, for reps."""

    reps: list[Rep] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    mapping_used: dict[str, str] = field(default_factory=dict)
    missing_required: list[str] = field(default_factory=list)
    rows_read: int = 0


# ---------------------------------------------------------------------------------------------
# Reading files


def read_table(path: str | os.PathLike[str]) -> Table:
    """Columns and non-empty data rows of a CSV/TSV/TXT or XLSX file.

    The first non-empty row is the header. Duplicate or empty header cells get unique names
    ("Name (2)", "Column 3").

    Raises
    ------
    ImportFileError
        If the file is missing, empty, or not a readable table.
    """
    source = Path(path)
    if not source.is_file():
        raise ImportFileError(f"Cannot read {source}: the file does not exist")
    suffix = source.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return Table(*_read_xlsx(source))
    if suffix == ".xls":
        raise ImportFileError(
            f"Cannot read {source}: old Excel .xls files are not supported; "
            "save it as .xlsx or CSV"
        )
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"Cannot read {source}: {exc.strerror or exc}") from None
    if data.startswith(b"PK\x03\x04"):
        return Table(*_read_xlsx(source))
    return Table(*_read_csv_text(_decode(data, source), source))


_BOMS = (  # longest first: the UTF-32-LE mark starts with the UTF-16-LE one
    (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
)


def _decode(data: bytes, source: Path) -> str:
    """The file's text: by its byte-order mark, by the NUL pattern of UTF-16/32 without one,
    else UTF-8, else Windows-1252. Broken Unicode text is refused, never guessed at."""
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    if encoding is not None:
        data = data[len(next(b for b, e in _BOMS if e == encoding)):]
    else:
        encoding = _wide_encoding(data[:4096])
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"Cannot read {source}: it is not valid {encoding.upper()} text (byte "
                f"{exc.start}: {exc.reason}); the file may be cut short or damaged") from None
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="strict") if _is_cp1252(data) else (
                data.decode("latin-1"))
    sample = text[:65536]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\f")
    if sample and controls > max(3, len(sample) // 100):
        raise ImportFileError(f"Cannot read {source}: it is not a text table (binary data)")
    return text


def _is_cp1252(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _wide_encoding(head: bytes) -> str | None:
    """UTF-16 or UTF-32 text without a byte-order mark, told by where its NUL bytes are
    (mostly Latin text: nearly every code unit has zero high bytes)."""
    if len(head) < 8 or head.count(0) < len(head) // 3:
        return None
    for width, little, big in ((4, "utf-32-le", "utf-32-be"), (2, "utf-16-le", "utf-16-be")):
        zeros = b"\x00" * (width - 1)
        units = [head[i:i + width] for i in range(0, len(head) - width + 1, width)]
        need = len(units) * 0.95
        if sum(u[1:] == zeros for u in units) >= need:
            return little
        if sum(u[:-1] == zeros for u in units) >= need:
            return big
    return None


_DELIMITERS = ",;\t|"


def _read_csv_text(text: str, source: Path) -> tuple[list[str], list[SourceRow]]:
    if not text.strip():
        raise ImportFileError(f"Cannot read {source}: the file is empty")
    first_line_offset = 0
    delimiter = None
    first = text.split("\n", 1)[0].strip()
    hint = re.fullmatch(r'"?sep=(.)"?', first)
    if hint:  # Excel's "sep=;" first line
        delimiter = hint.group(1)
        text = text.split("\n", 1)[1] if "\n" in text else ""
        first_line_offset = 1
    if delimiter is None:
        delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[SourceRow] = []
    previous_end = 0
    try:
        for record in reader:
            start = previous_end + 1 + first_line_offset
            previous_end = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                if any("\x00" in cell for cell in record):
                    raise ImportFileError(f"Cannot read {source}: line {start}: the header "
                                          "holds a NUL character (damaged data)")
                header = _unique_headers(record)
                continue
            cells = {name: (record[i] if i < len(record) else "") for i, name in
                     enumerate(header)}
            rows.append(SourceRow(start, cells))
    except csv.Error as exc:
        raise ImportFileError(
            f"Cannot read {source}: line {reader.line_num + first_line_offset}: {exc}"
        ) from None
    if header is None:
        raise ImportFileError(f"Cannot read {source}: the file is empty")
    return header, rows


def _sniff_delimiter(text: str) -> str:
    sample = text[:65536]
    header = sample.split("\n", 1)[0]
    counts = {d: _count_outside_quotes(header, d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    # The Sniffer looks at the whole sample and is right about unusual files, but a header line
    # cannot lie about its own delimiter: trust the Sniffer only when the header agrees.
    if sniffed is not None and counts.get(sniffed, 0) > 0 and counts[sniffed] >= counts[best] / 2:
        return sniffed
    return best if counts[best] > 0 else ","


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            count += 1
    return count


def _unique_headers(record: Iterable[object]) -> list[str]:
    names: list[str] = []
    for i, raw in enumerate(record, start=1):
        name = str(raw).strip() if raw is not None else ""
        name = name or f"Column {i}"
        base, n = name, 2
        while name in names:
            name = f"{base} ({n})"
            n += 1
        names.append(name)
    return names


def _read_xlsx(source: Path) -> tuple[list[str], list[SourceRow]]:
    """The active sheet's rows, read cell by cell as they are stored.

    Bounded by the cells really in the file: openpyxl's row iterator trusts the sheet's
    declared dimension and pads every row to it (one cell at XFD1048576 makes a million rows
    of 16,384 columns). Any damage (bad zip, bad XML, bad cell reference, missing sheet)
    becomes one ImportFileError. The parser and its error are released before returning: on
    CPython 3.12.0-3.12.1 an expat parser still alive at interpreter exit (held by a kept
    traceback) crashes the process with a segmentation fault (CPython gh-111784).
    """
    problem = ""
    try:
        with warnings.catch_warnings():
            # openpyxl warns on stderr about parts it drops (a sheet without its relation):
            # what is left is read, or refused below in one line.
            warnings.simplefilter("ignore")
            header, rows = _xlsx_rows(source)
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl and the XML parser raise many types for broken files
        problem = f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc)
    if problem:  # raised outside the except block: no traceback keeps the parser alive
        raise ImportFileError(f"Cannot read {source}: not a readable Excel file "
                              f"({' '.join(problem.split())[:200]})")
    return header, rows


def _xlsx_rows(source: Path) -> tuple[list[str], list[SourceRow]]:
    import openpyxl
    from openpyxl.worksheet._reader import WorkSheetParser

    wb = openpyxl.load_workbook(source, read_only=True, data_only=True)
    try:
        if not wb.worksheets:
            raise ImportFileError(f"Cannot read {source}: the workbook has no sheet")
        ws = wb.active if wb.active is not None else wb.worksheets[0]
        with wb._archive.open(ws._worksheet_path) as src:
            # As ReadOnlyWorksheet._cells_by_row builds it, minus the padding to the dimension.
            parser = WorkSheetParser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                                     date_formats=wb._date_formats,
                                     timedelta_formats=wb._timedelta_formats)
            sheet_rows = parser.parse()
            try:
                table = _sparse_table(source, sheet_rows)
            finally:
                sheet_rows.close()
            del parser, sheet_rows
    finally:
        wb.close()
    return table


def _sparse_table(source: Path, sheet_rows: Iterator[tuple[int, list[dict]]]
                  ) -> tuple[list[str], list[SourceRow]]:
    """Header and rows from (row number, stored cells) pairs; columns are those that hold a
    header or a value somewhere, in sheet order."""
    stored: list[tuple[int, dict[int, str]]] = []
    for number, cells in sheet_rows:
        values = {}
        for cell in cells:
            text = _cell_text(cell["value"])
            if text.strip():
                values[int(cell["column"])] = text
        if values:
            stored.append((number, values))
    if not stored:
        raise ImportFileError(f"Cannot read {source}: the sheet is empty")
    (_first, head), body = stored[0], stored[1:]
    used = sorted(set(head).union(*(cells for _n, cells in body)))
    header = _unique_headers(head.get(c, "") if head.get(c, "").strip() else f"Column {c}"
                             for c in used)
    rows = [SourceRow(number, {name: cells.get(c, "") for name, c in zip(header, used,
                                                                         strict=True)})
            for number, cells in body]
    return header, rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------------------------------------
# Column mapping


@dataclass(frozen=True)
class FieldSpec:
    """A target field, its label for the mapping dialog, and column names that mean it."""

    key: str
    label: str
    aliases: tuple[str, ...]
    required: bool = False


def _norm(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


_LAT = ("latitude", "lat", "billinglatitude", "shippinglatitude", "address1latitude",
        "geolatitude", "geolat", "locationlatitude", "y")
_LON = ("longitude", "lon", "lng", "long", "billinglongitude", "shippinglongitude",
        "address1longitude", "geolongitude", "geolon", "geolng", "locationlongitude", "x")
_POSTAL = ("postalcode", "postcode", "zip", "zipcode", "zippostalcode", "billingpostalcode",
           "billingzip", "billingzippostalcode", "address1postalcode", "address1zippostalcode",
           "shippingpostalcode", "shippingzippostalcode", "plz", "postleitzahl", "zcta2010")
_STREET = ("address", "streetaddress", "street", "billingstreet", "address1line1",
           "address1street1", "addressline1", "address1", "street1", "shippingstreet")
_CITY = ("city", "billingcity", "address1city", "town", "shippingcity")
_STATE = ("state", "stateregion", "stateprovince", "province", "region", "billingstate",
          "billingstateprovince", "address1stateorprovince", "address1stateprovince")
_COUNTRY = ("country", "countryregion", "countrycode", "billingcountry", "address1country",
            "address1countryregion")

ACCOUNT_FIELD_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("id", "Account ID", ("id", "accountid", "recordid", "companyid", "customerid",
                                   "customernumber", "customerno", "accountnumber", "accountno",
                                   "externalid", "number"), required=True),
    FieldSpec("name", "Name", ("name", "accountname", "companyname", "company", "customername",
                               "customer", "businessname", "organization", "organisation",
                               "account", "displayname"), required=True),
    FieldSpec("lat", "Latitude", _LAT),
    FieldSpec("lon", "Longitude", _LON),
    FieldSpec("postal_code", "Postal code", _POSTAL),
    FieldSpec("address", "Street address", _STREET),
    FieldSpec("city", "City", _CITY),
    FieldSpec("state", "State / region", _STATE),
    FieldSpec("country", "Country", _COUNTRY),
    FieldSpec("segment", "Segment", ("segment", "customersegment", "accountsegment", "type",
                                     "accounttype", "companytype", "customertype",
                                     "customertypecode", "category", "channel")),
    FieldSpec("industry", "Industry", ("industry", "industrycode", "sector", "vertical",
                                       "subtype")),
    FieldSpec("potential", "Potential / revenue", ("potential", "salespotential",
                                                   "annualpotential", "annualrevenue",
                                                   "revenue", "annualsales", "sales",
                                                   "turnover", "value", "volume")),
    FieldSpec("score", "Score", ("score", "accountscore", "leadscore", "hubspotscore",
                                 "priorityscore")),
    FieldSpec("tier", "Tier (A/B/C)", ("tier", "accounttier", "customertier", "abc",
                                       "abcclass", "abcclassification", "abcsegment", "class",
                                       "classification", "accountclass", "priority")),
    FieldSpec("frequency", "Visit frequency", ("frequency", "visitfrequency", "callfrequency",
                                               "visits", "visitsper4weeks", "calls",
                                               "callsper4weeks", "cadence")),
    FieldSpec("every_weeks", "Weeks between visits", ("everyweeks", "visitintervalweeks",
                                                      "intervalweeks", "cycleweeks",
                                                      "weeksbetweenvisits")),
    FieldSpec("visit_minutes", "Visit minutes", ("visitminutes", "callminutes", "visitduration",
                                                 "callduration", "durationminutes", "duration",
                                                 "visitlength", "minutes")),
    FieldSpec("owner", "Owner", ("owner", "accountowner", "companyowner", "ownername",
                                 "ownerid", "salesrep", "rep", "accountmanager", "assignedto",
                                 "hubspotowner")),
    FieldSpec("notes", "Notes", ("notes", "note", "description", "comments", "comment",
                                 "remarks")),
)

REP_FIELD_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("id", "Rep ID", ("id", "repid", "userid", "employeeid", "employeenumber",
                               "salesrepid", "recordid", "ownerid"), required=True),
    FieldSpec("name", "Name", ("name", "repname", "fullname", "username", "salesrep", "rep",
                               "displayname", "employeename"), required=True),
    FieldSpec("first_name", "First name", ("firstname", "givenname", "forename")),
    FieldSpec("last_name", "Last name", ("lastname", "surname", "familyname")),
    FieldSpec("lat", "Home latitude", ("homelatitude", "homelat", *_LAT)),
    FieldSpec("lon", "Home longitude", ("homelongitude", "homelon", "homelng", *_LON)),
    FieldSpec("postal_code", "Home postal code", ("homepostalcode", "homezip",
                                                  "homepostcode", *_POSTAL)),
    FieldSpec("country", "Country", _COUNTRY),
    FieldSpec("weekly_hours", "Weekly hours", ("weeklyhours", "hoursperweek", "hours",
                                               "weeklycapacity", "capacityhours", "capacity")),
    FieldSpec("skills", "Skills", ("skills", "skill", "specialties", "specialities",
                                   "competencies", "products")),
)

# (field key, required) pairs for the column-mapping dialog; labels are in the *_SPECS.
ACCOUNT_FIELDS: tuple[tuple[str, bool], ...] = tuple(
    (s.key, s.required) for s in ACCOUNT_FIELD_SPECS)
REP_FIELDS: tuple[tuple[str, bool], ...] = tuple((s.key, s.required) for s in REP_FIELD_SPECS)
REQUIRED_HELP = "id, name, and latitude + longitude or a postal code"


def _guess(columns: Iterable[str], fields: tuple[FieldSpec, ...]) -> dict[str, str]:
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(_norm(col), col)
    used: set[str] = set()
    mapping: dict[str, str] = {}
    for spec in fields:
        for alias in spec.aliases:
            found = by_norm.get(alias)
            if found is not None and found not in used:
                col = found
                mapping[spec.key] = col
                used.add(col)
                break
    # Looser second pass for coordinates: any column ending in "latitude"/"longitude".
    for key, suffixes in (("lat", ("latitude",)), ("lon", ("longitude",))):
        if key in mapping or not any(s.key == key for s in fields):
            continue
        for norm_name, col in by_norm.items():
            if col not in used and norm_name.endswith(suffixes):
                mapping[key] = col
                used.add(col)
                break
    return mapping


def guess_account_mapping(columns: Iterable[str]) -> dict[str, str]:
    """Field -> column for the account fields recognised in ``columns``."""
    return _guess(columns, ACCOUNT_FIELD_SPECS)


def guess_rep_mapping(columns: Iterable[str]) -> dict[str, str]:
    """Field -> column for the rep fields recognised in ``columns``."""
    return _guess(columns, REP_FIELD_SPECS)


def _usable_mapping(
    mapping: Mapping[str, str] | None, columns: list[str], fields: tuple[FieldSpec, ...]
) -> dict[str, str]:
    if mapping is None:
        return _guess(columns, fields)
    known = {s.key for s in fields}
    return {k: v for k, v in mapping.items() if k in known and v in columns}


def _missing(mapping: Mapping[str, str]) -> list[str]:
    missing = [key for key in ("id", "name") if key not in mapping]
    has_coords = "lat" in mapping and "lon" in mapping
    if not has_coords and "postal_code" not in mapping:
        missing.append("location")
    return missing


# ---------------------------------------------------------------------------------------------
# Values

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "once": 1, "two": 2, "twice": 2, "three": 3, "thrice": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "other": 2,
}
_UNIT_WEEKS = {"day": 1 / 7, "week": 1.0, "wk": 1.0, "w": 1.0, "month": 4.0, "mo": 4.0,
               "quarter": 13.0, "year": 52.0, "yr": 52.0}
_FREQUENCY_WORDS = {
    "daily": 1 / 5, "weekly": 1.0, "biweekly": 2.0, "fortnightly": 2.0, "semiweekly": 0.5,
    "semimonthly": 2.0, "monthly": 4.0, "bimonthly": 8.0, "quarterly": 13.0,
    "halfyearly": 26.0, "semiannually": 26.0, "semiannual": 26.0, "yearly": 52.0,
    "annually": 52.0, "annual": 52.0,
}
_NUM = r"(\d+(?:[.,]\d+)?|[a-z]+)"
_UNIT = r"(day|week|wk|w|month|mo|quarter|year|yr)s?"
_EVERY = re.compile(rf"^every\s*{_NUM}?\s*{_UNIT}$")
_PER = re.compile(
    rf"^{_NUM}\s*(?:x|times?|visits?|calls?)?\s*(?:per|a|an|/|every|each|in)\s*"
    rf"(\d+(?:[.,]\d+)?)?\s*{_UNIT}$"
)


def _count(token: str | None) -> float | None:
    if token is None:
        return 1.0
    if token in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[token])
    try:
        return float(token.replace(",", "."))
    except ValueError:
        return None


def parse_frequency(text: str) -> float:
    """Weeks between visits for a frequency such as "weekly", "2x/month" or "4" (per 4 weeks).

    Raises
    ------
    ValueError
        With a reason a user can act on, also for a frequency outside twice a day to once in
        ten years (``1000000000x/day`` is a typo, and would make the scheduler plan a billion
        visits).
    """
    return _sane_weeks(_frequency_weeks(text), f"visit frequency {text.strip()[:40]!r}")


def _sane_weeks(weeks: float, what: str) -> float:
    if not (math.isfinite(weeks) and MIN_EVERY_WEEKS <= weeks <= MAX_EVERY_WEEKS):
        raise ValueError(f"{what} is outside twice a day to once in ten years")
    return weeks


def _frequency_weeks(text: str) -> float:
    s = re.sub(r"\s+", " ", text.strip().casefold())
    if not s:
        raise ValueError("empty visit frequency")
    try:
        n = float(s.replace(",", "."))
    except ValueError:
        pass
    else:
        if not math.isfinite(n) or n <= 0:
            raise ValueError("visits per 4 weeks must be a positive number")
        return 4.0 / n
    s = s.replace("-", "")
    compact = s.replace(" ", "")
    if compact in _FREQUENCY_WORDS:
        return _FREQUENCY_WORDS[compact]
    if s in ("every other week", "every second week"):
        return 2.0
    if s in ("every other month", "every second month"):
        return 8.0
    m = _EVERY.match(s)
    if m:
        every = _count(m.group(1))
        if every is not None and every > 0:
            return every * _UNIT_WEEKS[m.group(2)]
    m = _PER.match(s)
    if m:
        visits = _count(m.group(1))
        span = _count(m.group(2))
        if visits is not None and span is not None and visits > 0 and span > 0:
            return span * _UNIT_WEEKS[m.group(3)] / visits
    raise ValueError(
        "visit frequency not understood (use e.g. weekly, every 2 weeks, monthly, "
        "4 per 4 weeks, or a number of visits per 4 weeks)"
    )


_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)")
_SCALE = {"k": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "b": 1e9, "bn": 1e9}


def parse_number(text: str, decimal_comma: bool = False) -> float:
    """A number as CRMs and spreadsheets write it: "1,234.5", "1.234,5", "$2.5M", "39,29".

    ``decimal_comma`` reads a lone comma as the decimal mark (coordinates, semicolon files).

    Raises
    ------
    ValueError
        If the text is not a number.
    """
    if _PLAIN_NUMBER.fullmatch(text):  # most cells: skip the clean-up below
        value = float(text)
        if math.isfinite(value):
            return value
    s = _minus_signs(text.strip()).replace("\u00a0", "").replace("\u202f", "")
    s = s.replace(" ", "").replace("'", "")
    sign = ""
    if s[:1] in "+-":  # "-$5"
        sign, s = s[:1], s[1:]
    s = _CURRENCY_FRONT.sub("", s)  # currency symbols and codes in front
    s = re.sub(r"(?i)(usd|eur|gbp|cad|aud|chf)$", "", s)
    if sign and s[:1] in "+-":
        raise ValueError(f"{text!r} is not a number")
    s = sign + s
    scale = 1.0
    m = re.fullmatch(r"(.*\d)([a-zA-Z]{1,2})", s)
    if m and m.group(2).casefold() in _SCALE:
        s, scale = m.group(1), _SCALE[m.group(2).casefold()]
    if "," in s and "." in s:
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif "," in s:
        if not decimal_comma and re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", s):
            s = s.replace(",", "")
        elif s.count(",") == 1:
            s = s.replace(",", ".")
        else:
            raise ValueError(f"{text!r} is not a number")
    elif s.count(".") > 1 and re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", s):
        s = s.replace(".", "")
    try:
        value = float(s)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or not math.isfinite(value * scale):
        raise ValueError(f"{text!r} is not a finite number")
    return value * scale


# Characters people and programs write for a minus sign: hyphen-minus's look-alikes.
_MINUS_SIGNS = str.maketrans({c: "-" for c in "\u2212\u2010\u2011\u2012\u2013\u2014\ufe63"
                                                 "\uff0d\u02d7\u2796"})
_CURRENCY_FRONT = re.compile(r"(?i)^(?:[$€£¥₹₩₽¢]|usd|eur|gbp|cad|aud|chf|us\$|c\$|a\$)")


def _minus_signs(text: str) -> str:
    return text.translate(_MINUS_SIGNS)


def _parse_tier(text: str) -> str:
    s = re.sub(r"[^0-9a-z]", "", text.casefold())
    s = s.removeprefix("tier").removeprefix("class").removeprefix("priority")
    tier = {"a": "A", "b": "B", "c": "C", "1": "A", "2": "B", "3": "C"}.get(s)
    if tier is None:
        raise ValueError(f"tier {text!r} is not A, B or C (or 1, 2, 3)")
    return tier


def _parse_minutes(text: str) -> float:
    s = text.strip().casefold()
    value: float
    m = re.fullmatch(r"(\d+):(\d{2})", s)
    if m:
        value = int(m.group(1)) * 60 + int(m.group(2))
    else:
        m = re.fullmatch(r"([\d.,]+)\s*(h|hr|hrs|hours?|m|min|mins|minutes?)?", s)
        if not m:
            raise ValueError(f"visit minutes {text!r} is not a number of minutes")
        value = parse_number(m.group(1))
        if m.group(2) and m.group(2).startswith("h"):
            value *= 60
    if value <= 0:
        raise ValueError("visit minutes must be positive")
    if value > MAX_VISIT_MINUTES:
        raise ValueError(f"{value:g} visit minutes is longer than a day")
    return value


# ---------------------------------------------------------------------------------------------
# Postal codes

POSTAL_COUNTRIES = ("US", "CA", "DE", "GB", "NL", "AU")

_COUNTRY_NAMES = {
    "us": "US", "usa": "US", "unitedstates": "US", "unitedstatesofamerica": "US", "america": "US",
    "ca": "CA", "can": "CA", "canada": "CA",
    "de": "DE", "deu": "DE", "germany": "DE", "deutschland": "DE",
    "gb": "GB", "gbr": "GB", "uk": "GB", "unitedkingdom": "GB", "greatbritain": "GB",
    "england": "GB", "scotland": "GB", "wales": "GB", "northernireland": "GB",
    "nl": "NL", "nld": "NL", "netherlands": "NL", "thenetherlands": "NL", "nederland": "NL",
    "holland": "NL",
    "au": "AU", "aus": "AU", "australia": "AU",
}


def _country_code(text: str) -> str | None:
    return _COUNTRY_NAMES.get(_norm(text))


def normalise_postal_code(code: str, country: str) -> str:
    """The form GeoNames uses: US 5 digits, CA/GB outward code, NL 4 digits, DE 5, AU 4."""
    s = code.strip().upper()
    digits = re.sub(r"\D", "", s)
    if country == "US":
        m = re.match(r"^(\d{5})", s)
        if m:
            return m.group(1)
        return digits.zfill(5) if 3 <= len(digits) <= 4 and digits == s else s
    if country == "CA":
        return s.replace(" ", "")[:3]
    if country == "GB":
        if " " in s:
            return s.split()[0]
        return s[:-3] if len(s) >= 5 else s
    if country == "NL":
        return digits[:4] if len(digits) >= 4 else s
    if country == "DE":
        return digits.zfill(5) if digits and len(digits) <= 5 and digits == s else s
    if country == "AU":
        return digits.zfill(4) if digits and len(digits) <= 4 and digits == s else s
    return s


@functools.lru_cache(maxsize=8)
def _postal_index(country: str) -> dict[str, tuple[float, float]]:
    path = resource_path("postal", f"{country}.txt")
    sums: dict[str, list[float]] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 11:
                continue
            try:
                lat, lon = float(parts[9]), float(parts[10])
            except ValueError:
                continue
            acc = sums.setdefault(parts[1].strip().upper(), [0.0, 0.0, 0.0])
            acc[0] += lat
            acc[1] += lon
            acc[2] += 1
    # A code shared by several places gets the mean of their centroids.
    return {code: (a / n, b / n) for code, (a, b, n) in sums.items()}


def postal_centroid(code: str, country: str) -> tuple[float, float] | None:
    """(lat, lon) of a postal code's GeoNames centroid, or None if unknown."""
    country = country.upper()
    if country not in POSTAL_COUNTRIES or not code.strip():
        return None
    return _postal_index(country).get(normalise_postal_code(code, country))


# ---------------------------------------------------------------------------------------------
# Import


class _RowError(Exception):
    def __init__(self, column: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


class _Row:
    """Cell access by field, recording problems with optional values."""

    def __init__(self, row: SourceRow, mapping: Mapping[str, str],
                 problems: list[RowProblem]) -> None:
        self.row, self.mapping, self.problems = row, mapping, problems

    def text(self, key: str) -> str:
        col = self.mapping.get(key)
        return self.row.cells.get(col, "") if col is not None else ""

    def column(self, key: str) -> str:
        return self.mapping.get(key, "")

    def note(self, key: str, reason: str) -> None:
        self.problems.append(RowProblem(self.row.line, self.column(key), self.text(key),
                                        reason, skipped=False))

    def optional(self, key: str, parse, what: str):  # type: ignore[no-untyped-def]
        raw = self.text(key).strip()
        if not raw:
            return None
        try:
            return parse(raw)
        except ValueError as exc:
            self.note(key, f"{exc}; {what} ignored")
            return None


def _locate(r: _Row, default_country: str) -> tuple[float, float, bool]:
    """(lat, lon, approximate) for a row, or _RowError."""
    lat_raw, lon_raw = r.text("lat").strip(), r.text("lon").strip()
    postal = r.text("postal_code").strip()
    coord_problem: _RowError | None = None
    if lat_raw or lon_raw:
        try:
            lat = _coordinate(lat_raw, "lat", r, 90.0)
            lon = _coordinate(lon_raw, "lon", r, 180.0)
            if lat == 0.0 and lon == 0.0:
                raise _RowError(r.column("lat"), lat_raw, "0, 0 is not a real location")
            return lat, lon, False
        except _RowError as exc:
            coord_problem = exc
    if postal:
        country = default_country
        if r.text("country").strip():
            code = _country_code(r.text("country"))
            if code is None:
                raise _RowError(r.column("country"), r.text("country"),
                                "country not recognised; cannot place the postal code")
            country = code
        found = postal_centroid(postal, country)
        if found is None:
            if country not in POSTAL_COUNTRIES:
                reason = (f"postal codes of {country or 'this country'} are not available "
                          f"offline ({', '.join(POSTAL_COUNTRIES)} are)")
            else:
                reason = f"postal code {postal!r} not found in the {country} postal codes"
            if coord_problem is not None:
                raise coord_problem
            raise _RowError(r.column("postal_code"), postal, reason)
        if coord_problem is not None:
            r.note("lat" if coord_problem.column == r.column("lat") else "lon",
                   f"{coord_problem.reason}; placed at the postal-code centroid instead")
        return found[0], found[1], True
    if coord_problem is not None:
        raise coord_problem
    column = r.column("lat") or r.column("postal_code")
    raise _RowError(column, "", "no location: latitude/longitude or a postal code is needed")


def _coordinate(raw: str, key: str, r: _Row, limit: float) -> float:
    what = "latitude" if key == "lat" else "longitude"
    if not raw:
        raise _RowError(r.column(key), raw, f"{what} is empty")
    try:
        value = parse_coordinate(raw, key)
    except ValueError as exc:
        raise _RowError(r.column(key), raw, str(exc)) from None
    if not -limit <= value <= limit:
        raise _RowError(r.column(key), raw, f"{what} {raw} is outside -{limit:g}..{limit:g}")
    return value


_HEMISPHERES = {"lat": {"N": 1, "S": -1}, "lon": {"E": 1, "W": -1}}
_COORDINATE = re.compile(r"^([+-]?)(\d+(?:[.,]\d+)?|[.,]\d+)$")


def parse_coordinate(text: str, key: str) -> float:
    """Decimal degrees of a latitude (``key`` "lat") or longitude ("lon").

    Accepts a sign written as any dash or minus, a hemisphere letter before or after
    (``W118.24``, ``33.87 S``), a degree sign, and a decimal comma. Anything else is refused:
    a coordinate whose sign cannot be trusted is worse than none.

    Raises
    ------
    ValueError
        With the reason.
    """
    what = "latitude" if key == "lat" else "longitude"
    s = _minus_signs(text.strip()).upper().replace("°", "").replace(" ", "")
    letters = _HEMISPHERES[key]
    factor = 1
    if len(s) > 1 and ((s[0].isalpha() and not s[1].isalpha())
                       or (s[-1].isalpha() and not s[-2].isalpha())):
        letter = s[0] if s[:1].isalpha() else s[-1]
        if letter not in letters:
            raise ValueError(f"{what} {text!r}: {letter} is not a hemisphere of a {what} "
                             f"({' or '.join(letters)})")
        factor = letters[letter]
        s = s[1:] if s[:1].isalpha() else s[:-1]
        if s[:1] in "+-":
            raise ValueError(f"{what} {text!r} has both a sign and a hemisphere letter")
    m = _COORDINATE.fullmatch(s)
    if m is None:
        raise ValueError(f"{what} {text!r} is not a number")
    value = float(m.group(2).replace(",", "."))
    return factor * (-value if m.group(1) == "-" else value)


def _address(r: _Row) -> str:
    parts = [r.text(k).strip() for k in ("address", "city", "state")]
    return ", ".join(p for p in parts if p)


def rank_tiers(values: dict[int, float]) -> dict[int, str]:
    """Top 20 % by value -> A, next 30 % -> B, rest C; equal values share the better tier."""
    ordered = sorted(values.items(), key=lambda kv: -kv[1])
    n = len(ordered)
    tiers: dict[int, str] = {}
    first_pos: dict[float, int] = {}
    for pos, (idx, value) in enumerate(ordered):
        p = first_pos.setdefault(value, pos)
        share = (p + 1) / n  # the share of accounts ranked at or above this one
        tiers[idx] = "A" if share <= 0.2 + 1e-9 else "B" if share <= 0.5 + 1e-9 else "C"
    return tiers


def import_accounts(
    path: str | os.PathLike[str],
    mapping: Mapping[str, str] | None = None,
    country: str = "US",
    cadence: Mapping[str, TierCadence] | None = None,
    overrides: Mapping[str, str] | None = None,
) -> ImportResult:
    """Read accounts from a CSV or XLSX file.

    Parameters
    ----------
    path
        The file.
    mapping
        Field -> column (keys of :data:`ACCOUNT_FIELDS`); guessed from the header when None.
        Columns not in the file are ignored.
    country
        ISO code for postal codes in rows without a country column value.
    cadence
        The plan's tier cadence; overrides equal to it are not stored (default cadence if None).
    overrides
        Field -> column chosen by the user on top of ``mapping`` (or the guess), e.g.
        ``{"potential": "beds"}`` so the file's own value column sets potential and tiers.

    Raises
    ------
    ImportFileError
        If the file cannot be read as a table, or an override names an unknown field or a
        column the file lacks.
    """
    columns, rows = read_table(path)
    used = _usable_mapping(mapping, columns, ACCOUNT_FIELD_SPECS)
    for key, column in (overrides or {}).items():
        if key not in dict(ACCOUNT_FIELDS):
            raise ImportFileError(f"{path}: no account field {key!r} (fields: "
                                  f"{', '.join(k for k, _ in ACCOUNT_FIELDS)})")
        if column not in columns:
            raise ImportFileError(f"{path}: no column {column!r} (columns: "
                                  f"{', '.join(columns)})")
        used[key] = column
    result = ImportResult(mapping_used=used, missing_required=_missing(used), rows_read=len(rows))
    if result.missing_required:
        return result
    cadence = dict(cadence) if cadence is not None else default_cadence()
    decimal_comma = _uses_decimal_comma(path)
    problems = result.problems
    seen: dict[str, int] = {}
    parsed: list[dict] = []
    for row in rows:
        r = _Row(row, used, problems)
        try:
            _refuse_nul(row)
            acc_id = r.text("id").strip()
            if not acc_id:
                raise _RowError(r.column("id"), "", "id is empty")
            if acc_id in seen:
                raise _RowError(r.column("id"), acc_id,
                                f"duplicate id (first used on line {seen[acc_id]})")
            name = r.text("name").strip()
            if not name:
                raise _RowError(r.column("name"), "", "name is empty")
            lat, lon, approximate = _locate(r, country.upper())
        except _RowError as exc:
            problems.append(RowProblem(row.line, exc.column, exc.value, exc.reason))
            continue
        potential = r.optional("potential", lambda s: _potential(parse_number(s, decimal_comma)),
                               "potential")
        score = r.optional("score", _score, "score")
        tier = r.optional("tier", _parse_tier, "tier")
        every = r.optional("every_weeks", _positive_weeks, "visit interval")
        if every is None:
            every = r.optional("frequency", parse_frequency, "visit frequency")
        minutes = r.optional("visit_minutes", _parse_minutes, "visit minutes")
        seen[acc_id] = row.line
        parsed.append(dict(
            line=row.line, id=acc_id, name=name, lat=lat, lon=lon, approximate=approximate,
            address=_address(r), postal_code=r.text("postal_code").strip(),
            segment=r.text("segment").strip(), industry=r.text("industry").strip(),
            owner=r.text("owner").strip(), notes=r.text("notes"), potential=potential,
            score=score, tier=tier, every_weeks=every, visit_minutes=minutes,
        ))
    _assign_tiers(parsed, cadence)
    for p in parsed:
        tier_cad = cadence.get(p["tier"])
        every, minutes = p["every_weeks"], p["visit_minutes"]
        if tier_cad is not None:
            if every is not None and math.isclose(every, tier_cad.every_weeks):
                every = None
            if minutes is not None and math.isclose(minutes, tier_cad.visit_minutes):
                minutes = None
        try:
            result.accounts.append(Account(
                id=p["id"], name=p["name"], lat=p["lat"], lon=p["lon"], address=p["address"],
                postal_code=p["postal_code"], segment=p["segment"], industry=p["industry"],
                potential=p["potential"], tier=p["tier"], every_weeks=every,
                visit_minutes=minutes, owner=p["owner"], notes=p["notes"],
                approximate_location=p["approximate"],
            ))
        except PlanError as exc:  # pragma: no cover - values were checked above
            problems.append(RowProblem(p["line"], "", "", str(exc)))
    result.problems = _with_source(problems, path)
    return result


def _refuse_nul(row: SourceRow) -> None:
    """A NUL character is damage wherever it is: the row goes, whatever column holds it."""
    for column, value in row.cells.items():
        if "\x00" in value:
            raise _RowError(column, value.replace("\x00", "\\0")[:60],
                            "contains a NUL character (damaged data)")


def _assign_tiers(parsed: list[dict], cadence: Mapping[str, TierCadence]) -> None:
    for key in ("score", "potential"):
        values = {i: p[key] for i, p in enumerate(parsed) if p[key] is not None}
        if values:
            ranked = rank_tiers(values)
            for i, p in enumerate(parsed):
                if p["tier"] is None and i in ranked:
                    p["tier"] = ranked[i]
            break
    for p in parsed:
        if p["tier"] is None and p["every_weeks"] is not None:
            for tier, cad in cadence.items():
                if math.isclose(cad.every_weeks, p["every_weeks"]):
                    p["tier"] = tier
                    break
        if p["tier"] is None:
            p["tier"] = "C"


def _potential(value: float) -> float:
    if value < 0:
        raise ValueError("potential must not be negative")
    if value > MAX_POTENTIAL:
        raise ValueError(f"potential {value:g} is above {MAX_POTENTIAL:g}")
    return value


def _score(text: str) -> float:
    value = parse_number(text)
    if abs(value) > MAX_POTENTIAL:
        raise ValueError(f"score {value:g} is beyond ±{MAX_POTENTIAL:g}")
    return value


def _positive_weeks(text: str) -> float:
    value = parse_number(text)
    if value <= 0:
        raise ValueError("weeks between visits must be positive")
    return _sane_weeks(value, f"{value:g} weeks between visits")


def _uses_decimal_comma(path: str | os.PathLike[str]) -> bool:
    """Semicolon-separated files come from locales that write 39,29 for 39.29."""
    p = Path(path)
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        return False
    try:
        with open(p, "rb") as fh:
            head = fh.read(4096).decode("latin-1")
    except OSError:
        return False
    first = head.split("\n", 1)[0]
    return _count_outside_quotes(first, ";") > _count_outside_quotes(first, ",")


def import_reps(
    path: str | os.PathLike[str],
    mapping: Mapping[str, str] | None = None,
    country: str = "US",
) -> RepImportResult:
    """Read reps (id, name, home lat/lon or postal code, weekly hours, skills) from CSV/XLSX.

    Name may come from first and last name columns. Skills are ``;``-separated.

    Raises
    ------
    ImportFileError
        If the file cannot be read as a table.
    """
    columns, rows = read_table(path)
    used = _usable_mapping(mapping, columns, REP_FIELD_SPECS)
    missing = _missing({**used, **({"name": ""} if "first_name" in used or "last_name" in used
                                   else {})})
    result = RepImportResult(mapping_used=used, missing_required=missing, rows_read=len(rows))
    if missing:
        return result
    seen: dict[str, int] = {}
    for row in rows:
        r = _Row(row, used, result.problems)
        try:
            _refuse_nul(row)
            rep_id = r.text("id").strip()
            if not rep_id:
                raise _RowError(r.column("id"), "", "id is empty")
            if rep_id in seen:
                raise _RowError(r.column("id"), rep_id,
                                f"duplicate id (first used on line {seen[rep_id]})")
            name = r.text("name").strip() or " ".join(
                p for p in (r.text("first_name").strip(), r.text("last_name").strip()) if p)
            if not name:
                raise _RowError(r.column("name") or r.column("last_name"), "", "name is empty")
            lat, lon, approximate = _locate(r, country.upper())
        except _RowError as exc:
            result.problems.append(RowProblem(row.line, exc.column, exc.value, exc.reason))
            continue
        hours = r.optional("weekly_hours", _positive_hours, "weekly hours") or 40.0
        skills = tuple(s.strip() for s in r.text("skills").split(";") if s.strip())
        seen[rep_id] = row.line
        result.reps.append(Rep(rep_id, name, lat, lon, hours, skills, approximate))
    result.problems = _with_source(result.problems, path)
    return result


def _with_source(problems: list[RowProblem], path: str | os.PathLike[str]) -> list[RowProblem]:
    """Problems in line order, each naming the file."""
    return sorted(
        (dataclasses.replace(p, source=str(path)) for p in problems), key=lambda p: p.line
    )


def _positive_hours(text: str) -> float:
    value = parse_number(text)
    if not 0 < value <= 168:
        raise ValueError("weekly hours must be between 0 and 168")
    return value
