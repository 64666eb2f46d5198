// Invite tokens of seed 000: HS256 JWTs signed and verified with one secret. The algorithm is pinned
// (alg "none", RS/ES or any other header value is refused before the signature is looked at).
'use strict';
const crypto = require('node:crypto');

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const B64URL = /^[A-Za-z0-9_-]*$/;

function sign(claims, secret) {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const mac = crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest();
  return `${head}.${body}.${b64url(mac)}`;
}

// → { ok: true, claims } or { ok: false, code: 'invite.invalid' | 'invite.expired', message }.
function verifyInvite(token, secret, nowS = Math.floor(Date.now() / 1000)) {
  const bad = (message) => ({ ok: false, code: 'invite.invalid', message });
  if (typeof token !== 'string' || token.length === 0) return bad('No invite token was sent.');
  if (token.length > 4096) return bad('The invite token is too long.');
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) return bad('The invite token is not a JWT (three base64url parts).');
  let header, claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return bad('The invite token does not decode to JSON.');
  }
  if (!header || typeof header !== 'object' || header.alg !== 'HS256') {
    return bad(`The invite token's algorithm ${JSON.stringify(header && header.alg)} is not accepted (HS256 only).`);
  }
  const want = crypto.createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
  const got = Buffer.from(parts[2], 'base64url');
  if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) return bad('The invite token\'s signature does not match.');
  if (!claims || typeof claims !== 'object') return bad('The invite token carries no claims.');
  const str = (k) => typeof claims[k] === 'string' && claims[k].length > 0;
  if (claims.iss !== 'earshot' || claims.typ !== 'invite') return bad('The token is not an Earshot invite (iss/typ).');
  if (!str('room') || !str('jti') || !str('name') || !['host', 'guest'].includes(claims.role)) {
    return bad('The invite token lacks room, jti, name or a role of host|guest.');
  }
  if (!Number.isFinite(claims.exp) || !Number.isFinite(claims.iat)) return bad('The invite token lacks numeric iat/exp.');
  if (Number.isFinite(claims.nbf) && claims.nbf > nowS) return bad('The invite token is not valid yet (nbf).');
  if (claims.exp <= nowS) {
    return { ok: false, code: 'invite.expired', message: `This invite expired at ${new Date(claims.exp * 1000).toISOString()}.`, claims };
  }
  return { ok: true, claims };
}

module.exports = { sign, verifyInvite };
