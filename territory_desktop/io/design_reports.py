"""The realignment report as CSV and XLSX files (the Exports issue adds PDF).

CSV: ``NAME.csv`` lists every account that changes owner (the hand-off list, with potential
and last logged visit); ``NAME-reps.csv`` has one row per rep (accounts gained and lost with
their ids, net workload, drive hours and potential) and ``NAME-territories.csv`` the side by
side territory figures. XLSX: the same three tables as sheets of one workbook.

Text cells that a spreadsheet would run as a formula (starting with ``= + - @``, tab or
carriage return) are prefixed with an apostrophe: names and ids come from users' files.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from territory_desktop.files import formula_safe
from territory_desktop.model.scenario import RealignmentReport


def safe_cell(value: object) -> object:
    """Return ``value`` with formula injection defused (text only; numbers pass unchanged)."""
    return formula_safe(value) if isinstance(value, str) else value


def _round(x: float | None, digits: int = 2) -> float | str:
    return "" if x is None else round(float(x), digits)


def report_tables(
    report: RealignmentReport,
) -> dict[str, tuple[list[str], Sequence[Sequence[object]]]]:
    """Lay the report out as three tables: hand-offs, reps and territories.

    Parameters
    ----------
    report : RealignmentReport
        The comparison of the plan before and after.

    Returns
    -------
    dict
        Table name -> (header, rows); a missing value is an empty string.
    """
    handoffs = (["old_rep", "new_rep", "account_id", "account_name", "potential",
                 "old_territory", "new_territory", "last_visit"],
                [[c.old_rep or "", c.new_rep or "", c.account_id, c.name,
                  _round(c.potential), c.old_territory or "", c.new_territory or "",
                  c.last_visit] for c in report.handoffs])
    reps = (["rep_id", "rep_name", "gained", "lost", "gained_ids", "lost_ids",
             "gained_potential", "lost_potential", "workload_before", "workload_after",
             "net_workload", "drive_hours_before", "drive_hours_after", "net_drive_hours"],
            [[r.rep_id, r.name, len(r.gained), len(r.lost),
              " ".join(c.account_id for c in r.gained), " ".join(c.account_id for c in r.lost),
              _round(sum(c.potential for c in r.gained)),
              _round(sum(c.potential for c in r.lost)), _round(r.workload[0]),
              _round(r.workload[1]), _round(r.net_workload), _round(r.drive_hours[0]),
              _round(r.drive_hours[1]), _round(r.net_drive_hours)] for r in report.reps])
    territories = (["territory_id", "name", "rep_before", "rep_after", "accounts_before",
                    "accounts_after", "workload_before", "workload_after", "potential_before",
                    "potential_after", "drive_hours_before", "drive_hours_after",
                    "compactness_before", "compactness_after", "moved_in", "moved_out"],
                   [[t.territory_id, t.name, t.rep_a or "", t.rep_b or "",
                     *("" if v is None else v for v in t.accounts),
                     *(_round(v) for v in t.workload), *(_round(v) for v in t.potential),
                     *(_round(v) for v in t.drive_hours),
                     *(_round(v, 1) for v in t.compactness), t.moved_in, t.moved_out]
                    for t in report.territories])
    return {"Hand-offs": handoffs, "Reps": reps, "Territories": territories}


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for row in rows:
            w.writerow([safe_cell(v) for v in row])
    os.replace(tmp, path)


def write_report_csv(report: RealignmentReport, path: str | os.PathLike[str]) -> list[Path]:
    """Write the three CSV files (see the module docstring); returns their paths."""
    base = Path(path)
    tables = report_tables(report)
    paths = [base, base.with_name(f"{base.stem}-reps.csv"),
             base.with_name(f"{base.stem}-territories.csv")]
    for p, (header, rows) in zip(paths, tables.values(), strict=True):
        _write_csv(p, header, rows)
    return paths


def write_report_xlsx(report: RealignmentReport, path: str | os.PathLike[str]) -> Path:
    """Write one workbook with a sheet per table."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.worksheets[0])  # the empty sheet a new workbook starts with
    for name, (header, rows) in report_tables(report).items():
        ws = wb.create_sheet(name)
        ws.append(header)
        for row in rows:
            ws.append([safe_cell(v) for v in row])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    wb.save(tmp)
    os.replace(tmp, target)
    return target
