'use strict';
// Outbound webhooks from a persisted queue (SQLite, or PostgreSQL shared by several processes: the lease
// below is a conditional update, so one process sends each attempt). A worker polls due deliveries, POSTs them signed
//   X-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>, X-Timestamp, X-App-Id, X-Event
// and retries on failure (non-2xx, timeout, network error) after 0 s, 30 s, 120 s, 600 s, 1800 s
// (5 attempts in all). EARSHOT_WEBHOOK_RETRY_SCALE multiplies the delays (tests use e.g. 0.01).
const crypto = require('node:crypto');
const http = require('node:http');
const https = require('node:https');
const { resolveTarget, pinnedLookup, TargetError } = require('./target');

const RETRY_SCHEDULE_S = [0, 30, 120, 600, 1800];

function signPayload(secret, timestamp, body) {
  return 'sha256=' + crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** POSTs body to url over a connection pinned to addrs (never redirected). Resolves the HTTP status. */
function post(url, addrs, headers, body, timeoutMs) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(u, {
      method: 'POST', lookup: pinnedLookup(addrs), agent: false,
      headers: { ...headers, 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume(); // the answer's body is not used
      res.on('end', () => { clearTimeout(t); resolve(res.statusCode); });
      res.on('error', (e) => { clearTimeout(t); reject(e); });
    });
    const t = setTimeout(() => { const e = new Error('timeout'); e.code = 'TimeoutError'; req.destroy(e); }, timeoutMs);
    req.on('error', (e) => { clearTimeout(t); reject(e); });
    req.end(body);
  });
}

function createDispatcher({ store, cfg, log }) {
  let timer = null;
  let running = false;
  let stopped = false;
  const inflight = new Set();

  async function enqueue(appId, event, data) {
    const app = await store.getApp(appId);
    if (!app || !app.webhook_url) return null;
    const now = Date.now();
    const id = 'evt_' + crypto.randomBytes(12).toString('base64url');
    const body = JSON.stringify({ id, event, appId, createdAt: new Date(now).toISOString(), data });
    await store.enqueueDelivery({ id, appId, event, url: app.webhook_url, body, nextAttemptAt: now, createdAt: now });
    kick();
    return id;
  }

  function kick() { if (!stopped) setImmediate(poll); }

  async function attempt(d) {
    // The app's current subscription, URL and secret together: a retry queued before a new subscribe
    // goes where the app now wants its events, signed with the secret that receiver knows.
    const app = await store.getApp(d.app_id);
    const secret = app && app.webhook_secret;
    const url = (app && app.webhook_url) || d.url;
    const ts = String(Math.floor(Date.now() / 1000));
    const attemptNo = d.attempts + 1;
    let ok = false; let status = null; let error = null; let permanent = false;
    if (!secret) {
      error = 'webhook secret missing';
    } else {
      try {
        // checked again for every attempt, after resolution; the connection goes to the checked address
        const addrs = await resolveTarget(new URL(url), { allowPrivate: cfg.webhook.allowPrivate });
        status = await post(url, addrs, {
          'Content-Type': 'application/json',
          'User-Agent': 'earshot-webhooks/1',
          'X-Signature': signPayload(secret, ts, d.body),
          'X-Timestamp': ts,
          'X-App-Id': d.app_id,
          'X-Event': d.event,
          'X-Delivery-Id': d.id,
          'X-Delivery-Attempt': String(attemptNo),
        }, d.body, cfg.webhook.timeoutMs);
        ok = status >= 200 && status < 300;
        if (!ok) error = `HTTP ${status}`;
      } catch (e) {
        if (e instanceof TargetError) { error = e.message; permanent = e.code === 'target_forbidden'; }
        else error = (e && (e.code || e.name || e.message)) || 'network error';
      }
    }
    const now = Date.now();
    if (ok) {
      await store.recordDelivery(d.id, { status: 'delivered', attempts: attemptNo, nextAttemptAt: now, lastError: null, lastStatus: status, url }, now);
      log.debug('webhook delivered', { id: d.id, event: d.event, attempt: attemptNo });
    } else if (attemptNo < RETRY_SCHEDULE_S.length && !permanent) {
      const next = now + Math.round(RETRY_SCHEDULE_S[attemptNo] * 1000 * cfg.webhook.retryScale);
      await store.recordDelivery(d.id, { status: 'pending', attempts: attemptNo, nextAttemptAt: next, lastError: error, lastStatus: status, url }, now);
      log.info('webhook attempt failed, will retry', { id: d.id, event: d.event, attempt: attemptNo, error, retryAt: new Date(next).toISOString() });
    } else {
      await store.recordDelivery(d.id, { status: 'failed', attempts: attemptNo, nextAttemptAt: now, lastError: error, lastStatus: status, url }, now);
      log.warn('webhook delivery gave up', { id: d.id, event: d.event, attempts: attemptNo, error });
    }
  }

  async function poll() {
    if (running || stopped) return;
    running = true;
    try {
      const now = Date.now();
      const due = await store.dueDeliveries(now, 20);
      for (const d of due) {
        if (stopped) break;
        // lease: push next_attempt_at past the request timeout so nothing else picks it up meanwhile;
        // if we crash mid-request the delivery becomes due again after the lease.
        if (!await store.leaseDelivery(d.id, now + cfg.webhook.timeoutMs + 5000, now)) continue;
        const p = attempt(d).catch((e) => log.error('webhook attempt crashed', { id: d.id, err: String(e) }));
        inflight.add(p);
        p.finally(() => inflight.delete(p));
      }
    } catch (e) {
      if (!stopped) log.error('webhook poll failed', { err: String(e) });
    } finally {
      running = false;
    }
  }

  function start() {
    stopped = false;
    timer = setInterval(poll, cfg.webhook.pollMs);
    timer.unref();
    kick();
  }

  async function stop({ waitMs = 2000 } = {}) {
    stopped = true;
    if (timer) clearInterval(timer);
    timer = null;
    if (inflight.size) await Promise.race([Promise.allSettled([...inflight]), new Promise((r) => setTimeout(r, waitMs))]);
  }

  return { enqueue, start, stop, poll };
}

module.exports = { createDispatcher, signPayload, RETRY_SCHEDULE_S };
