"""The Health panel: CRM results in, KPIs per territory, the signals they raise, a bar chart.

The panel shows the same :class:`~territory_desktop.health.report.HealthReport` that
``tdesk plan health`` prints, computed from the CRM results stored in the open plan. Loading
files imports them against the plan and stores the good rows in it (one undoable edit; a
re-import updates rather than duplicates); a rejected row is listed with its file, line,
column and reason. A file whose columns are not recognised opens the column-mapping dialog
(with a preview of its first rows) and is imported again with the user's mapping. Import and
KPIs run off the GUI thread (:meth:`Workbench.run_work`), the KPIs only while the panel is
shown. Snapshots: :mod:`territory_desktop.qt.health_snapshots`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import override

import numpy as np
from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from territory_desktop import clock
from territory_desktop.health.formats import KPI_KINDS, kpi_text, missing_text
from territory_desktop.health.kpis import Kpis
from territory_desktop.health.period import Period, quarter_of
from territory_desktop.health.report import HealthReport, default_period, health_report
from territory_desktop.health.results import CrmResults
from territory_desktop.health.store import set_thresholds, store_results
from territory_desktop.io.results import (
    ACTIVITY_FIELD_SPECS,
    OPPORTUNITY_FIELD_SPECS,
    QUOTA_FIELD_SPECS,
    STAGE_RULE,
    ResultsImportReport,
    guess_mapping,
    import_results,
)
from territory_desktop.io.tables import Table, read_table
from territory_desktop.model.plan import Plan
from territory_desktop.qt.dialogs import ColumnMappingDialog
from territory_desktop.qt.health_snapshots import SnapshotsBox
from territory_desktop.qt.health_thresholds import ThresholdsDialog
from territory_desktop.qt.widgets import rep_label
from territory_desktop.qt.workbench import Workbench, ask_file

__all__ = ["COLUMNS", "HealthPanel", "Loaded", "format_kpi"]

_NO_RESULTS = ("No CRM results in this plan: load them (opportunities required, quotas and "
               "activities optional); they are stored in the plan.")
FILTER = "CRM exports (*.csv *.xlsx);;All files (*)"


@dataclass(frozen=True)
class Column:
    """One KPI column: its :class:`Kpis` attribute, header and number format."""

    kpi: str
    header: str
    summed: bool = False  # the team figure is a total: the chart's average divides it

    @property
    def kind(self) -> str:
        """How the KPI reads ("money", "percent", ...: :func:`kpi_text`)."""
        return KPI_KINDS[self.kpi]


COLUMNS: tuple[Column, ...] = (
    Column("pipeline", "Pipeline", summed=True),
    Column("coverage_ratio", "Coverage"),
    Column("attainment", "Attainment"),
    Column("win_rate", "Win rate"),
    Column("avg_deal", "Avg deal"),
    Column("cycle_days", "Cycle days"),
    Column("visit_coverage", "Visit coverage"),
    Column("white_space", "White space", summed=True),
)
"""The KPI table's figures, in column order (the chart offers the same)."""

def format_kpi(kpis: Kpis, column: Column) -> tuple[str, str]:
    """Return the cell text of ``column`` for ``kpis`` and its tooltip (why it is missing).

    A missing figure reads :func:`missing_text` ("too few deals" or "-"); the tooltip gives
    the engine's reason.
    """
    value = getattr(kpis, column.kpi)
    if value is not None:
        return kpi_text(value, column.kind), ""
    reason = kpis.reasons.get(column.kpi, "")
    return missing_text(reason), reason


PREVIEW_ROWS = 5
_SPECS = {"opportunities": OPPORTUNITY_FIELD_SPECS, "quotas": QUOTA_FIELD_SPECS,
          "activities": ACTIVITY_FIELD_SPECS}


@dataclass(frozen=True)
class Loaded:
    """An import of the user's files: its report, and previews for the mapping dialog.

    ``previews``: the header and first rows of each file whose required columns were not
    recognised, by kind.
    """

    imported: ResultsImportReport
    previews: dict[str, Table]


def _import_files(plan: Plan, files: dict[str, Path | None],
                  mappings: dict[str, dict[str, str]], progress: Callable[[float, str], None],
                  should_stop: Callable[[], bool]) -> Loaded:
    progress(0.0, "Reading CRM results")
    imported = import_results(plan.accounts, plan.reps, files["opportunities"], files["quotas"],
                              files["activities"], mappings=mappings, today=clock.today())
    previews = {}
    for imp in imported.imports:
        if imp.missing_required:
            table = read_table(imp.source)
            previews[imp.kind] = Table(table.columns, table.rows[:PREVIEW_ROWS])
    return Loaded(imported, previews)


def _compute(plan: Plan, territory_of: dict[str, str | None], results: CrmResults,
             period: Period, drive: dict[str, float], progress: Callable[[float, str], None],
             should_stop: Callable[[], bool]) -> HealthReport:
    return health_report(plan, results, period, territory_of=territory_of, progress=progress,
                         should_stop=should_stop, scheduled_drive_hours=drive.get)


def _quarters(results: CrmResults, latest: Period) -> list[Period]:
    """Every quarter from the first one with a deal or visit to ``latest``, newest first."""
    days = np.concatenate([results.opportunities["created"], results.activities["date"]])
    days = days[~np.isnat(days)]
    first = quarter_of(days.min().item()) if len(days) else latest
    quarters = []
    month = latest.first_month
    while month >= min(first.first_month, latest.first_month):
        quarters.append(Period(month, 3))
        month -= 3
    return quarters


class HealthPanel(QWidget):
    """Load CRM results, pick a quarter, read the KPIs, the signals and a chart per territory.

    Parameters
    ----------
    workbench
        The window: its document is the plan the results are read against, its ``run_work``
        runs the import and the KPIs.
    """

    loaded = Signal()
    """A load finished: its problems are listed, and either the mapping dialog is open, or
    nothing could be stored, or the results are stored and the plan's report is shown."""
    report_shown = Signal()
    """The table, signals and chart show a new report."""

    def __init__(self, workbench: Workbench, parent: QWidget | None = None,
                 scheduled_drive: Callable[[str], float | None] = lambda _rep: None) -> None:
        super().__init__(parent)
        self.setObjectName("healthPanel")
        self.workbench = workbench
        self._scheduled_drive = scheduled_drive
        self.results: CrmResults | None = None  # the plan's, as last shown
        self.report: HealthReport | None = None
        self.imported: ResultsImportReport | None = None
        self.mapping_dialog: ColumnMappingDialog | None = None
        self.thresholds_dialog: ThresholdsDialog | None = None
        self._files: dict[str, Path | None] = {}
        self._mappings: dict[str, dict[str, str]] = {}
        self._stale = False  # the shown figures are not the plan's: refresh when shown
        self._announce = False  # emit ``loaded`` once the stored results' report is shown

        self.load_button = QPushButton("Load CRM results…", self)
        self.load_button.setObjectName("healthLoad")
        self.load_button.clicked.connect(self.load_dialog)
        self.period = QComboBox(self)
        self.period.setObjectName("healthPeriod")
        self.period.setEnabled(False)
        self.period.activated.connect(self._on_period_activated)
        self.summary = QLabel(_NO_RESULTS, self)
        self.summary.setWordWrap(True)
        self.thresholds_button = QPushButton("Thresholds…", self)
        self.thresholds_button.setObjectName("healthThresholdsButton")
        self.thresholds_button.setToolTip("The limits that raise signals, kept in the plan")
        self.thresholds_button.clicked.connect(self.edit_thresholds)
        self.problems_button = QPushButton("Show problems", self)
        self.problems_button.setCheckable(True)
        self.problems_button.hide()
        self.problems = QListWidget(self)
        self.problems.setObjectName("healthProblems")
        self.problems.hide()
        self.problems_button.toggled.connect(self.problems.setVisible)

        self.table = QTableWidget(0, 2 + len(COLUMNS), self)
        self.table.setObjectName("healthTable")
        self.table.setHorizontalHeaderLabels(["Territory", "Rep", *(c.header for c in COLUMNS)])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.signals = QTreeWidget(self)
        self.signals.setObjectName("healthSignals")
        self.signals.setHeaderLabels(["Territory", "Rule", "Answer", "What"])
        self.signals.setRootIsDecorated(False)

        self.chart_kpi = QComboBox(self)
        self.chart_kpi.setObjectName("healthChartKpi")
        for column in COLUMNS:
            self.chart_kpi.addItem(column.header, column.kpi)
        self.chart_kpi.currentIndexChanged.connect(self._draw_chart)
        self.chart = QChart()
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart_view = QChartView(self.chart, self)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumSize(320, 220)

        top = QHBoxLayout()
        top.addWidget(self.load_button)
        top.addWidget(QLabel("Quarter:", self))
        top.addWidget(self.period)
        top.addWidget(self.summary, 1)
        top.addWidget(self.problems_button)
        top.addWidget(self.thresholds_button)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        self.snapshots = SnapshotsBox(workbench, left)
        self.tabs = QTabWidget(left)
        self.tabs.setObjectName("healthLowerTabs")
        self.tabs.addTab(self.signals, "Signals (the rule that raised each)")
        self.tabs.addTab(self.snapshots, "Snapshots: what improved, what slipped")
        left_layout.addWidget(self.tabs, 1)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        chart_row = QHBoxLayout()
        chart_row.addWidget(QLabel("Chart:", right))
        chart_row.addWidget(self.chart_kpi, 1)
        right_layout.addLayout(chart_row)
        right_layout.addWidget(self.chart_view, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 1)
        split.setSizes([900, 450])  # the table's ten columns first; the chart takes the rest
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.problems)
        layout.addWidget(split, 1)

        workbench.document.plan_changed.connect(self._on_plan_changed)
        workbench.document.replaced.connect(self.clear)
        self._on_plan_changed()

    def add_row(self, widget: QWidget) -> None:
        """Put ``widget`` under the panel's top row (the map's health controls go there)."""
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(1, widget)

    # ----------------------------------------------------------------- user gestures
    def load_dialog(self) -> None:
        """Ask for the opportunities export, then (optional) quotas and activities; load them."""
        parent = self.workbench.dialog_parent()
        chosen: dict[str, Path | None] = {}
        for kind, title in (("opportunities", "Opportunities export (required)"),
                            ("quotas", "Quotas export (Cancel: none)"),
                            ("activities", "Activity history (Cancel: none)")):
            path = ask_file(parent, title, FILTER, self.workbench.document, self.workbench.prefs)
            if not path and kind == "opportunities":
                return
            chosen[kind] = path
        self.load(chosen["opportunities"], chosen["quotas"], chosen["activities"])

    def edit_thresholds(self) -> None:
        """Let the user change the limits that raise signals (one undoable edit)."""
        plan = self.workbench.document.plan
        self.thresholds_dialog = ThresholdsDialog(plan.health.settings,
                                                  self.workbench.dialog_parent())
        self.thresholds_dialog.accepted.connect(self._on_thresholds_accepted)
        self.thresholds_dialog.open()

    def _on_thresholds_accepted(self) -> None:
        assert self.thresholds_dialog is not None
        settings = self.thresholds_dialog.settings()
        plan = self.workbench.document.plan
        if settings != plan.health.settings:
            self.workbench.apply_edit(lambda: set_thresholds(plan, settings))

    def load(self, opportunities: Path | None, quotas: Path | None = None,
             activities: Path | None = None,
             mappings: dict[str, dict[str, str]] | None = None) -> None:
        """Import the files against the open plan, off the GUI thread; store the good rows.

        ``mappings``: kind -> field -> column for files whose columns are not recognised.
        """
        document = self.workbench.document
        self._files = {"opportunities": opportunities, "quotas": quotas,
                       "activities": activities}
        self._mappings = dict(mappings or {})
        self.summary.setText("Reading CRM results…")
        self.workbench.run_work("Loading CRM results", _import_files, document.plan,
                                self._files, self._mappings, on_done=self._on_imported,
                                kind="health-import")

    def clear(self) -> None:
        """Forget the figures shown (another plan was opened; its own results follow)."""
        self.results = self.report = self.imported = None
        self.period.clear()
        self.period.setEnabled(False)
        self.summary.setText(_NO_RESULTS)
        self.problems.clear()
        self.problems.hide()
        self.problems_button.hide()
        self._show_report(None)

    # ----------------------------------------------------------------- results
    def _on_plan_changed(self) -> None:
        results = self.workbench.document.plan.health.results
        if results is not self.results:
            if not self._announce:  # an undo, redo or another plan: the last load's summary
                self.imported = None  # no longer describes what the plan holds
                self.problems.clear()
                self.problems.hide()
                self.problems_button.hide()
            self.results = results
            self._fill_periods(results)
        self.refresh()

    def refresh(self) -> None:
        """Recompute the figures now if shown, else when next shown (e.g. road times landed)."""
        self._stale = True
        if self.isVisible() or self._announce:
            self._refresh()

    @override
    def showEvent(self, event: QShowEvent) -> None:
        """Bring the figures up to date with the plan (they are computed only when shown)."""
        super().showEvent(event)
        if self._stale:
            self._refresh()

    def _fill_periods(self, results: CrmResults | None) -> None:
        keep = self.period.currentText()
        self.period.clear()
        self.period.setEnabled(results is not None)
        if results is None:
            if self.imported is None:
                self.summary.setText(_NO_RESULTS)
            return
        latest = default_period(results)
        for quarter in _quarters(results, latest):
            self.period.addItem(quarter.label, quarter)
        index = self.period.findText(keep)
        self.period.setCurrentIndex(index if index >= 0 else self.period.findText(latest.label))
        if self.imported is None:
            self.summary.setText(
                f"CRM results stored in the plan: {len(results.opportunities)} opportunities, "
                f"{len(results.quotas)} quotas, {len(results.activities)} activities.")

    def _refresh(self, asked: bool = False) -> None:
        """Recompute for the plan; ``asked``: the user picked a quarter (say what came out)."""
        self._stale = False
        period = self.period.currentData()
        if self.results is None or not isinstance(period, Period):
            self._show_report(None)
            return
        document = self.workbench.document
        # the figures shown are about to change: no snapshot of them until the new ones are in
        self.snapshots.take_button.setEnabled(False)
        drive = {r: h for r in document.plan.schedules
                 if (h := self._scheduled_drive(r)) is not None}
        self.workbench.run_work(f"Territory health {period}", _compute, document.plan,
                                dict(document.assignment.territory_of), self.results, period,
                                drive,
                                on_done=lambda report: self._on_computed(report, asked),
                                kind="health", quiet=True)

    def _on_period_activated(self, index: int) -> None:
        if isinstance(self.period.itemData(index), Period):
            self._refresh(asked=True)

    def _on_imported(self, loaded: Loaded) -> None:
        imported = loaded.imported
        self.imported = imported
        self._show_problems(imported)
        missing = next((imp for imp in imported.imports if imp.missing_required), None)
        if missing is not None:
            self._ask_mapping(missing.kind, loaded.previews[missing.kind])
            self.loaded.emit()
            return
        self._announce = True
        plan = self.workbench.document.plan
        if not self.workbench.apply_edit(lambda: store_results(plan, imported.results)):
            self._announce = False
            self.loaded.emit()

    def _ask_mapping(self, kind: str, preview: Table) -> None:
        specs = _SPECS[kind]
        source = self._files[kind]
        name = source.name if source is not None else kind
        self.mapping_dialog = dialog = ColumnMappingDialog(
            preview.columns, [(f.key, f.required) for f in specs],
            guess_mapping(kind, preview.columns), self.workbench.dialog_parent(),
            intro=f"Some columns of {name} ({kind}) were not recognised.",
            help_text="Fields marked * are required; the others are read when present."
            + (f"\n{STAGE_RULE}" if kind == "opportunities" else ""),
            labels={f.key: f.label for f in specs}, preview=[r.cells for r in preview.rows],
            strict=True, preview_lines=[r.line for r in preview.rows])
        dialog.setWindowTitle(f"Match the columns of {name}")

        def on_accepted() -> None:
            mappings = {**self._mappings, kind: dialog.mapping()}
            self.load(self._files["opportunities"], self._files["quotas"],
                      self._files["activities"], mappings)

        dialog.accepted.connect(on_accepted)
        dialog.rejected.connect(self._on_mapping_rejected)
        dialog.open()

    def _on_mapping_rejected(self) -> None:
        """Say that nothing was loaded: the one edit stores all files or none."""
        self.summary.setText("Import cancelled: nothing loaded.")
        self.workbench.show_status("CRM results: import cancelled, nothing loaded", 10000)

    def _on_computed(self, report: HealthReport, asked: bool) -> None:
        self._show_report(report)
        if asked or self._announce:  # a refresh after an edit leaves the edit's message be
            self.workbench.show_status(
                f"Territory health {report.kpis.period} as of {report.kpis.as_of}: "
                f"{len(report.signals)} signals")
        self.report_shown.emit()
        if self._announce:
            self._announce = False
            self.loaded.emit()

    def _show_report(self, report: HealthReport | None) -> None:
        self.report = report
        if report is None:
            self.table.setRowCount(0)
            self.signals.clear()
            self.chart.removeAllSeries()
        else:
            self._fill_table(report)
            self._fill_signals(report)
            self._draw_chart()
        self.snapshots.set_report(report)

    def _show_problems(self, imported: ResultsImportReport) -> None:
        parts = []
        self.problems.clear()
        for imp in imported.imports:
            name = Path(imp.source).name
            if imp.missing_required:
                parts.append(f"{name} lacks required columns: {', '.join(imp.missing_required)}")
                continue
            parts.append(f"{name}: {len(imp.frame)} {imp.kind} kept, {imp.rows_rejected} "
                         "rejected")
            for p in imp.problems:
                verdict = "rejected" if p.skipped else "warning"
                self.problems.addItem(f"{name}:{p.line}: column {p.column or '-'}: {verdict}: "
                                      f"{p.reason}")
        if not any(imp.missing_required for imp in imported.imports):
            parts.append("stored in the plan")
        self.summary.setText("; ".join(parts))
        count = self.problems.count()
        self.problems_button.setVisible(count > 0)
        self.problems_button.setText(f"Show problems ({count})")
        if not count:
            self.problems_button.setChecked(False)

    def _fill_table(self, report: HealthReport) -> None:
        rows: Sequence[Kpis] = (*report.kpis.territories, report.kpis.team)
        self.table.setRowCount(len(rows))
        for r, k in enumerate(rows):
            self._set_cell(r, 0, k.name, "")
            self._set_cell(r, 1, rep_label(self.workbench.document.plan.reps, k.rep_id), "")
            for c, column in enumerate(COLUMNS, start=2):
                text, tip = format_kpi(k, column)
                self._set_cell(r, c, text, tip)

    def _set_cell(self, row: int, col: int, text: str, tip: str) -> None:
        item = QTableWidgetItem(text)
        if col >= 2:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if tip:
            item.setToolTip(tip)
        self.table.setItem(row, col, item)

    def _fill_signals(self, report: HealthReport) -> None:
        self.signals.clear()
        names = {t.key: t.name for t in report.kpis.territories}
        for s in report.signals:
            item = QTreeWidgetItem([names.get(s.territory_id, s.territory_id), s.rule,
                                    s.action or "", s.message])
            item.setToolTip(3, s.message)
            self.signals.addTopLevelItem(item)
        for col in (0, 1, 2):
            self.signals.resizeColumnToContents(col)

    # ----------------------------------------------------------------- chart
    def chart_values(self) -> tuple[list[str], list[float | None], float | None]:
        """Return the chart's territory names, their values and the team average line.

        The average is the team's figure for ratios and rates, the team total over the
        number of territories for totals (pipeline, white space).
        """
        report = self.report
        if report is None:
            return [], [], None
        column = COLUMNS[max(0, self.chart_kpi.currentIndex())]
        territories = report.kpis.territories
        values: list[float | None] = [_as_float(getattr(k, column.kpi)) for k in territories]
        team = _as_float(getattr(report.kpis.team, column.kpi))
        if column.summed and team is not None and territories:
            team /= len(territories)
        return [k.name for k in territories], values, team

    def _draw_chart(self) -> None:
        chart = self.chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        names, values, team = self.chart_values()
        if not names:
            return
        column = COLUMNS[max(0, self.chart_kpi.currentIndex())]
        percent = column.kind == "percent"
        scale = 100.0 if percent else 1.0
        bars = QBarSet(column.header + (" (%)" if percent else ""))
        bars.append([0.0 if v is None else v * scale for v in values])
        series = QBarSeries()
        series.append(bars)
        chart.addSeries(series)
        x_axis = QBarCategoryAxis()
        x_axis.append(names)
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(x_axis)
        y_axis = QValueAxis()
        top = max([v * scale for v in values if v is not None] + [0.0])
        if team is not None:
            top = max(top, team * scale)
            line = QLineSeries()
            line.setName(f"Team average {kpi_text(team, column.kind)}")
            line.append([QPointF(-0.5, team * scale), QPointF(len(names) - 0.5, team * scale)])
            line.setPen(QPen(QColor("#d62728"), 2, Qt.PenStyle.DashLine))
            chart.addSeries(line)
            line.attachAxis(x_axis)
        y_axis.setRange(0.0, top * 1.1 if top > 0 else 1.0)
        y_axis.applyNiceNumbers()
        y_axis.setLabelFormat("%.0f" if top >= 10 else "%.1f")  # 60000, not 60000.0
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        for s in chart.series():
            s.attachAxis(y_axis)
        missing = [n for n, v in zip(names, values, strict=True) if v is None]
        chart.setTitle(f"{column.header} per territory, {self.report.kpis.period}"
                       if self.report else column.header)
        if missing:
            chart.setTitle(chart.title() + f" (no figure: {', '.join(missing)})")


def _as_float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
