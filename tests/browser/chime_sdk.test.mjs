// The real amazon-chime-sdk-js 3.32.0 (bundled with esbuild as seed 000 does: IIFE, window.ChimeSDK)
// against the Chime stand-in (standins/chime): two Chromiums with fake mics at 440 and 660 Hz join one
// room through the stand-in's HTTP API, reach audioVideoDidStart and hear each other's tone (by
// frequency, not their own); realtime mute silences the tone and shows as muted on the other side;
// the meeting-end hook stops both with MeetingEnded and no reconnect; wiring facts from vendors.md are
// read from the stand-in's log. Not Earshot: a tiny page of this test's own.
//   node --test tests/browser/chime_sdk.test.mjs   (as root; re-executes itself in a network namespace)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ROOT, inNamespace, launch, toneFile, tempDir, waitFor, sleep, toneProbe, tones, heardTones, tonePeaks,
} from './harness.mjs';
import { startChimeStandin } from '../../standins/chime/launch.mjs';

const outside = inNamespace(fileURLToPath(import.meta.url));
if (outside !== null) {
  test('chime SDK suite (inside its network namespace)', () => assert.equal(outside, 0, 'see the output above'));
} else {
  suite();
}

function suite() {
  // dB above the track's median spectrum (see harness.mjs toneProbe): a sent tone stands ~100 dB above
  // it through Opus, other probe frequencies ≤ 41 dB; HEARD/ABSENT sit ~20 dB clear of both.
  const HEARD = 60;
  const MARGIN = 40;
  const ABSENT = 60;
  const MUTE_MS = 1000;
  const ADMIN = 'chime-browser-test-admin-key';
  const HOST = '10.77.0.1';
  const SDK_DIR = join(ROOT, 'standins', 'chime', 'node_modules', 'amazon-chime-sdk-js');
  const PEOPLE = [{ key: 'alice', name: 'Alice', freq: 440 }, { key: 'bob', name: 'Bob', freq: 660 }];
  const [alice, bob] = PEOPLE;
  let standin, work, room, meetingId;
  const browsers = [];
  let joined = false;

  // The test page: joins with the invite in its URL (both header and body, as Earshot does), takes
  // either answer shape, and records what the SDK reports.
  const page = (api) => `<!doctype html><meta charset="utf-8"><title>chime sdk test</title>
<audio id="remote" autoplay></audio>
<script src="chime-sdk.js"></script>
<script>
const API = ${JSON.stringify(api)};
window.st = { presence: {}, remote: {}, statuses: [], started: 0, connecting: 0 };
window.joinCall = async () => {
  const q = new URLSearchParams(location.search), t = q.get('t'), st = window.st;
  const t0 = performance.now();
  const r = await fetch(API + '/rooms/' + encodeURIComponent(q.get('room')) + '/join', {
    method: 'POST', headers: { Authorization: 'Bearer ' + t, 'Content-Type': 'application/json' }, body: JSON.stringify({ token: t }) });
  const info = await r.json();
  if (!r.ok) throw new Error('join HTTP ' + r.status + ' ' + JSON.stringify(info));
  const j = info.JoinInfo || info;
  const logger = new ChimeSDK.ConsoleLogger('sdk', ChimeSDK.LogLevel.WARN);
  const config = new ChimeSDK.MeetingSessionConfiguration(j.Meeting, j.Attendee);
  const session = new ChimeSDK.DefaultMeetingSession(config, logger, new ChimeSDK.DefaultDeviceController(logger));
  const av = session.audioVideo;
  st.self = config.credentials.attendeeId;
  window.av = av;
  av.addObserver({
    audioVideoDidStartConnecting: (reconnecting) => { st.connecting++; if (reconnecting) st.reconnects = (st.reconnects || 0) + 1; },
    audioVideoDidStart: () => { st.started = Math.round(performance.now() - t0); },
    audioVideoDidStop: (s) => { st.statuses.push({ code: s.statusCode(), name: ChimeSDK.MeetingSessionStatusCode[s.statusCode()], terminal: s.isTerminal() }); },
  });
  av.realtimeSubscribeToAttendeeIdPresence((id, present, externalUserId, dropped) => {
    st.presence[id] = { present, externalUserId, dropped };
    if (!present || id === st.self || st.remote[id]) return;
    st.remote[id] = { name: externalUserId, muted: null, volume: null, signalStrength: null };
    av.realtimeSubscribeToVolumeIndicator(id, (aid, volume, muted, signalStrength) => {
      const e = st.remote[aid];
      if (muted !== null) e.muted = muted;
      if (volume !== null) e.volume = volume;
      if (signalStrength !== null) e.signalStrength = signalStrength;
    });
  });
  const mics = await av.listAudioInputDevices();
  await av.startAudioInput(mics[0].deviceId);
  await av.bindAudioElement(document.getElementById('remote'));
  av.start();
  return { meetingId: config.meetingId, attendeeId: st.self };
};
</script>`;

  before(async () => {
    work = tempDir('earshot-chime-');
    const pages = join(work, 'pages');
    const esbuild = join(ROOT, 'tools', 'js', 'node_modules', '.bin', 'esbuild');
    const b = spawnSync(esbuild, [join(SDK_DIR, 'build', 'index.js'), '--bundle', '--minify', '--format=iife', '--global-name=ChimeSDK',
      '--platform=browser', '--main-fields=browser,module,main', '--conditions=browser', '--define:global=window',
      '--define:process.env.NODE_ENV="production"', '--log-level=error', `--outfile=${join(pages, 'chime-sdk.js')}`], { encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`esbuild of amazon-chime-sdk-js failed (did tools/setup.sh run npm ci in standins/chime?):\n${b.stderr}`);
    // The stand-in serves the page (its own "CloudFront" origin); the page's port is known once it
    // listens, and the browsers need that origin as a secure one for the microphone.
    standin = await startChimeStandin({ host: HOST, adminKey: ADMIN, args: ['--pages-dir', pages, '--pages-port', '0'] });
    writeFileSync(join(pages, 'room.html'), page(standin.api));
    browsers.push(...await Promise.all(PEOPLE.map((p) => launch({ wav: toneFile(work, p.freq), secureOrigins: [standin.pages] }))));
  });
  after(async () => {
    await Promise.all(browsers.map((x) => x.close().catch(() => {})));
    if (standin) assert.equal(await standin.stop(), 0, 'the stand-in exits 0 on SIGTERM');
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const st = (who) => who.page.evaluate(() => window.st);
  async function listen(who) {
    const report = await tones(who.page);
    return { report, heard: heardTones(report, { minRel: HEARD, margin: MARGIN }), peaks: tonePeaks(report) };
  }
  const other = (who) => (who === alice ? bob : alice);
  const hearsOnlyOther = async (who) => {
    const l = await listen(who);
    return JSON.stringify(l.heard) === JSON.stringify([other(who).freq]) && l.peaks[who.freq] < ABSENT && l;
  };
  const describe = async (who) => `${who.name}: st=${JSON.stringify(await st(who).catch((e) => e.message))} peaks=${JSON.stringify((await listen(who).catch(() => ({}))).peaks)}`;
  async function until(fn, what, timeout) {
    try {
      return await waitFor(fn, { timeout, what });
    } catch (e) {
      throw new Error(`${e.message}\n  ${(await Promise.all(PEOPLE.map(describe))).join('\n  ')}`);
    }
  }

  test('two browsers join through the stand-in API, reach audioVideoDidStart and each hears the other\'s tone, not its own', async () => {
    room = await standin.createRoom({ title: 'SDK check', hostName: alice.name, guestName: bob.name });
    assert.ok(room.hostLink.startsWith(`${standin.pages}/room.html?room=`), room.hostLink);
    const links = [room.hostLink, room.guestLink];
    await Promise.all(PEOPLE.map(async (who, i) => {
      const ctx = await browsers[i].newContext();
      await ctx.addInitScript(toneProbe);
      who.page = await ctx.newPage();
      who.page.on('pageerror', (e) => console.log(`[${who.name} page error] ${e.message}`));
      who.page.on('console', (m) => { if (m.type() === 'error' && !/missing TURN credentials/.test(m.text())) console.log(`[${who.name} console] ${m.text()}`); });
      await who.page.goto(links[i]);
    }));
    for (const who of PEOPLE) {
      const ids = await who.page.evaluate(() => window.joinCall());
      who.attendeeId = ids.attendeeId;
      meetingId = ids.meetingId;
    }
    for (const who of PEOPLE) await until(async () => (await st(who)).started > 0, `${who.name}'s audioVideoDidStart`, 20000);
    for (const who of PEOPLE) {
      const l = await until(() => hearsOnlyOther(who), `${who.name} hearing ${other(who).freq} Hz and not ${who.freq} Hz`, 15000);
      const s = await st(who);
      console.log(`${who.name}: join → audioVideoDidStart ${s.started} ms; hears ${l.heard} Hz at ${l.peaks[other(who).freq]} dB over median, own ${who.freq} Hz at ${l.peaks[who.freq]} dB`);
      assert.equal(l.report.tracks.length, 1, 'one mixed downlink track, as Chime sends');
    }
    // Steady over a second, and presence names the other person. One's own tone never comes back; each
    // may miss one lone look of four (a frame lost to concealment on two busy cores).
    const missed = Object.fromEntries(PEOPLE.map((p) => [p.name, 0]));
    for (let i = 0; i < 4; i++) {
      await sleep(300);
      for (const who of PEOPLE) {
        const l = await listen(who);
        assert.ok(l.peaks[who.freq] < ABSENT, `${who.name}'s own ${who.freq} Hz comes back: ${await describe(who)}`);
        if (!(await hearsOnlyOther(who))) missed[who.name] += 1;
        assert.ok(missed[who.name] <= 1, `${who.name} keeps hearing ${other(who).freq} Hz (${missed[who.name]} of ${i + 1} looks missed): ${await describe(who)}`);
      }
    }
    for (const who of PEOPLE) {
      const s = await until(async () => { const x = await st(who); return x.remote[other(who).attendeeId] && x; }, `${who.name} seeing ${other(who).name}'s presence`, 5000);
      assert.equal(s.presence[other(who).attendeeId].externalUserId, other(who).name);
      assert.equal(s.presence[who.attendeeId]?.present, true, 'presence includes oneself, as Chime does');
      // The SDK maps -14 dBov to 1.0 and -42 dBov to 0; silence reads 0. Chrome's audio processing leaves
      // the tone near -28 dBov, so its volume wanders around 0.5 (0.46 in one run): ask for clearly
      // above silence, not for a figure on that edge.
      await until(async () => (await st(who)).remote[other(who).attendeeId].volume > 0.25, `${who.name}'s volume indicator for ${other(who).name} (from RTP audio levels)`, 3000);
    }
    const meetings = await standin.hook('meetings');
    const m = meetings.find((x) => x.MeetingId === meetingId);
    assert.deepEqual(m.attendees.map((a) => [a.ExternalUserId, a.media && a.media.flowing]), [[alice.name, true], [bob.name, true]]);
    joined = true;
  });

  test('realtime mute silences Alice\'s tone at Bob within 1 s and Bob\'s side sees her muted; unmute restores both', async () => {
    assert.ok(joined, 'needs the call from the first test');
    await alice.page.evaluate(() => window.av.realtimeMuteLocalAudio());
    const t0 = Date.now();
    await until(async () => (await listen(bob)).peaks[alice.freq] < ABSENT, `Bob no longer hearing ${alice.freq} Hz`, MUTE_MS + 500);
    const silentAfter = Date.now() - t0;
    await until(async () => (await st(bob)).remote[alice.attendeeId].muted === true, 'Bob\'s volume indicator reporting Alice muted', MUTE_MS);
    console.log(`mute: Alice's tone gone at Bob ${silentAfter} ms after realtimeMuteLocalAudio; peak now ${(await listen(bob)).peaks[alice.freq]} dB`);
    assert.ok(silentAfter <= MUTE_MS, `silent within ${MUTE_MS} ms (took ${silentAfter})`);
    await until(() => hearsOnlyOther(alice), 'Alice still hearing Bob (and not herself) while muted', 1000);
    await alice.page.evaluate(() => window.av.realtimeUnmuteLocalAudio());
    await until(() => hearsOnlyOther(bob), `Bob hearing ${alice.freq} Hz again`, 3000);
    await until(async () => (await st(bob)).remote[alice.attendeeId].muted === false, 'Bob\'s side reporting Alice unmuted', 2000);
    const controls = (await standin.log()).filter((e) => e.kind === 'frame' && e.dir === 'in' && e.type === 'AUDIO_CONTROL' && e.attendeeId === alice.attendeeId);
    assert.deepEqual(controls.map((e) => !!e.frame.audioControl.muted), [true, false], 'realtime mute/unmute → AUDIO_CONTROL');
  });

  test('the meeting-end hook stops both with MeetingEnded (terminal) and no reconnect', async () => {
    assert.ok(joined, 'needs the call from the first test');
    const endedAt = Date.now();
    const r = await standin.hook(`meetings/${meetingId}/end`, { method: 'POST' });
    assert.equal(r.sessionsEnded, 2);
    for (const who of PEOPLE) {
      const s = await until(async () => { const x = await st(who); return x.statuses.length && x; }, `${who.name}'s audioVideoDidStop`, 5000);
      assert.deepEqual(s.statuses, [{ code: s.statuses[0].code, name: 'MeetingEnded', terminal: true }]);
    }
    console.log(`meeting end: both stopped with MeetingEnded ${Date.now() - endedAt} ms after the hook`);
    await sleep(3000);
    const log = await standin.log();
    const after = log.filter((e) => e.at >= endedAt);
    assert.deepEqual(after.filter((e) => e.kind === 'ws-open'), [], 'no reconnect after the meeting ended');
    // The SDK closes its socket itself on the terminal AUDIO_STATUS (1005, no code) before the
    // stand-in's 4410 close, which follows 1 s later for a client that did not.
    const closes = after.filter((e) => e.kind === 'ws-close');
    assert.deepEqual(closes.map((e) => e.attendeeId).sort(), PEOPLE.map((w) => w.attendeeId).sort(), 'both sockets closed');
    for (const c of closes) assert.ok([1000, 1005, 4410].includes(c.code), `close code ${c.code}`);
    for (const who of PEOPLE) {
      assert.equal((await st(who)).statuses.length, 1, 'stopped once');
      const out = after.filter((e) => e.kind === 'frame' && e.dir === 'out' && e.attendeeId === who.attendeeId && e.type === 'AUDIO_STATUS');
      assert.deepEqual(out.map((e) => e.frame.audioStatus.audioStatus), [410]);
    }
  });

  test('wiring facts of vendors.md, from the stand-in\'s log', async () => {
    assert.ok(joined, 'needs the call from the first test');
    const log = await standin.log();
    const meeting = (await standin.hook('meetings')).find((m) => m.MeetingId === meetingId);
    const mp = meeting.MediaPlacement;
    for (const who of PEOPLE) {
      const open = log.find((e) => e.kind === 'ws-open' && e.attendeeId === who.attendeeId);
      assert.ok(open, `${who.name} opened the signaling socket`);
      assert.equal(open.url.split('?')[0], new URL(mp.SignalingUrl).pathname);
      assert.equal(open.query['X-Chime-Control-Protocol-Version'], '3');
      assert.equal(open.query['X-Amzn-Chime-Send-Close-On-Error'], '1');
      assert.equal(open.query['X-Amzn-Version'], '3.32.0');
      assert.match(open.query['X-Amzn-User-Agent'], /^chrom\w*-\d+$/i);
      assert.deepEqual(open.protocols, ['_aws_wt_session', '<JoinToken>']);
      const frames = log.filter((e) => e.kind === 'frame' && e.attendeeId === who.attendeeId);
      const first = (dir, type) => frames.find((e) => e.dir === dir && e.type === type);
      const j = first('in', 'JOIN').frame.join;
      assert.equal(j.protocolVersion, 2);
      assert.deepEqual([j.clientDetails.chimeSdkVersion, j.clientDetails.clientSource], ['3.32.0', 'amazon-chime-sdk-js']);
      const order = frames.filter((e) => ['JOIN', 'JOIN_ACK', 'INDEX', 'SUBSCRIBE', 'SUBSCRIBE_ACK'].includes(e.type)).slice(0, 5).map((e) => `${e.dir}:${e.type}`);
      assert.deepEqual(order, ['in:JOIN', 'out:JOIN_ACK', 'out:INDEX', 'in:SUBSCRIBE', 'out:SUBSCRIBE_ACK']);
      const sub = first('in', 'SUBSCRIBE').frame.sub;
      assert.equal(sub.audioHost, mp.AudioHostUrl);
      assert.equal(sub.sendStreams[0].attendeeId, who.attendeeId);
      assert.equal(sub.sendStreams[0].trackLabel, 'AmazonChimeExpressAudio');
      const audio = sub.sdpOffer.split(/\r\n(?=m=)/).find((x) => x.startsWith('m=audio'));
      assert.match(audio, /^a=sendrecv$/m, 'the offer\'s audio m-line is sendrecv (startAudioInput before start)');
      assert.match(audio, /^a=candidate:/m, 'the offer carries its candidates (no trickle)');
      const answer = first('out', 'SUBSCRIBE_ACK').frame.suback.sdpAnswer;
      const cands = answer.split('\r\n').filter((x) => x.startsWith('a=candidate:'));
      assert.ok(cands.length > 0 && cands.every((c) => c.split(' ')[4] === HOST && / typ host/.test(c)), `answer candidates are host ones on ${HOST}: ${cands}`);
      assert.match(answer.split(/\r\n(?=m=)/).find((x) => x.startsWith('m=audio')), /^a=msid:\S+ \S+$/m);
      assert.ok(frames.some((e) => e.dir === 'in' && e.type === 'PING_PONG') ? frames.some((e) => e.dir === 'out' && e.type === 'PING_PONG') : true);
    }
    const missing = log.filter((e) => e.kind === 'http' && !e.path.startsWith('/rooms') && !e.path.startsWith('/control/') && !e.path.startsWith('/_standin/'));
    console.log(`other HTTP requests to the API: ${JSON.stringify(missing.map((e) => `${e.method} ${e.path}`))}`);
    const never = log.filter((e) => e.kind === 'http' && /^\/(media\/|v2\/turn_sessions)/.test(e.path));
    assert.deepEqual(never, [], 'nothing is sent to AudioHostUrl, AudioFallbackUrl or TurnControlUrl');
  });

  test('stop() sends LEAVE, the stand-in answers LEAVE_ACK and the SDK reports Left at once', async () => {
    const r2 = await standin.createRoom({ hostName: alice.name });
    const ctx = await browsers[0].newContext();
    const p = await ctx.newPage();
    await p.goto(r2.hostLink);
    const { attendeeId } = await p.evaluate(() => window.joinCall());
    await waitFor(async () => (await p.evaluate(() => window.st.started)) > 0, { timeout: 20000, what: 'audioVideoDidStart (alone)' });
    const t0 = Date.now();
    await p.evaluate(() => window.av.stop());
    const s = await waitFor(async () => { const x = await p.evaluate(() => window.st); return x.statuses.length && x; }, { timeout: 5000, what: 'audioVideoDidStop' });
    assert.equal(s.statuses[0].name, 'Left');
    const took = Date.now() - t0;
    console.log(`stop(): Left ${took} ms after stop()`);
    assert.ok(took < 5000, 'no 15 s wait for LEAVE_ACK');
    const frames = (await standin.log()).filter((e) => e.kind === 'frame' && e.attendeeId === attendeeId).map((e) => `${e.dir}:${e.type}`);
    assert.ok(frames.indexOf('in:LEAVE') >= 0 && frames.indexOf('out:LEAVE_ACK') > frames.indexOf('in:LEAVE'), frames.join(' '));
    await ctx.close();
  });
}
