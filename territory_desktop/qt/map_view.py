"""The map widget: a QWebEngineView showing the local Leaflet page, and its one bridge object.

Python computes the GeoJSON (:mod:`territory_desktop.mapping.layers`), this widget sends it to the
page and turns the page's reports into signals. Everything from the page is validated by
:func:`territory_desktop.mapping.messages.parse_page_message`; malformed messages are logged,
announced by :attr:`MapView.message_rejected` and otherwise ignored. A request interceptor lets the
page load only local files and blocks (and records) everything else.

Commands may be called before the page is up: they are queued and sent on ``page_ready``.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Any, override

from PySide6.QtCore import QObject, QUrl, Signal, Slot
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QVBoxLayout, QWidget

from territory_desktop.mapping.layers import AccountPoints
from territory_desktop.mapping.messages import (
    BridgeMessageError,
    check_feature_collection,
    encode_command,
    parse_page_message,
)
from territory_desktop.mapping.page import build_map_page

__all__ = ["LocalOnlyInterceptor", "MapBridge", "MapView"]

log = logging.getLogger(__name__)

LOCAL_SCHEMES = frozenset({"file", "qrc", "data", "blob"})


class LocalOnlyInterceptor(QWebEngineUrlRequestInterceptor):
    """Allows file:, qrc:, data: and blob: requests; blocks and records every other one."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.blocked: list[str] = []

    @override
    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl()
        if url.scheme() in LOCAL_SCHEMES:
            return
        info.block(True)
        text = url.toString()
        self.blocked.append(text)
        log.warning("map page: blocked non-local request %s", text[:300])


class MapBridge(QObject):
    """The one object shared with the page over QWebChannel (named ``bridge`` in JS).

    Python -> page: the :attr:`command` signal carries one JSON command text.
    Page -> Python: the page calls :meth:`post` with one JSON event text.
    """

    command = Signal(str)
    """One JSON command ``{"cmd", "seq", "args"}`` for the page."""

    received = Signal(str)
    """Raw JSON text the page posted (not yet validated)."""

    @Slot(str)
    def post(self, message: str) -> None:
        """Receive a message from the page (called from JavaScript over the channel)."""
        self.received.emit(message)


class _Page(QWebEnginePage):
    """Routes the page's console messages to our log (so JS errors are never silent)."""

    def javaScriptConsoleMessage(
        self,
        level: QWebEnginePage.JavaScriptConsoleMessageLevel,
        message: str,
        line: int,
        source: str,
    ) -> None:
        log.debug("map page console [%s] %s:%s %s", level, source, line, message)


class MapView(QWidget):
    """The territory map.

    Methods send state to the page; signals report what the user did on it. Payloads are
    built by :mod:`territory_desktop.mapping.layers` (GeoJSON dicts, and the accounts as
    :class:`~territory_desktop.mapping.layers.AccountPoints`).
    """

    page_ready = Signal()
    """The page is loaded and its bridge connected (queued commands have been sent)."""

    rendered = Signal(str, int)
    """The page drew a command: (command name, number of features drawn/affected)."""

    layers_shown = Signal(int)
    """The page drew a ``show_layers`` payload: number of features drawn."""

    polygon_drawn = Signal(dict)
    """A new polygon was drawn: GeoJSON Polygon geometry (lon/lat)."""

    territory_reshaped = Signal(str, dict)
    """A territory's vertices were edited: (territory id, GeoJSON Polygon/MultiPolygon geometry)."""

    split_line_drawn = Signal(str, dict)
    """A split line was drawn across a territory: (territory id, GeoJSON LineString geometry)."""

    territory_clicked = Signal(str)
    """A territory polygon was clicked: territory id."""

    account_clicked = Signal(str)
    """An account point was clicked: account id."""

    point_picked = Signal(float, float)
    """The user clicked the map after :meth:`start_pick_point` (payload: lat, lon)."""

    gesture_changed = Signal(str, str)
    """A drawing or reshaping gesture started or ended: (mode "edit"/"draw"/"split" or "" when
    none is under way, territory id or "")."""

    units_picked = Signal(str, str, dict)
    """Units were clicked, boxed or lassoed for a territory: (territory id, "click"/"box"/
    "lasso", GeoJSON Point or Polygon geometry)."""

    map_error = Signal(str)
    """The page reported an error (bad command, script error): message."""

    message_rejected = Signal(str)
    """A message from the page failed validation and was ignored: the reason."""

    def __init__(self, parent: QWidget | None = None, *, cache_dir: Path | None = None) -> None:
        """Load the page from ``cache_dir``, or from a temporary folder removed with the view."""
        super().__init__(parent)
        self._ready = False
        self._seq = 0
        self._queue: list[str] = []
        self._accounts: AccountPoints | None = None

        # The view is created before the profile so that, as children are deleted in creation
        # order, the page goes before its profile (Qt warns otherwise).
        self._view = QWebEngineView(self)
        self._profile = QWebEngineProfile(self)  # off the record: no disk cache or cookies
        self.interceptor = LocalOnlyInterceptor(self._profile)
        self._profile.setUrlRequestInterceptor(self.interceptor)
        page = _Page(self._profile, self._view)
        settings = page.settings()
        attribute = QWebEngineSettings.WebAttribute
        settings.setAttribute(attribute.LocalContentCanAccessRemoteUrls, False)
        settings.setAttribute(attribute.LocalContentCanAccessFileUrls, True)
        self._view.setPage(page)

        self._bridge = MapBridge(self)
        self._bridge.received.connect(self._on_bridge_received)
        self._channel = QWebChannel(self)
        self._channel.registerObject("bridge", self._bridge)
        page.setWebChannel(self._channel)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._view)

        if cache_dir is None:
            cache_dir = Path(tempfile.mkdtemp(prefix="territory-map-"))
            # The page is read once, at load: its folder goes with the widget, or at exit.
            self.destroyed.connect(weakref.finalize(self, shutil.rmtree, cache_dir, True))
        self._page_path = build_map_page(cache_dir)
        self._view.load(QUrl.fromLocalFile(str(self._page_path)))

    # ------------------------------------------------------------------ state

    @property
    def web_view(self) -> QWebEngineView:
        """The underlying view (for tests and screenshots)."""
        return self._view

    @property
    def is_ready(self) -> bool:
        """True once the page has announced ``page_ready``."""
        return self._ready

    @property
    def blocked_requests(self) -> list[str]:
        """URLs of non-local requests the page attempted (all were blocked)."""
        return list(self.interceptor.blocked)

    # ------------------------------------------------------------------ Python -> page

    def show_layers(
        self, territories: dict[str, Any], accounts: AccountPoints, reps: dict[str, Any],
        *, fit: bool = False,
    ) -> int:
        """Draw territories, accounts and rep homes, replacing what is shown.

        Acknowledged by :attr:`layers_shown`. The page fits the view to the data when ``fit``
        is True, the first time, and whenever none of the data would be in view. Account cards
        are sent when the page asks for one (a pointer on the account). Returns the command's
        sequence number.
        """
        self._accounts = accounts
        return self._send(
            "show_layers",
            territories=check_feature_collection(territories, "territories"),
            accounts=accounts.columns,
            reps=check_feature_collection(reps, "reps"),
            fit=fit,
        )

    def show_basemap(self, basemap: dict[str, Any] | None) -> int:
        """Draw the offline basemap (None removes it).

        ``basemap`` comes from :func:`territory_desktop.mapping.basemap.basemap_geojson`.
        """
        if basemap is not None:
            check_feature_collection(basemap, "basemap")
        return self._send("show_basemap", basemap=basemap)

    def select_territory(self, tid: str | None) -> int:
        """Outline one territory as selected (None clears the selection)."""
        return self._send("select_territory", tid=tid)

    def zoom_to_territory(self, tid: str) -> int:
        """Fit the view to a territory."""
        return self._send("zoom_to_territory", tid=tid)

    def zoom_to_all(self) -> int:
        """Fit the view to all territories, accounts and rep homes."""
        return self._send("zoom_to_all")

    def zoom_to_account(self, aid: str) -> int:
        """Centre on an account and show its details."""
        return self._send("zoom_to_account", aid=aid, card=self._card(aid))

    def highlight_accounts(self, ids: list[str], reason_by_id: dict[str, str] | None = None) -> int:
        """Ring these accounts in red, with an optional reason in their tooltip ([] clears)."""
        cards = (self._card(i) for i in ids)
        names = {c["id"]: c["name"] for c in cards if c is not None}
        return self._send("highlight_accounts", ids=list(ids), reasons=dict(reason_by_id or {}),
                          names=names)

    def _card(self, aid: str) -> dict[str, Any] | None:
        return self._accounts.card(aid) if self._accounts is not None else None

    def show_route(self, route: dict[str, Any] | None, *, fit: bool = True) -> int:
        """Draw a route and, when ``fit``, zoom to it; None clears.

        ``route`` comes from :func:`territory_desktop.mapping.layers.route_collection`.
        """
        if route is not None:
            check_feature_collection(route, "route")
        return self._send("show_route", route=route, fit=fit)

    def zoom_to_route(self) -> int:
        """Fit the view to the route on the map (nothing happens without one)."""
        return self._send("zoom_to_route")

    def show_hint(self, text: str) -> int:
        """Show a short "what to do next" line over the map ("" hides it)."""
        return self._send("show_hint", text=text)

    def show_isochrone(self, isochrone: dict[str, Any] | None) -> int:
        """Draw reachable areas; None clears.

        ``isochrone`` comes from :func:`~territory_desktop.mapping.layers.isochrone_collection`.
        """
        if isochrone is not None:
            check_feature_collection(isochrone, "isochrone")
        return self._send("show_isochrone", isochrone=isochrone)

    def show_choropleth(self, choropleth: dict[str, Any] | None,
                        sizes: dict[str, Any] | None = None) -> int:
        """Colour the territories by a KPI and size the accounts; None restores the colours.

        ``choropleth`` comes from :func:`territory_desktop.mapping.health_layer.choropleth`,
        ``sizes`` from :func:`~territory_desktop.mapping.health_layer.account_sizes` (None: by
        tier). Both last across redraws of the layers until replaced.
        """
        return self._send("show_choropleth", choropleth=choropleth, sizes=sizes)

    def show_signals(self, signals: list[dict[str, Any]] | None) -> int:
        """Mark the territories with health signals (a badge, an outline); None clears.

        ``signals`` comes from :func:`territory_desktop.mapping.health_layer.signal_badges`.
        """
        return self._send("show_signals", signals=signals)

    def show_borders(self, borders: dict[str, Any] | None) -> int:
        """Draw two alignments' territory borders, old dashed grey, new solid; None clears.

        ``borders`` comes from :func:`territory_desktop.mapping.borders.comparison_borders`;
        the map's legend names both sides while they are shown.
        """
        if borders is not None:
            check_feature_collection(borders["before"], "borders before")
            check_feature_collection(borders["after"], "borders after")
        return self._send("show_borders", borders=borders)

    def start_pick_point(self, text: str) -> int:
        """Let the user click one place on the map (``text`` says what for).

        Reported by :attr:`point_picked`; Esc or :meth:`cancel_gesture` abandons it.
        """
        return self._send("start_pick_point", text=text)

    def show_units(self, units: dict[str, Any] | None) -> int:
        """Draw a unit layer's outlines (None hides them and ends unit gestures).

        ``units`` comes from :func:`territory_desktop.mapping.unit_layer.units_collection`;
        colour them with :meth:`paint_units`. While units are shown, the page reports clicks,
        boxes and lassos on them through :attr:`units_picked`.
        """
        if units is not None:
            check_feature_collection(units, "units")
        return self._send("show_units", units=units)

    def paint_units(self, colors: dict[str, Any]) -> int:
        """Colour the shown units by territory.

        ``colors`` comes from :func:`territory_desktop.mapping.unit_layer.unit_colors`.
        """
        return self._send("paint_units", **colors)

    def start_draw_polygon(self) -> int:
        """Let the user draw a new polygon (with snapping); reported by :attr:`polygon_drawn`."""
        return self._send("start_draw_polygon")

    def start_edit_territory(self, tid: str) -> int:
        """Let the user move that territory's vertices, snapping to its neighbours' borders.

        :meth:`finish_edit` reports the result through :attr:`territory_reshaped`.
        """
        return self._send("start_edit_territory", tid=tid)

    def finish_edit(self) -> int:
        """End vertex editing and report the edited outline (nothing when no edit is open)."""
        return self._send("finish_edit")

    def start_split(self, tid: str) -> int:
        """Let the user draw a line across a territory; reported by :attr:`split_line_drawn`."""
        return self._send("start_split", tid=tid)

    def cancel_gesture(self) -> int:
        """Abandon any drawing or editing in progress; nothing is reported."""
        return self._send("cancel_gesture")

    def _send(self, cmd: str, **args: Any) -> int:
        self._seq += 1
        text = encode_command(cmd, self._seq, args)
        if self._ready:
            self._bridge.command.emit(text)
        else:
            self._queue.append(text)
        return self._seq

    # ------------------------------------------------------------------ page -> Python

    def _on_bridge_received(self, text: str) -> None:
        try:
            msg = parse_page_message(text)
        except BridgeMessageError as exc:
            log.warning("map bridge: ignored a malformed message (%s): %.200s", exc, text)
            self.message_rejected.emit(str(exc))
            return
        d = msg.data
        if msg.event == "page_ready":
            self._ready = True
            queued, self._queue = self._queue, []
            for queued_text in queued:
                self._bridge.command.emit(queued_text)
            self.page_ready.emit()
        elif msg.event == "rendered":
            self.rendered.emit(d["cmd"], d["count"])
            if d["cmd"] == "show_layers":
                self.layers_shown.emit(d["count"])
        elif msg.event == "polygon_drawn":
            self.polygon_drawn.emit(d["geometry"])
        elif msg.event == "territory_reshaped":
            self.territory_reshaped.emit(d["tid"], d["geometry"])
        elif msg.event == "split_line_drawn":
            self.split_line_drawn.emit(d["tid"], d["geometry"])
        elif msg.event == "territory_clicked":
            self.territory_clicked.emit(d["tid"])
        elif msg.event == "account_clicked":
            self.account_clicked.emit(d["aid"])
        elif msg.event == "account_card_requested":
            self._send("account_card", aid=d["aid"], card=self._card(d["aid"]))
        elif msg.event == "point_picked":
            self.point_picked.emit(d["lat"], d["lon"])
        elif msg.event == "gesture_changed":
            self.gesture_changed.emit(d["mode"], d["tid"])
        elif msg.event == "units_picked":
            self.units_picked.emit(d["tid"], d["how"], d["geometry"])
        elif msg.event == "error":
            log.warning("map page error: %s", d["message"])
            self.map_error.emit(d["message"])

    def run_js(self, script: str, callback: Any) -> None:
        """Evaluate ``script`` in the page; ``callback`` gets the result parsed from JSON.

        The script's value is passed through ``JSON.stringify`` (runJavaScript returns '' for
        objects). For tests and diagnostics only: the page's API is the bridge.
        """
        wrapped = f"JSON.stringify((function(){{ return ({script}); }})())"
        self._view.page().runJavaScript(
            wrapped, 0, lambda result: callback(json.loads(result) if result else None)
        )
