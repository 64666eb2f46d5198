'use strict';
// Socket.IO signaling at path /ws (default namespace), and also at the default path /socket.io/ with
// namespace /ws (what io('ws://host/ws') reads), with the same handlers and one shared presence.
// Per Earshot room at most cfg.roomSize distinct users (EARSHOT_ROOM_SIZE, default 2), who form a full
// mesh: signals carrying `to` go to that one participant, signals without it to everyone else.
// Handshake: auth = { token, roomId? }. Refusals go through next(err) with err.message = stable code
// and err.data = { code, message } (room.full adds capacity); a browser origin that is neither this
// server nor configured in EARSHOT_CORS_ORIGINS is refused the same way with cors.forbidden.
const jwt = require('../services/jwt');
const { RateLimiter } = require('../utils/rate-limit');

const MAX_SDP_BYTES = 64 * 1024;
const MAX_CANDIDATE_BYTES = 4 * 1024;
const MAX_TO_CHARS = 128;
const EVENT_BUDGET = 400; // client events per socket per 10 s
const WINDOW_MS = 10000;
const REFRESH_PER_MINUTE = 5; // token-refresh per participant (a room token lives hours)

const REFUSALS = {
  'token.missing': 'Connect with auth.token set to a room token.',
  'token.invalid': 'The room token is not valid.',
  'token.expired': 'The room token has expired; get a new one.',
  'token.wrong_room': 'The room token was issued for a different room.',
  'room.not_found': 'This room does not exist.',
  'room.full': 'This room is full.', // the refusal itself says how many places: roomFullMessage()
  'room.closed': 'This room is closed.',
  'session.moved': 'You joined this call on another device.',
  'session.replaced': 'The host gave your seat a new link.',
  'cors.forbidden': 'This origin is not allowed to connect.',
};
const CLOSED_MESSAGES = { closed: 'The host closed this room.', expired: 'This room has expired.' };

function roomFullMessage(capacity) {
  return `This room is full (${capacity} of ${capacity} places taken).`;
}

function refusal(code, extra = {}) {
  const err = new Error(code);
  err.data = { code, message: REFUSALS[code], ...extra };
  return err;
}

class SignalError extends Error {
  constructor(message) { super(message); this.code = 'signal.invalid'; }
}

function isObj(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }

/** Optional recipient of an addressed signal: absent or null = everyone else in the room. */
function withTo(payload, out) {
  const to = payload.to;
  if (to === undefined || to === null) return out;
  if (typeof to !== 'string' || to.length === 0 || to.length > MAX_TO_CHARS) throw new SignalError(`to must be a userId string of 1..${MAX_TO_CHARS} characters.`);
  out.to = to;
  return out;
}

function checkSdp(payload, allowedTypes) {
  if (!isObj(payload)) throw new SignalError('Payload must be an object { sdp: { type, sdp }, to? }.');
  const d = payload.sdp;
  if (!isObj(d)) throw new SignalError('sdp must be an object { type, sdp }.');
  if (!allowedTypes.includes(d.type)) throw new SignalError(`sdp.type must be ${allowedTypes.join(' or ')}.`);
  if (typeof d.sdp !== 'string' || d.sdp.length === 0) throw new SignalError('sdp.sdp must be a non-empty string.');
  if (Buffer.byteLength(d.sdp) > MAX_SDP_BYTES) throw new SignalError(`sdp.sdp is larger than ${MAX_SDP_BYTES} bytes.`);
  return withTo(payload, { sdp: { type: d.type, sdp: d.sdp } });
}

function checkCandidate(payload) {
  if (!isObj(payload) || !('candidate' in payload)) throw new SignalError('Payload must be an object { candidate, to? }.');
  const c = payload.candidate;
  if (c === null) return withTo(payload, { candidate: null }); // end of candidates
  if (!isObj(c)) throw new SignalError('candidate must be an object or null.');
  if (typeof c.candidate !== 'string') throw new SignalError('candidate.candidate must be a string.');
  if (Buffer.byteLength(c.candidate) > MAX_CANDIDATE_BYTES) throw new SignalError(`candidate.candidate is larger than ${MAX_CANDIDATE_BYTES} bytes.`);
  const sdpMid = c.sdpMid ?? null;
  const idx = c.sdpMLineIndex ?? null;
  if (sdpMid !== null && (typeof sdpMid !== 'string' || sdpMid.length > 256)) throw new SignalError('candidate.sdpMid must be a short string or null.');
  if (idx !== null && !(Number.isInteger(idx) && idx >= 0 && idx <= 65535)) throw new SignalError('candidate.sdpMLineIndex must be an integer 0..65535 or null.');
  if (sdpMid === null && idx === null && c.candidate !== '') throw new SignalError('candidate needs sdpMid or sdpMLineIndex.');
  const out = { candidate: c.candidate, sdpMid, sdpMLineIndex: idx };
  if (c.usernameFragment !== undefined && c.usernameFragment !== null) {
    if (typeof c.usernameFragment !== 'string' || c.usernameFragment.length > 256) throw new SignalError('candidate.usernameFragment must be a short string.');
    out.usernameFragment = c.usernameFragment;
  } else if (c.usernameFragment === null) out.usernameFragment = null;
  return withTo(payload, { candidate: out });
}

/** Is a browser Origin allowed: this server's own origin (public URL or Host header) or configured. */
function originAllowed(req, cfg) {
  const origin = req.headers.origin;
  if (!origin) return true;
  if (cfg.corsOrigins.includes(origin)) return true;
  if (cfg.publicUrl && origin === new URL(cfg.publicUrl).origin) return true;
  const host = req.headers.host;
  return !!host && (origin === `http://${host}` || origin === `https://${host}`);
}

/** namespaces: one socket.io namespace or a list of them, all served by the same handlers. */
function attachSignaling(namespaces, { store, cfg, auth, webhooks, log }) {
  const nsps = Array.isArray(namespaces) ? namespaces : [namespaces];
  const capacity = cfg.roomSize;
  /** roomId -> Map(userId -> { userId, name, role, joinedAt, socket, live, muted, seat, gen }) */
  const presence = new Map();
  const refreshLimiter = new RateLimiter(REFRESH_PER_MINUTE);

  /** Sends to every live participant of a room except `exceptUserId` (across namespaces). */
  function emitRoom(roomId, event, payload, exceptUserId) {
    const m = presence.get(roomId);
    if (!m) return;
    for (const e of m.values()) if (e.live && e.userId !== exceptUserId) e.socket.emit(event, payload);
  }

  function liveParticipants(roomId) {
    const m = presence.get(roomId);
    if (!m) return [];
    return [...m.values()].filter((e) => e.live).map(({ userId, name, role, joinedAt }) => ({ userId, name, role, joinedAt }));
  }

  function roomOpenState(row) {
    if (!row) return 'room.not_found';
    if (row.status === 'closed' || row.expires_at <= Date.now()) return 'room.closed';
    return null;
  }
  function closedRefusal(row) {
    return refusal('room.closed', { message: row.expires_at <= Date.now() ? CLOSED_MESSAGES.expired : CLOSED_MESSAGES.closed });
  }

  /**
   * Presence lives in memory and goes on; what is written about it (room status, webhook rows) may fail
   * while another process holds the database's write lock. Logged, never thrown into socket.io.
   */
  function persist(what, fn) {
    try { fn(); } catch (e) { log.error(`could not record ${what}`, { err: String(e && e.message || e), code: e && e.code }); }
  }

  for (const nsp of nsps) {
    nsp.use(handshake);
    nsp.on('connection', onConnection);
  }

  function handshake(socket, next) {
    // CORS headers do not protect a WebSocket, and an opaque transport failure helps nobody: the
    // engine accepts any origin and this refusal names the reason.
    if (!originAllowed(socket.request, cfg)) return next(refusal('cors.forbidden'));
    const a = socket.handshake.auth || {};
    const token = typeof a.token === 'string' ? a.token : '';
    if (!token) return next(refusal('token.missing'));
    let claims;
    try { claims = auth.verify(token, 'room'); } catch (e) {
      return next(refusal(e instanceof jwt.JwtError && e.code === 'expired' ? 'token.expired' : 'token.invalid'));
    }
    if (claims.appId !== cfg.appId || typeof claims.roomId !== 'string' || typeof claims.sub !== 'string') return next(refusal('token.invalid'));
    if (a.roomId !== undefined && a.roomId !== null && a.roomId !== claims.roomId) return next(refusal('token.wrong_room'));
    const row = store.getRoom(claims.roomId);
    if (row && row.app_id !== claims.appId) return next(refusal('room.not_found'));
    const closed = roomOpenState(row);
    if (closed === 'room.closed') return next(closedRefusal(row));
    if (closed) return next(refusal(closed));
    // an invite seat's token is only good for the seat's current generation (takeover / new link bump it)
    let seat = null;
    if (claims.seat !== undefined) {
      seat = typeof claims.seat === 'string' ? store.getSeat(claims.seat) : null;
      if (!seat || seat.room_id !== claims.roomId || !Number.isInteger(claims.gen)) return next(refusal('token.invalid'));
      if (seat.gen !== claims.gen) return next(refusal(seat.user_id === claims.sub ? 'session.moved' : 'session.replaced'));
    }

    let m = presence.get(claims.roomId);
    if (!m) { m = new Map(); presence.set(claims.roomId, m); }
    // drop reservations whose transport died before the connection completed
    for (const [uid, e] of m) if (!e.live && e.socket.conn.readyState !== 'open') m.delete(uid);
    const prev = m.get(claims.sub);
    if (!prev && m.size >= capacity) return next(refusal('room.full', { message: roomFullMessage(capacity), capacity }));

    const entry = {
      userId: claims.sub,
      name: typeof claims.name === 'string' ? claims.name : claims.sub,
      role: typeof claims.role === 'string' ? claims.role : 'participant',
      joinedAt: prev ? prev.joinedAt : new Date().toISOString(),
      socket,
      live: false,
      muted: prev ? prev.muted : false,
      seat: seat ? seat.seat_id : undefined,
      gen: seat ? seat.gen : undefined,
      replaces: prev ? prev.socket : null,
    };
    m.set(claims.sub, entry); // reserve synchronously: a concurrent third handshake sees it
    socket.data.roomId = claims.roomId;
    socket.data.userId = claims.sub;
    socket.data.entry = entry;
    socket.conn.once('close', () => {
      // handshake passed but the connection never completed
      if (!entry.live && m.get(entry.userId) === entry) {
        m.delete(entry.userId);
        if (prev && prev.live && prev.socket.connected) m.set(prev.userId, prev);
        if (m.size === 0 && presence.get(claims.roomId) === m) presence.delete(claims.roomId);
      }
    });
    next();
  }

  function onConnection(socket) {
    const { roomId, userId, entry } = socket.data;
    const m = presence.get(roomId);
    if (!m || m.get(userId) !== entry) { socket.disconnect(true); return; }
    const reconnect = !!entry.replaces;
    if (entry.replaces) {
      const old = entry.replaces;
      entry.replaces = null;
      old.data.replaced = true;
      old.emit('session-replaced', { reason: 'A newer connection of the same user took over.' });
      old.disconnect(true);
    }
    entry.live = true;
    const title = store.getRoom(roomId)?.title ?? null;
    const self = { userId, name: entry.name, role: entry.role };
    const others = [...m.values()].filter((e) => e.live && e.userId !== userId)
      .map(({ userId: id, name, role, joinedAt, muted }) => ({ userId: id, name, role, joinedAt, muted }));
    socket.emit('room-state', { self, participants: others, capacity, title });
    emitRoom(roomId, 'user-joined', { userId, name: entry.name, role: entry.role, joinedAt: entry.joinedAt, muted: entry.muted, title, ...(reconnect ? { reconnect: true } : {}) }, userId);
    log.debug('participant connected', { roomId, userId, reconnect });

    if (!reconnect) persist('participant joined', () => {
      webhooks.enqueue(cfg.appId, 'user.joined', { roomId, userId, name: entry.name, role: entry.role, joinedAt: entry.joinedAt });
      // The call starts when a second participant is live; startRoom only moves open/ended -> active,
      // so later joiners of a running call do not fire it again.
      const live = liveParticipants(roomId);
      if (live.length >= 2 && store.startRoom(roomId)) {
        webhooks.enqueue(cfg.appId, 'call.started', { roomId, startedAt: new Date().toISOString(), participants: live });
      }
    });

    let windowStart = Date.now();
    let count = 0;
    function budget() {
      const now = Date.now();
      if (now - windowStart > WINDOW_MS) { windowStart = now; count = 0; }
      return ++count <= EVENT_BUDGET;
    }

    function relay(event, check) {
      socket.on(event, (...args) => {
        const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
        const reply = (r) => { if (ack) { try { ack(r); } catch { /* ignore */ } } };
        if (!budget()) return reply({ ok: false, code: 'signal.rate_limited', message: 'Too many signaling messages; slow down.' });
        if (socket.data.removed) return reply({ ok: false, code: 'signal.not_joined', message: 'You have left this room.' });
        let clean;
        try { clean = check(args[0]); } catch (e) {
          if (e instanceof SignalError) return reply({ ok: false, code: e.code, message: e.message });
          throw e;
        }
        if (clean.to === userId) return reply({ ok: false, code: 'signal.invalid', message: 'to must name another participant, not yourself.' });
        const others = [...(presence.get(roomId)?.values() || [])].filter((e) => e.live && e.userId !== userId && (clean.to === undefined || e.userId === clean.to));
        if (clean.to !== undefined && others.length === 0) {
          return reply({ ok: false, code: 'signal.unknown_recipient', message: `No participant ${clean.to} in this room.` });
        }
        for (const o of others) o.socket.emit(event, { ...clean, from: userId });
        reply({ ok: true, delivered: others.length });
      });
    }
    relay('webrtc-offer', (p) => checkSdp(p, ['offer']));
    relay('webrtc-answer', (p) => checkSdp(p, ['answer', 'pranswer']));
    relay('ice-candidate', checkCandidate);

    // Mute state: { muted } -> everyone else gets { from, muted }; room-state carries it for late joiners.
    socket.on('media-state', (...args) => {
      const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
      const reply = (r) => { if (ack) { try { ack(r); } catch { /* ignore */ } } };
      if (!budget()) return reply({ ok: false, code: 'signal.rate_limited', message: 'Too many signaling messages; slow down.' });
      if (socket.data.removed) return reply({ ok: false, code: 'signal.not_joined', message: 'You have left this room.' });
      const p = args[0];
      if (!isObj(p) || typeof p.muted !== 'boolean') return reply({ ok: false, code: 'signal.invalid', message: 'Payload must be an object { muted: true|false }.' });
      entry.muted = p.muted;
      emitRoom(roomId, 'media-state', { from: userId, muted: p.muted }, userId);
      reply({ ok: true });
    });

    socket.on('leave', (...args) => {
      const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
      removeParticipant(socket, 'left');
      if (ack) { try { ack({ ok: true }); } catch { /* ignore */ } }
      setImmediate(() => socket.disconnect(true));
    });

    // Long calls outlive a room token; a connected participant can get a fresh one for reconnects.
    socket.on('token-refresh', (...args) => {
      const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
      if (!ack) return;
      if (!budget()) return ack({ ok: false, code: 'signal.rate_limited', message: 'Too many signaling messages; slow down.' });
      // each participant (not each socket: a reconnect does not reset it) gets REFRESH_PER_MINUTE
      const wait = refreshLimiter.take(`${roomId}\n${userId}`);
      if (wait) return ack({ ok: false, code: 'signal.rate_limited', message: `Too many token refreshes; try again in ${wait} s.` });
      const row = store.getRoom(roomId);
      if (roomOpenState(row) || socket.data.removed) return ack({ ok: false, code: 'room.closed', message: REFUSALS['room.closed'] });
      const t = auth.signRoomToken({
        roomId, appId: cfg.appId, userId, name: entry.name, role: entry.role, roomExpiresAtMs: row.expires_at,
        ...(entry.seat !== undefined ? { seat: entry.seat, gen: entry.gen } : {}),
      });
      ack({ ok: true, token: t.token, ttl: t.ttl, expiresAt: new Date(t.exp * 1000).toISOString() });
    });

    // A client's own namespace disconnect (41) is a deliberate leave, even when it overtakes the
    // 'leave' event (socket.io dispatches events a tick later than packets); anything else is a drop.
    socket.on('disconnect', (why) => {
      if (socket.data.replaced) return;
      removeParticipant(socket, why === 'client namespace disconnect' ? 'left' : 'disconnected');
    });
  }

  function removeParticipant(socket, reason) {
    if (socket.data.removed || socket.data.replaced) return;
    socket.data.removed = true;
    const { roomId, userId, entry } = socket.data;
    const m = presence.get(roomId);
    if (!m || m.get(userId) !== entry) return;
    m.delete(userId);
    emitRoom(roomId, 'user-left', { userId, reason });
    const empty = m.size === 0;
    if (empty) presence.delete(roomId);
    persist('participant left', () => {
      webhooks.enqueue(cfg.appId, 'user.left', { roomId, userId, reason });
      if (!empty) return;
      const row = store.getRoom(roomId);
      if (row && row.status === 'active' && store.endRoom(roomId)) {
        webhooks.enqueue(cfg.appId, 'call.ended', callEnded(row, reason === 'left' ? 'left' : 'disconnected'));
      }
    });
  }

  function callEnded(row, reason) {
    const endedAt = Date.now();
    return {
      roomId: row.room_id,
      startedAt: row.started_at ? new Date(row.started_at).toISOString() : null,
      endedAt: new Date(endedAt).toISOString(),
      durationSeconds: row.started_at ? Math.round((endedAt - row.started_at) / 1000) : 0,
      reason,
    };
  }

  /**
   * Takes a user out of a room because their seat moved (takeover: reason 'moved') or got a new link
   * (reason 'replaced'): their socket gets session-replaced { reason, message } and is disconnected,
   * the others get user-left { userId, reason }.
   */
  function removeUser(roomId, userId, { reason, message }) {
    const e = presence.get(roomId)?.get(userId);
    if (!e) return false;
    const socket = e.socket;
    if (e.live) {
      removeParticipant(socket, reason);
      socket.emit('session-replaced', { reason, message });
      socket.disconnect(true);
    } else {
      presence.get(roomId).delete(userId); // a handshake in progress: its connection handler sees it is gone
    }
    return true;
  }

  /** Closes a room (admin close or expiry): marks it closed, tells and disconnects its sockets. */
  function closeRoom(roomId, reason) {
    const row = store.getRoom(roomId);
    const wasActive = row && row.status === 'active';
    if (row) store.closeRoom(roomId);
    const m = presence.get(roomId);
    if (m) {
      presence.delete(roomId);
      for (const e of m.values()) {
        e.socket.data.removed = true;
        e.socket.emit('room-closed', { roomId, reason, message: CLOSED_MESSAGES[reason] || CLOSED_MESSAGES.closed });
        e.socket.disconnect(true);
      }
    }
    if (wasActive) webhooks.enqueue(row.app_id, 'call.ended', callEnded(row, reason));
  }

  return { liveParticipants, closeRoom, removeUser, presence };
}

module.exports = { attachSignaling, originAllowed, checkSdp, checkCandidate, roomFullMessage, REFUSALS, MAX_SDP_BYTES, MAX_CANDIDATE_BYTES, MAX_TO_CHARS };
