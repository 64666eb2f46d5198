#!/usr/bin/env node
'use strict';
// Loopback latency bench (a command, not a test):
//   node backend/bench/latency.js [N=100]
// Spawns the real server on an ephemeral port with a temp data dir and reports median / p90 of
//   (a) invite redemption: POST /api/v1/invites/redeem round trip (fetch, keep-alive)
//   (b) signaling relay: webrtc-offer emitted by one socket.io-client until received by the other
const { performance } = require('node:perf_hooks');
const H = require('../test/helpers');

const N = Number(process.argv[2] || 100);

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  return { n: s.length, median: q(0.5), p90: q(0.9), min: s[0], max: s[s.length - 1] };
}
const fmt = (st) => `median ${st.median.toFixed(2)} ms  p90 ${st.p90.toFixed(2)} ms  (min ${st.min.toFixed(2)}, max ${st.max.toFixed(2)}, n=${st.n})`;

async function main() {
  const srv = await H.startServer({ env: { EARSHOT_RATE_REDEEM: '1000000', EARSHOT_RATE_ADMIN: '1000000' } });
  try {
    // (a) invite redemption
    const invites = [];
    for (let i = 0; i < N + 5; i++) invites.push(H.inviteOf((await H.adminRoom(srv.url)).links.host));
    for (const inv of invites.slice(0, 5)) await H.redeem(srv.url, inv); // warm-up
    const redeem = [];
    for (const inv of invites.slice(5)) {
      const t0 = performance.now();
      const r = await H.redeem(srv.url, inv);
      redeem.push(performance.now() - t0);
      if (r.status !== 200) throw new Error(`redeem failed: ${r.status} ${r.text}`);
    }

    // (b) signaling relay
    const room = await H.adminRoom(srv.url);
    const a = await H.connectOk(srv.url, { token: (await H.redeem(srv.url, H.inviteOf(room.links.host))).json.token });
    const b = await H.connectOk(srv.url, { token: (await H.redeem(srv.url, H.inviteOf(room.links.guest))).json.token });
    const sdp = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' + 'a=candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host\r\n'.repeat(20);
    const relay = [];
    for (let i = 0; i < N + 5; i++) {
      const got = new Promise((resolve) => b.once('webrtc-offer', () => resolve(performance.now())));
      const t0 = performance.now();
      a.emit('webrtc-offer', { sdp: { type: 'offer', sdp } });
      const t1 = await got;
      if (i >= 5) relay.push(t1 - t0);
    }
    a.close(); b.close();

    console.log(`Earshot backend latency, loopback, ${N} samples each (node ${process.version})`);
    console.log(`(a) invite redemption      ${fmt(stats(redeem))}`);
    console.log(`(b) signaling relay offer  ${fmt(stats(relay))}  [sdp ${sdp.length} bytes]`);
  } finally {
    await srv.stop();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
