/*
 * Territory Desktop map page.
 *
 * The page is a function of state: Python sends GeoJSON and commands through one QWebChannel
 * object (`bridge`), the page draws them and reports user gestures back. It never keeps an edit:
 * after a gesture, Python answers with the new state.
 *
 * Protocol (JSON text both ways):
 *   Python -> page  {cmd, seq, args}      via the bridge signal `command(str)`
 *   page -> Python  {event, ...}          via the bridge slot `post(str)`
 * Every command is acknowledged with {event: "rendered", cmd, seq, count} once drawn; anything
 * malformed is reported as {event: "error", message} and ignored.
 *
 * All text that comes from data (names, addresses, reasons) is rendered with textContent; this
 * file never assigns data to innerHTML, and never passes strings to Leaflet tooltips or popups
 * (Leaflet would insert them as HTML): content is always a DOM element.
 */
(function () {
  'use strict';

  var TIER_RADIUS = { A: 7, B: 5, C: 3.5 };
  var UNASSIGNED_FILL = '#9e9e9e';
  var UNASSIGNED_RING = '#222222';
  var HIGHLIGHT = '#e00000';
  var SNAP = { snappable: true, snapDistance: 20 };
  var ROAD_STYLE = {
    motorway: { weight: 3.2, color: '#a9a9a9' },
    trunk: { weight: 2.8, color: '#b0b0b0' },
    primary: { weight: 2.4, color: '#b8b8b8' },
    secondary: { weight: 1.9, color: '#c2c2c2' },
    tertiary: { weight: 1.5, color: '#c8c8c8' },
    residential: { weight: 1.0, color: '#d2d2d2' },
    unclassified: { weight: 1.0, color: '#d2d2d2' },
    service: { weight: 0.6, color: '#dadada' },
    other: { weight: 0.6, color: '#dadada' }
  };

  var S = {
    map: null,
    bridge: null,
    renderer: null,       // one canvas for everything interactive: only the top canvas gets events
    baseRenderer: null,   // basemap canvas, below, not interactive
    territories: null,    // L.FeatureGroup
    territoryById: {},
    territoryProps: [],
    accounts: null,
    accountById: {},
    reps: null,
    highlight: null,
    route: null,
    isochrone: null,
    basemap: null,        // {bands: [...], layers: {band: L.Layer}, places: [...], shown: band}
    selected: null,
    gesture: null,
    legend: null,
    labelPane: null,
    fitted: false
  };

  // ---------------------------------------------------------------- helpers

  function post(message) {
    if (S.bridge) {
      S.bridge.post(JSON.stringify(message));
    }
  }

  function reportError(message) {
    post({ event: 'error', message: String(message) });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function safeColor(value, fallback) {
    return (typeof value === 'string' && /^#[0-9a-fA-F]{6}$/.test(value)) ? value : fallback;
  }

  function isCollection(fc) {
    return fc !== null && typeof fc === 'object' && fc.type === 'FeatureCollection' &&
      Array.isArray(fc.features);
  }

  function requireCollection(fc, what) {
    if (!isCollection(fc)) { throw new Error(what + ' is not a GeoJSON FeatureCollection'); }
    return fc;
  }

  function latLngOf(feature) {
    var g = feature && feature.geometry;
    if (!g || g.type !== 'Point' || !Array.isArray(g.coordinates)) { return null; }
    var lon = g.coordinates[0];
    var lat = g.coordinates[1];
    if (!isFinite(lon) || !isFinite(lat)) { return null; }
    return L.latLng(lat, lon);
  }

  function addRow(card, label, value) {
    if (value === undefined || value === null || value === '') { return; }
    var row = el('div', 'td-row');
    row.appendChild(el('span', 'td-key', label));
    row.appendChild(el('span', 'td-val', value));
    card.appendChild(row);
  }

  function accountCard(p) {
    var card = el('div', 'td-card');
    card.appendChild(el('div', 'td-title', p.name));
    addRow(card, 'Tier', p.tier);
    addRow(card, 'Territory', p.assigned ? p.territory_name : 'unassigned');
    if (p.reason && p.reason !== 'map') { addRow(card, 'Why', p.reason); }
    addRow(card, 'Address', p.address);
    addRow(card, 'Segment', p.segment);
    addRow(card, 'Industry', p.industry);
    if (typeof p.potential === 'number') { addRow(card, 'Potential', p.potential.toLocaleString()); }
    if (p.approximate) { card.appendChild(el('div', 'td-note', 'Approximate location')); }
    return card;
  }

  function territoryCard(p) {
    var card = el('div', 'td-card');
    card.appendChild(el('div', 'td-title', p.name));
    addRow(card, 'Rep', p.rep_name || 'no rep');
    if (typeof p.accounts === 'number') { addRow(card, 'Accounts', p.accounts); }
    if (p.locked) { card.appendChild(el('div', 'td-note', 'Locked')); }
    return card;
  }

  function repCard(p) {
    var card = el('div', 'td-card');
    card.appendChild(el('div', 'td-title', p.name));
    card.appendChild(el('div', 'td-note', 'Home base'));
    if (Array.isArray(p.territories) && p.territories.length) {
      addRow(card, 'Territories', p.territories.join(', '));
    }
    return card;
  }

  // Acknowledge after the canvas has painted: Leaflet's canvas redraws on the next animation
  // frame, so the second frame callback runs once the drawing is on screen.
  function ack(cmd, seq, count) {
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        post({ event: 'rendered', cmd: cmd, seq: seq, count: count });
      });
    });
  }

  // ---------------------------------------------------------------- labels

  // One simple label layer for territory names and place names: greedy placement by priority,
  // skipping labels that would overlap one already placed. Rebuilt on every move/zoom end.
  var measureCtx = document.createElement('canvas').getContext('2d');
  var LABEL_FONTS = {
    territory: 'bold 13px sans-serif',
    place: '12px sans-serif',
    'place-major': 'bold 13px sans-serif',
    street: 'italic 11px sans-serif'
  };

  function textWidth(text, kind) {
    measureCtx.font = LABEL_FONTS[kind] || LABEL_FONTS.place;
    return measureCtx.measureText(text).width;
  }

  function layoutLabels() {
    var map = S.map;
    if (!map || !S.labelPane) { return; }
    var pane = S.labelPane;
    while (pane.firstChild) { pane.removeChild(pane.firstChild); }
    var zoom = map.getZoom();
    var size = map.getSize();
    var items = [];
    S.territoryProps.forEach(function (p) {
      if (S.gesture && S.gesture.mode === 'edit' && S.gesture.tid === p.id) { return; }
      items.push({ ll: p.ll, text: p.name, kind: 'territory', priority: 0, color: p.color });
    });
    if (S.basemap) {
      S.basemap.places.forEach(function (pl) {
        if (zoom >= pl.min_zoom) {
          var kind = pl.kind === 'street' ? 'street' : (pl.rank <= 1 ? 'place-major' : 'place');
          items.push({ ll: pl.ll, text: pl.name, kind: kind, priority: 1 + pl.rank });
        }
      });
    }
    items.sort(function (a, b) { return a.priority - b.priority; });
    var placed = [];
    var shown = 0;
    for (var i = 0; i < items.length && shown < 400; i++) {
      var it = items[i];
      var cp = map.latLngToContainerPoint(it.ll);
      if (cp.x < -50 || cp.y < -20 || cp.x > size.x + 50 || cp.y > size.y + 20) { continue; }
      var w = textWidth(it.text, it.kind) + 6;
      var h = 16;
      var box = { x0: cp.x - w / 2, y0: cp.y - h / 2, x1: cp.x + w / 2, y1: cp.y + h / 2 };
      var clash = false;
      for (var j = 0; j < placed.length; j++) {
        var o = placed[j];
        if (box.x0 < o.x1 && box.x1 > o.x0 && box.y0 < o.y1 && box.y1 > o.y0) { clash = true; break; }
      }
      if (clash) { continue; }
      placed.push(box);
      var node = el('div', 'td-label td-label-' + it.kind, it.text);
      if (it.kind === 'territory') { node.style.color = shade(it.color); }
      var lp = map.latLngToLayerPoint(it.ll);
      L.DomUtil.setPosition(node, L.point(Math.round(lp.x - w / 2), Math.round(lp.y - h / 2)));
      pane.appendChild(node);
      shown++;
    }
  }

  // Darker version of a territory colour, legible on its own semi-transparent fill.
  function shade(hex) {
    var c = safeColor(hex, '#555555');
    var n = parseInt(c.slice(1), 16);
    var r = Math.round(((n >> 16) & 255) * 0.55);
    var g = Math.round(((n >> 8) & 255) * 0.55);
    var b = Math.round((n & 255) * 0.55);
    return 'rgb(' + r + ',' + g + ',' + b + ')';
  }

  // ---------------------------------------------------------------- layers

  function territoryStyle(p, selected) {
    var color = safeColor(p.color, UNASSIGNED_FILL);
    return {
      color: color,
      weight: selected ? 4 : 2,
      opacity: 0.9,
      fillColor: color,
      fillOpacity: selected ? 0.35 : 0.2
    };
  }

  function drawTerritories(fc) {
    requireCollection(fc, 'territories');
    if (S.territories) { S.map.removeLayer(S.territories); }
    S.territoryById = {};
    S.territoryProps = [];
    var group = L.featureGroup();
    var count = 0;
    fc.features.forEach(function (f) {
      var p = (f && f.properties) || {};
      if (typeof p.id !== 'string' || !f.geometry) { return; }
      var style = territoryStyle(p, p.id === S.selected);
      // pmIgnore: never edited in place (we edit a copy); snapIgnore false: still a snap target.
      var layer = L.GeoJSON.geometryToLayer(f, {
        style: style,
        renderer: S.renderer,
        pmIgnore: true,
        snapIgnore: false
      });
      if (layer.setStyle) { layer.setStyle(style); }
      layer.feature = f;
      layer.on('click', function () { post({ event: 'territory_clicked', tid: p.id }); });
      group.addLayer(layer);
      S.territoryById[p.id] = layer;
      var label = Array.isArray(p.label) ? L.latLng(p.label[1], p.label[0])
        : layer.getBounds().getCenter();
      S.territoryProps.push({ id: p.id, name: String(p.name || ''), color: p.color, ll: label,
        rep: String(p.rep_name || '') });
      count++;
    });
    group.bindTooltip(function (layer) { return territoryCard(layer.feature.properties); },
      { sticky: true, direction: 'top', opacity: 0.95 });
    group.addTo(S.map);
    S.territories = group;
    return count;
  }

  function accountStyle(p) {
    var radius = TIER_RADIUS[p.tier] || TIER_RADIUS.C;
    if (!p.assigned) {
      return {
        radius: radius + 0.5, fillColor: UNASSIGNED_FILL, fillOpacity: 0.9,
        color: UNASSIGNED_RING, weight: 2, dashArray: p.approximate ? '2,2' : null
      };
    }
    return {
      radius: radius, fillColor: safeColor(p.color, UNASSIGNED_FILL), fillOpacity: 0.9,
      color: '#ffffff', weight: 1, dashArray: p.approximate ? '2,2' : null
    };
  }

  function drawAccounts(fc) {
    requireCollection(fc, 'accounts');
    if (S.accounts) { S.map.removeLayer(S.accounts); }
    S.accountById = {};
    var group = L.featureGroup();
    var count = 0;
    var features = fc.features;
    for (var i = 0; i < features.length; i++) {
      var f = features[i];
      var p = (f && f.properties) || {};
      var ll = latLngOf(f);
      if (!ll || typeof p.id !== 'string') { continue; }
      var style = accountStyle(p);
      style.renderer = S.renderer;
      style.pmIgnore = true;
      style.snapIgnore = true;
      var marker = L.circleMarker(ll, style);
      marker.feature = f;
      group.addLayer(marker);
      S.accountById[p.id] = marker;
      count++;
    }
    group.bindTooltip(function (layer) { return accountCard(layer.feature.properties); },
      { direction: 'top', offset: [0, -6], opacity: 0.95 });
    group.on('click', function (e) {
      var p = e.layer && e.layer.feature && e.layer.feature.properties;
      if (!p) { return; }
      L.popup({ offset: [0, -4] }).setLatLng(e.layer.getLatLng()).setContent(accountCard(p))
        .openOn(S.map);
      post({ event: 'account_clicked', aid: p.id });
    });
    group.addTo(S.map);
    S.accounts = group;
    return count;
  }

  function drawReps(fc) {
    requireCollection(fc, 'reps');
    if (S.reps) { S.map.removeLayer(S.reps); }
    var group = L.featureGroup();
    var count = 0;
    fc.features.forEach(function (f) {
      var p = (f && f.properties) || {};
      var ll = latLngOf(f);
      if (!ll) { return; }
      var inner = el('div', 'td-rep-inner');
      inner.style.backgroundColor = safeColor(p.color, UNASSIGNED_FILL);
      var icon = L.divIcon({ className: 'td-rep', html: inner, iconSize: [16, 16] });
      var marker = L.marker(ll, { icon: icon, pmIgnore: true, snapIgnore: true, keyboard: false });
      marker.feature = f;
      group.addLayer(marker);
      count++;
    });
    group.bindTooltip(function (layer) { return repCard(layer.feature.properties); },
      { direction: 'top', offset: [0, -8], opacity: 0.95 });
    group.addTo(S.map);
    S.reps = group;
    return count;
  }

  // Draw order on the shared canvas: territories, isochrone, accounts, highlight, route.
  function restack() {
    if (S.isochrone) { S.isochrone.bringToBack(); }
    if (S.territories) { S.territories.bringToBack(); }
    if (S.highlight) { S.highlight.bringToFront(); }
    if (S.route) { S.route.bringToFront(); }
  }

  function allBounds() {
    var b = L.latLngBounds([]);
    [S.territories, S.accounts, S.reps].forEach(function (g) {
      if (g && g.getLayers().length) { b.extend(g.getBounds()); }
    });
    return b;
  }

  function updateLegend() {
    var box = S.legend && S.legend.getContainer();
    if (!box) { return; }
    while (box.firstChild) { box.removeChild(box.firstChild); }
    box.appendChild(el('div', 'td-legend-title', 'Territories'));
    var list = el('div', 'td-legend-list');
    S.territoryProps.slice().sort(function (a, b) { return a.name.localeCompare(b.name); })
      .forEach(function (p) {
        var row = el('div', 'td-legend-row');
        var sw = el('span', 'td-swatch');
        sw.style.backgroundColor = safeColor(p.color, UNASSIGNED_FILL);
        row.appendChild(sw);
        row.appendChild(el('span', 'td-legend-name', p.name));
        if (p.rep) { row.appendChild(el('span', 'td-legend-rep', p.rep)); }
        row.title = 'Zoom to ' + p.name;
        row.addEventListener('click', function () { zoomToTerritory(p.id); });
        list.appendChild(row);
      });
    box.appendChild(list);
    var key = el('div', 'td-legend-key');
    ['A', 'B', 'C'].forEach(function (tier) {
      var item = el('span', 'td-key-item');
      var dot = el('span', 'td-dot');
      var d = TIER_RADIUS[tier] * 2;
      dot.style.width = d + 'px';
      dot.style.height = d + 'px';
      item.appendChild(dot);
      item.appendChild(el('span', null, 'Tier ' + tier));
      key.appendChild(item);
    });
    var un = el('span', 'td-key-item');
    un.appendChild(el('span', 'td-dot td-dot-unassigned'));
    un.appendChild(el('span', null, 'Unassigned'));
    key.appendChild(un);
    var home = el('span', 'td-key-item');
    home.appendChild(el('span', 'td-rep-key'));
    home.appendChild(el('span', null, 'Rep home'));
    key.appendChild(home);
    box.appendChild(key);
  }

  // ---------------------------------------------------------------- basemap

  function roadStyle(feature) {
    var cls = (feature.properties && feature.properties['class']) || 'other';
    var s = ROAD_STYLE[cls] || ROAD_STYLE.other;
    return { color: s.color, weight: s.weight, opacity: 1, lineCap: 'round', lineJoin: 'round' };
  }

  function bandFor(zoom) {
    var bands = S.basemap.bands;
    for (var i = 0; i < bands.length; i++) {
      if (zoom < bands[i].max_zoom) { return bands[i].band; }
    }
    return bands.length ? bands[bands.length - 1].band : 0;
  }

  function showBasemapBand() {
    if (!S.basemap) { return; }
    var band = bandFor(S.map.getZoom());
    if (band === S.basemap.shown) { return; }
    if (S.basemap.shown !== null && S.basemap.layers[S.basemap.shown]) {
      S.map.removeLayer(S.basemap.layers[S.basemap.shown]);
    }
    var layer = S.basemap.layers[band];
    if (!layer) {
      var roads = S.basemap.roads.filter(function (f) { return f.properties.band === band; });
      // Major classes last so they are drawn over minor streets.
      var order = ['service', 'other', 'unclassified', 'residential', 'tertiary', 'secondary',
        'primary', 'trunk', 'motorway'];
      roads.sort(function (a, b) {
        return order.indexOf(a.properties['class']) - order.indexOf(b.properties['class']);
      });
      layer = L.geoJSON({ type: 'FeatureCollection', features: roads }, {
        style: roadStyle, renderer: S.baseRenderer, interactive: false,
        pmIgnore: true, snapIgnore: true
      });
      S.basemap.layers[band] = layer;
    }
    layer.addTo(S.map);
    S.basemap.shown = band;
  }

  function drawBasemap(fc) {
    if (S.basemap) {
      Object.keys(S.basemap.layers).forEach(function (k) { S.map.removeLayer(S.basemap.layers[k]); });
      S.basemap = null;
    }
    if (fc === null) { layoutLabels(); return 0; }
    requireCollection(fc, 'basemap');
    var bands = Array.isArray(fc.bands) ? fc.bands : [{ band: 0, max_zoom: 99 }];
    var roads = [];
    var places = [];
    fc.features.forEach(function (f) {
      var p = (f && f.properties) || {};
      if (p.kind === 'road' && f.geometry) {
        roads.push(f);
      } else if (p.kind === 'place' || p.kind === 'street') {
        var ll = latLngOf(f);
        if (ll && typeof p.name === 'string') {
          places.push({ ll: ll, name: p.name, kind: p.kind, rank: +p.rank || 0,
            min_zoom: +p.min_zoom || 0 });
        }
      }
    });
    S.basemap = { bands: bands, roads: roads, places: places, layers: {}, shown: null };
    showBasemapBand();
    if (!S.fitted && fc.bbox && fc.bbox.length === 4) {
      S.map.fitBounds([[fc.bbox[1], fc.bbox[0]], [fc.bbox[3], fc.bbox[2]]], { animate: false });
    }
    layoutLabels();
    return roads.length + places.length;
  }

  // ---------------------------------------------------------------- overlays

  function drawHighlight(ids, reasons) {
    if (S.highlight) { S.map.removeLayer(S.highlight); S.highlight = null; }
    if (!Array.isArray(ids)) { throw new Error('highlight_accounts: ids must be a list'); }
    var group = L.featureGroup();
    var count = 0;
    ids.forEach(function (id) {
      var m = S.accountById[id];
      if (!m) { return; }
      var p = m.feature.properties;
      var ring = L.circleMarker(m.getLatLng(), {
        radius: (TIER_RADIUS[p.tier] || TIER_RADIUS.C) + 4, color: HIGHLIGHT, weight: 3,
        fill: true, fillOpacity: 0, renderer: S.renderer, pmIgnore: true, snapIgnore: true
      });
      ring.feature = { properties: { name: p.name, reason: reasons && reasons[id] } };
      group.addLayer(ring);
      count++;
    });
    group.bindTooltip(function (layer) {
      var card = el('div', 'td-card');
      card.appendChild(el('div', 'td-title', layer.feature.properties.name));
      var reason = layer.feature.properties.reason;
      if (reason) { card.appendChild(el('div', 'td-reason', reason)); }
      return card;
    }, { direction: 'top', offset: [0, -8], opacity: 0.95 });
    if (count) { group.addTo(S.map); S.highlight = group; }
    restack();
    return count;
  }

  function legCard(p) {
    var card = el('div', 'td-card');
    if (p.kind === 'stop') {
      card.appendChild(el('div', 'td-title', (p.seq + 1) + '. ' + (p.label || '')));
      return card;
    }
    var title = (p.from || '') + (p.to ? ' \u2192 ' + p.to : '');
    card.appendChild(el('div', 'td-title', title || 'Leg ' + ((p.leg || 0) + 1)));
    addRow(card, 'km', p.km);
    addRow(card, 'min', p.minutes);
    return card;
  }

  function drawRoute(fc) {
    if (S.route) { S.map.removeLayer(S.route); S.route = null; }
    if (fc === null) { return 0; }
    requireCollection(fc, 'route');
    var layer = L.geoJSON(fc, {
      renderer: S.renderer, pmIgnore: true, snapIgnore: true,
      style: function () { return { color: '#0b57d0', weight: 4, opacity: 0.85 }; },
      pointToLayer: function (f, ll) {
        return L.circleMarker(ll, { radius: 6, color: '#0b57d0', weight: 2, fillColor: '#ffffff',
          fillOpacity: 1, renderer: S.renderer, pmIgnore: true, snapIgnore: true });
      }
    });
    layer.bindTooltip(function (l) { return legCard(l.feature.properties || {}); }, { sticky: true });
    layer.addTo(S.map);
    S.route = layer;
    restack();
    return fc.features.length;
  }

  function drawIsochrone(fc) {
    if (S.isochrone) { S.map.removeLayer(S.isochrone); S.isochrone = null; }
    if (fc === null) { return 0; }
    requireCollection(fc, 'isochrone');
    var layer = L.geoJSON(fc, {
      renderer: S.renderer, pmIgnore: true, snapIgnore: true, interactive: false,
      style: function () {
        return { color: '#7b1fa2', weight: 2, dashArray: '6,4', fillColor: '#7b1fa2', fillOpacity: 0.12 };
      }
    });
    layer.addTo(S.map);
    S.isochrone = layer;
    restack();
    return fc.features.length;
  }

  // ---------------------------------------------------------------- view commands

  function selectTerritory(tid) {
    S.selected = (typeof tid === 'string') ? tid : null;
    Object.keys(S.territoryById).forEach(function (id) {
      var layer = S.territoryById[id];
      layer.setStyle(territoryStyle(layer.feature.properties, id === S.selected));
    });
    return S.selected && S.territoryById[S.selected] ? 1 : 0;
  }

  function zoomToTerritory(tid) {
    var layer = S.territoryById[tid];
    if (!layer) { throw new Error('unknown territory ' + JSON.stringify(tid)); }
    S.map.fitBounds(layer.getBounds(), { padding: [24, 24], animate: false });
    return 1;
  }

  function zoomToAll() {
    var b = allBounds();
    if (!b.isValid()) { return 0; }
    S.map.fitBounds(b, { padding: [24, 24], animate: false, maxZoom: 16 });
    return 1;
  }

  function zoomToAccount(aid) {
    var m = S.accountById[aid];
    if (!m) { throw new Error('unknown account ' + JSON.stringify(aid)); }
    S.map.setView(m.getLatLng(), Math.max(S.map.getZoom(), 15), { animate: false });
    L.popup({ offset: [0, -4] }).setLatLng(m.getLatLng())
      .setContent(accountCard(m.feature.properties)).openOn(S.map);
    return 1;
  }

  // ---------------------------------------------------------------- gestures

  function endGesture() {
    var g = S.gesture;
    S.gesture = null;
    S.map.pm.disableDraw();
    if (g && g.mode === 'edit') {
      if (g.copy.pm) { g.copy.pm.disable(); }
      S.map.removeLayer(g.copy);
      if (S.territories && S.territoryById[g.tid] === g.original) {
        S.territories.addLayer(g.original);
        restack();
      }
      layoutLabels();
    }
  }

  function startDraw(shape, gesture) {
    endGesture();
    S.gesture = gesture;
    S.map.pm.enableDraw(shape, {
      snappable: SNAP.snappable, snapDistance: SNAP.snapDistance,
      continueDrawing: false, allowSelfIntersection: false
    });
    return 1;
  }

  function startEdit(tid) {
    var original = S.territoryById[tid];
    if (!original) { throw new Error('unknown territory ' + JSON.stringify(tid)); }
    endGesture();
    var p = original.feature.properties;
    var color = safeColor(p.color, UNASSIGNED_FILL);
    // Edit a copy: the drawn state stays Python's until it sends the reshaped territory back.
    var copy = L.polygon(original.getLatLngs(), {
      color: color, weight: 3, fillColor: color, fillOpacity: 0.3,
      pmIgnore: false, snapIgnore: true
    });
    S.territories.removeLayer(original);
    copy.addTo(S.map);
    copy.pm.enable({ snappable: SNAP.snappable, snapDistance: SNAP.snapDistance,
      allowSelfIntersection: false });
    S.gesture = { mode: 'edit', tid: tid, copy: copy, original: original };
    layoutLabels();
    return 1;
  }

  function finishEdit() {
    var g = S.gesture;
    if (!g || g.mode !== 'edit') { endGesture(); return 0; }
    var geometry = g.copy.toGeoJSON(7).geometry;
    endGesture();
    post({ event: 'territory_reshaped', tid: g.tid, geometry: geometry });
    return 1;
  }

  function onCreate(e) {
    var layer = e.layer;
    if (layer && S.map.hasLayer(layer)) { S.map.removeLayer(layer); }
    var g = S.gesture;
    S.gesture = null;
    S.map.pm.disableDraw();
    if (!layer || !layer.toGeoJSON) { reportError('drawing finished without a layer'); return; }
    var geometry = layer.toGeoJSON(7).geometry;
    if (g && g.mode === 'draw' && e.shape === 'Polygon') {
      post({ event: 'polygon_drawn', geometry: geometry });
    } else if (g && g.mode === 'split' && e.shape === 'Line') {
      post({ event: 'split_line_drawn', tid: g.tid, geometry: geometry });
    } else {
      reportError('ignored a drawn ' + e.shape + ' outside a drawing gesture');
    }
  }

  // ---------------------------------------------------------------- commands

  var COMMANDS = {
    show_layers: function (a) {
      var n = drawTerritories(a.territories);
      n += drawAccounts(a.accounts);
      n += drawReps(a.reps);
      if (S.highlight) { S.map.removeLayer(S.highlight); S.highlight = null; }
      restack();
      updateLegend();
      if (!S.fitted && zoomToAll()) { S.fitted = true; }
      layoutLabels();
      return n;
    },
    show_basemap: function (a) { return drawBasemap(a.basemap === undefined ? null : a.basemap); },
    select_territory: function (a) { return selectTerritory(a.tid); },
    zoom_to_territory: function (a) { return zoomToTerritory(a.tid); },
    zoom_to_all: function () { return zoomToAll(); },
    zoom_to_account: function (a) { return zoomToAccount(a.aid); },
    highlight_accounts: function (a) { return drawHighlight(a.ids, a.reasons || {}); },
    show_route: function (a) { return drawRoute(a.route === undefined ? null : a.route); },
    show_isochrone: function (a) { return drawIsochrone(a.isochrone === undefined ? null : a.isochrone); },
    start_draw_polygon: function () { return startDraw('Polygon', { mode: 'draw' }); },
    start_edit_territory: function (a) { return startEdit(a.tid); },
    finish_edit: function () { return finishEdit(); },
    start_split: function (a) {
      if (!S.territoryById[a.tid]) { throw new Error('unknown territory ' + JSON.stringify(a.tid)); }
      return startDraw('Line', { mode: 'split', tid: a.tid });
    },
    cancel_gesture: function () { endGesture(); return 0; }
  };

  function onCommand(text) {
    var msg;
    try {
      msg = JSON.parse(text);
    } catch (err) {
      reportError('command is not JSON');
      return;
    }
    if (!msg || typeof msg !== 'object' || typeof msg.cmd !== 'string' ||
        !Object.prototype.hasOwnProperty.call(COMMANDS, msg.cmd)) {
      reportError('unknown command ' + JSON.stringify(msg && msg.cmd));
      return;
    }
    var args = (msg.args && typeof msg.args === 'object') ? msg.args : {};
    var seq = (typeof msg.seq === 'number' && msg.seq >= 0) ? Math.floor(msg.seq) : 0;
    try {
      var count = COMMANDS[msg.cmd](args);
      ack(msg.cmd, seq, count | 0);
    } catch (err) {
      reportError(msg.cmd + ': ' + (err && err.message ? err.message : err));
    }
  }

  // ---------------------------------------------------------------- set-up

  function attach(map, options) {
    S.map = map;
    options = options || {};
    map.options.zoomSnap = 0.25;
    map.options.zoomDelta = 0.5;
    map.attributionControl.setPrefix('Leaflet');
    if (options.attribution) {
      // addAttribution inserts HTML; our attribution is a constant, escaped anyway.
      map.attributionControl.addAttribution(el('span', null, options.attribution).innerHTML);
    }
    map.createPane('basemap').style.zIndex = 250;
    S.labelPane = map.createPane('labels');
    S.labelPane.style.zIndex = 550;
    S.labelPane.classList.add('leaflet-zoom-hide');
    S.baseRenderer = L.canvas({ pane: 'basemap', padding: 0.3 });
    S.renderer = L.canvas({ pane: 'overlayPane', padding: 0.3, tolerance: 2 });

    S.legend = L.control({ position: 'bottomright' });
    S.legend.onAdd = function () {
      var box = el('div', 'td-legend leaflet-bar');
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    S.legend.addTo(map);
    updateLegend();

    var all = L.control({ position: 'topleft' });
    all.onAdd = function () {
      var bar = el('div', 'leaflet-bar td-zoom-all');
      var a = el('a', null, '\u2922');
      a.href = '#';
      a.title = 'Zoom to all';
      a.setAttribute('role', 'button');
      L.DomEvent.on(a, 'click', function (e) { L.DomEvent.preventDefault(e); zoomToAll(); });
      L.DomEvent.disableClickPropagation(bar);
      bar.appendChild(a);
      return bar;
    };
    all.addTo(map);

    map.pm.setGlobalOptions({ snappable: true, snapDistance: SNAP.snapDistance });
    map.on('pm:create', onCreate);
    map.on('zoomend', function () { showBasemapBand(); });
    map.on('zoomend moveend resize', layoutLabels);

    window.addEventListener('error', function (e) { reportError('page error: ' + e.message); });
    new QWebChannel(qt.webChannelTransport, function (channel) {
      S.bridge = channel.objects.bridge;
      S.bridge.command.connect(onCommand);
      post({ event: 'page_ready' });
    });
  }

  window.TD = { attach: attach, state: S, onCommand: onCommand, onCreate: onCreate };
}());
