// Seed 003's chat API on the stand-in: rooms with admin approval, member-only messages, $default,
// API Gateway's limits (128 KB message, 32 KB frame → 1009, idle, maximum duration), SQLite persistence.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { scratch, startServer, runExpectingFailure, ChatClient, getJson, sleep } from './helpers.mjs';

let tmp;
let srv;
const clients = [];
const connect = async (name, base = srv.chat) => { const c = await ChatClient.connect(base, name); clients.push(c); return c; };

before(async () => {
  tmp = scratch();
  srv = await startServer(['--db', tmp.db, '--tls-dir', tmp.tlsDir]);
});
after(async () => {
  for (const c of clients) c.ws.terminate();
  await srv?.stop();
  tmp?.cleanup();
});

// Alice creates a room and Bob becomes a member through her approval; returns {alice, bob, roomId}.
async function roomWithMember(prefix) {
  const alice = await connect(`${prefix}-alice`);
  const bob = await connect(`${prefix}-bob`);
  const created = await alice.request({ action: 'createRoom', roomName: `${prefix} room` }, 'roomCreated');
  bob.send({ action: 'joinRoom', roomId: created.roomId });
  await bob.next('joinRequested');
  await alice.next('joinRequest');
  alice.send({ action: 'approveJoin', roomId: created.roomId, username: `${prefix}-bob` });
  await bob.next('joinApproved');
  return { alice, bob, roomId: created.roomId };
}

test('createRoom makes the creator admin; a join request waits for the admin, who approves or rejects, and the requester is told', async () => {
  const alice = await connect('alice');
  const bob = await connect('bob');
  const carol = await connect('carol');
  const created = await alice.request({ action: 'createRoom', roomName: 'Book club' }, 'roomCreated');
  assert.equal(created.admin, 'alice');
  assert.equal(created.isAdmin, true);
  assert.match(created.roomId, /^[A-Z2-9]{8}$/);

  bob.send({ action: 'joinRoom', roomId: created.roomId });
  assert.deepEqual(await bob.next('joinRequested'), { type: 'joinRequested', roomId: created.roomId, roomName: 'Book club', admin: 'alice' });
  const req = await alice.next('joinRequest');
  assert.equal(req.username, 'bob');
  // Before approval bob is not a member: he cannot post.
  const early = await bob.request({ action: 'sendMessage', roomId: created.roomId, message: 'hi?' }, 'message');
  assert.equal(early.code, 'room.not_member');

  // Only the admin decides.
  const notAdmin = await carol.request({ action: 'approveJoin', roomId: created.roomId, username: 'bob' }, 'joinDecision');
  assert.equal(notAdmin.code, 'room.not_admin');
  assert.match(notAdmin.message, /Only the room admin \(alice\)/);

  alice.send({ action: 'approveJoin', roomId: created.roomId, username: 'bob' });
  assert.equal((await alice.next('joinDecision')).decision, 'approved');
  const approved = await bob.next('joinApproved');
  assert.deepEqual(approved.members.map((m) => m.username), ['alice', 'bob']);

  carol.send({ action: 'joinRoom', roomId: created.roomId });
  await alice.next('joinRequest');
  alice.send({ action: 'rejectJoin', roomId: created.roomId, username: 'carol' });
  const rejected = await carol.next('joinRejected');
  assert.match(rejected.reason, /alice\) rejected/);
  assert.equal((await alice.next('joinDecision')).decision, 'rejected');
  const again = await alice.request({ action: 'approveJoin', roomId: created.roomId, username: 'carol' }, 'joinDecision');
  assert.equal(again.code, 'room.no_such_request');

  const missing = await bob.request({ action: 'joinRoom', roomId: 'NOSUCHRM' }, 'joinRequested');
  assert.equal(missing.code, 'room.not_found');
});

test('messages reach members live and nobody else; getMembers lists the room, pending requests only for the admin', async () => {
  const { alice, bob, roomId } = await roomWithMember('m');
  const eve = await connect('m-eve');
  eve.send({ action: 'joinRoom', roomId });
  await alice.next('joinRequest');
  bob.send({ action: 'sendMessage', roomId, message: 'hello room' });
  const atAlice = await alice.next('message');
  const atBob = await bob.next('message');
  assert.equal(atAlice.message, 'hello room');
  assert.equal(atAlice.username, 'm-bob');
  assert.equal(atBob.messageId, atAlice.messageId);
  await sleep(200);
  assert.equal(eve.inbox.filter((m) => m.type === 'message').length, 0, 'a pending (unapproved) user must not receive room messages');

  const forAdmin = await alice.request({ action: 'getMembers', roomId }, 'members');
  assert.deepEqual(forAdmin.members, [{ username: 'm-alice', isAdmin: true, online: true }, { username: 'm-bob', isAdmin: false, online: true }]);
  assert.deepEqual(forAdmin.pendingRequests, ['m-eve']);
  const forEve = await eve.request({ action: 'getMembers', roomId }, 'members');
  assert.equal(forEve.members.length, 2);
  assert.equal(forEve.pendingRequests, undefined);
  const empty = await alice.request({ action: 'sendMessage', roomId, message: '  ' }, 'message');
  assert.equal(empty.code, 'request.message_missing');
});

test('$default answers unknown or missing actions and non-JSON with a clear error', async () => {
  const c = await connect('d-user');
  const unknown = await c.request({ action: 'fly' }, 'never');
  assert.equal(unknown.code, 'route.unknown');
  assert.match(unknown.message, /Unknown action "fly" \(\$default route\)\. Known actions: createRoom, joinRoom/);
  c.send({ hello: 1 });
  assert.match((await c.next('error')).message, /No "action" field/);
  c.send('not json');
  assert.equal((await c.next('error')).code, 'request.invalid_json');
});

test('$connect without ?username= is refused with 400 and a reason', async () => {
  const ws = new (await import('./helpers.mjs')).WebSocket(`${srv.chat}/`);
  const res = await new Promise((resolve) => ws.on('unexpected-response', (_req, r) => {
    let body = '';
    r.on('data', (d) => { body += d; });
    r.on('end', () => resolve({ status: r.statusCode, body }));
  }));
  assert.equal(res.status, 400);
  assert.match(JSON.parse(res.body).message, /\?username=/);
});

test('a message over 128 KB (sent as 32 KB frames) is refused with a message; the socket stays usable', async () => {
  const { alice, bob, roomId } = await roomWithMember('big');
  const text = JSON.stringify({ action: 'sendMessage', roomId, message: 'x'.repeat(131072) });
  const buf = Buffer.from(text);
  for (let i = 0; i < buf.length; i += 32768) alice.ws.send(buf.subarray(i, i + 32768), { fin: i + 32768 >= buf.length, binary: false });
  const err = await alice.next('error');
  assert.equal(err.code, 'message.too_large');
  assert.match(err.message, new RegExp(`Message too large: ${buf.length} bytes; API Gateway accepts at most 131072 bytes`));
  // Just under the limit passes, also fragmented.
  const ok = Buffer.from(JSON.stringify({ action: 'sendMessage', roomId, message: 'y'.repeat(120000) }));
  for (let i = 0; i < ok.length; i += 32768) alice.ws.send(ok.subarray(i, i + 32768), { fin: i + 32768 >= ok.length, binary: false });
  assert.equal((await bob.next('message', 5000)).message.length, 120000);
});

test('a 33 KB frame closes the connection with 1009', async () => {
  const c = await connect('frame-user');
  c.send({ action: 'getMembers', roomId: 'Z'.repeat(33 * 1024) });
  const closed = await c.closed;
  assert.equal(closed.code, 1009);
  assert.match(closed.reason, /Frame size \d+ exceeds 32768 bytes/);
  const log = await getJson(`${srv.chatHttp}/_standin/log`);
  assert.ok(log.some((e) => e.kind === 'chat.close_frame_too_large' && e.username === 'frame-user'));
  assert.ok(!log.some((e) => e.kind === 'chat.in' && e.username === 'frame-user'), 'the oversized frame is not delivered to a route');
  assert.ok(!c.inbox.some((m) => m.type === 'error'), 'nor answered');
});

test('rows land in ChatConnections, ChatRooms and ChatMessages; a restart on the same db keeps rooms and messages', async () => {
  const { alice, roomId } = await roomWithMember('p');
  alice.send({ action: 'sendMessage', roomId, message: 'remember me' });
  await alice.next('message');
  const rooms = await getJson(`${srv.chatHttp}/_standin/tables/ChatRooms`);
  const row = rooms.find((r) => r.roomId === roomId);
  assert.equal(row.admin, 'p-alice');
  assert.deepEqual(JSON.parse(row.members), ['p-alice', 'p-bob']);
  const msgs = await getJson(`${srv.chatHttp}/_standin/tables/ChatMessages`);
  assert.ok(msgs.some((m) => m.roomId === roomId && m.message === 'remember me' && m.username === 'p-alice'));
  const conns = await getJson(`${srv.chatHttp}/_standin/tables/ChatConnections`);
  assert.ok(conns.some((c) => c.username === 'p-alice' && c.roomId === roomId));
  assert.equal((await fetch(`${srv.chatHttp}/_standin/tables/Nope`)).status, 404);

  for (const c of clients.splice(0)) c.ws.terminate();
  await srv.stop();
  srv = await startServer(['--db', tmp.db, '--tls-dir', tmp.tlsDir]);
  assert.deepEqual(await getJson(`${srv.chatHttp}/_standin/tables/ChatConnections`), [], 'no connection survives a restart');
  const bob = await connect('p-bob');
  const rejoined = await bob.request({ action: 'joinRoom', roomId }, 'joinApproved');
  assert.equal(rejoined.rejoined, true);
  const history = await bob.request({ action: 'getMessages', roomId }, 'messages');
  assert.deepEqual(history.messages.map((m) => m.message), ['remember me']);
});

test('idle connections close after --idle-s and every connection after --max-connection-s (1001)', async () => {
  const fast = await startServer(['--db', `${tmp.dir}/limits.sqlite`, '--tls-dir', tmp.tlsDir, '--idle-s', '0.6', '--max-connection-s', '1.6']);
  try {
    const idle = await ChatClient.connect(fast.chat, 'idler');
    const busy = await ChatClient.connect(fast.chat, 'busy');
    const started = Date.now();
    const keep = setInterval(() => busy.ws.readyState === 1 && busy.send({ action: 'getMembers', roomId: 'X' }), 200);
    const idleClosed = await idle.closed;
    assert.equal(idleClosed.code, 1001);
    assert.match(idleClosed.reason, /Idle timeout after 0\.6 s/);
    assert.ok(busy.ws.readyState === 1, 'a connection that keeps talking is not idle');
    const busyClosed = await busy.closed;
    clearInterval(keep);
    assert.equal(busyClosed.code, 1001);
    assert.match(busyClosed.reason, /Maximum connection duration 1\.6 s/);
    assert.ok(Date.now() - started >= 1400, 'the maximum duration is not cut short');
  } finally {
    await fast.stop();
  }
});

test('bad flags stop the process with a specific message', async () => {
  const r = await runExpectingFailure(['--idle-s', 'soon']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--idle-s must be a number, got "soon"/);
  const r2 = await runExpectingFailure(['--tls-dir', '/nonexistent']);
  assert.match(r2.stderr, /cannot read \/nonexistent\/ca\.pem; make the test certificate with/);
});
