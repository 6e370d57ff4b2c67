"""The plan's work calendar in the Settings dialog: working weekdays and holidays.

Holidays are days nobody visits (the rep's week shows them off, mileage logs skip them). The
public holidays of a country, or of one of its regions, are added on request for the user to
keep or remove; they are never added behind the user's back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QWidget,
)

from territory_desktop import clock
from territory_desktop.model import PlanSettings
from territory_desktop.model.public_holidays import (
    COUNTRIES,
    HolidayError,
    calendar_of,
    day_label,
    holiday_names,
    join_calendar,
    public_holidays,
    regions,
)
from territory_desktop.model.schedule import WEEKDAY_NAMES

__all__ = ["HolidayEditor", "WeekdayPicker"]

_NATIONAL = "(national holidays only)"


class WeekdayPicker(QWidget):
    """Seven check boxes, Monday first; the last working day cannot be switched off."""

    def __init__(self, weekdays: tuple[int, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.buttons: list[QCheckBox] = []
        for day, name in enumerate(WEEKDAY_NAMES):
            button = QCheckBox(name, self)
            button.setObjectName(f"weekday{day}")
            button.setChecked(day in weekdays)
            button.toggled.connect(self._keep_one)
            row.addWidget(button)
            self.buttons.append(button)
        self.message = QLabel(self)
        self.message.setObjectName("weekdayMessage")
        row.addWidget(self.message)
        row.addStretch(1)
        self.setToolTip("Days the reps work: the rotation plans visits on these days only")

    def _keep_one(self) -> None:
        refused = not self.weekdays()
        if refused:
            sender = self.sender()
            if isinstance(sender, QCheckBox):
                sender.setChecked(True)
        self.message.setText("A rotation needs at least one working day." if refused else "")

    def weekdays(self) -> tuple[int, ...]:
        """Return the checked days, 0 = Monday."""
        return tuple(day for day, b in enumerate(self.buttons) if b.isChecked())


class _HolidayList(QListWidget):
    """The holiday list; Delete or Backspace removes the selected days."""

    def __init__(self, remove: Callable[[], None], parent: QWidget) -> None:
        super().__init__(parent)
        self._remove = remove

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Remove the selection on Delete or Backspace; other keys as a list does."""
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self._remove()
        else:
            super().keyPressEvent(event)


class HolidayEditor(QWidget):
    """The plan's holidays as a dated list, with Add, Remove and "Add public holidays"."""

    def __init__(self, settings: PlanSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.list = _HolidayList(self._remove_selected, self)
        self.list.setObjectName("holidayList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setMinimumHeight(160)  # about eight days, whatever the message below says
        grid.addWidget(self.list, 0, 0, 1, 4)

        today = clock.today()
        self.date = QDateEdit(QDate(today.year, today.month, today.day), self)
        self.date.setObjectName("holidayDate")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("ddd d MMM yyyy")
        add = QPushButton("Add", self)
        add.setObjectName("addHoliday")
        add.clicked.connect(self._add_picked)
        remove = QPushButton("Remove", self)
        remove.setObjectName("removeHoliday")
        remove.setToolTip("Remove the selected holidays (Delete)")
        remove.clicked.connect(self._remove_selected)
        grid.addWidget(self.date, 1, 0, 1, 2)
        grid.addWidget(add, 1, 2)
        grid.addWidget(remove, 1, 3)

        self.country = QComboBox(self)
        self.country.setObjectName("holidayCountry")
        self.country.addItems(sorted(COUNTRIES))
        country, region = calendar_of(settings)
        self.country.setCurrentText(country if country in COUNTRIES else "US")
        self._calendar = settings.holiday_calendar
        self.region = QComboBox(self)
        self.region.setObjectName("holidayRegion")
        self.region.setToolTip("A state or region adds its own holidays to the national ones")
        self.year = QSpinBox(self)
        self.year.setObjectName("holidayYear")
        self.year.setRange(1990, 2100)
        self.year.setValue(clock.today().year)
        self.year.setToolTip("The first of the two years whose public holidays are added")
        self.add_public = QPushButton(self)
        self.add_public.setObjectName("addPublicHolidays")
        self.add_public.clicked.connect(self._add_public)
        self.country.currentTextChanged.connect(self._fill_regions)
        self.year.valueChanged.connect(self._label_public)
        grid.addWidget(self.country, 2, 0)
        grid.addWidget(self.region, 2, 1)
        grid.addWidget(self.year, 2, 2)
        grid.addWidget(self.add_public, 2, 3)
        self.message = QLabel(self)
        self.message.setObjectName("holidayMessage")
        self.message.setWordWrap(True)
        grid.addWidget(self.message, 3, 0, 1, 4)
        self._fill_regions()
        self.region.setCurrentIndex(max(0, self.region.findData(region)))
        self._label_public()
        days = [dt.date.fromisoformat(d) for d in settings.holidays]
        self._add_days(days, holiday_names(country, days, region))

    def calendar(self) -> str:
        """Return where the public holidays were last taken from ("US-MD"; "" for none)."""
        return self._calendar

    def holidays(self) -> tuple[str, ...]:
        """Return the listed holidays as sorted ISO dates."""
        return tuple(sorted(str(self.list.item(i).data(Qt.ItemDataRole.UserRole))
                            for i in range(self.list.count())))

    def _fill_regions(self) -> None:
        self.region.clear()
        self.region.addItem(_NATIONAL, "")
        for name, code in sorted(regions(self.country.currentText()).items()):
            self.region.addItem(name, code)

    def _label_public(self) -> None:
        first = self.year.value()
        self.add_public.setText(f"Add public holidays {first}–{first + 1}")

    def _add_public(self) -> None:
        first = self.year.value()
        try:
            found = public_holidays(self.country.currentText(), (first, first + 1),
                                    str(self.region.currentData() or ""))
        except HolidayError as exc:
            self.message.setText(str(exc))
            return
        region = str(self.region.currentData() or "")
        self._calendar = join_calendar(self.country.currentText(), region)
        added = self._add_days([d for d, _ in found], dict(found))
        where = (self.region.currentText() if self.region.currentData()
                 else COUNTRIES[self.country.currentText()])
        self.message.setText(f"Added {added} public holidays of {where} for {first}–{first + 1} "
                             f"({len(found) - added} already listed); remove any your team works.")

    def _add_picked(self) -> None:
        day = dt.date.fromisoformat(self.date.date().toString("yyyy-MM-dd"))
        names = holiday_names(self.country.currentText(), [day],
                              str(self.region.currentData() or ""))
        if not self._add_days([day], names):
            self.message.setText(f"{day_label(day)} is already a holiday.")
        else:
            self.message.setText("")

    def _add_days(self, days: list[dt.date], names: dict[dt.date, str]) -> int:
        """List the days not listed yet, in date order; return how many were new."""
        listed = set(self.holidays())
        new = sorted({d for d in days if d.isoformat() not in listed})
        for day in new:
            name = names.get(day, "")
            item = QListWidgetItem(day_label(day) + (f"  ·  {name}" if name else ""))
            item.setData(Qt.ItemDataRole.UserRole, day.isoformat())
            self.list.addItem(item)
        if new:
            self._sort_by_date()
        return len(new)

    def _sort_by_date(self) -> None:
        items = [self.list.takeItem(0) for _ in range(self.list.count())]
        for item in sorted(items, key=lambda i: str(i.data(Qt.ItemDataRole.UserRole))):
            self.list.addItem(item)

    def _remove_selected(self) -> None:
        chosen = self.list.selectedItems()
        for item in chosen:
            self.list.takeItem(self.list.row(item))
        if chosen:
            self.message.setText(f"Removed {len(chosen)} holiday{'s' if len(chosen) > 1 else ''}"
                                 f"; {self.list.count()} listed.")
