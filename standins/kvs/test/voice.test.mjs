// Seed 001's voice routes and the KVS stand-in: credentials only for approved members, SigV4 control plane,
// the real KVS SDK (SignalingClient, SigV4RequestSigner @2.9.0) as MASTER and VIEWER, and every refusal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { scratch, startServer, ChatClient, WebSocket, getJson, sleep } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { SignalingClient, SigV4RequestSigner, Role } = require('amazon-kinesis-video-streams-webrtc');
const sigv4 = require('../lib/sigv4.js');

const REGION = 'us-west-2';
const SERVICE_CREDS = { accessKeyId: 'AKIAEARSHOTLAMBDA001', secretAccessKey: 'earshot-standin-lambda-secret-key' };
let tmp;
let srv;
let ca;
const open = [];

before(async () => {
  tmp = scratch();
  srv = await startServer(['--db', tmp.db, '--tls-dir', tmp.tlsDir, '--go-away-close-ms', '300',
    '--turn-url', 'turn:127.0.0.1:3478?transport=udp', '--turn-secret', 'north']);
  ca = readFileSync(srv.ca);
  // Node 20 has no global WebSocket; the SDK then needs one (it evaluates `WebSocket || require('ws')`).
  globalThis.WebSocket = class extends WebSocket { constructor(url) { super(url, { ca }); open.push(this); } };
});
after(async () => {
  for (const ws of open) ws.terminate();
  await srv?.stop();
  tmp?.cleanup();
});

const chat = async (name) => { const c = await ChatClient.connect(srv.chat, name); open.push(c.ws); return c; };
const presign = (creds, params, date = new Date(), endpoint = srv.kvs.replace(/^https:/, 'wss:')) =>
  new SigV4RequestSigner(REGION, creds).getSignedURL(endpoint, params, date);
const sdkCreds = (v) => ({ accessKeyId: v.credentials.accessKeyId, secretAccessKey: v.credentials.secretAccessKey, sessionToken: v.credentials.sessionToken });

// Opens a raw WSS connection: {ws} when accepted, {status, body} when the handshake is refused.
function rawConnect(url) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { ca });
    open.push(ws);
    ws.on('open', () => resolve({ ws }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(body) }));
    });
    ws.on('error', () => {});
  });
}
const frames = (ws) => { const got = []; ws.on('message', (d) => got.push(JSON.parse(d.toString()))); return got; };
async function until(pred, ms = 3000, what = 'condition') {
  const end = Date.now() + ms;
  while (Date.now() < end) { const v = await pred(); if (v) return v; await sleep(25); }
  throw new Error(`timed out waiting for ${what}`);
}
const logSince = async (seq = 0) => getJson(`${srv.chatHttp}/_standin/log?since=${seq}`);

// A room with admin alice, approved member bob, pending eve; alice starts voice. Returns everyone's answers.
let world;
async function setup() {
  if (world) return world;
  const alice = await chat('alice');
  const bob = await chat('bob');
  const eve = await chat('eve');
  const { roomId } = await alice.request({ action: 'createRoom', roomName: 'voice' }, 'roomCreated');
  bob.send({ action: 'joinRoom', roomId });
  eve.send({ action: 'joinRoom', roomId });
  await alice.next((m) => m.type === 'joinRequest' && m.username === 'bob');
  alice.send({ action: 'approveJoin', roomId, username: 'bob' });
  await bob.next('joinApproved');
  alice.send({ action: 'createVoiceRoom', roomId });
  const created = await alice.next('voiceRoomCreated');
  await bob.next('voiceRoomCreated');
  const aliceCreds = await alice.request({ action: 'getVoiceCredentials', roomId }, 'voiceCredentials');
  const bobCreds = await bob.request({ action: 'getVoiceCredentials', roomId }, 'voiceCredentials');
  world = { alice, bob, eve, roomId, created, aliceCreds, bobCreds };
  return world;
}

test('voice routes: members are notified, only approved members get credentials, only the creator ends voice', async () => {
  const { alice, bob, eve, roomId, created, aliceCreds, bobCreds } = await setup();
  assert.match(created.channelName, /^voice-[0-9a-f-]{36}$/);
  assert.equal(created.channelARN, `arn:aws:kinesisvideo:${REGION}:111122223333:channel/${created.channelName}/${created.channelARN.split('/').pop()}`);
  assert.equal(created.masterUserId, 'alice');
  assert.equal(eve.inbox.filter((m) => m.type === 'voiceRoomCreated').length, 0, 'a pending user is not told about voice');

  const refused = await eve.request({ action: 'getVoiceCredentials', roomId }, 'voiceCredentials');
  assert.equal(refused.code, 'room.not_member');
  assert.match(refused.message, /eve is not an approved member of room .*; only approved members get voice credentials/);
  const again = await bob.request({ action: 'createVoiceRoom', roomId }, 'voiceRoomCreated');
  assert.equal(again.code, 'voice.already_active');
  const notCreator = await bob.request({ action: 'endVoiceRoom', roomId }, 'voiceRoomEnded');
  assert.equal(notCreator.code, 'voice.not_creator');
  assert.match(notCreator.message, /Only alice, who started this voice chat, can end it; bob cannot/);

  assert.equal(aliceCreds.role, 'MASTER');
  assert.equal(aliceCreds.clientId, null);
  assert.equal(bobCreds.role, 'VIEWER');
  assert.match(bobCreds.clientId, /^bob-[0-9a-f]{6}$/);
  assert.match(bobCreds.credentials.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
  const ttl = Date.parse(bobCreds.credentials.expiration) - Date.now();
  assert.ok(ttl > 3590e3 && ttl <= 3600e3, `credentials last 1 h (got ${ttl} ms)`);
  assert.deepEqual(bobCreds.endpoints, { WSS: srv.kvs.replace('https:', 'wss:'), HTTPS: srv.kvs });
  assert.deepEqual(bobCreds.iceServers[0], { urls: ['stun:127.0.0.1:3478'] });
  const turn = bobCreds.iceServers[1];
  assert.equal(crypto.createHmac('sha1', 'north').update(turn.username).digest('base64'), turn.credential);
  assert.match(turn.username, new RegExp(`^\\d+:${bobCreds.clientId}$`));

  const row = (await getJson(`${srv.chatHttp}/_standin/tables/VoiceRooms`)).find((r) => r.voiceRoomId === created.voiceRoomId);
  assert.equal(row.chatRoomId, roomId);
  assert.equal(row.signalingChannelARN, created.channelARN);
  assert.equal(row.masterUserId, 'alice');
  assert.deepEqual(JSON.parse(row.activeParticipants), ['alice', 'bob']);
  assert.equal(row.status, 'active');
});

test('control plane: SigV4-signed GetSignalingChannelEndpoint and GetIceServerConfig; bad signature, browser role and unknown ARN refused', async () => {
  const { created, bobCreds } = await setup();
  const call = (path, body, creds = SERVICE_CREDS, tamper) => {
    const text = JSON.stringify(body);
    const headers = sigv4.signRequest({ method: 'POST', url: srv.kvs + path, headers: { 'content-type': 'application/json' }, body: text,
      region: REGION, service: 'kinesisvideo', credentials: creds });
    if (tamper) tamper(headers);
    return new Promise((resolve, reject) => {
      const req = require('node:https').request(srv.kvs + path, { method: 'POST', headers, ca }, (res) => {
        let b = '';
        res.on('data', (d) => { b += d; });
        res.on('end', () => resolve({ status: res.statusCode, type: res.headers['x-amzn-errortype'], body: JSON.parse(b) }));
      });
      req.on('error', reject);
      req.end(text);
    });
  };
  const ep = await call('/getSignalingChannelEndpoint', { ChannelARN: created.channelARN,
    SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS', 'HTTPS'], Role: 'VIEWER' } });
  assert.equal(ep.status, 200);
  assert.deepEqual(ep.body.ResourceEndpointList, [{ Protocol: 'WSS', ResourceEndpoint: srv.kvs.replace('https:', 'wss:') },
    { Protocol: 'HTTPS', ResourceEndpoint: srv.kvs }]);
  const ice = await call('/v1/get-ice-server-config', { ChannelARN: created.channelARN, ClientId: 'x1', Service: 'TURN' });
  assert.equal(ice.status, 200);
  assert.deepEqual(ice.body.IceServerList[0].Uris, ['turn:127.0.0.1:3478?transport=udp']);
  assert.equal(ice.body.IceServerList[0].Ttl, 300);

  const forged = await call('/getSignalingChannelEndpoint', { ChannelARN: created.channelARN }, { ...SERVICE_CREDS, secretAccessKey: 'wrong' });
  assert.equal(forged.status, 403);
  assert.equal(forged.type, 'InvalidSignatureException');
  assert.match(forged.body.message, /signature we calculated does not match/);
  const bodySwapped = await call('/getSignalingChannelEndpoint', { ChannelARN: created.channelARN }, SERVICE_CREDS,
    (h) => { h.authorization = h.authorization.replace(/Signature=[0-9a-f]+/, `Signature=${'0'.repeat(64)}`); });
  assert.equal(bodySwapped.status, 403);
  const unsigned = await call('/getSignalingChannelEndpoint', {}, SERVICE_CREDS, (h) => { delete h.authorization; });
  assert.equal(unsigned.status, 403);
  assert.match(unsigned.body.message, /no Authorization header/);
  const browser = await call('/getSignalingChannelEndpoint', { ChannelARN: created.channelARN }, sdkCreds(bobCreds));
  assert.equal(browser.status, 403);
  assert.equal(browser.type, 'AccessDeniedException');
  assert.match(browser.body.message, /not authorized to perform: kinesisvideo:GetSignalingChannelEndpoint/);
  const missing = await call('/getSignalingChannelEndpoint', { ChannelARN: created.channelARN + 'x' });
  assert.equal(missing.status, 404);
  assert.equal(missing.type, 'ResourceNotFoundException');
});

test('the real KVS SDK as MASTER and VIEWER exchanges SDP and ICE: viewer→master tagged with senderClientId, master→viewer by recipientClientId', async () => {
  const { created, aliceCreds, bobCreds } = await setup();
  const mark = (await logSince()).at(-1).seq;
  const base = { channelARN: created.channelARN, channelEndpoint: bobCreds.endpoints.WSS, region: REGION };
  const master = new SignalingClient({ ...base, role: Role.MASTER, credentials: sdkCreds(aliceCreds) });
  const viewer = new SignalingClient({ ...base, role: Role.VIEWER, clientId: bobCreds.clientId, credentials: sdkCreds(bobCreds) });
  const errors = [];
  for (const c of [master, viewer]) c.on('error', (e) => errors.push(e));
  master.open();
  await new Promise((r) => master.once('open', r));
  viewer.open();
  await new Promise((r) => viewer.once('open', r));

  const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' };
  const gotOffer = new Promise((r) => master.once('sdpOffer', (o, from) => r({ o, from })));
  const gotMasterCand = new Promise((r) => master.once('iceCandidate', (c, from) => r({ c, from })));
  viewer.sendSdpOffer(offer);
  viewer.sendIceCandidate({ candidate: 'candidate:1 1 udp 2122260223 10.77.0.2 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 });
  const { o, from } = await gotOffer;
  assert.deepEqual(o, offer);
  assert.equal(from, bobCreds.clientId, 'the service tags viewer messages with senderClientId');
  assert.equal((await gotMasterCand).from, bobCreds.clientId);

  const answer = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
  const gotAnswer = new Promise((r) => viewer.once('sdpAnswer', (a) => r(a)));
  const gotViewerCand = new Promise((r) => viewer.once('iceCandidate', (c) => r(c)));
  master.sendSdpAnswer(answer, from);
  master.sendIceCandidate({ candidate: 'candidate:2 1 udp 2122260223 10.77.0.1 50001 typ host', sdpMid: '0', sdpMLineIndex: 0 }, from);
  assert.deepEqual(await gotAnswer, answer);
  assert.match((await gotViewerCand).candidate, /10\.77\.0\.1 50001/);

  // A master message to a ClientId nobody holds comes back as STATUS_RESPONSE (correlationId given).
  const status = new Promise((r) => master.once('statusResponse', r));
  master.sendSdpAnswer(answer, 'nobody-here', 'corr-7');
  const sr = await status;
  assert.equal(sr.correlationId, 'corr-7');
  assert.equal(sr.statusCode, '400');
  assert.match(sr.description, /Recipient "nobody-here" is not connected/);

  const log = await logSince(mark);
  const connects = log.filter((e) => e.kind === 'signaling.connect');
  assert.deepEqual(connects.map((e) => [e.role, e.clientId]), [['MASTER', null], ['VIEWER', bobCreds.clientId]]);
  const routes = log.filter((e) => e.kind === 'signaling.route').map((e) => `${e.from}>${e.to}:${e.messageType}`);
  assert.deepEqual(routes, [`${bobCreds.clientId}>MASTER:SDP_OFFER`, `${bobCreds.clientId}>MASTER:ICE_CANDIDATE`,
    `MASTER>${bobCreds.clientId}:SDP_ANSWER`, `MASTER>${bobCreds.clientId}:ICE_CANDIDATE`]);
  assert.deepEqual(errors, []);

  // The newest master wins: a second MASTER connection closes the first.
  const closedOld = new Promise((r) => master.once('close', r));
  const master2 = new SignalingClient({ ...base, role: Role.MASTER, credentials: sdkCreds(aliceCreds) });
  master2.open();
  await new Promise((r) => master2.once('open', r));
  await closedOld;
  assert.ok((await logSince(mark)).some((e) => e.kind === 'signaling.replaced' && e.role === 'MASTER'));
  const viaNew = new Promise((r) => master2.once('sdpOffer', (x, f) => r(f)));
  viewer.sendSdpOffer(offer);
  assert.equal(await viaNew, bobCreds.clientId, 'viewer messages now reach the newest master');

  // GO_AWAY through the hook, then the service closes: the SDK sees only the close.
  const raw = await rawConnect(await presign(sdkCreds(bobCreds), { 'X-Amz-ChannelARN': created.channelARN, 'X-Amz-ClientId': bobCreds.clientId }));
  const rawFrames = frames(raw.ws);
  const rawClosed = new Promise((r) => raw.ws.on('close', (code, reason) => r({ code, reason: reason.toString(), at: Date.now() })));
  const m2Closed = new Promise((r) => master2.once('close', r));
  const t0 = Date.now();
  const hook = await getJson(`${srv.chatHttp}/_standin/channels/${created.channelName}/go-away`, { method: 'POST' });
  assert.equal(hook.connections, 2, 'the master and the (replacing) viewer connection');
  const closed = await rawClosed;
  await m2Closed;
  assert.deepEqual(rawFrames, [{ messageType: 'GO_AWAY', messagePayload: '' }]);
  assert.ok(closed.at - t0 >= 250, 'the close follows GO_AWAY after --go-away-close-ms');
  viewer.close();
});

test('refusals: forged, expired, wrong-ARN, unknown-key, token mismatch, role/ClientId rules, viewer limit, deleted channel', async () => {
  const { alice, bob, roomId, created, aliceCreds, bobCreds } = await setup();
  const arn = created.channelARN;
  const viewerParams = { 'X-Amz-ChannelARN': arn, 'X-Amz-ClientId': bobCreds.clientId };
  const expectRefused = async (url, status, re, check) => {
    const r = await rawConnect(url);
    assert.equal(r.status, status, `expected ${status} for ${check}, got ${r.status ?? 'an open socket'}`);
    assert.match(r.body.message, re);
    const entry = (await logSince()).filter((e) => e.kind === 'signaling.refused').at(-1);
    assert.equal(entry.check, check);
  };
  const good = await presign(sdkCreds(bobCreds), viewerParams);
  const sig = /X-Amz-Signature=([0-9a-f]+)/.exec(good)[1];
  await expectRefused(good.replace(sig, (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1)), 403, /signature we calculated does not match/, 'signature');
  await expectRefused(good.replace('X-Amz-ClientId=', 'X-Amz-ClientId=x'), 403, /does not match/, 'signature');
  await expectRefused(await presign(sdkCreds(bobCreds), viewerParams, new Date(Date.now() - 400e3)), 403, /presigned URL expired at .*X-Amz-Expires=299/, 'expired');
  await expectRefused(await presign({ ...sdkCreds(bobCreds), accessKeyId: 'ASIAAAAAAAAAAAAAAAAA' }, viewerParams), 403, /not issued by this stand-in \(unknown access key\)/, 'access-key');
  await expectRefused(await presign({ ...sdkCreds(bobCreds), sessionToken: 'other' }, viewerParams), 403, /session token mismatch/, 'session-token');
  await expectRefused(await presign({ ...sdkCreds(bobCreds), sessionToken: undefined }, viewerParams), 403, /session token missing/, 'session-token');
  await expectRefused(await presign(sdkCreds(bobCreds), { 'X-Amz-ChannelARN': arn }), 403, /viewer without ClientId/, 'viewer-without-client-id');
  await expectRefused(await presign(sdkCreds(aliceCreds), { 'X-Amz-ChannelARN': arn, 'X-Amz-ClientId': 'alice' }), 403, /master with ClientId/, 'master-with-client-id');
  await expectRefused(await presign(sdkCreds(bobCreds), { ...viewerParams, 'X-Amz-ClientId': 'mallory' }), 403, /ClientId mismatch/, 'client-id-mismatch');
  await expectRefused(await presign(sdkCreds(bobCreds), { ...viewerParams, 'X-Amz-ClientId': 'bad id!' }), 400, /must match/, 'client-id');
  await expectRefused(await presign(sdkCreds(bobCreds), { ...viewerParams, 'X-Amz-ChannelARN': arn + '0' }), 404, /No active signaling channel/, 'arn');
  await expectRefused((await presign(sdkCreds(bobCreds), viewerParams)).replace(/X-Amz-ChannelARN=[^&]+&?/, ''), 400, /lacks X-Amz-ChannelARN/, 'arn');

  // Wrong ARN: bob's credentials are scoped to this voice room's channel, not another room's.
  const { roomId: otherRoom } = await bob.request({ action: 'createRoom', roomName: 'other' }, 'roomCreated');
  bob.send({ action: 'createVoiceRoom', roomId: otherRoom });
  const other = await bob.next((m) => m.type === 'voiceRoomCreated' && m.roomId === otherRoom);
  await expectRefused(await presign(sdkCreds(bobCreds), { ...viewerParams, 'X-Amz-ChannelARN': other.channelARN }), 403, /issued for channel .* \(wrong ARN\)/, 'wrong-arn');

  // Renewed credentials (a later getVoiceCredentials, with a ClientId of their own) connect with the
  // ClientId bob is already known by: the call keeps its identity past the first credentials' hour.
  const renewed = await bob.request({ action: 'getVoiceCredentials', roomId }, 'voiceCredentials');
  assert.notEqual(renewed.credentials.accessKeyId, bobCreds.credentials.accessKeyId);
  assert.notEqual(renewed.clientId, bobCreds.clientId);
  const kept = await rawConnect(await presign(sdkCreds(renewed), viewerParams));
  assert.ok(kept.ws, `renewed credentials connect as ${bobCreds.clientId}: ${JSON.stringify(kept.body)}`);
  kept.ws.close();
  await until(async () => (await logSince()).some((e) => e.kind === 'signaling.close' && e.clientId === bobCreds.clientId), 3000, 'the renewed connection closed');
  await expectRefused(await presign(sdkCreds(renewed), { ...viewerParams, 'X-Amz-ClientId': 'mallory' }), 403, /ClientId mismatch/, 'client-id-mismatch');

  // Ten viewers fit; the eleventh is refused.
  const viewers = [];
  for (let i = 0; i < 11; i++) {
    const v = await bob.request({ action: 'getVoiceCredentials', roomId }, 'voiceCredentials');
    viewers.push(await presign(sdkCreds(v), { 'X-Amz-ChannelARN': arn, 'X-Amz-ClientId': v.clientId }));
  }
  for (const url of viewers.slice(0, 10)) assert.ok((await rawConnect(url)).ws, 'viewers 1..10 connect');
  await expectRefused(viewers[10], 400, /already has 10 viewers connected/, 'viewer-limit');

  // Ending voice: only the creator, everyone is told, the channel is gone.
  alice.send({ action: 'endVoiceRoom', roomId });
  const ended = await alice.next('voiceRoomEnded');
  assert.equal((await bob.next((m) => m.type === 'voiceRoomEnded' && m.roomId === roomId)).voiceRoomId, ended.voiceRoomId);
  await expectRefused(good, 404, /deleted/, 'arn');
  const row = (await getJson(`${srv.chatHttp}/_standin/tables/VoiceRooms`)).find((r) => r.voiceRoomId === ended.voiceRoomId);
  assert.equal(row.status, 'ended');
  const after = await bob.request({ action: 'getVoiceCredentials', roomId }, 'voiceCredentials');
  assert.equal(after.code, 'voice.not_active');
});

test('--clock-skew-s makes a fresh URL expire, and --signaling-idle-s closes a silent connection (second process, same db)', async () => {
  const { bob, roomId } = await setup();
  bob.send({ action: 'createVoiceRoom', roomId });
  const v2 = await bob.next((m) => m.type === 'voiceRoomCreated' && m.roomId === roomId);
  const creds = await bob.request({ action: 'getVoiceCredentials', roomId }, 'voiceCredentials'); // bob is master now
  assert.equal(creds.role, 'MASTER');
  const skewed = await startServer(['--db', tmp.db, '--tls-dir', tmp.tlsDir, '--clock-skew-s', '400', '--signaling-idle-s', '0.5']);
  try {
    const wss = skewed.kvs.replace('https:', 'wss:');
    const late = await rawConnect(await presign(sdkCreds(creds), { 'X-Amz-ChannelARN': v2.channelARN }, new Date(), wss));
    assert.equal(late.status, 403);
    assert.match(late.body.message, /presigned URL expired/);
    // Signed on the stand-in's (skewed) clock, the same credentials connect; silence then closes the socket.
    const ok = await rawConnect(await presign(sdkCreds(creds), { 'X-Amz-ChannelARN': v2.channelARN }, new Date(Date.now() + 400e3), wss));
    assert.ok(ok.ws, 'a URL signed on the service clock is accepted');
    const t0 = Date.now();
    const closed = await new Promise((r) => ok.ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    assert.equal(closed.reason, 'idle timeout');
    assert.ok(Date.now() - t0 >= 400);
  } finally {
    await skewed.stop();
  }
});
