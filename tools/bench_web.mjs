#!/usr/bin/env node
// Benchmark (not a test): node tools/bench_web.mjs [--calls N] [--overlay-only]
//  (a) every byte room.html needs before it can join: each file raw, gzip, brotli (node's zlib), and
//      (a') the same for each vendor profile's page (dist/web-<profile>) plus the SDK its adapter fetches;
//  (b) Earshot: time from clicking Join to the first inbound audio packet on both sides (getStats
//      inbound-rtp packetsReceived > 0), median and spread over N calls (default 10);
//  (c) the same for a plain-JS baseline (simple-peer + socket.io-client, mic requested on click,
//      seed-004 /api/v1/rooms/:id/join with app credentials) against the same backend; the ratio;
//  (d) the CPU cost of an open diagnostics overlay: the host page's main-thread busy time per second
//      of a connected call (CDP Performance.getMetrics TaskDuration), overlay closed and then open.
// Runs the backend and headless Chromium inside a private network namespace (needs root; Chromium
// gathers no ICE candidates on loopback alone); pages load from http://127.0.0.1.
import { readFileSync, readdirSync, existsSync, cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { inNamespace, startBackend, toneFile, tempDir, ROOT, sleep } from '../tests/browser/harness.mjs';
import { createRequire } from 'node:module';

const argCalls = process.argv.indexOf('--calls');
const CALLS = argCalls > 0 ? Number(process.argv[argCalls + 1]) : 10;
const OVERLAY_ONLY = process.argv.includes('--overlay-only');  // just (a) and (d)
const WEB = join(ROOT, 'dist', 'web');
const ROOM_FILES = ['room.html', 'earshot.css', 'room.js', 'earshot.wasm', 'config.json', 'favicon.svg'];  // room.js bundles client.js and earshot.js

const status = inNamespace(fileURLToPath(import.meta.url), []);
if (status !== null) process.exit(status);

// One file's bytes raw, gzip -9 and brotli 11; a sum of such rows; a table of them.
function size(dir, file) {
  const b = readFileSync(join(dir, file));
  return { file, raw: b.length, gzip: zlib.gzipSync(b, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length };
}
const sum = (rows, file) => rows.reduce((t, r) => ({ file, raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), { raw: 0, gzip: 0, brotli: 0 });
function table(rows, width) {
  console.log('file'.padEnd(width) + 'raw'.padStart(10) + 'gzip'.padStart(10) + 'brotli'.padStart(10));
  for (const r of rows) console.log(r.file.padEnd(width) + String(r.raw).padStart(10) + String(r.gzip).padStart(10) + String(r.brotli).padStart(10));
}

function bytesTable() {
  const rows = ROOM_FILES.map((f) => size(WEB, f));
  const total = sum(rows, 'TOTAL');
  console.log('\n(a) bytes room.html needs before it can join');
  table([...rows, total], 14);
  console.log(`goal (issue 7): 76800 B brotli -> ${total.brotli <= 76800 ? 'within' : 'OVER by ' + (total.brotli - 76800) + ' B'} (tests/size holds the page to its ceiling)`);
  // The other profiles' pages (tools/build.sh web): the same files over the full core, then what their
  // adapter fetches once the pre-join has painted (the adapter and the vendor's SDK; kvs: its chat module).
  for (const profile of ['chime', 'ivs', 'kvs']) {
    const dir = join(ROOT, 'dist', `web-${profile}`);
    if (!existsSync(join(dir, 'room.html'))) { console.log(`\n(a') ${profile} pages: not built (tools/build.sh web)`); continue; }
    const page = sum(ROOM_FILES.map((f) => size(dir, f)), 'pre-join');
    const later = readdirSync(join(dir, 'vendor')).sort().map((f) => size(dir, `vendor/${f}`));
    console.log(`\n(a') the ${profile} profile's room page: before Join, then fetched during pre-join`);
    table([page, ...later, sum([page, ...later], 'TOTAL')], 22);
  }
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
  return { median: median(s), min: s[0], max: s.at(-1), p25: q(0.25), p75: q(0.75) };
};
const fmt = (x) => `${x.toFixed(0)} ms`;

// In the page: click Join (a real click event), then poll the stats hook until audio packets arrive.
// Earshot's inbound audio packets over every peer link, read through the page's call.
const EARSHOT_INBOUND = `async () => {
  const links = await window.__earshot.call().stats();
  let packetsReceived = 0;
  for (const { report } of links) report.forEach((x) => { if (x.type === 'inbound-rtp' && x.kind === 'audio') packetsReceived += x.packetsReceived || 0; });
  return { packetsReceived };
}`;
async function clickAndTime(page, selector, statsExpr) {
  await page.evaluate(({ selector, statsExpr }) => {
    window.__bench = { t0: performance.now(), t1: null };
    document.querySelector(selector).click();
    const stats = new Function(`return (${statsExpr})()`);
    (async function poll() {
      const s = await stats().catch(() => null);
      if (s && s.packetsReceived > 0) { window.__bench.t1 = performance.now(); return; }
      setTimeout(poll, 5);
    })();
  }, { selector, statsExpr });
}
async function waitTimed(page, timeout = 30000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    const b = await page.evaluate(() => window.__bench);
    if (b && b.t1 !== null) return b.t1 - b.t0;
    await sleep(50);
  }
  throw new Error('no inbound audio within 30 s');
}

// A new room's host and guest pages, each in its own context, loaded and ready to join.
async function roomPages(browser, backend, title) {
  const r = await backend.createRoom({ title });
  const ctxs = [await browser.newContext(), await browser.newContext()];
  const pages = [];
  for (const [i, url] of [r.links.host.url, r.links.guest.url].entries()) {
    const p = await ctxs[i].newPage();
    await p.goto(url);
    await p.locator('#join-btn:not([disabled])').waitFor({ timeout: 15000 });
    pages.push(p);
  }
  return { ctxs, pages };
}

async function earshotCall(browser, backend) {
  const { ctxs, pages } = await roomPages(browser, backend, 'bench');
  await Promise.all(pages.map((p) => clickAndTime(p, '#join-btn', EARSHOT_INBOUND)));
  const times = await Promise.all(pages.map((p) => waitTimed(p)));
  for (const c of ctxs) await c.close();
  return Math.max(...times);
}

// (d) One connected call; the host page's main-thread busy share over 10 s, overlay closed, then open
// (the overlay draws with WebGL through SwiftShader here: a software renderer, so an upper bound).
async function overlayCost(browser, backend) {
  const { ctxs, pages } = await roomPages(browser, backend, 'bench overlay');
  for (const p of pages) await p.click('#join-btn');
  await pages[0].waitForFunction(() => window.__earshot.snapshot().state === 'connected', null, { timeout: 20000 });
  const cdp = await ctxs[0].newCDPSession(pages[0]);
  await cdp.send('Performance.enable');
  const busy = async () => {
    const metric = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
    const t0 = await metric();
    await sleep(10000);
    return ((await metric()) - t0) / 10;
  };
  const closed = await busy();
  await pages[0].locator('body').press('d');
  await pages[0].waitForFunction(() => {
    const f = document.querySelector('iframe.diag');
    return f && f.contentWindow.earshotDiag && f.contentWindow.earshotDiag.shown().frames > 10;
  }, null, { timeout: 20000 });
  const open = await busy();
  const frames = await pages[0].evaluate(() => document.querySelector('iframe.diag').contentWindow.earshotDiag.shown().frames);
  console.log('\n(d) diagnostics overlay: host page main-thread busy time per second of a connected call');
  console.log(`    closed ${(closed * 1000).toFixed(1)} ms/s (${(closed * 100).toFixed(1)}%), open ${(open * 1000).toFixed(1)} ms/s (${(open * 100).toFixed(1)}%), ${frames} frames drawn`);
  for (const c of ctxs) await c.close();
}

async function baselineCall(browser, backend, creds, n) {
  const created = await fetch(`${backend.base}/api/v1/rooms`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-App-Id': creds.appId, 'X-App-Key': creds.appSecret }, body: '{}',
  }).then((x) => x.json());
  const ctxs = [await browser.newContext(), await browser.newContext()];
  const pages = [];
  for (const [i, role] of ['host', 'guest'].entries()) {
    const p = await ctxs[i].newPage();
    const q = new URLSearchParams({ room: created.roomId, user: `${role}${n}`, role, appId: creds.appId, appKey: creds.appSecret });
    await p.goto(`${backend.base}/baseline/baseline.html?${q}`);
    await p.waitForFunction(() => typeof window.SimplePeer === 'function' && typeof window.io === 'function');
    pages.push(p);
  }
  // The host joins first so the guest's arrival triggers the offer (seed 004's flow), as with Earshot.
  await clickAndTime(pages[0], '#join', 'window.__stats');
  await clickAndTime(pages[1], '#join', 'window.__stats');
  const times = await Promise.all(pages.map((p) => waitTimed(p)));
  for (const c of ctxs) await c.close();
  return Math.max(...times);
}

async function main() {
  bytesTable();
  const work = tempDir('earshot-bench-');
  // Serve dist/web plus the baseline page from one origin (the backend's CSP allows 'self' scripts).
  const web = join(work, 'web');
  cpSync(WEB, web, { recursive: true });
  mkdirSync(join(web, 'baseline'));
  const req = createRequire(join(ROOT, 'tools', 'js', 'package.json'));
  cpSync(join(ROOT, 'tools', 'js', 'baseline'), join(web, 'baseline'), { recursive: true });
  cpSync(req.resolve('simple-peer/simplepeer.min.js'), join(web, 'baseline', 'simplepeer.min.js'));
  cpSync(join(req.resolve('socket.io-client/package.json'), '..', 'dist', 'socket.io.min.js'), join(web, 'baseline', 'socket.io.min.js'));
  const creds = { appId: 'bench_app', appSecret: 'bench-app-secret-0123456789' };
  const backend = await startBackend({ env: { EARSHOT_WEB_DIR: web, EARSHOT_APP_ID: creds.appId, EARSHOT_APP_SECRET: creds.appSecret, EARSHOT_RATE_REDEEM: '10000', EARSHOT_RATE_ADMIN: '10000', EARSHOT_RATE_AUTH: '10000' } });
  const { chromium } = req('playwright-core');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', ignoreDefaultArgs: ['--headless'],
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${toneFile(work)}`, '--autoplay-policy=no-user-gesture-required',
      '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  });
  try {
    if (OVERLAY_ONLY) return await overlayCost(browser, backend);
    await earshotCall(browser, backend);          // warm-up (compile caches), not counted
    await baselineCall(browser, backend, creds, 0);
    const e = [], b = [];
    for (let i = 1; i <= CALLS; i++) {           // interleaved so drift hits both equally
      e.push(await earshotCall(browser, backend));
      b.push(await baselineCall(browser, backend, creds, i));
    }
    const es = summary(e), bs = summary(b);
    console.log(`\n(b) Earshot: Join click -> first inbound audio packet on both sides, ${CALLS} calls`);
    console.log(`    median ${fmt(es.median)}  (p25 ${fmt(es.p25)}, p75 ${fmt(es.p75)}, min ${fmt(es.min)}, max ${fmt(es.max)})`);
    console.log(`    each: ${e.map((x) => x.toFixed(0)).join(' ')}`);
    console.log(`(c) baseline (simple-peer + socket.io-client, mic on click): ${CALLS} calls`);
    console.log(`    median ${fmt(bs.median)}  (p25 ${fmt(bs.p25)}, p75 ${fmt(bs.p75)}, min ${fmt(bs.min)}, max ${fmt(bs.max)})`);
    console.log(`    each: ${b.map((x) => x.toFixed(0)).join(' ')}`);
    const ratio = es.median / bs.median;
    console.log(`    ratio Earshot/baseline (medians): ${ratio.toFixed(2)}x  (goal <= 0.70x: ${ratio <= 0.7 ? 'met' : 'NOT met'})`);
    await overlayCost(browser, backend);
  } finally {
    await browser.close();
    await backend.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
