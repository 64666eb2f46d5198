'use strict';
// Invite-link flow (seed 000 on top of seed 004): admin rooms, single-use redemption, expiry.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const H = require('./helpers');

let srv;
test.before(async () => { srv = await H.startServer({ env: { EARSHOT_INVITE_TTL: '900' } }); });
test.after(async () => { await srv?.stop(); });
const A = (...a) => H.api(srv.url, ...a);
const decode = (t) => JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString());
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

test('POST /api/v1/admin/rooms returns host and guest links with the agreed shape', async () => {
  const before = Date.now();
  const r = await A('POST', '/api/v1/admin/rooms', { headers: H.adminHeaders(), body: { title: 'Standup', hostName: 'Ana', guestName: 'Ben', inviteTtlSeconds: 600 } });
  assert.equal(r.status, 201);
  const b = r.json;
  assert.deepEqual(Object.keys(b).sort(), ['createdAt', 'expiresAt', 'links', 'roomId', 'seats', 'title']);
  assert.deepEqual(b.seats.map((s) => [s.role, s.name, s.state, s.inCall, s.url]), [['host', 'Ana', 'unused', false, b.links.host.url], ['guest', 'Ben', 'unused', false, b.links.guest.url]]);
  assert.equal(b.title, 'Standup');
  assert.match(b.createdAt, ISO);
  assert.match(b.expiresAt, ISO);
  for (const role of ['host', 'guest']) {
    const l = b.links[role];
    assert.deepEqual(Object.keys(l).sort(), ['expiresAt', 'name', 'role', 'url']);
    assert.equal(l.role, role);
    assert.equal(l.name, role === 'host' ? 'Ana' : 'Ben');
    const u = new URL(l.url);
    assert.equal(`${u.origin}${u.pathname}`, `${srv.url}/room.html`);
    assert.equal(u.searchParams.get('room'), b.roomId);
    const t = u.searchParams.get('t');
    assert.equal(Buffer.from(t.split('.')[0], 'base64url').toString(), '{"alg":"HS256","typ":"JWT"}');
    const c = decode(t);
    assert.deepEqual(Object.keys(c).sort(), ['exp', 'iat', 'iss', 'jti', 'name', 'role', 'room', 'typ']);
    assert.equal(c.iss, 'earshot');
    assert.equal(c.typ, 'invite');
    assert.equal(c.room, b.roomId);
    assert.equal(c.role, role);
    assert.equal(c.name, l.name);
    assert.equal(c.exp - c.iat, 600);
    assert.ok(Math.abs(c.iat * 1000 - before) < 5000);
    assert.equal(new Date(l.expiresAt).getTime(), c.exp * 1000);
  }
  assert.notEqual(decode(H.inviteOf(b.links.host)).jti, decode(H.inviteOf(b.links.guest)).jti);
  // links.guests lists every guest; with guestName it is the one guest link
  assert.deepEqual(b.links.guests, [b.links.guest]);
});

test('admin room defaults and validation', async () => {
  const d = await H.adminRoom(srv.url);
  assert.equal(d.title, null);
  assert.equal(d.links.host.name, 'Host');
  assert.equal(d.links.guest.name, 'Guest');
  const c = decode(H.inviteOf(d.links.guest));
  assert.equal(c.exp - c.iat, 900, 'EARSHOT_INVITE_TTL default');
  const bad = [
    [{ title: 'x'.repeat(81) }, 'title'],
    [{ hostName: 'x'.repeat(41) }, 'hostName'],
    [{ guestName: '' }, 'guestName'],
    [{ inviteTtlSeconds: 59 }, 'inviteTtlSeconds'],
    [{ inviteTtlSeconds: 86401 }, 'inviteTtlSeconds'],
    [{ inviteTtlSeconds: 100.5 }, 'inviteTtlSeconds'],
    [{ inviteTtlSeconds: '600' }, 'inviteTtlSeconds'],
    [{ title: 5 }, 'title'],
    [{ roomId: 'mine' }, 'roomId'],
    // default EARSHOT_ROOM_SIZE 2: one guest at most
    [{ guestNames: ['Bob', 'Cleo'] }, 'guestNames'],
  ];
  for (const [body, field] of bad) {
    const r = await A('POST', '/api/v1/admin/rooms', { headers: H.adminHeaders(), body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.code, 'request.invalid');
    assert.equal(r.json.field, field, JSON.stringify(body));
  }
  const noKey = await A('POST', '/api/v1/admin/rooms', { body: {} });
  assert.equal(noKey.status, 401);
  const wrongKey = await A('POST', '/api/v1/admin/rooms', { headers: { 'x-admin-key': 'nope-nope-nope-nope' }, body: {} });
  assert.equal(wrongKey.status, 401);
  assert.equal(wrongKey.json.code, 'auth.invalid');
  const appKey = await A('POST', '/api/v1/admin/rooms', { headers: H.appHeaders(), body: {} });
  assert.equal(appKey.status, 401, 'app credentials are not admin credentials');
});

test('redeem once: 200 with session, replay refused with 409 invite.used', async () => {
  const room = await H.adminRoom(srv.url, { hostName: 'Ana' });
  const r = await H.redeem(srv.url, H.inviteOf(room.links.host));
  assert.equal(r.status, 200);
  const b = r.json;
  assert.deepEqual(Object.keys(b).sort(), ['expiresAt', 'iceServers', 'roomId', 'seat', 'signalingPath', 'signalingUrl', 'title', 'token', 'ttl', 'user']);
  assert.equal(b.signalingPath, '/ws');
  assert.equal(b.title, null);
  assert.deepEqual(Object.keys(b.seat).sort(), ['name', 'role', 'seatId']);
  assert.equal(b.seat.seatId, room.seats[0].seatId);
  assert.equal(b.roomId, room.roomId);
  assert.equal(b.signalingUrl, `ws://127.0.0.1:${srv.port}/ws`);
  assert.deepEqual(Object.keys(b.user).sort(), ['name', 'role', 'userId']);
  assert.equal(b.user.role, 'host');
  assert.equal(b.user.name, 'Ana');
  assert.match(b.expiresAt, ISO);
  const c = decode(b.token);
  assert.deepEqual(Object.keys(c).sort(), ['appId', 'exp', 'gen', 'iat', 'iss', 'name', 'role', 'roomId', 'seat', 'sub', 'typ']);
  assert.equal(c.seat, b.seat.seatId);
  assert.equal(c.gen, 1);
  assert.equal(c.typ, 'room');
  assert.equal(c.roomId, room.roomId);
  assert.equal(c.sub, b.user.userId);
  assert.equal(c.exp - c.iat, b.ttl);
  assert.match(b.iceServers[0].username, new RegExp(`^\\d+:${b.user.userId}$`));

  const again = await H.redeem(srv.url, H.inviteOf(room.links.host));
  assert.equal(again.status, 409);
  assert.equal(again.json.code, 'invite.used');
  assert.equal(typeof again.json.message, 'string');
  // the guest link is independent
  assert.equal((await H.redeem(srv.url, H.inviteOf(room.links.guest))).status, 200);
});

test('two concurrent redemptions of one invite: exactly one 200, one 409', async () => {
  for (let round = 0; round < 5; round++) {
    const room = await H.adminRoom(srv.url);
    const inv = H.inviteOf(room.links.guest);
    const rs = await Promise.all([H.redeem(srv.url, inv), H.redeem(srv.url, inv), H.redeem(srv.url, inv)]);
    const codes = rs.map((r) => r.status).sort();
    assert.deepEqual(codes, [200, 409, 409], `round ${round}`);
  }
});

test('expired invite: 410 invite.expired (and not consumed)', async () => {
  const room = await H.adminRoom(srv.url);
  const c = decode(H.inviteOf(room.links.guest));
  const now = Math.floor(Date.now() / 1000);
  const expired = H.hmacJwt({ ...c, iat: now - 120, exp: now - 60 });
  const r = await H.redeem(srv.url, expired);
  assert.equal(r.status, 410);
  assert.equal(r.json.code, 'invite.expired');
  // the genuine (unexpired) invite with the same jti still works once
  assert.equal((await H.redeem(srv.url, H.inviteOf(room.links.guest))).status, 200);
});

test('invalid invites: 401 invite.invalid for forgery, alg:none, wrong typ, garbage; 400 for bad body', async () => {
  const room = await H.adminRoom(srv.url);
  const inv = H.inviteOf(room.links.host);
  const c = decode(inv);
  const [h, p, s] = inv.split('.');
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
  const otherKey = H.hmacJwt(c, 'wrong-secret-wrong-secret-wrong-secret');
  const escalated = `${h}.${Buffer.from(JSON.stringify({ ...c, role: 'host', name: 'Mallory' })).toString('base64url')}.${s}`;
  const roomTok = H.hmacJwt({ ...c, typ: 'room' });
  const unknownJti = H.hmacJwt({ ...c, jti: 'not-a-real-jti' });
  const badRole = H.hmacJwt({ ...c, role: 'admin' });
  const hs512 = H.hmacJwt(c, undefined, { alg: 'HS512', typ: 'JWT' });
  for (const [name, t] of Object.entries({ none, otherKey, escalated, roomTok, unknownJti, badRole, hs512, garbage: 'abc', twoParts: `${h}.${p}` })) {
    const r = await H.redeem(srv.url, t);
    assert.equal(r.status, 401, name);
    assert.equal(r.json.code, 'invite.invalid', name);
  }
  for (const body of [{}, { invite: 5 }, { invite: '' }, { invite: inv, extra: 1 }, { invite: 'x'.repeat(5000) }]) {
    const r = await A('POST', '/api/v1/invites/redeem', { body });
    assert.equal(r.status, 400, JSON.stringify(body).slice(0, 60));
    assert.equal(r.json.code, 'request.invalid');
  }
  // none of the above consumed the real invite
  assert.equal((await H.redeem(srv.url, inv)).status, 200);
});

test('room not found / closed / expired on redeem', async () => {
  const now = Math.floor(Date.now() / 1000);
  const ghost = H.hmacJwt({ iss: 'earshot', typ: 'invite', room: 'noSuchRoom123', role: 'guest', name: 'G', jti: crypto.randomUUID(), iat: now, exp: now + 600 });
  const nf = await H.redeem(srv.url, ghost);
  assert.equal(nf.status, 404);
  assert.equal(nf.json.code, 'room.not_found');

  const room = await H.adminRoom(srv.url);
  const del = await A('DELETE', `/api/v1/admin/rooms/${room.roomId}`, { headers: H.adminHeaders() });
  assert.equal(del.status, 200);
  assert.deepEqual(del.json, { roomId: room.roomId, status: 'closed' });
  const closed = await H.redeem(srv.url, H.inviteOf(room.links.guest));
  assert.equal(closed.status, 410);
  assert.equal((await A('DELETE', '/api/v1/admin/rooms/noSuchRoom123', { headers: H.adminHeaders() })).status, 404);
});

test('room.expired: a room past its TTL refuses redemption (410) and the sweeper deletes it', async () => {
  // EARSHOT_ROOM_TTL has a 300 s floor, so age the room in the database of a dedicated server.
  const s = await H.startServer({ env: { EARSHOT_SWEEP_MS: '100000' } });
  try {
    const room = await H.adminRoom(s.url);
    await H.dbQuery(s, 'UPDATE rooms SET expires_at = ? WHERE room_id = ?', [Date.now() - 1000, room.roomId]);
    const r = await H.redeem(s.url, H.inviteOf(room.links.host));
    assert.equal(r.status, 410);
    assert.equal(r.json.code, 'room.expired');
    const list = await H.api(s.url, 'GET', '/api/v1/admin/rooms', { headers: H.adminHeaders() });
    assert.equal(list.json.rooms.find((x) => x.roomId === room.roomId).status, 'expired');
    await s.stop();
    // on the next start the sweeper runs immediately and removes the room and its invites
    const s2 = await H.startServer({ dataDir: s.dataDir });
    try {
      const l2 = await H.api(s2.url, 'GET', '/api/v1/admin/rooms', { headers: H.adminHeaders() });
      assert.equal(l2.json.rooms.find((x) => x.roomId === room.roomId), undefined);
      const gone = await H.redeem(s2.url, H.inviteOf(room.links.guest));
      assert.equal(gone.status, 404);
    } finally { await s2.stop(); }
  } finally { await s.stop(); }
});

test('GET /api/v1/admin/rooms lists rooms with participants and invite state', async () => {
  const room = await H.adminRoom(srv.url, { title: 'Listed' });
  const red = await H.redeem(srv.url, H.inviteOf(room.links.host));
  const sock = await H.connectOk(srv.url, { token: red.json.token });
  try {
    const r = await A('GET', '/api/v1/admin/rooms', { headers: H.adminHeaders() });
    assert.equal(r.status, 200);
    const e = r.json.rooms.find((x) => x.roomId === room.roomId);
    assert.ok(e);
    assert.deepEqual(Object.keys(e).sort(), ['createdAt', 'expiresAt', 'invites', 'participants', 'roomId', 'seats', 'status', 'title']);
    assert.equal(e.title, 'Listed');
    assert.equal(e.status, 'open');
    assert.equal(e.participants.length, 1);
    assert.deepEqual(Object.keys(e.participants[0]).sort(), ['joinedAt', 'name', 'role', 'userId']);
    assert.equal(e.participants[0].userId, red.json.user.userId);
    assert.equal(e.invites.host.used, true);
    assert.equal(e.invites.guest.used, false);
    assert.equal(e.invites.guest.expiresAt, room.links.guest.expiresAt);
    assert.deepEqual(e.invites.guests, [{ name: 'Guest', used: false, expiresAt: room.links.guest.expiresAt }]);
    assert.equal((await A('GET', '/api/v1/admin/rooms')).status, 401);
    assert.equal((await A('GET', '/api/v1/admin/rooms?x=1', { headers: H.adminHeaders() })).status, 400);
    // seed-API rooms appear only with ?include=api
    const api = (await A('POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} })).json.roomId;
    assert.equal(r.json.rooms.find((x) => x.roomId === api), undefined);
    const all = await A('GET', '/api/v1/admin/rooms?include=api', { headers: H.adminHeaders() });
    assert.deepEqual(all.json.rooms.find((x) => x.roomId === api).invites, { host: null, guest: null, guests: [] });
  } finally { sock.close(); }
});
