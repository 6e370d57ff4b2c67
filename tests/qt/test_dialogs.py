"""Account, rep and rule editing through the window's dialogs; each change is one undo entry."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, QTime
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QInputDialog, QPushButton

from territory_desktop.qt import dialogs


def select_accounts(window, ids):
    table, model = window.accounts.table, window.accounts.proxy
    table.clearSelection()
    for aid in ids:
        row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == aid)
        table.selectionModel().select(model.index(row, 0), QItemSelectionModel.SelectionFlag.Select
                                      | QItemSelectionModel.SelectionFlag.Rows)


def test_account_properties_change_cadence_and_window(tdapp, monkeypatch):
    window, doc = tdapp.window, tdapp.document
    aid = next(iter(doc.plan.accounts))
    select_accounts(window, [aid])
    assert window.actions["account.properties"].isEnabled()

    def fill(dialog):
        dialog.tier.setCurrentText("A")
        dialog.every.setValue(2)
        dialog.minutes.setValue(50)
        dialog.has_window.setChecked(True)
        dialog.window_start.setTime(QTime(10, 0))
        dialog.window_end.setTime(QTime(11, 30))
        dialog.closed[0].setChecked(True)
        dialog.same_weekday.setChecked(True)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs.AccountDialog, "exec", fill)
    window.actions["account.properties"].trigger()
    a = doc.plan.accounts[aid]
    assert (a.tier, a.every_weeks, a.visit_minutes) == ("A", 2.0, 50.0)
    assert (a.window_start, a.window_end, a.closed_weekdays, a.same_weekday) == (
        600, 690, (0,), True)
    assert doc.undo_stack.undoText().startswith("Edit ")
    doc.undo_stack.undo()
    assert doc.plan.accounts[aid].window_start is None


def test_pin_and_unpin_selected_accounts(tdapp, monkeypatch):
    window, doc = tdapp.window, tdapp.document
    plan = doc.plan
    target = next(t for t in plan.territories.values() if t.geometry is not None)
    outside = [a for a, t in doc.assignment.territory_of.items() if t != target.id][:2]
    select_accounts(window, outside)
    monkeypatch.setattr(QInputDialog, "getItem",
                        staticmethod(lambda *a, **k: (f"{target.name} ({target.id})", True)))
    window.actions["account.pin"].trigger()
    assert all(doc.assignment.territory_of[a] == target.id for a in outside)
    assert all(doc.assignment.reason[a] == f"rule: account {a} pinned" for a in outside)
    assert doc.undo_stack.undoText() == f"Pin to {target.name}: 2 account(s)"
    window.actions["account.unpin"].trigger()
    assert all(doc.assignment.territory_of[a] != target.id for a in outside)


def test_rules_dialog_removes_a_rule(tdapp, monkeypatch):
    window, doc = tdapp.window, tdapp.document
    rule = doc.plan.rules[0]
    ruled = [a for a, why in doc.assignment.reason.items() if why.startswith("rule:")]
    assert ruled

    def remove_first(dialog):
        dialog.list.setCurrentRow(0)
        remove = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Remove rule")
        QTest.mouseClick(remove, Qt.MouseButton.LeftButton)
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(dialogs.RulesDialog, "exec", remove_first)
    window.actions["territory.rules"].trigger()
    assert rule not in doc.plan.rules
    assert all(not doc.assignment.reason[a].startswith("rule:") for a in ruled)
    assert doc.undo_stack.undoText() == f"Remove rule {rule.describe()}"


def test_rep_settings(tdapp, monkeypatch):
    window, doc = tdapp.window, tdapp.document
    rep_id = window.rotation_panel.rep_id()

    def fill(dialog):
        dialog.start.setTime(QTime(7, 30))
        dialog.max_day.setValue(8)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs.RepDialog, "exec", fill)
    window.actions["rep.properties"].trigger()
    rep = doc.plan.reps[rep_id]
    assert (rep.workday_start, rep.max_day_minutes) == (450, 480)
