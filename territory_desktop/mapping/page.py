"""The thin map page: folium lays out an empty Leaflet map; our ``map.js`` draws what Python sends.

The page loads only local files: Leaflet and Leaflet-Geoman from ``resources/web/vendor/`` (see
``scripts/install_web_assets.py``), our ``map.js``/``map.css`` from ``resources/web/`` and
``qwebchannel.js`` from Qt's resources. No tiles are configured: the basemap is drawn from the OSM
extract. Data never goes into the HTML; it arrives through the bridge after the page is up, so the
page is small and written once to a file (``setHtml`` fails above 2 MB).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import folium
from branca.element import MacroElement
from jinja2 import Template

from territory_desktop.resources import resource_path

__all__ = ["ATTRIBUTION", "MapAssetsError", "build_map_page", "local_assets"]

ATTRIBUTION = "© OpenStreetMap contributors"
QWEBCHANNEL_JS = "qrc:///qtwebchannel/qwebchannel.js"

_VENDOR_JS = (
    ("leaflet", ("vendor", "leaflet", "leaflet.js")),
    ("geoman", ("vendor", "geoman", "leaflet-geoman.js")),
)
_VENDOR_CSS = (
    ("leaflet_css", ("vendor", "leaflet", "leaflet.css")),
    ("geoman_css", ("vendor", "geoman", "leaflet-geoman.css")),
)
_OWN_JS = (("territory_map", ("map.js",)), ("territory_health", ("health.js",)),
           ("territory_units", ("units.js",)),
           ("territory_design", ("design.js",)))
_OWN_CSS = (("territory_map_css", ("map.css",)),)


class MapAssetsError(RuntimeError):
    """The map's web assets are missing; the message says how to install them."""


def local_assets() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(js, css) as folium ``(name, url)`` lists of local ``file://`` URLs, in load order.

    Raises
    ------
    MapAssetsError
        If a vendor or own file is missing.
    """
    js: list[tuple[str, str]] = []
    css: list[tuple[str, str]] = []
    missing = []
    for target, entries in ((js, _VENDOR_JS), (css, _VENDOR_CSS), (css, _OWN_CSS)):
        for name, parts in entries:
            path = resource_path("web", *parts)
            if not path.is_file():
                missing.append(str(path))
            target.append((name, path.as_uri()))
    js.append(("qwebchannel", QWEBCHANNEL_JS))
    for name, parts in _OWN_JS:
        path = resource_path("web", *parts)
        if not path.is_file():
            missing.append(str(path))
        js.append((name, path.as_uri()))
    if missing:
        raise MapAssetsError(
            "map web assets are missing (" + ", ".join(missing) + "); "
            "run `python scripts/install_web_assets.py`"
        )
    return js, css


class _LocalMap(folium.Map):
    """A folium map that loads only local assets.

    ``default_js``/``default_css`` are set per instance: folium's class-level lists point at CDNs
    and are shared by every map (``add_js_link`` would mutate them for everyone).
    """

    def __init__(self, js: list[tuple[str, str]], css: list[tuple[str, str]], **kwargs: Any):
        super().__init__(**kwargs)
        self.default_js = js
        self.default_css = css


class _Attach(MacroElement):
    """Hands the folium-created map to our page logic; rendered after the map is created."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "TD.attach({{ this._parent.get_name() }}, {{ this.options_json }});"
        "{% endmacro %}"
    )

    def __init__(self, options: dict[str, object]) -> None:
        # branca ships py.typed but leaves MacroElement.__init__ unannotated.
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "TerritoryAttach"
        # json.dumps does not escape "</": do it so the options can never close the script tag.
        self.options_json = json.dumps(options).replace("</", "<\\/")


def build_map_page(directory: Path) -> Path:
    """Write the map page into ``directory``; return its path.

    The page creates an empty canvas-rendered Leaflet map and hands it to ``TD.attach`` in
    ``map.js``, which connects the QWebChannel bridge and announces ``page_ready``.
    """
    js, css = local_assets()
    directory.mkdir(parents=True, exist_ok=True)
    fmap = _LocalMap(
        js,
        css,
        location=(20.0, 0.0),
        zoom_start=2,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
        attribution_control=True,
    )
    fmap.add_child(_Attach({"attribution": ATTRIBUTION}))
    path = directory / "map.html"
    path.write_text(fmap.get_root().render(), encoding="utf-8")
    return path
