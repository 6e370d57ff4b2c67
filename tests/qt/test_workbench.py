"""Panels and controllers built against a small stand-in Workbench, no main window.

What each needs is what the Workbench protocol offers (the one wiring place is
app.build).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMainWindow, QMenuBar, QToolBar, QWidget

from territory_desktop.edits import Edit
from territory_desktop.model import Plan, Rep
from territory_desktop.qt.actions import ActionRegistry, ActionSpec
from territory_desktop.qt.document import PlanDocument
from territory_desktop.qt.editing import Editing
from territory_desktop.qt.files import PlanFiles
from territory_desktop.qt.rotation_controller import RotationController
from territory_desktop.qt.rotation_panel import RotationPanel
from territory_desktop.qt.routing_controller import RoutingController
from territory_desktop.qt.settings_store import SettingsStore
from territory_desktop.qt.workbench import Workbench
from territory_desktop.settings import Preferences


class FakeBench:
    """A Workbench that records what the parts ask of it."""

    def __init__(self, plan: Plan) -> None:
        self.widget = QWidget()
        self.document = PlanDocument(parent=self.widget)
        self.document.reset(plan, None)
        self.prefs = Preferences()
        self.map: Any = None  # these parts draw nothing in the tests below
        self.errors: list[tuple[str, str]] = []
        self.status: list[str] = []
        self.updates = 0

    def apply_edit(self, make: Callable[[], Edit]) -> bool:
        self.document.apply(make())
        return True

    def notify_error(self, title: str, message: str) -> None:
        self.errors.append((title, message))

    def show_status(self, text: str, msecs: int = 5000) -> None:
        self.status.append(text)

    def run_work(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("no background work expected")

    def update_actions(self) -> None:
        self.updates += 1

    def dialog_parent(self) -> QWidget:
        return self.widget


@pytest.fixture
def bench(qtbot, tmp_path):
    plan = Plan()
    plan.reps = {"R1": Rep("R1", "Ana", 39.29, -76.62)}  # a rep without a territory
    fake = FakeBench(plan)
    qtbot.addWidget(fake.widget)
    fake.files = PlanFiles(fake.document, fake.prefs, SettingsStore(tmp_path / "s.ini"),
                           tmp_path / "data")
    return fake


def test_the_rotation_panel_reports_through_its_workbench(bench, qtbot):
    workbench: Workbench = bench  # the stand-in satisfies the protocol (checked by mypy)
    routing = RoutingController(workbench, bench.files, list)
    panel = RotationPanel(workbench, RotationController(workbench, routing), list)
    qtbot.addWidget(panel)
    assert panel.rep_id() == "R1"
    qtbot.mouseClick(panel.schedule_button, Qt.MouseButton.LeftButton)
    assert bench.errors == [("Schedule", "This rep owns no territory.")]


def test_editing_applies_its_edits_on_the_workbench(bench, sample_plan):
    bench.document.reset(sample_plan, None)
    ids = list(sample_plan.territories)[:2]
    selected: list[list[str]] = []
    editing = Editing(bench, bench.files, lambda: ids, selected.append, list, lambda: None)
    editing.merge_selected()
    assert bench.document.undo_stack.count() == 1
    assert ids[1] not in bench.document.plan.territories
    assert selected == [ids[:1]]
    editing.edit_rep()  # no rep in the Rotation panel: nothing asked, nothing changed
    assert bench.document.undo_stack.count() == 1 and not bench.errors


def test_actions_declared_as_data_are_bound_placed_and_enabled(qtbot):
    class Target:
        def __init__(self) -> None:
            self.calls: list[str] = []
            self.ready = False
            self.child = self

        def run(self) -> None:
            self.calls.append("run")

        def is_ready(self) -> bool:
            return self.ready

    window = QMainWindow()
    qtbot.addWidget(window)
    target = Target()
    registry = ActionRegistry(window)
    registry.add_all([
        ActionSpec("a.one", "&One", "Ctrl+1", handler="child.run", menu="&A", toolbar=0),
        ActionSpec("a.two", "&Two", None, "", "is_ready", handler="run", menu="&A", group=1),
        ActionSpec("b.three", "&Three", None, handler="run", menu="&B", toolbar=1),
    ], target)
    menus = registry.place_in_menus(QMenuBar(window), ["&B", "&A"])
    assert list(menus) == ["&B", "&A"]
    assert [a.text() or "|" for a in menus["&A"].actions()] == ["&One", "|", "&Two"]
    toolbar = QToolBar(window)
    registry.place_in_toolbar(toolbar)
    assert [a.text() or "|" for a in toolbar.actions()] == ["&One", "|", "&Three"]
    registry.update_enabled()
    assert registry["a.one"].isEnabled() and not registry["a.two"].isEnabled()
    target.ready = True
    registry.update_enabled()
    assert registry["a.two"].isEnabled()
    field = QLineEdit(window)
    window.setCentralWidget(field)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
    qtbot.keyClick(field, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert target.calls == ["run"]
    with pytest.raises(ValueError, match="declared twice"):
        registry.add(ActionSpec("a.one", "again"), target.run)
