"""A new rep: the fields Realign's "A rep joins" and Territory > Add rep share, and Add rep.

:class:`NewRepForm` asks a name, an id (a free one suggested), the weekly hours and the home,
typed or clicked on the map (:func:`pick_on_map`). :class:`AddRepDialog` does not block the
window, so the home can be clicked; its OK refuses what :func:`~territory_desktop.edits.add_rep`
would, saying why in place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, SignalInstance
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from territory_desktop import edits
from territory_desktop.model.plan import DEFAULT_WEEKLY_HOURS, MAX_WEEKLY_HOURS, Plan, Rep
from territory_desktop.qt.widgets import problem_label

if TYPE_CHECKING:
    from territory_desktop.qt.map_view import MapView

__all__ = ["HOME_PROMPT", "AddRepDialog", "NewRepForm", "pick_on_map", "show_picking_home"]

HOME_PROMPT = "Click the new rep's home on the map"


def _coordinate(parent: QWidget, name: str, limit: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox(parent)
    box.setObjectName(name)
    box.setRange(-limit, limit)
    box.setDecimals(6)
    box.setSingleStep(0.001)
    return box


class NewRepForm(QWidget):
    """A new rep's name, id, weekly hours and home (lat/lon, or "Click on the map…").

    Parameters
    ----------
    plan
        The open plan: the suggested id is free in it; the home starts amid its accounts.
    prefix
        Start of the fields' object names (``realign``: ``realignName``...).
    """

    pick_requested = Signal()
    """The user asked to click the new rep's home on the map (no payload)."""

    def __init__(self, plan: Plan, prefix: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = QLineEdit(self)
        self.name.setObjectName(f"{prefix}Name")
        self.rep_id = QLineEdit(plan.new_id("REP-", plan.reps), self)
        self.rep_id.setObjectName(f"{prefix}Id")
        self.hours = QDoubleSpinBox(self)
        self.hours.setObjectName(f"{prefix}Hours")
        self.hours.setRange(0.0, MAX_WEEKLY_HOURS)
        self.hours.setDecimals(1)
        self.hours.setSuffix(" h/week")
        self.hours.setValue(DEFAULT_WEEKLY_HOURS)
        self.lat = _coordinate(self, f"{prefix}Lat", 90.0)
        self.lon = _coordinate(self, f"{prefix}Lon", 180.0)
        if plan.accounts:  # the middle of the accounts until a home is given
            self.lat.setValue(sum(a.lat for a in plan.accounts.values()) / len(plan.accounts))
            self.lon.setValue(sum(a.lon for a in plan.accounts.values()) / len(plan.accounts))
        self.pick = QPushButton("Click on the map…", self)
        self.pick.setObjectName(f"{prefix}Pick")
        self.pick.setToolTip("Then click the new rep's home on the map")
        self.pick.clicked.connect(self.pick_requested)
        home_row = QHBoxLayout()
        home_row.addWidget(QLabel("lat", self))
        home_row.addWidget(self.lat)
        home_row.addWidget(QLabel("lon", self))
        home_row.addWidget(self.lon)
        home_row.addWidget(self.pick)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.addRow("Name:", self.name)
        self.form.addRow("Rep id:", self.rep_id)
        self.form.addRow("Weekly hours:", self.hours)
        self.form.addRow("Home:", home_row)

    def set_home(self, lat: float, lon: float) -> None:
        """Show ``lat``, ``lon`` as the new rep's home."""
        self.lat.setValue(lat)
        self.lon.setValue(lon)

    def rep(self) -> Rep:
        """Return the rep the fields describe (PlanError: a value the model refuses)."""
        return Rep(self.rep_id.text().strip(), self.name.text().strip(), self.lat.value(),
                   self.lon.value(), self.hours.value())


class AddRepDialog(QDialog):
    """Territory > Add rep: a new rep's name, id, weekly hours and home."""

    def __init__(self, plan: Plan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addRepDialog")
        self.setWindowTitle("Add rep")
        self.plan = plan
        self.fields = NewRepForm(plan, "addRep", self)
        self.problem = problem_label(self, "addRepProblem")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add rep")
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.fields)
        layout.addWidget(QLabel("Working hours, longest day and home office: Rotation > Rep "
                                "settings.", self))
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def set_home(self, lat: float, lon: float) -> None:
        """Take the new rep's home from a click on the map."""
        self.fields.set_home(lat, lon)
        self.raise_()

    def _on_buttons_accepted(self) -> None:
        try:
            edits.add_rep(self.plan, self.fields.rep())
        except ValueError as exc:
            self.problem.setText(str(exc))
            self.problem.show()
            return
        self.accept()


def pick_on_map(view: MapView, text: str, deliver: Callable[[float, float], None]) -> None:
    """Hand the next click on ``view`` to ``deliver(lat, lon)``, prompting with ``text``."""
    def picked(lat: float, lon: float) -> None:
        view.point_picked.disconnect(picked)
        deliver(lat, lon)

    view.point_picked.connect(picked)
    view.start_pick_point(text)


def show_picking_home(dialog: QDialog, view: MapView, pick_requested: SignalInstance,
                      set_home: Callable[[float, float], None],
                      closed: Callable[[], None]) -> None:
    """Show the non-modal ``dialog``; homes it asks to click on ``view`` go to ``set_home``.

    A click that lands after the dialog closed is dropped. ``closed`` runs when it closes (its
    owner forgets it), then the dialog is deleted.
    """
    is_open = [True]

    def picked(lat: float, lon: float) -> None:
        if is_open[0]:
            set_home(lat, lon)

    def finished(_code: int) -> None:
        is_open[0] = False
        closed()
        dialog.deleteLater()

    pick_requested.connect(lambda: pick_on_map(view, HOME_PROMPT, picked))
    dialog.finished.connect(finished)
    dialog.show()
