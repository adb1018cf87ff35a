// The county dashboard in a real browser: Debian's chromium, headless, driven
// by playwright-core (tests/browser/node_modules, installed by
// deploy/local.sh test; never a downloaded browser). On the stack of
// `./deploy/local.sh test`, with events of its own in 双牌县 (431123, which
// no other test writes to) for 2023: signs in with a county token, checks
// that every figure the page shows equals the API's, drills into a township
// and checks again, signs in with a township token and checks that a
// neighbour township is not reachable. Any console error or page error
// fails it. Screenshots go to $HRSS_TEST_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, copyFileSync } from 'node:fs';
import { randomInt, randomUUID } from 'node:crypto';
import path from 'node:path';
import { chromium } from 'playwright-core';

const ENV = {};
for (const line of readFileSync(process.env.HRSS_TEST_ENV ?? assert.fail('HRSS_TEST_ENV is not set: run through ./deploy/local.sh test'), 'utf8').split('\n')) {
  const m = /^export ([A-Z0-9_]+)='(.*)'$/.exec(line.trim());
  if (m) ENV[m[1]] = m[2];
}
const BASE = `http://${ENV.HRSS_HTTP_ADDR}:${ENV.HRSS_HTTP_PORT}`;
const ARTIFACTS = process.env.HRSS_TEST_ARTIFACTS ?? path.join(ENV.HRSS_STATE_DIR, 'artifacts');
const CHROMIUM = process.env.HRSS_CHROMIUM ?? '/usr/bin/chromium';

const COUNTY = '431123000000';
const T1 = '431123100000', T2 = '431123101000', T3 = '431123102000';   // 泷泊镇 江村镇 五里牌镇
const V1 = '431123100001', V2 = '431123100002', V3 = '431123101001', V4 = '431123102003';
const PERIOD = '2023-06', PREVIOUS = '2023-05';

// ---- the API, as the test sees it ------------------------------------------------------

async function api(method, p, token, body) {
  const r = await fetch(BASE + p, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
  });
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) };
}

async function get(p, token) {
  const r = await api('GET', p, token);
  assert.equal(r.status, 200, `GET ${p}: ${r.status} ${r.text.slice(0, 300)}`);
  return r.json();
}

function hrssctl(...args) {
  return execFileSync(path.join(ENV.HRSS_BIN_DIR, 'hrssctl'), args,
    { env: { ...process.env, ...ENV }, encoding: 'utf8' }).trim();
}

const token = (role, region) => hrssctl('token', 'create', '--role', role, '--region', region,
  '--name', `dashboard-${role}-${randomUUID().slice(0, 8)}`);

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
function idNumber(n) {
  const d = new Date(Date.UTC(1970, 0, 1) + Math.floor(n / 1000) * 86400000);
  const body = '431123' + d.toISOString().slice(0, 10).replaceAll('-', '') + String(n % 1000).padStart(3, '0');
  const sum = [...body].reduce((s, c, i) => s + Number(c) * WEIGHTS[i], 0);
  return body + '10X98765432'[sum % 11];
}

const ev = (type, region, at, data) => ({ id: 'dash-' + randomUUID(), type, region, occurred_at: at, data });

// ---- what the page shows, read back ---------------------------------------------------

// The page's way of writing a value (app.js fmt): money in 万元 with two
// decimals, rates with two decimals (no value: a dash), counts grouped by
// thousands.
function shown(value, unit) {
  if (value === null || value === undefined) return '—';   // a rate of 0 of 0
  const two = { minimumFractionDigits: 2, maximumFractionDigits: 2 };
  if (unit === '分') return new Intl.NumberFormat('zh-CN', two).format(value / 1e6);
  if (unit === '%') return new Intl.NumberFormat('zh-CN', two).format(value);
  return new Intl.NumberFormat('zh-CN').format(value);
}

async function ready(page) {
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30000 });
}

async function checkIndicators(page, tok, region, period) {
  const now = (await get(`/v1/indicators?region=${region}&period=${period}`, tok)).indicators;
  assert.ok(now.length > 0);
  for (const ind of now) {
    const row = page.locator(`details.all tr[data-code="${ind.code}"]`);
    assert.equal(await row.count(), 1, `one row for ${ind.code}`);
    const cells = await row.locator('td.num').allTextContents();
    assert.equal(cells[0], shown(ind.value, ind.unit), `${region} ${period} ${ind.code} value`);
    assert.equal(cells[1], ind.target === undefined ? '—' : shown(ind.target, ind.unit), `${ind.code} target`);
    const card = page.locator(`.card[data-code="${ind.code}"]`);
    if (await card.count()) {
      assert.equal(await card.locator('.value .num').textContent(), shown(ind.value, ind.unit), `${ind.code} card`);
      if (typeof ind.completion === 'number')
        assert.equal(await card.locator('.pct').textContent(), new Intl.NumberFormat('zh-CN',
          { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(ind.completion * 100) + '%');
    }
  }
  return Object.fromEntries(now.map((i) => [i.code, i]));
}

async function checkBreakdown(page, tok, region, period, code) {
  const answer = await get(`/v1/indicators/${code}/breakdown?region=${region}&period=${period}`, tok);
  const rows = page.locator('#d-emp .breakdown tbody tr');
  assert.equal(await rows.count(), answer.breakdown.length, 'one row per child region');
  const month = Number(period.slice(5));
  for (const child of answer.breakdown) {
    const tr = page.locator(`#d-emp .breakdown tr[data-region="${child.region}"]`);
    assert.equal((await tr.locator('td.num').first().textContent()), shown(child.value, answer.unit), `${child.region} ${code}`);
    const late = typeof child.completion === 'number' && child.completion < month / 12;
    assert.equal((await tr.getAttribute('class')).includes('late'), late, `${child.region} behind the pace`);
  }
  return answer.breakdown;
}

async function checkSeries(page, tok, region, year, code) {
  const answer = await get(`/v1/indicators/${code}/series?region=${region}&year=${year}`, tok);
  assert.equal(answer.series.length, 12);
  for (const m of answer.series)
    assert.equal(await page.locator(`#d-emp .series tr[data-period="${m.period}"] td.num`).textContent(),
      shown(m.value, answer.unit), `series ${m.period}`);
}

// ---- the run -----------------------------------------------------------------------------

let browser, admin, county, township;

async function values(region) {
  const a = await get(`/v1/indicators?region=${region}&period=${PERIOD}`, admin);
  return Object.fromEntries(a.indicators.map((i) => [i.code, i.value]));
}
const problems = [];   // console errors and page errors, from every page
// The endpoints other issues are building: the page asks for one only when
// the gateway's description lists it, and copes with its refusal; the
// browser's own log line of such a refusal is not the page's error. Any
// other failed request (an asset, an indicator) is.
const OPTIONAL = /^\/v1\/(insurance\/funds|arrears\/(deadlines|blacklist)|reports\/)/;

function watch(page) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location().url || '';
    if (/^Failed to load resource: the server responded with a status of (400|404|501)/.test(msg.text()) &&
        where.startsWith(BASE) && OPTIONAL.test(where.slice(BASE.length))) {
      console.log(`# tolerated: ${msg.text()} (${where.slice(BASE.length)})`);
      return;
    }
    problems.push(`console: ${msg.text()} (${where})`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
}

async function signIn(context, tok) {
  const page = await context.newPage();
  watch(page);
  await page.goto(BASE + '/dashboard/');
  await page.fill('#token', tok);
  await page.click('#login-form button[type=submit]');
  await ready(page);
  return page;
}

async function pickMonth(page) {
  await page.fill('#month', PERIOD);   // the month picker; its change event moves the view
  await page.locator('#month').blur();
  await page.waitForFunction((p) => location.hash.includes('p=' + p) && document.body.dataset.state === 'ready', PERIOD);
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  admin = readFileSync(path.join(ENV.HRSS_STATE_DIR, 'admin-token'), 'utf8').trim();
  county = token('county', '431123');
  township = token('township', '431123100');
  const base = randomInt(0, 13_000_000);
  const p = Array.from({ length: 12 }, (_, i) => idNumber(base + i));
  const reg = (i, v, at) => ev('employment.person_registered', v, at,
    { id_number: p[i], name: '测试', household: 'rural' });
  const unemployed = (i, v, at) => ev('employment.unemployment_registered', v, at,
    { id_number: p[i], registered_on: at.slice(0, 10) });
  const employed = (i, v, at) => ev('employment.employed', v, at,
    { id_number: p[i], kind: 'urban_new', location: 'in_county', started_on: at.slice(0, 10) });
  const enrolled = (i, v, at, scheme) => ev('insurance.enrolled', v, at,
    { id_number: p[i], scheme, enrolled_on: at.slice(0, 10) });
  const villages = [V1, V1, V2, V2, V3, V3, V3, V4, V4, V1, V3, V4];
  const events = villages.map((v, i) => reg(i, v, '2023-01-1' + (i % 10) + 'T09:00:00+08:00'));
  events.push(unemployed(0, V1, '2023-02-01T09:00:00+08:00'), unemployed(4, V3, '2023-02-02T09:00:00+08:00'),
    unemployed(5, V3, '2023-02-03T09:00:00+08:00'), unemployed(7, V4, '2023-03-01T09:00:00+08:00'));
  events.push(employed(0, V1, '2023-05-10T09:00:00+08:00'), employed(1, V1, '2023-06-05T09:00:00+08:00'),
    employed(2, V2, '2023-06-06T09:00:00+08:00'), employed(4, V3, '2023-06-07T09:00:00+08:00'),
    employed(7, V4, '2023-04-01T09:00:00+08:00'), employed(8, V4, '2023-06-08T09:00:00+08:00'));
  events.push(enrolled(0, V1, '2023-03-01T09:00:00+08:00', 'enterprise_pension'),
    enrolled(3, V2, '2023-06-01T09:00:00+08:00', 'resident_pension'),
    enrolled(6, V3, '2023-05-01T09:00:00+08:00', 'resident_pension'),
    enrolled(9, V1, '2023-06-02T09:00:00+08:00', 'unemployment'));
  const base0 = await values(COUNTY);
  const r = await api('POST', '/v1/events', county, { events });
  assert.equal(r.status, 200, r.text);
  for (const x of r.json().results) assert.equal(x.status, 'accepted', JSON.stringify(x));
  // reporting learns through the feeds: wait until it has everything
  const deadline = Date.now() + 60000;
  for (;;) {
    const v = await values(COUNTY);
    if (v['emp.labor_force'] === base0['emp.labor_force'] + 12 && v['emp.urban_new_jobs'] === base0['emp.urban_new_jobs'] + 6 &&
        v['ins.enrolled.unemployment'] === base0['ins.enrolled.unemployment'] + 1) break;
    assert.ok(Date.now() < deadline, 'reporting did not catch up: ' + JSON.stringify(v));
    await new Promise((res) => setTimeout(res, 200));
  }
  // targets: the county's, and two townships': 江村镇's eight times what it
  // has, behind the year's pace in June (1/8 < 6/12)
  const t2 = (await values('431123101'))['emp.urban_new_jobs'];
  for (const [where, t] of [['431123', { 'emp.urban_new_jobs': 10, 'emp.reemployed_unemployed': 4 }],
    ['431123100', { 'emp.urban_new_jobs': 4 }], ['431123101', { 'emp.urban_new_jobs': 8 * t2 }]]) {
    const put = await api('PUT', `/v1/targets/2023/${where}`, admin, t);
    assert.equal(put.status, 200, put.text);
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--lang=zh-CN', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  if (browser) await browser.close();
});

test('the page and its assets: caching, content types, a strict CSP', async () => {
  const page = await fetch(BASE + '/dashboard/');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html; charset=utf-8/);
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  const csp = page.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /connect-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const html = await page.text();
  const again = await fetch(BASE + '/dashboard/', { headers: { 'If-None-Match': page.headers.get('etag') } });
  assert.equal(again.status, 304);
  const assets = [...html.matchAll(/(?:src|href)="\/dashboard\/([^"]+)"/g)].map((m) => m[1]);
  assert.ok(assets.some((a) => /^echarts\.[0-9a-f]{16}\.min\.js$/.test(a)), 'ECharts is served: ' + assets);
  let own = Buffer.byteLength(html);
  for (const a of assets) {
    const r = await fetch(BASE + '/dashboard/' + a);
    assert.equal(r.status, 200, a);
    assert.equal(r.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(r.headers.get('content-type'), a.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
    const size = (await r.arrayBuffer()).byteLength;
    if (a.startsWith('app.')) own += size;
  }
  assert.ok(own < 100 * 1024, `the page's own code and styles: ${own} bytes`);
  console.log(`# the page's own html, js and css: ${own} bytes`);
  assert.equal((await fetch(BASE + '/dashboard/app.0000000000000000.js')).status, 404);
});

test('county: the figures are the API\'s; drill into a township and back', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const calls = [];
  context.on('request', (r) => { if (r.url().includes('/v1/')) calls.push(r.url().slice(BASE.length)); });
  const started = Date.now();
  const page = await signIn(context, county);
  const mark = calls.length;   // the requests of the month's view from here
  await pickMonth(page);
  console.log(`# county view signed in and drawn in ${Date.now() - started} ms`);
  // the token never reaches the URL, and sits in sessionStorage only
  assert.ok(!page.url().includes('hrss_'));
  assert.equal(await page.evaluate(() => document.cookie), '');
  assert.ok((await page.evaluate(() => sessionStorage.getItem('hrss.token'))).startsWith('hrss_'));

  const ind = await checkIndicators(page, county, COUNTY, PERIOD);
  assert.ok(ind['emp.urban_new_jobs'].value >= 6);
  assert.equal(ind['emp.urban_new_jobs'].target, 10);
  // change from last month: a flow's June part
  const prev = (await get(`/v1/indicators?region=${COUNTY}&period=${PREVIOUS}`, county)).indicators
    .find((i) => i.code === 'emp.urban_new_jobs');
  assert.equal(await page.locator('.card[data-code="emp.urban_new_jobs"] .delta').textContent(),
    `本月 +${ind['emp.urban_new_jobs'].value - prev.value}`);
  const children = await checkBreakdown(page, county, COUNTY, PERIOD, 'emp.urban_new_jobs');
  assert.ok(children.some((c) => c.region === T2 && c.completion < 0.5), '江村镇 is behind in the data');
  assert.equal(await page.locator(`#d-emp .breakdown tr.late[data-region="${T2}"]`).count(), 1);
  await checkSeries(page, county, COUNTY, 2023, 'emp.urban_new_jobs');
  // a panel whose endpoint is missing says so, none failed
  assert.equal(await page.locator('#board .error').count(), 0);
  // one request per panel at most: none asked twice in the view
  const viewCalls = calls.slice(mark);
  assert.ok(viewCalls.length >= 4, viewCalls.join(' '));
  assert.equal(new Set(viewCalls).size, viewCalls.length, 'a request repeated: ' + viewCalls.join(' '));
  // the first view of a signed-in tab: opened again, the token still in the tab
  await page.reload();
  await ready(page);
  const t = await page.evaluate(() => ({
    ready: Number(document.body.dataset.firstViewMs),
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
    load: performance.getEntriesByType('navigation')[0]?.loadEventEnd,
  }));
  assert.ok(t.ready > 0, 'the page marks its first view');
  console.log(`# first view (reload, signed in): first contentful paint ${Math.round(t.fcp)} ms, load ${Math.round(t.load)} ms, complete ${t.ready} ms`);
  await checkIndicators(page, county, COUNTY, PERIOD);
  await page.screenshot({ path: path.join(ARTIFACTS, 'county.png'), fullPage: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'county-top.png') });

  // drill down: a row of the breakdown
  await page.click(`#d-emp .breakdown tr[data-region="${T1}"] td.num`);
  await page.waitForFunction((r) => location.hash.includes('r=' + r) && document.body.dataset.state === 'ready', T1);
  await checkIndicators(page, county, T1, PERIOD);
  await checkBreakdown(page, county, T1, PERIOD, 'emp.urban_new_jobs');
  await checkSeries(page, county, T1, 2023, 'emp.urban_new_jobs');
  assert.equal(await page.locator('#crumbs [aria-current]').textContent(), '泷泊镇');
  await page.screenshot({ path: path.join(ARTIFACTS, 'township.png'), fullPage: true });
  // the breadcrumb goes back up
  await page.click(`#crumbs a[data-region="${COUNTY}"]`);
  await page.waitForFunction((r) => location.hash.includes('r=' + r) && document.body.dataset.state === 'ready', COUNTY);
  await checkIndicators(page, county, COUNTY, PERIOD);
  // the browser's back button walks the same way
  await page.goBack();
  await page.waitForFunction((r) => location.hash.includes('r=' + r) && document.body.dataset.state === 'ready', T1);
  await checkIndicators(page, county, T1, PERIOD);
  await context.close();
});

test('township: its own villages only; a neighbour is not reachable', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const calls = [];
  context.on('request', (r) => { if (r.url().includes('/v1/')) calls.push(r.url().slice(BASE.length)); });
  const page = await signIn(context, township);
  await pickMonth(page);
  await checkIndicators(page, township, T1, PERIOD);
  const villages = await checkBreakdown(page, township, T1, PERIOD, 'emp.urban_new_jobs');
  assert.ok(villages.length >= 1 && villages.every((v) => v.region.startsWith('431123100')));
  // nothing above the township is offered
  assert.equal(await page.locator(`#crumbs [data-region="${COUNTY}"]`).count(), 0);
  assert.equal(await page.locator(`[data-region="${T2}"], [data-region="${T3}"]`).count(), 0);
  await page.screenshot({ path: path.join(ARTIFACTS, 'township-token.png'), fullPage: true });
  // a neighbour typed into the address: the page stays in its own township
  // and never asks for the neighbour; the API refuses it anyway
  const before = calls.length;
  await page.evaluate((r) => { location.hash = '#r=' + r + '&p=2023-06'; }, T2);
  await page.waitForFunction(() => document.body.dataset.state === 'ready');
  await page.waitForTimeout(300);
  await ready(page);
  assert.equal(calls.slice(before).filter((c) => c.includes('431123101')).length, 0);
  assert.equal(await page.locator('#crumbs [aria-current]').getAttribute('data-region'), T1);
  assert.equal((await api('GET', `/v1/indicators?region=${T2}&period=${PERIOD}`, township)).status, 403);
  // signing out forgets the token
  await page.click('#logout');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('hrss.token')), null);
  assert.ok(await page.locator('#login').isVisible());
  await context.close();
});

test('no console error and no page error anywhere', () => {
  assert.deepEqual(problems, []);
  if (process.env.HRSS_DASHBOARD_PNG) copyFileSync(path.join(ARTIFACTS, 'county-top.png'), process.env.HRSS_DASHBOARD_PNG);
});
