'use strict';
// HTTP plumbing: JSON body reading with size/content-type checks, JSON replies, client IP.
const net = require('node:net');
const { E, ApiError } = require('./errors');

const MAX_JSON_DEPTH = 32;

/** Deepest nesting of arrays/objects in JSON text (brackets inside strings do not count); no recursion. */
function jsonDepth(text) {
  let depth = 0; let max = 0; let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) { if (++depth > max) max = depth; }
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

function readJsonBody(req, limit) {
  return new Promise((resolve, reject) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      req.resume(); // discard, so the client can read our 413
      return reject(E.tooLarge(limit));
    }
    const chunks = [];
    let size = 0;
    let failed = false;
    req.on('data', (c) => {
      if (failed) return;
      size += c.length;
      if (size > limit) { failed = true; reject(E.tooLarge(limit)); return; }
      chunks.push(c);
    });
    req.on('error', (e) => { if (!failed) { failed = true; reject(e); } });
    req.on('end', () => {
      if (failed) return;
      if (size === 0) return resolve(undefined);
      const ct = String(req.headers['content-type'] || '').toLowerCase();
      const mt = ct.split(';')[0].trim();
      if (mt !== 'application/json' && !/^application\/[a-z0-9.+-]*\+json$/.test(mt)) return reject(E.mediaType());
      const m = /charset\s*=\s*"?([^";]+)/.exec(ct);
      if (m && !/^utf-?8$/i.test(m[1].trim())) return reject(E.mediaType());
      let text;
      try { text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)); } catch { return reject(E.malformedJson()); }
      if (jsonDepth(text) > MAX_JSON_DEPTH) return reject(E.tooDeep(MAX_JSON_DEPTH));
      try { resolve(JSON.parse(text)); } catch { reject(E.malformedJson()); }
    });
  });
}

function sendJson(res, status, body, headers = {}) {
  if (res.headersSent) { res.end(); return; }
  const data = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(data),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(data);
}

/**
 * PostgreSQL or Redis not reachable right now (refused, reset, shut down, client disconnected): a moment
 * later the same request may work.
 */
function backendUnavailable(err) {
  if (!err || err instanceof ApiError) return false;
  const code = String(err.code || '');
  if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|57P0[123]|08\d\d\d)$/.test(code)) return true;
  const names = /^(ClientClosedError|ClientOfflineError|SocketClosedUnexpectedlyError|ConnectionTimeoutError)$/;
  if (names.test(err.name || '') || names.test(err.constructor?.name || '')) return true;
  return /Connection terminated|The client is (closed|offline)|timeout exceeded when trying to connect/.test(String(err.message || ''));
}

function sendError(res, err, log) {
  if (!(err instanceof ApiError) && err && /^SQLITE_(BUSY|LOCKED)/.test(err.code || '')) {
    log?.warn('database locked by another process', { code: err.code });
    err = new ApiError(503, 'server.busy', 'The database is locked by another process; try again in a moment.', { retryAfter: 1 });
  } else if (backendUnavailable(err)) {
    log?.warn('database or redis unreachable', { err: String(err.message || err), code: err.code });
    err = new ApiError(503, 'server.busy', 'The server cannot reach its database just now; try again in a moment.', { retryAfter: 1 });
  }
  if (!(err instanceof ApiError)) {
    log?.error('unhandled error', { err: String(err && err.stack || err) });
    err = new ApiError(500, 'server.error', 'Internal server error.');
  }
  const headers = {};
  if (err.extra.retryAfter) headers['Retry-After'] = String(err.extra.retryAfter);
  if (err.status === 413) headers.Connection = 'close';
  const body = { code: err.code, message: err.message };
  if (err.extra.field) body.field = err.extra.field;
  if (err.extra.capacity !== undefined) body.capacity = err.extra.capacity;
  if (err.extra.inCall !== undefined) body.inCall = err.extra.inCall;
  sendJson(res, err.status, body, headers);
}

const LOOPBACK_RE = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/** An IPv6 client is keyed by its /64 (one subscriber's prefix); IPv4-mapped IPv6 as the IPv4 address. */
function rateKeyOf(ip) {
  const s = String(ip).replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (net.isIP(s) !== 6) return s.slice(0, 64);
  const [head, tail] = s.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : (tail ? tail.split(':') : []);
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':') + '::/64';
}

/**
 * The client address to rate-limit by. trustProxy: a number of proxy hops in front of this server
 * (each appends the address it saw to X-Forwarded-For, so the client is that many entries from the
 * right; entries further left are whatever the client sent), or 'loopback' (the default): one hop,
 * only when the connection comes from this machine (the server listens on loopback unless told
 * otherwise, so a public deployment has its proxy here). 0: the connecting address only.
 */
function clientIp(req, trustProxy) {
  const peer = req.socket.remoteAddress || 'unknown';
  const hops = trustProxy === 'loopback' ? (LOOPBACK_RE.test(peer) ? 1 : 0) : Number(trustProxy) || 0;
  if (hops > 0) {
    const xff = req.headers['x-forwarded-for'];
    const list = xff ? String(xff).split(',').map((x) => x.trim()).filter(Boolean) : [];
    if (list.length) return list[Math.max(0, list.length - hops)];
  }
  return peer;
}

function bearer(req) {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : '';
}

module.exports = { MAX_JSON_DEPTH, jsonDepth, readJsonBody, sendJson, sendError, clientIp, rateKeyOf, bearer };
