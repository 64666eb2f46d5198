'use strict';
// Socket.IO signaling at path /ws (default namespace), and also at the default path /socket.io/ with
// namespace /ws (what io('ws://host/ws') reads), with the same handlers and one shared presence.
// Per Earshot room at most cfg.roomSize distinct users (EARSHOT_ROOM_SIZE, default 2), who form a full
// mesh: signals carrying `to` go to that one participant, signals without it to everyone else.
// Handshake: auth = { token, roomId? }. Refusals go through next(err) with err.message = stable code
// and err.data = { code, message } (room.full adds capacity); a browser origin that is neither this
// server nor configured in EARSHOT_CORS_ORIGINS is refused the same way with cors.forbidden.
const jwt = require('../services/jwt');

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
  'server.busy': 'The server could not check this connection; try again in a moment.',
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

/**
 * namespaces: one socket.io namespace or a list of them, all served by the same handlers.
 * presence (cluster/memory.js or cluster/redis.js) holds who is in which room, for this process alone or
 * for every process sharing a Redis; limits the same for rate limits; nodeId names this process. A socket
 * of another process is reached through the namespace's adapter (the Redis adapter in a cluster).
 */
function attachSignaling(namespaces, { store, cfg, auth, webhooks, log, presence, limits, nodeId }) {
  const nsps = Array.isArray(namespaces) ? namespaces : [namespaces];
  const capacity = cfg.roomSize;
  /** socket id -> socket, for the sockets of this process that completed their connection */
  const local = new Map();
  const refreshLimiter = limits.limiter('refresh', REFRESH_PER_MINUTE);

  /** Emits to the socket of a presence entry, in this process or another. */
  function deliver(e, event, payload) {
    if (e.node === nodeId) { local.get(e.sid)?.emit(event, payload); return; }
    nsps[e.nsp]?.to(e.sid).emit(event, payload);
  }

  /** Tells the socket of entry e why (event, payload) and disconnects it, wherever it is. */
  function kick(e, event, payload) {
    if (e.node === nodeId) {
      const s = local.get(e.sid) || pending.get(e.sid);
      if (s) { if (event) s.emit(event, payload); s.disconnect(true); }
      return;
    }
    const nsp = nsps[e.nsp];
    if (!nsp) return;
    if (event) nsp.to(e.sid).emit(event, payload);
    nsp.in(e.sid).disconnectSockets(true);
  }
  /** sockets of this process past the handshake whose connection is not live yet */
  const pending = new Map();

  /** Sends to every live participant of a room except `exceptUserId` (across namespaces and processes). */
  async function emitRoom(roomId, event, payload, exceptUserId) {
    for (const e of await presence.list(roomId)) if (e.live && e.userId !== exceptUserId) deliver(e, event, payload);
  }

  async function liveParticipants(roomId) {
    return (await presence.list(roomId)).filter((e) => e.live).map(({ userId, name, role, joinedAt }) => ({ userId, name, role, joinedAt }));
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
   * Presence goes on; what is written about it (room status, webhook rows) may fail, e.g. while another
   * process holds the SQLite write lock. Logged, never thrown into socket.io.
   */
  async function persist(what, fn) {
    try { await fn(); } catch (e) { log.error(`could not record ${what}`, { err: String(e && e.message || e), code: e && e.code }); }
  }

  // After a Redis outage (presence may be empty): write back every participant this process holds.
  presence.onReconnect(async () => {
    for (const s of local.values()) {
      if (!s.connected || s.data.removed || !s.data.entry) continue;
      await presence.restore(s.data.roomId, { ...s.data.entry, live: true });
    }
  });

  for (const nsp of nsps) {
    nsp.use((socket, next) => { handshake(socket, next).catch((e) => { log.error('handshake failed', { err: String(e && e.message || e) }); next(refusal('server.busy')); }); });
    nsp.on('connection', onConnection);
  }

  async function handshake(socket, next) {
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
    const row = await store.getRoom(claims.roomId);
    if (row && row.app_id !== claims.appId) return next(refusal('room.not_found'));
    const closed = roomOpenState(row);
    if (closed === 'room.closed') return next(closedRefusal(row));
    if (closed) return next(refusal(closed));
    // an invite seat's token is only good for the seat's current generation (takeover / new link bump it)
    let seat = null;
    if (claims.seat !== undefined) {
      seat = typeof claims.seat === 'string' ? await store.getSeat(claims.seat) : null;
      if (!seat || seat.room_id !== claims.roomId || !Number.isInteger(claims.gen)) return next(refusal('token.invalid'));
      if (seat.gen !== claims.gen) return next(refusal(seat.user_id === claims.sub ? 'session.moved' : 'session.replaced'));
    }
    if (socket.conn.readyState !== 'open') return next(refusal('token.missing')); // gone while we looked

    const want = {
      userId: claims.sub,
      name: typeof claims.name === 'string' ? claims.name : claims.sub,
      role: typeof claims.role === 'string' ? claims.role : 'participant',
      joinedAt: new Date().toISOString(),
      muted: false,
      ...(seat ? { seat: seat.seat_id, gen: seat.gen } : {}),
      sid: socket.id,
      nsp: nsps.indexOf(socket.nsp),
      node: nodeId,
      live: false,
      at: Date.now(),
    };
    // reserved atomically: a concurrent third handshake (in any process) sees it
    const r = await presence.reserve(claims.roomId, want, capacity, Date.now());
    if (!r.ok) return next(refusal('room.full', { message: roomFullMessage(capacity), capacity }));
    const prev = r.prev;
    socket.data.roomId = claims.roomId;
    socket.data.userId = claims.sub;
    socket.data.entry = r.entry;
    socket.data.prev = prev;
    pending.set(socket.id, socket);
    socket.conn.once('close', () => {
      pending.delete(socket.id);
      // handshake passed but the connection never completed: give the place back (to the previous
      // socket of the same user if that one is still connected)
      if (socket.data.started) return;
      const restore = prev && prev.live && (prev.node !== nodeId || local.get(prev.sid)?.connected) ? prev : null;
      presence.unreserve(claims.roomId, claims.sub, socket.id, restore).catch((e) => log.error('could not release a reservation', { err: String(e) }));
    });
    if (socket.conn.readyState !== 'open') {
      await presence.unreserve(claims.roomId, claims.sub, socket.id, null);
      return next(refusal('token.missing'));
    }
    next();
  }

  function onConnection(socket) {
    const { roomId, userId, prev } = socket.data;
    socket.data.started = true;
    pending.delete(socket.id);
    const reconnect = !!prev;
    let entry = socket.data.entry;

    // Handlers are registered now, synchronously, so nothing the client sends is lost; each waits
    // until the connection is live (presence written, room-state sent).
    const ready = (async () => {
      const e = await presence.markLive(roomId, userId, socket.id);
      if (!e) { socket.disconnect(true); return false; } // removed meanwhile (seat moved / room closed)
      entry = e;
      socket.data.entry = e;
      local.set(socket.id, socket);
      if (prev && prev.sid !== socket.id) kick(prev, 'session-replaced', { reason: 'A newer connection of the same user took over.' });
      const title = (await store.getRoom(roomId))?.title ?? null;
      const self = { userId, name: entry.name, role: entry.role };
      const list = await presence.list(roomId);
      const others = list.filter((o) => o.live && o.userId !== userId);
      socket.emit('room-state', {
        self, capacity, title,
        participants: others.map(({ userId: id, name, role, joinedAt, muted }) => ({ userId: id, name, role, joinedAt, muted })),
      });
      const joined = { userId, name: entry.name, role: entry.role, joinedAt: entry.joinedAt, muted: entry.muted, title, ...(reconnect ? { reconnect: true } : {}) };
      for (const o of others) deliver(o, 'user-joined', joined);
      log.debug('participant connected', { roomId, userId, reconnect });

      if (!reconnect) await persist('participant joined', async () => {
        await webhooks.enqueue(cfg.appId, 'user.joined', { roomId, userId, name: entry.name, role: entry.role, joinedAt: entry.joinedAt });
        // The call starts when a second participant is live; startRoom only moves open/ended -> active,
        // so later joiners of a running call (on any process) do not fire it again.
        const live = list.filter((o) => o.live).map(({ userId: id, name, role, joinedAt }) => ({ userId: id, name, role, joinedAt }));
        if (live.length >= 2 && await store.startRoom(roomId)) {
          await webhooks.enqueue(cfg.appId, 'call.started', { roomId, startedAt: new Date().toISOString(), participants: live });
        }
      });
      return true;
    })().catch((e) => { log.error('connection setup failed', { err: String(e && e.message || e) }); socket.disconnect(true); return false; });

    let windowStart = Date.now();
    let count = 0;
    function budget() {
      const now = Date.now();
      if (now - windowStart > WINDOW_MS) { windowStart = now; count = 0; }
      return ++count <= EVENT_BUDGET;
    }

    /** socket.on with the ack split off; errors are logged, never thrown into socket.io. */
    function on(event, fn) {
      socket.on(event, (...args) => {
        const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
        const reply = (r) => { if (ack) { try { ack(r); } catch { /* ignore */ } } };
        Promise.resolve(fn(args[0], reply, ack)).catch((e) => {
          log.error(`${event} failed`, { err: String(e && e.message || e) });
          reply({ ok: false, code: 'server.busy', message: 'The server could not handle this just now; try again in a moment.' });
        });
      });
    }

    function relay(event, check) {
      on(event, async (payload, reply) => {
        if (!budget()) return reply({ ok: false, code: 'signal.rate_limited', message: 'Too many signaling messages; slow down.' });
        if (!await ready || socket.data.removed) return reply({ ok: false, code: 'signal.not_joined', message: 'You have left this room.' });
        let clean;
        try { clean = check(payload); } catch (e) {
          if (e instanceof SignalError) return reply({ ok: false, code: e.code, message: e.message });
          throw e;
        }
        if (clean.to === userId) return reply({ ok: false, code: 'signal.invalid', message: 'to must name another participant, not yourself.' });
        const others = (await presence.list(roomId)).filter((e) => e.live && e.userId !== userId && (clean.to === undefined || e.userId === clean.to));
        if (clean.to !== undefined && others.length === 0) {
          return reply({ ok: false, code: 'signal.unknown_recipient', message: `No participant ${clean.to} in this room.` });
        }
        const out = { ...clean, from: userId };
        for (const o of others) deliver(o, event, out);
        reply({ ok: true, delivered: others.length });
      });
    }
    relay('webrtc-offer', (p) => checkSdp(p, ['offer']));
    relay('webrtc-answer', (p) => checkSdp(p, ['answer', 'pranswer']));
    relay('ice-candidate', checkCandidate);

    // Mute state: { muted } -> everyone else gets { from, muted }; room-state carries it for late joiners.
    on('media-state', async (p, reply) => {
      if (!budget()) return reply({ ok: false, code: 'signal.rate_limited', message: 'Too many signaling messages; slow down.' });
      if (!await ready || socket.data.removed) return reply({ ok: false, code: 'signal.not_joined', message: 'You have left this room.' });
      if (!isObj(p) || typeof p.muted !== 'boolean') return reply({ ok: false, code: 'signal.invalid', message: 'Payload must be an object { muted: true|false }.' });
      entry.muted = p.muted;
      await presence.setMuted(roomId, userId, socket.id, p.muted);
      await emitRoom(roomId, 'media-state', { from: userId, muted: p.muted }, userId);
      reply({ ok: true });
    });

    on('leave', async (p, reply) => {
      if (await ready) await removeParticipant(socket, 'left');
      reply({ ok: true });
      setImmediate(() => socket.disconnect(true));
    });

    // Long calls outlive a room token; a connected participant can get a fresh one for reconnects.
    on('token-refresh', async (p, reply, ack) => {
      if (!ack) return;
      if (!budget()) return reply({ ok: false, code: 'signal.rate_limited', message: 'Too many signaling messages; slow down.' });
      // each participant (not each socket: a reconnect does not reset it) gets REFRESH_PER_MINUTE
      const wait = await refreshLimiter.take(`${roomId}\n${userId}`);
      if (wait) return reply({ ok: false, code: 'signal.rate_limited', message: `Too many token refreshes; try again in ${wait} s.` });
      const row = await store.getRoom(roomId);
      if (!await ready || roomOpenState(row) || socket.data.removed) return reply({ ok: false, code: 'room.closed', message: REFUSALS['room.closed'] });
      const t = auth.signRoomToken({
        roomId, appId: cfg.appId, userId, name: entry.name, role: entry.role, roomExpiresAtMs: row.expires_at,
        ...(entry.seat !== undefined ? { seat: entry.seat, gen: entry.gen } : {}),
      });
      reply({ ok: true, token: t.token, ttl: t.ttl, expiresAt: new Date(t.exp * 1000).toISOString() });
    });

    // A client's own namespace disconnect (41) is a deliberate leave, even when it overtakes the
    // 'leave' event (socket.io dispatches events a tick later than packets); anything else is a drop.
    socket.on('disconnect', (why) => {
      const reason = why === 'client namespace disconnect' ? 'left' : 'disconnected';
      ready.then((ok) => {
        if (local.get(socket.id) === socket) local.delete(socket.id);
        if (ok) return removeParticipant(socket, reason);
        return null;
      }).catch((e) => log.error('disconnect failed', { err: String(e && e.message || e) }));
    });
  }

  /** Takes a socket's participant out of its room (only if that socket still holds the place). */
  async function removeParticipant(socket, reason) {
    if (socket.data.removed) return;
    socket.data.removed = true;
    const { roomId, userId } = socket.data;
    const r = await presence.remove(roomId, userId, socket.id);
    if (!r.removed) return; // replaced by a newer socket of the same user, moved, or the room closed
    await emitRoom(roomId, 'user-left', { userId, reason });
    await left(roomId, userId, reason, r.empty);
  }

  /** Webhooks for a participant who left; ends the call when the room is empty. */
  function left(roomId, userId, reason, empty) {
    return persist('participant left', async () => {
      await webhooks.enqueue(cfg.appId, 'user.left', { roomId, userId, reason });
      if (!empty) return;
      const row = await store.getRoom(roomId);
      if (row && row.status === 'active' && await store.endRoom(roomId)) {
        await webhooks.enqueue(cfg.appId, 'call.ended', callEnded(row, reason === 'left' ? 'left' : 'disconnected'));
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
  async function removeUser(roomId, userId, { reason, message }) {
    const r = await presence.take(roomId, userId);
    if (!r) return false;
    if (r.entry.live) {
      await emitRoom(roomId, 'user-left', { userId, reason });
      kick(r.entry, 'session-replaced', { reason, message });
      await left(roomId, userId, reason, r.empty);
    } else {
      kick(r.entry); // a handshake in progress: it finds its place gone
    }
    return true;
  }

  /** Closes a room (admin close or expiry): marks it closed, tells and disconnects its sockets. */
  async function closeRoom(roomId, reason) {
    const row = await store.getRoom(roomId);
    const closedNow = row ? await store.closeRoom(roomId) : false;
    for (const e of await presence.clear(roomId)) {
      kick(e, 'room-closed', { roomId, reason, message: CLOSED_MESSAGES[reason] || CLOSED_MESSAGES.closed });
    }
    if (closedNow && row.status === 'active') await webhooks.enqueue(row.app_id, 'call.ended', callEnded(row, reason));
  }

  /** Participants of server processes that stopped without saying so: they left (disconnected). */
  async function reapDeadNodes() {
    for (const { roomId, entry, empty } of await presence.reapDeadNodes()) {
      if (!entry.live) continue;
      await emitRoom(roomId, 'user-left', { userId: entry.userId, reason: 'disconnected' });
      await left(roomId, entry.userId, 'disconnected', empty);
    }
  }

  return { liveParticipants, closeRoom, removeUser, reapDeadNodes, local };
}

module.exports = { attachSignaling, originAllowed, checkSdp, checkCandidate, roomFullMessage, REFUSALS, MAX_SDP_BYTES, MAX_CANDIDATE_BYTES, MAX_TO_CHARS };
