"""Territory health on the map, and the actions that answer each health signal.

:class:`HealthMap` follows the Health panel's report: the KPI the user picks colours the
territories (:func:`~territory_desktop.mapping.health_layer.choropleth`), accounts can be sized
by potential or pipeline, and territories with a signal carry a badge. In the panel's signal
list, each signal offers the answers :func:`answers_for` picks from :data:`ANSWERS`. An answer
is a name: the app's own ones (select the territory, open or schedule the rep's rotation,
stretch its cadence) are handlers given by ``app.build``; the others name a window action
(:data:`WINDOW_ANSWERS`), shown disabled with the reason while the window has no such action.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from territory_desktop.health.signals import OPEN_ROTATION
from territory_desktop.health.signals import Signal as HealthSignal
from territory_desktop.mapping.health_layer import (
    MAP_KPIS,
    account_sizes,
    choropleth,
    signal_badges,
)

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from territory_desktop.qt.health_panel import HealthPanel
    from territory_desktop.qt.rotation_panel import RotationPanel

__all__ = ["ANSWERS", "ANSWER_TEXTS", "WINDOW_ANSWERS", "HealthMap", "answers_for"]

ANSWERS: dict[str, tuple[str, ...]] = {
    "win_rate_spread": ("select_territory", "realign"),
    "utilisation_high": ("stretch_cadence", "open_rotation", "rebalance"),
    "utilisation_low": ("open_rotation", "rebalance"),
    "pipeline_coverage_low": ("select_territory",),
    "a_coverage_low": ("open_rotation", "stretch_cadence"),
    "potential_share_high": ("select_territory", "rebalance", "realign"),
    "potential_share_low": ("select_territory", "rebalance", "realign"),
}
"""Signal rule -> the answers the panel may offer for it, in order (the engine's own answer,
:data:`territory_desktop.health.signals.RULES`, is always among them); see :func:`answers_for`."""

ANSWER_TEXTS = {
    "select_territory": ("Select territory", "Select the territory on the map and in the table"),
    "open_rotation": ("Open rotation", "Show the rep's call rotation"),
    "stretch_cadence": ("Stretch cadence",
                        "Visit the rep's accounts less often so the rotation fits their week "
                        "(the Rotation panel's stretch), then schedule again"),
    "schedule_rotation": ("Schedule rotation",
                          "Schedule the rep's rotation (Ctrl+Shift+P); when the visits do not "
                          "fit the rep's week, stretching the cadence is offered next"),
    "rebalance": ("Rebalance", "Move accounts between territories to even out the workload"),
    "realign": ("Realign", "Realign the territories with few account moves"),
}
"""Answer name -> (link text, tooltip)."""

WINDOW_ANSWERS = {"rebalance": "territory.balance", "realign": "territory.realign"}
"""Answers that run a window action: answer name -> action id in window_actions."""


def answers_for(signal: HealthSignal, has_rotation: bool) -> tuple[str, ...]:
    """Return the answers the panel offers for ``signal``, from :data:`ANSWERS`.

    A rep with room (the signal's own answer is ``open_rotation``) is not offered a stretch:
    visiting less often is no answer to visits missed with time to spare. A stretch needs the
    rep's rotation (``has_rotation``): without one, "Schedule rotation" comes in its place.
    """
    names = []
    for name in ANSWERS.get(signal.rule, ()):
        if name == "stretch_cadence":
            if signal.action == OPEN_ROTATION:
                continue
            if not has_rotation:
                name = "schedule_rotation"
        names.append(name)
    return tuple(names)


class HealthMap(QObject):
    """Shows the Health panel's report on the map and turns its signals into actions.

    Parameters
    ----------
    panel
        The Health panel: its report, its signal list, and the row the map controls go in.
    select_territories
        Select territories in the window (table and map).
    rotation_panel
        The Rotation panel: its rep picker and its stretch.
    raise_dock
        Show and raise the dock with an object name.
    window_action
        Return the window action with an id, or None when the window has none.
    """

    sent = Signal()
    """The map was sent the current choropleth, account sizes and signals."""

    def __init__(self, panel: HealthPanel, select_territories: Callable[[list[str]], None],
                 rotation_panel: RotationPanel, raise_dock: Callable[[str], object],
                 window_action: Callable[[str], QAction | None]) -> None:
        super().__init__(panel)
        self.panel = panel
        self.bench = panel.workbench
        self.select_territories = select_territories
        self.rotation_panel = rotation_panel
        self.raise_dock = raise_dock
        self.window_action = window_action
        self._sizes: tuple[tuple[object, ...], dict[str, Any]] | None = None
        self.handlers: dict[str, Callable[[HealthSignal], object]] = {
            "select_territory": self.select_territory,
            "open_rotation": self.open_rotation,
            "stretch_cadence": self.stretch_cadence,
            "schedule_rotation": self.schedule_rotation,
        }
        bar = QWidget(panel)
        self.kpi = QComboBox(bar)
        self.kpi.setObjectName("healthMapKpi")
        self.kpi.addItem("Territory colours", None)
        for spec in MAP_KPIS:
            self.kpi.addItem(spec.label, spec.kpi)
        self.kpi.setToolTip("Colour the territories on the map by a KPI of the report")
        self.size_by = QComboBox(bar)
        self.size_by.setObjectName("healthMapSize")
        for text, data in (("Tier", None), ("Potential", "potential"), ("Pipeline", "pipeline")):
            self.size_by.addItem(text, data)
        self.show_signals = QCheckBox("Signals on the map", bar)
        self.show_signals.setObjectName("healthMapSignals")
        self.show_signals.setChecked(True)
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Map colour:", bar))
        row.addWidget(self.kpi)
        row.addWidget(QLabel("Account size:", bar))
        row.addWidget(self.size_by)
        row.addWidget(self.show_signals)
        row.addStretch(1)
        panel.add_row(bar)
        for control in (self.kpi, self.size_by, self.show_signals):
            control.setEnabled(False)  # until a report is shown
        self.kpi.currentIndexChanged.connect(self.send)
        self.size_by.currentIndexChanged.connect(self.send)
        self.show_signals.toggled.connect(self.send)
        panel.report_shown.connect(self._on_panel_report_shown)
        self.bench.document.replaced.connect(self.send)

    def send(self) -> None:
        """Send the map the choropleth, sizes and badges the controls ask for (or none)."""
        report = self.panel.report
        view = self.bench.map
        for control in (self.kpi, self.size_by, self.show_signals):
            control.setEnabled(report is not None)
        if report is None:
            self._sizes = None  # let the old plan and results go
        kpi = self.kpi.currentData() if report is not None else None
        size_by = self.size_by.currentData() if report is not None else None
        colours = choropleth(report, kpi) if report is not None and kpi else None
        sizes = None
        if report is not None and size_by:
            # Picking another KPI keeps the sizes: computed once per report, plan and choice.
            plan = self.bench.document.plan
            key = (report, plan, size_by)
            if self._sizes is None or any(a is not b for a, b in zip(
                    self._sizes[0], key, strict=True)):
                self._sizes = (key, account_sizes(plan, report, self.panel.results, size_by))
            sizes = self._sizes[1]
        view.show_choropleth(colours, sizes)
        badges = (signal_badges(report)
                  if report is not None and self.show_signals.isChecked() else None)
        view.show_signals(badges)
        self.sent.emit()

    def _on_panel_report_shown(self) -> None:
        self._add_answers()
        self.send()

    # ----------------------------------------------------------------- answers
    def answer_buttons(self, row: int) -> list[QPushButton]:
        """Return the answer buttons of the signal list's row ``row``."""
        item = self.panel.signals.topLevelItem(row)
        host = self.panel.signals.itemWidget(item, 2) if item is not None else None
        return host.findChildren(QPushButton) if host is not None else []

    def _add_answers(self) -> None:
        report = self.panel.report
        tree = self.panel.signals
        if report is None:
            return
        plan = self.bench.document.plan
        for row, signal in enumerate(report.signals):
            territory = plan.territories.get(signal.territory_id)
            scheduled = territory is not None and territory.rep_id in plan.schedules
            item = tree.topLevelItem(row)
            if item is None:
                break
            item.setText(2, "")
            host = QWidget(tree)
            links = QHBoxLayout(host)
            links.setContentsMargins(0, 0, 0, 0)
            links.setSpacing(2)
            for name in answers_for(signal, scheduled):
                links.addWidget(self._answer_button(name, signal, host))
            links.addStretch(1)
            tree.setItemWidget(item, 2, host)
        tree.resizeColumnToContents(2)

    def _answer_button(self, name: str, signal: HealthSignal, parent: QWidget) -> QPushButton:
        text, tip = ANSWER_TEXTS[name]
        button = QPushButton(text, parent)
        button.setObjectName(f"answer_{name}")
        button.setFlat(True)
        button.setStyleSheet("QPushButton { color: #0b57d0; text-decoration: underline; "
                             "padding: 0 4px; } QPushButton:disabled { color: #9e9e9e; }")
        action_id = WINDOW_ANSWERS.get(name)
        if action_id is not None:
            action = self.window_action(action_id)
            if action is None:
                button.setEnabled(False)
                button.setToolTip(f"{tip}. Not available: this version has no "
                                  f"{text.lower()} tool ({action_id}).")
            else:
                button.setToolTip(action.toolTip() or tip)
                button.clicked.connect(
                    lambda _=False, a=action, s=signal: self.run_window_action(a, s))
            return button
        button.setToolTip(tip)
        handler = self.handlers[name]
        button.clicked.connect(lambda _=False, h=handler, s=signal: h(s))
        return button

    def run_window_action(self, action: QAction, signal: HealthSignal) -> None:
        """Select the signal's territory, then run ``action`` on it (if it is enabled now)."""
        self.select_territories([signal.territory_id])
        if action.isEnabled():
            action.trigger()
        else:
            self.bench.show_status(f"{action.text().replace('&', '')} is not available now")

    def select_territory(self, signal: HealthSignal) -> None:
        """Select the signal's territory and fit the map to it."""
        self.select_territories([signal.territory_id])
        territory = self.bench.document.plan.territories.get(signal.territory_id)
        if territory is not None and territory.geometry is not None:
            self.bench.map.zoom_to_territory(signal.territory_id)

    def open_rotation(self, signal: HealthSignal) -> str | None:
        """Show the Rotation panel on the rep of the signal's territory; return the rep id."""
        territory = self.bench.document.plan.territories.get(signal.territory_id)
        rep_id = territory.rep_id if territory is not None else None
        index = self.rotation_panel.rep.findData(rep_id) if rep_id else -1
        if index < 0:
            self.bench.show_status("This territory has no rep: nothing to schedule")
            return None
        self.rotation_panel.rep.setCurrentIndex(index)
        self.raise_dock("dockRotation")
        return rep_id

    def schedule_rotation(self, signal: HealthSignal) -> None:
        """Open the Rotation panel on the signal's rep and schedule its rotation."""
        if self.open_rotation(signal) is not None:
            self.rotation_panel.schedule()

    def stretch_cadence(self, signal: HealthSignal) -> None:
        """Open the rep's rotation and apply its stretch, when the scheduler has found one."""
        if self.open_rotation(signal) is None:
            return
        button = self.rotation_panel.stretch_button
        if button.isHidden():
            self.bench.show_status(
                "No stretch to apply: the rep's rotation places every visit, or its road times "
                "are not known yet (build the road network, Ctrl+B)", 15000)
        else:
            button.click()
