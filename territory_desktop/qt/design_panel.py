"""The Design panel: how fair and how drivable the current territories are, live.

It shows the :class:`~territory_desktop.optimize.alignment_figures.AlignmentFigures` the
design controller computes after every edit: max/min ratio and coefficient of variation of
workload and potential, the balance index and compactness score (0-100), each territory's
deviation from its target, its pieces (split territories flagged) and where its drive hours
come from ("scheduled", "estimate" on road times, or "straight-line"), beside a bar chart of
workload per territory with the +/- tolerance band around each target.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

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
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from territory_desktop.model import Rep
from territory_desktop.model.balance_metrics import band_text
from territory_desktop.optimize.alignment_figures import AlignmentFigures
from territory_desktop.qt.widgets import rep_label

__all__ = ["COLUMNS", "DesignPanel"]

# What makes a territory fair and drivable first: a narrow panel cuts the last columns off.
COLUMNS = ("Territory", "Rep", "Accounts", "Workload h/wk", "Target h/wk", "Deviation",
           "Pieces", "Compactness", "Potential", "Potential dev.", "Drive h/wk", "Drive time")
_TIPS = {
    "Workload h/wk": "Visit hours plus drive hours per week",
    "Target h/wk": "The team's workload shared in proportion to the reps' weekly hours",
    "Deviation": "Workload / target - 1 (red: outside the tolerance band)",
    "Potential dev.": "Potential / its target - 1",
    "Drive time": ("scheduled: from the rep's rotation; estimate: calibrated road drive times; "
                   "straight-line: distance x detour factor (no road network)"),
    "Compactness": "0-100: 100 when every account sits at the territory's centre",
    "Pieces": "Separate parts of the territory (more than 1: split)",
}
_OUTSIDE = QColor("#c62828")


def _pct(value: float) -> str:
    return f"{value:+.1%}"


def _ratio(value: float) -> str:
    return "-" if math.isnan(value) else "∞" if math.isinf(value) else f"{value:.2f}"


class DesignPanel(QWidget):
    """Balance metrics, a table per territory and a workload chart with the target band."""

    figures_shown = Signal()
    """The panel shows newly computed figures (read ``figures``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("designPanel")
        self.figures: AlignmentFigures | None = None
        self.tolerance = 0.05
        self.reps: Mapping[str, Rep] = {}
        self.summary = QLabel("Open a plan with territories and reps to see its balance.", self)
        self.summary.setObjectName("designSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.balance_button = QPushButton("Auto-balance…", self)
        self.balance_button.setObjectName("designBalance")
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("designTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        for k, name in enumerate(COLUMNS):
            header = self.table.horizontalHeaderItem(k)
            if header is not None and name in _TIPS:
                header.setToolTip(_TIPS[name])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.chart = QChart()
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart_view = QChartView(self.chart, self)
        self.chart_view.setObjectName("designChart")
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumSize(320, 220)

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.balance_button, 0, Qt.AlignmentFlag.AlignTop)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(self.chart_view)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([800, 520])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

    def show_figures(self, figures: AlignmentFigures, tolerance: float,
                     reps: Mapping[str, Rep] | None = None) -> None:
        """Show ``figures``; deviations beyond ``tolerance`` are marked; reps by their names."""
        self.figures, self.tolerance = figures, tolerance
        self.reps = reps or {}
        self.summary.setText(self.summary_text())
        self._fill_table()
        self._draw_chart()
        self.figures_shown.emit()

    def clear(self) -> None:
        """Forget the figures (another plan is opening)."""
        self.figures = None
        self.summary.setText("Measuring the balance…")
        self.table.setRowCount(0)
        self.chart.removeAllSeries()

    def summary_text(self) -> str:
        """Return the one-paragraph summary of the metrics (rich text)."""
        f = self.figures
        if f is None:
            return ""
        m = f.metrics
        if not m.territory_ids:
            return "No territory on the map has a rep yet: nothing to balance."
        work, pot = m.criteria["workload"], m.criteria["potential"]
        sources = sorted({t.drive_source for t in f.scored})
        outside = len(work.outside(self.tolerance))
        split = [t.name for t in f.scored if t.pieces > 1]
        parts = [
            f"<b>Workload</b> max/min {_ratio(work.max_min)}, CV {work.cv:.1%}",
            f"<b>Potential</b> max/min {_ratio(pot.max_min)}, CV {pot.cv:.1%}",
            f"<b>Balance index</b> {m.balance_index:.0f}/100",
            f"<b>Compactness</b> {m.compactness:.0f}/100",
            f"drive time: {', '.join(sources)}",
            f"{outside} of {len(m.territory_ids)} outside ±{band_text(self.tolerance)}",
        ]
        if split:
            parts.append(f"<span style='color:{_OUTSIDE.name()}'>split: "
                         f"{', '.join(split)}</span>")
        if f.times.unreachable:
            parts.append(f"{len(f.times.unreachable)} accounts unreachable by road "
                         "(no drive time)")
        return " · ".join(parts)

    def _fill_table(self) -> None:
        f = self.figures
        assert f is not None
        m = f.metrics
        scored = set(m.territory_ids)
        work, pot = m.criteria["workload"], m.criteria["potential"]
        self.table.setRowCount(len(f.loads))
        for row, t in enumerate(f.loads):
            k = m.territory_ids.index(t.territory_id) if t.territory_id in scored else None
            dev = work.deviations[k] if k is not None else None
            cells = {
                "Territory": t.name, "Rep": rep_label(self.reps, t.rep_id),
                "Accounts": str(t.accounts), "Workload h/wk": f"{t.workload_hours:.1f}",
                "Target h/wk": f"{work.targets[k]:.1f}" if k is not None else "-",
                "Deviation": _pct(dev) if dev is not None else "not scored",
                "Pieces": f"{t.pieces} (split)" if t.pieces > 1 and k is not None
                else str(t.pieces),
                "Compactness": f"{t.compactness:.0f}", "Potential": f"{t.potential:,.0f}",
                "Potential dev.": _pct(pot.deviations[k]) if k is not None else "-",
                "Drive h/wk": f"{t.drive_hours:.1f}", "Drive time": t.drive_source,
            }
            for col, name in enumerate(COLUMNS):
                item = QTableWidgetItem(cells[name])
                outside = (COLUMNS[col] == "Deviation" and dev is not None
                           and abs(dev) > self.tolerance + 1e-9)
                if outside or (COLUMNS[col] == "Pieces" and t.pieces > 1 and k is not None):
                    item.setForeground(_OUTSIDE)
                self.table.setItem(row, col, item)

    def _draw_chart(self) -> None:
        chart = self.chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        f = self.figures
        if f is None or not f.metrics.territory_ids:
            return
        scored = f.scored
        work = f.metrics.criteria["workload"]
        bars = QBarSet("Workload h/wk")
        bars.append([t.workload_hours for t in scored])
        series = QBarSeries()
        series.append(bars)
        chart.addSeries(series)
        x_axis = QBarCategoryAxis()
        x_axis.append([t.name for t in scored])
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(x_axis)
        tol = self.tolerance
        pen = QPen(QColor("#d62728"), 2, Qt.PenStyle.DashLine)
        for name, factor in ((f"Target -{band_text(tol)}", 1 - tol),
                             (f"Target +{band_text(tol)}", 1 + tol)):
            # A segment over each bar: each target is proportional to its rep's weekly hours.
            for k, target in enumerate(work.targets):
                line = QLineSeries()
                line.setName(name)
                line.append([QPointF(k - 0.45, target * factor),
                             QPointF(k + 0.45, target * factor)])
                line.setPen(pen)
                chart.addSeries(line)
                line.attachAxis(x_axis)
                if k:  # one legend entry per bound
                    for marker in chart.legend().markers(line):
                        marker.setVisible(False)
        y_axis = QValueAxis()
        top = max([*work.values, *(t * (1 + tol) for t in work.targets), 0.0])
        y_axis.setRange(0.0, top * 1.1 if top > 0 else 1.0)
        y_axis.applyNiceNumbers()
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        for s in chart.series():
            s.attachAxis(y_axis)
        chart.setTitle(f"Workload h/wk; dashes: target ±{band_text(tol)}")
