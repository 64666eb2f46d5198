'use strict';
// Real Redis and PostgreSQL servers for the tests, each in its own temporary directory on a free
// loopback port, started here and stopped by pid (also when the test process exits on a failure).
// PostgreSQL refuses to run as root: as root, its directory is given to the `postgres` user and the
// server runs as that user (setpriv); otherwise as the current user.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const crypto = require('node:crypto');

const procs = new Set();
const dirs = new Set();
process.on('exit', () => {
  for (const p of procs) { try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ } }
  for (const d of dirs) { try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* ignore */ } }
});

function which(bin, extra = []) {
  for (const d of [...(process.env.PATH || '').split(':'), ...extra]) {
    const f = path.join(d, bin);
    try { fs.accessSync(f, fs.constants.X_OK); return f; } catch { /* next */ }
  }
  return null;
}
function pgBinDirs() {
  try { return fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)).map((v) => `/usr/lib/postgresql/${v}/bin`); } catch { return []; }
}
const bins = {
  redis: () => which('redis-server'),
  initdb: () => which('initdb', pgBinDirs()),
  postgres: () => which('postgres', pgBinDirs()),
};
/** Why these servers cannot run here (null when they can). */
function unavailable() {
  const missing = [];
  if (!bins.redis()) missing.push('redis-server (Debian redis-server)');
  if (!bins.initdb() || !bins.postgres()) missing.push('initdb/postgres (Debian postgresql)');
  return missing.length ? `not installed: ${missing.join(', ')}; tools/setup.sh installs them` : null;
}

/** The server's output goes to a file: no pipe keeps the test process alive. */
function logTo(file) { const fd = fs.openSync(file, 'a', 0o644); return [fd, fd]; }
function readLog(file) { try { return fs.readFileSync(file, 'utf8').slice(-2000); } catch { return ''; } }
/** Tracked for the exit handler; unref'd so a test file ends when its tests do. */
function started(proc) {
  procs.add(proc);
  proc.unref();
  proc.once('exit', () => procs.delete(proc));
}

async function freeTcpPort() {
  for (let i = 0; i < 50; i++) {
    const port = 40000 + crypto.randomInt(20000);
    const ok = await new Promise((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port');
}

async function waitPort(port, proc, what, log, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${what} exited (${proc.exitCode ?? proc.signalCode}): ${log()}`);
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`${what} not listening on ${port} after ${timeoutMs} ms: ${log()}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

function stopper(proc, signal) {
  return async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    try { process.kill(proc.pid, signal); } catch { /* gone */ }
    const t = setTimeout(() => { try { process.kill(proc.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
    await exited;
    clearTimeout(t);
    procs.delete(proc);
  };
}

/**
 * redis-server on 127.0.0.1:<free port>, no persistence. Returns { url, port, pid, stop(), restart() };
 * restart() starts an empty one again on the same port (what a crash and restart looks like).
 */
async function startRedis() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-redis-'));
  dirs.add(dir);
  const port = await freeTcpPort();
  const spawnOne = async () => {
    const proc = spawn(bins.redis(), ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
      '--protected-mode', 'yes', '--loglevel', 'warning'], { stdio: ['ignore', ...logTo(path.join(dir, 'log'))] });
    started(proc);
    await waitPort(port, proc, 'redis-server', () => readLog(path.join(dir, 'log')));
    return proc;
  };
  const r = { url: `redis://127.0.0.1:${port}`, port };
  const use = (proc) => { r.proc = proc; r.pid = proc.pid; r.stop = stopper(proc, 'SIGTERM'); };
  use(await spawnOne());
  r.restart = async () => { await r.stop(); use(await spawnOne()); };
  return r;
}

/**
 * A PostgreSQL cluster (initdb) in a temporary directory, listening on 127.0.0.1:<free port> and a
 * socket in that directory, trust auth for user `earshot`, fsync off (test data only).
 * Returns { url(db), createDatabase() -> url, port, pid, stop() }.
 */
async function startPostgres() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-pg-'));
  dirs.add(dir);
  const asRoot = process.getuid && process.getuid() === 0;
  let wrap = (cmd, args) => [cmd, args];
  if (asRoot) {
    const u = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    if (u.status !== 0) throw new Error('running as root and there is no postgres user to run PostgreSQL as');
    fs.chmodSync(dir, 0o700);
    spawnSync('chown', ['postgres:postgres', dir]);
    wrap = (cmd, args) => ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', cmd, ...args]];
  }
  const data = path.join(dir, 'data');
  const [ic, ia] = wrap(bins.initdb(), ['-D', data, '-A', 'trust', '-U', 'earshot', '-E', 'UTF8', '--no-sync', '--locale=C']);
  const init = spawnSync(ic, ia, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed (${init.status}): ${init.stderr || init.stdout}`);
  const port = await freeTcpPort();
  const [pc, pa] = wrap(bins.postgres(), ['-D', data, '-k', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1',
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200']);
  const logFile = path.join(os.tmpdir(), `earshot-pg-${process.pid}-${port}.log`);
  dirs.add(logFile);
  const out = () => readLog(logFile);
  const spawnOne = async () => {
    const p = spawn(pc, pa, { stdio: ['ignore', ...logTo(logFile)] });
    started(p);
    await waitPort(port, p, 'postgres', out);
    return p;
  };
  let proc = await spawnOne();
  const base = `postgres://earshot@127.0.0.1:${port}`;
  const { Client } = require('pg');
  // accepting connections can lag the port a little (startup recovery)
  for (let i = 0; ; i++) {
    const c = new Client({ connectionString: `${base}/postgres` });
    try { await c.connect(); await c.end(); break; } catch (e) { await c.end().catch(() => {}); if (i > 100) throw e; await new Promise((r) => setTimeout(r, 50)); }
  }
  const r = {
    port, pid: proc.pid, proc,
    url: (db = 'postgres') => `${base}/${db}`,
    /** A new empty database; returns its URL. */
    async createDatabase(name = 't_' + crypto.randomBytes(6).toString('hex')) {
      const c = new Client({ connectionString: `${base}/postgres` });
      await c.connect();
      try { await c.query(`CREATE DATABASE ${name}`); } finally { await c.end(); }
      return `${base}/${name}`;
    },
    // SIGINT = PostgreSQL's "fast shutdown"
    stop: () => stopper(proc, 'SIGINT')(),
    /** Starts it again on the same data and port (after stop()). */
    async start() { proc = await spawnOne(); r.proc = proc; r.pid = proc.pid; },
    log: out,
  };
  return r;
}

module.exports = { startRedis, startPostgres, unavailable };
