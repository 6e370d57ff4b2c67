"""Small widget helpers the panels share: reps, tables, cell combos, problem lines, times."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QFrame,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from territory_desktop.model import Plan, Rep


def fill_rep_combo(combo: QComboBox, plan: Plan) -> None:
    """List the plan's reps (data: rep id), keeping the current choice, without signals."""
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for rep in plan.reps.values():
        combo.addItem(f"{rep.name} ({rep.id})", rep.id)
    index = combo.findData(current)
    combo.setCurrentIndex(index if index >= 0 else 0)
    combo.blockSignals(False)


def rep_label(reps: Mapping[str, Rep], rep_id: str | None) -> str:
    """Return how a rep is shown: the name, the id of a rep the plan lacks, "-" for none."""
    if not rep_id:
        return "-"
    rep = reps.get(rep_id)
    return rep.name if rep is not None else rep_id


def separator(parent: QWidget) -> QFrame:
    """Return a rule for the status bar: where a long message is cut, not run into a label."""
    rule = QFrame(parent)
    rule.setFrameShape(QFrame.Shape.VLine)
    rule.setFrameShadow(QFrame.Shadow.Sunken)
    return rule


def problem_label(parent: QWidget, name: str) -> QLabel:
    """Return a dialog's hidden red line that says why its settings cannot be used."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setStyleSheet("color: #c62828")
    label.setWordWrap(True)
    label.hide()
    return label


LISTED = 12  # warnings listed one a line; more are counted ("… and 3 more")


def bullets(lines: Sequence[str], limit: int = LISTED) -> str:
    """Return ``lines`` one a line as "• line": the first ``limit``, then how many more."""
    shown = [f"• {line}" for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(f"• … and {len(lines) - limit} more")
    return "\n".join(shown)


def with_warnings(lines: Sequence[str]) -> str:
    """Return "with a warning" or "with 3 warnings", for a title over :func:`bullets`."""
    return "with a warning" if len(lines) == 1 else f"with {len(lines)} warnings"


# A figure the tables show: "12", "1,234.5", "-3.4%", "+5.1 %", "$12.00"; not "7-Eleven".
_FIGURE = re.compile(r"[+\-−]?[$€£]?\d[\d,]*(?:\.\d+)?(?: ?%)?")
_MISSING = ("-", "–", "—")  # a figure one side of "a → b" lacks


def _is_figure(text: str) -> bool:
    """Return whether ``text`` is a number, or two (``a → b``, one may be a dash): right-align."""
    parts = [part.strip() for part in text.split("→")]
    figures = [part for part in parts if part not in _MISSING]
    return bool(figures) and all(_FIGURE.fullmatch(part) is not None for part in figures)


def read_only_table(parent: QWidget, name: str, header: list[str],
                    rows: list[list[str]]) -> QTableWidget:
    """Return a table of ``rows`` the user reads but cannot edit, numbers right-aligned."""
    table = QTableWidget(0, len(header), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(header)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    fill_table(table, rows)
    return table


def fill_table(table: QTableWidget, rows: list[list[str]]) -> None:
    """Put ``rows`` in ``table`` in place of its rows, numbers right-aligned."""
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)  # a long reason reads in full where the column cuts it
            if c and _is_figure(text):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


def hm(seconds: float) -> str:
    """Seconds as h:mm."""
    minutes = round(seconds / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


class CellComboBox(QComboBox):
    """A combo box for a table cell that the mouse wheel never changes.

    Over a table, the wheel scrolls the table: a plain combo under the pointer would take the
    wheel and step its value instead (and log each step). The value changes by a click on the
    combo or the keyboard only, even once it has focus: the wheel is handed to the table.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # no focus from the wheel either

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Scroll the table under the combo instead of changing the value."""
        area = self.parentWidget()
        while area is not None and not isinstance(area, QAbstractScrollArea):
            area = area.parentWidget()
        if area is None:
            event.ignore()
            return
        # Handed on explicitly: Qt propagates an ignored wheel event to the parent only when
        # it came from the window system, not when sent by code (a test, an automation tool).
        viewport = area.viewport()
        here = self.mapTo(viewport, event.position().toPoint())
        QApplication.sendEvent(viewport, QWheelEvent(
            QPointF(here), event.globalPosition(), event.pixelDelta(), event.angleDelta(),
            event.buttons(), event.modifiers(), event.phase(), event.inverted(), event.source()))
        event.accept()
