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
