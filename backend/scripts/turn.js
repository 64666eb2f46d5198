#!/usr/bin/env node
'use strict';
// coturn control shared with the server: `node scripts/turn.js start|stop|status|config`.
// Uses the same env vars and data dir as the server (EARSHOT_DATA_DIR, EARSHOT_TURN_PORT,
// EARSHOT_TURN_SECRET or the generated secrets.json, EARSHOT_TURN_ALLOW_LOOPBACK=1 for tests/dev).
const { loadConfig } = require('../src/config');
const { startTurn, stopTurn, writeTurnConfig, turnPaths } = require('../src/services/turn');
const fs = require('node:fs');

async function main() {
  const cmd = process.argv[2];
  const cfg = loadConfig(process.env);
  const opts = {
    dataDir: cfg.dataDir, port: cfg.turn.port, minPort: cfg.turn.minPort, maxPort: cfg.turn.maxPort,
    secret: cfg.turnSecret, realm: cfg.turn.realm, allowLoopbackPeers: cfg.turn.allowLoopbackPeers, bin: cfg.turn.bin,
  };
  const p = turnPaths(cfg.dataDir);
  const running = () => {
    try { const pid = Number(fs.readFileSync(p.pidfile, 'utf8').trim()); process.kill(pid, 0); return pid; } catch { return null; }
  };
  switch (cmd) {
    case 'start': {
      // A coturn of this data dir is up (the server's own, or an earlier start): leave it alone.
      const pid = running();
      if (pid) {
        console.log(`coturn already running pid=${pid} for ${cfg.dataDir} (turn.sh stop first to restart it)`);
        process.exit(0);
      }
      const t = await startTurn({ ...opts, detached: true });
      console.log(`coturn started pid=${t.pid} port=${cfg.turn.port} config=${p.conf} log=${p.log}`);
      process.exit(0);
      break;
    }
    case 'stop':
      console.log((await stopTurn(cfg.dataDir)) ? 'coturn stopped' : 'coturn was not running');
      break;
    case 'status': {
      const pid = running();
      console.log(pid ? `coturn running pid=${pid}` : 'coturn not running');
      process.exit(pid ? 0 : 3);
      break;
    }
    case 'config':
      writeTurnConfig(opts);
      console.log(p.conf);
      break;
    default:
      console.error('usage: turn.sh start|stop|status|config');
      process.exit(2);
  }
}
main().catch((e) => { console.error(`turn: ${e.message}`); process.exit(1); });
