// Benchmark: what relaying costs the master of a kvs voice room (seed 001's star: every viewer is
// linked to the master alone, and the master's page mixes each viewer's audio minus their own back out
// to them). Prints the master's Chromium CPU use (every process of its browser, per second of wall
// time; 100 % = one core) with 1 and then with 5 viewers relayed, measured over 10 s each, after every
// viewer has been heard through the master. A figure, not a test: nothing here fails on a slow machine.
//   node tools/bench_kvs.mjs   (as root: it moves itself into a network namespace, as the browser tests do)
// Needs dist/web-kvs (tools/build.sh web) and standins/kvs set up (tools/setup.sh).
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inNamespace, launch, toneFile, tempDir, toneProbe, tones, waitFor, sleep, ROOT } from '../tests/browser/harness.mjs';
import { scratch, startServer } from '../standins/kvs/test/helpers.mjs';

const status = inNamespace(fileURLToPath(import.meta.url), []);
if (status !== null) process.exit(status);

const HOST = '10.77.0.1';
const WINDOW_MS = 10000;
const TICK = 100;  // USER_HZ (clock ticks per second in /proc/<pid>/stat) on Linux

// CPU seconds used so far by the process whose command line carries `marker` and all its descendants.
function treeCpu(marker) {
  const procs = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.push({ pid: Number(d), ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / TICK, cmd: readFileSync(`/proc/${d}/cmdline`, 'utf8') });
    } catch { /* gone */ }
  }
  const roots = procs.filter((p) => p.cmd.includes(marker)).map((p) => p.pid);
  const tree = new Set(roots);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) if (!tree.has(p.pid) && tree.has(p.ppid)) { tree.add(p.pid); grew = true; }
  }
  return procs.filter((p) => tree.has(p.pid)).reduce((s, p) => s + p.cpu, 0);
}

const work = tempDir('earshot-bench-kvs-');
const tls = scratch();
const standin = await startServer(['--host', HOST, '--pages-dir', join(ROOT, 'dist', 'web-kvs'), '--tls-dir', tls.tlsDir, '--db', tls.db]);
const master = await launch({ wav: toneFile(work, 440), secureOrigins: [standin.pages], args: ['--earshot-bench=master'] });
const viewers = await launch({ wav: toneFile(work, 660), secureOrigins: [standin.pages] });

async function page(browser, name, url) {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
  await ctx.addInitScript(toneProbe);
  const p = await ctx.newPage();
  await p.goto(url);
  await p.fill('#chat-name', name);
  return p;
}
const state = (p) => p.evaluate(() => window.__kvs.state());

try {
  const ana = await page(master, 'Ana', `${standin.pages}/room.html`);
  await ana.click('#enter-btn');
  await ana.locator('#chat-room:not([hidden])').waitFor({ timeout: 10000 });
  const roomId = (await state(ana)).room.roomId;
  await ana.click('#voice-start');
  await waitFor(async () => (await ana.evaluate(() => window.__earshot.snapshot().state)) === 'waiting-for-peer', { timeout: 15000, what: 'the master in voice' });
  const joined = [];
  const idle = treeCpu('--earshot-bench=master');
  await sleep(WINDOW_MS);
  console.log(`kvs master CPU (${WINDOW_MS / 1000} s windows; 100 % = one core of this ${cpus().length}-core machine):`);
  console.log(`  0 viewers (in voice, alone): ${pct(treeCpu('--earshot-bench=master') - idle)}`);
  for (const want of [1, 5]) {
    while (joined.length < want) {
      const name = `Viewer${joined.length + 1}`;
      const v = await page(viewers, name, `${standin.pages}/room.html?room=${roomId}`);
      await v.click('#enter-btn');
      await ana.locator(`#requests button[aria-label="Approve ${name}"]`).click({ timeout: 10000 });
      await v.locator('#voice-join:not([hidden])').click({ timeout: 10000 });
      joined.push(v);
    }
    // Relayed for real: every viewer hears the master's 440 Hz through its one link.
    for (const v of joined) {
      await waitFor(async () => { const r = await tones(v); return r && r.tracks.some((t) => t.rel[440] >= 60); }, { timeout: 30000, what: 'a viewer hearing the master' });
    }
    await sleep(2000);
    const a = treeCpu('--earshot-bench=master');
    const t0 = Date.now();
    await sleep(WINDOW_MS);
    const used = treeCpu('--earshot-bench=master') - a;
    console.log(`  ${want} viewer${want > 1 ? 's' : ''} relayed: ${pct(used * WINDOW_MS / (Date.now() - t0))}`);
  }
} finally {
  await master.close().catch(() => {});
  await viewers.close().catch(() => {});
  await standin.stop();
  tls.cleanup();
  rmSync(work, { recursive: true, force: true });
}

function pct(cpuSeconds) { return `${(cpuSeconds / (WINDOW_MS / 1000) * 100).toFixed(1)} % (${(cpuSeconds * 1000 / (WINDOW_MS / 1000)).toFixed(0)} ms CPU per s)`; }
