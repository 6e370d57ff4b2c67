"""What a controller or panel may ask of the window it works in.

Controllers and panels are written against :class:`Workbench`, never against the main window,
so each can be built (and tested) beside a small stand-in, and ``qt/`` has no import cycles.
``app.build`` hands the window to them as their workbench.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtWidgets import QFileDialog

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from territory_desktop.edits import Edit
    from territory_desktop.model import Plan
    from territory_desktop.qt.document import PlanDocument
    from territory_desktop.qt.map_view import MapView
    from territory_desktop.qt.worker import Worker
    from territory_desktop.settings import Preferences


class Workbench(Protocol):
    """The document, edits, messages, the map and background work, as the window offers them."""

    document: PlanDocument
    """The open plan and its undo stack."""
    prefs: Preferences
    """The user's preferences (units, snapping tolerance...)."""
    map: MapView
    """The map: draw layers, routes and highlights, start gestures."""

    def apply_edit(self, make: Callable[[], Edit]) -> bool:
        """Run ``make`` and record its edit; a refused edit is explained. True when applied."""
        ...

    def notify_error(self, title: str, message: str) -> None:
        """Tell the user about a problem without blocking."""
        ...

    def show_status(self, text: str, msecs: int = 5000) -> None:
        """Show ``text`` in the status bar for ``msecs`` milliseconds."""
        ...

    def run_work(self, title: str, fn: Callable[..., Any], *args: Any,
                 on_done: Callable[[Any], object] | None = None, kind: str | None = None,
                 quiet: bool = False, on_error: Callable[[Exception], object] | None = None,
                 **kwargs: Any) -> Worker:
        """Run ``fn`` off the GUI thread with progress and Cancel; ``on_done(result)`` after.

        ``quiet``: a refresh after every edit, whose steps stay out of the status line.
        ``on_error(exc)``: told of a failure instead of the error box (not of a cancel).
        """
        ...

    def update_actions(self) -> None:
        """Re-evaluate which actions are enabled (after a selection or a result changed)."""
        ...

    def dialog_parent(self) -> QWidget:
        """Return the widget dialogs open over."""
        ...


def apply_computed(bench: Workbench, plan: Plan, what: str, again: str,
                   make: Callable[[], Edit]) -> bool:
    """Apply an edit computed (off the GUI thread, or behind a dialog) from ``plan``.

    Nothing is applied when the plan changed meanwhile: the result would undo that change.
    ``what`` is the work ("Realign"), ``again`` how to redo it ("run Realign again"). True when
    the edit was applied.
    """
    if plan is not bench.document.plan:
        bench.notify_error(f"{what} not applied",
                           f"the plan changed while it was being computed; {again}")
        return False
    return bench.apply_edit(make)


def file_folder(document: PlanDocument, prefs: Preferences, export: bool = False) -> str:
    """Return the folder a file dialog opens in.

    Reading, the folder of the file last picked comes first (the next CRM file is beside the
    last one); an export goes where the last export went. Then the plan file's folder, the
    last picked folder (an untitled plan), the home folder.
    """
    first = prefs.export_folder if export else prefs.last_folder
    if first:
        return first
    if document.path is not None:
        return str(document.path.parent)
    return prefs.last_folder or str(Path.home())


def ask_file(parent: QWidget | None, title: str, filters: str, document: PlanDocument,
             prefs: Preferences, export: bool = False) -> Path | None:
    """Ask for a file to read, opening in :func:`file_folder`; None when cancelled.

    The next dialog opens in the chosen file's folder (saved with the preferences).
    """
    name, _ = QFileDialog.getOpenFileName(parent, title, file_folder(document, prefs, export),
                                          filters)
    if not name:
        return None
    prefs.last_folder = str(Path(name).parent)
    return Path(name)
