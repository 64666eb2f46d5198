'use strict';
// Test harness: spawns the REAL server (`node src/server.js`) on an ephemeral port with a temp data
// dir, waits for `EARSHOT_READY port=`, and stops it by pid. Every spawned process (and a coturn the
// server started, found through its pidfile) is killed when the test process exits, even on failure.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const dgram = require('node:dgram');
const crypto = require('node:crypto');
const { io: ioClient } = require('socket.io-client');
const services = require('./services');

// EARSHOT_TEST_BACKENDS=redis+postgres runs every server of the suite on Redis + PostgreSQL instead of
// memory + SQLite: one PostgreSQL per test process (a new database per data dir) and one redis-server
// per data dir, both started and stopped here (see services.js). A restart on the same data dir gets
// the same database and Redis back.
const BACKENDS = process.env.EARSHOT_TEST_BACKENDS || 'memory+sqlite';
if (!['memory+sqlite', 'redis+postgres'].includes(BACKENDS)) throw new Error(`EARSHOT_TEST_BACKENDS: memory+sqlite or redis+postgres, not ${BACKENDS}`);
const CLUSTER = BACKENDS === 'redis+postgres';
if (CLUSTER && services.unavailable()) throw new Error(`EARSHOT_TEST_BACKENDS=redis+postgres: ${services.unavailable()}`);
let sharedPg = null;
const clusterByDir = new Map();
async function clusterEnv(dataDir) {
  if (!CLUSTER) return {};
  if (!clusterByDir.has(dataDir)) {
    clusterByDir.set(dataDir, (async () => {
      sharedPg ??= services.startPostgres();
      const pg = await sharedPg;
      const redis = await services.startRedis();
      return { EARSHOT_REDIS_URL: redis.url, EARSHOT_DATABASE_URL: await pg.createDatabase() };
    })());
  }
  return clusterByDir.get(dataDir);
}

const SERVER = path.join(__dirname, '..', 'src', 'server.js');
const live = new Set(); // { proc, dataDir }
const tempDirs = new Set();

function killTurnFromPidfile(dataDir) {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'turn', 'turnserver.pid'), 'utf8').trim());
    if (pid > 1 && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('turnserver')) process.kill(pid, 'SIGKILL');
  } catch { /* none */ }
}

process.on('exit', () => {
  for (const s of live) {
    try { s.proc.kill('SIGKILL'); } catch { /* gone */ }
    killTurnFromPidfile(s.dataDir);
  }
  if (!process.env.EARSHOT_KEEP_TEST_DATA) for (const d of tempDirs) { try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* ignore */ } }
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

function tempDir(prefix = 'earshot-test-') {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

/** A port free for both TCP and UDP on 127.0.0.1 (for coturn). */
async function freePort() {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + crypto.randomInt(20000);
    const ok = await new Promise((resolve) => {
      const t = net.createServer();
      t.once('error', () => resolve(false));
      t.listen(port, '127.0.0.1', () => {
        const u = dgram.createSocket('udp4');
        u.once('error', () => { u.close(); t.close(() => resolve(false)); });
        u.bind(port, '127.0.0.1', () => { u.close(); t.close(() => resolve(true)); });
      });
    });
    if (ok) return port;
  }
  throw new Error('no free port');
}

const SECRETS = {
  EARSHOT_ADMIN_KEY: 'test-admin-key-0123456789abcdef',
  EARSHOT_APP_ID: 'testapp',
  EARSHOT_APP_SECRET: 'test-app-secret-0123456789abcdef',
  EARSHOT_JWT_SECRET: 'test-jwt-secret-0123456789abcdef0123456789abcdef',
  EARSHOT_TURN_SECRET: 'test-turn-secret-0123456789',
};

/** The server's environment for opts (see startServer). */
function serverEnv(opts, dataDir, backends = {}) {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    EARSHOT_HOST: '127.0.0.1',
    EARSHOT_PORT: '0',
    EARSHOT_DATA_DIR: dataDir,
    EARSHOT_WEB_DIR: opts.webDir || path.join(dataDir, 'no-web'),
    EARSHOT_START_TURN: '0',
    EARSHOT_WEBHOOK_RETRY_SCALE: '0.01',
    EARSHOT_WEBHOOK_POLL_MS: '50',
    EARSHOT_WEBHOOK_TIMEOUT_MS: '2000',
    EARSHOT_LOG_LEVEL: process.env.EARSHOT_TEST_LOG || 'warn',
    // the tests' webhook receivers listen on 127.0.0.1 (the SSRF tests turn this off again)
    EARSHOT_WEBHOOK_ALLOW_PRIVATE: '1',
    ...(opts.secrets === false ? {} : SECRETS),
    ...backends,
    ...opts.env,
  };
}

/**
 * Runs the server expecting it to refuse to start: resolves { code, signal, stdout, stderr } when it
 * exits (rejects if it prints EARSHOT_READY, after stopping it). Same opts as startServer.
 */
async function startServerExpectingFailure(opts = {}) {
  const dataDir = opts.dataDir || tempDir();
  const proc = spawn(process.execPath, [SERVER], { env: serverEnv(opts, dataDir, await clusterEnv(dataDir)), stdio: ['ignore', 'pipe', 'pipe'] });
  const rec = { proc, dataDir };
  live.add(rec);
  let stdout = ''; let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`server neither started nor failed in 20 s\n${stdout}\n${stderr}`)); }, 20000);
    proc.stdout.on('data', (d) => {
      stdout += d;
      if (/EARSHOT_READY/.test(stdout)) { clearTimeout(t); proc.kill('SIGTERM'); reject(new Error(`server started but should have refused:\n${stdout}`)); }
    });
    proc.once('exit', (code, signal) => { live.delete(rec); clearTimeout(t); resolve({ code, signal, stdout, stderr }); });
  });
}

/**
 * Starts the server. opts.env overrides; opts.dataDir reuses a data dir (restart tests);
 * opts.secrets=false lets the server generate its own secrets.
 */
async function startServer(opts = {}) {
  const dataDir = opts.dataDir || tempDir();
  const env = serverEnv(opts, dataDir, await clusterEnv(dataDir));
  const proc = spawn(process.execPath, [SERVER], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const rec = { proc, dataDir };
  live.add(rec);
  let stdout = '';
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; if (process.env.EARSHOT_TEST_LOG) process.stderr.write(d); });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => { live.delete(rec); resolve({ code, signal }); }));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready in 20 s\nstdout:${stdout}\nstderr:${stderr}`)), 20000);
    proc.stdout.on('data', (d) => {
      stdout += d;
      const m = /EARSHOT_READY port=(\d+)/.exec(stdout);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    exited.then((e) => { clearTimeout(timer); reject(new Error(`server exited early ${JSON.stringify(e)}\nstdout:${stdout}\nstderr:${stderr}`)); });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url, port, dataDir, proc, env,
    get stdout() { return stdout; },
    get stderr() { return stderr; },
    exited,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      proc.kill(signal);
      const t = setTimeout(() => { try { proc.kill('SIGKILL'); } catch { /* gone */ } }, 10000);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
  };
}

async function api(base, method, p, { body, headers = {}, raw } = {}) {
  const init = { method, headers: { ...headers } };
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) { init.body = JSON.stringify(body); init.headers['content-type'] ??= 'application/json'; }
  const res = await fetch(base + p, init);
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not json */ }
  return { status: res.status, headers: res.headers, json, text };
}

const appHeaders = () => ({ 'x-app-id': SECRETS.EARSHOT_APP_ID, 'x-app-key': SECRETS.EARSHOT_APP_SECRET });
const adminHeaders = () => ({ 'x-admin-key': SECRETS.EARSHOT_ADMIN_KEY });

function connect(base, auth, extra = {}) {
  return ioClient(base, { path: '/ws', transports: ['websocket'], auth, reconnection: false, forceNew: true, timeout: 5000, ...extra });
}

/** Resolves with the socket once connected, rejects with the connect_error. */
function connectOk(base, auth, extra) {
  const s = connect(base, auth, extra);
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', (e) => { s.close(); reject(e); });
  });
}

/** Resolves with the connect_error (rejects if it connects). */
function connectRefused(base, auth) {
  const s = connect(base, auth);
  return new Promise((resolve, reject) => {
    s.once('connect', () => { s.close(); reject(new Error('connected but expected a refusal')); });
    s.once('connect_error', (e) => { s.close(); resolve(e); });
  });
}

function once(emitter, event, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${event}`)), timeoutMs);
    emitter.once(event, (...args) => { clearTimeout(t); resolve(args.length > 1 ? args : args[0]); });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(fn, timeoutMs = 5000, stepMs = 25) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('waitFor timed out');
    await sleep(stepMs);
  }
}

/** Creates an invite room through the admin API and returns the 201 body. */
async function adminRoom(base, body = {}) {
  const r = await api(base, 'POST', '/api/v1/admin/rooms', { headers: adminHeaders(), body });
  if (r.status !== 201) throw new Error(`admin room: ${r.status} ${r.text}`);
  return r.json;
}

function inviteOf(link) { return new URL(link.url).searchParams.get('t'); }

async function redeem(base, invite) {
  return api(base, 'POST', '/api/v1/invites/redeem', { body: { invite } });
}

function hmacJwt(payload, secret = SECRETS.EARSHOT_JWT_SECRET, header = { alg: 'HS256', typ: 'JWT' }) {
  const h = Buffer.from(JSON.stringify(header)).toString('base64url');
  const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const s = crypto.createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${s}`;
}

/**
 * Runs one SQL statement on the database of server srv, whichever it is (SQLite file in its data dir, or
 * its EARSHOT_DATABASE_URL): `?` placeholders; returns the rows (of a SELECT), else [].
 */
async function dbQuery(srv, sql, args = []) {
  const url = srv.env && srv.env.EARSHOT_DATABASE_URL;
  if (url) {
    const { Client } = require('pg');
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      let i = 0;
      const r = await c.query(sql.replace(/\?/g, () => `$${++i}`), args);
      return (r.rows || []).map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' && /^(attempts|last_status|expires_at|used_at)$/.test(k) && /^-?\d+$/.test(v) ? Number(v) : v])));
    } finally { await c.end(); }
  }
  const Database = require('better-sqlite3');
  const db = new Database(path.join(srv.dataDir, 'earshot.sqlite'));
  try {
    const st = db.prepare(sql);
    if (st.reader) return st.all(...args);
    st.run(...args);
    return [];
  } finally { db.close(); }
}

function hasBinary(bin) { return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0; }

module.exports = {
  startServer, startServerExpectingFailure, api, appHeaders, adminHeaders, connect, connectOk, connectRefused, once, sleep, waitFor,
  adminRoom, inviteOf, redeem, hmacJwt, SECRETS, tempDir, freePort, hasBinary, killTurnFromPidfile,
  BACKENDS, CLUSTER, SERVER, services, dbQuery,
};
