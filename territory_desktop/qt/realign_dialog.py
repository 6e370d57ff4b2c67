"""Territory > Realign: a rep leaves or joins, within a disruption budget; then what moved.

:class:`RealignDialog` collects a :class:`~territory_desktop.realign.RealignRequest` (who leaves,
or the new rep's :class:`~territory_desktop.qt.new_rep.NewRepForm`) with the band,
the budget and the "fewer moves <-> shorter drives" slider shared with Auto-balance
(:class:`~territory_desktop.qt.balance_dialog.BandAndBudget`). It does not block the window, so
the home can be clicked on the map. :class:`RealignResultDialog` names every moved account
(id, name, from rep, to rep) beside the balance figures, and says plainly when the band or the
budget could not be met.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from territory_desktop.geo.assignment import Assignment
from territory_desktop.model.balance_metrics import band_text
from territory_desktop.model.plan import Plan
from territory_desktop.optimize.balance import BalanceError, BalanceParams, accounts_that_must_move
from territory_desktop.qt.balance_dialog import BandAndBudget
from territory_desktop.qt.new_rep import NewRepForm
from territory_desktop.qt.widgets import bullets, problem_label, read_only_table
from territory_desktop.realign import Realignment, RealignRequest, realign_setup

__all__ = ["RealignDialog", "RealignResultDialog"]

LEAVER_NOTE = "The leaver's own accounts count towards the accounts moved."
# The goal for a rep who leaves: accounts moved at most 1.3x the leaver's own.
LEAVER_BUDGET = 1.3


class RealignDialog(QDialog):
    """Ask who leaves or joins and how much may move.

    Parameters
    ----------
    plan
        The open plan.
    team
        The reps with territories on the map (who can leave).
    assignment
        The current alignment (each rep's account count, those that must move).
    """

    pick_requested = Signal()
    """The user asked to click the new rep's home on the map (no payload)."""

    def __init__(self, plan: Plan, team: Sequence[str], assignment: Assignment,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("realignDialog")
        self.setWindowTitle("Realign territories")
        self.plan = plan
        self.assignment = assignment
        rep_of = {t.id: t.rep_id for t in plan.territories.values()}
        self.owned = {r: sum(1 for t in assignment.territory_of.values()
                             if t and rep_of.get(t) == r) for r in team}
        # What must move, as the engine counts it, per leaver (None: a rep joins), or why the
        # realignment cannot be done.
        self._must: dict[str | None, list[str] | BalanceError] = {}
        self.leave = QRadioButton("A rep leaves", self)
        self.leave.setObjectName("realignLeave")
        self.join = QRadioButton("A rep joins", self)
        self.join.setObjectName("realignJoin")
        group = QButtonGroup(self)
        group.addButton(self.leave)
        group.addButton(self.join)
        self.leave.setChecked(True)

        self.leaving = QComboBox(self)
        self.leaving.setObjectName("realignLeaving")
        for rep_id in team:
            self.leaving.addItem(f"{plan.reps[rep_id].name} ({rep_id}, "
                                 f"{self.owned[rep_id]} accounts)", rep_id)
        leave_page = QWidget(self)
        leave_form = QFormLayout(leave_page)
        leave_form.addRow("Who leaves:", self.leaving)
        leave_form.addRow(QLabel("Their territory is vacated and its accounts go to the "
                                 "neighbouring reps.", leave_page))

        self.joiner = NewRepForm(plan, "realign", self)
        self.joiner.pick_requested.connect(self.pick_requested)
        join_page = QWidget(self)
        join_form = QVBoxLayout(join_page)
        join_form.addWidget(self.joiner)
        join_form.addWidget(QLabel("Their territory is formed from accounts near their home, "
                                   "as the balance allows.", join_page))
        self.pages = QStackedWidget(self)
        self.pages.addWidget(leave_page)
        self.pages.addWidget(join_page)
        self.join.toggled.connect(self._on_join_toggled)

        self.band = BandAndBudget(self, "realign", drives=20)
        self.leaver_note = QLabel(LEAVER_NOTE, self)
        self.leaver_note.setObjectName("realignLeaverNote")
        self.leaver_note.setWordWrap(True)
        self.leaving.currentIndexChanged.connect(self._on_leaving_changed)
        self._on_leaving_changed()
        self.problem = problem_label(self, "realignProblem")
        form = QFormLayout()
        self.band.add_band(form)
        self.band.add_budget(form)
        form.addRow(self.leaver_note)
        form.addRow(QLabel("Locked territories, overlay rules and pinned accounts never move.",
                           self))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Realign")
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.band.max_moves.valueChanged.connect(self._on_budget_changed)
        self.leaving.currentIndexChanged.connect(self._on_budget_changed)
        self.join.toggled.connect(self._on_budget_changed)
        choice = QHBoxLayout()
        choice.addWidget(self.leave)
        choice.addWidget(self.join)
        layout = QVBoxLayout(self)
        layout.addLayout(choice)
        layout.addWidget(self.pages)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._on_budget_changed()

    def _must_move(self) -> list[str] | BalanceError:
        """Return the accounts the realignment must move, or why it cannot be done."""
        rep_id = self.leaving.currentData() if self.leave.isChecked() else None
        if rep_id not in self._must:
            try:  # the engine's own count, for the team the realignment balances
                plan, params = (self.plan, BalanceParams()) if rep_id is None else \
                    realign_setup(self.plan, RealignRequest(BalanceParams(), leaving=rep_id))
                self._must[rep_id] = accounts_that_must_move(
                    plan, self.assignment.territory_of, self.assignment.reason, params)
            except BalanceError as exc:
                self._must[rep_id] = exc
        return self._must[rep_id]

    def _on_leaving_changed(self) -> None:
        rep_id = self.leaving.currentData()
        must = self._must_move()
        if rep_id is None or isinstance(must, BalanceError):
            self.leaver_note.setText(LEAVER_NOTE)
            return
        rep_of = {t.id: t.rep_id for t in self.plan.territories.values()}
        moving = set(must)
        stay = Counter(self.plan.territories[t].name for a, t in
                       self.assignment.territory_of.items()
                       if t is not None and rep_of[t] == rep_id and a not in moving)
        name, handed = self.plan.reps[rep_id].name, self.owned[rep_id] - stay.total()
        note = f"{name}'s {handed} accounts move; they count towards the accounts moved."
        if stay:
            note += (f" Their other {stay.total()} stay in {', '.join(sorted(stay))}, left "
                     "without a rep.")
        self.leaver_note.setText(note)
        # The goal of the issue: 1.3x the leaver's accounts that move, besides those that
        # must move anyway.
        self.band.max_moves.setValue(len(must) + math.ceil((LEAVER_BUDGET - 1) * handed))

    def _on_join_toggled(self, joining: bool) -> None:
        self.pages.setCurrentIndex(1 if joining else 0)
        self.leaver_note.setVisible(not joining)
        must = self._must_move()
        if joining and not isinstance(must, BalanceError):
            # The newcomer's fair share, with the same 1.3x room to reach the band.
            share = sum(self.owned.values()) / (len(self.owned) + 1)
            self.band.max_moves.setValue(math.ceil(LEAVER_BUDGET * share) + len(must))
        elif not joining:
            self._on_leaving_changed()

    def _on_budget_changed(self) -> None:
        """Refuse a budget smaller than the accounts that must move, saying so in place."""
        must = self._must_move()
        if isinstance(must, BalanceError):
            problem = str(must)
        else:
            rep_id = self.leaving.currentData() if self.leave.isChecked() else None
            name = self.plan.reps[rep_id].name if rep_id is not None else ""
            rep_of = {t.id: t.rep_id for t in self.plan.territories.values()}
            where = Counter("" if t is None else "vacant" if rep_id is None
                            or rep_of[t] != rep_id else "leaver"
                            for t in map(self.assignment.territory_of.get, must))
            parts = [text.format(n=where[k], name=name)
                     for k, text in (("leaver", "{name}'s {n} accounts"),
                                     ("", "the {n} accounts with no territory"),
                                     ("vacant", "the {n} accounts of vacant territories"))
                     if where[k]]
            problem = (f"{' and '.join(parts)} must all move: allow at least {len(must)} "
                       "accounts moved") if 0 < self.band.max_moves.value() < len(must) else ""
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))

    def set_home(self, lat: float, lon: float) -> None:
        """Take the new rep's home from a click on the map."""
        self.join.setChecked(True)
        self.joiner.set_home(lat, lon)
        self.raise_()

    def request(self) -> RealignRequest:
        """Return the realignment the dialog describes (BalanceError: what to change)."""
        params = self.band.params()
        if self.leave.isChecked():
            rep_id = self.leaving.currentData()
            if rep_id is None:
                raise BalanceError("no rep to choose: no rep has a territory on the map")
            return RealignRequest(params, leaving=str(rep_id))
        return RealignRequest(params, joining=self.joiner.rep())

    def _on_buttons_accepted(self) -> None:
        try:
            realign_setup(self.plan, self.request())
        except (BalanceError, ValueError) as exc:
            self.problem.setText(str(exc))
            self.problem.show()
            return
        self.accept()


class RealignResultDialog(QDialog):
    """What a realignment did: each moved account and the balance, band and budget met or not."""

    def __init__(self, realignment: Realignment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("realignResult")
        self.setWindowTitle("Realignment")
        request, result, plan = realignment.request, realignment.result, realignment.plan
        params = request.params
        rep_name = {r.id: r.name for r in plan.reps.values()}
        moved = len(result.moves)
        who = (f"{rep_name[request.leaving]} left" if request.leaving
               else f"{request.joining.name} joined" if request.joining else "")
        self.headline = QLabel(f"{who}: {moved} account{'s' if moved != 1 else ''} changed "
                               "owner.", self)
        self.headline.setObjectName("realignHeadline")
        self.headline.setStyleSheet("font-weight: 600")
        band = f"±{band_text(params.tolerance)}"
        lines = []
        ok = result.in_band
        lines.append(f"Every territory is within {band} of its workload target." if ok
                     else f"The band of {band} could NOT be met:")
        if result.warnings:
            lines.append(bullets(result.warnings))
        if params.max_moves is not None:
            if moved > params.max_moves:
                ok = False
                lines.append(f"The budget of {params.max_moves} accounts moved could NOT be "
                             f"met: {moved} moved.")
            else:
                lines.append(f"Within the budget: {moved} of at most {params.max_moves} "
                             "accounts moved" + (" (all of it used)."
                                                 if moved == params.max_moves else "."))
        if params.max_losses_per_rep is not None:
            lost: dict[str, int] = {}
            for m in result.moves:
                if m.from_rep and m.from_rep != request.leaving:
                    lost[m.from_rep] = lost.get(m.from_rep, 0) + 1
            worst = max(lost.items(), key=lambda kv: kv[1], default=("", 0))
            if worst[1] > params.max_losses_per_rep:
                ok = False
                lines.append(f"The budget of {params.max_losses_per_rep} accounts lost per rep "
                             f"could NOT be met: {rep_name.get(worst[0], worst[0])} lost "
                             f"{worst[1]}.")
            else:
                lines.append(f"No rep who stays lost more than {params.max_losses_per_rep} "
                             f"accounts (at most {worst[1]}).")
        self.status = QLabel("\n".join(lines), self)
        self.status.setObjectName("realignStatus")
        self.status.setWordWrap(True)
        # Green only when nothing needs a look: a warning (a territory left in pieces) is amber.
        self.status.setStyleSheet("color: #c62828" if not ok else "color: #9a6700"
                                  if result.warnings else "color: #2e7d32")
        self.met = ok
        work = result.metrics.criteria["workload"]
        deviation = dict(zip(result.metrics.territory_ids, work.deviations, strict=True))
        loads = [t for t in result.loads if t.territory_id in result.balanced]
        self.balance = read_only_table(
            self, "realignBalance", ["Territory", "Rep", "Accounts", "Workload h/wk", "Deviation"],
            [[t.name, rep_name.get(t.rep_id or "", "-"), str(t.accounts),
              f"{t.workload_hours:.1f}",
              f"{deviation[t.territory_id]:+.1%}" if t.territory_id in deviation else "-"]
             for t in loads])
        self.moves = read_only_table(
            self, "realignMoves", ["Account", "Name", "From rep", "To rep"],
            [[m.account_id, m.name, rep_name.get(m.from_rep or "", "-"),
              rep_name.get(m.to_rep or "", "-")] for m in result.moves])
        # The balance index of workload and potential, the Design panel's for the same plan.
        self.figures = QLabel(f"Workload max/min {work.max_min:.2f}, CV {work.cv:.1%}; balance "
                              f"index {result.metrics.balance_index:.0f}/100, compactness "
                              f"{result.metrics.compactness:.0f}/100. Undo (Ctrl+Z) takes the "
                              "whole realignment back, the rep change included.", self)
        self.figures.setObjectName("realignFigures")
        self.figures.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.status)
        # Every territory's row shows (up to a dozen); the moved accounts take the rest.
        rows_high = sum(self.balance.rowHeight(r) for r in range(min(len(loads), 12)))
        self.balance.setFixedHeight(rows_high + self.balance.horizontalHeader().sizeHint()
                                    .height() + 2 * self.balance.frameWidth() + 2)
        layout.addWidget(self.balance)
        layout.addWidget(self.figures)
        layout.addWidget(QLabel(f"Accounts that changed owner ({moved}):", self))
        layout.addWidget(self.moves, 2)
        layout.addWidget(close)
        self.resize(760, 680)
