"""Call rotations in the window: schedule a rep, weeks x days calendar, hand edits, day routes."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, override

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import (
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QMouseEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from territory_desktop import clock, edits
from territory_desktop.model import RepSchedule
from territory_desktop.model.rotation_dates import visits_on_rest_days
from territory_desktop.model.schedule import WEEKDAY_NAMES as WEEKDAYS
from territory_desktop.qt.widgets import fill_rep_combo, hm

if TYPE_CHECKING:
    from collections.abc import Callable

    from territory_desktop.optimize.rotation_schedule import (
        RotationDayPlan,
        RotationSchedule,
    )
    from territory_desktop.qt.rotation_controller import RotationController
    from territory_desktop.qt.workbench import Workbench

log = logging.getLogger(__name__)
MIME = "application/x-territory-visit"
Slot = tuple[int, int]


def _stops(n: int) -> str:
    return f"{n} stop{'' if n == 1 else 's'}"


class DayHeader(QLabel):
    """A day's summary line; a click on it draws that day's route."""

    clicked = Signal()
    """The header was clicked."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    @override
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)


class DayList(QListWidget):
    """One calendar day: its visits in route order; visits can be dragged between days."""

    visit_dropped = Signal(str, object, object, int)
    """(account id, source slot, target slot, position) after a drag and drop."""
    remove_requested = Signal(str)
    """Delete (or Backspace) on a visit: remove it from the day (account id)."""

    def __init__(self, slot: Slot, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slot = slot
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setMinimumHeight(70)
        self.setMaximumHeight(150)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    @override
    def keyPressEvent(self, event: QKeyEvent) -> None:
        item = self.currentItem()
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and item is not None:
            self.remove_requested.emit(str(item.data(Qt.ItemDataRole.UserRole)))
            return
        super().keyPressEvent(event)

    @override
    def startDrag(self, actions: Qt.DropAction) -> None:
        item = self.currentItem()
        if item is None:
            return
        mime = QMimeData()
        week, weekday = self.slot
        mime.setData(MIME, f"{item.data(Qt.ItemDataRole.UserRole)}\t{week}\t{weekday}".encode())
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.exec(Qt.DropAction.MoveAction)

    @override
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    @override
    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        """Report the move; the calendar redraws from the plan, so the widget never moves items."""
        data = bytes(event.mimeData().data(MIME).data()).decode()
        try:
            account_id, week, weekday = data.split("\t")
            source = (int(week), int(weekday))
        except ValueError:
            event.ignore()
            return
        row = self.indexAt(event.position().toPoint()).row()
        position = self.count() if row < 0 else row
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        self.visit_dropped.emit(account_id, source, self.slot, position)


class RotationPanel(QWidget):
    """Rep picker, Schedule, the weeks x days calendar with totals, unplaced accounts."""

    day_selected = Signal(str, object)
    """The user picked a day of a rep's calendar (rep id, (week, weekday))."""

    def __init__(self, bench: Workbench, controller: RotationController,
                 selected_territories: Callable[[], list[str]]) -> None:
        super().__init__(bench.dialog_parent())
        self.bench = bench
        self.selected_territories = selected_territories
        self.controller = controller
        self.rep = QComboBox(self)
        self.rep.setObjectName("rotationRep")
        self.seconds = QDoubleSpinBox(self)
        self.seconds.setRange(1, 600)
        self.seconds.setValue(10)
        self.seconds.setSuffix(" s")
        self.seconds.setToolTip("Search time for the scheduler")
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 10_000)
        self.seed.setToolTip("Random seed: the same seed gives the same rotation")
        self.schedule_button = QPushButton("Schedule rotation", self)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        top.addWidget(QLabel("Rep", self))
        top.addWidget(self.rep, 1)
        top.addWidget(QLabel("Search", self))
        top.addWidget(self.seconds)
        top.addWidget(QLabel("Seed", self))
        top.addWidget(self.seed)
        top.addWidget(self.schedule_button)
        self.grid_host = QWidget(self)
        self.grid = QGridLayout(self.grid_host)
        self.grid.setSpacing(4)
        scroll = QScrollArea(self)
        scroll.setMinimumHeight(260)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_host)
        self.unplaced = QLabel(self)
        self.unplaced.setWordWrap(True)
        self.unplaced.setStyleSheet("color: #a40000")
        self.stretch_button = QPushButton(self)
        self.stretch_button.hide()
        self.stretch_button.clicked.connect(self._on_stretch_clicked)
        self.compliance = QTableWidget(0, 4, self)
        self.compliance.setObjectName("complianceTable")
        self.compliance.setHorizontalHeaderLabels(["Account", "Required", "Planned",
                                                   "Compliance"])
        self.compliance.verticalHeader().hide()
        self.compliance.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # The names take what the numbers leave (elided, in full on hover): sized to the
        # longest name, they pushed Required, Planned and % out of the table's width.
        header = self.compliance.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in (1, 2, 3):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.compliance.setMaximumWidth(420)
        # Room for names (a walkthrough found them squeezed to "Br… Di…" beside the calendar);
        # one line each, elided, not wrapped a word per line.
        self.compliance.setMinimumWidth(340)
        self.compliance.setWordWrap(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        middle = QHBoxLayout()
        middle.addWidget(scroll, 1)
        middle.addWidget(self.compliance)
        layout.addLayout(middle, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.unplaced, 1)
        bottom.addWidget(self.stretch_button)
        layout.addLayout(bottom)
        self.days: dict[Slot, DayList] = {}
        self.headers: dict[Slot, QLabel] = {}
        self.selected: Slot | None = None
        self.last_result: RotationSchedule | None = None
        self.schedule_button.clicked.connect(self.schedule)
        self.rep.currentIndexChanged.connect(self.refresh)
        bench.document.plan_changed.connect(self._on_document_plan_changed)
        controller.routing.network_ready.connect(self.refresh)
        # The rep follows the territory selected on the map or in the territory table (the
        # window calls follow_territory_selection), so Schedule rotation (Ctrl+Shift+P) plans
        # the selected territory's rep.
        self._territories_seen: list[str] = []
        self._fill_reps()

    def rep_id(self) -> str | None:
        """Return the id of the chosen rep (None when there are no reps)."""
        rep_id: str | None = self.rep.currentData()  # fill_rep_combo stores the rep id as item data
        return rep_id

    def _fill_reps(self) -> None:
        fill_rep_combo(self.rep, self.bench.document.plan)

    def _on_document_plan_changed(self) -> None:
        self._fill_reps()
        self.refresh()

    def follow_territory_selection(self) -> None:
        """Pick the rep of the selected territories when they have exactly one."""
        ids = self.selected_territories()
        if ids == self._territories_seen:
            return  # the table was refilled, the selection is the same
        self._territories_seen = ids
        territories = self.bench.document.plan.territories
        reps = {territories[t].rep_id for t in ids if t in territories}
        if len(reps) == 1 and (rep_id := reps.pop()) is not None:
            index = self.rep.findData(rep_id)
            if index >= 0:
                self.rep.setCurrentIndex(index)

    def schedule(self) -> None:
        """Schedule the chosen rep's rotation with the panel's search time and seed."""
        rep_id = self.rep_id()
        if rep_id:
            self.controller.schedule(rep_id, self.seconds.value(), self.seed.value())

    # ----------------------------------------------------------------- drawing
    def refresh(self) -> None:
        """Redraw the calendar from the plan (and its totals once they can be timed)."""
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.days, self.headers = {}, {}
        plan = self.bench.document.plan
        rep_id = self.rep_id()
        schedule = plan.schedules.get(rep_id) if rep_id else None
        if rep_id is None:
            self.summary.setText("Add reps to the plan to schedule rotations.")
            self.unplaced.clear()
            return
        if schedule is None:
            self.summary.setText("No rotation yet for this rep. Choose the search time and press "
                                 "Schedule rotation (Ctrl+Shift+P).")
            self.unplaced.clear()
            self.stretch_button.hide()
            self.compliance.setRowCount(0)
            return
        result = self.controller.evaluate(rep_id)
        self.last_result = result
        weekdays = sorted(plan.settings.working_weekdays)
        rep = plan.reps[rep_id]
        totals = {}
        if result is not None:
            totals = {(d.day.week, d.day.weekday): d for d in result.days}
        for col, wd in enumerate(weekdays, start=1):
            self.grid.addWidget(QLabel(f"<b>{WEEKDAYS[wd]}</b>", self.grid_host), 0, col)
        for week in range(schedule.weeks):
            self.grid.addWidget(QLabel(f"<b>W{week + 1}</b>", self.grid_host), week + 1, 0)
            for col, wd in enumerate(weekdays, start=1):
                slot = (week, wd)
                cell = self._cell(rep_id, slot, schedule, totals.get(slot),
                                  slot in rep.days_off)
                self.grid.addWidget(cell, week + 1, col)
        self._show_summary(rep_id, schedule, result)

    def _cell(self, rep_id: str, slot: Slot, schedule: RepSchedule,
              totals: RotationDayPlan | None, off: bool) -> QWidget:
        plan = self.bench.document.plan
        frame = QFrame(self.grid_host)
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        box = QVBoxLayout(frame)
        box.setContentsMargins(3, 3, 3, 3)
        header = DayHeader(frame)
        visits = schedule.day(*slot)
        if off:
            header.setText("<i>day off</i>")
        elif totals is not None and visits:
            limit = plan.reps[rep_id].max_day_minutes * 60
            over = totals.duration_seconds > limit + 1
            colour = "#a40000" if over else "#333"
            header.setText(
                f"<span style='color:{colour}'>{_stops(len(visits))} · drive "
                f"{hm(totals.drive_seconds)} · visits {hm(totals.visit_seconds)} · "
                f"ends {clock.hhmm(totals.end_seconds)}</span>")
            header.setToolTip(f"Day length {hm(totals.duration_seconds)} of "
                              f"{hm(limit)} allowed. Click to draw the day's route.")
        else:
            header.setText(_stops(len(visits)) if visits else "free")
        day = DayList(slot, frame)
        for i, v in enumerate(visits, start=1):
            account = plan.accounts.get(v.account_id)
            name = account.name if account else v.account_id
            marks = (" 📌" if v.pinned else "") + (" (ad hoc)" if v.adhoc else "")
            item = QListWidgetItem(f"{i}. {name}{marks}")
            item.setData(Qt.ItemDataRole.UserRole, v.account_id)
            if account is not None:
                item.setToolTip(f"{account.name}\n{account.address}\n{account.id}")
            day.addItem(item)
        day.setEnabled(not off)
        day.visit_dropped.connect(self._on_day_visit_dropped)
        day.remove_requested.connect(lambda aid, d=day: self._remove_visit(d.slot, aid))
        day.customContextMenuRequested.connect(
            lambda pos, d=day: self._on_day_context_menu(d, pos))
        day.itemSelectionChanged.connect(lambda d=day: self._on_day_selected(d))
        day.clicked.connect(lambda _i, d=day: self._on_day_selected(d))
        header.clicked.connect(lambda d=day: self._on_day_selected(d))
        box.addWidget(header)
        box.addWidget(day)
        self.days[slot] = day
        self.headers[slot] = header
        if self.selected == slot:
            frame.setStyleSheet("QFrame { border: 2px solid #1f77b4; }")
        return frame

    def _show_summary(self, rep_id: str, schedule: RepSchedule,
                      result: RotationSchedule | None) -> None:
        plan = self.bench.document.plan
        if result is None:
            self.summary.setText(f"{len(schedule.visits)} visits over {schedule.weeks} weeks. "
                                 "Build the road network (Ctrl+B) to see drive times.")
        else:
            from territory_desktop.model.workload import rep_week
            from territory_desktop.optimize.plan_schedule import STRAIGHT_LINE, summarise

            s = summarise(rep_id, result)
            week = rep_week(plan, rep_id, self.bench.document.assignment.territory_of,
                            self.controller.drive_hours_per_week(rep_id))
            straight = self.controller.straight_line
            self.summary.setText(
                f"Over {schedule.weeks} weeks: drive {s.drive_hours:.1f} h ("
                + (STRAIGHT_LINE if straight else "scheduled, road times")
                + f") · visits {s.visit_hours:.1f} h · longest day {s.longest_day_hours:.1f} h"
                f" · frequency compliance {s.compliance:.0%} · utilisation "
                f"{week.utilisation:.0%} of {week.weekly_hours:g} h/week"
                + ("" if week.drive_hours is not None else
                   " (visits only: straight-line driving is not counted; Routing → Choose OSM "
                   "extract… for road times)" if straight else " (visits only: this rotation was "
                   "made for other accounts; schedule again to count its driving)")
                + ("" if result.feasible else " · <b>some days break a limit</b>"))
            self.summary.setToolTip(
                f"Utilisation: visits the cadence asks for ({week.visit_hours:.1f} h/week) plus "
                f"scheduled driving ({week.drive_hours or 0:.1f} h/week), over the rep's "
                f"{week.weekly_hours:g} weekly hours; the territory table shows the same figure")
        lines = []
        low = [a for a, c in (result.compliance.items() if result else []) if c < 1]
        for u in schedule.unplaced:
            account = plan.accounts.get(u.account_id)
            name = account.name if account is not None else u.account_id
            lines.append(f"{name}: {u.missing_visits} visit(s) not placed — {u.reason}")
        resting = visits_on_rest_days(plan).get(rep_id, 0)
        if resting:  # the cause of the low compliance: stretching the cadence is no answer
            lines.insert(0, f"{resting} visit{'s' if resting != 1 else ''} fall on days that "
                         "are no longer working days: schedule again (Ctrl+Shift+P)")
        if low and not lines:
            lines.append(f"{len(low)} accounts get fewer visits than their cadence")
        self.unplaced.setText("\n".join(lines))
        self._fill_compliance(result)
        factor = result.stretch_factor if result is not None else 1.0
        if factor > 1.0 and not resting:
            self.stretch_button.setText(f"Stretch cadence ×{factor:.2f} to fit")
            self.stretch_button.setToolTip(
                "Visit this rep's accounts proportionally less often (sets each account's "
                "interval), then schedule again. Or leave it: the overload stays flagged.")
            self.stretch_button.show()
        else:
            self.stretch_button.hide()

    def _fill_compliance(self, result: RotationSchedule | None) -> None:
        """Planned / required visits per account, least served first."""
        self.compliance.setRowCount(0)
        if result is None:
            return
        plan = self.bench.document.plan
        rows = sorted(result.required_visits.items(),
                      key=lambda kv: (result.compliance.get(kv[0], 0), kv[0]))
        self.compliance.setRowCount(len(rows))
        for r, (aid, required) in enumerate(rows):
            share = result.compliance.get(aid, 0.0)
            planned = round(share * required)
            name = plan.accounts[aid].name if aid in plan.accounts else aid
            for c, text in enumerate((name, str(required), str(planned), f"{share:.0%}")):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if share < 1:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.compliance.setItem(r, c, item)

    def _on_stretch_clicked(self) -> None:
        rep_id = self.rep_id()
        if rep_id is not None and self.last_result is not None:
            self.controller.stretch(rep_id, self.last_result, self.seconds.value(),
                                    self.seed.value())

    # ----------------------------------------------------------------- gestures
    def _on_day_selected(self, day: DayList) -> None:
        rep_id = self.rep_id()
        if rep_id is None:
            return
        self.selected = day.slot
        self.controller.show_day_route(rep_id, day.slot)
        self.day_selected.emit(rep_id, day.slot)

    def _on_day_visit_dropped(self, account_id: str, source: Slot, target: Slot,
                              position: int) -> None:
        rep_id = self.rep_id()
        if rep_id is None:
            return
        if source == target:
            current = [v.account_id for v in self.bench.document.plan.schedules[rep_id]
                       .day(*source)]
            if current.index(account_id) < position:
                position -= 1
        self.controller.apply(lambda: edits.move_visit(self.bench.document.plan, rep_id,
                                                       account_id, source, target, position))

    def _remove_visit(self, slot: Slot, account_id: str) -> None:
        rep_id = self.rep_id()
        if rep_id is not None:
            plan = self.bench.document.plan
            self.controller.apply(lambda: edits.remove_visit(plan, rep_id, account_id, slot))

    def _on_day_context_menu(self, day: DayList, pos: Any) -> None:
        menu = self.day_menu(day, day.itemAt(pos))
        menu.exec(day.mapToGlobal(pos))
        menu.deleteLater()  # it holds closures over a plan snapshot

    def day_menu(self, day: DayList, item: QListWidgetItem | None) -> QMenu:
        """Show the context menu of a calendar day (and of the visit under the mouse)."""
        rep_id = self.rep_id()
        plan = self.bench.document.plan
        menu = QMenu(self)
        slot = day.slot
        apply = self.controller.apply
        if item is not None and rep_id is not None:
            aid = item.data(Qt.ItemDataRole.UserRole)
            visit = next(v for v in plan.schedules[rep_id].day(*slot) if v.account_id == aid)
            menu.addAction("Unpin" if visit.pinned else "Pin to this day").triggered.connect(
                lambda: apply(lambda: edits.set_visit_pinned(plan, rep_id, aid, slot,
                                                             not visit.pinned)))
            menu.addAction("Move earlier").triggered.connect(
                lambda: apply(lambda: edits.move_visit(plan, rep_id, aid, slot, slot,
                                                       max(0, visit.order - 1))))
            menu.addAction("Move later").triggered.connect(
                lambda: apply(lambda: edits.move_visit(plan, rep_id, aid, slot, slot,
                                                       visit.order + 1)))
            menu.addAction("Remove this visit (Delete)").triggered.connect(
                lambda: self._remove_visit(slot, aid))
            menu.addSeparator()
        if rep_id is not None:
            menu.addAction("Add a visit…").triggered.connect(lambda: self._add_visit(slot))
            menu.addAction("Re-optimise this day").triggered.connect(
                lambda: self.controller.reoptimise(rep_id, slot, rest_of_week=False))
            menu.addAction("Re-optimise the rest of the week").triggered.connect(
                lambda: self.controller.reoptimise(rep_id, slot, rest_of_week=True))
            off = slot in plan.reps[rep_id].days_off
            # The calendar is the cycle: the day is off (or back on) in every cycle, past ones too.
            weeks = plan.schedules[rep_id].weeks if rep_id in plan.schedules else 0
            every = f" (every {weeks} weeks)" if weeks > 1 else ""
            menu.addAction(("Mark as working day" if off else "Mark day off") + every
                           ).triggered.connect(
                lambda: self.controller.mark_day_off(rep_id, slot, not off))
        return menu

    def _add_visit(self, slot: Slot) -> None:
        rep_id = self.rep_id()
        if rep_id is None:
            return
        plan = self.bench.document.plan
        territory_of = self.bench.document.assignment.territory_of
        owner = {t.id: t.rep_id for t in plan.territories.values()}

        def rep_of(aid: str) -> str | None:
            tid = territory_of.get(aid)
            return owner.get(tid) if tid else None

        # The rep's own accounts first, each named by its address (nine 7-Elevens told apart
        # by an OSM id before); another rep's account says whose it is.
        choices = sorted(plan.accounts.values(),
                         key=lambda a: (rep_of(a.id) != rep_id, a.name, a.address, a.id))
        labels = []
        for a in choices:
            label = f"{a.name} — {a.address}" if a.address else a.name
            other = rep_of(a.id)
            if other != rep_id:
                holder = plan.reps.get(other or "")
                label += f" ({holder.name}'s account)" if holder else " (no rep's account)"
            labels.append(label if label not in labels else f"{label} [{a.id}]")
        label, ok = QInputDialog.getItem(self, "Add a visit", "Account", labels, 0, True)
        if ok and label in labels:
            aid = choices[labels.index(label)].id
            self.controller.apply(lambda: edits.add_adhoc_visit(plan, rep_id, aid, slot))
