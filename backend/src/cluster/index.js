'use strict';
// Chooses the backends by configuration: persistence in SQLite (default) or PostgreSQL
// (EARSHOT_DATABASE_URL); presence, rate limits and the Socket.IO adapter in this process (default) or
// in Redis (EARSHOT_REDIS_URL), so that several processes serve the same rooms. The rest of the server
// sees one interface for each (data/db.js + data/pg-store.js, cluster/memory.js + cluster/redis.js).
const { openDb } = require('../data/db');
const { MemoryPresence, MemoryLimits } = require('./memory');

async function openBackends(cfg, log) {
  let store = null;
  let redis = null;
  try {
    store = cfg.databaseUrl ? await require('../data/pg-store').openPgStore(cfg.databaseUrl, { log }) : openDb(cfg.dbPath);
    if (cfg.redisUrl) redis = await require('./redis').openRedis(cfg, { log });
  } catch (e) {
    try { await store?.close(); } catch { /* not open */ }
    throw e;
  }
  return {
    store,
    presence: redis ? redis.presence : new MemoryPresence(),
    limits: redis ? redis.limits : new MemoryLimits(),
    /** Socket.IO adapter for one Server (key: its channel prefix), or undefined for the in-memory default. */
    adapter: (key) => (redis ? redis.adapter(key) : undefined),
    kind: `${store.kind}+${redis ? 'redis' : 'memory'}`,
    async close() {
      try { await redis?.close(); } catch (e) { log.warn('closing redis failed', { err: String(e) }); }
      try { await store.close(); } catch { /* already closed */ }
    },
  };
}

module.exports = { openBackends };
