"""Reading a CSV or XLSX table: cells as text, each row with the line a user sees."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import math
import os
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple


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


class ColumnTable(NamedTuple):
    """What :func:`read_columns` returns: the header, each data row's line, each column's cells.

    The same rows as :func:`read_table` gives, held column-wise: no dictionary per row, which
    is most of the cost of reading a 200,000-row file.
    """

    columns: list[str]
    lines: list[int]
    cells: dict[str, Sequence[str]]


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
        """Return ``line N, column 'X': reason`` (the file is added by whoever shows it)."""
        where = f"line {self.line}" + (f", column {self.column!r}" if self.column else "")
        return f"{where}: {self.reason}"


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


def read_columns(path: str | os.PathLike[str]) -> ColumnTable:
    """Read the rows :func:`read_table` reads, column-wise (same header, lines and cells).

    Raises
    ------
    ImportFileError
        As :func:`read_table` does.
    """
    source = Path(path)
    suffix = source.suffix.lower()
    data = b""
    if source.is_file() and suffix not in (".xlsx", ".xlsm", ".xls"):
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise ImportFileError(f"Cannot read {source}: {exc.strerror or exc}") from None
    if not data or data.startswith(b"PK\x03\x04"):  # XLSX, missing, empty: the row reader
        header, rows = read_table(source)
        return ColumnTable(header, [r.line for r in rows],
                           {name: [r.cells[name] for r in rows] for name in header})
    header, lines, records = _csv_records(_decode(data, source), source)
    width = len(header)
    if any(len(r) != width for r in records):  # short rows read as empty cells, extras dropped
        records = [r[:width] if len(r) >= width else r + [""] * (width - len(r))
                   for r in records]
    columns = list(zip(*records, strict=True)) if records else [() for _ in header]
    return ColumnTable(header, lines, dict(zip(header, columns, strict=True)))


_BOMS = (  # longest first: the UTF-32-LE mark starts with the UTF-16-LE one
    (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
)


def _decode(data: bytes, source: Path) -> str:
    """Decode the file's text.

    By its byte-order mark, by the NUL pattern of UTF-16/32 without one, else UTF-8, else
    Windows-1252. Broken Unicode text is refused, never guessed at.
    """
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
    """Tell UTF-16 or UTF-32 text without a byte-order mark by where its NUL bytes are.

    Mostly Latin text: nearly every code unit has zero high bytes.
    """
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
    header, lines, records = _csv_records(text, source)
    rows = [SourceRow(line, {name: (record[i] if i < len(record) else "") for i, name in
                             enumerate(header)})
            for line, record in zip(lines, records, strict=True)]
    return header, rows


def _csv_records(text: str, source: Path) -> tuple[list[str], list[int], list[list[str]]]:
    """Return the header, and each non-empty data record with the line it starts on."""
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
    # Hundreds of thousands of new lists set off the cyclic collector again and again (half
    # the reading time of a 200,000-row file); they hold only strings, so no cycle can form.
    collecting = gc.isenabled()
    gc.disable()
    try:
        starts, every = _records_with_lines(text, delimiter, first_line_offset)
    except csv.Error as exc:
        raise ImportFileError(f"Cannot read {source}: line {exc.args[-1]}: {exc.args[0]}"
                              ) from None
    finally:
        if collecting:
            gc.enable()
    # One join instead of a strip per cell: empty exactly when every cell is blank.
    kept = [j for j, record in enumerate(every) if "".join(record).strip()]
    if not kept:
        raise ImportFileError(f"Cannot read {source}: the file is empty")
    if any("\x00" in cell for cell in every[kept[0]]):
        raise ImportFileError(f"Cannot read {source}: line {starts[kept[0]]}: the header "
                              "holds a NUL character (damaged data)")
    header = _unique_headers(every[kept[0]])
    return header, [starts[j] for j in kept[1:]], [every[j] for j in kept[1:]]


def _records_with_lines(text: str, delimiter: str,
                        offset: int) -> tuple[Sequence[int], list[list[str]]]:
    """Return every record (blank ones too) and the line each starts on.

    Raises csv.Error with the line it happened on as its last argument.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        every = list(reader)
        if reader.line_num == len(every):  # no record spans lines: record j is on line j + 1
            return range(1 + offset, len(every) + 1 + offset), every
        # A quoted newline: read again, record by record, noting where each starts.
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        starts: list[int] = []
        every = []
        previous_end = 0
        for record in reader:
            starts.append(previous_end + 1 + offset)
            previous_end = reader.line_num
            every.append(record)
    except csv.Error as exc:
        raise csv.Error(str(exc), reader.line_num + offset) from None
    return starts, every


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
    """Read the active sheet's rows cell by cell, as they are stored.

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
        # The parser needs openpyxl's private parts (typed nowhere): Any says so.
        book: Any = wb
        ws: Any = wb.active if wb.active is not None else wb.worksheets[0]
        with book._archive.open(ws._worksheet_path) as src:
            # As ReadOnlyWorksheet._cells_by_row builds it, minus the padding to the dimension.
            parser = WorkSheetParser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                                     date_formats=book._date_formats,
                                     timedelta_formats=book._timedelta_formats)
            sheet_rows = parser.parse()
            try:
                table = _sparse_table(source, sheet_rows)
            finally:
                sheet_rows.close()
            del parser, sheet_rows
    finally:
        wb.close()
    return table


def _sparse_table(source: Path, sheet_rows: Iterator[tuple[int, list[dict[str, Any]]]]
                  ) -> tuple[list[str], list[SourceRow]]:
    """Build the header and rows from (row number, stored cells) pairs.

    The columns are those that hold a header or a value somewhere, in sheet order.
    """
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
