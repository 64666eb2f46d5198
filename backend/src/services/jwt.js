'use strict';
// Minimal JWS/JWT (compact serialization) for HS256 only, on node:crypto.
// The verifier pins HS256: alg "none", any other alg (RS256/ES256 "algorithm confusion"),
// signatures that are not exactly 32 bytes, non-canonical base64url, "crit" headers,
// expired "exp" and future "nbf" are all refused.

const crypto = require('node:crypto');

class JwtError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code; // 'invalid' | 'expired'
  }
}

const B64URL = /^[A-Za-z0-9_-]*$/;

function b64urlJson(obj) {
  return Buffer.from(JSON.stringify(obj), 'utf8').toString('base64url');
}

// Strict base64url decode: only the url-safe alphabet, no padding, canonical trailing bits.
function b64urlDecode(part, what) {
  if (typeof part !== 'string' || !B64URL.test(part) || part.length % 4 === 1) {
    throw new JwtError('invalid', `${what} is not base64url`);
  }
  const buf = Buffer.from(part, 'base64url');
  if (buf.toString('base64url') !== part) throw new JwtError('invalid', `${what} is not canonical base64url`);
  return buf;
}

function keyBytes(secret) {
  if (Buffer.isBuffer(secret)) return secret;
  if (typeof secret === 'string' && secret.length > 0) return Buffer.from(secret, 'utf8');
  throw new TypeError('JWT secret must be a non-empty string or Buffer');
}

function hmac(secret, data) {
  return crypto.createHmac('sha256', keyBytes(secret)).update(data).digest();
}

function sign(payload, secret) {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new TypeError('payload must be an object');
  const head = b64urlJson({ alg: 'HS256', typ: 'JWT' });
  const body = b64urlJson(payload);
  const sig = hmac(secret, `${head}.${body}`).toString('base64url');
  return `${head}.${body}.${sig}`;
}

function parseJsonObject(buf, what) {
  let v;
  try { v = JSON.parse(buf.toString('utf8')); } catch { throw new JwtError('invalid', `${what} is not JSON`); }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new JwtError('invalid', `${what} is not a JSON object`);
  return v;
}

// Decodes without verifying (for display / tests only).
function decode(token) {
  if (typeof token !== 'string') throw new JwtError('invalid', 'token is not a string');
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('invalid', 'token must have three parts');
  return {
    header: parseJsonObject(b64urlDecode(parts[0], 'header'), 'header'),
    payload: parseJsonObject(b64urlDecode(parts[1], 'payload'), 'payload'),
  };
}

/**
 * verify(token, secret, opts)
 * opts.now (seconds), opts.leeway (seconds, default 5), opts.requireExp (default true),
 * opts.ignoreExp (tests of fixed vectors), opts.typ / opts.iss (exact claim match).
 * Returns the payload or throws JwtError.
 */
function verify(token, secret, opts = {}) {
  if (typeof token !== 'string' || token.length === 0) throw new JwtError('invalid', 'token missing');
  if (token.length > 8192) throw new JwtError('invalid', 'token too long');
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('invalid', 'token must have three parts');
  const [h, p, s] = parts;
  const header = parseJsonObject(b64urlDecode(h, 'header'), 'header');
  if (header.alg !== 'HS256') throw new JwtError('invalid', `algorithm ${JSON.stringify(header.alg)} is not accepted`);
  if (header.typ !== undefined && header.typ !== 'JWT') throw new JwtError('invalid', 'unexpected typ header');
  if (header.crit !== undefined) throw new JwtError('invalid', 'crit header not supported');
  const sig = b64urlDecode(s, 'signature');
  if (sig.length !== 32) throw new JwtError('invalid', 'signature has the wrong length');
  const expected = hmac(secret, `${h}.${p}`);
  if (!crypto.timingSafeEqual(sig, expected)) throw new JwtError('invalid', 'signature mismatch');
  const payload = parseJsonObject(b64urlDecode(p, 'payload'), 'payload');

  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const leeway = opts.leeway ?? 5;
  if (payload.exp !== undefined && typeof payload.exp !== 'number') throw new JwtError('invalid', 'exp is not a number');
  if (payload.nbf !== undefined && typeof payload.nbf !== 'number') throw new JwtError('invalid', 'nbf is not a number');
  if (payload.iat !== undefined && typeof payload.iat !== 'number') throw new JwtError('invalid', 'iat is not a number');
  if (!opts.ignoreExp) {
    if (payload.exp === undefined && opts.requireExp !== false) throw new JwtError('invalid', 'exp missing');
    if (payload.exp !== undefined && now >= payload.exp + leeway) throw new JwtError('expired', 'token expired');
  }
  if (payload.nbf !== undefined && payload.nbf > now + leeway) throw new JwtError('invalid', 'token not valid yet (nbf)');
  if (opts.typ !== undefined && payload.typ !== opts.typ) throw new JwtError('invalid', `token typ must be ${opts.typ}`);
  if (opts.iss !== undefined && payload.iss !== opts.iss) throw new JwtError('invalid', 'token issuer mismatch');
  return payload;
}

module.exports = { sign, verify, decode, JwtError };
