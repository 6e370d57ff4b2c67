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
  var SIZED_FILL = '#37474f';
  function SIZED_RADIUS(size) { return 2 + 1.25 * size; }  // mapping/health_layer.py classes
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
    accounts: null,       // AccountDots: every account, painted by one layer
    cards: {},            // account id -> card from Python (asked for when pointed at)
    cardWaiters: {},      // account id -> callbacks waiting for its card
    accountTooltip: null,
    reps: null,
    highlight: null,
    route: null,
    isochrone: null,
    basemap: null,        // {bands: [...], layers: {band: L.Layer}, places: [...], shown: band}
    selected: null,
    cardPopup: null,      // {aid, popup} of the account card last opened
    gesture: null,
    legend: null,
    legendFolded: false,  // the user folded the legend away (kept for the session)
    legendItems: [],      // every territory, overlay ones too: [{id, name, color, rep_name, overlay}]
    labelPane: null,
    repPoints: [],        // rep home positions: labels keep clear of them
    gestureBar: null,     // Finish / Cancel buttons shown while a gesture is under way
    hint: null,           // "what to do next" box (hidden while a gesture bar is shown)
    hintText: '',
    fitted: false
  };

  // What health.js plugs in: territoryStyle(p, selected, style) -> style,
  // territoriesDrawn() / accountsDrawn(dots) after a show_layers redraw, labelObstacles()
  // -> boxes in container pixels that names keep clear of (its badges), and
  // territoryCard(p, card) / legendRow(p, swatch, name) to add to a territory's card and
  // legend row.
  // units.js plugs in territoryClick(p, e) -> true when a click is its own (adds a unit).
  var HOOKS = { territoryStyle: null, territoriesDrawn: null, accountsDrawn: null,
    labelObstacles: null, territoryCard: null, legendRow: null, territoryClick: null };

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

  // Rows are cells of one two-column grid per card, so every value starts at the same x,
  // clear of the longest label.
  function addRow(card, label, value) {
    if (value === undefined || value === null || value === '') { return; }
    var rows = card.querySelector('.td-rows');
    if (!rows) { rows = card.appendChild(el('div', 'td-rows')); }
    rows.appendChild(el('span', 'td-key', label));
    rows.appendChild(el('span', 'td-val', value));
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
    if (typeof p.potential === 'number') { addRow(card, 'Potential', p.potential.toLocaleString('en-US')); }
    if (p.approximate) { card.appendChild(el('div', 'td-note', 'Approximate location')); }
    return card;
  }

  function territoryCard(p) {
    var card = el('div', 'td-card');
    card.appendChild(el('div', 'td-title', p.name));
    addRow(card, 'Rep', p.rep_name || 'no rep');
    if (typeof p.accounts === 'number') { addRow(card, 'Accounts', p.accounts); }
    if (p.locked) { card.appendChild(el('div', 'td-note', 'Locked')); }
    if (HOOKS.territoryCard) { HOOKS.territoryCard(p, card); }
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
  var REP_CLEARANCE = 11;  // half the rep marker (16 px) plus its white halo and a margin
  // Where a territory name may go when its anchor is taken: below, above, then further out.
  var LABEL_SHIFTS = [[0, 0], [0, 20], [0, -20], [0, 38], [0, -38], [60, 0], [-60, 0]];
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
    // Rep homes are obstacles placed first: a name never covers a home marker.
    var placed = S.repPoints.map(function (ll) {
      var c = map.latLngToContainerPoint(ll);
      return { x0: c.x - REP_CLEARANCE, y0: c.y - REP_CLEARANCE,
        x1: c.x + REP_CLEARANCE, y1: c.y + REP_CLEARANCE };
    }).concat(HOOKS.labelObstacles ? HOOKS.labelObstacles() : []);
    var shown = 0;
    for (var i = 0; i < items.length && shown < 400; i++) {
      var it = items[i];
      var cp = map.latLngToContainerPoint(it.ll);
      if (cp.x < -50 || cp.y < -20 || cp.x > size.x + 50 || cp.y > size.y + 20) { continue; }
      var w = textWidth(it.text, it.kind) + 6;
      var h = 16;
      // Territory names may move off their anchor to a free spot; place names may not.
      var shifts = it.kind === 'territory' ? LABEL_SHIFTS : [[0, 0]];
      var box = null;
      for (var k = 0; k < shifts.length && !box; k++) {
        var cx = cp.x + shifts[k][0];
        var cy = cp.y + shifts[k][1];
        var cand = { x0: cx - w / 2, y0: cy - h / 2, x1: cx + w / 2, y1: cy + h / 2,
          dx: shifts[k][0], dy: shifts[k][1] };
        if (!clashes(cand, placed)) { box = cand; }
      }
      if (!box) { continue; }
      placed.push(box);
      var node = el('div', 'td-label td-label-' + it.kind, it.text);
      if (it.kind === 'territory') { node.style.color = shade(it.color); }
      var lp = map.latLngToLayerPoint(it.ll);
      L.DomUtil.setPosition(node, L.point(Math.round(lp.x + box.dx - w / 2),
        Math.round(lp.y + box.dy - h / 2)));
      pane.appendChild(node);
      shown++;
    }
  }

  function clashes(box, placed) {
    for (var j = 0; j < placed.length; j++) {
      var o = placed[j];
      if (box.x0 < o.x1 && box.x1 > o.x0 && box.y0 < o.y1 && box.y1 > o.y0) { return true; }
    }
    return false;
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
    var style = {
      color: color,
      weight: selected ? 4 : 2,
      opacity: 0.9,
      fillColor: color,
      fillOpacity: selected ? 0.35 : 0.2
    };
    // health.js recolours territories (a KPI choropleth, signal outlines) while it is on.
    return HOOKS.territoryStyle ? HOOKS.territoryStyle(p, selected, style) : style;
  }

  // Restyle every territory from its properties (after a hook's state changed).
  function restyleTerritories() {
    Object.keys(S.territoryById).forEach(function (id) {
      var layer = S.territoryById[id];
      layer.setStyle(territoryStyle(layer.feature.properties, id === S.selected));
    });
  }

  function drawTerritories(fc) {
    requireCollection(fc, 'territories');
    if (S.territories) { S.map.removeLayer(S.territories); }
    S.territoryById = {};
    S.territoryProps = [];
    S.legendItems = Array.isArray(fc.legend) ? fc.legend.filter(function (t) {
      return t && typeof t.id === 'string';
    }) : [];
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
      layer.on('click', function (e) {
        if (S.picking) { return; }  // design.js: the click places a point, nothing else
        if (HOOKS.territoryClick && HOOKS.territoryClick(p, e)) { return; }  // units.js
        post({ event: 'territory_clicked', tid: p.id });
      });
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
    var radius = typeof p.radius === 'number' ? p.radius : (TIER_RADIUS[p.tier] || TIER_RADIUS.C);
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

  // ---------------------------------------------------------------- accounts

  // Accounts arrive as columns (mapping/layers.py AccountPoints) and one layer paints them all:
  // a national plan has 200,000, far too many for a Leaflet layer each. The layer lives in the
  // shared canvas's draw order like any path (territories below it, highlight and route above)
  // and answers the canvas's hit-test from a grid, so clicks and hovers behave as before.
  // Each dot is a small pre-drawn image per style, drawn exactly as Leaflet draws a circleMarker.
  var MERCATOR_R = 6378137;
  var MERCATOR_MAX_LAT = 85.0511287798;
  var MERCATOR_SCALE = 0.5 / (Math.PI * MERCATOR_R);
  var GRID_CELL = 32;           // px; larger than the biggest dot plus the click tolerance
  var GRID_ROW = 67108864;      // 2^26 cells per row: enough up to zoom 21

  function decodeColumn(b64, Type, n, what) {
    if (typeof b64 !== 'string') { throw new Error('accounts: ' + what + ' is missing'); }
    var bin = atob(b64);
    if (bin.length !== n * Type.BYTES_PER_ELEMENT) {
      throw new Error('accounts: ' + what + ' has ' + bin.length + ' bytes for ' + n + ' accounts');
    }
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    return new Type(bytes.buffer);
  }

  // The same arithmetic as L.CRS.EPSG3857 (SphericalMercator + its transformation): dots land
  // on the pixels a circleMarker at that latlng would.
  function mercatorUnit(lat, lon) {
    var d = Math.PI / 180;
    var phi = Math.max(Math.min(MERCATOR_MAX_LAT, lat), -MERCATOR_MAX_LAT);
    var sin = Math.sin(phi * d);
    var x = MERCATOR_R * lon * d;
    var y = MERCATOR_R * Math.log((1 + sin) / (1 - sin)) / 2;
    return [MERCATOR_SCALE * x + 0.5, -MERCATOR_SCALE * y + 0.5];
  }

  function dotSprite(style) {
    var k = L.Browser.retina ? 2 : 1;  // the factor Leaflet's canvas scales by
    var r = Math.max(Math.round(style.radius), 1);
    var half = Math.ceil(r + style.weight) + 1;
    var c = document.createElement('canvas');
    c.width = c.height = 2 * half * k;
    c.offset = half * k;  // device pixels from the corner to the centre
    var ctx = c.getContext('2d');
    ctx.scale(k, k);
    ctx.beginPath();
    ctx.arc(half, half, r, 0, Math.PI * 2, false);
    ctx.globalAlpha = style.fillOpacity;
    ctx.fillStyle = style.fillColor;
    ctx.fill('evenodd');
    ctx.setLineDash(style.dashArray ? style.dashArray.split(',').map(Number) : []);
    ctx.globalAlpha = 1;
    ctx.lineWidth = style.weight;
    ctx.strokeStyle = style.color;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.stroke();
    return { stacked: [null, c], reach: style.radius + style.weight / 2 };
  }

  // Leaflet's canvas, drawn by the CPU: without a GPU (and offscreen) Chromium's accelerated
  // canvas spends ~10 us on each of the 200,000 dots of a national plan, the CPU one a few.
  // Leaflet 1.9's own _initContainer, but for the context's options.
  var CpuCanvas = L.Canvas.extend({
    _initContainer: function () {
      var container = this._container = document.createElement('canvas');
      L.DomEvent.on(container, 'mousemove', this._onMouseMove, this);
      L.DomEvent.on(container, 'click dblclick mousedown mouseup contextmenu', this._onClick, this);
      L.DomEvent.on(container, 'mouseout', this._handleMouseOut, this);
      container._leaflet_disable_events = true;
      this._ctx = container.getContext('2d', { willReadFrequently: true });
    }
  });

  // Sprites are kept across redraws and plans: a style is drawn once per page.
  var SPRITES = {};

  function spriteFor(p) {
    var key = [p.color, p.tier, p.assigned, p.approximate, p.radius].join('|');
    return SPRITES[key] || (SPRITES[key] = dotSprite(accountStyle(p)));
  }

  // The sprite drawn ``n`` times over itself (what n identical dots at one spot look like).
  function stackedImage(sprite, n) {
    var img = sprite.stacked[n];
    if (!img) {
      var base = sprite.stacked[1];
      img = sprite.stacked[n] = document.createElement('canvas');
      img.width = img.height = base.width;
      img.offset = base.offset;
      var g = img.getContext('2d');
      for (var j = 0; j < n; j++) { g.drawImage(base, 0, 0); }
    }
    return img;
  }

  var AccountDots = L.Path.extend({
    options: { interactive: true, pmIgnore: true, snapIgnore: true },

    initialize: function (cols) {
      if (!cols || typeof cols !== 'object' || cols.kind !== 'accounts') {
        throw new Error('accounts are not account columns');
      }
      var n = cols.count;
      if (typeof n !== 'number' || n < 0 || Math.floor(n) !== n || !Array.isArray(cols.ids) ||
          cols.ids.length !== n) {
        throw new Error('accounts: count and ids do not agree');
      }
      this.count = n;
      this.ids = cols.ids;
      this.colors = Array.isArray(cols.colors) ? cols.colors : [];
      this.tiers = Array.isArray(cols.tiers) ? cols.tiers : [];
      this.lon = decodeColumn(cols.lon, Int32Array, n, 'lon');
      this.lat = decodeColumn(cols.lat, Int32Array, n, 'lat');
      this.territory = decodeColumn(cols.territory, Int32Array, n, 'territory');
      this.tier = decodeColumn(cols.tier, Uint8Array, n, 'tier');
      this.flags = decodeColumn(cols.flags, Uint8Array, n, 'flags');
      this.u = new Float64Array(n);
      this.v = new Float64Array(n);
      this.style = new Uint32Array(n);
      this.sprites = [];
      var nColors = this.colors.length + 1;
      var south = 90, north = -90, west = 180, east = -180;
      for (var i = 0; i < n; i++) {
        var lat = this.lat[i] / 1e6;
        var lon = this.lon[i] / 1e6;
        if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) {
          throw new Error('accounts: position ' + i + ' is out of range');
        }
        var uv = mercatorUnit(lat, lon);
        this.u[i] = uv[0];
        this.v[i] = uv[1];
        var t = this.territory[i];
        var colour = (t >= 0 && t < this.colors.length) ? t + 1 : 0;
        this.style[i] = (this.tier[i] * 2 + (this.flags[i] & 1)) * nColors + colour;
        if (lat < south) { south = lat; }
        if (lat > north) { north = lat; }
        if (lon < west) { west = lon; }
        if (lon > east) { east = lon; }
      }
      this.bounds = n ? L.latLngBounds([south, west], [north, east]) : L.latLngBounds([]);
      this._index = null;
      this._grid = null;
    },

    indexOf: function (id) {
      if (!this._index) {
        this._index = new Map();
        for (var i = 0; i < this.count; i++) { this._index.set(this.ids[i], i); }
      }
      var i = this._index.get(id);
      return i === undefined ? -1 : i;
    },

    latLngAt: function (i) { return L.latLng(this.lat[i] / 1e6, this.lon[i] / 1e6); },

    // What accountCard shows before the card itself arrives, and what styles the dot.
    propsAt: function (i) {
      var t = this.territory[i];
      var assigned = t >= 0 && t < this.colors.length;
      var p = { tier: this.tiers[this.tier[i]], assigned: assigned,
        color: assigned ? this.colors[t] : UNASSIGNED_FILL, approximate: !!(this.flags[i] & 1) };
      if (this.sizes) {
        p.radius = SIZED_RADIUS(this.sizes[i]);
        if (assigned) { p.color = SIZED_FILL; }
      }
      return p;
    },

    // Size every dot by a class (0..7) instead of its tier, in one neutral colour so the
    // territories' choropleth shows through; null goes back to tiers and territory colours.
    setSizes: function (sizes) {
      this.sizes = (sizes && sizes.length === this.count) ? sizes : null;
      var nColors = this.colors.length + 1;
      for (var i = 0; i < this.count; i++) {
        var t = this.territory[i];
        var colour = (t >= 0 && t < this.colors.length) ? t + 1 : 0;
        var flag = this.flags[i] & 1;
        this.style[i] = this.sizes ? (this.sizes[i] * 2 + flag) * 2 + (colour ? 1 : 0)
          : (this.tier[i] * 2 + flag) * nColors + colour;
      }
      this.sprites = [];
      this._grid = null;
      if (this._map) { this.redraw(); }
      return this.sizes ? 1 : 0;
    },

    _spriteOf: function (i) {
      var s = this.style[i];
      return this.sprites[s] || (this.sprites[s] = spriteFor(this.propsAt(i)));
    },

    _project: function () {
      var map = this._map;
      this._scale = map.options.crs.scale(map.getZoom());
      this._origin = map.getPixelOrigin();
      // Always part of a redraw: the dots outside its bounds are skipped while painting.
      this._pxBounds = L.bounds([-1e9, -1e9], [1e9, 1e9]);
    },

    _update: function () { if (this._map) { this._updatePath(); } },

    _empty: function () { return !this.count; },

    _updatePath: function () {
      var R = this._renderer;
      if (!R || !R._drawing || !this.count) { return; }
      var b = R._redrawBounds || R._bounds;
      var x0 = b.min.x - 12, y0 = b.min.y - 12, x1 = b.max.x + 12, y1 = b.max.y + 12;
      var ctx = R._ctx, zs = this._scale, u = this.u, v = this.v;
      // Draw in device pixels, sprites unscaled (several times faster than a scaled
      // drawImage); the clip of a partial redraw stays in force.
      var k = L.Browser.retina ? 2 : 1;
      var ox = this._origin.x + R._bounds.min.x, oy = this._origin.y + R._bounds.min.y;
      x0 -= R._bounds.min.x; x1 -= R._bounds.min.x;
      y0 -= R._bounds.min.y; y1 -= R._bounds.min.y;
      // At a national zoom most dots land exactly on an identical one: each (pixel, style) is
      // drawn once, where it was drawn last, as that sprite stacked as often as it occurs (up
      // to 4; a fifth copy changes no pixel by more than a few 1/255).
      var slot = new Map();
      var last = new Int32Array(this.count);
      var times = new Uint8Array(this.count);
      var n = 0;
      for (var i = 0; i < this.count; i++) {
        var x = Math.round(u[i] * zs) - ox;
        if (x < x0 || x > x1) { continue; }
        var y = Math.round(v[i] * zs) - oy;
        if (y < y0 || y > y1) { continue; }
        var key = (this.style[i] * 8192 + x + 2048) * 8192 + y + 2048;
        var j = slot.get(key);
        if (j === undefined) { j = n++; slot.set(key, j); }
        last[j] = i;
        times[j] = Math.min(times[j] + 1, 4);
      }
      var order = new Float64Array(n);  // last index * 8 + copies: sorted into drawing order
      for (var m = 0; m < n; m++) { order[m] = last[m] * 8 + times[m]; }
      order.sort();
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.globalAlpha = 1;
      for (var q = 0; q < n; q++) {
        var idx = Math.floor(order[q] / 8);
        var img = stackedImage(this._spriteOf(idx), order[q] - idx * 8);
        var px = (Math.round(u[idx] * zs) - ox) * k - img.offset;
        var py = (Math.round(v[idx] * zs) - oy) * k - img.offset;
        ctx.drawImage(img, px, py);
      }
      ctx.restore();
    },

    // The grid of every dot at this zoom, in world pixels, built on the first hit-test after
    // a zoom or new data.
    _gridNow: function () {
      var zs = this._scale;
      if (this._grid && this._gridScale === zs) { return this._grid; }
      var grid = new Map();
      for (var i = 0; i < this.count; i++) {
        var key = Math.floor(Math.round(this.u[i] * zs) / GRID_CELL) * GRID_ROW +
          Math.floor(Math.round(this.v[i] * zs) / GRID_CELL);
        var cell = grid.get(key);
        if (cell) { cell.push(i); } else { grid.set(key, [i]); }
      }
      this._grid = grid;
      this._gridScale = zs;
      return grid;
    },

    // The topmost (last drawn) dot under a layer point, or -1.
    hit: function (p) {
      if (!this.count || !this._map) { return -1; }
      var grid = this._gridNow();
      var zs = this._scale;
      var wx = p.x + this._origin.x;
      var wy = p.y + this._origin.y;
      var cx = Math.floor(wx / GRID_CELL);
      var cy = Math.floor(wy / GRID_CELL);
      var tolerance = this._renderer.options.tolerance || 0;
      var best = -1;
      for (var dx = -1; dx <= 1; dx++) {
        for (var dy = -1; dy <= 1; dy++) {
          var cell = grid.get((cx + dx) * GRID_ROW + cy + dy);
          if (!cell) { continue; }
          for (var j = 0; j < cell.length; j++) {
            var i = cell[j];
            if (i <= best) { continue; }
            var ddx = Math.round(this.u[i] * zs) - wx;
            var ddy = Math.round(this.v[i] * zs) - wy;
            var reach = this._spriteOf(i).reach + tolerance;
            if (ddx * ddx + ddy * ddy <= reach * reach) { best = i; }
          }
        }
      }
      return best;
    },

    _containsPoint: function (p) { return this.hit(p) >= 0; }
  });

  // An account's card comes from Python when first wanted; callers get it once it is here.
  function withCard(i, fn) {
    var id = S.accounts.ids[i];
    if (S.cards[id]) { fn(S.cards[id]); return; }
    var waiting = S.cardWaiters[id] || (S.cardWaiters[id] = []);
    waiting.push(fn);
    if (waiting.length === 1) { post({ event: 'account_card_requested', aid: id }); }
  }

  function receiveCard(aid, card) {
    if (typeof aid !== 'string') { throw new Error('account_card: aid must be a string'); }
    var waiting = S.cardWaiters[aid] || [];
    delete S.cardWaiters[aid];
    if (!card || typeof card !== 'object') { return 0; }
    S.cards[aid] = card;
    waiting.forEach(function (fn) { fn(card); });
    return 1;
  }

  function showAccountTooltip(i) {
    if (S.accountTooltip && S.accountTooltip.account === i) { return; }
    hideAccountTooltip();
    var tip = L.tooltip({ direction: 'top', offset: [0, -6], opacity: 0.95 });
    tip.account = i;
    S.accountTooltip = tip;
    var dots = S.accounts;
    withCard(i, function (card) {
      if (S.accountTooltip !== tip || S.accounts !== dots) { return; }
      tip.setLatLng(dots.latLngAt(i)).setContent(accountCard(card));
      S.map.openTooltip(tip);
    });
  }

  function hideAccountTooltip() {
    if (S.accountTooltip) { S.map.closeTooltip(S.accountTooltip); S.accountTooltip = null; }
  }

  function drawAccounts(cols) {
    var dots = new AccountDots(cols);
    if (S.accounts) { S.map.removeLayer(S.accounts); }
    hideAccountTooltip();
    S.cards = {};
    S.cardWaiters = {};
    L.setOptions(dots, { renderer: S.renderer });
    dots.on('mousemove mouseover', function (e) {
      var i = dots.hit(e.layerPoint);
      if (i >= 0) { showAccountTooltip(i); } else { hideAccountTooltip(); }
    });
    dots.on('mouseout', hideAccountTooltip);
    dots.on('click', function (e) {
      var i = dots.hit(e.layerPoint);
      if (i < 0 || S.picking) { return; }
      hideAccountTooltip();
      openAccountPopup(i);
      post({ event: 'account_clicked', aid: dots.ids[i] });
    });
    if (HOOKS.accountsDrawn) { HOOKS.accountsDrawn(dots); }
    dots.addTo(S.map);
    S.accounts = dots;
    return dots.count;
  }

  function drawReps(fc) {
    requireCollection(fc, 'reps');
    if (S.reps) { S.map.removeLayer(S.reps); }
    var group = L.featureGroup();
    var count = 0;
    S.repPoints = [];
    fc.features.forEach(function (f) {
      var p = (f && f.properties) || {};
      var ll = latLngOf(f);
      if (!ll) { return; }
      S.repPoints.push(ll);
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
    [S.territories, S.reps].forEach(function (g) {
      if (g && g.getLayers().length) { b.extend(g.getBounds()); }
    });
    if (S.accounts && S.accounts.count) { b.extend(S.accounts.bounds); }
    return b;
  }

  function updateLegend() {
    var box = S.legend && S.legend.getContainer();
    if (!box) { return; }
    while (box.firstChild) { box.removeChild(box.firstChild); }
    // The title folds the legend away (it can cover a quarter of a laptop's map) and back.
    var title = el('div', 'td-legend-title',
                   (S.legendFolded ? '\u25b8 ' : '\u25be ') + 'Territories');
    title.title = S.legendFolded ? 'Show the legend' : 'Fold the legend away';
    title.addEventListener('click', function () {
      S.legendFolded = !S.legendFolded;
      updateLegend();
    });
    box.appendChild(title);
    box.classList.toggle('td-legend-folded', !!S.legendFolded);
    if (S.legendFolded) { return; }
    // One grid for all rows: names and rep names each get the width of the longest one.
    var list = el('div', 'td-legend-list');
    S.legendItems.slice().sort(function (a, b) { return String(a.name).localeCompare(b.name); })
      .forEach(function (p) {
        var row = el('div', 'td-legend-row');
        var sw = el('span', 'td-swatch' + (p.overlay ? ' td-swatch-overlay' : ''));
        sw.style.backgroundColor = safeColor(p.color, UNASSIGNED_FILL);
        row.appendChild(sw);
        var name = el('span', 'td-legend-name', p.name);
        if (p.overlay) { name.appendChild(el('span', 'td-legend-by-rule', ' by rule')); }
        if (HOOKS.legendRow) { HOOKS.legendRow(p, sw, name); }
        row.appendChild(name);
        row.appendChild(el('span', 'td-legend-rep', p.rep_name || ''));
        if (p.overlay) {
          // No area to zoom to: select it, so the panels show its accounts.
          row.title = p.name + ': accounts sent here by rules (Territory → Overlay rules)';
          row.addEventListener('click', function () {
            post({ event: 'territory_clicked', tid: p.id });
          });
        } else {
          row.title = 'Zoom to ' + p.name;
          row.addEventListener('click', function () { zoomToTerritory(p.id); });
        }
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
    layoutOverlays();
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

  function drawHighlight(ids, reasons, names) {
    if (S.highlight) { S.map.removeLayer(S.highlight); S.highlight = null; }
    if (!Array.isArray(ids)) { throw new Error('highlight_accounts: ids must be a list'); }
    var group = L.featureGroup();
    var count = 0;
    var dots = S.accounts;
    ids.forEach(function (id) {
      var i = dots ? dots.indexOf(id) : -1;
      if (i < 0) { return; }
      var ring = L.circleMarker(dots.latLngAt(i), {
        radius: (TIER_RADIUS[dots.propsAt(i).tier] || TIER_RADIUS.C) + 4, color: HIGHLIGHT,
        weight: 3, fill: true, fillOpacity: 0, renderer: S.renderer, pmIgnore: true,
        snapIgnore: true
      });
      ring.feature = { properties: { name: (names && names[id]) || id,
        reason: reasons && reasons[id] } };
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
      card.appendChild(el('div', 'td-title', p.label || ''));
      return card;
    }
    var title = (p.from || '') + (p.to ? ' \u2192 ' + p.to : '');
    card.appendChild(el('div', 'td-title', title || 'Leg ' + ((p.leg || 0) + 1)));
    addRow(card, 'Drive', typeof p.minutes === 'number' ? p.minutes + ' min' : p.minutes);
    addRow(card, 'Distance', p.distance);
    return card;
  }

  // What a stop's marker shows: its number ("3. Deli" -> 3), or the first letter (Home -> H).
  function stopMark(label) {
    var m = /^(\d+)\./.exec(String(label || ''));
    return m ? m[1] : String(label || '?').charAt(0).toUpperCase();
  }

  function drawRoute(fc, fit) {
    if (S.route) { S.map.removeLayer(S.route); S.route = null; }
    if (fc === null) { return 0; }
    requireCollection(fc, 'route');
    var layer = L.geoJSON(fc, {
      renderer: S.renderer, pmIgnore: true, snapIgnore: true,
      style: function () { return { color: '#0b57d0', weight: 4, opacity: 0.85 }; },
      pointToLayer: function (f, ll) {
        var icon = L.divIcon({ className: 'td-stop', iconSize: [20, 20],
          html: el('span', null, stopMark(f.properties && f.properties.label)) });
        return L.marker(ll, { icon: icon, pmIgnore: true, snapIgnore: true, keyboard: false });
      }
    });
    layer.bindTooltip(function (l) { return legCard(l.feature.properties || {}); }, { sticky: true });
    layer.addTo(S.map);
    S.route = layer;
    restack();
    if (fit) { zoomToRoute(); }
    return fc.features.length;
  }

  function zoomToRoute() {
    if (!S.route) { return 0; }
    var b = S.route.getBounds();
    if (!b.isValid()) { return 0; }
    // Keep the route clear of the legend in the bottom-right corner.
    var legend = S.legend && S.legend.getContainer();
    var right = legend ? legend.offsetWidth + 30 : 40;
    S.map.fitBounds(b, { paddingTopLeft: [40, 40], paddingBottomRight: [right, 40],
      animate: false, maxZoom: 16 });
    return 1;
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
    restyleTerritories();
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

  function zoomToAccount(aid, card) {
    var i = S.accounts ? S.accounts.indexOf(aid) : -1;
    if (i < 0) { throw new Error('unknown account ' + JSON.stringify(aid)); }
    if (card) { receiveCard(aid, card); }
    S.map.setView(S.accounts.latLngAt(i), Math.max(S.map.getZoom(), 15), { animate: false });
    openAccountPopup(i);
    return 1;
  }

  // Opens at once; the card fills it as soon as Python has sent it (at once when known).
  function openAccountPopup(i) {
    var dots = S.accounts;
    var popup = L.popup({ offset: [0, -4], minWidth: 200, maxWidth: 420, autoPanPadding: [16, 16] })
      .setLatLng(dots.latLngAt(i)).setContent(el('div', 'td-card')).openOn(S.map);
    S.cardPopup = { aid: dots.ids[i], popup: popup };
    withCard(i, function (card) {
      if (popup.isOpen() && S.accounts === dots) { popup.setContent(accountCard(card)); }
    });
  }

  // ---------------------------------------------------------------- gestures

  // The one place the gesture changes: the Finish/Cancel bar follows it and Python is told,
  // so its Finish action is enabled exactly while there is something to finish.
  function setGesture(g) {
    var before = S.gesture;
    S.gesture = g;
    updateGestureBar();
    if ((before && before.mode) !== (g && g.mode) || (before && before.tid) !== (g && g.tid)) {
      post({ event: 'gesture_changed', mode: g ? g.mode : null, tid: (g && g.tid) || null });
    }
  }

  function endGesture() {
    var g = S.gesture;
    setGesture(null);
    S.map.pm.disableDraw();
    if (g && g.mode === 'edit') {
      if (g.copy.pm) { g.copy.pm.disable(); }
      S.map.removeLayer(g.copy);
      if (S.territories && S.territoryById[g.tid] === g.original) {
        S.territories.addLayer(g.original);
        restack();
      }
      S.map.doubleClickZoom.enable();
      layoutLabels();
    }
  }

  function startDraw(shape, gesture) {
    endGesture();
    setGesture(gesture);
    S.map.pm.enableDraw(shape, {
      snappable: SNAP.snappable, snapDistance: SNAP.snapDistance,
      continueDrawing: false, allowSelfIntersection: false
    });
    return 1;
  }

  var GESTURE_TEXT = {
    edit: 'Reshaping {name}: drag the corners (they snap to neighbouring borders).',
    draw: 'Drawing a territory: click the corners, click the first one to close.',
    split: 'Splitting {name}: click along the cut, click the last point again to end.'
  };

  function updateGestureBar() {
    var bar = S.gestureBar;
    if (!bar) { return; }
    var g = S.gesture;
    bar.style.display = g ? '' : 'none';
    if (g) {
      var layer = g.tid && S.territoryById[g.tid];
      var name = layer ? String(layer.feature.properties.name || g.tid) : '';
      bar.querySelector('.td-gesture-text').textContent =
        GESTURE_TEXT[g.mode].replace('{name}', name);
      bar.querySelector('.td-finish').style.display = g.mode === 'edit' ? '' : 'none';
    }
    updateHint();
  }

  function buildGestureBar(map) {
    var bar = el('div', 'td-gesture-bar');
    bar.appendChild(el('span', 'td-gesture-text'));
    var finish = el('button', 'td-finish', 'Finish (Enter)');
    finish.type = 'button';
    finish.title = 'Keep the new outline (one undoable edit)';
    var cancel = el('button', 'td-cancel', 'Cancel (Esc)');
    cancel.type = 'button';
    cancel.title = 'Leave the territory as it was';
    finish.addEventListener('click', function () { finishEdit(); });
    cancel.addEventListener('click', function () { endGesture(); });
    bar.appendChild(finish);
    bar.appendChild(cancel);
    L.DomEvent.disableClickPropagation(bar);
    L.DomEvent.disableScrollPropagation(bar);
    map.getContainer().appendChild(bar);
    S.gestureBar = bar;
    updateGestureBar();
  }

  function showHint(text) {
    S.hintText = typeof text === 'string' ? text : '';
    updateHint();
    return S.hintText ? 1 : 0;
  }

  function updateHint() {
    if (!S.hint && S.map) {
      S.hint = el('div', 'td-hint');
      L.DomEvent.disableClickPropagation(S.hint);
      S.map.getContainer().appendChild(S.hint);
    }
    if (!S.hint) { return; }
    S.hint.textContent = S.hintText;
    S.hint.style.display = S.hintText && !S.gesture ? '' : 'none';
    layoutOverlays();
  }

  // The hint or the gesture bar (top centre) and the legends' column (the right edge, map.css)
  // share the map's top: where the box would cover a legend, the column starts below it.
  function layoutOverlays() {
    if (!S.map) { return; }
    var map = S.map.getContainer();
    var column = map.querySelector('.leaflet-bottom.leaflet-right');
    column.style.top = '';
    var box = [S.gestureBar, S.hint].filter(function (b) { return b && b.offsetHeight; })[0];
    if (!box) { return; }
    var b = box.getBoundingClientRect();
    var covered = Array.prototype.some.call(column.children, function (c) {
      var r = c.getBoundingClientRect();
      return r.left < b.right + 10 && b.left < r.right && r.top < b.bottom + 10;
    });
    if (covered) { column.style.top = (b.bottom - map.getBoundingClientRect().top) + 'px'; }
  }

  // Keys that reach the page (Qt's window shortcuts take them first when they are enabled).
  function onKeyDown(e) {
    if ((e.key === 'Enter') && S.gesture && S.gesture.mode === 'edit') {
      e.preventDefault();
      finishEdit();
    } else if (e.key === 'Escape') {
      S.map.closePopup();
      if (S.gesture) { endGesture(); }
    }
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
    // A double-click while reshaping is a missed vertex grab, not a request to zoom in.
    S.map.doubleClickZoom.disable();
    setGesture({ mode: 'edit', tid: tid, copy: copy, original: original });
    layoutLabels();
    return 1;
  }

  // Report the outline first, then end the gesture: Python records the edit and redraws.
  function finishEdit() {
    var g = S.gesture;
    if (!g || g.mode !== 'edit') { return 0; }
    var geometry = g.copy.toGeoJSON(7).geometry;
    post({ event: 'territory_reshaped', tid: g.tid, geometry: geometry });
    endGesture();
    return 1;
  }

  function onCreate(e) {
    var layer = e.layer;
    if (layer && S.map.hasLayer(layer)) { S.map.removeLayer(layer); }
    var g = S.gesture;
    setGesture(null);
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
      var open = S.cardPopup && S.cardPopup.popup.isOpen() ? S.cardPopup.aid : null;
      var n = drawTerritories(a.territories);
      n += drawAccounts(a.accounts);
      // An open account card shows the facts of the plan before the edit: show it afresh.
      var again = open && S.accounts ? S.accounts.indexOf(open) : -1;
      if (again >= 0) { openAccountPopup(again); } else if (open) { S.map.closePopup(); }
      n += drawReps(a.reps);
      if (HOOKS.territoriesDrawn) { HOOKS.territoriesDrawn(); }
      if (S.highlight) { S.map.removeLayer(S.highlight); S.highlight = null; }
      restack();
      updateLegend();
      // Fit when asked (a new plan), the first time, or when none of the data is in view
      // (e.g. accounts imported far from where the map looks): never leave an empty map.
      var data = allBounds();
      if (a.fit || !S.fitted || (data.isValid() && !S.map.getBounds().intersects(data))) {
        if (zoomToAll()) { S.fitted = true; }
      }
      layoutLabels();
      return n;
    },
    show_basemap: function (a) { return drawBasemap(a.basemap === undefined ? null : a.basemap); },
    select_territory: function (a) { return selectTerritory(a.tid); },
    zoom_to_territory: function (a) { return zoomToTerritory(a.tid); },
    zoom_to_all: function () { return zoomToAll(); },
    zoom_to_account: function (a) { return zoomToAccount(a.aid, a.card); },
    account_card: function (a) { return receiveCard(a.aid, a.card); },
    highlight_accounts: function (a) {
      return drawHighlight(a.ids, a.reasons || {}, a.names || {});
    },
    show_route: function (a) {
      return drawRoute(a.route === undefined ? null : a.route, a.fit === true);
    },
    zoom_to_route: function () { return zoomToRoute(); },
    show_hint: function (a) { return showHint(a.text); },
    show_isochrone: function (a) { return drawIsochrone(a.isochrone === undefined ? null : a.isochrone); },
    start_draw_polygon: function () { return startDraw('Polygon', { mode: 'draw' }); },
    start_edit_territory: function (a) { return startEdit(a.tid); },
    finish_edit: function () { return finishEdit(); },
    start_split: function (a) {
      if (!S.territoryById[a.tid]) { throw new Error('unknown territory ' + JSON.stringify(a.tid)); }
      return startDraw('Line', { mode: 'split', tid: a.tid });
    },
    cancel_gesture: function () { S.map.closePopup(); endGesture(); return 0; }
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

  function revealCard(e) {
    var container = S.map.getContainer();
    var closing = /close$/.test(e.type) ? (e.tooltip || e.popup).getElement() : null;
    var cards = Array.prototype.slice.call(
      container.querySelectorAll('.leaflet-tooltip, .leaflet-popup')).filter(function (c) {
      return c !== closing && c.style.opacity !== '0';  // closed ones fade out for a moment
    }).map(function (c) { return c.getBoundingClientRect(); });
    container.querySelectorAll('.leaflet-control').forEach(function (control) {
      control.classList.remove('td-under-card');
      var r = control.getBoundingClientRect();
      var under = cards.some(function (c) {
        return r.left < c.right && c.left < r.right && r.top < c.bottom && c.top < r.bottom;
      });
      if (under) { control.classList.add('td-under-card'); }
    });
  }

  // A sticky card (territory, route leg) follows the pointer and fires no event as it moves:
  // look again once a frame while the pointer moves over the map.
  var revealFrame = 0;
  function revealSoon() {
    if (revealFrame) { return; }
    revealFrame = L.Util.requestAnimFrame(function () {
      revealFrame = 0;
      revealCard({ type: 'mousemove' });
    });
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
    S.renderer = new CpuCanvas({ pane: 'overlayPane', padding: 0.3, tolerance: 2 });
    // Every vector layer without its own renderer (the reshaped copy, Geoman's drawing lines)
    // shares this canvas too: a second canvas would sit on top and swallow every click.
    map.options.renderer = S.renderer;

    // Leaflet draws controls above every pane: a card (tooltip or popup) opened under the
    // legend or the units box was half hidden. The controls it overlaps step aside while open.
    map.on('tooltipopen popupopen moveend', revealCard);
    map.on('tooltipclose popupclose', revealCard);
    map.on('mousemove', revealSoon);

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

    buildGestureBar(map);
    map.pm.setGlobalOptions({ snappable: true, snapDistance: SNAP.snapDistance });
    map.on('pm:create', onCreate);
    document.addEventListener('keydown', onKeyDown);
    map.on('zoomend', function () { showBasemapBand(); });
    map.on('zoomend moveend resize', layoutLabels);
    map.on('resize', layoutOverlays);

    window.addEventListener('error', function (e) { reportError('page error: ' + e.message); });
    new QWebChannel(qt.webChannelTransport, function (channel) {
      S.bridge = channel.objects.bridge;
      S.bridge.command.connect(onCommand);
      post({ event: 'page_ready' });
    });
  }

  window.TD = { attach: attach, state: S, onCommand: onCommand, onCreate: onCreate,
    layoutLabels: layoutLabels, commands: COMMANDS, hooks: HOOKS, el: el, addRow: addRow,
    restyleTerritories: restyleTerritories, restack: restack, updateLegend: updateLegend,
    layoutOverlays: layoutOverlays };
}());
