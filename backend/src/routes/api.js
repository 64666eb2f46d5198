'use strict';
// REST endpoints: seed 004 (/auth/token, /rooms, /rooms/:id/join, /rooms/:id/status, /turn/credentials,
// /webhooks/subscribe, /webhooks/test) plus the invite-link flow (/admin/rooms, /invites/redeem).
const crypto = require('node:crypto');
const { E, ApiError } = require('../utils/errors');
const { roomFullMessage } = require('../socket/signaling');
const { validate, ID_RE, ROOM_ID_RE } = require('../utils/validate');
const { randomId } = require('../services/auth');
const { iceServers } = require('../services/turn');
const { resolveTarget, TargetError } = require('../webhooks/target');
const jwt = require('../services/jwt');

const iso = (ms) => new Date(ms).toISOString();
const ROLE_RE = /^[A-Za-z0-9_-]{1,20}$/;

function signalingUrl(cfg) {
  const u = new URL(cfg.publicUrl);
  return `${u.protocol === 'https:' ? 'wss:' : 'ws:'}//${u.host}/ws`;
}

/** 409 room.full, with the same sentence and capacity as the signaling refusal. */
function roomFull(capacity) {
  return new ApiError(409, 'room.full', roomFullMessage(capacity), { capacity });
}

function roomStatus(row, now = Date.now()) {
  return row.expires_at <= now ? 'expired' : row.status;
}

function createApi(ctx) {
  const { cfg, store, auth, webhooks } = ctx;
  const signaling = {
    liveParticipants: (id) => ctx.signaling.liveParticipants(id),
    closeRoom: (id, reason) => ctx.signaling.closeRoom(id, reason),
    removeUser: (id, userId, why) => ctx.signaling.removeUser(id, userId, why),
  };

  async function loadRoomForApp(roomId, appId) {
    if (!ROOM_ID_RE.test(roomId)) throw E.notFound('room.not_found', 'This room does not exist.');
    const row = await store.getRoom(roomId);
    if (!row || row.app_id !== appId) throw E.notFound('room.not_found', 'This room does not exist.');
    return row;
  }

  function assertJoinable(row) {
    if (row.expires_at <= Date.now()) throw new ApiError(410, 'room.expired', 'This room has expired.');
    if (row.status === 'closed') throw new ApiError(410, 'room.closed', 'The host closed this room.');
  }

  /**
   * Is the room one a user-scoped app token is for? App credentials (the app's own server) reach every
   * room of the app; a user's token reaches the room named in it (claim roomId) or, without one, the
   * rooms that user created, and never an invite room (those are joined through their invites).
   */
  function assertTokenForRoom(a, row) {
    if (!a.user) return;
    const forIt = row.source !== 'admin' && (a.user.roomId ? a.user.roomId === row.room_id : row.created_by === a.user.id);
    if (!forIt) throw E.forbidden('This app token is not for this room.');
  }

  /** seat (optional): the invite seat the token is for; its generation goes into the token. */
  function roomSessionPayload(row, user, seat) {
    const t = auth.signRoomToken({
      roomId: row.room_id, appId: row.app_id, userId: user.userId, name: user.name, role: user.role, roomExpiresAtMs: row.expires_at,
      ...(seat ? { seat: seat.seat_id, gen: seat.gen } : {}),
    });
    const ice = iceServers(cfg, user.userId, Math.min(cfg.turnTtl, Math.max(60, t.ttl)));
    return { roomId: row.room_id, token: t.token, signalingUrl: signalingUrl(cfg), signalingPath: '/ws', iceServers: ice.iceServers, ttl: t.ttl, expiresAt: iso(t.exp * 1000) };
  }

  // ---- seed 004 -------------------------------------------------------------------------------

  // POST /api/v1/auth/token { appId, appSecret, user?: { id, name?, role? } } -> { token, expiresIn }
  async function authToken({ body }) {
    const b = validate(body, {
      appId: { type: 'string', max: 64 },
      appSecret: { type: 'string', max: 256, trim: false },
      user: { type: 'object', optional: true, fields: {
        id: { type: 'string', pattern: ID_RE, patternHint: '1-64 of A-Z a-z 0-9 _ . @ -' },
        name: { type: 'string', optional: true, min: 1, max: 40, text: true },
        role: { type: 'string', optional: true, pattern: ROLE_RE, patternHint: '1-20 of A-Z a-z 0-9 _ -' },
      } },
      roomId: { type: 'string', optional: true, max: 64 },
    });
    if (!(auth.safeEqual(b.appId, cfg.appId) && auth.safeEqual(b.appSecret, cfg.appSecret))) throw E.authInvalid('Unknown appId or wrong appSecret.');
    if (b.roomId !== undefined) {
      if (!b.user) throw E.invalid('roomId', 'Field "roomId" needs "user": it limits a user-scoped token to one room.');
      const row = await loadRoomForApp(b.roomId, cfg.appId);
      if (row.source === 'admin') throw E.forbidden('This is an invite room; people join it through its invite links, not with app tokens.');
    }
    const t = auth.signAppToken(cfg.appId, b.user, b.roomId);
    return { status: 200, body: { token: t.token, expiresIn: t.expiresIn } };
  }

  // POST /api/v1/rooms { metadata?, createdBy? } -> 201 { roomId, status }
  async function createRoom({ req, body }) {
    const a = auth.appAuth(req);
    const b = validate(body, {
      metadata: { type: 'json', optional: true, maxBytes: 2048 },
      createdBy: { type: 'string', optional: true, pattern: ID_RE, patternHint: '1-64 of A-Z a-z 0-9 _ . @ -' },
    });
    if (a.user && b.createdBy !== undefined && b.createdBy !== a.user.id) throw E.forbidden('This app token was issued for another user; it cannot create rooms in their name.');
    const now = Date.now();
    const roomId = randomId(12);
    await store.createRoom({
      roomId, appId: a.appId, source: 'api', title: null,
      metadata: b.metadata === undefined ? null : JSON.stringify(b.metadata),
      createdBy: b.createdBy ?? a.user?.id ?? null,
      createdAt: now, expiresAt: now + cfg.roomTtl * 1000,
    });
    await webhooks.enqueue(a.appId, 'call.created', { roomId, createdAt: iso(now), createdBy: b.createdBy ?? a.user?.id ?? null });
    return { status: 201, body: { roomId, status: 'open', createdAt: iso(now), expiresAt: iso(now + cfg.roomTtl * 1000) } };
  }

  // POST /api/v1/rooms/:roomId/join { userId, name?, role? } -> { roomId, token, signalingUrl, iceServers, ttl }
  async function joinRoom({ req, body, params }) {
    const a = auth.appAuth(req);
    const b = validate(body, {
      userId: { type: 'string', pattern: ID_RE, patternHint: '1-64 of A-Z a-z 0-9 _ . @ -' },
      name: { type: 'string', optional: true, min: 1, max: 40, text: true },
      role: { type: 'string', optional: true, pattern: ROLE_RE, patternHint: '1-20 of A-Z a-z 0-9 _ -' },
    });
    if (a.user && a.user.id !== b.userId) throw E.forbidden('This app token was issued for another user.');
    const row = await loadRoomForApp(params.roomId, a.appId);
    assertTokenForRoom(a, row);
    let user;
    if (a.user) {
      // a user's token carries who they are: the name and role it was issued with, nothing they ask for
      const name = a.user.name ?? a.user.id; const role = a.user.role ?? 'participant';
      if (b.name !== undefined && b.name !== name) throw E.forbidden(`This app token was issued for the name "${name}"; it cannot join under another name.`);
      if (b.role !== undefined && b.role !== role) throw E.forbidden(`This app token was issued for the role "${role}"; it cannot join with another role.`);
      user = { userId: b.userId, name, role };
    } else {
      user = { userId: b.userId, name: b.name ?? b.userId, role: b.role ?? 'participant' };
    }
    assertJoinable(row);
    const present = await signaling.liveParticipants(row.room_id);
    if (present.length >= cfg.roomSize && !present.some((p) => p.userId === b.userId)) throw roomFull(cfg.roomSize);
    return { status: 200, body: roomSessionPayload(row, user) };
  }

  // GET /api/v1/rooms/:roomId/status -> { roomId, status, participants }
  async function roomStatusRoute({ req, params }) {
    const a = auth.appOrRoomAuth(req);
    let row;
    if (a.kind === 'room') {
      if (a.claims.roomId !== params.roomId) throw E.forbidden('This room token is for another room.');
      row = await loadRoomForApp(params.roomId, a.claims.appId);
    } else {
      row = await loadRoomForApp(params.roomId, a.appId);
      assertTokenForRoom(a, row);
    }
    return { status: 200, body: {
      roomId: row.room_id, status: roomStatus(row), participants: await signaling.liveParticipants(row.room_id),
      createdAt: iso(row.created_at), expiresAt: iso(row.expires_at),
    } };
  }

  // POST /api/v1/turn/credentials -> { iceServers, ttl }
  function turnCredentials({ req, body }) {
    const a = auth.appOrRoomAuth(req);
    validate(body, {});
    const user = a.kind === 'room' ? a.claims.sub : (a.user?.id ?? a.appId);
    const ice = iceServers(cfg, user);
    return { status: 200, body: { iceServers: ice.iceServers, ttl: ice.ttl } };
  }

  async function checkWebhookUrl(raw) {
    let u;
    try { u = new URL(raw); } catch { throw E.invalid('url', 'Field "url" must be an absolute http(s) URL.'); }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw E.invalid('url', 'Field "url" must be an http(s) URL.');
    if (u.username || u.password) throw E.invalid('url', 'Field "url" must not contain credentials.');
    try {
      await resolveTarget(u, { allowPrivate: cfg.webhook.allowPrivate });
    } catch (e) {
      if (!(e instanceof TargetError)) throw e;
      throw new ApiError(400, `webhook.${e.code}`, `Field "url" cannot be used: ${e.message}`, { field: 'url' });
    }
    return u.toString();
  }

  // POST /api/v1/webhooks/subscribe { url, secret? } -> { ok, webhookUrl }
  async function webhookSubscribe({ req, body }) {
    const a = auth.appAuth(req);
    if (a.user) throw E.forbidden('User-scoped app tokens cannot change webhook settings.');
    const b = validate(body, {
      url: { type: 'string', max: 2048 },
      secret: { type: 'string', optional: true, min: 16, max: 256, trim: false },
    });
    const url = await checkWebhookUrl(b.url);
    const generated = b.secret === undefined;
    const secret = b.secret ?? crypto.randomBytes(32).toString('base64url');
    await store.ensureApp(a.appId);
    await store.setWebhook(a.appId, url, secret);
    const out = { ok: true, webhookUrl: url };
    if (generated) out.webhookSecret = secret; // shown once: the only way to learn a generated secret
    return { status: 200, body: out };
  }

  // POST /api/v1/webhooks/test -> 202 { ok, event, deliveryId }
  async function webhookTest({ req, body }) {
    const a = auth.appAuth(req);
    if (a.user) throw E.forbidden('User-scoped app tokens cannot send test webhooks.');
    validate(body, {});
    const app = await store.getApp(a.appId);
    if (!app || !app.webhook_url) throw new ApiError(409, 'webhook.not_configured', 'Subscribe a webhook URL first (POST /api/v1/webhooks/subscribe).');
    const id = await webhooks.enqueue(a.appId, 'test.event', { message: 'Earshot test event', sentAt: iso(Date.now()) });
    return { status: 202, body: { ok: true, event: 'test.event', deliveryId: id, webhookUrl: app.webhook_url } };
  }

  // ---- invite links ---------------------------------------------------------------------------

  const ROOM_CLOSED_MESSAGE = 'The host closed this room.';
  const REPLACED_MESSAGE = 'This link was replaced by a newer one. Ask the host for the new link.';
  const MOVED_MESSAGE = 'You joined this call on another device.';
  const DEVICE_RE = /^[A-Za-z0-9_-]{16,128}$/;
  const hashDevice = (d) => (d === undefined ? null : crypto.createHash('sha256').update(d).digest('hex'));

  function linkUrl(roomId, invite) {
    return `${cfg.publicUrl}/room.html?room=${encodeURIComponent(roomId)}&t=${encodeURIComponent(invite)}`;
  }

  function newInvite(roomId, role, name, ttl) {
    const jti = randomId(16);
    const s = auth.signInvite({ roomId, role, name, jti, ttl });
    return { jti, role, name, token: s.token, expiresAt: s.exp * 1000 };
  }

  async function isLive(roomId, userId) {
    return !!userId && (await signaling.liveParticipants(roomId)).some((p) => p.userId === userId);
  }

  /** A seat as the admin sees it; url only while the invite is unused, unexpired and the room open. */
  async function seatView(row, seat, now = Date.now()) {
    const state = seat.user_id !== null ? 'joined' : (seat.invite_expires_at <= now ? 'expired' : 'unused');
    const out = { seatId: seat.seat_id, role: seat.role, name: seat.name, state, inCall: await isLive(row.room_id, seat.user_id), expiresAt: iso(seat.invite_expires_at) };
    if (state === 'unused' && roomStatus(row, now) !== 'closed' && roomStatus(row, now) !== 'expired' && seat.invite_token) out.url = linkUrl(row.room_id, seat.invite_token);
    return out;
  }

  // POST /api/v1/admin/rooms { title?, hostName?, guestName? | guestNames?, inviteTtlSeconds? }
  // -> 201 { roomId, title, createdAt, expiresAt, links: { host, guest (= guests[0]), guests: [...] }, seats }
  async function adminCreateRoom({ req, body }) {
    auth.adminAuth(req);
    const maxGuests = cfg.roomSize - 1;
    const b = validate(body, {
      title: { type: 'string', optional: true, max: 80, text: true },
      hostName: { type: 'string', default: 'Host', min: 1, max: 40, text: true },
      guestName: { type: 'string', optional: true, min: 1, max: 40, text: true },
      guestNames: {
        type: 'array', optional: true, minItems: 1, maxItems: maxGuests, items: { type: 'string', min: 1, max: 40, text: true },
        itemsHint: `a room holds ${cfg.roomSize} people: the host and up to ${maxGuests} ${maxGuests === 1 ? 'guest' : 'guests'}, see EARSHOT_ROOM_SIZE`,
      },
      inviteTtlSeconds: { type: 'int', default: cfg.inviteTtl, min: 60, max: 86400 },
    });
    if (b.guestName !== undefined && b.guestNames !== undefined) throw E.invalid('guestNames', 'Give either "guestName" or "guestNames", not both.');
    const now = Date.now();
    const roomId = randomId(12);
    const ttl = b.inviteTtlSeconds;
    const expiresAt = now + Math.max(cfg.roomTtl, ttl + cfg.tokenTtl) * 1000;
    const host = newInvite(roomId, 'host', b.hostName, ttl);
    const guests = (b.guestNames ?? [b.guestName ?? 'Guest']).map((name) => newInvite(roomId, 'guest', name, ttl));
    for (const inv of [host, ...guests]) inv.seatId = 's_' + randomId(9);
    const title = b.title ? b.title : null;
    await store.createRoom({ roomId, appId: cfg.appId, source: 'admin', title, createdAt: now, expiresAt }, [host, ...guests]);
    await webhooks.enqueue(cfg.appId, 'call.created', { roomId, title, createdAt: iso(now), createdBy: 'admin' });
    const link = (inv) => ({ url: linkUrl(roomId, inv.token), role: inv.role, name: inv.name, expiresAt: iso(inv.expiresAt) });
    const links = { host: link(host), guest: link(guests[0]), guests: guests.map(link) };
    const row = await store.getRoom(roomId);
    const seats = await Promise.all((await store.seatsForRoom(roomId)).map((s) => seatView(row, s, now)));
    return { status: 201, body: { roomId, title, createdAt: iso(now), expiresAt: iso(expiresAt), links, seats } };
  }

  // GET /api/v1/admin/rooms[?include=api]
  async function adminListRooms({ req, url }) {
    auth.adminAuth(req);
    for (const k of url.searchParams.keys()) if (k !== 'include') throw E.invalid(k, `Unknown query parameter "${k}".`);
    const inc = url.searchParams.get('include');
    if (inc !== null && inc !== 'api') throw E.invalid('include', 'Query parameter "include" may only be "api".');
    const rows = await store.listRooms(cfg.appId, inc === 'api');
    const now = Date.now();
    const rooms = await Promise.all(rows.map(async (row) => {
      const seats = await store.seatsForRoom(row.room_id);
      // compatibility: host = the host seat; guests = every guest seat in order; guest = the first of them
      const inv = { host: null, guest: null, guests: [] };
      for (const s of seats) {
        const state = { used: s.user_id !== null, expiresAt: iso(s.invite_expires_at) };
        if (s.role === 'host') inv.host = state;
        else inv.guests.push({ name: s.name, ...state });
      }
      if (inv.guests.length) inv.guest = { used: inv.guests[0].used, expiresAt: inv.guests[0].expiresAt };
      return {
        roomId: row.room_id, title: row.title, status: roomStatus(row, now), createdAt: iso(row.created_at), expiresAt: iso(row.expires_at),
        participants: await signaling.liveParticipants(row.room_id), invites: inv, seats: await Promise.all(seats.map((s) => seatView(row, s, now))),
      };
    }));
    return { status: 200, body: { rooms } };
  }

  // DELETE /api/v1/admin/rooms/:roomId -> { roomId, status: "closed" }
  async function adminCloseRoom({ req, params }) {
    auth.adminAuth(req);
    const row = await loadRoomForApp(params.roomId, cfg.appId);
    await signaling.closeRoom(row.room_id, 'closed');
    return { status: 200, body: { roomId: row.room_id, status: 'closed' } };
  }

  // POST /api/v1/admin/rooms/:roomId/seats/:seatId/link { inviteTtlSeconds? } -> { seat }
  async function adminNewSeatLink({ req, params, body }) {
    auth.adminAuth(req);
    const b = validate(body, { inviteTtlSeconds: { type: 'int', default: cfg.inviteTtl, min: 60, max: 86400 } });
    const row = await loadRoomForApp(params.roomId, cfg.appId);
    if (row.expires_at <= Date.now()) throw new ApiError(410, 'room.expired', 'This room has expired.');
    if (row.status === 'closed') throw new ApiError(410, 'room.closed', ROOM_CLOSED_MESSAGE);
    const old = await store.getSeat(params.seatId);
    if (!old || old.room_id !== row.room_id) throw E.notFound('seat.not_found', 'This room has no such seat.');
    const inv = newInvite(row.room_id, old.role, old.name, b.inviteTtlSeconds);
    const r = await store.reissueSeat(old.seat_id, { jti: inv.jti, token: inv.token, expiresAt: inv.expiresAt });
    if (r.previous.user_id) {
      await signaling.removeUser(row.room_id, r.previous.user_id, { reason: 'replaced', message: 'The host gave your seat a new link.' });
    }
    return { status: 200, body: { seat: await seatView(row, r.seat) } };
  }

  /** Verifies an invite JWT (an expired one too: its bound device may still come back). */
  async function readInvite(raw) {
    let claims; let jwtExpired = false;
    try {
      claims = auth.verify(raw, 'invite');
    } catch (e) {
      if (!(e instanceof jwt.JwtError && e.code === 'expired')) throw new ApiError(401, 'invite.invalid', 'This invite link is not valid.');
      try { claims = auth.verify(raw, 'invite', { ignoreExp: true }); } catch { throw new ApiError(401, 'invite.invalid', 'This invite link is not valid.'); }
      jwtExpired = true;
    }
    if (typeof claims.jti !== 'string' || typeof claims.room !== 'string' || !['host', 'guest'].includes(claims.role) || typeof claims.name !== 'string') {
      throw new ApiError(401, 'invite.invalid', 'This invite link is not valid.');
    }
    const row = await store.getRoom(claims.room);
    if (!row || row.app_id !== cfg.appId) throw E.notFound('room.not_found', 'The room of this invite no longer exists.');
    if (row.expires_at <= Date.now()) throw new ApiError(410, 'room.expired', 'The room of this invite has expired.');
    if (row.status === 'closed') throw new ApiError(410, 'room.closed', ROOM_CLOSED_MESSAGE);
    return { claims, jwtExpired, row };
  }

  /** The refusals shared by inspect and redeem. */
  async function inviteRefusal(result, seat, roomId) {
    switch (result) {
      case 'unknown': return new ApiError(401, 'invite.invalid', 'This invite link is not valid.');
      case 'expired': return new ApiError(410, 'invite.expired', 'This invite link has expired.');
      case 'replaced': return new ApiError(410, 'invite.replaced', REPLACED_MESSAGE);
      case 'used': return new ApiError(409, 'invite.used', 'This invite link has already been used.');
      case 'in_use': return new ApiError(409, 'invite.in_use', 'You are in this call on another device.', { inCall: await isLive(roomId, seat.user_id) });
      default: return null;
    }
  }

  const inviteBody = {
    invite: { type: 'string', min: 1, max: 4096, trim: false },
    device: { type: 'string', optional: true, trim: false, pattern: DEVICE_RE, patternHint: '16-128 of A-Z a-z 0-9 _ -' },
  };

  // POST /api/v1/invites/inspect { invite, device? } -> { roomId, title, seat, state, inCall, inRoom, expiresAt }
  async function inspectInvite({ body }) {
    const b = validate(body, inviteBody);
    const { claims, jwtExpired, row } = await readInvite(b.invite);
    const r = await store.inspectSeat(claims.jti, hashDevice(b.device), { jwtExpired });
    if (r.seat && r.seat.room_id !== row.room_id) throw await inviteRefusal('unknown');
    let state = r.result;
    if (state === 'used') state = 'elsewhere'; // redeemed by a client without a device id
    const err = ['unused', 'yours', 'elsewhere'].includes(state) ? null : await inviteRefusal(r.result, r.seat, row.room_id);
    if (err) throw err;
    const s = r.seat;
    return { status: 200, body: {
      roomId: row.room_id, title: row.title, seat: { seatId: s.seat_id, role: s.role, name: s.name }, state,
      inCall: await isLive(row.room_id, s.user_id),
      inRoom: (await signaling.liveParticipants(row.room_id)).map(({ userId, name, role }) => ({ userId, name, role })),
      expiresAt: iso(s.invite_expires_at),
    } };
  }

  // POST /api/v1/invites/redeem { invite, device?, takeover? }
  // -> { roomId, title, token, signalingUrl, signalingPath, ttl, expiresAt, iceServers, user, seat }
  async function redeemInvite({ body }) {
    const b = validate(body, { ...inviteBody, takeover: { type: 'bool', optional: true } });
    const { claims, jwtExpired, row } = await readInvite(b.invite);
    const deviceHash = hashDevice(b.device);
    const pre = await store.inspectSeat(claims.jti, deviceHash, { jwtExpired });
    if (pre.seat && pre.seat.room_id !== row.room_id) throw await inviteRefusal('unknown');
    // This browser's seat, but in the call right now (another tab of it): ask before moving it, as
    // for another device; a takeover from the same browser is a plain rejoin that replaces the socket.
    if (pre.result === 'yours' && b.takeover !== true && await isLive(row.room_id, pre.seat.user_id)) throw await inviteRefusal('in_use', pre.seat, row.room_id);
    const r = await store.claimSeat(claims.jti, deviceHash, { newUserId: 'u_' + randomId(9), takeover: b.takeover === true, jwtExpired });
    const err = await inviteRefusal(r.result, r.seat, row.room_id);
    if (err) throw err;
    const s = r.seat;
    if (r.result === 'takeover') await signaling.removeUser(row.room_id, s.user_id, { reason: 'moved', message: MOVED_MESSAGE });
    const user = { userId: s.user_id, name: s.name, role: s.role };
    return { status: 200, body: {
      ...roomSessionPayload(row, user, s), title: row.title, user,
      seat: { seatId: s.seat_id, role: s.role, name: s.name },
    } };
  }

  // GET /api/v1/config -> public runtime config for the pages (no secrets)
  function publicConfig() {
    return { status: 200, body: { apiBase: cfg.publicUrl, signalingUrl: signalingUrl(cfg), signalingPath: '/ws', apiVersion: 'v1', roomSize: cfg.roomSize } };
  }

  return [
    // method, path pattern, handler, options
    ['POST', '/api/v1/auth/token', authToken, { rate: 'auth' }],
    ['POST', '/api/v1/rooms', createRoom, {}],
    ['POST', '/api/v1/rooms/:roomId/join', joinRoom, {}],
    ['GET', '/api/v1/rooms/:roomId/status', roomStatusRoute, {}],
    ['POST', '/api/v1/turn/credentials', turnCredentials, {}],
    ['POST', '/api/v1/webhooks/subscribe', webhookSubscribe, {}],
    ['POST', '/api/v1/webhooks/test', webhookTest, {}],
    ['POST', '/api/v1/admin/rooms', adminCreateRoom, { rate: 'admin' }],
    ['GET', '/api/v1/admin/rooms', adminListRooms, { rate: 'admin' }],
    ['DELETE', '/api/v1/admin/rooms/:roomId', adminCloseRoom, { rate: 'admin' }],
    ['POST', '/api/v1/admin/rooms/:roomId/seats/:seatId/link', adminNewSeatLink, { rate: 'admin' }],
    ['POST', '/api/v1/invites/inspect', inspectInvite, { rate: 'redeem' }],
    ['POST', '/api/v1/invites/redeem', redeemInvite, { rate: 'redeem' }],
    ['GET', '/api/v1/config', publicConfig, {}],
  ];
}

module.exports = { createApi, signalingUrl };
