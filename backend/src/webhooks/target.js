'use strict';
// Webhook targets must be public addresses (SSRF): loopback in any spelling, link-local (cloud metadata at
// 169.254.169.254), RFC 1918, CGNAT, IPv6 ULA, multicast and reserved ranges are refused after DNS
// resolution, at subscribe and again for every delivery, whose connection is pinned to the addresses that
// were checked (no second lookup an attacker's DNS could answer differently). IPv4 embedded in IPv6
// (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) is judged by its IPv4 address.
// EARSHOT_WEBHOOK_ALLOW_PRIVATE=1 lifts this for local development.
const net = require('node:net');
const dns = require('node:dns');

const V4 = [
  ['0.0.0.0', 8, 'an unspecified ("this network") address'],
  ['10.0.0.0', 8, 'a private (RFC 1918) address'],
  ['100.64.0.0', 10, 'a shared (carrier-grade NAT) address'],
  ['127.0.0.0', 8, 'a loopback address'],
  ['169.254.0.0', 16, 'a link-local address'],
  ['172.16.0.0', 12, 'a private (RFC 1918) address'],
  ['192.0.0.0', 24, 'a reserved (IETF protocol) address'],
  ['192.0.2.0', 24, 'a documentation address'],
  ['192.88.99.0', 24, 'a reserved (6to4 relay) address'],
  ['192.168.0.0', 16, 'a private (RFC 1918) address'],
  ['198.18.0.0', 15, 'a reserved (benchmarking) address'],
  ['198.51.100.0', 24, 'a documentation address'],
  ['203.0.113.0', 24, 'a documentation address'],
  ['224.0.0.0', 4, 'a multicast address'],
  ['240.0.0.0', 4, 'a reserved address'],
];
const V6 = [
  ['::', 128, 'an unspecified address'],
  ['::1', 128, 'a loopback address'],
  ['100::', 64, 'a discard-only address'],
  ['2001:db8::', 32, 'a documentation address'],
  ['fc00::', 7, 'a unique local (IPv6 ULA) address'],
  ['fe80::', 10, 'a link-local address'],
  ['fec0::', 10, 'a site-local address'],
  ['ff00::', 8, 'a multicast address'],
];

function v4ToInt(a) { return a.split('.').reduce((n, p) => n * 256 + Number(p), 0); }

/** 8 groups of 16 bits of an IPv6 address (with an optional trailing dotted IPv4). */
function v6Groups(a) {
  let s = a.split('%')[0].toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail) { const n = v4ToInt(tail[1]); s = s.slice(0, -tail[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`; }
  const [head, rest] = s.includes('::') ? s.split('::') : [s, null];
  const h = head ? head.split(':') : [];
  const r = rest === null ? [] : (rest ? rest.split(':') : []);
  const fill = rest === null ? [] : new Array(8 - h.length - r.length).fill('0');
  return [...h, ...fill, ...r].map((g) => parseInt(g, 16));
}

function inV6(groups, base, bits) {
  const b = v6Groups(base);
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((groups[i] & mask) !== (b[i] & mask)) return false;
  }
  return true;
}

/** Why an address may not be a webhook target (a phrase like "a loopback address"), or null if public. */
function forbiddenReason(address) {
  const fam = net.isIP(address);
  if (fam === 4) {
    const n = v4ToInt(address);
    for (const [base, bits, why] of V4) {
      const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      if (((n & mask) >>> 0) === ((v4ToInt(base) & mask) >>> 0)) return why;
    }
    return null;
  }
  if (fam === 6) {
    const g = v6Groups(address);
    const embedded = (hi, lo) => `${hi >>> 8}.${hi & 0xff}.${lo >>> 8}.${lo & 0xff}`;
    if (inV6(g, '::ffff:0:0', 96) || inV6(g, '64:ff9b::', 96) || inV6(g, '::', 96)) {
      if (inV6(g, '::', 127)) return g[7] === 1 ? 'a loopback address' : 'an unspecified address';
      return forbiddenReason(embedded(g[6], g[7]));
    }
    if (inV6(g, '2002::', 16)) return forbiddenReason(embedded(g[1], g[2]));
    for (const [base, bits, why] of V6) if (inV6(g, base, bits)) return why;
    return null;
  }
  return 'not an IP address';
}

class TargetError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}

const ALLOW_HINT = 'webhooks go only to public addresses (EARSHOT_WEBHOOK_ALLOW_PRIVATE=1 allows private ones for local development)';

/** The URL's host without IPv6 brackets. */
function hostOf(url) { return url.hostname.replace(/^\[|\]$/g, ''); }

/**
 * Resolves the host of `url` (a URL) and checks every address. Returns [{address, family}] or throws
 * TargetError 'target_forbidden' / 'target_unresolved'. lookup is injectable for tests.
 */
async function resolveTarget(url, { allowPrivate = false, lookup = dns.promises.lookup } = {}) {
  const host = hostOf(url);
  let addrs;
  if (net.isIP(host)) addrs = [{ address: host, family: net.isIP(host) }];
  else {
    try { addrs = await lookup(host, { all: true, verbatim: true }); } catch (e) {
      throw new TargetError('target_unresolved', `The host "${host}" could not be resolved (${e.code || e.message}).`);
    }
    if (!addrs.length) throw new TargetError('target_unresolved', `The host "${host}" has no address.`);
  }
  if (!allowPrivate) {
    for (const a of addrs) {
      const why = forbiddenReason(a.address);
      if (why) {
        const named = a.address === host ? host : `${host} (${a.address})`;
        throw new TargetError('target_forbidden', `${named} is ${why}; ${ALLOW_HINT}.`);
      }
    }
  }
  return addrs;
}

/** A net/http `lookup` that answers only with the already-checked addresses (pins the connection). */
function pinnedLookup(addrs) {
  return (hostname, options, cb) => {
    if (typeof options === 'function') { cb = options; options = {}; }
    const fam = typeof options === 'number' ? options : options.family;
    const list = fam === 4 || fam === 6 ? addrs.filter((a) => a.family === fam) : addrs;
    if (!list.length) { const e = new Error(`no checked address of family ${fam}`); e.code = 'ENOTFOUND'; return cb(e); }
    if (options.all) return cb(null, list.map((a) => ({ address: a.address, family: a.family })));
    return cb(null, list[0].address, list[0].family);
  };
}

module.exports = { forbiddenReason, resolveTarget, pinnedLookup, TargetError };
