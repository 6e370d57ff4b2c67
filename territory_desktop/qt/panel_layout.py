"""Where the window's panels sit: docks around a large map, the default layout, the saved one.

The map leads: the bottom panels are tabs without title bars (a drag near the divider resizes
the map instead of tearing a panel off), every panel scrolls rather than holding the map at
its own minimum size, and the layout a user makes is kept between sessions.
"""

from __future__ import annotations

import logging
from itertools import pairwise

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QWidget

log = logging.getLogger(__name__)

# Share of the window the bottom panels and the right column (accounts, route legs) get by
# default: the map keeps about two thirds of the height and three quarters of the width.
BOTTOM_SHARE = 0.28
RIGHT_SHARE = 0.24
RIGHT_COLUMN = ("dockAccounts", "dockRoute")
# A separator wide enough to grab, highlighted under the mouse so it can be found.
SEPARATOR_STYLE = ("QMainWindow::separator { background: #d6d6d6; width: 6px; height: 6px; }"
                   "QMainWindow::separator:hover { background: #8ab4f8; }")


class PanelLayout:
    """The window's dock widgets and how they are arranged."""

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.docks: list[QDockWidget] = []
        window.setStyleSheet(SEPARATOR_STYLE)

    def add(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        """Put ``widget`` in a new dock named ``"dock" + title`` (letters and digits only)."""
        dock = QDockWidget(title, self.window)
        dock.setObjectName("dock" + "".join(c for c in title if c.isalnum()))
        # A panel taller than its dock scrolls instead of holding the dock (and the map) at
        # its own minimum height.
        scroll = QScrollArea(dock)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidgetResizable(True)
        scroll.setWidget(widget)
        dock.setWidget(scroll)
        if area == Qt.DockWidgetArea.BottomDockWidgetArea:
            # The tabs name the bottom panels; View > Panels shows and hides them.
            dock.setTitleBarWidget(QWidget(dock))
        self.window.addDockWidget(area, dock)
        self.docks.append(dock)
        return dock

    def dock(self, name: str) -> QDockWidget:
        """Return the dock with object name ``name`` (e.g. ``"dockRotation"``)."""
        found = next((d for d in self.docks if d.objectName() == name), None)
        assert found is not None, f"no dock named {name!r}"  # the docks are built with the window
        return found

    def reset(self) -> None:
        """Put the panels back where they start.

        Bottom tabs under a large map, accounts on the right with the route's legs under them
        (in view beside the Rotation calendar whose day headers draw day routes).
        """
        w = self.window
        for dock in self.docks:
            dock.setFloating(False)
            w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea
                            if dock.objectName() in RIGHT_COLUMN
                            else Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            dock.show()
        accounts, route = (self.dock(name) for name in RIGHT_COLUMN)
        w.splitDockWidget(accounts, route, Qt.Orientation.Vertical)
        tabbed = [d for d in self.docks if d.objectName() not in RIGHT_COLUMN]
        for first, second in pairwise(tabbed):
            w.tabifyDockWidget(first, second)
        tabbed[0].raise_()
        # Before the window is first shown its docks have no geometry yet, and resizeDocks
        # would size them from nothing: lay them out at the window's size first.
        layout = w.layout()
        assert layout is not None  # a QMainWindow lays out its docks itself
        layout.setGeometry(w.rect())
        size = w.size()
        w.resizeDocks([tabbed[0]], [int(size.height() * BOTTOM_SHARE)], Qt.Orientation.Vertical)
        w.resizeDocks([accounts], [int(size.width() * RIGHT_SHARE)], Qt.Orientation.Horizontal)
        w.resizeDocks([accounts, route], [int(size.height() * 0.4), int(size.height() * 0.25)],
                      Qt.Orientation.Vertical)

    def restore(self, saved: tuple[bytes, bytes] | None) -> None:
        """Bring back a layout from :meth:`saved` (the default one when it is unusable)."""
        if saved is None:
            return
        geometry, state = saved
        self.window.restoreGeometry(QByteArray(geometry))
        if not self.window.restoreState(QByteArray(state)):
            log.warning("the saved window layout was not usable; using the default one")
            self.reset()

    def saved(self) -> tuple[bytes, bytes]:
        """Return the window's geometry and dock layout, as Qt's own blobs."""
        return bytes(self.window.saveGeometry().data()), bytes(self.window.saveState().data())
