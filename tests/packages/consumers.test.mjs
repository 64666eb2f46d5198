// Third-party apps consume the packed @earshot/client tarball unchanged and make a real call: a Vite +
// React app (<EarshotCall>, vite-app/) and an esbuild app (startCall, esbuild-app/), each given a room
// token by "its server" (/session.json; the test plays that server with seed 004's app API), each in
// headless Chromium against the real backend with the plain socket.io participant of tools/js/baseline.
// Each side's fake microphone plays its own tone; each side must receive the other's frequency.
//   node --test tests/packages/consumers.test.mjs   (as root; needs `npm ci` in tests/packages and
//   build/wasm; packs and bundles outside, then re-executes itself in a network namespace)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  inNamespace, startBackend, launch, toneFile, tempDir, waitFor, toneProbe, tones, heardTones, artifact, ROOT,
} from '../browser/harness.mjs';

const HERE = join(ROOT, 'tests', 'packages');

// Outside the namespace (npm may need the network): build the package, pack it, install the tarball
// as an app would (npm install --no-save: package.json and the lockfile stay as committed), bundle both apps.
function prepare() {
  const out = mkdtempSync(join(tmpdir(), 'earshot-consumers-'));
  const step = (what, cmd, args, opts = {}) => {
    const t0 = Date.now();
    const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: HERE, ...opts });
    if (r.status !== 0) throw new Error(`${what} failed (${cmd} ${args.join(' ')}):\n${r.stdout}${r.stderr}`);
    console.log(`consumers: ${what}: ${Date.now() - t0} ms`);
    return r.stdout;
  };
  if (!existsSync(join(HERE, 'node_modules', 'vite'))) throw new Error('tests/packages: run `npm ci` there first');
  step('tools/build_sdk.sh', 'bash', [join(ROOT, 'tools', 'build_sdk.sh'), join(ROOT, 'build', 'wasm'), join(out, 'sdk')]);
  const packed = JSON.parse(step('npm pack', 'npm', ['pack', '--json', '--pack-destination', out], { cwd: join(out, 'sdk') }));
  const tarball = join(out, packed[0].filename);
  step('npm install the tarball', 'npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball]);
  step('vite build', join(HERE, 'node_modules', '.bin', 'vite'), ['build', 'vite-app', '--outDir', join(out, 'vite'), '--emptyOutDir', '--logLevel', 'warn']);
  step('esbuild', join(HERE, 'node_modules', '.bin', 'esbuild'), ['esbuild-app/main.js', '--bundle', '--format=esm', '--minify', `--outdir=${join(out, 'esbuild')}`, '--log-level=warning']);
  cpSync(join(HERE, 'esbuild-app', 'index.html'), join(out, 'esbuild', 'index.html'));
  // The README's rule for bundlers that leave new URL('earshot.wasm', import.meta.url) alone: serve it next to the bundle.
  cpSync(join(HERE, 'node_modules', '@earshot', 'client', 'earshot.wasm'), join(out, 'esbuild', 'earshot.wasm'));
  return out;
}

if (!process.env.EARSHOT_NETNS) process.env.EARSHOT_CONSUMERS_DIR = prepare();
const outside = inNamespace(fileURLToPath(import.meta.url));
if (outside !== null) {
  rmSync(process.env.EARSHOT_CONSUMERS_DIR, { recursive: true, force: true });
  test('consumer apps (inside their network namespace)', () => assert.equal(outside, 0, 'see the output above'));
} else {
  suite(process.env.EARSHOT_CONSUMERS_DIR);
}

function suite(built) {
  const APP_TONE = 440;
  const PLAIN_TONE = 660;
  const APP = { appId: 'consumer_app', appSecret: 'consumer-app-secret-0123456789' };
  const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };
  let backend, work, appBrowser, plainBrowser;
  const sites = {};  // name -> { origin, session, server }

  // A built app's static files plus /session.json, what its server hands the page.
  async function site(dir) {
    const s = { session: null };
    s.server = createServer((req, res) => {
      const p = new URL(req.url, 'http://x').pathname;
      if (p === '/session.json') { res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(s.session)); return; }
      const file = join(dir, p === '/' ? 'index.html' : p);
      if (!file.startsWith(dir) || !existsSync(file)) { res.writeHead(404).end('not found'); return; }
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] || 'application/octet-stream' }).end(readFileSync(file));
    });
    await new Promise((r) => s.server.listen(0, '127.0.0.1', r));
    s.origin = `http://127.0.0.1:${s.server.address().port}`;
    return s;
  }

  before(async () => {
    work = tempDir('earshot-consumers-run-');
    sites.vite = await site(join(built, 'vite'));
    sites.esbuild = await site(join(built, 'esbuild'));
    const web = join(work, 'web');
    cpSync(join(ROOT, 'dist', 'web'), web, { recursive: true });
    mkdirSync(join(web, 'baseline'));
    const req = createRequire(join(ROOT, 'tools', 'js', 'package.json'));
    cpSync(join(ROOT, 'tools', 'js', 'baseline'), join(web, 'baseline'), { recursive: true });
    cpSync(req.resolve('simple-peer/simplepeer.min.js'), join(web, 'baseline', 'simplepeer.min.js'));
    cpSync(join(req.resolve('socket.io-client/package.json'), '..', 'dist', 'socket.io.min.js'), join(web, 'baseline', 'socket.io.min.js'));
    [backend, appBrowser, plainBrowser] = await Promise.all([
      startBackend({
        env: {
          EARSHOT_WEB_DIR: web, EARSHOT_APP_ID: APP.appId, EARSHOT_APP_SECRET: APP.appSecret,
          EARSHOT_CORS_ORIGINS: `${sites.vite.origin} ${sites.esbuild.origin}`, EARSHOT_RATE_AUTH: '10000',
        },
      }),
      launch({ wav: toneFile(work, APP_TONE) }),
      launch({ wav: toneFile(work, PLAIN_TONE) }),
    ]);
  });
  after(async () => {
    await appBrowser?.close().catch(() => {});
    await plainBrowser?.close().catch(() => {});
    await backend?.stop();
    for (const s of Object.values(sites)) s.server.close();
  });

  async function appApi(path, body) {
    const r = await fetch(`${backend.base}/api/v1${path}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-App-Id': APP.appId, 'X-App-Key': APP.appSecret }, body: JSON.stringify(body),
    });
    const json = await r.json();
    assert.ok(r.ok, `POST ${path}: HTTP ${r.status} ${JSON.stringify(json)}`);
    return json;
  }
  async function plainParticipant(roomId, user) {
    const context = await plainBrowser.newContext();
    await context.addInitScript(toneProbe);
    const page = await context.newPage();
    const q = new URLSearchParams({ room: roomId, user, role: 'customer', appId: APP.appId, appKey: APP.appSecret });
    await page.goto(`${backend.base}/baseline/baseline.html?${q}`);
    await page.waitForFunction(() => typeof window.SimplePeer === 'function' && typeof window.io === 'function');
    await page.click('#join');
    return { context, page };
  }
  const heard = async (page) => heardTones(await tones(page));

  for (const [name, ui] of [
    ['vite', { join: '.earshot-join:not([disabled])', state: () => document.querySelector('.earshot-call')?.dataset.state, leave: '.earshot-leave' }],
    ['esbuild', { join: '#join:not([disabled])', state: () => document.getElementById('state').textContent, leave: '#leave' }],
  ]) {
    test(`the ${name} app, built from the packed tarball, calls the plain socket.io participant with audio both ways`, async () => {
      const { roomId } = await appApi('/rooms', {});
      const user = `${name}-user`;
      const joined = await appApi(`/rooms/${roomId}/join`, { userId: user, name: `${name} user`, role: 'agent' });
      sites[name].session = {
        backendUrl: backend.base, roomId, token: joined.token, signalingUrl: joined.signalingUrl, iceServers: joined.iceServers,
        ttl: joined.ttl, userId: user, userName: `${name} user`,
      };
      const context = await appBrowser.newContext();
      await context.addInitScript(toneProbe);
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${sites[name].origin}/`);
      const join = page.locator(ui.join);
      await join.waitFor({ timeout: 20000 });
      await join.click();
      const state = () => page.evaluate(ui.state);
      await waitFor(async () => (await state()) === 'waiting-for-peer', { what: `${name} app waiting in the room` });
      const plain = await plainParticipant(roomId, `${name}-plain`);
      try {
        await waitFor(async () => (await state()) === 'connected', { timeout: 30000, what: `${name} app connected` });
        await waitFor(async () => (await heard(page)).includes(PLAIN_TONE), { timeout: 15000, what: `${name} app hears ${PLAIN_TONE} Hz` });
        await waitFor(async () => (await heard(plain.page)).includes(APP_TONE), { timeout: 15000, what: `the plain side hears ${APP_TONE} Hz` });
      } catch (e) {
        throw new Error(`${e.message}\n  app: state=${await state()} heard=${JSON.stringify(await heard(page))} errors=${JSON.stringify(errors)}; plain: heard=${JSON.stringify(await heard(plain.page))}`);
      }
      assert.deepEqual(await heard(page), [PLAIN_TONE]);
      assert.deepEqual(await heard(plain.page), [APP_TONE]);
      await page.screenshot({ path: artifact(`consumer-${name}.png`) });
      await page.click(ui.leave);
      await waitFor(async () => (await state()) === 'ended', { timeout: 5000, what: `${name} app left` });
      assert.deepEqual(errors, []);
      await context.close();
      await plain.context.close();
    });
  }
}
