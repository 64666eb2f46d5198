'use strict';
// Seats (issue 8): an invite is spent when its person joins and binds the seat to that browser
// (device id); the same browser comes back, another device may take the seat over; the admin sees
// each seat, re-copies an unused link, issues a new link (the old one answers invite.replaced) and
// closes rooms. Also: inspect, title/mute in signaling, socket.io at /socket.io/ namespace /ws,
// cors.forbidden for socket.io, the HTML 404 page and the schema-1 migration.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const Database = require('better-sqlite3');
const { io: ioClient } = require('socket.io-client');
const { openDb } = require('../src/data/db');
const H = require('./helpers');

let srv;
test.before(async () => { srv = await H.startServer({ env: { EARSHOT_CORS_ORIGINS: 'https://app.example.com', EARSHOT_RATE_REDEEM: '100000', EARSHOT_RATE_ADMIN: '100000' } }); });
test.after(async () => { await srv?.stop(); });
const A = (...a) => H.api(srv.url, ...a);
const decode = (t) => JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString());
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const DEV1 = 'device-one-0123456789';
const DEV2 = 'device-two-0123456789';
const DEV3 = 'device-three-0123456789';
const REPLACED = 'This link was replaced by a newer one. Ask the host for the new link.';
const MOVED = 'You joined this call on another device.';
const IN_USE = 'You are in this call on another device.';

const inspect = (invite, device) => A('POST', '/api/v1/invites/inspect', { body: device === undefined ? { invite } : { invite, device } });
const redeem = (invite, device, takeover) => A('POST', '/api/v1/invites/redeem', {
  body: { invite, ...(device === undefined ? {} : { device }), ...(takeover === undefined ? {} : { takeover }) },
});
const listRoom = async (roomId) => (await A('GET', '/api/v1/admin/rooms', { headers: H.adminHeaders() })).json.rooms.find((r) => r.roomId === roomId);
const newLink = (roomId, seatId, body = {}) => A('POST', `/api/v1/admin/rooms/${roomId}/seats/${seatId}/link`, { headers: H.adminHeaders(), body });
function ageDb(s, sql, ...args) { return H.dbQuery(s, sql, args); }
function expect(r, status, code, message) {
  assert.equal(r.status, status, `${code}: ${r.text}`);
  assert.equal(r.json.code, code);
  if (message) assert.equal(r.json.message, message);
}

test('inspect describes an unused seat without spending it', async () => {
  const room = await H.adminRoom(srv.url, { title: 'Standup', hostName: 'Ana', guestName: 'Ben' });
  const inv = H.inviteOf(room.links.guest);
  for (const device of [undefined, DEV1, DEV1]) {
    const r = await inspect(inv, device);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['expiresAt', 'inCall', 'inRoom', 'roomId', 'seat', 'state', 'title']);
    assert.equal(r.json.roomId, room.roomId);
    assert.equal(r.json.title, 'Standup');
    assert.deepEqual(r.json.seat, { seatId: room.seats[1].seatId, role: 'guest', name: 'Ben' });
    assert.equal(r.json.state, 'unused');
    assert.equal(r.json.inCall, false);
    assert.deepEqual(r.json.inRoom, []);
    assert.equal(r.json.expiresAt, room.links.guest.expiresAt);
  }
  // the host is in the call: the guest's inspect lists them
  const host = (await redeem(H.inviteOf(room.links.host), DEV3)).json;
  const sock = await H.connectOk(srv.url, { token: host.token });
  try {
    const r = await inspect(inv, DEV1);
    assert.deepEqual(r.json.inRoom, [{ userId: host.user.userId, name: 'Ana', role: 'host' }]);
    assert.equal((await listRoom(room.roomId)).seats[1].state, 'unused', 'inspect spends nothing');
  } finally { sock.close(); }
  assert.equal((await redeem(inv, DEV1)).status, 200);
});

test('redeem with a device: spent on join, the same device comes back as the same user; another device is told in_use', async () => {
  const room = await H.adminRoom(srv.url, { title: 'Seats', hostName: 'Ana', guestName: 'Ben' });
  const inv = H.inviteOf(room.links.guest);
  const first = await redeem(inv, DEV1);
  assert.equal(first.status, 200);
  assert.equal(first.json.title, 'Seats');
  assert.equal(first.json.signalingPath, '/ws');
  assert.deepEqual(first.json.seat, { seatId: room.seats[1].seatId, role: 'guest', name: 'Ben' });
  assert.deepEqual(first.json.user, { userId: first.json.user.userId, name: 'Ben', role: 'guest' });
  assert.equal(decode(first.json.token).gen, 1);

  await H.sleep(1100); // a new iat makes a different token
  const again = await redeem(inv, DEV1);
  assert.equal(again.status, 200);
  assert.equal(again.json.user.userId, first.json.user.userId, 'rejoin keeps the userId');
  assert.notEqual(again.json.token, first.json.token, 'a fresh room token');
  assert.equal((await inspect(inv, DEV1)).json.state, 'yours');

  const other = await inspect(inv, DEV2);
  assert.equal(other.status, 200);
  assert.equal(other.json.state, 'elsewhere');
  assert.equal(other.json.inCall, false);
  const refused = await redeem(inv, DEV2);
  expect(refused, 409, 'invite.in_use', IN_USE);
  assert.equal(refused.json.inCall, false);
  // while the holder is connected, both answers say so
  const sock = await H.connectOk(srv.url, { token: again.json.token });
  try {
    assert.equal((await inspect(inv, DEV2)).json.inCall, true);
    assert.equal((await redeem(inv, DEV2)).json.inCall, true);
    // another tab of the same browser is asked too while the seat is in the call; takeover answers
    const tab = await redeem(inv, DEV1);
    expect(tab, 409, 'invite.in_use', IN_USE);
    assert.equal(tab.json.inCall, true);
    assert.equal((await redeem(inv, DEV1, true)).json.user.userId, first.json.user.userId, 'the same browser takes it over as the same user');
    const seat = (await listRoom(room.roomId)).seats[1];
    assert.deepEqual({ ...seat, expiresAt: undefined }, { seatId: room.seats[1].seatId, role: 'guest', name: 'Ben', state: 'joined', inCall: true, expiresAt: undefined });
    assert.match(seat.expiresAt, ISO);
  } finally { sock.close(); }
  // no device (legacy client): the invite was used
  expect(await redeem(inv), 409, 'invite.used');
});

test('a seat spent without a device id stays single use, also for a device', async () => {
  const room = await H.adminRoom(srv.url);
  const inv = H.inviteOf(room.links.host);
  assert.equal((await redeem(inv)).status, 200);
  expect(await redeem(inv), 409, 'invite.used');
  expect(await redeem(inv, DEV1), 409, 'invite.used');
  assert.equal((await inspect(inv, DEV1)).json.state, 'elsewhere');
});

test('concurrent first redeems from two devices: one wins, the other is in_use', async () => {
  for (let round = 0; round < 3; round++) {
    const room = await H.adminRoom(srv.url);
    const inv = H.inviteOf(room.links.guest);
    const rs = await Promise.all([redeem(inv, DEV1), redeem(inv, DEV2)]);
    assert.deepEqual(rs.map((r) => r.status).sort(), [200, 409], `round ${round}`);
    assert.equal(rs.find((r) => r.status === 409).json.code, 'invite.in_use');
  }
});

test('takeover: the seat moves to the new device, the old socket gets session-replaced "moved", its token is refused with session.moved', async () => {
  const room = await H.adminRoom(srv.url, { hostName: 'Ana', guestName: 'Ben' });
  const host = (await redeem(H.inviteOf(room.links.host), DEV3)).json;
  const inv = H.inviteOf(room.links.guest);
  const phone = (await redeem(inv, DEV1)).json;
  const a = await H.connectOk(srv.url, { token: host.token });
  const b = await H.connectOk(srv.url, { token: phone.token });
  const extra = [];
  try {
    const replaced = H.once(b, 'session-replaced');
    const left = H.once(a, 'user-left');
    const laptop = await redeem(inv, DEV2, true);
    assert.equal(laptop.status, 200);
    assert.equal(laptop.json.user.userId, phone.user.userId, 'same userId on the new device');
    assert.equal(decode(laptop.json.token).gen, 2);
    assert.deepEqual(await replaced, { reason: 'moved', message: MOVED });
    assert.deepEqual(await left, { userId: phone.user.userId, reason: 'moved' });
    await H.waitFor(() => b.disconnected);
    // the old device's token (generation 1) cannot get back in
    const err = await H.connectRefused(srv.url, { token: phone.token });
    assert.equal(err.message, 'session.moved');
    assert.deepEqual(err.data, { code: 'session.moved', message: MOVED });
    // the new one can, and the others see the same user again
    const joined = H.once(a, 'user-joined');
    const c = await H.connectOk(srv.url, { token: laptop.json.token });
    extra.push(c);
    assert.equal((await joined).userId, phone.user.userId);
    // the device roles swapped: the phone is now "elsewhere" and may take it back
    assert.equal((await inspect(inv, DEV1)).json.state, 'elsewhere');
    assert.equal((await inspect(inv, DEV2)).json.state, 'yours');
    expect(await redeem(inv, DEV1), 409, 'invite.in_use');
    assert.equal((await redeem(inv, DEV1, false)).status, 409);
    // token-refresh on the live socket keeps the new generation
    const t = await c.timeout(2000).emitWithAck('token-refresh');
    assert.equal(decode(t.token).gen, 2);
    assert.equal(decode(t.token).seat, room.seats[1].seatId);
  } finally { a.close(); b.close(); for (const s of extra) s.close(); }
});

test('a bound device may come back after its invite expired, until the room closes; an unused expired invite shows "expired"', async () => {
  const room = await H.adminRoom(srv.url);
  const hostInv = H.inviteOf(room.links.host);
  const first = await redeem(hostInv, DEV1);
  const c = decode(hostInv);
  const now = Math.floor(Date.now() / 1000);
  const expiredHost = H.hmacJwt({ ...c, iat: now - 120, exp: now - 60 }); // same jti, past exp
  const back = await redeem(expiredHost, DEV1);
  assert.equal(back.status, 200, back.text);
  assert.equal(back.json.user.userId, first.json.user.userId);
  expect(await redeem(expiredHost, DEV2), 409, 'invite.in_use');
  expect(await redeem(expiredHost), 409, 'invite.used');

  // the guest invite expires unused
  await ageDb(srv, 'UPDATE seats SET invite_expires_at = ? WHERE seat_id = ?', Date.now() - 1000, room.seats[1].seatId);
  await ageDb(srv, 'UPDATE invites SET expires_at = ? WHERE seat_id = ?', Date.now() - 1000, room.seats[1].seatId);
  const seat = (await listRoom(room.roomId)).seats[1];
  assert.equal(seat.state, 'expired');
  assert.equal(seat.url, undefined);
  expect(await redeem(H.inviteOf(room.links.guest), DEV2), 410, 'invite.expired');
  expect(await inspect(H.inviteOf(room.links.guest), DEV2), 410, 'invite.expired');
  // a new link revives the seat
  const fresh = await newLink(room.roomId, room.seats[1].seatId);
  assert.equal(fresh.json.seat.state, 'unused');
  assert.equal((await redeem(new URL(fresh.json.seat.url).searchParams.get('t'), DEV2)).status, 200);
});

test('admin lists seats with a url while unused; the url survives a reload and equals the created link', async () => {
  const room = await H.adminRoom(srv.url, { title: 'List', hostName: 'Ana', guestName: 'Ben' });
  const e = await listRoom(room.roomId);
  assert.equal(e.seats.length, 2);
  assert.deepEqual(Object.keys(e.seats[0]).sort(), ['expiresAt', 'inCall', 'name', 'role', 'seatId', 'state', 'url']);
  assert.deepEqual(e.seats.map((s) => [s.seatId, s.role, s.name, s.state, s.inCall, s.url, s.expiresAt]),
    room.seats.map((s) => [s.seatId, s.role, s.name, 'unused', false, s.url, s.expiresAt]));
  assert.equal(e.seats[0].url, room.links.host.url);
  assert.equal(e.seats[1].url, room.links.guest.url);
  await redeem(H.inviteOf(room.links.host), DEV1);
  const after = await listRoom(room.roomId);
  assert.equal(after.seats[0].state, 'joined');
  assert.equal(after.seats[0].inCall, false);
  assert.equal(after.seats[0].url, undefined, 'a joined seat offers no url');
  assert.equal(after.seats[1].url, room.links.guest.url);
  // api rooms have no seats
  const apiRoom = (await A('POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} })).json.roomId;
  const all = await A('GET', '/api/v1/admin/rooms?include=api', { headers: H.adminHeaders() });
  assert.deepEqual(all.json.rooms.find((x) => x.roomId === apiRoom).seats, []);
});

test('new link for a seat: old link answers invite.replaced, the holder is removed with session-replaced "replaced"', async () => {
  const room = await H.adminRoom(srv.url, { hostName: 'Ana', guestName: 'Ben' });
  const host = (await redeem(H.inviteOf(room.links.host), DEV3)).json;
  const oldInv = H.inviteOf(room.links.guest);
  const ben = (await redeem(oldInv, DEV1)).json;
  const a = await H.connectOk(srv.url, { token: host.token });
  const b = await H.connectOk(srv.url, { token: ben.token });
  try {
    const replaced = H.once(b, 'session-replaced');
    const left = H.once(a, 'user-left');
    const r = await newLink(room.roomId, room.seats[1].seatId, { inviteTtlSeconds: 600 });
    assert.equal(r.status, 200, r.text);
    const s = r.json.seat;
    assert.deepEqual(Object.keys(s).sort(), ['expiresAt', 'inCall', 'name', 'role', 'seatId', 'state', 'url']);
    assert.equal(s.seatId, room.seats[1].seatId);
    assert.equal(s.state, 'unused');
    assert.equal(s.inCall, false);
    assert.notEqual(s.url, room.links.guest.url);
    const newInv = new URL(s.url).searchParams.get('t');
    assert.equal(decode(newInv).exp - decode(newInv).iat, 600);
    assert.deepEqual(await replaced, { reason: 'replaced', message: 'The host gave your seat a new link.' });
    assert.deepEqual(await left, { userId: ben.user.userId, reason: 'replaced' });
    // the old link, the old token
    expect(await inspect(oldInv, DEV1), 410, 'invite.replaced', REPLACED);
    expect(await redeem(oldInv, DEV1), 410, 'invite.replaced', REPLACED);
    expect(await redeem(oldInv), 410, 'invite.replaced', REPLACED);
    const err = await H.connectRefused(srv.url, { token: ben.token });
    assert.equal(err.message, 'session.replaced');
    assert.deepEqual(err.data, { code: 'session.replaced', message: 'The host gave your seat a new link.' });
    // the list shows the new url; the new link seats a new user at generation 2
    assert.equal((await listRoom(room.roomId)).seats[1].url, s.url);
    const nb = await redeem(newInv, DEV2);
    assert.equal(nb.status, 200);
    assert.notEqual(nb.json.user.userId, ben.user.userId);
    assert.equal(decode(nb.json.token).gen, 2);
    // a second new link replaces the (now used) one too
    const r2 = await newLink(room.roomId, room.seats[1].seatId);
    expect(await redeem(newInv, DEV2), 410, 'invite.replaced');
    assert.equal((await redeem(new URL(r2.json.seat.url).searchParams.get('t'), DEV2)).status, 200);
  } finally { a.close(); b.close(); }
  // errors
  expect(await newLink(room.roomId, 'nope'), 404, 'seat.not_found');
  expect(await newLink('noSuchRoom123', room.seats[1].seatId), 404, 'room.not_found');
  const other = await H.adminRoom(srv.url);
  expect(await newLink(other.roomId, room.seats[1].seatId), 404, 'seat.not_found');
  expect(await newLink(room.roomId, room.seats[1].seatId, { inviteTtlSeconds: 5 }), 400, 'request.invalid');
  expect(await newLink(room.roomId, room.seats[1].seatId, { x: 1 }), 400, 'request.invalid');
  const noKey = await A('POST', `/api/v1/admin/rooms/${room.roomId}/seats/${room.seats[1].seatId}/link`, { body: {} });
  expect(noKey, 401, 'auth.required');
});

test('close room: everyone gets room-closed with the sentence, links refuse with room.closed, the list says closed without urls', async () => {
  const room = await H.adminRoom(srv.url, { title: 'Closing' });
  const host = (await redeem(H.inviteOf(room.links.host), DEV1)).json;
  const a = await H.connectOk(srv.url, { token: host.token });
  try {
    const closed = H.once(a, 'room-closed');
    const del = await A('DELETE', `/api/v1/admin/rooms/${room.roomId}`, { headers: H.adminHeaders() });
    assert.equal(del.status, 200);
    assert.deepEqual(await closed, { roomId: room.roomId, reason: 'closed', message: 'The host closed this room.' });
    await H.waitFor(() => a.disconnected);
  } finally { a.close(); }
  for (const r of [await redeem(H.inviteOf(room.links.guest), DEV2), await inspect(H.inviteOf(room.links.guest), DEV2),
    await redeem(H.inviteOf(room.links.host), DEV1), await inspect(H.inviteOf(room.links.host)), await redeem(H.inviteOf(room.links.guest))]) {
    expect(r, 410, 'room.closed', 'The host closed this room.');
  }
  const e = await listRoom(room.roomId);
  assert.equal(e.status, 'closed');
  assert.ok(e.seats.every((s) => s.url === undefined));
  expect(await newLink(room.roomId, room.seats[1].seatId), 410, 'room.closed');
  const err = await H.connectRefused(srv.url, { token: host.token });
  assert.deepEqual(err.data, { code: 'room.closed', message: 'The host closed this room.' });
});

test('inspect and redeem error codes: invalid, expired, room not found / expired, bad device / takeover', async () => {
  const room = await H.adminRoom(srv.url);
  const inv = H.inviteOf(room.links.guest);
  const c = decode(inv);
  const now = Math.floor(Date.now() / 1000);
  for (const call of [inspect, redeem]) {
    expect(await call('abc'), 401, 'invite.invalid', 'This invite link is not valid.');
    expect(await call(H.hmacJwt({ ...c, jti: 'unknown-jti' })), 401, 'invite.invalid');
    expect(await call(H.hmacJwt(c, 'another-secret-another-secret-another')), 401, 'invite.invalid');
    expect(await call(H.hmacJwt({ ...c, iat: now - 120, exp: now - 60 })), 410, 'invite.expired', 'This invite link has expired.');
    expect(await call(H.hmacJwt({ ...c, room: 'noSuchRoom123' })), 404, 'room.not_found');
    expect(await call(inv, 'short'), 400, 'request.invalid');
    expect(await call(inv, 'has spaces in it 0123456789'), 400, 'request.invalid');
    expect(await call(inv, 'x'.repeat(129)), 400, 'request.invalid');
  }
  const bad = await A('POST', '/api/v1/invites/redeem', { body: { invite: inv, device: DEV1, takeover: 'yes' } });
  expect(bad, 400, 'request.invalid');
  assert.equal(bad.json.field, 'takeover');
  expect(await A('POST', '/api/v1/invites/inspect', { body: { invite: inv, takeover: true } }), 400, 'request.invalid');
  // nothing above spent the invite
  assert.equal((await inspect(inv, DEV1)).json.state, 'unused');
  await ageDb(srv, 'UPDATE rooms SET expires_at = ? WHERE room_id = ?', Date.now() - 1000, room.roomId);
  expect(await inspect(inv, DEV1), 410, 'room.expired');
  expect(await redeem(inv, DEV1), 410, 'room.expired');
  const e = await listRoom(room.roomId);
  assert.equal(e.status, 'expired');
  assert.ok(e.seats.every((s) => s.url === undefined), 'an expired room offers no urls');
  expect(await newLink(room.roomId, room.seats[1].seatId), 410, 'room.expired');
});

test('inspect is rate-limited like redeem', async () => {
  const s = await H.startServer({ env: { EARSHOT_RATE_REDEEM: '3' } });
  try {
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await H.api(s.url, 'POST', '/api/v1/invites/inspect', { body: { invite: 'a.b.c' } })).status);
    assert.deepEqual(codes, [401, 401, 401, 429, 429]);
  } finally { await s.stop(); }
});

test('seed-004 join answers carry signalingPath', async () => {
  const roomId = (await A('POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} })).json.roomId;
  const j = await A('POST', `/api/v1/rooms/${roomId}/join`, { headers: H.appHeaders(), body: { userId: 'alice' } });
  assert.equal(j.json.signalingPath, '/ws');
  assert.equal(decode(j.json.token).gen, undefined, 'API-room tokens have no seat generation');
});

test('room-state and user-joined carry the title; media-state relays mute and room-state remembers it', async () => {
  const room = await H.adminRoom(srv.url, { title: 'Weekly', hostName: 'Ana', guestName: 'Ben' });
  const host = (await redeem(H.inviteOf(room.links.host), DEV1)).json;
  const guest = (await redeem(H.inviteOf(room.links.guest), DEV2)).json;
  const a = H.connect(srv.url, { token: host.token });
  const extra = [];
  try {
    const aState = await H.once(a, 'room-state');
    assert.equal(aState.title, 'Weekly');
    assert.deepEqual(await a.timeout(2000).emitWithAck('media-state', { muted: true }), { ok: true });
    for (const bad of [{}, { muted: 'yes' }, 'x', null]) {
      const ack = await a.timeout(2000).emitWithAck('media-state', bad);
      assert.equal(ack.code, 'signal.invalid');
    }
    const joined = H.once(a, 'user-joined');
    const b = H.connect(srv.url, { token: guest.token });
    extra.push(b);
    const bState = await H.once(b, 'room-state');
    assert.equal(bState.title, 'Weekly');
    assert.equal(bState.participants[0].muted, true);
    const j = await joined;
    assert.equal(j.title, 'Weekly');
    assert.equal(j.muted, false);
    const got = H.once(a, 'media-state');
    b.emit('media-state', { muted: true });
    assert.deepEqual(await got, { from: guest.user.userId, muted: true });
    const got2 = H.once(b, 'media-state');
    a.emit('media-state', { muted: false });
    assert.deepEqual(await got2, { from: host.user.userId, muted: false });
  } finally { a.close(); for (const s of extra) s.close(); }
});

test('socket.io also at the default path /socket.io/ with namespace /ws (websocket and polling), sharing rooms with /ws', async () => {
  const room = await H.adminRoom(srv.url, { hostName: 'Ana', guestName: 'Ben' });
  const host = (await redeem(H.inviteOf(room.links.host), DEV1)).json;
  const guest = (await redeem(H.inviteOf(room.links.guest), DEV2)).json;
  // what io('ws://host/ws') means: default path, namespace /ws
  const wsUrl = host.signalingUrl;
  assert.equal(new URL(wsUrl).pathname, '/ws');
  const a = ioClient(wsUrl.replace(/^ws/, 'http'), { transports: ['websocket'], auth: { token: host.token }, reconnection: false, forceNew: true });
  const socks = [a];
  try {
    const aState = await H.once(a, 'room-state');
    assert.equal(aState.self.userId, host.user.userId);
    // b connects only once a is in the room, so a is told of b (user-joined) rather than b of a
    const joined = H.once(a, 'user-joined');
    const b = ioClient(srv.url, { path: guest.signalingPath, transports: ['websocket'], auth: { token: guest.token }, reconnection: false, forceNew: true });
    socks.push(b);
    await H.once(b, 'room-state');
    assert.equal((await joined).userId, guest.user.userId);
    const offer = H.once(b, 'webrtc-offer');
    a.emit('webrtc-offer', { sdp: { type: 'offer', sdp: 'v=0\r\n' } });
    assert.equal((await offer).from, host.user.userId);
    const answer = H.once(a, 'webrtc-answer');
    b.emit('webrtc-answer', { sdp: { type: 'answer', sdp: 'v=0\r\n' } });
    assert.equal((await answer).from, guest.user.userId);
    const left = H.once(b, 'user-left');
    await a.timeout(2000).emitWithAck('leave');
    assert.deepEqual(await left, { userId: host.user.userId, reason: 'left' });
    // long-polling at the default path works as well
    const p = ioClient(`${srv.url}/ws`, { transports: ['polling'], auth: { token: host.token }, reconnection: false, forceNew: true });
    socks.push(p);
    assert.equal((await H.once(p, 'room-state')).self.userId, host.user.userId);
  } finally { for (const s of socks) s.close(); }
});

test('a foreign origin gets cors.forbidden: REST JSON, and socket.io connect_error data on both paths and transports', async () => {
  const room = await H.adminRoom(srv.url);
  const host = (await redeem(H.inviteOf(room.links.host), DEV1)).json;
  for (const [m, p, body] of [['POST', '/api/v1/invites/inspect', { invite: 'x' }], ['GET', '/api/v1/config'], ['GET', '/health']]) {
    const r = await A(m, p, { headers: { origin: 'https://evil.example' }, body });
    expect(r, 403, 'cors.forbidden', 'This origin is not allowed to call the API.');
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.equal(r.headers.get('access-control-allow-origin'), 'https://evil.example', 'the page can read its refusal');
  }
  const variants = [
    [srv.url, { path: '/ws' }],
    [`${srv.url}/ws`, {}],
  ];
  for (const [url, o] of variants) {
    for (const transports of [['websocket'], ['polling']]) {
      const s = ioClient(url, { ...o, transports, auth: { token: host.token }, reconnection: false, forceNew: true, extraHeaders: { origin: 'https://evil.example' } });
      const err = await new Promise((resolve, reject) => {
        s.once('connect', () => reject(new Error('connected from a foreign origin')));
        s.once('connect_error', resolve);
      }).finally(() => s.close());
      assert.equal(err.message, 'cors.forbidden', `${url} ${transports}`);
      assert.deepEqual(err.data, { code: 'cors.forbidden', message: 'This origin is not allowed to connect.' });
    }
  }
  // a configured origin connects on both paths
  for (const [url, o] of variants) {
    const s = ioClient(url, { ...o, transports: ['websocket'], auth: { token: host.token }, reconnection: false, forceNew: true, extraHeaders: { origin: 'https://app.example.com' } });
    try { await H.once(s, 'room-state'); } finally { s.close(); }
  }
});

test('unknown paths get a small HTML 404 page with a link home', async () => {
  for (const p of ['/nope', '/no/such/page', '/.hidden']) {
    const r = await A('GET', p);
    assert.equal(r.status, 404, p);
    assert.match(r.headers.get('content-type'), /^text\/html; charset=utf-8/);
    assert.match(r.text, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
    assert.match(r.text, /<h1>Page not found<\/h1>/);
    assert.match(r.text, /<a href="\/">/);
    assert.match(r.text, /<link rel="stylesheet" href="\/earshot.css">/);
    assert.doesNotMatch(r.text, /<style|style=|<script/, 'the CSP forbids inline style and script');
  }
  assert.equal((await A('HEAD', '/nope')).text, '');
});

test('a schema-1 database is migrated: each invite becomes a seat, used ones joined', async () => {
  const file = path.join(H.tempDir(), 'v1.sqlite');
  const db = new Database(file);
  db.exec(`CREATE TABLE rooms (room_id TEXT PRIMARY KEY, app_id TEXT NOT NULL, source TEXT NOT NULL, title TEXT, metadata TEXT, created_by TEXT,
             status TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, started_at INTEGER, ended_at INTEGER);
           CREATE TABLE invites (jti TEXT PRIMARY KEY, room_id TEXT NOT NULL REFERENCES rooms(room_id) ON DELETE CASCADE, role TEXT NOT NULL,
             name TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER, used_by TEXT);
           PRAGMA user_version = 1;`);
  const now = Date.now();
  db.prepare(`INSERT INTO rooms VALUES ('old', 'a', 'admin', 'T', NULL, NULL, 'open', ?, ?, NULL, NULL)`).run(now, now + 3600000);
  db.prepare('INSERT INTO invites VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run('h1', 'old', 'host', 'Ana', now, now + 600000, now, 'u_ana');
  db.prepare('INSERT INTO invites VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run('g1', 'old', 'guest', 'Ben', now, now + 600000, null, null);
  db.close();
  const store = openDb(file);
  try {
    const seats = await store.seatsForRoom('old');
    assert.deepEqual(seats.map((s) => [s.seat_id, s.role, s.name, s.user_id, s.gen, s.invite_token]), [['h1', 'host', 'Ana', 'u_ana', 1, null], ['g1', 'guest', 'Ben', null, 1, null]]);
    assert.equal((await store.claimSeat('g1', 'hash', { newUserId: 'u_ben' })).result, 'ok');
    assert.equal((await store.claimSeat('g1', 'hash', { newUserId: 'u_x' })).result, 'rejoin');
    assert.equal((await store.claimSeat('h1', 'hash', { newUserId: 'u_x' })).result, 'used');
    assert.equal(store.db.pragma('user_version', { simple: true }), 2);
  } finally { store.close(); }
  // opening again changes nothing
  const again = openDb(file);
  try { assert.equal((await again.seatsForRoom('old')).length, 2); } finally { again.close(); }
});
