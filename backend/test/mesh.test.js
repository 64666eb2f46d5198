'use strict';
// Rooms of several participants (EARSHOT_ROOM_SIZE=3): capacity, admin rooms with guestNames,
// addressed signals (`to`) for a full mesh, and broadcast for seed-004 clients.
const test = require('node:test');
const assert = require('node:assert/strict');
const H = require('./helpers');

let srv;
test.before(async () => { srv = await H.startServer({ env: { EARSHOT_ROOM_SIZE: '3' } }); });
test.after(async () => { await srv?.stop(); });
const A = (...a) => H.api(srv.url, ...a);
const decode = (t) => JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString());

const OFFER = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' };
const ANSWER = { type: 'answer', sdp: 'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' };
const CAND = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host generation 0', sdpMid: '0', sdpMLineIndex: 0 };
const FULL3 = 'This room is full (3 of 3 places taken).';

/** An admin room for Ana + Bob + Cleo, all three redeemed and connected. */
async function meshOfThree() {
  const room = await H.adminRoom(srv.url, { hostName: 'Ana', guestNames: ['Bob', 'Cleo'] });
  const links = [room.links.host, ...room.links.guests];
  const sessions = [];
  for (const l of links) sessions.push((await H.redeem(srv.url, H.inviteOf(l))).json);
  const sockets = [];
  for (const s of sessions) sockets.push(await H.connectOk(srv.url, { token: s.token }));
  const ids = sessions.map((s) => s.user.userId);
  return { room, sessions, sockets, ids, close: () => sockets.forEach((s) => s.close()) };
}

/** Records every relayed signal a socket receives. */
function inbox(socket) {
  const got = [];
  for (const ev of ['webrtc-offer', 'webrtc-answer', 'ice-candidate']) socket.on(ev, (m) => got.push([ev, m]));
  return got;
}

test('GET /api/v1/config reports roomSize', async () => {
  const r = await A('GET', '/api/v1/config');
  assert.equal(r.json.roomSize, 3);
});

test('room of 3: three users connect with capacity 3 in room-state; the fourth gets room.full with capacity 3', async () => {
  const roomId = (await A('POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} })).json.roomId;
  const tok = async (userId) => (await A('POST', `/api/v1/rooms/${roomId}/join`, { headers: H.appHeaders(), body: { userId, name: userId } })).json.token;
  const toks = { ana: await tok('ana'), bob: await tok('bob'), cleo: await tok('cleo'), dan: await tok('dan') };
  const socks = [];
  try {
    const a = H.connect(srv.url, { token: toks.ana });
    socks.push(a);
    assert.deepEqual(await H.once(a, 'room-state'), { self: { userId: 'ana', name: 'ana', role: 'participant' }, participants: [], capacity: 3, title: null });
    const b = H.connect(srv.url, { token: toks.bob });
    socks.push(b);
    const bState = await H.once(b, 'room-state');
    assert.deepEqual(bState.participants.map((p) => p.userId), ['ana']);
    assert.equal(bState.capacity, 3);

    const joinedA = H.once(a, 'user-joined');
    const joinedB = H.once(b, 'user-joined');
    const c = H.connect(srv.url, { token: toks.cleo });
    socks.push(c);
    const cState = await H.once(c, 'room-state');
    assert.deepEqual(cState.participants.map((p) => p.userId).sort(), ['ana', 'bob']);
    assert.equal(cState.capacity, 3);
    // user-joined carries no capacity (but the room title and the joiner's mute state)
    for (const j of [await joinedA, await joinedB]) assert.deepEqual(Object.keys(j).sort(), ['joinedAt', 'muted', 'name', 'role', 'title', 'userId']);

    const err = await H.connectRefused(srv.url, { token: toks.dan });
    assert.equal(err.message, 'room.full');
    assert.deepEqual(err.data, { code: 'room.full', message: FULL3, capacity: 3 });
    const j = await A('POST', `/api/v1/rooms/${roomId}/join`, { headers: H.appHeaders(), body: { userId: 'dan' } });
    assert.equal(j.status, 409);
    assert.deepEqual(j.json, { code: 'room.full', message: FULL3, capacity: 3 });
    // a participant already inside may still get a fresh join
    assert.equal((await A('POST', `/api/v1/rooms/${roomId}/join`, { headers: H.appHeaders(), body: { userId: 'bob' } })).status, 200);

    const st = await A('GET', `/api/v1/rooms/${roomId}/status`, { headers: H.appHeaders() });
    assert.equal(st.json.status, 'active');
    assert.equal(st.json.participants.length, 3);

    // once one leaves, the fourth fits
    await c.timeout(2000).emitWithAck('leave');
    socks.push(await H.connectOk(srv.url, { token: toks.dan }));
  } finally { for (const s of socks) s.close(); }
});

test('four simultaneous handshakes of distinct users in a room of 3: exactly three succeed', async () => {
  const roomId = (await A('POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} })).json.roomId;
  const toks = [];
  for (const u of ['u1', 'u2', 'u3', 'u4']) toks.push((await A('POST', `/api/v1/rooms/${roomId}/join`, { headers: H.appHeaders(), body: { userId: u } })).json.token);
  const results = await Promise.allSettled(toks.map((t) => H.connectOk(srv.url, { token: t })));
  try {
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
    const refused = results.find((r) => r.status === 'rejected').reason;
    assert.equal(refused.message, 'room.full');
    assert.equal(refused.data.capacity, 3);
  } finally { for (const r of results) if (r.status === 'fulfilled') r.value.close(); }
});

test('addressed offer/answer/candidate reach only their recipient, with from and to', async () => {
  const m = await meshOfThree();
  const [a, b, c] = m.sockets;
  const [ida, idb, idc] = m.ids;
  const inB = inbox(b);
  const inC = inbox(c);
  const inA = inbox(a);
  try {
    const ack = await a.timeout(3000).emitWithAck('webrtc-offer', { sdp: OFFER, to: idc });
    assert.deepEqual(ack, { ok: true, delivered: 1 });
    await H.waitFor(() => inC.length === 1);
    assert.deepEqual(inC[0], ['webrtc-offer', { sdp: OFFER, to: idc, from: ida }]);

    assert.deepEqual(await c.timeout(3000).emitWithAck('webrtc-answer', { sdp: ANSWER, to: ida }), { ok: true, delivered: 1 });
    assert.deepEqual(await c.timeout(3000).emitWithAck('ice-candidate', { candidate: CAND, to: ida }), { ok: true, delivered: 1 });
    assert.deepEqual(await c.timeout(3000).emitWithAck('ice-candidate', { candidate: null, to: ida }), { ok: true, delivered: 1 });
    await H.waitFor(() => inA.length === 3);
    assert.deepEqual(inA, [
      ['webrtc-answer', { sdp: ANSWER, to: ida, from: idc }],
      ['ice-candidate', { candidate: CAND, to: ida, from: idc }],
      ['ice-candidate', { candidate: null, to: ida, from: idc }],
    ]);
    await H.sleep(150);
    assert.deepEqual(inB, [], 'the third participant saw none of the a<->c negotiation');
    assert.equal(inC.length, 1);
    assert.ok(idb);
  } finally { m.close(); }
});

test('unknown or departed recipient: signal.unknown_recipient ack, nothing delivered; invalid to: signal.invalid', async () => {
  const m = await meshOfThree();
  const [a, b, c] = m.sockets;
  const [ida, idb, idc] = m.ids;
  const inB = inbox(b);
  const inC = inbox(c);
  try {
    const ack = await a.timeout(3000).emitWithAck('webrtc-offer', { sdp: OFFER, to: 'u_nobody' });
    assert.deepEqual(ack, { ok: false, code: 'signal.unknown_recipient', message: 'No participant u_nobody in this room.' });
    // a participant of another room is unknown here too
    const other = await meshOfThree();
    try {
      const x = await a.timeout(3000).emitWithAck('ice-candidate', { candidate: CAND, to: other.ids[1] });
      assert.equal(x.code, 'signal.unknown_recipient');
    } finally { other.close(); }
    // after leaving, c is absent
    const left = H.once(a, 'user-left');
    await c.timeout(2000).emitWithAck('leave');
    await left;
    const gone = await a.timeout(3000).emitWithAck('webrtc-answer', { sdp: ANSWER, to: idc });
    assert.deepEqual(gone, { ok: false, code: 'signal.unknown_recipient', message: `No participant ${idc} in this room.` });

    for (const to of [5, '', 'x'.repeat(129), { id: idb }, [idb]]) {
      const r = await a.timeout(3000).emitWithAck('webrtc-offer', { sdp: OFFER, to });
      assert.equal(r.ok, false, JSON.stringify(to).slice(0, 40));
      assert.equal(r.code, 'signal.invalid');
      assert.match(r.message, /^to must be/);
    }
    const self = await a.timeout(3000).emitWithAck('ice-candidate', { candidate: CAND, to: ida });
    assert.deepEqual(self, { ok: false, code: 'signal.invalid', message: 'to must name another participant, not yourself.' });
    // to: null means "no recipient": a broadcast
    assert.deepEqual(await a.timeout(3000).emitWithAck('webrtc-offer', { sdp: OFFER, to: null }), { ok: true, delivered: 1 });
    await H.waitFor(() => inB.length === 1);
    assert.deepEqual(inB, [['webrtc-offer', { sdp: OFFER, from: ida }]]);
    assert.deepEqual(inC, []);
  } finally { m.close(); }
});

test('a signal without to is broadcast to every other participant (seed-004 clients)', async () => {
  const m = await meshOfThree();
  const [a, b, c] = m.sockets;
  const inA = inbox(a);
  const inB = inbox(b);
  const inC = inbox(c);
  try {
    assert.deepEqual(await b.timeout(3000).emitWithAck('webrtc-offer', { sdp: OFFER }), { ok: true, delivered: 2 });
    assert.deepEqual(await b.timeout(3000).emitWithAck('ice-candidate', { candidate: CAND }), { ok: true, delivered: 2 });
    await H.waitFor(() => inA.length === 2 && inC.length === 2);
    for (const got of [inA, inC]) {
      assert.deepEqual(got, [['webrtc-offer', { sdp: OFFER, from: m.ids[1] }], ['ice-candidate', { candidate: CAND, from: m.ids[1] }]]);
    }
    await H.sleep(100);
    assert.deepEqual(inB, [], 'the sender does not get its own signal');
  } finally { m.close(); }
});

test('admin room with guestNames: distinct single-use guest links, listed with their names', async () => {
  const r = await A('POST', '/api/v1/admin/rooms', { headers: H.adminHeaders(), body: { title: 'Trio', hostName: 'Ana', guestNames: ['Bob', ' Cleo '], inviteTtlSeconds: 600 } });
  assert.equal(r.status, 201);
  const b = r.json;
  assert.deepEqual(Object.keys(b.links).sort(), ['guest', 'guests', 'host']);
  assert.equal(b.links.guests.length, 2);
  assert.deepEqual(b.links.guest, b.links.guests[0], 'links.guest is the first guest');
  assert.deepEqual(b.links.guests.map((l) => [l.role, l.name]), [['guest', 'Bob'], ['guest', 'Cleo']]);
  for (const l of b.links.guests) {
    assert.deepEqual(Object.keys(l).sort(), ['expiresAt', 'name', 'role', 'url']);
    const c = decode(H.inviteOf(l));
    assert.deepEqual({ room: c.room, role: c.role, name: c.name }, { room: b.roomId, role: 'guest', name: l.name });
    assert.equal(new Date(l.expiresAt).getTime(), c.exp * 1000);
  }
  const jtis = [b.links.host, ...b.links.guests].map((l) => decode(H.inviteOf(l)).jti);
  assert.equal(new Set(jtis).size, 3, 'every link has its own invite');
  const urls = [b.links.host, ...b.links.guests].map((l) => l.url);
  assert.equal(new Set(urls).size, 3);

  // each guest link redeems exactly once, as its own user with its own name
  const users = [];
  for (const l of b.links.guests) {
    const ok = await H.redeem(srv.url, H.inviteOf(l));
    assert.equal(ok.status, 200);
    assert.deepEqual({ name: ok.json.user.name, role: ok.json.user.role }, { name: l.name, role: 'guest' });
    users.push(ok.json.user.userId);
    const again = await H.redeem(srv.url, H.inviteOf(l));
    assert.equal(again.status, 409);
    assert.equal(again.json.code, 'invite.used');
  }
  assert.notEqual(users[0], users[1]);

  const list = await A('GET', '/api/v1/admin/rooms', { headers: H.adminHeaders() });
  const e = list.json.rooms.find((x) => x.roomId === b.roomId);
  assert.deepEqual(e.invites, {
    host: { used: false, expiresAt: b.links.host.expiresAt },
    guest: { used: true, expiresAt: b.links.guests[0].expiresAt },
    guests: [
      { name: 'Bob', used: true, expiresAt: b.links.guests[0].expiresAt },
      { name: 'Cleo', used: true, expiresAt: b.links.guests[1].expiresAt },
    ],
  });
  // the host link is still good
  assert.equal((await H.redeem(srv.url, H.inviteOf(b.links.host))).status, 200);

  // a single guest in a room of 3 is fine too
  const one = await H.adminRoom(srv.url, { guestNames: ['Solo'] });
  assert.deepEqual(one.links.guests.map((l) => l.name), ['Solo']);
  assert.equal(one.links.guest.name, 'Solo');
});

test('guestNames validation: too many for the room size, empty, bad names, both guestName and guestNames', async () => {
  const post = (body) => A('POST', '/api/v1/admin/rooms', { headers: H.adminHeaders(), body });
  const tooMany = await post({ guestNames: ['Bob', 'Cleo', 'Dan'] });
  assert.equal(tooMany.status, 400);
  assert.deepEqual(tooMany.json, {
    code: 'request.invalid', field: 'guestNames',
    message: 'Field "guestNames" must have at most 2 entries (a room holds 3 people: the host and up to 2 guests, see EARSHOT_ROOM_SIZE).',
  });
  const cases = [
    [{ guestNames: [] }, 'guestNames', /at least 1 entry/],
    [{ guestNames: 'Bob' }, 'guestNames', /must be an array/],
    [{ guestNames: ['Bob', 'x'.repeat(41)] }, 'guestNames[1]', /at most 40 characters/],
    [{ guestNames: ['  '] }, 'guestNames[0]', /at least 1 characters/],
    [{ guestNames: ['Bob', 7] }, 'guestNames[1]', /must be a string/],
    [{ guestNames: [null] }, 'guestNames[0]', /must be a string/],
    [{ guestNames: ['Bo\u0000b'] }, 'guestNames[0]', /control characters/],
    [{ guestName: 'Ben', guestNames: ['Bob'] }, 'guestNames', /either "guestName" or "guestNames"/],
  ];
  for (const [body, field, msg] of cases) {
    const r = await post(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.code, 'request.invalid');
    assert.equal(r.json.field, field, JSON.stringify(body));
    assert.match(r.json.message, msg);
  }
  // nothing was created by the refusals
  const before = (await A('GET', '/api/v1/admin/rooms', { headers: H.adminHeaders() })).json.rooms.length;
  await post({ guestNames: ['a', 'b', 'c', 'd'] });
  assert.equal((await A('GET', '/api/v1/admin/rooms', { headers: H.adminHeaders() })).json.rooms.length, before);
});
