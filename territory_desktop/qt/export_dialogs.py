"""File > Export: the mileage log and the week's route pack, written by ``io/exports``.

The dialogs only gather the rep, dates, format and target; the files are written off the GUI
thread by the same functions ``tdesk export`` calls, on the road network the window routes on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from territory_desktop.io.exports import build_trips, write_mileage_log
from territory_desktop.io.exports.rates import default_rates
from territory_desktop.io.exports.routepack import write_day_sheets, write_gpx, write_ics
from territory_desktop.qt.widgets import fill_rep_combo

if TYPE_CHECKING:
    from territory_desktop.model import Plan
    from territory_desktop.qt.files import PlanFiles
    from territory_desktop.qt.routing_controller import RoutingController
    from territory_desktop.qt.workbench import Workbench
    from territory_desktop.routing import RoadNetwork

Progress = Callable[[float, str], None]
Stop = Callable[[], bool]
MILEAGE_FORMATS = ("csv", "xlsx", "pdf")
PACK_PARTS = ("gpx", "ics", "pdf")


def _to_date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


def _date_edit(value: dt.date) -> QDateEdit:
    edit = QDateEdit(QDate(value.year, value.month, value.day))
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setCalendarPopup(True)
    return edit


def no_rotation_message(plan: Plan, rep_id: str) -> str:
    """One line saying why ``rep_id`` cannot be exported, or "" when it can."""
    if rep_id not in plan.reps:
        return "The plan has no reps."
    if rep_id not in plan.schedules:
        return (f"{plan.reps[rep_id].name} has no rotation yet: schedule it first "
                "(Rotation > Schedule rotation).")
    return ""


def export_mileage(plan: Plan, rep_id: str, start: dt.date, end: dt.date,
                   network: RoadNetwork, unit: str, fmt: str, irs_rates: bool, path: Path, *,
                   progress: Progress, should_stop: Stop) -> str:
    """Write the rep's mileage log as ``tdesk export mileage`` does; return the status line."""
    trips = build_trips(plan, rep_id, start, end, network, unit=unit, progress=progress,
                        should_stop=should_stop)
    report = write_mileage_log(trips, path, fmt, default_rates() if irs_rates else None)
    warned = f" ({len(report.warnings)} warnings)" if report.warnings else ""
    return (f"Wrote {path}: {len(trips.legs)} legs, {trips.total('business'):.1f} business "
            f"{unit} of {trips.total():.1f}{warned}")


def pack_paths(folder: Path, rep_id: str, monday: dt.date) -> dict[str, Path]:
    """Where the route pack of ``rep_id``'s week starting ``monday`` goes, by part."""
    stem = f"{rep_id}_week_{monday.isoformat()}"
    return {"gpx": folder / f"{stem}.gpx", "ics": folder / f"{stem}.ics",
            "pdf": folder / f"{stem}_day_sheets.pdf"}


def export_route_pack(plan: Plan, rep_id: str, monday: dt.date, network: RoadNetwork,
                      unit: str, parts: tuple[str, ...], folder: Path, *,
                      progress: Progress, should_stop: Stop) -> str:
    """Write the week's GPX / ICS / PDF day sheets as ``tdesk export`` does; return the status."""
    trips = build_trips(plan, rep_id, monday, monday + dt.timedelta(days=6), network,
                        unit=unit, progress=progress, should_stop=should_stop)
    paths = pack_paths(folder, rep_id, monday)
    writers = {"gpx": write_gpx, "ics": write_ics, "pdf": write_day_sheets}
    for part in parts:
        writers[part](trips, paths[part])
    visits = sum(len(d.visits) for d in trips.days)
    names = ", ".join(paths[p].name for p in parts)
    return f"Wrote {names} to {folder}: {len(trips.days)} days, {visits} visits"


class _ExportDialog(QDialog):
    """Rep picker, a one-line reason when the export cannot be made, OK and Cancel."""

    def __init__(self, title: str, plan: Plan, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.plan = plan
        self.form = QFormLayout()
        self.rep = QComboBox()
        self.rep.setObjectName("rep")
        fill_rep_combo(self.rep, plan)
        first = next((i for i in range(self.rep.count())
                      if self.rep.itemData(i) in plan.schedules), 0)
        self.rep.setCurrentIndex(first)
        self.form.addRow("&Rep", self.rep)
        self.reason = QLabel()
        self.reason.setObjectName("reason")
        self.reason.setStyleSheet("color: #b00020")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)
        self.rep.currentIndexChanged.connect(self.refresh)

    @property
    def rep_id(self) -> str:
        """The chosen rep's id ("" when the plan has none)."""
        return str(self.rep.currentData() or "")

    def _chooser(self, edit: QLineEdit, browse: Callable[[], None]) -> QWidget:
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(edit)
        button = QPushButton("&Browse…")
        button.setObjectName("browse")
        button.clicked.connect(browse)
        box.addWidget(button)
        edit.textChanged.connect(self.refresh)
        return row

    def problem(self) -> str:
        """Why OK cannot be pressed now, in one line ("" when it can)."""
        return no_rotation_message(self.plan, self.rep_id)

    def refresh(self) -> None:
        """Show the reason, if any, and enable OK only without one."""
        reason = self.problem()
        self.reason.setText(reason)
        self.reason.setVisible(bool(reason))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not reason)


class MileageDialog(_ExportDialog):
    """Rep, date range (this month at first), format, rates and the file to write."""

    def __init__(self, plan: Plan, folder: str, parent: QWidget) -> None:
        super().__init__("Export mileage log", plan, parent)
        today = dt.date.today()
        first = today.replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        self.start, self.end = _date_edit(first), _date_edit(last)
        self.start.setObjectName("start")
        self.end.setObjectName("end")
        self.format = QComboBox()
        self.format.setObjectName("format")
        self.format.addItems(["CSV", "Excel (XLSX)", "PDF with signature line"])
        self.rates = QComboBox()
        self.rates.setObjectName("rates")
        self.rates.addItems(["IRS standard mileage rates", "No reimbursement amounts"])
        self.folder = folder
        self.path = QLineEdit()
        self.path.setObjectName("path")
        self.form.addRow("&From", self.start)
        self.form.addRow("&To", self.end)
        self.form.addRow("F&ormat", self.format)
        self.form.addRow("R&ates", self.rates)
        self.form.addRow("&File", self._chooser(self.path, self.browse))
        self.start.dateChanged.connect(self.refresh)
        self.end.dateChanged.connect(self.refresh)
        self.format.currentIndexChanged.connect(self._on_format_changed)
        self.refresh()

    @property
    def fmt(self) -> str:
        """The chosen format: csv, xlsx or pdf."""
        return MILEAGE_FORMATS[self.format.currentIndex()]

    def browse(self) -> None:
        """Ask where to write, suggesting a name from the rep and dates."""
        name = f"mileage_{self.rep_id}_{_to_date(self.start.date())}_{_to_date(self.end.date())}"
        start = self.path.text() or str(Path(self.folder) / f"{name}.{self.fmt}")
        chosen, _ = QFileDialog.getSaveFileName(self, "Export mileage log", start,
                                                f"{self.fmt.upper()} (*.{self.fmt})")
        if chosen:
            self.path.setText(chosen)

    def _on_format_changed(self) -> None:
        text = self.path.text()
        if text and Path(text).suffix.lower().lstrip(".") in MILEAGE_FORMATS:
            self.path.setText(str(Path(text).with_suffix(f".{self.fmt}")))

    def problem(self) -> str:
        """Return why OK is disabled: no rotation, a reversed range or no file yet."""
        if reason := super().problem():
            return reason
        if self.end.date() < self.start.date():
            return "The range ends before it starts."
        if not self.path.text().strip():
            return "Choose the file to write (Browse…)."
        return ""


class RoutePackDialog(_ExportDialog):
    """Rep, week (its Monday), which parts (GPX, ICS, PDF day sheets) and the folder."""

    def __init__(self, plan: Plan, folder: str, parent: QWidget) -> None:
        super().__init__("Export route pack for the week", plan, parent)
        today = dt.date.today()
        self.week = _date_edit(today - dt.timedelta(days=today.weekday()))
        self.week.setObjectName("week")
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
            box.addWidget(check)
        self.folder = QLineEdit(folder)
        self.folder.setObjectName("folder")
        self.form.addRow("&Week of", self.week)
        self.form.addRow("Files", checks)
        self.form.addRow("F&older", self._chooser(self.folder, self.browse))
        self.refresh()

    @property
    def monday(self) -> dt.date:
        """The Monday of the chosen week."""
        day = _to_date(self.week.date())
        return day - dt.timedelta(days=day.weekday())

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

    def problem(self) -> str:
        """Return why OK is disabled: no rotation, nothing ticked, or no existing folder."""
        if reason := super().problem():
            return reason
        if not self.chosen_parts:
            return "Tick at least one of GPX, ICS and PDF."
        folder = self.folder.text().strip()
        if not folder or not Path(folder).is_dir():
            return "Choose an existing folder (Browse…)."
        return ""


class Exports:
    """The File > Export commands: open a dialog, then write off the GUI thread."""

    def __init__(self, bench: Workbench, routing: RoutingController, files: PlanFiles) -> None:
        self.bench = bench
        self.routing = routing
        self.files = files
        self.dialog: _ExportDialog | None = None

    def _folder(self) -> str:
        return self.files.prefs.export_folder or str(Path.home())

    def _remember(self, folder: Path) -> None:
        self.files.prefs.export_folder = str(folder)
        self.files.store.save(self.files.prefs)

    def _open(self, dialog: _ExportDialog, run: Callable[[], None]) -> None:
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.routing.ensure_network(run))
        dialog.open()

    def mileage_dialog(self) -> None:
        """File > Export > Mileage log: ask, then write the log for the rep and range."""
        dialog = MileageDialog(self.bench.document.plan, self._folder(),
                               self.bench.dialog_parent())

        def run() -> None:
            assert self.routing.network is not None
            path = Path(dialog.path.text().strip())
            self._remember(path.parent)
            self.bench.run_work(
                "Exporting mileage log", export_mileage, self.bench.document.plan,
                dialog.rep_id, _to_date(dialog.start.date()), _to_date(dialog.end.date()),
                self.routing.network, self.bench.prefs.units, dialog.fmt,
                dialog.rates.currentIndex() == 0, path, on_done=self._done)

        self._open(dialog, run)

    def route_pack_dialog(self) -> None:
        """File > Export > Route pack for the week: ask, then write GPX / ICS / day sheets."""
        dialog = RoutePackDialog(self.bench.document.plan, self._folder(),
                                 self.bench.dialog_parent())

        def run() -> None:
            assert self.routing.network is not None
            folder = Path(dialog.folder.text().strip())
            self._remember(folder)
            self.bench.run_work(
                "Exporting route pack", export_route_pack, self.bench.document.plan,
                dialog.rep_id, dialog.monday, self.routing.network, self.bench.prefs.units,
                dialog.chosen_parts, folder, on_done=self._done)

        self._open(dialog, run)

    def _done(self, status: object) -> None:
        self.bench.show_status(str(status), 15000)
