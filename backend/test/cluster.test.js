'use strict';
// Two backend processes sharing one Redis (Socket.IO adapter, presence, rate limits) and one PostgreSQL
// (rooms, seats, invites, webhooks), both real servers started here on loopback and stopped by pid:
// a call whose two participants are connected to different processes, an invite redeemed 100 times at
// once across both (exactly one wins), shared rate limits, and a process killed with SIGKILL whose
// clients move to the other and keep their places.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const H = require('./helpers');

const why = H.CLUSTER ? 'runs once, in the default pass (it starts its own Redis and PostgreSQL)' : H.services.unavailable();
let redis; let pg; let A; let B;
const env = {};

test.before(async () => {
  if (why) return;
  [redis, pg] = await Promise.all([H.services.startRedis(), H.services.startPostgres()]);
  Object.assign(env, {
    EARSHOT_REDIS_URL: redis.url,
    EARSHOT_DATABASE_URL: await pg.createDatabase(),
    EARSHOT_RATE_REDEEM: '100000',
    EARSHOT_RATE_AUTH: '10',
  });
  // one after the other: the first creates the schema (the second would wait on its advisory lock)
  A = await H.startServer({ env: { ...env, EARSHOT_NODE_ID: 'proc-a' } });
  B = await H.startServer({ env: { ...env, EARSHOT_NODE_ID: 'proc-b' } });
});
test.after(async () => {
  await Promise.allSettled([A?.stop(), B?.stop()]);
  await Promise.allSettled([redis?.stop(), pg?.stop()]);
});

const OFFER = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' };
const ANSWER = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' };
const cand = (i) => ({ candidate: `candidate:${i} 1 udp 2122260223 192.0.2.${i} 5${i}000 typ host`, sdpMid: '0', sdpMLineIndex: 0 });

/** Connects with listeners in place before the first packet: { s, state } (state = the room-state). */
function join(srv, token) {
  const s = H.connect(srv.url, { token });
  const state = H.once(s, 'room-state', 8000);
  return { s, state };
}
const status = async (srv, roomId) => (await H.api(srv.url, 'GET', `/api/v1/rooms/${roomId}/status`, { headers: H.appHeaders() })).json;

test('a call across two processes: presence, offer/answer/candidates, addressed signals, mute, leave', { skip: why || false }, async () => {
  const room = await H.adminRoom(A.url, { hostName: 'Ana', guestName: 'Ben' });
  const host = (await H.redeem(A.url, H.inviteOf(room.links.host))).json;
  const guest = (await H.redeem(B.url, H.inviteOf(room.links.guest))).json; // the other process
  assert.ok(host.token && guest.token);
  const a = join(A, host.token);
  assert.deepEqual((await a.state).participants, []);
  const joined = H.once(a.s, 'user-joined');
  const b = join(B, guest.token);
  const bState = await b.state;
  assert.deepEqual(bState.participants.map((p) => [p.userId, p.name, p.role]), [[host.user.userId, 'Ana', 'host']], 'B sees the participant connected to A');
  const j = await joined;
  assert.equal(j.userId, guest.user.userId, 'A hears of the participant who joined on B');
  assert.equal(j.reconnect, undefined);
  try {
    // both processes answer for the room
    for (const srv of [A, B]) assert.deepEqual((await status(srv, room.roomId)).participants.map((p) => p.userId).sort(), [host.user.userId, guest.user.userId].sort());

    // offer A -> B, answer B -> A, candidates in order, end of candidates
    const gotOffer = H.once(b.s, 'webrtc-offer');
    assert.deepEqual(await a.s.timeout(3000).emitWithAck('webrtc-offer', { sdp: OFFER }), { ok: true, delivered: 1 });
    assert.deepEqual(await gotOffer, { sdp: OFFER, from: host.user.userId });
    const gotAnswer = H.once(a.s, 'webrtc-answer');
    assert.deepEqual(await b.s.timeout(3000).emitWithAck('webrtc-answer', { sdp: ANSWER, to: host.user.userId }), { ok: true, delivered: 1 });
    assert.deepEqual(await gotAnswer, { sdp: ANSWER, to: host.user.userId, from: guest.user.userId });
    const got = [];
    b.s.on('ice-candidate', (m) => got.push(m));
    for (let i = 1; i <= 20; i++) a.s.emit('ice-candidate', { candidate: cand(i) });
    a.s.emit('ice-candidate', { candidate: null });
    await H.waitFor(() => got.length === 21, 5000);
    assert.deepEqual(got.slice(0, 20).map((m) => m.candidate.candidate), Array.from({ length: 20 }, (_, i) => cand(i + 1).candidate), 'in the order sent');
    assert.deepEqual(got[20], { candidate: null, from: host.user.userId });
    const back = H.once(a.s, 'ice-candidate');
    b.s.emit('ice-candidate', { candidate: cand(99), to: host.user.userId });
    assert.equal((await back).candidate.candidate, cand(99).candidate);
    assert.deepEqual(await a.s.timeout(3000).emitWithAck('webrtc-offer', { sdp: OFFER, to: 'nobody' }),
      { ok: false, code: 'signal.unknown_recipient', message: 'No participant nobody in this room.' });

    // mute state crosses too, and a late room-state carries it
    const muted = H.once(a.s, 'media-state');
    assert.deepEqual(await b.s.timeout(3000).emitWithAck('media-state', { muted: true }), { ok: true });
    assert.deepEqual(await muted, { from: guest.user.userId, muted: true });

    // leaving on B is seen on A
    const left = H.once(a.s, 'user-left');
    await b.s.timeout(3000).emitWithAck('leave');
    assert.deepEqual(await left, { userId: guest.user.userId, reason: 'left' });
    assert.deepEqual((await status(B, room.roomId)).participants.map((p) => p.userId), [host.user.userId]);
    // once the room is empty Redis keeps nothing of it
    a.s.close();
    await H.waitFor(async () => (await status(A, room.roomId)).participants.length === 0);
    const r = require('redis').createClient({ url: redis.url });
    await r.connect();
    try {
      assert.equal(await r.exists(`earshot:p:${room.roomId}`), 0, 'no presence hash');
      for (const n of ['proc-a', 'proc-b']) assert.equal(await r.sIsMember(`earshot:nrooms:${n}`, room.roomId), false, `not in ${n}'s rooms`);
    } finally { await r.quit(); }
  } finally { a.s.close(); b.s.close(); }
});

test('room capacity counts participants on both processes; the same user moving replaces its socket', { skip: why || false }, async () => {
  const roomId = (await H.api(A.url, 'POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} })).json.roomId;
  const tok = async (srv, userId) => (await H.api(srv.url, 'POST', `/api/v1/rooms/${roomId}/join`, { headers: H.appHeaders(), body: { userId } })).json.token;
  const alice = join(A, await tok(A, 'alice'));
  await alice.state;
  const bobTok = await tok(B, 'bob');
  const carolTok = await tok(B, 'carol'); // while there is room: REST join refuses a third user too
  const bobIn = H.once(alice.s, 'user-joined');
  const bob = join(B, bobTok);
  await bob.state; await bobIn;
  const extra = [];
  try {
    const err = await H.connectRefused(A.url, { token: carolTok });
    assert.deepEqual(err.data, { code: 'room.full', message: 'This room is full (2 of 2 places taken).', capacity: 2 });
    const r = await H.api(B.url, 'POST', `/api/v1/rooms/${roomId}/join`, { headers: H.appHeaders(), body: { userId: 'dave' } });
    assert.equal(r.status, 409);
    assert.equal(r.json.code, 'room.full');
    // bob opens a second connection on A: his socket on B is told and closed, alice sees a reconnect
    const replaced = H.once(bob.s, 'session-replaced');
    const again = H.once(alice.s, 'user-joined');
    const leftEvents = [];
    alice.s.on('user-left', (m) => leftEvents.push(m));
    const bob2 = join(A, bobTok);
    extra.push(bob2.s);
    await bob2.state;
    assert.deepEqual(await replaced, { reason: 'A newer connection of the same user took over.' });
    assert.equal((await again).reconnect, true);
    await H.waitFor(() => bob.s.disconnected);
    await H.sleep(200);
    assert.deepEqual(leftEvents, [], 'a replaced socket is no user-left');
  } finally { alice.s.close(); bob.s.close(); for (const s of extra) s.close(); }
});

test('across processes: a seat taken over on B removes its socket on A; a room closed on B closes it for sockets on A', { skip: why || false }, async () => {
  const room = await H.adminRoom(A.url, { hostName: 'Ana', guestName: 'Ben' });
  const host = (await H.redeem(A.url, H.inviteOf(room.links.host))).json;
  const dev1 = 'device-one-0123456789abcdef';
  const guest = (await H.api(A.url, 'POST', '/api/v1/invites/redeem', { body: { invite: H.inviteOf(room.links.guest), device: dev1 } })).json;
  const a = join(A, host.token); await a.state;
  const gIn = H.once(a.s, 'user-joined');
  const g = join(A, guest.token); await g.state; await gIn;
  let g2 = null;
  try {
    // Ben moves to another device through process B: his socket on A is told and closed, Ana hears he left
    const replaced = H.once(g.s, 'session-replaced');
    const left = H.once(a.s, 'user-left');
    const r = await H.api(B.url, 'POST', '/api/v1/invites/redeem', { body: { invite: H.inviteOf(room.links.guest), device: 'device-two-0123456789abcdef', takeover: true } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(await replaced, { reason: 'moved', message: 'You joined this call on another device.' });
    assert.deepEqual(await left, { userId: guest.user.userId, reason: 'moved' });
    await H.waitFor(() => g.s.disconnected, 5000);
    assert.equal((await H.connectRefused(B.url, { token: guest.token })).message, 'session.moved', 'the old token is refused on the other process too');
    // the new device joins on B; the admin closes the room through B: sockets on A and B are told
    g2 = join(B, r.json.token); await g2.state;
    const closedA = H.once(a.s, 'room-closed'); const closedB = H.once(g2.s, 'room-closed');
    assert.equal((await H.api(B.url, 'DELETE', `/api/v1/admin/rooms/${room.roomId}`, { headers: H.adminHeaders() })).status, 200);
    const msg = { roomId: room.roomId, reason: 'closed', message: 'The host closed this room.' };
    assert.deepEqual(await closedA, msg);
    assert.deepEqual(await closedB, msg);
    await H.waitFor(() => a.s.disconnected && g2.s.disconnected, 5000);
    assert.equal((await H.connectRefused(A.url, { token: host.token })).message, 'room.closed');
  } finally { a.s.close(); g.s.close(); g2?.s.close(); }
});

test('an invite redeemed 100 times at once, half on each process, succeeds exactly once', { skip: why || false }, async () => {
  const room = await H.adminRoom(A.url, { guestNames: ['Ben'] });
  const invite = H.inviteOf(room.links.guests[0]);
  const attempt = (i) => H.api((i % 2 ? B : A).url, 'POST', '/api/v1/invites/redeem', { body: { invite, device: `device-${i}-${crypto.randomBytes(8).toString('hex')}` } });
  const res = await Promise.all(Array.from({ length: 100 }, (_, i) => attempt(i)));
  const codes = res.map((r) => (r.status === 200 ? 'ok' : `${r.status} ${r.json && r.json.code}`));
  const count = (c) => codes.filter((x) => x === c).length;
  assert.equal(count('ok'), 1, codes.join(', '));
  assert.equal(count('409 invite.in_use'), 99, codes.join(', '));
  // without a device id: single use as well
  const host = H.inviteOf(room.links.host);
  const res2 = await Promise.all(Array.from({ length: 100 }, (_, i) => H.api((i % 2 ? B : A).url, 'POST', '/api/v1/invites/redeem', { body: { invite: host } })));
  assert.deepEqual([...new Set(res2.map((r) => r.status))].sort(), [200, 409]);
  assert.equal(res2.filter((r) => r.status === 200).length, 1);
  assert.ok(res2.filter((r) => r.status === 409).every((r) => r.json.code === 'invite.used'));
  // both processes show the same seats
  const list = async (srv) => (await H.api(srv.url, 'GET', '/api/v1/admin/rooms', { headers: H.adminHeaders() })).json.rooms.find((x) => x.roomId === room.roomId).seats.map((s) => s.state);
  assert.deepEqual(await list(A), ['joined', 'joined']);
  assert.deepEqual(await list(B), ['joined', 'joined']);
});

test('rate limits are shared: the 11th /auth/token of a minute is refused, whichever process gets it', { skip: why || false }, async () => {
  const body = { appId: H.SECRETS.EARSHOT_APP_ID, appSecret: H.SECRETS.EARSHOT_APP_SECRET };
  const statuses = [];
  for (let i = 0; i < 10; i++) statuses.push((await H.api((i % 2 ? B : A).url, 'POST', '/api/v1/auth/token', { body })).status);
  assert.deepEqual(statuses, Array(10).fill(200));
  for (const srv of [A, B]) {
    const r = await H.api(srv.url, 'POST', '/api/v1/auth/token', { body });
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
  }
});

test('Redis restarted empty mid-call: both processes write their participants back and signaling goes on', { skip: why || false }, async () => {
  const room = await H.adminRoom(A.url);
  const host = (await H.redeem(A.url, H.inviteOf(room.links.host))).json;
  const guest = (await H.redeem(B.url, H.inviteOf(room.links.guest))).json;
  const a = join(A, host.token); await a.state;
  const gIn = H.once(a.s, 'user-joined');
  const b = join(B, guest.token); await b.state; await gIn;
  const left = [];
  a.s.on('user-left', (m) => left.push(m)); b.s.on('user-left', (m) => left.push(m));
  try {
    await redis.restart(); // a new, empty redis-server on the same port
    const both = [host.user.userId, guest.user.userId].sort();
    await H.waitFor(async () => {
      const r = await H.api(A.url, 'GET', `/api/v1/rooms/${room.roomId}/status`, { headers: H.appHeaders() });
      return r.status === 200 && JSON.stringify(r.json.participants.map((p) => p.userId).sort()) === JSON.stringify(both);
    }, 10000, 100);
    const offer = H.once(b.s, 'webrtc-offer');
    assert.deepEqual(await a.s.timeout(5000).emitWithAck('webrtc-offer', { sdp: OFFER }), { ok: true, delivered: 1 });
    assert.equal((await offer).from, host.user.userId);
    const answer = H.once(a.s, 'webrtc-answer');
    b.s.emit('webrtc-answer', { sdp: ANSWER });
    assert.equal((await answer).from, guest.user.userId);
    assert.deepEqual(left, [], 'nobody was reported gone');
    assert.ok(a.s.connected && b.s.connected);
  } finally { a.s.close(); b.s.close(); }
});

test('PostgreSQL or Redis down: requests that need it answer 503 server.busy at once; back up, everything works', { skip: why || false, timeout: 60000 }, async () => {
  const busy = (r) => { assert.equal(r.status, 503, r.text); assert.equal(r.json.code, 'server.busy'); assert.equal(r.headers.get('retry-after'), '1'); };
  await pg.stop();
  let t0 = Date.now();
  busy(await H.api(A.url, 'POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} }));
  busy(await H.api(B.url, 'POST', '/api/v1/admin/rooms', { headers: H.adminHeaders(), body: {} }));
  assert.ok(Date.now() - t0 < 3000, `answered in ${Date.now() - t0} ms`);
  assert.equal((await H.api(A.url, 'GET', '/health')).status, 200, 'the process itself is fine');
  await pg.start();
  await H.waitFor(async () => (await H.api(A.url, 'POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} })).status === 201, 15000, 200);
  assert.equal((await H.api(B.url, 'POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} })).status, 201);

  await redis.stop();
  t0 = Date.now();
  busy(await H.api(A.url, 'POST', '/api/v1/admin/rooms', { headers: H.adminHeaders(), body: {} })); // its rate limit lives in Redis
  assert.ok(Date.now() - t0 < 3000, `answered in ${Date.now() - t0} ms`);
  await redis.restart();
  await H.waitFor(async () => (await H.api(B.url, 'POST', '/api/v1/admin/rooms', { headers: H.adminHeaders(), body: {} })).status === 201, 15000, 200);
  // and a call across both processes works again
  const room = await H.adminRoom(A.url);
  const host = (await H.redeem(A.url, H.inviteOf(room.links.host))).json;
  const guest = (await H.redeem(B.url, H.inviteOf(room.links.guest))).json;
  const a = join(A, host.token); await a.state;
  const b = join(B, guest.token); await b.state;
  try {
    const offer = H.once(b.s, 'webrtc-offer');
    assert.deepEqual(await a.s.timeout(5000).emitWithAck('webrtc-offer', { sdp: OFFER }), { ok: true, delivered: 1 });
    assert.equal((await offer).from, host.user.userId);
  } finally { a.s.close(); b.s.close(); }
});

test('SIGKILL one process: its clients reconnect to the other and keep their places; one who does not is reaped', { skip: why || false, timeout: 60000 }, async () => {
  // room 1: host on A, guest on B (moves to A after the kill)
  const room = await H.adminRoom(A.url, { hostName: 'Ana', guestName: 'Ben' });
  const host = (await H.redeem(A.url, H.inviteOf(room.links.host))).json;
  const guest = (await H.redeem(B.url, H.inviteOf(room.links.guest))).json;
  const a = join(A, host.token); await a.state;
  const guestIn = H.once(a.s, 'user-joined');
  const b = join(B, guest.token);
  await b.state;
  const first = await guestIn;
  // room 2: one participant on A, one on B who never comes back
  const room2 = await H.adminRoom(A.url);
  const h2 = (await H.redeem(A.url, H.inviteOf(room2.links.host))).json;
  const g2 = (await H.redeem(B.url, H.inviteOf(room2.links.guest))).json;
  const c = join(A, h2.token); await c.state;
  const gone = join(B, g2.token); await gone.state;
  await H.waitFor(async () => (await status(A, room2.roomId)).participants.length === 2);
  const left = [];
  a.s.on('user-left', (m) => left.push(m));
  const reaped = H.once(c.s, 'user-left', 20000);
  let moved = null;
  try {
    const t0 = Date.now();
    await B.stop('SIGKILL');
    await H.waitFor(() => b.s.disconnected, 5000);
    // what a load balancer does: the same client, same token, now reaches A
    const back = H.once(a.s, 'user-joined');
    moved = join(A, guest.token);
    const st = await moved.state;
    assert.deepEqual(st.participants.map((p) => p.userId), [host.user.userId]);
    const rj = await back;
    assert.equal(rj.userId, guest.user.userId);
    assert.equal(rj.reconnect, true, 'the same participant, back');
    assert.equal(rj.joinedAt, first.joinedAt, 'keeps the seat it had (joinedAt unchanged)');
    // signaling works across the move
    const offer = H.once(moved.s, 'webrtc-offer');
    a.s.emit('webrtc-offer', { sdp: OFFER });
    assert.equal((await offer).from, host.user.userId);
    const answer = H.once(a.s, 'webrtc-answer');
    moved.s.emit('webrtc-answer', { sdp: ANSWER });
    assert.equal((await answer).from, guest.user.userId);
    // the one who did not come back is reported gone once B's heartbeat has expired (6 s)
    assert.deepEqual(await reaped, { userId: g2.user.userId, reason: 'disconnected' });
    assert.ok(Date.now() - t0 < 15000, `reaped after ${Date.now() - t0} ms`);
    assert.deepEqual((await status(A, room2.roomId)).participants.map((p) => p.userId), [h2.user.userId]);
    // ... and the one who moved is still there, never reported as left
    assert.deepEqual((await status(A, room.roomId)).participants.map((p) => p.userId).sort(), [host.user.userId, guest.user.userId].sort());
    assert.deepEqual(left, []);
  } finally { a.s.close(); b.s.close(); c.s.close(); gone.s.close(); moved?.s.close(); }
});

test('an unreachable Redis or PostgreSQL stops the server at start with one line naming it', { skip: why || false }, async () => {
  const port = await H.freePort(); // nothing listens there
  const r = await H.startServerExpectingFailure({ env: { EARSHOT_REDIS_URL: `redis://127.0.0.1:${port}` } });
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`^earshot: cannot reach Redis at redis://127.0.0.1:${port}/? \\(connect ECONNREFUSED .*\\); check EARSHOT_REDIS_URL`));
  const p = await H.startServerExpectingFailure({ env: { EARSHOT_DATABASE_URL: `postgres://earshot:hunter2@127.0.0.1:${port}/earshot` } });
  assert.equal(p.code, 1);
  assert.equal(p.stderr.trim().split('\n').length, 1, p.stderr);
  assert.match(p.stderr, /^earshot: cannot use the PostgreSQL database postgres:\/\/earshot:\*\*\*@127\.0\.0\.1:\d+\/earshot \(connect ECONNREFUSED/);
  assert.doesNotMatch(p.stderr, /hunter2/, 'the password is not printed');
});
