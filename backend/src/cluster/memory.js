'use strict';
// The single-process implementations of presence and rate limits (the default): plain Maps in this
// process. cluster/redis.js implements the same interfaces on Redis, for several processes.
//
// Presence interface (every method async). An entry is plain data:
//   { userId, name, role, joinedAt, muted, seat?, gen?, sid, nsp, node, live, at }
// sid/nsp/node say which socket (id, namespace index, server process) holds the seat; live: the
// connection completed; at: when it was reserved (ms). A reservation (live:false) older than staleMs is
// dropped by the next reserve (its transport died before the connection completed).
//   reserve(roomId, entry, capacity, nowMs) -> { ok:false } (room full) | { ok:true, entry, prev }
//       prev: the same user's previous entry (it is replaced); entry keeps prev's joinedAt and muted
//   unreserve(roomId, userId, sid, restore) -> removes the entry if it is still sid's (puts restore back)
//   markLive(roomId, userId, sid) -> the entry, now live, or null if sid no longer holds it
//   setMuted(roomId, userId, sid, muted)
//   remove(roomId, userId, sid) -> { removed, empty }   (only if sid still holds it)
//   take(roomId, userId) -> { entry, empty } | null     (whatever socket holds it)
//   clear(roomId) -> [entries]
//   list(roomId) -> [entries]                          (of live server processes only)
//   onReconnect(fn), restore(roomId, entry)           (a store that can lose its data: write back what this process holds)
const { RateLimiter } = require('../utils/rate-limit');

const STALE_MS = 15000;

class MemoryPresence {
  constructor({ staleMs = STALE_MS } = {}) { this.rooms = new Map(); this.staleMs = staleMs; }
  get kind() { return 'memory'; }

  async reserve(roomId, entry, capacity, nowMs = Date.now()) {
    let m = this.rooms.get(roomId);
    if (!m) { m = new Map(); this.rooms.set(roomId, m); }
    for (const [uid, e] of m) if (!e.live && e.at < nowMs - this.staleMs && uid !== entry.userId) m.delete(uid);
    const prev = m.get(entry.userId) || null;
    if (!prev && m.size >= capacity) { if (m.size === 0) this.rooms.delete(roomId); return { ok: false }; }
    const e = { ...entry };
    if (prev) { e.joinedAt = prev.joinedAt; e.muted = prev.muted; }
    m.set(e.userId, e);
    return { ok: true, entry: { ...e }, prev: prev && { ...prev } };
  }

  async unreserve(roomId, userId, sid, restore) {
    const m = this.rooms.get(roomId);
    const e = m?.get(userId);
    if (!e || e.sid !== sid) return false;
    if (restore) m.set(userId, { ...restore }); else m.delete(userId);
    if (m.size === 0) this.rooms.delete(roomId);
    return true;
  }

  async markLive(roomId, userId, sid) {
    const e = this.rooms.get(roomId)?.get(userId);
    if (!e || e.sid !== sid) return null;
    e.live = true;
    return { ...e };
  }

  async setMuted(roomId, userId, sid, muted) {
    const e = this.rooms.get(roomId)?.get(userId);
    if (e && e.sid === sid) e.muted = muted;
  }

  async remove(roomId, userId, sid) {
    const m = this.rooms.get(roomId);
    const e = m?.get(userId);
    if (!e || e.sid !== sid) return { removed: false, empty: !m || m.size === 0 };
    m.delete(userId);
    const empty = m.size === 0;
    if (empty) this.rooms.delete(roomId);
    return { removed: true, empty };
  }

  async take(roomId, userId) {
    const m = this.rooms.get(roomId);
    const e = m?.get(userId);
    if (!e) return null;
    m.delete(userId);
    const empty = m.size === 0;
    if (empty) this.rooms.delete(roomId);
    return { entry: e, empty };
  }

  async clear(roomId) {
    const m = this.rooms.get(roomId);
    this.rooms.delete(roomId);
    return m ? [...m.values()] : [];
  }

  async list(roomId) {
    const m = this.rooms.get(roomId);
    return m ? [...m.values()].map((e) => ({ ...e })) : [];
  }

  /** Nothing to restore: this memory cannot be lost while the process lives. */
  onReconnect() {}
  async restore() {}

  /** Entries of server processes that stopped (none in one process). */
  async reapDeadNodes() { return []; }
  async close() {}
}

/** Rate limits interface: limiter(name, perMinute) -> { take(key) -> seconds to wait or 0, blocked(key) }, async. */
class MemoryLimits {
  get kind() { return 'memory'; }
  limiter(name, perMinute, opts) {
    const l = new RateLimiter(perMinute, opts);
    return { take: async (key) => l.take(key), blocked: async (key) => l.blocked(key), local: l };
  }
  async close() {}
}

module.exports = { MemoryPresence, MemoryLimits, STALE_MS };
