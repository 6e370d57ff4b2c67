"""Territory design in the window: live balance figures, Auto-balance, Realign, scenarios.

The figures (:func:`~territory_desktop.optimize.alignment_figures.alignment_figures`) are
computed off the GUI thread after each edit, undo or redo while the Design panel is in view,
reusing the drive times while only territories change. Auto-balance asks its parameters
(:class:`~territory_desktop.qt.balance_dialog.BalanceDialog`), Realign who leaves or joins
(:class:`~territory_desktop.qt.realign_dialog.RealignDialog`); both run
:func:`~territory_desktop.realign.balance_job` as a background job with progress and Cancel
(:meth:`Design.run_job`) and apply the result with one undo command.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QWidget

from territory_desktop.edits import Edit
from territory_desktop.model.balance_metrics import band_text
from territory_desktop.model.plan import Plan
from territory_desktop.optimize.alignment_figures import AlignmentFigures, alignment_figures
from territory_desktop.optimize.balance import BalanceParams, BalanceResult
from territory_desktop.qt.alignment_dialog import AlignmentImporter
from territory_desktop.qt.balance_dialog import BalanceDialog
from territory_desktop.qt.design_panel import DesignPanel
from territory_desktop.qt.new_rep import show_picking_home
from territory_desktop.qt.realign_dialog import RealignDialog, RealignResultDialog
from territory_desktop.qt.routing_controller import RoutingController
from territory_desktop.qt.scenario_panel import ScenarioPanel
from territory_desktop.qt.units import Units
from territory_desktop.qt.widgets import bullets, with_warnings
from territory_desktop.qt.workbench import Workbench, apply_computed
from territory_desktop.realign import Realignment, RealignRequest, current_team

__all__ = ["Design"]

REFRESH_MS = 150  # a burst of edits (undo held down) is measured once


class Design(QObject):
    """The Design panel's figures, Auto-balance, Realign and the alignment file import.

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

    realigned = Signal(object)
    """A realignment was applied as one edit (payload: the :class:`Realignment`)."""

    def __init__(self, bench: Workbench, routing: RoutingController,
                 selected_accounts: Callable[[], list[str]],
                 selected_territories: Callable[[], list[str]],
                 units: Units | None = None) -> None:
        super().__init__(bench.dialog_parent())
        self.bench = bench
        self.routing = routing
        self.selected_accounts = selected_accounts
        self.selected_territories = selected_territories
        self.panel = DesignPanel()
        self.panel.balance_button.clicked.connect(self.balance_dialog)
        self.figures: AlignmentFigures | None = None
        self.scenarios = ScenarioPanel(bench, routing, lambda: self.figures)
        self.alignment = AlignmentImporter(bench, units)
        # The band shown: the last balance's, realignment's or build's on this plan.
        self.tolerance = BalanceParams().tolerance
        if units is not None:
            units.built.connect(lambda design: setattr(self, "tolerance", design.tolerance))
        self.dialog: BalanceDialog | None = None
        self.realign: RealignDialog | None = None
        self.realign_result: RealignResultDialog | None = None
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
        self.tolerance = BalanceParams().tolerance
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
                            on_done=lambda f: self._on_figures(plan, f), kind="design-figures",
                            quiet=True)

    def _on_figures(self, plan: Plan, figures: AlignmentFigures) -> None:
        self.figures = figures
        if plan is self.bench.document.plan:
            self.panel.show_figures(figures, self.tolerance, plan.reps)

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
                                    "balance (Territory > Add rep…)")
            return
        dialog = BalanceDialog(plan, current_team(plan), self.selected_accounts(),
                               self.bench.dialog_parent())
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._start_balance(dialog.params()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _start_balance(self, params: BalanceParams) -> None:
        from territory_desktop.design_edits import apply_alignment
        from territory_desktop.realign import balance_job

        def edit(plan: Plan, result: BalanceResult) -> Edit:
            return apply_alignment(plan, result.territory_of, result.territories,
                                   result.balanced, result.vacated, text=_balanced_text(result))

        self.run_job("Auto-balance", "Balancing territories", balance_job, params, edit,
                     lambda result: self._on_balanced(params, result), kind="balance")

    def run_job(self, name: str, title: str, job: Callable[..., Any], arg: Any,
                edit: Callable[[Plan, Any], Edit], done: Callable[[Any], None],
                kind: str) -> None:
        """Run a design job off the GUI thread, then apply its result as one undoable edit.

        ``job(plan, territory_of, network, arg, figures, progress=, should_stop=)`` runs with
        progress and Cancel in the status bar (the road network is loaded first when the plan
        has an extract); ``edit(plan, result)`` makes the edit and ``done(result)`` follows it.
        A result computed for a plan that has changed since is not applied.
        """
        def run() -> None:
            doc = self.bench.document
            plan = doc.plan
            self.bench.run_work(title, job, plan, doc.assignment.territory_of,
                                self.routing.network, arg, self.figures, kind=kind,
                                on_done=lambda result: self._on_job_done(name, plan, result,
                                                                         edit, done))

        self.routing.with_network(run)

    def _on_job_done(self, name: str, plan: Plan, result: Any,
                     edit: Callable[[Plan, Any], Edit], done: Callable[[Any], None]) -> None:
        if apply_computed(self.bench, plan, name, f"run {name} again",
                          lambda: edit(plan, result)):
            done(result)

    def _on_balanced(self, params: BalanceParams, result: BalanceResult) -> None:
        self.tolerance = params.tolerance
        text = _balanced_text(result)
        band = f"±{band_text(params.tolerance)}"
        if not result.in_band:
            why = bullets(result.warnings) if result.warnings else "some territories are outside"
            self.bench.notify_error(f"Balanced, but not within {band}", why)
        elif result.warnings:
            self.bench.notify_error(f"Balanced, {with_warnings(result.warnings)}",
                                    bullets(result.warnings))
        else:
            self.bench.show_status(f"{text}; every territory within {band}", 10000)
        self.balanced.emit(result)

    # ----------------------------------------------------------------- realign
    def realign_dialog(self) -> None:
        """Ask who leaves or joins and the disruption budget, then realign."""
        plan = self.bench.document.plan
        team = current_team(plan)
        if not team or not plan.accounts:
            self.bench.notify_error("Realign", "the plan needs accounts and reps with "
                                    "territories on the map to realign (add reps with "
                                    "Territory > Add rep…, then Auto-balance)")
            return
        dialog = RealignDialog(plan, team, self.bench.document.assignment,
                               self.bench.dialog_parent())
        self.realign = dialog
        dialog.accepted.connect(lambda: self._start_realign(dialog.request()))
        show_picking_home(dialog, self.bench.map, dialog.pick_requested, dialog.set_home,
                          lambda: self._forget_realign(dialog))

    def _forget_realign(self, dialog: RealignDialog) -> None:
        if self.realign is dialog:
            self.realign = None

    def _start_realign(self, request: RealignRequest) -> None:
        from territory_desktop.realign import apply_realignment, realign_job

        self.run_job("Realign", "Realigning territories", realign_job, request,
                     apply_realignment, self._on_realigned, kind="realign")

    def _on_realigned(self, realignment: Realignment) -> None:
        self.tolerance = realignment.request.params.tolerance
        view = RealignResultDialog(realignment, self.bench.dialog_parent())
        self.realign_result = view
        view.finished.connect(view.deleteLater)
        view.show()
        self.bench.show_status(view.headline.text(), 10000)
        self.realigned.emit(realignment)


def _balanced_text(result: BalanceResult) -> str:
    moved = len(result.moves)
    return f"Auto-balance: {moved} account{'s' if moved != 1 else ''} moved"


def _raise_dock(panel: QWidget) -> None:
    dock = panel.parentWidget()
    while dock is not None and not isinstance(dock, QDockWidget):
        dock = dock.parentWidget()
    if dock is not None:
        dock.show()
        dock.raise_()
