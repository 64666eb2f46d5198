// Media through the Chime stand-in without a browser: two werift clients on loopback speak the SDK's
// signaling (JOIN, SUBSCRIBE with a full offer), connect to the stand-in's werift peers, and each
// receives the other's RTP payloads on its one downlink (Opus silence frames before anyone speaks);
// presence and mute arrive as AUDIO_STREAM_ID_INFO.
//   node --test standins/chime/test/media.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startChimeStandin } from '../launch.mjs';

const require = createRequire(import.meta.url);
const codec = require('../lib/codec.js');
const WebSocket = require('ws');
const { RTCPeerConnection, RTCRtpCodecParameters, MediaStreamTrack, RtpPacket, RtpHeader } = require('werift');

const ADMIN = 'media-test-admin-key-0123';
let s;
before(async () => { s = await startChimeStandin({ adminKey: ADMIN }); });
after(async () => { await s?.stop(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(fn, what, ms = 8000) {
  const end = Date.now() + ms;
  while (Date.now() < end) { const v = await fn(); if (v) return v; await sleep(50); }
  throw new Error(`timed out waiting for ${what}`);
}

// One SDK-like attendee: signaling socket + werift peer with one sendrecv audio transceiver.
async function attendee(joinInfo) {
  const { Meeting, Attendee } = joinInfo;
  const ws = new WebSocket(`${Meeting.MediaPlacement.SignalingUrl}?X-Chime-Control-Protocol-Version=3`, ['_aws_wt_session', Attendee.JoinToken]);
  const frames = [];
  ws.on('message', (d) => frames.push(codec.decode(d)));
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
  const send = (type, fields) => ws.send(codec.encode(type, fields));
  send('JOIN', { join: { protocolVersion: 2 } });
  await until(() => frames.some((f) => f.type === 'INDEX'), 'INDEX');
  const pc = new RTCPeerConnection({
    codecs: { audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })] },
    iceInterfaceAddresses: { udp4: '127.0.0.1' }, iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv6: false,
  });
  const out = new MediaStreamTrack({ kind: 'audio' });
  pc.addTransceiver(out, { direction: 'sendrecv' });
  const received = [];
  pc.onTrack.subscribe((t) => t.onReceiveRtp.subscribe((rtp) => received.push(Buffer.from(rtp.payload))));
  await pc.setLocalDescription(await pc.createOffer());
  await until(() => pc.iceGatheringState === 'complete', 'client ICE gathering');
  send('SUBSCRIBE', { sub: { sdpOffer: pc.localDescription.sdp, audioHost: Meeting.MediaPlacement.AudioHostUrl, audioMuted: false,
    sendStreams: [{ attendeeId: Attendee.AttendeeId, trackLabel: 'AmazonChimeExpressAudio', mediaType: 'AUDIO', streamId: 1, groupId: 1 }] } });
  const ack = await until(() => frames.find((f) => f.type === 'SUBSCRIBE_ACK'), 'SUBSCRIBE_ACK');
  await pc.setRemoteDescription({ type: 'answer', sdp: ack.message.suback.sdpAnswer });
  await until(() => pc.connectionState === 'connected', 'client peer connected', 10000);
  let seq = 1, ts = 1000;
  const speak = (text) => out.writeRtp(new RtpPacket(new RtpHeader({ sequenceNumber: seq++, timestamp: (ts += 960), payloadType: 111, ssrc: 7 }), Buffer.from(text)));
  return { ws, pc, frames, received, send, speak, id: Attendee.AttendeeId, close: async () => { ws.close(); await pc.close(); } };
}

test('two attendees each receive the other\'s RTP payloads on one downlink; silence frames before; presence and mute frames', async () => {
  const room = await s.createRoom({ hostName: 'Ann', guestName: 'Ben' });
  const joinOf = async (link) => {
    const t = new URL(link).searchParams.get('t');
    const r = await fetch(`${s.api}/rooms/${room.roomId}/join`, { method: 'POST', headers: { Authorization: `Bearer ${t}` } });
    return r.json();
  };
  const a = await attendee(await joinOf(room.hostLink));
  // Alone, Ann still gets a downlink: Opus silence frames.
  await until(() => a.received.some((p) => p.equals(Buffer.from([0xf8, 0xff, 0xfe]))), 'silence frames on a lone attendee\'s downlink');
  const b = await attendee(await joinOf(room.guestLink));
  try {
    const stop = setInterval(() => { a.speak('from-ann'); b.speak('from-ben'); }, 20);
    try {
      await until(() => b.received.some((p) => p.toString() === 'from-ann'), 'Ben receiving Ann\'s payloads');
      await until(() => a.received.some((p) => p.toString() === 'from-ben'), 'Ann receiving Ben\'s payloads');
    } finally { clearInterval(stop); }
    assert.ok(!a.received.some((p) => p.toString() === 'from-ann'), 'nobody receives their own audio');
    assert.ok(!b.received.some((p) => p.toString() === 'from-ben'), 'nobody receives their own audio');
    const streams = (x) => x.frames.filter((f) => f.type === 'AUDIO_STREAM_ID_INFO').flatMap((f) => f.json.audioStreamIdInfo.streams);
    await until(() => streams(a).some((e) => e.attendeeId === b.id && e.externalUserId === 'Ben'), 'Ann told Ben is present');
    assert.ok(streams(b).some((e) => e.attendeeId === a.id) && streams(b).some((e) => e.attendeeId === b.id), 'Ben told both are present');
    b.send('AUDIO_CONTROL', { audioControl: { muted: true } });
    const bStream = streams(a).find((e) => e.attendeeId === b.id).audioStreamId;
    await until(() => streams(a).some((e) => e.audioStreamId === bStream && e.muted === true), 'Ann told Ben muted');
    await until(() => a.frames.some((f) => f.type === 'AUDIO_METADATA' && f.json.audioMetadata.attendeeStates.some((x) => x.audioStreamId === bStream)), 'AUDIO_METADATA');
    const m = (await s.hook('meetings')).find((x) => x.attendees.some((y) => y.AttendeeId === a.id));
    assert.deepEqual(m.attendees.map((x) => [x.ExternalUserId, x.muted, x.media.connectionState]), [['Ann', false, 'connected'], ['Ben', true, 'connected']]);
    b.send('LEAVE', { leave: {} });
    await until(() => b.frames.some((f) => f.type === 'LEAVE_ACK'), 'LEAVE_ACK');
    await until(() => streams(a).some((e) => e.audioStreamId === bStream && !e.attendeeId && !('muted' in e) && !e.dropped), 'Ann told Ben left');
  } finally {
    await a.close();
    await b.close();
  }
});
