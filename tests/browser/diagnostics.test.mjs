// The diagnostics overlay (issue 12) in headless Chromium with WebGL through SwiftShader: fetched only
// when opened, its windows drawn, its figures those getStats reports, the loss plot and the room page's
// quality indicator following real packet loss (UDP squeezed with tc in the test's network namespace), and
// a support report with no secrets in it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  inNamespace, startBackend, launch, toneFile, tempDir, artifact, snapshot, stats, waitFor, waitState, openRoom, sleep,
} from './harness.mjs';

const outside = inNamespace(fileURLToPath(import.meta.url));
if (outside !== null) {
  test('diagnostics suite (inside its network namespace)', () => assert.equal(outside, 0, 'see the output above'));
} else {
  suite();
}

// Packet loss on the media path only: UDP on loopback (where the calls' packets go inside the
// namespace) is classified into an HTB class; squeezing that class's rate with a 3-packet queue drops
// the excess. (This kernel has no netem; htb, u32 and pfifo are there.) TCP — pages, signaling — has
// a class of its own that is never limited.
function tc(...args) {
  const r = spawnSync('tc', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tc ${args.join(' ')}: ${r.stderr}`);
}
function udpRate(rate) {
  tc('class', 'change', 'dev', 'lo', 'parent', '1:', 'classid', '1:20', 'htb', 'rate', rate, 'ceil', rate, 'burst', '1600');
}

function suite() {
  let backend, browser, work, room, host, guest, hostCtx;
  const requests = [];  // every URL the host's page fetched, in order
  const frame = () => host.frames().find((f) => f.url().includes('/diag/overlay.html'));
  const shown = async () => { const f = frame(); return f ? f.evaluate(() => window.earshotDiag && window.earshotDiag.shown()) : null; };
  // What the test reads itself (harness stats: getStats per link): the selected pair's RTT and types,
  // and the inbound audio packets.
  const ownStats = async (page) => (await stats(page)).links.map(({ link, pair, packetsReceived }) => ({
    link, packetsReceived, rttMs: pair ? pair.rttMs : null,
    pair: pair ? `${pair.local} ${pair.protocol} → ${pair.remote} ${pair.remoteProtocol}` : null,
  }));

  before(async () => {
    work = tempDir('earshot-diag-');
    tc('qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb', 'default', '10');
    tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10gbit');
    tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:20', 'htb', 'rate', '10gbit', 'burst', '1600');
    tc('qdisc', 'add', 'dev', 'lo', 'parent', '1:20', 'handle', '20:', 'pfifo', 'limit', '3');
    tc('filter', 'add', 'dev', 'lo', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'protocol', '17', '0xff', 'flowid', '1:20');
    backend = await startBackend();
    browser = await launch({ wav: toneFile(work), args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
    room = await backend.createRoom({ title: 'Diagnostics' });
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await backend?.stop();
    spawnSync('tc', ['qdisc', 'del', 'dev', 'lo', 'root']);
  });

  test('the overlay is fetched only when opened (D mid-call), draws its four windows, and shows the RTT and packet counts getStats reports', async () => {
    hostCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await hostCtx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: backend.base });
    hostCtx.on('request', (r) => requests.push(r.url()));  // every page and frame of the host's
    host = await openRoom(hostCtx, room.links.host.url);
    guest = await openRoom(await browser.newContext(), room.links.guest.url);
    await waitState(host, 'connected');
    await waitState(guest, 'connected');
    assert.ok(requests.some((u) => u.endsWith('/earshot.wasm')), 'the page loaded its module');
    assert.deepEqual(requests.filter((u) => u.includes('/diag/') || /imgui|earshot_diag/.test(u)), [], 'nothing of the overlay before it is opened');

    await host.locator('body').press('d');
    await waitFor(async () => { const s = await shown(); return s && s.frames > 2 && s.peers && s.peers.length === 1 && s.peers[0].pair; },
      { timeout: 20000, what: 'the overlay drawing a peer link' });
    for (const f of ['diag/overlay.html', 'diag/overlay.js', 'diag/earshot_diag.js', 'diag/earshot_diag.wasm']) {
      assert.ok(requests.some((u) => u.endsWith(`/${f}`)), `${f} fetched when opened`);
    }
    const s = await shown();
    assert.deepEqual(s.windows, ['Call', 'Network', 'Signaling', 'Log']);
    assert.equal(s.state, 'connected');
    assert.equal(s.link, 'in-room');
    assert.equal(s.peers[0].pair, (await ownStats(host))[0].pair, 'the selected pair getStats names');
    assert.match(s.peers[0].pair, /^(host|prflx|srflx) udp → (host|prflx|srflx) udp$/);

    // Long enough that one second of sampling lag is well under 10% of the packet count.
    await waitFor(async () => (await ownStats(host))[0].packetsReceived > 1200, { timeout: 40000, interval: 500, what: '~25 s of audio' });
    await host.screenshot({ path: artifact('diagnostics-desktop.png') });
    // The overlay shows the driver's last once-a-second sample: compare it with what getStats said
    // over the 2.5 s before it (RTT moves with each consent check; packets grow 50 a second).
    const seen = [];
    for (let i = 0; i < 13; i++) { seen.push((await ownStats(host))[0]); await sleep(200); }
    const drawn = (await shown()).peers[0];
    const own = (await ownStats(host))[0];
    const rtts = [...new Set(seen.map((x) => x.rttMs))];
    console.log(`overlay: RTT ${drawn.rttMs} ms, ${drawn.packetsReceived} packets received; getStats over 2.5 s: RTT ${rtts.join('/')} ms, ${own.packetsReceived} packets`);
    // Loopback round trips are about a millisecond, reported in whole ones: 10%, or 1 ms, whichever is more.
    assert.ok(seen.some((x) => Math.abs(drawn.rttMs - x.rttMs) <= Math.max(0.1 * x.rttMs, 1)), `RTT ${drawn.rttMs} ms is one getStats reported (${rtts})`);
    assert.ok(Math.abs(drawn.packetsReceived - own.packetsReceived) <= 0.1 * own.packetsReceived,
      `packets ${drawn.packetsReceived} within 10% of ${own.packetsReceived}`);
    assert.equal((await snapshot(host)).participants[0].quality, 'good');
  });

  test('packet loss raises the loss plot and marks the other person "Poor connection" on the room page; both recover', async () => {
    assert.ok(host, 'needs the call from the first test');
    udpRate('60kbit');  // both directions' audio (~2 × 50 kbit/s with headers) through 60 kbit/s
    const lossy = await waitFor(async () => {
      const p = (await shown()).peers[0];
      const peak = Math.max(0, ...p.lossSeries);
      const li = await host.locator('#people li.peer').getAttribute('data-q');
      return peak >= 10 && li === 'poor' && { peak, quality: p.quality };
    }, { timeout: 20000, interval: 500, what: 'the loss plot and the indicator with the media path squeezed' });
    console.log(`squeezed: plot peak ${lossy.peak}%, overlay grade ${lossy.quality}`);
    assert.match(await host.textContent('#people li.peer .state'), /Poor connection/);
    await host.screenshot({ path: artifact('diagnostics-loss.png') });
    await guest.screenshot({ path: artifact('quality-poor.png'), fullPage: true });

    udpRate('10gbit');
    await waitFor(async () => (await host.locator('#people li.peer').getAttribute('data-q')) === 'good',
      { timeout: 20000, interval: 500, what: 'the indicator back to good once the loss stops' });
    assert.doesNotMatch(await host.textContent('#people li.peer .state'), /connection/);
    const last = (await shown()).peers[0].lossSeries.slice(-3);
    assert.deepEqual(last, [0, 0, 0], `the plot falls back to 0 (${last})`);
  });

  test('the copied report parses as JSON and holds no invite, room token or TURN credential', async () => {
    assert.ok(host, 'needs the call from the first test');
    const f = frame();
    await f.click('#copy');
    await waitFor(async () => /Report copied/.test(await f.textContent('#status')), { what: 'the copy confirmed' });
    const text = await host.evaluate(() => navigator.clipboard.readText());
    const report = JSON.parse(text);
    assert.equal(report.earshot, 'diagnostics-report');
    assert.equal(report.diagnostics.state, 'connected');
    assert.equal(report.diagnostics.peers.length, 1);
    assert.ok(report.diagnostics.effects.length > 5 && report.diagnostics.log.length > 0);
    // The secrets this page holds: the invite in its URL, the room token it was admitted with (kept in
    // sessionStorage for a reload), and the TURN credentials in its RTCConfiguration.
    const invite = new URL(room.links.host.url).searchParams.get('t');
    const saved = JSON.parse(await host.evaluate(() => sessionStorage.getItem('earshot.session')));
    const ice = saved.iceServers.filter((s) => s.credential);
    assert.ok(saved.token && ice.length, 'the page holds a token and TURN credentials');
    for (const [what, secret] of [['invite', invite], ['room token', saved.token], ...ice.flatMap((s) => [['TURN username', s.username], ['TURN credential', s.credential]])]) {
      assert.equal(text.includes(secret), false, `the report carries the ${what}`);
    }
  });

  test('M still mutes while the overlay has the focus; Escape closes it; at 390 px it fills the width without a sideways scroll', async () => {
    assert.ok(host, 'needs the call from the first test');
    const canvas = frame().locator('canvas');
    await canvas.press('m');
    await waitFor(async () => (await snapshot(host)).muted === true, { what: 'muted by M in the overlay' });
    await canvas.press('m');
    await waitFor(async () => (await snapshot(host)).muted === false, { what: 'unmuted by M again' });
    await canvas.press('Escape');
    await waitFor(async () => (await host.locator('iframe.diag').count()) === 0, { what: 'the overlay closed' });
    await host.setViewportSize({ width: 390, height: 844 });
    await host.click('#diag-btn');
    await waitFor(async () => { const s = await shown(); return s && s.frames > 2; }, { timeout: 20000, what: 'the overlay at 390 px' });
    const box = await host.locator('iframe.diag').boundingBox();
    assert.equal(Math.round(box.width), 390);
    assert.equal(await host.evaluate(() => document.documentElement.scrollWidth <= innerWidth), true, 'no sideways scroll');
    await host.screenshot({ path: artifact('diagnostics-390.png') });
    await frame().locator('#close').click();
    await waitFor(async () => (await host.locator('iframe.diag').count()) === 0, { what: 'closed with its button' });
    await host.screenshot({ path: artifact('quality-390.png'), fullPage: true });
  });
}
