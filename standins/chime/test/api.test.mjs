// The Chime stand-in's HTTP API (seed 000: rooms, single-use invites, join in both answer shapes,
// CORS, admin key, faults hook) and a signaling smoke with the SDK's own protobuf codec, against a
// stand-in child process on loopback.
//   node --test standins/chime/test/api.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { startChimeStandin } from '../launch.mjs';

const require = createRequire(import.meta.url);
const codec = require('../lib/codec.js');
const WebSocket = require('ws');

const ADMIN = 'api-test-admin-key-0123';
const SECRET = 'api-test-jwt-secret-0123456789abcdef';
const PAGE = 'http://pages.example:8080';
let s, j;  // flat and joininfo stand-ins

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
function mint(claims, { secret = SECRET, header = { alg: 'HS256', typ: 'JWT' } } = {}) {
  const h = b64(header), p = b64(claims);
  const sig = header.alg === 'none' ? '' : crypto.createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${sig}`;
}
const claimsOf = (t) => JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString());
const tokenOf = (link) => new URL(link).searchParams.get('t');
const nowS = () => Math.floor(Date.now() / 1000);

async function join(base, roomId, token, { headers = {}, body } = {}) {
  const r = await fetch(`${base}/rooms/${roomId}/join`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify(body !== undefined ? body : (token ? { token } : {})),
  });
  return { status: r.status, headers: r.headers, body: await r.json() };
}

before(async () => {
  [s, j] = await Promise.all([
    startChimeStandin({ adminKey: ADMIN, jwtSecret: SECRET, args: ['--page-origin', PAGE, '--invite-ttl-s', '600'] }),
    startChimeStandin({ adminKey: ADMIN, jwtSecret: SECRET, args: ['--page-origin', PAGE, '--join-shape', 'joininfo'] }),
  ]);
});
after(async () => {
  assert.equal(await s?.stop(), 0, 'SIGTERM ends the stand-in with exit code 0');
  await j?.stop();
});

test('POST /rooms needs the admin key and answers links with HS256 invites carrying exactly the agreed claims', async () => {
  for (const headers of [{}, { 'X-Admin-Key': 'wrong-key-123' }]) {
    const r = await fetch(`${s.api}/rooms`, { method: 'POST', headers });
    assert.equal(r.status, 401);
    assert.equal((await r.json()).code, 'admin.unauthorized');
  }
  const room = await s.createRoom({ title: 'Standup', hostName: 'Alice', guestName: 'Bob' });
  assert.deepEqual(Object.keys(room).sort(), ['expiresAt', 'guestLink', 'hostLink', 'roomId', 'title']);
  assert.equal(room.title, 'Standup');
  for (const [link, role, name] of [[room.hostLink, 'host', 'Alice'], [room.guestLink, 'guest', 'Bob']]) {
    const u = new URL(link);
    assert.equal(`${u.origin}${u.pathname}`, `${PAGE}/room.html`);
    assert.equal(u.searchParams.get('room'), room.roomId);
    const t = tokenOf(link);
    assert.deepEqual(JSON.parse(Buffer.from(t.split('.')[0], 'base64url')), { alg: 'HS256', typ: 'JWT' });
    const c = claimsOf(t);
    assert.deepEqual(Object.keys(c).sort(), ['exp', 'iat', 'iss', 'jti', 'name', 'role', 'room', 'title', 'typ']);
    assert.deepEqual({ iss: c.iss, typ: c.typ, room: c.room, role: c.role, name: c.name, title: c.title },
      { iss: 'earshot', typ: 'invite', room: room.roomId, role, name, title: 'Standup' });
    assert.ok(c.exp - c.iat === 600 && Math.abs(c.iat - nowS()) < 5 && c.exp === room.expiresAt);
  }
  assert.notEqual(claimsOf(tokenOf(room.hostLink)).jti, claimsOf(tokenOf(room.guestLink)).jti);
  const d = await s.createRoom({});
  assert.equal(claimsOf(tokenOf(d.hostLink)).name, 'Host');
  assert.equal(claimsOf(tokenOf(d.guestLink)).name, 'Guest');
  const bad = await fetch(`${s.api}/rooms`, { method: 'POST', headers: { 'X-Admin-Key': ADMIN }, body: '{"title": 5}' });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).code, 'request.invalid');
});

test('join: flat {Meeting, Attendee}; CreateMeeting with ExternalMeetingId first, the full meeting with MediaPlacement later', async () => {
  const room = await s.createRoom({ hostName: 'Alice', guestName: 'Bob' });
  const a = await join(s.api, room.roomId, tokenOf(room.hostLink));
  assert.equal(a.status, 200, JSON.stringify(a.body));
  assert.deepEqual(Object.keys(a.body).sort(), ['Attendee', 'Meeting']);
  const M = a.body.Meeting;
  assert.deepEqual(Object.keys(M).sort(), ['ExternalMeetingId', 'MediaPlacement', 'MediaRegion', 'MeetingArn', 'MeetingId']);
  assert.equal(M.ExternalMeetingId, room.roomId.slice(0, 64));
  assert.ok(M.ExternalMeetingId.length <= 64);
  assert.equal(M.MediaRegion, 'us-east-1');
  assert.match(M.MeetingArn, new RegExp(`^arn:aws:chime:us-east-1:\\d{12}:meeting/${M.MeetingId}$`));
  assert.deepEqual(Object.keys(M.MediaPlacement).sort(), ['AudioFallbackUrl', 'AudioHostUrl', 'EventIngestionUrl', 'SignalingUrl', 'TurnControlUrl']);
  assert.equal(M.MediaPlacement.SignalingUrl, `${s.api.replace('http', 'ws')}/control/${M.MeetingId}`);
  const A = a.body.Attendee;
  assert.deepEqual(Object.keys(A).sort(), ['AttendeeId', 'Capabilities', 'ExternalUserId', 'JoinToken']);
  assert.equal(A.ExternalUserId, 'Alice');
  assert.match(A.JoinToken, /^[A-Za-z0-9_-]+$/, 'a legal WebSocket subprotocol token');
  const b = await join(s.api, room.roomId, tokenOf(room.guestLink));
  assert.equal(b.status, 200);
  assert.deepEqual(b.body.Meeting, M, 'the second join gets the same, full meeting');
  assert.equal(b.body.Attendee.ExternalUserId, 'Bob');
  assert.notEqual(b.body.Attendee.AttendeeId, A.AttendeeId);
  // The body alone carries the invite too.
  const c = await s.createRoom({});
  const viaBody = await join(s.api, c.roomId, null, { body: { token: tokenOf(c.hostLink) } });
  assert.equal(viaBody.status, 200);
});

test('join: the AWS demo\'s doubly nested JoinInfo shape under --join-shape joininfo', async () => {
  const room = await j.createRoom({ hostName: 'Cleo' });
  const r = await join(j.api, room.roomId, tokenOf(room.hostLink));
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.body), ['JoinInfo']);
  assert.deepEqual(Object.keys(r.body.JoinInfo).sort(), ['Attendee', 'Meeting']);
  assert.ok(r.body.JoinInfo.Meeting.Meeting.MediaPlacement.SignalingUrl);
  assert.equal(r.body.JoinInfo.Attendee.Attendee.ExternalUserId, 'Cleo');
});

test('an invite is single use: 20 parallel joins with one link give exactly one 200 and nineteen 409 invite.used', async () => {
  const room = await s.createRoom({});
  const t = tokenOf(room.guestLink);
  const all = await Promise.all(Array.from({ length: 20 }, () => join(s.api, room.roomId, t)));
  const codes = all.map((r) => r.status).sort();
  assert.deepEqual(codes, [200, ...Array(19).fill(409)]);
  for (const r of all.filter((x) => x.status === 409)) assert.equal(r.body.code, 'invite.used');
});

test('bad invites get specific errors: expired 410, tampered/alg none/garbage 401, wrong room 400, unknown room 404, third attendee 409 room.full', async () => {
  const room = await s.createRoom({});
  const base = { iss: 'earshot', typ: 'invite', room: room.roomId, role: 'guest', name: 'Eve', iat: nowS(), exp: nowS() + 600, title: 'x' };
  const expired = await join(s.api, room.roomId, mint({ ...base, jti: crypto.randomUUID(), iat: nowS() - 700, exp: nowS() - 100 }));
  assert.deepEqual([expired.status, expired.body.code], [410, 'invite.expired']);
  const good = tokenOf(room.hostLink);
  const [h, p, sig] = good.split('.');
  const tampered = `${h}.${b64({ ...claimsOf(good), role: 'host', name: 'Mallory' })}.${sig}`;
  const cases = {
    tampered,
    'alg none': mint({ ...base, jti: crypto.randomUUID() }, { header: { alg: 'none', typ: 'JWT' } }),
    'alg HS512': mint({ ...base, jti: crypto.randomUUID() }, { header: { alg: 'HS512', typ: 'JWT' } }),
    'other secret': mint({ ...base, jti: crypto.randomUUID() }, { secret: 'some-other-secret-0123456789' }),
    'short signature': `${h}.${p}.${sig.slice(0, 20)}`,
    garbage: 'not-a-jwt',
    'not an invite': mint({ ...base, typ: 'session', jti: crypto.randomUUID() }),
  };
  for (const [what, t] of Object.entries(cases)) {
    const r = await join(s.api, room.roomId, t);
    assert.deepEqual([r.status, r.body.code], [401, 'invite.invalid'], `${what}: ${JSON.stringify(r.body)}`);
    assert.ok(r.body.message.length > 10);
  }
  const none = await join(s.api, room.roomId, null, { body: {} });
  assert.deepEqual([none.status, none.body.code], [401, 'invite.invalid']);
  const differ = await join(s.api, room.roomId, good, { body: { token: tokenOf(room.guestLink) } });
  assert.deepEqual([differ.status, differ.body.code], [401, 'invite.invalid']);
  const other = await s.createRoom({});
  const wrong = await join(s.api, other.roomId, good);
  assert.deepEqual([wrong.status, wrong.body.code], [400, 'invite.mismatch']);
  const ghost = crypto.randomUUID();
  const missing = await join(s.api, ghost, mint({ ...base, room: ghost, jti: crypto.randomUUID() }));
  assert.deepEqual([missing.status, missing.body.code], [404, 'room.not_found']);
  // Two attendees seat the 1:1 room; a third valid invite (minted with the secret) is refused.
  assert.equal((await join(s.api, room.roomId, good)).status, 200);
  assert.equal((await join(s.api, room.roomId, tokenOf(room.guestLink))).status, 200);
  const third = await join(s.api, room.roomId, mint({ ...base, jti: crypto.randomUUID() }));
  assert.deepEqual([third.status, third.body.code], [409, 'room.full']);
  assert.deepEqual([(await join(s.api, room.roomId, good)).body.code], ['invite.used']);
});

test('room TTL: an expired room answers 404 room.not_found', async () => {
  const t = await startChimeStandin({ adminKey: ADMIN, jwtSecret: SECRET, args: ['--room-ttl-s', '1'] });
  try {
    const room = await t.createRoom({});
    await new Promise((r) => setTimeout(r, 2100));
    const link = await join(t.api, room.roomId, tokenOf(room.hostLink));
    assert.deepEqual([link.status, link.body.code], [410, 'invite.expired'], 'an invite does not outlive its room');
    const c = claimsOf(tokenOf(room.hostLink));
    assert.ok(c.exp - c.iat <= 1);
    // A still-valid invite (minted with the secret) meets the TTL sweep: the room is gone.
    const late = mint({ ...c, jti: crypto.randomUUID(), iat: nowS(), exp: nowS() + 600 });
    const r = await join(t.api, room.roomId, late);
    assert.deepEqual([r.status, r.body.code], [404, 'room.not_found']);
  } finally {
    await t.stop();
  }
});

test('CORS is locked to the page origin: preflight and response headers for it, none for another origin', async () => {
  const room = await s.createRoom({});
  const pre = await fetch(`${s.api}/rooms/${room.roomId}/join`, { method: 'OPTIONS', headers: { Origin: PAGE, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), PAGE);
  assert.match(pre.headers.get('access-control-allow-headers'), /Authorization/);
  const refused = await fetch(`${s.api}/rooms/${room.roomId}/join`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
  assert.equal(refused.status, 403);
  assert.equal(refused.headers.get('access-control-allow-origin'), null);
  assert.equal((await refused.json()).code, 'cors.origin_refused');
  const ok = await join(s.api, room.roomId, tokenOf(room.hostLink), { headers: { Origin: PAGE } });
  assert.equal(ok.headers.get('access-control-allow-origin'), PAGE);
  const evil = await join(s.api, room.roomId, tokenOf(room.guestLink), { headers: { Origin: 'https://evil.example' } });
  assert.equal(evil.headers.get('access-control-allow-origin'), null);
});

test('hooks need the admin key; the faults hook reproduces the seed\'s two troubleshooting cases until reset', async () => {
  const r = await fetch(`${s.api}/_standin/log`);
  assert.equal(r.status, 401);
  assert.equal((await r.json()).code, 'admin.unauthorized');
  await assert.rejects(s.hook('faults', { method: 'POST', body: { join: 'bogus' } }), /faults\.unknown/);

  await s.hook('faults', { method: 'POST', body: { join: 'missing-external-meeting-id' } });
  const room = await s.createRoom({});
  const e = await join(s.api, room.roomId, tokenOf(room.hostLink));
  assert.equal(e.status, 500);
  assert.deepEqual(e.body, { message: 'Missing ExternalMeetingId' });

  await s.hook('faults', { method: 'POST', body: { join: 'no-media-placement' } });
  const n = await join(s.api, room.roomId, tokenOf(room.hostLink));
  assert.equal(n.status, 200, 'the failed CreateMeeting did not use up the invite');
  assert.equal(n.body.Meeting.MediaPlacement, undefined);
  assert.ok(n.body.Meeting.MeetingId);

  await s.hook('faults', { method: 'POST', body: { join: null } });
  const ok = await join(s.api, room.roomId, tokenOf(room.guestLink));
  assert.ok(ok.body.Meeting.MediaPlacement.SignalingUrl);
  assert.equal(ok.body.Meeting.MeetingId, n.body.Meeting.MeetingId);
});

// ---- signaling smoke --------------------------------------------------------------------------
function connect(signalingUrl, protocols) {
  const url = `${signalingUrl}?X-Chime-Control-Protocol-Version=3&X-Amzn-Chime-Send-Close-On-Error=1&X-Amzn-Version=3.32.0&X-Amzn-User-Agent=node-20`;
  const ws = new WebSocket(url, protocols);
  const frames = [];
  const waiters = [];
  ws.on('message', (data) => {
    const d = codec.decode(data);
    frames.push(d);
    for (const w of [...waiters]) if (w.pred(d)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(d); }
  });
  const closed = new Promise((r) => ws.on('close', (code, reason) => r({ code, reason: String(reason) })));
  const next = (type, ms = 3000) => {
    const have = frames.find((d) => d.type === type && !d.taken);
    if (have) { have.taken = true; return Promise.resolve(have); }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${type} within ${ms} ms; got ${frames.map((f) => f.type).join(',')}`)), ms);
      waiters.push({ pred: (d) => d.type === type, resolve: (d) => { clearTimeout(t); d.taken = true; resolve(d); } });
    });
  };
  const send = (type, fields) => ws.send(codec.encode(type, fields));
  return { ws, frames, next, send, closed, opened: new Promise((r, j) => { ws.once('open', r); ws.once('error', j); }) };
}

test('signaling smoke with the SDK codec: JOIN → JOIN_ACK + INDEX, PING → PONG, LEAVE → LEAVE_ACK; a bad JoinToken is closed 4403', async () => {
  const room = await s.createRoom({ hostName: 'Alice' });
  const { body } = await join(s.api, room.roomId, tokenOf(room.hostLink));
  const url = body.Meeting.MediaPlacement.SignalingUrl;
  const c = connect(url, ['_aws_wt_session', body.Attendee.JoinToken]);
  await c.opened;
  assert.equal(c.ws.protocol, '_aws_wt_session', 'the server echoes the session subprotocol');
  c.send('JOIN', { join: { protocolVersion: 2, flags: 2, clientDetails: { chimeSdkVersion: '3.32.0', clientSource: 'amazon-chime-sdk-js' } } });
  const ack = await c.next('JOIN_ACK');
  assert.equal(ack.message.joinack.wantsCompressedSdp, false);
  const index = await c.next('INDEX');
  assert.ok(index.message.index);
  assert.equal(c.frames.indexOf(ack) < c.frames.indexOf(index), true, 'JOIN_ACK comes before INDEX');
  for (const f of c.frames) assert.ok(Number(f.message.timestampMs) > 0, 'timestamp_ms is set');
  c.send('PING_PONG', { pingPong: { type: 'PING', pingId: 4242 } });
  const pong = await c.next('PING_PONG');
  assert.deepEqual([pong.json.pingPong.type, pong.json.pingPong.pingId], ['PONG', 4242]);
  c.send('LEAVE', { leave: {} });
  await c.next('LEAVE_ACK');
  c.ws.close(1000);
  await c.closed;

  const bad = connect(url, ['_aws_wt_session', 'not-a-real-join-token']);
  const closed = await bad.closed;
  assert.deepEqual(closed, { code: 4403, reason: 'attendee unavailable' });
  const noProto = connect(url, ['chat']);
  await assert.rejects(noProto.opened, /400/);

  const log = await s.log();
  const opens = log.filter((e) => e.kind === 'ws-open' && e.meetingId === body.Meeting.MeetingId);
  assert.equal(opens[0].attendeeId, body.Attendee.AttendeeId);
  assert.equal(opens[0].query['X-Chime-Control-Protocol-Version'], '3');
  assert.equal(opens[1].attendeeId, null);
  const types = log.filter((e) => e.kind === 'frame' && e.attendeeId === body.Attendee.AttendeeId).map((e) => `${e.dir}:${e.type}`);
  assert.deepEqual(types, ['in:JOIN', 'out:JOIN_ACK', 'out:INDEX', 'in:PING_PONG', 'out:PING_PONG', 'in:LEAVE', 'out:LEAVE_ACK']);
  assert.ok(log.some((e) => e.kind === 'ws-close' && e.code === 4403));
});

test('the meeting-end hook sends AUDIO_STATUS 410 then closes 4410; a later connection to it is closed 4410', async () => {
  const room = await s.createRoom({});
  const { body } = await join(s.api, room.roomId, tokenOf(room.hostLink));
  const c = connect(body.Meeting.MediaPlacement.SignalingUrl, ['_aws_wt_session', body.Attendee.JoinToken]);
  await c.opened;
  c.send('JOIN', { join: { protocolVersion: 2 } });
  await c.next('INDEX');
  const meetings = await s.hook('meetings');
  assert.ok(meetings.find((m) => m.MeetingId === body.Meeting.MeetingId).attendees[0].connected);
  const r = await s.hook(`meetings/${body.Meeting.MeetingId}/end`, { method: 'POST' });
  assert.equal(r.sessionsEnded, 1);
  const st = await c.next('AUDIO_STATUS');
  assert.equal(st.message.audioStatus.audioStatus, 410);
  assert.deepEqual(await c.closed, { code: 4410, reason: 'meeting ended' });
  const again = connect(body.Meeting.MediaPlacement.SignalingUrl, ['_aws_wt_session', body.Attendee.JoinToken]);
  assert.equal((await again.closed).code, 4410);
  await assert.rejects(s.hook(`meetings/${body.Meeting.MeetingId}/end`, { method: 'POST' }), /410/);
  await assert.rejects(s.hook('attendees/nobody/remove', { method: 'POST' }), /404/);
});

test('the attendee-remove hook sends AUDIO_STATUS 411 then closes 4403; the JoinToken is refused afterwards', async () => {
  const room = await s.createRoom({});
  const { body } = await join(s.api, room.roomId, tokenOf(room.guestLink));
  const protocols = ['_aws_wt_session', body.Attendee.JoinToken];
  const c = connect(body.Meeting.MediaPlacement.SignalingUrl, protocols);
  await c.opened;
  c.send('JOIN', { join: { protocolVersion: 2 } });
  await c.next('INDEX');
  const r = await s.hook(`attendees/${body.Attendee.AttendeeId}/remove`, { method: 'POST' });
  assert.equal(r.sessionsEnded, 1);
  assert.equal((await c.next('AUDIO_STATUS')).message.audioStatus.audioStatus, 411);
  assert.deepEqual(await c.closed, { code: 4403, reason: 'attendee unavailable' });
  assert.equal((await connect(body.Meeting.MediaPlacement.SignalingUrl, protocols).closed).code, 4403);
  const old = connect(body.Meeting.MediaPlacement.SignalingUrl, ['_aws_wt_session']);
  await assert.rejects(old.opened, /400/, 'the JoinToken subprotocol is required');
  const wrongVersion = await s.createRoom({});
  const w = (await join(s.api, wrongVersion.roomId, tokenOf(wrongVersion.hostLink))).body;
  const x = connect(w.Meeting.MediaPlacement.SignalingUrl, ['_aws_wt_session', w.Attendee.JoinToken]);
  await x.opened;
  x.send('JOIN', { join: { protocolVersion: 1 } });
  assert.equal((await x.next('JOIN_ACK')).message.error.status, 400);
  assert.equal((await x.closed).code, 4400);
});
