"""The Auto-balance dialog: the team, the band, potential, the disruption budget and the seed.

It only collects :class:`~territory_desktop.optimize.balance.BalanceParams`; the design
controller runs the balance off the GUI thread and applies it as one undoable edit.
:class:`BandAndBudget` is the band, budget, slider and seed fields it shares with the Realign
dialog.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from territory_desktop.model.plan import Plan
from territory_desktop.optimize.balance import BalanceError, BalanceParams
from territory_desktop.qt.widgets import problem_label

__all__ = ["BalanceDialog", "BandAndBudget", "band_field"]

MIN_BAND = 0.1  # %: a band of 0 is no band (every territory exactly on target); not offered


def band_field(parent: QWidget, name: str, percent: float, least: float = MIN_BAND,
               most: float = 99.0) -> QDoubleSpinBox:
    """Return a band field in percent, from ``least``; "0" typed becomes the minimum."""
    field = QDoubleSpinBox(parent)
    field.setObjectName(name)
    field.setRange(least, most)
    field.setDecimals(1)
    field.setSuffix(" %")
    field.setCorrectionMode(QDoubleSpinBox.CorrectionMode.CorrectToNearestValue)
    field.setValue(percent)
    return field


class BandAndBudget:
    """The workload band, the disruption budget, "fewer moves <-> shorter drives" and the seed.

    Parameters
    ----------
    parent
        The dialog the fields belong to.
    prefix
        Start of the fields' object names (``balance``: ``balanceTolerance``...).
    drives
        Where the slider starts, 0 (fewer moves) to 100 (shorter drives).
    """

    def __init__(self, parent: QWidget, prefix: str, drives: int = 50) -> None:
        self.parent = parent
        self.tolerance = band_field(parent, f"{prefix}Tolerance", 5.0)
        self.max_moves = QSpinBox(parent)
        self.max_moves.setObjectName(f"{prefix}MaxMoves")
        self.max_moves.setRange(0, 1_000_000)
        self.max_moves.setSpecialValueText("no limit")  # 0
        self.max_losses = QSpinBox(parent)
        self.max_losses.setObjectName(f"{prefix}MaxLosses")
        self.max_losses.setRange(0, 1_000_000)
        self.max_losses.setSpecialValueText("no limit")  # 0
        self.drives = QSlider(Qt.Orientation.Horizontal, parent)
        self.drives.setObjectName(f"{prefix}Drives")
        self.drives.setRange(0, 100)
        self.drives.setValue(drives)
        self.drives.setToolTip("Left: move as few accounts as possible; right: the shortest "
                               "drives whatever moves")
        self.seed = QSpinBox(parent)
        self.seed.setObjectName(f"{prefix}Seed")
        self.seed.setRange(0, 2**31 - 1)

    def add_band(self, form: QFormLayout) -> None:
        """Add the workload band's row to ``form``."""
        form.addRow("Workload within ±", self.tolerance)

    def add_budget(self, form: QFormLayout) -> None:
        """Add the budget, the slider and the seed to ``form``."""
        form.addRow("Accounts moved at most:", self.max_moves)
        form.addRow("Lost by any one rep at most:", self.max_losses)
        drives_row = QHBoxLayout()
        drives_row.addWidget(QLabel("fewer moves", self.parent))
        drives_row.addWidget(self.drives, 1)
        drives_row.addWidget(QLabel("shorter drives", self.parent))
        form.addRow(drives_row)
        form.addRow("Seed:", self.seed)

    def params(self, **more: Any) -> BalanceParams:
        """Return :class:`BalanceParams` from the fields and ``more`` (BalanceError: why not)."""
        return BalanceParams(tolerance=self.tolerance.value() / 100.0,
                             max_moves=self.max_moves.value() or None,
                             max_losses_per_rep=self.max_losses.value() or None,
                             shorter_drives=self.drives.value() / 100.0,
                             seed=self.seed.value(), **more)


class BalanceDialog(QDialog):
    """Ask how to balance ``plan``: which reps, how tight, what may move.

    Parameters
    ----------
    team
        The reps checked at first (the reps of the territories on the map); when empty, as
        on a plan whose reps have no territory yet, every rep.
    locked_accounts
        The accounts selected in the account list: "Keep selected accounts" fixes them.
    """

    def __init__(self, plan: Plan, team: Iterable[str], locked_accounts: Iterable[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("balanceDialog")
        self.setWindowTitle("Auto-balance territories")
        self._locked = tuple(locked_accounts)
        checked = set(team) or set(plan.reps)
        self.reps = QListWidget(self)
        self.reps.setObjectName("balanceReps")
        for rep in plan.reps.values():
            item = QListWidgetItem(f"{rep.name} ({rep.id})", self.reps)
            item.setData(Qt.ItemDataRole.UserRole, rep.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if rep.id in checked
                               else Qt.CheckState.Unchecked)
        self.reps.setMaximumHeight(120)
        self.reps.itemChanged.connect(self._on_reps_item_changed)
        self.band = BandAndBudget(self, "balance")
        self.tolerance = self.band.tolerance
        self.potential = QCheckBox("Balance potential too, within", self)
        self.potential.setObjectName("balancePotential")
        self.potential_tolerance = band_field(self, "balancePotentialTolerance", 10.0)
        self.potential_tolerance.setEnabled(False)
        self.potential.toggled.connect(self.potential_tolerance.setEnabled)
        self.keep_selected = QCheckBox(f"Keep the {len(self._locked)} selected accounts where "
                                       "they are", self)
        self.keep_selected.setObjectName("balanceKeepSelected")
        self.keep_selected.setEnabled(bool(self._locked))
        self.problem = problem_label(self, "balanceProblem")

        potential_row = QHBoxLayout()
        potential_row.addWidget(self.potential)
        potential_row.addWidget(self.potential_tolerance)
        form = QFormLayout()
        form.addRow("Reps to balance:", self.reps)
        self.band.add_band(form)
        form.addRow(potential_row)
        self.band.add_budget(form)
        form.addRow(self.keep_selected)
        form.addRow(QLabel("Locked territories, overlay rules and pinned accounts never "
                           "move.", self))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Balance")
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def team(self) -> tuple[str, ...]:
        """Return the ids of the checked reps, in plan order."""
        items = (self.reps.item(k) for k in range(self.reps.count()))
        return tuple(i.data(Qt.ItemDataRole.UserRole) for i in items
                     if i.checkState() == Qt.CheckState.Checked)

    def params(self) -> BalanceParams:
        """Return the parameters the dialog shows (BalanceError: what to change)."""
        team = self.team()
        if not team:
            raise BalanceError("check at least one rep to balance")
        potential = self.potential.isChecked()
        return self.band.params(
            criteria=("workload", "potential") if potential else ("workload",),
            potential_tolerance=self.potential_tolerance.value() / 100.0 if potential
            else None,
            reps=team,
            locked_accounts=frozenset(self._locked if self.keep_selected.isChecked() else ()))

    def _on_reps_item_changed(self) -> None:
        self.problem.hide()  # it spoke of the reps checked before

    def _on_buttons_accepted(self) -> None:
        try:
            self.params()
        except BalanceError as exc:
            self.problem.setText(str(exc))
            self.problem.show()
            return
        self.accept()
