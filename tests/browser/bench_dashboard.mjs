// The dashboard's first view, timed by the browser itself (scenario 8 of
// tests/bench/run.py): headless Debian chromium opens /dashboard/ in a tab
// already signed in (the token in its sessionStorage), and the page reports
// when its view was complete (body[data-first-view-ms], from the
// navigation's start); first contentful paint and the load event come from
// the Navigation and Paint Timing APIs. Each cold run is a new browser
// context (empty cache); each warm run a reload (assets from the cache).
// Prints one JSON object.
//
//   node bench_dashboard.mjs --url http://127.0.0.1:8080 --token T --region R --period P [--runs N]
import { chromium } from 'playwright-core';

const arg = (name, fallback) => {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const URL_ = arg('url'), TOKEN = arg('token'), REGION = arg('region'), PERIOD = arg('period');
const RUNS = Number(arg('runs', '5'));
if (!URL_ || !TOKEN || !REGION || !PERIOD) {
  console.error('usage: bench_dashboard.mjs --url URL --token T --region R --period YYYY-MM [--runs N]');
  process.exit(2);
}
const region12 = (REGION + '000000000000').slice(0, 12);
const median = (xs) => { const s = xs.slice().sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

async function view(page) {
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 60000 });
  return page.evaluate(() => ({
    complete_ms: Number(document.body.dataset.firstViewMs),
    fcp_ms: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
    load_ms: performance.getEntriesByType('navigation')[0]?.loadEventEnd ?? null,
    errors: document.querySelectorAll('#board .error').length,
  }));
}

const browser = await chromium.launch({
  executablePath: process.env.HRSS_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const cold = [], warm = [];
let requests = 0, own = 0;
try {
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    await context.addInitScript(([t, r]) => {
      sessionStorage.setItem('hrss.token', t);
      sessionStorage.setItem('hrss.root', r);
    }, [TOKEN, region12]);
    const page = await context.newPage();
    const api = [];
    let counting = i === 0;   /* the first cold view's own bytes */
    page.on('request', (r) => { if (r.url().includes('/v1/')) api.push(r.url()); });
    page.on('response', async (r) => {
      const u = r.url();
      if (counting && (u.endsWith('/dashboard/') || /\/dashboard\/app\.[0-9a-f]+\.(js|css)$/.test(u)))
        own += (await r.body()).length;
    });
    await page.goto(`${URL_}/dashboard/#r=${region12}&p=${PERIOD}`);
    cold.push(await view(page));
    if (i === 0) requests = api.length;
    counting = false;
    await page.reload();
    warm.push(await view(page));
    await context.close();
  }
} finally {
  await browser.close();
}
const pick = (runs, k) => median(runs.map((r) => r[k]).filter((v) => v !== null));
console.log(JSON.stringify({
  runs: RUNS,
  cold: { complete_ms: pick(cold, 'complete_ms'), fcp_ms: pick(cold, 'fcp_ms'), load_ms: pick(cold, 'load_ms') },
  warm: { complete_ms: pick(warm, 'complete_ms'), fcp_ms: pick(warm, 'fcp_ms'), load_ms: pick(warm, 'load_ms') },
  own_bytes: own,
  api_requests_first_view: requests,
  panel_errors: cold.concat(warm).reduce((s, r) => s + r.errors, 0),
}));
