// Past one machine (issue 13): two backend processes sharing one Redis (Socket.IO adapter, presence,
// rate limits) and one PostgreSQL (rooms, seats, invites), all real servers started here and stopped
// by pid. Alice's page comes from process A, Bob's from process B, as behind a load balancer; each
// fake microphone plays its own tone and each page must receive the other's, checked by frequency.
//   node --test tests/browser/cluster.test.mjs   (as root; re-executes itself in a network namespace)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  inNamespace, startBackend, launch, toneFile, tempDir, artifact, waitFor, waitState, openRoom,
  toneProbe, tones, heardTones, tonePeaks,
} from './harness.mjs';

const services = createRequire(import.meta.url)('../../backend/test/services.js');
const outside = inNamespace(fileURLToPath(import.meta.url));
if (outside !== null) {
  test('cluster suite (inside its network namespace)', () => assert.equal(outside, 0, 'see the output above'));
} else {
  suite();
}

function suite() {
  const why = services.unavailable();  // redis-server and postgresql come with tools/setup.sh
  let redis, pg, A, B, work;
  const browsers = [];

  before(async () => {
    if (why) return;
    work = tempDir('earshot-cluster-');
    [redis, pg] = await Promise.all([services.startRedis(), services.startPostgres()]);
    const env = {
      EARSHOT_REDIS_URL: redis.url,
      EARSHOT_DATABASE_URL: await pg.createDatabase(),
      EARSHOT_JWT_SECRET: 'cluster-browser-jwt-secret-0123456789abcdef0123456789',
      EARSHOT_APP_ID: 'clusterapp', EARSHOT_APP_SECRET: 'cluster-app-secret-0123456789',
    };
    // One after the other: the first creates the schema. No coturn: host candidates meet in the namespace.
    A = await startBackend({ turn: false, env: { ...env, EARSHOT_NODE_ID: 'proc-a' } });
    B = await startBackend({ turn: false, env: { ...env, EARSHOT_NODE_ID: 'proc-b' } });
    browsers.push(...await Promise.all([launch({ wav: toneFile(work, 440) }), launch({ wav: toneFile(work, 660) })]));
  });
  after(async () => {
    await Promise.all(browsers.map((b) => b.close().catch(() => {})));
    await Promise.allSettled([A?.stop(), B?.stop()]);
    await Promise.allSettled([redis?.stop(), pg?.stop()]);
  });

  test('a call whose two people are served by different processes: each hears the other\'s tone', { skip: why || false }, async () => {
    const room = await A.createRoom({ title: 'Across two processes' });
    // Bob's link, as a load balancer would have sent him: the same invite, served by process B.
    const bobUrl = new URL(room.links.guest.url);
    bobUrl.host = new URL(B.base).host;
    const people = [];
    for (const [i, [name, url]] of [['Alice', room.links.host.url], ['Bob', bobUrl.href]].entries()) {
      const ctx = await browsers[i].newContext();
      await ctx.addInitScript(toneProbe);
      const page = await openRoom(ctx, url, { join: false });
      const ready = await waitFor(async () => {
        const snap = await page.evaluate(() => window.__earshot && window.__earshot.snapshot());
        return snap && (snap.joinReady || snap.failure) && snap;
      }, { timeout: 15000, what: `${name}'s pre-join` });
      assert.ok(ready.joinReady, `${name}: ${JSON.stringify(ready.failure)} (state ${ready.state})`);
      await page.click('#join-btn');
      people.push({ name, page });
    }
    assert.notEqual(new URL(people[0].page.url()).port, new URL(people[1].page.url()).port, 'two processes');
    for (const p of people) await waitState(p.page, 'connected', 30000);
    const expect = { Alice: [660], Bob: [440] };
    for (const p of people) {
      const report = await waitFor(async () => {
        const r = await tones(p.page);
        return JSON.stringify(heardTones(r)) === JSON.stringify(expect[p.name]) && r;
      }, { timeout: 15000, what: `${p.name} hearing ${expect[p.name]} Hz` });
      console.log(`${p.name} (process ${p === people[0] ? 'A' : 'B'}) hears ${heardTones(report)} Hz; peaks ${JSON.stringify(tonePeaks(report))}`);
    }
    const names = await people[0].page.locator('#people li.peer .name').allTextContents();
    assert.deepEqual(names, ['Bob'], 'Alice sees Bob, who is connected to the other process');
    await people[1].page.screenshot({ path: artifact('cluster-bob.png'), fullPage: true });
  });
}
