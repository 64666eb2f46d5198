'use strict';
// Earshot backend entry point: `node backend/src/server.js`.
// HTTP API + static pages + Socket.IO signaling (/ws, and /socket.io/ namespace /ws) on one port; optional coturn child;
// webhook worker and expiry sweeper. Prints `EARSHOT_READY port=<port>` when listening.
const http = require('node:http');
const { Server } = require('socket.io');
const { loadConfig, dataDirOf, ConfigError, StartupError } = require('./config');
const { lockDataDir, DataDirBusyError } = require('./data/lock');
const { DatabaseError } = require('./data/db');
const { openBackends } = require('./cluster');
const { createAuth } = require('./services/auth');
const { createDispatcher } = require('./webhooks/dispatcher');
const { attachSignaling } = require('./socket/signaling');
const { createApp } = require('./app');
const { superviseTurn } = require('./services/turn-supervisor');
const { createLogger } = require('./utils/log');

const SOCKET_MAX_BYTES = 128 * 1024;


async function main(env = process.env) {
  // A signal during startup is remembered and acted on once everything (coturn included) is up,
  // so nothing is left orphaned.
  let pendingSignal = null;
  const early = (sig) => { pendingSignal = sig; };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, early);
  // Own the data dir before reading or changing anything in it: a second server on the same dir
  // stops here, before it could stop the first one's coturn or end its calls.
  const dataDirLock = lockDataDir(dataDirOf(env)); // held until this process exits (kept referenced)
  const cfg = loadConfig(env);
  const log = createLogger(cfg.logLevel);
  // One forgotten promise (e.g. a library publishing to a Redis that just went away) must not end every
  // call this process holds: logged, not fatal.
  process.on('unhandledRejection', (e) => log.error('unhandled rejection', { err: String(e && (e.stack || e.message) || e) }));
  const backends = await openBackends(cfg, log);
  const { store, presence, limits } = backends;
  await store.ensureApp(cfg.appId);
  const auth = createAuth(cfg);
  const webhooks = createDispatcher({ store, cfg, log });

  let turn = null; // the coturn supervisor, when this server manages coturn
  /** For /health: { state: 'external' | 'running' | 'unresponsive' | 'restarting' | 'stopped', error }. */
  const turnHealth = async () => {
    if (!cfg.turn.start) return { state: 'external', error: null };
    return turn ? turn.check() : { state: 'stopped', error: null };
  };

  const ctx = { cfg, log, store, presence, limits, nodeId: cfg.nodeId, auth, webhooks, turnHealth, signaling: null };
  const server = http.createServer({ requestTimeout: 30000, headersTimeout: 15000 });
  server.keepAliveTimeout = 5000;

  const app = createApp(ctx);
  server.on('request', app);

  // The engine accepts every origin (CORS headers reflect it, no credentials): the namespace
  // handshake then refuses a foreign origin with connect_error data { code: 'cors.forbidden', message }
  // instead of an opaque transport failure. No namespace connects from such an origin.
  const ioOptions = {
    serveClient: false,
    maxHttpBufferSize: SOCKET_MAX_BYTES,
    pingInterval: 25000,
    pingTimeout: 20000,
    connectTimeout: 10000,
    cors: { origin: true, methods: ['GET', 'POST'] },
  };
  // path /ws, default namespace: what the Earshot pages use.
  // With Redis, each Server gets the Redis adapter (its own channel prefix): a room's participants may be
  // connected to different processes.
  const io = new Server(server, { ...ioOptions, path: '/ws', ...(backends.adapter('earshot-ws') ? { adapter: backends.adapter('earshot-ws') } : {}) });
  // default path /socket.io/, namespace /ws: what io('ws://host/ws') means to socket.io-client.
  const ioDefault = new Server(server, { ...ioOptions, path: '/socket.io', ...(backends.adapter('earshot-sio') ? { adapter: backends.adapter('earshot-sio') } : {}) });
  ctx.signaling = attachSignaling([io.of('/'), ioDefault.of('/ws'), ioDefault.of('/')], ctx);

  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(cfg.port, cfg.host, () => { server.off('error', reject); resolve(); });
    });
  } catch (e) {
    if (e && e.code === 'EADDRINUSE') throw new StartupError(`${cfg.host}:${cfg.port} is already in use; stop what listens there or set EARSHOT_PORT`);
    if (e && e.code === 'EACCES') throw new StartupError(`no permission to listen on ${cfg.host}:${cfg.port}; use a port above 1023 (EARSHOT_PORT)`);
    throw e;
  }
  // Bound: only now touch shared state (a failed start above changed nothing).
  const port = server.address().port;
  if (!cfg.publicUrl) {
    const h = cfg.host.includes(':') ? `[${cfg.host}]` : (cfg.host === '0.0.0.0' ? '127.0.0.1' : cfg.host);
    cfg.publicUrl = `http://${h}:${port}`;
  }
  // Rooms that were mid-call when the previous process stopped: their sockets are gone (unless they are
  // connected to another process sharing the same Redis and database).
  for (const row of await store.activeRooms()) {
    if ((await ctx.signaling.liveParticipants(row.room_id)).length) continue;
    if (await store.endRoom(row.room_id)) {
      const now = Date.now();
      await webhooks.enqueue(row.app_id, 'call.ended', {
        roomId: row.room_id, startedAt: row.started_at ? new Date(row.started_at).toISOString() : null,
        endedAt: new Date(now).toISOString(), durationSeconds: row.started_at ? Math.round((now - row.started_at) / 1000) : 0,
        reason: 'server_restart',
      });
    }
  }

  if (cfg.turn.start) {
    const t = superviseTurn({ cfg, log });
    await t.start();
    turn = t;
  }

  webhooks.start();
  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return; // a slow sweep is not overlapped by the next tick
    sweeping = true;
    try {
      const now = Date.now();
      // tell connected sockets before the rows disappear, and delete only the rooms that were told
      const told = await store.expiredRooms(now);
      for (const r of told) await ctx.signaling.closeRoom(r.room_id, 'expired');
      const res = await store.sweep(now, told);
      if (res.rooms.length || res.invites) log.info('sweeper removed expired data', { rooms: res.rooms.length, invites: res.invites });
    } catch (e) { log.error('sweep failed', { err: String(e) }); } finally { sweeping = false; }
  };
  await sweep();
  const sweeper = setInterval(sweep, cfg.sweepMs);
  sweeper.unref();
  // participants of another process that died (Redis presence only): the others are told they left
  const reaper = setInterval(() => ctx.signaling.reapDeadNodes().catch((e) => log.error('reaping failed', { err: String(e) })), 2000);
  reaper.unref();

  let stopping = null;
  async function shutdown(sig) {
    if (stopping) return stopping;
    stopping = (async () => {
      log.info('shutting down', { signal: sig });
      const force = setTimeout(() => { log.error('forced exit after timeout'); process.exit(1); }, 8000);
      force.unref();
      clearInterval(sweeper);
      clearInterval(reaper);
      ioDefault.close();
      io.close(); // disconnects sockets and closes the http server
      server.closeAllConnections?.();
      await webhooks.stop();
      if (turn) { const t = turn; turn = null; await t.stop(); }
      await backends.close();
      dataDirLock.release();
      process.exit(0);
    })();
    return stopping;
  }
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) { process.on(sig, () => shutdown(sig)); process.off(sig, early); }
  if (pendingSignal) { shutdown(pendingSignal); return { cfg, server, io, store, shutdown, port }; }
  const keyWhere = env.EARSHOT_ADMIN_KEY ? 'from EARSHOT_ADMIN_KEY' : `in ${cfg.secretsFile} ("adminKey")`;
  process.stdout.write(`Earshot admin page: ${cfg.publicUrl}/index.html (admin key: ${keyWhere})\n`);
  process.stdout.write(`EARSHOT_READY port=${port}\n`);

  return { cfg, server, io, store, shutdown, port };
}

if (require.main === module) {
  main().catch((e) => {
    if (e instanceof ConfigError) process.stderr.write(`earshot: configuration error: ${e.message}\n`);
    else if (e instanceof DataDirBusyError || e instanceof StartupError || e instanceof DatabaseError) process.stderr.write(`earshot: ${e.message}\n`);
    else process.stderr.write(`earshot: failed to start: ${e && e.stack || e}\n`);
    process.exit(1);
  });
}

module.exports = { main };
