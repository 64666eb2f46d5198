'use strict';
// Findings of the attack run against the local backend (issue 13), each against the real server process:
// user-scoped app tokens, webhook SSRF, rate limits behind a proxy, token-refresh and app-secret guessing,
// deeply nested JSON, names with bidi overrides / nothing visible.
const test = require('node:test');
const assert = require('node:assert/strict');
const H = require('./helpers');

const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

async function userToken(base, user, extra = {}) {
  const r = await H.api(base, 'POST', '/api/v1/auth/token', { body: { appId: 'testapp', appSecret: H.SECRETS.EARSHOT_APP_SECRET, user, ...extra } });
  assert.equal(r.status, 200, r.text);
  return r.json.token;
}

test('M4: a user-scoped app token joins only the rooms it is for, as the name and role it was issued with', async () => {
  const srv = await H.startServer();
  const A = (...a) => H.api(srv.url, ...a);
  try {
    const adminRoom = await H.adminRoom(srv.url);
    const other = (await A('POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} })).json.roomId;
    const mine = (await A('POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} })).json.roomId;
    const carol = await userToken(srv.url, { id: 'carol', name: 'Carol', role: 'guest' });
    const bearer = (t) => ({ authorization: `Bearer ${t}` });

    // an admin invite room is reached only through its invites
    for (const roomId of [adminRoom.roomId, other]) {
      const j = await A('POST', `/api/v1/rooms/${roomId}/join`, { headers: bearer(carol), body: { userId: 'carol' } });
      assert.equal(j.status, 403, j.text);
      assert.equal(j.json.code, 'auth.forbidden');
      assert.match(j.json.message, /not for this room/);
      const st = await A('GET', `/api/v1/rooms/${roomId}/status`, { headers: bearer(carol) });
      assert.equal(st.status, 403, 'cannot read the participants of a room it is not for');
      assert.equal(st.json.code, 'auth.forbidden');
    }

    // a token minted for one room: joins it, with the name and role of the token
    const forMine = await userToken(srv.url, { id: 'carol', name: 'Carol', role: 'guest' }, { roomId: mine });
    assert.equal(claimsOf(forMine).roomId, mine);
    const ok = await A('POST', `/api/v1/rooms/${mine}/join`, { headers: bearer(forMine), body: { userId: 'carol' } });
    assert.equal(ok.status, 200, ok.text);
    const rc = claimsOf(ok.json.token);
    assert.equal(rc.name, 'Carol');
    assert.equal(rc.role, 'guest');
    assert.equal((await A('GET', `/api/v1/rooms/${mine}/status`, { headers: bearer(forMine) })).status, 200);
    assert.equal((await A('POST', `/api/v1/rooms/${other}/join`, { headers: bearer(forMine), body: { userId: 'carol' } })).status, 403);
    assert.equal((await A('POST', `/api/v1/rooms/${adminRoom.roomId}/join`, { headers: bearer(forMine), body: { userId: 'carol' } })).status, 403);

    // the same name/role may be repeated; another one is refused, saying which
    assert.equal((await A('POST', `/api/v1/rooms/${mine}/join`, { headers: bearer(forMine), body: { userId: 'carol', name: 'Carol', role: 'guest' } })).status, 200);
    const asHost = await A('POST', `/api/v1/rooms/${mine}/join`, { headers: bearer(forMine), body: { userId: 'carol', role: 'host' } });
    assert.equal(asHost.status, 403);
    assert.equal(asHost.json.code, 'auth.forbidden');
    assert.match(asHost.json.message, /role "guest"/);
    const asAdmin = await A('POST', `/api/v1/rooms/${mine}/join`, { headers: bearer(forMine), body: { userId: 'carol', name: 'Administrator' } });
    assert.equal(asAdmin.status, 403);
    assert.match(asAdmin.json.message, /name "Carol"/);
    // a token without a name or role: the userId and "participant", nothing else
    const bare = await userToken(srv.url, { id: 'dave' }, { roomId: mine });
    const bareHost = await A('POST', `/api/v1/rooms/${mine}/join`, { headers: bearer(bare), body: { userId: 'dave', role: 'host', name: 'Administrator' } });
    assert.equal(bareHost.status, 403);
    const bareOk = await A('POST', `/api/v1/rooms/${mine}/join`, { headers: bearer(bare), body: { userId: 'dave' } });
    assert.equal(claimsOf(bareOk.json.token).role, 'participant');
    assert.equal(claimsOf(bareOk.json.token).name, 'dave');

    // a room the user created with their own token is theirs to join
    const created = await A('POST', '/api/v1/rooms', { headers: bearer(carol), body: {} });
    assert.equal(created.status, 201);
    assert.equal((await A('POST', `/api/v1/rooms/${created.json.roomId}/join`, { headers: bearer(carol), body: { userId: 'carol' } })).status, 200);
    // ... but it cannot create one in someone else's name
    const inBobsName = await A('POST', '/api/v1/rooms', { headers: bearer(carol), body: { createdBy: 'bob' } });
    assert.equal(inBobsName.status, 403);

    // minting: roomId needs a user and an existing room of this app
    const noUser = await A('POST', '/api/v1/auth/token', { body: { appId: 'testapp', appSecret: H.SECRETS.EARSHOT_APP_SECRET, roomId: mine } });
    assert.equal(noUser.status, 400);
    assert.equal(noUser.json.field, 'roomId');
    const noRoom = await A('POST', '/api/v1/auth/token', { body: { appId: 'testapp', appSecret: H.SECRETS.EARSHOT_APP_SECRET, user: { id: 'x' }, roomId: 'doesnotexist123' } });
    assert.equal(noRoom.status, 404);
    assert.equal(noRoom.json.code, 'room.not_found');

    // app credentials (the app's own server) still join any of its API rooms as anyone
    assert.equal((await A('POST', `/api/v1/rooms/${other}/join`, { headers: H.appHeaders(), body: { userId: 'zed', role: 'host', name: 'Zed' } })).status, 200);
  } finally { await srv.stop(); }
});

test('M2: webhook URLs to loopback, link-local, private or ULA addresses are refused after resolution, at subscribe and at delivery', async () => {
  const http = require('node:http');
  const path = require('node:path');
  let hits = 0;
  const rx = http.createServer((req, res) => { hits++; req.resume(); res.end('ok'); });
  await new Promise((r) => rx.listen(0, '127.0.0.1', r));
  const rxPort = rx.address().port;
  const closeRx = () => new Promise((r) => { rx.closeAllConnections(); rx.close(() => r()); });
  try {
    const srv = await H.startServer({ env: { EARSHOT_WEBHOOK_ALLOW_PRIVATE: '0' } });
    const sub = (url) => H.api(srv.url, 'POST', '/api/v1/webhooks/subscribe', { headers: H.appHeaders(), body: { url, secret: 'receiver-secret-0123456789' } });
    try {
      const refused = {
        'http://127.0.0.1/hook': /127\.0\.0\.1.*loopback/,
        'http://127.1/hook': /loopback/,
        'http://0x7f000001/hook': /loopback/,
        'http://2130706433:8080/hook': /loopback/,
        'http://[::1]/hook': /loopback/,
        'http://[::ffff:127.0.0.1]/hook': /loopback/,
        'http://[::ffff:7f00:1]/hook': /loopback/,
        'http://0.0.0.0/hook': /unspecified|this network/,
        'http://169.254.169.254/latest/meta-data/': /link-local/,
        'http://10.1.2.3/hook': /private/,
        'http://172.16.0.9/hook': /private/,
        'http://192.168.1.1/hook': /private/,
        'http://100.64.0.1/hook': /shared|carrier/,
        'http://[fd12:3456::1]/hook': /unique local/,
        'http://[fe80::1]/hook': /link-local/,
        [`http://localhost:${rxPort}/hook`]: /localhost.*loopback/,
      };
      for (const [url, why] of Object.entries(refused)) {
        const r = await sub(url);
        assert.equal(r.status, 400, `${url}: ${r.text}`);
        assert.equal(r.json.code, 'webhook.target_forbidden', url);
        assert.equal(r.json.field, 'url');
        assert.match(r.json.message, why, url);
        assert.match(r.json.message, /EARSHOT_WEBHOOK_ALLOW_PRIVATE/, 'says how local development allows it');
      }
      const unresolved = await sub('http://no-such-host.invalid/hook');
      assert.equal(unresolved.status, 400);
      assert.equal(unresolved.json.code, 'webhook.target_unresolved');
      assert.match(unresolved.json.message, /no-such-host\.invalid/);
      // a public address literal is accepted (nothing is sent to it here)
      assert.equal((await sub('https://93.184.216.34/hook')).status, 200);
      assert.equal((await H.api(srv.url, 'GET', '/api/v1/config')).status, 200);
    } finally { await srv.stop(); }

    // A URL stored while private targets were allowed (or a name that resolves elsewhere now) is checked
    // again, after resolution, for every delivery: nothing reaches the loopback receiver.
    const dev = await H.startServer({ env: { EARSHOT_WEBHOOK_ALLOW_PRIVATE: '1' } });
    const subDev = await H.api(dev.url, 'POST', '/api/v1/webhooks/subscribe', { headers: H.appHeaders(), body: { url: `http://localhost:${rxPort}/hook`, secret: 'receiver-secret-0123456789' } });
    assert.equal(subDev.status, 200, 'allowed for local development');
    await dev.stop();
    const prod = await H.startServer({ dataDir: dev.dataDir, env: { EARSHOT_WEBHOOK_ALLOW_PRIVATE: '0' } });
    try {
      const t = await H.api(prod.url, 'POST', '/api/v1/webhooks/test', { headers: H.appHeaders() });
      assert.equal(t.status, 202);
      const row = await H.waitFor(async () => {
        const [r] = await H.dbQuery(prod, 'SELECT status, last_error FROM webhook_deliveries WHERE id = ?', [t.json.deliveryId]);
        return r && r.status !== 'pending' && r;
      }, 5000);
      await H.sleep(200);
      assert.equal(hits, 0, 'the loopback receiver got nothing');
      assert.equal(row.status, 'failed', 'a forbidden target is not retried');
      assert.match(row.last_error, /loopback/);
    } finally { await prod.stop(); }
  } finally { if (rx.listening) await closeRx(); }
});

test('M3: behind a proxy the rate-limit key is the address the proxy saw (counted from the right), one client per bucket', async () => {
  const badKey = { 'x-admin-key': 'wrong-admin-key-0123456789' };
  // EARSHOT_TRUST_PROXY=1: the left-most X-Forwarded-For entries are the client's own words
  const one = await H.startServer({ env: { EARSHOT_TRUST_PROXY: '1', EARSHOT_RATE_ADMIN: '5' } });
  try {
    const codes = [];
    for (let i = 0; i < 130; i++) {
      const spoof = `10.${i >> 8}.${i & 255}.1`;
      const r = await H.api(one.url, 'GET', '/api/v1/admin/rooms', { headers: { ...badKey, 'x-forwarded-for': `${spoof}, 198.51.100.7` } });
      codes.push(r.status);
    }
    assert.equal(codes.filter((c) => c === 401).length, 5, 'five guesses, then the bucket of 198.51.100.7 is empty');
    assert.equal(codes.filter((c) => c === 429).length, 125);
    // another client behind the same proxy has its own bucket
    const other = await H.api(one.url, 'GET', '/api/v1/admin/rooms', { headers: { ...H.adminHeaders(), 'x-forwarded-for': '198.51.100.8' } });
    assert.equal(other.status, 200);
  } finally { await one.stop(); }

  // default: a proxy on this machine (the server listens on loopback) appends the client's address;
  // one client's mistakes do not lock out every other invitee
  const def = await H.startServer({ env: { EARSHOT_RATE_REDEEM: '3' } });
  try {
    const redeemFrom = (ip) => H.api(def.url, 'POST', '/api/v1/invites/redeem', { headers: { 'x-forwarded-for': ip }, body: { invite: 'not.a.jwt' } });
    const a = [];
    for (let i = 0; i < 5; i++) a.push((await redeemFrom('198.51.100.1')).status);
    assert.deepEqual(a, [401, 401, 401, 429, 429]);
    assert.equal((await redeemFrom('198.51.100.2')).status, 401, 'another invitee is not locked out');
    assert.equal((await redeemFrom('203.0.113.5, 198.51.100.1')).status, 429, 'a forged left-most entry does not help');
  } finally { await def.stop(); }

  // EARSHOT_TRUST_PROXY=0: the header is ignored, every request is keyed by the connecting address
  const off = await H.startServer({ env: { EARSHOT_TRUST_PROXY: '0', EARSHOT_RATE_REDEEM: '2' } });
  try {
    const s = [];
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) s.push((await H.api(off.url, 'POST', '/api/v1/invites/redeem', { headers: { 'x-forwarded-for': ip }, body: { invite: 'x' } })).status);
    assert.deepEqual(s, [401, 401, 429]);
  } finally { await off.stop(); }
});

test('M3: the rate limiter holds a bounded number of clients', () => {
  const { RateLimiter } = require('../src/utils/rate-limit');
  const rl = new RateLimiter(60, { maxKeys: 1000 });
  for (let i = 0; i < 100000; i++) rl.take(`k${i}`, 1000);
  assert.ok(rl.buckets.size <= 1000, `size ${rl.buckets.size}`);
  // a client that keeps coming back is not the one evicted
  const rl2 = new RateLimiter(2, { maxKeys: 100 });
  rl2.take('busy', 0); rl2.take('busy', 0);
  for (let i = 0; i < 500; i++) { rl2.take(`k${i}`, 0); assert.ok(rl2.take('busy', 0) > 0, `busy stays limited (${i})`); }
});

test('L2: deeply nested JSON is a 400 naming the limit, not a 500', async () => {
  const srv = await H.startServer();
  try {
    const deepArr = (n) => '['.repeat(n) + ']'.repeat(n);
    const deepObj = (n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    const cases = [
      ['/api/v1/rooms', H.appHeaders(), `{"metadata":${deepArr(8000)}}`],
      ['/api/v1/rooms', H.appHeaders(), `{"metadata":${deepObj(1500)}}`],
      ['/api/v1/admin/rooms', H.adminHeaders(), `{"title":"x","hostName":${deepArr(5000)}}`],
      ['/api/v1/invites/redeem', {}, `{"invite":"x","device":${deepArr(40)}}`],
    ];
    for (const [p, headers, raw] of cases) {
      const r = await H.api(srv.url, 'POST', p, { headers: { ...headers, 'content-type': 'application/json' }, raw });
      assert.equal(r.status, 400, `${p}: ${r.text}`);
      assert.equal(r.json.code, 'request.too_deep');
      assert.equal(r.json.message, 'The JSON body is nested deeper than 32 levels.');
    }
    // 32 levels are fine (and strings full of brackets do not count)
    const ok = await H.api(srv.url, 'POST', '/api/v1/rooms', { headers: H.appHeaders(), body: { metadata: JSON.parse(deepArr(31)), note: undefined } });
    assert.equal(ok.status, 201, ok.text);
    const brackets = await H.api(srv.url, 'POST', '/api/v1/rooms', { headers: H.appHeaders(), body: { metadata: { s: '[{'.repeat(500) } } });
    assert.equal(brackets.status, 201, brackets.text);
    assert.doesNotMatch(srv.stderr, /unhandled error/);
  } finally { await srv.stop(); }
});

test('L5: token-refresh is rate-limited per participant (5 a minute), across reconnects', async () => {
  const srv = await H.startServer();
  try {
    const room = await H.adminRoom(srv.url);
    const host = (await H.redeem(srv.url, H.inviteOf(room.links.host))).json;
    let s = await H.connectOk(srv.url, { token: host.token });
    const acks = [];
    for (let i = 0; i < 5; i++) acks.push(await s.timeout(2000).emitWithAck('token-refresh'));
    assert.ok(acks.every((a) => a.ok === true && typeof a.token === 'string'), JSON.stringify(acks));
    const sixth = await s.timeout(2000).emitWithAck('token-refresh');
    assert.equal(sixth.ok, false);
    assert.equal(sixth.code, 'signal.rate_limited');
    assert.match(sixth.message, /^Too many token refreshes; try again in \d+ s\.$/);
    assert.equal(sixth.token, undefined);
    // a new connection of the same participant does not start a fresh allowance
    s.close();
    s = await H.connectOk(srv.url, { token: host.token });
    assert.equal((await s.timeout(2000).emitWithAck('token-refresh')).code, 'signal.rate_limited');
    s.close();
  } finally { await srv.stop(); }
});

test('L6: wrong app credentials are limited on every app-auth route, not only /auth/token', async () => {
  const srv = await H.startServer({ env: { EARSHOT_RATE_AUTH: '10' } });
  try {
    const from = (ip) => ({ 'x-forwarded-for': ip });
    const wrong = { 'x-app-id': 'testapp', 'x-app-key': 'guess-0123456789abcdef' };
    const routes = [['POST', '/api/v1/rooms', {}], ['POST', '/api/v1/turn/credentials', undefined], ['POST', '/api/v1/webhooks/test', undefined],
      ['GET', '/api/v1/rooms/abcdefabcdef/status', undefined], ['POST', '/api/v1/rooms/abcdefabcdef/join', { userId: 'x' }]];
    const codes = [];
    for (let i = 0; i < 30; i++) {
      const [m, p, body] = routes[i % routes.length];
      const forged = i % 3 === 2 ? { authorization: `Bearer ${H.hmacJwt({ iss: 'earshot', typ: 'app', appId: 'testapp', exp: 9999999999 }, 'guessed-secret-0123456789abcdef0123')}` } : wrong;
      const r = await H.api(srv.url, m, p, { headers: { ...forged, ...from('198.51.100.20') }, body });
      codes.push(r.status);
      if (r.status === 429) {
        assert.equal(r.json.code, 'rate.limited');
        assert.match(r.headers.get('retry-after'), /^\d+$/);
      }
    }
    assert.equal(codes.filter((c) => c === 401).length, 10, codes.join(','));
    assert.equal(codes.filter((c) => c === 429).length, 20);
    // while blocked, even the right key from that client waits (a lucky guess would otherwise pass)
    assert.equal((await H.api(srv.url, 'POST', '/api/v1/rooms', { headers: { ...H.appHeaders(), ...from('198.51.100.20') }, body: {} })).status, 429);
    // other clients are not affected, and good credentials never count
    for (let i = 0; i < 15; i++) assert.equal((await H.api(srv.url, 'POST', '/api/v1/turn/credentials', { headers: { ...H.appHeaders(), ...from('198.51.100.21') } })).status, 200);
  } finally { await srv.stop(); }
});

test('L7: names and titles refuse bidi overrides and text with nothing visible', async () => {
  const srv = await H.startServer({ env: { EARSHOT_ROOM_SIZE: '3' } });
  const A = (...a) => H.api(srv.url, ...a);
  try {
    const bad = [
      ['\u202Egnp.exe', 'bidi', 'U+202E'], ['Ana\u2066x\u2069', 'bidi', 'U+2066'], ['a\u200Fb', 'bidi', 'U+200F'], ['\u061Cx', 'bidi', 'U+061C'],
      ['\u200B\u200B', 'empty'], ['\u200D', 'empty'], ['\u2060\uFEFF', 'empty'], ['\u3164', 'empty'], ['\u0301\u0301', 'empty'], ['\u00A0\u200B\u2003', 'empty'],
    ];
    const check = (r, field, [, kind, cp]) => {
      assert.equal(r.status, 400, `${field}: ${r.text}`);
      assert.equal(r.json.code, 'request.invalid');
      assert.equal(r.json.field, field);
      if (kind === 'bidi') assert.equal(r.json.message, `Field "${field}" contains a bidirectional control character (${cp}).`);
      else assert.equal(r.json.message, `Field "${field}" must contain visible characters.`);
    };
    for (const c of bad) {
      check(await A('POST', '/api/v1/admin/rooms', { headers: H.adminHeaders(), body: { hostName: c[0] } }), 'hostName', c);
      check(await A('POST', '/api/v1/admin/rooms', { headers: H.adminHeaders(), body: { guestName: c[0] } }), 'guestName', c);
      check(await A('POST', '/api/v1/admin/rooms', { headers: H.adminHeaders(), body: { guestNames: ['Bob', c[0]] } }), 'guestNames[1]', c);
      check(await A('POST', '/api/v1/admin/rooms', { headers: H.adminHeaders(), body: { title: c[0] } }), 'title', c);
      check(await A('POST', '/api/v1/auth/token', { body: { appId: 'testapp', appSecret: H.SECRETS.EARSHOT_APP_SECRET, user: { id: 'u1', name: c[0] } } }), 'user.name', c);
    }
    const roomId = (await A('POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} })).json.roomId;
    check(await A('POST', `/api/v1/rooms/${roomId}/join`, { headers: H.appHeaders(), body: { userId: 'u1', name: '\u202Eevil' } }), 'name', bad[0]);
    check(await A('POST', `/api/v1/rooms/${roomId}/join`, { headers: H.appHeaders(), body: { userId: 'u1', name: '\u200B' } }), 'name', bad[4]);

    // real names in any script, emoji sequences (ZWJ) and Persian ZWNJ stay fine
    const good = await A('POST', '/api/v1/admin/rooms', { headers: H.adminHeaders(), body: { title: 'مقابلة · 面接', hostName: 'José Ñúñez', guestNames: ['👩‍💻 Ada', 'می‌خواهم'] } });
    assert.equal(good.status, 201, good.text);
    assert.deepEqual(good.json.links.guests.map((g) => g.name), ['👩‍💻 Ada', 'می‌خواهم']);
  } finally { await srv.stop(); }
});
