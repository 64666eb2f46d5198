'use strict';
// A real TURN allocation against coturn, to tell a working coturn from a hung or broken one: Allocate
// (UDP) → 401 with realm + nonce → Allocate again with TURN REST long-term credentials and
// MESSAGE-INTEGRITY → success with a relayed address → Refresh with lifetime 0 to release it at once.
// RFC 5389 (STUN) / RFC 5766 (TURN), the few attributes needed, nothing else.
const crypto = require('node:crypto');
const dgram = require('node:dgram');
const { issueTurnCredentials } = require('./turn');

const MAGIC = 0x2112a442;
const ALLOCATE = 0x0003;
const REFRESH = 0x0004;
const SUCCESS = 0x0100;
const ERROR = 0x0110;
const ATTR = { USERNAME: 0x0006, MESSAGE_INTEGRITY: 0x0008, ERROR_CODE: 0x0009, LIFETIME: 0x000d, REALM: 0x0014, NONCE: 0x0015, XOR_RELAYED_ADDRESS: 0x0016, REQUESTED_TRANSPORT: 0x0019 };

function attr(type, value) {
  const pad = (4 - (value.length % 4)) % 4;
  const out = Buffer.alloc(4 + value.length + pad);
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(value.length, 2);
  value.copy(out, 4);
  return out;
}

/** A STUN message; with key, MESSAGE-INTEGRITY (HMAC-SHA1 over everything before it) is appended. */
function message(type, txid, attrs, key) {
  let body = Buffer.concat(attrs);
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt32BE(MAGIC, 4);
  txid.copy(header, 8);
  if (key) {
    header.writeUInt16BE(body.length + 24, 2); // the length counts MESSAGE-INTEGRITY itself
    const mac = crypto.createHmac('sha1', key).update(Buffer.concat([header, body])).digest();
    body = Buffer.concat([body, attr(ATTR.MESSAGE_INTEGRITY, mac)]);
  }
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, body]);
}

function parse(buf) {
  if (buf.length < 20 || buf.readUInt32BE(4) !== MAGIC) return null;
  const type = buf.readUInt16BE(0);
  const len = buf.readUInt16BE(2);
  const attrs = new Map();
  for (let o = 20; o + 4 <= 20 + len && o + 4 <= buf.length;) {
    const t = buf.readUInt16BE(o); const l = buf.readUInt16BE(o + 2);
    if (!attrs.has(t)) attrs.set(t, buf.subarray(o + 4, o + 4 + l));
    o += 4 + l + ((4 - (l % 4)) % 4);
  }
  return { type, txid: buf.subarray(8, 20), attrs };
}

function errorCode(m) {
  const v = m.attrs.get(ATTR.ERROR_CODE);
  if (!v || v.length < 4) return null;
  return { code: (v[2] & 7) * 100 + v[3], reason: v.subarray(4).toString('utf8') };
}

/**
 * Allocates (and releases) one relay on coturn at host:port. Resolves { ok: true, ms } or
 * { ok: false, error } — never rejects. opts: { secret, realm, timeoutMs }.
 */
function probeTurn({ host = '127.0.0.1', port, secret, realm = 'earshot.local', timeoutMs = 1500 }) {
  const started = Date.now();
  const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const pending = new Map(); // txid hex -> done(message)
  sock.on('message', (buf) => {
    const m = parse(buf);
    if (!m) return;
    const done = pending.get(m.txid.toString('hex'));
    if (done) done(m);
  });
  sock.on('error', () => { /* surfaces as a timeout */ });
  const request = (type, attrs, key) => new Promise((resolve) => {
    const txid = crypto.randomBytes(12);
    const id = txid.toString('hex');
    const msg = message(type, txid, attrs, key);
    const send = () => sock.send(msg, port, host, () => {});
    const again = setInterval(send, 250); // UDP: send again if a datagram was lost
    const done = (m) => { clearInterval(again); clearTimeout(timer); pending.delete(id); resolve(m); };
    const timer = setTimeout(() => done(null), timeoutMs);
    pending.set(id, done);
    send();
  });
  const transport = attr(ATTR.REQUESTED_TRANSPORT, Buffer.from([17, 0, 0, 0]));
  return (async () => {
    try {
      const first = await request(ALLOCATE, [transport]);
      if (!first) return { ok: false, error: `no answer from ${host}:${port} within ${timeoutMs} ms` };
      const e1 = errorCode(first);
      if (first.type !== (ALLOCATE | ERROR) || !e1 || e1.code !== 401) return { ok: false, error: `unexpected answer to an unauthenticated Allocate (${e1 ? e1.code : first.type})` };
      const nonce = first.attrs.get(ATTR.NONCE);
      const realmAttr = first.attrs.get(ATTR.REALM);
      if (!nonce || !realmAttr) return { ok: false, error: 'no realm/nonce in the 401' };
      const c = issueTurnCredentials(secret, 'earshot-health', 60);
      const key = crypto.createHash('md5').update(`${c.username}:${realmAttr.toString('utf8') || realm}:${c.credential}`).digest();
      const auth = [attr(ATTR.USERNAME, Buffer.from(c.username)), attr(ATTR.REALM, realmAttr), attr(ATTR.NONCE, nonce)];
      const second = await request(ALLOCATE, [transport, ...auth], key);
      if (!second) return { ok: false, error: 'no answer to the authenticated Allocate' };
      if (second.type !== (ALLOCATE | SUCCESS)) {
        const e2 = errorCode(second);
        return { ok: false, error: `allocation refused (${e2 ? `${e2.code} ${e2.reason}` : second.type})` };
      }
      if (!second.attrs.get(ATTR.XOR_RELAYED_ADDRESS)) return { ok: false, error: 'allocation without a relayed address' };
      // release it (lifetime 0) so probes never use up the quota
      await request(REFRESH, [attr(ATTR.LIFETIME, Buffer.from([0, 0, 0, 0])), ...auth], key);
      return { ok: true, ms: Date.now() - started };
    } finally {
      try { sock.close(); } catch { /* closed */ }
    }
  })();
}

module.exports = { probeTurn };
