// What an invite lets in, in real browsers against the real backend (issue 8): opening a link spends
// nothing, the same link in a second tab is offered the seat and taking it moves the call, Leave has a
// Rejoin, the one left alone is told who left, the other person's mute shows, and a room closed by the
// admin ends the call on both sides and its links then refuse. Alice's fake microphone plays 440 Hz and
// Bob's 660 Hz; audio is checked by frequency on what each page receives (toneProbe in harness.mjs).
//   node --test tests/browser/seats.test.mjs   (as root; re-executes itself in a network namespace)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import {
  inNamespace, startBackend, launch, toneFile, tempDir, artifact, snapshot, waitFor, waitState, openRoom,
  toneProbe, tones, heardTones, ADMIN_KEY, assertSaidOnce,
} from './harness.mjs';

const outside = inNamespace(fileURLToPath(import.meta.url));
if (outside !== null) {
  test('seats suite (inside its network namespace)', () => assert.equal(outside, 0, 'see the output above'));
} else {
  suite();
}

function suite() {
  const PHONE = { width: 390, height: 844 };
  let backend, work, aliceBrowser, bobBrowser;

  before(async () => {
    work = tempDir('earshot-seats-');
    [backend, aliceBrowser, bobBrowser] = await Promise.all([
      startBackend(),
      launch({ wav: toneFile(work, 440) }),
      launch({ wav: toneFile(work, 660) }),
    ]);
  });
  after(async () => {
    await aliceBrowser?.close().catch(() => {});
    await bobBrowser?.close().catch(() => {});
    await backend?.stop();
  });

  async function context(browser) {
    const ctx = await browser.newContext();
    await ctx.addInitScript(toneProbe);
    return ctx;
  }
  // `page` hears `freq` (and only that tone) on what it receives, within 10 s.
  async function hears(page, freq, who) {
    let last = null;
    try {
      await waitFor(async () => {
        last = await tones(page);
        const heard = heardTones(last);
        return heard.length === 1 && heard[0] === freq;
      }, { timeout: 10000, what: `${who} hears ${freq} Hz` });
    } catch (e) {
      throw new Error(`${e.message}; tones ${JSON.stringify(last)}; snapshot ${JSON.stringify(await snapshot(page))}`);
    }
  }
  async function inspect(inviteUrl, device) {
    const invite = new URL(inviteUrl).searchParams.get('t');
    const r = await fetch(`${backend.base}/api/v1/invites/inspect`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ invite, ...(device ? { device } : {}) }),
    });
    return { status: r.status, body: await r.json() };
  }
  // A new room with Alice (host, 440 Hz) waiting first and Bob (guest, 660 Hz) joining: both connected.
  async function connectedPair(title) {
    const room = await backend.createRoom({ title, hostName: 'Alice', guestName: 'Bob' });
    const aliceCtx = await context(aliceBrowser);
    const bobCtx = await context(bobBrowser);
    const alice = await openRoom(aliceCtx, room.links.host.url);
    await waitState(alice, 'waiting-for-peer');
    const bob = await openRoom(bobCtx, room.links.guest.url);
    await waitState(bob, 'connected');
    await waitState(alice, 'connected');
    return { room, aliceCtx, bobCtx, alice, bob };
  }
  const view = async (page) => (await page.isVisible('#problem')) ? `problem: ${await page.textContent('#problem-text')}` : '';

  test('a link opened, closed unjoined and opened again still lets its person in; a second tab is offered the seat and taking it moves the call', async () => {
    const room = await backend.createRoom({ title: 'Seat test', hostName: 'Alice', guestName: 'Bob' });
    const aliceCtx = await context(aliceBrowser);
    const bobCtx = await context(bobBrowser);
    const alice = await openRoom(aliceCtx, room.links.host.url);
    await waitState(alice, 'waiting-for-peer');

    // Bob looks and closes the tab without joining: nothing is spent.
    const look = await openRoom(bobCtx, room.links.guest.url, { join: false });
    await look.locator('#join-btn:not([disabled])').waitFor();
    assert.equal(await look.textContent('#inroom'), 'Alice', 'the pre-join says who is in the room');
    assert.equal(await look.textContent('#title'), 'Seat test', 'the room title is shown');
    assert.equal(await look.textContent('#join-btn'), 'Join call');
    await look.close();
    assert.equal((await inspect(room.links.guest.url)).body.state, 'unused', 'the server still has the seat unused');

    // He opens it again and joins: each side hears the other's tone.
    const bob = await openRoom(bobCtx, room.links.guest.url);
    await waitState(bob, 'connected');
    await waitState(alice, 'connected');
    await hears(alice, 660, 'Alice');
    await hears(bob, 440, 'Bob');

    // The same link in a second tab of Bob's browser: asked, not let in silently.
    const tab = await openRoom(bobCtx, room.links.guest.url, { join: false });
    await tab.locator('#takeover:not([hidden])').waitFor({ timeout: 15000 });
    assert.equal(await tab.textContent('#takeover'), 'You are in this call on another device — join here instead?');
    assert.equal(await tab.textContent('#join-btn'), 'Join here instead');
    await tab.setViewportSize(PHONE);
    await tab.screenshot({ path: artifact('seats-takeover-390.png'), fullPage: true });
    assert.equal((await snapshot(bob)).state, 'connected', 'asking does not disturb the call');
    await tab.locator('#join-btn:not([disabled])').click();
    await waitState(tab, 'connected', 20000);
    await bob.waitForSelector('#ended:not([hidden])', { timeout: 10000 });
    assert.equal(await bob.textContent('#ended-h'), 'You joined this call on another device');
    assert.ok(await bob.isVisible('#rejoin-btn'), 'the old tab can take the call back');
    await bob.screenshot({ path: artifact('seats-moved.png'), fullPage: true });
    await waitState(alice, 'connected', 20000);
    await hears(alice, 660, 'Alice after the move');
    await hears(tab, 440, 'Bob\'s second tab');
    await Promise.all([aliceCtx.close(), bobCtx.close()]);
  });

  test('Leave then Rejoin; the one left alone is told who left; the other person\'s mute shows', async () => {
    const { aliceCtx, bobCtx, alice, bob } = await connectedPair('Rejoin test');

    await alice.click('#mute-btn');
    await bob.waitForSelector('#people li.peer .state:has-text("muted")', { timeout: 3000 });
    await alice.click('#mute-btn');
    await waitFor(async () => !/muted/.test(await bob.textContent('#people li.peer .state')), { timeout: 3000, what: 'unmute shown' });

    await alice.click('#leave-btn');
    await alice.waitForSelector('#ended:not([hidden])');
    assert.equal(await alice.textContent('#ended-h'), 'You left the call');
    await waitState(bob, 'waiting-for-peer', 5000);
    assert.equal(await bob.textContent('#conn-text'), 'Alice left the call');
    assert.equal(await bob.textContent('#notice'), 'You can wait here for Alice to come back, or leave.');
    await bob.setViewportSize(PHONE);
    await bob.screenshot({ path: artifact('seats-alone-390.png'), fullPage: true });

    await alice.click('#rejoin-btn');
    await waitState(alice, 'connected', 20000);
    await waitState(bob, 'connected', 20000);
    await hears(bob, 440, 'Bob after Alice rejoined');
    await hears(alice, 660, 'Alice after rejoining');
    assert.equal(await bob.textContent('#conn-text'), 'Connected');
    await Promise.all([aliceCtx.close(), bobCtx.close()]);
  });

  test('the admin closes the room: both sides see it, and its links then refuse with "room closed"', async () => {
    const { room, aliceCtx, bobCtx, alice, bob } = await connectedPair('Close test');
    const r = await fetch(`${backend.base}/api/v1/admin/rooms/${room.roomId}`, { method: 'DELETE', headers: { 'X-Admin-Key': ADMIN_KEY } });
    assert.equal(r.status, 200);
    for (const page of [alice, bob]) {
      await page.waitForSelector('#ended:not([hidden])', { timeout: 5000 });
      assert.equal(await page.textContent('#ended-h'), 'The host closed this room');
      assert.ok(!(await page.isVisible('#rejoin-btn')), 'no Rejoin into a closed room');
      await assertSaidOnce(page, 'The host closed this room.', 'the closed-room page');
    }
    await bob.screenshot({ path: artifact('seats-closed.png'), fullPage: true });
    const again = await openRoom(await bobBrowser.newContext(), room.links.guest.url, { join: false });
    await again.waitForSelector('#problem:not([hidden])', { timeout: 15000 });
    // The sentence is the heading, said once (not again as the lead under it).
    assert.equal(await again.textContent('#problem-h'), 'The host closed this room', await view(again));
    assert.equal(await again.textContent('#problem-code'), 'Error code: room.closed');
    await assertSaidOnce(again, (await snapshot(again)).failure.message, 'a link of the closed room');
    await again.screenshot({ path: artifact('seats-closed-link.png'), fullPage: true });
    await again.context().close();
    await Promise.all([aliceCtx.close(), bobCtx.close()]);
  });
}
