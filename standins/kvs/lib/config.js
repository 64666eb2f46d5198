// Command-line flags (each also readable from env KVS_<UPPER_SNAKE>) for the KVS stand-in, validated up front.
'use strict';
const os = require('node:os');
const path = require('node:path');

const cacheDir = () => process.env.EARSHOT_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'earshot');

// name -> [kind, default]
const FLAGS = {
  host: ['string', '127.0.0.1'],
  'chat-port': ['port', 0],
  'kvs-port': ['port', 0],
  db: ['string', ''],
  'tls-dir': ['string', ''],
  region: ['string', 'us-west-2'],
  'account-id': ['string', '111122223333'],
  'turn-url': ['string', ''],
  'turn-secret': ['string', ''],
  'max-message-bytes': ['int', 131072],
  'max-frame-bytes': ['int', 32768],
  'idle-s': ['number', 600],
  'max-connection-s': ['number', 7200],
  'signaling-idle-s': ['number', 600],
  'signaling-max-s': ['number', 3600],
  'credential-ttl-s': ['number', 3600],
  'turn-ttl-s': ['int', 300],
  'clock-skew-s': ['number', 0],
  'go-away-close-ms': ['int', 1000],
  'service-access-key-id': ['string', 'AKIAEARSHOTLAMBDA001'],
  'service-secret-access-key': ['string', 'earshot-standin-lambda-secret-key'],
  'pages-dir': ['string', ''],
  'pages-port': ['port', 0],
};

const envName = (flag) => 'KVS_' + flag.toUpperCase().replace(/-/g, '_');
const camel = (flag) => flag.replace(/-([a-z])/g, (_, c) => c.toUpperCase());

function coerce(flag, kind, raw) {
  if (kind === 'string') return String(raw);
  const n = Number(raw);
  if (raw === '' || !Number.isFinite(n)) throw new Error(`--${flag} must be a number, got "${raw}"`);
  if (kind === 'port' && !(Number.isInteger(n) && n >= 0 && n <= 65535)) throw new Error(`--${flag} must be a port 0..65535, got "${raw}"`);
  if (kind === 'int' && !(Number.isInteger(n) && n > 0)) throw new Error(`--${flag} must be a positive integer, got "${raw}"`);
  if (kind === 'number' && flag !== 'clock-skew-s' && !(n > 0)) throw new Error(`--${flag} must be a positive number, got "${raw}"`);
  return n;
}

function parseConfig(argv, env = process.env) {
  const raw = {};
  for (const [flag] of Object.entries(FLAGS)) if (env[envName(flag)] !== undefined) raw[flag] = env[envName(flag)];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return { help: true };
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m || !FLAGS[m[1]]) throw new Error(`unknown argument "${a}" (flags: ${Object.keys(FLAGS).map((f) => '--' + f).join(' ')})`);
    let v = m[2];
    if (v === undefined) {
      if (i + 1 >= argv.length) throw new Error(`--${m[1]} needs a value`);
      v = argv[++i];
    }
    raw[m[1]] = v;
  }
  const cfg = {};
  for (const [flag, [kind, def]] of Object.entries(FLAGS)) cfg[camel(flag)] = flag in raw ? coerce(flag, kind, raw[flag]) : def;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(cfg.region)) throw new Error(`--region "${cfg.region}" is not an AWS region name such as us-west-2`);
  if (!/^\d{12}$/.test(cfg.accountId)) throw new Error(`--account-id must be 12 digits, got "${cfg.accountId}"`);
  if (cfg.turnUrl && !/^turns?:[^\s]+$/.test(cfg.turnUrl)) throw new Error(`--turn-url must be a turn: or turns: URL, got "${cfg.turnUrl}"`);
  if (cfg.turnUrl && !cfg.turnSecret) throw new Error('--turn-url needs --turn-secret (coturn static-auth-secret)');
  if (cfg.maxFrameBytes > cfg.maxMessageBytes) throw new Error('--max-frame-bytes cannot exceed --max-message-bytes');
  cfg.tlsDir = cfg.tlsDir || path.join(cacheDir(), 'kvs-tls');
  return cfg;
}

const USAGE = `node standins/kvs/server.js [flags]   (each flag also as env ${envName('flag-name')})\n` +
  Object.entries(FLAGS).map(([f, [, d]]) => `  --${f} ${d === '' ? '' : `(default ${d})`}`).join('\n');

module.exports = { parseConfig, USAGE, FLAGS };
