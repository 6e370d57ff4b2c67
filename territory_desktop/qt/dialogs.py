"""Small dialogs: territory properties, overlaps, the error box, import mapping and report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, QTime, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from territory_desktop import clock
from territory_desktop.model import (
    TIERS,
    Account,
    Plan,
    PlanSettings,
    Rep,
    Territory,
    TierCadence,
)
from territory_desktop.model.schedule import WEEKDAY_NAMES
from territory_desktop.qt.calendar_settings import HolidayEditor, WeekdayPicker
from territory_desktop.settings import Preferences


def _ok_cancel(dialog: QDialog) -> QDialogButtonBox:
    """OK and Cancel buttons wired to ``dialog``."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


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
        form.addRow(_ok_cancel(self))

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


def show_error(parent: QWidget, title: str, message: str) -> None:
    """Open the window's error box (``errorBox``) over ``parent``, without waiting on it."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok,
                      parent)
    box.setObjectName("errorBox")
    box.setTextFormat(Qt.TextFormat.PlainText)  # an account named "<b>" stays as typed
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


_ACCOUNT_MAPPING_HELP = (
    "Required: id, name, and either latitude and longitude or a postal code.\n"
    "Any column of numbers can feed potential or score: the top 20 % of the rows with a "
    "value become tier A, the next 30 % tier B, the rest and the blank rows tier C.")


class ColumnMappingDialog(QDialog):
    """Map the file's columns onto our fields.

    Shown when they were not all recognised, or when the user asked to choose (e.g. their
    own value column for potential or the tier score). With ``strict``, OK waits until every
    required field (marked *) has a column (account names may come from first and last name
    instead, so accounts are not strict). ``preview`` rows (column -> cell) are shown under
    the choices, numbered by ``preview_lines`` (their lines in the file) when given.
    """

    def __init__(self, columns: Sequence[str], fields: Sequence[tuple[str, bool]],
                 guess: dict[str, str], parent: QWidget | None = None,
                 intro: str = "Some columns were not recognised.",
                 help_text: str = _ACCOUNT_MAPPING_HELP,
                 labels: Mapping[str, str] | None = None,
                 preview: Sequence[Mapping[str, str]] = (), strict: bool = False,
                 preview_lines: Sequence[int] = ()) -> None:
        super().__init__(parent)
        self.setWindowTitle("Match the file's columns")
        self.setObjectName("columnMapping")
        self.boxes: dict[str, QComboBox] = {}
        self._required = [name for name, required in fields if required and strict]
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{intro} Choose which column holds each field.\n{help_text}",
                                self))
        form = QFormLayout()
        for name, required in fields:
            box = QComboBox(self)
            box.addItem("— not in file —", None)
            for c in columns:
                box.addItem(c, c)
            if name in guess:
                box.setCurrentIndex(box.findData(guess[name]))
            box.setObjectName(f"column_{name}")
            box.currentIndexChanged.connect(self._update_ok)
            form.addRow(f"{(labels or {}).get(name, name)}{' *' if required else ''}", box)
            self.boxes[name] = box
        layout.addLayout(form)
        if preview:
            layout.addWidget(QLabel(f"The file's first {len(preview)} rows:", self))
            table = QTableWidget(len(preview), len(columns), self)
            table.setObjectName("mappingPreview")
            table.setHorizontalHeaderLabels(list(columns))
            if preview_lines:
                table.setVerticalHeaderLabels([f"line {n}" for n in preview_lines])
            table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
            for r, row in enumerate(preview):
                for col, column in enumerate(columns):
                    table.setItem(r, col, QTableWidgetItem(row.get(column, "")))
            table.resizeColumnsToContents()
            layout.addWidget(table)
        self.buttons = _ok_cancel(self)
        layout.addWidget(self.buttons)
        self._update_ok()

    def mapping(self) -> dict[str, str]:
        """Return the chosen column for each field (fields left unmapped are absent)."""
        return {f: b.currentData() for f, b in self.boxes.items() if b.currentData()}

    def _update_ok(self) -> None:
        chosen = self.mapping()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(all(name in chosen for name in self._required))


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
    """Preferences (units, currency, map) and this plan's cadence, rotation and work calendar."""

    def __init__(self, prefs: Preferences, plan_settings: PlanSettings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        form = QFormLayout(self)
        self.units = QComboBox(self)
        self.units.addItems(["miles", "km"])
        self.units.setCurrentText("km" if prefs.units == "km" else "miles")
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
        from PySide6.QtCore import QDate
        from PySide6.QtWidgets import QDateEdit

        self.weeks = QSpinBox(self)
        self.weeks.setRange(1, 12)
        self.weeks.setSuffix(" weeks")
        self.weeks.setValue(plan_settings.rotation_weeks)
        self.start = QDateEdit(self)
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("ddd d MMM yyyy")
        self._today = clock.today()  # the picker's default: OK past midnight changes nothing
        start = plan_settings.rotation_start
        self.start.setDate(QDate.fromString(start, "yyyy-MM-dd") if start
                           else QDate(self._today.year, self._today.month, self._today.day))
        form.addRow(QLabel("<b>This plan's call rotation</b>", self))
        form.addRow("Cycle length", self.weeks)
        form.addRow("Week 1 starts", self.start)
        self.start_hint = QLabel(self)
        self.start_hint.setObjectName("rotationStartHint")
        form.addRow("", self.start_hint)
        self.start.dateChanged.connect(lambda _day: self._show_start())
        self._show_start()
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QHBoxLayout, QSlider

        self.day_balance = QSlider(Qt.Orientation.Horizontal, self)
        self.day_balance.setObjectName("dayBalance")
        self.day_balance.setRange(0, 100)
        self.day_balance.setValue(round(plan_settings.day_balance * 100))
        self.day_balance.setToolTip("Even days: every working day about as long as the others. "
                                    "Least driving: fewer, longer days when that saves driving.")
        balance = QHBoxLayout()
        balance.addWidget(QLabel("Least driving", self))
        balance.addWidget(self.day_balance, 1)
        balance.addWidget(QLabel("Even days", self))
        form.addRow("Rotation days", balance)
        self.weekdays = WeekdayPicker(tuple(plan_settings.working_weekdays), self)
        self.holidays = HolidayEditor(plan_settings, self)
        form.addRow("Working days", self.weekdays)
        form.addRow("Holidays", self.holidays)
        self._plan_settings = plan_settings
        form.addRow(_ok_cancel(self))

    def _show_start(self) -> None:
        import datetime as dt

        picked = dt.date.fromisoformat(self.start.date().toString("yyyy-MM-dd"))
        monday = picked - dt.timedelta(days=picked.weekday())
        self.start_hint.setText(f"Week 1 is the week of Monday {monday.day} {monday:%b %Y}"
                                + ("" if picked == monday else " (weeks start on Mondays)"))

    def apply_to(self, prefs: Preferences) -> None:
        """Copy the dialog's app-wide preferences into ``prefs``."""
        prefs.units = "km" if self.units.currentText() == "km" else "mi"
        prefs.currency = self.currency.text().strip() or prefs.currency
        prefs.snap_tolerance_m = self.snap.value()
        prefs.autosave_seconds = self.autosave.value()

    def plan_settings(self) -> PlanSettings:
        """Return the plan's settings as the dialog now shows them."""
        import datetime as dt
        from dataclasses import replace

        from territory_desktop.model.rotation_dates import rotation_start

        cadence = {t: TierCadence(t, self.every[t].value(), self.minutes[t].value())
                   for t in TIERS}
        picked = dt.date.fromisoformat(self.start.date().toString("yyyy-MM-dd"))
        anchor = rotation_start(picked, self._plan_settings.rotation_start, self._today)
        balance = self._plan_settings.day_balance  # unchanged unless the slider moved
        if self.day_balance.value() != round(balance * 100):
            balance = self.day_balance.value() / 100
        return replace(self._plan_settings, cadence=cadence, rotation_weeks=self.weeks.value(),
                       rotation_start=anchor, day_balance=balance,
                       working_weekdays=self.weekdays.weekdays(),
                       holidays=self.holidays.holidays(),
                       holiday_calendar=self.holidays.calendar())


def _minutes_to_time(minutes: int) -> QTime:
    return QTime(minutes // 60, minutes % 60)


def _time_to_minutes(t: QTime) -> int:
    return t.hour() * 60 + t.minute()


class AccountDialog(QDialog):
    """Tier, cadence overrides, time window, closed days and notes of one account."""

    def __init__(self, plan: Plan, account: Account, parent: QWidget | None = None) -> None:
        from PySide6.QtWidgets import QCheckBox, QTimeEdit

        super().__init__(parent)
        self.setWindowTitle(f"Account: {account.name}")
        self.account = account
        form = QFormLayout(self)
        form.addRow("Id", QLabel(account.id, self))
        self.tier = QComboBox(self)
        self.tier.addItems(list(TIERS))
        self.tier.setCurrentText(account.tier)
        tier_every, tier_minutes = plan.settings.cadence[account.tier].every_weeks, \
            plan.settings.cadence[account.tier].visit_minutes
        self.every = QDoubleSpinBox(self)
        self.every.setRange(0, 52)
        self.every.setSpecialValueText(f"tier default ({tier_every:g} weeks)")
        self.every.setSuffix(" weeks")
        self.every.setValue(account.every_weeks or 0)
        self.minutes = QDoubleSpinBox(self)
        self.minutes.setRange(0, 600)
        self.minutes.setSpecialValueText(f"tier default ({tier_minutes:g} min)")
        self.minutes.setSuffix(" min")
        self.minutes.setValue(account.visit_minutes or 0)
        self.has_window = QCheckBox("Only visit between", self)
        self.window_start = QTimeEdit(self)
        self.window_end = QTimeEdit(self)
        self.has_window.setChecked(account.window_start is not None)
        self.window_start.setTime(_minutes_to_time(account.window_start or 9 * 60))
        self.window_end.setTime(_minutes_to_time(account.window_end or 12 * 60))
        window_row = QWidget(self)
        row = QHBoxLayout(window_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.has_window)
        row.addWidget(self.window_start)
        row.addWidget(QLabel("and", self))
        row.addWidget(self.window_end)
        self.closed: list[QCheckBox] = []
        closed_row = QWidget(self)
        crow = QHBoxLayout(closed_row)
        crow.setContentsMargins(0, 0, 0, 0)
        for d, name in enumerate(WEEKDAY_NAMES):
            box = QCheckBox(name, self)
            box.setChecked(d in account.closed_weekdays)
            crow.addWidget(box)
            self.closed.append(box)
        self.same_weekday = QCheckBox("Visit on the same weekday each time", self)
        self.same_weekday.setChecked(account.same_weekday)
        self.notes = QPlainTextEdit(account.notes, self)
        self.notes.setMaximumHeight(80)
        form.addRow("Tier", self.tier)
        form.addRow("Visit every", self.every)
        form.addRow("Visit length", self.minutes)
        form.addRow("Time window", window_row)
        form.addRow("Closed on", closed_row)
        form.addRow("", self.same_weekday)
        form.addRow("Visit notes", self.notes)
        form.addRow(_ok_cancel(self))

    def changes(self) -> dict[str, object]:
        """Only the fields the user changed."""
        a = self.account
        values: dict[str, object] = {
            "tier": self.tier.currentText(),
            "every_weeks": self.every.value() or None,
            "visit_minutes": self.minutes.value() or None,
            "window_start": (_time_to_minutes(self.window_start.time())
                             if self.has_window.isChecked() else None),
            "window_end": (_time_to_minutes(self.window_end.time())
                           if self.has_window.isChecked() else None),
            "closed_weekdays": tuple(d for d, b in enumerate(self.closed) if b.isChecked()),
            "same_weekday": self.same_weekday.isChecked(),
            "notes": self.notes.toPlainText(),
        }
        return {k: v for k, v in values.items() if getattr(a, k) != v}


class RepDialog(QDialog):
    """A rep's working hours, day-length limit, weekly capacity and home office."""

    def __init__(self, rep: Rep, parent: QWidget | None = None) -> None:
        from PySide6.QtWidgets import QCheckBox, QTimeEdit

        super().__init__(parent)
        self.setWindowTitle(f"Rep: {rep.name}")
        self.rep = rep
        form = QFormLayout(self)
        self.start = QTimeEdit(_minutes_to_time(rep.workday_start), self)
        self.end = QTimeEdit(_minutes_to_time(rep.workday_end), self)
        self.max_day = QDoubleSpinBox(self)
        self.max_day.setRange(1, 16)
        self.max_day.setSuffix(" h")
        self.max_day.setValue(rep.max_day_minutes / 60)
        self.weekly = QDoubleSpinBox(self)
        self.weekly.setRange(1, 80)
        self.weekly.setSuffix(" h")
        self.weekly.setValue(rep.weekly_hours)
        self.home_office = QCheckBox("Works from a &home office (home legs are business miles)",
                                     self)
        self.home_office.setObjectName("home_office")
        self.home_office.setChecked(rep.home_office)
        form.addRow("Day starts", self.start)
        form.addRow("Day ends", self.end)
        form.addRow("Longest day, driving included", self.max_day)
        form.addRow("Hours per week", self.weekly)
        form.addRow("Mileage", self.home_office)
        form.addRow(_ok_cancel(self))

    def changes(self) -> dict[str, object]:
        """Return the rep's fields as the dialog now shows them, by field name."""
        values: dict[str, object] = {
            "workday_start": _time_to_minutes(self.start.time()),
            "workday_end": _time_to_minutes(self.end.time()),
            "max_day_minutes": round(self.max_day.value() * 60),
            "weekly_hours": self.weekly.value(),
            "home_office": self.home_office.isChecked(),
        }
        return {k: v for k, v in values.items() if getattr(self.rep, k) != v}


class RulesDialog(QDialog):
    """The overlay rules in the order they apply; the selected one can be removed."""

    remove_requested = Signal(str)
    """The user asked to remove a rule (payload: rule id)."""

    def __init__(self, plan: Plan, parent: QWidget | None = None) -> None:
        from PySide6.QtWidgets import QListWidget, QListWidgetItem

        super().__init__(parent)
        self.setWindowTitle("Overlay rules")
        self.resize(520, 320)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Rules win over the map; the first matching rule applies.", self))
        self.list = QListWidget(self)
        for rule in plan.rules:
            target = plan.territories.get(rule.territory_id)
            item = QListWidgetItem(f"{rule.describe()}  →  "
                                   f"{target.name if target else rule.territory_id}")
            item.setData(0x0100, rule.id)
            self.list.addItem(item)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        remove = buttons.addButton("Remove rule", QDialogButtonBox.ButtonRole.ActionRole)
        remove.clicked.connect(self._on_remove_clicked)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _on_remove_clicked(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.remove_requested.emit(item.data(0x0100))
            self.list.takeItem(self.list.row(item))
