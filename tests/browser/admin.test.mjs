// The admin page in headless Chromium against the real backend: the key is checked before it is kept,
// rooms are created with several guests, a seat's unused link can be copied again after a reload,
// "New link" replaces a seat's link (the old one is refused with the replaced sentence), "Close room"
// closes it for good, and the page has no horizontal scroll on phones (390 and 320 px).
// Runs inside its own network namespace like the other browser tests (re-executes itself there).
//   node --test tests/browser/admin.test.mjs        (as root)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { inNamespace, startBackend, launch, artifact, waitFor, ADMIN_KEY, assertSaidOnce, ROOT } from './harness.mjs';

const outside = inNamespace(fileURLToPath(import.meta.url));
if (outside !== null) {
  test('admin browser suite (inside its network namespace)', () => assert.equal(outside, 0, 'see the output above'));
} else {
  suite();
}

function suite() {
  const REPLACED = 'This link was replaced by a newer one. Ask the host for the new link.';
  const DESKTOP = { width: 1280, height: 900 };
  let backend, browser, ctx, page;
  let created;  // { title, urls: { Alice, Bob, Cleo } } from the create form
  let bobNewUrl;

  const api = async (method, path, body) => {
    const r = await fetch(`${backend.base}${path}`, {
      method, headers: { 'Content-Type': 'application/json', 'X-Admin-Key': ADMIN_KEY }, body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, json: await r.json().catch(() => null) };
  };
  const inviteOf = (url) => new URL(url).searchParams.get('t');
  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
  const noHorizontalScroll = () => page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  }));
  const roomCard = (title) => page.locator('article.room', { has: page.locator('h3', { hasText: title }) });
  // A seat's row by its name alone: hasText on the row would also match the name inside another seat's
  // invite link (a JWT: "gil" turns up in about one in a hundred).
  const seatOf = (card, name) => card.locator('tr.seat').filter({ has: page.locator('.seat-name', { hasText: new RegExp(`^${name}$`) }) });

  before(async () => {
    // rooms of 3: the create form offers a second guest field
    backend = await startBackend({ turn: false, env: { EARSHOT_ROOM_SIZE: '3' } });
    browser = await launch();
    ctx = await browser.newContext({ viewport: DESKTOP });
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: backend.base });
    page = await ctx.newPage();
    page.on('pageerror', (e) => console.log(`[admin page error] ${e.message}`));
    page.on('dialog', (d) => d.accept());
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await backend?.stop();
  });

  test('a wrong admin key is refused and not kept; the right key clears the error', async () => {
    await page.goto(`${backend.base}/index.html`);
    await page.fill('#admin-key', 'not-the-admin-key-at-all');
    await page.click('#use-key');
    await page.locator('#key-error:visible').waitFor();
    assert.equal(await page.textContent('#key-error'), 'The admin key was not accepted.');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('earshot.adminKey')), null, 'a refused key is not kept');
    assert.equal(await page.isVisible('#forget-key'), false);
    assert.match(await page.textContent('#rooms'), /Enter the admin key/);
    assert.equal(await page.inputValue('#admin-key'), '');

    await page.fill('#admin-key', ADMIN_KEY);
    await page.click('#use-key');
    await page.locator('#key-error').waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('earshot.adminKey')), ADMIN_KEY);
    assert.equal(await page.isVisible('#forget-key'), true);
    await waitFor(async () => /No rooms yet/.test(await page.textContent('#rooms')), { what: 'empty room list' });
    await waitFor(async () => /accepted/.test(await page.textContent('#live')), { what: 'key accepted announced' });
  });

  test('create a room with a host and two guests: one link each, listed as unused seats', async () => {
    assert.equal(await page.isVisible('#add-guest'), true, 'a room of 3 offers a second guest');
    await page.fill('#room-title', 'Admin test');
    await page.fill('#host-name', 'Alice');
    await page.fill('#guest-name', 'Bob');
    await page.click('#add-guest');
    await page.fill('#guest-name-2', 'Cleo');
    assert.equal(await page.isVisible('#add-guest'), false, 'no more guests than the room holds');
    await page.click('#create-btn');
    await page.locator('#links code').nth(2).waitFor();
    const [Alice, Bob, Cleo] = await page.locator('#links code').allTextContents();
    for (const u of [Alice, Bob, Cleo]) assert.match(u, /\/room\.html\?room=.+&t=/);
    created = { title: 'Admin test', urls: { Alice, Bob, Cleo } };
    const card = roomCard('Admin test');
    await card.waitFor();
    await waitFor(async () => (await card.locator('tr.seat').count()) === 3, { what: 'three seat rows' });
    const states = await card.locator('.seat-state').allTextContents();
    assert.deepEqual(states, ['Unused', 'Unused', 'Unused']);
    // every time on the page is local and in one format: no ISO/UTC strings
    assert.doesNotMatch(await page.textContent('main'), /\d{4}-\d\d-\d\dT|UTC|GMT/);
  });

  test('after a reload the unused guest link can be copied again and equals the original', async () => {
    await page.reload();
    const copy = page.getByRole('button', { name: 'Copy guest link for Bob' });
    await copy.waitFor();
    await page.evaluate(() => navigator.clipboard.writeText('nothing yet'));
    await copy.click();
    await waitFor(async () => (await clipboard()) !== 'nothing yet', { what: 'clipboard written' });
    assert.equal(await clipboard(), created.urls.Bob);
    const card = roomCard('Admin test');
    const shown = await seatOf(card, 'Bob').locator('.seat-url').textContent();
    assert.equal(shown, created.urls.Bob);
    await waitFor(async () => /link for Bob copied/.test(await page.textContent('#live')), { what: 'copy announced' });
  });

  test('New link replaces the guest link: the old link is refused with the replaced sentence', async () => {
    await page.evaluate(() => navigator.clipboard.writeText('nothing yet'));
    await page.getByRole('button', { name: 'New guest link for Bob' }).click();
    await waitFor(async () => (await clipboard()) !== 'nothing yet', { what: 'new link copied' });
    bobNewUrl = await clipboard();
    assert.match(bobNewUrl, /\/room\.html\?room=.+&t=/);
    assert.notEqual(bobNewUrl, created.urls.Bob);
    const row = seatOf(roomCard('Admin test'), 'Bob');
    await waitFor(async () => (await row.locator('.seat-url').textContent()) === bobNewUrl, { what: 'the list shows the new link' });
    assert.match(await row.textContent(), /New link, copied/);
    await waitFor(async () => /old link no longer works/.test(await page.textContent('#live')), { what: 'new link announced' });

    // the API: inspect and redeem of the old link
    for (const path of ['/api/v1/invites/inspect', '/api/v1/invites/redeem']) {
      const r = await api('POST', path, { invite: inviteOf(created.urls.Bob) });
      assert.equal(r.status, 410, path);
      assert.deepEqual(r.json, { code: 'invite.replaced', message: REPLACED });
    }
    // the room page opened on the old link says so
    const visitor = await (await browser.newContext()).newPage();
    try {
      await visitor.goto(created.urls.Bob);
      await waitFor(async () => (await visitor.textContent('body')).includes(REPLACED), { timeout: 15000, what: 'the replaced sentence on the room page' });
      await assertSaidOnce(visitor, REPLACED, 'the replaced link\'s page');
      await visitor.screenshot({ path: artifact('admin-old-link.png'), fullPage: true });
    } finally { await visitor.context().close(); }
  });

  test('Close room: the room shows closed, offers no links, and its links are refused with room.closed', async () => {
    const card = roomCard('Admin test');
    await page.getByRole('button', { name: 'Close room Admin test' }).click();
    await waitFor(async () => (await card.locator('.status').textContent()) === 'Closed', { what: 'closed status' });
    assert.equal(await card.getByRole('button', { name: /Copy|New/ }).count(), 0, 'a closed room offers no links');
    // Its seats no longer read as if their links still worked.
    const seats = await card.locator('.seat-state').allTextContents();
    assert.ok(seats.length > 0 && seats.every((x) => x === 'Joined' || x === 'Never used'), `seat states of a closed room: ${JSON.stringify(seats)}`);
    assert.equal(await card.getByRole('button', { name: /Close room/ }).count(), 0);
    await waitFor(async () => /closed/.test(await page.textContent('#live')), { what: 'close announced' });
    for (const url of [bobNewUrl, created.urls.Cleo]) {
      const r = await api('POST', '/api/v1/invites/redeem', { invite: inviteOf(url) });
      assert.equal(r.status, 410);
      assert.deepEqual(r.json, { code: 'room.closed', message: 'The host closed this room.' });
    }
  });

  test('an unused link past its expiry is listed as "Expired", not "Unused": no link to copy, a new one can be made', async () => {
    const made = await api('POST', '/api/v1/admin/rooms', { title: 'Expiry test', hostName: 'Hana', guestName: 'Gil' });
    assert.equal(made.status, 201);
    const gil = made.json.seats.find((x) => x.name === 'Gil');
    // Gil's invite runs out (aged in the backend's database, as backend/test/seats.test.js does).
    const Database = createRequire(join(ROOT, 'backend', 'package.json'))('better-sqlite3');
    const db = new Database(join(backend.dataDir, 'earshot.sqlite'));
    try {
      const past = Date.now() - 60000;
      db.prepare('UPDATE seats SET invite_expires_at = ? WHERE seat_id = ?').run(past, gil.seatId);
      db.prepare('UPDATE invites SET expires_at = ? WHERE seat_id = ?').run(past, gil.seatId);
    } finally { db.close(); }
    await page.reload();
    const card = roomCard('Expiry test');
    const row = (name) => seatOf(card, name);
    await waitFor(async () => (await row('Gil').locator('.seat-state').textContent()) === 'Expired', { what: 'the expired seat' });
    assert.match(await row('Gil').textContent(), /Link expired /);
    assert.doesNotMatch(await row('Gil').textContent(), /Unused|valid until/);
    assert.equal(await row('Gil').getByRole('button', { name: /Copy/ }).count(), 0, 'an expired link is not offered for copying');
    assert.equal(await row('Gil').getByRole('button', { name: 'New guest link for Gil' }).count(), 1);
    assert.equal(await row('Hana').locator('.seat-state').textContent(), 'Unused', 'the unexpired seat stays unused');
    await card.screenshot({ path: artifact('admin-expired-seat.png') });

    // a new link makes the seat unused again
    await page.getByRole('button', { name: 'New guest link for Gil' }).click();
    await waitFor(async () => (await row('Gil').locator('.seat-state').textContent()) === 'Unused', { what: 'the seat with its new link' });
    assert.equal(await row('Gil').getByRole('button', { name: 'Copy guest link for Gil' }).count(), 1);
  });

  test('no horizontal scroll at 390 and 320 px with rooms listed; screenshots', async () => {
    // an open room with long names next to the closed one
    const big = await api('POST', '/api/v1/admin/rooms', { title: 'Quarterly planning with the whole extended team', hostName: 'Maximiliana Oberhauser-Wittgenstein', guestNames: ['Bartholomew Featherstonehaugh', 'Cleo'] });
    assert.equal(big.status, 201);
    // Cleo joins (redeems with a device) but is not connected
    const joined = await api('POST', '/api/v1/invites/redeem', { invite: inviteOf(big.json.links.guests[1].url), device: 'admin-test-device-0123' });
    assert.equal(joined.status, 200);
    await page.setViewportSize(DESKTOP);
    await page.reload();
    const cleo = seatOf(roomCard('Quarterly planning'), 'Cleo');
    await waitFor(async () => (await cleo.locator('.seat-state').textContent()) === 'Joined · not connected', { what: 'joined seat' });
    assert.equal(await cleo.getByRole('button', { name: /Copy/ }).count(), 0, 'a joined seat has no link to copy');
    assert.equal(await cleo.getByRole('button', { name: 'New guest link for Cleo' }).count(), 1);
    await page.screenshot({ path: artifact('admin-desktop.png'), fullPage: true });
    for (const width of [390, 320]) {
      await page.setViewportSize({ width, height: 844 });
      await page.reload();
      await roomCard('Quarterly planning').locator('tr.seat').first().waitFor();
      const m = await noHorizontalScroll();
      assert.ok(m.scrollWidth <= m.innerWidth, `${width} px: scrollWidth ${m.scrollWidth} > innerWidth ${m.innerWidth}`);
      await page.screenshot({ path: artifact(`admin-${width}.png`), fullPage: true });
    }
    // the backend's 404 page is readable on a phone too
    await page.setViewportSize({ width: 390, height: 844 });
    const r = await page.goto(`${backend.base}/no/such/page`);
    assert.equal(r.status(), 404);
    assert.equal(await page.textContent('h1'), 'Page not found');
    const m = await noHorizontalScroll();
    assert.ok(m.scrollWidth <= m.innerWidth, `404 page: scrollWidth ${m.scrollWidth} > innerWidth ${m.innerWidth}`);
    await page.screenshot({ path: artifact('admin-404-390.png'), fullPage: true });
    await page.click('a[href="/"]');
    await page.locator('#admin-key').waitFor();
  });

  test('a page on a foreign origin reads the cors.forbidden refusal instead of an opaque failure', async () => {
    const third = createServer((req, res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end('<!doctype html><title>Third party</title>'); });
    await new Promise((r) => third.listen(0, '127.0.0.1', r));
    const other = await ctx.newPage();
    try {
      await other.goto(`http://127.0.0.1:${third.address().port}/`);
      const got = await other.evaluate(async (base) => {
        const r = await fetch(`${base}/api/v1/invites/inspect`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ invite: 'x' }) });
        return { status: r.status, body: await r.json() };
      }, backend.base);
      assert.deepEqual(got, { status: 403, body: { code: 'cors.forbidden', message: 'This origin is not allowed to call the API.' } });
    } finally {
      await other.close();
      await new Promise((r) => third.close(r));
    }
  });
}
