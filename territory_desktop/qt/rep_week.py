"""The rep's week: one rep, one calendar week, every planned visit with a done/skipped/moved log.

Works from the plan file alone (no network): addresses, notes and the log are in the plan;
planned times and leg distances appear once the road network is loaded.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal
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

from territory_desktop import clock, edits
from territory_desktop.model import VISIT_STATUSES, Plan, ScheduleError, VisitLogEntry
from territory_desktop.model.odometer import check_readings
from territory_desktop.model.rotation_dates import (
    check_logged_on,
    check_moved_to,
    logged_elsewhere,
    moved_visit_day,
    week_to_show,
)
from territory_desktop.qt.widgets import CellComboBox, fill_rep_combo
from territory_desktop.units import DistanceUnit, convert, distance_unit

if TYPE_CHECKING:
    from territory_desktop.qt.rotation_controller import RotationController
    from territory_desktop.qt.workbench import Workbench

COLUMNS = ("Day", "#", "Planned", "Account", "Address", "Notes", "Status", "Moved to",
           "Odometer start", "Odometer end", "Miles", "Log note")
EDITABLE = {"Moved to", "Odometer start", "Odometer end", "Miles", "Log note"}
READINGS = ("Odometer start", "Odometer end", "Miles")
PLANNED = "planned"
CELL_PADDING = 14  # px around a cell's text (the style's margins and a little air)
WIDEST = {"Address": 200, "Notes": 160}  # px: longer text is cut (the tooltip has it whole)
HEADERS = {"Odometer start": ("Odo start", "Odometer at the start of the drive to the visit"),
           "Odometer end": ("Odo end", "Odometer on arrival at the visit")}  # short: room
SHOWN = Qt.ItemDataRole.UserRole + 1  # a Miles cell's text for the logged distance: not retyped
DISTANCE_HEADERS = {"mi": "Miles", "km": "Km"}  # the "Miles" column in the user's unit


def _number(column: str, text: str) -> float | None:
    """Read a number typed by the rep ("12,010" is 12010); a one-line error names the column."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ScheduleError(f"{column}: {text!r} is not a number") from None


class RepWeekView(QWidget):
    """Rep picker, week picker and the week's visits with their log."""

    visit_selected = Signal(str, str)
    """The user picked a visit row (rep id, ISO date) — its day's route is shown."""

    def __init__(self, bench: Workbench, rotation: RotationController) -> None:
        super().__init__(bench.dialog_parent())
        self.bench = bench
        self.rotation = rotation
        self.rep = QComboBox(self)
        self.rep.setObjectName("repWeekRep")
        self.week = QDateEdit(self)
        self.week.setObjectName("repWeekMonday")
        self.week.setCalendarPopup(True)
        self.week.setDisplayFormat("ddd d MMM yyyy")
        self.week.setToolTip("Weeks are named by their Monday; any day picked shows its week")
        self.week.setDate(_qdate(week_to_show(
            clock.today(), bench.document.plan.settings.working_weekdays)))
        prev_week = QPushButton("◀", self)
        prev_week.setObjectName("repWeekPrevious")
        next_week = QPushButton("▶", self)
        next_week.setObjectName("repWeekNext")
        prev_week.setToolTip("Previous week")
        next_week.setToolTip("Next week")
        self.caption = QLabel(self)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("repWeekTable")
        self.table.setHorizontalHeaderLabels([HEADERS.get(c, (c,))[0] for c in COLUMNS])
        for name, (_label, tip) in HEADERS.items():
            header_item = self.table.horizontalHeaderItem(COLUMNS.index(name))
            assert header_item is not None  # set by the labels above
            header_item.setToolTip(tip)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self._sized_for: str | None = None  # the rep the column widths were fitted for
        self._shown: tuple[str | None, dt.date] | None = None  # (rep, week) on screen
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
        self._logging = False  # our own log edit is being applied: update the row in place
        prev_week.clicked.connect(lambda: self._show_week(self.monday() - dt.timedelta(days=7)))
        next_week.clicked.connect(lambda: self._show_week(self.monday() + dt.timedelta(days=7)))
        self.rep.currentIndexChanged.connect(self.refresh)
        self.week.dateChanged.connect(self._on_week_date_changed)
        self.table.itemChanged.connect(self._on_table_item_changed)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        bench.document.plan_changed.connect(self._on_document_plan_changed)
        rotation.routing.network_ready.connect(self.refresh)
        self._fill_reps()
        self.show_distance_unit()
        self.refresh()

    def rep_id(self) -> str | None:
        """Return the id of the chosen rep (None when there are no reps)."""
        rep_id: str | None = self.rep.currentData()  # fill_rep_combo stores the rep id as item data
        return rep_id

    def monday(self) -> dt.date:
        """Return the Monday of the week shown."""
        q = self.week.date()
        d = dt.date(q.year(), q.month(), q.day())
        return d - dt.timedelta(days=d.weekday())

    def _show_week(self, monday: dt.date) -> None:
        self.week.setDate(_qdate(monday))

    def _on_week_date_changed(self, date: QDate) -> None:
        if date.dayOfWeek() != 1:  # a day picked in the calendar stands for its week
            self._show_week(self.monday())
            return
        self.refresh()

    def _fill_reps(self) -> None:
        fill_rep_combo(self.rep, self.bench.document.plan)

    def _on_document_plan_changed(self) -> None:
        if self._logging:  # our own row edit: the row already shows it; keep focus and editor
            return
        self._fill_reps()
        # Not now: this may run inside the table's own commit of an editor, which a rebuild
        # would delete under it.
        QTimer.singleShot(0, self, self.refresh)

    # ----------------------------------------------------------------- drawing
    def refresh(self) -> None:
        """Rebuild the table for the chosen rep and week from the plan and its log."""
        from territory_desktop.optimize.plan_schedule import cycle_for, planned_on

        rep_id = self.rep_id()
        same = self._shown == (rep_id, self.monday())  # a redraw: keep the place on screen
        self._shown = (rep_id, self.monday())
        scroll = self.table.verticalScrollBar().value()
        current = (self.table.currentRow(), self.table.currentColumn())
        self._filling = True
        try:
            self.table.setRowCount(0)
            self.rows = []
            plan = self.bench.document.plan
            schedule = plan.schedules.get(rep_id) if rep_id else None
            if not rep_id or schedule is None:
                self.caption.setText("No rotation for this rep yet (Rotation tab).")
                return
            cycle = cycle_for(plan, schedule.weeks)
            monday = self.monday()
            planner = self.rotation.planner(rep_id)
            log = {(e.date, e.account_id): e for e in plan.visit_log if e.rep_id == rep_id}
            week_no = None
            total_visits = 0
            holidays = _holiday_notes(plan, monday)
            week = {d: (slot, planned_on(plan, rep_id, cycle, d))  # a holiday's: the day after
                    for d in (monday + dt.timedelta(days=n) for n in range(7))
                    if (slot := cycle.slot(d)) is not None}
            hidden = logged_elsewhere(
                {d.isoformat(): [a for a, _h in on_day] for d, (_s, on_day) in week.items()},
                (e for e in log.values() if dt.date.fromisoformat(e.date) in week))
            for date, (slot, on_day) in week.items():
                week_no = slot[0]
                iso = date.isoformat()
                on_day = [(a, h) for a, h in on_day if (iso, a) not in hidden]
                times = self._times(rep_id, planner, [a for a, _h in on_day])
                planned = {a: times.get(a) if h is None else
                           _joined(times.get(a), f"from {h:%a} {h.day} {h:%b} (holiday)")
                           for a, h in on_day}
                off = ("" if (rep_id, iso) in plan.kept_days  # as it was then
                       else "off" if slot in plan.reps[rep_id].days_off
                       else holidays.get(date, ""))
                for n, (aid, when) in enumerate(planned.items(), start=1):
                    self._add_row(date, n, aid, when, log.get((iso, aid)), off)
                    total_visits += 1
                # What the log says happened that day though the rotation has it elsewhere
                # now (re-planned since), and visits moved here: the log is what happened.
                extra = {a: "not planned that day" for (d, a) in log if d == iso}
                extra.update((e.account_id, f"moved here from {e.date}") for e in log.values()
                             if e.status == "moved" and e.moved_to == iso)
                for aid in planned:
                    extra.pop(aid, None)
                for n, (aid, why) in enumerate(extra.items(), start=len(planned) + 1):
                    self._add_row(date, n, aid, why, log.get((iso, aid)), off)
            self._fit_columns()
            if same:
                if 0 <= current[0] < self.table.rowCount():
                    self.table.setCurrentCell(*current)
                self.table.verticalScrollBar().setValue(scroll)
            label = f"week {week_no + 1} of the {schedule.weeks}-week rotation" \
                if week_no is not None else "no working days"
            off_days = "".join(f" · {d:%a} {d.day} {d:%b} {note}"
                               for d, note in sorted(holidays.items()))
            off_days += "".join(f" · {d:%a} {d.day} {d:%b} off" for d, (s, _v) in week.items()
                                if s in plan.reps[rep_id].days_off
                                and (rep_id, d.isoformat()) not in plan.kept_days)
            if any((rep_id, d.isoformat()) in plan.kept_days for d in week):
                off_days += " · days past as they were planned (the rotation changed since)"
            self.caption.setText(f"{total_visits} planned visits · {label}{off_days} · "
                                 + ("load the road network (Ctrl+B) for planned times"
                                    if planner is None else "planned times on straight-line "
                                    "estimates (no road network)" if self.rotation.straight_line
                                    else "planned times on road drive times"))
        finally:
            self._filling = False

    def show_distance_unit(self) -> None:
        """Name the distance column in the user's unit and show the logged distances in it.

        The preferences' only mark on the week: their change redraws nothing else.
        """
        header = self.table.horizontalHeaderItem(COLUMNS.index("Miles"))
        assert header is not None  # set in __init__
        header.setText(self._distance_header())
        self._filling = True
        try:
            for row in range(len(self.rows)):
                self._show_readings(row, self._logged(row))
        finally:
            self._filling = False
        self._widen_to_fit()

    def _unit(self) -> DistanceUnit:
        return distance_unit(self.bench.prefs.units)

    def _distance_header(self) -> str:
        return DISTANCE_HEADERS[self._unit()]

    def _logged(self, row: int) -> VisitLogEntry | None:
        """Return the plan's log entry of the row (None when nothing is logged)."""
        date, account_id = self.rows[row]
        key = (date, self.rep_id(), account_id)
        return next((e for e in self.bench.document.plan.visit_log
                     if (e.date, e.rep_id, e.account_id) == key), None)

    def _times(self, rep_id: str, planner: Any, ids: list[str]) -> dict[str, str]:
        """Planned start–end of a day's visits in this order, timed as the exports time them."""
        if planner is None or not ids:
            return {}
        from territory_desktop.optimize.plan_schedule import planned_times

        return {s.account_id: f"{clock.hhmm(s.start)}–{clock.hhmm(s.depart)}"
                for s in planned_times(self.bench.document.plan, rep_id, planner, ids)}

    def _add_row(self, date: dt.date, n: int, account_id: str, planned: str | None,
                 entry: VisitLogEntry | None, off: str) -> None:
        """Add a visit row; ``off`` says why nobody visits that day ("" on a working day)."""
        plan = self.bench.document.plan
        account = plan.accounts.get(account_id)
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.rows.append((date.isoformat(), account_id))

        values = {
            "Day": date.strftime("%a %d %b") + (f" ({off})" if off else ""),
            "#": str(n),
            "Planned": planned or "—",
            "Account": account.name if account else account_id,
            "Address": account.address if account else "",
            "Notes": account.notes if account else "",
            "Moved to": entry.moved_to if entry else "",
            "Log note": entry.note if entry else "",
        }
        for col, name in enumerate(COLUMNS):
            if name == "Status":
                combo = CellComboBox(self.table)
                combo.addItems(list(VISIT_STATUSES))
                combo.setCurrentText(entry.status if entry else PLANNED)
                combo.currentTextChanged.connect(
                    lambda _t, r=row: self._on_row_edited(r))
                self.table.setCellWidget(row, col, combo)
                continue
            item = QTableWidgetItem(values.get(name, ""))
            if name in WIDEST:
                item.setToolTip(values.get(name, ""))
            flags = item.flags()
            if name not in EDITABLE:
                item.setFlags(flags & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(row, col, item)
        self._show_readings(row, entry)

    def _show_readings(self, row: int, entry: VisitLogEntry | None) -> None:
        """Odometer and distance cells; a distance not typed by the rep comes from the odometer.

        The odometer cells show the readings as typed, in the entry's unit (the car's); the
        distance is shown in the user's unit, its tooltip saying what was logged.
        """
        unit = self._unit()
        distance = entry.distance_in(unit) if entry else None
        if distance is not None and entry is not None and entry.unit != unit:
            distance = round(distance, 2)  # to the hundredth, as the exports print it
        values = {
            "Odometer start": _fmt(entry.odometer_start) if entry else "",
            "Odometer end": _fmt(entry.odometer_end) if entry else "",
            "Miles": _fmt(distance),
        }
        for name in READINGS:
            self._item(row, name).setText(values[name])
        miles = self._item(row, "Miles")
        miles.setData(SHOWN, values["Miles"] if distance is not None else None)
        computed = entry is not None and entry.distance is None and distance is not None
        font = miles.font()
        font.setItalic(computed)
        miles.setFont(font)
        miles.setToolTip(_logged_as(entry, unit))
        other = (f"As read, in {entry.unit} (distances are shown in {unit})"
                 if entry is not None and entry.unit != unit else "")
        for name in ("Odometer start", "Odometer end"):
            self._item(row, name).setToolTip(other)

    # ----------------------------------------------------------------- editing
    def _item(self, row: int, name: str) -> QTableWidgetItem:
        item = self.table.item(row, COLUMNS.index(name))
        assert item is not None  # refresh() puts an item in every text cell
        return item

    def _cell(self, row: int, name: str) -> str:
        col = COLUMNS.index(name)
        if name == "Status":
            combo = self.table.cellWidget(row, col)
            assert isinstance(combo, QComboBox)  # refresh() puts a status combo in every row
            return combo.currentText()
        item = self.table.item(row, col)
        return item.text().strip() if item else ""

    def _on_table_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        if item.column() == COLUMNS.index("Miles"):
            if item.data(SHOWN) == item.text():  # passed through, not changed
                return
            self._filling = True
            try:
                item.setData(SHOWN, None)  # typed by the rep: a recorded distance
            finally:
                self._filling = False
        self._on_row_edited(item.row())

    def entry_for_row(self, row: int) -> VisitLogEntry | None:
        """Return the log entry the row's cells describe (None when nothing is logged).

        Readings typed on a row that is still planned are kept as a "planned" entry, so every
        reading a rep enters is saved. Readings are in the logged entry's unit when it has any
        (the odometer cells show them as typed), else in the user's; a distance typed in the
        user's unit is converted to it.
        """
        date, account_id = self.rows[row]
        status = self._cell(row, "Status")
        logged = self._logged(row)
        unit = (logged.unit if logged is not None and (
            logged.distance, logged.odometer_start, logged.odometer_end) != (None, None, None)
            else self._unit())
        if self._item(row, "Miles").data(SHOWN) is not None:  # as logged: kept exactly
            distance = logged.distance if logged is not None else None
        else:
            typed = _number(self._distance_header(), self._cell(row, "Miles"))
            distance = None if typed is None else convert(typed, self._unit(), unit)
        readings = {
            "odometer_start": _number("Odometer start", self._cell(row, "Odometer start")),
            "odometer_end": _number("Odometer end", self._cell(row, "Odometer end")),
            "distance": distance,
        }
        note = self._cell(row, "Log note")
        check_logged_on(date, status, clock.today())
        if status == PLANNED and note == "" and all(v is None for v in readings.values()):
            return None
        moved_to = self._cell(row, "Moved to")
        settings = self.bench.document.plan.settings
        if status == "moved" and not moved_to:
            moved_to = moved_visit_day(date, tuple(settings.working_weekdays),
                                       tuple(settings.holidays))
        if status == "moved":
            check_moved_to(date, moved_to, tuple(settings.holidays),
                           tuple(settings.working_weekdays))
        entry = VisitLogEntry(
            date, self.rep_id() or "", account_id, status,
            moved_to=moved_to if status == "moved" else "", note=note, unit=unit, **readings)
        plan = self.bench.document.plan
        names = {e.account_id: plan.accounts[e.account_id].name for e in plan.visit_log
                 if e.account_id in plan.accounts}
        check_readings(entry, plan.visit_log, names)
        return entry

    def _on_row_edited(self, row: int) -> None:
        if self._filling:
            return
        date, account_id = self.rows[row]
        rep_id = self.rep_id()
        if rep_id is None:  # no rep picked: refresh() left no rows to edit
            return
        plan = self.bench.document.plan
        try:
            entry = self.entry_for_row(row)
        except (ValueError, ScheduleError) as exc:
            name = plan.accounts[account_id].name if account_id in plan.accounts else account_id
            self.bench.notify_error(f"Visit log: {name} on {date}",
                                          f"{exc} (not saved)" if str(exc) else "bad value")
            # back to what the plan holds, after the commit
            QTimer.singleShot(0, self, self.refresh)
            return
        existing = self._logged(row)
        if existing == entry:
            return
        moved = {e.moved_to for e in (existing, entry) if e is not None and e.moved_to}
        self._logging = True
        try:
            if entry is None:
                if existing is not None:
                    self.bench.apply_edit(
                        lambda: edits.clear_visit_log_entry(plan, date, rep_id, account_id))
            else:
                self.bench.apply_edit(lambda: edits.log_visit(plan, entry))
        finally:
            self._logging = False
        self._filling = True
        try:
            self._show_readings(row, entry)
            self._item(row, "Moved to").setText(entry.moved_to if entry else "")
        finally:
            self._filling = False
        self._widen_to_fit()
        if moved:  # another day's "moved here" row comes, goes or changes: redraw the week
            # Not now: this may run inside the table's commit of an editor (see above).
            QTimer.singleShot(0, self, self.refresh)

    def _fit_columns(self) -> None:
        """Fit the data columns to their text, the log note taking the rest of the width.

        For one rep a column only ever widens (no jumping from week to week, or when planned
        times arrive with the road network); another rep's week is fitted afresh. Long
        addresses and notes are cut at :data:`WIDEST` (their tooltip has them whole).
        """
        rep_id = self.rep_id()
        fresh, self._sized_for = rep_id != self._sized_for, rep_id
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        for col, name in enumerate(COLUMNS[:-1]):  # the last one stretches
            texts = [self._cell(row, name) for row in range(self.table.rowCount())]
            widest = max((metrics.horizontalAdvance(t) for t in texts if t), default=0)
            if name == "Planned":  # room for times before the road network brings them
                widest = max(widest, metrics.horizontalAdvance("00:00–00:00"))
            if name == "Status":
                widest = max((w.sizeHint().width() for row in range(self.table.rowCount())
                              if (w := self.table.cellWidget(row, col)) is not None), default=0)
            else:
                widest += CELL_PADDING
            want = max(min(widest, WIDEST.get(name, widest)), header.sectionSizeFromContents(
                col).width())
            if fresh or want > self.table.columnWidth(col):
                self.table.setColumnWidth(col, want)

    def _widen_to_fit(self) -> None:
        """Widen the columns whose text an edit made longer; never narrow one (no jumping)."""
        self._fit_columns()

    def _on_table_selection_changed(self) -> None:
        if self._filling:  # a redraw putting the current cell back: no new pick by the user
            return
        rows = {i.row() for i in self.table.selectedIndexes()}
        rep_id = self.rep_id()
        if len(rows) != 1 or rep_id is None:
            return
        date, _aid = self.rows[rows.pop()]
        from territory_desktop.optimize.plan_schedule import cycle_for

        schedule = self.bench.document.plan.schedules[rep_id]
        slot = cycle_for(self.bench.document.plan, schedule.weeks).slot(
            dt.date.fromisoformat(date))
        if slot is not None:
            self.rotation.show_day_route(rep_id, slot)
        self.visit_selected.emit(rep_id, date)


def _holiday_notes(plan: Plan, monday: dt.date) -> dict[dt.date, str]:
    """Return "holiday" (with its public name where it has one) for the holidays of the week."""
    from territory_desktop.model.public_holidays import calendar_of, holiday_names

    week = [monday + dt.timedelta(days=n) for n in range(7)]
    days = [d for d in week if d.isoformat() in plan.settings.holidays]
    country, region = calendar_of(plan.settings)
    names = holiday_names(country, days, region)
    return {d: f"holiday: {names[d]}" if d in names else "holiday" for d in days}


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _logged_as(entry: VisitLogEntry | None, unit: str) -> str:
    """Return a distance cell's tooltip: where the figure comes from, in the entry's unit."""
    if entry is None or entry.logged_distance is None:
        return ""
    other = f", shown in {unit}" if entry.unit != unit else ""
    if entry.distance is None:
        return (f"Odometer end minus start: {_fmt(entry.odometer_start)} → "
                f"{_fmt(entry.odometer_end)} {entry.unit}{other}")
    return f"Typed as {_fmt(entry.distance)} {entry.unit}{other}" if other else ""


def _qdate(date: dt.date) -> QDate:
    return QDate(date.year, date.month, date.day)


def _joined(planned: str | None, why: str) -> str:
    """Return a row's Planned text: its times (when known) and why it is on that day."""
    return f"{planned} · {why}" if planned else why
