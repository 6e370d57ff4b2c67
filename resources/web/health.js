/*
 * Territory health on the map (loaded after map.js): a KPI choropleth, accounts sized by
 * potential or pipeline, and a badge on every territory with a health signal.
 *
 * Python (mapping/health_layer.py) decides every colour, size and text; this file only paints
 * them, through map.js's hooks, so they survive every show_layers redraw:
 *   show_choropleth {choropleth: {...} | null, sizes: {...} | null}
 *   show_signals    {signals: [{tid, name, signals: [{rule, title, message}]}] | null}
 * A territory without a figure ("too few deals") is hatched grey, never painted as a zero.
 * As in map.js, data text is rendered with textContent only.
 */
(function () {
  'use strict';

  var TD = window.TD;
  var S = TD.state;
  var el = TD.el;
  var NO_DATA = '#bdbdbd';
  var SIGNAL_RING = '#b71c1c';
  var BADGE_RISE = 22;      // px from a territory's label point up to its badge's centre

  S.choropleth = null;      // the payload shown, as sent (tests read the values back)
  S.dotSizes = null;        // Uint8Array of radius classes, plan order, or null: by tier
  S.sizeLegend = null;
  S.signals = {};           // territory id -> badge {tid, name, signals}
  S.signalLayer = null;
  S.healthLegend = null;
  var hatch = null;

  // A grey fill with diagonal strokes: the canvas renderer takes a pattern as fillColor.
  function noDataFill() {
    if (!hatch) {
      var tile = document.createElement('canvas');
      tile.width = tile.height = 8;
      var g = tile.getContext('2d');
      g.fillStyle = NO_DATA;
      g.fillRect(0, 0, 8, 8);
      g.strokeStyle = '#616161';
      g.lineWidth = 1.5;
      g.beginPath();
      g.moveTo(-2, 10); g.lineTo(10, -2);
      g.moveTo(-2, 2); g.lineTo(2, -2);
      g.moveTo(6, 10); g.lineTo(10, 6);
      g.stroke();
      hatch = tile.getContext('2d').createPattern(tile, 'repeat');
    }
    return hatch;
  }

  function safeColor(value) {
    return (typeof value === 'string' && /^#[0-9a-fA-F]{6}$/.test(value)) ? value : null;
  }

  TD.hooks.territoryStyle = function (p, selected, style) {
    var c = S.choropleth;
    var cell = c && c.territories[p.id];
    if (cell) {
      var color = safeColor(cell.color);
      style.fillColor = color || noDataFill();
      style.fillOpacity = color ? (selected ? 0.85 : 0.75) : 0.6;
      style.color = '#455a64';
      style.weight = selected ? 4 : 1.5;
    }
    // Always set: setStyle merges, so a cleared signal must take its dashes away.
    style.dashArray = null;
    if (S.signals[p.id]) {
      style.color = SIGNAL_RING;
      style.weight = selected ? 4 : 2.5;
      style.dashArray = '7,4';
    }
    return style;
  };

  TD.hooks.accountsDrawn = function (dots) { dots.setSizes(S.dotSizes); };

  // The territory's figure in its card and legend row; the legend swatch takes its colour.
  TD.hooks.territoryCard = function (p, card) {
    var cell = S.choropleth && S.choropleth.territories[p.id];
    if (cell) {
      TD.addRow(card, S.choropleth.title, cell.text);
      if (cell.reason) { card.appendChild(el('div', 'td-note', cell.reason)); }
    }
    var badge = S.signals[p.id];
    if (badge) {
      badge.signals.forEach(function (s) { card.appendChild(el('div', 'td-reason', s.message)); });
    }
  };
  TD.hooks.legendRow = function (p, swatch, name) {
    var cell = S.choropleth && S.choropleth.territories[p.id];
    if (!cell) { return; }
    var color = safeColor(cell.color);
    if (color) {
      swatch.style.backgroundColor = color;
    } else {
      swatch.style.backgroundColor = '';
      swatch.classList.add('td-swatch-nodata');
    }
    name.appendChild(el('span', 'td-legend-value', ' ' + cell.text));
  };
  // A badge sits above its territory's label point (iconAnchor below): names keep clear of it.
  TD.hooks.labelObstacles = function () {
    return S.territoryProps.filter(function (p) { return S.signals[p.id]; }).map(function (p) {
      var c = S.map.latLngToContainerPoint(p.ll);
      return { x0: c.x - 11, y0: c.y - BADGE_RISE - 11, x1: c.x + 11, y1: c.y - BADGE_RISE + 11 };
    });
  };
  TD.hooks.territoriesDrawn = function () { drawBadges(); updateLegend(); };

  function decodeSizes(sizes) {
    if (!sizes) { return null; }
    if (typeof sizes.sizes !== 'string' || typeof sizes.count !== 'number') {
      throw new Error('show_choropleth: sizes are not a size column');
    }
    var bin = atob(sizes.sizes);
    if (bin.length !== sizes.count) { throw new Error('show_choropleth: sizes and count differ'); }
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = Math.min(bin.charCodeAt(i), 7); }
    return out;
  }

  function showChoropleth(choropleth, sizes) {
    if (choropleth !== null && (typeof choropleth !== 'object' ||
        typeof choropleth.territories !== 'object' || !Array.isArray(choropleth.legend))) {
      throw new Error('show_choropleth: not a choropleth');
    }
    S.dotSizes = decodeSizes(sizes);
    S.sizeLegend = sizes && Array.isArray(sizes.legend) ? sizes : null;
    S.choropleth = choropleth;
    TD.restyleTerritories();
    TD.updateLegend();
    if (S.accounts) { S.accounts.setSizes(S.dotSizes); }
    updateLegend();
    return choropleth ? Object.keys(choropleth.territories).length : 0;
  }

  // ------------------------------------------------------------------ signal badges

  function signalCard(badge) {
    var card = el('div', 'td-card');
    card.appendChild(el('div', 'td-title', badge.name));
    badge.signals.forEach(function (s) {
      var row = card.appendChild(el('div', 'td-signal'));
      row.appendChild(el('div', 'td-signal-title', s.title));
      row.appendChild(el('div', 'td-signal-text', s.message));
    });
    return card;
  }

  function drawBadges() {
    if (S.signalLayer) { S.map.removeLayer(S.signalLayer); S.signalLayer = null; }
    var group = L.featureGroup();
    var count = 0;
    S.territoryProps.forEach(function (p) {
      var badge = S.signals[p.id];
      if (!badge) { return; }
      var icon = L.divIcon({ className: 'td-signal-badge', iconSize: [20, 20],
        iconAnchor: [10, 10 + BADGE_RISE],
        html: el('span', null, String(badge.signals.length)) });
      var marker = L.marker(p.ll, { icon: icon, pmIgnore: true, snapIgnore: true, keyboard: false,
        title: '' });
      marker.badge = badge;
      marker.bindTooltip(function () { return signalCard(badge); },
        { direction: 'auto', offset: [0, -30], opacity: 0.95 });
      marker.bindPopup(function () { return signalCard(badge); },
        { offset: [0, -24], minWidth: 220, maxWidth: 420 });
      marker.on('click', function () {
        S.bridge.post(JSON.stringify({ event: 'territory_clicked', tid: p.id }));
      });
      group.addLayer(marker);
      count++;
    });
    if (count) { group.addTo(S.map); S.signalLayer = group; }
    return count;
  }

  function showSignals(list) {
    if (list !== null && !Array.isArray(list)) { throw new Error('show_signals: not a list'); }
    S.signals = {};
    (list || []).forEach(function (b) {
      if (b && typeof b.tid === 'string' && Array.isArray(b.signals)) { S.signals[b.tid] = b; }
    });
    TD.restyleTerritories();
    updateLegend();
    var count = drawBadges();
    TD.layoutLabels();
    return count;
  }

  // ------------------------------------------------------------------ legend

  function updateLegend() {
    var c = S.choropleth;
    var any = c || S.sizeLegend || Object.keys(S.signals).length;
    if (!any) {
      if (S.healthLegend) { S.map.removeControl(S.healthLegend); S.healthLegend = null; }
      TD.layoutOverlays();
      return;
    }
    if (!S.healthLegend) {
      // At the top of the right-hand column (map.css), above the territories legend.
      S.healthLegend = L.control({ position: 'bottomright' });
      S.healthLegend.onAdd = function () {
        var box = el('div', 'td-legend td-health-legend leaflet-bar');
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      };
      S.healthLegend.addTo(S.map);
    }
    var box = S.healthLegend.getContainer();
    while (box.firstChild) { box.removeChild(box.firstChild); }
    if (c) {
      box.appendChild(el('div', 'td-legend-title', c.title));
      box.appendChild(el('div', 'td-health-period', c.period));
      var bar = box.appendChild(el('div', 'td-ramp'));
      var labels = box.appendChild(el('div', 'td-ramp-labels'));
      c.legend.forEach(function (stop) {
        var cell = bar.appendChild(el('span', 'td-ramp-cell'));
        cell.style.backgroundColor = safeColor(stop.color) || NO_DATA;
        labels.appendChild(el('span', null, stop.label));
      });
      box.appendChild(el('div', 'td-health-note', c.note));
      var nodata = box.appendChild(el('div', 'td-key-item'));
      nodata.appendChild(el('span', 'td-swatch td-swatch-nodata'));
      nodata.appendChild(el('span', null, 'No data: too few deals or no figure'));
    }
    if (S.sizeLegend && S.sizeLegend.legend.length) {
      var sized = box.appendChild(el('div', 'td-size-key'));
      sized.appendChild(el('span', 'td-health-note', 'Accounts by ' + S.sizeLegend.by + ':'));
      S.sizeLegend.legend.forEach(function (item) {
        var it = sized.appendChild(el('span', 'td-key-item'));
        var dot = it.appendChild(el('span', 'td-dot td-dot-sized'));
        var d = 2 * (2 + 1.25 * item.size);
        dot.style.width = d + 'px';
        dot.style.height = d + 'px';
        it.appendChild(el('span', null, item.label));
      });
    }
    var flagged = Object.keys(S.signals).length;
    if (flagged) {
      var key = box.appendChild(el('div', 'td-key-item td-signal-key'));
      key.appendChild(el('span', 'td-signal-badge-key', '!'));
      key.appendChild(el('span', null, flagged + (flagged === 1 ? ' territory' : ' territories') +
        ' with health signals (point at the badge)'));
    }
    TD.layoutOverlays();
  }

  TD.commands.show_choropleth = function (a) {
    return showChoropleth(a.choropleth === undefined ? null : a.choropleth, a.sizes || null);
  };
  TD.commands.show_signals = function (a) {
    return showSignals(a.signals === undefined ? null : a.signals);
  };
}());
