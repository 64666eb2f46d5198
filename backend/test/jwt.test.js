'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const jwt = require('../src/services/jwt');

// RFC 7515 appendix A.1 (from shared/protocols.md)
const A1_KEY = Buffer.from('AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow', 'base64url');
const A1_TOKEN = 'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const SECRET = 'unit-test-secret-unit-test-secret-0123';
const now = Math.floor(Date.now() / 1000);

function forge(header, payload, secret = SECRET) {
  const h = Buffer.from(JSON.stringify(header)).toString('base64url');
  const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${h}.${p}.${crypto.createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')}`;
}

const expectCode = (fn, code) => assert.throws(fn, (e) => e instanceof jwt.JwtError && e.code === code);

test('RFC 7515 A.1 HS256 token verifies with its key (exp in 2011, checked separately)', () => {
  const p = jwt.verify(A1_TOKEN, A1_KEY, { ignoreExp: true });
  assert.equal(p.iss, 'joe');
  assert.equal(p.exp, 1300819380);
  assert.equal(p['http://example.com/is_root'], true);
  // the same token is refused as expired without ignoreExp, and valid at its own time
  expectCode(() => jwt.verify(A1_TOKEN, A1_KEY), 'expired');
  assert.equal(jwt.verify(A1_TOKEN, A1_KEY, { now: 1300819000 }).iss, 'joe');
});

test('RFC 7515 A.1 token fails with a different key or a flipped signature bit', () => {
  expectCode(() => jwt.verify(A1_TOKEN, Buffer.from('other key'), { ignoreExp: true }), 'invalid');
  const [h, p, s] = A1_TOKEN.split('.');
  const sig = Buffer.from(s, 'base64url'); sig[0] ^= 1;
  expectCode(() => jwt.verify(`${h}.${p}.${sig.toString('base64url')}`, A1_KEY, { ignoreExp: true }), 'invalid');
});

test('sign/verify round trip with HS256 header exactly {"alg":"HS256","typ":"JWT"}', () => {
  const t = jwt.sign({ iss: 'earshot', typ: 'invite', a: 1, iat: now, exp: now + 60 }, SECRET);
  assert.equal(Buffer.from(t.split('.')[0], 'base64url').toString(), '{"alg":"HS256","typ":"JWT"}');
  assert.equal(jwt.verify(t, SECRET, { typ: 'invite', iss: 'earshot' }).a, 1);
  expectCode(() => jwt.verify(t, SECRET, { typ: 'room' }), 'invalid');
  expectCode(() => jwt.verify(t, SECRET, { iss: 'other' }), 'invalid');
});

test('alg none is refused (with and without a signature)', () => {
  const h = Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url');
  const p = Buffer.from(JSON.stringify({ exp: now + 60 })).toString('base64url');
  expectCode(() => jwt.verify(`${h}.${p}.`, SECRET), 'invalid');
  expectCode(() => jwt.verify(`${h}.${p}`, SECRET), 'invalid');
  const nn = Buffer.from('{"alg":"None"}').toString('base64url');
  expectCode(() => jwt.verify(`${nn}.${p}.`, SECRET), 'invalid');
});

test('algorithm confusion: RS256/HS512/ES256 headers are refused even with a valid HMAC', () => {
  for (const alg of ['RS256', 'HS512', 'ES256', 'hs256', undefined]) {
    expectCode(() => jwt.verify(forge({ alg, typ: 'JWT' }, { exp: now + 60 }), SECRET), 'invalid');
  }
});

test('bad signature length and non-canonical base64url are refused', () => {
  const t = jwt.sign({ exp: now + 60 }, SECRET);
  const [h, p, s] = t.split('.');
  expectCode(() => jwt.verify(`${h}.${p}.${s.slice(0, 20)}`, SECRET), 'invalid');
  expectCode(() => jwt.verify(`${h}.${p}.${s}AAAA`, SECRET), 'invalid');
  expectCode(() => jwt.verify(`${h}.${p}.`, SECRET), 'invalid');
  expectCode(() => jwt.verify(`${h}.${p}.${s}=`, SECRET), 'invalid'); // padding
  expectCode(() => jwt.verify(`${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}x`, SECRET), 'invalid');
  expectCode(() => jwt.verify(`${h}.${p}`, SECRET), 'invalid');
  expectCode(() => jwt.verify(`${h}.${p}.${s}.x`, SECRET), 'invalid');
  expectCode(() => jwt.verify('', SECRET), 'invalid');
});

test('tampered payload is refused', () => {
  const t = jwt.sign({ role: 'guest', exp: now + 60 }, SECRET);
  const [h, , s] = t.split('.');
  const p2 = Buffer.from(JSON.stringify({ role: 'host', exp: now + 60 })).toString('base64url');
  expectCode(() => jwt.verify(`${h}.${p2}.${s}`, SECRET), 'invalid');
});

test('exp / nbf handling', () => {
  expectCode(() => jwt.verify(jwt.sign({ exp: now - 60 }, SECRET), SECRET), 'expired');
  expectCode(() => jwt.verify(jwt.sign({ exp: now + 600, nbf: now + 300 }, SECRET), SECRET), 'invalid');
  expectCode(() => jwt.verify(jwt.sign({ exp: String(now + 60) }, SECRET), SECRET), 'invalid');
  expectCode(() => jwt.verify(jwt.sign({ sub: 'x' }, SECRET), SECRET), 'invalid'); // exp required
  assert.ok(jwt.verify(jwt.sign({ exp: now + 60, nbf: now - 1 }, SECRET), SECRET));
  expectCode(() => jwt.verify(forge({ alg: 'HS256', typ: 'JWT', crit: ['x'] }, { exp: now + 60 }), SECRET), 'invalid');
});
