'use strict';
// HTTP request handling: security headers on every response, CORS for configured origins,
// rate limits, JSON body parsing, the API router, /health and the static pages.
const { ApiError, E } = require('./utils/errors');
const { readJsonBody, sendJson, sendError, clientIp, rateKeyOf } = require('./utils/http');
const { renderSecurityHeaders } = require('./utils/security-headers');
const { createApi } = require('./routes/api');
const { createStatic } = require('./static');

const ALLOWED_HEADERS = 'Content-Type, Authorization, X-App-Id, X-App-Key, X-Admin-Key';

function compileRoutes(list) {
  return list.map(([method, pattern, handler, opts]) => {
    const names = [];
    const re = new RegExp('^' + pattern.replace(/:([A-Za-z]+)/g, (m, n) => { names.push(n); return '([^/]+)'; }) + '/?$');
    return { method, re, names, handler, opts, pattern };
  });
}

function createApp(ctx) {
  const { cfg, log } = ctx;
  const routes = compileRoutes(createApi(ctx));
  const serveStatic = createStatic(cfg.webDir);
  // in this process, or in Redis for every process sharing it (ctx.limits, see cluster/)
  const limiters = {
    auth: ctx.limits.limiter('auth', cfg.rateLimits.auth),
    admin: ctx.limits.limiter('admin', cfg.rateLimits.admin),
    redeem: ctx.limits.limiter('redeem', cfg.rateLimits.redeem),
  };
  // Wrong credentials (app key, app/room token, admin key) on any route, per client, at the /auth/token
  // rate: while a client's allowance is used up, every request of it that carries credentials waits.
  const authFailures = ctx.limits.limiter('authfail', cfg.rateLimits.auth);
  const carriesCredentials = (req) => req.headers['x-app-key'] !== undefined || req.headers['x-app-id'] !== undefined
    || req.headers.authorization !== undefined || req.headers['x-admin-key'] !== undefined;
  let secHeaders = null;
  const startedAt = Date.now();

  function isSameOrigin(req, origin) {
    if (cfg.publicUrl && origin === new URL(cfg.publicUrl).origin) return true;
    const host = req.headers.host;
    return !!host && (origin === `http://${host}` || origin === `https://${host}`);
  }

  /** null: no Origin header (not a browser cross-site request); true/false otherwise. */
  function originAllowed(req) {
    const origin = req.headers.origin;
    if (origin === undefined) return null;
    return isSameOrigin(req, origin) || cfg.corsOrigins.includes(origin);
  }

  async function handleApi(req, res, url) {
    const origin = req.headers.origin;
    const allowed = originAllowed(req);
    // A foreign origin may read only its refusal: its preflight passes and every real request is
    // answered 403 cors.forbidden before any handler runs, with the origin reflected so the page sees
    // the code instead of an opaque network error. No credentials are ever allowed.
    if (allowed !== null && !isSameOrigin(req, origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    }
    res.setHeader('Vary', 'Origin');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
        'Access-Control-Allow-Headers': ALLOWED_HEADERS,
        'Access-Control-Max-Age': '600',
        'Cache-Control': 'no-store',
      });
      return res.end();
    }
    if (allowed === false) throw new ApiError(403, 'cors.forbidden', 'This origin is not allowed to call the API.');

    if (url.pathname === '/health' || url.pathname === '/api/v1/health') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError(405, 'method.not_allowed', 'Use GET.');
      // a coturn this server manages counts: it must answer a real allocation (see turn-supervisor.js)
      const t = await ctx.turnHealth();
      const ok = t.state === 'external' || t.state === 'running';
      const body = { ok, service: 'earshot-backend', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000), turn: t.state };
      if (t.error && !ok) body.turnError = t.error;
      return sendJson(res, ok ? 200 : 503, body);
    }

    let route = null; let params = null; const methods = new Set();
    for (const r of routes) {
      const m = r.re.exec(url.pathname);
      if (!m) continue;
      methods.add(r.method);
      if (r.method !== req.method) continue;
      route = r;
      params = {};
      r.names.forEach((n, i) => { try { params[n] = decodeURIComponent(m[i + 1]); } catch { params[n] = ''; } });
      break;
    }
    if (!route) {
      if (methods.size) {
        res.setHeader('Allow', [...methods].join(', '));
        throw new ApiError(405, 'method.not_allowed', `Use ${[...methods].join(' or ')} for this path.`);
      }
      throw E.notFound('route.not_found', `No API endpoint ${req.method} ${url.pathname}.`);
    }
    const client = rateKeyOf(clientIp(req, cfg.trustProxy));
    if (carriesCredentials(req)) {
      const wait = await authFailures.blocked(client);
      if (wait) { req.resume(); throw E.rateLimited(wait); }
    }
    if (route.opts.rate) {
      const wait = await limiters[route.opts.rate].take(client);
      if (wait) { req.resume(); throw E.rateLimited(wait); }
    }
    let body;
    if (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') body = await readJsonBody(req, cfg.maxBodyBytes);
    else req.resume();
    let out;
    try {
      out = await route.handler({ req, res, url, params, body });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'auth.invalid' && carriesCredentials(req)) await authFailures.take(client);
      throw e;
    }
    sendJson(res, out.status, out.body);
  }

  return async function onRequest(req, res) {
    if (!secHeaders) secHeaders = renderSecurityHeaders({ frameAncestors: cfg.frameAncestors, https: cfg.publicUrl.startsWith('https:') });
    for (const [k, v] of Object.entries(secHeaders)) res.setHeader(k, v);
    let url;
    try { url = new URL(req.url, 'http://localhost'); } catch { return sendError(res, E.invalid(null, 'Bad request URL.'), log); }
    const isApi = url.pathname.startsWith('/api/') || url.pathname === '/health';
    if (!isApi) {
      if (url.pathname === '/ws' || url.pathname.startsWith('/ws/')) { res.writeHead(400, { 'Content-Type': 'text/plain' }); return res.end('Socket.IO endpoint\n'); }
      return serveStatic(req, res, url.pathname);
    }
    try {
      await handleApi(req, res, url);
    } catch (err) {
      sendError(res, err, log);
    }
  };
}

module.exports = { createApp };
