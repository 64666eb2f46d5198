// The production module (earshot.js + earshot.wasm, size-tuned, closure-compiled) loads in node and its
// C++ driver performs the core's effects against fake browser objects: invite parsing before any
// request, getUserMedia, fetch (invite redemption), WebSocket (Engine.IO + Socket.IO), RTCPeerConnection
// offer/answer + trickled ICE, mute, leave; and callbacks for released objects are dropped.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createHmac } from 'node:crypto';

const dir = new URL('../../build/wasm/src/wasm/', import.meta.url);
const wasmBinary = await readFile(new URL('earshot.wasm', dir));
// client.js imports './earshot.js' next to itself: stage both side by side, as dist/web has them.
const { startCall } = await import(await stageClient());

async function stageClient() {
  const { writeFile, mkdir } = await import('node:fs/promises');
  const stage = new URL('../../build/wasm/node-stage/', import.meta.url);
  await mkdir(stage, { recursive: true });
  await writeFile(new URL('client.js', stage), await readFile(new URL('../../src/wasm/client.js', import.meta.url)));
  await writeFile(new URL('earshot.js', stage), await readFile(new URL('earshot.js', dir)));
  return new URL('client.js', stage).href;
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
async function until(pred, ms = 2000, what = 'condition') {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await tick(5);
  }
}

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
function invite({ room = 'r1', role = 'guest', name = 'Bea', ttlSeconds = 600 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ iss: 'earshot', typ: 'invite', room, role, name, jti: 'j1', iat: now - 5, exp: now + ttlSeconds })}`;
  const sig = createHmac('sha256', 'test').update(input).digest('base64url');
  return `https://earshot.test/room.html?room=${room}&t=${input}.${sig}`;
}

// ---- fake browser -----------------------------------------------------------------------------
let world;
class FakeTrack {
  constructor(id) { this.id = id; this.kind = 'audio'; this.enabled = true; this.label = `Mic ${id}`; this.stopped = false; this.listeners = {}; }
  getSettings() { return { deviceId: this.id }; }
  stop() { this.stopped = true; }
  clone() { return new FakeTrack(this.id); }
  addEventListener(t, fn) { this.listeners[t] = fn; }
}
class FakeStream {
  constructor(tracks) { this.tracks = tracks; }
  getAudioTracks() { return this.tracks; }
  getTracks() { return this.tracks; }
}
class FakeSocket {
  constructor(url) { this.url = url; this.readyState = 0; this.sent = []; world.sockets.push(this); }
  send(t) { this.sent.push(t); }
  close() { this.readyState = 3; this.closedByClient = true; }
  serverOpen() { this.readyState = 1; this.onopen && this.onopen({}); }
  serverSend(text) { this.onmessage && this.onmessage({ data: text }); }
}
class FakePeer {
  constructor(cfg) { this.cfg = cfg; this.signalingState = 'stable'; this.connectionState = 'new'; this.iceGatheringState = 'new'; this.added = []; this.senders = []; world.peers.push(this); }
  addTrack(track) { const s = { track, replaceTrack: async (t) => { s.track = t; } }; this.senders.push(s); return s; }
  addTransceiver() { const s = { track: null, replaceTrack: async (t) => { s.track = t; } }; this.senders.push(s); return { sender: s }; }
  async createOffer() { return { type: 'offer', sdp: 'v=0 offer' }; }
  async createAnswer() { return { type: 'answer', sdp: 'v=0 answer' }; }
  async setLocalDescription(d) { this.localDescription = d; this.signalingState = d.type === 'offer' ? 'have-local-offer' : 'stable'; }
  async setRemoteDescription(d) { this.remoteDescription = d; this.signalingState = d.type === 'offer' ? 'have-remote-offer' : 'stable'; }
  async addIceCandidate(c) { if (this.signalingState === 'closed') world.addOnClosed++; this.added.push(c); }
  // A report as Chromium's: each call 50 more packets each way, 5 of the incoming lost (10%).
  async getStats() {
    const n = (this.statsCalls = (this.statsCalls || 0) + 1);
    return new Map(Object.entries({
      T1: { type: 'transport', selectedCandidatePairId: 'CP1' },
      CP1: { type: 'candidate-pair', state: 'succeeded', nominated: true, currentRoundTripTime: 0.042, localCandidateId: 'L1', remoteCandidateId: 'R1' },
      L1: { type: 'local-candidate', candidateType: 'host', protocol: 'udp' },
      R1: { type: 'remote-candidate', candidateType: 'relay', protocol: 'udp' },
      IN: { type: 'inbound-rtp', kind: 'audio', packetsReceived: 45 * n, packetsLost: 5 * n, bytesReceived: 3600 * n, jitter: 0.012, audioLevel: 0.3 },
      OUT: { type: 'outbound-rtp', kind: 'audio', packetsSent: 50 * n, bytesSent: 4000 * n },
    }));
  }
  close() { this.signalingState = 'closed'; this.connectionState = 'closed'; }
  fire(name, ev = {}) { this[`on${name}`] && this[`on${name}`](ev); }
}
class FakeAnalyser { constructor() { this.fftSize = 1024; } getFloatTimeDomainData(a) { a.fill(world.level); } }
class FakeAudioContext {
  constructor() { this.state = 'running'; }
  resume() { return Promise.resolve(); }
  close() { return Promise.resolve(); }
  createMediaStreamSource() { return { connect() {}, disconnect() {} }; }
  createAnalyser() { return new FakeAnalyser(); }
}

beforeEach(() => {
  world = { sockets: [], peers: [], fetches: [], gum: [], level: 0, addOnClosed: 0, redeem: null };
  globalThis.navigator = {
    mediaDevices: {
      addEventListener() {}, removeEventListener() {},
      async enumerateDevices() { return [{ kind: 'audioinput', deviceId: 'default', label: 'Default' }, { kind: 'audioinput', deviceId: 'usb', label: 'USB mic' }, { kind: 'audiooutput', deviceId: 'spk', label: 'Speaker' }]; },
      async getUserMedia(c) { world.gum.push(c); return new FakeStream([new FakeTrack(c.audio.deviceId ? c.audio.deviceId.exact : 'default')]); },
    },
  };
  globalThis.WebSocket = FakeSocket;
  globalThis.RTCPeerConnection = FakePeer;
  globalThis.AudioContext = FakeAudioContext;
  globalThis.MediaStream = FakeStream;
  globalThis.document = { createElement: () => fakeAudio() };  // one remote <audio> per peer link
  globalThis.fetch = async (url, init) => {
    world.fetches.push({ url, init });
    // The pre-join's look at the invite (spends nothing), then the redemption at Join.
    if (url.endsWith('/invites/inspect')) {
      return { status: 200, text: async () => JSON.stringify({ roomId: 'r1', title: 'Weekly', state: 'unused', inCall: false, inRoom: [{ userId: 'u-al', name: 'Al', role: 'host' }] }) };
    }
    const body = world.redeem || { roomId: 'r1', token: 'room-token', signalingUrl: 'https://earshot.test', iceServers: [{ urls: 'stun:x' }], ttl: 3600, user: { userId: 'u-bea', name: 'Bea', role: 'guest' } };
    return { status: 200, text: async () => JSON.stringify(body) };
  };
});

function fakeAudio() { const a = { autoplay: false, srcObject: null, play: async () => {}, pause() {} }; (world.audios = world.audios || []).push(a); return a; }

async function open(url, extra = {}) {
  const effects = [];
  const trace = [];
  let snap = null;
  const call = await startCall({ wasmBinary, url, config: { apiBase: 'https://earshot.test' }, onUpdate: (s) => { snap = s; }, onEffect: (e) => effects.push(e), ...extra });
  return { call, effects, trace, get snap() { return snap; } };
}

test('an expired invite fails with its expiry time and makes no request', async () => {
  const c = await open(invite({ ttlSeconds: -60 }));
  assert.equal(c.snap.state, 'failed');
  assert.equal(c.snap.failure.code, 'invite.expired');
  assert.match(c.snap.failure.message, /expired at \d\d:\d\d/);
  await tick(50);
  assert.equal(world.fetches.length, 0);
  assert.equal(world.sockets.length, 0);
  assert.equal(world.gum.length, 0);
  c.call.destroy();
});

test('a valid invite: mic and a look at the invite before Join; Join redeems it and connects to the room', async () => {
  const c = await open(invite());
  assert.equal(c.snap.invite.name, 'Bea');
  assert.equal(c.snap.invite.role, 'guest');
  await until(() => world.gum.length === 1, 2000, 'getUserMedia');
  await until(() => world.fetches.length === 1, 2000, 'inspect fetch');
  const look = world.fetches[0];
  assert.equal(look.init.method, 'POST');
  assert.match(look.url, /^https:\/\/earshot\.test\/api\/v1\/invites\/inspect$/);
  assert.equal(JSON.parse(look.init.body).invite.length > 20, true);
  assert.match(JSON.parse(look.init.body).device, /^[A-Za-z0-9_-]{16,128}$/, 'the browser names itself');
  await until(() => c.snap.mic === 'granted' && c.snap.joinReady && c.snap.lookup, 2000, 'join ready');
  assert.deepEqual(c.snap.lookup.inRoom.map((p) => p.name), ['Al']);
  assert.deepEqual(c.snap.inputs.map((d) => d.id), ['default', 'usb']);
  assert.equal(world.sockets.length, 0, 'nothing opened before Join');

  c.call.join();
  await until(() => world.fetches.length === 2, 2000, 'redeem fetch');
  assert.match(world.fetches[1].url, /^https:\/\/earshot\.test\/api\/v1\/invites\/redeem$/);
  await until(() => world.sockets.length === 1, 2000, 'WebSocket');
  const ws = world.sockets[0];
  assert.match(ws.url, /^wss:\/\/earshot\.test\/ws\/\?EIO=4&transport=websocket/);
  ws.serverOpen();
  ws.serverSend('0{"sid":"s1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
  await until(() => ws.sent.some((t) => t.startsWith('40')), 2000, 'CONNECT');
  assert.match(ws.sent.find((t) => t.startsWith('40')), /room-token/);
  ws.serverSend('40{"sid":"x"}');
  ws.serverSend('42["room-state",{"self":{"userId":"u-bea","name":"Bea","role":"guest"},"participants":[{"userId":"u-bea","name":"Bea","role":"guest"},{"userId":"u-al","name":"Al","role":"host"}]}]');
  await until(() => c.snap.state === 'connecting', 2000, 'connecting');

  // The host (already in the room) offers; we create the peer with our mic track and answer.
  ws.serverSend('42["webrtc-offer",{"from":"u-al","sdp":{"type":"offer","sdp":"v=0 remote"}}]');
  // (The core makes a peer link at Join and gives it to the first participant it meets.)
  await until(() => world.peers.some((p) => p.remoteDescription), 2000, 'RTCPeerConnection with the offer');
  const pc = world.peers.at(-1);
  assert.equal(world.peers.length, 1, 'the link made at Join is the one used');
  assert.deepEqual(c.snap.participants.map((p) => [p.name, p.role]), [['Al', 'host']], 'the roster lists the host, not us');
  assert.equal(pc.senders.length, 1, 'mic track added to the peer');
  assert.deepEqual(pc.cfg.iceServers, [{ urls: 'stun:x' }]);
  await until(() => ws.sent.some((t) => t.includes('webrtc-answer')), 2000, 'answer sent');
  assert.equal(pc.remoteDescription.sdp, 'v=0 remote');
  ws.serverSend('42["ice-candidate",{"from":"u-al","candidate":{"candidate":"candidate:1 1 udp 1 10.0.0.2 5000 typ host","sdpMid":"0","sdpMLineIndex":0}}]');
  await until(() => pc.added.length === 1, 2000, 'remote candidate added');
  pc.fire('icecandidate', { candidate: { toJSON: () => ({ candidate: 'candidate:2 1 udp 1 10.0.0.1 6000 typ host', sdpMid: '0', sdpMLineIndex: 0 }) } });
  await until(() => ws.sent.some((t) => t.includes('ice-candidate')), 2000, 'local candidate sent');
  pc.connectionState = 'connected';
  pc.fire('connectionstatechange');
  await until(() => c.snap.state === 'connected', 2000, 'connected');
  assert.equal(c.snap.participants[0].connection, 'connected');
  pc.fire('track', { track: new FakeTrack('remote'), streams: [new FakeStream([new FakeTrack('remote')])] });
  await until(() => world.audios.some((a) => a.srcObject), 2000, 'remote audio attached to an element');
  assert.ok(c.effects.some((e) => e.type === 'state-changed' && e.to === 'connected'));

  // Once a second the driver reads getStats: the diagnostics view and the participant's grade follow.
  await until(() => (pc.statsCalls || 0) >= 3, 4000, 'three getStats samples');
  await tick(20);
  const d = c.call.diagnostics();
  assert.equal(d.state, 'connected');
  const link = d.peers[0];
  assert.equal(link.pair, 'host udp \u2192 relay udp');
  assert.equal(link.rttMs, 42);
  assert.equal(link.jitterMs, 12);
  assert.equal(link.packetsReceived, 45 * pc.statsCalls);
  assert.equal(link.lossPct, 10);
  assert.equal(link.kbpsOut > 0, true);
  assert.equal(link.quality, 'poor', '10% loss');
  assert.equal(c.snap.participants[0].quality, 'poor');
  assert.ok(d.effects.some((e) => e.kind === 'http' && /invites\/redeem$/.test(e.text)), JSON.stringify(d.effects));
  assert.ok(d.timers.every((t) => typeof t.name === 'string' && t.inMs >= 0), JSON.stringify(d.timers));
  assert.equal(JSON.stringify(d).includes('room-token'), false, 'no token in the diagnostics view');

  // Mute reaches the track; a device switch replaces the sender's track and keeps the mute.
  c.call.setMuted(true);
  assert.equal(pc.senders[0].track.enabled, false);
  c.call.chooseInput('usb');
  await until(() => pc.senders[0].track.id === 'usb', 2000, 'replaceTrack');
  assert.equal(pc.senders[0].track.enabled, false, 'still muted after the switch');
  assert.equal(c.snap.state, 'connected');

  // Leave closes the peer; late callbacks for it are dropped and never reach a closed pc.
  c.call.leave();
  await until(() => c.snap.state === 'ended', 2000, 'ended');
  assert.equal(pc.signalingState, 'closed');
  pc.fire('icecandidate', { candidate: { toJSON: () => ({ candidate: 'late' }) } });
  pc.fire('connectionstatechange');
  ws.serverSend('42["ice-candidate",{"from":"u-al","candidate":{"candidate":"candidate:9 1 udp 1 10.0.0.2 5009 typ host","sdpMid":"0","sdpMLineIndex":0}}]');
  await tick(20);
  assert.equal(world.addOnClosed, 0, 'addIceCandidate never called on a closed peer');
  assert.equal(c.snap.state, 'ended');
  c.call.destroy();
});

test('levels are sampled from the analyser ~10/s and reach the snapshot', async () => {
  world.level = 0.2;
  const c = await open(invite());
  await until(() => c.snap.mic === 'granted', 2000, 'mic');
  await until(() => c.snap.localLevel > 0.1, 2000, 'local level');
  c.call.destroy();
});

test('a denied microphone is reported as mic.denied with the core sentence', async () => {
  navigator.mediaDevices.getUserMedia = async () => { const e = new Error('Permission denied'); e.name = 'NotAllowedError'; throw e; };
  const c = await open(invite());
  await until(() => c.snap.mic === 'denied', 2000, 'mic denied');
  await until(() => c.snap.failure && c.snap.failure.code === 'mic.denied', 2000, 'failure');
  assert.match(c.snap.failure.message, /Microphone access is blocked/);
  c.call.destroy();
});

test('malformed UI input is refused with a failure, not a crash', async () => {
  const c = await open(invite());
  assert.throws(() => c.call.chooseInput(undefined), (e) => e.code === 'input.malformed' && /deviceId/.test(e.message));
  c.call.destroy();
});

test('typed events: on/off and subscribe/getSnapshot for useSyncExternalStore', async () => {
  const c = await open(invite());
  const states = [];
  let changes = 0;
  const off = c.call.on('state', (e) => states.push(e.to));
  const unsubscribe = c.call.subscribe(() => { changes += 1; });
  const first = c.call.getSnapshot();
  assert.equal(c.call.getSnapshot(), first, 'the same object until something changes');
  c.call.setMuted(true);
  try {
    assert.ok(changes > 0, 'subscribers hear about changes');
    assert.notEqual(c.call.getSnapshot(), first);
    assert.equal(c.call.getSnapshot().muted, true);
  } catch (e) { c.call.destroy(); throw e; }
  c.call.leave();
  assert.deepEqual(states, ['ended']);
  off();
  unsubscribe();
  assert.deepEqual(c.call.describeFailure('invite.used'), { code: 'invite.used', fault: 'you', retryable: false, title: 'This link was already used', next: 'Each invite link lets one person in, once. Ask the host for a new link.' });
  c.call.destroy();
});

test('two calls live side by side in one page (no global driver)', async () => {
  const a = await open(invite({ name: 'Ann' }));
  const b = await open(invite({ name: 'Bob' }));
  assert.equal(a.call.getSnapshot().invite.name, 'Ann');
  assert.equal(b.call.getSnapshot().invite.name, 'Bob');
  a.call.destroy();
  await until(() => b.snap.mic === 'granted', 2000, 'the second call lives on');
  b.call.destroy();
});
