/* hrss 人社数据看板: reads the gateway's API with the token the user pastes.
 * The token lives in this tab's sessionStorage only (never in the URL or a
 * cookie). The view (region, month) lives in the location hash, so the back
 * button walks back up; a region outside the token's is never asked for.
 * One request per panel at most; a panel whose endpoint is missing (404,
 * 501) says 暂无. Plain DOM, text only: nothing from the API becomes HTML. */
'use strict';

(function () {
  const TOKEN = 'hrss.token', ROOT = 'hrss.root', NAMES = 'hrss.names';
  const DOMAINS = ['emp', 'ins', 'arr'];
  const SCHEMES = {
    enterprise_pension: '企业职工基本养老保险', institution_pension: '机关事业单位养老保险',
    resident_pension: '城乡居民基本养老保险', unemployment: '失业保险', work_injury: '工伤保险',
  };
  const LOCATIONS = { in_county: '县内', in_province: '省内县外', out_of_province: '省外' };
  /* the key indicators of each domain, in the bureaus' order; any indicator
   * with a target is a card too */
  const KEY = {
    emp: ['emp.urban_new_jobs', 'emp.reemployed_unemployed', 'emp.reemployed_hard_to_employ',
      'emp.transfer_jobs', 'emp.public_welfare_placed', 'emp.startup_loans_fen',
      'emp.training_skill', 'emp.labor_force', 'emp.registered_unemployed'],
    ins: ['ins.enrolled.enterprise_pension', 'ins.enrolled.institution_pension',
      'ins.enrolled.resident_pension', 'ins.enrolled.unemployment', 'ins.enrolled.work_injury',
      'ins.certifications', 'ins.suspicious_rectified_rate', 'ins.recovered_fen',
      'ins.deaths_reported'],
    arr: ['arr.cases', 'arr.case_closure_rate', 'arr.recovered_fen', 'arr.workers_helped',
      'arr.clues', 'arr.arbitrations_filed', 'arr.arbitration_within_limit_rate', 'arr.projects',
      'arr.blacklisted'],
  };
  /* the contract's stocks and rates; everything else is a flow (an answer's
   * own `kind`, when it has one, wins) */
  const STOCK = /^(emp\.labor_force|emp\.registered_unemployed|emp\.poverty_alleviated_working|emp\.jobs_open|ins\.enrolled|ins\.recipients|ins\.fund_balance_fen|ins\.recoveries_open_fen|arr\.projects|arr\.blacklisted)/;
  const RATE = /_rate$/;
  const KINDS = { clue: '欠薪线索', arbitration: '劳动争议仲裁', injury: '工伤认定申请' };
  const STATES = { draft: '草稿（未提交）', submitted: '已提交，待审批', approved: '已审批', returned: '已退回' };
  const ACTIONS = { submit: '提交', approve: '审批通过', return: '退回' };

  const $ = (sel, root) => (root || document).querySelector(sel);
  const nf = new Intl.NumberFormat('zh-CN');
  const nf2 = new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  /* app.js runs before ECharts (both deferred, in this order) so that the
   * first requests leave while ECharts is compiled; charts wait for it */
  const chartsReady = new Promise((resolve) => document.addEventListener('DOMContentLoaded', resolve));
  let generation = 0;          /* a view's answers arriving after the next view are dropped */
  let current = null;          /* {region, period, indicators, previous} */
  const chosen = {};           /* the indicator picked per domain */

  /* ---- small helpers -------------------------------------------------------------- */

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'onclick') el.addEventListener('click', v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function cstMonth(offsetMonths) {
    const d = new Date(Date.now() + 8 * 3600 * 1000);
    let y = d.getUTCFullYear(), m = d.getUTCMonth() + 1 + (offsetMonths || 0);
    while (m < 1) { m += 12; y--; }
    return y + '-' + String(m).padStart(2, '0');
  }

  function previousPeriod(p) {
    let y = +p.slice(0, 4), m = +p.slice(5, 7) - 1;
    if (m < 1) { m = 12; y--; }
    return y + '-' + String(m).padStart(2, '0');
  }

  /* significant digits of a 12-digit code: 2, 4, 6, 9 or 12 (0: the nation) */
  function level(code) {
    if (code.slice(9) !== '000') return 12;
    if (code.slice(6, 9) !== '000') return 9;
    if (code.slice(4, 6) !== '00') return 6;
    if (code.slice(2, 4) !== '00') return 4;
    if (code.slice(0, 2) !== '00') return 2;
    return 0;
  }

  function within(code, root) {
    const n = level(root);
    return /^[0-9]{12}$/.test(code) && code.slice(0, n) === root.slice(0, n) && level(code) >= n;
  }

  function names() {
    try { return JSON.parse(sessionStorage.getItem(NAMES) || '{}'); } catch (e) { return {}; }
  }

  function regionName(code) {
    const n = names()[code];
    if (n) return n;
    return code === sessionStorage.getItem(ROOT) ? '本辖区（' + code + '）' : code;
  }

  function rememberNames(rows) {
    const all = names();
    for (const r of rows) if (r.name) all[r.region] = r.name;
    sessionStorage.setItem(NAMES, JSON.stringify(all));
  }

  function kindOf(ind) {
    if (ind.kind) return ind.kind;
    if (RATE.test(ind.code) || ind.unit === '%') return 'rate';
    return STOCK.test(ind.code) ? 'stock' : 'flow';
  }

  function label(ind) {
    const parts = ind.code.split('.');
    const tail = parts.length > 2 ? parts.slice(2).join('.') : null;
    const extra = tail && (SCHEMES[tail] || LOCATIONS[tail]);
    return extra ? ind.name + '（' + extra + '）' : ind.name;
  }

  /* a value as shown: money in 万元 (fen / 1 000 000, two decimals), rates
   * in percent, counts as they are */
  function fmt(value, unit) {
    if (value === undefined || value === null) return '—';
    if (unit === '分') return nf2.format(value / 1e6);
    if (unit === '%') return nf2.format(value);
    return nf.format(value);
  }

  function unitShown(unit) { return unit === '分' ? '万元' : unit; }

  function pct(fraction) { return nf2.format(fraction * 100) + '%'; }

  /* completion below month/12 of the year's target: behind the year's pace (序时进度) */
  function behind(row, period) {
    return typeof row.completion === 'number' && row.target > 0 &&
      row.completion < (+period.slice(5, 7)) / 12;
  }

  class HttpError extends Error {
    constructor(status, detail) { super(detail || ('HTTP ' + status)); this.status = status; }
  }

  async function api(path, as) {
    const token = sessionStorage.getItem(TOKEN);
    const r = await fetch(path, { headers: { Authorization: 'Bearer ' + token }, cache: 'no-store', credentials: 'omit' });
    if (r.status === 401) {
      signOut('令牌无效或已过期，请重新登录。');
      throw new HttpError(401);
    }
    if (!r.ok) {
      let detail = '';
      try { detail = (await r.json()).detail || ''; } catch (e) { /* not a problem document */ }
      throw new HttpError(r.status, detail);
    }
    if (as === 'text') return r.text();
    if (as === 'blob') return r.blob();
    return r.json();
  }

  function missing(e) { return e instanceof HttpError && (e.status === 404 || e.status === 501); }

  /* Which routes this gateway serves, from its own description (no token):
   * a panel whose endpoint is not there yet says 暂无 without asking, so
   * the browser has no failed request to report. Asked once per page. */
  let described = null;
  function served(route) {
    if (!described) {
      described = fetch('/v1/openapi.yaml', { credentials: 'omit' })
        .then((r) => (r.ok ? r.text() : ''))
        .catch(() => '');
    }
    return described.then((text) => text.includes('\n  ' + route + ':'));
  }

  /* api() when the route is served; else a 404 without a request */
  async function optional(route, p, as) {
    if (!(await served(route))) throw new HttpError(404);
    return api(p, as);
  }

  function table(caption, head, rows, opts) {
    opts = opts || {};
    return h('table', { class: opts.class },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows));
  }

  function fill(el, ...content) { el.replaceChildren(...content.flat(Infinity).filter((c) => c !== null && c !== undefined)); }

  function none(el, what) { fill(el, h('p', { class: 'none' }, what || '暂无')); }

  function failed(el, e) {
    if (missing(e)) none(el);
    else if (e instanceof HttpError && e.status === 403) none(el, '无权查看');
    else if (e instanceof HttpError && e.status === 401) none(el, '');
    else fill(el, h('p', { class: 'error' }, '读取失败：' + (e.message || e)));
  }

  function chart(el, option, onClick) {
    if (!window.echarts) { el.hidden = true; return; }
    el.hidden = false;
    const c = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: 'canvas' });
    c.setOption(option, true);
    c.off('click');
    if (onClick) c.on('click', onClick);
  }

  /* ---- the view ------------------------------------------------------------------- */

  function parseHash() {
    const q = new URLSearchParams(location.hash.slice(1));
    return { region: q.get('r'), period: q.get('p') };
  }

  function go(region, period) {
    const hash = '#r=' + region + '&p=' + period;
    if (location.hash === hash) load();
    else location.hash = hash;
  }

  function crumbs(region, period) {
    const root = sessionStorage.getItem(ROOT);
    const nav = $('#crumbs');
    const items = [];
    for (const n of [2, 4, 6, 9, 12]) {
      if (n < level(root) || n > level(region)) continue;
      const code = (region.slice(0, n) + '000000000000').slice(0, 12);
      if (items.length && items[items.length - 1] === code) continue;
      items.push(code);
    }
    if (!items.length) items.push(root);
    fill(nav, h('ol', {}, items.map((code, i) => h('li', {},
      i === items.length - 1
        ? h('span', { 'aria-current': 'page', 'data-region': code }, regionName(code))
        : h('a', { href: '#r=' + code + '&p=' + period, 'data-region': code }, regionName(code))))));
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(ROOT);
    sessionStorage.removeItem(NAMES);
    current = null;
    generation++;
    $('#board').hidden = true;
    $('#tools').hidden = true;
    $('#login').hidden = false;
    fill($('#crumbs'));
    $('#login-error').textContent = message || '';
    document.body.dataset.state = 'login';
    $('#token').value = '';
    $('#token').focus();
  }

  async function signIn(token) {
    sessionStorage.setItem(TOKEN, token);
    const period = cstMonth(0);
    let answer;
    try {
      /* without a region the API answers for the token's own */
      answer = await api('/v1/indicators?period=' + period);
    } catch (e) {
      if (e instanceof HttpError && e.status === 401) return;
      sessionStorage.removeItem(TOKEN);
      $('#login-error').textContent = '登录失败：' + (e.message || e);
      return;
    }
    sessionStorage.setItem(ROOT, answer.region);
    $('#login-error').textContent = '';
    go(answer.region, period);
  }

  async function load() {
    const token = sessionStorage.getItem(TOKEN), root = sessionStorage.getItem(ROOT);
    if (!token || !root) { signOut(); return; }
    let { region, period } = parseHash();
    if (!region || !within(region, root)) region = root;   /* never ask outside the token */
    if (!/^[0-9]{4}-(0[1-9]|1[0-2])$/.test(period || '')) period = cstMonth(0);
    const my = ++generation;
    document.body.dataset.state = 'loading';
    $('#login').hidden = true;
    $('#board').hidden = false;
    $('#tools').hidden = false;
    $('#month').value = period;
    $('#month').max = cstMonth(0);
    crumbs(region, period);
    $('#status').textContent = regionName(region) + ' · ' + period.replace('-', '年') + '月';
    current = { region, period, indicators: [], previous: {} };
    /* the panels that need no indicator leave at once, beside the indicators */
    const work = [deadlines(my), blacklist(my), approval(my)];
    const [now, before] = await Promise.allSettled([
      api('/v1/indicators?region=' + region + '&period=' + period),
      api('/v1/indicators?region=' + region + '&period=' + previousPeriod(period)),
    ]);
    if (my !== generation) return;
    if (now.status !== 'fulfilled') {
      if (now.reason instanceof HttpError && now.reason.status === 401) return;
      const denied = now.reason instanceof HttpError && now.reason.status === 403;
      $('#status').textContent = denied ? '无权查看该区域。' : '读取失败：' + now.reason.message;
      for (const d of DOMAINS) for (const el of document.querySelectorAll('#d-' + d + ' .cards, #d-' + d + ' .table')) none(el, denied ? '无权查看' : '暂无');
      document.body.dataset.state = 'ready';
      return;
    }
    const prev = {};
    if (before.status === 'fulfilled') for (const i of before.value.indicators) prev[i.code] = i;
    current.indicators = now.value.indicators;
    current.previous = prev;
    const mine = {};
    for (const d of DOMAINS) {
      mine[d] = current.indicators.filter((i) => i.code.startsWith(d + '.'));
      picker(d, mine[d]);
      work.push(domainCharts(d, my));   /* their requests leave before the cards are drawn */
    }
    work.push(funds(my));
    for (const d of DOMAINS) {
      cards(d, mine[d]);
      allTable(d, mine[d]);
    }
    await Promise.allSettled(work);
    if (my !== generation) return;
    /* when the view was complete, from the navigation's start (the benchmark reads it) */
    if (!document.body.dataset.firstViewMs) document.body.dataset.firstViewMs = String(Math.round(performance.now()));
    document.body.dataset.state = 'ready';
  }

  /* ---- panels --------------------------------------------------------------------- */

  function change(ind) {
    const p = current.previous[ind.code];
    const kind = kindOf(ind);
    /* a flow is cumulative from January: its month's own part is the change,
     * and in January all of it */
    if (kind === 'flow' && current.period.slice(5) === '01') return { label: '本月', delta: ind.value };
    if (!p) return null;
    return { label: kind === 'flow' ? '本月' : '较上月', delta: ind.value - p.value };
  }

  function deltaText(d, unit) {
    const sign = d.delta > 0 ? '+' : d.delta < 0 ? '−' : '';
    return d.label + ' ' + sign + fmt(Math.abs(d.delta), unit) + (unit === '%' ? ' 个百分点' : '');
  }

  function cards(d, mine) {
    const el = $('#d-' + d + ' .cards');
    const key = mine.filter((i) => KEY[d].includes(i.code) || i.target !== undefined);
    key.sort((a, b) => (KEY[d].indexOf(a.code) + 1 || 99) - (KEY[d].indexOf(b.code) + 1 || 99));
    if (!key.length) { none(el); return; }
    fill(el, key.map((i) => {
      const c = change(i);
      const late = behind(i, current.period);
      const bar = h('div', { class: 'bar' + (late ? ' late' : '') }, h('span'));
      if (typeof i.completion === 'number') bar.firstChild.style.width = Math.min(100, i.completion * 100) + '%';
      return h('article', { class: 'card' + (late ? ' late' : ''), 'data-code': i.code },
        h('h3', {}, label(i)),
        h('p', { class: 'value' }, h('span', { class: 'num' }, fmt(i.value, i.unit)), ' ', h('span', { class: 'unit' }, unitShown(i.unit))),
        i.target !== undefined
          ? [h('p', { class: 'target' }, '年度目标 ', h('span', { class: 'num' }, fmt(i.target, i.unit)),
              typeof i.completion === 'number' ? [' · 完成 ', h('span', { class: 'pct' }, pct(i.completion))] : null,
              late ? h('strong', { class: 'flag' }, ' 落后序时进度') : null), bar]
          : h('p', { class: 'target muted' }, '未设年度目标'),
        c ? h('p', { class: 'delta' }, deltaText(c, i.unit)) : null);
    }));
  }

  function allTable(d, mine) {
    const el = $('#d-' + d + ' .all .table');
    if (!mine.length) { none(el); return; }
    fill(el, table('全部指标（' + current.period + '）', ['指标', '代码', '数值', '单位', '年度目标', '完成率', '较上月'],
      mine.map((i) => {
        const c = change(i);
        return h('tr', { 'data-code': i.code, class: behind(i, current.period) ? 'late' : null },
          h('th', { scope: 'row' }, label(i)), h('td', { class: 'code' }, i.code),
          h('td', { class: 'num' }, fmt(i.value, i.unit)), h('td', {}, unitShown(i.unit)),
          h('td', { class: 'num' }, i.target !== undefined ? fmt(i.target, i.unit) : '—'),
          h('td', { class: 'num' }, typeof i.completion === 'number' ? pct(i.completion) : '—'),
          h('td', { class: 'num' }, c ? deltaText(c, i.unit) : '—'));
      })));
  }

  function picker(d, mine) {
    const sel = $('#d-' + d + ' select.indicator');
    const codes = mine.map((i) => i.code);
    if (!codes.includes(chosen[d])) {
      const withTarget = mine.find((i) => i.target !== undefined && KEY[d].includes(i.code));
      chosen[d] = withTarget ? withTarget.code : (KEY[d].find((k) => codes.includes(k)) || codes[0]);
    }
    fill(sel, mine.map((i) => h('option', { value: i.code, selected: i.code === chosen[d] }, label(i))));
    sel.disabled = !mine.length;
  }

  async function domainCharts(d, my) {
    const code = chosen[d];
    const series = $('#d-' + d + ' .series'), down = $('#d-' + d + ' .breakdown');
    if (!code) {
      for (const p of [series, down]) { $('.chart', p).hidden = true; none($('.table', p)); }
      return;
    }
    const ind = current.indicators.find((i) => i.code === code);
    const { region, period } = current;
    const year = period.slice(0, 4);
    const childLevel = level(region) < 12;
    const [s, b] = await Promise.allSettled([
      api('/v1/indicators/' + encodeURIComponent(code) + '/series?region=' + region + '&year=' + year),
      childLevel ? api('/v1/indicators/' + encodeURIComponent(code) + '/breakdown?region=' + region + '&period=' + period) : Promise.resolve(null),
    ]);
    await chartsReady;
    if (my !== generation) return;
    if (s.status === 'fulfilled') drawSeries(series, ind, s.value);
    else { $('.chart', series).hidden = true; failed($('.table', series), s.reason); }
    if (!childLevel) { $('.chart', down).hidden = true; none($('.table', down), '已是最末一级'); }
    else if (b.status === 'fulfilled') drawBreakdown(down, ind, b.value);
    else { $('.chart', down).hidden = true; failed($('.table', down), b.reason); }
  }

  function drawSeries(panel, ind, answer) {
    const kind = kindOf(ind);
    const rows = answer.series;
    const title = label(ind) + (kind === 'flow' ? '（各月当月）' : '（各月月末）');
    const scale = (v) => (ind.unit === '分' ? v / 1e6 : v);
    chart($('.chart', panel), {
      title: { text: title, left: 'center', textStyle: { fontSize: 13 } },
      tooltip: { trigger: 'axis' },
      grid: { left: 56, right: 16, top: 36, bottom: 28 },
      xAxis: { type: 'category', data: rows.map((r) => +r.period.slice(5) + '月') },
      yAxis: { type: 'value', name: unitShown(ind.unit), minInterval: ind.unit === '分' || ind.unit === '%' ? 0 : 1 },
      series: [{ type: kind === 'flow' ? 'bar' : 'line', data: rows.map((r) => scale(r.value)), itemStyle: { color: '#c0392b' } }],
    });
    fill($('.table', panel), table(title + '，单位：' + unitShown(ind.unit), ['月份', '数值'],
      rows.map((r) => h('tr', { 'data-period': r.period },
        h('th', { scope: 'row' }, r.period), h('td', { class: 'num' }, fmt(r.value, ind.unit))))));
  }

  function drawBreakdown(panel, ind, answer) {
    const period = current.period;
    const rows = answer.breakdown.slice();
    rememberNames(rows);
    const hasTarget = rows.some((r) => typeof r.completion === 'number');
    /* the ones furthest ahead first: with targets by completion, else by value */
    rows.sort((a, b) => hasTarget
      ? (b.completion ?? -1) - (a.completion ?? -1) || b.value - a.value
      : b.value - a.value || a.region.localeCompare(b.region));
    const title = label(ind) + ' · 按下级区域（' + period + '）';
    const into = (code) => go(code, period);
    if (!rows.length) {
      $('.chart', panel).hidden = true;
      none($('.table', panel), '暂无下级数据');
      return;
    }
    const scale = (v) => (ind.unit === '分' ? v / 1e6 : v);
    const shown = rows.slice().reverse();   /* the bar chart draws from the bottom */
    const el = $('.chart', panel);
    el.style.height = Math.max(180, 24 * rows.length + 60) + 'px';
    chart(el, {
      title: { text: title, left: 'center', textStyle: { fontSize: 13 } },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 96, right: 24, top: 36, bottom: 24 },
      xAxis: { type: 'value', name: unitShown(ind.unit), minInterval: ind.unit === '分' || ind.unit === '%' ? 0 : 1 },
      yAxis: { type: 'category', data: shown.map((r) => r.name || r.region) },
      series: [{
        type: 'bar',
        data: shown.map((r) => ({ value: scale(r.value), region: r.region,
          itemStyle: { color: behind(r, period) ? '#c0392b' : '#2e86c1' } })),
      }],
    }, (p) => { if (p.data && p.data.region) into(p.data.region); });
    fill($('.table', panel), table(title + (hasTarget ? '；红色为落后序时进度' : '') + '。点击行进入下级。',
      ['区域', '数值', '年度目标', '完成率', '进度'],
      rows.map((r) => {
        const late = behind(r, period);
        const link = h('a', { href: '#r=' + r.region + '&p=' + period, 'data-region': r.region }, r.name || r.region);
        return h('tr', { 'data-region': r.region, class: 'drill' + (late ? ' late' : ''), onclick: (e) => { if (e.target.tagName !== 'A') into(r.region); } },
          h('th', { scope: 'row' }, link), h('td', { class: 'num' }, fmt(r.value, ind.unit)),
          h('td', { class: 'num' }, r.target !== undefined ? fmt(r.target, ind.unit) : '—'),
          h('td', { class: 'num' }, typeof r.completion === 'number' ? pct(r.completion) : '—'),
          h('td', {}, late ? '落后序时进度' : typeof r.completion === 'number' ? '正常' : '—'));
      })));
  }

  /* Funds: the balance of every scheme from the indicators (no request of
   * its own), and the ledger of one scheme, picked here, from GET
   * /v1/insurance/funds (one request; it answers a scheme at a time). */
  let fundScheme = 'enterprise_pension';

  function balances() {
    const el = $('#funds .balances');
    const rows = current.indicators.filter((i) => i.code.startsWith('ins.fund_balance_fen.'));
    if (!rows.length) { fill(el); return; }
    fill(el, table('各险种基金结余（万元）', ['险种', '结余'], rows.map((i) => {
      const scheme = i.code.split('.')[2];
      return h('tr', { 'data-scheme': scheme }, h('th', { scope: 'row' }, SCHEMES[scheme] || scheme),
        h('td', { class: 'num' }, fmt(i.value, '分')));
    })));
  }

  async function funds(my) {
    balances();
    const el = $('#funds .table');
    const sel = $('#fund-scheme');
    if (!sel.options.length)
      fill(sel, Object.entries(SCHEMES).map(([k, v]) => h('option', { value: k, selected: k === fundScheme }, v)));
    const { region, period } = current;
    try {
      const f = await optional('/v1/insurance/funds', '/v1/insurance/funds?region=' + region +
        '&scheme=' + fundScheme + '&period=' + period);
      if (my !== generation) return;
      const money = (v) => (typeof v === 'number' ? fmt(v, '分') : '—');
      const inc = f.income || {}, exp = f.expenditure || {};
      const line = (name, v, cls) => h('tr', { class: cls }, h('th', { scope: 'row' }, name), h('td', { class: 'num' }, money(v)));
      fill(el, table((SCHEMES[f.scheme] || f.scheme) + '基金账务，截至' + (f.period || period) + '（万元）', ['项目', '金额'], [
        line('收入合计', f.income_fen, 'sum'), line('　其中：征缴', inc.contributions_fen), line('　　　　追回', inc.recoveries_fen),
        line('支出合计', f.expenditure_fen, 'sum'), line('　其中：待遇发放', exp.benefits_fen), line('　　　　稳岗返还', exp.stabilization_refunds_fen),
        line('结余', f.balance_fen, 'sum')]));
    } catch (e) { if (my === generation) failed(el, e); }
  }

  async function deadlines(my) {
    const el = $('#deadlines .table');
    try {
      const a = await optional('/v1/arrears/deadlines', '/v1/arrears/deadlines?region=' + current.region);
      if (my !== generation) return;
      const items = a.items || [];
      if (!items.length) { none(el, '暂无待办事项'); return; }
      fill(el, table('未办结事项，按期限先后；红色为已逾期', ['类型', '编号', '单位', '受理日期', '办理期限', '剩余'],
        items.map((i) => h('tr', { class: i.days_left < 0 ? 'overdue' : null, 'data-id': i.id },
          h('td', {}, KINDS[i.kind] || i.kind), h('td', { class: 'code' }, i.id), h('td', {}, i.employer_name || '—'),
          h('td', {}, i.since || '—'), h('td', {}, i.due_on),
          h('td', { class: 'num' }, i.days_left < 0 ? '逾期 ' + -i.days_left + ' 天' : i.days_left + ' 天')))));
    } catch (e) { if (my === generation) failed(el, e); }
  }

  async function blacklist(my) {
    const el = $('#blacklist .table');
    try {
      const a = await optional('/v1/arrears/blacklist', '/v1/arrears/blacklist?region=' + current.region);
      if (my !== generation) return;
      const rows = a.employers || [];
      if (!rows.length) { none(el, '暂无列入单位'); return; }
      fill(el, table('列入黑名单的单位', ['单位', '统一社会信用代码', '事由', '列入日期', '届满日期'],
        rows.map((r) => h('tr', {}, h('td', {}, r.name), h('td', { class: 'code' }, r.credit_code),
          h('td', {}, r.reason), h('td', {}, r.listed_on), h('td', {}, r.expires_on)))));
    } catch (e) { if (my === generation) failed(el, e); }
  }

  async function approval(my) {
    const el = $('#approval .table');
    try {
      const a = await optional('/v1/reports/{region}/{period}', '/v1/reports/' + current.region + '/' + current.period);
      if (my !== generation) return;
      const state = a.state;
      const steps = a.steps || [];
      fill(el, h('p', { class: 'state', 'data-state': state }, '状态：', h('strong', {}, STATES[state] || state || '—')),
        steps.length ? table('审批记录', ['时间', '操作', '经办', '说明'], steps.map((x) => h('tr', {},
          h('td', {}, x.at || ''), h('td', {}, ACTIONS[x.action] || x.action || ''),
          h('td', {}, x.name || x.role || ''), h('td', {}, x.reason || '')))) : null);
    } catch (e) { if (my === generation) failed(el, e); }
  }

  /* ---- the summary and the workbook (asked for on a click) --------------------------- */

  function markdown(text) {
    const out = [];
    let list = null, para = [];
    const inline = (s) => s.split(/(\*\*[^*]+\*\*)/).map((part) =>
      part.startsWith('**') && part.endsWith('**') && part.length > 4 ? h('strong', {}, part.slice(2, -2)) : part);
    const flush = () => {
      if (para.length) out.push(h('p', {}, inline(para.join(''))));
      para = [];
      list = null;
    };
    for (const line of text.split('\n')) {
      const t = line.trim();
      const head = /^(#{1,4})\s+(.*)$/.exec(t);
      if (!t) flush();
      else if (head) { flush(); out.push(h('h' + Math.min(6, head[1].length + 2), {}, inline(head[2]))); }
      else if (/^[-*]\s+/.test(t)) {
        if (para.length) { out.push(h('p', {}, inline(para.join('')))); para = []; }
        if (!list) { list = h('ul'); out.push(list); }
        list.append(h('li', {}, inline(t.replace(/^[-*]\s+/, ''))));
      } else { list = null; para.push(t); }
    }
    flush();
    return out;
  }

  async function openSummary() {
    if (!current) return;
    const body = $('#summary-body');
    const q = '?region=' + current.region + '&period=' + current.period;
    fill(body, h('p', {}, '读取中…'));
    $('#summary').showModal();
    try { fill(body, ...markdown(await optional('/v1/reports/summary', '/v1/reports/summary' + q, 'text'))); } catch (e) { failed(body, e); }
  }

  async function downloadXlsx() {
    if (!current) return;
    const msg = $('#report-msg');
    msg.textContent = '';
    try {
      const blob = await optional('/v1/reports/monthly.xlsx', '/v1/reports/monthly.xlsx?region=' + current.region + '&period=' + current.period, 'blob');
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: '月报-' + current.region + '-' + current.period + '.xlsx' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) { msg.textContent = missing(e) ? '暂无' : '下载失败：' + e.message; }
  }

  /* ---- wiring --------------------------------------------------------------------- */

  /* deferred: the document is parsed when this runs */
  (() => {
    $('#login-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const t = $('#token').value.trim();
      if (t) signIn(t);
    });
    $('#logout').addEventListener('click', () => signOut('已退出。'));
    $('#month').addEventListener('change', () => {
      const p = $('#month').value;
      if (current && /^[0-9]{4}-[0-9]{2}$/.test(p)) go(current.region, p);
    });
    for (const d of DOMAINS) {
      $('#d-' + d + ' select.indicator').addEventListener('change', (e) => {
        chosen[d] = e.target.value;
        if (!current) return;
        const my = generation;
        document.body.dataset.state = 'loading';
        domainCharts(d, my).finally(() => { if (my === generation) document.body.dataset.state = 'ready'; });
      });
    }
    $('#fund-scheme').addEventListener('change', (e) => {
      fundScheme = e.target.value;
      if (current) funds(generation);
    });
    $('#open-summary').addEventListener('click', openSummary);
    $('#close-summary').addEventListener('click', () => $('#summary').close());
    $('#download-xlsx').addEventListener('click', downloadXlsx);
    window.addEventListener('hashchange', load);
    window.addEventListener('resize', () => {
      if (!window.echarts) return;
      for (const el of document.querySelectorAll('.chart')) {
        const c = window.echarts.getInstanceByDom(el);
        if (c) c.resize();
      }
    });
    if (sessionStorage.getItem(TOKEN)) load(); else signOut();
  })();
})();
