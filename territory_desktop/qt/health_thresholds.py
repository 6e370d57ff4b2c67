"""The Health panel's "Thresholds…" dialog: the limits that raise signals, kept in the plan.

Shares are shown as percentages and ratios with an "x"; the plan stores them as
:class:`~territory_desktop.model.health_settings.HealthSettings` (fractions and ratios), so
``tdesk plan health-thresholds`` and the dialog set the same values. OK is one undoable edit.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from territory_desktop.health.settings import HealthError, HealthSettings
from territory_desktop.qt.widgets import problem_label

__all__ = ["FIELDS", "ThresholdsDialog"]

# name: (label, how it is shown: "%" fraction x 100, "pp" points x 100, "x" ratio, "" count)
FIELDS: dict[str, tuple[str, str]] = {
    "pipeline_coverage_min": ("Pipeline covers the remaining quota at least", "x"),
    "utilisation_max": ("Rep utilisation at most", "%"),
    "utilisation_min": ("Rep utilisation at least", "%"),
    "a_coverage_min": ("A accounts visited at their cadence at least", "%"),
    "win_rate_spread_max": ("Best and worst win rates differ at most", "pp"),
    "share_ratio_max": ("Potential share / workload share at most", "x"),
    "min_deals": ("A win rate or deal size needs at least (deals)", ""),
    "white_space_top_share": ("Share of accounts, by potential, that are high-potential", "%"),
}
_SCALE = {"%": 100.0, "pp": 100.0, "x": 1.0, "": 1.0}
_SUFFIX = {"%": " %", "pp": " pp", "x": " x", "": ""}


class ThresholdsDialog(QDialog):
    """Edit the plan's health thresholds; :meth:`settings` returns what is shown."""

    def __init__(self, settings: HealthSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("healthThresholds")
        self.setWindowTitle("Health thresholds")
        self.boxes: dict[str, QDoubleSpinBox] = {}
        self._shown: dict[str, tuple[float, float]] = {}  # name: (value shown, exact value)
        form = QFormLayout(self)
        form.addRow(QLabel("A territory is flagged when a figure crosses its limit. The "
                           "limits are saved with the plan.", self))
        for name, (label, kind) in FIELDS.items():
            box = QDoubleSpinBox(self)
            box.setObjectName(f"threshold_{name}")
            box.setDecimals(0 if kind == "" else 2 if kind == "x" else 1)
            box.setRange(0.0, 1_000_000.0 if kind == "" else 1000.0)
            box.setSuffix(_SUFFIX[kind])
            box.valueChanged.connect(self._check)
            self.boxes[name] = box
            form.addRow(label, box)
        self.problem = problem_label(self, "thresholdsProblem")
        form.addRow(self.problem)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.defaults = QPushButton("Restore defaults", self)
        self.defaults.setObjectName("thresholdsDefaults")
        self.buttons.addButton(self.defaults, QDialogButtonBox.ButtonRole.ResetRole)
        self.defaults.clicked.connect(lambda: self._show(HealthSettings()))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        form.addRow(self.buttons)
        self._show(settings)

    def _show(self, settings: HealthSettings) -> None:
        values = settings.to_dict()
        for name, box in self.boxes.items():
            box.blockSignals(True)
            box.setValue(values[name] * _SCALE[FIELDS[name][1]])
            box.blockSignals(False)
            self._shown[name] = (box.value(), values[name])
        self._check()

    def settings(self) -> HealthSettings:
        """Return the thresholds shown (HealthError: which one is out of range).

        A value the user left alone keeps its exact stored value, even where the box rounds it.
        """
        values = {}
        for name, box in self.boxes.items():
            shown, exact = self._shown[name]
            values[name] = exact if box.value() == shown else box.value() / _SCALE[FIELDS[name][1]]
        return HealthSettings.from_dict(values)

    def _check(self) -> None:
        try:
            self.settings()
        except HealthError as exc:
            self.problem.setText(str(exc))
            self.problem.show()
            self.ok_button.setEnabled(False)
            return
        self.problem.hide()
        self.ok_button.setEnabled(True)
