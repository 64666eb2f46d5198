// The participant-token key pair of the stand-in (seed 002's backend key, "imported into IVS"), kept in a
// folder so that `server.js rotate-key` can replace it while a server runs, and ES384 JWT sign/verify.
// Files: private.pem, public.pem, kid (written last, atomically: a server re-reads the pair when it changes).
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ALPHANUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
function randomId(n = 12) {
  const bytes = crypto.randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHANUM[bytes[i] % ALPHANUM.length];
  return s;
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');

function writeAtomic(file, text, mode = 0o600) {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, text, { mode });
  fs.renameSync(tmp, file);
}

// Writes a new P-384 pair and a new kid (an IVS public-key ARN, as the seed uses the ARN as kid).
function generateKeyPair(dir, region = 'us-east-1') {
  fs.mkdirSync(dir, { recursive: true });
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const kid = `arn:aws:ivs:${region}:000000000000:public-key/${randomId(12)}`;
  writeAtomic(path.join(dir, 'private.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeAtomic(path.join(dir, 'public.pem'), publicKey.export({ type: 'spki', format: 'pem' }), 0o644);
  writeAtomic(path.join(dir, 'kid'), `${kid}\n`, 0o644);
  return kid;
}

// The current key of `dir`, re-read whenever the kid file's content changes (so a rotation takes effect
// at the next token signed or checked, without a restart).
class KeyStore {
  constructor(dir, region) {
    this.dir = dir;
    this.region = region;
    this.cached = null;
    if (!fs.existsSync(path.join(dir, 'kid'))) generateKeyPair(dir, region);
    this.current();
  }

  current() {
    const kid = fs.readFileSync(path.join(this.dir, 'kid'), 'utf8').trim();
    if (!this.cached || this.cached.kid !== kid) {
      this.cached = {
        kid,
        privateKey: crypto.createPrivateKey(fs.readFileSync(path.join(this.dir, 'private.pem'))),
        publicKey: crypto.createPublicKey(fs.readFileSync(path.join(this.dir, 'public.pem'))),
      };
    }
    return this.cached;
  }

  sign(claims) {
    const { kid, privateKey } = this.current();
    const head = b64url(JSON.stringify({ alg: 'ES384', typ: 'JWT', kid }));
    const body = b64url(JSON.stringify(claims));
    const sig = crypto.sign('sha384', Buffer.from(`${head}.${body}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return `${head}.${body}.${b64url(sig)}`;
  }

  // Checks a participant token as IVS does at join. Never throws: {ok:true, claims, header} or
  // {ok:false, code, message} with the codes of the SDK's JOIN_ERROR enum (TOKEN_MISSING, TOKEN_INVALID,
  // TOKEN_INVALID_SIGNATURE, TOKEN_EXPIRED).
  verify(token, now = Date.now()) {
    const bad = (code, message) => ({ ok: false, code, message });
    if (!token) return bad('TOKEN_MISSING', 'no participant token was presented');
    if (typeof token !== 'string') return bad('TOKEN_INVALID', 'the token is not a string');
    const parts = token.split('.');
    if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) {
      return bad('TOKEN_INVALID', 'the token is not three base64url parts (a JWS compact serialization)');
    }
    let header, claims;
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch {
      return bad('TOKEN_INVALID', 'the token header or claims are not JSON');
    }
    if (!header || typeof header !== 'object' || !claims || typeof claims !== 'object') return bad('TOKEN_INVALID', 'the token header or claims are not JSON objects');
    if (header.alg !== 'ES384') return bad('TOKEN_INVALID', `the token's alg is ${JSON.stringify(header.alg)}; only ES384 is accepted`);
    const { kid, publicKey } = this.current();
    if (header.kid !== kid) return bad('TOKEN_INVALID_SIGNATURE', `the token's kid ${JSON.stringify(header.kid)} names no public key imported into this stand-in (current kid ${kid})`);
    const sig = Buffer.from(parts[2], 'base64url');
    if (sig.length !== 96) return bad('TOKEN_INVALID_SIGNATURE', `an ES384 signature is 96 bytes; this one is ${sig.length}`);
    const good = crypto.verify('sha384', Buffer.from(`${parts[0]}.${parts[1]}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig);
    if (!good) return bad('TOKEN_INVALID_SIGNATURE', 'the token signature does not verify with the public key');
    if (typeof claims.exp !== 'number') return bad('TOKEN_INVALID', 'the token has no numeric exp claim');
    if (claims.exp * 1000 <= now) return bad('TOKEN_EXPIRED', `the token expired at ${new Date(claims.exp * 1000).toISOString()}`);
    for (const k of ['topic', 'resource', 'jti']) {
      if (typeof claims[k] !== 'string' || !claims[k]) return bad('TOKEN_INVALID', `the token has no ${k} claim`);
    }
    if (!claims.capabilities || typeof claims.capabilities !== 'object') return bad('TOKEN_INVALID', 'the token has no capabilities claim');
    return { ok: true, header, claims };
  }
}

module.exports = { KeyStore, generateKeyPair, randomId };
