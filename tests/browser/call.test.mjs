// Room and admin pages end to end in headless Chromium with fake audio, against the real backend and
// coturn, inside a private network namespace (re-executes itself there when run directly).
//   tests/browser/run.sh     (or: node --test tests/browser/ as root)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import {
  inNamespace, startBackend, launch, toneFile, tempDir, artifact, snapshot, stats, waitFor, waitState,
  receivedPower, openRoom, ADMIN_KEY, sleep, assertSaidOnce,
} from './harness.mjs';

const outside = inNamespace(fileURLToPath(import.meta.url));
if (outside !== null) {
  test('browser suite (inside its network namespace)', () => assert.equal(outside, 0, 'see the output above'));
} else {
  suite();
}

function suite() {
  const SILENT = 1e-5;  // mean power of received silence is ~0; a 0.5 sine is ~0.1 after the codec
  const LOUD = 1e-3;
  let backend, browser, deniedBrowser, work;
  let room;              // the room of the main call
  let host, guest;       // pages in the main call
  let hostCtx, guestCtx;

  before(async () => {
    work = tempDir('earshot-browser-');
    backend = await startBackend();
    browser = await launch({ wav: toneFile(work) });
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await deniedBrowser?.close().catch(() => {});
    await backend?.stop();
  });

  test('admin page creates a room; host and guest join from their links and hear each other', async () => {
    const admin = await (await browser.newContext()).newPage();
    await admin.goto(`${backend.base}/index.html`);
    await admin.fill('#admin-key', ADMIN_KEY);
    await admin.click('#key-form button[type=submit]');
    await admin.fill('#room-title', 'Browser test');
    await admin.fill('#host-name', 'Alice');
    await admin.fill('#guest-name', 'Bob');
    await admin.click('#create-btn');
    await admin.locator('#links code').nth(1).waitFor();
    const [hostUrl, guestUrl] = await admin.locator('#links code').allTextContents();
    assert.match(hostUrl, /room\.html\?room=.+&t=/);
    room = { hostUrl, guestUrl };

    hostCtx = await browser.newContext();
    guestCtx = await browser.newContext();
    const fetched = [];  // every request either page makes, through the whole call
    for (const ctx of [hostCtx, guestCtx]) ctx.on('request', (r) => fetched.push(new URL(r.url()).pathname));
    host = await openRoom(hostCtx, hostUrl, { join: false });
    await host.locator('#join-btn:not([disabled])').waitFor();
    await waitFor(async () => (await snapshot(host)).localLevel > 0.01, { what: 'pre-join level meter' });
    assert.equal(await host.textContent('#who'), 'Alice');
    assert.match(await host.textContent('#expires'), /\d/);
    await host.screenshot({ path: artifact('prejoin.png'), fullPage: true });
    await host.click('#join-btn');
    await waitState(host, 'waiting-for-peer');
    guest = await openRoom(guestCtx, guestUrl);
    await waitState(host, 'connected');
    await waitState(guest, 'connected');

    // The admin page shows who is in the room (polled).
    await waitFor(async () => /Alice.*Bob|Bob.*Alice/.test(await admin.textContent('#rooms')), { what: 'admin room status' });

    for (const [name, page] of [['host', host], ['guest', guest]]) {
      const s = await waitFor(async () => { const x = await stats(page); return x && x.packetsReceived > 0 && x; }, { what: `${name} inbound audio` });
      assert.ok(s.packetsReceived > 0);
      const p = await waitFor(async () => { const v = await receivedPower(page); return v > LOUD && v; }, { what: `${name} audio energy` });
      assert.ok(p > LOUD, `${name} hears the other side (power ${p})`);
    }
    assert.equal(await host.textContent('#conn-text'), 'Connected');
    await host.waitForSelector('#people li.peer .name:has-text("Bob")');
    await host.screenshot({ path: artifact('incall.png'), fullPage: true });
    await admin.context().close();
    // Vendor SDKs are loaded only by their own profiles: the selfhosted call fetched no adapter and no SDK.
    assert.ok(fetched.includes('/earshot.wasm'), `the network log caught the page's requests: ${fetched.join(' ')}`);
    const vendor = fetched.filter((p) => /\/vendor\/|chime|ivs|kinesis/i.test(p));
    assert.deepEqual(vendor, [], 'the selfhosted room page fetched vendor bytes');
  });

  test('mute silences the other side within 1 s; unmute restores it', async () => {
    assert.ok(host && guest, 'needs the call from the first test');
    await host.click('#mute-btn');
    const t0 = Date.now();
    assert.equal(await host.getAttribute('#mute-btn', 'aria-pressed'), 'true');
    await waitFor(async () => (await receivedPower(guest, 200)) < SILENT, { timeout: 1000, interval: 0, what: 'silence at the guest' });
    const took = Date.now() - t0;
    assert.ok(took <= 1000, `silent after ${took} ms`);
    await waitFor(async () => (await snapshot(host)).speakingWhileMuted, { timeout: 3000, what: 'speaking-while-muted hint' });
    assert.equal(await host.isVisible('#muted-hint'), true);
    await host.keyboard.press('m');  // the M key unmutes
    await waitFor(async () => (await receivedPower(guest, 200)) > LOUD, { timeout: 2000, what: 'audio back at the guest' });
    assert.equal(await host.getAttribute('#mute-btn', 'aria-pressed'), 'false');
  });

  test('switching the input device mid-call keeps the call connected and audio flowing', async () => {
    const before = await snapshot(guest);
    const other = before.inputs.find((d) => d.id !== before.micDeviceId && d.id !== 'default' && d.id !== 'communications');
    assert.ok(other, `a second fake microphone exists: ${JSON.stringify(before.inputs)}`);
    await guest.selectOption('#call-device', other.id);
    await waitFor(async () => (await snapshot(guest)).micDeviceId === other.id, { what: 'new device in use' });
    await sleep(500);
    const s = await snapshot(guest);
    assert.equal(s.state, 'connected');
    const p = await waitFor(async () => { const v = await receivedPower(host); return v > LOUD && v; }, { timeout: 5000, what: 'audio after the switch' });
    assert.ok(p > LOUD);
  });

  test('reloading the tab mid-call rejoins without spending the single-use invite again', async () => {
    const requests = [];
    guest.on('request', (r) => requests.push(r.url()));
    await guest.reload();
    try {
      await guest.locator('#join-btn:not([disabled])').waitFor({ timeout: 15000 });
    } catch (e) {
      const problem = await guest.isVisible('#problem') ? await guest.textContent('#problem-text') : '(no problem shown)';
      throw new Error(`Join never enabled after reload: ${problem}; snapshot ${JSON.stringify(await snapshot(guest))}`);
    }
    assert.ok(!requests.some((u) => u.includes('/api/v1/invites/redeem')), 'the tab reuses its session');
    await guest.click('#join-btn');
    await waitState(guest, 'connected', 20000);
    await waitState(host, 'connected', 20000);
    const p = await waitFor(async () => { const v = await receivedPower(host); return v > LOUD && v; }, { timeout: 10000, what: 'audio after the reload' });
    assert.ok(p > LOUD);
    const q = await waitFor(async () => { const v = await receivedPower(guest); return v > LOUD && v; }, { timeout: 10000, what: 'audio to the reloaded tab' });
    assert.ok(q > LOUD);
  });

  test('leave on one side shows "left" on the other within 2 s', async () => {
    await guest.click('#leave-btn');
    const t0 = Date.now();
    // Alone again: the status line says who left, the notice (once) that waiting is fine.
    await host.waitForSelector('#conn-text:has-text("left the call")', { timeout: 2000 });
    assert.ok(Date.now() - t0 <= 2000);
    await guest.waitForSelector('#ended:not([hidden])');
    assert.equal(await host.textContent('#conn-text'), 'Bob left the call');
    assert.equal(await host.textContent('#notice'), 'You can wait here for Bob to come back, or leave.');
  });

  test('a guest link already used in another browser offers the seat there; nobody is let in silently', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(room.guestUrl);
    await page.locator('#takeover:not([hidden])').waitFor({ timeout: 15000 });
    assert.equal(await page.textContent('#join-btn'), 'Join here instead');
    assert.equal((await snapshot(page)).lookup.seat, 'elsewhere');
    await page.context().close();
    await hostCtx.close();
    await guestCtx.close();
  });

  test('an expired link shows its expiry time and makes no request to the backend', async () => {
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const exp = Math.floor(Date.now() / 1000) - 120;
    const token = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ iss: 'earshot', typ: 'invite', room: 'gone', role: 'guest', name: 'Bob', jti: 'x1', iat: exp - 3600, exp })}.${'A'.repeat(43)}`;
    const page = await (await browser.newContext()).newPage();
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('websocket', (w) => requests.push(w.url()));
    await page.goto(`${backend.base}/room.html?room=gone&t=${token}`);
    await page.waitForSelector('#problem:not([hidden])');
    const text = await page.textContent('#problem-text');
    const hhmm = new Date(exp * 1000).toISOString().slice(11, 16);
    assert.ok(text.includes(hhmm), `"${text}" names ${hhmm}`);
    assert.match(await page.textContent('#problem-h'), /expired/);
    await assertSaidOnce(page, (await snapshot(page)).failure.message, 'the expired-link page');
    await sleep(1000);
    const statics = /\/(room\.html\?.*|earshot\.css|room\.js|client\.js|earshot\.js|earshot\.wasm|config\.json|favicon\.svg)$/;
    const extra = requests.filter((u) => !statics.test(new URL(u).pathname + new URL(u).search));
    assert.deepEqual(extra, [], 'only static files were requested');
    assert.ok(!requests.some((u) => u.includes('/api/') || u.startsWith('ws')));
    await page.screenshot({ path: artifact('error-expired.png'), fullPage: true });
    await page.context().close();
  });

  test('a tampered link, and a call server that cannot be reached, each say what happened once', async () => {
    const r = await backend.createRoom({ title: 'Tampered' });
    const url = new URL(r.links.guest.url);
    const t = url.searchParams.get('t');
    url.searchParams.set('t', `${t.slice(0, -4)}${t.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`);  // not the signature the server made
    const ctx = await browser.newContext();
    const page = await openRoom(ctx, url.href, { join: false });
    await page.waitForSelector('#problem:not([hidden])', { timeout: 15000 });
    assert.equal(await page.textContent('#problem-code'), 'Error code: invite.invalid');
    await assertSaidOnce(page, (await snapshot(page)).failure.message, 'the tampered-link page');
    await page.screenshot({ path: artifact('error-tampered.png'), fullPage: true });

    // The page loads, but nothing answers its API calls.
    await ctx.route('**/api/**', (route) => route.abort('connectionrefused'));
    const down = await openRoom(ctx, r.links.host.url, { join: false });
    await down.waitForSelector('#problem:not([hidden])', { timeout: 20000 });
    assert.match(await down.textContent('#problem-code'), /unreachable/);
    await assertSaidOnce(down, (await snapshot(down)).failure.message, 'the unreachable-server page');
    await down.screenshot({ path: artifact('error-unreachable.png'), fullPage: true });
    await ctx.close();
  });

  async function relayCall(b) {
    const r = await b.createRoom({ title: 'Relay' });
    const ctxs = [await browser.newContext(), await browser.newContext()];
    for (const ctx of ctxs) {
      await ctx.route('**/config.json', (route) => route.fulfill({
        contentType: 'application/json', body: JSON.stringify({ profile: 'selfhosted', apiBase: '', iceTransportPolicy: 'relay' }),
      }));
    }
    const h = await openRoom(ctxs[0], r.links.host.url);
    const g = await openRoom(ctxs[1], r.links.guest.url);
    return { h, g, ctxs };
  }

  test('relay-only policy through the local coturn connects over relay candidates and audio flows', async () => {
    const { h, g, ctxs } = await relayCall(backend);
    await waitState(h, 'connected', 30000);
    await waitState(g, 'connected', 30000);
    const s = await waitFor(async () => { const x = await stats(g); return x && x.pair && x.pair.state === 'succeeded' && x; }, { what: 'selected pair' });
    assert.equal(s.pair.local, 'relay');
    assert.equal(s.pair.remote, 'relay');
    const p = await waitFor(async () => { const v = await receivedPower(g); return v > LOUD && v; }, { what: 'relayed audio' });
    assert.ok(p > LOUD);
    for (const c of ctxs) await c.close();
  });

  test('with a wrong TURN secret the page says it could not reach the relay', async () => {
    // A second backend hands out credentials signed with the wrong secret for the same coturn.
    const wrong = await startBackend({ turn: false, turnPort: backend.turnPort, turnSecret: 'not-the-coturn-secret' });
    try {
      const { h, g, ctxs } = await relayCall(wrong);
      // The first side whose ICE gathering ends with only 401s fails; the other then sees it leave.
      const failed = await waitFor(async () => {
        for (const page of [h, g]) if (await page.isVisible('#problem')) return page;
        return null;
      }, { timeout: 30000, what: 'relay failure page' });
      assert.match(await failed.textContent('#problem-text'), /Could not reach the relay/);
      assert.match(await failed.textContent('#problem-h'), /relay/);
      await assertSaidOnce(failed, (await snapshot(failed)).failure.message, 'the relay failure page');
      await failed.screenshot({ path: artifact('error-relay.png'), fullPage: true });
      for (const c of ctxs) await c.close();
    } finally {
      await wrong.stop();
    }
  });

  test('keyboard only: every control is labelled, Tab reaches Join, Enter joins, M mutes, changes are announced', async () => {
    const r = await backend.createRoom({ title: 'Keyboard' });
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(r.links.host.url);
    await page.locator('#join-btn:not([disabled])').waitFor({ timeout: 15000 });
    const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, select, input, a[href]')]
      .filter((el) => el.getClientRects().length > 0)
      .filter((el) => {
        const label = el.id && document.querySelector(`label[for="${el.id}"]`);
        return !((el.getAttribute('aria-label') || (label && label.textContent) || el.textContent || '').trim());
      })
      .map((el) => el.id || el.outerHTML.slice(0, 80)));
    assert.deepEqual(unnamed, [], 'controls without an accessible name');
    let onJoin = false;
    for (let i = 0; i < 25 && !onJoin; i++) {
      await page.keyboard.press('Tab');
      onJoin = await page.evaluate(() => document.activeElement && document.activeElement.id === 'join-btn');
    }
    assert.ok(onJoin, 'Join is reachable with Tab');
    await page.keyboard.press('Enter');
    await waitState(page, 'waiting-for-peer');
    await waitFor(async () => /Waiting for the other person/.test(await page.textContent('#live')),
      { what: 'the live region announcing the new state' });
    assert.equal(await page.getAttribute('#live', 'aria-live'), 'polite');
    await page.keyboard.press('m');
    await waitFor(async () => (await snapshot(page)).muted, { what: 'M mutes' });
    assert.equal(await page.getAttribute('#mute-btn', 'aria-pressed'), 'true');
    await waitFor(async () => /muted/i.test(await page.textContent('#live')), { what: 'mute announced' });
    await ctx.close();
  });

  test('on a phone (320 and 390 px) the in-call microphone selector is readable and nothing scrolls sideways', async () => {
    const r = await backend.createRoom({ title: 'Phone' });
    const ctx = await browser.newContext({ viewport: { width: 320, height: 700 } });
    const page = await openRoom(ctx, r.links.host.url);
    await waitState(page, 'waiting-for-peer');
    const measure = () => page.evaluate(() => ({
      select: document.getElementById('call-device').getBoundingClientRect().width,
      scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
    }));
    for (const width of [390, 320]) {
      await page.setViewportSize({ width, height: 700 });
      const m = await measure();
      assert.ok(m.select >= 160, `${width} px: the microphone selector is ${m.select} px wide`);
      assert.ok(m.scrollWidth <= m.innerWidth, `${width} px: scrollWidth ${m.scrollWidth} > innerWidth ${m.innerWidth}`);
      await page.screenshot({ path: artifact(`incall-${width}.png`), fullPage: true });
    }
    // A long device name is cut short inside the selector, not by widening the page.
    await page.evaluate(() => { document.getElementById('call-device').selectedOptions[0].text = 'Headset Microphone (Jabra Evolve2 85, USB Audio Device 0b0e:24ee)'; });
    const m = await measure();
    assert.ok(m.select >= 160 && m.scrollWidth <= m.innerWidth, `long name at 320 px: ${JSON.stringify(m)}`);
    await page.screenshot({ path: artifact('incall-320-long-name.png'), fullPage: true });
    await ctx.close();
  });

  test('keyboard hints show with a mouse and hide on a touch screen (no M key there)', async () => {
    const r = await backend.createRoom({ title: 'Touch' });
    const hint = 'You are muted — the other person can\'t hear you.';
    for (const touch of [false, true]) {
      const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: touch, isMobile: touch });
      const page = await openRoom(ctx, touch ? r.links.guest.url : r.links.host.url);
      await waitState(page, ['waiting-for-peer', 'connecting', 'connected']);
      assert.equal(await page.evaluate(() => matchMedia('(hover: none), (pointer: coarse)').matches), touch, 'the emulated pointer');
      await page.click('#mute-btn');
      await page.locator('#muted-hint:not([hidden])').waitFor({ timeout: 5000 });  // the fake mic keeps talking
      const seen = await page.evaluate(() => [document.getElementById('mute-btn').innerText, document.getElementById('muted-hint').innerText]);
      // the core's own "You are muted. Press M to unmute." is not shown next to the hint
      await assertSaidOnce(page, touch ? hint : `${hint} Press M to unmute.`, `the muted hint (${touch ? 'touch' : 'mouse'})`);
      if (touch) {
        assert.deepEqual(seen, ['Unmute', hint], 'no key hints on a touch screen');
        assert.doesNotMatch(await page.innerText('#incall'), /Press|\bM\b/, 'no key named anywhere in the call view');
        await page.screenshot({ path: artifact('incall-touch-390.png'), fullPage: true });
      } else {
        assert.match(seen[0], /^Unmute\s*M$/);
        assert.equal(seen[1], `${hint} Press M to unmute.`);
      }
      await ctx.close();
    }
  });

  test('the pre-join mic test records three seconds and plays them back', async () => {
    const r = await backend.createRoom({ title: 'Mic test' });
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(r.links.guest.url);
    await page.locator('#test-btn:not([disabled])').waitFor({ timeout: 15000 });
    await page.click('#test-btn');
    await waitFor(async () => /Recording/.test(await page.textContent('#test-status')), { what: 'recording' });
    await waitFor(async () => /Playing back/.test(await page.textContent('#test-status')), { timeout: 6000, what: 'playback' });
    await waitFor(async () => /Did you hear yourself/.test(await page.textContent('#test-status')), { timeout: 8000, what: 'the end of playback' });
    assert.equal(await page.isDisabled('#test-btn'), false, 'the test can be run again');
    await ctx.close();
  });

  test('a denied microphone shows the denied message and how to re-enable it', async () => {
    deniedBrowser = await launch({ fakeUi: false, wav: toneFile(work) });
    const r = await backend.createRoom({ title: 'Denied' });
    const ctx = await deniedBrowser.newContext();  // no microphone permission granted
    const page = await ctx.newPage();
    await page.goto(r.links.guest.url);
    await page.waitForSelector('#problem:not([hidden])', { timeout: 15000 });
    assert.match(await page.textContent('#problem-text'), /Microphone access is blocked/);
    assert.match(await page.textContent('#problem-help'), /address bar/);
    assert.equal(await page.isVisible('#retry-btn'), true);
    await assertSaidOnce(page, (await snapshot(page)).failure.message, 'the mic-denied page');
    await page.screenshot({ path: artifact('error-mic-denied.png'), fullPage: true });
    await ctx.close();
  });
}
