#!/usr/bin/env node
// Entry point of the Chime stand-in (seed 000's backend + Amazon Chime signaling and media): parses
// flags (each also CHIME_<UPPER_SNAKE> in the environment), listens, prints one ready line
// `CHIME_STANDIN_READY {"api":…,"pages":…}`, and exits 0 on SIGTERM/SIGINT. See README.md.
'use strict';
const http = require('node:http');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { State } = require('./lib/state');
const { Signaling } = require('./lib/signaling');
const { makeApiHandler, makeStaticHandler } = require('./lib/http');

const FLAGS = {
  host: { def: '127.0.0.1' },
  port: { def: '0', int: [0, 65535] },
  'admin-key': { def: null },
  'jwt-secret': { def: null },
  'invite-ttl-s': { def: '600', int: [1, 10 * 365 * 86400] },
  'room-ttl-s': { def: '86400', int: [1, 10 * 365 * 86400] },
  'join-shape': { def: 'flat', oneOf: ['flat', 'joininfo'] },
  'page-origin': { def: null, repeat: true },
  'pages-dir': { def: null },
  'pages-port': { def: '0', int: [0, 65535] },
  region: { def: 'us-east-1' },
};

function usage(msg) {
  process.stderr.write(`chime stand-in: ${msg}\nflags: ${Object.keys(FLAGS).map((f) => `--${f}`).join(' ')} (or env CHIME_<UPPER_SNAKE>); see standins/chime/README.md\n`);
  process.exit(2);
}

function parseConfig(argv, env) {
  const raw = {};
  for (const [name, f] of Object.entries(FLAGS)) {
    const e = env[`CHIME_${name.toUpperCase().replace(/-/g, '_')}`];
    raw[name] = f.repeat ? (e ? [e] : []) : (e !== undefined && e !== '' ? e : f.def);
  }
  const fromArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m || !FLAGS[m[1]]) usage(`unknown argument ${JSON.stringify(a)}`);
    const v = m[2] !== undefined ? m[2] : argv[++i];
    if (v === undefined) usage(`--${m[1]} needs a value`);
    if (FLAGS[m[1]].repeat) (fromArgs[m[1]] = fromArgs[m[1]] || []).push(v);
    else fromArgs[m[1]] = v;
  }
  Object.assign(raw, fromArgs);
  const cfg = {};
  for (const [name, f] of Object.entries(FLAGS)) {
    let v = raw[name];
    if (f.int && v !== null) {
      if (!/^\d+$/.test(String(v)) || Number(v) < f.int[0] || Number(v) > f.int[1]) usage(`--${name} must be an integer in ${f.int[0]}..${f.int[1]}, got ${JSON.stringify(v)}`);
      v = Number(v);
    }
    if (f.oneOf && !f.oneOf.includes(v)) usage(`--${name} must be one of ${f.oneOf.join('|')}, got ${JSON.stringify(v)}`);
    cfg[name.replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = v;
  }
  cfg.pageOrigin = cfg.pageOrigin.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean).map((o) => {
    let u;
    try { u = new URL(o); } catch { usage(`--page-origin ${JSON.stringify(o)} is not a URL origin`); }
    if (!/^https?:$/.test(u.protocol) || u.origin !== o.replace(/\/$/, '')) usage(`--page-origin ${JSON.stringify(o)} must be an origin like https://host[:port] (no path)`);
    return u.origin;
  });
  if (!cfg.adminKey) usage('--admin-key (or CHIME_ADMIN_KEY) is required');
  if (cfg.adminKey.length < 8) usage('--admin-key must be at least 8 characters');
  if (!cfg.jwtSecret) cfg.jwtSecret = crypto.randomBytes(32).toString('hex');
  if (cfg.jwtSecret.length < 16) usage('--jwt-secret must be at least 16 characters');
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(cfg.region)) usage(`--region ${JSON.stringify(cfg.region)} does not look like an AWS region`);
  if (cfg.pagesDir && !(fs.existsSync(cfg.pagesDir) && fs.statSync(cfg.pagesDir).isDirectory())) usage(`--pages-dir ${JSON.stringify(cfg.pagesDir)} is not a directory`);
  return cfg;
}

const listen = (server, port, host) => new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, host, () => { server.off('error', reject); resolve(server.address().port); });
});

async function main() {
  const cfg = parseConfig(process.argv.slice(2), process.env);
  const hostPart = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  const origins = [...cfg.pageOrigin];
  let pagesServer = null;
  let pages = null;
  if (cfg.pagesDir) {
    pagesServer = http.createServer(makeStaticHandler(cfg.pagesDir));
    const pp = await listen(pagesServer, cfg.pagesPort, cfg.host);
    pages = `http://${hostPart}:${pp}`;
    origins.push(pages);
  }
  const apiServer = http.createServer();
  const port = await listen(apiServer, cfg.port, cfg.host);
  const api = `http://${hostPart}:${port}`;
  const state = new State({
    api, region: cfg.region, jwtSecret: cfg.jwtSecret, inviteTtlS: cfg.inviteTtlS, roomTtlS: cfg.roomTtlS,
    linkOrigin: pages || origins[0] || api,
  });
  const signaling = new Signaling(state, { host: cfg.host });
  apiServer.on('request', makeApiHandler(state, { origins, adminKey: cfg.adminKey, joinShape: cfg.joinShape }));
  apiServer.on('upgrade', (req, socket, head) => {
    state.log({ kind: 'http', method: req.method, path: req.url, headers: { ...req.headers } });
    if (!signaling.upgrade(req, socket, head)) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });
  const sweeper = setInterval(() => state.sweep(), 1000);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(sweeper);
    await signaling.shutdown();
    apiServer.closeAllConnections();
    if (pagesServer) pagesServer.closeAllConnections();
    await Promise.all([new Promise((r) => apiServer.close(r)), pagesServer && new Promise((r) => pagesServer.close(r))]);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`CHIME_STANDIN_READY ${JSON.stringify({ api, pages })}\n`);
}

main().catch((e) => { process.stderr.write(`chime stand-in failed to start: ${e.stack || e}\n`); process.exit(1); });
