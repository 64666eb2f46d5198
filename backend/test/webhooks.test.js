'use strict';
// Webhooks: signed deliveries to a local receiver, retry after a 500, lifecycle events, and a
// server restart that keeps rooms, invite state and the pending delivery.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const crypto = require('node:crypto');
const path = require('node:path');
const H = require('./helpers');

const HOOK_SECRET = 'receiver-secret-0123456789abcdef';

/** Local receiver. plan(req, body) -> status to answer (default 200). Verifies every signature. */
function receiver(plan = () => 200) {
  const got = [];
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const ts = req.headers['x-timestamp'];
      const expected = 'sha256=' + crypto.createHmac('sha256', HOOK_SECRET).update(`${ts}.${body}`).digest('hex');
      const sig = String(req.headers['x-signature'] || '');
      const valid = sig.length === expected.length && crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(expected));
      const rec = { headers: req.headers, body, json: JSON.parse(body), valid, at: Date.now() };
      const status = plan(rec, got);
      rec.answered = status;
      got.push(rec);
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${srv.address().port}/hook`, got, close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }),
  })));
}

async function subscribe(base, url) {
  const r = await H.api(base, 'POST', '/api/v1/webhooks/subscribe', { headers: H.appHeaders(), body: { url, secret: HOOK_SECRET } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { ok: true, webhookUrl: url });
}

test('test.event is signed (X-Signature/X-Timestamp/X-App-Id/X-Event) and retried after a 500', async () => {
  const rx = await receiver((rec, got) => (got.length === 0 ? 500 : 200));
  const srv = await H.startServer({ env: { EARSHOT_WEBHOOK_RETRY_SCALE: '0.01' } }); // 30 s -> 300 ms
  try {
    await subscribe(srv.url, rx.url);
    const t = await H.api(srv.url, 'POST', '/api/v1/webhooks/test', { headers: H.appHeaders() });
    assert.equal(t.status, 202);
    await H.waitFor(() => rx.got.length >= 2, 8000);
    const [first, second] = rx.got;
    for (const r of [first, second]) {
      assert.equal(r.valid, true, 'signature verifies with the subscribed secret');
      assert.match(r.headers['x-signature'], /^sha256=[0-9a-f]{64}$/);
      assert.match(r.headers['x-timestamp'], /^\d{10}$/);
      assert.ok(Math.abs(Number(r.headers['x-timestamp']) - Date.now() / 1000) < 30);
      assert.equal(r.headers['x-app-id'], 'testapp');
      assert.equal(r.headers['x-event'], 'test.event');
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.json.event, 'test.event');
      assert.equal(r.json.appId, 'testapp');
      assert.equal(r.json.id, t.json.deliveryId);
    }
    assert.equal(first.answered, 500);
    assert.equal(first.headers['x-delivery-attempt'], '1');
    assert.equal(second.headers['x-delivery-attempt'], '2');
    const gap = second.at - first.at;
    assert.ok(gap >= 250 && gap < 5000, `retry gap ${gap} ms should follow 30 s x 0.01`);
    await H.sleep(500);
    assert.equal(rx.got.length, 2, 'no more attempts after a 2xx');
    // a tampered body would not verify
    const ts = first.headers['x-timestamp'];
    const forged = 'sha256=' + crypto.createHmac('sha256', HOOK_SECRET).update(`${ts}.${first.body.replace('test.event', 'call.ended')}`).digest('hex');
    assert.notEqual(forged, first.headers['x-signature']);
  } finally { await srv.stop(); await rx.close(); }
});

test('retry schedule 0/30/120/600/1800 s (scaled) then give up after 5 attempts', async () => {
  const rx = await receiver(() => 503);
  const srv = await H.startServer({ env: { EARSHOT_WEBHOOK_RETRY_SCALE: '0.002' } }); // 60, 240, 1200, 3600 ms
  try {
    await subscribe(srv.url, rx.url);
    await H.api(srv.url, 'POST', '/api/v1/webhooks/test', { headers: H.appHeaders() });
    await H.waitFor(() => rx.got.length >= 5, 15000, 50);
    const gaps = rx.got.slice(1).map((r, i) => r.at - rx.got[i].at);
    const expected = [60, 240, 1200, 3600];
    gaps.forEach((g, i) => assert.ok(g >= expected[i] - 20 && g < expected[i] + 1500, `gap ${i}: ${g} ms vs ${expected[i]} ms`));
    await H.sleep(1000);
    assert.equal(rx.got.length, 5, 'gave up after 5 attempts');
    await srv.stop();
    const [row] = await H.dbQuery(srv, "SELECT status, attempts, last_status FROM webhook_deliveries WHERE event = 'test.event'");
    assert.deepEqual(row, { status: 'failed', attempts: 5, last_status: 503 });
  } finally { await srv.stop(); await rx.close(); }
});

test('lifecycle events: call.created, user.joined x2, call.started, user.left x2, call.ended', async () => {
  const rx = await receiver(() => 200);
  const srv = await H.startServer();
  try {
    await subscribe(srv.url, rx.url);
    const room = await H.adminRoom(srv.url);
    const host = (await H.redeem(srv.url, H.inviteOf(room.links.host))).json;
    const guest = (await H.redeem(srv.url, H.inviteOf(room.links.guest))).json;
    const a = await H.connectOk(srv.url, { token: host.token });
    const b = await H.connectOk(srv.url, { token: guest.token });
    await H.waitFor(() => rx.got.some((r) => r.json.event === 'call.started'), 5000);
    await b.timeout(2000).emitWithAck('leave');
    a.io.engine.close();  // a dropped transport, not a goodbye
    await H.waitFor(() => rx.got.some((r) => r.json.event === 'call.ended'), 5000);
    const evs = rx.got.filter((r) => r.json.data.roomId === room.roomId).map((r) => r.json.event);
    assert.deepEqual([...evs].sort(), ['call.created', 'call.ended', 'call.started', 'user.joined', 'user.joined', 'user.left', 'user.left'].sort());
    assert.ok(rx.got.every((r) => r.valid));
    const ended = rx.got.find((r) => r.json.event === 'call.ended').json.data;
    assert.equal(typeof ended.durationSeconds, 'number');
    const lefts = rx.got.filter((r) => r.json.event === 'user.left').map((r) => r.json.data.reason).sort();
    assert.deepEqual(lefts, ['disconnected', 'left']);
    a.close(); b.close();
  } finally { await srv.stop(); await rx.close(); }
});

test('room of 3: call.started fires once, when the second participant is live; call.ended when the last leaves', async () => {
  const rx = await receiver(() => 200);
  const srv = await H.startServer({ env: { EARSHOT_ROOM_SIZE: '3' } });
  try {
    await subscribe(srv.url, rx.url);
    const room = await H.adminRoom(srv.url, { guestNames: ['Bob', 'Cleo'] });
    const toks = [];
    for (const l of [room.links.host, ...room.links.guests]) toks.push((await H.redeem(srv.url, H.inviteOf(l))).json);
    const of = (ev) => rx.got.filter((r) => r.json.event === ev && r.json.data.roomId === room.roomId);
    const a = await H.connectOk(srv.url, { token: toks[0].token });
    await H.waitFor(() => of('user.joined').length === 1, 5000);
    await H.sleep(150);
    assert.equal(of('call.started').length, 0, 'one participant is not a call');
    const b = await H.connectOk(srv.url, { token: toks[1].token });
    await H.waitFor(() => of('call.started').length === 1, 5000);
    assert.deepEqual(of('call.started')[0].json.data.participants.map((p) => p.userId).sort(), [toks[0].user.userId, toks[1].user.userId].sort());
    const c = await H.connectOk(srv.url, { token: toks[2].token });
    await H.waitFor(() => of('user.joined').length === 3, 5000);
    await c.timeout(2000).emitWithAck('leave');
    await b.timeout(2000).emitWithAck('leave');
    await H.sleep(150);
    assert.equal(of('call.ended').length, 0, 'the call goes on while someone is in it');
    await a.timeout(2000).emitWithAck('leave');
    await H.waitFor(() => of('call.ended').length === 1, 5000);
    await H.sleep(150);
    assert.equal(of('call.started').length, 1, 'the third participant did not start the call again');
    assert.equal(of('call.ended').length, 1);
    assert.equal(of('user.left').length, 3);
    a.close(); b.close(); c.close();
  } finally { await srv.stop(); await rx.close(); }
});

test('restart keeps rooms, invite used/unused state and the pending webhook delivery', async () => {
  let phase = 'before';
  // the first attempt is answered 500; after the restart everything is accepted
  const rx = await receiver(() => (phase === 'before' ? 500 : 200));
  // 30 s x 0.1 = 3 s until the retry: the server is restarted in between
  const env = { EARSHOT_WEBHOOK_RETRY_SCALE: '0.1' };
  const s1 = await H.startServer({ env });
  let s2;
  try {
    await subscribe(s1.url, rx.url);
    const room = await H.adminRoom(s1.url, { title: 'Survivor' });
    const apiRoom = (await H.api(s1.url, 'POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} })).json.roomId;
    assert.equal((await H.redeem(s1.url, H.inviteOf(room.links.host))).status, 200);
    const t = await H.api(s1.url, 'POST', '/api/v1/webhooks/test', { headers: H.appHeaders() });
    await H.waitFor(() => rx.got.some((r) => r.json.id === t.json.deliveryId), 5000);
    await H.sleep(100); // let the server record the failed attempt
    await s1.stop();

    // while the server is down the delivery sits in SQLite, pending, 1 attempt made
    const [row] = await H.dbQuery(s1, 'SELECT status, attempts, last_status FROM webhook_deliveries WHERE id = ?', [t.json.deliveryId]);
    assert.deepEqual(row, { status: 'pending', attempts: 1, last_status: 500 });

    phase = 'after';
    s2 = await H.startServer({ dataDir: s1.dataDir, env });
    await H.waitFor(() => rx.got.filter((r) => r.json.id === t.json.deliveryId).length >= 2, 10000, 50);
    const attempts = rx.got.filter((r) => r.json.id === t.json.deliveryId);
    assert.equal(attempts[1].headers['x-delivery-attempt'], '2');
    assert.equal(attempts[1].valid, true);
    assert.equal(attempts[1].body, attempts[0].body, 'same payload re-sent');

    const list = (await H.api(s2.url, 'GET', '/api/v1/admin/rooms?include=api', { headers: H.adminHeaders() })).json.rooms;
    const r = list.find((x) => x.roomId === room.roomId);
    assert.equal(r.title, 'Survivor');
    assert.equal(r.invites.host.used, true);
    assert.equal(r.invites.guest.used, false);
    assert.ok(list.find((x) => x.roomId === apiRoom));
    assert.equal((await H.redeem(s2.url, H.inviteOf(room.links.host))).json.code, 'invite.used');
    const g = await H.redeem(s2.url, H.inviteOf(room.links.guest));
    assert.equal(g.status, 200);
    const sock = await H.connectOk(s2.url, { token: g.json.token });
    sock.close();
  } finally { await s1.stop(); await s2?.stop(); await rx.close(); }
});

test('L1: after a new subscribe, queued retries go to the new URL signed with the new secret', async () => {
  const NEW_SECRET = 'the-new-receiver-secret-0123456789';
  const old = await receiver(() => 500); // verifies with HOOK_SECRET
  const got = [];
  const fresh = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const expected = 'sha256=' + crypto.createHmac('sha256', NEW_SECRET).update(`${req.headers['x-timestamp']}.${body}`).digest('hex');
      got.push({ headers: req.headers, json: JSON.parse(body), valid: req.headers['x-signature'] === expected });
      res.end('ok');
    });
  });
  await new Promise((r) => fresh.listen(0, '127.0.0.1', r));
  const freshUrl = `http://127.0.0.1:${fresh.address().port}/new-hook`;
  const srv = await H.startServer({ env: { EARSHOT_WEBHOOK_RETRY_SCALE: '0.02' } }); // first retry after 600 ms
  try {
    await subscribe(srv.url, old.url);
    const t = await H.api(srv.url, 'POST', '/api/v1/webhooks/test', { headers: H.appHeaders() });
    await H.waitFor(() => old.got.length === 1, 5000);
    const r = await H.api(srv.url, 'POST', '/api/v1/webhooks/subscribe', { headers: H.appHeaders(), body: { url: freshUrl, secret: NEW_SECRET } });
    assert.equal(r.status, 200);
    await H.waitFor(() => got.length >= 1, 5000);
    assert.equal(got[0].json.id, t.json.deliveryId, 'the queued delivery, retried');
    assert.equal(got[0].headers['x-delivery-attempt'], '2');
    assert.equal(got[0].valid, true, 'signed with the secret of the URL it goes to');
    await H.sleep(800);
    assert.equal(old.got.length, 1, 'nothing more to the old URL');
    assert.equal(got.length, 1);
  } finally {
    await srv.stop(); await old.close();
    await new Promise((r) => { fresh.closeAllConnections(); fresh.close(r); });
  }
});
