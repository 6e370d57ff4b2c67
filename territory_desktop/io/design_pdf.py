"""The territory summary and the realignment report as printable PDFs.

Laid out with reportlab by the same table code as the mileage log (``io/exports/pdf``): one
table per section, header repeated on every page, totals in bold. The figures are those of
``tdesk plan compare`` and the Territories panel (:mod:`territory_desktop.model.territory_load`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from territory_desktop.io.exports._files import OSM_ATTRIBUTION, Report
from territory_desktop.model.scenario import RealignmentReport
from territory_desktop.model.territory_load import TerritoryLoad

__all__ = ["realignment_sections", "summary_report", "write_realignment_pdf",
           "write_summary_pdf"]


def _ratio(values: Sequence[float]) -> float | None:
    positive = [v for v in values if v > 0]
    return max(positive) / min(positive) if positive else None


def summary_report(name: str, loads: Sequence[TerritoryLoad], *, osm: bool = False) -> Report:
    """Return one row per territory (accounts, potential, workload, use of the rep's week)."""
    header = ("Territory", "Name", "Rep", "Accounts", "A", "B", "C", "Potential", "Visits/wk",
              "Visit h/wk", "Drive h/wk", "Workload h/wk", "Rep h/wk", "Use %",
              "Compactness", "Pieces")
    rows: list[tuple[Any, ...]] = []
    for t in loads:
        use = 100.0 * t.workload_hours / t.weekly_hours if t.weekly_hours else None
        rows.append((t.territory_id, t.name, t.rep_id or "", t.accounts, t.by_tier.get("A", 0),
                     t.by_tier.get("B", 0), t.by_tier.get("C", 0), t.potential,
                     t.visits_per_week, t.visit_hours, t.drive_hours, t.workload_hours,
                     t.weekly_hours, use, t.compactness, t.pieces))
    staffed = [t for t in loads if t.weekly_hours]
    hours = sum(t.weekly_hours or 0.0 for t in staffed)
    work = sum(t.workload_hours for t in staffed)
    rows.append(("Total", "", f"{len(staffed)} reps", *(sum(r[i] for r in rows)
                                                        for i in range(3, 12)),
                 hours, 100.0 * work / hours if hours else None, None, None))
    spread = _ratio([t.workload_hours for t in staffed])
    sources = sorted({t.drive_source for t in loads})
    notes = ["Workload = visit hours + drive hours per week; Use % = workload / the rep's "
             "weekly hours. Compactness: 0-100 (100 = every account next to its neighbours).",
             f"Drive hours: {', '.join(sources) or 'none'}."]
    if spread is not None:
        notes.append(f"Workload max/min over territories with a rep: {spread:.2f}.")
    if osm:
        notes.append(f"Road data {OSM_ATTRIBUTION}.")
    return Report(f"Territory summary: {name}", header, rows, [len(rows) - 1],
                  (0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0), tuple(notes))


def realignment_sections(report: RealignmentReport) -> list[Report]:
    """Return the reps' changes, the hand-off list and the territories side by side."""
    before, after = report.before, report.after
    reps = Report(
        f"Realignment from {before} to {after}: {report.moved} accounts change owner",
        ("Rep", "Name", "Gained", "Lost", "Potential gained", "Potential lost",
         "Workload before", "Workload after", "Net workload", "Drive h before",
         "Drive h after", "Net drive h"),
        [(r.rep_id, r.name, len(r.gained), len(r.lost), sum(c.potential for c in r.gained),
          sum(c.potential for c in r.lost), r.workload[0], r.workload[1], r.net_workload,
          r.drive_hours[0], r.drive_hours[1], r.net_drive_hours) for r in report.reps],
        [], (0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2),
        ("Workload and drive hours per week.",))
    handoffs = Report(
        "Hand-offs (what the new owner needs to know)",
        ("Old rep", "New rep", "Account ID", "Account", "Potential", "Old territory",
         "New territory", "Last visit"),
        [(c.old_rep or "", c.new_rep or "", c.account_id, c.name, c.potential,
          c.old_territory or "", c.new_territory or "", c.last_visit or "none logged")
         for c in report.handoffs], [], (0, 0, 0, 0, 0, 0, 0, 0))
    territories = Report(
        "Territories before and after",
        ("Territory", "Name", "Rep before", "Rep after", "Accounts before", "Accounts after",
         "Workload before", "Workload after", "Potential before", "Potential after",
         "Drive h before", "Drive h after", "Moved in", "Moved out"),
        [(t.territory_id, t.name, t.rep_a or "", t.rep_b or "", *t.accounts, *t.workload,
          *t.potential, *t.drive_hours, t.moved_in, t.moved_out) for t in report.territories],
        [], (0, 0, 0, 0, 0, 0, 2, 2, 0, 0, 2, 2, 0, 0))
    notes = []
    if report.only_before:
        notes.append(f"Accounts only in {before}: {', '.join(report.only_before)}.")
    if report.only_after:
        notes.append(f"Accounts only in {after}: {', '.join(report.only_after)}.")
    if notes:
        territories = Report(territories.title, territories.header, territories.rows, [],
                             territories.decimals, tuple(notes))
    return [reps, handoffs, territories]


def _write(path: str | os.PathLike[str], sections: Sequence[Report]) -> Path:
    from reportlab.platypus import PageBreak

    from territory_desktop.io.exports.pdf import build, table_story

    story: list[Any] = []
    for n, section in enumerate(sections):
        if n:
            story.append(PageBreak())
        story += table_story(section, skip=())
    return build(Path(path), story)


def write_summary_pdf(name: str, loads: Sequence[TerritoryLoad],
                      path: str | os.PathLike[str], *, osm: bool = False) -> Path:
    """Write the territory summary as a PDF (atomically)."""
    return _write(path, [summary_report(name, loads, osm=osm)])


def write_realignment_pdf(report: RealignmentReport, path: str | os.PathLike[str]) -> Path:
    """Write the realignment report as a PDF: reps, hand-offs, territories (atomically)."""
    return _write(path, realignment_sections(report))
