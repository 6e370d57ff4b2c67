"""File > Export > Mileage rates and expense presets…: two small table editors.

The rates table starts from the plan's own rates, or the shipped IRS rates when it has none;
a table left equal to those defaults keeps the plan on the defaults. Every change is checked
at once (a gap, an overlap, a bad date or number) and explained in one line; OK stays disabled
until both tables are valid.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from territory_desktop.io.exports.rates import default_rates
from territory_desktop.model.export_settings import (
    EXPENSE_FIELDS,
    ExpensePreset,
    ExportError,
    ExportSettings,
    RatePeriod,
    RateTable,
)

RATE_COLUMNS = ("From", "To", "Rate", "Currency", "Unit (mi/km)", "Note")
PRESET_COLUMNS = ("Name", "Columns (field=Name; …)", "Date format", "Lines per (day/trip)",
                  "Category", "Cost centre")


def columns_text(preset: ExpensePreset) -> str:
    """Return a preset's columns as ``field=Name; field=Name``."""
    return "; ".join(f"{f}={h}" for f, h in preset.columns)


def parse_columns(text: str) -> tuple[tuple[str, str], ...]:
    """``field=Name; field`` as (field, name) pairs (a bare field takes its default name)."""
    out = []
    for item in text.split(";"):
        if not item.strip():
            continue
        name, _, header = item.partition("=")
        name = name.strip()
        out.append((name, header.strip() or EXPENSE_FIELDS.get(name, name)))
    return tuple(out)


def _fit(table: QTableWidget, widest: int = 360) -> None:
    """Size columns to their text, none wider than ``widest`` pixels (long column lists)."""
    table.resizeColumnsToContents()
    for c in range(table.columnCount()):
        table.setColumnWidth(c, min(table.columnWidth(c), widest))


class ExportSettingsDialog(QDialog):
    """Edit the plan's dated mileage rates and its named expense presets."""

    def __init__(self, settings: ExportSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Mileage rates and expense presets")
        self.resize(820, 520)
        self.defaults = default_rates()
        rates = settings.rates or self.defaults
        self._verified = {(p.start, p.end, p.rate): p.verified for p in rates.periods}
        layout = QVBoxLayout(self)
        self.source = QLabel("The plan's own rates." if settings.rates else
                             "The shipped IRS standard mileage rates (the plan has no rates "
                             "of its own yet).")
        self.source.setObjectName("source")
        layout.addWidget(QLabel("<b>Mileage rates</b> (periods must follow each other with no "
                                "gap; a rate is per unit, in the currency)"))
        layout.addWidget(self.source)
        self.rates = self._table("rates", RATE_COLUMNS, [
            (p.start.isoformat(), p.end.isoformat(), str(p.rate), p.currency, p.unit, p.note)
            for p in rates.periods])
        layout.addWidget(self.rates)
        layout.addWidget(self._buttons(self.rates, "period", [
            ("Reset to IRS rates", "reset", self._on_reset_clicked)]))
        layout.addWidget(QLabel("<b>Expense presets</b> (fields: " + ", ".join(EXPENSE_FIELDS)
                                + ")"))
        self.presets = self._table("presets", PRESET_COLUMNS, [
            (p.name, columns_text(p), p.date_format, p.per, p.category, p.cost_centre)
            for p in settings.presets])
        layout.addWidget(self.presets)
        layout.addWidget(self._buttons(self.presets, "preset", []))
        self.reason = QLabel()
        self.reason.setObjectName("reason")
        self.reason.setStyleSheet("color: #b00020")
        self.reason.setWordWrap(True)
        layout.addWidget(self.reason)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.rates.itemChanged.connect(self.refresh)
        self.presets.itemChanged.connect(self.refresh)
        self.refresh()

    def _table(self, name: str, header: tuple[str, ...], rows: list[tuple[str, ...]]
               ) -> QTableWidget:
        table = QTableWidget(len(rows), len(header))
        table.setObjectName(name)
        table.setHorizontalHeaderLabels(list(header))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                table.setItem(r, c, QTableWidgetItem(value))
        _fit(table)
        table.horizontalHeader().setStretchLastSection(True)
        return table

    def _buttons(self, table: QTableWidget, what: str,
                 extra: list[tuple[str, str, object]]) -> QWidget:
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        add = QPushButton(f"Add {what}")
        add.setObjectName(f"add_{what}")
        add.clicked.connect(lambda: self._add_row(table))
        remove = QPushButton(f"Remove {what}")
        remove.setObjectName(f"remove_{what}")
        remove.clicked.connect(lambda: self._remove_row(table))
        box.addWidget(add)
        box.addWidget(remove)
        for text, name, slot in extra:
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            box.addWidget(button)
        box.addStretch(1)
        return row

    def _add_row(self, table: QTableWidget) -> None:
        """Add a period from the day after the last one, at its rate (or a standard preset)."""
        n = table.rowCount()
        if table is self.rates:
            last = [self._cell(table, n - 1, c) for c in range(6)] if n else [
                "", "", "0", "USD", "mi", ""]
            try:
                start = dt.date.fromisoformat(last[1]) + dt.timedelta(days=1)
                values = [start.isoformat(), start.replace(month=12, day=31).isoformat(),
                          *last[2:5], ""]
            except ValueError:
                values = ["", "", *last[2:5], ""]
        else:
            standard = ExpensePreset(f"Preset {n + 1}")
            values = [standard.name, columns_text(standard), standard.date_format,
                      standard.per, standard.category, ""]
        table.blockSignals(True)
        table.insertRow(n)
        for c, value in enumerate(values):
            table.setItem(n, c, QTableWidgetItem(value))
        table.blockSignals(False)
        _fit(table)
        table.setCurrentCell(n, 0)
        self.refresh()

    def _remove_row(self, table: QTableWidget) -> None:
        row = table.currentRow()
        if row >= 0:
            table.removeRow(row)
        self.refresh()

    def _on_reset_clicked(self) -> None:
        self.rates.blockSignals(True)
        self.rates.setRowCount(len(self.defaults.periods))
        for r, p in enumerate(self.defaults.periods):
            for c, value in enumerate((p.start.isoformat(), p.end.isoformat(), str(p.rate),
                                       p.currency, p.unit, p.note)):
                self.rates.setItem(r, c, QTableWidgetItem(value))
        self.rates.blockSignals(False)
        self.refresh()

    @staticmethod
    def _cell(table: QTableWidget, row: int, column: int) -> str:
        item = table.item(row, column)
        return item.text().strip() if item is not None else ""

    def rate_table(self) -> RateTable:
        """Return the rates as typed; ExportError names the row and what is wrong."""
        periods = []
        for r in range(self.rates.rowCount()):
            text = [self._cell(self.rates, r, c) for c in range(6)]
            where = f"rate row {r + 1}"
            try:
                start, end = (dt.date.fromisoformat(t) for t in text[:2])
            except ValueError:
                raise ExportError(f"{where}: dates are written like 2025-01-01") from None
            try:
                rate = Decimal(text[2])
            except InvalidOperation:
                raise ExportError(f"{where}: the rate {text[2]!r} is not a number") from None
            verified = self._verified.get((start, end, rate), True)
            periods.append(RatePeriod(start, end, rate, text[3].upper(), text[4].lower(),
                                      text[5], verified))
        return RateTable(tuple(periods))

    def preset_list(self) -> tuple[ExpensePreset, ...]:
        """Return the presets as typed; ExportError names what is wrong."""
        out = []
        for r in range(self.presets.rowCount()):
            name, columns, date_format, per, category, cost_centre = (
                self._cell(self.presets, r, c) for c in range(6))
            out.append(ExpensePreset(name, parse_columns(columns), date_format or "%Y-%m-%d",
                                     per or "day", category, cost_centre))
        return tuple(out)

    def settings(self) -> ExportSettings:
        """Return the settings as typed (rates equal to the defaults stay the defaults: None)."""
        rates = self.rate_table()
        return ExportSettings(None if rates == self.defaults else rates, self.preset_list())

    def refresh(self) -> None:
        """Check both tables; say what is wrong in one line and enable OK only when nothing is."""
        try:
            self.settings()
            reason = ""
        except ExportError as exc:
            reason = str(exc)
        self.reason.setText(reason)
        self.reason.setVisible(bool(reason))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not reason)
