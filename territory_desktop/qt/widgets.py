"""Small widget helpers the panels share: the rep picker and time formatting."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from territory_desktop.model import Plan


def fill_rep_combo(combo: QComboBox, plan: Plan) -> None:
    """List the plan's reps (data: rep id), keeping the current choice, without signals."""
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for rep in plan.reps.values():
        combo.addItem(f"{rep.name} ({rep.id})", rep.id)
    index = combo.findData(current)
    combo.setCurrentIndex(index if index >= 0 else 0)
    combo.blockSignals(False)


def hm(seconds: float) -> str:
    """Seconds as h:mm."""
    minutes = round(seconds / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def clock(seconds: float) -> str:
    """Seconds from midnight as HH:MM."""
    minutes = round(seconds / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
