#!/usr/bin/env node
// Command line of the IVS stand-in (see README.md): `node server.js [flags]` runs it and prints
// IVS_STANDIN_READY {...}; `node server.js rotate-key --key-dir <dir>` replaces the token key pair.
'use strict';
const path = require('node:path');
const os = require('node:os');
const { createStandin } = require('./lib/app');
const { generateKeyPair } = require('./lib/keys');

// flag -> [kind, default]; every flag is also read from IVS_<UPPER_SNAKE> (the flag wins).
const FLAGS = {
  host: ['string', '127.0.0.1'],
  port: ['int', 0],
  'key-dir': ['string', path.join(os.tmpdir(), 'earshot-ivs-keys')],
  'room-lifetime-s': ['number', 3600],
  'token-ttl-s': ['number', 3600],
  'page-origin': ['list', []],
  'pages-dir': ['string', null],
  'pages-port': ['int', 0],
  region: ['string', 'us-east-1'],
};

function fail(message) {
  process.stderr.write(`ivs stand-in: ${message}\n`);
  process.exit(2);
}

function parse(argv) {
  const raw = {};
  for (const [name] of Object.entries(FLAGS)) {
    const env = process.env[`IVS_${name.toUpperCase().replace(/-/g, '_')}`];
    if (env !== undefined && env !== '') raw[name] = [env];
  }
  const fromArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m || !FLAGS[m[1]]) fail(`unknown argument ${JSON.stringify(argv[i])}; flags: ${Object.keys(FLAGS).map((f) => `--${f}`).join(' ')}`);
    let value = m[2];
    if (value === undefined) {
      if (i + 1 >= argv.length) fail(`--${m[1]} needs a value`);
      value = argv[++i];
    }
    (fromArgs[m[1]] = fromArgs[m[1]] || []).push(value);
  }
  Object.assign(raw, fromArgs);
  const out = {};
  for (const [name, [kind, def]] of Object.entries(FLAGS)) {
    const values = raw[name];
    if (!values) { out[name] = def; continue; }
    const last = values[values.length - 1];
    if (kind === 'list') out[name] = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    else if (kind === 'string') out[name] = last;
    else {
      const n = Number(last);
      const ok = kind === 'int' ? Number.isInteger(n) && n >= 0 && n <= 65535 : Number.isFinite(n) && n > 0;
      if (!ok) fail(`--${name} must be ${kind === 'int' ? 'a port number 0..65535' : 'a positive number of seconds'}; got ${JSON.stringify(last)}`);
      if (kind === 'number' && n > 2000000) fail(`--${name} must be at most 2000000 seconds (23 days; Node timers stop at 24.8 days); got ${last}`);
      out[name] = n;
    }
  }
  for (const origin of out['page-origin']) {
    if (origin !== '*' && !/^https?:\/\/[^/]+$/.test(origin)) fail(`--page-origin must be an origin like http://10.77.0.1:8080 (or *); got ${JSON.stringify(origin)}`);
  }
  return out;
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv[0] === 'rotate-key') {
    const f = parse(argv.slice(1));
    const kid = generateKeyPair(f['key-dir'], f.region);
    process.stdout.write(`IVS_KEY_ROTATED ${JSON.stringify({ keyDir: f['key-dir'], kid })}\n`);
    return;
  }
  const f = parse(argv);
  const standin = createStandin({
    host: f.host, port: f.port, keyDir: f['key-dir'], roomLifetimeS: f['room-lifetime-s'], tokenTtlS: f['token-ttl-s'],
    pageOrigins: f['page-origin'], pagesDir: f['pages-dir'], pagesPort: f['pages-port'], region: f.region,
  });
  const ready = await standin.start().catch((e) => fail(`cannot listen on ${f.host}: ${e.message}`));
  process.stdout.write(`IVS_STANDIN_READY ${JSON.stringify(ready)}\n`);
  const stop = () => { standin.close().then(() => process.exit(0), () => process.exit(0)); setTimeout(() => process.exit(0), 3000).unref(); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
