"""What every File > Export dialog shares: the rep, a one-line reason, a preview, OK and Cancel.

The preview shows the header and first rows of the file the dialog will write, made by the
same functions that write it. Exports that need road routes preview on request (the
**Preview** button runs off the GUI thread); the others preview as the choices change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from territory_desktop.io.exports._files import ExportError, check_target, csv_cell
from territory_desktop.qt.widgets import bullets, fill_rep_combo

if TYPE_CHECKING:
    from territory_desktop.model import Plan

Progress = Callable[[float, str], None]
Stop = Callable[[], bool]
PREVIEW_ROWS = 12


@dataclass(frozen=True)
class Preview:
    """The first rows of a file about to be written, and a line saying what the whole holds."""

    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    caption: str
    warnings: tuple[str, ...] = ()  # what ``tdesk export`` prints as "warning: ..."


def preview(header: Sequence[str], rows: Sequence[Sequence[Any]], caption: str,
            decimals: Sequence[int] | None = None, warnings: Sequence[str] = ()) -> Preview:
    """Return the header and first :data:`PREVIEW_ROWS` rows, as the CSV would show them."""
    shown = tuple(tuple(csv_cell(v, decimals[i] if decimals else 2) for i, v in enumerate(row))
                  for row in rows[:PREVIEW_ROWS])
    more = f" (first {PREVIEW_ROWS} shown)" if len(rows) > PREVIEW_ROWS else ""
    return Preview(tuple(header), shown, f"{caption}{more}", tuple(warnings))


def to_date(value: QDate) -> dt.date:
    """Return a QDate as a Python date."""
    return dt.date(value.year(), value.month(), value.day())


def date_edit(value: dt.date, name: str) -> QDateEdit:
    """Make a date field with a calendar pop-up, showing ISO dates."""
    edit = QDateEdit(QDate(value.year, value.month, value.day))
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setCalendarPopup(True)
    edit.setObjectName(name)
    return edit


def sentence(exc: Exception) -> str:
    """Return an error's one line as a sentence: capital first, full stop last."""
    text = str(exc).rstrip(".")
    return f"{text[:1].upper()}{text[1:]}."


def reopen(dialog: QDialog, reason: QLabel, exc: Exception) -> None:
    """Open ``dialog`` again, its choices as they were, with why its OK wrote nothing."""
    reason.setText(sentence(exc))
    reason.setVisible(True)
    dialog.open()


def target_problem(text: str, formats: Sequence[str] = (), plan_file: Path | None = None) -> str:
    """Why the file ``text`` cannot be the target ("" when it can), in one line.

    ``plan_file``: the open plan's file, which no export may write over.
    """
    if not text.strip():
        return "Choose the file to write (Browse…)."
    path = Path(text.strip())
    if formats and path.suffix.lower().lstrip(".") not in formats:
        return f"The file must end in .{' or .'.join(formats)}."
    try:
        check_target(path, plan_file)
    except ExportError as exc:
        return sentence(exc)
    return ""


def no_rotation_message(plan: Plan, rep_id: str) -> str:
    """One line saying why ``rep_id`` cannot be exported, or "" when it can."""
    if rep_id not in plan.reps:
        return "The plan has no reps."
    if rep_id not in plan.schedules:
        return (f"{plan.reps[rep_id].name} has no rotation yet: schedule it first "
                "(Rotation > Schedule rotation).")
    return ""


class ExportDialog(QDialog):
    """Rep picker (optional), the choices, a preview, a one-line reason, OK and Cancel.

    Subclasses add their fields to ``form``, say what stops the preview in
    :meth:`preview_problem` and what else stops OK in :meth:`target_problem` and, when
    previews are cheap, build one in :meth:`make_preview`. Dialogs whose preview needs road
    routes set ``routed = True`` and get a Preview button instead.
    """

    preview_requested = Signal()
    """The user pressed Preview (no payload); the answer comes through :meth:`show_preview`."""

    folder_chosen = Signal(Path)
    """The user chose where to write with Browse… (payload: the folder; the next export's
    file dialogs open there)."""

    routed = False
    plan_file: Path | None = None  # the open plan's file (set before the dialog opens)

    def __init__(self, title: str, plan: Plan, parent: QWidget, *, with_rep: bool = True
                 ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.plan = plan
        self.with_rep = with_rep
        self._preview_key: object = None
        self.generation = 0  # counts refreshes: a routed preview of older choices is dropped
        self.form = QFormLayout()
        self.rep = QComboBox()
        self.rep.setObjectName("rep")
        if with_rep:
            fill_rep_combo(self.rep, plan)
            first = next((i for i in range(self.rep.count())
                          if self.rep.itemData(i) in plan.schedules), 0)
            self.rep.setCurrentIndex(first)
            self.form.addRow("&Rep", self.rep)
            self.rep.currentIndexChanged.connect(self.refresh)
        self.caption = QLabel()
        self.caption.setObjectName("caption")
        self.caption.setWordWrap(True)
        self.warnings = QLabel()
        self.warnings.setObjectName("warnings")
        self.warnings.setWordWrap(True)
        self.warnings.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warnings.setStyleSheet("color: #8a5300")
        self.warnings.setVisible(False)
        self.table = QTableWidget(0, 0)
        self.table.setObjectName("preview")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setMinimumSize(640, 180)
        self.preview_button = QPushButton("&Preview")
        self.preview_button.setObjectName("preview_button")
        self.preview_button.clicked.connect(self.preview_requested)
        self.reason = QLabel()
        self.reason.setObjectName("reason")
        self.reason.setStyleSheet("color: #b00020")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.addButton(self.preview_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.preview_button.setVisible(self.routed)  # after addButton, which shows it
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.caption)
        layout.addWidget(self.warnings)
        layout.addWidget(self.table)
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)

    def prefer_rep(self, rep_id: str | None) -> None:
        """Start on ``rep_id`` (the rep being worked on) when they have a rotation."""
        index = self.rep.findData(rep_id) if rep_id in self.plan.schedules else -1
        if self.with_rep and index >= 0:
            self.rep.setCurrentIndex(index)

    @property
    def rep_id(self) -> str:
        """The chosen rep's id ("" when the plan has none)."""
        return str(self.rep.currentData() or "")

    def chooser(self, edit: QLineEdit, browse: Callable[[], None], name: str = "browse"
                ) -> QWidget:
        """Return a line edit with a Browse… button named ``name``; typing refreshes the dialog.

        ``name`` tells a second Browse… apart; the dialog's file (or folder) has ``browse``.
        """
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(edit)
        button = QPushButton("&Browse…")
        button.setObjectName(name)
        button.clicked.connect(browse)
        box.addWidget(button)
        edit.textChanged.connect(self.refresh)
        return row

    def failed(self, exc: Exception) -> None:
        """Open again, the choices kept, saying why the export failed.

        Without a preview shown, the caption's hint to press Preview goes: the reason is all
        there is to read.
        """
        if not self.table.rowCount():
            self.caption.clear()
        reopen(self, self.reason, exc)

    def preview_problem(self) -> str:
        """Why Preview (and so OK) cannot be pressed now, in one line ("" when it can)."""
        return no_rotation_message(self.plan, self.rep_id) if self.with_rep else ""

    def target_problem(self) -> str:
        """Why the chosen file or folder cannot be written ("" when it can); OK needs it."""
        return ""

    def make_preview(self) -> Preview | None:
        """Return the preview of what OK would write, for dialogs that need no routing."""
        return None

    def preview_key(self) -> object:
        """Return what the preview depends on; while it stays equal the preview is kept.

        (Typing the target's name must not recompute the assignment of every account.)
        """
        return object()  # a new key each time: recompute

    def refresh(self) -> None:
        """Show the reason, if any, enable OK only without one, and renew the preview."""
        self.generation += 1
        preview_reason = self.preview_problem()
        reason = preview_reason or self.target_problem()
        self.reason.setText(reason)
        self.reason.setVisible(bool(reason))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not reason)
        self.preview_button.setEnabled(not preview_reason)
        if self.routed:
            self.show_preview(None)
            return
        key = self.preview_key()
        if key == self._preview_key:
            return
        self._preview_key = key
        try:
            shown = self.make_preview()
        except (ExportError, OSError) as exc:
            self.show_preview(None, str(exc))
            return
        self.show_preview(shown)

    def _fit_height(self) -> None:
        """Grow the dialog to what its wrapped lines need at its width (warnings came in).

        Qt does not grow a shown dialog for word-wrapped labels: they were squeezed instead,
        cutting the lines above them.
        """
        layout = self.layout()
        if layout is None or not self.isVisible():
            return
        layout.activate()
        need = layout.totalHeightForWidth(self.width())
        if need > self.height():
            self.resize(self.width(), need)

    def show_preview_of(self, generation: int) -> Callable[[Preview], None]:
        """Return a slot showing a preview only if the choices are still those of ``generation``."""
        def show(shown: Preview) -> None:
            if generation == self.generation:
                self.show_preview(shown)

        return show

    def show_preview(self, shown: Preview | None, note: str = "") -> None:
        """Fill the preview table (or empty it, saying why)."""
        self.table.clear()
        self.warnings.setText(bullets(shown.warnings) if shown else "")
        self.warnings.setVisible(bool(shown and shown.warnings))
        self._fit_height()
        if shown is None:
            self.table.setRowCount(0)
            self.table.setColumnCount(0)
            self.caption.setText(note or ("Press Preview to see the first rows (the routes are "
                                          "computed first)." if self.routed else ""))
            return
        self.table.setColumnCount(len(shown.header))
        self.table.setHorizontalHeaderLabels(list(shown.header))
        self.table.setRowCount(len(shown.rows))
        for r, row in enumerate(shown.rows):
            for c, value in enumerate(row):
                item = QTableWidgetItem(str(value))
                item.setToolTip(str(value))  # a long reason reads in full where it is cut
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.caption.setText(shown.caption)
