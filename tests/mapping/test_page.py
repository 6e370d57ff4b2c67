from __future__ import annotations

import json
import re

from territory_desktop.mapping.page import ATTRIBUTION, build_map_page


def test_page_loads_only_local_assets(tmp_path):
    html = build_map_page(tmp_path).read_text(encoding="utf-8")
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, "the page must load Leaflet, Geoman, qwebchannel and map.js"
    assert all(u.startswith(("file://", "qrc:///")) for u in urls), urls
    assert not re.search(r"https?://", html)
    names = " ".join(urls)
    for needed in ("leaflet.js", "leaflet-geoman.js", "qwebchannel.js", "map.js", "map.css"):
        assert needed in names
    assert "preferCanvas" in html and '"preferCanvas": true' in html
    assert "TD.attach(" in html
    assert json.dumps(ATTRIBUTION) in html
    # TD.attach runs after the map is created
    assert html.index("L.map(") < html.index("TD.attach(")
