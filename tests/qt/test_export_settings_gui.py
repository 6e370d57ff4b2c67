"""Export settings through the GUI: home office in the rep's settings, rates and presets editor."""

from __future__ import annotations

from export_gestures import export_action
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLineEdit, QPushButton

from territory_desktop.io import load_plan, save_plan
from territory_desktop.io.exports.rates import default_rates
from territory_desktop.qt import dialogs


def type_into(qtbot, table, row, column, text):
    """Select a cell, open its editor with F2, type, and commit with Return."""
    table.setFocus()
    table.setCurrentCell(row, column)
    qtbot.keyClick(table, Qt.Key.Key_F2)

    def open_editor():  # the last cell's editor may linger, hidden, until deleted later
        return next((e for e in table.viewport().findChildren(QLineEdit) if e.isVisible()),
                    None)

    qtbot.waitUntil(lambda: open_editor() is not None, timeout=2000)
    editor = open_editor()
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits in a queued call
    qtbot.waitUntil(lambda: table.item(row, column).text() == text, timeout=2000)


def ok_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_home_office_is_set_in_the_rep_settings_and_saved(tdapp, monkeypatch, tmp_path):
    window, doc = tdapp.window, tdapp.document
    rep_id = window.rotation_panel.rep_id()
    assert not doc.plan.reps[rep_id].home_office

    def tick(dialog):
        QTest.mouseClick(dialog.home_office, Qt.MouseButton.LeftButton)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs.RepDialog, "exec", tick)
    window.actions["rep.properties"].trigger()
    assert doc.plan.reps[rep_id].home_office
    save_plan(doc.plan, tmp_path / "p.gpkg")
    assert load_plan(tmp_path / "p.gpkg").reps[rep_id].home_office
    doc.undo_stack.undo()
    assert not doc.plan.reps[rep_id].home_office


def test_rates_and_presets_are_edited_checked_and_saved(tdapp, qtbot, tmp_path):
    window, doc = tdapp.window, tdapp.document
    assert doc.plan.exports.rates is None  # the sample uses the shipped rates
    export_action(window, "Mileage rates and expense &presets…").trigger()
    dialog = window.exports.dialog
    assert dialog.isVisible()
    rates = dialog.rates
    periods = default_rates().periods
    assert rates.rowCount() == len(periods)
    assert rates.item(0, 2).text() == str(periods[0].rate)
    # A gap: the second period starting a day late is refused, in one line, OK disabled.
    late = periods[1].start.replace(day=periods[1].start.day + 1).isoformat()
    type_into(qtbot, rates, 1, 0, late)
    assert f"the rate table has a gap: no rate from {periods[1].start} to {periods[1].start}" \
        in dialog.reason.text()
    assert not ok_button(dialog).isEnabled()
    type_into(qtbot, rates, 1, 0, periods[1].start.isoformat())
    assert dialog.reason.text() == "" and ok_button(dialog).isEnabled()
    # Our own rate for the last period, in euros per km.
    last = rates.rowCount() - 1
    type_into(qtbot, rates, last, 2, "0.42")
    type_into(qtbot, rates, last, 3, "EUR")
    type_into(qtbot, rates, last, 4, "km")
    # A preset, added with its button and renamed; a bad field is refused.
    qtbot.mouseClick(dialog.findChild(QPushButton, "add_preset"), Qt.MouseButton.LeftButton)
    presets = dialog.presets
    assert presets.rowCount() == 1
    type_into(qtbot, presets, 0, 0, "Expensify")
    type_into(qtbot, presets, 0, 1, "date=Date; miles=Miles")
    assert "unknown field 'miles'" in dialog.reason.text() and not ok_button(dialog).isEnabled()
    type_into(qtbot, presets, 0, 1, "date=Date; distance=Miles; amount")
    type_into(qtbot, presets, 0, 2, "%m/%d/%Y")
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    exports = doc.plan.exports
    assert exports.rates is not None and exports.rates.periods[-1].currency == "EUR"
    assert str(exports.rates.periods[-1].rate) == "0.42"
    assert exports.rates.periods[:-1] == periods[:-1]  # the untouched ones keep their notes
    preset = exports.preset("Expensify")
    assert preset is not None and preset.columns == (("date", "Date"), ("distance", "Miles"),
                                                     ("amount", "Amount"))
    assert doc.undo_stack.undoText() == "Change mileage rates and expense presets"
    save_plan(doc.plan, tmp_path / "p.gpkg")
    assert load_plan(tmp_path / "p.gpkg").exports == exports
    doc.undo_stack.undo()
    assert doc.plan.exports.rates is None and doc.plan.exports.presets == ()


def test_rates_reset_to_the_defaults_keep_the_plan_on_the_defaults(tdapp, qtbot):
    window, doc = tdapp.window, tdapp.document
    export_action(window, "Mileage rates and expense &presets…").trigger()
    dialog = window.exports.dialog
    type_into(qtbot, dialog.rates, 0, 2, "9.99")
    qtbot.mouseClick(dialog.findChild(QPushButton, "reset"), Qt.MouseButton.LeftButton)
    assert dialog.rates.item(0, 2).text() == str(default_rates().periods[0].rate)
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert doc.plan.exports.rates is None
    assert doc.undo_stack.undoText() != "Change mileage rates and expense presets"
