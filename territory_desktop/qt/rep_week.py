"""The rep's week: one rep, one calendar week, every planned visit with a done/skipped/moved log.

Works from the plan file alone (no network): addresses, notes and the log are in the plan;
planned times and leg distances appear once the road network is loaded.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from territory_desktop import edits
from territory_desktop.model import VISIT_STATUSES, ScheduleError, VisitLogEntry
from territory_desktop.qt.rotation_panel import clock, fill_rep_combo

if TYPE_CHECKING:
    from territory_desktop.qt.main_window import MainWindow

COLUMNS = ("Day", "#", "Planned", "Account", "Address", "Notes", "Status", "Moved to",
           "Odometer start", "Odometer end", "Miles", "Log note")
EDITABLE = {"Moved to", "Odometer start", "Odometer end", "Miles", "Log note"}
PLANNED = "planned"


def _number(text: str) -> float | None:
    text = text.strip().replace(",", "")
    return float(text) if text else None


class RepWeekView(QWidget):
    """Rep picker, week picker and the week's visits with their log."""

    visit_selected = Signal(str, str)
    """The user picked a visit row (rep id, ISO date) — its day's route is shown."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.main_window = window
        self.rep = QComboBox(self)
        self.rep.setObjectName("repWeekRep")
        self.week = QDateEdit(self)
        self.week.setCalendarPopup(True)
        self.week.setDisplayFormat("ddd d MMM yyyy")
        self.week.setDate(QDate.currentDate())
        prev_week = QPushButton("◀", self)
        next_week = QPushButton("▶", self)
        prev_week.setToolTip("Previous week")
        next_week.setToolTip("Next week")
        self.caption = QLabel(self)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("repWeekTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Rep", self))
        top.addWidget(self.rep, 1)
        top.addWidget(QLabel("Week of", self))
        top.addWidget(prev_week)
        top.addWidget(self.week)
        top.addWidget(next_week)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        self.rows: list[tuple[str, str]] = []  # (ISO date, account id) per table row
        self._filling = False
        prev_week.clicked.connect(lambda: self.week.setDate(self.week.date().addDays(-7)))
        next_week.clicked.connect(lambda: self.week.setDate(self.week.date().addDays(7)))
        self.rep.currentIndexChanged.connect(self.refresh)
        self.week.dateChanged.connect(self.refresh)
        self.table.itemChanged.connect(self._on_table_item_changed)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        window.document.plan_changed.connect(self._on_document_plan_changed)
        window.routing.network_ready.connect(self.refresh)
        self._fill_reps()
        self.refresh()

    def rep_id(self) -> str | None:
        return self.rep.currentData()

    def monday(self) -> dt.date:
        q = self.week.date()
        d = dt.date(q.year(), q.month(), q.day())
        return d - dt.timedelta(days=d.weekday())

    def _fill_reps(self) -> None:
        fill_rep_combo(self.rep, self.main_window.document.plan)

    def _on_document_plan_changed(self) -> None:
        self._fill_reps()
        self.refresh()

    # ----------------------------------------------------------------- drawing
    def refresh(self) -> None:
        """Rebuild the table for the chosen rep and week from the plan and its log."""
        from territory_desktop.optimize.plan_schedule import cycle_for

        self._filling = True
        try:
            self.table.setRowCount(0)
            self.rows = []
            plan = self.main_window.document.plan
            rep_id = self.rep_id()
            schedule = plan.schedules.get(rep_id) if rep_id else None
            if not rep_id or schedule is None:
                self.caption.setText("No rotation for this rep yet (Rotation tab).")
                return
            cycle = cycle_for(plan, schedule.weeks)
            monday = self.monday()
            planner = self.main_window.rotation.planner(rep_id)
            index = {(d.week, d.weekday): d.index for d in planner.days} if planner else {}
            log = {(e.date, e.account_id): e for e in plan.visit_log if e.rep_id == rep_id}
            week_no = None
            total_visits = 0
            for offset in range(7):
                date = monday + dt.timedelta(days=offset)
                slot = cycle.slot(date)
                if slot is None:
                    continue
                week_no = slot[0]
                visits = schedule.day(*slot)
                times = self._times(planner, index.get(slot), [v.account_id for v in visits])
                off = (slot in plan.reps[rep_id].days_off
                       or date.isoformat() in plan.settings.holidays)
                for n, v in enumerate(visits, start=1):
                    self._add_row(date, n, v.account_id, times.get(v.account_id),
                                  log.get((date.isoformat(), v.account_id)), off)
                    total_visits += 1
            self.table.resizeColumnsToContents()
            label = f"week {week_no + 1} of the {schedule.weeks}-week rotation" \
                if week_no is not None else "no working days"
            self.caption.setText(f"{total_visits} planned visits · {label} · "
                                 + ("planned times on road drive times" if planner else
                                    "load the road network (Ctrl+B) for planned times"))
        finally:
            self._filling = False

    @staticmethod
    def _times(planner: Any, day_index: int | None, ids: list[str]) -> dict[str, str]:
        if planner is None or day_index is None or not ids:
            return {}
        from territory_desktop.optimize.plan_schedule import day_timeline

        known = {a.id for a in planner.accounts}
        ids = [a for a in ids if a in known]
        return {s.account_id: f"{clock(s.start)}–{clock(s.depart)}"
                for s in day_timeline(planner, day_index, ids)}

    def _add_row(self, date: dt.date, n: int, account_id: str, planned: str | None,
                 entry: VisitLogEntry | None, off: bool) -> None:
        plan = self.main_window.document.plan
        account = plan.accounts.get(account_id)
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.rows.append((date.isoformat(), account_id))

        def fmt(value: float | None) -> str:
            return "" if value is None else f"{value:g}"

        values = {
            "Day": date.strftime("%a %d %b") + (" (off)" if off else ""),
            "#": str(n),
            "Planned": planned or "—",
            "Account": account.name if account else account_id,
            "Address": account.address if account else "",
            "Notes": account.notes if account else "",
            "Moved to": entry.moved_to if entry else "",
            "Odometer start": fmt(entry.odometer_start) if entry else "",
            "Odometer end": fmt(entry.odometer_end) if entry else "",
            "Miles": fmt(entry.miles) if entry else "",
            "Log note": entry.note if entry else "",
        }
        for col, name in enumerate(COLUMNS):
            if name == "Status":
                combo = QComboBox(self.table)
                combo.addItems([PLANNED, *VISIT_STATUSES])
                combo.setCurrentText(entry.status if entry else PLANNED)
                combo.currentTextChanged.connect(
                    lambda _t, r=row: self._on_row_edited(r))
                self.table.setCellWidget(row, col, combo)
                continue
            item = QTableWidgetItem(values[name])
            flags = item.flags()
            if name not in EDITABLE:
                item.setFlags(flags & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(row, col, item)

    # ----------------------------------------------------------------- editing
    def _cell(self, row: int, name: str) -> str:
        col = COLUMNS.index(name)
        if name == "Status":
            combo = self.table.cellWidget(row, col)
            assert isinstance(combo, QComboBox)  # refresh() puts a status combo in every row
            return combo.currentText()
        item = self.table.item(row, col)
        return item.text().strip() if item else ""

    def _on_table_item_changed(self, item: QTableWidgetItem) -> None:
        if not self._filling:
            self._on_row_edited(item.row())

    def entry_for_row(self, row: int) -> VisitLogEntry | None:
        """The log entry the row's cells describe (None when the visit is just planned)."""
        date, account_id = self.rows[row]
        status = self._cell(row, "Status")
        if status == PLANNED:
            return None
        moved_to = self._cell(row, "Moved to")
        if status == "moved" and not moved_to:
            moved_to = (dt.date.fromisoformat(date) + dt.timedelta(days=1)).isoformat()
        return VisitLogEntry(
            date, self.rep_id() or "", account_id, status,
            moved_to=moved_to if status == "moved" else "",
            odometer_start=_number(self._cell(row, "Odometer start")),
            odometer_end=_number(self._cell(row, "Odometer end")),
            miles=_number(self._cell(row, "Miles")),
            note=self._cell(row, "Log note"))

    def _on_row_edited(self, row: int) -> None:
        if self._filling:
            return
        date, account_id = self.rows[row]
        rep_id = self.rep_id()
        if rep_id is None:  # no rep picked: refresh() left no rows to edit
            return
        plan = self.main_window.document.plan
        try:
            entry = self.entry_for_row(row)
            if entry is not None and entry.moved_to:
                dt.date.fromisoformat(entry.moved_to)
        except (ValueError, ScheduleError) as exc:
            self.main_window.notify_error("Visit log", f"{exc}" if str(exc) else "bad value")
            self.refresh()
            return
        existing = any((e.date, e.rep_id, e.account_id) == (date, rep_id, account_id)
                       for e in plan.visit_log)
        if entry is None:
            if existing:
                self.main_window.apply_edit(
                    lambda: edits.clear_visit_log_entry(plan, date, rep_id, account_id))
            return
        self.main_window.apply_edit(lambda: edits.log_visit(plan, entry))

    def _on_table_selection_changed(self) -> None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        rep_id = self.rep_id()
        if len(rows) != 1 or rep_id is None:
            return
        date, _aid = self.rows[rows.pop()]
        from territory_desktop.optimize.plan_schedule import cycle_for

        schedule = self.main_window.document.plan.schedules[rep_id]
        slot = cycle_for(self.main_window.document.plan, schedule.weeks).slot(
            dt.date.fromisoformat(date))
        if slot is not None:
            self.main_window.rotation.show_day_route(rep_id, slot)
        self.visit_selected.emit(rep_id, date)
