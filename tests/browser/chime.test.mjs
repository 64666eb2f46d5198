// Earshot's chime profile (seed 000) end to end: the admin page and room page of dist/web-chime, the real
// amazon-chime-sdk-js@3.32.0 (built into vendor/chime-sdk.js, loaded by web/vendor/chime.js), against the
// local stand-in of the seed's backend and of Chime's signaling + media (standins/chime). Two browsers,
// fake mics at 440 Hz (Alice, host) and 660 Hz (Bob, guest): each must hear the other's tone by frequency.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ROOT, ADMIN_KEY, inNamespace, launch, toneFile, tempDir, tones, heardTones, tonePeaks, overrideConfig, vendorContext,
  snapshot, diagnostics, waitFor, waitState, artifact, sleep, visibleSentences,
} from './harness.mjs';
import { startChimeStandin } from '../../standins/chime/launch.mjs';

const status = inNamespace(fileURLToPath(import.meta.url));
if (status !== null) {
  test('chime suite (inside its network namespace)', () => assert.equal(status, 0, 'see the output above'));
} else {
  suite();
}

function suite() {
  const HOST = '10.77.0.1';
  const DIST = join(ROOT, 'dist', 'web-chime');
  const HEARD = 60;   // dB over the track's median (see group.test.mjs for how these were measured)
  const ABSENT = 40;  // a muted side: its tone falls below this
  const DESKTOP = { width: 1280, height: 800 };
  const PHONE = { width: 390, height: 844 };
  const ALICE = { key: 'alice', name: 'Alice', freq: 440 };
  const BOB = { key: 'bob', name: 'Bob', freq: 660 };
  let standin, work;
  const browsers = {};
  let pagesOrigin;

  before(async () => {
    assert.ok(existsSync(join(DIST, 'vendor', 'chime-sdk.js')), `${DIST} is missing: tools/build.sh web builds it`);
    work = tempDir('earshot-chime-');
    standin = await startChimeStandin({ host: HOST, adminKey: ADMIN_KEY, args: ['--pages-dir', DIST, '--pages-port', '0'] });
    pagesOrigin = standin.pages;
    const [a, b] = await Promise.all([ALICE, BOB].map((p) => launch({ wav: toneFile(work, p.freq), secureOrigins: [pagesOrigin] })));
    browsers.alice = a;
    browsers.bob = b;
  });
  after(async () => {
    await Promise.all(Object.values(browsers).map((b) => b.close().catch(() => {})));
    await standin?.stop();
  });

  // A context on the chime pages: config.json pointed at the stand-in's API, the tone probe, a record of
  // every request the page makes and of the adapter's earshot-vendor events.
  const context = (who) => vendorContext(browsers[who.key], { apiBase: standin.api, viewport: DESKTOP });
  async function open(ctx, url) {
    const page = await ctx.newPage();
    page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
    await page.goto(url);
    return page;
  }
  async function joinCall(page) {
    await page.locator('#join-btn:not([disabled])').waitFor({ timeout: 15000 });
    const t0 = Date.now();
    await page.click('#join-btn');
    return t0;
  }
  const vendorEvents = (page) => page.evaluate(() => window.__vendorEvents);
  const listen = async (page) => {
    const report = await tones(page);
    return { report, heard: heardTones(report, { minRel: HEARD, margin: 40 }), peaks: tonePeaks(report) };
  };
  const figures = (l) => (l.report?.tracks || []).map((t) => `[${Object.entries(t.rel).map(([f, v]) => `${f}:${v}`).join(' ')}]`).join(' ') || '(no tracks)';
  const hears = async (page, freq) => {
    const l = await listen(page);
    return JSON.stringify(l.heard) === JSON.stringify([freq]) && l;
  };
  const shownPeers = (page) => page.locator('ul#people li.peer').evaluateAll((els) => els
    .filter((el) => el.getClientRects().length > 0)
    .map((el) => ({ name: el.querySelector('.name').textContent.trim(), state: el.querySelector('.state').textContent.trim() })));

  // Admin page -> a room with a host link and a guest link, read off the page as the admin sees them.
  async function createRoom(title) {
    const ctx = await browsers.alice.newContext({ viewport: DESKTOP });
    await overrideConfig(ctx, { apiBase: standin.api });
    const admin = await ctx.newPage();
    await admin.goto(`${pagesOrigin}/index.html`);
    await admin.fill('#admin-key', ADMIN_KEY);
    await admin.click('#use-key');
    await admin.fill('#room-title', title);
    await admin.fill('#host-name', ALICE.name);
    await admin.fill('#guest-name', BOB.name);
    await admin.click('#create-btn');
    await admin.locator('#links .link').nth(1).waitFor({ timeout: 10000 }).catch(async (e) => {
      throw new Error(`${e.message}\n  the admin page says: ${JSON.stringify(await admin.textContent('#create-error'))}`);
    });
    const links = await admin.locator('#links .link code').allTextContents();
    return { admin, ctx, host: links[0], guest: links[1] };
  }

  // A fresh room from the admin page, both in the call: [{who, ctx, page}] and the stand-in's meeting.
  async function twoInCall(title) {
    const room = await createRoom(title);
    await room.ctx.close();
    const pages = [];
    for (const [who, url] of [[ALICE, room.host], [BOB, room.guest]]) {
      const ctx = await context(who);
      const page = await open(ctx, url);
      await joinCall(page);
      pages.push({ who, ctx, page });
    }
    for (const p of pages) await waitState(p.page, 'connected', 20000);
    const roomId = new URL(room.host).searchParams.get('room');
    const meeting = (await standin.hook('meetings')).find((m) => m.roomId === roomId);
    assert.ok(meeting, `the stand-in has a meeting for room ${roomId}`);
    return { pages, meeting };
  }

  let call = null;  // the first test's call: {alice:{ctx,page}, bob:{ctx,page}, room}

  test('the admin page makes a room; host and guest join from their links, both SDKs start and each hears the other', async (t) => {
    // The pre-join's word on where the voice goes is this profile's (the selfhosted page says "straight to the other person").
    assert.match(await (await fetch(`${pagesOrigin}/room.html`)).text(), /Your voice goes to the others through Amazon Chime\./);
    const room = await createRoom('Chime check-in');
    assert.match(room.host, new RegExp(`^${pagesOrigin}/room\\.html\\?room=[^&]+&t=`), 'host link');
    assert.match(room.guest, new RegExp(`^${pagesOrigin}/room\\.html\\?room=[^&]+&t=`), 'guest link');
    assert.notEqual(room.host, room.guest);
    const adminText = await room.admin.textContent('#links');
    assert.match(adminText, /Host — Alice/);
    assert.match(adminText, /Guest — Bob/);
    // The links' expiry as the admin reads it, in the room page's format: the stand-in's invites live
    // 10 minutes ("HH:MM" today, "YYYY-MM-DD HH:MM" just before midnight).
    const until = await room.admin.locator('#links .link .muted').first().textContent();
    const exp = new Date(Date.now() + 600_000);
    const hm = (d) => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
    assert.match(until, /^Valid until (\d{4}-\d\d-\d\d )?\d\d:\d\d\. /, until);
    assert.ok([hm(exp), hm(new Date(exp - 60_000))].some((t) => until.includes(t)), `${until} (expected about ${hm(exp)})`);
    assert.match(until, /It works once, for one person\./);
    await room.admin.screenshot({ path: artifact('chime-admin.png'), fullPage: true });
    await room.admin.setViewportSize(PHONE);
    await room.admin.screenshot({ path: artifact('chime-admin-390.png'), fullPage: true });
    await room.ctx.close();

    const alice = { ctx: await context(ALICE) };
    const bob = { ctx: await context(BOB) };
    alice.page = await open(alice.ctx, room.host);
    bob.page = await open(bob.ctx, room.guest);
    // Pre-join: the mic test and VU meter; the SDK follows once that has painted (web/vendor/chime.js).
    for (const [who, p] of [[ALICE, alice], [BOB, bob]]) {
      await waitState(p.page, 'prejoin', 10000);
      assert.ok(await p.page.isVisible('#level'), `${who.name} sees the mic level meter`);
      await waitFor(async () => p.ctx.requests.some((u) => u.endsWith('/vendor/chime-sdk.js')), { timeout: 10000, what: `${who.name}'s page fetching the SDK during pre-join` });
      const order = p.ctx.requests.map((u) => new URL(u).pathname);
      assert.ok(order.indexOf('/vendor/chime.js') < order.indexOf('/vendor/chime-sdk.js'), `the adapter asks for the SDK: ${order.join(' ')}`);
    }
    await alice.page.screenshot({ path: artifact('chime-prejoin.png'), fullPage: true });
    const joinedAt = {};
    joinedAt.alice = await joinCall(alice.page);
    joinedAt.bob = await joinCall(bob.page);

    for (const [who, other, p] of [[ALICE, BOB, alice], [BOB, ALICE, bob]]) {
      await waitFor(async () => (await vendorEvents(p.page)).some((e) => e.type === 'vendor-started'),
        { timeout: 20000, what: `${who.name}'s audioVideoDidStart` });
      const l = await waitFor(() => hears(p.page, other.freq), { timeout: 15000, what: `${who.name} hearing ${other.freq} Hz` })
        .catch(async (e) => { throw new Error(`${e.message}: ${figures(await listen(p.page))} state=${(await snapshot(p.page))?.state}`); });
      const started = (await vendorEvents(p.page)).find((e) => e.type === 'vendor-started').at;
      t.diagnostic(`${who.name}: Join -> audioVideoDidStart ${started - joinedAt[who.key]} ms, -> ${other.freq} Hz heard ${Date.now() - joinedAt[who.key]} ms; dB over median ${figures(l)}`);
      assert.ok(l.peaks[who.freq] < HEARD, `${who.name} does not hear their own tone: ${figures(l)}`);
      await waitState(p.page, 'connected', 10000);
      await waitFor(async () => JSON.stringify((await shownPeers(p.page)).map((x) => x.name)) === JSON.stringify([other.name]),
        { timeout: 5000, what: `${who.name}'s page listing ${other.name}` });
    }
    const bobSees = await shownPeers(bob.page);
    assert.match(bobSees[0].state, /^Host/, `Bob sees Alice as the host: ${JSON.stringify(bobSees)}`);
    assert.match((await shownPeers(alice.page))[0].state, /^Guest/);
    for (const [k, p] of [['alice', alice], ['bob', bob]]) {
      await p.page.screenshot({ path: artifact(`chime-${k}.png`), fullPage: true });
      await p.page.setViewportSize(PHONE);
      await p.page.screenshot({ path: artifact(`chime-${k}-390.png`), fullPage: true });
      await p.page.setViewportSize(DESKTOP);
    }
    // The diagnostics read the SDK's connection as the driver reads its own: one peer carrying everyone,
    // with the packets it received and its candidate pair.
    const d = await waitFor(async () => {
      const x = await diagnostics(alice.page);
      const p = x.peers.find((v) => v.packetsReceived > 50 && v.series && v.series.kbpsIn.length > 1);
      return p && { x, p };
    }, { timeout: 10000, what: 'the Chime connection in Alice\'s diagnostics' });
    assert.equal(d.p.participant, '', 'Chime sends one mixed downlink: the connection carries everyone');
    assert.match(d.p.pair, /^host udp \u2192 host udp$/, `candidate pair ${d.p.pair}`);
    assert.ok(d.p.kbpsIn > 5, `audio arriving: ${d.p.kbpsIn} kbit/s`);
    t.diagnostic(`Alice's diagnostics: ${JSON.stringify({ pair: d.p.pair, rttMs: d.p.rttMs, kbpsIn: d.p.kbpsIn, lossPct: d.p.lossPct, quality: d.p.quality })}`);
    call = { alice, bob, room };
  });

  test('the wiring is what the real service expects (vendors.md), and nothing goes to TurnControlUrl or AudioHostUrl', async () => {
    assert.ok(call, 'needs the call from the first test');
    const log = await standin.log();
    const meetings = await standin.hook('meetings');
    const opens = log.filter((e) => e.kind === 'ws-open');
    assert.equal(opens.length, 2, `two signaling sockets: ${JSON.stringify(opens)}`);
    for (const o of opens) {
      assert.equal(o.query['X-Chime-Control-Protocol-Version'], '3');
      assert.equal(o.query['X-Amzn-Chime-Send-Close-On-Error'], '1');
      assert.equal(o.query['X-Amzn-Version'], '3.32.0');
      assert.match(o.query['X-Amzn-User-Agent'] || '', /^[a-z]+-\d+$/i);
      assert.deepEqual(o.protocols, ['_aws_wt_session', '<JoinToken>']);
      assert.ok(o.attendeeId, 'the JoinToken named an attendee the stand-in created');
    }
    const frames = log.filter((e) => e.kind === 'frame' && e.dir === 'in');
    const joins = frames.filter((f) => f.type === 'JOIN');
    assert.equal(joins.length, 2);
    for (const j of joins) {
      const details = j.frame.join.clientDetails;
      assert.equal(details.chimeSdkVersion, '3.32.0');
      assert.equal(details.clientSource, 'amazon-chime-sdk-js');
    }
    const subs = frames.filter((f) => f.type === 'SUBSCRIBE');
    assert.ok(subs.length >= 2, 'both subscribe');
    const roomId = new URL(call.room.host).searchParams.get('room');
    const placement = meetings.find((m) => m.roomId === roomId).MediaPlacement;
    for (const s of subs) {
      assert.equal(s.frame.sub.audioHost, placement.AudioHostUrl, 'SUBSCRIBE names the meeting\'s AudioHostUrl');
      assert.ok(s.frame.sub.sendStreams.some((x) => x.attendeeId === s.attendeeId), 'SUBSCRIBE names our attendee');
      assert.match(s.frame.sub.sdpOffer, /m=audio[\s\S]*a=sendrecv/, 'the audio m-line is sendrecv');
    }
    // The stand-in's AudioHostUrl, AudioFallbackUrl and TurnControlUrl live under /media/audio-host/,
    // /media/audio-fallback/ and /v2/turn_sessions: no request and no socket may reach them.
    const touched = log.filter((e) => e.kind === 'http' || e.kind === 'ws-open' || e.kind === 'ws-refused').map((e) => e.path || e.url);
    assert.ok(touched.some((p) => p.startsWith('/rooms/')), `the log records the page's requests: ${touched.join(', ')}`);
    const forbidden = touched.filter((p) => /^\/(media\/audio-host|media\/audio-fallback|v2\/turn_sessions)/.test(p));
    assert.deepEqual(forbidden, [], 'requests to AudioHostUrl, AudioFallbackUrl or TurnControlUrl');
    assert.match(placement.TurnControlUrl, /\/v2\/turn_sessions$/);
    assert.match(placement.AudioHostUrl, /\/media\/audio-host\//);
  });

  test('mute on one side: the other hears silence within 1 s and shows the muted badge; unmute restores', async (t) => {
    assert.ok(call, 'needs the call from the first test');
    const { alice, bob } = call;
    await alice.page.click('#mute-btn');
    const t0 = Date.now();
    await waitFor(async () => (await listen(bob.page)).peaks[ALICE.freq] < ABSENT, { timeout: 1000, what: 'Alice\'s tone falling silent at Bob within 1 s' });
    t.diagnostic(`Alice's tone silent at Bob ${Date.now() - t0} ms after Mute`);
    await waitFor(async () => /muted/.test((await shownPeers(bob.page))[0]?.state || ''), { timeout: 3000, what: 'Bob\'s page showing Alice muted' });
    const log = await standin.log();
    assert.ok(log.some((e) => e.kind === 'frame' && e.dir === 'in' && e.type === 'AUDIO_CONTROL'), 'realtime mute sent AUDIO_CONTROL');
    assert.ok(log.some((e) => e.kind === 'frame' && e.dir === 'out' && e.type === 'AUDIO_STREAM_ID_INFO' && JSON.stringify(e.frame).includes('"muted":true')),
      'the mute reached Bob as AUDIO_STREAM_ID_INFO');
    await bob.page.screenshot({ path: artifact('chime-bob-sees-muted.png'), fullPage: true });
    await alice.page.click('#mute-btn');
    await waitFor(() => hears(bob.page, ALICE.freq), { timeout: 3000, what: 'Alice\'s tone back at Bob after unmute' });
    await waitFor(async () => !/muted/.test((await shownPeers(bob.page))[0]?.state || ''), { timeout: 3000, what: 'the muted badge gone' });
  });

  test('another microphone picked mid-call: the SDK sends the new one and the other side keeps hearing', async () => {
    assert.ok(call, 'needs the call from the first test');
    const { alice, bob } = call;
    const before = await snapshot(alice.page);
    const other = before.inputs.find((d) => d.id !== before.micDeviceId && d.id !== 'default' && d.id !== 'communications');
    assert.ok(other, `a second fake microphone exists: ${JSON.stringify(before.inputs)}`);
    await alice.page.selectOption('#call-device', other.id);
    await waitFor(async () => (await snapshot(alice.page)).micDeviceId === other.id, { what: 'the new microphone in use' });
    await sleep(1500);  // the old stream is stopped by now: only the new one can be carrying the tone
    await waitFor(() => hears(bob.page, ALICE.freq), { timeout: 5000, what: 'Alice\'s tone at Bob from her new microphone' });
    assert.equal((await snapshot(alice.page)).state, 'connected');
  });

  test('leave: the other side sees them go; the used link is refused before any Chime traffic', async () => {
    assert.ok(call, 'needs the call from the first test');
    const { alice, bob, room } = call;
    await bob.page.click('#leave-btn');
    await waitState(bob.page, 'ended', 10000);
    await waitFor(async () => (await shownPeers(alice.page)).length === 0, { timeout: 10000, what: 'Bob gone from Alice\'s page' });
    const log = await standin.log();
    assert.ok(log.some((e) => e.kind === 'frame' && e.dir === 'in' && e.type === 'LEAVE'), 'stop() sent LEAVE');
    // The guest link again, in a fresh browser context (no saved session): refused by the join, no socket opened.
    const opensBefore = log.filter((e) => e.kind === 'ws-open').length;
    const again = await context(BOB);
    const page = await open(again, room.guest);
    await joinCall(page).catch(() => {});
    await waitState(page, 'failed', 10000);
    const s = await snapshot(page);
    assert.equal(s.failure.code, 'invite.used', JSON.stringify(s.failure));
    assert.match((await visibleSentences(page)).text, /already been used/, 'the page says the link was used');
    assert.equal((await standin.log()).filter((e) => e.kind === 'ws-open').length, opensBefore, 'no Chime signaling for a refused link');
    await page.screenshot({ path: artifact('chime-link-used.png'), fullPage: true });
    await again.close();
    await alice.page.click('#leave-btn');
    await waitState(alice.page, 'ended', 10000);
  });

  test('the meeting ended by the service: both pages say so and nobody retries', async () => {
    const { pages, meeting } = await twoInCall('Ends early');
    await standin.hook(`meetings/${encodeURIComponent(meeting.MeetingId)}/end`, { method: 'POST', body: {} });
    for (const p of pages) {
      await waitState(p.page, 'ended', 10000);
      assert.match((await visibleSentences(p.page)).text, /The meeting has ended/, `${p.who.name} reads that the meeting ended`);
    }
    const opens = (await standin.log()).filter((e) => e.kind === 'ws-open').length;
    await sleep(3000);
    assert.equal((await standin.log()).filter((e) => e.kind === 'ws-open').length, opens, 'no reconnect after the meeting ended');
    await pages[0].page.screenshot({ path: artifact('chime-meeting-ended.png'), fullPage: true });
    await pages[0].page.setViewportSize(PHONE);
    await pages[0].page.screenshot({ path: artifact('chime-meeting-ended-390.png'), fullPage: true });
    for (const p of pages) await p.ctx.close();
  });

  test('an attendee removed by the service reads so; the other sees them leave', async () => {
    const { pages: people, meeting } = await twoInCall('Removal');
    const bob = meeting.attendees.find((a) => a.ExternalUserId === BOB.name);
    await standin.hook(`attendees/${encodeURIComponent(bob.AttendeeId)}/remove`, { method: 'POST', body: {} });
    await waitState(people[1].page, 'failed', 10000);
    assert.equal((await snapshot(people[1].page)).failure.code, 'meeting.removed');
    assert.equal(await people[1].page.textContent('#problem-h'), 'You were removed from the meeting');
    assert.match((await visibleSentences(people[1].page)).text, /Ask the host if you should join again/);
    assert.equal(await people[1].page.isVisible('#retry-btn'), false, 'no Try again after a removal');
    await waitFor(async () => (await shownPeers(people[0].page)).length === 0, { timeout: 10000, what: 'Bob gone from Alice\'s page' });
    await people[1].page.screenshot({ path: artifact('chime-removed.png'), fullPage: true });
    for (const p of people) await p.ctx.close();
  });

  test("the seed's two backend faults are named, not retried", async () => {
    for (const [fault, says] of [
      ['no-media-placement', 'The call server is misconfigured: its answer has no MediaPlacement for the meeting'],
      ['missing-external-meeting-id', 'The call server is misconfigured: it could not create the meeting ("Missing ExternalMeetingId"'],
    ]) {
      const room = await createRoom(`Fault ${fault}`);
      await room.ctx.close();
      await standin.hook('faults', { method: 'POST', body: { join: fault } });
      const ctx = await context(ALICE);
      const page = await open(ctx, room.host);
      await joinCall(page);
      await waitState(page, 'failed', 10000);
      const text = await page.textContent('#problem-text');
      assert.ok(text.startsWith(says), `${fault}: the page says ${JSON.stringify(text)}`);
      await page.screenshot({ path: artifact(`chime-fault-${fault}.png`), fullPage: true });
      await standin.hook('faults', { method: 'POST', body: { join: null } });
      await ctx.close();
    }
  });
}
