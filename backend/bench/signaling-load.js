#!/usr/bin/env node
'use strict';
// Signaling load bench (a command, not a test; bounded: every phase has a deadline):
//   node backend/bench/signaling-load.js [--rooms 2500] [--modes one,two] [--wave 10] [--rounds 3] [--batch 100]
// For each mode it starts real servers on loopback with temp data dirs and stops them by pid:
//   one        one process, memory presence + SQLite (the default setup)
//   one-redis  one process on Redis + PostgreSQL
//   two        two processes sharing Redis + PostgreSQL; each room's two clients are on different
//              processes, so every relayed message crosses Redis
// Then: --rooms rooms × 2 socket.io clients connect (--batch at a time) and are all held connected;
// the rooms exchange offer → answer → 4 candidates + end-of-candidates each way (12 relayed messages a
// room), --rounds times, --wave rooms at a time; then everyone leaves. Prints participants held, connect and relay
// latency (emit → receipt, both ends in this process), server RSS per participant, and the phases' times.
// The clients run in this process, on the same 2 cores as the servers: the numbers include that.
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');
const { io } = require('socket.io-client');
const H = require('../test/helpers');

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const ROOMS = Number(args.rooms || 2500);
const MODES = (args.modes || 'one,two').split(',');
const WAVE = Number(args.wave || 10);
const BATCH = Number(args.batch || 100);
const ROUNDS = Number(args.rounds || 3);
const PHASE_MS = Number(args.phaseMs || 180000);

const OFFER = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' + 'a=rtpmap:111 opus/48000/2\r\n'.repeat(10) };
const ANSWER = { type: 'answer', sdp: OFFER.sdp.replace('o=- 1 2', 'o=- 3 4') };
const cand = (i) => ({ candidate: `candidate:${i} 1 udp 2122260223 192.0.2.${i} 5${i}000 typ host generation 0`, sdpMid: '0', sdpMLineIndex: 0 });

function q(xs, p) { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] : NaN; }
const ms = (x) => `${x.toFixed(2)} ms`;
/** CPU time (user + system) a process has used, in ms. */
const cpuMs = (pid) => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const rssKb = (pid) => { const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8')); return m ? Number(m[1]) : NaN; };

async function pool(items, n, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => { while (i < items.length) { const k = i++; await fn(items[k], k); } }));
}
function deadline(p, what) {
  let t;
  const late = new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`${what}: not done in ${PHASE_MS} ms`)), PHASE_MS); });
  return Promise.race([p, late]).finally(() => clearTimeout(t));
}

async function startMode(mode) {
  const env = { EARSHOT_LOG_LEVEL: 'error', EARSHOT_RATE_AUTH: '1000000', EARSHOT_RATE_ADMIN: '1000000', EARSHOT_RATE_REDEEM: '1000000' };
  if (mode === 'one') return { servers: [await H.startServer({ env })], stop: async () => {} };
  const [redis, pg] = await Promise.all([H.services.startRedis(), H.services.startPostgres()]);
  Object.assign(env, { EARSHOT_REDIS_URL: redis.url, EARSHOT_DATABASE_URL: await pg.createDatabase() });
  const servers = [await H.startServer({ env })];
  if (mode === 'two') servers.push(await H.startServer({ env }));
  return { servers, stop: async () => { await Promise.allSettled(servers.map((s) => s.stop())); await redis.stop(); await pg.stop(); } };
}

async function run(mode) {
  const { servers, stop } = await startMode(mode);
  const [A, B = A] = servers;
  const out = { mode, processes: servers.length };
  try {
    // rooms and tokens (seed-004 app API), alice's on A, bob's on B
    let t = performance.now();
    const rooms = [];
    await pool(Array.from({ length: ROOMS }, (_, i) => i), 20, async (i) => {
      const roomId = (await H.api(A.url, 'POST', '/api/v1/rooms', { headers: H.appHeaders(), body: {} })).json.roomId;
      const tok = async (srv, userId) => (await H.api(srv.url, 'POST', `/api/v1/rooms/${roomId}/join`, { headers: H.appHeaders(), body: { userId } })).json.token;
      rooms[i] = { roomId, ta: await tok(A, 'alice'), tb: await tok(B, 'bob') };
    });
    out.setupS = (performance.now() - t) / 1000;
    await H.sleep(500);
    const rss0 = servers.map((s) => rssKb(s.proc.pid));

    // connect everyone and hold them
    const connectLat = [];
    const clients = [];
    const connectOne = (srv, token) => new Promise((resolve, reject) => {
      const t0 = performance.now();
      const s = io(srv.url, { path: '/ws', transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true, timeout: 20000 });
      clients.push(s);
      s.once('room-state', () => { connectLat.push(performance.now() - t0); resolve(s); });
      s.once('connect_error', (e) => reject(new Error(`connect: ${e.message}`)));
    });
    t = performance.now();
    await deadline(pool(rooms, BATCH / 2, async (r) => {
      r.bob = await connectOne(B, r.tb);
      r.alice = await connectOne(A, r.ta);
    }), 'connect');
    out.connectS = (performance.now() - t) / 1000;
    await H.sleep(1000);
    const rss1 = servers.map((s) => rssKb(s.proc.pid));
    out.held = clients.filter((s) => s.connected).length;
    // the servers agree (a sample of rooms, through REST)
    const sample = rooms.filter((_, i) => i % Math.max(1, Math.floor(ROOMS / 20)) === 0);
    const seen = await Promise.all(sample.map(async (r) => (await H.api(B.url, 'GET', `/api/v1/rooms/${r.roomId}/status`, { headers: H.appHeaders() })).json.participants.length));
    out.sampleOk = `${seen.filter((n) => n === 2).length}/${sample.length} sampled rooms list 2 participants`;

    // the exchange, WAVE rooms at a time
    const relay = [];
    const cpu0 = servers.map((s) => cpuMs(s.proc.pid));
    const selfCpu0 = process.cpuUsage();
    t = performance.now();
    const work = rooms.flatMap((r) => Array.from({ length: ROUNDS }, () => r));
    const busy = new Set();
    await deadline(pool(work, WAVE, async (r) => { while (busy.has(r)) await H.sleep(1); busy.add(r); await exchange(r); busy.delete(r); }), 'exchange');
    function exchange(r) { return new Promise((resolve) => {
      const sent = { a: [], b: [] }; // emit times, FIFO per direction
      let got = 0;
      const arrive = (dir) => { relay.push(performance.now() - sent[dir].shift()); };
      const done = () => { if (++got === 12) resolve(); };
      for (const s of [r.alice, r.bob]) s.removeAllListeners('webrtc-offer').removeAllListeners('webrtc-answer').removeAllListeners('ice-candidate');
      r.bob.on('webrtc-offer', () => {
        arrive('a'); done();
        sent.b.push(performance.now()); r.bob.emit('webrtc-answer', { sdp: ANSWER });
      });
      r.alice.on('webrtc-answer', () => {
        arrive('b'); done();
        for (let i = 1; i <= 5; i++) { sent.a.push(performance.now()); r.alice.emit('ice-candidate', { candidate: i < 5 ? cand(i) : null }); }
        for (let i = 1; i <= 5; i++) { sent.b.push(performance.now()); r.bob.emit('ice-candidate', { candidate: i < 5 ? cand(i + 10) : null }); }
      });
      r.bob.on('ice-candidate', () => { arrive('a'); done(); });
      r.alice.on('ice-candidate', () => { arrive('b'); done(); });
      sent.a.push(performance.now());
      r.alice.emit('webrtc-offer', { sdp: OFFER });
    }); }
    out.exchangeS = (performance.now() - t) / 1000;
    out.serverCpuMs = servers.reduce((a, s, i) => a + cpuMs(s.proc.pid) - cpu0[i], 0);
    const c = process.cpuUsage(selfCpu0);
    out.clientCpuMs = (c.user + c.system) / 1000;
    out.relay = relay;

    // everyone leaves
    t = performance.now();
    await deadline(pool(clients, BATCH, async (s) => { await s.timeout(20000).emitWithAck('leave').catch(() => null); s.close(); }), 'leave');
    out.leaveS = (performance.now() - t) / 1000;
    await H.sleep(500);
    const left = await Promise.all(sample.map(async (r) => (await H.api(A.url, 'GET', `/api/v1/rooms/${r.roomId}/status`, { headers: H.appHeaders() })).json.participants.length));
    out.leftOk = left.every((n) => n === 0);
    out.rss0 = rss0; out.rss1 = rss1;
    out.connectLat = connectLat;
  } finally {
    await stop();
  }
  return out;
}

function report(r) {
  const perKb = (r.rss1.reduce((a, b) => a + b, 0) - r.rss0.reduce((a, b) => a + b, 0)) / r.held;
  console.log(`\n== ${r.mode}: ${r.processes} process${r.processes > 1 ? 'es' : ''}, ${ROOMS} rooms x 2 clients (load average ${require('node:os').loadavg().map((x) => x.toFixed(1)).join(' ')}) ==`);
  console.log(`participants held        ${r.held} of ${ROOMS * 2} connected at once (${r.sampleOk})`);
  console.log(`connect (to room-state)  p50 ${ms(q(r.connectLat, 0.5))}  p99 ${ms(q(r.connectLat, 0.99))}  (${BATCH} at a time; all in ${r.connectS.toFixed(1)} s)`);
  console.log(`relay emit -> receipt    p50 ${ms(q(r.relay, 0.5))}  p99 ${ms(q(r.relay, 0.99))}  max ${ms(Math.max(...r.relay))}  (n=${r.relay.length}, ${ROUNDS} rounds, ${WAVE} rooms at a time, ${r.exchangeS.toFixed(1)} s, ${(r.relay.length / r.exchangeS).toFixed(0)} msg/s)`);
  console.log(`CPU during the exchange   servers ${(r.serverCpuMs / r.relay.length * 1000).toFixed(0)} µs per relayed message (${r.serverCpuMs} ms), clients ${(r.clientCpuMs / r.relay.length * 1000).toFixed(0)} µs (${r.clientCpuMs.toFixed(0)} ms)`);
  console.log(`server memory            ${(perKb).toFixed(1)} KB RSS per participant  (RSS ${r.rss0.map((k) => (k / 1024).toFixed(0)).join('+')} MB before -> ${r.rss1.map((k) => (k / 1024).toFixed(0)).join('+')} MB held)`);
  console.log(`leave                    all ${r.held} in ${r.leaveS.toFixed(1)} s; sampled rooms empty afterwards: ${r.leftOk ? 'yes' : 'NO'}`);
}

(async () => {
  if (MODES.some((m) => m !== 'one') && H.services.unavailable()) throw new Error(H.services.unavailable());
  console.log(`Earshot signaling load, loopback, ${require('node:os').cpus().length} cores, node ${process.version}; clients in this process`);
  for (const m of MODES) {
    if (!['one', 'one-redis', 'two'].includes(m)) throw new Error(`unknown mode ${m}`);
    report(await run(m));
  }
})().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
