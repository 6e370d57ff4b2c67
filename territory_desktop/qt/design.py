"""Territory design in the window: live balance figures, Auto-balance, scenarios.

The figures (:func:`~territory_desktop.optimize.alignment_figures.alignment_figures`) are
computed off the GUI thread after each edit, undo or redo while the Design panel is in view,
reusing the drive times while only territories change. Auto-balance asks its parameters
(:class:`~territory_desktop.qt.balance_dialog.BalanceDialog`), runs
:func:`~territory_desktop.optimize.balance.balance_plan` as a background job with progress and
Cancel, and applies the result with one undo command.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QWidget

from territory_desktop.model.plan import Plan
from territory_desktop.optimize._feedback import Feedback, Progress, Stop
from territory_desktop.optimize.alignment_figures import (
    AlignmentFigures,
    alignment_figures,
    times_key,
)
from territory_desktop.optimize.balance import BalanceParams, BalanceResult
from territory_desktop.qt.alignment_dialog import AlignmentImporter
from territory_desktop.qt.balance_dialog import BalanceDialog
from territory_desktop.qt.design_panel import DesignPanel
from territory_desktop.qt.routing_controller import RoutingController
from territory_desktop.qt.scenario_panel import ScenarioPanel
from territory_desktop.qt.workbench import Workbench

if TYPE_CHECKING:
    from territory_desktop.routing import RoadNetwork

__all__ = ["Design", "balance_job"]

REFRESH_MS = 150  # a burst of edits (undo held down) is measured once


def balance_job(plan: Plan, territory_of: Mapping[str, str | None],
                network: RoadNetwork | None, params: BalanceParams,
                reuse: AlignmentFigures | None, *, progress: Progress,
                should_stop: Stop) -> BalanceResult:
    """Balance ``plan`` (drive times reused from ``reuse`` when they still fit)."""
    from territory_desktop.optimize.balance import balance_plan
    from territory_desktop.optimize.drive_times import drive_times

    if reuse is not None and reuse.times_key == times_key(plan, network):
        times = reuse.times
    else:
        times = drive_times(plan, network, progress=Feedback(progress, should_stop, 0.0,
                                                             0.3).step,
                            should_stop=should_stop)
    return balance_plan(plan, times, params, territory_of, network,
                        progress=Feedback(progress, should_stop, 0.3, 1.0).step,
                        should_stop=should_stop)


class Design(QObject):
    """The Design panel's figures and the Auto-balance action.

    Parameters
    ----------
    bench
        The window: document, background work, messages.
    routing
        Owns the road network (drive times are straight-line until it is loaded).
    selected_accounts
        The accounts selected in the account list (the dialog can keep them in place).
    selected_territories
        The territories selected on the map or in the table (Lock / unlock).
    """

    balanced = Signal(object)
    """A balance was applied as one edit (payload: the :class:`BalanceResult`)."""

    def __init__(self, bench: Workbench, routing: RoutingController,
                 selected_accounts: Callable[[], list[str]],
                 selected_territories: Callable[[], list[str]]) -> None:
        super().__init__(bench.dialog_parent())
        self.bench = bench
        self.routing = routing
        self.selected_accounts = selected_accounts
        self.selected_territories = selected_territories
        self.panel = DesignPanel()
        self.panel.balance_button.clicked.connect(self.balance_dialog)
        self.figures: AlignmentFigures | None = None
        self.scenarios = ScenarioPanel(bench, routing, lambda: self.figures)
        self.alignment = AlignmentImporter(bench)
        self.tolerance = 0.05  # the band shown: the last balance's
        self.dialog: BalanceDialog | None = None
        self._stale = True
        self._in_view = False
        self._dock: QDockWidget | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        document = bench.document
        document.plan_changed.connect(self._on_document_plan_changed)
        document.replaced.connect(self._on_document_replaced)
        routing.network_ready.connect(self._on_document_plan_changed)

    # ----------------------------------------------------------------- figures
    def watch(self, dock: QDockWidget) -> None:
        """Measure while ``dock`` (the Design panel's) is in view: shown, its tab selected."""
        self._dock = dock
        dock.visibilityChanged.connect(self._on_dock_visibility_changed)

    def _on_dock_visibility_changed(self, visible: bool) -> None:
        self._in_view = visible
        if visible and self._stale:
            self._timer.start()

    def _on_document_plan_changed(self) -> None:
        self._stale = True
        if self._in_view:
            self._timer.start()

    def _on_document_replaced(self) -> None:
        self.figures = None
        self.panel.clear()

    def refresh(self) -> None:
        """Measure the current plan off the GUI thread; the panel shows it when done."""
        doc = self.bench.document
        plan = doc.plan
        self._stale = False
        if self.routing.network is None and self.routing.files.extract_path():
            self.routing.ensure_network()  # road times follow when it lands (network_ready)
        self.bench.run_work("Measuring the balance", alignment_figures, plan,
                            doc.assignment.territory_of, self.routing.network, self.figures,
                            on_done=lambda f: self._on_figures(plan, f), kind="design-figures")

    def _on_figures(self, plan: Plan, figures: AlignmentFigures) -> None:
        self.figures = figures
        if plan is self.bench.document.plan:
            self.panel.show_figures(figures, self.tolerance)

    def show_panel(self) -> None:
        """Bring the Design panel to the front (it measures the plan as it appears)."""
        _raise_dock(self.panel)

    def show_scenarios(self) -> None:
        """Bring the Scenarios panel to the front."""
        _raise_dock(self.scenarios)

    # ----------------------------------------------------------------- auto-balance
    def toggle_lock(self) -> None:
        """Lock the selected territories (unlock them when all are locked), one edit."""
        from territory_desktop.edits import Edit, update_territory

        ids = self.selected_territories()
        plan = self.bench.document.plan
        lock = not all(plan.territories[t].locked for t in ids)

        def edit() -> Edit:
            new = plan
            for tid in ids:
                new = update_territory(new, tid, locked=lock).plan
            names = ", ".join(plan.territories[t].name for t in ids)
            return Edit(f"{'Lock' if lock else 'Unlock'} {names}", new)

        self.bench.apply_edit(edit)

    def balance_dialog(self) -> None:
        """Ask how to balance, then balance (the dialog stays open on a bad value)."""
        plan = self.bench.document.plan
        if not plan.reps or not plan.accounts:
            self.bench.notify_error("Auto-balance", "the plan needs accounts and reps to "
                                    "balance")
            return
        # The reps of the territories on the map (a locked one's rep stays in the team).
        team = dict.fromkeys(t.rep_id for t in plan.territories.values()
                             if t.rep_id in plan.reps and t.geometry is not None)
        dialog = BalanceDialog(plan, [r for r in team if r is not None],
                               self.selected_accounts(), self.bench.dialog_parent())
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._start_balance(dialog.params()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _start_balance(self, params: BalanceParams) -> None:
        if self.routing.network is None and self.routing.files.extract_path():
            self.routing.ensure_network(lambda: self._run_balance(params))
        else:
            self._run_balance(params)

    def _run_balance(self, params: BalanceParams) -> None:
        doc = self.bench.document
        plan = doc.plan
        self.bench.run_work(
            "Balancing territories", balance_job, plan, doc.assignment.territory_of,
            self.routing.network, params, self.figures, kind="balance",
            on_done=lambda result: self._on_balanced(plan, params, result))

    def _on_balanced(self, plan: Plan, params: BalanceParams, result: BalanceResult) -> None:
        from territory_desktop.design_edits import apply_alignment

        if plan is not self.bench.document.plan:
            self.bench.notify_error("Auto-balance not applied", "the plan changed while it "
                                    "was balancing; run Auto-balance again")
            return
        self.tolerance = params.tolerance
        moved = len(result.moves)
        text = f"Auto-balance: {moved} account{'s' if moved != 1 else ''} moved"
        if not self.bench.apply_edit(lambda: apply_alignment(
                plan, result.territory_of, result.territories, result.balanced,
                result.vacated, text=text)):
            return
        band = f"±{params.tolerance:.1%}".replace(".0%", "%")
        if not result.in_band:
            why = result.warnings[0] if result.warnings else "some territories are outside"
            self.bench.notify_error(f"Balanced, but not within {band}", why)
        elif result.warnings:
            self.bench.notify_error("Balanced, with a warning", result.warnings[0])
        else:
            self.bench.show_status(f"{text}; every territory within {band}", 10000)
        self.balanced.emit(result)



def _raise_dock(panel: QWidget) -> None:
    dock = panel.parentWidget()
    while dock is not None and not isinstance(dock, QDockWidget):
        dock = dock.parentWidget()
    if dock is not None:
        dock.show()
        dock.raise_()
