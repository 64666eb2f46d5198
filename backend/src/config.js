'use strict';
// Environment parsing. Every setting has a safe local default (loopback only).
// Secrets that are not given are generated once into $DATA_DIR/secrets.json (mode 0600) and reused.

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { countRooms } = require('./data/db');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const BACKEND_ROOT = path.resolve(__dirname, '..');

class ConfigError extends Error {}
/** A refusal to start that one sentence explains (printed as "earshot: <message>", without a stack). */
class StartupError extends Error {}

function intEnv(env, name, def, min, max) {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^-?\d+$/.test(String(raw).trim())) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function numEnv(env, name, def, min, max) {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new ConfigError(`${name} must be a number between ${min} and ${max}, got "${raw}"`);
  return n;
}

function boolEnv(env, name, def) {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be 1 or 0, got "${raw}"`);
}

/** EARSHOT_TRUST_PROXY: proxy hops in front of the server (0..10; true/yes/on = 1), default 'loopback'. */
function trustProxyEnv(env) {
  const raw = env.EARSHOT_TRUST_PROXY;
  if (raw === undefined || raw === '' || /^loopback$/i.test(raw)) return 'loopback';
  if (/^(true|yes|on)$/i.test(raw)) return 1;
  if (/^(false|no|off)$/i.test(raw)) return 0;
  return intEnv(env, 'EARSHOT_TRUST_PROXY', 0, 0, 10);
}

function urlEnv(env, name, protocols) {
  const raw = env[name];
  if (!raw) return null;
  let u;
  try { u = new URL(raw); } catch { throw new ConfigError(`${name} must be a URL like ${protocols[0]}//host:port/...`); }
  if (!protocols.includes(u.protocol)) throw new ConfigError(`${name} must start with ${protocols.map((p) => p + '//').join(' or ')}`);
  return raw;
}

function listEnv(env, name) {
  const raw = env[name];
  if (!raw) return [];
  return raw.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
}

function normalizeOrigin(o, name) {
  let u;
  try { u = new URL(o); } catch { throw new ConfigError(`${name}: "${o}" is not an origin like https://app.example.com`); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`${name}: "${o}" must be http(s)`);
  return u.origin;
}

// Loads or creates secrets.json. Values given by env always win and are never written to disk.
// dbPath: a database that already holds rooms means secrets.json existed once; it is not silently
// replaced (new secrets would orphan every room and invite signed with the old ones).
function loadSecrets(dataDir, env, dbPath) {
  const file = path.join(dataDir, 'secrets.json');
  let stored = {};
  if (fs.existsSync(file)) {
    try { stored = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) {
      throw new ConfigError(`${file} is not valid JSON (${e.message}); fix or delete it`);
    }
  } else if (dbPath && (!env.EARSHOT_JWT_SECRET || !env.EARSHOT_ADMIN_KEY || !env.EARSHOT_APP_SECRET || !env.EARSHOT_APP_ID)) {
    const rooms = countRooms(dbPath);
    if (rooms > 0) {
      throw new StartupError(`${file} is missing, but the database ${dbPath} holds ${rooms} room${rooms === 1 ? '' : 's'} whose invites `
        + 'and tokens were signed with the secrets in that file; restore secrets.json from a backup (or give the old values in '
        + 'EARSHOT_JWT_SECRET, EARSHOT_ADMIN_KEY, EARSHOT_APP_ID and EARSHOT_APP_SECRET), or move the database away to start afresh');
    }
  }
  const wanted = {
    adminKey: ['EARSHOT_ADMIN_KEY', () => crypto.randomBytes(24).toString('base64url')],
    appId: ['EARSHOT_APP_ID', () => 'app_' + crypto.randomBytes(6).toString('hex')],
    appSecret: ['EARSHOT_APP_SECRET', () => crypto.randomBytes(32).toString('base64url')],
    jwtSecret: ['EARSHOT_JWT_SECRET', () => crypto.randomBytes(48).toString('base64url')],
    turnSecret: ['EARSHOT_TURN_SECRET', () => crypto.randomBytes(32).toString('hex')],
  };
  const out = {};
  let changed = false;
  for (const [key, [envName, gen]] of Object.entries(wanted)) {
    if (env[envName]) { out[key] = env[envName]; continue; }
    if (typeof stored[key] !== 'string' || !stored[key]) { stored[key] = gen(); changed = true; }
    out[key] = stored[key];
  }
  if (changed) {
    const tmp = file + '.tmp-' + process.pid;
    fs.writeFileSync(tmp, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, file);
  }
  try { fs.chmodSync(file, 0o600); } catch { /* file absent when every secret came from env */ }
  if (out.jwtSecret.length < 32) throw new ConfigError('EARSHOT_JWT_SECRET must be at least 32 characters');
  if (out.appSecret.length < 16) throw new ConfigError('EARSHOT_APP_SECRET must be at least 16 characters');
  if (out.adminKey.length < 16) throw new ConfigError('EARSHOT_ADMIN_KEY must be at least 16 characters');
  if (out.turnSecret.length < 8) throw new ConfigError('EARSHOT_TURN_SECRET must be at least 8 characters');
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(out.appId)) throw new ConfigError('EARSHOT_APP_ID must match [A-Za-z0-9_.-]{1,64}');
  return { secrets: out, secretsFile: file };
}

/** The data dir the configuration names (absolute). */
function dataDirOf(env = process.env) {
  return path.resolve(env.EARSHOT_DATA_DIR || path.join(BACKEND_ROOT, 'data'));
}

function loadConfig(env = process.env) {
  const host = env.EARSHOT_HOST || '127.0.0.1';
  const port = intEnv(env, 'EARSHOT_PORT', 8080, 0, 65535);
  const dataDir = dataDirOf(env);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const dbPath = path.resolve(env.EARSHOT_DB || path.join(dataDir, 'earshot.sqlite'));
  const webDir = path.resolve(env.EARSHOT_WEB_DIR || path.join(REPO_ROOT, 'dist', 'web'));
  const databaseUrl = urlEnv(env, 'EARSHOT_DATABASE_URL', ['postgres:', 'postgresql:']);
  const redisUrl = urlEnv(env, 'EARSHOT_REDIS_URL', ['redis:', 'rediss:']);
  // with PostgreSQL the rooms are not in this data dir: every process must be given the same secrets
  const { secrets, secretsFile } = loadSecrets(dataDir, env, databaseUrl ? null : dbPath);

  const corsOrigins = listEnv(env, 'EARSHOT_CORS_ORIGINS').map((o) => normalizeOrigin(o, 'EARSHOT_CORS_ORIGINS'));
  const frameAncestors = listEnv(env, 'EARSHOT_FRAME_ANCESTORS').map((o) => normalizeOrigin(o, 'EARSHOT_FRAME_ANCESTORS'));
  if (env.EARSHOT_PUBLIC_URL) {
    let u;
    try { u = new URL(env.EARSHOT_PUBLIC_URL); } catch { throw new ConfigError('EARSHOT_PUBLIC_URL must be an absolute http(s) URL'); }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError('EARSHOT_PUBLIC_URL must be http(s)');
  }

  const turnPort = intEnv(env, 'EARSHOT_TURN_PORT', 3478, 1, 65535);
  const turnMinPort = intEnv(env, 'EARSHOT_TURN_MIN_PORT', 49160, 1024, 65535);
  const turnMaxPort = intEnv(env, 'EARSHOT_TURN_MAX_PORT', 49260, 1024, 65535);
  if (turnMaxPort < turnMinPort) throw new ConfigError('EARSHOT_TURN_MAX_PORT must be >= EARSHOT_TURN_MIN_PORT');

  const cfg = {
    host,
    port,
    // filled in after listen() when port is 0 or PUBLIC_URL not given
    publicUrl: env.EARSHOT_PUBLIC_URL ? env.EARSHOT_PUBLIC_URL.replace(/\/+$/, '') : null,
    dataDir,
    dbPath,
    // optional shared backends (several processes): PostgreSQL for persistence, Redis for the Socket.IO
    // adapter, presence and rate limits; without them SQLite (dbPath) and this process's memory
    databaseUrl,
    redisUrl,
    nodeId: env.EARSHOT_NODE_ID || `${require('node:os').hostname()}-${process.pid}-${crypto.randomBytes(3).toString('hex')}`,
    webDir,
    secretsFile,
    ...secrets,
    corsOrigins,
    frameAncestors,
    inviteTtl: intEnv(env, 'EARSHOT_INVITE_TTL', 3600, 60, 86400),
    roomTtl: intEnv(env, 'EARSHOT_ROOM_TTL', 86400, 300, 30 * 86400),
    tokenTtl: intEnv(env, 'EARSHOT_TOKEN_TTL', 14400, 60, 86400), // room + app JWT lifetime
    // Distinct users per room (full mesh of peer connections): 2 = seed-004 1:1 calls.
    roomSize: intEnv(env, 'EARSHOT_ROOM_SIZE', 2, 2, 6),
    turnTtl: intEnv(env, 'EARSHOT_TURN_TTL', 3600, 60, 86400),
    turn: {
      host: env.EARSHOT_TURN_HOST || '127.0.0.1',
      port: turnPort,
      minPort: turnMinPort,
      maxPort: turnMaxPort,
      start: boolEnv(env, 'EARSHOT_START_TURN', false),
      allowLoopbackPeers: boolEnv(env, 'EARSHOT_TURN_ALLOW_LOOPBACK', false),
      bin: env.EARSHOT_TURNSERVER_BIN || '/usr/bin/turnserver',
      // how often a coturn this server manages is probed with a real allocation
      probeMs: intEnv(env, 'EARSHOT_TURN_PROBE_MS', 5000, 100, 600000),
      realm: 'earshot.local',
    },
    webhook: {
      retryScale: numEnv(env, 'EARSHOT_WEBHOOK_RETRY_SCALE', 1, 0.0001, 100),
      pollMs: intEnv(env, 'EARSHOT_WEBHOOK_POLL_MS', 500, 10, 60000),
      timeoutMs: intEnv(env, 'EARSHOT_WEBHOOK_TIMEOUT_MS', 10000, 100, 120000),
      // loopback / private / link-local targets: only for local development (SSRF otherwise)
      allowPrivate: boolEnv(env, 'EARSHOT_WEBHOOK_ALLOW_PRIVATE', false),
    },
    sweepMs: intEnv(env, 'EARSHOT_SWEEP_MS', 60000, 50, 3600000),
    // Requests per minute per client IP and route group.
    rateLimits: {
      auth: intEnv(env, 'EARSHOT_RATE_AUTH', 30, 1, 1e6),
      admin: intEnv(env, 'EARSHOT_RATE_ADMIN', 120, 1, 1e6),
      redeem: intEnv(env, 'EARSHOT_RATE_REDEEM', 60, 1, 1e6),
    },
    maxBodyBytes: intEnv(env, 'EARSHOT_MAX_BODY', 16 * 1024, 1024, 1024 * 1024),
    trustProxy: trustProxyEnv(env),
    logLevel: env.EARSHOT_LOG_LEVEL || 'info',
  };
  return cfg;
}

module.exports = { loadConfig, dataDirOf, ConfigError, StartupError, REPO_ROOT, BACKEND_ROOT };
