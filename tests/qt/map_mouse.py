"""Mouse gestures made inside the map page, as a user's hand makes them."""

# Dispatch the mouse events a user's hand makes at map coordinates, to whatever element is
# under them (the territories' canvas: the units' pane lets the pointer through).
MOUSE_JS = """
(function () {
  var map = TD.state.map;
  function at(ll) {
    var p = map.latLngToContainerPoint(L.latLng(ll[0], ll[1]));
    var r = map.getContainer().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }
  function fire(type, pt, mods) {
    var target = document.elementFromPoint(pt.x, pt.y) || document.body;
    var init = { bubbles: true, cancelable: true, clientX: pt.x, clientY: pt.y, button: 0,
      buttons: type === 'mouseup' || type === 'click' ? 0 : 1, view: window };
    Object.keys(mods || {}).forEach(function (k) { init[k] = mods[k]; });
    target.dispatchEvent(new MouseEvent(type, init));
    return target.tagName;
  }
  window.TDTest = {
    click: function (ll, mods) {
      var pt = at(ll);
      fire('mousedown', pt, mods); fire('mouseup', pt, mods); return fire('click', pt, mods);
    },
    drag: function (lls, mods, release) {
      var first = at(lls[0]);
      fire('mousedown', first, mods);
      lls.slice(1).forEach(function (ll) { fire('mousemove', at(ll), mods); });
      if (release) {
        var last = at(lls[lls.length - 1]);
        fire('mouseup', last, mods); fire('click', last, mods);
      }
      return lls.length;
    },
    // The pointer moved over the map, no button held.
    hover: function (ll) { return fire('mousemove', at(ll), { buttons: 0 }); },
    release: function (ll, mods) {
      var pt = at(ll);
      fire('mouseup', pt, mods); return fire('click', pt, mods);
    },
    // Whether the point is in view and no control (legend, units box) covers it.
    open: function (ll) {
      if (!map.getBounds().pad(-0.05).contains(L.latLng(ll[0], ll[1]))) { return false; }
      var pt = at(ll);
      var el = document.elementFromPoint(pt.x, pt.y);
      return !!el && el.tagName === 'CANVAS';
    }
  };
  return 1;
}())
"""


def click_map(qtbot, view, x: float, y: float) -> None:
    """Left-click for real on the map page at container pixel (x, y)."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    QTest.mouseClick(view.web_view.focusProxy(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, QPoint(round(x), round(y)))


def page_value(qtbot, view, expression: str, timeout: int = 10_000):
    """Evaluate ``expression`` in the map page and return its value (a JSON round trip)."""
    out: list = []
    view.run_js(expression, out.append)
    qtbot.waitUntil(lambda: bool(out), timeout=timeout)
    return out[0]
