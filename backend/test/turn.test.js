'use strict';
// TURN: credential vector, generated coturn config, and the REAL coturn (started by the server)
// accepting API-issued credentials and rejecting tampered/expired ones, checked with turnutils_uclient.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const H = require('./helpers');
const turn = require('../src/services/turn');

test('TURN REST credential vector: secret north, 1700000000:alice', () => {
  assert.equal(turn.turnCredential('north', '1700000000:alice'), 'Cd/49soE35ICqcJF/bCTn8Z4OyE=');
  const c = turn.issueTurnCredentials('north', 'alice', 600, 1699999400);
  assert.deepEqual(c, { username: '1700000000:alice', credential: 'Cd/49soE35ICqcJF/bCTn8Z4OyE=', expiry: 1700000000, ttl: 600 });
});

test('generated coturn config is loopback-only; allow-loopback-peers only when asked', () => {
  const dir = H.tempDir();
  const base = { dataDir: dir, port: 3478, minPort: 50000, maxPort: 50010, secret: 's3cret-s3cret' };
  const conf = fs.readFileSync(turn.writeTurnConfig(base).conf, 'utf8').split('\n');
  for (const line of ['listening-ip=127.0.0.1', 'relay-ip=127.0.0.1', 'use-auth-secret', 'static-auth-secret=s3cret-s3cret',
    'realm=earshot.local', 'no-tls', 'no-dtls', 'no-cli', 'min-port=50000', 'max-port=50010', 'listening-port=3478',
    `userdb=${path.join(dir, 'turn', 'turndb.sqlite')}`, `pidfile=${path.join(dir, 'turn', 'turnserver.pid')}`,
    `log-file=${path.join(dir, 'turn', 'turnserver.log')}`]) {
    assert.ok(conf.includes(line), `missing ${line}`);
  }
  assert.ok(!conf.includes('allow-loopback-peers'));
  assert.ok(!conf.some((l) => /^listening-ip=(?!127\.0\.0\.1$)/.test(l)));
  const dev = fs.readFileSync(turn.writeTurnConfig({ ...base, allowLoopbackPeers: true }).conf, 'utf8').split('\n');
  assert.ok(dev.includes('allow-loopback-peers'));
  assert.equal(fs.statSync(path.join(dir, 'turn', 'turnserver.conf')).mode & 0o077, 0);
});

/** Runs turnutils_uclient in client-to-client relay mode. Pass = exit 0 and messages came back. */
function uclient(port, username, credential, { tcp = false } = {}) {
  const args = ['-y', '-n', '1', '-m', '1', '-l', '100', '-u', username, '-w', credential, '-p', String(port)];
  if (tcp) args.unshift('-t');
  args.push('127.0.0.1');
  return new Promise((resolve) => {
    const p = spawn('turnutils_uclient', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    const t = setTimeout(() => p.kill('SIGKILL'), 20000);
    p.on('exit', (code) => {
      clearTimeout(t);
      const m = /tot_recv_msgs=(\d+)/g;
      let recv = 0; let x;
      while ((x = m.exec(out))) recv = Math.max(recv, Number(x[1]));
      resolve({ code, recv, allocFailed: /Cannot complete Allocation/.test(out), out });
    });
  });
}

const haveCoturn = H.hasBinary('turnserver') && H.hasBinary('turnutils_uclient');

test('real coturn accepts API-issued credentials and rejects tampered / expired / wrong-secret ones', { skip: !haveCoturn && 'coturn not installed', timeout: 120000 }, async () => {
  const port = await H.freePort();
  const min = 40000 + Math.floor(Math.random() * 200) * 50;
  const srv = await H.startServer({ env: {
    EARSHOT_START_TURN: '1', EARSHOT_TURN_PORT: String(port), EARSHOT_TURN_ALLOW_LOOPBACK: '1',
    EARSHOT_TURN_MIN_PORT: String(min), EARSHOT_TURN_MAX_PORT: String(min + 49),
  } });
  let turnPid = null;
  try {
    turnPid = Number(fs.readFileSync(path.join(srv.dataDir, 'turn', 'turnserver.pid'), 'utf8').trim());
    assert.ok(fs.readFileSync(`/proc/${turnPid}/cmdline`, 'utf8').includes('turnserver'));
    const health = await H.api(srv.url, 'GET', '/health');
    assert.equal(health.json.turn, 'running');

    const r = await H.api(srv.url, 'POST', '/api/v1/turn/credentials', { headers: H.appHeaders() });
    assert.equal(r.status, 200);
    const ice = r.json.iceServers[0];
    assert.deepEqual(ice.urls, [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`]);

    const good = await uclient(port, ice.username, ice.credential);
    assert.equal(good.code, 0, good.out.slice(-800));
    assert.ok(good.recv > 0, 'data relayed through two TURN allocations');
    const goodTcp = await uclient(port, ice.username, ice.credential, { tcp: true });
    assert.equal(goodTcp.code, 0, goodTcp.out.slice(-800));
    assert.ok(goodTcp.recv > 0);

    // credentials from an invite redemption (user-scoped) work too
    const room = await H.adminRoom(srv.url);
    const red = (await H.redeem(srv.url, H.inviteOf(room.links.guest))).json;
    const u = red.iceServers[0];
    assert.equal((await uclient(port, u.username, u.credential)).code, 0);

    // tampered credential, tampered username (longer expiry), expired, wrong secret
    const flip = Buffer.from(ice.credential, 'base64'); flip[0] ^= 0xff;
    const [exp, user] = ice.username.split(':');
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = turn.issueTurnCredentials(H.SECRETS.EARSHOT_TURN_SECRET, 'testapp', -60);
    const wrongSecret = turn.issueTurnCredentials('not-the-turn-secret', 'testapp', 600);
    const bad = {
      tamperedCredential: [ice.username, flip.toString('base64')],
      extendedExpiry: [`${Number(exp) + 86400}:${user}`, ice.credential],
      otherUser: [`${exp}:mallory`, ice.credential],
      expired: [expired.username, expired.credential],
      expiredNoSig: [`${past}:${user}`, turn.turnCredential(H.SECRETS.EARSHOT_TURN_SECRET, `${past}:${user}`)],
      wrongSecret: [wrongSecret.username, wrongSecret.credential],
    };
    for (const [name, [un, cred]] of Object.entries(bad)) {
      const res = await uclient(port, un, cred);
      assert.notEqual(res.code, 0, `${name} must be rejected`);
      assert.ok(res.allocFailed, `${name}: ${res.out.slice(-300)}`);
      assert.equal(res.recv, 0);
    }
  } finally {
    await srv.stop();
  }
  // the server stopped its coturn
  await H.waitFor(() => { try { return !fs.readFileSync(`/proc/${turnPid}/cmdline`, 'utf8').includes('turnserver'); } catch { return true; } }, 5000);
  assert.equal(fs.existsSync(path.join(srv.dataDir, 'turn', 'turnserver.pid')), false);
});

test('scripts/turn.sh start|status|stop manage coturn by pid', { skip: !haveCoturn && 'coturn not installed', timeout: 60000 }, async () => {
  const dataDir = H.tempDir();
  const port = await H.freePort();
  const env = { ...process.env, EARSHOT_DATA_DIR: dataDir, EARSHOT_TURN_PORT: String(port), EARSHOT_TURN_SECRET: 'script-secret-123' };
  const run = (cmd) => new Promise((resolve) => {
    const p = spawn('sh', [path.join(__dirname, '..', 'scripts', 'turn.sh'), cmd], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('exit', (code) => resolve({ code, out }));
  });
  try {
    const s = await run('start');
    assert.equal(s.code, 0, s.out);
    const pid = Number(/pid=(\d+)/.exec(s.out)[1]);
    assert.ok(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('turnserver'));
    assert.equal((await run('status')).code, 0);
    // A second start leaves the running coturn alone (it may be the server's own) and says so.
    const again = await run('start');
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, new RegExp(`coturn already running pid=${pid} `));
    assert.ok(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('turnserver'), 'the first coturn still runs');
    const c = turn.issueTurnCredentials('script-secret-123', 'x', 600);
    // no allow-loopback-peers here: allocation works (auth OK) but loopback relaying is refused
    const res = await uclient(port, c.username, c.credential);
    assert.ok(!res.allocFailed, res.out.slice(-500));
    const st = await run('stop');
    assert.equal(st.code, 0);
    assert.match(st.out, /coturn stopped/);
    await H.waitFor(() => { try { return !fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('turnserver'); } catch { return true; } }, 5000);
    assert.equal((await run('status')).code, 3);
  } finally {
    H.killTurnFromPidfile(dataDir);
  }
});

const turnPidOf = (dataDir) => { try { return Number(fs.readFileSync(path.join(dataDir, 'turn', 'turnserver.pid'), 'utf8').trim()) || null; } catch { return null; } };
const isTurnserver = (pid) => { try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('turnserver'); } catch { return false; } };

test('L4: coturn is supervised — restarted with backoff when it dies, probed with a real allocation, killed with the server', { skip: !haveCoturn && 'coturn not installed', timeout: 120000 }, async () => {
  const port = await H.freePort();
  const min = 40000 + Math.floor(Math.random() * 200) * 50;
  const srv = await H.startServer({ env: {
    EARSHOT_START_TURN: '1', EARSHOT_TURN_PORT: String(port), EARSHOT_TURN_ALLOW_LOOPBACK: '1',
    EARSHOT_TURN_MIN_PORT: String(min), EARSHOT_TURN_MAX_PORT: String(min + 49), EARSHOT_TURN_PROBE_MS: '300',
  } });
  const pids = [];
  try {
    const h0 = await H.api(srv.url, 'GET', '/health');
    assert.equal(h0.status, 200);
    assert.equal(h0.json.turn, 'running');
    assert.equal(h0.json.ok, true);
    pids.push(turnPidOf(srv.dataDir));

    // dies: restarted (a new pid in the pidfile), and it relays again with API credentials
    process.kill(pids[0], 'SIGKILL');
    const h1 = await H.waitFor(async () => { const h = await H.api(srv.url, 'GET', '/health'); return h.json.turn !== 'running' && h; }, 3000, 20);
    assert.equal(h1.status, 503);
    assert.equal(h1.json.ok, false);
    assert.match(h1.json.turn, /^(restarting|unresponsive)$/);
    const second = await H.waitFor(() => { const p = turnPidOf(srv.dataDir); return p && p !== pids[0] && isTurnserver(p) && p; }, 8000);
    pids.push(second);
    await H.waitFor(async () => (await H.api(srv.url, 'GET', '/health')).json.turn === 'running', 5000);
    const ice = (await H.api(srv.url, 'POST', '/api/v1/turn/credentials', { headers: H.appHeaders() })).json.iceServers[0];
    const relayed = await uclient(port, ice.username, ice.credential);
    assert.equal(relayed.code, 0, relayed.out.slice(-500));

    // hangs (still "running" as a process): health says so after a failed allocation, and after a
    // few failed probes it is killed and started again
    process.kill(second, 'SIGSTOP');
    const h2 = await H.waitFor(async () => { const h = await H.api(srv.url, 'GET', '/health'); return h.json.turn === 'unresponsive' && h; }, 5000, 50);
    assert.equal(h2.status, 503);
    assert.match(h2.json.turnError, /no answer/);
    const third = await H.waitFor(() => { const p = turnPidOf(srv.dataDir); return p && p !== second && isTurnserver(p) && p; }, 10000);
    pids.push(third);
    assert.equal(isTurnserver(second), false, 'the hung one was killed');
    await H.waitFor(async () => (await H.api(srv.url, 'GET', '/health')).json.turn === 'running', 5000);
    assert.match(srv.stderr, /coturn exited unexpectedly/);
  } finally {
    // the server is killed outright: its coturn goes with it, nothing is orphaned
    await srv.stop('SIGKILL');
  }
  const last = pids[pids.length - 1];
  await H.waitFor(() => !isTurnserver(last), 3000);
  for (const p of pids) assert.equal(isTurnserver(p), false, `coturn ${p} is gone`);
});
