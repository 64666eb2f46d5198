// Earshot's kvs profile (seed 003's group chat with seed 001's Kinesis Video voice rooms) end to end:
// dist/web-kvs's room page (the chat card of web/vendor/kvs.js, the voice call drawn by room.js)
// against the local stand-in of the chat API, STS and Kinesis Video signaling (standins/kvs, wss with
// the test CA's certificate, which Chromium is told to accept). Four browsers with fake microphones at
// 440 (Ana, who creates the room and starts voice: the master), 550 (Bob), 660 (Cleo) and 880 Hz (Dan):
// every page must hear the three other tones by frequency and never its own. The master hears one
// track per viewer; a viewer one track from the master that carries the master's voice mixed with the
// other viewers' (mix-minus).
//   node --test tests/browser/kvs.test.mjs   (as root; re-executes itself in a network namespace)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ROOT, inNamespace, launch, toneFile, tempDir, freePort, tones, tonePeaks, trackTones, toneProbe, snapshot, waitFor,
  artifact, sleep, PROBE_FREQS, probedPeerConnections,
} from './harness.mjs';
import { scratch, startServer } from '../../standins/kvs/test/helpers.mjs';

const status = inNamespace(fileURLToPath(import.meta.url));
if (status !== null) {
  test('kvs suite (inside its network namespace)', () => assert.equal(status, 0, 'see the output above'));
} else {
  suite();
}

function suite() {
  const HOST = '10.77.0.1';
  const DIST = join(ROOT, 'dist', 'web-kvs');
  const HEARD = 60;   // dB over the track's median spectrum: a tone is heard at this or more
  const ABSENT = 60;  // ... and absent below it
  const IDLE_S = 3;   // the idle test's chat socket limit, shortened (API Gateway: 10 min)
  const CRED_S = 20;  // the renewal test's STS credential lifetime, shortened (seed 001: an hour)
  const TURN_S = 12;  // ... and its TURN credentials' (KVS: 300 s)
  const DESKTOP = { width: 1280, height: 800 };
  const PHONE = { width: 390, height: 844 };
  const PEOPLE = [
    { key: 'ana', name: 'Ana', freq: 440 },
    { key: 'bob', name: 'Bob', freq: 550 },
    { key: 'cleo', name: 'Cleo', freq: 660 },
    { key: 'dan', name: 'Dan', freq: 880 },
  ];
  const [ANA, BOB, CLEO, DAN] = PEOPLE;
  const VIEWERS = [BOB, CLEO, DAN];
  let standin, renewing, tls, work, roomId, turnEnv;
  let pair = null;  // Ana and Bob in voice on the renewal stand-in, for the test after the renewal test
  const browsers = {};
  let voiceUp = false;

  before(async () => {
    assert.ok(existsSync(join(DIST, 'vendor', 'kvs.js')), `${DIST} is missing: tools/build.sh web builds it`);
    work = tempDir('earshot-kvs-e2e-');
    tls = scratch();
    // The local coturn (the selfhosted backend's own control script), for the TURN servers that
    // getVoiceCredentials hands out (TURN REST credentials for the ClientId).
    const turnPort = await freePort();
    turnEnv = { ...process.env, EARSHOT_DATA_DIR: join(work, 'turn-data'), EARSHOT_TURN_PORT: String(turnPort), EARSHOT_TURN_SECRET: 'kvs-test-turn-secret',
      EARSHOT_TURN_ALLOW_LOOPBACK: '1', EARSHOT_TURN_MIN_PORT: '41000', EARSHOT_TURN_MAX_PORT: '41099' };
    const turn = spawnSync(process.execPath, [join(ROOT, 'backend', 'scripts', 'turn.js'), 'start'], { env: turnEnv, encoding: 'utf8' });
    assert.equal(turn.status, 0, `coturn: ${turn.stdout}${turn.stderr}`);
    const turnArgs = ['--turn-url', `turn:127.0.0.1:${turnPort}`, '--turn-secret', 'kvs-test-turn-secret'];
    standin = await startServer(['--host', HOST, '--pages-dir', DIST, '--tls-dir', tls.tlsDir, '--db', tls.db, ...turnArgs]);
    // The renewal test's stand-in: credentials that live CRED_S seconds. Started now so that its pages
    // are one of the browsers' secure origins (the microphone needs one).
    renewing = await startServer(['--host', HOST, '--pages-dir', DIST, '--tls-dir', tls.tlsDir, '--db', join(work, 'renew.sqlite'),
      '--credential-ttl-s', String(CRED_S), '--turn-ttl-s', String(TURN_S), ...turnArgs]);
    const bs = await Promise.all(PEOPLE.map((p) => launch({ wav: toneFile(work, p.freq), secureOrigins: [standin.pages, renewing.pages] })));
    PEOPLE.forEach((p, i) => { browsers[p.key] = bs[i]; });
  });
  after(async () => {
    await Promise.all(Object.values(browsers).map((b) => b.close().catch(() => {})));
    await standin?.stop();
    await renewing?.stop();
    if (turnEnv) spawnSync(process.execPath, [join(ROOT, 'backend', 'scripts', 'turn.js'), 'stop'], { env: turnEnv });
    tls?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const log = async (kind) => (await (await fetch(`${standin.chatHttp}/_standin/log`)).json()).filter((e) => !kind || e.kind === kind);
  const kvsState = (page) => page.evaluate(() => window.__kvs && window.__kvs.state());
  // A page of the kvs profile in a context of its own (the stand-in's wss certificate comes from the test CA).
  async function open(who, url, browser = browsers[who.key]) {
    who.ctx = await browser.newContext({ viewport: DESKTOP, ignoreHTTPSErrors: true });
    await who.ctx.addInitScript(toneProbe);
    who.page = await who.ctx.newPage();
    who.page.on('pageerror', (e) => console.log(`[${who.name} page error] ${e.message}`));
    await who.page.goto(url);
    await who.page.locator('#chat-name').waitFor({ timeout: 15000 });
    await who.page.fill('#chat-name', who.name);
  }
  const text = (page, sel) => page.locator(sel).textContent();
  // A screen as a desktop and as a 390 px wide phone show it.
  async function shot(page, name) {
    await page.screenshot({ path: artifact(`${name}.png`), fullPage: true });
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: artifact(`${name}-390.png`), fullPage: true });
    await page.setViewportSize(DESKTOP);
  }

  // What a page hears now: per live track, the probe frequencies at HEARD or more.
  async function listen(who) {
    const report = await tones(who.page);
    const tracks = (report && report.tracks) || [];
    return { report, tracks, perTrack: tracks.map((t) => trackTones(t, HEARD)), peaks: tonePeaks(report) };
  }
  const figures = (l) => (l.tracks.map((t) => `[pc${t.pc} ${t.connection} ${Object.entries(t.rel).map(([f, v]) => `${f}:${v}`).join(' ')}]`).join(' ') || '(no tracks)');
  const freqs = (people) => people.map((p) => p.freq).sort((a, b) => a - b);
  // True (the listening) when `who` hears every tone of `from` and no other probe frequency (its own
  // included): the master on one track per viewer, a viewer all of them on its one track from the master.
  async function hears(who, from) {
    const l = await listen(who);
    const want = freqs(from);
    const rest = PROBE_FREQS.filter((f) => !want.includes(f)).every((f) => l.peaks[f] < ABSENT);
    const ok = who === ANA ? want.every((f) => l.perTrack.some((h) => h.length === 1 && h[0] === f))
      : l.perTrack.some((h) => want.every((f) => h.includes(f)));
    return ok && rest && l;
  }
  async function describe(who) {
    const s = await snapshot(who.page).catch(() => null);
    const l = await listen(who).catch(() => ({ tracks: [] }));
    return `${who.name}: call=${s && s.state}${s && s.failure ? ` failure=${JSON.stringify(s.failure)}` : ''} peers=${JSON.stringify(s && s.peers)}`
      + ` participants=${JSON.stringify(s && s.participants && s.participants.map((p) => `${p.id}=${p.name}:${p.connection}`))} tones ${figures(l)}`
      + ` log=${JSON.stringify(await who.page.evaluate(() => window.__earshot.call().diagnostics().log.slice(-12)).catch(() => null))}`;
  }
  async function until(fn, { timeout, what, people = PEOPLE }) {
    try {
      return await waitFor(fn, { timeout, what });
    } catch (e) {
      throw new Error(`${e.message}\n  ${(await Promise.all(people.map(describe))).join('\n  ')}`);
    }
  }
  const others = (who, among = PEOPLE) => among.filter((p) => p !== who);

  test('a chat room: created by Ana, three ask to join by its link and are approved; messages and members arrive live', async () => {
    // No admin on this profile: Ana starts at the site's root, which is the room page (its chat card).
    assert.equal(await (await fetch(`${standin.pages}/`)).text(), await (await fetch(`${standin.pages}/room.html`)).text());
    assert.equal((await fetch(`${standin.pages}/admin.js`)).status, 404, 'the selfhosted admin script is not on the kvs pages');
    await open(ANA, `${standin.pages}/`);
    await shot(ANA.page, 'kvs-enter');
    await ANA.page.fill('#chat-room-name', 'Team <b>room</b>');
    await ANA.page.click('#enter-btn');
    await ANA.page.locator('#chat-room:not([hidden])').waitFor({ timeout: 10000 });
    roomId = (await kvsState(ANA.page)).room.roomId;
    assert.equal(await text(ANA.page, '#chat-h'), 'Team <b>room</b>', 'the room name is shown as text, not markup');
    assert.equal(await text(ANA.page, '#chat-facts'), `Room ${roomId} · admin Ana (you)`);
    const invite = `${standin.pages}/room.html?room=${roomId}`;

    for (const who of VIEWERS) {
      await open(who, invite);
      assert.equal(await text(who.page, '#enter-btn'), 'Ask to join');
      await who.page.click('#enter-btn');
      await who.page.locator('#chat-status:not([hidden])').waitFor({ timeout: 10000 });
      assert.equal(await text(who.page, '#chat-status'), 'Waiting for Ana to let you into Team <b>room</b>…');
      await ANA.page.locator(`#requests li[data-user="${who.name}"]`).waitFor({ timeout: 10000 });
      if (who === BOB) {
        await shot(BOB.page, 'kvs-pending');
        await shot(ANA.page, 'kvs-request');
      }
      await ANA.page.click(`#requests button[aria-label="Approve ${who.name}"]`);
      await who.page.locator('#chat-room:not([hidden])').waitFor({ timeout: 10000 });
    }
    await until(async () => (await kvsState(ANA.page)).members.length === 4, { timeout: 5000, what: 'Ana seeing four members' });
    const names = await ANA.page.locator('#members li').evaluateAll((els) => els.map((e) => e.dataset.user));
    assert.deepEqual(names.sort(), ['Ana', 'Bob', 'Cleo', 'Dan']);

    // A message arrives live on every page, inert.
    await CLEO.page.fill('#chat-text', 'hello <img src=x onerror=alert(1)>');
    await CLEO.page.click('#send-btn');
    for (const who of PEOPLE) {
      const line = who.page.locator('#messages li.msg:not(.event)').last();
      await line.waitFor({ timeout: 5000 });
      assert.equal(await line.locator('.text').textContent(), 'hello <img src=x onerror=alert(1)>');
      assert.equal(await line.locator('strong').textContent(), 'Cleo');
      assert.equal(await who.page.locator('#messages img').count(), 0, 'chat text is never markup');
    }
    const rows = await (await fetch(`${standin.chatHttp}/_standin/tables/ChatMessages`)).json();
    assert.equal(rows.filter((r) => r.roomId === roomId).length, 1, 'the message is stored once, in ChatMessages');
  });

  test('voice: Ana starts it (the master), the three others join (viewers); each hears the three other tones', async (t) => {
    assert.ok(roomId, 'needs the room of the first test');
    assert.equal(await text(ANA.page, '#voice-status'), 'Nobody is talking here yet.');
    const t0 = Date.now();
    await ANA.page.click('#voice-start');
    for (const who of VIEWERS) {
      await who.page.locator('#voice-join:not([hidden])').waitFor({ timeout: 10000 });
      assert.equal(await text(who.page, '#voice-status'), 'Ana started voice.');
      await who.page.click('#voice-join');
    }
    const heard = {};
    for (const who of PEOPLE) {
      heard[who.key] = await until(() => hears(who, others(who)), { timeout: 30000, what: `${who.name} hearing ${freqs(others(who)).join('+')} Hz and not ${who.freq} Hz` });
    }
    t.diagnostic(`everyone hears the three others ${Date.now() - t0} ms after Start voice`);
    // Steady, not one lucky look: six more over two seconds. Each may miss one lone look (a frame lost
    // to concealment on two busy cores), and one's own tone may show in one lone look, no more: once, in
    // the first look after everyone was heard, Bob read his 550 Hz at 69.5 dB on a track carrying the
    // others at 75-96 dB (cause not found, see the closing note of 2026-12-02). An echo that stays fails.
    const missed = Object.fromEntries(PEOPLE.map((p) => [p.key, 0]));
    const echoed = Object.fromEntries(PEOPLE.map((p) => [p.key, []]));
    for (let i = 0; i < 6; i++) {
      await sleep(350);
      for (const who of PEOPLE) {
        const l = await listen(who);
        if (l.peaks[who.freq] >= ABSENT) echoed[who.key].push(`look ${i}: ${figures(l)}`);
        assert.ok(echoed[who.key].length <= 1, `${who.name}'s own ${who.freq} Hz comes back:\n  ${echoed[who.key].join('\n  ')}`);
        const ok = await hears(who, others(who));
        if (!ok) missed[who.key] += 1;
        else heard[who.key] = ok;
        assert.ok(missed[who.key] <= 1, `${who.name} keeps hearing the three others (${missed[who.key]} of ${i + 1} looks missed):\n  ${await describe(who)}`);
      }
    }
    for (const who of PEOPLE) t.diagnostic(`${who.name} (${who.freq} Hz): ${figures(heard[who.key])}${echoed[who.key].length ? `; own tone in one look (${echoed[who.key][0]})` : ''}`);
    // The star: the master links to the three viewers, each viewer to the master alone.
    const ana = await snapshot(ANA.page);
    assert.equal(ana.self.id, 'master');
    assert.deepEqual(ana.participants.map((p) => p.name).sort(), ['Bob', 'Cleo', 'Dan']);
    assert.equal(ana.peers.length, 3);
    assert.equal(heard.ana.tracks.length, 3, 'the master receives one track per viewer');
    for (const who of VIEWERS) {
      const s = await snapshot(who.page);
      assert.deepEqual(s.peers.map((p) => p.participant), ['master'], `${who.name} is linked to the master alone`);
      assert.equal(heard[who.key].tracks.length, 1, `${who.name} receives one mixed track`);
      // ... and still sees everyone in voice, each speaking (their tones), as the master tells it.
      const tiles = await until(async () => {
        const t = await who.page.locator('ul#people li.peer').evaluateAll((els) => els.map((el) => ({ name: el.querySelector('.name').textContent, talking: el.classList.contains('talking') })));
        return t.length === 3 && t.every((x) => x.talking) && t;
      }, { timeout: 5000, what: `${who.name}'s page showing the three others speaking` });
      assert.deepEqual(tiles.map((x) => x.name).sort(), others(who).map((p) => p.name).sort());
    }
    // The chat's member list marks who is in voice, on every page.
    for (const who of PEOPLE) {
      await until(async () => (await who.page.locator('#members li:has(.voice-badge:not([hidden]))').evaluateAll((els) => els.map((e) => e.dataset.user))).sort().join() === 'Ana,Bob,Cleo,Dan',
        { timeout: 5000, what: `${who.name}'s member list marking all four in voice` });
    }
    assert.equal(await text(ANA.page, '#voice-status'), 'You started voice; everyone in it hears everyone through you, so leaving ends it.');
    assert.equal(await text(BOB.page, '#voice-status'), 'You are in voice with Ana.');
    assert.ok(await ANA.page.isVisible('#voice-end'), 'the creator may end voice');
    assert.ok(!(await BOB.page.isVisible('#voice-end')), 'a viewer is not offered End voice');
    // Every signaling connection was presigned and accepted: one master, three viewers, on one channel.
    const connects = (await log('signaling.connect')).filter((e) => e.ok);
    assert.deepEqual(connects.map((e) => e.role).sort(), ['MASTER', 'VIEWER', 'VIEWER', 'VIEWER']);
    for (const who of PEOPLE) await who.page.screenshot({ path: artifact(`kvs-voice-${who.key}.png`), fullPage: true });
    await shot(ANA.page, 'kvs-voice-ana');
    await shot(BOB.page, 'kvs-voice-bob');
    voiceUp = true;
  });

  const voiceRoom = async () => (await (await fetch(`${standin.chatHttp}/_standin/tables/VoiceRooms`)).json()).find((v) => v.status === 'active');
  const post = (path) => fetch(`${standin.chatHttp}${path}`, { method: 'POST' }).then((r) => r.json());

  test('GO_AWAY and close mid-call: every page reconnects signaling with a freshly presigned URL; the audio never drops', async (t) => {
    assert.ok(voiceUp, 'needs the voice call of the previous test');
    const v = await voiceRoom();
    const before = (await log('signaling.connect')).filter((e) => e.ok).length;
    const goAway = await post(`/_standin/channels/${v.channelName}/go-away`);
    assert.equal(goAway.connections, 4, `GO_AWAY to the master and three viewers: ${JSON.stringify(goAway)}`);
    // Look every 150 ms for 4 s: each page keeps receiving the others' tones through the reconnection
    // (its quietest expected tone never falls to the median: energy never drops to zero).
    const lowest = Object.fromEntries(PEOPLE.map((p) => [p.key, Infinity]));
    const end = Date.now() + 4000;
    while (Date.now() < end) {
      for (const who of PEOPLE) {
        const l = await listen(who);
        const level = Math.min(...others(who).map((p) => l.peaks[p.freq]));
        lowest[who.key] = Math.min(lowest[who.key], level);
      }
      await sleep(150);
    }
    t.diagnostic(`lowest level of an expected tone during the reconnection, dB over the median: ${JSON.stringify(lowest)}`);
    for (const who of PEOPLE) assert.ok(lowest[who.key] > 30, `${who.name}'s audio kept flowing: lowest ${lowest[who.key]} dB`);
    const after = await until(async () => {
      const ok = (await log('signaling.connect')).filter((e) => e.ok).slice(before);
      return ok.length >= 4 && ok;
    }, { timeout: 15000, what: 'four new signaling connections' });
    assert.deepEqual(after.map((e) => e.role).sort(), ['MASTER', 'VIEWER', 'VIEWER', 'VIEWER']);
    for (const who of PEOPLE) {
      const s = await snapshot(who.page);
      assert.equal(s.state, 'connected', `${who.name}'s call stays connected`);
    }
    // The new connections work: everyone still hears everyone.
    for (const who of PEOPLE) await until(() => hears(who, others(who)), { timeout: 10000, what: `${who.name} hearing the three others after GO_AWAY` });
  });

  test('a viewer leaves: the others keep hearing each other, and no longer Dan', async () => {
    assert.ok(voiceUp, 'needs the voice call');
    await DAN.page.click('#leave-btn');
    const stay = [ANA, BOB, CLEO];
    for (const who of stay) {
      await until(() => hears(who, others(who, stay)), { timeout: 10000, what: `${who.name} hearing ${freqs(others(who, stay)).join('+')} Hz and no longer 880 Hz`, people: stay });
    }
    // KVS has no presence: the master learns Dan left from his data channel closing, and tells the others.
    await until(async () => (await snapshot(ANA.page)).participants.every((p) => p.name !== 'Dan'), { timeout: 5000, what: 'the master forgetting Dan', people: stay });
    await until(async () => (await snapshot(BOB.page)).participants.every((p) => p.name !== 'Dan'), { timeout: 5000, what: 'Bob\'s page no longer showing Dan in voice', people: stay });
    await DAN.page.locator('#voice-join:not([hidden])').waitFor({ timeout: 5000 });
    await until(async () => (await BOB.page.locator('#members li:has(.voice-badge:not([hidden]))').evaluateAll((els) => els.map((e) => e.dataset.user))).sort().join() === 'Ana,Bob,Cleo',
      { timeout: 5000, what: 'Bob\'s member list no longer marking Dan in voice', people: stay });
    assert.equal(await text(DAN.page, '#voice-status'), 'You left voice.');
    assert.equal((await snapshot(DAN.page)).state, 'ended');
  });

  test('the real KVS SDK (2.9.0) as a viewer, relay only: its presigned connection is accepted and it exchanges SDP and audio with the Earshot master through the local coturn', async (t) => {
    assert.ok(voiceUp, 'needs the voice call');
    // Dan's credentials, asked for over the chat as the seed's browser would (a second socket of Dan's).
    const { ChatClient } = await import('../../standins/kvs/test/helpers.mjs');
    const chat = await ChatClient.connect(standin.chat, 'Dan');
    chat.send({ action: 'getVoiceCredentials', roomId });
    const creds = await chat.next('voiceCredentials', 5000);
    chat.ws.close();
    assert.equal(creds.role, 'VIEWER');
    const sdk = join(ROOT, 'standins', 'kvs', 'node_modules', 'amazon-kinesis-video-streams-webrtc', 'dist', 'kvs-webrtc.min.js');
    const ctx = await browsers.dan.newContext({ viewport: DESKTOP, ignoreHTTPSErrors: true });
    await ctx.addInitScript(toneProbe);
    const page = await ctx.newPage();
    page.on('pageerror', (e) => console.log(`[SDK viewer page error] ${e.message}`));
    page.on('websocket', (w) => w.on('socketerror', (e) => console.log(`[SDK viewer ws] ${e}`)));
    // The SDK's browser bundle runs in a page of the pages' own origin (the room page, left at its name
    // entry): a page fulfilled by the test itself would have no address space, and Chromium's local
    // network access checks would refuse its wss connection to 10.77.0.1.
    await page.goto(`${standin.pages}/room.html`);
    await page.addScriptTag({ path: sdk });
    const t0 = Date.now();
    await page.evaluate(async (c) => {
      const { SignalingClient, Role } = window.KVSWebRTC;
      // Relay only: the TURN server and credentials the chat handed out must work with the local coturn.
      const pc = new RTCPeerConnection({ iceServers: c.iceServers, iceTransportPolicy: 'relay' });
      const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
      for (const track of mic.getTracks()) pc.addTrack(track, mic);
      const audio = new Audio();
      pc.ontrack = (e) => { audio.srcObject = e.streams[0] || new MediaStream([e.track]); audio.play().catch(() => {}); };
      const sc = new SignalingClient({
        channelARN: c.channelARN, channelEndpoint: c.endpoints.WSS, clientId: c.clientId, role: Role.VIEWER, region: c.region,
        credentials: { accessKeyId: c.credentials.accessKeyId, secretAccessKey: c.credentials.secretAccessKey, sessionToken: c.credentials.sessionToken },
      });
      window.__sdk = { answered: false, candidates: 0 };
      sc.on('open', async () => {
        const offer = await pc.createOffer({ offerToReceiveAudio: true });
        await pc.setLocalDescription(offer);
        sc.sendSdpOffer(pc.localDescription);
      });
      sc.on('sdpAnswer', async (answer) => { await pc.setRemoteDescription(answer); window.__sdk.answered = true; });
      sc.on('iceCandidate', (cand) => { window.__sdk.candidates += 1; pc.addIceCandidate(cand); });
      sc.on('error', (e) => { window.__sdk.error = String(e && e.message || e); });
      pc.onicecandidate = ({ candidate }) => { if (candidate) sc.sendIceCandidate(candidate); };
      window.__sdk.pc = pc;
      sc.open();
    }, creds);
    await until(() => page.evaluate(() => window.__sdk.answered), { timeout: 10000, what: 'the SDK viewer receiving the master\'s SDP answer', people: [ANA] })
      .catch(async (e) => {
        const sig = (await log()).filter((x) => /^signaling/.test(x.kind)).slice(-12);
        throw new Error(`${e.message}\n  SDK page: ${JSON.stringify(await page.evaluate(() => ({ ...window.__sdk, pc: undefined })))}\n  stand-in: ${JSON.stringify(sig)}`);
      });
    const connect = (await log('signaling.connect')).filter((e) => e.ok && e.clientId === creds.clientId);
    assert.equal(connect.length, 1, 'the SDK\'s presigned URL was accepted');
    // Audio both ways: the SDK viewer hears the master's mix (Ana, Bob, Cleo), Ana hears 880 Hz again.
    const mix = await until(async () => {
      const report = await tones(page);
      const tr = (report && report.tracks) || [];
      return tr.length === 1 && [440, 550, 660].every((f) => tr[0].rel[f] >= HEARD) && tr[0].rel[880] < ABSENT && tr[0];
    }, { timeout: 20000, what: 'the SDK viewer hearing 440+550+660 Hz from the master', people: [ANA] });
    await until(async () => (await listen(ANA)).perTrack.some((h) => h.length === 1 && h[0] === 880), { timeout: 20000, what: 'Ana hearing the SDK viewer\'s 880 Hz', people: [ANA] });
    t.diagnostic(`SDK viewer: answer and audio ${Date.now() - t0} ms after open; it hears ${JSON.stringify(mix.rel)}; ${await page.evaluate(() => window.__sdk.candidates)} candidates from the master`);
    assert.equal(creds.iceServers.length, 2, `a STUN and a TURN server: ${JSON.stringify(creds.iceServers.map((s) => s.urls))}`);
    const local = await page.evaluate(async () => {
      const r = await window.__sdk.pc.getStats();
      let pair = null;
      r.forEach((x) => { if (x.type === 'transport' && x.selectedCandidatePairId) pair = r.get(x.selectedCandidatePairId); });
      return pair && r.get(pair.localCandidateId).candidateType;
    });
    assert.equal(local, 'relay', 'the SDK viewer\'s audio goes through the local coturn');
    const ana = await snapshot(ANA.page);
    assert.ok(ana.participants.some((p) => p.id === creds.clientId && p.name === 'Dan'), `the master learnt the SDK viewer from its first offer: ${JSON.stringify(ana.participants)}`);
    await ctx.close();
  });

  test('an 11th viewer: KVS takes 10, so Dan\'s page keeps trying, then says the voice chat may be full; with a place free, Try again gets him in', async (t) => {
    assert.ok(voiceUp, 'needs the voice call');
    // Bob and Cleo are viewers; eight more, connected from here with credentials of a second socket of
    // Dan's, fill the channel to the 10 viewers KVS allows.
    const { ChatClient, WebSocket } = await import('../../standins/kvs/test/helpers.mjs');
    const { SigV4RequestSigner } = createRequire(join(ROOT, 'standins', 'kvs', 'package.json'))('amazon-kinesis-video-streams-webrtc');
    const ca = readFileSync(standin.ca);
    const chat = await ChatClient.connect(standin.chat, 'Dan');
    const fillers = [];
    try {
      for (let i = 0; i < 8; i++) {
        chat.send({ action: 'getVoiceCredentials', roomId });
        const c = await chat.next('voiceCredentials', 5000);
        const url = await new SigV4RequestSigner(c.region, { accessKeyId: c.credentials.accessKeyId, secretAccessKey: c.credentials.secretAccessKey,
          sessionToken: c.credentials.sessionToken }).getSignedURL(c.endpoints.WSS, { 'X-Amz-ChannelARN': c.channelARN, 'X-Amz-ClientId': c.clientId });
        fillers.push(await new Promise((resolve, reject) => {
          const ws = new WebSocket(url, { ca });
          ws.once('open', () => resolve(ws));
          ws.once('unexpected-response', (_q, res) => reject(new Error(`filler viewer ${i + 1} refused: HTTP ${res.statusCode}`)));
          ws.once('error', reject);
        }));
      }
      const refusedBefore = (await log('signaling.refused')).length;
      const t0 = Date.now();
      await DAN.page.click('#voice-join');
      await until(async () => (await log('signaling.refused')).filter((e) => e.check === 'viewer-limit').length >= refusedBefore + 2,
        { timeout: 10000, what: 'the stand-in refusing Dan as an 11th viewer, twice', people: [DAN] });
      const danId = (await snapshot(DAN.page)).self.id;
      // The core keeps trying (a place may free up) until it gives up (45 s), then says the likely cause.
      await until(async () => (await snapshot(DAN.page)).state === 'failed', { timeout: 60000, what: 'Dan\'s page giving up', people: [DAN] });
      const tried = (await log('signaling.refused')).filter((e) => e.check === 'viewer-limit' && e.clientId === danId).length;
      t.diagnostic(`Dan refused ${tried} times as the 11th viewer; the page gave up after ${Date.now() - t0} ms`);
      assert.ok(tried >= 5, `the page kept trying: ${tried} refusals`);
      const s = await snapshot(DAN.page);
      assert.equal(s.failure.code, 'voice.unreachable');
      assert.equal(await text(DAN.page, '#problem-text'),
        'Could not get into Ana\'s voice chat. It takes Ana and at most 10 others, so it may be full; otherwise your network blocks it. Try again when someone leaves voice.');
      assert.equal(await text(DAN.page, '#problem-h'), 'Could not get into voice');
      await shot(DAN.page, 'kvs-voice-full');
      // A place frees up; Try again: Dan is in voice and hears the three others.
      fillers.pop().close();
      await DAN.page.click('#retry-btn');
      await until(() => hears(DAN, others(DAN)), { timeout: 30000, what: 'Dan in voice again, hearing 440+550+660 Hz', people: [ANA, DAN] });
    } finally {
      for (const ws of fillers) ws.close();
      chat.ws.close();
    }
  });

  test('someone not approved cannot get voice credentials: the stand-in refuses and the page says why; a rejection is said plainly', async () => {
    const EVE = { key: 'eve', name: 'Eve' };
    await open(EVE, `${standin.pages}/room.html`, browsers.dan);  // no link: she was told the room's ID
    await EVE.page.fill('#chat-join-id', roomId);
    await EVE.page.click('#ask-btn');
    await EVE.page.locator('#chat-status:not([hidden])').waitFor({ timeout: 10000 });
    const issued = (await log('sts.issue')).length;
    await EVE.page.evaluate(() => window.__kvs.do('voice'));  // a request the page does not offer while waiting
    await EVE.page.locator('#chat-error:not([hidden])').waitFor({ timeout: 5000 });
    assert.equal(await text(EVE.page, '#chat-error'), `Eve is not an approved member of room ${roomId}; only approved members get voice credentials.`);
    assert.equal((await log('sts.issue')).length, issued, 'no credentials were issued');
    assert.equal((await snapshot(EVE.page)).state, 'idle', 'no call was started');
    await ANA.page.locator('#requests li[data-user="Eve"]').waitFor({ timeout: 5000 });
    await ANA.page.click('#requests button[aria-label="Reject Eve"]');
    await until(async () => (await text(EVE.page, '#chat-status')) === 'Ana did not let you into Team <b>room</b>.', { timeout: 5000, what: 'Eve told she was rejected', people: [] });
    await shot(EVE.page, 'kvs-rejected');
    await EVE.ctx.close();
  });

  test('the chat\'s limits: a 129 KB message is refused before sending; a 33 KB frame closes 1009 and the page reconnects and says so; an idle close is survived', async (t) => {
    // Refused by the page: nothing is sent, the text stays for shortening.
    const sends = async () => (await log('chat.in')).filter((e) => e.username === 'Bob' && e.action === 'sendMessage').length;
    const sent = await sends();
    await BOB.page.fill('#chat-text', 'x'.repeat(129 * 1024));
    await BOB.page.click('#send-btn');
    await BOB.page.locator('#chat-error:not([hidden])').waitFor({ timeout: 5000 });
    assert.equal(await text(BOB.page, '#chat-error'), 'This message is 129 KB; a chat message can be at most 31 KB. Shorten it and send it again.');
    assert.equal(await sends(), sent, 'nothing was sent');
    await shot(BOB.page, 'kvs-too-large');
    assert.equal((await BOB.page.inputValue('#chat-text')).length, 129 * 1024, 'the text is kept');
    await BOB.page.fill('#chat-text', '');
    // A 33 KB frame (the page never makes one; sent raw): API Gateway closes with 1009.
    await BOB.page.evaluate((room) => window.__kvs.raw(JSON.stringify({ action: 'sendMessage', roomId: room, message: 'y'.repeat(33 * 1024) })), roomId);
    await until(async () => (await text(BOB.page, '#chat-notice')) === 'The chat server closed the connection because a message was over its 32 KB frame limit. Reconnected to the chat.',
      { timeout: 10000, what: 'Bob\'s page saying why it reconnected', people: [] });
    assert.ok((await log('chat.close_frame_too_large')).some((e) => e.username === 'Bob' && e.frameBytes > 32768), 'the stand-in closed the socket for the frame');
    assert.equal(await sends(), sent, 'the oversized frame was not delivered (API Gateway drops it)');
    await BOB.page.fill('#chat-text', 'back after the big one');
    await BOB.page.click('#send-btn');
    await until(async () => (await ANA.page.locator('#messages .text').allTextContents()).includes('back after the big one'), { timeout: 5000, what: 'Ana receiving Bob\'s next message', people: [] });
    // Idle, against a stand-in of its own whose idle limit is IDLE_S (the shared one keeps API Gateway's
    // 10 minutes, so no other page's socket idles out in the middle of another check): Fay's socket says
    // nothing for IDLE_S seconds and is closed (1001); her page reconnects, says why, and she is still in
    // her room, with its history, and can send.
    const idle = await startServer(['--host', HOST, '--pages-dir', DIST, '--tls-dir', tls.tlsDir, '--db', join(work, 'idle.sqlite'), '--idle-s', String(IDLE_S)]);
    try {
      const FAY = { key: 'fay', name: 'Fay' };
      await open(FAY, `${idle.pages}/room.html`, browsers.cleo);
      await FAY.page.click('#enter-btn');
      await FAY.page.locator('#chat-room:not([hidden])').waitFor({ timeout: 10000 });
      await FAY.page.fill('#chat-text', 'before the idle close');
      await FAY.page.click('#send-btn');
      const t0 = Date.now();
      await until(async () => (await text(FAY.page, '#chat-notice')) === 'The chat server closed an idle connection. Reconnected to the chat.',
        { timeout: (IDLE_S + 10) * 1000, interval: 200, what: 'Fay\'s page saying it reconnected after the idle close', people: [] });
      const closes = (await (await fetch(`${idle.chatHttp}/_standin/log`)).json()).filter((e) => e.kind === 'chat.close_idle' && e.username === 'Fay');
      assert.equal(closes.length, 1, 'the stand-in closed Fay\'s socket as idle once');
      t.diagnostic(`Fay's idle socket closed and reopened ${Date.now() - t0} ms after her last message (idle limit ${IDLE_S} s)`);
      await FAY.page.fill('#chat-text', 'still here');
      await FAY.page.click('#send-btn');
      await until(async () => JSON.stringify(await FAY.page.locator('#messages .text').allTextContents()) === JSON.stringify(['before the idle close', 'still here']),
        { timeout: 5000, what: 'Fay\'s room keeping its history and taking her next message', people: [] });
      await FAY.ctx.close();
    } finally {
      await idle.stop();
    }
    assert.equal((await snapshot(CLEO.page)).state, 'connected', 'voice was not disturbed by the chat reconnecting');
  });

  test('end voice: only the creator can; then every page leaves voice and says who ended it', async () => {
    assert.ok(voiceUp, 'needs the voice call');
    await BOB.page.evaluate(() => window.__kvs.do('end-voice'));  // the page offers Bob no End voice button
    await BOB.page.locator('#chat-error:not([hidden])').waitFor({ timeout: 5000 });
    assert.match(await text(BOB.page, '#chat-error'), /^Only Ana, who started this voice chat, can end it; Bob cannot\.$/);
    assert.equal((await snapshot(ANA.page)).state, 'connected', 'voice goes on');
    await ANA.page.click('#voice-end');
    for (const who of PEOPLE) {
      await until(async () => (await text(who.page, '#voice-status')) === 'Ana ended the voice chat.', { timeout: 10000, what: `${who.name} told that Ana ended voice`, people: [who] });
      const s = await snapshot(who.page);
      assert.equal(s.state, 'ended', `${who.name} left voice`);
      assert.ok(await who.page.isVisible('#voice-start'), `${who.name} may start voice again`);
      assert.ok(!(await who.page.isVisible('#incall')), `${who.name}'s call view is gone`);
    }
    const line = await ANA.page.locator('#messages li.event').last().textContent();
    assert.match(line, /Ana ended the voice chat\.$/);
    await shot(BOB.page, 'kvs-ended-bob');
  });

  test('voice outlives its first credentials: each page renews them before they expire (STS and TURN), its links take the new TURN servers, and the reconnection after the first expiry is signed with the new ones', async (t) => {
    // Against the stand-in whose STS credentials live CRED_S seconds and TURN's TURN_S; Ana and Bob
    // again, on pages of their own (the shared stand-in's call has ended).
    const A = { key: 'ana', name: 'Ana', freq: 440 }, B = { key: 'bob', name: 'Bob', freq: 550 };
    const rlog = async (kind) => (await (await fetch(`${renewing.chatHttp}/_standin/log`)).json()).filter((e) => e.kind === kind);
    const issuedTo = async (u) => (await rlog('sts.issue')).filter((e) => e.username === u);
    const wait = (fn, timeout, what) => until(fn, { timeout, what, people: [A, B] });
    // The TURN usernames of a page's live peer connections ("<expiry>:<ClientId>").
    const turnUsers = async (who) => (await probedPeerConnections(who.page)).filter((p) => p.signaling !== 'closed').flatMap((p) => p.turnUsers);
    await open(A, `${renewing.pages}/`);
    await A.page.fill('#chat-room-name', 'Long call');
    await A.page.click('#enter-btn');
    await A.page.locator('#chat-room:not([hidden])').waitFor({ timeout: 10000 });
    const rid = (await kvsState(A.page)).room.roomId;
    await open(B, `${renewing.pages}/room.html?room=${rid}`);
    await B.page.click('#enter-btn');
    await A.page.locator('#requests li[data-user="Bob"]').waitFor({ timeout: 10000 });
    await A.page.click('#requests button[aria-label="Approve Bob"]');
    await B.page.locator('#chat-room:not([hidden])').waitFor({ timeout: 10000 });
    await A.page.click('#voice-start');
    await B.page.locator('#voice-join:not([hidden])').waitFor({ timeout: 10000 });
    await B.page.click('#voice-join');
    await wait(async () => (await hears(A, [B])) && hears(B, [A]), 30000, 'Ana and Bob hearing each other');
    const first = { Ana: (await issuedTo('Ana'))[0], Bob: (await issuedTo('Bob'))[0] };
    const expiry = Math.max(Date.parse(first.Ana.expiration), Date.parse(first.Bob.expiration));
    const firstTurn = { ana: await turnUsers(A), bob: await turnUsers(B) };
    for (const who of [A, B]) assert.ok(firstTurn[who.key].length > 0, `${who.name}'s link has TURN servers: ${JSON.stringify(firstTurn)}`);

    // A quarter of the TURN servers' life early (the shorter one), each page asks the chat for new
    // credentials, and its live link takes the renewed TURN servers.
    await wait(async () => (await issuedTo('Ana')).length >= 2 && (await issuedTo('Bob')).length >= 2, TURN_S * 1000, 'both pages renewing their credentials');
    assert.ok(Date.now() < expiry, 'renewed before the first credentials expired');
    assert.notEqual((await issuedTo('Bob'))[1].clientId, first.Bob.clientId, 'STS scoped the renewal to a new ClientId');
    for (const who of [A, B]) {
      await wait(async () => { const now = await turnUsers(who); return now.length > 0 && now.every((u) => !firstTurn[who.key].includes(u)); },
        5000, `${who.name}'s live link taking the renewed TURN servers`);
    }

    // Past the first credentials' expiry, the service says GO_AWAY: both reconnect, signed with new ones.
    await sleep(Math.max(0, expiry - Date.now()) + 1000);
    const before = (await rlog('signaling.connect')).filter((e) => e.ok).length;
    const v = (await (await fetch(`${renewing.chatHttp}/_standin/tables/VoiceRooms`)).json()).find((r) => r.status === 'active');
    const goAway = await fetch(`${renewing.chatHttp}/_standin/channels/${v.channelName}/go-away`, { method: 'POST' }).then((r) => r.json());
    assert.equal(goAway.connections, 2);
    const again = await wait(async () => {
      const ok = (await rlog('signaling.connect')).filter((e) => e.ok).slice(before);
      return ok.length >= 2 && ok;
    }, 15000, 'two new signaling connections');
    const byRole = Object.fromEntries(again.map((e) => [e.role, e]));
    const renewedKeys = async (u) => (await issuedTo(u)).slice(1).map((e) => e.accessKeyId);
    assert.ok((await renewedKeys('Ana')).includes(byRole.MASTER.accessKeyId), `Ana reconnected with renewed credentials, not ${first.Ana.accessKeyId}: ${byRole.MASTER.accessKeyId}`);
    assert.ok((await renewedKeys('Bob')).includes(byRole.VIEWER.accessKeyId), `Bob reconnected with renewed credentials, not ${first.Bob.accessKeyId}: ${byRole.VIEWER.accessKeyId}`);
    assert.equal(byRole.VIEWER.clientId, first.Bob.clientId, 'Bob kept the ClientId Ana knows him by');
    assert.equal((await rlog('signaling.refused')).length, 0, 'no connection was refused');
    for (const who of [A, B]) {
      const s = await snapshot(who.page);
      assert.equal(s.state, 'connected', `${who.name}'s call goes on: ${JSON.stringify(s.failure)}`);
    }
    await wait(async () => (await hears(A, [B])) && hears(B, [A]), 10000, 'Ana and Bob still hearing each other');
    t.diagnostic(`STS ${CRED_S} s and TURN ${TURN_S} s credentials: Ana renewed ${(await issuedTo('Ana')).length - 1} times, Bob ${(await issuedTo('Bob')).length - 1}; reconnected after the first expiry with renewed ones`);
    pair = { A, B, wait, rlog };
  });

  test('the master leaving voice ends it for everyone (KVS lets no viewer find a master that comes back), and so does the master\'s page going away', async () => {
    assert.ok(pair, 'needs the renewal test\'s call');
    const { A, B, wait, rlog } = pair;
    try {
      const told = async (who) => {
        await wait(async () => (await text(who.page, '#voice-status')) === 'Ana ended the voice chat.', 10000, `${who.name} reading that Ana ended voice`);
        assert.equal((await snapshot(who.page)).state, 'ended', `${who.name} is out of voice`);
      };
      assert.equal(await text(A.page, '#voice-status'), 'You started voice; everyone in it hears everyone through you, so leaving ends it.');
      await A.page.click('#leave-btn');
      await told(B);
      await told(A);
      assert.ok(await A.page.isVisible('#voice-start'), 'Ana may start voice again');
      // Voice again; then Ana's page goes away mid-voice (a reload).
      await A.page.click('#voice-start');
      await B.page.locator('#voice-join:not([hidden])').waitFor({ timeout: 10000 });
      await B.page.click('#voice-join');
      await wait(async () => (await hears(A, [B])) && hears(B, [A]), 30000, 'Ana and Bob hearing each other again');
      await A.page.reload();
      await told(B);
      assert.ok(await B.page.isVisible('#voice-start'), 'Bob may start voice himself');
      const ends = (await rlog('chat.in')).filter((e) => e.action === 'endVoiceRoom' && e.username === 'Ana');
      assert.equal(ends.length, 2, 'Ana\'s page ended voice once on Leave and once going away');
    } finally {
      await A.ctx.close();
      await B.ctx.close();
    }
  });
}
