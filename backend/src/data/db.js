'use strict';
// SQLite persistence (better-sqlite3, synchronous). Rooms, invites (single use), apps
// (webhook settings) and the webhook delivery queue live here, so a restart loses none of them.
// Presence (who is connected right now) is in memory only: sockets do not survive a restart.

const fs = require('node:fs');
const path = require('node:path');
const Database = require('better-sqlite3');

const SCHEMA_VERSION = 1;

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
  used_by     TEXT
);
CREATE INDEX IF NOT EXISTS invites_room ON invites(room_id);
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

function openDb(dbPath) {
  if (dbPath !== ':memory:') {
    fs.mkdirSync(path.dirname(dbPath), { recursive: true, mode: 0o700 });
    // create it 0600 first: SQLite gives the -wal/-shm files the same mode (webhook secrets live here)
    fs.closeSync(fs.openSync(dbPath, 'a', 0o600));
  }
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const v = db.pragma('user_version', { simple: true });
  if (v === 0) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  else if (v > SCHEMA_VERSION) throw new Error(`database ${dbPath} has schema ${v}, newer than this server (${SCHEMA_VERSION})`);
  return new Store(db);
}

class Store {
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
      roomDelete: q('DELETE FROM rooms WHERE room_id = ?'),
      inviteInsert: q(`INSERT INTO invites (jti, room_id, role, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`),
      inviteGet: q('SELECT * FROM invites WHERE jti = ?'),
      // a room's invites share created_at; rowid keeps their insertion order (host, then guests as given)
      invitesForRoom: q('SELECT * FROM invites WHERE room_id = ? ORDER BY created_at, rowid'),
      inviteUse: q('UPDATE invites SET used_at = ?, used_by = ? WHERE jti = ? AND used_at IS NULL AND expires_at > ?'),
      invitesExpiredDelete: q('DELETE FROM invites WHERE expires_at <= ?'),
      deliveryInsert: q(`INSERT INTO webhook_deliveries (id, app_id, event, url, body, status, attempts, next_attempt_at, created_at, updated_at)
                         VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`),
      deliveryDue: q(`SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`),
      deliveryLease: q(`UPDATE webhook_deliveries SET next_attempt_at = ?, updated_at = ? WHERE id = ? AND status = 'pending' AND next_attempt_at <= ?`),
      deliveryResult: q(`UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, last_status = ?, updated_at = ? WHERE id = ?`),
      deliveryGet: q('SELECT * FROM webhook_deliveries WHERE id = ?'),
      deliveriesOldDelete: q(`DELETE FROM webhook_deliveries WHERE status != 'pending' AND updated_at <= ?`),
    };
  }

  close() { this.db.close(); }

  ensureApp(appId, now = Date.now()) { this.s.appEnsure.run(appId, now, now); return this.s.appGet.get(appId); }
  getApp(appId) { return this.s.appGet.get(appId) || null; }
  setWebhook(appId, url, secret, now = Date.now()) { this.s.appSetWebhook.run(url, secret, now, appId); }

  createRoom(room, invites = []) {
    const tx = this.db.transaction(() => {
      this.s.roomInsert.run({ metadata: null, createdBy: null, title: null, ...room });
      for (const inv of invites) this.s.inviteInsert.run(inv.jti, room.roomId, inv.role, inv.name, room.createdAt, inv.expiresAt);
    });
    tx();
  }

  getRoom(roomId) { return this.s.roomGet.get(roomId) || null; }
  listRooms(appId, includeApi, limit = 200) { return this.s.roomList.all(appId, includeApi ? 1 : 0, limit); }
  invitesForRoom(roomId) { return this.s.invitesForRoom.all(roomId); }
  getInvite(jti) { return this.s.inviteGet.get(jti) || null; }
  startRoom(roomId, now = Date.now()) { return this.s.roomStart.run(now, roomId).changes === 1; }
  endRoom(roomId, now = Date.now()) { return this.s.roomEnd.run(now, roomId).changes === 1; }
  closeRoom(roomId, now = Date.now()) { return this.s.roomClose.run(now, roomId).changes === 1; }
  activeRooms() { return this.s.roomsActive.all(); }
  expiredRooms(nowMs = Date.now()) { return this.s.roomsExpired.all(nowMs); }

  /**
   * Atomically consumes an invite: one conditional UPDATE inside a transaction.
   * Returns 'ok' | 'used' | 'unknown' | 'expired'.
   */
  redeemInvite(jti, userId, nowMs = Date.now()) {
    const tx = this.db.transaction(() => {
      const r = this.s.inviteUse.run(nowMs, userId, jti, nowMs);
      if (r.changes === 1) return 'ok';
      const row = this.s.inviteGet.get(jti);
      if (!row) return 'unknown';
      if (row.used_at !== null) return 'used';
      return 'expired';
    });
    return tx.immediate();
  }

  /** Deletes expired rooms (cascading to their invites) and expired invites. Returns deleted room rows. */
  sweep(nowMs = Date.now()) {
    const tx = this.db.transaction(() => {
      const rooms = this.s.roomsExpired.all(nowMs);
      for (const r of rooms) this.s.roomDelete.run(r.room_id);
      const inv = this.s.invitesExpiredDelete.run(nowMs).changes;
      // finished deliveries are kept 7 days for inspection
      this.s.deliveriesOldDelete.run(nowMs - 7 * 86400 * 1000);
      return { rooms, invites: inv };
    });
    return tx();
  }

  enqueueDelivery(d) {
    this.s.deliveryInsert.run(d.id, d.appId, d.event, d.url, d.body, d.nextAttemptAt, d.createdAt, d.createdAt);
  }
  dueDeliveries(nowMs, limit = 20) { return this.s.deliveryDue.all(nowMs, limit); }
  leaseDelivery(id, untilMs, nowMs) { return this.s.deliveryLease.run(untilMs, nowMs, id, nowMs).changes === 1; }
  recordDelivery(id, { status, attempts, nextAttemptAt, lastError, lastStatus }, nowMs = Date.now()) {
    this.s.deliveryResult.run(status, attempts, nextAttemptAt, lastError ?? null, lastStatus ?? null, nowMs, id);
  }
  getDelivery(id) { return this.s.deliveryGet.get(id) || null; }
}

module.exports = { openDb, Store };
