"""File > Export > Territory summary (PDF): the rows of ``tdesk plan summary --pdf``.

The workload per territory needs the drive times, so the preview (on request) and the file
are made off the GUI thread, on the road network the window routes on, by the same functions
the command line calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QLineEdit, QWidget

from territory_desktop.io.design_pdf import summary_report, write_summary_pdf
from territory_desktop.optimize.alignment_figures import alignment_figures
from territory_desktop.qt.export_base import (
    ExportDialog,
    Preview,
    Progress,
    Stop,
    preview,
    target_problem,
)

if TYPE_CHECKING:
    from territory_desktop.model import Plan
    from territory_desktop.routing import RoadNetwork


def territory_summary(plan: Plan, territory_of: Mapping[str, str | None],
                      network: RoadNetwork | None, target: Path | None, *,
                      progress: Progress, should_stop: Stop) -> Preview | str:
    """Preview the summary's rows (``target`` None) or write the PDF; return what to show."""
    loads = alignment_figures(plan, territory_of, network, progress=progress,
                              should_stop=should_stop).loads
    osm = network is not None
    if target is None:
        report = summary_report(plan.name, loads, osm=osm)
        return preview(report.header, report.rows, f"{len(loads)} territories",
                       report.decimals)
    write_summary_pdf(plan.name, loads, target, osm=osm)
    return f"Wrote {target}: {len(loads)} territories"


class SummaryDialog(ExportDialog):
    """The PDF to write; Preview shows the rows per territory (accounts, potential, workload)."""

    routed = True

    def __init__(self, plan: Plan, folder: str, parent: QWidget) -> None:
        super().__init__("Export territory summary (PDF)", plan, parent, with_rep=False)
        self.folder = folder
        self.path = QLineEdit()
        self.path.setObjectName("path")
        self.form.addRow("&File", self.chooser(self.path, self.browse))
        self.refresh()

    @property
    def target(self) -> Path:
        """The file to write."""
        return Path(self.path.text().strip())

    def browse(self) -> None:
        """Ask where to write, suggesting territory_summary.pdf in the export folder."""
        suggested = self.path.text() or str(Path(self.folder) / "territory_summary.pdf")
        chosen, _ = QFileDialog.getSaveFileName(self, self.windowTitle(), suggested,
                                                "PDF (*.pdf)")
        if chosen:
            self.path.setText(chosen)
            self.folder_chosen.emit(self.target.parent)

    def preview_problem(self) -> str:
        """Return why Preview (and OK) are disabled: no territories."""
        return "" if self.plan.territories else "The plan has no territories."

    def target_problem(self) -> str:
        """Return why OK is disabled: no PDF file chosen, or one that cannot be written."""
        return target_problem(self.path.text(), ["pdf"], self.plan_file)
