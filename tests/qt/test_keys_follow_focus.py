"""Delete and F2 act on what has the focus, never on a territory selected elsewhere.

A user clicked a territory on the map, then a cell of the rep's week or a visit of the
rotation, and pressed Delete: the territory went, with no question asked.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

from tests.qt.conftest import SCHEDULED_REP as REP

WAIT_MS = 60_000


def _click(view, rect) -> None:
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     rect.center())


def test_delete_on_a_rotation_visit_removes_the_visit_not_the_selected_territory(scheduled,
                                                                                 qtbot):
    window, doc = scheduled.window, scheduled.document
    tid = next(t.id for t in doc.plan.territories.values() if t.rep_id == REP)
    window.select_territories([tid])  # the rep's own territory: the panel stays on the rep
    panel = window.rotation_panel
    window.dock("dockRotation").raise_()
    slot, day = next((s, d) for s, d in panel.days.items() if d.count() >= 2)
    aid = day.item(1).data(Qt.ItemDataRole.UserRole)
    _click(day, day.visualItemRect(day.item(1)))
    assert QApplication.focusWidget() is day
    count = len(doc.plan.territories)
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        qtbot.keyClick(day, Qt.Key.Key_Delete)
    assert len(doc.plan.territories) == count
    assert aid not in [v.account_id for v in doc.plan.schedules[REP].day(*slot)]
    assert doc.undo_stack.undoText().startswith("Remove")
    window.actions["edit.undo"].trigger()
    assert aid in [v.account_id for v in doc.plan.schedules[REP].day(*slot)]


def test_delete_and_f2_in_the_reps_week_leave_the_selected_territory_alone(scheduled, qtbot):
    window, doc = scheduled.window, scheduled.document
    window.actions["rotation.week"].trigger()
    view = window.rep_week
    view.rep.setCurrentIndex(view.rep.findData(REP))
    assert view.rows
    tid = next(t.id for t in doc.plan.territories.values() if t.rep_id == REP)
    window.select_territories([tid])
    table = view.table
    cell = table.visualRect(table.model().index(0, 8))  # odometer start
    _click(table, cell)
    assert QApplication.focusWidget() is table
    before, depth = doc.plan, doc.undo_stack.count()
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert doc.plan is before and doc.undo_stack.count() == depth
    assert tid in doc.plan.territories
    # F2 edits the cell (no territory Properties dialog opens over it)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit))
    assert QApplication.focusWidget().parent() is table.viewport()
    assert QApplication.activeModalWidget() is None
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)


def test_delete_in_the_territories_table_still_deletes_the_territory(tdapp, qtbot):
    window, doc = tdapp.window, tdapp.document
    table = window.territories.table
    name = table.model().index(0, 0).data()
    _click(table, table.visualRect(table.model().index(0, 0)))
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert name not in [t.name for t in doc.plan.territories.values()]
