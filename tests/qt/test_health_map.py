"""Territory health on the map: a KPI choropleth, sized accounts, signal badges and answers."""

from __future__ import annotations

import base64
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from territory_desktop import cli, edits
from territory_desktop.io.planfile import save_plan
from territory_desktop.model.plan_health import PlanHealth
from territory_desktop.resources import resource_path

SAMPLE = resource_path("sample")
RESULTS = SAMPLE / "results"
FILES = {"opportunities": RESULTS / "opportunities.csv", "quotas": RESULTS / "quotas.csv",
         "activities": RESULTS / "activities.csv"}
WAIT_MS = 60_000
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def js(tdapp, qtbot, script):
    """Evaluate ``script`` in the map page and return its value (JSON round trip)."""
    box = {}
    tdapp.map_view.run_js(script, lambda value: box.setdefault("value", value))
    qtbot.waitUntil(lambda: "value" in box, timeout=10_000)
    return box["value"]


@pytest.fixture
def loaded(tdapp, qtbot, monkeypatch):
    """Load the sample plan's CRM results through View > Health and the Load button."""
    queue = [str(FILES[k]) for k in ("opportunities", "quotas", "activities")]
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (queue.pop(0), "")))
    window = tdapp.window
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_H, CTRL_SHIFT)
    # The badges are sent last, once the report is shown (an earlier, empty send may still be
    # on its way from opening the sample: it draws no badge).
    with qtbot.waitSignal(tdapp.map_view.rendered, timeout=WAIT_MS,
                          check_params_cb=lambda name, count: name == "show_signals" and count):
        qtbot.mouseClick(window.health.load_button, Qt.MouseButton.LeftButton)
    assert window.health.report is not None
    return tdapp


def _rendered(tdapp, qtbot, cmd):
    """Wait until the page has drawn command ``cmd``."""
    return qtbot.waitSignal(tdapp.map_view.rendered, timeout=WAIT_MS,
                            check_params_cb=lambda name, count: name == cmd)


def test_picking_a_kpi_draws_the_command_lines_figures_and_back(loaded, qtbot, capsys):
    controls = loaded.health_map
    controls.kpi.setFocus()
    with _rendered(loaded, qtbot, "show_choropleth"):
        qtbot.keyClicks(controls.kpi, "Win rate")
    assert controls.kpi.currentData() == "win_rate"
    args = ["plan", "health", str(SAMPLE / "sample_plan.gpkg"),
            *(a for kind, path in FILES.items() for a in (f"--{kind}", str(path))), "--json"]
    assert cli.main(args) == 0
    printed = json.loads(capsys.readouterr().out)
    page = js(loaded, qtbot, """(function () {
        var S = TD.state, out = {};
        Object.keys(S.choropleth.territories).forEach(function (id) {
          var layer = S.territoryById[id];
          out[id] = { value: S.choropleth.territories[id].value,
            fill: !layer ? null : layer.options.fillColor instanceof CanvasPattern
              ? 'hatched' : layer.options.fillColor,
            color: S.choropleth.territories[id].color };
        });
        return { kpi: S.choropleth.kpi, cells: out,
                 legend: document.querySelector('.td-health-legend').textContent,
                 rows: Array.prototype.map.call(document.querySelectorAll('.td-legend-name'),
                   function (n) { return n.textContent; }) };
      })()""")
    assert page["kpi"] == "win_rate"
    assert printed["period"] in page["legend"] and "Win rate (%)" in page["legend"]
    shaped = {t.id for t in loaded.document.plan.territories.values() if t.geometry is not None}
    hatched = 0
    for row in printed["territories"]:
        cell = page["cells"][row["id"]]
        value = None if cell["value"] is None else round(cell["value"], 4)
        assert value == row["win_rate"], row["id"]
        if row["id"] in shaped:  # drawn: coloured as sent, or hatched when there is no figure
            assert cell["fill"] == (cell["color"] if value is not None else "hatched")
            hatched += value is None
    assert hatched >= 1, "the sample has a shaped territory with too few deals"
    # the territory legend names each territory's figure as the panel writes it
    cells = loaded.health_map.panel.report.kpis.territories
    texts = {k.name: "too few deals" if k.win_rate is None else f"{k.win_rate:.0%}"
             for k in cells}
    by_rule = {t.name for t in loaded.document.plan.territories.values() if t.geometry is None}
    assert sorted(page["rows"]) == sorted(f"{name}{' by rule' * (name in by_rule)} {text}"
                                          for name, text in texts.items())

    with _rendered(loaded, qtbot, "show_choropleth"):
        qtbot.keyClick(controls.kpi, Qt.Key.Key_Home)  # "Territory colours"
    restored = js(loaded, qtbot, """(function () {
        var S = TD.state, out = {};
        Object.keys(S.territoryById).forEach(function (id) {
          out[id] = S.territoryById[id].options.fillColor; });
        return { choropleth: S.choropleth, fills: out };
      })()""")
    assert restored["choropleth"] is None
    colors = {t.id: t.color for t in loaded.document.plan.territories.values()}
    assert restored["fills"] == {tid: colors[tid] for tid in restored["fills"]}


def test_accounts_sized_by_pipeline_on_the_page(loaded, qtbot):
    controls = loaded.health_map
    controls.size_by.setFocus()
    with _rendered(loaded, qtbot, "show_choropleth"):
        qtbot.keyClicks(controls.size_by, "Pipeline")
    from territory_desktop.mapping.health_layer import account_sizes

    panel = loaded.window.health
    expected = list(base64.b64decode(account_sizes(
        loaded.document.plan, panel.report, panel.results, "pipeline")["sizes"]))
    page = js(loaded, qtbot, """(function () {
        var d = TD.state.accounts, radii = {};
        for (var i = 0; i < d.count; i++) { radii[d.sizes[i]] = d.propsAt(i).radius; }
        return { sizes: Array.prototype.slice.call(d.sizes), radii: radii,
                 key: document.querySelector('.td-size-key').textContent };
      })()""")
    assert page["sizes"] == expected and max(expected) == 7 and 0 in expected
    assert page["radii"]["7"] > page["radii"]["0"]
    assert "Accounts by pipeline" in page["key"]
    with _rendered(loaded, qtbot, "show_choropleth"):
        qtbot.keyClick(controls.size_by, Qt.Key.Key_Home)  # back to tiers
    assert js(loaded, qtbot, "TD.state.accounts.sizes") is None


def test_signals_are_badges_whose_text_shows_on_hover(loaded, qtbot):
    report = loaded.window.health.report
    flagged = list(dict.fromkeys(s.territory_id for s in report.signals))
    shaped = [t for t in flagged if loaded.document.plan.territories[t].geometry is not None]
    assert shaped
    tid = shaped[0]
    shown = js(loaded, qtbot, f"""(function () {{
        var S = TD.state, marker = null;
        S.signalLayer.eachLayer(function (m) {{
          if (m.badge.tid === {json.dumps(tid)}) marker = m;
        }});
        marker.getElement().dispatchEvent(new MouseEvent('mouseover', {{ bubbles: true }}));
        var tip = marker.getTooltip().getElement();
        return {{ badges: S.signalLayer.getLayers().length, count: marker.getElement().textContent,
                 tip: tip ? tip.textContent : null,
                 dashed: S.territoryById[{json.dumps(tid)}].options.dashArray }};
      }})()""")
    assert shown["badges"] == len(shaped)
    mine = [s for s in report.signals if s.territory_id == tid]
    assert shown["count"] == str(len(mine))
    assert all(s.message in shown["tip"] for s in mine)
    assert shown["dashed"]
    with _rendered(loaded, qtbot, "show_signals"):
        qtbot.mouseClick(loaded.health_map.show_signals, Qt.MouseButton.LeftButton)
    assert js(loaded, qtbot, "TD.state.signalLayer") is None


def _row(panel, rule):
    report = panel.report
    return next(i for i, s in enumerate(report.signals) if s.rule == rule)


def _names(tdapp, row):
    return [b.objectName().removeprefix("answer_") for b in tdapp.health_map.answer_buttons(row)]


def _button(tdapp, row, name):
    return next(b for b in tdapp.health_map.answer_buttons(row)
                if b.objectName() == f"answer_{name}")


def test_select_territory_answer_selects_it_on_the_map(loaded, qtbot):
    panel = loaded.window.health
    row = _row(panel, "pipeline_coverage_low")
    signal = panel.report.signals[row]
    with _rendered(loaded, qtbot, "select_territory"):
        qtbot.mouseClick(_button(loaded, row, "select_territory"), Qt.MouseButton.LeftButton)
    assert loaded.window.selected_territories == [signal.territory_id]
    assert js(loaded, qtbot, "TD.state.selected") == signal.territory_id


def test_open_rotation_answer_shows_the_reps_rotation(loaded, qtbot):
    window = loaded.window
    panel = window.health
    territories = window.document.plan.territories
    before = window.rotation_panel.rep_id()
    row, rep_id = next((i, territories[s.territory_id].rep_id)
                       for i, s in enumerate(panel.report.signals)
                       if s.rule == "utilisation_low"
                       and territories[s.territory_id].rep_id not in (None, before))
    qtbot.mouseClick(_button(loaded, row, "open_rotation"), Qt.MouseButton.LeftButton)
    assert window.rotation_panel.rep_id() == rep_id
    assert window.dock("dockRotation").isVisible()


def test_stretch_cadence_answer_of_an_overloaded_rep(loaded, qtbot):
    window = loaded.window
    plan = window.document.plan
    territory = plan.territories["T3"]
    assert window.apply_edit(lambda: edits.update_rep(plan, territory.rep_id, weekly_hours=2.0))
    panel = window.health
    # The report of the plan before the edit may still arrive first: wait for the new one.
    qtbot.waitUntil(lambda: panel.report is not None and any(
        s.rule == "utilisation_high" for s in panel.report.signals), timeout=WAIT_MS)
    row = _row(panel, "utilisation_high")
    assert panel.report.signals[row].territory_id == "T3"
    # no rotation scheduled yet: nothing to stretch, so the step that can comes in its place
    assert _names(loaded, row) == ["schedule_rotation", "open_rotation", "rebalance"]
    assert window.document.plan.schedules.get(territory.rep_id) is None


def test_a_rep_with_room_is_not_offered_a_stretch(loaded, qtbot):
    window = loaded.window
    panel = window.health
    row, signal = next((i, s) for i, s in enumerate(panel.report.signals)
                       if s.rule == "a_coverage_low")
    assert "the rep has room" in signal.message and signal.action == "open_rotation"
    assert _names(loaded, row) == ["open_rotation"]  # visiting less often is no answer
    qtbot.mouseClick(_button(loaded, row, "open_rotation"), Qt.MouseButton.LeftButton)
    rep_id = window.document.plan.territories[signal.territory_id].rep_id
    assert window.rotation_panel.rep_id() == rep_id
    assert window.dock("dockRotation").isVisible()


def test_rebalance_answer_opens_auto_balance_on_the_territory(loaded, qtbot):
    window = loaded.window
    panel = window.health
    row = _row(panel, "utilisation_low")
    button = _button(loaded, row, "rebalance")
    assert button.isEnabled()  # the window has Auto-balance (territory.balance)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.selected_territories == [panel.report.signals[row].territory_id]
    design = window.design
    qtbot.waitUntil(lambda: design.dialog is not None and design.dialog.isVisible())
    design.dialog.reject()


def test_stretch_cadence_answer_stretches_a_scheduled_overloaded_rep(loaded, qtbot):
    window, doc = loaded.window, loaded.document
    rep, tid = "REP-4", "T4"  # the sample's smallest territory: quick to schedule
    assert doc.plan.territories[tid].rep_id == rep
    assert window.apply_edit(lambda: edits.update_rep(doc.plan, rep, max_day_minutes=60,
                                                      weekly_hours=4.0))
    rotation = window.rotation_panel
    rotation.seconds.setValue(2)
    panel = window.health

    def row():
        """Return the row of T4's overload once the report shows it, else None."""
        signals = panel.report.signals if panel.report is not None else ()
        return next((i for i, s in enumerate(signals)
                     if s.rule == "utilisation_high" and s.territory_id == tid), None)

    qtbot.waitUntil(lambda: row() is not None, timeout=WAIT_MS)
    assert "stretch_cadence" not in _names(loaded, row())  # no rotation yet: nothing to stretch
    with qtbot.waitSignal(window.rotation.schedule_ready, timeout=120_000):
        qtbot.mouseClick(_button(loaded, row(), "schedule_rotation"), Qt.MouseButton.LeftButton)
    missing = sum(u.missing_visits for u in doc.plan.schedules[rep].unplaced)
    assert missing, "60-minute days cannot hold the territory"
    rotation.rep.setCurrentIndex(rotation.rep.findData("REP-1"))  # the answer brings it back
    qtbot.waitUntil(lambda: row() is not None and "stretch_cadence" in _names(loaded, row()),
                    timeout=WAIT_MS)
    stack = doc.undo_stack
    with qtbot.waitSignal(window.rotation.schedule_ready, timeout=120_000):
        qtbot.mouseClick(_button(loaded, row(), "stretch_cadence"), Qt.MouseButton.LeftButton)
    assert rotation.rep_id() == rep
    assert any(stack.text(i).startswith("Stretch cadence") for i in range(stack.count()))
    assert sum(u.missing_visits for u in doc.plan.schedules[rep].unplaced) < missing


def test_opening_another_plan_takes_the_health_off_the_map(loaded, qtbot, tmp_path):
    other = tmp_path / "no results.gpkg"
    plan = loaded.document.plan.copy()
    plan.health = PlanHealth()
    save_plan(plan, other)
    controls = loaded.health_map
    controls.kpi.setFocus()
    with _rendered(loaded, qtbot, "show_signals"):  # sent after the choropleth
        qtbot.keyClicks(controls.kpi, "Pipeline")
    assert js(loaded, qtbot, "TD.state.choropleth.kpi") == "pipeline"
    with _rendered(loaded, qtbot, "show_signals"), qtbot.waitSignal(loaded.map_view.layers_shown):
        assert loaded.files.open_path(other, confirmed=True)
    page = js(loaded, qtbot, """({ choropleth: TD.state.choropleth, badges: TD.state.signalLayer,
        fill: TD.state.territoryById.T1.options.fillColor,
        legend: document.querySelector('.td-health-legend') })""")
    assert page == {"choropleth": None, "badges": None, "legend": None,
                    "fill": loaded.document.plan.territories["T1"].color}
    assert not controls.kpi.isEnabled()


def test_every_rule_offers_the_engines_answer():
    from territory_desktop.health.signals import RULES
    from territory_desktop.qt.health_map import ANSWER_TEXTS, ANSWERS

    assert set(ANSWERS) == set(RULES)
    for rule, action in RULES.items():
        assert action is None or action in ANSWERS[rule], rule
        assert all(name in ANSWER_TEXTS for name in ANSWERS[rule])


def test_a_signal_card_is_whole_on_the_map(loaded, qtbot):
    """Hovering any badge shows the whole card: not cut at the map's edge, nor under a control."""
    cards = js(loaded, qtbot, """(function () {
        var S = TD.state, box = S.map.getContainer().getBoundingClientRect(), out = [];
        S.signalLayer.eachLayer(function (m) {
          m.getElement().dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
          var r = m.getTooltip().getElement().getBoundingClientRect();
          var over = [];  // controls drawn over the card (Leaflet puts them above every pane)
          S.map.getContainer().querySelectorAll('.leaflet-control').forEach(function (c) {
            var q = c.getBoundingClientRect();
            if (getComputedStyle(c).visibility !== 'hidden' && q.left < r.right
                && r.left < q.right && q.top < r.bottom && r.top < q.bottom) {
              over.push(c.className);
            }
          });
          out.push({ tid: m.badge.tid, card: [r.left, r.top, r.right, r.bottom],
                     map: [box.left, box.top, box.right, box.bottom], over: over });
          m.getElement().dispatchEvent(new MouseEvent('mouseout', { bubbles: true }));
        });
        return out;
      })()""")
    assert cards
    for c in cards:
        (left, top, right, bottom), (x0, y0, x1, y1) = c["card"], c["map"]
        assert x0 <= left and right <= x1 and y0 <= top and bottom <= y1, c
        assert c["over"] == [], c
    # They come back when the card closes.
    assert js(loaded, qtbot, "document.querySelectorAll('.td-under-card').length") == 0
