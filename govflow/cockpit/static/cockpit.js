/* 领导驾驶舱: the live page. Reads the JSON endpoints of `govflow serve` (or, in an HTML
   snapshot, the same responses inlined as window.GOVFLOW_SNAPSHOT), draws the map with the
   vendored ECharts, and follows changes by polling /api/v1/cockpit/version.
   The URL hash holds the place: #node=CODE&kpi=KEY&days=N&case=ID */
(function () {
  'use strict';
  var SNAP = window.GOVFLOW_SNAPSHOT || null;
  var FONT = getComputedStyle(document.body).fontFamily;
  var POLL_MS = 2000;
  var MAP_KPIS = [
    ['on_time_rate', '按期结案率 on-time'], ['backlog', '积压 backlog'], ['red', '红灯 red'],
    ['rework_rate', '返工率 rework'], ['on_post_rate', '到岗率 on post']];
  var GOOD_HIGH = ['#c23531', '#e5673c', '#f2b33d', '#8fc14f', '#2f9e44'];
  var state = {node: null, kpi: 'on_time_rate', days: 30, kase: null};
  var grid = null;        // {features by code, children by code, root}
  var charts = {};
  var generation = null;
  var mapData = null;
  var busy = false;

  function $(id) { return document.getElementById(id); }
  function esc(s) {
    return String(s === null || s === undefined ? '' : s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  function short(s, n) { s = String(s || ''); return s.length > n ? s.slice(0, n - 1) + '…' : s; }
  function t(s) { return s ? String(s).slice(0, 16).replace('T', ' ') : '—'; }
  function pct(v) { return v === null || v === undefined ? '–' : (100 * v).toFixed(1) + '%'; }
  function num(v) { return v === null || v === undefined ? '–' : Number(v).toLocaleString('en'); }

  function api(path) {
    if (SNAP) {
      if (path in SNAP.responses) { return Promise.resolve(SNAP.responses[path]); }
      return Promise.reject(new Error('此快照不含该层级 (not in this snapshot): ' + path));
    }
    return fetch(path, {headers: {Accept: 'application/json'}}).then(function (r) {
      if (!r.ok) {
        return r.json().then(function (p) { throw new Error(p.detail || r.statusText); });
      }
      return r.json();
    });
  }
  function q() { return '?days=' + encodeURIComponent(state.days); }

  // -- the place, in the URL ------------------------------------------------------------
  function readHash() {
    var p = new URLSearchParams(location.hash.replace(/^#/, ''));
    state.node = p.get('node') || (SNAP && SNAP.start) || (grid ? grid.root : null);
    state.kpi = p.get('kpi') || 'on_time_rate';
    state.days = Number(p.get('days') || (SNAP ? SNAP.days : 30));
    state.kase = p.get('case') || null;
  }
  function go(change) {
    var next = Object.assign({}, state, change);
    var p = new URLSearchParams();
    p.set('node', next.node); p.set('kpi', next.kpi); p.set('days', String(next.days));
    if (next.kase) { p.set('case', next.kase); }
    var hash = '#' + p.toString();
    if (location.hash === hash) { render(); } else { location.hash = hash; }
  }

  // -- the grid's polygons ------------------------------------------------------------------
  function loadGrid() {
    return api('/api/v1/grid.geojson').then(function (fc) {
      var byCode = {}, kids = {}, root = null, cells = [];
      fc.features.forEach(function (f) {
        var p = f.properties;
        byCode[p.code] = f;
        if (p.parent) { (kids[p.parent] = kids[p.parent] || []).push(p.code); } else { root = p.code; }
        if (p.tier === 3 && f.geometry) { cells.push(f); }
      });
      echarts.registerMap('grid', {type: 'FeatureCollection', features: cells});
      grid = {byCode: byCode, kids: kids, root: root, cells: cells};
      $('district-name').textContent = byCode[root].properties.name;
      document.title = '领导驾驶舱 · ' + byCode[root].properties.name;
    });
  }
  function rings(geometry) {
    if (!geometry) { return []; }
    var polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
    var out = [];
    polys.forEach(function (poly) { poly.forEach(function (ring) { out.push(ring); }); });
    return out;
  }
  function bounds(code) {
    var f = grid.byCode[code];
    var xs = [], ys = [];
    rings(f && f.geometry).forEach(function (r) {
      r.forEach(function (c) { xs.push(c[0]); ys.push(c[1]); });
    });
    if (!xs.length) { return null; }
    var w = Math.min.apply(null, xs), e = Math.max.apply(null, xs);
    var s = Math.min.apply(null, ys), n = Math.max.apply(null, ys);
    var pad = Math.max(e - w, n - s) * 0.06;
    return [[w - pad, n + pad], [e + pad, s - pad]];
  }
  function under(cell, code) { return cell.indexOf(code) === 0; }
  function borders(tier, within) {
    var lines = [];
    Object.keys(grid.byCode).forEach(function (code) {
      var f = grid.byCode[code];
      if (f.properties.tier !== tier || !under(code, within) && !under(within, code)) { return; }
      rings(f.geometry).forEach(function (r) { lines.push({coords: r}); });
    });
    return lines;
  }

  // -- drawing ---------------------------------------------------------------------------------
  function chart(id) {
    if (!charts[id]) { charts[id] = echarts.init($(id), null, {renderer: 'canvas'}); }
    return charts[id];
  }
  var TEXT = {color: '#e3edf6', fontFamily: FONT};

  function drawMap(view) {
    var key = state.kpi, rate = mapData.rates[key], high = mapData.higher_is_better[key];
    var node = state.node, tier = view.tier;
    var regions = [], area = tier === 3 ? grid.byCode[node].properties.parent : node;
    var data = grid.cells.map(function (f) {
      var code = f.properties.code, v = (mapData.cells[code] || {})[key];
      if (!under(code, area)) { regions.push({name: code, itemStyle: {opacity: 0.3}}); }
      if (code === node) {
        regions.push({name: code, itemStyle: {borderColor: '#ffffff', borderWidth: 3}});
      }
      return {name: code, value: v === null || v === undefined ? NaN : v};
    });
    var range = mapData.ranges[key];
    var min = rate ? 0 : 0, max = rate ? 1 : Math.max(1, range[1] || 1);
    var colours = high ? GOOD_HIGH : GOOD_HIGH.slice().reverse();
    var labelTier = Math.min(tier + 1, 3);
    var labels = (grid.kids[node] || []).map(function (code) {
      var p = grid.byCode[code].properties;
      return {name: p.name, value: p.centre};
    }).filter(function (d) { return d.value; });
    var whole = bounds(grid.root), focus = bounds(tier === 3 ? grid.byCode[node].properties.parent : node) || whole;
    var centre = [(focus[0][0] + focus[1][0]) / 2, (focus[0][1] + focus[1][1]) / 2];
    var zoom = Math.max(1, Math.min((whole[1][0] - whole[0][0]) / (focus[1][0] - focus[0][0]),
                                    (whole[0][1] - whole[1][1]) / (focus[0][1] - focus[1][1])));
    chart('map').setOption({
      textStyle: TEXT,
      tooltip: {trigger: 'item', formatter: function (p) {
        if (p.seriesType !== 'map') { return esc(p.name); }
        var f = grid.byCode[p.name]; if (!f) { return ''; }
        var c = grid.byCode[f.properties.parent], s = c && grid.byCode[c.properties.parent];
        var v = p.value;
        var shown = isNaN(v) ? '无数据 no data' : (rate ? pct(v) : num(v));
        return esc((s ? s.properties.name + ' · ' : '') + (c ? c.properties.name + ' · ' : '') +
          f.properties.name) + '<br>' + esc(p.name) + '<br>' +
          esc(mapData.labels[key]) + ': <b>' + esc(shown) + '</b>';
      }},
      visualMap: {type: 'continuous', min: min, max: max, left: 12, bottom: 16,
        calculable: false, realtime: false, itemHeight: 120, inRange: {color: colours},
        text: [(rate ? '100%' : num(max)) + ' 高', (rate ? '0%' : '0') + ' 低'],
        textStyle: {color: '#e3edf6', fontFamily: FONT}, seriesIndex: 0,
        outOfRange: {color: '#33475b'}},
      geo: {map: 'grid', nameProperty: 'code', roam: true, center: centre, zoom: zoom,
        aspectScale: Math.cos(centre[1] * Math.PI / 180), scaleLimit: {min: 1, max: 200},
        silent: false,
        itemStyle: {areaColor: '#33475b', borderColor: 'rgba(8,16,26,0.55)', borderWidth: 0.4},
        emphasis: {label: {show: false}, itemStyle: {areaColor: '#3ba0ff'}},
        select: {disabled: true}, label: {show: false}, regions: regions},
      series: [
        {type: 'map', geoIndex: 0, data: data, name: key},
        {type: 'lines', coordinateSystem: 'geo', polyline: true, silent: true, zlevel: 1,
          data: borders(2, node), lineStyle: {color: 'rgba(227,237,246,0.55)', width: 0.8}},
        {type: 'lines', coordinateSystem: 'geo', polyline: true, silent: true, zlevel: 1,
          data: borders(1, node), lineStyle: {color: '#ffffff', width: 1.8}},
        {type: 'scatter', coordinateSystem: 'geo', silent: true, zlevel: 2, symbolSize: 0,
          data: labelTier <= 3 ? labels : [],
          label: {show: true, formatter: '{b}', color: '#ffffff', fontFamily: FONT,
            fontSize: tier === 0 ? 12 : 11, textBorderColor: '#0b1622', textBorderWidth: 3},
          labelLayout: {hideOverlap: true}}
      ]
    }, {notMerge: true});
    $('map-note').textContent = '颜色: ' + mapData.labels[key] + (high ? ' (越绿越好)' :
      ' (越红越多)') + ' · 灰色: 无数据 no data · 点击网格进入 click a cell to open it · 白线: 街道界 street borders';
  }

  function drawKpis(view) {
    var html = view.kpis.map(function (k) {
      var cls = 'card' + (k.rate ? ' rate' : '') + (k.key === 'red' || k.key === 'overdue' ? ' bad' :
        k.key === 'yellow' ? ' warn' : '');
      var formula = k.formula + (k.rate ? ' = ' + num(k.numerator) + ' / ' + num(k.denominator) : '');
      return '<div class="' + cls + '" data-kpi="' + esc(k.key) + '" title="' + esc(k.label + ': ' +
        formula) + '"><span class="label">' + esc(k.label) + '</span><span class="value" id="kpi-' +
        esc(k.key) + '">' + esc(k.shown) + '</span><span class="formula">' + esc(formula) + '</span></div>';
    }).join('');
    $('kpis').innerHTML = html;
    $('node-title').innerHTML = esc(view.name) + ' <small>' + esc(view.tier_label) + ' · ' +
      esc(view.code) + ' · 指标 KPIs</small>';
  }

  function drawCrumbs(view) {
    var parts = view.path.map(function (p, i) {
      var last = i === view.path.length - 1 && !state.kase;
      return last ? '<span class="here">' + esc(p.name) + '</span>' :
        '<a data-code="' + esc(p.code) + '">' + esc(p.name) + '</a>';
    });
    if (state.kase) { parts.push('<span class="here">案件 ' + esc(state.kase) + '</span>'); }
    $('crumbs').innerHTML = parts.join('<span class="sep">›</span>');
    Array.prototype.forEach.call($('crumbs').querySelectorAll('a[data-code]'), function (a) {
      a.addEventListener('click', function () { go({node: a.dataset.code, kase: null}); });
    });
    $('window').textContent = '统计周期 ' + t(view.window.from) + ' — ' + t(view.window.to) +
      ' (北京时间)';
  }

  function drawTier(view) {
    var rows = view.bars;
    $('tier-box').hidden = rows.length === 0;
    if (!rows.length) { return; }
    $('tier-title').innerHTML = '下级' + esc(view.children_tier) + ' <small>' + rows.length +
      ' · 按期结案率 on-time rate, 点击进入 click to open</small>';
    var sorted = rows.slice().sort(function (a, b) {
      return (a.values.on_time_rate === null ? 2 : a.values.on_time_rate) -
             (b.values.on_time_rate === null ? 2 : b.values.on_time_rate);
    });
    var shown = sorted.slice(0, 15).reverse();
    chart('bars').setOption({
      textStyle: TEXT, grid: {left: 110, right: 60, top: 6, bottom: 20},
      tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}},
      xAxis: {type: 'value', max: 1, axisLabel: {formatter: function (v) { return Math.round(v * 100) + '%'; },
        color: '#8aa2b8'}, splitLine: {lineStyle: {color: '#1f3a52'}}},
      yAxis: {type: 'category', data: shown.map(function (r) { return r.name; }),
        axisLabel: {color: '#e3edf6', width: 100, overflow: 'truncate', fontFamily: FONT,
          interval: 0}},
      series: [{type: 'bar', data: shown.map(function (r) {
        var v = r.values.on_time_rate;
        return {value: v, itemStyle: {color: v === null ? '#33475b' : v < 0.6 ? '#c23531' :
          v < 0.8 ? '#f2b33d' : '#2f9e44'}};
      }), barMaxWidth: 14, label: {show: true, position: 'right', color: '#e3edf6',
        formatter: function (p) { return pct(p.value); }}}]
    }, {notMerge: true});
    chart('bars').off('click');
    chart('bars').on('click', function (p) { go({node: shown[p.dataIndex].code, kase: null}); });
    $('children').querySelector('tbody').innerHTML = rows.map(function (r) {
      return '<tr class="link" data-code="' + esc(r.code) + '"><td>' + esc(r.name) + '</td><td class="n">' +
        esc(r.shown.on_time_rate) + '</td><td class="n">' + esc(r.shown.backlog) + '</td><td class="n">' +
        esc(r.shown.red) + '</td><td class="n">' + esc(r.shown.overdue) + '</td></tr>';
    }).join('');
    links($('children'), 'code', function (code) { go({node: code, kase: null}); });
  }

  function links(table, attr, action) {
    Array.prototype.forEach.call(table.querySelectorAll('tr[data-' + attr + ']'), function (tr) {
      tr.addEventListener('click', function () { action(tr.dataset[attr]); });
    });
  }

  function drawLists(view) {
    $('overdue-count').textContent = num(view.overdue_total);
    $('overdue').querySelector('tbody').innerHTML = view.overdue.length ? view.overdue.map(function (o) {
      return '<tr class="link" data-case="' + esc(o.case_id) + '"><td>' + esc(o.case_id) + '</td><td>' +
        esc(o.cell_name) + '</td><td>' + esc(o.category) + '</td><td>' + esc(o.state) +
        '</td><td class="n">' + esc(o.hours_overdue.toFixed(1)) + '</td></tr>';
    }).join('') : '<tr><td colspan="5" class="muted">无超期案件 no overdue case</td></tr>';
    links($('overdue'), 'case', function (id) { go({kase: id}); });
    var cats = view.categories.slice(0, 10).reverse();
    chart('categories').setOption({
      textStyle: TEXT, grid: {left: 150, right: 50, top: 6, bottom: 20},
      tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}},
      graphic: cats.length ? [] : [{type: 'text', left: 'center', top: 'middle',
        style: {text: '窗口内无上报 nothing reported in the window', fill: '#8aa2b8', font: '13px ' + FONT}}],
      xAxis: {type: 'value', minInterval: 1, axisLabel: {color: '#8aa2b8'},
        splitLine: {lineStyle: {color: '#1f3a52'}}},
      yAxis: {type: 'category', data: cats.map(function (c) { return c.category; }),
        axisLabel: {color: '#e3edf6', width: 140, overflow: 'truncate', fontFamily: FONT,
          interval: 0}},
      series: [{type: 'bar', data: cats.map(function (c) { return c.count; }), barMaxWidth: 14,
        itemStyle: {color: '#3ba0ff'}, label: {show: true, position: 'right', color: '#e3edf6'}}]
    }, {notMerge: true});
  }

  function panelBody(id, html) { $(id).querySelector('.body').innerHTML = html; }
  function empty(reason) { return '<p class="empty">暂无数据 · ' + esc(reason) + '</p>'; }
  function meter(v) { return '<div class="meter"><i style="width:' + (v === null ? 0 : Math.round(100 * v)) + '%"></i></div>'; }

  function drawPanels(p) {
    var c = p.campaigns;
    panelBody('panel-campaigns', c.empty ? empty(c.empty) : c.campaigns.slice(0, 2).map(function (x) {
      return '<div data-campaign="' + esc(x.id) + '"><b>' + esc(x.name) + '</b> <span class="muted small">' +
        esc(t(x.opened_at)) + ' 下达 · 期限 ' + esc(t(x.due_at)) + '</span><br>到岗率 <span class="big" id="on-post-' +
        esc(x.id) + '">' + pct(x.on_post_rate) + '</span>' + meter(x.on_post_rate) +
        '<span class="small">按时到岗 ' + num(x.on_post) + ' / 应到 ' + num(x.required) + ' · 迟到 ' + num(x.late) +
        ' · 未到 ' + num(x.open) + ' · 同时预警 ' + num(x.alerts) + ' 个节点</span></div>';
    }).join(''));
    var d = p.dispatch;
    panelBody('panel-dispatch', d.empty ? empty(d.empty) : d.orders.slice(0, 3).map(function (o) {
      return '<div><b>' + esc(o.text) + '</b><br>签收率 <span class="big">' + pct(o.ack_rate) + '</span>' +
        meter(o.ack_rate) + '<span class="small">签收 ' + num(o.acknowledged) + ' / 下达 ' + num(o.addressees) +
        ' · 待签收 ' + num(o.waiting) + ' · 升级 ' + num(o.escalated) + '</span></div>';
    }).join(''));
    var r = p.recruitment;
    panelBody('panel-recruitment', r.empty ? empty(r.empty) : '满员率 fill <span class="big">' +
      pct(r.fill_rate) + '</span>' + meter(r.fill_rate) + '<span class="small">应征 ' + num(r.accepted) +
      ' / 招募 ' + num(r.offered) + ' · 岗位 ' + num(r.posts) + ' · 轮次 ' + r.rounds.length + '</span>');
    var o = p.opinion;
    panelBody('panel-opinion', o.empty ? empty(o.empty) : '<span class="small">窗口内留言 ' + num(o.total) +
      ' 件</span><table>' + o.topics.slice(0, 5).map(function (x) {
        return '<tr><td>' + esc(x.topic) + '</td><td class="n">' + num(x.messages) + '</td><td class="n muted">未结 ' +
          num(x.open) + '</td></tr>';
      }).join('') + '</table>');
  }

  function drawCases(cases) {
    $('cases-box').hidden = false;
    $('cases-count').textContent = num(cases.total) + ' · 在办 ' + num(cases.open);
    $('cases').querySelector('tbody').innerHTML = cases.cases.length ? cases.cases.map(function (c) {
      return '<tr class="link" data-case="' + esc(c.id) + '"><td>' + esc(c.id) + '</td><td>' + esc(c.category) +
        '</td><td>' + esc(c.state) + '</td><td><span class="light ' + esc(c.light) + '"></span></td><td>' +
        esc(t(c.opened_at)) + '</td><td>' + esc(t(c.due_at)) + '</td></tr>';
    }).join('') : '<tr><td colspan="6" class="muted">此网格暂无案件 no case in this cell</td></tr>';
    links($('cases'), 'case', function (id) { go({kase: id}); });
  }

  function drawTimeline(tl) {
    $('case-box').hidden = false;
    var c = tl.case;
    $('case-head').innerHTML = '<b id="case-id">' + esc(c.id) + '</b> · ' + esc(tl.workflow_title) + ' · ' +
      esc(c.category) + '<br>状态 <b id="case-state">' + esc(tl.state_title) + '</b> <span class="light ' +
      esc(c.light) + '"></span> · 立案 ' + esc(t(c.opened_at)) + ' · 期限 ' + esc(t(c.due_at)) +
      (c.closed_at ? ' · 结案 ' + esc(t(c.closed_at)) : '') + ' · 升级 ' + c.escalation + ' · 返工 ' +
      c.rework + ' · 回访 ' + c.revisits;
    $('timeline').innerHTML = tl.events.map(function (e) {
      return '<li class="' + esc(e.kind) + '" data-seq="' + e.seq + '"><span class="at">' + esc(t(e.at)) +
        '</span><b>' + esc(e.kind_label) + '</b> ' + esc(e.trigger) + ' → ' + esc(e.to_title) +
        ' <span class="muted">' + esc(e.actor) + ' (' + esc(short(e.role, 24)) + ')' +
        (e.reason ? ' · ' + esc(short(e.reason, 60)) : '') +
        '</span></li>';
    }).join('');
    var LEVELS = {yellow: '黄牌督办 yellow', red: '红牌督办 red'};
    $('ladder').innerHTML = tl.ladder.length ? '<h3>逐级升级 escalation ladder</h3>' + tl.ladder.map(function (s) {
      var what = esc(s.to_label) + (s.level ? ' · ' + esc(LEVELS[s.level] || s.level) : '') +
        (s.after ? ' · 超期后 ' + esc(s.after) : ' · 超期即 at the breach');
      var status = s.status === 'taken' ? '已升级 ' + esc(t(s.at)) + ' → ' + esc(s.owner_name) +
          (s.on_duty ? ' (' + esc(s.on_duty) + ')' : '')
        : s.status === 'pending' ? '待 ' + esc(t(s.at)) : '无需升级 nothing to change';
      return '<div class="small step ' + esc(s.status) + '" data-step="' + s.step + '">第' + s.step +
        '级 ' + what + ' — ' + status + '</div>';
    }).join('') : '';
    $('pending').innerHTML = tl.pending.length ? '<h3>待到期 pending deadlines</h3>' + tl.pending.map(function (p) {
      return '<div class="small">' + esc(p.label) + ' ' + esc(t(p.due_at)) + '</div>';
    }).join('') : '<div class="small muted">无待到期期限 no pending deadline</div>';
  }

  function drawButtons() {
    $('kpi-buttons').innerHTML = MAP_KPIS.map(function (k) {
      return '<button data-kpi="' + k[0] + '" class="' + (k[0] === state.kpi ? 'on' : '') + '">' + esc(k[1]) + '</button>';
    }).join('');
    Array.prototype.forEach.call($('kpi-buttons').querySelectorAll('button'), function (b) {
      b.addEventListener('click', function () { go({kpi: b.dataset.kpi}); });
    });
  }

  // -- one render of the current place ----------------------------------------------------------
  function render() {
    readHash();
    if (!grid.byCode[state.node]) { state.node = grid.root; }
    if (!$('days').querySelector('option[value="' + state.days + '"]')) {
      var extra = document.createElement('option');
      extra.value = String(state.days); extra.textContent = '近' + state.days + '天 ' + state.days + ' days';
      $('days').appendChild(extra);
    }
    $('days').value = String(state.days);
    drawButtons();
    busy = true;
    var node = state.node, tier = grid.byCode[node].properties.tier;
    var wanted = [api('/api/v1/cockpit/nodes/' + node + q()), api('/api/v1/cockpit/map' + q()),
      api('/api/v1/cockpit/panels/' + node + q())];
    wanted.push(tier === 3 ? api('/api/v1/cockpit/cells/' + node + '/cases' + q()) : Promise.resolve(null));
    wanted.push(state.kase ? api('/api/v1/cockpit/cases/' + encodeURIComponent(state.kase)) : Promise.resolve(null));
    return Promise.all(wanted).then(function (got) {
      var view = got[0];
      mapData = got[1];
      drawCrumbs(view); drawKpis(view); drawTier(view); drawLists(view); drawMap(view);
      drawPanels(got[2]);
      if (got[3]) { drawCases(got[3]); } else { $('cases-box').hidden = true; }
      if (got[4]) { drawTimeline(got[4]); } else { $('case-box').hidden = true; }
      if (!SNAP && view.generation) { generation = view.generation; }
      document.body.dataset.rendered = [node, state.kase || '', state.kpi, generation || 0].join('|');
    }).catch(function (err) {
      document.body.dataset.error = String(err.message || err);
      $('node-title').textContent = '无法加载 could not load: ' + (err.message || err);
    }).then(function () { busy = false; });
  }

  function poll() {
    if (SNAP) { return; }
    fetch('/api/v1/cockpit/version', {cache: 'no-store'}).then(function (r) { return r.json(); })
      .then(function (v) {
        $('live').className = 'live ok';
        $('live-text').textContent = '实时 live · 第' + v.generation + '版 · 读取于 ' + t(v.read_at).slice(11) +
          ' · ' + num(v.cases) + ' 件';
        if (generation !== null && v.generation !== generation && !busy) {
          generation = v.generation;
          render();
        } else if (generation === null) { generation = v.generation; }
      }).catch(function () {
        $('live').className = 'live stale';
        $('live-text').textContent = '连接中断 disconnected';
      }).then(function () { setTimeout(poll, POLL_MS); });
  }

  window.addEventListener('hashchange', render);
  window.addEventListener('resize', function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
  $('days').addEventListener('change', function () { go({days: Number($('days').value)}); });
  loadGrid().then(function () {
    if (!location.hash) { readHash(); }
    if (SNAP) {
      $('live').className = 'live';
      $('live-text').textContent = '快照 snapshot · ' + t(SNAP.made_at);
      $('days').disabled = true;
    }
    return render();
  }).then(poll).catch(function (err) {
    document.body.dataset.error = String(err.message || err);
    $('node-title').textContent = '无法加载网格 could not load the grid: ' + (err.message || err);
  });
})();
