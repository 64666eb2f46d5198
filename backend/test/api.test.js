'use strict';
// Seed-004 REST API, input validation, CORS, headers and static pages against the real server process.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const H = require('./helpers');

const EXPECTED_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ws: wss:; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'";

let srv; let webDir;
test.before(async () => {
  webDir = H.tempDir('earshot-web-');
  fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>admin</title>');
  fs.writeFileSync(path.join(webDir, 'room.html'), '<!doctype html><title>room</title>');
  fs.writeFileSync(path.join(webDir, 'earshot.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  fs.writeFileSync(path.join(webDir, 'app.js'), 'export {}');
  fs.writeFileSync(path.join(webDir, 'mod.mjs'), 'export {}');
  fs.writeFileSync(path.join(webDir, 'config.json'), '{}');
  fs.writeFileSync(path.join(webDir, '.secret'), 'hidden');
  srv = await H.startServer({ webDir, env: { EARSHOT_CORS_ORIGINS: 'https://app.example.com', EARSHOT_TURN_PORT: '3478' } });
});
test.after(async () => { await srv?.stop(); });

const A = (...a) => H.api(srv.url, ...a);

test('startup prints the admin page line and the ready line', () => {
  const lines = srv.stdout.split('\n').filter((l) => l.includes('Earshot admin page: '));
  assert.equal(lines.length, 1);
  assert.ok(lines[0].includes(`Earshot admin page: ${srv.url}/index.html`), lines[0]);
  assert.match(lines[0], /admin key: from EARSHOT_ADMIN_KEY/);
  assert.match(srv.stdout, new RegExp(`EARSHOT_READY port=${srv.port}`));
});

test('GET /health', async () => {
  const r = await A('GET', '/health');
  assert.equal(r.status, 200);
  assert.equal(r.json.ok, true);
  assert.equal(r.headers.get('cache-control'), 'no-store');
});

test('security headers on API, static and 404 responses', async () => {
  for (const p of ['/health', '/index.html', '/nope.txt', '/api/v1/nope']) {
    const r = await A('GET', p);
    assert.equal(r.headers.get('content-security-policy'), EXPECTED_CSP, p);
    assert.equal(r.headers.get('permissions-policy'), 'microphone=(self)', p);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer', p);
    assert.equal(r.headers.get('cross-origin-opener-policy'), 'same-origin', p);
  }
  const r = await A('GET', '/api/v1/nope');
  assert.equal(r.status, 404);
  assert.equal(r.json.code, 'route.not_found');
});

test('static pages: MIME types, index, traversal and dotfiles refused', async () => {
  const cases = { '/': 'text/html', '/room.html': 'text/html', '/earshot.wasm': 'application/wasm', '/app.js': 'text/javascript', '/mod.mjs': 'text/javascript', '/config.json': 'application/json' };
  for (const [p, type] of Object.entries(cases)) {
    const r = await A('GET', p);
    assert.equal(r.status, 200, p);
    assert.ok(r.headers.get('content-type').startsWith(type), `${p}: ${r.headers.get('content-type')}`);
  }
  assert.equal((await A('GET', '/.secret')).status, 404);
  assert.equal((await A('GET', '/%2e%2e/%2e%2e/etc/passwd')).status, 404);
  assert.equal((await A('GET', '/..%2f..%2fetc%2fpasswd')).status, 404);
  assert.equal((await A('POST', '/index.html')).status, 405);
});

test('pages-not-built response when the web dir is missing', async () => {
  const s = await H.startServer();
  try {
    const r = await H.api(s.url, 'GET', '/index.html');
    assert.equal(r.status, 200);
    assert.match(r.text, /not built yet/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  } finally { await s.stop(); }
});

test('POST /api/v1/auth/token: success, bad secret, validation', async () => {
  const ok = await A('POST', '/api/v1/auth/token', { body: { appId: 'testapp', appSecret: H.SECRETS.EARSHOT_APP_SECRET } });
  assert.equal(ok.status, 200);
  assert.equal(typeof ok.json.token, 'string');
  assert.equal(ok.json.expiresIn, 14400, 'EARSHOT_TOKEN_TTL default');
  const claims = JSON.parse(Buffer.from(ok.json.token.split('.')[1], 'base64url').toString());
  assert.equal(claims.typ, 'app');
  assert.equal(claims.appId, 'testapp');
  const bad = await A('POST', '/api/v1/auth/token', { body: { appId: 'testapp', appSecret: 'wrong-wrong-wrong' } });
  assert.equal(bad.status, 401);
  assert.equal(bad.json.code, 'auth.invalid');
  const missing = await A('POST', '/api/v1/auth/token', { body: { appId: 'testapp' } });
  assert.equal(missing.status, 400);
  assert.equal(missing.json.field, 'appSecret');
  const extra = await A('POST', '/api/v1/auth/token', { body: { appId: 'testapp', appSecret: 'x', admin: true } });
  assert.equal(extra.status, 400);
  assert.equal(extra.json.field, 'admin');
  assert.match(extra.json.message, /admin/);
  const nested = await A('POST', '/api/v1/auth/token', { body: { appId: 'testapp', appSecret: 'x', user: { id: 'a', evil: 1 } } });
  assert.equal(nested.json.field, 'user.evil');
  const badId = await A('POST', '/api/v1/auth/token', { body: { appId: 'testapp', appSecret: 'x', user: { id: 'a:b' } } });
  assert.equal(badId.json.field, 'user.id');
});

test('app auth for /rooms: headers, bearer app JWT, wrong/missing credentials', async () => {
  const viaHeaders = await A('POST', '/api/v1/rooms', { headers: H.appHeaders(), body: { metadata: { topic: 'x' }, createdBy: 'alice' } });
  assert.equal(viaHeaders.status, 201);
  assert.match(viaHeaders.json.roomId, /^[A-Za-z0-9_-]{6,64}$/);
  assert.equal(viaHeaders.json.status, 'open');

  const tok = (await A('POST', '/api/v1/auth/token', { body: { appId: 'testapp', appSecret: H.SECRETS.EARSHOT_APP_SECRET } })).json.token;
  const viaJwt = await A('POST', '/api/v1/rooms', { headers: { authorization: `Bearer ${tok}` } });
  assert.equal(viaJwt.status, 201);

  const none = await A('POST', '/api/v1/rooms', { body: {} });
  assert.equal(none.status, 401);
  assert.equal(none.json.code, 'auth.required');
  const wrong = await A('POST', '/api/v1/rooms', { headers: { 'x-app-id': 'testapp', 'x-app-key': 'nope' }, body: {} });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.json.code, 'auth.invalid');
  const half = await A('POST', '/api/v1/rooms', { headers: { 'x-app-id': 'testapp' }, body: {} });
  assert.equal(half.status, 401);
  const forged = H.hmacJwt({ iss: 'earshot', typ: 'app', appId: 'testapp', exp: 9999999999 }, 'another-secret-another-secret-xx');
  assert.equal((await A('POST', '/api/v1/rooms', { headers: { authorization: `Bearer ${forged}` } })).status, 401);
  const expired = H.hmacJwt({ iss: 'earshot', typ: 'app', appId: 'testapp', iat: 1, exp: 2 });
  const e = await A('POST', '/api/v1/rooms', { headers: { authorization: `Bearer ${expired}` } });
  assert.equal(e.status, 401);
  assert.equal(e.json.code, 'auth.expired');
  const roomTok = H.hmacJwt({ iss: 'earshot', typ: 'room', appId: 'testapp', roomId: 'x', exp: 9999999999 });
  assert.equal((await A('POST', '/api/v1/rooms', { headers: { authorization: `Bearer ${roomTok}` } })).status, 401, 'room token is not an app token');
  const big = await A('POST', '/api/v1/rooms', { headers: H.appHeaders(), body: { metadata: { blob: 'x'.repeat(3000) } } });
  assert.equal(big.status, 400);
  assert.equal(big.json.field, 'metadata');
});

test('join, status, TURN credentials (seed shapes)', async () => {
  const roomId = (await A('POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} })).json.roomId;
  const j = await A('POST', `/api/v1/rooms/${roomId}/join`, { headers: H.appHeaders(), body: { userId: 'alice', name: 'Alice', role: 'host' } });
  assert.equal(j.status, 200);
  assert.equal(j.json.roomId, roomId);
  assert.equal(j.json.signalingUrl, `ws://127.0.0.1:${srv.port}/ws`);
  assert.ok(j.json.ttl > 0);
  assert.equal(j.json.iceServers.length, 1);
  const ice = j.json.iceServers[0];
  assert.deepEqual(ice.urls, ['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp']);
  const [exp, user] = ice.username.split(':');
  assert.equal(user, 'alice');
  assert.ok(Number(exp) > Date.now() / 1000);
  assert.equal(ice.credential, crypto.createHmac('sha1', H.SECRETS.EARSHOT_TURN_SECRET).update(ice.username).digest('base64'));
  const claims = JSON.parse(Buffer.from(j.json.token.split('.')[1], 'base64url').toString());
  assert.equal(claims.typ, 'room');
  assert.equal(claims.roomId, roomId);
  assert.equal(claims.appId, 'testapp');
  assert.equal(claims.sub, 'alice');
  assert.equal(claims.role, 'host');

  const st = await A('GET', `/api/v1/rooms/${roomId}/status`, { headers: H.appHeaders() });
  assert.equal(st.status, 200);
  assert.deepEqual({ roomId: st.json.roomId, status: st.json.status, participants: st.json.participants }, { roomId, status: 'open', participants: [] });
  const stTok = await A('GET', `/api/v1/rooms/${roomId}/status`, { headers: { authorization: `Bearer ${j.json.token}` } });
  assert.equal(stTok.status, 200);
  assert.equal((await A('GET', `/api/v1/rooms/${roomId}/status`)).status, 401);
  const other = (await A('POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} })).json.roomId;
  const forb = await A('GET', `/api/v1/rooms/${other}/status`, { headers: { authorization: `Bearer ${j.json.token}` } });
  assert.equal(forb.status, 403);
  assert.equal(forb.json.code, 'auth.forbidden');

  const nf = await A('POST', '/api/v1/rooms/doesnotexist123/join', { headers: H.appHeaders(), body: { userId: 'bob' } });
  assert.equal(nf.status, 404);
  assert.equal(nf.json.code, 'room.not_found');
  assert.equal((await A('GET', '/api/v1/rooms/doesnotexist123/status', { headers: H.appHeaders() })).status, 404);
  const noUser = await A('POST', `/api/v1/rooms/${roomId}/join`, { headers: H.appHeaders(), body: {} });
  assert.equal(noUser.status, 400);
  assert.equal(noUser.json.field, 'userId');
  const badRole = await A('POST', `/api/v1/rooms/${roomId}/join`, { headers: H.appHeaders(), body: { userId: 'x', role: 'a b' } });
  assert.equal(badRole.json.field, 'role');
  const longName = await A('POST', `/api/v1/rooms/${roomId}/join`, { headers: H.appHeaders(), body: { userId: 'x', name: 'n'.repeat(41) } });
  assert.equal(longName.json.field, 'name');
  const wrongType = await A('POST', `/api/v1/rooms/${roomId}/join`, { headers: H.appHeaders(), body: { userId: 42 } });
  assert.equal(wrongType.json.field, 'userId');

  // user-scoped app token may only join as that user (and only the room it is for: security.test.js)
  const ut = (await A('POST', '/api/v1/auth/token', { body: { appId: 'testapp', appSecret: H.SECRETS.EARSHOT_APP_SECRET, user: { id: 'carol', name: 'Carol' }, roomId } })).json.token;
  assert.equal((await A('POST', `/api/v1/rooms/${roomId}/join`, { headers: { authorization: `Bearer ${ut}` }, body: { userId: 'carol' } })).status, 200);
  const imp = await A('POST', `/api/v1/rooms/${roomId}/join`, { headers: { authorization: `Bearer ${ut}` }, body: { userId: 'mallory' } });
  assert.equal(imp.status, 403);

  const tc = await A('POST', '/api/v1/turn/credentials', { headers: H.appHeaders() });
  assert.equal(tc.status, 200);
  assert.ok(tc.json.ttl > 0);
  assert.match(tc.json.iceServers[0].username, /^\d+:testapp$/);
  const tcRoom = await A('POST', '/api/v1/turn/credentials', { headers: { authorization: `Bearer ${j.json.token}` } });
  assert.match(tcRoom.json.iceServers[0].username, /^\d+:alice$/);
  assert.equal((await A('POST', '/api/v1/turn/credentials')).status, 401);
  const tcExtra = await A('POST', '/api/v1/turn/credentials', { headers: H.appHeaders(), body: { ttl: 5 } });
  assert.equal(tcExtra.status, 400);
  assert.equal(tcExtra.json.field, 'ttl');
});

test('webhooks subscribe / test validation', async () => {
  const noCfg = await A('POST', '/api/v1/webhooks/test', { headers: H.appHeaders() });
  assert.equal(noCfg.status, 409);
  assert.equal(noCfg.json.code, 'webhook.not_configured');
  const bad = await A('POST', '/api/v1/webhooks/subscribe', { headers: H.appHeaders(), body: { url: 'ftp://x' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.field, 'url');
  const short = await A('POST', '/api/v1/webhooks/subscribe', { headers: H.appHeaders(), body: { url: 'http://127.0.0.1:9/h', secret: 'short' } });
  assert.equal(short.json.field, 'secret');
  const gen = await A('POST', '/api/v1/webhooks/subscribe', { headers: H.appHeaders(), body: { url: 'http://127.0.0.1:9/hook' } });
  assert.equal(gen.status, 200);
  assert.equal(gen.json.ok, true);
  assert.equal(gen.json.webhookUrl, 'http://127.0.0.1:9/hook');
  assert.ok(gen.json.webhookSecret.length >= 32, 'generated secret is returned once');
  assert.equal((await A('POST', '/api/v1/webhooks/subscribe', { body: { url: 'http://127.0.0.1:9/h' } })).status, 401);
  const t = await A('POST', '/api/v1/webhooks/test', { headers: H.appHeaders() });
  assert.equal(t.status, 202);
  assert.equal(t.json.ok, true);
  assert.match(t.json.deliveryId, /^evt_/);
});

test('bad input: malformed JSON, wrong content type, too large, non-object, methods', async () => {
  const h = H.appHeaders();
  const mal = await A('POST', '/api/v1/rooms', { headers: { ...h, 'content-type': 'application/json' }, raw: '{"metadata": ' });
  assert.equal(mal.status, 400);
  assert.equal(mal.json.code, 'request.malformed_json');
  const ct = await A('POST', '/api/v1/rooms', { headers: { ...h, 'content-type': 'text/plain' }, raw: '{}' });
  assert.equal(ct.status, 415);
  assert.equal(ct.json.code, 'request.unsupported_media_type');
  const form = await A('POST', '/api/v1/invites/redeem', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, raw: 'invite=x' });
  assert.equal(form.status, 415);
  const big = await A('POST', '/api/v1/rooms', { headers: { ...h, 'content-type': 'application/json' }, raw: JSON.stringify({ metadata: 'x'.repeat(40000) }) });
  assert.equal(big.status, 413);
  assert.equal(big.json.code, 'request.too_large');
  const arr = await A('POST', '/api/v1/rooms', { headers: { ...h, 'content-type': 'application/json' }, raw: '[1,2]' });
  assert.equal(arr.status, 400);
  assert.equal(arr.json.code, 'request.invalid');
  const nul = await A('POST', '/api/v1/invites/redeem', { headers: { 'content-type': 'application/json' }, raw: 'null' });
  assert.equal(nul.status, 400);
  const latin = await A('POST', '/api/v1/rooms', { headers: { ...h, 'content-type': 'application/json; charset=iso-8859-1' }, raw: '{}' });
  assert.equal(latin.status, 415);
  const m = await A('GET', '/api/v1/rooms', { headers: h });
  assert.equal(m.status, 405);
  assert.equal(m.json.code, 'method.not_allowed');
  for (const r of [mal, ct, big, arr, m]) assert.equal(r.headers.get('cache-control'), 'no-store');
});

test('CORS: configured origin allowed, others refused, same origin always OK', async () => {
  const pre = await A('OPTIONS', '/api/v1/invites/redeem', { headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example.com');
  assert.match(pre.headers.get('access-control-allow-headers'), /Content-Type/);
  const ok = await A('POST', '/api/v1/invites/redeem', { headers: { origin: 'https://app.example.com' }, body: { invite: 'x.y.z' } });
  assert.equal(ok.status, 401);
  assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example.com');
  // a foreign origin's preflight passes so that its real request gets a refusal the page can read
  const evilPre = await A('OPTIONS', '/api/v1/invites/redeem', { headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
  assert.equal(evilPre.status, 204);
  assert.equal(evilPre.headers.get('access-control-allow-origin'), 'https://evil.example');
  assert.equal(evilPre.headers.get('access-control-allow-credentials'), null);
  const evil = await A('POST', '/api/v1/invites/redeem', { headers: { origin: 'https://evil.example' }, body: { invite: 'x' } });
  assert.equal(evil.status, 403);
  assert.equal(evil.json.code, 'cors.forbidden');
  assert.equal(evil.headers.get('access-control-allow-origin'), 'https://evil.example');
  // refused before any handler: an admin call with the right key does nothing
  const evilAdmin = await A('POST', '/api/v1/admin/rooms', { headers: { origin: 'https://evil.example', ...H.adminHeaders() }, body: { title: 'evil' } });
  assert.equal(evilAdmin.status, 403);
  assert.equal(evilAdmin.json.code, 'cors.forbidden');
  const listed = await A('GET', '/api/v1/admin/rooms', { headers: H.adminHeaders() });
  assert.equal(listed.json.rooms.some((r) => r.title === 'evil'), false);
  const same = await A('GET', '/health', { headers: { origin: srv.url } });
  assert.equal(same.status, 200);
  assert.equal(same.headers.get('access-control-allow-origin'), null); // same origin needs no CORS header
});

test('rate limits answer 429 with Retry-After on /auth/token, /admin/*, /invites/redeem', async () => {
  const s = await H.startServer({ env: { EARSHOT_RATE_AUTH: '3', EARSHOT_RATE_ADMIN: '3', EARSHOT_RATE_REDEEM: '3' } });
  try {
    const probes = [
      ['POST', '/api/v1/auth/token', { body: { appId: 'testapp', appSecret: 'nope' } }],
      ['GET', '/api/v1/admin/rooms', { headers: H.adminHeaders() }],
      ['POST', '/api/v1/invites/redeem', { body: { invite: 'a.b.c' } }],
    ];
    for (const [m, p, o] of probes) {
      const codes = [];
      let last;
      for (let i = 0; i < 5; i++) { last = await H.api(s.url, m, p, o); codes.push(last.status); }
      assert.equal(codes.filter((c) => c === 429).length, 2, `${p}: ${codes}`);
      assert.equal(last.json.code, 'rate.limited');
      assert.ok(Number(last.headers.get('retry-after')) >= 1);
    }
    // other endpoints are not limited by these buckets
    assert.equal((await H.api(s.url, 'GET', '/health')).status, 200);
  } finally { await s.stop(); }
});

test('generated secrets: written 0600 once and reused across restarts', { skip: H.CLUSTER && 'the SQLite file itself (EARSHOT_TEST_BACKENDS=redis+postgres)' }, async () => {
  const dataDir = H.tempDir();
  const s1 = await H.startServer({ dataDir, secrets: false });
  const file = path.join(dataDir, 'secrets.json');
  const st = fs.statSync(file);
  assert.equal(st.mode & 0o777, 0o600);
  const first = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const k of ['adminKey', 'appId', 'appSecret', 'jwtSecret', 'turnSecret']) assert.ok(first[k], k);
  assert.match(s1.stdout, new RegExp(`admin key: in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const r = await H.api(s1.url, 'GET', '/api/v1/admin/rooms', { headers: { 'x-admin-key': first.adminKey } });
  assert.equal(r.status, 200);
  await s1.stop();
  const s2 = await H.startServer({ dataDir, secrets: false });
  try {
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), first);
    assert.equal((await H.api(s2.url, 'GET', '/api/v1/admin/rooms', { headers: { 'x-admin-key': first.adminKey } })).status, 200);
    assert.equal(fs.statSync(path.join(dataDir, 'earshot.sqlite')).mode & 0o077, 0);
  } finally { await s2.stop(); }
});

test('frame-ancestors / Permissions-Policy follow EARSHOT_FRAME_ANCESTORS', async () => {
  const s = await H.startServer({ env: { EARSHOT_FRAME_ANCESTORS: 'https://embed.example' } });
  try {
    const r = await H.api(s.url, 'GET', '/health');
    assert.match(r.headers.get('content-security-policy'), /frame-ancestors 'self' https:\/\/embed\.example$/);
    assert.equal(r.headers.get('permissions-policy'), 'microphone=(self "https://embed.example")');
  } finally { await s.stop(); }
});

test('bad configuration is refused with a clear message', async () => {
  await assert.rejects(H.startServer({ env: { EARSHOT_INVITE_TTL: 'soon' } }), /EARSHOT_INVITE_TTL must be an integer/);
  await assert.rejects(H.startServer({ env: { EARSHOT_ROOM_SIZE: '7' } }), /EARSHOT_ROOM_SIZE must be between 2 and 6, got 7/);
  await assert.rejects(H.startServer({ env: { EARSHOT_ROOM_SIZE: '1' } }), /EARSHOT_ROOM_SIZE must be between 2 and 6, got 1/);
});

test('SIGTERM stops the server cleanly (exit 0)', async () => {
  const s = await H.startServer();
  const r = await s.stop('SIGTERM');
  assert.deepEqual(r, { code: 0, signal: null }, s.stderr);
});

test('EARSHOT_PUBLIC_URL drives links, signalingUrl (wss) and HSTS', async () => {
  const s = await H.startServer({ env: { EARSHOT_PUBLIC_URL: 'https://calls.example.com/' } });
  try {
    assert.match(s.stdout, /Earshot admin page: https:\/\/calls\.example\.com\/index\.html /);
    const room = await H.adminRoom(s.url);
    assert.ok(room.links.guest.url.startsWith('https://calls.example.com/room.html?room='));
    const r = await H.redeem(s.url, H.inviteOf(room.links.guest));
    assert.equal(r.json.signalingUrl, 'wss://calls.example.com/ws');
    assert.equal(r.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains');
    const cfg = await H.api(s.url, 'GET', '/api/v1/config');
    assert.deepEqual(cfg.json, { apiBase: 'https://calls.example.com', signalingUrl: 'wss://calls.example.com/ws', signalingPath: '/ws', apiVersion: 'v1', roomSize: 2 });
    assert.ok(!JSON.stringify(cfg.json).includes(H.SECRETS.EARSHOT_JWT_SECRET));
  } finally { await s.stop(); }
});
