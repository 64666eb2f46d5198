// Earshot's ivs profile (seed 002) end to end: dist/web-ivs's room page (name entry, tiles, listener
// count, invite link + QR code) with the real amazon-ivs-web-broadcast@1.41.0 (vendor/ivs-sdk.js, loaded
// by web/vendor/ivs.js) against the local stand-in of the room API and the Stage service (standins/ivs).
// Three browsers with fake mics at 440 (Alice), 660 (Bob) and 880 Hz (Cleo): each must hear the other
// two by frequency, never its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ROOT, inNamespace, launch, toneFile, tempDir, tones, heardTones, tonePeaks, vendorContext,
  snapshot, diagnostics, waitFor, waitState, artifact, sleep, visibleSentences,
} from './harness.mjs';
import { startStandin } from '../../standins/ivs/test/standin.mjs';

const status = inNamespace(fileURLToPath(import.meta.url));
if (status !== null) {
  test('ivs suite (inside its network namespace)', () => assert.equal(status, 0, 'see the output above'));
} else {
  suite();
}

function suite() {
  const HOST = '10.77.0.1';
  const DIST = join(ROOT, 'dist', 'web-ivs');
  const HEARD = 60;
  const MARGIN = 40;
  const ABSENT = 60;
  const DESKTOP = { width: 1280, height: 800 };
  const PHONE = { width: 390, height: 844 };
  // The SDK's analytics and remote config, unreachable offline: refused at once, as a firewall would.
  const BLOCKED = /^https:\/\/(broadcast\.stats\.live-video\.net|[^/]*\.ivs-device-config\.live-video\.net)\//;
  const PEOPLE = [
    { key: 'alice', name: 'Alice', freq: 440 },
    { key: 'bob', name: 'Bob', freq: 660 },
    { key: 'cleo', name: 'Cleo', freq: 880 },
  ];
  const [ALICE, BOB, CLEO] = PEOPLE;
  let standin, work, inviteUrl;
  const browsers = {};
  let joined = false;

  before(async () => {
    assert.ok(existsSync(join(DIST, 'vendor', 'ivs-sdk.js')), `${DIST} is missing: tools/build.sh web builds it`);
    work = tempDir('earshot-ivs-e2e-');
    standin = await startStandin({ flags: ['--host', HOST, '--pages-dir', DIST] });
    const bs = await Promise.all(PEOPLE.map((p) => launch({ wav: toneFile(work, p.freq), secureOrigins: [standin.pages] })));
    PEOPLE.forEach((p, i) => { browsers[p.key] = bs[i]; });
  });
  after(async () => {
    await Promise.all(Object.values(browsers).map((b) => b.close().catch(() => {})));
    await standin?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const context = (who) => vendorContext(browsers[who.key], { apiBase: standin.api, block: BLOCKED, viewport: DESKTOP });
  // Opens `url`, types the name and presses the pre-join's button; returns the time of the click.
  async function enter(who, url) {
    who.ctx = who.ctx || await context(who);
    who.page = await who.ctx.newPage();
    who.page.on('pageerror', (e) => console.log(`[${who.name} page error] ${e.message}`));
    await who.page.goto(url);
    await who.page.locator('#name-input').waitFor({ timeout: 10000 });
    await who.page.fill('#name-input', who.name);
    await who.page.locator('#join-btn:not([disabled])').waitFor({ timeout: 15000 });
    if (who === ALICE && !who.shot) {  // the pre-join with its name entry, as the first person sees it
      who.shot = true;
      await who.page.screenshot({ path: artifact('ivs-prejoin.png'), fullPage: true });
      await who.page.setViewportSize(PHONE);
      await who.page.screenshot({ path: artifact('ivs-prejoin-390.png'), fullPage: true });
      await who.page.setViewportSize(DESKTOP);
    }
    const t0 = Date.now();
    await who.page.click('#join-btn');
    return t0;
  }
  const listen = async (who) => {
    const report = await tones(who.page);
    return { report, heard: heardTones(report, { minRel: HEARD, margin: MARGIN }), peaks: tonePeaks(report) };
  };
  const figures = (l) => (l.report?.tracks || []).map((t) => `[${Object.entries(t.rel).map(([f, v]) => `${f}:${v}`).join(' ')}]`).join(' ') || '(no tracks)';
  const freqs = (people) => people.map((p) => p.freq).sort((a, b) => a - b);
  const others = (who) => PEOPLE.filter((p) => p !== who);
  async function hearsExactly(who, from) {
    const l = await listen(who);
    return JSON.stringify(l.heard) === JSON.stringify(freqs(from))
      && PEOPLE.filter((p) => !from.includes(p)).every((p) => l.peaks[p.freq] < ABSENT) && l;
  }
  const tiles = (page) => page.locator('ul#people li.peer').evaluateAll((els) => els
    .filter((el) => el.getClientRects().length > 0)
    .map((el) => ({ name: el.querySelector('.name').textContent.trim(), state: el.querySelector('.state').textContent.trim(), talking: el.classList.contains('talking') })));
  const describe = async (who) => `${who.name}: state=${(await snapshot(who.page))?.state} tones ${figures(await listen(who))} tiles ${JSON.stringify(await tiles(who.page))}`;

  test('a room started by name, joined by two from its invite link: everyone hears the two others; tiles, listener count and QR code', async (t) => {
    const roomPage = await (await fetch(`${standin.pages}/room.html`)).text();
    assert.match(roomPage, /Your voice goes to the others through Amazon IVS\./);
    // No admin on this profile: the site's root is the room page, and the selfhosted admin is not shipped.
    assert.equal(await (await fetch(`${standin.pages}/`)).text(), roomPage, 'the root serves the room page');
    assert.equal((await fetch(`${standin.pages}/admin.js`)).status, 404, 'the selfhosted admin script is not on the ivs pages');
    // Alice starts a room: no room in the link.
    const aliceAt = await enter(ALICE, `${standin.pages}/room.html`);
    assert.equal(await ALICE.page.textContent('#join-btn'), 'Start a room');
    await waitState(ALICE.page, ['waiting-for-peer', 'connected'], 20000);
    await ALICE.page.locator('#invite-link').waitFor({ timeout: 10000 });
    inviteUrl = await ALICE.page.textContent('#invite-link');
    const roomId = new URL(inviteUrl).searchParams.get('room');
    assert.match(inviteUrl, new RegExp(`^${standin.pages}/room\\.html\\?room=[\\w-]+$`), 'the invite link names the room');
    assert.equal(ALICE.page.url(), inviteUrl, 'the page\'s own address becomes the room\'s (a reload rejoins it)');
    // The QR code is the invite link: the core's QR rows for it are what the page drew.
    const qr = await ALICE.page.evaluate(async (u) => {
      const rows = (await import('./vendor/ivs.js')).qrRows(u);
      const path = document.querySelector('#invite-qr svg path');
      return { rows, d: path && path.getAttribute('d'), label: document.querySelector('#invite-qr svg').getAttribute('aria-label') };
    }, inviteUrl);
    const n = qr.rows.split('\n').length;
    assert.ok(n >= 25 && qr.rows.split('\n').every((r) => r.length === n), `a square QR code (${n} modules)`);
    assert.equal((qr.d.match(/M/g) || []).length, (qr.rows.match(/1/g) || []).length, 'one square per dark module');
    assert.match(qr.label, /QR code of the invite link/);

    // Bob and Cleo come in through the link.
    const at = { alice: aliceAt };
    at.bob = await enter(BOB, inviteUrl);
    assert.equal(await BOB.page.textContent('#join-btn'), 'Join room');
    at.cleo = await enter(CLEO, inviteUrl);
    for (const who of PEOPLE) {
      const l = await waitFor(() => hearsExactly(who, others(who)), { timeout: 30000, what: `${who.name} hearing ${freqs(others(who)).join(' and ')} Hz` })
        .catch(async (e) => { throw new Error(`${e.message}\n  ${(await Promise.all(PEOPLE.map(describe))).join('\n  ')}`); });
      const started = (await who.page.evaluate(() => window.__vendorEvents)).find((e) => e.type === 'vendor-started');
      t.diagnostic(`${who.name}: Join -> stage connected ${started.at - at[who.key]} ms, both tones ${Date.now() - at[who.key]} ms after Join; dB over median ${figures(l)}`);
    }
    for (const who of PEOPLE) {
      await waitState(who.page, 'connected', 10000);
      await waitFor(async () => JSON.stringify((await tiles(who.page)).map((x) => x.name).sort()) === JSON.stringify(others(who).map((p) => p.name).sort()),
        { timeout: 5000, what: `${who.name}'s tiles naming the two others` });
      await waitFor(async () => (await who.page.textContent('#listeners')) === '2 listening', { timeout: 5000, what: `${who.name}'s listener count` })
        .catch(async (e) => { throw new Error(`${e.message}: "${await who.page.textContent('#listeners')}"`); });
    }
    await waitFor(async () => (await tiles(BOB.page)).some((x) => x.talking), { timeout: 5000, what: 'a speaking indicator on Bob\'s page' });
    const bobTiles = await tiles(BOB.page);
    assert.ok(bobTiles.every((x) => !/Guest|Host/.test(x.state)), `a stage has no hosts or guests: ${JSON.stringify(bobTiles)}`);
    assert.equal(await BOB.page.textContent('#title'), `Room ${roomId}`);
    // The SDK's offline analytics were refused and did not hold anything up; the selfhosted build's bytes are not here.
    assert.ok(ALICE.ctx.requests.some((u) => u.endsWith('/vendor/ivs-sdk.js')), 'the IVS page loads the IVS SDK');
    for (const who of PEOPLE) {
      await who.page.screenshot({ path: artifact(`ivs-${who.key}.png`), fullPage: true });
      await who.page.setViewportSize(PHONE);
      await who.page.screenshot({ path: artifact(`ivs-${who.key}-390.png`), fullPage: true });
      await who.page.setViewportSize(DESKTOP);
    }
    // The diagnostics read each subscription (one SDK connection per person heard) as the driver reads its own links.
    const ids = (await snapshot(ALICE.page)).participants.map((p) => p.id).sort();
    const d = await waitFor(async () => {
      const x = await diagnostics(ALICE.page);
      const heard = x.peers.filter((v) => v.packetsReceived > 50 && v.series && v.series.kbpsIn.length > 1);
      return heard.length === 2 && heard;
    }, { timeout: 10000, what: 'both subscriptions in Alice\'s diagnostics' });
    assert.deepEqual(d.map((p) => p.participant).sort(), ids, 'one connection per other participant');
    for (const p of d) assert.ok(p.kbpsIn > 5, `audio arriving from ${p.participant}: ${p.kbpsIn} kbit/s`);
    joined = true;
  });

  test('one mutes: the others see it on the tile and stop hearing that tone', async () => {
    assert.ok(joined, 'needs the room of the first test');
    await BOB.page.click('#mute-btn');
    const t0 = Date.now();
    for (const who of [ALICE, CLEO]) {
      await waitFor(async () => (await listen(who)).peaks[BOB.freq] < ABSENT, { timeout: 2000, what: `${who.name} no longer hearing Bob's ${BOB.freq} Hz` });
      await waitFor(async () => /muted/.test((await tiles(who.page)).find((x) => x.name === 'Bob')?.state || ''), { timeout: 3000, what: `${who.name}'s tile showing Bob muted` });
    }
    console.log(`Bob's tone gone at Alice and Cleo ${Date.now() - t0} ms after Mute`);
    await ALICE.page.screenshot({ path: artifact('ivs-alice-sees-bob-muted.png'), fullPage: true });
    await BOB.page.click('#mute-btn');
    for (const who of [ALICE, CLEO]) {
      await waitFor(() => hearsExactly(who, others(who)), { timeout: 5000, what: `${who.name} hearing Bob again` });
      await waitFor(async () => !/muted/.test((await tiles(who.page)).find((x) => x.name === 'Bob')?.state || ''), { timeout: 3000, what: 'the muted mark gone' });
    }
  });

  test('another microphone picked mid-call: the stage gets the new track and the others keep hearing it', async () => {
    assert.ok(joined, 'needs the room of the first test');
    const before = await snapshot(CLEO.page);
    const other = before.inputs.find((d) => d.id !== before.micDeviceId && d.id !== 'default' && d.id !== 'communications');
    assert.ok(other, `a second fake microphone exists: ${JSON.stringify(before.inputs)}`);
    await CLEO.page.selectOption('#call-device', other.id);
    await waitFor(async () => (await snapshot(CLEO.page)).micDeviceId === other.id, { what: 'the new microphone in use' });
    await sleep(1500);
    for (const who of [ALICE, BOB]) await waitFor(() => hearsExactly(who, others(who)), { timeout: 8000, what: `${who.name} hearing Cleo from her new microphone` });
  });

  test('the wiring is what vendors.md says: events socket, WHIP with our token, a recvonly audio subscribe offer', async () => {
    assert.ok(joined, 'needs the room of the first test');
    const log = await standin.log();
    const opens = log.filter((e) => e.kind === 'ws-open');
    assert.ok(opens.length >= 3, 'three events sockets');
    const roomId = new URL(inviteUrl).searchParams.get('room');
    for (const o of opens.slice(0, 3)) {
      assert.equal(new URL(o.url, 'http://x').pathname, '/events');
      assert.equal(o.query.error_over_ws, '1');
      assert.equal(o.query.topic, `${roomId}/publishers`);
      assert.ok(o.query.traceid, 'a traceid');
      assert.equal(o.protocol.split('.').length, 3, 'the raw participant token is the subprotocol');
    }
    const tokens = new Set(opens.map((o) => o.protocol));
    const whip = log.filter((e) => e.kind === 'http' && e.method === 'POST' && /^\/whip\//.test(e.path));
    const subscribes = whip.filter((e) => e.path.startsWith('/whip/subscribe/'));
    assert.ok(whip.filter((e) => e.path.startsWith('/whip/publish/')).length >= 3, 'each publishes');
    assert.ok(subscribes.length >= 6, 'each subscribes to the two others');
    for (const e of whip) {
      assert.match(e.headers.authorization || '', /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
      assert.ok(tokens.has(e.headers.authorization.slice(7)), 'WHIP carries the same participant token as its events socket');
    }
    for (const e of subscribes) {
      assert.match(e.body, /m=audio[^]*?a=recvonly/, 'the subscribe offer receives audio only');
      assert.match(e.body, /m=video/, 'the real SDK also offers a video m-line (vendors.md)');
    }
  });

  test('key rotation: a token signed before it is refused and the page says so; Try again joins with a new one', async () => {
    assert.ok(joined, 'needs the room of the first test');
    // Dan's token was issued before the key changed (the room API answered, then rotate-key ran): his
    // page gets that answer for its Join; Try again asks the room API afresh.
    const roomId = new URL(inviteUrl).searchParams.get('room');
    const DAN = { key: 'alice', name: 'Dan', freq: 440 };
    const issued = await standin.join({ username: DAN.name, roomId });
    assert.equal(issued.status, 200);
    standin.rotateKey();
    DAN.ctx = await context(DAN);
    let served = 0;
    await DAN.ctx.route('**/room/join', (route) => (served++ ? route.fallback() : route.fulfill({ json: issued.body })));
    DAN.page = await DAN.ctx.newPage();
    await DAN.page.goto(inviteUrl);
    await DAN.page.fill('#name-input', DAN.name);
    await DAN.page.locator('#join-btn:not([disabled])').waitFor({ timeout: 15000 });
    await DAN.page.click('#join-btn');
    await waitState(DAN.page, 'failed', 15000);
    const s = await snapshot(DAN.page);
    assert.equal(s.failure.code, 'stage.refused', JSON.stringify(s.failure));
    assert.match(await DAN.page.textContent('#problem-text'), /^The stage refused your participant token \(TOKEN_/);
    assert.ok((await standin.log()).some((e) => e.kind === 'frame' && /JOIN_ERROR/.test(JSON.stringify(e.frame))), 'the stand-in sent JOIN_ERROR');
    await DAN.page.screenshot({ path: artifact('ivs-token-refused.png'), fullPage: true });
    await DAN.page.click('#retry-btn');
    await waitState(DAN.page, 'prejoin', 10000);
    await DAN.page.locator('#join-btn:not([disabled])').waitFor({ timeout: 15000 });
    await DAN.page.click('#join-btn');
    await waitState(DAN.page, 'connected', 20000).catch(async (e) => {
      const s2 = await snapshot(DAN.page);
      throw new Error(`${e.message}: state=${s2.state} failure=${JSON.stringify(s2.failure)} admitted=${s2.admitted} joinReady=${s2.joinReady} media=${s2.media} served=${served}`);
    });
    await waitFor(async () => (await tiles(DAN.page)).length === 3, { timeout: 5000, what: 'Dan seeing the three others' });
    await DAN.ctx.close();
  });

  test('an expired participant token is refused by the page before any request to the stage', async () => {
    assert.ok(joined, 'needs the room of the first test');
    const roomId = new URL(inviteUrl).searchParams.get('room');
    const issued = await standin.join({ username: 'Eve', roomId });
    // The same answer with the token's exp in the past (the client decodes it; IVS would verify it).
    const [h, p, sig] = issued.body.stageConfig.token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    claims.exp = Math.floor(Date.now() / 1000) - 60;
    const expired = { ...issued.body, stageConfig: { ...issued.body.stageConfig, token: [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), sig].join('.') } };
    const EVE = { key: 'bob', name: 'Eve' };
    const ctx = await context(EVE);
    await ctx.route('**/room/join', (route) => route.fulfill({ json: expired }));
    const before = (await standin.log()).length;
    const page = await ctx.newPage();
    await page.goto(inviteUrl);
    await page.fill('#name-input', EVE.name);
    await page.locator('#join-btn:not([disabled])').waitFor({ timeout: 15000 }).catch(() => {});
    if (await page.isEnabled('#join-btn').catch(() => false)) await page.click('#join-btn');
    await waitState(page, 'failed', 10000);
    const s = await snapshot(page);
    assert.equal(s.failure.code, 'token.expired', JSON.stringify(s.failure));
    assert.match((await visibleSentences(page)).text, /has expired/);
    const after = (await standin.log()).slice(before);
    // Eve's traffic is what carries her token (the events socket's protocol, WHIP's Bearer); the other
    // pages still in the room may talk to the stage meanwhile (re-subscribing after Dan left).
    const tokens = new Set([issued.body.stageConfig.token, expired.stageConfig.token]);
    const bearer = (e) => /^Bearer\s+(\S+)$/i.exec(e.headers?.authorization || '')?.[1];
    const stage = after.filter((e) => (e.kind === 'ws-open' && tokens.has(e.protocol)) || (e.kind === 'http' && /^\/whip\//.test(e.path) && tokens.has(bearer(e))));
    const others = after.filter((e) => e.kind === 'ws-open' || (e.kind === 'http' && /^\/whip\//.test(e.path)));
    assert.ok(others.every((e) => e.kind === 'ws-open' ? e.protocol : bearer(e)), 'every stage request carries a token to attribute it by');
    assert.deepEqual(stage, [], 'nothing was sent to the stage with the expired token');
    await page.screenshot({ path: artifact('ivs-token-expired.png'), fullPage: true });
    await ctx.close();
  });

  test('the stage deleted while three are in it: every page says the room closed', async () => {
    assert.ok(joined, 'needs the room of the first test');
    const roomId = new URL(inviteUrl).searchParams.get('room');
    await waitFor(async () => (await tiles(ALICE.page)).length === 2, { timeout: 10000, what: 'Dan gone from Alice\'s page' });
    const r = await fetch(`${standin.api}/_standin/rooms/${roomId}/delete`, { method: 'POST' });
    assert.equal(r.status, 200);
    for (const who of PEOPLE) {
      await waitState(who.page, 'ended', 10000);
      assert.match((await visibleSentences(who.page)).text, /This room has closed/, `${who.name} reads that the room closed`);
    }
    await ALICE.page.screenshot({ path: artifact('ivs-room-closed.png'), fullPage: true });
    await ALICE.page.setViewportSize(PHONE);
    await ALICE.page.screenshot({ path: artifact('ivs-room-closed-390.png'), fullPage: true });
  });
}
