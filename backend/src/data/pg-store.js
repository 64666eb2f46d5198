'use strict';
// PostgreSQL persistence (npm pg), for several server processes sharing one database
// (EARSHOT_DATABASE_URL=postgres://user@host:port/db). The same interface as the SQLite store in db.js,
// method for method, with the same rows (snake_case columns, times in ms since the epoch). Atomicity
// comes from row locks: claimSeat/redeemInvite lock the invite row (SELECT … FOR UPDATE) and use the
// same conditional UPDATEs as SQLite, so an invite redeemed at once on every process succeeds once.
const { Pool, types } = require('pg');
const { DatabaseError } = require('./db');

const SCHEMA_VERSION = 2;
const SCHEMA_LOCK = 0x6561727368; // pg_advisory_xact_lock key: one process creates/migrates at a time

// BIGINT (ms timestamps, BIGSERIAL) as JS numbers, like SQLite gives them (safe below 2^53)
const TYPES = {
  getTypeParser(oid, format) {
    if (oid === 20) return (v) => (v === null ? null : Number(v));
    return types.getTypeParser(oid, format);
  },
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS earshot_schema (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS apps (
  app_id TEXT PRIMARY KEY, webhook_url TEXT, webhook_secret TEXT,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS rooms (
  room_id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('api','admin')),
  title TEXT, metadata TEXT, created_by TEXT,
  status TEXT NOT NULL CHECK (status IN ('open','active','ended','closed')),
  created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, started_at BIGINT, ended_at BIGINT
);
CREATE INDEX IF NOT EXISTS rooms_expires ON rooms(expires_at);
CREATE INDEX IF NOT EXISTS rooms_app ON rooms(app_id, created_at);
CREATE INDEX IF NOT EXISTS rooms_active ON rooms(status) WHERE status = 'active';
CREATE TABLE IF NOT EXISTS invites (
  seq BIGSERIAL,
  jti TEXT PRIMARY KEY,
  room_id TEXT NOT NULL REFERENCES rooms(room_id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('host','guest')),
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,
  used_at BIGINT, used_by TEXT, seat_id TEXT, revoked_at BIGINT
);
CREATE INDEX IF NOT EXISTS invites_room ON invites(room_id);
CREATE INDEX IF NOT EXISTS invites_expires ON invites(expires_at);
CREATE TABLE IF NOT EXISTS seats (
  seq BIGSERIAL,
  seat_id TEXT PRIMARY KEY,
  room_id TEXT NOT NULL REFERENCES rooms(room_id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('host','guest')),
  name TEXT NOT NULL,
  jti TEXT NOT NULL,
  invite_token TEXT,
  invite_expires_at BIGINT NOT NULL,
  gen INTEGER NOT NULL DEFAULT 1,
  device_hash TEXT, user_id TEXT, joined_at BIGINT
);
CREATE INDEX IF NOT EXISTS seats_room ON seats(room_id, position);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  id TEXT PRIMARY KEY, app_id TEXT NOT NULL, event TEXT NOT NULL, url TEXT NOT NULL, body TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','delivered','failed')),
  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL,
  last_error TEXT, last_status INTEGER, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON webhook_deliveries(status, next_attempt_at);
`;

/** The URL without its password, for messages. */
function redact(url) {
  try { const u = new URL(url); if (u.password) u.password = '***'; return u.toString(); } catch { return '(unparsable URL)'; }
}

async function openPgStore(url, { log, poolSize = 10 } = {}) {
  const pool = new Pool({ connectionString: url, max: poolSize, types: TYPES, connectionTimeoutMillis: 5000 });
  pool.on('error', (e) => log?.error('postgres connection error', { err: String(e && e.message || e) }));
  const store = new PgStore(pool);
  try {
    await store.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await c.query(SCHEMA);
      const v = (await c.query('SELECT version FROM earshot_schema')).rows[0];
      if (v && v.version > SCHEMA_VERSION) {
        throw new DatabaseError(`the PostgreSQL database ${redact(url)} has schema ${v.version}, newer than this server (${SCHEMA_VERSION}); run a newer Earshot backend on it`);
      }
      if (!v) await c.query('INSERT INTO earshot_schema (version) VALUES ($1)', [SCHEMA_VERSION]);
    });
  } catch (e) {
    await pool.end().catch(() => {});
    if (e instanceof DatabaseError) throw e;
    throw new DatabaseError(`cannot use the PostgreSQL database ${redact(url)} (${e && (e.message || e.code)}); check EARSHOT_DATABASE_URL and that the server is running`);
  }
  return store;
}

class PgStore {
  constructor(pool) { this.pool = pool; }
  get kind() { return 'postgres'; }

  async tx(fn) {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const r = await fn(c);
      await c.query('COMMIT');
      return r;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally { c.release(); }
  }
  async one(sql, args, c = this.pool) { return (await c.query(sql, args)).rows[0] || null; }
  async all(sql, args, c = this.pool) { return (await c.query(sql, args)).rows; }
  async run(sql, args, c = this.pool) { return (await c.query(sql, args)).rowCount; }

  async close() { await this.pool.end(); }

  async ensureApp(appId, now = Date.now()) {
    await this.run('INSERT INTO apps (app_id, created_at, updated_at) VALUES ($1, $2, $2) ON CONFLICT (app_id) DO NOTHING', [appId, now]);
    return this.getApp(appId);
  }
  async getApp(appId) { return this.one('SELECT * FROM apps WHERE app_id = $1', [appId]); }
  async setWebhook(appId, url, secret, now = Date.now()) {
    await this.run('UPDATE apps SET webhook_url = $1, webhook_secret = $2, updated_at = $3 WHERE app_id = $4', [url, secret, now, appId]);
  }

  async createRoom(room, invites = []) {
    const r = { metadata: null, createdBy: null, title: null, ...room };
    await this.tx(async (c) => {
      await c.query(`INSERT INTO rooms (room_id, app_id, source, title, metadata, created_by, status, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8)`,
      [r.roomId, r.appId, r.source, r.title, r.metadata, r.createdBy, r.createdAt, r.expiresAt]);
      for (const [i, inv] of invites.entries()) {
        const seatId = inv.seatId ?? inv.jti;
        await c.query('INSERT INTO invites (jti, room_id, role, name, created_at, expires_at, seat_id) VALUES ($1, $2, $3, $4, $5, $6, $7)',
          [inv.jti, r.roomId, inv.role, inv.name, r.createdAt, inv.expiresAt, seatId]);
        await c.query(`INSERT INTO seats (seat_id, room_id, position, role, name, jti, invite_token, invite_expires_at)
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [seatId, r.roomId, i, inv.role, inv.name, inv.jti, inv.token ?? null, inv.expiresAt]);
      }
    });
  }

  async getRoom(roomId) { return this.one('SELECT * FROM rooms WHERE room_id = $1', [roomId]); }
  async listRooms(appId, includeApi, limit = 200) {
    return this.all(`SELECT * FROM rooms WHERE app_id = $1 AND ($2 OR source = 'admin') ORDER BY created_at DESC, room_id LIMIT $3`, [appId, !!includeApi, limit]);
  }
  async invitesForRoom(roomId) { return this.all('SELECT * FROM invites WHERE room_id = $1 ORDER BY created_at, seq', [roomId]); }
  async getInvite(jti) { return this.one('SELECT * FROM invites WHERE jti = $1', [jti]); }
  async getSeat(seatId) { return this.one('SELECT * FROM seats WHERE seat_id = $1', [seatId]); }
  async seatsForRoom(roomId) { return this.all('SELECT * FROM seats WHERE room_id = $1 ORDER BY position, seq', [roomId]); }

  /** See db.js. c: a transaction's client; lock: take the invite's and seat's row locks. */
  async inspectSeat(jti, deviceHash, { jwtExpired = false, nowMs = Date.now() } = {}, c = this.pool, lock = false) {
    const invite = await this.one(`SELECT * FROM invites WHERE jti = $1${lock ? ' FOR UPDATE' : ''}`, [jti], c);
    if (!invite) return { result: jwtExpired ? 'expired' : 'unknown' };
    if (invite.revoked_at !== null) return { result: 'replaced', invite };
    const seat = invite.seat_id ? await this.one(`SELECT * FROM seats WHERE seat_id = $1${lock ? ' FOR UPDATE' : ''}`, [invite.seat_id], c) : null;
    if (!seat || seat.jti !== jti) return { result: 'unknown', invite };
    const expired = jwtExpired || invite.expires_at <= nowMs;
    if (invite.used_at === null) return { result: expired ? 'expired' : 'unused', seat, invite };
    if (!deviceHash) return { result: 'used', seat, invite };
    if (seat.device_hash === null) return { result: 'used', seat, invite };
    return { result: seat.device_hash === deviceHash ? 'yours' : 'elsewhere', seat, invite };
  }

  async claimSeat(jti, deviceHash, { newUserId, takeover = false, jwtExpired = false, nowMs = Date.now() } = {}) {
    return this.tx(async (c) => {
      const r = await this.inspectSeat(jti, deviceHash, { jwtExpired, nowMs }, c, true);
      const { seat } = r;
      switch (r.result) {
        case 'unused':
          if (await this.run('UPDATE invites SET used_at = $1, used_by = $2 WHERE jti = $3 AND used_at IS NULL AND expires_at > $1', [nowMs, newUserId, jti], c) !== 1) return { result: 'used' };
          await this.run('UPDATE seats SET device_hash = $1, user_id = $2, joined_at = $3 WHERE seat_id = $4', [deviceHash ?? null, newUserId, nowMs, seat.seat_id], c);
          return { result: 'ok', seat: await this.one('SELECT * FROM seats WHERE seat_id = $1', [seat.seat_id], c) };
        case 'yours': return { result: 'rejoin', seat };
        case 'elsewhere':
          if (!takeover) return { result: 'in_use', seat };
          await this.run('UPDATE seats SET device_hash = $1, gen = gen + 1 WHERE seat_id = $2', [deviceHash, seat.seat_id], c);
          return { result: 'takeover', seat: await this.one('SELECT * FROM seats WHERE seat_id = $1', [seat.seat_id], c), previous: seat };
        default: return { result: r.result, seat };
      }
    });
  }

  async reissueSeat(seatId, { jti, token, expiresAt, nowMs = Date.now() }) {
    return this.tx(async (c) => {
      const previous = await this.one('SELECT * FROM seats WHERE seat_id = $1 FOR UPDATE', [seatId], c);
      if (!previous) return null;
      await c.query('UPDATE invites SET revoked_at = $1 WHERE jti = $2 AND revoked_at IS NULL', [nowMs, previous.jti]);
      await c.query('INSERT INTO invites (jti, room_id, role, name, created_at, expires_at, seat_id) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [jti, previous.room_id, previous.role, previous.name, nowMs, expiresAt, seatId]);
      await c.query(`UPDATE seats SET jti = $1, invite_token = $2, invite_expires_at = $3, device_hash = NULL, user_id = NULL,
                     joined_at = NULL, gen = gen + 1 WHERE seat_id = $4`, [jti, token, expiresAt, seatId]);
      return { previous, seat: await this.one('SELECT * FROM seats WHERE seat_id = $1', [seatId], c) };
    });
  }

  async startRoom(roomId, now = Date.now()) {
    return (await this.run(`UPDATE rooms SET status = 'active', started_at = $1, ended_at = NULL WHERE room_id = $2 AND status IN ('open','ended')`, [now, roomId])) === 1;
  }
  async endRoom(roomId, now = Date.now()) {
    return (await this.run(`UPDATE rooms SET status = 'ended', ended_at = $1 WHERE room_id = $2 AND status = 'active'`, [now, roomId])) === 1;
  }
  async closeRoom(roomId, now = Date.now()) {
    return (await this.run(`UPDATE rooms SET status = 'closed', ended_at = COALESCE(ended_at, $1) WHERE room_id = $2 AND status != 'closed'`, [now, roomId])) === 1;
  }
  async activeRooms() { return this.all(`SELECT * FROM rooms WHERE status = 'active'`); }
  async expiredRooms(nowMs = Date.now()) { return this.all('SELECT room_id, app_id FROM rooms WHERE expires_at <= $1', [nowMs]); }

  async redeemInvite(jti, userId, nowMs = Date.now()) {
    return this.tx(async (c) => {
      const row = await this.one('SELECT * FROM invites WHERE jti = $1 FOR UPDATE', [jti], c);
      if (!row) return 'unknown';
      if (await this.run('UPDATE invites SET used_at = $1, used_by = $2 WHERE jti = $3 AND used_at IS NULL AND expires_at > $1', [nowMs, userId, jti], c) === 1) {
        if (row.seat_id) await this.run('UPDATE seats SET device_hash = NULL, user_id = $1, joined_at = $2 WHERE seat_id = $3', [userId, nowMs, row.seat_id], c);
        return 'ok';
      }
      return row.used_at !== null ? 'used' : 'expired';
    });
  }

  /** As the SQLite store: with `told`, only those rooms (if still expired) are deleted. */
  async sweep(nowMs = Date.now(), told = null) {
    return this.tx(async (c) => {
      const rooms = (await c.query('DELETE FROM rooms WHERE expires_at <= $1 AND ($2::text[] IS NULL OR room_id = ANY($2)) RETURNING room_id, app_id',
        [nowMs, told && told.map((r) => r.room_id)])).rows;
      const inv = (await c.query('DELETE FROM invites WHERE expires_at <= $1 AND (used_at IS NULL OR revoked_at IS NOT NULL)', [nowMs])).rowCount;
      await c.query(`DELETE FROM webhook_deliveries WHERE status != 'pending' AND updated_at <= $1`, [nowMs - 7 * 86400 * 1000]);
      return { rooms, invites: inv };
    });
  }

  async enqueueDelivery(d) {
    await this.run(`INSERT INTO webhook_deliveries (id, app_id, event, url, body, status, attempts, next_attempt_at, created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7, $7)`, [d.id, d.appId, d.event, d.url, d.body, d.nextAttemptAt, d.createdAt]);
  }
  async dueDeliveries(nowMs, limit = 20) {
    return this.all(`SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2`, [nowMs, limit]);
  }
  async leaseDelivery(id, untilMs, nowMs) {
    return (await this.run(`UPDATE webhook_deliveries SET next_attempt_at = $1, updated_at = $2 WHERE id = $3 AND status = 'pending' AND next_attempt_at <= $2`, [untilMs, nowMs, id])) === 1;
  }
  async recordDelivery(id, { status, attempts, nextAttemptAt, lastError, lastStatus, url }, nowMs = Date.now()) {
    await this.run(`UPDATE webhook_deliveries SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4, last_status = $5, updated_at = $6,
                    url = COALESCE($7, url) WHERE id = $8`, [status, attempts, nextAttemptAt, lastError ?? null, lastStatus ?? null, nowMs, url ?? null, id]);
  }
  async getDelivery(id) { return this.one('SELECT * FROM webhook_deliveries WHERE id = $1', [id]); }
}

module.exports = { openPgStore, PgStore, redact };
