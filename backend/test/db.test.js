'use strict';
// SQLite store: single-use invite redemption is atomic even across processes; sweeper; restart-safe.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { openDb } = require('../src/data/db');
const H = require('./helpers');

async function seed(dbPath, jti, inviteExpiresAt = Date.now() + 600000) {
  const store = openDb(dbPath);
  const now = Date.now();
  await store.createRoom({ roomId: 'room_' + jti, appId: 'a', source: 'admin', title: 't', createdAt: now, expiresAt: now + 3600000 },
    [{ jti, role: 'guest', name: 'G', expiresAt: inviteExpiresAt }]);
  return store;
}

test('redeemInvite: ok once, then used; unknown; expired', async () => {
  const store = await seed(':memory:', 'j1');
  assert.equal(await store.redeemInvite('j1', 'u1'), 'ok');
  assert.equal(await store.redeemInvite('j1', 'u2'), 'used');
  assert.equal((await store.getInvite('j1')).used_by, 'u1');
  assert.equal(await store.redeemInvite('nope', 'u3'), 'unknown');
  const now = Date.now();
  await store.createRoom({ roomId: 'r2', appId: 'a', source: 'admin', createdAt: now, expiresAt: now + 1000 }, [{ jti: 'old', role: 'host', name: 'H', expiresAt: now - 1 }]);
  assert.equal(await store.redeemInvite('old', 'u4'), 'expired');
  store.close();
});

test('8 processes redeeming the same invite at the same instant: exactly one wins', { timeout: 60000 }, async () => {
  const dbPath = path.join(H.tempDir(), 'race.sqlite');
  (await seed(dbPath, 'race')).close();
  const at = Date.now() + 1500;
  const code = `
    const { openDb } = require(${JSON.stringify(path.join(__dirname, '..', 'src', 'data', 'db.js'))});
    const s = openDb(process.argv[1]);
    const wait = () => { while (Date.now() < ${at}) {} };
    wait();
    s.redeemInvite('race', 'user' + process.pid).then((r) => { process.stdout.write(r); return s.close(); });`;
  const runs = Array.from({ length: 8 }, () => new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['-e', code, dbPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('exit', (c) => (c === 0 ? resolve(out) : reject(new Error(`child exit ${c}`))));
  }));
  const results = (await Promise.all(runs)).sort();
  assert.deepEqual(results, ['ok', 'used', 'used', 'used', 'used', 'used', 'used', 'used']);
});

test('sweep deletes expired rooms (with their invites) and expired invites only', async () => {
  const store = openDb(':memory:');
  const now = Date.now();
  await store.createRoom({ roomId: 'live', appId: 'a', source: 'admin', createdAt: now, expiresAt: now + 60000 },
    [{ jti: 'fresh', role: 'host', name: 'H', expiresAt: now + 30000 }, { jti: 'stale', role: 'guest', name: 'G', expiresAt: now - 1 }]);
  await store.createRoom({ roomId: 'dead', appId: 'a', source: 'api', createdAt: now - 10, expiresAt: now - 1 }, [{ jti: 'd1', role: 'host', name: 'H', expiresAt: now + 30000 }]);
  const r = await store.sweep(now);
  assert.deepEqual(r.rooms.map((x) => x.room_id), ['dead']);
  assert.ok(await store.getRoom('live'));
  assert.equal(await store.getRoom('dead'), null);
  assert.ok(await store.getInvite('fresh'));
  assert.equal(await store.getInvite('stale'), null);
  assert.equal(await store.getInvite('d1'), null, 'cascade');
  store.close();
});

// The sweeper tells a room's sockets, then deletes. A room whose expiry is moved into the past between
// the two steps must not vanish unannounced: sweep(now, told) deletes only the rooms it was given.
async function setExpiry(store, roomId, at) {
  if (store.pool) await store.pool.query('UPDATE rooms SET expires_at = $1 WHERE room_id = $2', [at, roomId]);
  else store.db.prepare('UPDATE rooms SET expires_at = ? WHERE room_id = ?').run(at, roomId);
}

async function sweepOnlyTold(store) {
  const now = Date.now();
  await store.createRoom({ roomId: 'told', appId: 'a', source: 'admin', createdAt: now - 10, expiresAt: now - 1 }, []);
  await store.createRoom({ roomId: 'late', appId: 'a', source: 'admin', createdAt: now, expiresAt: now + 60000 }, []);
  await store.createRoom({ roomId: 'kept', appId: 'a', source: 'admin', createdAt: now, expiresAt: now + 60000 }, []);
  const told = await store.expiredRooms(now);
  assert.deepEqual(told.map((r) => r.room_id), ['told']);
  await setExpiry(store, 'late', now - 5); // expires between the two steps
  const toldAndExtended = [...told, { room_id: 'kept', app_id: 'a' }]; // listed, but no longer expired
  const r = await store.sweep(now, toldAndExtended);
  assert.deepEqual(r.rooms.map((x) => x.room_id), ['told']);
  assert.equal(await store.getRoom('told'), null);
  assert.ok(await store.getRoom('late'), 'not told, so not deleted by this sweep');
  assert.ok(await store.getRoom('kept'), 'listed but not expired');
  assert.deepEqual((await store.sweep(now)).rooms.map((x) => x.room_id), ['late'], 'the next sweep takes it');
}

test('sweep(now, told) deletes only the told rooms that are still expired (SQLite)', async () => {
  const store = openDb(':memory:');
  try { await sweepOnlyTold(store); } finally { store.close(); }
});

test('sweep(now, told) deletes only the told rooms that are still expired (PostgreSQL)', { skip: H.CLUSTER ? false : 'PostgreSQL runs with EARSHOT_TEST_BACKENDS=redis+postgres' }, async () => {
  const { openPgStore } = require('../src/data/pg-store');
  const pg = await H.services.startPostgres();
  try {
    const store = await openPgStore(await pg.createDatabase(), { log: { info() {}, warn() {}, error() {} } });
    try { await sweepOnlyTold(store); } finally { await store.close(); }
  } finally { await pg.stop(); }
});

test('a room holds several guest invites, listed in creation order, each redeemed once', async () => {
  const dbPath = path.join(H.tempDir(), 'guests.sqlite');
  const now = Date.now();
  const exp = now + 600000;
  let store = openDb(dbPath);
  await store.createRoom({ roomId: 'trio', appId: 'a', source: 'admin', createdAt: now, expiresAt: now + 3600000 }, [
    { jti: 'h', role: 'host', name: 'Ana', expiresAt: exp },
    { jti: 'g2', role: 'guest', name: 'Bob', expiresAt: exp },
    { jti: 'g1', role: 'guest', name: 'Cleo', expiresAt: exp },
    { jti: 'g3', role: 'guest', name: 'Dan', expiresAt: exp },
  ]);
  store.close();
  // reopened like an existing database file: same schema, nothing to migrate
  store = openDb(dbPath);
  assert.deepEqual((await store.invitesForRoom('trio')).map((i) => [i.role, i.name]), [['host', 'Ana'], ['guest', 'Bob'], ['guest', 'Cleo'], ['guest', 'Dan']]);
  for (const jti of ['g1', 'g2', 'g3']) assert.equal(await store.redeemInvite(jti, 'u_' + jti), 'ok');
  for (const jti of ['g1', 'g2', 'g3']) assert.equal(await store.redeemInvite(jti, 'x'), 'used');
  assert.equal((await store.getInvite('h')).used_at, null);
  store.close();
});
