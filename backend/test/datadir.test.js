'use strict';
// The data dir belongs to one server process: a second server started on it (the README's defaults make
// that easy) must refuse before it touches anything — not stop the first one's coturn, not end its calls.
// A data dir the server cannot use (corrupt database, secrets.json gone) stops it with one clear line.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const H = require('./helpers');

const haveCoturn = H.hasBinary('turnserver');

/** A webhook receiver on 127.0.0.1 that records every event name. */
function receiver() {
  const got = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { try { got.push(JSON.parse(body)); } catch { /* ignore */ } res.end('ok'); });
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${srv.address().port}/hook`, got, close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }),
  })));
}

const turnAlive = (pid) => { try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('turnserver'); } catch { return false; } };

test('M1: a second server on the same data dir refuses before touching the first one\'s coturn, calls or webhooks', { skip: !haveCoturn && 'coturn not installed', timeout: 60000 }, async () => {
  const rx = await receiver();
  const turnPort = await H.freePort();
  const min = 40000 + Math.floor(Math.random() * 200) * 50;
  const env = { EARSHOT_START_TURN: '1', EARSHOT_TURN_PORT: String(turnPort), EARSHOT_TURN_MIN_PORT: String(min), EARSHOT_TURN_MAX_PORT: String(min + 20) };
  const first = await H.startServer({ env });
  try {
    const sub = await H.api(first.url, 'POST', '/api/v1/webhooks/subscribe', { headers: H.appHeaders(), body: { url: rx.url, secret: 'receiver-secret-0123456789' } });
    assert.equal(sub.status, 200);
    const room = await H.adminRoom(first.url);
    const host = (await H.redeem(first.url, H.inviteOf(room.links.host))).json;
    const guest = (await H.redeem(first.url, H.inviteOf(room.links.guest))).json;
    const a = await H.connectOk(first.url, { token: host.token });
    const b = await H.connectOk(first.url, { token: guest.token });
    await H.waitFor(() => rx.got.some((e) => e.event === 'call.started'), 5000);
    const turnPid = Number(fs.readFileSync(path.join(first.dataDir, 'turn', 'turnserver.pid'), 'utf8').trim());
    assert.ok(turnAlive(turnPid));

    // same data dir, same port (the README's defaults), then same data dir on another port
    for (const port of [String(first.port), '0']) {
      const second = await H.startServerExpectingFailure({ dataDir: first.dataDir, env: { ...env, EARSHOT_PORT: port } });
      assert.equal(second.code, 1, second.stderr);
      assert.match(second.stderr, /earshot: another Earshot server \(pid \d+\) is using the data dir /);
      assert.ok(second.stderr.includes(first.dataDir), 'names the data dir');
      assert.match(second.stderr, /EARSHOT_DATA_DIR/, 'says how to run a second one');
      assert.doesNotMatch(second.stderr, /\n\s+at /, 'no stack trace');
      assert.ok(second.stderr.includes(`pid ${first.proc.pid}`), 'names the running server');
    }

    // the first server is untouched: its coturn still runs, its call is still active, nothing was ended
    assert.ok(turnAlive(turnPid), 'the running coturn was not stopped');
    assert.equal(Number(fs.readFileSync(path.join(first.dataDir, 'turn', 'turnserver.pid'), 'utf8').trim()), turnPid);
    const list = await H.api(first.url, 'GET', '/api/v1/admin/rooms', { headers: H.adminHeaders() });
    assert.equal(list.json.rooms.find((r) => r.roomId === room.roomId).status, 'active');
    assert.equal((await H.api(first.url, 'GET', '/health')).json.turn, 'running');
    await H.sleep(300);
    assert.deepEqual(rx.got.filter((e) => e.event === 'call.ended'), [], 'no false call.ended webhook');
    a.close(); b.close();
  } finally { await first.stop(); await rx.close(); }

  // once the first one has stopped, the data dir is free again
  const again = await H.startServer({ dataDir: first.dataDir });
  await again.stop();
});

test('L9: a corrupt database stops the server with one line naming the file and the remedy, no stack', { skip: H.CLUSTER && 'the SQLite file itself (EARSHOT_TEST_BACKENDS=redis+postgres)' }, async () => {
  const noDb = H.tempDir();
  fs.writeFileSync(path.join(noDb, 'earshot.sqlite'), Buffer.alloc(8192, 0x5a));
  // a real database damaged inside (its header intact)
  const damaged = H.tempDir();
  const s = await H.startServer({ dataDir: damaged });
  for (let i = 0; i < 20; i++) await H.adminRoom(s.url, { title: `room ${i}` });
  await s.stop();
  const file = path.join(damaged, 'earshot.sqlite');
  const buf = fs.readFileSync(file);
  buf.fill(0xa5, 4096, buf.length); // every page after the first
  fs.writeFileSync(file, buf);
  for (const dir of [noDb, damaged]) {
    const r = await H.startServerExpectingFailure({ dataDir: dir });
    assert.equal(r.code, 1, r.stderr);
    const db = path.join(dir, 'earshot.sqlite');
    assert.ok(r.stderr.startsWith(`earshot: the database ${db} is damaged or not an SQLite database (`), r.stderr);
    assert.match(r.stderr, /restore it from a backup, or move it away to start with an empty one/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('L9: a deleted secrets.json with rooms in the database stops the server instead of orphaning them', { skip: H.CLUSTER && 'the SQLite file itself (EARSHOT_TEST_BACKENDS=redis+postgres)' }, async () => {
  const dir = H.tempDir();
  const s = await H.startServer({ dataDir: dir, secrets: false });
  const key = JSON.parse(fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8')).adminKey;
  const room = await H.api(s.url, 'POST', '/api/v1/admin/rooms', { headers: { 'x-admin-key': key }, body: {} });
  assert.equal(room.status, 201);
  await s.stop();
  fs.copyFileSync(path.join(dir, 'secrets.json'), path.join(dir, 'backup.json'));
  fs.unlinkSync(path.join(dir, 'secrets.json'));
  const r = await H.startServerExpectingFailure({ dataDir: dir, secrets: false });
  assert.equal(r.code, 1, r.stderr);
  const secrets = path.join(dir, 'secrets.json');
  assert.ok(r.stderr.startsWith(`earshot: ${secrets} is missing, but the database ${path.join(dir, 'earshot.sqlite')} holds 1 room`), r.stderr);
  assert.match(r.stderr, /restore secrets\.json from a backup/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(fs.existsSync(secrets), false, 'no new secrets were written over the lost ones');
  // restoring the file is the remedy: the room's invite works again
  fs.copyFileSync(path.join(dir, 'backup.json'), secrets);
  const again = await H.startServer({ dataDir: dir, secrets: false });
  try {
    const red = await H.api(again.url, 'POST', '/api/v1/invites/redeem', { body: { invite: H.inviteOf(room.json.links.guest) } });
    assert.equal(red.status, 200, red.text);
  } finally { await again.stop(); }
  // an empty database has nothing to orphan: new secrets are generated as on a first start
  const fresh = H.tempDir();
  const f = await H.startServer({ dataDir: fresh, secrets: false });
  await f.stop();
  fs.unlinkSync(path.join(fresh, 'secrets.json'));
  const f2 = await H.startServer({ dataDir: fresh, secrets: false });
  await f2.stop();
});
