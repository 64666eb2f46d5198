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
