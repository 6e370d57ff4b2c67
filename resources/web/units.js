/*
 * Geographic units on the map (loaded after map.js): thin outlines coloured by territory, and
 * the gestures that give units to the selected territory.
 *
 *   show_units  {units: FeatureCollection {title, features: [{properties: {id, name}}]} | null}
 *   paint_units {colors: [...], owners: [...], names: {tid: name}}   (one entry per unit)
 *
 * Gestures (only while units are shown and a territory is selected):
 *   click             -> {event: 'units_picked', how: 'click', tid, geometry: Point}
 *   Shift+drag        -> how: 'box',   geometry: the box as a Polygon
 *   Alt+drag, or the Lasso button then drag -> how: 'lasso', geometry: the freehand Polygon
 * Esc (or Python's cancel_gesture) abandons a box or lasso under way. Ctrl+click selects the
 * territory under the pointer instead. Python decides which units a shape picks and answers
 * with the new plan; this file keeps no edit.
 */
(function () {
  'use strict';

  var TD = window.TD;
  var S = TD.state;
  var el = TD.el;
  var MIN_DRAG_PX = 4;       // less is a click, not a box
  var LASSO_STEP_PX = 3;     // a freehand point every few pixels
  var SHAPE_STYLE = { color: '#0b57d0', weight: 2, dashArray: '5,4', fillColor: '#0b57d0',
    fillOpacity: 0.08, interactive: false };

  var U = {
    layer: null,       // L.GeoJSON of the outlines (their own non-interactive canvas)
    title: '',
    ids: [],           // unit ids, layer order
    paths: [],         // Leaflet layers, layer order
    owners: [],        // territory id or '' per unit
    names: {},
    control: null,
    lassoArmed: false,
    drag: null,        // {how, points: [LatLng], start: Point, far: px, shape: L.Layer}
    swallowClick: false
  };
  S.units = U;
  var renderer = null;

  function post(message) {
    if (S.bridge) { S.bridge.post(JSON.stringify(message)); }
  }

  function safeColor(value) {
    return (typeof value === 'string' && /^#[0-9a-fA-F]{6}$/.test(value)) ? value : '#9e9e9e';
  }

  // The territory's colour, darker: a unit outline stands out on its territory's fill.
  function darker(hex) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgb(' + [(n >> 16) & 255, (n >> 8) & 255, n & 255].map(function (c) {
      return Math.round(c * 0.6);
    }).join(',') + ')';
  }

  function active() { return !!U.layer && !S.gesture; }

  // The selected territory's name; one without an outline yet is named by the legend.
  function selectedName() {
    if (!S.selected) { return ''; }
    var item = S.legendItems.filter(function (t) { return t.id === S.selected; })[0];
    return String((item && item.name) || S.selected);
  }

  // ------------------------------------------------------------------ drawing

  function showUnits(fc) {
    cancelDrag();
    if (U.layer) { S.map.removeLayer(U.layer); U.layer = null; }
    U.ids = []; U.paths = []; U.owners = []; U.names = {};
    U.lassoArmed = false;
    if (fc === null) { updateControl(); return 0; }
    if (!fc || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) {
      throw new Error('show_units: not a FeatureCollection');
    }
    if (!renderer) {
      // A pane above the territories that lets every click through to them.
      var pane = S.map.createPane('units');
      pane.style.zIndex = 450;
      pane.style.pointerEvents = 'none';
      renderer = L.canvas({ pane: 'units', padding: 0.3 });
    }
    U.title = String(fc.title || 'Units');
    U.layer = L.geoJSON(fc, {
      renderer: renderer, interactive: false, pmIgnore: true, snapIgnore: true,
      style: function () {
        return { color: '#616161', weight: 1, opacity: 0.9, fill: false, interactive: false };
      },
      onEachFeature: function (f, layer) {
        U.ids.push(String((f.properties || {}).id));
        U.paths.push(layer);
        U.owners.push('');
      }
    }).addTo(S.map);
    updateControl();
    return U.ids.length;
  }

  function paintUnits(a) {
    if (!U.layer) { return 0; }
    if (!Array.isArray(a.colors) || a.colors.length !== U.paths.length ||
        !Array.isArray(a.owners) || a.owners.length !== U.paths.length) {
      throw new Error('paint_units: one colour and owner per unit expected');
    }
    U.owners = a.owners.map(function (t) { return typeof t === 'string' ? t : ''; });
    U.names = (a.names && typeof a.names === 'object') ? a.names : {};
    U.paths.forEach(function (path, i) {
      var owned = !!U.owners[i];
      path.setStyle({ color: owned ? darker(safeColor(a.colors[i])) : '#757575',
        weight: owned ? 1.2 : 0.8, opacity: owned ? 0.95 : 0.7, dashArray: owned ? null : '3,3' });
    });
    updateControl();
    return U.paths.length;
  }

  // ------------------------------------------------------------------ the control

  function buildControl() {
    var c = L.control({ position: 'topleft' });
    c.onAdd = function () {
      var box = el('div', 'td-units leaflet-bar');
      box.appendChild(el('div', 'td-units-title'));
      box.appendChild(el('div', 'td-units-target'));
      var lasso = el('button', 'td-units-lasso', 'Lasso');
      lasso.type = 'button';
      lasso.title = 'Draw a freehand shape around units to add them (or Alt+drag); Esc cancels';
      lasso.addEventListener('click', function () {
        U.lassoArmed = !U.lassoArmed;
        updateControl();
      });
      box.appendChild(lasso);
      box.appendChild(el('div', 'td-units-help',
        'Click a unit · Shift+drag: box · Alt+drag: lasso · Esc cancels · Ctrl+click: select'));
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    return c;
  }

  function updateControl() {
    if (!S.map) { return; }
    if (!U.layer) {
      if (U.control) { S.map.removeControl(U.control); U.control = null; }
      return;
    }
    if (!U.control) { U.control = buildControl(); U.control.addTo(S.map); }
    var box = U.control.getContainer();
    box.querySelector('.td-units-title').textContent = U.title + ' units: ' + U.ids.length;
    var name = selectedName();
    box.querySelector('.td-units-target').textContent = name ? 'Adding to ' + name
      : 'Select a territory to add units to it';
    var lasso = box.querySelector('.td-units-lasso');
    lasso.classList.toggle('td-on', U.lassoArmed);
    lasso.textContent = U.lassoArmed ? 'Lasso: drag on the map' : 'Lasso';
  }

  // ------------------------------------------------------------------ gestures

  function wantsUnits(e) {
    return active() && !!S.selected && !(e && (e.ctrlKey || e.metaKey));
  }

  function pick(how, geometry) {
    post({ event: 'units_picked', tid: S.selected, how: how, geometry: geometry });
  }

  function onMapClick(e) {
    if (!wantsUnits(e.originalEvent)) { return; }
    pick('click', { type: 'Point', coordinates: [e.latlng.lng, e.latlng.lat] });
  }

  function inControl(target) {
    return !!(target && target.closest && target.closest('.leaflet-control'));
  }

  function onDown(e) {
    U.swallowClick = false;  // a new press: whatever click was pending is not coming
    if (e.button !== 0 || inControl(e.target) || !wantsUnits(e)) { return; }
    var how = e.shiftKey ? 'box' : ((e.altKey || U.lassoArmed) ? 'lasso' : null);
    if (!how) { return; }
    // Before Leaflet sees it: no map drag, no box zoom.
    e.preventDefault();
    e.stopPropagation();
    var ll = S.map.mouseEventToLatLng(e);
    U.drag = { how: how, points: [ll], start: S.map.mouseEventToContainerPoint(e), far: 0,
      shape: null };
    document.addEventListener('mousemove', onMove, true);
    document.addEventListener('mouseup', onUp, true);
  }

  function onMove(e) {
    var d = U.drag;
    if (!d) { return; }
    e.preventDefault();
    var ll = S.map.mouseEventToLatLng(e);
    d.far = Math.max(d.far, S.map.mouseEventToContainerPoint(e).distanceTo(d.start));
    if (d.how === 'box') {
      d.points = [d.points[0], ll];
      var bounds = L.latLngBounds(d.points);
      if (d.shape) { d.shape.setBounds(bounds); } else {
        d.shape = L.rectangle(bounds, L.extend({ renderer: renderer }, SHAPE_STYLE)).addTo(S.map);
      }
      return;
    }
    var last = S.map.latLngToContainerPoint(d.points[d.points.length - 1]);
    if (last.distanceTo(S.map.latLngToContainerPoint(ll)) < LASSO_STEP_PX) { return; }
    d.points.push(ll);
    if (d.shape) { d.shape.setLatLngs(d.points); } else {
      d.shape = L.polygon(d.points, L.extend({ renderer: renderer }, SHAPE_STYLE)).addTo(S.map);
    }
  }

  function onUp(e) {
    var d = U.drag;
    if (!d) { return; }
    e.preventDefault();
    e.stopPropagation();
    onMove(e);
    cancelDrag();
    U.swallowClick = true;  // the browser's click after this mouseup is not a unit click
    if (d.how === 'lasso') { U.lassoArmed = false; updateControl(); }
    if (d.far < MIN_DRAG_PX) { return; }  // the pointer hardly moved: not a shape
    var ring;
    if (d.how === 'box') {
      var b = L.latLngBounds(d.points);
      ring = [[b.getWest(), b.getSouth()], [b.getEast(), b.getSouth()],
        [b.getEast(), b.getNorth()], [b.getWest(), b.getNorth()]];
    } else {
      if (d.points.length < 3) { return; }
      ring = d.points.map(function (p) { return [p.lng, p.lat]; });
    }
    ring.push(ring[0].slice());
    pick(d.how, { type: 'Polygon', coordinates: [ring] });
  }

  function cancelDrag() {
    var d = U.drag;
    U.drag = null;
    document.removeEventListener('mousemove', onMove, true);
    document.removeEventListener('mouseup', onUp, true);
    if (d && d.shape) { S.map.removeLayer(d.shape); }
  }

  // Esc: abandon a box or lasso under way and disarm the Lasso button.
  function cancelUnitGesture() {
    var busy = !!U.drag || U.lassoArmed;
    // The button is still down: the click its release makes must not add a unit.
    if (U.drag) { U.swallowClick = true; }
    cancelDrag();
    U.lassoArmed = false;
    updateControl();
    return busy;
  }

  function onClickCapture(e) {
    if (U.swallowClick) {
      U.swallowClick = false;
      e.stopPropagation();
      e.preventDefault();
    }
  }

  // ------------------------------------------------------------------ wiring

  function install() {
    var container = S.map.getContainer();
    container.addEventListener('mousedown', onDown, true);
    container.addEventListener('click', onClickCapture, true);
    document.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') { cancelUnitGesture(); }
    });
    S.map.on('click', onMapClick);
  }

  // A click on a territory while adding units is a unit click: the map's click handler
  // reports it, so the territory must not be selected instead.
  TD.hooks.territoryClick = function (p, e) {
    return wantsUnits(e && e.originalEvent);
  };

  var attach = TD.attach;
  TD.attach = function (map, options) {
    attach(map, options);
    install();
  };

  var selectTerritory = TD.commands.select_territory;
  TD.commands.select_territory = function (a) {
    var n = selectTerritory(a);
    updateControl();
    return n;
  };
  var cancelGesture = TD.commands.cancel_gesture;
  TD.commands.cancel_gesture = function (a) {
    cancelUnitGesture();
    return cancelGesture(a);
  };
  TD.commands.show_units = function (a) { return showUnits(a.units === undefined ? null : a.units); };
  TD.commands.paint_units = function (a) { return paintUnits(a); };
}());
