"""File > Export from a rep's driving: mileage log, expenses, planned vs logged, route pack.

The dialogs only gather the choices; the trips are built and the files written off the GUI
thread by the same functions ``tdesk export`` calls, on the road network the window routes on.
Each dialog hands the worker a plain function of the trips (:meth:`TripDialog.work`), so no
widget is touched off the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from territory_desktop import clock
from territory_desktop.io.exports import build_trips, mileage
from territory_desktop.io.exports._files import ExportError
from territory_desktop.io.exports.expenses import expense_table, write_expenses
from territory_desktop.io.exports.rates import plan_rates
from territory_desktop.io.exports.routepack import write_day_sheets, write_gpx, write_ics
from territory_desktop.io.exports.trips import check_range
from territory_desktop.model.export_settings import ExpensePreset
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
    from territory_desktop.io.exports import Trips
    from territory_desktop.io.exports.rates import RateTable
    from territory_desktop.model import Plan
    from territory_desktop.routing import RoadNetwork

PACK_PARTS = ("gpx", "ics", "pdf")
TripWork = Callable[["Trips"], Any]


def trips_then(plan: Plan, rep_id: str, start: dt.date, end: dt.date, network: RoadNetwork,
               unit: str, then: TripWork, *, progress: Progress, should_stop: Stop) -> Any:
    """Build the rep's trips as ``tdesk export`` does, then return ``then(trips)``."""
    trips = build_trips(plan, rep_id, start, end, network, unit=unit, progress=progress,
                        should_stop=should_stop)
    return then(trips)


@dataclass(frozen=True)
class Written:
    """What an export wrote: the status line (short) and the warnings to show in full."""

    status: str
    warnings: tuple[str, ...] = ()

    def __str__(self) -> str:
        """Return the status line, with how many warnings there are to read."""
        n = len(self.warnings)
        return self.status + (f" ({_count(n, 'warning')}: see the message)" if n else "")


def _count(n: int, noun: str) -> str:
    """Return ``n`` and the noun, plural unless ``n`` is 1 ("1 line", "2 lines")."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _distance(trips: Trips) -> str:
    """Return the log's business and total distance, as its period total prints them."""
    return (f"{trips.printed('business'):.2f} business {trips.unit} of "
            f"{trips.printed():.2f}")


def write_mileage(trips: Trips, fmt: str, rates: RateTable | None, path: Path) -> Written:
    """Write the mileage log; return the status line and its warnings."""
    report = mileage.write_mileage_log(trips, path, fmt, rates)
    driven = trips.driven()
    return Written(f"Wrote {path}: {_count(len(driven.legs), 'leg')}, {_distance(driven)}",
                   report.warnings)


def preview_mileage(trips: Trips, rates: RateTable | None) -> Preview:
    """Return the mileage log's first rows and its warnings."""
    report = mileage.mileage_report(trips, rates)
    driven = trips.driven()
    return preview(report.header, report.rows, f"{_count(len(driven.legs), 'leg')}, "
                   f"{_distance(driven)}", report.decimals, report.warnings)


def write_planned(trips: Trips, fmt: str, path: Path) -> Written:
    """Write planned versus logged miles; return the status line and its warnings."""
    report = mileage.planned_vs_logged_report(trips)
    mileage.write_report(report, path, fmt)
    return Written(f"Wrote {path}: {_count(len(trips.driven().days), 'day')}",
                   report.warnings)


def preview_planned(trips: Trips) -> Preview:
    """Return planned versus logged miles of the first days, and the warnings."""
    report = mileage.planned_vs_logged_report(trips)
    total = report.rows[-1]
    return preview(report.header, report.rows, f"{_count(len(trips.driven().days), 'day')}: "
                   f"planned {total[3]:.2f} {trips.unit}, logged {total[4]:.2f}",
                   report.decimals, report.warnings)


def write_expense(trips: Trips, rates: RateTable, preset: ExpensePreset, fmt: str,
                  path: Path) -> Written:
    """Write the expense report; return the status line and its warnings."""
    report = write_expenses(trips, rates, path, fmt, preset)
    return Written(f"Wrote {path}: {_count(len(report.lines), 'line')}, {report.total} "
                   f"{report.currency}", report.warnings)


def preview_expense(trips: Trips, rates: RateTable, preset: ExpensePreset) -> Preview:
    """Return the expense report's first lines, with the preset's column names, and warnings."""
    header, rows, decimals, report = expense_table(trips, rates, preset)
    dated = [[v.strftime(preset.date_format) if isinstance(v, dt.date) else v for v in row]
             for row in rows]
    return preview(header, dated, f"{_count(len(report.lines), 'line')}, total {report.total} "
                   f"{report.currency}", decimals, report.warnings)


def pack_paths(folder: Path, rep_id: str, monday: dt.date) -> dict[str, Path]:
    """Where the route pack of ``rep_id``'s week starting ``monday`` goes, by part."""
    stem = f"{rep_id}_week_{monday.isoformat()}"
    return {"gpx": folder / f"{stem}.gpx", "ics": folder / f"{stem}.ics",
            "pdf": folder / f"{stem}_day_sheets.pdf"}


def write_pack(trips: Trips, parts: tuple[str, ...], folder: Path) -> Written:
    """Write the week's GPX / ICS / PDF day sheets; return the status line."""
    paths = pack_paths(folder, trips.rep.id, trips.start)
    writers = {"gpx": write_gpx, "ics": write_ics, "pdf": write_day_sheets}
    for part in parts:
        writers[part](trips, paths[part])
    days = [d for d in trips.days if d.visits]  # a day of skipped visits is not driven
    visits = sum(len(d.visits) for d in days)
    names = ", ".join(paths[p].name for p in parts)
    return Written(f"Wrote {names} to {folder}: {len(days)} days, {visits} visits",
                   trips.warnings)


def preview_pack(trips: Trips) -> Preview:
    """Return the week's stops in order, day by day, as the GPX routes and calendar hold them."""
    rows = [(d.date, n, v.place.name, v.place.label, clock.hhmm(v.arrive),
             clock.hhmm(v.depart))
            for d in trips.days for n, v in enumerate(d.visits, start=1)]
    days = sum(1 for d in trips.days if d.visits)
    return preview(("Date", "Stop", "Account", "Address", "Arrive", "Leave"), rows,
                   f"{days} days, {len(rows)} visits", warnings=trips.warnings)


class TripDialog(ExportDialog):
    """An export of a rep's trips; :meth:`work` gives the worker what to do with them."""

    routed = True

    def __init__(self, title: str, plan: Plan, parent: QWidget, unit: str) -> None:
        super().__init__(title, plan, parent)
        self.unit = unit

    @property
    def dates(self) -> tuple[dt.date, dt.date]:
        """First and last date of the export."""
        raise NotImplementedError

    @property
    def output_folder(self) -> Path:
        """The folder written to (the next export starts there)."""
        raise NotImplementedError

    def work(self, preview_only: bool) -> TripWork:
        """Return a plain function of the trips that previews or writes the export (no widgets)."""
        raise NotImplementedError

    def preview_problem(self) -> str:
        """Return why Preview is disabled: no rotation or no visits in the dates."""
        if reason := super().preview_problem():
            return reason
        try:
            check_range(self.plan, self.rep_id, *self.dates)
        except ExportError as exc:
            return sentence(exc)
        return ""


class RangeDialog(TripDialog):
    """Rep, date range (this month at first), format and the file to write."""

    formats: tuple[tuple[str, str], ...] = ()  # (suffix, label)
    stem = "export"

    def __init__(self, title: str, plan: Plan, folder: str, parent: QWidget, unit: str) -> None:
        super().__init__(title, plan, parent, unit)
        today = clock.today()
        first = today.replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        self.start, self.end = date_edit(first, "start"), date_edit(last, "end")
        self.format = QComboBox()
        self.format.setObjectName("format")
        self.format.addItems([label for _, label in self.formats])
        self.folder = folder
        self.path = QLineEdit()
        self.path.setObjectName("path")
        self.form.addRow("&From", self.start)
        self.form.addRow("&To", self.end)
        self.form.addRow("F&ormat", self.format)
        self.start.dateChanged.connect(self.refresh)
        self.end.dateChanged.connect(self.refresh)
        self.format.currentIndexChanged.connect(self._on_format_changed)
        self.path.textChanged.connect(self._on_path_edited)

    def add_file_row(self) -> None:
        """Put the file chooser last and show the first state."""
        self.form.addRow("&File", self.chooser(self.path, self.browse))
        self.refresh()

    @property
    def dates(self) -> tuple[dt.date, dt.date]:
        """The range as typed."""
        return to_date(self.start.date()), to_date(self.end.date())

    @property
    def fmt(self) -> str:
        """The chosen format's suffix."""
        return self.formats[self.format.currentIndex()][0]

    @property
    def target(self) -> Path:
        """The file to write."""
        return Path(self.path.text().strip())

    @property
    def output_folder(self) -> Path:
        """The target's folder."""
        return self.target.parent

    def browse(self) -> None:
        """Ask where to write, suggesting a name from the rep and dates."""
        start, end = self.dates
        name = f"{self.stem}_{self.rep_id}_{start}_{end}.{self.fmt}"
        suggested = self.path.text() or str(Path(self.folder) / name)
        filters = [f"{label} (*.{suffix})" for suffix, label in self.formats]
        chosen, _ = QFileDialog.getSaveFileName(self, self.windowTitle(), suggested,
                                                ";;".join(filters),
                                                filters[self.format.currentIndex()])
        if chosen:
            self.path.setText(chosen)
            self.folder_chosen.emit(self.output_folder)

    def _suffix(self) -> str:
        return Path(self.path.text().strip()).suffix.lower().lstrip(".")

    def _on_path_edited(self) -> None:
        """Take the format from the file's suffix, as ``tdesk export`` does."""
        suffixes = [s for s, _ in self.formats]
        if self._suffix() in suffixes and self._suffix() != self.fmt:
            self.format.setCurrentIndex(suffixes.index(self._suffix()))

    def _on_format_changed(self) -> None:
        text = self.path.text()
        suffixes = [s for s, _ in self.formats]
        if text and self._suffix() in suffixes and self._suffix() != self.fmt:
            self.path.setText(str(Path(text.strip()).with_suffix(f".{self.fmt}")))
        self.refresh()

    def preview_problem(self) -> str:
        """Return why Preview is disabled: no rotation, or dates without visits."""
        start, end = self.dates
        if end < start and self.rep_id in self.plan.schedules:
            return "The range ends before it starts."
        return super().preview_problem()

    def target_problem(self) -> str:
        """Return why the file cannot be written: none, a suffix of no format, or the folder."""
        return target_problem(self.path.text(), [s for s, _ in self.formats], self.plan_file)


def _rates_combo(plan: Plan) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName("rates")
    own = plan.exports.rates is not None
    combo.addItems(["The plan's mileage rates" if own else "IRS standard mileage rates",
                    "No reimbursement amounts"])
    return combo


class MileageDialog(RangeDialog):
    """Rep, date range, format (CSV, XLSX, PDF with a signature line), rates and the file."""

    formats = (("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("pdf", "PDF with signature line"))
    stem = "mileage"

    def __init__(self, plan: Plan, folder: str, parent: QWidget, unit: str) -> None:
        super().__init__("Export mileage log", plan, folder, parent, unit)
        self.rates = _rates_combo(plan)
        self.rates.currentIndexChanged.connect(self.refresh)
        self.form.addRow("R&ates", self.rates)
        self.home_legs = QLabel()
        self.home_legs.setObjectName("homeLegs")
        self.home_legs.setWordWrap(True)
        self.form.addRow("Home legs", self.home_legs)
        self.rep.currentIndexChanged.connect(self._show_home_legs)
        self._show_home_legs()
        self.add_file_row()

    def _show_home_legs(self) -> None:
        rep = self.plan.reps.get(self.rep_id)
        self.home_legs.setText(
            "Business miles: this rep works from a home office." if rep and rep.home_office
            else "Commute, not business miles. If the rep's home is their principal place of "
                 "business, tick the home office in Rotation > Rep settings.")

    def work(self, preview_only: bool) -> TripWork:
        """Preview or write the log at the chosen rates."""
        rates = plan_rates(self.plan) if self.rates.currentIndex() == 0 else None
        if preview_only:
            return functools.partial(preview_mileage, rates=rates)
        return functools.partial(write_mileage, fmt=self.fmt, rates=rates, path=self.target)


class ExpenseDialog(RangeDialog):
    """Rep, date range, the plan's expense preset, CSV or XLSX and the file."""

    formats = (("csv", "CSV"), ("xlsx", "Excel (XLSX)"))
    stem = "expenses"

    def __init__(self, plan: Plan, folder: str, parent: QWidget, unit: str) -> None:
        super().__init__("Export expense report", plan, folder, parent, unit)
        self.preset = QComboBox()
        self.preset.setObjectName("preset")
        self.preset.addItem("Standard columns", "")
        for p in plan.exports.presets:
            self.preset.addItem(p.name, p.name)
        self.preset.currentIndexChanged.connect(self.refresh)
        self.form.addRow("&Columns", self.preset)
        self.add_file_row()

    @property
    def chosen_preset(self) -> ExpensePreset:
        """The preset chosen (the standard columns when none)."""
        name = str(self.preset.currentData() or "")
        return self.plan.exports.preset(name) or ExpensePreset("standard")

    def preview_problem(self) -> str:
        """Return why Preview is disabled; the rates must also cover the days up to today.

        Later days are left out as not driven yet, so they need no rate.
        """
        if reason := super().preview_problem():
            return reason
        start, end = self.dates
        last = min(end, clock.today())
        try:
            if start <= last:
                plan_rates(self.plan).covering(start, last)
        except ExportError as exc:
            return sentence(exc)
        return ""

    def work(self, preview_only: bool) -> TripWork:
        """Preview or write the report at the plan's rates with the chosen preset."""
        rates, preset = plan_rates(self.plan), self.chosen_preset
        if preview_only:
            return functools.partial(preview_expense, rates=rates, preset=preset)
        return functools.partial(write_expense, rates=rates, preset=preset, fmt=self.fmt,
                                 path=self.target)


class PlannedDialog(RangeDialog):
    """Rep, date range, format and the file for planned versus logged miles per day."""

    formats = (("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("pdf", "PDF"))
    stem = "planned_vs_logged"

    def __init__(self, plan: Plan, folder: str, parent: QWidget, unit: str) -> None:
        super().__init__("Export planned vs logged miles", plan, folder, parent, unit)
        self.add_file_row()

    def work(self, preview_only: bool) -> TripWork:
        """Preview or write the report."""
        if preview_only:
            return preview_planned
        return functools.partial(write_planned, fmt=self.fmt, path=self.target)


class RoutePackDialog(TripDialog):
    """Rep, week (its Monday), which parts (GPX, ICS, PDF day sheets) and the folder."""

    def __init__(self, plan: Plan, folder: str, parent: QWidget, unit: str) -> None:
        super().__init__("Export route pack for the week", plan, parent, unit)
        today = clock.today()
        self.week = date_edit(today - dt.timedelta(days=today.weekday()), "week")
        self.week.dateChanged.connect(self.refresh)
        self.parts = {part: QCheckBox(text) for part, text in zip(
            PACK_PARTS, ("&GPX routes (one per day)", "&ICS calendar (one event per visit)",
                         "&PDF day sheets"), strict=True)}
        checks = QWidget()
        box = QVBoxLayout(checks)
        box.setContentsMargins(0, 0, 0, 0)
        for part, check in self.parts.items():
            check.setObjectName(part)
            check.setChecked(True)
            check.toggled.connect(self.refresh)
            box.addWidget(check, 0, Qt.AlignmentFlag.AlignLeft)  # clicks land on the label
        self.folder = QLineEdit(folder)
        self.folder.setObjectName("folder")
        self.form.addRow("&Week of", self.week)
        self.form.addRow("Files", checks)
        self.form.addRow("F&older", self.chooser(self.folder, self.browse))
        self.refresh()

    @property
    def monday(self) -> dt.date:
        """The Monday of the chosen week."""
        day = to_date(self.week.date())
        return day - dt.timedelta(days=day.weekday())

    @property
    def dates(self) -> tuple[dt.date, dt.date]:
        """Monday to Sunday of the chosen week."""
        return self.monday, self.monday + dt.timedelta(days=6)

    @property
    def output_folder(self) -> Path:
        """The folder the pack goes to."""
        return Path(self.folder.text().strip())

    @property
    def chosen_parts(self) -> tuple[str, ...]:
        """The ticked parts, of gpx, ics and pdf."""
        return tuple(p for p, check in self.parts.items() if check.isChecked())

    def browse(self) -> None:
        """Ask for the folder to write into."""
        chosen = QFileDialog.getExistingDirectory(self, "Export route pack to",
                                                  self.folder.text())
        if chosen:
            self.folder.setText(chosen)
            self.folder_chosen.emit(self.output_folder)

    def target_problem(self) -> str:
        """Return why the pack cannot be written: nothing ticked, or no folder."""
        if not self.chosen_parts:
            return "Tick at least one of GPX, ICS and PDF."
        folder = self.folder.text().strip()
        if not folder or not Path(folder).is_dir():
            return "Choose an existing folder (Browse…)."
        return target_problem(str(Path(folder) / "pack"), (), self.plan_file)

    def work(self, preview_only: bool) -> TripWork:
        """Preview the week's stops or write the ticked parts."""
        if preview_only:
            return preview_pack
        return functools.partial(write_pack, parts=self.chosen_parts,
                                 folder=self.output_folder)
