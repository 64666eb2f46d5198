// The seed's HTTP API (API Gateway + the rooms/join Lambdas) with CORS locked to the page origins,
// the stand-in's test hooks under /_standin/ (admin key), the MediaPlacement URLs the SDK must never
// contact (logged, answered 404), EventIngestionUrl (the SDK may POST client events: 200), and an
// optional static file server for the pages (the "CloudFront" origin).
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { ApiError } = require('./state');

const MAX_BODY = 64 * 1024;

function json(res, status, body, extra = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) { reject(new ApiError(413, 'request.too_large', `The request body exceeds ${MAX_BODY} bytes.`)); req.resume(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function readJson(req, { optional = true } = {}) {
  const text = await readBody(req);
  if (!text.trim()) {
    if (optional) return {};
    throw new ApiError(400, 'request.invalid', 'A JSON body is required.');
  }
  let v;
  try { v = JSON.parse(text); } catch { throw new ApiError(400, 'request.invalid', 'The body is not valid JSON.'); }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ApiError(400, 'request.invalid', 'The body must be a JSON object.');
  return v;
}

function sameSecret(a, b) {
  if (typeof a !== 'string') return false;
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

function makeApiHandler(state, cfg) {
  const allowed = () => cfg.origins;  // live list (the pages origin is added once it listens)
  const cors = (req) => {
    const origin = req.headers.origin;
    if (!origin || !allowed().includes(origin)) return {};
    return {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Admin-Key',
      'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
      'Access-Control-Max-Age': '600',
      Vary: 'Origin',
    };
  };
  const requireAdmin = (req) => {
    if (!sameSecret(req.headers['x-admin-key'], cfg.adminKey)) {
      throw new ApiError(401, 'admin.unauthorized', 'A valid X-Admin-Key header is required.');
    }
  };

  return async function handle(req, res) {
    const url = new URL(req.url, 'http://x');
    const p = url.pathname;
    state.log({ kind: 'http', method: req.method, path: req.url, headers: { ...req.headers } });
    const h = cors(req);
    try {
      if (req.method === 'OPTIONS') {
        if (!h['Access-Control-Allow-Origin']) {
          throw new ApiError(403, 'cors.origin_refused', `Origin ${JSON.stringify(req.headers.origin || null)} is not allowed.`);
        }
        res.writeHead(204, h);
        res.end();
        return;
      }
      const method = (want) => {
        if (req.method !== want) throw new ApiError(405, 'request.method', `${p} accepts ${want} only.`);
      };
      let m;
      if (p === '/rooms') {
        method('POST');
        requireAdmin(req);
        const body = await readJson(req);
        return json(res, 201, state.createRoom(body), h);
      }
      if ((m = /^\/rooms\/([^/]+)\/join$/.exec(p))) {
        method('POST');
        const roomId = decodeURIComponent(m[1]);
        const body = await readJson(req);
        const auth = req.headers.authorization || '';
        const bearer = /^Bearer\s+(\S+)$/i.exec(auth);
        if (auth && !bearer) throw new ApiError(401, 'invite.invalid', 'The Authorization header is not "Bearer <invite>".');
        const fromBody = body.token;
        if (fromBody !== undefined && typeof fromBody !== 'string') throw new ApiError(401, 'invite.invalid', 'The body\'s token is not a string.');
        if (bearer && fromBody !== undefined && bearer[1] !== fromBody) {
          throw new ApiError(401, 'invite.invalid', 'The Authorization header and the body carry different invites.');
        }
        const joined = state.join(roomId, bearer ? bearer[1] : fromBody);
        const out = cfg.joinShape === 'joininfo'
          ? { JoinInfo: { Meeting: { Meeting: joined.Meeting }, Attendee: { Attendee: joined.Attendee } } }
          : joined;
        return json(res, 200, out, h);
      }
      if (p === '/v1/client-events') {
        // EventIngestionUrl: the SDK posts with Authorization: Bearer <JoinToken>.
        method('POST');
        await readBody(req);
        const tok = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization || '');
        if (!tok || !state.joinTokens.has(tok[1])) throw new ApiError(401, 'events.unauthorized', 'Bearer <JoinToken> of a live attendee is required.');
        return json(res, 200, {}, h);
      }
      if (p.startsWith('/media/') || p.startsWith('/v2/turn_sessions')) {
        throw new ApiError(404, 'standin.never_contacted', 'amazon-chime-sdk-js 3.32 never contacts AudioHostUrl, AudioFallbackUrl or TurnControlUrl; this request is logged.');
      }
      if (p.startsWith('/_standin/')) {
        requireAdmin(req);
        if (p === '/_standin/log') { method('GET'); return json(res, 200, state.events, h); }
        if (p === '/_standin/meetings') { method('GET'); return json(res, 200, state.meetingsView(), h); }
        if (p === '/_standin/faults') {
          method('POST');
          const body = await readJson(req, { optional: false });
          if (!('join' in body)) throw new ApiError(400, 'request.invalid', 'Body must be {"join": <fault name> | null}.');
          state.setFault(body.join);
          return json(res, 200, { join: state.fault }, h);
        }
        if ((m = /^\/_standin\/meetings\/([^/]+)\/end$/.exec(p))) { method('POST'); return json(res, 200, state.endMeeting(decodeURIComponent(m[1])), h); }
        if ((m = /^\/_standin\/attendees\/([^/]+)\/remove$/.exec(p))) { method('POST'); return json(res, 200, state.removeAttendee(decodeURIComponent(m[1])), h); }
      }
      throw new ApiError(404, 'route.not_found', `No route ${req.method} ${p}.`);
    } catch (e) {
      if (e instanceof ApiError) return json(res, e.status, e.body, h);
      state.log({ kind: 'error', message: e.stack || String(e) });
      return json(res, 500, { code: 'server.error', message: 'The stand-in failed; see its log.' }, h);
    }
  };
}

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8', '.map': 'application/json',
  '.webmanifest': 'application/manifest+json', '.wav': 'audio/wav',
};

function makeStaticHandler(dir) {
  const root = path.resolve(dir);
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { Allow: 'GET, HEAD' }); res.end(); return; }
    let rel;
    try { rel = decodeURIComponent(new URL(req.url, 'http://x').pathname); } catch { res.writeHead(400); res.end(); return; }
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(root, `.${rel}`);
    if (file !== root && !file.startsWith(root + path.sep)) { res.writeHead(403); res.end(); return; }
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) { res.writeHead(404, { 'Content-Type': 'text/plain' }); res.end('not found\n'); return; }
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream', 'Content-Length': st.size, 'Cache-Control': 'no-store' });
      if (req.method === 'HEAD') { res.end(); return; }
      fs.createReadStream(file).pipe(res);
    });
  };
}

module.exports = { makeApiHandler, makeStaticHandler };
