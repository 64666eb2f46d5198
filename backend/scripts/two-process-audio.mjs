// A real-audio check (a command, not part of npm test: it needs Chromium, sox, root for a network
// namespace and the built pages in dist/web): two backend processes share one Redis and one PostgreSQL.
// The host's browser talks to process A; the guest's browser talks to a stand-in load balancer (a TCP
// proxy that sends each new connection to B, or to A once B is unreachable), and each must hear the
// other. Then B is killed (SIGKILL) mid-call: audio must go on, and the guest's page must reconnect its
// signaling, through the proxy, to A, where it keeps its place.
//   node backend/scripts/two-process-audio.mjs        (as root: re-runs itself in a network namespace)
// Uses tests/browser/harness.mjs (Chromium, fake audio, received-power probe) as it is.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import assert from 'node:assert/strict';
import {
  inNamespace, startBackend, launch, toneFile, tempDir, openRoom, waitState, waitFor, stats, receivedPower, freePort,
} from '../../tests/browser/harness.mjs';

const require = createRequire(import.meta.url);
const services = require('../test/services.js');
const LOUD = 1e-3;

const outside = inNamespace(fileURLToPath(import.meta.url), []);
if (outside !== null) process.exit(outside ?? 1);

/** A TCP proxy on 127.0.0.1:port: each connection goes to the first target that accepts it. */
function balancer(port, targets) {
  const counts = new Map();
  const server = net.createServer((client) => {
    client.pause();
    const tryTarget = (i) => {
      if (i >= targets().length) { client.destroy(); return; }
      const up = net.connect(targets()[i], '127.0.0.1');
      up.once('connect', () => {
        counts.set(targets()[i], (counts.get(targets()[i]) || 0) + 1);
        client.pipe(up); up.pipe(client); client.resume();
        up.on('error', () => client.destroy()); client.on('error', () => up.destroy());
        up.on('close', () => client.destroy()); client.on('close', () => up.destroy());
      });
      up.once('error', () => tryTarget(i + 1));
    };
    tryTarget(0);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, counts })));
}

const [redis, pg] = await Promise.all([services.startRedis(), services.startPostgres()]);
const env = {
  EARSHOT_REDIS_URL: redis.url, EARSHOT_DATABASE_URL: await pg.createDatabase(),
  EARSHOT_JWT_SECRET: 'two-process-jwt-secret-0123456789abcdef0123', EARSHOT_APP_ID: 'twoproc', EARSHOT_APP_SECRET: 'two-process-app-secret-0123',
};
const lbPort = await freePort();
const lbBase = `http://127.0.0.1:${lbPort}`;
const A = await startBackend({ env: { ...env, EARSHOT_NODE_ID: 'proc-a' } });
// B's links and signalingUrl name the balancer, as behind a real one
const B = await startBackend({ env: { ...env, EARSHOT_NODE_ID: 'proc-b', EARSHOT_PUBLIC_URL: lbBase } });
const lb = await balancer(lbPort, () => [B.port, A.port]);
const work = tempDir('earshot-2p-');
const browser = await launch({ wav: toneFile(work) });
const appHeaders = { 'X-App-Id': env.EARSHOT_APP_ID, 'X-App-Key': env.EARSHOT_APP_SECRET };
let failed = false;
try {
  const room = await A.createRoom();
  const guestUrl = room.links.guest.url.replace(A.base, lbBase);
  const host = await openRoom(await browser.newContext(), room.links.host.url);
  await waitState(host, 'waiting-for-peer');
  const guest = await openRoom(await browser.newContext(), guestUrl);
  await waitState(host, 'connected');
  await waitState(guest, 'connected');
  const hear = async (what) => {
    for (const [name, page] of [['host', host], ['guest', guest]]) {
      await waitFor(async () => { const x = await stats(page); return x && x.packetsReceived > 0; }, { what: `${name} inbound audio` });
      const p = await waitFor(async () => { const v = await receivedPower(page); return v > LOUD && v; }, { what: `${name} audio energy ${what}` });
      console.log(`${what}: the ${name} hears the other side, mean power ${p.toExponential(2)}`);
    }
  };
  await hear('host on A, guest on B');
  assert.equal(lb.counts.get(A.port) || 0, 0, 'nothing of the guest went to A yet');
  const names = async (srv) => (await (await fetch(`${srv.base}/api/v1/rooms/${room.roomId}/status`, { headers: appHeaders })).json()).participants.map((p) => p.name).sort();
  assert.deepEqual(await names(B), ['Alice', 'Bob'], 'B lists the host connected to A');
  assert.deepEqual(await names(A), ['Alice', 'Bob'], 'A lists the guest connected to B');
  console.log(`both processes list Alice + Bob; the balancer sent the guest's ${lb.counts.get(B.port)} connections to B`);

  await B.kill('SIGKILL');
  const t0 = Date.now();
  let minPower = Infinity;
  for (let i = 0; i < 5; i++) minPower = Math.min(minPower, await receivedPower(host, 200), await receivedPower(guest, 200));
  console.log(`B killed: over the next second the lowest mean power at either side is ${minPower.toExponential(2)}`);
  assert.ok(minPower > LOUD, 'audio goes on while signaling is away');
  // the guest's signaling comes back through the balancer, now to A
  await waitFor(async () => (lb.counts.get(A.port) || 0) > 0, { timeout: 20000, what: 'the guest reconnecting to A' });
  await waitState(guest, 'connected', 20000);
  await waitFor(async () => JSON.stringify(await names(A)) === JSON.stringify(['Alice', 'Bob']), { timeout: 20000, what: 'A listing both' });
  console.log(`the guest's page reconnected through the balancer to A ${((Date.now() - t0) / 1000).toFixed(1)} s after the kill; A lists Alice + Bob`);
  await hear('both on A after the kill');
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close().catch(() => {});
  lb.server.close();
  await Promise.allSettled([A.stop(), B.stop()]);
  await Promise.allSettled([redis.stop(), pg.stop()]);
}
console.log(failed ? 'two-process audio check: FAILED' : 'two-process audio check: passed');
process.exit(failed ? 1 : 0);
