// Browser-test harness: a private network namespace (Chromium gathers no ICE candidates on loopback
// only), the backend (+ its coturn) started and stopped by pid, headless Chromium via playwright-core
// with a fake microphone playing a sox sine tone, and helpers to read audio stats from a page.
// Traffic stays on loopback or on a veth pair inside the namespace.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(ROOT, 'tests', 'browser', 'artifacts');
const require = createRequire(join(ROOT, 'tools', 'js', 'package.json'));
const { chromium } = require('playwright-core');

export const ADMIN_KEY = 'browser-test-admin-key-0123456789';
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- network namespace ------------------------------------------------------------------------
// Re-runs `file` (under `node --test` unless nodeArgs says otherwise) inside a fresh namespace unless
// already inside one. Returns null inside the namespace (the caller does its work), else the child's
// exit status.
export function inNamespace(file, nodeArgs = ['--test', '--test-reporter=spec']) {
  if (process.env.EARSHOT_NETNS) return null;
  if (process.getuid && process.getuid() !== 0) throw new Error('browser tests need root for `ip netns` (see tests/browser/run.sh)');
  const ns = `earshot-${process.pid}`;
  const ip = (...args) => {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
  };
  ip('netns', 'add', ns);
  try {
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'link', 'add', 'es0', 'type', 'veth', 'peer', 'name', 'es1');
    ip('-n', ns, 'addr', 'add', '10.77.0.1/24', 'dev', 'es0');
    ip('-n', ns, 'addr', 'add', '10.77.0.2/24', 'dev', 'es1');
    ip('-n', ns, 'link', 'set', 'es0', 'up');
    ip('-n', ns, 'link', 'set', 'es1', 'up');
    const env = { ...process.env, EARSHOT_NETNS: ns };
    delete env.NODE_TEST_CONTEXT;  // else the inner runner believes it is nested and runs nothing
    const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, ...nodeArgs, file, ...process.argv.slice(2)], { stdio: 'inherit', env });
    return r.status;
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

// ---- processes ------------------------------------------------------------------------------------
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

export function tempDir(prefix) { return mkdtempSync(join(tmpdir(), prefix)); }

// Starts backend/src/server.js; resolves when it prints EARSHOT_READY. `host` and `port` (default
// 127.0.0.1 and an ephemeral port) are where it listens and what its links name. kill() ends it with
// SIGKILL (its coturn dies with it) and restart() starts it again on the same data dir, port and coturn
// port, as an operator would after a crash.
export async function startBackend({ turn = true, turnPort, turnSecret = 'browser-test-turn-secret', env = {}, host = '127.0.0.1', port = 0 } = {}) {
  const dataDir = tempDir('earshot-be-');
  turnPort = turnPort || await freePort();
  const spawnServer = async (listenPort) => {
    const child = spawn(process.execPath, [join(ROOT, 'backend', 'src', 'server.js')], {
      env: {
        ...process.env,
        EARSHOT_PORT: String(listenPort), EARSHOT_HOST: host, EARSHOT_DATA_DIR: dataDir,
        EARSHOT_WEB_DIR: join(ROOT, 'dist', 'web'), EARSHOT_ADMIN_KEY: ADMIN_KEY,
        EARSHOT_START_TURN: turn ? '1' : '0', EARSHOT_TURN_PORT: String(turnPort), EARSHOT_TURN_SECRET: turnSecret,
        EARSHOT_TURN_ALLOW_LOOPBACK: '1', EARSHOT_TURN_MIN_PORT: String(40000 + (turnPort % 200) * 100),
        EARSHOT_TURN_MAX_PORT: String(40000 + (turnPort % 200) * 100 + 99), EARSHOT_LOG_LEVEL: 'warn', ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const ready = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`backend did not start:\n${out}`)), 15000);
      const onData = (d) => {
        out += d;
        const m = /EARSHOT_READY port=(\d+)/.exec(out);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', (d) => { out += d; });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`backend exited (${code}):\n${out}`)); });
    });
    child.stdout.removeAllListeners('data');
    child.stdout.resume();
    child.stderr.removeAllListeners('data');
    child.stderr.on('data', (d) => { server.log += d; });
    return { child, port: ready };
  };
  const first = await spawnServer(port);
  port = first.port;
  const base = `http://${host}:${port}`;
  const server = {
    base, port, turnPort, dataDir, child: first.child, log: '',
    async kill(signal = 'SIGKILL') {
      const { child } = server;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, signal);
      await exited;
    },
    async restart() {
      await server.kill();
      server.child = (await spawnServer(port)).child;
    },
    async stop() {
      const { child } = server;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(child.pid, 'SIGTERM');
        await Promise.race([exited, sleep(5000)]);
        if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
    async createRoom(body = {}) {
      const r = await fetch(`${base}/api/v1/admin/rooms`, {
        method: 'POST', headers: { 'X-Admin-Key': ADMIN_KEY, 'Content-Type': 'application/json' },
        // guestNames (several guests) replaces the default single guestName; the API takes one or the other
        body: JSON.stringify({ title: 'Test call', hostName: 'Alice', ...(body.guestNames ? {} : { guestName: 'Bob' }), ...body }),
      });
      if (r.status !== 201) throw new Error(`create room: HTTP ${r.status} ${await r.text()}`);
      return r.json();
    },
  };
  return server;
}

// A steady sine tone for the fake microphone (the default fake mic beeps).
export function toneFile(dir, freq = 440) {
  const file = join(dir, `tone-${freq}.wav`);
  if (!existsSync(file)) {
    const r = spawnSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', file, 'synth', '60', 'sine', String(freq), 'vol', '0.5']);
    if (r.status !== 0) throw new Error(`sox failed: ${r.stderr}`);
  }
  return file;
}

// `netns`: run Chromium (all its processes) in that network namespace, through `ip netns exec`; playwright
// talks to it over a pipe, so it needs no network to the test. `secureOrigins`: plain-http origins other
// than loopback that may still use the microphone (e.g. a server on a veth address).
// `args`: more Chromium switches (e.g. WebGL through SwiftShader for the diagnostics overlay).
export async function launch({ fakeUi = true, wav, netns, secureOrigins = [], args: extra = [] } = {}) {
  const args = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--use-fake-device-for-media-stream'];
  if (fakeUi) args.push('--use-fake-ui-for-media-stream');
  if (wav) args.push(`--use-file-for-fake-audio-capture=${wav}`);
  args.push(...extra);
  if (secureOrigins.length) args.push(`--unsafely-treat-insecure-origin-as-secure=${secureOrigins.join(',')}`);
  let executablePath = '/usr/bin/chromium';
  if (netns) {
    executablePath = join(tempDir('earshot-chromium-'), 'chromium');
    writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec ${netns} /usr/bin/chromium "$@"\n`, { mode: 0o755 });
  }
  return chromium.launch({ executablePath, headless: true, args, ignoreDefaultArgs: ['--headless'] });
}

export function artifact(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

// ---- page helpers -----------------------------------------------------------------------------
export async function snapshot(page) { return page.evaluate(() => window.__earshot && window.__earshot.snapshot()); }
// What the page's call has on record (earshot/diagnostics.hpp: states, log, effects, links).
export async function diagnostics(page) { return page.evaluate(() => window.__earshot.call().diagnostics()); }
// A summary of every peer link's getStats (inbound audio energy and packets, the selected pair), read
// through the page's call (window.__earshot.call().stats(): one RTCStatsReport per link).
export async function stats(page) {
  return page.evaluate(async () => {
    const call = window.__earshot && window.__earshot.call();
    const links = call ? await call.stats() : [];
    if (!links.length) return null;
    const out = { packetsReceived: 0, packetsSent: 0, totalAudioEnergy: 0, totalSamplesDuration: 0, audioLevel: 0, bytesReceived: 0, pair: null, links: [] };
    for (const { link, participant, report } of links) {
      const one = { link, participant, packetsReceived: 0, totalAudioEnergy: 0, totalSamplesDuration: 0, pair: null };
      let pairId = null;
      report.forEach((x) => {
        if (x.type === 'inbound-rtp' && x.kind === 'audio') {
          one.packetsReceived += x.packetsReceived || 0;
          one.totalAudioEnergy += x.totalAudioEnergy || 0;
          one.totalSamplesDuration += x.totalSamplesDuration || 0;
          out.bytesReceived += x.bytesReceived || 0;
          out.audioLevel = Math.max(out.audioLevel, x.audioLevel || 0);
        }
        if (x.type === 'outbound-rtp' && x.kind === 'audio') out.packetsSent += x.packetsSent || 0;
        if (x.type === 'transport' && x.selectedCandidatePairId) pairId = x.selectedCandidatePairId;
      });
      const pair = pairId && report.get(pairId);
      if (pair) {
        const l = report.get(pair.localCandidateId) || {};
        const r = report.get(pair.remoteCandidateId) || {};
        one.pair = { state: pair.state, local: l.candidateType, remote: r.candidateType, localAddress: l.address, protocol: l.protocol,
          remoteProtocol: r.protocol, rttMs: pair.currentRoundTripTime * 1000 };
        out.pair = out.pair || one.pair;
      }
      out.packetsReceived += one.packetsReceived;
      out.totalAudioEnergy += one.totalAudioEnergy;
      out.totalSamplesDuration += one.totalSamplesDuration;
      out.links.push(one);
    }
    return out;
  });
}

export async function waitFor(fn, { timeout = 15000, interval = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await sleep(interval);
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
}

export async function waitState(page, states, timeout = 20000) {
  const want = [].concat(states);
  let last;
  try {
    return await waitFor(async () => { const s = (last = await snapshot(page)); return s && want.includes(s.state) && s; },
      { timeout, what: `state ${want.join('|')}` });
  } catch (e) {
    // Say where the page is instead: "still in X", and its failure when it has one.
    const f = last && last.failure;
    e.message += last ? `; the page is in ${last.state}${f ? ` (${f.code}: ${f.message})` : ''}` : '; the page has no snapshot';
    throw e;
  }
}

// Mean received audio power over a window, from inbound-rtp totalAudioEnergy / totalSamplesDuration.
export async function receivedPower(page, windowMs = 400) {
  const a = await stats(page);
  await sleep(windowMs);
  const b = await stats(page);
  if (!a || !b) return 0;
  const dt = b.totalSamplesDuration - a.totalSamplesDuration;
  return dt > 0 ? (b.totalAudioEnergy - a.totalAudioEnergy) / dt : 0;
}

// The sentences a page (or frame) shows: document.body.innerText without what only screen readers get
// (.sr-only, e.g. the live region, which repeats announcements by design), cut at line ends and after
// . ! ?, each trimmed, with its final full stop dropped and in lower case, so that a title "The host
// closed this room" and a lead "The host closed this room." count as one sentence said twice.
export async function visibleSentences(page) {
  const text = await page.evaluate(() => {
    let t = document.body.innerText;
    for (const el of document.querySelectorAll('.sr-only')) {
      const s = el.innerText.trim();
      if (s) t = t.replace(s, '\n');
    }
    return t;
  });
  const sentences = text.split(/\n+|(?<=[.!?])\s+/).map(sentenceKey).filter(Boolean);
  return { text, sentences };
}
const sentenceKey = (s) => s.replace(/\s+/g, ' ').trim().replace(/\.$/, '').toLowerCase();

// Asserts that no sentence is shown more than once (title, lead, help, status line, notice) and that
// each sentence of `expected` (e.g. a failure's message) is shown exactly once.
export async function assertSaidOnce(page, expected = [], what = 'the page') {
  const { text, sentences } = await visibleSentences(page);
  const counts = new Map();
  for (const s of sentences) counts.set(s, (counts.get(s) || 0) + 1);
  const repeated = [...counts].filter(([, n]) => n > 1).map(([s, n]) => `${n}× "${s}"`);
  if (repeated.length) throw new Error(`${what} repeats itself: ${repeated.join(', ')}\n--- visible text ---\n${text}`);
  for (const e of [].concat(expected).flatMap((x) => x.split(/(?<=[.!?])\s+/))) {
    const n = counts.get(sentenceKey(e)) || 0;
    if (n !== 1) throw new Error(`${what} shows "${e}" ${n} times, not once\n--- visible text ---\n${text}`);
  }
  return sentences;
}

export async function openRoom(context, url, { join = true } = {}) {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
  await page.goto(url);
  if (join) {
    await page.locator('#join-btn:not([disabled])').waitFor({ timeout: 15000 });
    await page.click('#join-btn');
  }
  return page;
}

// ---- received-tone probe ------------------------------------------------------------------------
// An init script (context.addInitScript(toneProbe)) that wraps RTCPeerConnection so every remote audio
// track (the `track` event) is fed into one shared AudioContext through its own AnalyserNode, without
// relying on the page's internals. window.__tones() then reports, per live received track, the level
// at each probe frequency: `db` is the spectrum peak (dBFS, AnalyserNode scale, Blackman window) within
// ±2 bins of the frequency and `rel` that peak minus the median of the 100 Hz..4 kHz spectrum of the same
// track. Tracks that have ended, or whose peer connection is closed, drop out of the report.
// The page must still attach remote streams to a playing element (it does): without one Chromium's
// WebAudio source of a remote track is silent. window.__peerConnections() lists every RTCPeerConnection
// the page constructed (id as in the tones report, connection and signaling state), closed ones included.
export const PROBE_FREQS = [440, 550, 660, 880];  // 550: the fourth person of kvs.test.mjs
export function toneProbe() {
  const Native = window.RTCPeerConnection;
  if (!Native || window.__tones) return;
  const FREQS = [440, 550, 660, 880];  // = PROBE_FREQS (this function runs in the page)
  const FLOOR = -200;  // dB given to silent bins (-Infinity) so differences stay finite
  const entries = [];
  const made = [];
  let ctx = null;
  let nextPc = 0;
  const context = () => {
    if (!ctx) ctx = new AudioContext();
    if (ctx.state !== 'running') ctx.resume().catch(() => {});
    return ctx;
  };
  const watch = (pc, track) => {
    if (!track || track.kind !== 'audio' || entries.some((e) => e.track === track)) return;
    const c = context();
    const source = c.createMediaStreamSource(new MediaStream([track]));
    const analyser = c.createAnalyser();
    analyser.fftSize = 8192;  // 5.4 Hz bins at headless Chromium's 44.1 kHz, 186 ms of audio
    analyser.smoothingTimeConstant = 0;
    source.connect(analyser);
    entries.push({ pc, track, source, analyser, since: Date.now() });
  };
  class ProbedPeerConnection extends Native {
    constructor(...args) {
      super(...args);
      this.__probeId = ++nextPc;
      made.push(this);
      this.addEventListener('track', (e) => watch(this, e.track));
    }
  }
  window.RTCPeerConnection = ProbedPeerConnection;
  if (window.webkitRTCPeerConnection) window.webkitRTCPeerConnection = ProbedPeerConnection;
  window.__peerConnections = () => made.map((pc) => ({ id: pc.__probeId, connection: pc.connectionState, signaling: pc.signalingState,
    turnUsers: (pc.getConfiguration().iceServers || []).map((s) => s.username).filter(Boolean) }));
  window.__tones = () => {
    const tracks = [];
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i];
      const gone = e.track.readyState === 'ended' || e.pc.connectionState === 'closed' || e.pc.signalingState === 'closed';
      if (!gone) continue;
      try { e.source.disconnect(); } catch { /* already */ }
      entries.splice(i, 1);
    }
    for (const e of entries) {
      const spec = new Float32Array(e.analyser.frequencyBinCount);
      e.analyser.getFloatFrequencyData(spec);
      const hz = ctx.sampleRate / e.analyser.fftSize;
      const band = Array.from(spec.subarray(Math.floor(100 / hz), Math.ceil(4000 / hz)), (v) => Math.max(v, FLOOR)).sort((a, b) => a - b);
      const median = band[band.length >> 1];
      const db = {};
      const rel = {};
      for (const f of FREQS) {
        const b = Math.round(f / hz);
        let m = FLOOR;
        for (let k = b - 2; k <= b + 2; k++) m = Math.max(m, spec[k]);
        db[f] = Math.round(m * 10) / 10;
        rel[f] = Math.round((m - median) * 10) / 10;
      }
      tracks.push({ track: e.track.id, pc: e.pc.__probeId, connection: e.pc.connectionState, muted: e.track.muted,
        ageMs: Date.now() - e.since, median: Math.round(median * 10) / 10, db, rel });
    }
    return { context: ctx ? ctx.state : 'none', sampleRate: ctx ? ctx.sampleRate : 0, tracks };
  };
}

// The loudest `rel` of each probe frequency over all live tracks of a report (-Infinity: no track).
export function tonePeaks(report) {
  const tracks = (report && report.tracks) || [];
  return Object.fromEntries(PROBE_FREQS.map((f) => [f, Math.max(-Infinity, ...tracks.map((t) => t.rel[f]))]));
}

export async function tones(page) { return page.evaluate(() => (window.__tones ? window.__tones() : null)); }
// The RTCPeerConnections the probe saw the page construct (see toneProbe), closed ones included.
export async function probedPeerConnections(page) {
  return page.evaluate(() => (window.__peerConnections ? window.__peerConnections() : null));
}

// The probe frequencies standing at least `minRel` dB above one track's median spectrum: all the tones
// a track carries, for a track that mixes several (heardTones wants one clean tone per track).
export function trackTones(track, minRel = 60) {
  return PROBE_FREQS.filter((f) => track.rel[f] >= minRel);
}

// Serves config.json to every page of `context` as the backend's own file with `overrides` merged in
// (e.g. { topology: 'star' }), leaving dist/web untouched.
export async function overrideConfig(context, overrides) {
  await context.route('**/config.json', async (route) => {
    const served = await route.fetch();
    const base = served.ok() ? await served.json() : {};
    await route.fulfill({ json: { ...base, ...overrides } });
  });
}

// A context for a vendor profile's pages (dist/web-<profile>) served by its stand-in: config.json
// pointed at the stand-in's API, the tone probe, every request the pages make in ctx.requests, the
// adapter's `earshot-vendor` events (with their time) in window.__vendorEvents, and requests matching
// `block` (the SDK's unreachable analytics, say) refused at once, as a firewall would.
export async function vendorContext(browser, { apiBase, block = null, viewport = { width: 1280, height: 800 } }) {
  const ctx = await browser.newContext({ viewport });
  if (block) await ctx.route((url) => block.test(url.href), (route) => route.abort());
  await overrideConfig(ctx, { apiBase });
  await ctx.addInitScript(toneProbe);
  await ctx.addInitScript(() => {
    window.__vendorEvents = [];
    document.addEventListener('earshot-vendor', (e) => window.__vendorEvents.push({ ...e.detail, at: Date.now() }));
  });
  ctx.requests = [];
  ctx.on('request', (r) => ctx.requests.push(r.url()));
  return ctx;
}

// The probe frequencies heard in a __tones() report: for each live track, its strongest probe frequency,
// counted when it stands at least `minRel` dB above the track's median spectrum and at least `margin` dB
// above the track's other probe frequencies (a clean single tone, not broadband noise). Measured on a
// 1:1 call through Opus: the sent tone sits 99..109 dB above the median (79 in the first 300 ms), the
// other probe frequencies of the same track at most 41 dB above it.
export function heardTones(report, { minRel = 60, margin = 40 } = {}) {
  const heard = new Set();
  for (const t of (report && report.tracks) || []) {
    const [best, ...rest] = PROBE_FREQS.slice().sort((a, b) => t.rel[b] - t.rel[a]);
    if (t.rel[best] >= minRel && rest.every((f) => t.rel[best] - t.rel[f] >= margin)) heard.add(best);
  }
  return [...heard].sort((a, b) => a - b);
}
