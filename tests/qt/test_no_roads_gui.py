"""A plan with no road network: rotations on straight-line times, said so; mileage refused."""

from __future__ import annotations

from dataclasses import replace

import pytest
from export_gestures import export_action
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from rep_week_gestures import go_to_cycle_week

from territory_desktop.io import planfile
from territory_desktop.resources import resource_path

WAIT_MS = 120_000
REP = "REP-4"  # the sample's smallest territory: quick to schedule


@pytest.fixture
def no_roads(tdapp, qtbot, tmp_path):
    """Open a copy of the sample without its OSM extract, REP scheduled with Ctrl+Shift+P."""
    plan = tdapp.document.plan.copy()
    plan.settings = replace(plan.settings, osm_extract="")
    path = tmp_path / "no_roads.gpkg"
    planfile.save_plan(plan, path)
    assert tdapp.files.open_path(path, confirmed=True)
    window = tdapp.window
    assert window.routing.network_key() == ""  # no extract and none stored in the plan
    panel = window.rotation_panel
    panel.rep.setCurrentIndex(panel.rep.findData(REP))
    panel.seconds.setValue(2)
    with qtbot.waitSignal(window.rotation.schedule_ready, timeout=WAIT_MS):
        window.actions["rotation.schedule"].trigger()
    return tdapp


def test_a_plan_without_roads_schedules_on_straight_lines_and_says_so(no_roads, qtbot):
    doc, window = no_roads.document, no_roads.window
    schedule = doc.plan.schedules[REP]
    assert schedule.visits
    assert window.routing.network is None  # nothing was compiled
    panel = window.rotation_panel
    result = panel.last_result
    assert result is not None and result.total_drive_seconds > 0
    summary = panel.summary.text()
    assert "(straight-line, no road network)" in summary
    assert "scheduled, road times" not in summary
    # straight lines are not scheduled road driving: utilisation counts the visits only
    assert "visits only: straight-line driving is not counted" in summary
    assert window.rotation.drive_hours_per_week(REP) is None
    row = next(r for r in window.territories.model.rows if r.rep_id == REP and r.territory_id)
    assert row.drive_hours_per_week is None
    # the rep's week lists the rotation's days, its times named as estimates
    window.actions["rotation.week"].trigger()
    view = window.rep_week
    view.rep.setCurrentIndex(view.rep.findData(REP))
    go_to_cycle_week(view, doc.plan, 0)
    expected = [v.account_id for wd in range(5) for v in schedule.day(0, wd)]
    assert [aid for _d, aid in view.rows] == expected
    assert "planned times on straight-line estimates" in view.caption.text()
    # once an extract is chosen the same rotation is timed on roads and counts its driving
    with qtbot.waitSignal(window.routing.network_ready, timeout=WAIT_MS):
        window.routing.set_extract(resource_path("sample", "baltimore.osm.pbf"))
    assert "(scheduled, road times)" in panel.summary.text()
    assert window.rotation.drive_hours_per_week(REP) is not None
    assert "planned times on road drive times" in view.caption.text()


def test_the_mileage_log_refuses_straight_lines_in_one_line(no_roads, qtbot, tmp_path):
    window = no_roads.window
    export_action(window, "&Mileage log…").trigger()
    dialog = window.exports.dialog
    assert dialog.isVisible() and dialog.rep_id == REP
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    reason = ("The mileage log is built on road routes and this plan has no road network: "
              "choose one with Routing → Choose OSM extract….")
    assert dialog.reason.text() == reason and dialog.reason.isVisible()
    assert dialog.table.rowCount() == 0
    target = tmp_path / "log.csv"
    dialog.path.setFocus()
    qtbot.keyClicks(dialog.path, str(target))
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.reason.text() == reason)
    assert not target.exists() and window.routing.network is None
