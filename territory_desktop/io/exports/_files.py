"""Writing export files safely: atomic replacement, spreadsheet-safe text, typed XLSX cells."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from territory_desktop.files import WriteError, atomic_path, formula_safe
from territory_desktop.io import sharing
from territory_desktop.model.export_settings import ExportError

__all__ = ["OSM_ATTRIBUTION", "ExportError", "Report", "check_target", "csv_cell", "write_atomic",
           "write_atomic_set", "write_csv", "write_xlsx"]

OSM_ATTRIBUTION = "© OpenStreetMap contributors"


@dataclass(frozen=True)
class Report:
    """A table ready to write: header, rows of typed values, which rows are totals."""

    title: str
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    totals: list[int]  # indices of total rows (bold in XLSX and PDF)
    decimals: tuple[int, ...]  # per column, for CSV text and XLSX number formats
    notes: tuple[str, ...] = ()  # printed under the PDF table
    warnings: tuple[str, ...] = ()


def check_target(path: Path, plan: Path | None = None) -> Path:
    """Fail early, with the reason, when ``path`` cannot be written.

    ``plan``: the plan file being exported from; neither it nor the files kept beside it
    (autosaves, lock) may be written over.
    """
    path = Path(path)
    if plan is not None and sharing.is_plan_file(path, plan):
        raise ExportError(f"cannot write {path}: that is the plan {Path(plan).name} (or its "
                          "autosave or lock file)")
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a folder")
    if not folder.is_dir():
        raise ExportError(f"cannot write {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ExportError(f"cannot write {path}: folder {folder} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise ExportError(f"cannot write {path}: the file is read-only")
    return path


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary_path)`` then move the result over ``path`` in one step.

    The temporary file sits in the target folder (so ``os.replace`` is atomic); any error
    removes it and leaves an existing ``path`` untouched.
    """
    path = check_target(Path(path))
    with atomic_path(path) as tmp:
        write(tmp)
    return path


def write_atomic_set(path: Path, write: Callable[[Path], object]) -> list[Path]:
    """Like :func:`write_atomic` for formats made of sibling files (a Shapefile's .shp/.dbf/...).

    ``write`` writes ``<temporary folder>/<path.name>``; every file it made is moved next to
    ``path``. Each move is atomic; a failure before the moves leaves nothing behind.
    """
    path = check_target(Path(path))
    try:
        folder = Path(tempfile.mkdtemp(prefix=f".{path.stem}.", dir=path.parent))
    except OSError as exc:
        raise WriteError.of(path, exc) from exc
    try:
        write(folder / path.name)
        made = sorted(folder.iterdir())
        for f in made:
            os.replace(f, path.parent / f.name)
        return [path.parent / f.name for f in made]
    except OSError as exc:
        raise WriteError.of(path, exc) from exc
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def csv_cell(value: Any, decimals: int = 2, date_format: str = "%Y-%m-%d") -> str:
    """One CSV field: fixed decimals for numbers, a date format for dates, safe text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{decimals}f}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.strftime(date_format)
    return formula_safe(str(value))


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], *,
              decimals: Sequence[int] | None = None, date_format: str = "%Y-%m-%d") -> Path:
    """Write a UTF-8 CSV with one header row, atomically.

    ``decimals`` gives the number of decimals per column (2 where not given).
    """
    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline="") as f:
            out = csv.writer(f)
            out.writerow([formula_safe(h) for h in header])
            for row in rows:
                out.writerow([csv_cell(v, decimals[i] if decimals else 2, date_format)
                              for i, v in enumerate(row)])

    return write_atomic(path, write)


def write_xlsx(path: Path, sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]],
                                                  Sequence[int]]], *,
               number_formats: dict[int, str] | None = None) -> Path:
    """Write an XLSX with typed cells: dates as dates, numbers as numbers, text never a formula.

    ``sheets`` holds (title, header, rows, indices of rows to show bold, e.g. totals). Headers are
    frozen; ``number_formats`` maps a column index to an Excel number format (``0.00`` default).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    formats = number_formats or {}

    def write(tmp: Path) -> None:
        book = Workbook()
        book.remove(book.worksheets[0])  # the empty sheet a new workbook starts with
        for title, header, rows, bold_rows in sheets:
            sheet = book.create_sheet(title[:31])
            bold = Font(bold=True)
            widths = [len(h) for h in header]
            for col, name in enumerate(header, start=1):
                cell = sheet.cell(1, col, name)
                cell.data_type = "s"
                cell.font = bold
            strong = set(bold_rows)
            for r, row in enumerate(rows):
                for col, value in enumerate(row, start=1):
                    cell = sheet.cell(r + 2, col)
                    if isinstance(value, dt.date):
                        cell.value = value
                        cell.number_format = "yyyy-mm-dd"
                    elif isinstance(value, bool):
                        cell.value = value
                    elif isinstance(value, float | int):
                        cell.value = value
                        if isinstance(value, float):
                            cell.number_format = formats.get(col - 1, "0.00")
                    elif value is not None:
                        cell.value = str(value)
                        cell.data_type = "s"  # never a formula, whatever it starts with
                    if r in strong:
                        cell.font = bold
                    widths[col - 1] = min(60, max(widths[col - 1], len(str(value or ""))))
            for col, width in enumerate(widths, start=1):
                sheet.column_dimensions[get_column_letter(col)].width = width + 2
            sheet.freeze_panes = "A2"
        book.save(tmp)

    return write_atomic(path, write)
