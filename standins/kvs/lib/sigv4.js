// AWS Signature Version 4 verification as the KVS signaling service and its control plane apply it:
// query-presigned WSS URLs (the recipe of the KVS JS SDK's SigV4RequestSigner and src/core/sigv4.cpp)
// and header-signed HTTPS POSTs. Pure functions; credential lookup and the clock are passed in.
'use strict';
const crypto = require('node:crypto');

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_EXPIRES_S = 7 * 24 * 3600; // SigV4 presigned URLs live at most seven days
const FUTURE_TOLERANCE_S = 5 * 60;   // AWS refuses requests dated more than 5 minutes ahead

const sha256Hex = (data) => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data, 'utf8').digest();

// RFC 3986: everything but unreserved characters is percent-encoded (AWS canonical form).
function uriEncode(s, keepSlash = false) {
  return Array.from(Buffer.from(String(s), 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) return c;
      return '%' + b.toString(16).toUpperCase().padStart(2, '0');
    })
    .join('');
}

function signingKey(secret, date, region, service) {
  return hmac(hmac(hmac(hmac('AWS4' + secret, date), region), service), 'aws4_request');
}

// [[name, value], ...] (decoded) -> canonical query string.
function canonicalQuery(pairs) {
  return pairs
    .map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

// Raw query string -> decoded pairs; null when a component is not valid percent-encoding.
function parseQuery(raw) {
  if (!raw) return [];
  const out = [];
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    try {
      out.push([decodeURIComponent(k), decodeURIComponent(v)]);
    } catch {
      return null;
    }
  }
  return out;
}

function stringToSign(datetime, scope, canonicalRequest) {
  return [ALGORITHM, datetime, scope, sha256Hex(canonicalRequest)].join('\n');
}

function safeEqualHex(a, b) {
  const x = Buffer.from(String(a), 'utf8');
  const y = Buffer.from(String(b), 'utf8');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

// "20150830T123600Z" -> ms since epoch, or NaN.
function parseAmzDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s || '');
  if (!m) return NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

function fail(status, check, code, message) {
  return { ok: false, status, check, code, message };
}

// Checks the scope "<AKID>/<yyyymmdd>/<region>/<service>/aws4_request" against the request date.
function checkScope(credential, datetime, region, service) {
  const parts = String(credential || '').split('/');
  if (parts.length !== 5 || !parts[0]) {
    return fail(403, 'credential', 'IncompleteSignature',
      `The credential "${credential}" is not of the form <access key>/<yyyymmdd>/<region>/<service>/aws4_request.`);
  }
  const [akid, date, reg, svc, term] = parts;
  if (term !== 'aws4_request') return fail(403, 'credential', 'IncompleteSignature', `The credential scope must end with aws4_request, not "${term}".`);
  if (date !== String(datetime).slice(0, 8)) {
    return fail(403, 'credential', 'SignatureDoesNotMatch', `The credential scope date ${date} does not match the request date ${datetime}.`);
  }
  if (reg !== region) return fail(403, 'region', 'SignatureDoesNotMatch', `The credential scope names region "${reg}"; this endpoint is in "${region}".`);
  if (svc !== service) return fail(403, 'service', 'SignatureDoesNotMatch', `The credential scope names service "${svc}"; this endpoint is "${service}".`);
  return { ok: true, akid, date, scope: parts.slice(1).join('/') };
}

// Looks the key up and checks the session token and the key's own expiry.
function checkKey(akid, token, lookup, nowMs) {
  const cred = lookup(akid);
  if (!cred) {
    return fail(403, 'access-key', 'UnrecognizedClientException',
      `The access key id ${akid} was not issued by this stand-in (unknown access key).`);
  }
  if ((cred.sessionToken || '') !== (token || '')) {
    return fail(403, 'session-token', 'UnrecognizedClientException', cred.sessionToken
      ? (token ? `The session token does not match the one issued with access key ${akid} (session token mismatch).`
        : `Access key ${akid} is temporary: X-Amz-Security-Token is required (session token missing).`)
      : `Access key ${akid} is long-term and takes no session token (unexpected session token).`);
  }
  if (cred.expiration && nowMs >= cred.expiration) {
    return fail(403, 'credentials-expired', 'ExpiredTokenException',
      `The temporary credentials ${akid} expired at ${new Date(cred.expiration).toISOString()}.`);
  }
  return { ok: true, cred };
}

/**
 * Verifies a query-presigned GET (the KVS signaling WSS URL).
 * @param {object} a {path, rawQuery, host, region, service, nowMs, lookup(akid) -> {secretAccessKey, sessionToken?, expiration?}}
 * @returns {{ok:true, params:Map, cred, expiresAt}|{ok:false,status,check,code,message}}
 */
function verifyPresigned({ path, rawQuery, host, region, service, nowMs, lookup }) {
  const pairs = parseQuery(rawQuery);
  if (!pairs) return fail(400, 'query', 'InvalidArgumentException', 'The query string is not valid percent-encoding.');
  const params = new Map();
  for (const [k, v] of pairs) {
    if (params.has(k)) return fail(400, 'query', 'InvalidArgumentException', `The query parameter ${k} appears more than once.`);
    params.set(k, v);
  }
  for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature']) {
    if (!params.get(name)) return fail(403, 'missing-auth', 'MissingAuthenticationTokenException', `The presigned URL lacks ${name}.`);
  }
  if (params.get('X-Amz-Algorithm') !== ALGORITHM) {
    return fail(403, 'algorithm', 'IncompleteSignature', `X-Amz-Algorithm must be ${ALGORITHM}, not "${params.get('X-Amz-Algorithm')}".`);
  }
  const datetime = params.get('X-Amz-Date');
  const signedAt = parseAmzDate(datetime);
  if (Number.isNaN(signedAt)) return fail(403, 'date', 'IncompleteSignature', `X-Amz-Date "${datetime}" is not of the form yyyymmddThhmmssZ.`);
  const expiresRaw = params.get('X-Amz-Expires');
  if (!/^\d{1,7}$/.test(expiresRaw) || +expiresRaw < 1 || +expiresRaw > MAX_EXPIRES_S) {
    return fail(403, 'expires', 'AuthorizationQueryParametersError', `X-Amz-Expires must be 1..${MAX_EXPIRES_S} seconds, not "${expiresRaw}".`);
  }
  const signedHeaders = params.get('X-Amz-SignedHeaders');
  if (!signedHeaders.split(';').includes('host')) {
    return fail(403, 'signed-headers', 'IncompleteSignature', 'X-Amz-SignedHeaders must include host.');
  }
  if (signedHeaders !== 'host') {
    return fail(403, 'signed-headers', 'IncompleteSignature', `This stand-in verifies URLs that sign only the host header; got "${signedHeaders}".`);
  }
  const scope = checkScope(params.get('X-Amz-Credential'), datetime, region, service);
  if (!scope.ok) return scope;
  if (signedAt - nowMs > FUTURE_TOLERANCE_S * 1000) {
    return fail(403, 'not-yet-valid', 'SignatureDoesNotMatch',
      `The URL is dated ${datetime}, more than 5 minutes after this service's clock (${new Date(nowMs).toISOString()}).`);
  }
  const expiresAt = signedAt + +expiresRaw * 1000;
  if (nowMs > expiresAt) {
    return fail(403, 'expired', 'SignatureExpired',
      `The presigned URL expired at ${new Date(expiresAt).toISOString()} (signed ${datetime}, X-Amz-Expires=${expiresRaw}); it is now ${new Date(nowMs).toISOString()}.`);
  }
  const key = checkKey(scope.akid, params.get('X-Amz-Security-Token'), lookup, nowMs);
  if (!key.ok) return key;
  const unsigned = pairs.filter(([k]) => k !== 'X-Amz-Signature');
  const canonicalRequest = ['GET', path || '/', canonicalQuery(unsigned), `host:${host}\n`, 'host', sha256Hex('')].join('\n');
  const expected = hmac(signingKey(key.cred.secretAccessKey, scope.date, region, service),
    stringToSign(datetime, scope.scope, canonicalRequest)).toString('hex');
  if (!safeEqualHex(expected, params.get('X-Amz-Signature'))) {
    return fail(403, 'signature', 'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided (X-Amz-Signature); check the secret key, the host and the signed query parameters.');
  }
  return { ok: true, params, cred: key.cred, akid: scope.akid, expiresAt };
}

// Canonical headers per SigV4: lower-cased names, trimmed values with runs of spaces collapsed.
function canonicalHeaderValue(v) {
  return (Array.isArray(v) ? v.join(',') : String(v)).trim().replace(/\s+/g, ' ');
}

/**
 * Verifies a header-signed request (Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...).
 * @param {object} a {method, path, rawQuery, headers (node lower-case), body (Buffer), region, service, nowMs, lookup}
 */
function verifyHeaders({ method, path, rawQuery, headers, body, region, service, nowMs, lookup }) {
  const auth = headers.authorization;
  if (!auth) return fail(403, 'missing-auth', 'MissingAuthenticationTokenException', 'The request carries no Authorization header (SigV4 required).');
  const m = /^AWS4-HMAC-SHA256\s+(.*)$/.exec(auth);
  if (!m) return fail(403, 'algorithm', 'IncompleteSignatureException', 'The Authorization header must start with AWS4-HMAC-SHA256.');
  const fields = {};
  for (const part of m[1].split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  for (const f of ['Credential', 'SignedHeaders', 'Signature']) {
    if (!fields[f]) return fail(403, 'missing-auth', 'IncompleteSignatureException', `The Authorization header lacks ${f}=.`);
  }
  const datetime = headers['x-amz-date'];
  const signedAt = parseAmzDate(datetime);
  if (Number.isNaN(signedAt)) return fail(403, 'date', 'IncompleteSignatureException', 'The request needs an X-Amz-Date header of the form yyyymmddThhmmssZ.');
  if (Math.abs(nowMs - signedAt) > FUTURE_TOLERANCE_S * 1000) {
    return fail(403, 'expired', 'InvalidSignatureException',
      `Signature expired: X-Amz-Date ${datetime} is more than 5 minutes from this service's clock (${new Date(nowMs).toISOString()}).`);
  }
  const scope = checkScope(fields.Credential, datetime, region, service);
  if (!scope.ok) return scope;
  const signed = fields.SignedHeaders.split(';');
  if (!signed.includes('host')) return fail(403, 'signed-headers', 'InvalidSignatureException', 'SignedHeaders must include host.');
  for (const h of signed) {
    if (headers[h] === undefined) return fail(403, 'signed-headers', 'InvalidSignatureException', `Signed header "${h}" is not in the request.`);
  }
  const key = checkKey(scope.akid, headers['x-amz-security-token'], lookup, nowMs);
  if (!key.ok) return key;
  const pairs = parseQuery(rawQuery) || [];
  const canonicalRequest = [
    method,
    uriEncode(path || '/', true),
    canonicalQuery(pairs),
    signed.map((h) => `${h}:${canonicalHeaderValue(headers[h])}\n`).join(''),
    fields.SignedHeaders,
    sha256Hex(body || Buffer.alloc(0)),
  ].join('\n');
  const expected = hmac(signingKey(key.cred.secretAccessKey, scope.date, region, service),
    stringToSign(datetime, scope.scope, canonicalRequest)).toString('hex');
  if (!safeEqualHex(expected, fields.Signature)) {
    return fail(403, 'signature', 'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided; check the secret key, the signed headers and the body.');
  }
  return { ok: true, cred: key.cred, akid: scope.akid };
}

/**
 * Signs a request with SigV4 headers (used by tests and by anyone scripting the control plane).
 * @returns headers to add: {host, 'x-amz-date', authorization, 'x-amz-security-token'?}
 */
function signRequest({ method, url, headers = {}, body = '', region, service, credentials, date = new Date() }) {
  const u = new URL(url);
  const datetime = date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[:-]/g, '');
  const all = { ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])), host: u.host, 'x-amz-date': datetime };
  if (credentials.sessionToken) all['x-amz-security-token'] = credentials.sessionToken;
  const names = Object.keys(all).sort();
  const scope = `${datetime.slice(0, 8)}/${region}/${service}/aws4_request`;
  const canonicalRequest = [
    method, uriEncode(u.pathname || '/', true), canonicalQuery(parseQuery(u.search.slice(1)) || []),
    names.map((h) => `${h}:${canonicalHeaderValue(all[h])}\n`).join(''), names.join(';'), sha256Hex(body),
  ].join('\n');
  const sig = hmac(signingKey(credentials.secretAccessKey, datetime.slice(0, 8), region, service),
    stringToSign(datetime, scope, canonicalRequest)).toString('hex');
  all.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${sig}`;
  return all;
}

module.exports = { uriEncode, signingKey, canonicalQuery, parseQuery, parseAmzDate, verifyPresigned, verifyHeaders, signRequest, sha256Hex };
