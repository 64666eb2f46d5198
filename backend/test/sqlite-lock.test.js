'use strict';
// L3: another process holding the SQLite write lock (a backup tool, an operator's sqlite3 shell) must
// not freeze the server: writes answer 503 server.busy quickly, everything else keeps answering, and the
// server survives socket events whose writes fail meanwhile.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const Database = require('better-sqlite3');
const H = require('./helpers');

test('L3: an external write lock gives 503 server.busy within a second, without freezing the event loop', { skip: H.CLUSTER && 'the SQLite file itself (EARSHOT_TEST_BACKENDS=redis+postgres)' }, async () => {
  const srv = await H.startServer();
  const db = new Database(path.join(srv.dataDir, 'earshot.sqlite'));
  try {
    const room = await H.adminRoom(srv.url);
    const host = (await H.redeem(srv.url, H.inviteOf(room.links.host))).json;
    const guest = (await H.redeem(srv.url, H.inviteOf(room.links.guest))).json;
    db.exec('BEGIN EXCLUSIVE');
    const t0 = Date.now();
    const healthTimes = [];
    const pollHealth = (async () => {
      for (let i = 0; i < 6; i++) {
        const s = Date.now();
        const h = await H.api(srv.url, 'GET', '/health');
        assert.equal(h.status, 200);
        healthTimes.push(Date.now() - s);
      }
    })();
    const writes = await Promise.all([
      H.api(srv.url, 'POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} }),
      H.api(srv.url, 'POST', '/api/v1/admin/rooms', { headers: H.adminHeaders(), body: {} }),
      H.api(srv.url, 'POST', '/api/v1/webhooks/subscribe', { headers: H.appHeaders(), body: { url: 'http://127.0.0.1:9/x', secret: 'receiver-secret-0123456789' } }),
    ]);
    const took = Date.now() - t0;
    for (const w of writes) {
      assert.equal(w.status, 503, w.text);
      assert.deepEqual(w.json, { code: 'server.busy', message: 'The database is locked by another process; try again in a moment.' });
      assert.equal(w.headers.get('retry-after'), '1');
    }
    assert.ok(took < 1500, `three writes answered in ${took} ms`);
    await pollHealth;
    assert.ok(Math.max(...healthTimes) < 700, `health answered in ${healthTimes.join('/')} ms while the lock was held`);
    // reads still work, and a call can start (its writes fail and are logged, the server lives on)
    assert.equal((await H.api(srv.url, 'GET', '/api/v1/admin/rooms', { headers: H.adminHeaders() })).status, 200);
    const a = await H.connectOk(srv.url, { token: host.token });
    const b = await H.connectOk(srv.url, { token: guest.token });
    await H.sleep(300);
    b.close(); a.close();
    await H.sleep(300);
    assert.equal(srv.proc.exitCode, null, `server alive: ${srv.stderr.slice(-500)}`);
    db.exec('COMMIT');
    const ok = await H.api(srv.url, 'POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} });
    assert.equal(ok.status, 201, 'writes work again once the lock is gone');
  } finally { try { db.close(); } catch { /* closed */ } await srv.stop(); }
});
