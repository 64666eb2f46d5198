#!/usr/bin/env node
// Entry point of the KVS stand-in: seed 003's chat WebSocket + seed 001's voice routes (HTTP/WS on --chat-port),
// the STS stand-in, and the Kinesis Video control plane + signaling (HTTPS/WSS on --kvs-port). See README.md.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const { parseConfig, USAGE } = require('./lib/config');
const { openStore } = require('./lib/store');
const { createLog } = require('./lib/log');
const { createSts } = require('./lib/sts');
const { createKvs } = require('./lib/kvs');
const { createChat } = require('./lib/chat');

function die(message) {
  process.stderr.write(`kvs stand-in: ${message}\n`);
  process.exit(2);
}

let cfg;
try {
  cfg = parseConfig(process.argv.slice(2));
} catch (err) {
  die(`${err.message}\n${USAGE}`);
}
if (cfg.help) { process.stdout.write(USAGE + '\n'); process.exit(0); }

const tls = {};
for (const [k, f] of [['ca', 'ca.pem'], ['cert', 'server.pem'], ['key', 'server.key']]) {
  const p = path.join(cfg.tlsDir, f);
  try { tls[k] = fs.readFileSync(p); } catch { die(`cannot read ${p}; make the test certificate with: EARSHOT_CACHE=<cache> bash standins/kvs/setup.sh (or pass --tls-dir)`); }
}

const now = () => Date.now() + cfg.clockSkewS * 1000;
let tmpDb = null;
if (!cfg.db) {
  tmpDb = fs.mkdtempSync(path.join(os.tmpdir(), 'kvs-standin-'));
  cfg.db = path.join(tmpDb, 'kvs.sqlite');
}
const store = openStore(cfg.db);
const log = createLog({ now, echo: process.env.KVS_LOG_ECHO === '1' });
const sts = createSts({ store, now, ttlS: cfg.credentialTtlS, log,
  service: { accessKeyId: cfg.serviceAccessKeyId, secretAccessKey: cfg.serviceSecretAccessKey } });
const kvs = createKvs({ cfg, store, sts, log, now, publicHost: () => cfg.host });
const chat = createChat({ cfg, store, sts, kvs, log, now });

const chatServer = http.createServer();
// --pages-dir: the kvs pages (dist/web-kvs) on an origin of their own, the CloudFront stand-in; their
// config.json is served with `apiBase` naming this chat endpoint.
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.wasm': 'application/wasm' };
let chatBase = '';
const pagesServer = cfg.pagesDir && http.createServer((req, res) => {
  const root = path.resolve(cfg.pagesDir);
  let rel;
  try { rel = decodeURIComponent(new URL(req.url, 'http://x').pathname); } catch { res.writeHead(400); return res.end('bad path'); }
  if (rel.endsWith('/')) rel += 'index.html';
  const file = path.resolve(root, `.${rel}`);
  if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) { res.writeHead(404); return res.end('not found'); }
  const headers = { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-store' };
  if (rel === '/config.json') {
    let config = {};
    try { config = JSON.parse(fs.readFileSync(file, 'utf8')); } catch { /* served as the chat endpoint alone */ }
    res.writeHead(200, headers);
    return res.end(JSON.stringify({ ...config, apiBase: chatBase }));
  }
  res.writeHead(200, headers);
  fs.createReadStream(file).pipe(res);
});
const kvsServer = https.createServer({ cert: tls.cert, key: tls.key });
chat.attach(chatServer);
kvs.attach(kvsServer);

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, cfg.host, () => resolve(server.address().port));
  });
}

(async () => {
  let chatPort;
  let kvsPort;
  let pagesPort;
  try {
    chatPort = await listen(chatServer, cfg.chatPort);
    kvsPort = await listen(kvsServer, cfg.kvsPort);
    chatBase = `ws://${cfg.host}:${chatPort}`;
    if (pagesServer) pagesPort = await listen(pagesServer, cfg.pagesPort);
  } catch (err) {
    die(`cannot listen on ${cfg.host}: ${err.message}`);
  }
  log.add('ready', { chatPort, kvsPort, db: cfg.db, clockSkewS: cfg.clockSkewS });
  process.stdout.write('KVS_STANDIN_READY ' + JSON.stringify({
    chat: `ws://${cfg.host}:${chatPort}`, kvs: `https://${cfg.host}:${kvsPort}`, ca: path.join(cfg.tlsDir, 'ca.pem'),
    ...(pagesServer ? { pages: `http://${cfg.host}:${pagesPort}` } : {}),
  }) + '\n');
})();

function shutdown() {
  chat.closeAll();
  kvs.closeAll();
  chatServer.close();
  kvsServer.close();
  if (pagesServer) pagesServer.close();
  store.close();
  if (tmpDb) fs.rmSync(tmpDb, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
