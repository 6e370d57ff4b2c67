"""Small dialogs: territory properties, which side keeps an overlap, import mapping and report."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from territory_desktop.model import TIERS, Plan, PlanSettings, Territory, TierCadence
from territory_desktop.settings import Preferences


class TerritoryDialog(QDialog):
    """Edit a territory's name, colour and rep."""

    def __init__(self, plan: Plan, territory: Territory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Territory: {territory.name}")
        self.name = QLineEdit(territory.name, self)
        self.color = territory.color
        self.color_button = QPushButton(self)
        self._show_color()
        self.color_button.clicked.connect(self._on_color_clicked)
        self.rep = QComboBox(self)
        self.rep.addItem("— no rep —", None)
        for rep in plan.reps.values():
            self.rep.addItem(f"{rep.name} ({rep.id})", rep.id)
        self.rep.setCurrentIndex(max(0, self.rep.findData(territory.rep_id)))
        form = QFormLayout(self)
        form.addRow("Name", self.name)
        form.addRow("Colour", self.color_button)
        form.addRow("Rep", self.rep)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _show_color(self) -> None:
        self.color_button.setText(self.color)
        self.color_button.setStyleSheet(f"background:{self.color}; color:white")

    def _on_color_clicked(self) -> None:
        chosen = QColorDialog.getColor(QColor(self.color), self, "Territory colour")
        if chosen.isValid():
            self.color = chosen.name()
            self._show_color()

    def changes(self, territory: Territory) -> dict[str, object]:
        """Only the fields the user actually changed."""
        out: dict[str, object] = {}
        if self.name.text().strip() != territory.name:
            out["name"] = self.name.text().strip()
        if self.color != territory.color:
            out["color"] = self.color
        if self.rep.currentData() != territory.rep_id:
            out["rep_id"] = self.rep.currentData()
        return out


def ask_keep_side(parent: QWidget, overlapping: Sequence[str]) -> str | None:
    """'existing', 'new' or None (cancel) for a new polygon that overlaps territories."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Overlapping territories")
    box.setText(f"The new territory overlaps {', '.join(overlapping)}.")
    box.setInformativeText("Which side keeps the overlapping area?")
    existing = box.addButton("Existing territories keep it", QMessageBox.ButtonRole.AcceptRole)
    new = box.addButton("New territory takes it", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(existing)
    box.exec()
    if box.clickedButton() is existing:
        return "existing"
    if box.clickedButton() is new:
        return "new"
    return None


class ColumnMappingDialog(QDialog):
    """Map the file's columns onto our fields when they were not all recognised."""

    def __init__(self, columns: Sequence[str], fields: Sequence[tuple[str, bool]],
                 guess: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Match the file's columns")
        self.boxes: dict[str, QComboBox] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(
            "Some columns were not recognised. Choose which column holds each field.\n"
            "Required: id, name, and either latitude and longitude or a postal code.", self))
        form = QFormLayout()
        for name, required in fields:
            box = QComboBox(self)
            box.addItem("— not in file —", None)
            for c in columns:
                box.addItem(c, c)
            if name in guess:
                box.setCurrentIndex(box.findData(guess[name]))
            form.addRow(f"{name}{' *' if required else ''}", box)
            self.boxes[name] = box
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def mapping(self) -> dict[str, str]:
        return {f: b.currentData() for f, b in self.boxes.items() if b.currentData()}


class ReportDialog(QDialog):
    """A read-only, copyable text report (e.g. rejected rows of an import)."""

    def __init__(self, title: str, summary: str, details: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(720, 420)
        layout = QVBoxLayout(self)
        label = QLabel(summary, self)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.details = QPlainTextEdit(details, self)
        self.details.setReadOnly(True)
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)


class SettingsDialog(QDialog):
    """Preferences (units, currency, map) and this plan's tier cadence."""

    def __init__(self, prefs: Preferences, plan_settings: PlanSettings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        form = QFormLayout(self)
        self.units = QComboBox(self)
        self.units.addItems(["miles", "km"])
        self.units.setCurrentText(prefs.units)
        self.currency = QLineEdit(prefs.currency, self)
        self.snap = QDoubleSpinBox(self)
        self.snap.setRange(0, 500)
        self.snap.setSuffix(" m")
        self.snap.setValue(prefs.snap_tolerance_m)
        self.autosave = QSpinBox(self)
        self.autosave.setRange(10, 3600)
        self.autosave.setSuffix(" s")
        self.autosave.setValue(prefs.autosave_seconds)
        form.addRow("Distance units", self.units)
        form.addRow("Currency", self.currency)
        form.addRow("Snap to borders within", self.snap)
        form.addRow("Autosave every", self.autosave)
        form.addRow(QLabel("<b>This plan's visit cadence</b>", self))
        self.every: dict[str, QDoubleSpinBox] = {}
        self.minutes: dict[str, QDoubleSpinBox] = {}
        for tier in TIERS:
            c = plan_settings.cadence[tier]
            every = QDoubleSpinBox(self)
            every.setRange(0.25, 52)
            every.setSuffix(" weeks")
            every.setValue(c.every_weeks)
            minutes = QDoubleSpinBox(self)
            minutes.setRange(1, 600)
            minutes.setSuffix(" min")
            minutes.setValue(c.visit_minutes)
            form.addRow(f"Tier {tier}: visit every", every)
            form.addRow(f"Tier {tier}: visit length", minutes)
            self.every[tier], self.minutes[tier] = every, minutes
        self._plan_settings = plan_settings
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def apply_to(self, prefs: Preferences) -> None:
        prefs.units = "km" if self.units.currentText() == "km" else "miles"
        prefs.currency = self.currency.text().strip() or prefs.currency
        prefs.snap_tolerance_m = self.snap.value()
        prefs.autosave_seconds = self.autosave.value()

    def plan_settings(self) -> PlanSettings:
        from dataclasses import replace

        cadence = {t: TierCadence(t, self.every[t].value(), self.minutes[t].value())
                   for t in TIERS}
        return replace(self._plan_settings, cadence=cadence)
