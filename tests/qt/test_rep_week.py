"""The rep's week: planned visits of one calendar week and the done/skipped/moved log."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from PySide6.QtCore import QDate
from rep_week_gestures import (
    REP,
    first_monday_as_today,
    go_to_cycle_week,
    log_of,
    pick_status,
    status_combo,
    type_into,
)
from settings_gestures import choose_units

from territory_desktop import clock
from territory_desktop.io import planfile
from territory_desktop.optimize.plan_schedule import cycle_for

WAIT_MS = 120_000


def test_week_lists_the_planned_visits_with_times(week):
    tdapp, view = week
    plan = tdapp.document.plan
    schedule = plan.schedules[REP]
    go_to_cycle_week(view, plan, 1)
    expected = [v.account_id for wd in range(5) for v in schedule.day(1, wd)]
    assert [aid for _date, aid in view.rows] == expected
    assert "week 2 of the 4-week rotation" in view.caption.text()
    planned = view._cell(0, "Planned")
    assert "–" in planned and ":" in planned  # start–end clock times on road drive times
    # the same weekday four weeks later is the same rotation day
    go_to_cycle_week(view, plan, 5)
    assert [aid for _date, aid in view.rows] == expected


def test_logging_a_visit_is_undoable_and_saved(week, tmp_path, qtbot):
    tdapp, view = week
    doc, window = tdapp.document, tdapp.window
    go_to_cycle_week(view, doc.plan, 0)
    assert view.rows
    odo_start = view.table.item(0, 8)
    odo_end = view.table.item(0, 9)
    odo_start.setText("12000")
    odo_end.setText("12012.5")
    view.table.cellWidget(0, 6).setCurrentText("done")
    date, aid = view.rows[0]
    entry = next(e for e in doc.plan.visit_log if e.account_id == aid)
    assert (entry.date, entry.status, entry.logged_distance) == (date, "done", pytest.approx(12.5))
    assert doc.undo_stack.undoText() == f"Mark {doc.plan.accounts[aid].name} {date} done"
    # moved without a date defaults to the next day; a bad odometer is refused
    view.table.cellWidget(0, 6).setCurrentText("moved")
    moved = next(e for e in doc.plan.visit_log if e.account_id == aid)
    assert moved.moved_to == (dt.date.fromisoformat(date) + dt.timedelta(days=1)).isoformat()
    assert view._cell(0, "Moved to") == moved.moved_to  # shown at once, not after a reopen
    for typed, reason in (("yesterday", "type the day as YYYY-MM-DD"),
                          (date, "a visit moves to a later day")):
        view.table.item(0, 7).setText(typed)
        assert reason in window.statusBar().currentMessage()
        assert next(e for e in doc.plan.visit_log if e.account_id == aid) == moved
        # the row goes back to what the plan holds
        qtbot.waitUntil(lambda: view._cell(0, "Moved to") == moved.moved_to)
    before = list(doc.plan.visit_log)
    view.table.item(0, 9).setText("100")  # end below start
    assert doc.plan.visit_log == before
    assert "odometer" in window.statusBar().currentMessage()
    assert tdapp.files.save_to(tmp_path / "logged.gpkg")
    assert planfile.load_plan(tmp_path / "logged.gpkg").visit_log == doc.plan.visit_log
    window.actions["edit.undo"].trigger()  # back to "done"
    assert next(e for e in doc.plan.visit_log if e.account_id == aid).status == "done"


def _open_scheduled_without_network(tdapp, path, extract: bool):
    """Open (File > Open's path) the sample with REP's rotation stored, no network built yet.

    ``extract``: the plan still names its OSM extract (a laptop that can build the network
    later); without it, the plan file is all the rep has. Returns the rep's week, on REP.
    """
    from dataclasses import replace

    from territory_desktop import edits
    from territory_desktop.optimize.plan_schedule import solve_rep

    doc = tdapp.document
    schedule, rotation = solve_rep(doc.plan, REP, doc.assignment.territory_of, None, seconds=2)
    plan = edits.set_schedule(doc.plan, schedule, "s",
                              anchor=rotation.planner.cycle.monday.isoformat()).plan
    if not extract:
        plan.settings = replace(plan.settings, osm_extract="")
    planfile.save_plan(plan, path)
    assert tdapp.files.open_path(path, confirmed=True)
    assert tdapp.window.routing.network is None
    view = tdapp.window.rep_week
    view.rep.setCurrentIndex(view.rep.findData(REP))
    return view


def test_rep_week_works_from_the_plan_file_alone(tdapp, qtbot, tmp_path):
    """A rep's laptop: the plan file with a rotation but no OSM extract and no network."""
    doc = tdapp.document
    view = _open_scheduled_without_network(tdapp, tmp_path / "laptop.gpkg", extract=False)
    go_to_cycle_week(view, doc.plan, 0)
    expected = [v.account_id for wd in range(5) for v in doc.plan.schedules[REP].day(0, wd)]
    assert [aid for _d, aid in view.rows] == expected
    assert "planned times on straight-line estimates" in view.caption.text()  # no roads at all
    row = 0
    aid = view.rows[row][1]
    assert view._cell(row, "Account") == doc.plan.accounts[aid].name
    view.table.cellWidget(row, 6).setCurrentText("skipped")
    assert any(e.account_id == aid and e.status == "skipped" for e in doc.plan.visit_log)


def _planned_row(view) -> int:
    return next(r for r in range(len(view.rows)) if view._cell(r, "Status") == "planned")


def test_readings_on_a_planned_visit_survive_save_and_reopen(week, qtbot, qtlog, tmp_path):
    """Readings typed on a visit still "planned" are kept, miles follow, the file keeps them."""
    from PySide6.QtCore import Qt

    tdapp, view = week
    doc, files = tdapp.document, tdapp.files
    tdapp.window.activateWindow()
    monday = go_to_cycle_week(view, doc.plan, 0)
    row = _planned_row(view)
    date, aid = view.rows[row]
    type_into(qtbot, view, row, "Odometer start", "12,000")
    type_into(qtbot, view, row, "Odometer end", "12003", Qt.Key.Key_Return)
    entry = next(e for e in doc.plan.visit_log if (e.date, e.account_id) == (date, aid))
    assert (entry.status, entry.odometer_start, entry.odometer_end) == ("planned", 12000, 12003)
    assert entry.distance is None and entry.logged_distance == 3
    assert view._cell(row, "Miles") == "3"  # filled from the odometer
    assert view._cell(row, "Status") == "planned"
    assert not [r for r in qtlog.records if "commitData" in r.message]
    path = tmp_path / "readings.gpkg"
    assert files.save_to(path)
    assert files.open_path(path, confirmed=True)
    view.rep.setCurrentIndex(view.rep.findData(REP))
    view.week.setDate(QDate(monday.year, monday.month, monday.day))
    row = view.rows.index((date, aid))
    assert (view._cell(row, "Odometer start"), view._cell(row, "Odometer end"),
            view._cell(row, "Miles")) == ("12000", "12003", "3")


def _refused_end(week, qtbot, start: str, end: str) -> tuple[str, str, str]:
    """Type odometer ``start`` then an ``end`` that is refused; return (date, account, message).

    The start is kept, the end is not saved and its cell is emptied again.
    """
    from PySide6.QtCore import Qt

    tdapp, view = week
    doc, window = tdapp.document, tdapp.window
    window.activateWindow()
    go_to_cycle_week(view, doc.plan, 0)
    row = _planned_row(view)
    date, aid = view.rows[row]
    type_into(qtbot, view, row, "Odometer start", start)
    type_into(qtbot, view, row, "Odometer end", end, Qt.Key.Key_Return)
    message = window.statusBar().currentMessage()
    assert "not saved" in message
    assert (log_of(doc, date, aid).odometer_start, log_of(doc, date, aid).odometer_end) == (
        float(start), None)
    qtbot.waitUntil(lambda: view._cell(view.rows.index((date, aid)), "Odometer end") == "")
    return date, aid, message


def test_an_odometer_end_below_its_start_is_refused_with_the_reason(week, qtbot):
    _date, _aid, message = _refused_end(week, qtbot, "12010", "12005")
    assert "12005" in message and "12010" in message


def test_a_typed_distance_wins_over_the_odometer_and_columns_keep_their_width(week, qtbot):
    from PySide6.QtCore import Qt

    from territory_desktop.qt.rep_week import COLUMNS

    tdapp, view = week
    doc = tdapp.document
    tdapp.window.activateWindow()
    go_to_cycle_week(view, doc.plan, 0)
    header = view.table.horizontalHeader()
    widths = [header.sectionSize(c) for c in range(len(COLUMNS) - 1)]  # the last stretches
    row = _planned_row(view)
    date, aid = view.rows[row]
    type_into(qtbot, view, row, "Odometer start", "500")
    type_into(qtbot, view, row, "Odometer end", "507")
    type_into(qtbot, view, row, "Miles", "6.5", Qt.Key.Key_Return)
    entry = next(e for e in doc.plan.visit_log if (e.date, e.account_id) == (date, aid))
    assert (entry.distance, entry.logged_distance) == (6.5, 6.5)
    assert [header.sectionSize(c) for c in range(len(COLUMNS) - 1)] == widths
    assert doc.undo_stack.count() == 4  # schedule, start, end, miles: one entry per change
    tdapp.window.actions["edit.undo"].trigger()  # back to the odometer's 7 miles
    qtbot.waitUntil(lambda: view._cell(view.rows.index((date, aid)), "Miles") == "7")
    assert [header.sectionSize(c) for c in range(len(COLUMNS) - 1)] == widths


def test_weeks_are_shown_and_stepped_by_their_monday(week, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QPushButton

    _tdapp, view = week
    view.week.setDate(QDate(2026, 11, 29))  # a Sunday picked in the calendar
    assert view.week.date() == QDate(2026, 11, 23)
    assert view.week.text().startswith("Mon 23 Nov")
    next_button = view.findChild(QPushButton, "repWeekNext")
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    assert view.week.date() == QDate(2026, 11, 30)
    assert view.week.text().startswith("Mon 30 Nov")
    assert {d for d, _a in view.rows} <= {f"2026-12-0{i}" for i in range(1, 7)} | {"2026-11-30"}


def test_a_logged_visit_stays_on_its_day_after_the_rotation_moves_it(week, qtbot, monkeypatch):
    # Log a visit done with its readings, then mark that day off (Rotation panel, day menu):
    # the rotation has it elsewhere now, but the rep did it that day and the week says so.
    tdapp, view = week
    doc, window = tdapp.document, tdapp.window
    monday = go_to_cycle_week(view, doc.plan, 0)
    date, aid = view.rows[0]
    view.table.item(0, 8).setText("12000")
    view.table.item(0, 9).setText("12012.5")
    view.table.cellWidget(0, 6).setCurrentText("done")
    slot = cycle_for(doc.plan, doc.plan.schedules[REP].weeks).slot(dt.date.fromisoformat(date))
    panel = window.rotation_panel
    menu = panel.day_menu(panel.days[slot], None)
    # on the day itself (a day already past keeps its visits as planned)
    monkeypatch.setattr(clock, "today", lambda: dt.date.fromisoformat(date))
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        next(a for a in menu.actions() if a.text() == "Mark day off (every 4 weeks)").trigger()
    assert aid not in [v.account_id for v in doc.plan.schedules[REP].day(*slot)]
    assert view.monday() == monday

    def logged_row():
        row = view.rows.index((date, aid)) if (date, aid) in view.rows else None
        return row if row is not None and view._cell(row, "Planned") == "not planned that " \
            "day" else None

    qtbot.waitUntil(lambda: logged_row() is not None, timeout=WAIT_MS)  # a deferred refresh
    row = logged_row()
    assert view.table.cellWidget(row, 6).currentText() == "done"
    assert (view._cell(row, "Odometer start"), view._cell(row, "Odometer end")) == (
        "12000", "12012.5")


def test_re_planning_this_week_keeps_the_visits_already_logged_on_their_day(week, qtbot,
                                                                            monkeypatch):
    # The rep logs a day's visits in the week shown today, then re-plans the whole week from
    # the Rotation panel: those visits stay on their day (they happened there), the rest move.
    tdapp, view = week
    doc, window = tdapp.document, tdapp.window
    dates = [d for d, _aid in view.rows]
    assert dates, "the week shown today has no planned visits"
    busiest = max(set(dates), key=dates.count)
    rows = [r for r, (d, _aid) in enumerate(view.rows) if d == busiest]
    assert len(rows) >= 2
    for row in rows:
        view.table.cellWidget(row, 6).setCurrentText("done")
    done = {view.rows[r][1] for r in rows}
    assert {e.account_id for e in doc.plan.visit_log if e.date == busiest} == done
    # the rep re-plans on the day they logged
    monkeypatch.setattr(clock, "today", lambda: dt.date.fromisoformat(busiest))
    slot = cycle_for(doc.plan, doc.plan.schedules[REP].weeks).slot(dt.date.fromisoformat(busiest))
    panel = window.rotation_panel
    first = (slot[0], min(d for w, d in panel.days if w == slot[0]))
    menu = panel.day_menu(panel.days[first], None)
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        next(a for a in menu.actions() if a.text() == "Re-optimise the rest of the week").trigger()
    assert doc.undo_stack.undoText().startswith("Re-optimise week")
    assert {v.account_id for v in doc.plan.schedules[REP].day(*slot)} >= done


# ------------------------------------------------------------------ walkthrough findings
def _dismiss_errors(qtbot, window) -> None:
    """Close the refusal boxes (the status bar keeps the message), as a rep clicks OK."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    for box in window.findChildren(QMessageBox, "errorBox"):
        box.close()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def test_the_wheel_over_a_status_scrolls_the_table_and_logs_nothing(week, qtbot):
    # Decision: the wheel never changes a status, focused or not; a click or the keyboard does.
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication, QComboBox

    tdapp, view = week
    doc, window = tdapp.document, tdapp.window
    window.resize(1300, 600)  # a laptop: the week does not fit, the table scrolls
    go_to_cycle_week(view, doc.plan, 0)
    qtbot.waitUntil(lambda: view.table.verticalScrollBar().maximum() > 0)
    combo = status_combo(view, 0)
    combo.setFocus(Qt.FocusReason.MouseFocusReason)  # even one the rep clicked into before
    pointer = combo.mapToGlobal(combo.rect().center())  # over the Status column; it stays
    steps_before = doc.undo_stack.count()
    for _ in range(3):  # the table scrolls: each step has the next row's status under it
        under = QApplication.widgetAt(pointer)
        assert isinstance(under, QComboBox), f"the pointer is over {under}, not a status"
        event = QWheelEvent(QPointF(under.mapFromGlobal(pointer)), QPointF(pointer), QPoint(),
                            QPoint(0, -120), Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(under, event)
    assert [status_combo(view, r).currentText() for r in range(len(view.rows))] == [
        "planned"] * len(view.rows)
    assert doc.undo_stack.count() == steps_before
    assert not doc.plan.visit_log
    assert view.table.verticalScrollBar().value() > 0  # the table scrolled instead


def test_a_later_days_visit_is_not_logged_done_or_skipped_before_its_day(week, qtbot,
                                                                           monkeypatch):
    from PySide6.QtCore import Qt

    view, doc, window, monday = first_monday_as_today(week, monkeypatch)
    later = next(r for r, (d, _a) in enumerate(view.rows) if d > monday.isoformat())
    date, aid = view.rows[later]
    day = dt.date.fromisoformat(date)
    pick_status(qtbot, view, later, Qt.Key.Key_Down)  # planned -> done
    message = window.statusBar().currentMessage()
    assert f"{day:%a} {day.day} {day:%b} is after today (Mon {monday.day} {monday:%b})" in message
    assert "not saved" in message
    assert log_of(doc, date, aid) is None
    qtbot.waitUntil(lambda: status_combo(view, view.rows.index((date, aid))).currentText()
                    == "planned")
    _dismiss_errors(qtbot, window)
    row = view.rows.index((date, aid))
    pick_status(qtbot, view, row, Qt.Key.Key_End)  # "moved": fine before the day
    assert log_of(doc, date, aid).status == "moved"
    today_row = next(r for r, (d, _a) in enumerate(view.rows) if d == monday.isoformat())
    pick_status(qtbot, view, today_row, Qt.Key.Key_Down)  # today's visit: done
    assert log_of(doc, *view.rows[today_row]).status == "done"


def test_each_log_edit_is_named_for_what_it_changes(week, qtbot, monkeypatch):
    """Status then distance: two undo entries, two names, the first Ctrl+Z only the distance."""
    from PySide6.QtCore import Qt

    view, doc, window, monday = first_monday_as_today(week, monkeypatch)
    row = next(r for r, (d, _a) in enumerate(view.rows) if d == monday.isoformat())
    date, aid = view.rows[row]
    visit = f"{doc.plan.accounts[aid].name} {date}"
    steps = doc.undo_stack.count()
    pick_status(qtbot, view, row, Qt.Key.Key_Down)  # planned -> done
    type_into(qtbot, view, view.rows.index((date, aid)), "Miles", "2.5", Qt.Key.Key_Return)
    stack = doc.undo_stack
    assert [stack.text(k) for k in range(steps, stack.count())] == [
        f"Mark {visit} done", f"Log 2.5 mi to {visit}"]
    window.actions["edit.undo"].trigger()
    assert (log_of(doc, date, aid).status, log_of(doc, date, aid).distance) == ("done", None)
    assert stack.undoText() == f"Mark {visit} done"


def test_an_impossible_odometer_reading_is_refused_with_the_reason(week, qtbot):
    from PySide6.QtCore import Qt

    tdapp, view = week
    doc, window = tdapp.document, tdapp.window
    date, aid, message = _refused_end(week, qtbot, "12003", "99999")
    assert "87,996" in message and "more than anyone drives in a day (1,000)" in message
    assert view._cell(view.rows.index((date, aid)), "Miles") == ""
    _dismiss_errors(qtbot, window)
    # the next visit of the day starts where this one ended, not inside its drive
    row = view.rows.index((date, aid))
    type_into(qtbot, view, row, "Odometer end", "12004.5")
    nxt = next(r for r, (d, _a) in enumerate(view.rows) if d == date and r != row)
    nxt_aid = view.rows[nxt][1]
    type_into(qtbot, view, nxt, "Odometer start", "12004", Qt.Key.Key_Return)
    message = window.statusBar().currentMessage()
    name = doc.plan.accounts[aid].name
    assert f"overlaps the drive to {name} the same day (12003 to 12004.5)" in message
    assert log_of(doc, date, nxt_aid) is None
    _dismiss_errors(qtbot, window)
    nxt = view.rows.index((date, nxt_aid))
    type_into(qtbot, view, nxt, "Odometer start", "12004.5", Qt.Key.Key_Return)
    assert log_of(doc, date, nxt_aid).odometer_start == 12004.5


def test_a_visit_is_moved_to_working_days_only_and_the_week_shows_it_at_once(week, qtbot,
                                                                             monkeypatch):
    from PySide6.QtCore import Qt

    view, doc, window, monday = first_monday_as_today(week, monkeypatch)
    row = next(r for r, (d, _a) in enumerate(view.rows) if d == monday.isoformat())
    date, aid = view.rows[row]
    pick_status(qtbot, view, row, Qt.Key.Key_End)  # moved: to the next working day
    tuesday = (monday + dt.timedelta(days=1)).isoformat()
    assert log_of(doc, date, aid).moved_to == tuesday
    assert (tuesday, aid) in view.rows  # "moved here from" on Tuesday, at once
    saturday = monday + dt.timedelta(days=5)
    row = view.rows.index((date, aid))
    type_into(qtbot, view, row, "Moved to", saturday.isoformat(), Qt.Key.Key_Return)
    message = window.statusBar().currentMessage()
    assert f"Sat {saturday.day} {saturday:%b} is not a working day" in message
    assert log_of(doc, date, aid).moved_to == tuesday
    _dismiss_errors(qtbot, window)
    wednesday = (monday + dt.timedelta(days=2)).isoformat()
    row = view.rows.index((date, aid))
    type_into(qtbot, view, row, "Moved to", wednesday, Qt.Key.Key_Return)
    assert log_of(doc, date, aid).moved_to == wednesday
    # no stale row from the first move: the week is redrawn with the edit (not on reopening)
    qtbot.waitUntil(lambda: (tuesday, aid) not in view.rows, timeout=1000)
    moved_here = view.rows.index((wednesday, aid))
    assert view._cell(moved_here, "Planned") == f"moved here from {date}"


def test_holiday_visits_have_the_planned_times_the_exports_give(week, qtbot, monkeypatch):
    import dataclasses

    from territory_desktop import edits
    from territory_desktop.io.exports import build_trips

    tdapp, view = week
    doc, window = tdapp.document, tdapp.window
    monday = dt.date(2026, 12, 28)
    # The manager sets the holidays before they come (days past keep what they had).
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 12, 1))
    settings = dataclasses.replace(doc.plan.settings, holidays=("2026-12-24", "2026-12-25"))
    assert window.apply_edit(lambda: edits.update_settings(doc.plan, settings))
    view.week.setDate(QDate(monday.year, monday.month, monday.day))
    qtbot.waitUntil(lambda: any(view._cell(r, "Planned").endswith("(holiday)")
                                for r in range(len(view.rows))))
    trips = build_trips(doc.plan, REP, monday, monday, window.routing.network)
    exported = {v.place.account_id: f"{clock.hhmm(v.start)}–{clock.hhmm(v.depart)}"
                for v in trips.days[0].visits}
    shown = {aid: view._cell(r, "Planned") for r, (d, aid) in enumerate(view.rows)
             if d == monday.isoformat()}
    moved = {aid for aid, text in shown.items() if text.endswith("(holiday)")}
    assert moved, "no visit of the holidays on the Monday after"
    assert {aid: text.split(" · ")[0] for aid, text in shown.items()} == exported
    assert all(text == f"{exported[aid]} · from Thu 24 Dec (holiday)"
               or text == f"{exported[aid]} · from Fri 25 Dec (holiday)"
               for aid, text in shown.items() if aid in moved)


def test_columns_fit_their_text_and_keep_their_width_from_week_to_week(tdapp, qtbot, tmp_path):
    """Opened on a laptop before the road network is built: the times come later, uncut."""
    from territory_desktop.qt.rep_week import COLUMNS

    doc, window = tdapp.document, tdapp.window
    view = _open_scheduled_without_network(tdapp, tmp_path / "planned.gpkg", extract=True)
    header = view.table.horizontalHeader()
    metrics = view.table.fontMetrics()

    def widths():
        return [header.sectionSize(c) for c in range(len(COLUMNS) - 1)]  # the last stretches

    def fits(name: str) -> bool:
        column = COLUMNS.index(name)
        return all(metrics.horizontalAdvance(view._cell(r, name)) < header.sectionSize(column)
                   for r in range(len(view.rows)))

    go_to_cycle_week(view, doc.plan, 0)
    assert view._cell(0, "Planned") == "—"
    with qtbot.waitSignal(window.routing.network_ready, timeout=WAIT_MS):
        window.actions["routing.build"].trigger()
    qtbot.waitUntil(lambda: "–" in view._cell(0, "Planned"), timeout=WAIT_MS)
    assert fits("Planned"), "the planned times are cut short"
    seen = [widths()]
    for week_index in (1, 2, 3, 0):
        go_to_cycle_week(view, doc.plan, week_index)
        seen.append(widths())
        assert all(fits(name) for name in ("Day", "Planned", "Account", "Status", "Moved to"))
    for before, after in itertools.pairwise(seen):  # a column never narrows
        assert all(a <= b for a, b in zip(before, after, strict=True)), (before, after)
    assert seen[-1] == seen[-2]  # back in the first week: nothing jumps
    assert header.stretchLastSection()  # the log note takes the rest


def test_the_distance_column_is_named_in_the_users_unit(tdapp, qtbot):
    # A km plan's rep reads "Km" over the distance they log, not "Miles".

    from territory_desktop.qt.rep_week import COLUMNS

    window = tdapp.window
    window.actions["rotation.week"].trigger()
    view = window.rep_week

    def header() -> str:
        return view.table.horizontalHeaderItem(COLUMNS.index("Miles")).text()

    assert header() == "Miles"

    choose_units(qtbot, window, "km")
    assert window.prefs.units == "km"
    assert header() == "Km"


def test_a_new_unit_renames_the_distance_column_and_redraws_nothing_else(week, qtbot,
                                                                          monkeypatch):
    # The preferences mark only the distance column: its header follows the unit at once,
    # the visits stay as drawn: the table is not rebuilt for it.

    from territory_desktop.qt.rep_week import COLUMNS

    tdapp, view = week
    window = tdapp.window
    go_to_cycle_week(view, tdapp.document.plan, 0)
    shown = list(view.rows)
    assert shown
    rebuilt = []
    view.table.model().rowsRemoved.connect(lambda *_: rebuilt.append(True))

    choose_units(qtbot, window, "km")
    assert window.prefs.units == "km"
    assert view.table.horizontalHeaderItem(COLUMNS.index("Miles")).text() == "Km"
    assert view.rows == shown and not rebuilt


def test_a_visit_moved_in_the_log_then_dragged_in_the_rotation_shows_once(week, qtbot,
                                                                          monkeypatch):
    # The rep moves Monday's visit to Tuesday in the log; then the rotation drags it from
    # Monday to Wednesday. The log says where it happened this week: Tuesday, not Wednesday too.
    from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    from territory_desktop.qt.rotation_panel import MIME

    view, doc, window, monday = first_monday_as_today(week, monkeypatch)
    tuesday, wednesday = (monday + dt.timedelta(days=n) for n in (1, 2))
    cycle = cycle_for(doc.plan, doc.plan.schedules[REP].weeks)
    days = {d: {v.account_id for v in doc.plan.schedules[REP].day(*cycle.slot(d))}
            for d in (tuesday, wednesday)}
    row = next(r for r, (d, a) in enumerate(view.rows)
               if d == monday.isoformat() and not any(a in ids for ids in days.values()))
    date, aid = view.rows[row]
    pick_status(qtbot, view, row, Qt.Key.Key_End)  # moved: to Tuesday
    assert log_of(doc, date, aid).moved_to == tuesday.isoformat()
    assert (tuesday.isoformat(), aid) in view.rows

    week_no, weekday = cycle.slot(monday)
    mime = QMimeData()
    mime.setData(MIME, f"{aid}\t{week_no}\t{weekday}".encode())
    target = window.rotation_panel.days[cycle.slot(wednesday)]
    args = (QPointF(5, 5), Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target.viewport(), QDragEnterEvent(QPoint(5, 5), *args[1:]))
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):  # the drag ends on Wednesday
        QApplication.sendEvent(target.viewport(), QDropEvent(*args))
    assert aid in {v.account_id for v in doc.plan.schedules[REP].day(*cycle.slot(wednesday))}
    qtbot.waitUntil(lambda: view._cell(view.rows.index((date, aid)), "Planned")
                    == "not planned that day")  # the week is redrawn for the drag
    assert [d for d, a in view.rows if a == aid] == [date, tuesday.isoformat()]
    assert view._cell(view.rows.index((tuesday.isoformat(), aid)), "Planned") == \
        f"moved here from {date}"


def test_marking_a_day_off_keeps_the_days_already_driven(week, qtbot):
    # A year into the rotation the manager marks week 2's Monday off (Rotation panel, day
    # menu). The Mondays already driven keep their visits, in the rep's week and the mileage
    # log; the ones to come are off. Undo takes it all back.
    from territory_desktop.io.exports import build_trips

    tdapp, view = week
    doc, window = tdapp.document, tdapp.window
    cycle = cycle_for(doc.plan, doc.plan.schedules[REP].weeks)
    past = go_to_cycle_week(view, doc.plan, 1)
    shown = list(view.rows)
    assert any(d == past.isoformat() for d, _a in shown)
    driven = build_trips(doc.plan, REP, past, past, window.routing.network)
    future = next(cycle.date_of(w, 0) for w in range(1, 200, cycle.weeks)
                  if cycle.date_of(w, 0) > clock.today())
    notes: list[str] = []
    doc.edit_noted.connect(notes.append)
    panel = window.rotation_panel
    menu = panel.day_menu(panel.days[(1, 0)], None)
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        next(a for a in menu.actions() if a.text() == "Mark day off (every 4 weeks)").trigger()
    assert doc.plan.schedules[REP].day(1, 0) == []
    assert any("days before today keep the visits they had" in n for n in notes), notes
    qtbot.waitUntil(lambda: "as they were planned" in view.caption.text(), timeout=WAIT_MS)
    assert view.rows == shown
    assert not any("(off)" in view._cell(r, "Day") for r in range(len(view.rows)))
    again = build_trips(doc.plan, REP, past, past, window.routing.network)
    assert [[v.place.account_id for v in d.visits] for d in again.days] == [
        [v.place.account_id for v in d.visits] for d in driven.days]
    assert again.total() == pytest.approx(driven.total())
    view.week.setDate(QDate(future.year, future.month, future.day))
    qtbot.waitUntil(lambda: view.monday() == future)
    assert view.rows and not any(d == future.isoformat() for d, _a in view.rows)
    assert "as they were planned" not in view.caption.text()
    assert f"{future:%a} {future.day} {future:%b} off" in view.caption.text()
    window.actions["edit.undo"].trigger()
    assert doc.plan.kept_days == {} and doc.plan.schedules[REP].day(1, 0)
