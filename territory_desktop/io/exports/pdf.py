"""Printable PDF tables with reportlab: a report's rows, totals in bold, a signature line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from territory_desktop.io.exports._files import write_atomic

if TYPE_CHECKING:
    from territory_desktop.io.exports._files import Report

# Columns a printed mileage log leaves out to fit a landscape page (the CSV/XLSX keep them).
PDF_SKIP = ("Row", "From", "Account ID")
WIDE = ("To", "Destination address", "Business purpose")  # columns printed twice as wide
CELL_PADDING = 3  # points left and right of a cell's text (reportlab's default is 6)


def styles() -> dict[str, Any]:
    """Return the paragraph styles the PDF exports use, by role (title, cell, bold, ...)."""
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet

    base = getSampleStyleSheet()
    return {
        "title": base["Title"],
        "heading": base["Heading2"],
        "body": base["BodyText"],
        "cell": ParagraphStyle("cell", parent=base["BodyText"], fontSize=7, leading=8.5),
        "bold": ParagraphStyle("bold", parent=base["BodyText"], fontSize=7, leading=8.5,
                               fontName="Helvetica-Bold"),
        "small": ParagraphStyle("small", parent=base["BodyText"], fontSize=7.5, leading=9),
    }


def text(value: Any, decimals: int = 2) -> str:
    """Return a cell value as printed text."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.{decimals}f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def escape(value: str) -> str:
    """Escape ``&``, ``<`` and ``>`` so reportlab prints the text instead of reading markup."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build(path: Path, story: Sequence[Any], *, landscape_page: bool = True) -> Path:
    """Lay out ``story`` on US Letter and write it atomically."""
    from reportlab.lib.pagesizes import landscape, letter
    from reportlab.lib.units import inch
    from reportlab.platypus import SimpleDocTemplate

    size = landscape(letter) if landscape_page else letter

    def write(tmp: Path) -> None:
        doc = SimpleDocTemplate(str(tmp), pagesize=size, leftMargin=0.4 * inch,
                                rightMargin=0.4 * inch, topMargin=0.5 * inch,
                                bottomMargin=0.5 * inch, title=Path(path).stem,
                                author="Territory Desktop")
        doc.build(list(story))

    return write_atomic(path, write)


def table_pdf(path: Path, report: Report, *, signature: bool = False) -> Path:
    """Return the report as a printable table (header repeated on every page).

    Its notes and warnings follow the table, then a signature line when asked.
    """
    from reportlab.platypus import Paragraph, Spacer

    s = styles()
    story = table_story(report)
    # What the command line and the dialogs warn about goes on paper too: whoever approves a
    # printed log must see that a figure is doubtful or days were left out.
    story += [Paragraph(escape(f"Warning: {w}"), s["small"]) for w in report.warnings]
    if signature:
        story += [Spacer(1, 28), Paragraph(
            "I certify that this log is a true record of the business use of my vehicle.",
            s["body"]), Spacer(1, 24), Paragraph(
            "Signature: ________________________________&nbsp;&nbsp;&nbsp;&nbsp;"
            "Date: ________________", s["body"])]
    return build(path, story)


def column_widths(width: float, weights: Sequence[float],
                  texts: Sequence[Sequence[str]]) -> list[float]:
    """Share ``width`` by ``weights``, each column at least as wide as its longest word.

    A printed log must not split "Odometer" or "Business" over two lines; where even the
    longest words do not fit the page, every column shrinks alike.
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth

    least = [max((stringWidth(w, "Helvetica-Bold", 7) for t in column for w in t.split()),
                 default=0.0) + 2 * CELL_PADDING + 1 for column in texts]
    if sum(least) >= width:
        return [w * width / sum(least) for w in least]
    fixed: set[int] = set()
    while True:  # give the narrow columns their least, share the rest by weight
        free = width - sum(least[c] for c in fixed)
        share = sum(weights[c] for c in range(len(weights)) if c not in fixed)
        widths = [least[c] if c in fixed else free * weights[c] / share
                  for c in range(len(weights))]
        short = {c for c in range(len(weights)) if c not in fixed and widths[c] < least[c]}
        if not short:
            return widths
        fixed |= short


def table_story(report: Report, skip: Sequence[str] = PDF_SKIP) -> list[Any]:
    """Return the report's title, its table (header repeated on every page) and its notes.

    Columns named in ``skip`` are left out (the mileage log's, by default, to fit the page).
    """
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import landscape, letter
    from reportlab.lib.units import inch
    from reportlab.platypus import LongTable, Paragraph, Spacer, TableStyle

    s = styles()
    keep = [i for i, h in enumerate(report.header) if h not in skip]
    label = report.header.index("Row") if "Row" in report.header else None
    data: list[list[Any]] = [[Paragraph(escape(report.header[i]), s["bold"]) for i in keep]]
    strong = set(report.totals)
    for r, row in enumerate(report.rows):
        style = s["bold"] if r in strong else s["cell"]
        cells = [text(row[i], report.decimals[i]) for i in keep]
        if label is not None and r in strong:  # the Row column is dropped: name the total
            cells[0] = f"{row[label]} {cells[0]}".strip()
        data.append([Paragraph(escape(c), style) for c in cells])
    numeric = [c for c, i in enumerate(keep)
               if any(isinstance(row[i], float | int) and not isinstance(row[i], bool)
                      for row in report.rows)]
    weights = [2.0 if report.header[i] in WIDE else 1.4 if report.header[i] == "Date" else 1.0
               for i in keep]
    words = [[report.header[i], *(text(row[i], report.decimals[i]) for row in report.rows)]
             for i in keep]
    width = landscape(letter)[0] - 0.8 * inch
    table = LongTable(data, repeatRows=1, colWidths=column_widths(width, weights, words))
    commands: list[tuple[str, tuple[int, int], tuple[int, int], *tuple[Any, ...]]] = [
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    commands += [("BACKGROUND", (0, r + 1), (-1, r + 1), colors.HexColor("#f4f4f4"))
                 for r in strong]
    commands += [("ALIGN", (c, 1), (c, -1), "RIGHT") for c in numeric]
    table.setStyle(TableStyle(commands))
    story: list[Any] = [Paragraph(escape(report.title), s["heading"]), table, Spacer(1, 8)]
    story += [Paragraph(escape(n), s["small"]) for n in report.notes]
    return story
