"""The rep's week: planned visits of one calendar week and the done/skipped/moved log."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate

from territory_desktop.io import planfile
from territory_desktop.optimize.plan_schedule import cycle_for

WAIT_MS = 120_000
REP = "REP-4"


@pytest.fixture
def week(scheduled):
    tdapp = scheduled
    window = tdapp.window
    window.actions["rotation.week"].trigger()
    view = window.rep_week
    view.rep.setCurrentIndex(view.rep.findData(REP))
    return tdapp, view


def _go_to_cycle_week(view, plan, week_index: int) -> dt.date:
    cycle = cycle_for(plan, plan.schedules[REP].weeks)
    monday = cycle.date_of(week_index, 0)
    view.week.setDate(QDate(monday.year, monday.month, monday.day))
    return monday


def test_week_lists_the_planned_visits_with_times(week):
    tdapp, view = week
    plan = tdapp.document.plan
    schedule = plan.schedules[REP]
    _go_to_cycle_week(view, plan, 1)
    expected = [v.account_id for wd in range(5) for v in schedule.day(1, wd)]
    assert [aid for _date, aid in view.rows] == expected
    assert "week 2 of the 4-week rotation" in view.caption.text()
    planned = view._cell(0, "Planned")
    assert "–" in planned and ":" in planned  # start–end clock times on road drive times
    # the same weekday four weeks later is the same rotation day
    _go_to_cycle_week(view, plan, 5)
    assert [aid for _date, aid in view.rows] == expected


def test_logging_a_visit_is_undoable_and_saved(week, tmp_path):
    tdapp, view = week
    doc, window = tdapp.document, tdapp.window
    _go_to_cycle_week(view, doc.plan, 0)
    assert view.rows
    odo_start = view.table.item(0, 8)
    odo_end = view.table.item(0, 9)
    odo_start.setText("12000")
    odo_end.setText("12012.5")
    view.table.cellWidget(0, 6).setCurrentText("done")
    date, aid = view.rows[0]
    entry = next(e for e in doc.plan.visit_log if e.account_id == aid)
    assert (entry.date, entry.status, entry.actual_miles) == (date, "done", pytest.approx(12.5))
    assert doc.undo_stack.undoText().startswith("Log")
    # moved without a date defaults to the next day; a bad odometer is refused
    view.table.cellWidget(0, 6).setCurrentText("moved")
    moved = next(e for e in doc.plan.visit_log if e.account_id == aid)
    assert moved.moved_to == (dt.date.fromisoformat(date) + dt.timedelta(days=1)).isoformat()
    before = list(doc.plan.visit_log)
    view.table.item(0, 9).setText("100")  # end below start
    assert doc.plan.visit_log == before
    assert "odometer" in window.statusBar().currentMessage()
    assert tdapp.files.save_to(tmp_path / "logged.gpkg")
    assert planfile.load_plan(tmp_path / "logged.gpkg").visit_log == doc.plan.visit_log
    window.actions["edit.undo"].trigger()  # back to "done"
    assert next(e for e in doc.plan.visit_log if e.account_id == aid).status == "done"


def test_rep_week_works_from_the_plan_file_alone(tdapp, qtbot, tmp_path):
    """A rep's laptop: the plan file with a rotation but no OSM extract and no network."""
    from dataclasses import replace

    from territory_desktop import edits
    from territory_desktop.optimize.plan_schedule import solve_rep

    doc, files, window = tdapp.document, tdapp.files, tdapp.window
    plan = doc.plan
    schedule, rotation = solve_rep(plan, REP, doc.assignment.territory_of, None, seconds=2)
    plan = edits.set_schedule(plan, schedule, "s",
                              anchor=rotation.planner.cycle.monday.isoformat()).plan
    plan.settings = replace(plan.settings, osm_extract="")
    path = tmp_path / "laptop.gpkg"
    planfile.save_plan(plan, path)
    assert files.open_path(path, confirmed=True)
    assert window.routing.network is None
    view = window.rep_week
    view.rep.setCurrentIndex(view.rep.findData(REP))
    _go_to_cycle_week(view, doc.plan, 0)
    expected = [v.account_id for wd in range(5) for v in doc.plan.schedules[REP].day(0, wd)]
    assert [aid for _d, aid in view.rows] == expected
    assert "load the road network" in view.caption.text()
    row = 0
    aid = view.rows[row][1]
    assert view._cell(row, "Account") == doc.plan.accounts[aid].name
    view.table.cellWidget(row, 6).setCurrentText("skipped")
    assert any(e.account_id == aid and e.status == "skipped" for e in doc.plan.visit_log)
