// A room of three in a star (EARSHOT_ROOM_SIZE=3, config.json says "topology": "star"): the host, Alice,
// is the hub and holds a peer connection to each of the two others; Bob and Cleo, the spokes, hold one
// each, to Alice. The hub relays each spoke's audio to the other spoke mixed with its own microphone,
// minus the receiving spoke's own audio. Each person's fake microphone plays its own sine tone and every
// page must hear the two other tones by frequency (toneProbe in harness.mjs): a spoke both of them on its
// single received track, and never its own tone coming back. Then Cleo leaves: Bob keeps hearing Alice
// and no longer Cleo.
//   node --test tests/browser/star.test.mjs   (as root; re-executes itself in a network namespace)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import {
  inNamespace, startBackend, launch, toneFile, tempDir, artifact, snapshot, waitFor, waitState, openRoom, sleep,
  toneProbe, tones, tonePeaks, trackTones, probedPeerConnections, overrideConfig, PROBE_FREQS,
} from './harness.mjs';

const outside = inNamespace(fileURLToPath(import.meta.url));
if (outside !== null) {
  test('star suite (inside its network namespace)', () => assert.equal(outside, 0, 'see the output above'));
} else {
  suite();
}

function suite() {
  // Thresholds as in group.test.mjs, in dB above the median of the track's 100 Hz..4 kHz spectrum (see
  // toneProbe): a tone is heard at HEARD or more and absent below ABSENT. A spoke's one track carries two
  // tones, so group.test.mjs's margin between a track's strongest probe frequency and the others does
  // not apply; instead every expected tone must reach HEARD on that track and the others stay below
  // ABSENT on every track.
  const HEARD = 60;
  const ABSENT = 60;
  const LEAVE_MS = 5000;  // the leaver's tone must be gone from the others within this
  const PEOPLE = [
    { key: 'alice', name: 'Alice', freq: 440 },
    { key: 'bob', name: 'Bob', freq: 660 },
    { key: 'cleo', name: 'Cleo', freq: 880 },
  ];
  const [ALICE, BOB, CLEO] = PEOPLE;
  const DESKTOP = { width: 1280, height: 800 };

  let backend, work;
  const browsers = [];
  let joined = false;  // the first test got everyone into the call

  before(async () => {
    work = tempDir('earshot-star-');
    const [b, ...bs] = await Promise.all([
      startBackend({ env: { EARSHOT_ROOM_SIZE: '3' } }),
      ...PEOPLE.map((p) => launch({ wav: toneFile(work, p.freq) })),
    ]);
    backend = b;
    browsers.push(...bs);
  });
  after(async () => {
    await Promise.all(browsers.map((b) => b.close().catch(() => {})));
    await backend?.stop();
  });

  const others = (who) => PEOPLE.filter((p) => p !== who);
  const freqs = (people) => people.map((p) => p.freq).sort((a, b) => a - b);

  // What one page hears right now: per live track, the probe frequencies at HEARD or more.
  async function listen(who) {
    const report = await tones(who.page);
    const tracks = (report && report.tracks) || [];
    return { report, tracks, perTrack: tracks.map((t) => trackTones(t, HEARD)), peaks: tonePeaks(report) };
  }
  const figures = (l) => (l.report ? l.report.tracks.map((t) => `[pc${t.pc} ${t.connection}${t.muted ? ' muted' : ''} `
    + `${Object.entries(t.rel).map(([f, v]) => `${f}:${v}`).join(' ')} (peak ${Math.max(...Object.values(t.db))} dBFS)]`).join(' ') || '(no tracks)'
    : '(no probe)');

  const livePcs = (list) => (list || []).filter((p) => p.signaling !== 'closed' && p.connection !== 'closed');
  async function describe(who) {
    const s = await snapshot(who.page).catch((e) => ({ error: e.message }));
    const l = await listen(who).catch(() => ({ report: null }));
    const pcs = await probedPeerConnections(who.page).catch(() => null);
    const problem = await who.page.isVisible('#problem').catch(() => false) ? await who.page.textContent('#problem-text') : '';
    return `${who.name}: state=${s && s.state}${s && s.failure ? ` failure=${JSON.stringify(s.failure)}` : ''}`
      + `${problem ? ` problem="${problem}"` : ''} topology=${s && s.topology} peers=${JSON.stringify(s && s.peers)}`
      + ` pcs=${JSON.stringify(pcs)} participants=${JSON.stringify(s && s.participants)} tones ${figures(l)}`;
  }
  async function until(fn, { timeout, what, people }) {
    const check = async () => {
      for (const who of people) {
        const s = await snapshot(who.page);
        if (s && s.state === 'failed') throw new Error(`${who.name}'s call failed while waiting for ${what}`);
      }
      return fn();
    };
    try {
      return await waitFor(check, { timeout, what });
    } catch (e) {
      const lines = await Promise.all(people.map(describe));
      throw new Error(`${e.message}\n  ${lines.join('\n  ')}`);
    }
  }

  // True (the listening) when `who` receives `tracks` live tracks, every tone of `from` reaches HEARD on
  // one of them — all on the same track when `sameTrack` — and every other probe frequency (the page's
  // own tone included) stays below ABSENT on every track.
  async function hears(who, from, { tracks, sameTrack = false }) {
    const l = await listen(who);
    if (l.tracks.length !== tracks) return false;
    const want = freqs(from);
    const onOne = l.perTrack.some((h) => want.every((f) => h.includes(f)));
    const each = want.every((f) => l.perTrack.some((h) => h.includes(f)));
    const rest = PROBE_FREQS.filter((f) => !want.includes(f)).every((f) => l.peaks[f] < ABSENT);
    return (sameTrack ? onOne : each) && rest && l;
  }
  // In the star: the hub gets one track per spoke, each spoke one track carrying the two others.
  const expectation = (who) => (who === ALICE ? { tracks: 2 } : { tracks: 1, sameTrack: true });

  test('a star of three: the hub links to both spokes, each spoke only to the hub, and everyone hears the two others', async (t) => {
    const room = await backend.createRoom({ title: 'Star call', hostName: 'Alice', guestName: undefined, guestNames: ['Bob', 'Cleo'] });
    const guests = room.links && room.links.guests;
    assert.ok(Array.isArray(guests) && guests.length === 2, `links.guests: ${JSON.stringify(room.links)}`);
    assert.deepEqual(guests.map((g) => [g.name, g.role]), [['Bob', 'guest'], ['Cleo', 'guest']]);
    const urls = [room.links.host.url, guests[0].url, guests[1].url];

    await Promise.all(PEOPLE.map(async (who, i) => {
      who.context = await browsers[i].newContext({ viewport: DESKTOP });
      await overrideConfig(who.context, { topology: 'star' });
      await who.context.addInitScript(toneProbe);
      who.page = await openRoom(who.context, urls[i], { join: false });
      await who.page.locator('#join-btn:not([disabled])').waitFor({ timeout: 15000 });
    }));
    for (const who of PEOPLE) {
      const s = await snapshot(who.page);
      assert.equal(s.topology, 'star', `${who.name}'s page runs the star topology (served config.json)`);
    }
    const t0 = Date.now();
    for (const who of PEOPLE) {
      await who.page.click('#join-btn');
      await until(async () => { const s = await snapshot(who.page); return s && !['idle', 'prejoin', 'joining'].includes(s.state); },
        { timeout: 15000, what: `${who.name} admitted to the room`, people: [who] });
    }

    const heard = {};
    for (const who of PEOPLE) {
      heard[who.key] = await until(() => hears(who, others(who), expectation(who)),
        { timeout: 30000, what: `${who.name} hearing ${freqs(others(who)).join(' and ')} Hz and not ${who.freq} Hz`, people: PEOPLE });
    }
    t.diagnostic(`all three hear the two others ${Date.now() - t0} ms after the first join`);
    // Steady, not a lucky sample: six more looks over two seconds. No look may bring one's own tone back;
    // each person may miss at most one lone look (a frame lost to concealment on a busy 2-core machine
    // pulls a spoke's whole mixed track down at once: CI saw 440 and 880 Hz both at 52 dB in one look).
    const missed = Object.fromEntries(PEOPLE.map((p) => [p.key, 0]));
    for (let i = 0; i < 6; i++) {
      await sleep(350);
      for (const who of PEOPLE) {
        const now = await listen(who);
        assert.ok(now.peaks[who.freq] < ABSENT, `${who.name}'s own ${who.freq} Hz comes back:\n  ${await describe(who)}`);
        const l = await hears(who, others(who), expectation(who));
        if (!l) missed[who.key] += 1;
        assert.ok(missed[who.key] <= 1, `${who.name} keeps hearing exactly ${freqs(others(who)).join('+')} Hz (${missed[who.key]} of ${i + 1} looks missed):\n  ${await describe(who)}`);
        if (l) heard[who.key] = l;
      }
    }
    for (const who of PEOPLE) {
      const l = heard[who.key];
      t.diagnostic(`${who.name} (${who.freq} Hz) hears ${freqs(others(who)).join('+')} Hz on ${l.tracks.length} track(s); `
        + `own ${who.freq} Hz peaks at ${l.peaks[who.freq]} dB; dB over median: ${figures(l)}`);
      assert.ok(l.peaks[who.freq] < ABSENT, `${who.name}'s own ${who.freq} Hz does not come back: ${figures(l)}`);
      assert.equal(l.report.context, 'running');
    }

    // The links: two at the hub, one at each spoke, to the hub; as many live RTCPeerConnections.
    const hub = (await snapshot(ALICE.page)).self;
    assert.equal(hub.role, 'host', `Alice, the hub, is the host: ${JSON.stringify(hub)}`);
    for (const who of PEOPLE) {
      const s = await waitState(who.page, 'connected', 10000);
      const pcs = await probedPeerConnections(who.page);
      const live = livePcs(pcs);
      t.diagnostic(`${who.name}: snapshot peers ${JSON.stringify(s.peers)}; RTCPeerConnections seen ${JSON.stringify(pcs)}; `
        + `participants ${(s.participants || []).map((p) => `${p.name}:${p.connection}${p.speaking ? ' speaking' : ''}`).join(', ')}`);
      const want = who === ALICE ? 2 : 1;
      assert.equal(s.peers.length, want, `${who.name} holds ${want} peer link(s): ${await describe(who)}`);
      assert.equal(live.length, want, `${who.name}'s page has ${want} live RTCPeerConnection(s): ${JSON.stringify(pcs)}`);
      for (const p of live) assert.equal(p.connection, 'connected', `${who.name}'s RTCPeerConnection pc${p.id}`);
      const byName = Object.fromEntries((s.participants || []).map((p) => [p.id, p.name]));
      const linked = s.peers.map((p) => byName[p.participant] || p.participant).sort();
      assert.deepEqual(linked, who === ALICE ? ['Bob', 'Cleo'] : ['Alice'], `${who.name} links to ${who === ALICE ? 'both spokes' : 'the hub only'}`);
      if (who !== ALICE) assert.equal(s.peers[0].participant, hub.id, `${who.name}'s one link goes to the hub`);
      // Every live RTCPeerConnection carries exactly the tracks the probe reported.
      assert.deepEqual([...new Set(heard[who.key].tracks.map((tr) => tr.pc))].sort(), live.map((p) => p.id).sort(),
        `${who.name}'s received tracks come from its live RTCPeerConnections`);
    }

    for (const who of PEOPLE) await who.page.screenshot({ path: artifact(`star-${who.key}.png`), fullPage: true });
    joined = true;
  });

  test('Cleo leaves the star: Bob keeps hearing Alice through the hub and no longer Cleo', async (t) => {
    assert.ok(joined, 'needs the three-person star from the first test');
    const stay = [ALICE, BOB];
    await CLEO.page.click('#leave-btn');
    const t0 = Date.now();
    await until(() => hears(BOB, [ALICE], { tracks: 1 }),
      { timeout: LEAVE_MS, what: `Bob no longer receiving ${CLEO.freq} Hz and still hearing ${ALICE.freq} Hz`, people: stay });
    await until(() => hears(ALICE, [BOB], { tracks: 1 }),
      { timeout: LEAVE_MS, what: `Alice no longer receiving ${CLEO.freq} Hz and still hearing ${BOB.freq} Hz`, people: stay });
    const took = Date.now() - t0;
    t.diagnostic(`Cleo's tone gone from Bob and Alice ${took} ms after Leave`);
    assert.ok(took <= LEAVE_MS);
    await waitState(CLEO.page, 'ended', 5000);

    // Over two seconds no look hears Cleo, and each hears the other in every look but at most one lone
    // dip (an occasional frame lost to concealment on a busy 2-core machine; see group.test.mjs).
    const missed = new Map([[BOB, 0], [ALICE, 0]]);
    for (let i = 0; i < 6; i++) {
      for (const [who, from] of [[BOB, ALICE], [ALICE, BOB]]) {
        const l = await hears(who, [from], { tracks: 1 });
        const now = await listen(who);
        assert.ok(now.peaks[CLEO.freq] < ABSENT, `${who.name} hears Cleo's ${CLEO.freq} Hz after she left:\n  ${await describe(who)}`);
        if (!l) missed.set(who, missed.get(who) + 1);
        assert.ok(missed.get(who) <= 1, `${who.name} still hears only ${from.name} after Cleo left (${missed.get(who)} of ${i + 1} looks missed):\n  ${await describe(who)}`);
        if (!l) continue;
        if (i === 5) t.diagnostic(`${who.name} after Cleo left hears ${from.freq} Hz; ${CLEO.freq} Hz peaks at ${l.peaks[CLEO.freq]} dB, `
          + `own ${who.freq} Hz at ${l.peaks[who.freq]} dB; dB over median: ${figures(l)}`);
      }
      await sleep(350);
    }
    for (const who of stay) {
      const s = await snapshot(who.page);
      assert.equal(s.state, 'connected', `${who.name} stays in the call`);
      assert.equal(s.peers.length, 1, `${who.name} holds one link: ${JSON.stringify(s.peers)}`);
      assert.equal(livePcs(await probedPeerConnections(who.page)).length, 1, `${who.name} has one live RTCPeerConnection`);
      await who.page.screenshot({ path: artifact(`star-${who.key}-after-leave.png`), fullPage: true });
    }
  });
}
