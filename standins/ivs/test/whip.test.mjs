// WHIP and the SFU without a browser: two werift peers on loopback play the SDK's part (publish offer with
// audio sendonly; subscribe offer with audio recvonly plus a video m-line, as the real 1.41.0 sends) and check
// that the publisher's RTP reaches the subscriber, isPublishing/SUBSCRIBER_COUNT follow, and DELETE ends legs.
//   node --test standins/ivs/test/whip.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { spawnSync } from 'node:child_process';
import WebSocket from 'ws';
import { RTCPeerConnection, MediaStreamTrack, RtpPacket, RtpHeader } from 'werift';
import { startStandin } from './standin.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const claimsOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
const peer = () => new RTCPeerConnection({ iceUseIpv6: false, iceInterfaceAddresses: { udp4: '127.0.0.1' }, iceAdditionalHostAddresses: ['127.0.0.1'] });

// The events socket of one participant, collecting frames; waitFrame(pred) resolves the first match so far or later.
function socket(token) {
  const c = claimsOf(token);
  const ws = new WebSocket(`${c.events_url}?error_over_ws=1&topic=${c.topic}/publishers&traceid=x`, [token]);
  const frames = [];
  const waiters = new Set();
  ws.on('message', (d) => { frames.push(JSON.parse(d.toString())); for (const w of waiters) w(); });
  return {
    ws, frames,
    waitFrame(pred, what, timeout = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => { const f = frames.find(pred); if (f) { waiters.delete(check); clearTimeout(t); resolve(f); } };
        const t = setTimeout(() => { waiters.delete(check); reject(new Error(`no frame: ${what}; got ${JSON.stringify(frames.map((f) => f.type))}`)); }, timeout);
        waiters.add(check);
        check();
      });
    },
  };
}
const connected = (pc, what) => new Promise((resolve, reject) => {
  if (pc.connectionState === 'connected') return resolve();
  const t = setTimeout(() => reject(new Error(`${what}: peer connection ${pc.connectionState} after 10 s`)), 10000);
  pc.connectionStateChange.subscribe((s) => { if (s === 'connected') { clearTimeout(t); resolve(); } });
});

let s, room, alice, bob;
before(async () => {
  s = await startStandin();
  const a = (await s.join({ username: 'Alice' })).body;
  const b = (await s.join({ username: 'Bob', roomId: a.roomId })).body;
  room = a.roomId;
  alice = { ...a.stageConfig, events: socket(a.stageConfig.token) };
  bob = { ...b.stageConfig, events: socket(b.stageConfig.token) };
  await bob.events.waitFrame((f) => f.type === 'STAGE_STATE' && f.payload.participants.length === 2, 'both on stage');
});
after(async () => {
  for (const p of [alice, bob]) { p?.events.ws.close(); await p?.pc?.close(); }
  await s?.stop();
  // werift's close() can leave one ICE socket of an offering peer open (seen: 1 of 6); the stand-in itself
  // holds none after its legs end. Unref it so this file's process exits.
  for (const h of process._getActiveHandles()) if (h instanceof dgram.Socket) h.unref();
});

const whip = (who, path, sdp) => fetch(`${s.api}/whip/${path}`, {
  method: 'POST', headers: { Authorization: `Bearer ${who.token}`, 'Content-Type': 'application/sdp', 'X-Stages-SDK': '1.41.0' }, body: sdp,
});

test('publish, subscribe, forward RTP, SUBSCRIBER_COUNT, DELETE', async () => {
  // Alice publishes: offer sent at once (no waiting for candidates), as the SDK does.
  alice.pc = peer();
  const mic = new MediaStreamTrack({ kind: 'audio' });
  alice.pc.addTransceiver(mic, { direction: 'sendonly' });
  await alice.pc.setLocalDescription(await alice.pc.createOffer());
  let r = await whip(alice, `publish/${alice.participantId}`, alice.pc.localDescription.sdp);
  assert.equal(r.status, 201, await r.clone().text());
  assert.match(r.headers.get('content-type'), /^application\/sdp/);
  const pubLocation = r.headers.get('location');
  assert.match(pubLocation, /^\/whip\/session\/[A-Za-z0-9]+$/);
  const pubAnswer = await r.text();
  assert.match(pubAnswer, /m=audio [\s\S]*a=recvonly/);
  const cands = pubAnswer.split('\r\n').filter((l) => l.startsWith('a=candidate:'));
  assert.ok(cands.length >= 1 && cands.every((l) => l.split(' ')[4] === '127.0.0.1'), `answer candidates only on --host: ${cands}`);
  await alice.pc.setRemoteDescription({ type: 'answer', sdp: pubAnswer });
  await connected(alice.pc, 'publish leg');
  await bob.events.waitFrame((f) => f.type === 'STAGE_STATE' && f.payload.participants.find((p) => p.id === alice.participantId)?.isPublishing === true,
    'Bob sees Alice isPublishing');

  // Bob subscribes with audio recvonly and the video m-line the real SDK adds.
  bob.pc = peer();
  bob.pc.addTransceiver('audio', { direction: 'recvonly' });
  bob.pc.addTransceiver('video', { direction: 'recvonly' });
  let received = 0;
  const payloads = new Set();
  bob.pc.onTrack.subscribe((t) => t.onReceiveRtp.subscribe((rtp) => { received += 1; payloads.add(rtp.payload.toString()); }));
  await bob.pc.setLocalDescription(await bob.pc.createOffer());
  r = await whip(bob, `subscribe/${alice.participantId}`, bob.pc.localDescription.sdp);
  assert.equal(r.status, 201, await r.clone().text());
  const subLocation = r.headers.get('location');
  const subAnswer = await r.text();
  const [audioSec, videoSec] = subAnswer.split('\r\nm=').slice(1);
  assert.match(audioSec, /^audio [\s\S]*a=sendonly/);
  assert.match(audioSec, /a=msid:/, 'the forwarded track has a stream (msid)');
  assert.match(videoSec, /^video [\s\S]*a=inactive/);
  await bob.pc.setRemoteDescription({ type: 'answer', sdp: subAnswer });
  await connected(bob.pc, 'subscribe leg');
  const count1 = await alice.events.waitFrame((f) => f.type === 'aws:ivs:SUBSCRIBER_COUNT' && f.payload.count === 1, 'Alice told she has 1 subscriber');
  assert.ok(count1.payload.sequenceNumber >= 1);

  // Alice "speaks": 50 Opus-sized packets, 20 ms apart, each with its own payload.
  const ssrc = 0x1234abcd;
  for (let i = 0; i < 50; i++) {
    const header = new RtpHeader({ payloadType: 111, sequenceNumber: 1000 + i, timestamp: 960 * i, ssrc, marker: i === 0 });
    mic.writeRtp(new RtpPacket(header, Buffer.from(`frame-${i}`)));
    await sleep(20);
  }
  await sleep(300);
  assert.ok(received >= 45, `Bob received ${received} of Alice's 50 RTP packets`);
  assert.ok([...payloads].every((p) => /^frame-\d+$/.test(p)), 'forwarded unchanged (SFU: no decoding, no mixing)');
  const detail = await s.room(room);
  const a = detail.participants.find((p) => p.id === alice.participantId);
  const b = detail.participants.find((p) => p.id === bob.participantId);
  assert.ok(a.publish.rtpPackets >= 45 && a.publish.state === 'connected');
  assert.equal(b.subscriptions.length, 1);
  assert.equal(b.subscriptions[0].to, alice.participantId);
  assert.ok(b.subscriptions[0].rtpPackets >= 45);

  // Only the owner may DELETE a session; Bob's DELETE drops Alice's subscriber count to 0.
  r = await fetch(`${s.api}${subLocation}`, { method: 'DELETE', headers: { Authorization: `Bearer ${alice.token}` } });
  assert.equal(r.status, 403);
  assert.equal((await r.json()).code, 'session.not_yours');
  r = await fetch(`${s.api}${subLocation}`, { method: 'DELETE', headers: { Authorization: `Bearer ${bob.token}` } });
  assert.equal(r.status, 200);
  await alice.events.waitFrame((f) => f.type === 'aws:ivs:SUBSCRIBER_COUNT' && f.payload.count === 0 && f.payload.sequenceNumber > count1.payload.sequenceNumber, 'Alice told she has 0 subscribers');
  assert.deepEqual((await s.room(room)).participants.find((p) => p.id === bob.participantId).subscriptions, []);

  const last = bob.events.frames.filter((f) => f.type === 'STAGE_STATE').at(-1).payload.sequenceNumber;
  r = await fetch(`${s.api}${pubLocation}`, { method: 'DELETE', headers: { Authorization: `Bearer ${alice.token}` } });
  assert.equal(r.status, 200);
  await bob.events.waitFrame((f) => f.type === 'STAGE_STATE' && f.payload.sequenceNumber > last
    && f.payload.participants.find((p) => p.id === alice.participantId)?.isPublishing === false, 'Bob sees Alice stop publishing');
  assert.equal((await s.room(room)).participants.find((p) => p.id === alice.participantId).publish, null);

  // Ended legs release their UDP sockets (a long-running stand-in must not leak one per leg).
  const udp = () => spawnSync('ss', ['-uanp'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes(`pid=${s.child.pid},`));
  for (let i = 0; i < 20 && udp().length; i++) await sleep(100);
  assert.deepEqual(udp(), [], 'the stand-in holds no UDP socket once every leg ended');
});
