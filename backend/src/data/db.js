'use strict';
// SQLite persistence (better-sqlite3, synchronous). Rooms, seats (one per invited person), invites,
// apps (webhook settings) and the webhook delivery queue live here, so a restart loses none of them.
// A seat is the place of one invited person in a room: it has exactly one current invite (older ones
// are revoked when the admin issues a new link), and once redeemed it is bound to the redeeming
// browser (SHA-256 of its device id) and a userId, so the same browser can come back.
// Presence (who is connected right now) is in memory only: sockets do not survive a restart.

const fs = require('node:fs');
const path = require('node:path');
const Database = require('better-sqlite3');

const SCHEMA_VERSION = 2;
const BUSY_TIMEOUT_MS = 100;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS apps (
  app_id         TEXT PRIMARY KEY,
  webhook_url    TEXT,
  webhook_secret TEXT,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS rooms (
  room_id     TEXT PRIMARY KEY,
  app_id      TEXT NOT NULL,
  source      TEXT NOT NULL CHECK (source IN ('api','admin')),
  title       TEXT,
  metadata    TEXT,
  created_by  TEXT,
  status      TEXT NOT NULL CHECK (status IN ('open','active','ended','closed')),
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  started_at  INTEGER,
  ended_at    INTEGER
);
CREATE INDEX IF NOT EXISTS rooms_expires ON rooms(expires_at);
CREATE INDEX IF NOT EXISTS rooms_app ON rooms(app_id, created_at);
CREATE TABLE IF NOT EXISTS invites (
  jti         TEXT PRIMARY KEY,
  room_id     TEXT NOT NULL REFERENCES rooms(room_id) ON DELETE CASCADE,
  role        TEXT NOT NULL CHECK (role IN ('host','guest')),
  name        TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER,
  used_by     TEXT,
  seat_id     TEXT,
  revoked_at  INTEGER
);
CREATE INDEX IF NOT EXISTS invites_room ON invites(room_id);
CREATE TABLE IF NOT EXISTS seats (
  seat_id           TEXT PRIMARY KEY,
  room_id           TEXT NOT NULL REFERENCES rooms(room_id) ON DELETE CASCADE,
  position          INTEGER NOT NULL,
  role              TEXT NOT NULL CHECK (role IN ('host','guest')),
  name              TEXT NOT NULL,
  jti               TEXT NOT NULL,     -- the current invite
  invite_token      TEXT,              -- its JWT, so the admin can copy the link again (admin-only)
  invite_expires_at INTEGER NOT NULL,
  gen               INTEGER NOT NULL DEFAULT 1, -- bumped on takeover / new link; room tokens carry it
  device_hash       TEXT,              -- SHA-256 of the browser's device id, once bound
  user_id           TEXT,              -- set when the seat is redeemed (joined)
  joined_at         INTEGER
);
CREATE INDEX IF NOT EXISTS seats_room ON seats(room_id, position);
CREATE INDEX IF NOT EXISTS invites_expires ON invites(expires_at);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  id              TEXT PRIMARY KEY,
  app_id          TEXT NOT NULL,
  event           TEXT NOT NULL,
  url             TEXT NOT NULL,
  body            TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pending','delivered','failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,
  last_status     INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON webhook_deliveries(status, next_attempt_at);
`;

/** Schema 1 -> 2: invites gain seat_id/revoked_at; every seat-less invite becomes its own seat. */
function migrate(db) {
  const cols = new Set(db.pragma('table_info(invites)').map((c) => c.name));
  if (!cols.has('seat_id')) db.exec('ALTER TABLE invites ADD COLUMN seat_id TEXT');
  if (!cols.has('revoked_at')) db.exec('ALTER TABLE invites ADD COLUMN revoked_at INTEGER');
  const orphans = db.prepare('SELECT rowid AS pos, * FROM invites WHERE seat_id IS NULL').all();
  const addSeat = db.prepare(`INSERT INTO seats (seat_id, room_id, position, role, name, jti, invite_token, invite_expires_at, user_id, joined_at)
                              VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)`);
  const link = db.prepare('UPDATE invites SET seat_id = ? WHERE jti = ?');
  for (const i of orphans) {
    addSeat.run(i.jti, i.room_id, i.pos, i.role, i.name, i.jti, i.expires_at, i.used_by, i.used_at);
    link.run(i.jti, i.jti);
  }
}

function openDb(dbPath) {
  if (dbPath !== ':memory:') {
    fs.mkdirSync(path.dirname(dbPath), { recursive: true, mode: 0o700 });
    // create it 0600 first: SQLite gives the -wal/-shm files the same mode (webhook secrets live here)
    fs.closeSync(fs.openSync(dbPath, 'a', 0o600));
  }
  let db;
  try {
    db = new Database(dbPath);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // better-sqlite3 is synchronous: waiting for another process's lock blocks the event loop, so wait
    // briefly and let the request fail with 503 server.busy instead (see utils/http.js sendError)
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // damage inside the file would otherwise surface later, request by request
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') {
      const first = String(check).split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('***')) || String(check);
      const e = new Error(`integrity check: ${first.slice(0, 120)}`); e.code = 'SQLITE_CORRUPT'; throw e;
    }
    const v = db.pragma('user_version', { simple: true });
    if (v > SCHEMA_VERSION) {
      throw new DatabaseError(`the database ${dbPath} has schema ${v}, newer than this server (${SCHEMA_VERSION}); run a newer Earshot backend on it, or give this one another EARSHOT_DB`);
    }
    db.transaction(() => {
      db.exec(SCHEMA);
      migrate(db);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
  } catch (e) {
    try { db?.close(); } catch { /* not open */ }
    if (e && /^SQLITE_(NOTADB|CORRUPT)/.test(e.code || '')) throw damaged(dbPath, e);
    throw e;
  }
  return new Store(db);
}

/** A database the server cannot use; its message is the whole explanation (printed without a stack). */
class DatabaseError extends Error {}

function damaged(dbPath, e) {
  return new DatabaseError(`the database ${dbPath} is damaged or not an SQLite database (${e.message}); `
    + 'restore it from a backup, or move it away to start with an empty one (its rooms, invites and queued webhooks are then lost)');
}

/**
 * How many rooms a database file holds, without creating or changing it (0 when there is no file yet).
 * Throws DatabaseError when the file is not a usable database.
 */
function countRooms(dbPath) {
  if (dbPath === ':memory:' || !fs.existsSync(dbPath) || fs.statSync(dbPath).size === 0) return 0;
  let db;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
    const t = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'rooms'").get();
    return t ? db.prepare('SELECT COUNT(*) AS n FROM rooms').get().n : 0;
  } catch (e) {
    if (e && /^SQLITE_(NOTADB|CORRUPT)/.test(e.code || '')) throw damaged(dbPath, e);
    throw e;
  } finally { try { db?.close(); } catch { /* not open */ } }
}

/**
 * The store interface (every method async; see also pg-store.js, the PostgreSQL implementation of the same
 * methods): SQLite through better-sqlite3. Each method runs synchronously inside, so its transactions are atomic.
 */
class Store {
  get kind() { return 'sqlite'; }

  constructor(db) {
    this.db = db;
    const q = (sql) => db.prepare(sql);
    this.s = {
      appGet: q('SELECT * FROM apps WHERE app_id = ?'),
      appEnsure: q('INSERT OR IGNORE INTO apps (app_id, created_at, updated_at) VALUES (?, ?, ?)'),
      appSetWebhook: q('UPDATE apps SET webhook_url = ?, webhook_secret = ?, updated_at = ? WHERE app_id = ?'),
      roomInsert: q(`INSERT INTO rooms (room_id, app_id, source, title, metadata, created_by, status, created_at, expires_at)
                     VALUES (@roomId, @appId, @source, @title, @metadata, @createdBy, 'open', @createdAt, @expiresAt)`),
      roomGet: q('SELECT * FROM rooms WHERE room_id = ?'),
      roomList: q(`SELECT * FROM rooms WHERE app_id = ? AND (? = 1 OR source = 'admin') ORDER BY created_at DESC, room_id LIMIT ?`),
      roomSetStatus: q('UPDATE rooms SET status = ? WHERE room_id = ?'),
      roomStart: q(`UPDATE rooms SET status = 'active', started_at = ?, ended_at = NULL WHERE room_id = ? AND status IN ('open','ended')`),
      roomEnd: q(`UPDATE rooms SET status = 'ended', ended_at = ? WHERE room_id = ? AND status = 'active'`),
      roomClose: q(`UPDATE rooms SET status = 'closed', ended_at = COALESCE(ended_at, ?) WHERE room_id = ? AND status != 'closed'`),
      roomsActive: q(`SELECT * FROM rooms WHERE status = 'active'`),
      roomsExpired: q('SELECT room_id, app_id FROM rooms WHERE expires_at <= ?'),
      roomDeleteIfExpired: q('DELETE FROM rooms WHERE room_id = ? AND expires_at <= ?'),
      inviteInsert: q(`INSERT INTO invites (jti, room_id, role, name, created_at, expires_at, seat_id) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      inviteRevoke: q('UPDATE invites SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL'),
      seatInsert: q(`INSERT INTO seats (seat_id, room_id, position, role, name, jti, invite_token, invite_expires_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      seatGet: q('SELECT * FROM seats WHERE seat_id = ?'),
      seatsForRoom: q('SELECT * FROM seats WHERE room_id = ? ORDER BY position, rowid'),
      seatBind: q('UPDATE seats SET device_hash = ?, user_id = ?, joined_at = ? WHERE seat_id = ?'),
      seatMove: q('UPDATE seats SET device_hash = ?, gen = gen + 1 WHERE seat_id = ?'),
      seatReissue: q(`UPDATE seats SET jti = ?, invite_token = ?, invite_expires_at = ?, device_hash = NULL, user_id = NULL,
                      joined_at = NULL, gen = gen + 1 WHERE seat_id = ?`),
      inviteGet: q('SELECT * FROM invites WHERE jti = ?'),
      // a room's invites share created_at; rowid keeps their insertion order (host, then guests as given)
      invitesForRoom: q('SELECT * FROM invites WHERE room_id = ? ORDER BY created_at, rowid'),
      inviteUse: q('UPDATE invites SET used_at = ?, used_by = ? WHERE jti = ? AND used_at IS NULL AND expires_at > ?'),
      // a redeemed current invite stays while its room lives: its seat's device may come back with it
      invitesExpiredDelete: q('DELETE FROM invites WHERE expires_at <= ? AND (used_at IS NULL OR revoked_at IS NOT NULL)'),
      deliveryInsert: q(`INSERT INTO webhook_deliveries (id, app_id, event, url, body, status, attempts, next_attempt_at, created_at, updated_at)
                         VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`),
      deliveryDue: q(`SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`),
      deliveryLease: q(`UPDATE webhook_deliveries SET next_attempt_at = ?, updated_at = ? WHERE id = ? AND status = 'pending' AND next_attempt_at <= ?`),
      deliveryResult: q(`UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, last_status = ?, updated_at = ?,
                         url = COALESCE(?, url) WHERE id = ?`),
      deliveryGet: q('SELECT * FROM webhook_deliveries WHERE id = ?'),
      deliveriesOldDelete: q(`DELETE FROM webhook_deliveries WHERE status != 'pending' AND updated_at <= ?`),
    };
  }

  async close() { this.db.close(); }

  async ensureApp(appId, now = Date.now()) { this.s.appEnsure.run(appId, now, now); return this.s.appGet.get(appId); }
  async getApp(appId) { return this.s.appGet.get(appId) || null; }
  async setWebhook(appId, url, secret, now = Date.now()) { this.s.appSetWebhook.run(url, secret, now, appId); }

  async createRoom(room, invites = []) {
    const tx = this.db.transaction(() => {
      this.s.roomInsert.run({ metadata: null, createdBy: null, title: null, ...room });
      invites.forEach((inv, i) => {
        const seatId = inv.seatId ?? inv.jti;
        this.s.inviteInsert.run(inv.jti, room.roomId, inv.role, inv.name, room.createdAt, inv.expiresAt, seatId);
        this.s.seatInsert.run(seatId, room.roomId, i, inv.role, inv.name, inv.jti, inv.token ?? null, inv.expiresAt);
      });
    });
    tx();
  }

  async getRoom(roomId) { return this.s.roomGet.get(roomId) || null; }
  async listRooms(appId, includeApi, limit = 200) { return this.s.roomList.all(appId, includeApi ? 1 : 0, limit); }
  async invitesForRoom(roomId) { return this.s.invitesForRoom.all(roomId); }
  async getInvite(jti) { return this.s.inviteGet.get(jti) || null; }
  async getSeat(seatId) { return this.s.seatGet.get(seatId) || null; }
  async seatsForRoom(roomId) { return this.s.seatsForRoom.all(roomId); }

  /**
   * What redeeming invite `jti` from device `deviceHash` (null: a client without a device id) would do,
   * without changing anything. jwtExpired: the invite's own exp has passed (a bound seat's device may
   * still come back with it). Returns { result, seat, invite } with result
   * 'unknown' | 'replaced' | 'expired' | 'used' | 'unused' | 'yours' | 'elsewhere'.
   */
  async inspectSeat(jti, deviceHash, opts) { return this.inspectSeatNow(jti, deviceHash, opts); }

  /** inspectSeat, synchronously (inside a transaction). */
  inspectSeatNow(jti, deviceHash, { jwtExpired = false, nowMs = Date.now() } = {}) {
    const invite = this.s.inviteGet.get(jti);
    if (!invite) return { result: jwtExpired ? 'expired' : 'unknown' };
    if (invite.revoked_at !== null) return { result: 'replaced', invite };
    const seat = invite.seat_id ? this.s.seatGet.get(invite.seat_id) : null;
    if (!seat || seat.jti !== jti) return { result: 'unknown', invite };
    const expired = jwtExpired || invite.expires_at <= nowMs;
    if (invite.used_at === null) return { result: expired ? 'expired' : 'unused', seat, invite };
    if (!deviceHash) return { result: 'used', seat, invite };
    if (seat.device_hash === null) return { result: 'used', seat, invite }; // redeemed by a client without a device id
    return { result: seat.device_hash === deviceHash ? 'yours' : 'elsewhere', seat, invite };
  }

  /**
   * Atomically redeems invite `jti` (see inspectSeat for the arguments). An unused seat is bound to
   * newUserId (and the device, if any); the same device gets the seat again; another device gets it
   * only with takeover (the generation is bumped). Returns { result, seat } with result
   * 'ok' | 'rejoin' | 'takeover' | 'in_use' | 'used' | 'unknown' | 'replaced' | 'expired'.
   */
  async claimSeat(jti, deviceHash, { newUserId, takeover = false, jwtExpired = false, nowMs = Date.now() } = {}) {
    const tx = this.db.transaction(() => {
      const r = this.inspectSeatNow(jti, deviceHash, { jwtExpired, nowMs });
      const { seat } = r;
      switch (r.result) {
        case 'unused':
          if (this.s.inviteUse.run(nowMs, newUserId, jti, nowMs).changes !== 1) return { result: 'used' };
          this.s.seatBind.run(deviceHash ?? null, newUserId, nowMs, seat.seat_id);
          return { result: 'ok', seat: this.s.seatGet.get(seat.seat_id) };
        case 'yours': return { result: 'rejoin', seat };
        case 'elsewhere':
          if (!takeover) return { result: 'in_use', seat };
          this.s.seatMove.run(deviceHash, seat.seat_id);
          return { result: 'takeover', seat: this.s.seatGet.get(seat.seat_id), previous: seat };
        default: return { result: r.result, seat };
      }
    });
    return tx.immediate();
  }

  /**
   * Gives a seat a new current invite: the old one is revoked (answers invite.replaced), the device
   * binding and user are cleared and the generation bumped. Returns { previous, seat } or null.
   */
  async reissueSeat(seatId, { jti, token, expiresAt, nowMs = Date.now() }) {
    const tx = this.db.transaction(() => {
      const previous = this.s.seatGet.get(seatId);
      if (!previous) return null;
      this.s.inviteRevoke.run(nowMs, previous.jti);
      this.s.inviteInsert.run(jti, previous.room_id, previous.role, previous.name, nowMs, expiresAt, seatId);
      this.s.seatReissue.run(jti, token, expiresAt, seatId);
      return { previous, seat: this.s.seatGet.get(seatId) };
    });
    return tx.immediate();
  }
  async startRoom(roomId, now = Date.now()) { return this.s.roomStart.run(now, roomId).changes === 1; }
  async endRoom(roomId, now = Date.now()) { return this.s.roomEnd.run(now, roomId).changes === 1; }
  async closeRoom(roomId, now = Date.now()) { return this.s.roomClose.run(now, roomId).changes === 1; }
  async activeRooms() { return this.s.roomsActive.all(); }
  async expiredRooms(nowMs = Date.now()) { return this.s.roomsExpired.all(nowMs); }

  /**
   * Atomically consumes an invite: one conditional UPDATE inside a transaction.
   * Returns 'ok' | 'used' | 'unknown' | 'expired'.
   */
  async redeemInvite(jti, userId, nowMs = Date.now()) {
    const tx = this.db.transaction(() => {
      const r = this.s.inviteUse.run(nowMs, userId, jti, nowMs);
      if (r.changes === 1) {
        const inv = this.s.inviteGet.get(jti);
        if (inv.seat_id) this.s.seatBind.run(null, userId, nowMs, inv.seat_id);
        return 'ok';
      }
      const row = this.s.inviteGet.get(jti);
      if (!row) return 'unknown';
      if (row.used_at !== null) return 'used';
      return 'expired';
    });
    return tx.immediate();
  }

  /**
   * Deletes expired rooms (their invites cascade), expired invites and old webhook deliveries.
   * With `told` (rows from expiredRooms whose sockets were told), only those rooms go: a room that
   * expired after that list was read waits for the next sweep, so none vanishes unannounced.
   */
  async sweep(nowMs = Date.now(), told = null) {
    const tx = this.db.transaction(() => {
      const rooms = (told ?? this.s.roomsExpired.all(nowMs)).filter((r) => this.s.roomDeleteIfExpired.run(r.room_id, nowMs).changes === 1);
      const inv = this.s.invitesExpiredDelete.run(nowMs).changes;
      // finished deliveries are kept 7 days for inspection
      this.s.deliveriesOldDelete.run(nowMs - 7 * 86400 * 1000);
      return { rooms, invites: inv };
    });
    return tx();
  }

  async enqueueDelivery(d) {
    this.s.deliveryInsert.run(d.id, d.appId, d.event, d.url, d.body, d.nextAttemptAt, d.createdAt, d.createdAt);
  }
  async dueDeliveries(nowMs, limit = 20) { return this.s.deliveryDue.all(nowMs, limit); }
  async leaseDelivery(id, untilMs, nowMs) { return this.s.deliveryLease.run(untilMs, nowMs, id, nowMs).changes === 1; }
  /** url: where this attempt went (the app's subscription at the time), kept for inspection. */
  async recordDelivery(id, { status, attempts, nextAttemptAt, lastError, lastStatus, url }, nowMs = Date.now()) {
    this.s.deliveryResult.run(status, attempts, nextAttemptAt, lastError ?? null, lastStatus ?? null, nowMs, url ?? null, id);
  }
  async getDelivery(id) { return this.s.deliveryGet.get(id) || null; }
}

module.exports = { openDb, Store, DatabaseError, countRooms };
