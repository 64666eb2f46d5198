'use strict';
// Redis (EARSHOT_REDIS_URL=redis://host:port) for several server processes: the Socket.IO adapter
// (@socket.io/redis-adapter: a socket of another process is reached through it), presence (who is in
// which room, on which process) and rate limits, with the same interfaces as cluster/memory.js.
// Every multi-step change is one Lua script, so it is atomic across processes.
//
// Keys: earshot:p:<roomId>      hash userId -> entry JSON (see memory.js)
//       earshot:node:<nodeId>   heartbeat of a process (expires NODE_TTL_MS after it stops)
//       earshot:nodes           set of processes; earshot:nrooms:<nodeId> rooms it has held entries in
//       earshot:rl:<name>:<key> token bucket
// A process that dies leaves its entries behind: they stop counting at once (its heartbeat is gone after
// NODE_TTL_MS), its participants keep their place if they reconnect to another process, and one surviving
// process reaps what is left and tells the rooms they left (reapDeadNodes).
const { createClient } = require('redis');
const { createAdapter } = require('@socket.io/redis-adapter');
const { STALE_MS } = require('./memory');

const NODE_TTL_MS = 6000;
const HEARTBEAT_MS = 2000;
const ROOM_TTL_MS = 2 * 86400 * 1000;
const P = 'earshot:';

const ALIVE = `
local alive = {}
local function up(n)
  local a = alive[n]
  if a == nil then a = redis.call('EXISTS', '${P}node:' .. n) == 1; alive[n] = a end
  return a
end
`;

const SCRIPTS = {
  // KEYS: room hash, my rooms set. ARGV: userId, entry, capacity, now, staleMs, roomId
  reserve: `${ALIVE}
local all = redis.call('HGETALL', KEYS[1])
local count, prev = 0, ''
local now, stale = tonumber(ARGV[4]), tonumber(ARGV[5])
for i = 1, #all, 2 do
  local u, raw = all[i], all[i + 1]
  if u == ARGV[1] then prev = raw
  else
    local e = cjson.decode(raw)
    if up(e.node) then
      if e.live or e.at >= now - stale then count = count + 1 else redis.call('HDEL', KEYS[1], u) end
    end
  end
end
if prev == '' and count >= tonumber(ARGV[3]) then return {0} end
local e = cjson.decode(ARGV[2])
if prev ~= '' then local p = cjson.decode(prev); e.joinedAt = p.joinedAt; e.muted = p.muted end
local s = cjson.encode(e)
redis.call('HSET', KEYS[1], ARGV[1], s)
redis.call('PEXPIRE', KEYS[1], ${ROOM_TTL_MS})
redis.call('SADD', KEYS[2], ARGV[6])
return {1, s, prev}`,
  // ARGV: userId, sid, restore ('' = none)
  unreserve: `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw or cjson.decode(raw).sid ~= ARGV[2] then return 0 end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) else redis.call('HDEL', KEYS[1], ARGV[1]) end
return 1`,
  // ARGV: userId, sid
  markLive: `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return '' end
local e = cjson.decode(raw)
if e.sid ~= ARGV[2] then return '' end
e.live = true
local s = cjson.encode(e)
redis.call('HSET', KEYS[1], ARGV[1], s)
return s`,
  // ARGV: userId, sid, muted (1/0)
  setMuted: `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local e = cjson.decode(raw)
if e.sid ~= ARGV[2] then return 0 end
e.muted = ARGV[3] == '1'
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(e))
return 1`,
  // KEYS: room hash, my rooms set. ARGV: userId, entry, roomId. Only if the user has no entry there now.
  restore: `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ${ROOM_TTL_MS})
redis.call('SADD', KEYS[2], ARGV[3])
return 1`,
  // ARGV: userId, sid ('' = whichever), roomId. Returns {removed, left, entry}. The room leaves the
  // process's set of rooms when it has no entry of that process any more.
  remove: `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw or (ARGV[2] ~= '' and cjson.decode(raw).sid ~= ARGV[2]) then return {0, redis.call('HLEN', KEYS[1]), ''} end
redis.call('HDEL', KEYS[1], ARGV[1])
local node = cjson.decode(raw).node
local mine = false
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do if cjson.decode(v).node == node then mine = true end end
if not mine then redis.call('SREM', '${P}nrooms:' .. node, ARGV[3]) end
return {1, redis.call('HLEN', KEYS[1]), raw}`,
  // ARGV: roomId
  clear: `
local v = redis.call('HVALS', KEYS[1])
redis.call('DEL', KEYS[1])
for _, raw in ipairs(v) do redis.call('SREM', '${P}nrooms:' .. cjson.decode(raw).node, ARGV[1]) end
return v`,
  list: `${ALIVE}
local out = {}
local all = redis.call('HVALS', KEYS[1])
for i = 1, #all do
  local e = cjson.decode(all[i])
  if up(e.node) then out[#out + 1] = all[i] end
end
return out`,
  // ARGV: dead node. Removes its entries; returns {left, entries...}
  reap: `
local out = {0}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if cjson.decode(all[i + 1]).node == ARGV[1] then
    redis.call('HDEL', KEYS[1], all[i]); out[#out + 1] = all[i + 1]
  end
end
out[1] = redis.call('HLEN', KEYS[1])
return out`,
  // token bucket. KEYS: bucket. ARGV: tokens per ms, capacity, now, take (1/0). Returns seconds to wait or 0
  bucket: `
local rate, cap, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'k', 't')
local tokens, t = tonumber(b[1]), tonumber(b[2])
if tokens == nil then tokens = cap; t = now end
tokens = math.min(cap, tokens + math.max(0, now - t) * rate)
if tokens >= 1 then
  if ARGV[4] == '1' then
    tokens = tokens - 1
    redis.call('HSET', KEYS[1], 'k', tostring(tokens), 't', tostring(now))
    redis.call('PEXPIRE', KEYS[1], math.ceil((cap - tokens) / rate) + 1000)
  end
  return 0
end
return math.max(1, math.ceil((1 - tokens) / rate / 1000))`,
};

/** Runs the scripts by SHA (loaded once, reloaded if Redis forgot them). */
function scriptRunner(client) {
  const shas = {};
  return async function run(name, keys, args) {
    const cmd = () => client.sendCommand(['EVALSHA', shas[name], String(keys.length), ...keys, ...args.map(String)]);
    if (!shas[name]) shas[name] = await client.sendCommand(['SCRIPT', 'LOAD', SCRIPTS[name]]);
    try { return await cmd(); } catch (e) {
      if (!/NOSCRIPT/.test(String(e && e.message))) throw e;
      shas[name] = await client.sendCommand(['SCRIPT', 'LOAD', SCRIPTS[name]]);
      return cmd();
    }
  };
}

class RedisPresence {
  constructor(client, nodeId, { staleMs = STALE_MS } = {}) {
    this.c = client; this.nodeId = nodeId; this.staleMs = staleMs; this.run = scriptRunner(client);
    this.reconnectHandlers = [];
  }
  /** fn() runs after Redis comes back from an outage (it may have lost everything). */
  onReconnect(fn) { this.reconnectHandlers.push(fn); }
  /** Writes back an entry this process holds (after a Redis outage); keeps a newer one of the same user. */
  async restore(roomId, entry) {
    await this.run('restore', [this.key(roomId), `${P}nrooms:${this.nodeId}`], [entry.userId, JSON.stringify(entry), roomId]);
  }
  get kind() { return 'redis'; }
  key(roomId) { return `${P}p:${roomId}`; }

  async reserve(roomId, entry, capacity, nowMs = Date.now()) {
    const r = await this.run('reserve', [this.key(roomId), `${P}nrooms:${this.nodeId}`], [entry.userId, JSON.stringify(entry), capacity, nowMs, this.staleMs, roomId]);
    if (Number(r[0]) !== 1) return { ok: false };
    return { ok: true, entry: (JSON.parse(r[1])), prev: r[2] ? (JSON.parse(r[2])) : null };
  }
  async unreserve(roomId, userId, sid, restore) {
    return Number(await this.run('unreserve', [this.key(roomId)], [userId, sid, restore ? JSON.stringify(restore) : ''])) === 1;
  }
  async markLive(roomId, userId, sid) {
    const s = await this.run('markLive', [this.key(roomId)], [userId, sid]);
    return s ? (JSON.parse(s)) : null;
  }
  async setMuted(roomId, userId, sid, muted) { await this.run('setMuted', [this.key(roomId)], [userId, sid, muted ? 1 : 0]); }
  async remove(roomId, userId, sid) {
    const r = await this.run('remove', [this.key(roomId)], [userId, sid, roomId]);
    return { removed: Number(r[0]) === 1, empty: Number(r[1]) === 0 };
  }
  async take(roomId, userId) {
    const r = await this.run('remove', [this.key(roomId)], [userId, '', roomId]);
    return Number(r[0]) === 1 ? { entry: (JSON.parse(r[2])), empty: Number(r[1]) === 0 } : null;
  }
  async clear(roomId) { return (await this.run('clear', [this.key(roomId)], [roomId])).map((s) => (JSON.parse(s))); }
  async list(roomId) { return (await this.run('list', [this.key(roomId)], [])).map((s) => (JSON.parse(s))); }

  /** Entries of processes whose heartbeat stopped, removed (by one surviving process): [{ roomId, entry, empty }]. */
  async reapDeadNodes() {
    const out = [];
    for (const n of await this.c.sMembers(`${P}nodes`)) {
      if (n === this.nodeId || await this.c.exists(`${P}node:${n}`)) continue;
      if (!await this.c.set(`${P}reap:${n}`, this.nodeId, { NX: true, PX: 30000 })) continue;
      for (const roomId of await this.c.sMembers(`${P}nrooms:${n}`)) {
        const r = await this.run('reap', [this.key(roomId)], [n]);
        const entries = r.slice(1).map((s) => (JSON.parse(s)));
        entries.forEach((entry, i) => out.push({ roomId, entry, empty: Number(r[0]) === 0 && i === entries.length - 1 }));
      }
      await this.c.del(`${P}nrooms:${n}`);
      await this.c.sRem(`${P}nodes`, n);
    }
    return out;
  }
}

class RedisLimits {
  constructor(client) { this.run = scriptRunner(client); }
  get kind() { return 'redis'; }
  limiter(name, perMinute, { burst } = {}) {
    const rate = perMinute / 60000; const cap = burst ?? perMinute;
    const call = async (key, take) => Number(await this.run('bucket', [`${P}rl:${name}:${key}`], [rate, cap, Date.now(), take ? 1 : 0]));
    return { take: (key) => call(key, true), blocked: (key) => call(key, false) };
  }
}

async function openRedis(cfg, { log }) {
  const clients = [];
  // a Redis that cannot be reached at start stops the server; once up, connections are retried
  let up = false;
  const reconnectStrategy = (n, cause) => (up ? Math.min(100 * 2 ** n, 2000) : (cause || new Error('connection failed')));
  const connect = async (base, overrides) => {
    // no offline queue: while Redis is away a command fails at once (503 server.busy) instead of hanging
    const c = base ? base.duplicate(overrides) : createClient({ url: cfg.redisUrl, disableOfflineQueue: true, socket: { connectTimeout: 5000, reconnectStrategy } });
    c.on('error', (e) => { if (up) log.error('redis connection error', { err: String(e && e.message || e) }); });
    clients.push(c);
    await c.connect();
    return c;
  };
  let main;
  try {
    main = await connect();
    await main.ping();
    up = true;
  } catch (e) {
    await Promise.allSettled(clients.map((c) => c.disconnect()));
    const { StartupError } = require('../config');
    throw new StartupError(`cannot reach Redis at ${redactRedis(cfg.redisUrl)} (${e && e.message}); check EARSHOT_REDIS_URL and that redis-server is running`);
  }
  // this process's heartbeat: its presence entries count only while it beats
  const beat = () => main.set(`${P}node:${cfg.nodeId}`, String(process.pid), { PX: NODE_TTL_MS });
  await beat();
  await main.sAdd(`${P}nodes`, cfg.nodeId);
  const presence = new RedisPresence(main, cfg.nodeId);
  // Redis came back (restarted, maybe empty): beat and register again, and let signaling write back the
  // participants this process holds, so calls in progress keep their signaling
  main.on('ready', () => {
    if (!up) return;
    log.warn('redis connection back; registering this process and its participants again');
    (async () => {
      await beat();
      await main.sAdd(`${P}nodes`, cfg.nodeId);
      for (const fn of presence.reconnectHandlers) await fn();
    })().catch((e) => log.error('re-registering after a redis reconnect failed', { err: String(e && e.message || e) }));
  });
  const heart = setInterval(() => beat().catch((e) => log.warn('redis heartbeat failed', { err: String(e) })), HEARTBEAT_MS);
  heart.unref();
  const adapters = {};
  for (const key of ['earshot-ws', 'earshot-sio']) {
    // the adapter publishes without handling a rejection: its clients queue while Redis is away
    const pub = await connect(main, { disableOfflineQueue: false });
    const sub = await connect(main, { disableOfflineQueue: false });
    adapters[key] = createAdapter(pub, sub, { key });
  }
  return {
    presence,
    limits: new RedisLimits(main),
    adapter: (key) => adapters[key],
    async close() {
      clearInterval(heart);
      // a clean stop: no heartbeat, so the others reap this process's entries at once
      try { await main.del(`${P}node:${cfg.nodeId}`); } catch { /* redis gone */ }
      await Promise.allSettled(clients.map((c) => c.quit()));
    },
  };
}

function redactRedis(url) {
  try { const u = new URL(url); if (u.password) u.password = '***'; return u.toString(); } catch { return '(unparsable URL)'; }
}

module.exports = { openRedis, RedisPresence, RedisLimits, SCRIPTS, NODE_TTL_MS };
