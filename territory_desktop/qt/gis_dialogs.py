"""File > Export for the CRM and GIS tools, and File > Import > Territories from a GIS file.

No routing is needed, so each dialog previews what it will write (or import) as the choices
change, with the same functions ``tdesk export assignments|territories|accounts`` and
``tdesk import territories`` use.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QCheckBox, QComboBox, QFileDialog, QLineEdit, QWidget

from territory_desktop import clock
from territory_desktop.io.exports._files import ExportError
from territory_desktop.io.exports.assignments import assignment_rows, write_assignments
from territory_desktop.io.exports.gis import (
    GIS_FORMATS,
    TerritoryImport,
    gis_format,
    read_territories,
    write_plan_layer,
)
from territory_desktop.qt.export_base import (
    ExportDialog,
    Preview,
    Progress,
    Stop,
    date_edit,
    preview,
    sentence,
    target_problem,
    to_date,
)

if TYPE_CHECKING:
    from territory_desktop.model import Plan

AskFile = Callable[[QWidget, str, str], Path | None]
"""Ask for a file to read (over the dialog, with a title and filters): ``workbench.ask_file``."""
GIS_LABELS = {"geojson": "GeoJSON", "kml": "KML", "gpkg": "GeoPackage", "shp": "Shapefile"}
LAYERS = ("territories", "accounts")


def export_assignments(plan: Plan, path: Path, fmt: str, previous: Plan | None,
                       effective: dt.date | None, *, progress: Progress,
                       should_stop: Stop) -> str:
    """Write the CRM assignment table as ``tdesk export assignments``; return the status."""
    count = write_assignments(plan, path, fmt, previous, effective)
    return f"Wrote {path}: {count} accounts"


def export_layer(plan: Plan, kind: str, path: Path, fmt: str, *, progress: Progress,
                 should_stop: Stop) -> str:
    """Write territories or accounts as ``tdesk export territories|accounts``; return status."""
    files = write_plan_layer(plan, kind, path, fmt)
    count = len(plan.territories if kind == "territories" else plan.accounts)
    return f"Wrote {', '.join(f.name for f in files)} to {path.parent}: {count} {kind}"


class _FileExportDialog(ExportDialog):
    """A format combo and the file to write, whose suffix follows the format."""

    formats: tuple[tuple[str, str], ...] = ()  # (format, label)

    def __init__(self, title: str, plan: Plan, folder: str, parent: QWidget) -> None:
        super().__init__(title, plan, parent, with_rep=False)
        self.folder = folder
        self.format = QComboBox()
        self.format.setObjectName("format")
        self.format.addItems([label for _, label in self.formats])
        self.path = QLineEdit()
        self.path.setObjectName("path")
        self.format.currentIndexChanged.connect(self._on_format_changed)

    @property
    def fmt(self) -> str:
        """The chosen format."""
        return self.formats[self.format.currentIndex()][0]

    @property
    def suffix(self) -> str:
        """The chosen format's file suffix, without the dot."""
        return self.fmt

    @property
    def target(self) -> Path:
        """The file to write."""
        return Path(self.path.text().strip())

    def browse(self) -> None:
        """Ask where to write."""
        suggested = self.path.text() or str(Path(self.folder) / f"{self.stem()}.{self.suffix}")
        chosen, _ = QFileDialog.getSaveFileName(self, self.windowTitle(), suggested,
                                                f"{self.format.currentText()} (*.{self.suffix})")
        if chosen:
            self.path.setText(chosen)
            self.folder_chosen.emit(self.target.parent)

    def stem(self) -> str:
        """Return the suggested file name, without suffix."""
        return "export"

    def _on_format_changed(self) -> None:
        text = self.path.text()
        if text:
            self.path.setText(str(Path(text).with_suffix(f".{self.suffix}")))
        self.refresh()

    def target_problem(self) -> str:
        """Return why OK is disabled: a file that cannot be written."""
        return target_problem(self.path.text(), [self.suffix], self.plan_file)


class AssignmentsDialog(_FileExportDialog):
    """CSV or XLSX; optionally the previous alignment's plan and the date the new one starts."""

    formats = (("csv", "CSV"), ("xlsx", "Excel (XLSX)"))

    def __init__(self, plan: Plan, folder: str, parent: QWidget, ask_file: AskFile) -> None:
        super().__init__("Export assignments for the CRM", plan, folder, parent)
        self.ask_file = ask_file
        self.previous_path = QLineEdit()
        self.previous_path.setObjectName("previous")
        self.previous_path.setPlaceholderText("optional: the plan before the realignment")
        self.effective = date_edit(clock.today(), "effective")
        self.effective.dateChanged.connect(self.refresh)
        self._previous: tuple[tuple[str, float], Plan] | None = None
        self.form.addRow("F&ormat", self.format)
        self.form.addRow("&Previous plan", self.chooser(self.previous_path,
                                                        self.browse_previous, "browse_previous"))
        self.form.addRow("&Effective", self.effective)
        self.form.addRow("&File", self.chooser(self.path, self.browse))
        self.refresh()

    def stem(self) -> str:
        """Suggest ``assignments``."""
        return "assignments"

    def browse_previous(self) -> None:
        """Ask for the plan of the previous alignment."""
        if chosen := self.ask_file(self, "Previous plan", "Plans (*.gpkg)"):
            self.previous_path.setText(str(chosen))

    def previous(self) -> Plan | None:
        """Return the previous plan (read once per file version), or None; PlanFileError if bad."""
        from territory_desktop.io import load_plan

        text = self.previous_path.text().strip()
        self.effective.setEnabled(bool(text))
        if not text:
            return None
        key = (text, os.stat(text).st_mtime if os.path.exists(text) else 0.0)
        if self._previous is None or self._previous[0] != key:
            self._previous = (key, load_plan(text))
        return self._previous[1]

    @property
    def effective_date(self) -> dt.date | None:
        """The effective date, when a previous plan is given."""
        return to_date(self.effective.date()) if self.previous_path.text().strip() else None

    def preview_problem(self) -> str:
        """Return why OK is disabled: a previous plan that cannot be read."""
        from territory_desktop.io import PlanFileError

        try:
            self.previous()
        except PlanFileError as exc:
            return str(exc)
        return super().preview_problem()

    def preview_key(self) -> object:
        """Return the previous plan's file and the effective date."""
        text = self.previous_path.text().strip()
        return (text, self._previous[0] if text and self._previous else None,
                self.effective_date)

    def make_preview(self) -> Preview | None:
        """Return the assignment rows, as the file will hold them."""
        from territory_desktop.io import PlanFileError

        try:
            previous = self.previous()
        except PlanFileError:
            return None
        header, rows = assignment_rows(self.plan, previous, self.effective_date)
        changed = sum(1 for r in rows if previous is not None and r[7] == "yes")
        more = f", {changed} change owner" if previous is not None else ""
        return preview(header, rows, f"{len(rows)} accounts{more}")


class GisExportDialog(_FileExportDialog):
    """Territories or accounts, as GeoJSON, KML, GeoPackage or Shapefile."""

    formats = tuple(GIS_LABELS.items())

    def __init__(self, plan: Plan, folder: str, parent: QWidget) -> None:
        super().__init__("Export territories and accounts for GIS", plan, folder, parent)
        self.layer = QComboBox()
        self.layer.setObjectName("layer")
        self.layer.addItems(["Territories (polygons)", "Accounts (points)"])
        self.layer.currentIndexChanged.connect(self.refresh)
        self.form.addRow("&Layer", self.layer)
        self.form.addRow("F&ormat", self.format)
        self.form.addRow("&File", self.chooser(self.path, self.browse))
        self.refresh()

    @property
    def kind(self) -> str:
        """Return territories or accounts."""
        return LAYERS[self.layer.currentIndex()]

    @property
    def suffix(self) -> str:
        """The format's suffix (geojson, kml, gpkg, shp)."""
        return GIS_FORMATS[self.fmt][1].lstrip(".")

    def stem(self) -> str:
        """Suggest the layer's name."""
        return self.kind

    def preview_key(self) -> object:
        """Return the layer (the format does not change the rows)."""
        return self.kind

    def make_preview(self) -> Preview | None:
        """Return the first features' attributes and geometry type."""
        plan = self.plan
        osm = " · © OpenStreetMap contributors noted in the file" if (
            plan.settings.osm_extract) else ""
        if self.kind == "territories":
            # Written as MultiPolygon (one geometry type per layer, as QGIS prefers).
            rows = [(t.id, t.name, t.color, t.rep_id or "", int(t.locked),
                     "MultiPolygon" if t.geometry is not None else "(no shape)")
                    for t in plan.territories.values()]
            return preview(("id", "name", "color", "rep_id", "locked", "geometry"), rows,
                           f"{len(rows)} territories{osm}")
        from territory_desktop.geo.assignment import assign_accounts

        territory_of = assign_accounts(plan).territory_of
        owner = {tid: t.rep_id for tid, t in plan.territories.items()}
        points = [(a.id, a.name, a.address, a.tier, territory_of.get(a.id) or "",
                   owner.get(territory_of.get(a.id) or "") or "", f"{a.lon:.6f}, {a.lat:.6f}")
                  for a in plan.accounts.values()]
        return preview(("id", "name", "address", "tier", "territory", "rep_id", "lon, lat"),
                       points, f"{len(points)} accounts{osm}")


class ImportTerritoriesDialog(ExportDialog):
    """A GIS file, its layer, and whether its territories replace the plan's."""

    def __init__(self, plan: Plan, parent: QWidget, ask_file: AskFile) -> None:
        super().__init__("Import territories from a GIS file", plan, parent, with_rep=False)
        self.ask_file = ask_file
        self.path = QLineEdit()
        self.path.setObjectName("path")
        self.layer = QComboBox()
        self.layer.setObjectName("layer")
        self.replace = QCheckBox("&Replace the plan's territories (and their rules)")
        self.replace.setObjectName("replace")
        self.replace.toggled.connect(self.refresh)
        self._read: tuple[tuple[str, str, float], TerritoryImport] | None = None
        self.form.addRow("&File", self.chooser(self.path, self.browse))
        self.form.addRow("&Layer", self.layer)
        self.form.addRow("", self.replace)
        self.path.textChanged.connect(self._on_path_changed)
        self.layer.currentIndexChanged.connect(self.refresh)
        self.buttons.button(self.buttons.StandardButton.Ok).setText("&Import")
        self.refresh()

    def browse(self) -> None:
        """Ask for the file to read."""
        if chosen := self.ask_file(self, self.windowTitle(),
                                   "GIS files (*.geojson *.json *.kml *.gpkg *.shp)"):
            self.path.setText(str(chosen))

    def _on_path_changed(self) -> None:
        from territory_desktop.geo.vector_files import VectorFileError, list_layers

        self.layer.blockSignals(True)
        self.layer.clear()
        path = self.path.text().strip()
        if path and gis_format(Path(path)) and Path(path).is_file():
            try:
                names = list_layers(path)
            except VectorFileError:  # the read says why
                names = []
            self.layer.addItems(names)
            if "territories" in names:
                self.layer.setCurrentIndex(names.index("territories"))
        self.layer.blockSignals(False)
        self.refresh()

    def found(self) -> TerritoryImport:
        """Return the territories the file holds (read once per file version); ExportError."""
        text = self.path.text().strip()
        if not text:
            raise ExportError("Choose the file to read (Browse…)")
        path = Path(text)
        key = (text, self.layer.currentText(), path.stat().st_mtime if path.exists() else 0.0)
        if self._read is None or self._read[0] != key:
            self._read = (key, read_territories(path, self.layer.currentText() or None))
        return self._read[1]

    def preview_problem(self) -> str:
        """Return why Import is disabled: no file, an unreadable one, or nothing to import."""
        try:
            found = self.found()
        except ExportError as exc:
            return sentence(exc)
        if not found.territories:
            return f"No territory can be imported ({len(found.problems)} rejected)."
        return ""

    def make_preview(self) -> Preview | None:
        """Each territory found, whether it is new or replaces one, and the problems."""
        try:
            found = self.found()
        except ExportError:
            return None
        plan = self.plan
        rows: list[tuple[str, ...]] = []
        for t in found.territories:
            status = "replaces" if t.id in plan.territories else "new"
            rep = t.rep_id or ""
            if rep and rep not in plan.reps:
                rep, status = f"{rep} (not in the plan: no owner)", f"{status}, no owner"
            rows.append((t.id, t.name, rep, t.color, t.geometry.geom_type
                         if t.geometry is not None else "(no shape)", status))
        rows += [("", "", "", "", "", p) for p in found.problems]
        others = len(set(plan.territories) - {t.id for t in found.territories})
        dropped = (f"; the plan's other {others} territories are removed"
                   if self.replace.isChecked() else "")
        return preview(("id", "name", "rep_id", "color", "geometry", "status"), rows,
                       f"{len(found.territories)} territories to import, "
                       f"{len(found.problems)} problems{dropped}")
