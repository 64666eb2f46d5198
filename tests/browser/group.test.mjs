// A room of three (EARSHOT_ROOM_SIZE=3, full mesh): each person's fake microphone plays its own sine
// tone, and every page must receive exactly the two other tones, checked by frequency on the received
// audio (toneProbe in harness.mjs analyses every remote track the page's RTCPeerConnections get). Then
// one person leaves; the other two keep hearing each other and stop receiving the leaver's tone.
//   node --test tests/browser/group.test.mjs   (as root; re-executes itself in a network namespace)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import {
  inNamespace, startBackend, launch, toneFile, tempDir, artifact, snapshot, waitFor, waitState, openRoom, sleep,
  toneProbe, tones, heardTones, tonePeaks,
} from './harness.mjs';

const outside = inNamespace(fileURLToPath(import.meta.url));
if (outside !== null) {
  test('group suite (inside its network namespace)', () => assert.equal(outside, 0, 'see the output above'));
} else {
  suite();
}

function suite() {
  // Thresholds, in dB above the median of the track's 100 Hz..4 kHz spectrum (see toneProbe). Measured on
  // a 1:1 call (440/660 Hz through Opus): the sent tone stands 99..109 dB above the median once steady
  // (79 in the first 300 ms), the other probe frequencies of the same track 20..41 dB, and a silent or
  // removed track reports nothing. A tone is heard when some track's strongest probe frequency reaches
  // HEARD and beats the track's other probe frequencies by MARGIN; it is absent when no track shows it
  // at ABSENT or more. Both sit about 20 dB clear of the measured figures on either side.
  const HEARD = 60;
  const MARGIN = 40;
  const ABSENT = 60;
  const LEAVE_MS = 5000;  // the leaver's tone must be gone from the others within this
  const PEOPLE = [
    { key: 'alice', name: 'Alice', freq: 440 },
    { key: 'bob', name: 'Bob', freq: 660 },
    { key: 'cleo', name: 'Cleo', freq: 880 },
  ];
  const DESKTOP = { width: 1280, height: 800 };
  const PHONE = { width: 390, height: 844 };

  let backend, work;
  const browsers = [];
  let joined = false;  // the first test got everyone into the call

  before(async () => {
    work = tempDir('earshot-group-');
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
  const names = (people) => people.map((p) => p.name).sort();

  // What one page hears right now.
  async function listen(who) {
    const report = await tones(who.page);
    return { report, heard: heardTones(report, { minRel: HEARD, margin: MARGIN }), peaks: tonePeaks(report) };
  }
  const figures = (l) => (l.report ? l.report.tracks.map((t) => `[pc${t.pc} ${t.connection}${t.muted ? ' muted' : ''} `
    + `${Object.entries(t.rel).map(([f, v]) => `${f}:${v}`).join(' ')} (peak ${Math.max(...Object.values(t.db))} dBFS)]`).join(' ') || '(no tracks)'
    : '(no probe)');

  // A page's state for failure messages: the core's state/failure and the received-tone figures.
  async function describe(who) {
    const s = await snapshot(who.page).catch((e) => ({ error: e.message }));
    const l = await listen(who).catch(() => ({ report: null }));
    const problem = await who.page.isVisible('#problem').catch(() => false) ? await who.page.textContent('#problem-text') : '';
    return `${who.name}: state=${s && s.state}${s && s.failure ? ` failure=${JSON.stringify(s.failure)}` : ''}`
      + `${problem ? ` problem="${problem}"` : ''} participants=${JSON.stringify(s && s.participants)} tones ${figures(l)}`;
  }
  // waitFor, failing at once when one of `people` reaches the core's terminal 'failed' state, and
  // naming every one's state and received tones when it gives up.
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

  // True when `who` hears exactly `from`'s tones, and no one else's.
  async function hearsExactly(who, from) {
    const l = await listen(who);
    const want = freqs(from);
    const ok = JSON.stringify(l.heard) === JSON.stringify(want)
      && PEOPLE.filter((p) => !from.includes(p)).every((p) => l.peaks[p.freq] < ABSENT);
    return ok && l;
  }

  // The remote participants the page shows: <li class="peer" data-participant="<id>"> items of ul#people.
  const shownPeers = (who) => who.page.locator('ul#people li.peer').evaluateAll((els) => els
    .filter((el) => el.getClientRects().length > 0)
    .map((el) => ({ id: el.dataset.participant, name: (el.querySelector('.name')?.textContent || '').trim() })));
  const peerNames = async (who) => (await shownPeers(who)).map((p) => p.name).sort();
  const snapshotPeers = (s, who) => ((s && s.participants) || []).filter((p) => p.name !== who.name);

  test('three people each hear the two other tones (by frequency), not their own', async () => {
    let room;
    try {
      // guestName is not sent: the backend takes either guestName or guestNames.
      room = await backend.createRoom({ title: 'Group call', hostName: 'Alice', guestName: undefined, guestNames: ['Bob', 'Cleo'] });
    } catch (e) {
      throw new Error(`POST /api/v1/admin/rooms with guestNames ["Bob","Cleo"] under EARSHOT_ROOM_SIZE=3 failed: ${e.message}`);
    }
    const guests = room.links && room.links.guests;
    assert.ok(Array.isArray(guests) && guests.length === 2,
      `the admin API answers links.guests with one invite per guest name (EARSHOT_ROOM_SIZE=3); got links ${JSON.stringify(room.links)}`);
    assert.deepEqual(guests.map((g) => [g.name, g.role]), [['Bob', 'guest'], ['Cleo', 'guest']]);
    const urls = [room.links.host.url, guests[0].url, guests[1].url];

    // Load the three pages side by side, then join one after another.
    await Promise.all(PEOPLE.map(async (who, i) => {
      who.context = await browsers[i].newContext({ viewport: DESKTOP });
      await who.context.addInitScript(toneProbe);
      who.page = await openRoom(who.context, urls[i], { join: false });
      await who.page.locator('#join-btn:not([disabled])').waitFor({ timeout: 15000 });
    }));
    const t0 = Date.now();
    for (const who of PEOPLE) {
      await who.page.click('#join-btn');
      await until(async () => { const s = await snapshot(who.page); return s && !['idle', 'prejoin', 'joining'].includes(s.state); },
        { timeout: 15000, what: `${who.name} admitted to the room`, people: [who] });
    }

    // Everyone connected, hearing exactly the two others (each on a track of its own).
    const heard = {};
    for (const who of PEOPLE) {
      heard[who.key] = await until(() => hearsExactly(who, others(who)),
        { timeout: 30000, what: `${who.name} hearing ${freqs(others(who)).join(' and ')} Hz and not ${who.freq} Hz`, people: PEOPLE });
    }
    console.log(`all three hear each other ${Date.now() - t0} ms after the first join`);
    // Steady, not a lucky sample: four more looks over a second and a half. One's own tone never comes
    // back; each may miss one lone look (a 10 ms frame lost to concealment on two busy cores, as in the
    // leave check below).
    const missed = Object.fromEntries(PEOPLE.map((p) => [p.key, []]));
    for (let i = 0; i < 4; i++) {
      await sleep(350);
      for (const who of PEOPLE) {
        const own = await listen(who);
        assert.ok(own.peaks[who.freq] < ABSENT, `${who.name} hears their own ${who.freq} Hz:\n  ${await describe(who)}`);
        const l = await hearsExactly(who, others(who));
        if (l) { heard[who.key] = l; continue; }
        missed[who.key].push(i);
        assert.ok(missed[who.key].length <= 1, `${who.name} keeps hearing exactly ${freqs(others(who)).join('+')} Hz (looks missed: ${missed[who.key].join(', ')} of 0..3):\n  ${await describe(who)}`);
      }
    }
    for (const who of PEOPLE) {
      const l = heard[who.key];
      console.log(`${who.name} (${who.freq} Hz) hears ${l.heard.join('+')} Hz; dB over median: ${figures(l)}`);
      assert.equal(l.report.tracks.length, 2, `${who.name} receives one audio track per other person: ${figures(l)}`);
      assert.equal(l.report.context, 'running');
    }

    // What the user sees: in the call, the two others listed by name.
    for (const who of PEOPLE) {
      const s = await waitState(who.page, 'connected', 10000);
      await until(async () => JSON.stringify(await peerNames(who)) === JSON.stringify(names(others(who))),
        { timeout: 5000, what: `${who.name}'s participant list showing ${names(others(who)).join(' and ')}`, people: [who] });
      const listed = snapshotPeers(await snapshot(who.page), who);
      assert.deepEqual(listed.map((p) => p.name).sort(), names(others(who)), `snapshot participants of ${who.name}`);
      for (const p of listed) assert.equal(p.connection, 'connected', `${who.name}'s connection to ${p.name}`);
      const ids = (await shownPeers(who)).map((p) => p.id).sort();
      assert.deepEqual(ids, listed.map((p) => p.id).sort(), `${who.name}'s list items carry the participants' ids`);
      assert.equal(s.state, 'connected');
    }

    for (const who of PEOPLE) await who.page.screenshot({ path: artifact(`group-${who.key}.png`), fullPage: true });
    for (const who of PEOPLE) {
      await who.page.setViewportSize(PHONE);
      await who.page.screenshot({ path: artifact(`group-${who.key}-390.png`), fullPage: true });
      await who.page.setViewportSize(DESKTOP);
    }
    joined = true;
  });

  test('one leaves: the other two keep hearing each other and no longer receive the leaver', async () => {
    assert.ok(joined, 'needs the three-person call from the first test');
    const [alice, bob, cleo] = PEOPLE;
    const stay = [alice, bob];
    await cleo.page.click('#leave-btn');
    const t0 = Date.now();
    for (const who of stay) {
      const other = others(who).filter((p) => p !== cleo);
      await until(() => hearsExactly(who, other),
        { timeout: LEAVE_MS, what: `${who.name} no longer receiving ${cleo.freq} Hz and still hearing ${other[0].freq} Hz`, people: stay });
    }
    const took = Date.now() - t0;
    console.log(`${cleo.name}'s tone gone from both others ${took} ms after Leave`);
    assert.ok(took <= LEAVE_MS);
    await waitState(cleo.page, 'ended', 5000);

    // The two keep talking: over two seconds, no look hears Cleo, and each hears the other in every
    // look but at most one lone dip (a 2-core machine running three Chromiums drops an occasional
    // 10 ms frame to concealment, which can pull one 186 ms window just under HEARD: seen once in CI
    // at 59.7 dB against 60).
    const missed = { alice: [], bob: [] };
    for (let i = 0; i < 6; i++) {
      for (const who of stay) {
        const other = others(who).filter((p) => p !== cleo);
        const l = await listen(who);
        assert.ok(l.peaks[cleo.freq] < ABSENT, `${who.name} hears ${cleo.name}'s ${cleo.freq} Hz after she left:\n  ${await describe(who)}`);
        assert.ok(l.peaks[who.freq] < ABSENT, `${who.name} hears their own ${who.freq} Hz:\n  ${await describe(who)}`);
        if (JSON.stringify(l.heard) !== JSON.stringify(freqs(other))) {
          missed[who.key].push(i);
          assert.ok(missed[who.key].length <= 1,
            `${who.name} still hears only ${other[0].name} after ${cleo.name} left (looks missed: ${missed[who.key].join(', ')} of 0..5):\n  ${await describe(who)}`);
        }
        if (i === 5) console.log(`${who.name} after ${cleo.name} left hears ${l.heard.join('+')} Hz (looks missed: ${missed[who.key].length} of 6); dB over median: ${figures(l)}`);
      }
      await sleep(350);
    }
    for (const who of stay) {
      const other = others(who).filter((p) => p !== cleo);
      assert.equal((await snapshot(who.page)).state, 'connected', `${who.name} stays in the call`);
      await until(async () => JSON.stringify(await peerNames(who)) === JSON.stringify(names(other)),
        { timeout: 3000, what: `${who.name}'s participant list showing only ${other[0].name}`, people: [who] });
      assert.deepEqual(snapshotPeers(await snapshot(who.page), who).map((p) => p.name), [other[0].name]);
      await who.page.screenshot({ path: artifact(`group-${who.key}-after-leave.png`), fullPage: true });
    }
  });
}
