"""Health thresholds are edited in the Health panel, change the signals, undo and save.

Every step is a gesture: View > Health (Ctrl+Shift+H), the Thresholds… button, typing into the
dialog's boxes, OK or Esc, Ctrl+Z and Save as (Ctrl+Shift+S) with the file chooser answering.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from territory_desktop.health.report import health_report
from territory_desktop.health.settings import HealthSettings
from territory_desktop.io import planfile

WAIT_MS = 60_000
LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _rules(panel) -> list[str]:
    return [s.rule for s in panel.report.signals]


def _type(qtbot, box, text: str) -> None:
    box.selectAll()
    qtbot.keyClicks(box, text)
    box.interpretText()


def _open_dialog(qtbot, panel):
    qtbot.mouseClick(panel.thresholds_button, LEFT)
    dialog = panel.thresholds_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def _key(qtbot, window, key, modifiers) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    qtbot.keyClick(window, key, modifiers)


def test_thresholds_change_the_signals_undo_and_are_saved(tdapp, qtbot, monkeypatch, tmp_path):
    window, document = tdapp.window, tdapp.document
    panel = window.health
    _key(qtbot, window, Qt.Key.Key_H, CTRL_SHIFT)
    qtbot.waitUntil(lambda: panel.report is not None, timeout=WAIT_MS)
    before = _rules(panel)
    assert "pipeline_coverage_low" in before, "the sample should raise a coverage signal"
    assert document.plan.health.settings == HealthSettings()

    dialog = _open_dialog(qtbot, panel)
    _type(qtbot, dialog.boxes["pipeline_coverage_min"], "0")
    _type(qtbot, dialog.boxes["utilisation_max"], "150")
    with qtbot.waitSignal(panel.report_shown, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.ok_button, LEFT)
    settings = document.plan.health.settings
    assert settings.pipeline_coverage_min == 0.0 and settings.utilisation_max == 1.5
    assert settings.a_coverage_min == HealthSettings().a_coverage_min  # untouched: unchanged
    assert "pipeline_coverage_low" not in _rules(panel)
    expected = health_report(document.plan, document.plan.health.results,
                             panel.period.currentData(),
                             territory_of=dict(document.assignment.territory_of))
    assert _rules(panel) == [s.rule for s in expected.signals]
    assert document.undo_stack.undoText() == "Change health thresholds"

    # Contradicting limits are refused in the dialog, naming the problem.
    dialog = _open_dialog(qtbot, panel)
    _type(qtbot, dialog.boxes["utilisation_min"], "160")
    assert not dialog.ok_button.isEnabled()
    assert "minimum utilisation is above the maximum" in dialog.problem.text()
    assert dialog.problem.isVisible()
    qtbot.mouseClick(dialog.defaults, LEFT)
    assert dialog.ok_button.isEnabled() and not dialog.problem.isVisible()
    _type(qtbot, dialog.boxes["a_coverage_min"], "1000")  # a share: never above 100 %
    assert not dialog.ok_button.isEnabled()
    assert "at most 100 %" in dialog.problem.text()
    qtbot.mouseClick(dialog.defaults, LEFT)
    assert dialog.settings() == HealthSettings()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # cancelled: the plan keeps the edited limits
    assert not dialog.isVisible()
    assert document.plan.health.settings == settings

    saved = tmp_path / "thresholds.gpkg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(saved), "")))
    _key(qtbot, window, Qt.Key.Key_S, CTRL_SHIFT)
    assert not document.is_modified
    assert planfile.load_plan(saved).health.settings == settings

    with qtbot.waitSignal(panel.report_shown, timeout=WAIT_MS):
        _key(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert document.plan.health.settings == HealthSettings()
    assert _rules(panel) == before


def test_ok_without_a_change_adds_no_undo_step(tdapp, qtbot):
    window, document = tdapp.window, tdapp.document
    panel = window.health
    _key(qtbot, window, Qt.Key.Key_H, CTRL_SHIFT)
    qtbot.waitUntil(lambda: panel.report is not None, timeout=WAIT_MS)
    steps = document.undo_stack.count()
    dialog = _open_dialog(qtbot, panel)
    qtbot.mouseClick(dialog.ok_button, LEFT)
    assert document.undo_stack.count() == steps
