// Node-only protocol tests of the IVS stand-in on loopback: seed 002's room API, participant tokens
// (ES384, verifiable with the key dir's public key), rotate-key, token expiry, the events WebSocket
// (STAGE_STATE sequence, SET_STATE, PING/PONG, JOIN_ERROR), WHIP refusals, room lifetime, the CLI.
//   node --test standins/ivs/test/api.test.mjs
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import WebSocket from 'ws';
import { startStandin, SERVER } from './standin.mjs';

const ORIGIN = 'http://pages.example.test:8080';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const decode = (token) => token.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8')));

// An events-socket client as the SDK opens it: events_url?error_over_ws=1&topic=<topic>/publishers&traceid=…
// with the raw token as the subprotocol. next(type) waits for the next frame of that type.
function events(token, { url, topic, protocol = token } = {}) {
  const [, claims] = decode(token);
  const q = `error_over_ws=1&topic=${encodeURIComponent(topic ?? `${claims.topic}/publishers`)}&traceid=t-${Math.random().toString(36).slice(2)}`;
  const ws = new WebSocket(`${url || claims.events_url}?${q}`, protocol ? [protocol] : []);
  const frames = [];
  const waiters = [];
  let closed = null;
  ws.on('message', (d) => {
    const f = JSON.parse(d.toString());
    frames.push(f);
    for (const w of [...waiters]) w.check();
  });
  ws.on('close', (code) => { closed = { code }; for (const w of [...waiters]) w.check(); });
  const opened = new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  let read = 0;
  return {
    ws, frames, opened, participantId: claims.jti,
    get closed() { return closed; },
    send: (f) => ws.send(JSON.stringify(f)),
    // Resolves the first unread frame of `type` matching `pred` (frames before it are consumed).
    next(type, pred = () => true, timeout = 3000) {
      return new Promise((resolve, reject) => {
        const w = {
          check() {
            for (let i = read; i < frames.length; i++) {
              if (frames[i].type === type && pred(frames[i])) { read = i + 1; done(); return resolve(frames[i]); }
            }
            if (closed && type !== 'close') { done(); reject(new Error(`socket closed (${closed.code}) before a ${type} frame; got ${JSON.stringify(frames.slice(read))}`)); }
          },
        };
        const timer = setTimeout(() => { done(); reject(new Error(`no ${type} frame in ${timeout} ms; got ${JSON.stringify(frames.slice(read))}`)); }, timeout);
        const done = () => { clearTimeout(timer); waiters.splice(waiters.indexOf(w), 1); };
        waiters.push(w);
        w.check();
      });
    },
    whenClosed(timeout = 3000) {
      return new Promise((resolve, reject) => {
        if (closed) return resolve(closed);
        const t = setTimeout(() => reject(new Error('socket still open')), timeout);
        ws.once('close', (code) => { clearTimeout(t); resolve({ code }); });
      });
    },
    close() { ws.close(); },
  };
}
const ids = (frame) => frame.payload.participants.map((p) => p.id).sort();

describe('IVS stand-in (one server)', () => {
  let s;
  before(async () => { s = await startStandin({ flags: ['--page-origin', ORIGIN] }); });
  after(async () => {
    const { code } = await s.stop();
    assert.equal(code, 0, `SIGTERM ends the stand-in with exit code 0:\n${s.output()}`);
  });

  test('POST /room/join without roomId creates a room; with it joins that room', async () => {
    const a = await s.join({ username: 'Alice' });
    assert.equal(a.status, 200);
    assert.match(a.body.roomId, /^[A-Za-z0-9]{12}$/);
    assert.equal(a.body.stageArn, `arn:aws:ivs:us-east-1:000000000000:stage/${a.body.roomId}`);
    assert.match(a.body.stageConfig.participantId, /^[A-Za-z0-9]{12}$/);
    assert.equal(typeof a.body.stageConfig.token, 'string');
    const b = await s.join({ username: 'Bob', roomId: a.body.roomId });
    assert.equal(b.status, 200);
    assert.equal(b.body.roomId, a.body.roomId);
    assert.equal(b.body.stageArn, a.body.stageArn);
    assert.notEqual(b.body.stageConfig.participantId, a.body.stageConfig.participantId);
    const other = await s.join({ username: 'Cleo' });
    assert.notEqual(other.body.roomId, a.body.roomId, 'no roomId: a new room each time');

    const g = await fetch(`${s.api}/rooms/${a.body.roomId}`);
    assert.equal(g.status, 200);
    const room = await g.json();
    assert.deepEqual(Object.keys(room).sort(), ['createdAt', 'id', 'isActive', 'participants', 'stageArn']);
    assert.equal(room.id, a.body.roomId);
    assert.equal(room.stageArn, a.body.stageArn);
    assert.ok(Date.now() - Date.parse(room.createdAt) < 10000);
    assert.equal(room.isActive, false, 'no one has joined the stage yet');
    assert.deepEqual(room.participants, {});
  });

  test('room API errors: 404 ROOM_NOT_FOUND, 400 username.invalid and other bad bodies', async () => {
    const g = await fetch(`${s.api}/rooms/nosuchroom12`);
    assert.equal(g.status, 404);
    assert.deepEqual(await g.json(), { code: 'ROOM_NOT_FOUND', message: 'No room exists with the room ID "nosuchroom12"' });
    const j = await s.join({ username: 'Alice', roomId: 'nosuchroom12' });
    assert.equal(j.status, 404);
    assert.equal(j.body.code, 'ROOM_NOT_FOUND');
    for (const [body, why] of [[{}, 'missing'], [{ username: '' }, 'empty'], [{ username: '   ' }, 'blank'], [{ username: 42 }, 'a number'], [{ username: 'x'.repeat(129) }, 'too long']]) {
      const r = await s.join(body);
      assert.equal(r.status, 400, `username ${why}`);
      assert.equal(r.body.code, 'username.invalid', `username ${why}`);
      assert.ok(r.body.message.length > 10);
    }
    assert.equal((await s.join({ username: 'x'.repeat(128) })).status, 200, '128 characters is allowed');
    const notJson = await fetch(`${s.api}/room/join`, { method: 'POST', body: 'username=alice' });
    assert.equal(notJson.status, 400);
    assert.equal((await notJson.json()).code, 'body.invalid');
    const badRoom = await s.join({ username: 'Alice', roomId: 7 });
    assert.equal(badRoom.status, 400);
    assert.equal(badRoom.body.code, 'roomId.invalid');
    const get = await fetch(`${s.api}/room/join`);
    assert.equal(get.status, 405);
    const none = await fetch(`${s.api}/nothing`);
    assert.equal(none.status, 404);
    assert.equal((await none.json()).code, 'route.not_found');
  });

  test('CORS: the page origin may call the room API and WHIP with Authorization and X-Stages-*; others may not', async () => {
    const pre = await fetch(`${s.api}/whip/publish/abc`, {
      method: 'OPTIONS',
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,x-stages-sdk,x-stages-trace-id' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), ORIGIN);
    assert.equal(pre.headers.get('access-control-allow-headers'), 'authorization, content-type, x-stages-sdk, x-stages-trace-id');
    assert.match(pre.headers.get('access-control-allow-methods'), /DELETE/);
    const j = await fetch(`${s.api}/room/join`, { method: 'POST', headers: { Origin: ORIGIN }, body: JSON.stringify({ username: 'Alice' }) });
    assert.equal(j.headers.get('access-control-allow-origin'), ORIGIN);
    assert.equal(j.headers.get('access-control-expose-headers'), 'Location, Link');
    const other = await fetch(`${s.api}/room/join`, { method: 'POST', headers: { Origin: 'http://evil.example' }, body: JSON.stringify({ username: 'Alice' }) });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  test('tokens carry the claims of vendors.md and an ES384 signature that verifies with the public key', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { body } = await s.join({ username: 'Alice' });
    const { token, participantId } = body.stageConfig;
    const [header, claims] = decode(token);
    assert.deepEqual(header, { alg: 'ES384', typ: 'JWT', kid: readFileSync(join(s.keyDir, 'kid'), 'utf8').trim() });
    const { exp, iat, ...rest } = claims;
    assert.deepEqual(rest, {
      attributes: { name: 'Alice' }, capabilities: { allow_publish: true, allow_subscribe: true }, version: '1.0',
      topic: body.roomId, resource: body.stageArn, jti: participantId, user_id: 'Alice',
      whip_url: `${s.api}/whip`, events_url: `${s.api.replace('http', 'ws')}/events`,
    });
    assert.ok(iat >= before && iat <= before + 5);
    assert.equal(exp - iat, 3600, 'default token TTL');
    const [h, p, sig] = token.split('.');
    const pub = crypto.createPublicKey(readFileSync(join(s.keyDir, 'public.pem')));
    assert.equal(pub.asymmetricKeyDetails.namedCurve, 'secp384r1');
    assert.ok(crypto.verify('sha384', Buffer.from(`${h}.${p}`), { key: pub, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url')));
    const tampered = Buffer.from(JSON.stringify({ ...claims, user_id: 'Mallory' })).toString('base64url');
    assert.equal(crypto.verify('sha384', Buffer.from(`${h}.${tampered}`), { key: pub, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url')), false);
  });

  test('events socket: STAGE_STATE with increasing sequence numbers follows joins, SET_STATE and leaves; PING/PONG', async () => {
    const { body: a } = await s.join({ username: 'Alice' });
    const { body: b } = await s.join({ username: 'Bob', roomId: a.roomId });
    const alice = events(a.stageConfig.token);
    await alice.opened;
    assert.equal(alice.ws.protocol, a.stageConfig.token, 'the server echoes the token subprotocol');
    const s1 = await alice.next('STAGE_STATE');
    assert.ok(s1.payload.sequenceNumber >= 1);
    assert.deepEqual(ids(s1), [a.stageConfig.participantId]);
    assert.deepEqual(s1.payload.participants[0], { id: a.stageConfig.participantId, userId: 'Alice', attributes: { name: 'Alice' }, isPublishing: false, audioMuted: false, videoStopped: true });
    assert.deepEqual(s1.payload.disconnected, []);
    assert.ok(Array.isArray(s1.payload.serverFeatures) && !s1.payload.serverFeatures.includes('xdp'), 'SDP goes over HTTP WHIP (no xdp)');

    const bob = events(b.stageConfig.token);
    const s2 = await alice.next('STAGE_STATE');
    const b2 = await bob.next('STAGE_STATE');
    assert.ok(s2.payload.sequenceNumber > s1.payload.sequenceNumber);
    assert.equal(b2.payload.sequenceNumber, s2.payload.sequenceNumber, 'one stage, one sequence');
    assert.deepEqual(ids(s2), [a.stageConfig.participantId, b.stageConfig.participantId].sort());
    const room = await (await fetch(`${s.api}/rooms/${a.roomId}`)).json();
    assert.equal(room.isActive, true);
    assert.deepEqual(Object.keys(room.participants).sort(), ids(s2));
    assert.deepEqual(room.participants[b.stageConfig.participantId], { id: b.stageConfig.participantId, isPublishing: false, attributes: { name: 'Bob' } });

    bob.send({ type: 'PING' });
    await bob.next('PONG');

    bob.send({ audioMuted: true, type: 'SET_STATE', version: '0', videoStopped: true });
    const s3 = await alice.next('STAGE_STATE');
    assert.ok(s3.payload.sequenceNumber > s2.payload.sequenceNumber);
    assert.equal(s3.payload.participants.find((p) => p.id === b.stageConfig.participantId).audioMuted, true);
    assert.equal(s3.payload.participants.find((p) => p.id === a.stageConfig.participantId).audioMuted, false);
    const hook = await s.room(a.roomId);
    assert.equal(hook.participants.find((p) => p.id === b.stageConfig.participantId).audioMuted, true);

    bob.close();
    const s4 = await alice.next('STAGE_STATE');
    assert.ok(s4.payload.sequenceNumber > s3.payload.sequenceNumber);
    assert.deepEqual(ids(s4), [a.stageConfig.participantId]);

    const log = await s.log();
    const open = log.find((e) => e.kind === 'ws-open' && e.protocol === b.stageConfig.token);
    assert.equal(open.query.error_over_ws, '1');
    assert.equal(open.query.topic, `${a.roomId}/publishers`);
    assert.ok(log.some((e) => e.kind === 'frame' && e.dir === 'in' && e.participantId === b.stageConfig.participantId && e.frame.type === 'SET_STATE'));
    assert.ok(log.some((e) => e.kind === 'http' && e.method === 'POST' && e.path === '/room/join' && e.body.includes('"Bob"')));
    alice.close();
  });

  test('the same token joining twice: the first socket gets DISCONNECT TOKEN_REUSED', async () => {
    const { body } = await s.join({ username: 'Alice' });
    const first = events(body.stageConfig.token);
    await first.next('STAGE_STATE');
    const second = events(body.stageConfig.token);
    const d = await first.next('aws:ivs:DISCONNECT');
    assert.equal(d.payload.code, 'TOKEN_REUSED');
    await first.whenClosed();
    const st = await second.next('STAGE_STATE');
    assert.deepEqual(ids(st), [body.stageConfig.participantId]);
    second.close();
  });

  test('bad tokens on the events socket get JOIN_ERROR with a specific code, then the socket closes', async () => {
    const { body } = await s.join({ username: 'Alice' });
    const token = body.stageConfig.token;
    const [h, p, sig] = token.split('.');
    const [header, claims] = decode(token);
    const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const url = decode(token)[1].events_url;
    const cases = [
      ['not-a-jwt', 'TOKEN_INVALID'],
      [`${enc({ ...header, alg: 'none' })}.${p}.${sig}`, 'TOKEN_INVALID'],
      [`${h}.${enc({ ...claims, user_id: 'Mallory' })}.${sig}`, 'TOKEN_INVALID_SIGNATURE'],
      [`${h}.${p}.${sig.slice(0, 20)}`, 'TOKEN_INVALID_SIGNATURE'],
      [`${enc({ ...header, kid: 'arn:aws:ivs:us-east-1:000000000000:public-key/other' })}.${p}.${sig}`, 'TOKEN_INVALID_SIGNATURE'],
    ];
    for (const [bad, code] of cases) {
      const c = events(token, { url, protocol: bad });
      const e = await c.next('aws:ivs:JOIN_ERROR');
      assert.equal(e.payload.code, code, `${bad.slice(0, 40)}…: ${e.payload.message}`);
      assert.ok(e.payload.message.length > 10);
      await c.whenClosed();
    }
    const none = events(token, { url, protocol: null });
    assert.equal((await none.next('aws:ivs:JOIN_ERROR')).payload.code, 'TOKEN_MISSING');
    const wrongTopic = events(token, { topic: 'other/publishers' });
    assert.equal((await wrongTopic.next('aws:ivs:JOIN_ERROR')).payload.code, 'BAD_REQUEST');
  });

  test('WHIP refuses what IVS refuses: no or bad token 401, someone else\'s publish 403, non-publisher 404, wrong type 415', async () => {
    const { body: a } = await s.join({ username: 'Alice' });
    const { body: b } = await s.join({ username: 'Bob', roomId: a.roomId });
    const alice = events(a.stageConfig.token);
    await alice.next('STAGE_STATE');
    const post = (path, headers, sdp = 'v=0\r\n') => fetch(`${s.api}/whip/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/sdp', ...headers }, body: sdp });
    const auth = { Authorization: `Bearer ${a.stageConfig.token}` };
    let r = await post(`publish/${a.stageConfig.participantId}`, {});
    assert.equal(r.status, 401);
    assert.equal((await r.json()).code, 'TOKEN_MISSING');
    r = await post(`publish/${a.stageConfig.participantId}`, { Authorization: 'Bearer x.y.z' });
    assert.equal(r.status, 401);
    r = await post(`publish/${b.stageConfig.participantId}`, auth);
    assert.equal(r.status, 403);
    assert.equal((await r.json()).code, 'participant.mismatch');
    r = await post(`subscribe/${b.stageConfig.participantId}`, auth);
    assert.equal(r.status, 404);
    assert.equal((await r.json()).code, 'participant.not_publishing');
    r = await fetch(`${s.api}/whip/publish/${a.stageConfig.participantId}`, { method: 'POST', headers: { ...auth, 'Content-Type': 'text/plain' }, body: 'v=0' });
    assert.equal(r.status, 415);
    r = await post(`publish/${a.stageConfig.participantId}`, auth, 'hello');
    assert.equal(r.status, 400);
    assert.equal((await r.json()).code, 'sdp.invalid');
    r = await post(`publish/${a.stageConfig.participantId}`, auth, 'v=0\r\nthis is not sdp\r\n');
    assert.equal(r.status, 400, 'an offer werift cannot read is the client\'s fault');
    assert.equal((await r.json()).code, 'sdp.invalid');
    const videoOnly = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0',
      'a=ice-ufrag:abcd', 'a=ice-pwd:abcdefghijklmnopqrstuvwx', 'a=fingerprint:sha-256 ' + Array(32).fill('AB').join(':'), 'a=setup:actpass',
      'a=mid:0', 'a=sendonly', 'a=rtcp-mux', 'a=rtpmap:96 VP8/90000', ''].join('\r\n');
    r = await post(`publish/${a.stageConfig.participantId}`, auth, videoOnly);
    assert.equal(r.status, 400);
    assert.equal((await r.json()).code, 'sdp.no_audio');
    r = await post(`publish/${b.stageConfig.participantId}`, { Authorization: `Bearer ${b.stageConfig.token}` });
    assert.equal(r.status, 409, 'Bob has no events socket open');
    r = await fetch(`${s.api}/whip/session/nosuchsession`, { method: 'DELETE', headers: auth });
    assert.equal(r.status, 404);
    const log = await s.log();
    const whip = log.filter((e) => e.kind === 'http' && e.path.startsWith('/whip/'));
    assert.ok(whip.length >= 8 && whip.every((e) => 'headers' in e));
    alice.close();
  });

  test('POST /_standin/rooms/{id}/delete: everyone gets DISCONNECT STAGE_DELETED and the room is gone', async () => {
    const { body: a } = await s.join({ username: 'Alice' });
    const { body: b } = await s.join({ username: 'Bob', roomId: a.roomId });
    const alice = events(a.stageConfig.token);
    const bob = events(b.stageConfig.token);
    await alice.next('STAGE_STATE');
    await bob.next('STAGE_STATE');
    const r = await fetch(`${s.api}/_standin/rooms/${a.roomId}/delete`, { method: 'POST' });
    assert.deepEqual(await r.json(), { deleted: a.roomId, disconnected: 2 });
    for (const c of [alice, bob]) {
      assert.equal((await c.next('aws:ivs:DISCONNECT')).payload.code, 'STAGE_DELETED');
      await c.whenClosed();
    }
    assert.equal((await fetch(`${s.api}/rooms/${a.roomId}`)).status, 404);
    const again = events(a.stageConfig.token);
    assert.equal((await again.next('aws:ivs:JOIN_ERROR')).payload.code, 'STAGE_DELETED');
    assert.equal((await fetch(`${s.api}/_standin/rooms/${a.roomId}/delete`, { method: 'POST' })).status, 404);
  });
});

test('rotate-key: tokens of the old key are refused (JOIN_ERROR, WHIP 401), new tokens are signed with the new key', async () => {
  const s = await startStandin();
  try {
    const { body: old } = await s.join({ username: 'Alice' });
    const oldKid = decode(old.stageConfig.token)[0].kid;
    const c0 = events(old.stageConfig.token);
    await c0.next('STAGE_STATE');
    c0.close();
    const newKid = s.rotateKey();
    assert.notEqual(newKid, oldKid);
    const c1 = events(old.stageConfig.token);
    const e = await c1.next('aws:ivs:JOIN_ERROR');
    assert.equal(e.payload.code, 'TOKEN_INVALID_SIGNATURE');
    assert.match(e.payload.message, /kid/);
    const w = await fetch(`${s.api}/whip/publish/${old.stageConfig.participantId}`, { method: 'POST', headers: { Authorization: `Bearer ${old.stageConfig.token}`, 'Content-Type': 'application/sdp' }, body: 'v=0\r\n' });
    assert.equal(w.status, 401);
    const { body: fresh } = await s.join({ username: 'Bob', roomId: old.roomId });
    assert.equal(decode(fresh.stageConfig.token)[0].kid, newKid);
    const [h, p, sig] = fresh.stageConfig.token.split('.');
    const pub = crypto.createPublicKey(readFileSync(join(s.keyDir, 'public.pem')));
    assert.ok(crypto.verify('sha384', Buffer.from(`${h}.${p}`), { key: pub, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url')), 'signed with the new key');
    const c2 = events(fresh.stageConfig.token);
    assert.deepEqual(ids(await c2.next('STAGE_STATE')), [fresh.stageConfig.participantId]);
    c2.close();
  } finally {
    await s.stop();
  }
});

test('an expired token is refused with JOIN_ERROR TOKEN_EXPIRED (--token-ttl-s)', async () => {
  const s = await startStandin({ flags: ['--token-ttl-s', '1'] });
  try {
    const { body } = await s.join({ username: 'Alice' });
    const [, claims] = decode(body.stageConfig.token);
    assert.equal(claims.exp - claims.iat, 1);
    await sleep(Math.max(0, claims.exp * 1000 - Date.now()) + 50);
    const c = events(body.stageConfig.token);
    const e = await c.next('aws:ivs:JOIN_ERROR');
    assert.equal(e.payload.code, 'TOKEN_EXPIRED');
    await c.whenClosed();
  } finally {
    await s.stop();
  }
});

test('room lifetime: the room is deleted and everyone removed with DISCONNECT STAGE_DELETED (--room-lifetime-s)', async () => {
  const s = await startStandin({ env: { IVS_ROOM_LIFETIME_S: '1.5' } });
  try {
    const t0 = Date.now();
    const { body: a } = await s.join({ username: 'Alice' });
    const { body: b } = await s.join({ username: 'Bob', roomId: a.roomId });
    const alice = events(a.stageConfig.token);
    const bob = events(b.stageConfig.token);
    await alice.next('STAGE_STATE');
    await bob.next('STAGE_STATE');
    assert.equal((await fetch(`${s.api}/rooms/${a.roomId}`)).status, 200);
    for (const c of [alice, bob]) {
      assert.equal((await c.next('aws:ivs:DISCONNECT', () => true, 4000)).payload.code, 'STAGE_DELETED');
      await c.whenClosed();
    }
    const took = Date.now() - t0;
    assert.ok(took >= 1300 && took < 3500, `deleted after ${took} ms (lifetime 1.5 s)`);
    const g = await fetch(`${s.api}/rooms/${a.roomId}`);
    assert.equal(g.status, 404);
    assert.equal((await g.json()).code, 'ROOM_NOT_FOUND');
    assert.equal((await s.join({ username: 'Cleo', roomId: a.roomId })).status, 404);
  } finally {
    await s.stop();
  }
});

test('CLI: a bad flag or value stops with a specific message and exit code 2', () => {
  for (const [args, want] of [
    [['--nope', '1'], /unknown argument "--nope"/],
    [['--port', 'abc'], /--port must be a port number/],
    [['--room-lifetime-s', '-3'], /--room-lifetime-s must be a positive number/],
    [['--page-origin', 'example.com'], /--page-origin must be an origin/],
    [['--host'], /--host needs a value/],
    [['--room-lifetime-s', '3000000'], /at most 2000000 seconds/],
  ]) {
    const r = spawnSync(process.execPath, [SERVER, ...args], { encoding: 'utf8', timeout: 10000 });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, want);
  }
});
