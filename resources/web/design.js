/*
 * Territory design on the map (loaded after map.js): the borders of two compared alignments,
 * and picking one place (a new rep's home).
 *
 *   show_borders     {borders: {before: FC, after: FC, before_name, after_name} | null}
 *                    old borders dashed grey, new ones solid in their territory colours, on a
 *                    pane above the territories that never takes a click; a legend names both.
 *   start_pick_point {text}   the next click on the map is reported as
 *                    {event: "point_picked", geometry: Point}; Esc abandons it.
 * Python (mapping/borders.py) builds the lines; as in map.js, data text goes in as textContent.
 */
(function () {
  'use strict';

  var TD = window.TD;
  var S = TD.state;
  var el = TD.el;
  var OLD_BORDER = '#616161';

  S.comparison = null;      // {before: n, after: n, before_name, after_name} while shown
  S.comparisonLayers = [];
  S.comparisonLegend = null;
  S.picking = null;         // {text, hintBefore} while a point is being picked
  var pane = null;
  var renderer = null;

  function safeColor(value) {
    return (typeof value === 'string' && /^#[0-9a-fA-F]{6}$/.test(value)) ? value : OLD_BORDER;
  }

  function requireCollection(fc, what) {
    if (!fc || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) {
      throw new Error('show_borders: ' + what + ' is not a FeatureCollection');
    }
    return fc;
  }

  function ensurePane() {
    if (pane) { return; }
    pane = S.map.createPane('comparison');
    pane.style.zIndex = 450;          // above the territories (400), below labels (550)
    pane.style.pointerEvents = 'none';
    renderer = L.canvas({ pane: 'comparison', padding: 0.3 });
  }

  function lines(fc, style) {
    return L.geoJSON(fc, {
      pane: 'comparison', renderer: renderer, interactive: false, pmIgnore: true,
      snapIgnore: true, style: style
    });
  }

  function clearBorders() {
    S.comparisonLayers.forEach(function (layer) { S.map.removeLayer(layer); });
    S.comparisonLayers = [];
    S.comparison = null;
    if (S.comparisonLegend) { S.map.removeControl(S.comparisonLegend); S.comparisonLegend = null; }
  }

  function legendItem(box, dashed, color, text) {
    var row = box.appendChild(el('div', 'td-key-item td-border-key'));
    var line = row.appendChild(el('span', 'td-border-line'));
    line.style.borderTopColor = color;
    line.style.borderTopStyle = dashed ? 'dashed' : 'solid';
    row.appendChild(el('span', null, text));
  }

  function showBorders(b) {
    clearBorders();
    if (b === null) { return 0; }
    if (typeof b !== 'object') { throw new Error('show_borders: not a comparison'); }
    var before = requireCollection(b.before, 'before');
    var after = requireCollection(b.after, 'after');
    ensurePane();
    var old = lines(before, function () {
      return { color: OLD_BORDER, weight: 2.5, opacity: 0.95, dashArray: '7,6', fill: false };
    });
    // The new borders first underneath in white, so a colour never vanishes on its own fill.
    var halo = lines(after, function () {
      return { color: '#ffffff', weight: 5, opacity: 0.8, fill: false };
    });
    var now = lines(after, function (f) {
      return { color: safeColor(f.properties && f.properties.color), weight: 3, opacity: 1,
        fill: false };
    });
    [halo, now, old].forEach(function (layer) { layer.addTo(S.map); });
    S.comparisonLayers = [halo, now, old];
    S.comparison = { before: before.features.length, after: after.features.length,
      before_name: String(b.before_name || ''), after_name: String(b.after_name || '') };
    // Bottom left, above the scale: the right edge is the legends' column, the top the hint's.
    S.comparisonLegend = L.control({ position: 'bottomleft' });
    S.comparisonLegend.onAdd = function () {
      var box = el('div', 'td-legend td-comparison-legend leaflet-bar');
      L.DomEvent.disableClickPropagation(box);
      box.appendChild(el('div', 'td-legend-title', 'Borders compared'));
      legendItem(box, true, OLD_BORDER, 'Before: ' + S.comparison.before_name);
      legendItem(box, false, '#37474f', 'After: ' + S.comparison.after_name +
        ' (territory colours)');
      return box;
    };
    S.comparisonLegend.addTo(S.map);
    return S.comparison.before + S.comparison.after;
  }

  // ------------------------------------------------------------------ picking a point

  function stopPicking() {
    if (!S.picking) { return; }
    var hint = S.picking.hintBefore;
    S.picking = null;
    S.map.getContainer().style.cursor = '';
    TD.commands.show_hint({ text: hint });
  }

  function startPicking(text) {
    stopPicking();
    S.picking = { text: String(text || 'Click the map'), hintBefore: S.hintText };
    S.map.getContainer().style.cursor = 'crosshair';
    TD.commands.show_hint({ text: S.picking.text + ' (Esc cancels)' });
    return 1;
  }

  function onMapClick(e) {
    if (!S.picking || !e.latlng) { return; }
    var ll = e.latlng.wrap();
    stopPicking();
    S.bridge.post(JSON.stringify({ event: 'point_picked',
      geometry: { type: 'Point', coordinates: [ll.lng, ll.lat] } }));
  }

  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') { stopPicking(); }
  });

  var cancelGesture = TD.commands.cancel_gesture;
  TD.commands.cancel_gesture = function (a) { stopPicking(); return cancelGesture(a); };
  TD.commands.show_borders = function (a) {
    return showBorders(a.borders === undefined ? null : a.borders);
  };
  TD.commands.start_pick_point = function (a) {
    if (!S.map._tdPickWired) { S.map.on('click', onMapClick); S.map._tdPickWired = true; }
    return startPicking(a.text);
  };
}());
