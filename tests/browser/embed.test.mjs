// Embedding, end to end in headless Chromium against the real backend: an app creates its own room with
// its app credentials (seed 004) and hands the room token to the call (app-token entry) through
// @earshot/client/embed's MessageChannel handshake (src/wasm/embed.js ↔ web/embed_port.js) and through
// @earshot/client/react; the other participant is the plain socket.io client written from seed 004
// alone (tools/js/baseline). Each side's fake microphone plays its own tone and each side must receive
// the OTHER side's frequency. Then: a page on an origin that is not in embedOrigins gets no events and
// cannot mute the call, while an allowed one drives mute/leave over the port; embedOrigins "*" is
// refused with a console error and embedding stays off.
//   node --test tests/browser/embed.test.mjs   (as root; re-executes itself in a network namespace)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  inNamespace, startBackend, launch, toneFile, tempDir, artifact, waitFor, sleep, overrideConfig,
  toneProbe, tones, heardTones, ROOT, assertSaidOnce,
} from './harness.mjs';

const outside = inNamespace(fileURLToPath(import.meta.url));
if (outside !== null) {
  test('embed suite (inside its network namespace)', () => assert.equal(outside, 0, 'see the output above'));
} else {
  suite();
}

function suite() {
  const EARSHOT_TONE = 440;   // the embedded Earshot side's microphone
  const PLAIN_TONE = 660;     // the plain socket.io participant's microphone
  const APP = { appId: 'embed_test_app', appSecret: 'embed-test-app-secret-0123456789' };
  const DESKTOP = { width: 1280, height: 800 };
  const PHONE = { width: 390, height: 844 };
  const HERE = join(ROOT, 'tests', 'browser', 'embed');
  const WASM = join(ROOT, 'build', 'wasm', 'src', 'wasm');
  const PKGS = join(ROOT, 'tests', 'packages', 'node_modules');

  let backend, work, earshotBrowser, plainBrowser;
  const servers = [];
  let good, wrong;  // embedding sites: origin in embedOrigins, and not

  // A static site of its own origin: the embedding app's pages and the package files they import.
  const FILES = {
    '/app.html': join(HERE, 'app.html'), '/app.css': join(HERE, 'app.css'), '/app.js': join(HERE, 'app.js'),
    '/react.html': join(HERE, 'react.html'), '/react-app.js': join(HERE, 'react-app.js'), '/react-shim.js': join(HERE, 'react-shim.js'),
    '/embed.js': join(ROOT, 'src', 'wasm', 'embed.js'), '/react.js': join(ROOT, 'src', 'wasm', 'react.js'),
    '/client.js': join(ROOT, 'src', 'wasm', 'client.js'), '/earshot.js': join(WASM, 'earshot.js'), '/earshot.wasm': join(WASM, 'earshot.wasm'),
    '/vendor/react.js': join(PKGS, 'react', 'umd', 'react.development.js'),
    '/vendor/react-dom.js': join(PKGS, 'react-dom', 'umd', 'react-dom.development.js'),
  };
  const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };
  async function site() {
    const server = createServer((req, res) => {
      const file = FILES[new URL(req.url, 'http://x').pathname];
      if (!file || !existsSync(file)) { res.writeHead(404).end('not found'); return; }
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-store' });
      res.end(readFileSync(file));
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    return `http://127.0.0.1:${server.address().port}`;
  }

  before(async () => {
    work = tempDir('earshot-embed-');
    good = await site();
    wrong = await site();
    // The backend serves dist/web plus the plain participant's page (as tools/bench_web.mjs does).
    const web = join(work, 'web');
    cpSync(join(ROOT, 'dist', 'web'), web, { recursive: true });
    mkdirSync(join(web, 'baseline'));
    const req = createRequire(join(ROOT, 'tools', 'js', 'package.json'));
    cpSync(join(ROOT, 'tools', 'js', 'baseline'), join(web, 'baseline'), { recursive: true });
    cpSync(req.resolve('simple-peer/simplepeer.min.js'), join(web, 'baseline', 'simplepeer.min.js'));
    cpSync(join(req.resolve('socket.io-client/package.json'), '..', 'dist', 'socket.io.min.js'), join(web, 'baseline', 'socket.io.min.js'));
    [backend, earshotBrowser, plainBrowser] = await Promise.all([
      startBackend({
        env: {
          EARSHOT_WEB_DIR: web, EARSHOT_APP_ID: APP.appId, EARSHOT_APP_SECRET: APP.appSecret,
          // Both sites may frame the room page (the wrong one is stopped by embedOrigins, not by CSP);
          // the React page runs the client on its own origin, so it also talks to the API and /ws.
          EARSHOT_FRAME_ANCESTORS: `${good} ${wrong}`, EARSHOT_CORS_ORIGINS: good,
          EARSHOT_RATE_ADMIN: '10000', EARSHOT_RATE_AUTH: '10000', EARSHOT_RATE_REDEEM: '10000',
        },
      }),
      launch({ wav: toneFile(work, EARSHOT_TONE) }),
      launch({ wav: toneFile(work, PLAIN_TONE) }),
    ]);
  });
  after(async () => {
    await earshotBrowser?.close().catch(() => {});
    await plainBrowser?.close().catch(() => {});
    await backend?.stop();
    for (const s of servers) s.close();
  });

  // seed 004 from the app's server: create a room, then a room token for one user.
  async function app(path, body) {
    const r = await fetch(`${backend.base}/api/v1${path}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-App-Id': APP.appId, 'X-App-Key': APP.appSecret },
      body: JSON.stringify(body),
    });
    const json = await r.json();
    assert.ok(r.ok, `POST ${path}: HTTP ${r.status} ${JSON.stringify(json)}`);
    return json;
  }
  async function appRoom(userId, userName) {
    const { roomId } = await app('/rooms', { metadata: { ticket: 4711 } });
    const joined = await app(`/rooms/${roomId}/join`, { userId, name: userName, role: 'agent' });
    return { roomId, joined };
  }

  // The plain participant: tools/js/baseline (socket.io-client + simple-peer, seed 004 only).
  // Its page loads both libraries with classic <script>s, which have run by the time goto() sees
  // `load`: one look then tells whether they are there. (waitForFunction kept polling, on
  // requestAnimationFrame, for something that could no longer happen, and its 30 s timeout said
  // nothing of why: once, in a fresh clone.) When they are missing, the failed or refused requests
  // and the page's errors are printed and the page is loaded once more: the files are copied before
  // the backend starts and never change, so only a transient failure can lose them.
  async function plainParticipant(roomId, user) {
    const context = await plainBrowser.newContext();
    await context.addInitScript(toneProbe);
    const page = await context.newPage();
    const trouble = [];
    page.on('requestfailed', (r) => trouble.push(`${r.url()}: ${r.failure()?.errorText}`));
    page.on('response', (r) => { if (!r.ok()) trouble.push(`${r.url()}: HTTP ${r.status()}`); });
    page.on('pageerror', (e) => trouble.push(`page error: ${e.message}`));
    const q = new URLSearchParams({ room: roomId, user, role: 'customer', appId: APP.appId, appKey: APP.appSecret });
    const ready = async () => {
      await page.goto(`${backend.base}/baseline/baseline.html?${q}`);
      return page.evaluate(() => typeof window.SimplePeer === 'function' && typeof window.io === 'function');
    };
    if (!(await ready())) {
      console.log(`[plain participant] socket.io/SimplePeer missing after load, loading the page again: ${trouble.join('; ') || 'no failed request'}`);
      trouble.length = 0;
      assert.ok(await ready(), `the plain participant's page has socket.io and SimplePeer: ${trouble.join('; ') || 'no failed request'}`);
    }
    await page.click('#join');
    return { context, page, state: () => page.textContent('#state') };
  }

  const roomFrame = (page) => page.frames().find((f) => f.url().startsWith(`${backend.base}/room.html`));
  const frameSnapshot = async (page) => { const f = roomFrame(page); return f ? f.evaluate(() => window.__earshot && window.__earshot.snapshot()) : null; };
  const events = (page) => page.evaluate(() => window.__events);
  // What a page hears (toneProbe): the embedded call's RTCPeerConnections live in the room page's frame.
  const heard = async (page) => {
    const f = roomFrame(page);
    return heardTones(f ? await f.evaluate(() => (window.__tones ? window.__tones() : null)) : await tones(page));
  };
  // Exactly `tone` and nothing else (its own tone would mean an echo), within three looks: one look
  // can come back empty when a frame is lost to concealment on two busy cores.
  const hearsOnly = async (page, tone, what) => {
    let last;
    for (let i = 0; i < 3; i++) {
      last = await heard(page);
      if (last.length === 1 && last[0] === tone) return;
      assert.ok(!last.some((f) => f !== tone), `${what}: heard ${JSON.stringify(last)}`);
      await sleep(300);
    }
    assert.deepEqual(last, [tone], what);
  };

  async function embedder(origin, { config } = {}) {
    const context = await earshotBrowser.newContext({ viewport: DESKTOP });
    await context.addInitScript(toneProbe);
    if (config) await overrideConfig(context, config);
    const page = await context.newPage();
    const consoleErrors = [];
    const urls = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
    context.on('request', (r) => urls.push(r.url()));
    await page.goto(`${origin}/app.html`);
    await page.waitForFunction(() => typeof window.startEmbed === 'function');
    return { context, page, consoleErrors, urls };
  }
  const mount = (page, target, origin) => page.evaluate(([t, o]) => window.startEmbed(t, { origin: o }), [target, origin]);
  async function joinInFrame(page) {
    const join = page.frameLocator('iframe').locator('#join-btn:not([disabled])');
    await join.waitFor({ timeout: 20000 });
    await join.click();
  }
  async function describe(page, plain) {
    const s = await frameSnapshot(page).catch(() => null);
    return `earshot: state=${s && s.state} failure=${JSON.stringify(s && s.failure)} heard=${JSON.stringify(await heard(page).catch(() => null))}; `
      + `plain: state=${plain ? await plain.state() : '-'} heard=${plain ? JSON.stringify(await heard(plain.page).catch(() => null)) : '-'}`;
  }

  test('app-token entry through the embed helper: real audio both ways with a plain socket.io participant', async () => {
    const { roomId, joined } = await appRoom('ada', 'Ada (agent)');
    const { context, page, urls } = await embedder(good, { config: { embedOrigins: [good] } });
    await mount(page, {
      roomId, token: joined.token, signalingUrl: joined.signalingUrl, iceServers: joined.iceServers, ttl: joined.ttl,
      userId: 'ada', userName: 'Ada (agent)', backendUrl: backend.base,
    }, backend.base);
    await joinInFrame(page);
    await waitFor(async () => (await frameSnapshot(page))?.state === 'waiting-for-peer', { what: 'Earshot in the app room, waiting' });
    const plain = await plainParticipant(roomId, 'carl');
    try {
      // (The baseline's own "connected" is simple-peer's data channel, which Earshot does not open: the
      // tones below are the proof that media flows.)
      await waitFor(async () => (await frameSnapshot(page))?.state === 'connected', { timeout: 30000, what: 'Earshot connected' });
      await waitFor(async () => (await heard(page)).includes(PLAIN_TONE), { timeout: 15000, what: `Earshot hears the plain side's ${PLAIN_TONE} Hz` });
      await waitFor(async () => (await heard(plain.page)).includes(EARSHOT_TONE), { timeout: 15000, what: `the plain side hears Earshot's ${EARSHOT_TONE} Hz` });
    } catch (e) {
      throw new Error(`${e.message}\n  ${await describe(page, plain)}`);
    }
    await hearsOnly(page, PLAIN_TONE, 'Earshot hears only the other side (not its own tone)');
    await hearsOnly(plain.page, EARSHOT_TONE, 'the plain side hears only Earshot');
    const ev = await events(page);
    assert.ok(ev.some((e) => e.type === 'ready'), `ready event: ${JSON.stringify(ev)}`);
    assert.ok(ev.some((e) => e.type === 'state' && e.state === 'connected'), `state events reach the app: ${JSON.stringify(ev)}`);
    assert.ok(ev.some((e) => e.type === 'participants' && e.participants.some((p) => p.id === 'carl')), 'participants event names the plain side');
    // The token went through the MessageChannel handshake only: in no URL the browser requested.
    assert.ok(!urls.some((u) => u.includes(joined.token)), 'the room token is in no requested URL');
    assert.equal(new URL(roomFrame(page).url()).search, '', 'the iframe URL carries nothing');

    await page.screenshot({ path: artifact('embed-desktop.png'), fullPage: true });
    await page.setViewportSize(PHONE);
    await sleep(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no horizontal scroll at 390 px (overflow ${overflow} px)`);
    await page.screenshot({ path: artifact('embed-390.png'), fullPage: true });
    await context.close();
    await plain.context.close();
  });

  test('a room token the backend refuses reaches the app as a failure event with a code on Join, and the page says so', async (t) => {
    const { roomId, joined } = await appRoom('eve', 'Eve');
    const { context, page } = await embedder(good, { config: { embedOrigins: [good] } });
    await mount(page, { roomId, token: `${joined.token.slice(0, -4)}AAAA`, signalingUrl: joined.signalingUrl, backendUrl: backend.base }, backend.base);
    await joinInFrame(page);  // the token is first shown to the backend when joining the room
    const failure = await waitFor(async () => (await events(page)).find((e) => e.type === 'failure'), { timeout: 20000, what: 'a failure event' })
      .catch(async (e) => { throw new Error(`${e.message}: ${JSON.stringify(await frameSnapshot(page))} events ${JSON.stringify(await events(page))}`); });
    t.diagnostic(`failure event: ${JSON.stringify(failure)}`);
    assert.match(failure.code, /^[a-z]+\.[a-z_.]+$/, `a stable code: ${JSON.stringify(failure)}`);
    assert.ok(failure.message.length > 10, 'and a sentence');
    const f = roomFrame(page);
    await f.waitForSelector('#problem:not([hidden])', { timeout: 5000 });
    assert.match(await f.textContent('#problem-code'), new RegExp(failure.code.replace(/\./g, '\\.')));
    await assertSaidOnce(f, failure.message, 'the refused token\'s page');
    await context.close();
  });

  test('an entry the page cannot use (a bad ttl) reaches the app as a failure event instead of silence', async (t) => {
    const { roomId, joined } = await appRoom('fay', 'Fay');
    const { context, page } = await embedder(good, { config: { embedOrigins: [good] } });
    await mount(page, { roomId, token: joined.token, signalingUrl: joined.signalingUrl, backendUrl: backend.base, ttl: -1 }, backend.base);
    const failure = await waitFor(async () => (await events(page)).find((e) => e.type === 'failure'), { timeout: 15000, what: 'a failure event' });
    t.diagnostic(`failure event: ${JSON.stringify(failure)}`);
    assert.match(failure.code, /^[a-z]+\.[a-z_.]+$/, `a stable code: ${JSON.stringify(failure)}`);
    assert.equal(failure.retryable, false);
    await roomFrame(page).waitForSelector('#problem:not([hidden])', { timeout: 5000 });
    await context.close();
  });

  // Counts the WebSockets a page constructs (StrictMode must leave exactly one call's socket open).
  function socketProbe() {
    const Native = window.WebSocket;
    const made = [];
    window.WebSocket = class extends Native { constructor(...args) { super(...args); made.push(this); } };
    window.__sockets = () => made.map((w) => ({ url: w.url, state: w.readyState }));
  }

  test('app-token entry through <EarshotCall> (React 18, StrictMode): one call per mount, real audio both ways with a plain socket.io participant', async (t) => {
    assert.ok(existsSync(FILES['/vendor/react.js']), 'React is not installed: (cd tests/packages && npm ci)');
    const { roomId, joined } = await appRoom('bea', 'Bea (agent)');
    const context = await earshotBrowser.newContext({ viewport: DESKTOP });
    await context.addInitScript(toneProbe);
    await context.addInitScript(socketProbe);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${good}/react.html`);
    await page.waitForFunction(() => typeof window.startReact === 'function');
    await page.evaluate((p) => window.startReact(p), {
      backendUrl: backend.base, roomId, token: joined.token, signalingUrl: joined.signalingUrl, iceServers: joined.iceServers,
      ttl: joined.ttl, userId: 'bea', userName: 'Bea (agent)',
    });
    const join = page.locator('.earshot-join:not([disabled])');
    await join.waitFor({ timeout: 20000 });
    await join.click();
    await page.waitForSelector('.earshot-call[data-state="waiting-for-peer"]', { timeout: 15000 });
    const plain = await plainParticipant(roomId, 'dora');
    const state = () => page.getAttribute('.earshot-call', 'data-state');
    try {
      await waitFor(async () => (await state()) === 'connected', { timeout: 30000, what: '<EarshotCall> connected' });
      await waitFor(async () => (await heard(page)).includes(PLAIN_TONE), { timeout: 15000, what: `React side hears ${PLAIN_TONE} Hz` });
      await waitFor(async () => (await heard(plain.page)).includes(EARSHOT_TONE), { timeout: 15000, what: `the plain side hears ${EARSHOT_TONE} Hz` });
    } catch (e) {
      throw new Error(`${e.message}\n  react: state=${await state()} heard=${JSON.stringify(await heard(page))} errors=${JSON.stringify(errors)}; plain: heard=${JSON.stringify(await heard(plain.page))}`);
    }
    await hearsOnly(page, PLAIN_TONE, 'the React side hears only the plain side (not its own tone)');
    await hearsOnly(plain.page, EARSHOT_TONE, 'the plain side hears only the React side');
    // StrictMode mounted twice: one call lives, the first left nothing open behind it.
    const sockets = (await page.evaluate(() => window.__sockets())).filter((w) => w.url.includes('/ws'));
    t.diagnostic(`signaling sockets the page made (StrictMode's two mounts): ${JSON.stringify(sockets.map((w) => w.state))}`);
    assert.equal(sockets.length, 2, `StrictMode started two calls (one per mount): ${JSON.stringify(sockets)}`);
    assert.equal(sockets.filter((w) => w.state === 1).length, 1, `one open signaling socket: ${JSON.stringify(sockets)}`);
    assert.ok(sockets.every((w) => w.state === 1 || w.state === 3), `the others are closed: ${JSON.stringify(sockets)}`);
    const pcs = await page.evaluate(() => window.__peerConnections());
    assert.equal(pcs.filter((p) => p.connection !== 'closed').length, 1, `one live peer connection: ${JSON.stringify(pcs)}`);
    await page.waitForSelector('.earshot-people li[data-participant="dora"]');
    let ev = await events(page);
    assert.deepEqual(ev.map((e) => e.type), ['joined'], `onJoined once, no error: ${JSON.stringify(ev)}`);
    assert.equal(ev[0].detail.self, 'bea', 'onJoined hands over the snapshot with the room\'s view of us');
    assert.notEqual(ev[0].detail.state, 'joining', 'onJoined sees the state it was called for');
    await page.screenshot({ path: artifact('embed-react-desktop.png'), fullPage: true });
    await page.click('.earshot-leave');
    await page.waitForSelector('.earshot-call[data-state="ended"]', { timeout: 5000 });
    ev = await events(page);
    assert.deepEqual(ev.map((e) => e.type), ['joined', 'left'], JSON.stringify(ev));
    assert.deepEqual(errors, []);
    // Unmounting the component destroys the call: no socket stays open.
    await page.evaluate(() => window.stopReact());
    await waitFor(async () => (await page.evaluate(() => window.__sockets())).every((w) => w.state === 3), { timeout: 3000, what: 'sockets closed after unmount' });
    await context.close();
    await plain.context.close();
  });

  test('a page on an origin outside embedOrigins gets no events and its commands are ignored; an allowed one drives mute/leave over the port', async () => {
    const room = await backend.createRoom({ title: 'Embed origins', hostName: 'Wanda', guestName: 'Gus' });
    const bad = await embedder(wrong, { config: { embedOrigins: [good] } });
    const fine = await embedder(good, { config: { embedOrigins: [good] } });
    await mount(bad.page, { roomUrl: room.links.host.url }, backend.base);
    await mount(fine.page, { roomUrl: room.links.guest.url }, backend.base);
    await joinInFrame(bad.page);
    await joinInFrame(fine.page);
    await waitFor(async () => (await frameSnapshot(bad.page))?.state === 'connected' && (await frameSnapshot(fine.page))?.state === 'connected',
      { timeout: 30000, what: 'both embedded pages connected' });

    // The wrong origin tries what it can: a handshake of its own, a command on that port, the old
    // postMessage commands, to any origin.
    const spoof = await bad.page.evaluate(async () => {
      const frame = document.querySelector('iframe').contentWindow;
      const got = [];
      const ch = new MessageChannel();
      ch.port1.onmessage = (e) => got.push(e.data);
      frame.postMessage({ type: 'earshot:connect', v: 1 }, '*', [ch.port2]);
      ch.port1.postMessage({ id: 1, cmd: 'mute' });
      frame.postMessage({ type: 'earshot:mute' }, '*');
      frame.postMessage({ id: 2, cmd: 'mute' }, '*');
      await new Promise((r) => setTimeout(r, 1500));
      return got;
    });
    assert.deepEqual(spoof, [], 'nothing answers the wrong origin\'s port');
    assert.deepEqual(await events(bad.page), [], 'the wrong origin got no events');
    assert.equal((await frameSnapshot(bad.page)).muted, false, 'mute stays off: its commands are ignored');
    assert.ok(!(await bad.page.evaluate(() => window.__raw)).includes('earshot:hello'), 'not even a hello reached it');

    // The allowed origin: state events arrived; mute and leave go over the port.
    let ev = await events(fine.page);
    assert.ok(ev.some((e) => e.type === 'state' && e.state === 'connected'), `the allowed page sees state events: ${JSON.stringify(ev)}`);
    await fine.page.click('#mute');
    await waitFor(async () => (await frameSnapshot(fine.page))?.muted === true, { timeout: 3000, what: 'muted by the app' });
    await waitFor(async () => (await events(fine.page)).some((e) => e.type === 'muted' && e.muted), { timeout: 3000, what: 'muted event' });
    await waitFor(async () => (await events(fine.page)).some((e) => e.type === 'announce' && /muted/i.test(e.text)), { timeout: 3000, what: 'the page\'s announcement of the mute' });
    await fine.page.evaluate(() => window.__call.unmute());
    const routed = await fine.page.evaluate(() => window.__call.setOutput('default').then(() => 'ok', (e) => `error: ${e.message}`));
    assert.equal(routed, 'ok', 'setOutput goes over the port and the page answers');
    const unknown = await fine.page.evaluate(() => window.__call.setOutput('no-such-device').then(() => 'ok', (e) => `error: ${e.message}`));
    assert.match(unknown, /^error: ./, 'a refused setOutput rejects with the page\'s reason');
    await waitFor(async () => (await frameSnapshot(fine.page))?.muted === false, { timeout: 3000, what: 'unmuted by the app' });
    await fine.page.click('#leave');
    await waitFor(async () => (await frameSnapshot(fine.page))?.state === 'ended', { timeout: 5000, what: 'left by the app' });
    ev = await events(fine.page);
    assert.ok(ev.some((e) => e.type === 'state' && e.state === 'ended'), `state event for leave: ${JSON.stringify(ev.slice(-3))}`);
    assert.deepEqual(await events(bad.page), [], 'still nothing for the wrong origin');
    // The helper's own commands there wait for a handshake that never comes, and fail on unmount().
    const pending = await bad.page.evaluate(async () => {
      const p = window.__call.mute().then(() => 'done', (e) => e.message);
      await new Promise((r) => setTimeout(r, 300));
      window.__call.unmount();
      return p;
    });
    assert.equal(pending, 'unmounted');
    assert.equal(await bad.page.locator('iframe').count(), 0, 'unmount() removed the iframe');
    await bad.context.close();
    await fine.context.close();
  });

  test('embedOrigins "*" (or any non-list of exact origins) is refused with one console error; embedding stays off, the page still works', async () => {
    // (http:// is allowed for 127.0.0.1 and localhost only, local development and these tests: not a
    // host that merely starts with those characters.)
    for (const value of [['*'], '*', ['null'], [`${good}/path`], ['http://127.0.0.1.evil.example']]) {
      const room = await backend.createRoom({ title: 'Star origins', hostName: 'Sam', guestName: 'Sue' });
      const e = await embedder(good, { config: { embedOrigins: value } });
      await mount(e.page, { roomUrl: room.links.host.url }, backend.base);
      await e.page.frameLocator('iframe').locator('#join-btn:not([disabled])').waitFor({ timeout: 20000 });
      await sleep(500);
      const mine = e.consoleErrors.filter((t) => t.includes('embedOrigins'));
      assert.equal(mine.length, 1, `one console error for ${JSON.stringify(value)}: ${JSON.stringify(e.consoleErrors)}`);
      assert.match(mine[0], /exact https:\/\/ origins/);
      assert.deepEqual(await events(e.page), [], `no events with embedOrigins ${JSON.stringify(value)}`);
      assert.ok(!(await e.page.evaluate(() => window.__raw)).includes('earshot:hello'), 'no hello');
      await e.context.close();
    }
  });
}
