'use strict';
// Socket.IO signaling at /ws with real socket.io-client connections against the real server.
const test = require('node:test');
const assert = require('node:assert/strict');
const H = require('./helpers');

let srv;
test.before(async () => { srv = await H.startServer(); });
test.after(async () => { await srv?.stop(); });
const A = (...a) => H.api(srv.url, ...a);

async function twoTokens(opts) {
  const room = await H.adminRoom(srv.url, opts);
  const host = (await H.redeem(srv.url, H.inviteOf(room.links.host))).json;
  const guest = (await H.redeem(srv.url, H.inviteOf(room.links.guest))).json;
  return { room, host, guest };
}

const OFFER = { type: 'offer', sdp: 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' };
const ANSWER = { type: 'answer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' };
const CAND = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host generation 0', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' };

test('two participants: room-state, user-joined, offer/answer/candidates relayed with from', async () => {
  const { host, guest, room } = await twoTokens({ hostName: 'Ana', guestName: 'Ben' });
  const a = H.connect(srv.url, { token: host.token, roomId: room.roomId });
  const aState = await H.once(a, 'room-state');
  assert.deepEqual(aState, { self: { userId: host.user.userId, name: 'Ana', role: 'host' }, participants: [], capacity: 2, title: null });

  const joinedP = H.once(a, 'user-joined');
  const b = H.connect(srv.url, { token: guest.token });
  const bState = await H.once(b, 'room-state');
  assert.equal(bState.self.userId, guest.user.userId);
  assert.equal(bState.participants.length, 1);
  assert.equal(bState.capacity, 2, 'default EARSHOT_ROOM_SIZE is 2 (1:1)');
  assert.deepEqual(Object.keys(bState.participants[0]).sort(), ['joinedAt', 'muted', 'name', 'role', 'userId']);
  assert.equal(bState.participants[0].muted, false);
  assert.equal(bState.participants[0].userId, host.user.userId);
  const joined = await joinedP;
  assert.deepEqual({ ...joined, joinedAt: undefined }, { userId: guest.user.userId, name: 'Ben', role: 'guest', joinedAt: undefined, muted: false, title: null });
  assert.match(joined.joinedAt, /Z$/);

  try {
    // initiator (a) sends the offer on user-joined
    const gotOffer = H.once(b, 'webrtc-offer');
    const ack = await a.timeout(3000).emitWithAck('webrtc-offer', { sdp: OFFER });
    assert.deepEqual(ack, { ok: true, delivered: 1 });
    assert.deepEqual(await gotOffer, { sdp: OFFER, from: host.user.userId });

    const gotAnswer = H.once(a, 'webrtc-answer');
    b.emit('webrtc-answer', { sdp: ANSWER });
    assert.deepEqual(await gotAnswer, { sdp: ANSWER, from: guest.user.userId });

    const got = [];
    b.on('ice-candidate', (m) => got.push(m));
    a.emit('ice-candidate', { candidate: CAND });
    a.emit('ice-candidate', { candidate: { candidate: 'candidate:2 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active', sdpMid: '0', sdpMLineIndex: 0 } });
    a.emit('ice-candidate', { candidate: null });
    await H.waitFor(() => got.length === 3);
    assert.deepEqual(got[0], { candidate: CAND, from: host.user.userId });
    assert.equal(got[1].candidate.sdpMid, '0');
    assert.deepEqual(got[2], { candidate: null, from: host.user.userId });

    // the room is active while both are connected
    const st = await A('GET', `/api/v1/rooms/${room.roomId}/status`, { headers: { authorization: `Bearer ${host.token}` } });
    assert.equal(st.json.status, 'active');
    assert.equal(st.json.participants.length, 2);

    // leave -> user-left reason left
    const leftP = H.once(a, 'user-left');
    const leaveAck = await b.timeout(3000).emitWithAck('leave');
    assert.deepEqual(leaveAck, { ok: true });
    assert.deepEqual(await leftP, { userId: guest.user.userId, reason: 'left' });
    await H.waitFor(() => b.disconnected);
  } finally { a.close(); b.close(); }
});

test('a lost transport is broadcast as user-left reason disconnected', async () => {
  const { host, guest } = await twoTokens();
  const a = await H.connectOk(srv.url, { token: host.token });
  const b = await H.connectOk(srv.url, { token: guest.token });
  try {
    const leftP = H.once(a, 'user-left');
    b.io.engine.close();  // the WebSocket goes away without a Socket.IO goodbye (tab killed, network gone)
    assert.deepEqual(await leftP, { userId: guest.user.userId, reason: 'disconnected' });
  } finally { a.close(); b.close(); }
});

test('leave immediately followed by disconnect (what the Earshot core sends) is one user-left reason left', async () => {
  const { host, guest } = await twoTokens();
  const a = await H.connectOk(srv.url, { token: host.token });
  const b = await H.connectOk(srv.url, { token: guest.token });
  try {
    const seen = [];
    a.on('user-left', (p) => seen.push(p));
    b.emit('leave', {});
    b.disconnect();  // 41 and the transport close follow in the same tick
    await H.waitFor(() => seen.length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(seen, [{ userId: guest.user.userId, reason: 'left' }]);
  } finally { a.close(); b.close(); }
});

test('default room size 2: a third distinct participant is refused with room.full; the same user reconnecting replaces its socket', async () => {
  const roomId = (await A('POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} })).json.roomId;
  const tok = async (userId) => (await A('POST', `/api/v1/rooms/${roomId}/join`, { headers: H.appHeaders(), body: { userId } })).json.token;
  const [ta, tb, tc] = [await tok('alice'), await tok('bob'), await tok('carol')];
  const a = await H.connectOk(srv.url, { token: ta });
  const bJoined = H.once(a, 'user-joined');
  const b = await H.connectOk(srv.url, { token: tb });
  await bJoined; // (with Redis presence it may come after b's connect)
  const extra = [];
  try {
    const err = await H.connectRefused(srv.url, { token: tc });
    assert.equal(err.message, 'room.full');
    assert.deepEqual(err.data, { code: 'room.full', message: 'This room is full (2 of 2 places taken).', capacity: 2 });
    // the REST join also says so for a third user
    const j = await A('POST', `/api/v1/rooms/${roomId}/join`, { headers: H.appHeaders(), body: { userId: 'dave' } });
    assert.equal(j.status, 409);
    assert.deepEqual(j.json, { code: 'room.full', message: 'This room is full (2 of 2 places taken).', capacity: 2 });

    // bob reconnects (new socket, same userId): old socket is replaced, alice sees a reconnect, no user-left
    const replaced = H.once(b, 'session-replaced');
    const rejoin = H.once(a, 'user-joined');
    const leftEvents = [];
    a.on('user-left', (m) => leftEvents.push(m));
    const b2 = await H.connectOk(srv.url, { token: tb });
    extra.push(b2);
    await replaced;
    const rj = await rejoin;
    assert.equal(rj.userId, 'bob');
    assert.equal(rj.reconnect, true);
    await H.waitFor(() => b.disconnected);
    // relay reaches the new socket
    const got = H.once(b2, 'webrtc-offer');
    a.emit('webrtc-offer', { sdp: OFFER });
    assert.equal((await got).from, 'alice');
    await H.sleep(100);
    assert.deepEqual(leftEvents, []);
    // still two users, so carol is still refused
    assert.equal((await H.connectRefused(srv.url, { token: tc })).message, 'room.full');
    // once bob leaves, carol fits
    await b2.timeout(2000).emitWithAck('leave');
    const c = await H.connectOk(srv.url, { token: tc });
    extra.push(c);
  } finally { a.close(); b.close(); for (const s of extra) s.close(); }
});

test('three simultaneous handshakes of distinct users: exactly two succeed', async () => {
  const roomId = (await A('POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} })).json.roomId;
  const toks = [];
  for (const u of ['u1', 'u2', 'u3']) toks.push((await A('POST', `/api/v1/rooms/${roomId}/join`, { headers: H.appHeaders(), body: { userId: u } })).json.token);
  const results = await Promise.allSettled(toks.map((t) => H.connectOk(srv.url, { token: t })));
  try {
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2);
    assert.equal(results.find((r) => r.status === 'rejected').reason.message, 'room.full');
  } finally { for (const r of results) if (r.status === 'fulfilled') r.value.close(); }
});

test('handshake refusals: token.missing, token.invalid, token.expired, token.wrong_room, room.not_found, room.closed', async () => {
  const { room, host } = await twoTokens();
  const c = JSON.parse(Buffer.from(host.token.split('.')[1], 'base64url').toString());
  const now = Math.floor(Date.now() / 1000);
  const cases = [
    [{}, 'token.missing'],
    [{ token: '' }, 'token.missing'],
    [{ token: 'abc.def.ghi' }, 'token.invalid'],
    [{ token: H.hmacJwt(c, 'another-secret-another-secret-another') }, 'token.invalid'],
    [{ token: H.hmacJwt({ ...c, typ: 'invite' }) }, 'token.invalid'],
    [{ token: `${Buffer.from('{"alg":"none"}').toString('base64url')}.${host.token.split('.')[1]}.` }, 'token.invalid'],
    [{ token: H.hmacJwt({ ...c, iat: now - 100, exp: now - 50 }) }, 'token.expired'],
    [{ token: host.token, roomId: 'someOtherRoom1' }, 'token.wrong_room'],
    [{ token: H.hmacJwt({ ...c, roomId: 'noSuchRoom999' }) }, 'room.not_found'],
  ];
  for (const [auth, code] of cases) {
    const err = await H.connectRefused(srv.url, auth);
    assert.equal(err.message, code, JSON.stringify(auth).slice(0, 80));
    assert.equal(err.data.code, code);
    assert.equal(typeof err.data.message, 'string');
    assert.ok(err.data.message.length > 5);
  }
  // admin closes the room: connected sockets get room-closed, new ones room.closed
  const a = await H.connectOk(srv.url, { token: host.token });
  const closedEv = H.once(a, 'room-closed');
  await A('DELETE', `/api/v1/admin/rooms/${room.roomId}`, { headers: H.adminHeaders() });
  assert.deepEqual(await closedEv, { roomId: room.roomId, reason: 'closed', message: 'The host closed this room.' });
  await H.waitFor(() => a.disconnected);
  assert.equal((await H.connectRefused(srv.url, { token: host.token })).message, 'room.closed');
});

test('invalid signaling payloads are dropped and acked signal.invalid', async () => {
  const { host, guest } = await twoTokens();
  const a = await H.connectOk(srv.url, { token: host.token });
  const b = await H.connectOk(srv.url, { token: guest.token });
  const seen = [];
  for (const ev of ['webrtc-offer', 'webrtc-answer', 'ice-candidate']) b.on(ev, (m) => seen.push([ev, m]));
  try {
    const bad = [
      ['webrtc-offer', 'not an object'],
      ['webrtc-offer', {}],
      ['webrtc-offer', { sdp: { type: 'answer', sdp: 'v=0' } }],
      ['webrtc-offer', { sdp: { type: 'offer', sdp: 42 } }],
      ['webrtc-offer', { sdp: { type: 'offer', sdp: 'x'.repeat(64 * 1024 + 1) } }],
      ['webrtc-answer', { sdp: { type: 'offer', sdp: 'v=0' } }],
      ['ice-candidate', {}],
      ['ice-candidate', { candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host' }],
      ['ice-candidate', { candidate: { candidate: 'x'.repeat(4097), sdpMid: '0', sdpMLineIndex: 0 } }],
      ['ice-candidate', { candidate: { candidate: 'c', sdpMid: 5, sdpMLineIndex: 0 } }],
      ['ice-candidate', { candidate: { candidate: 'c', sdpMid: '0', sdpMLineIndex: -1 } }],
      ['ice-candidate', { candidate: { candidate: 'c' } }],
    ];
    for (const [ev, payload] of bad) {
      const ack = await a.timeout(3000).emitWithAck(ev, payload);
      assert.equal(ack.ok, false, `${ev} ${JSON.stringify(payload).slice(0, 50)}`);
      assert.equal(ack.code, 'signal.invalid');
      assert.equal(typeof ack.message, 'string');
    }
    // without an ack the bad message is silently dropped; a good one after it still flows
    a.emit('webrtc-offer', { sdp: { type: 'offer' } });
    const ok = await a.timeout(3000).emitWithAck('webrtc-offer', { sdp: { type: 'offer', sdp: 'x'.repeat(64 * 1024) } });
    assert.deepEqual(ok, { ok: true, delivered: 1 });
    await H.waitFor(() => seen.length === 1);
    await H.sleep(100);
    assert.equal(seen.length, 1, 'only the valid message was relayed');
    // unknown extra fields are not forwarded
    const got = H.once(b, 'webrtc-answer');
    a.emit('webrtc-answer', { sdp: { ...ANSWER, extra: 'x' }, evil: true });
    assert.deepEqual(await got, { sdp: ANSWER, from: host.user.userId });
  } finally { a.close(); b.close(); }
});

test('messages above maxHttpBufferSize (128 KB) close the socket', async () => {
  const { host } = await twoTokens();
  const a = await H.connectOk(srv.url, { token: host.token });
  try {
    const disc = H.once(a, 'disconnect');
    a.emit('webrtc-offer', { sdp: { type: 'offer', sdp: 'x'.repeat(200 * 1024) } });
    assert.ok(await disc);
  } finally { a.close(); }
});

test('token-refresh gives a connected participant a fresh room token', async () => {
  const { host } = await twoTokens();
  const a = await H.connectOk(srv.url, { token: host.token });
  try {
    const r = await a.timeout(3000).emitWithAck('token-refresh');
    assert.equal(r.ok, true);
    const c = JSON.parse(Buffer.from(r.token.split('.')[1], 'base64url').toString());
    assert.equal(c.sub, host.user.userId);
    assert.equal(c.typ, 'room');
    a.close();
    const again = await H.connectOk(srv.url, { token: r.token });
    again.close();
  } finally { a.close(); }
});

test('browser Origin on the WebSocket upgrade must be same-origin or configured', async () => {
  const { host } = await twoTokens();
  const err = await new Promise((resolve, reject) => {
    const s = H.connect(srv.url, { token: host.token }, { extraHeaders: { origin: 'https://evil.example' } });
    s.once('connect', () => { s.close(); reject(new Error('connected from a foreign origin')); });
    s.once('connect_error', (e) => { s.close(); resolve(e); });
  });
  assert.ok(err);
  const ok = await H.connectOk(srv.url, { token: host.token }, { extraHeaders: { origin: srv.url } });
  ok.close();
});

test('the sweeper closes an expired room: sockets get room-closed {reason:"expired"}, then room.not_found', async () => {
  const s = await H.startServer({ env: { EARSHOT_SWEEP_MS: '100' } });
  try {
    const room = await H.adminRoom(s.url);
    const tok = (await H.redeem(s.url, H.inviteOf(room.links.host))).json.token;
    const a = await H.connectOk(s.url, { token: tok });
    const closed = H.once(a, 'room-closed', 5000);
    await H.dbQuery(s, 'UPDATE rooms SET expires_at = ? WHERE room_id = ?', [Date.now() - 1, room.roomId]);
    assert.deepEqual(await closed, { roomId: room.roomId, reason: 'expired', message: 'This room has expired.' });
    await H.waitFor(() => a.disconnected);
    // the rows go right after the sockets are told (a moment later on PostgreSQL)
    await H.waitFor(async () => (await H.connectRefused(s.url, { token: tok })).message === 'room.not_found', 3000, 50);
    a.close();
  } finally { await s.stop(); }
});
