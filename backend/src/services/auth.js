'use strict';
// Token issuing and request authentication (app credentials, app JWT, room JWT, admin key).
const crypto = require('node:crypto');
const jwt = require('./jwt');
const { E } = require('../utils/errors');
const { bearer } = require('../utils/http');

const ISS = 'earshot';
const nowSec = () => Math.floor(Date.now() / 1000);

function safeEqual(a, b) {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb) && a.length === b.length;
}

function randomId(bytes = 12) { return crypto.randomBytes(bytes).toString('base64url'); }

function createAuth(cfg) {
  const secret = cfg.jwtSecret;

  /** roomId (only with a user): the one room this user-scoped token may join / read. */
  function signAppToken(appId, user, roomId) {
    const iat = nowSec();
    const exp = iat + cfg.tokenTtl;
    const claims = { iss: ISS, typ: 'app', appId, iat, exp };
    if (user) {
      claims.sub = user.id; if (user.name) claims.name = user.name; if (user.role) claims.role = user.role;
      if (roomId !== undefined) claims.roomId = roomId;
    }
    return { token: jwt.sign(claims, secret), expiresIn: cfg.tokenTtl, exp };
  }

  /** seat + gen: tokens of an invite seat; signaling refuses them once the seat's generation moved on. */
  function signRoomToken({ roomId, appId, userId, name, role, roomExpiresAtMs, seat, gen }) {
    const iat = nowSec();
    const exp = Math.min(iat + cfg.tokenTtl, Math.floor(roomExpiresAtMs / 1000));
    const claims = { iss: ISS, typ: 'room', roomId, appId, sub: userId, name, role, iat, exp };
    if (seat !== undefined) { claims.seat = seat; claims.gen = gen; }
    return { token: jwt.sign(claims, secret), ttl: Math.max(0, exp - iat), exp };
  }

  function signInvite({ roomId, role, name, jti, ttl }) {
    const iat = nowSec();
    const exp = iat + ttl;
    // claims exactly as the client decodes them
    const claims = { iss: ISS, typ: 'invite', room: roomId, role, name, jti, iat, exp };
    return { token: jwt.sign(claims, secret), exp };
  }

  function verify(token, typ, opts = {}) {
    return jwt.verify(token, secret, { ...opts, typ, iss: ISS });
  }

  /** X-App-Id + X-App-Key, or Authorization: Bearer <app JWT>. Returns { appId, user|null }. */
  function appAuth(req) {
    const id = req.headers['x-app-id'];
    const key = req.headers['x-app-key'];
    if (id !== undefined || key !== undefined) {
      if (!id || !key) throw E.authRequired('send both X-App-Id and X-App-Key');
      if (!(safeEqual(String(id), cfg.appId) && safeEqual(String(key), cfg.appSecret))) throw E.authInvalid('Unknown app id or wrong app key.');
      return { appId: cfg.appId, user: null, via: 'key' };
    }
    const tok = bearer(req);
    if (tok === null) throw E.authRequired('send X-App-Id + X-App-Key or Authorization: Bearer <app token>');
    let claims;
    try { claims = verify(tok, 'app'); } catch (e) {
      if (e.code === 'expired') throw E.authExpired();
      throw E.authInvalid('The bearer token is not a valid app token.');
    }
    if (claims.appId !== cfg.appId) throw E.authInvalid('The app token belongs to an unknown app.');
    const user = typeof claims.sub === 'string' && claims.sub
      ? { id: claims.sub, name: typeof claims.name === 'string' ? claims.name : undefined, role: typeof claims.role === 'string' ? claims.role : undefined,
          roomId: typeof claims.roomId === 'string' ? claims.roomId : undefined }
      : null;
    return { appId: claims.appId, user, via: 'jwt' };
  }

  /** App credentials or a room token. Returns { kind:'app', appId, user } | { kind:'room', claims }. */
  function appOrRoomAuth(req) {
    const tok = bearer(req);
    if (tok && req.headers['x-app-id'] === undefined) {
      let head;
      try { head = jwt.decode(tok).payload; } catch { throw E.authInvalid('The bearer token is malformed.'); }
      if (head.typ === 'room') {
        let claims;
        try { claims = verify(tok, 'room'); } catch (e) {
          if (e.code === 'expired') throw E.authExpired();
          throw E.authInvalid('The bearer token is not a valid room token.');
        }
        if (claims.appId !== cfg.appId) throw E.authInvalid('The room token belongs to an unknown app.');
        return { kind: 'room', claims };
      }
    }
    return { kind: 'app', ...appAuth(req) };
  }

  function adminAuth(req) {
    const key = req.headers['x-admin-key'];
    if (key === undefined || key === '') throw E.authRequired('send the X-Admin-Key header');
    if (!safeEqual(String(key), cfg.adminKey)) throw E.authInvalid('Wrong admin key.');
  }

  return { signAppToken, signRoomToken, signInvite, verify, appAuth, appOrRoomAuth, adminAuth, safeEqual };
}

module.exports = { createAuth, randomId, safeEqual, nowSec, ISS };
