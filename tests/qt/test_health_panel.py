"""The Health panel: View > Health (Ctrl+Shift+H), load CRM results, read the engine's figures."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from territory_desktop import clock
from territory_desktop.health.period import parse_period
from territory_desktop.health.report import health_report
from territory_desktop.io.results import import_results
from territory_desktop.resources import resource_path

RESULTS = resource_path("sample") / "results"
WAIT_MS = 60_000
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _money(v):
    return "-" if v is None else f"{v:,.0f}"


def _pct(v):
    return "-" if v is None else f"{v:.0%}"


def _expected_row(k, plan):
    """Return the row the table should show for ``k``, formatted independently of the panel."""
    few = "too few deals"
    return [
        k.name, plan.reps[k.rep_id].name if k.rep_id else "-", _money(k.pipeline),
        "-" if k.coverage_ratio is None else f"{k.coverage_ratio:.1f}x",
        _pct(k.attainment),
        few if k.win_rate is None else f"{k.win_rate:.0%}",
        few if k.avg_deal is None else f"{k.avg_deal:,.0f}",
        few if k.cycle_days is None else f"{k.cycle_days:.0f}",
        _pct(k.visit_coverage), str(k.white_space),
    ]


def _table(panel):
    t = panel.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def _opportunities_with_a_bad_row(tmp_path: Path) -> tuple[Path, int]:
    """Write the sample opportunities plus one row whose amount is not a number (its line)."""
    lines = (RESULTS / "opportunities.csv").read_text(encoding="utf-8").splitlines()
    good = lines[1].split(",")
    header = lines[0].split(",")
    bad = list(good)
    bad[0] = "OPP-BAD-1"
    bad[header.index("Amount")] = "lots"
    path = tmp_path / "opportunities.csv"
    path.write_text("\n".join([*lines, ",".join(bad)]) + "\n", encoding="utf-8")
    return path, len(lines) + 1


def _choose_files(monkeypatch, answers):
    """Make the file chooser answer ``answers`` in turn ("" = Cancel)."""
    queue = [str(a) for a in answers]
    titles = []

    def chooser(parent, title, *args, **kwargs):
        titles.append(title)
        return (queue.pop(0) if queue else "", "")

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(chooser))
    return titles


@pytest.fixture
def loaded(tdapp, qtbot, monkeypatch, tmp_path):
    """Load the sample plan's results through View > Health and the Load button."""
    window = tdapp.window
    opportunities, bad_line = _opportunities_with_a_bad_row(tmp_path)
    titles = _choose_files(monkeypatch, [opportunities, RESULTS / "quotas.csv",
                                         RESULTS / "activities.csv"])
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_H, CTRL_SHIFT)
    panel = window.health
    assert window.dock("dockHealth").isVisible()
    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(panel.load_button, Qt.MouseButton.LeftButton)
    assert len(titles) == 3 and "Opportunities" in titles[0]
    tdapp.opportunities, tdapp.bad_line = opportunities, bad_line
    return tdapp


def _engine(plan, opportunities, period=None):
    imported = import_results(plan.accounts, plan.reps, opportunities, RESULTS / "quotas.csv",
                              RESULTS / "activities.csv", today=clock.today())
    return imported, health_report(plan, imported.results, period)


def test_loaded_results_show_the_engines_figures_and_the_rejected_row(loaded):
    panel = loaded.window.health
    imported, report = _engine(loaded.document.plan, loaded.opportunities)
    assert report.kpis.period.label == "2026Q4"
    assert panel.period.currentText() == "2026Q4"
    expected = [_expected_row(k, loaded.document.plan)
                for k in (*report.kpis.territories, report.kpis.team)]
    assert _table(panel) == expected
    assert any(row[5] == "too few deals" for row in expected)  # the sample has such a row
    # the rejected row: named by file, line, column and reason; the good rows still count
    assert "1 rejected" in panel.summary.text()
    problems = [panel.problems.item(i).text() for i in range(panel.problems.count())]
    assert any(p.startswith(f"opportunities.csv:{loaded.bad_line}: column Amount: rejected")
               for p in problems), problems
    assert not panel.problems.isVisible()
    panel.problems_button.click()
    assert panel.problems.isVisible()
    # every signal, with its rule, in engine order
    shown = [(panel.signals.topLevelItem(i).text(1), panel.signals.topLevelItem(i).text(3))
             for i in range(panel.signals.topLevelItemCount())]
    assert shown == [(s.rule, s.message) for s in report.signals]
    assert len(imported.results.opportunities) > 500


def test_another_quarter_recomputes_the_table(loaded, qtbot):
    window = loaded.window
    panel = window.health
    assert panel.period.findText("2025Q1") >= 0
    panel.period.setFocus()
    with qtbot.waitSignal(panel.report_shown, timeout=WAIT_MS):
        qtbot.keyClick(panel.period, Qt.Key.Key_Down)  # the next (older) quarter
    assert panel.period.currentText() == "2026Q3"
    _, report = _engine(loaded.document.plan, loaded.opportunities, parse_period("2026Q3"))
    assert _table(panel) == [_expected_row(k, loaded.document.plan)
                             for k in (*report.kpis.territories, report.kpis.team)]
    # 2026Q3 ended before the results' date: no coverage, said why, and no coverage signal
    coverage = [panel.table.item(r, 3) for r in range(panel.table.rowCount())]
    assert panel.table.horizontalHeaderItem(3).text() == "Coverage"
    assert {(c.text(), c.toolTip()) for c in coverage} == {
        ("-", "2026Q3 is over: no pipeline can close in it any more")}
    rules = {panel.signals.topLevelItem(i).text(1)
             for i in range(panel.signals.topLevelItemCount())}
    assert rules and "pipeline_coverage_low" not in rules


def test_chart_draws_the_chosen_kpi_with_the_team_average(loaded, qtbot):
    panel = loaded.window.health
    _, report = _engine(loaded.document.plan, loaded.opportunities)
    panel.chart_kpi.setFocus()
    qtbot.keyClicks(panel.chart_kpi, "Win rate")  # a closed combo box selects the item typed
    assert panel.chart_kpi.currentData() == "win_rate"
    names, values, team = panel.chart_values()
    assert names == [k.name for k in report.kpis.territories]
    assert values == [k.win_rate for k in report.kpis.territories]
    assert team == report.kpis.team.win_rate
    assert len(panel.chart.series()) == 2  # the bars and the team line
    qtbot.keyClick(panel.chart_kpi, Qt.Key.Key_Home)  # the first KPI: pipeline
    _, values, team = panel.chart_values()
    assert values == [k.pipeline for k in report.kpis.territories]
    assert team == pytest.approx(report.kpis.team.pipeline / len(report.kpis.territories))
    from PySide6.QtCharts import QValueAxis

    axis = next(a for a in panel.chart.axes() if isinstance(a, QValueAxis))
    assert axis.labelFormat() == "%.0f"  # dollars read 60000, not 60000.0


def test_opportunities_without_required_columns_are_explained(no_results, qtbot, monkeypatch,
                                                              tmp_path):
    tdapp = no_results
    window = tdapp.window
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("Name,Value\nfoo,1\n", encoding="utf-8")
    _choose_files(monkeypatch, [wrong, "", ""])
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_H, CTRL_SHIFT)
    with qtbot.waitSignal(window.health.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(window.health.load_button, Qt.MouseButton.LeftButton)
    assert "wrong.csv lacks required columns" in window.health.summary.text()
    assert window.health.table.rowCount() == 0
    assert not window.health.period.isEnabled()


def test_cancelling_the_opportunities_chooser_loads_nothing(no_results, qtbot, monkeypatch):
    tdapp = no_results
    window = tdapp.window
    titles = _choose_files(monkeypatch, [""])
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_H, CTRL_SHIFT)
    qtbot.mouseClick(window.health.load_button, Qt.MouseButton.LeftButton)
    assert len(titles) == 1
    assert not [w for w in window.jobs.workers if w.kind.startswith("health")]
    assert window.health.summary.text().startswith("No CRM results in this plan")
    assert window.health.table.rowCount() == 0


def test_the_sample_opens_with_its_dashboard_filled(tdapp, qtbot):
    """The bundled sample stores invented CRM results: Ctrl+Shift+H shows them, nothing to load."""
    window = tdapp.window
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_H, CTRL_SHIFT)
    qtbot.waitUntil(lambda: window.health.report is not None, timeout=WAIT_MS)
    assert window.health.summary.text().startswith("CRM results stored in the plan: 1302 "
                                                   "opportunities")
    assert window.health.table.rowCount() == len(window.health.report.kpis.territories) + 1
    assert window.health.report.signals  # the invented reps differ on purpose


def test_health_counts_scheduled_driving_in_utilisation_like_the_territory_table(scheduled,
                                                                                 qtbot):
    # With a rotation evaluated on road times, every panel shows one utilisation per rep.
    window, doc = scheduled.window, scheduled.document
    rep = next(iter(doc.plan.schedules))
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_H, CTRL_SHIFT)
    qtbot.waitUntil(lambda: window.health.report is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not window.jobs.workers, timeout=WAIT_MS)
    row = next(r for r in window.territories.model.rows if r.rep_id == rep)
    assert row.drive_hours_per_week  # the table counts the scheduled driving
    kpi = next(k for k in window.health.report.kpis.territories if k.rep_id == rep)
    assert kpi.utilisation == pytest.approx(row.utilisation)


def test_health_counts_the_rotations_road_driving_once_the_network_loads(tdapp, qtbot, tmp_path):
    # Opening a plan with rotations starts loading its road network; the report computed
    # meanwhile counts visits only, and is recomputed on road times when the network lands.
    from territory_desktop.io.planfile import load_plan, save_plan
    from territory_desktop.model.workload import workloads
    from territory_desktop.optimize.plan_schedule import scheduled_drive_hours

    window, doc = tdapp.window, tdapp.document
    plan = load_plan(Path(__file__).resolve().parents[1] / "data" / "exports_plan.gpkg")
    plan.health = doc.plan.health  # the sample's CRM results
    plan.settings = dataclasses.replace(
        plan.settings, osm_extract=str(resource_path("sample", "baltimore.osm.pbf")))
    path = tmp_path / "scheduled_with_results.gpkg"
    save_plan(plan, path)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_H, CTRL_SHIFT)
    qtbot.waitUntil(lambda: window.health.report is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not window.jobs.workers, timeout=WAIT_MS)

    def utilisation():
        assert window.health.report is not None
        return next(k.utilisation for k in window.health.report.kpis.territories
                    if k.rep_id == "REP-4")

    with qtbot.waitSignals([tdapp.map_view.layers_shown, window.routing.network_ready],
                           timeout=WAIT_MS):
        assert tdapp.files.open_path(path, confirmed=True)
        assert window.routing.network is None  # the report just asked for counts visits only
    territory_of = doc.assignment.territory_of
    drive = scheduled_drive_hours(doc.plan, territory_of, window.routing.network)
    road = {w.rep_id: w.utilisation for w in workloads(doc.plan, territory_of, drive.get)}
    visits_only = {w.rep_id: w.utilisation for w in workloads(doc.plan, territory_of)}
    assert road["REP-4"] - visits_only["REP-4"] > 0.005
    qtbot.waitUntil(lambda: window.health.report is not None
                    and utilisation() == pytest.approx(road["REP-4"]), timeout=WAIT_MS)
