// One attendee's media leg: a werift RTCPeerConnection answering the SDK's SUBSCRIBE offer (host
// candidates on one address only, all gathered before the answer, a=msid on the audio m-line, video
// answered inactive), the attendee's received Opus RTP with its RFC 6464 audio level, and the
// attendee's downlink: a continuous RTP stream carrying the other attendee's forwarded Opus packets,
// or Opus silence frames while nobody else is sending (Chime always sends a mixed downlink, and the
// SDK's health policy reconnects after ~25 s without received audio packets).
'use strict';
const {
  RTCPeerConnection, RTCRtpCodecParameters, MediaStreamTrack, RtpPacket, RtpHeader, useAudioLevelIndication,
} = require('werift');

const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);  // one 20 ms Opus CELT frame that decodes to silence
const FRAME_TS = 960;  // 20 ms at 48 kHz

class AttendeeMedia {
  constructor({ host, label, onRtp, onState }) {
    this.host = host;
    this.label = label;
    this.onRtp = onRtp;              // (media, rtpPacket) for every received audio packet
    this.onState = onState || (() => {});
    this.audioLevelId = null;        // extmap id of ssrc-audio-level in the client's offer
    this.packetsIn = 0;
    this.packetsOut = 0;
    this.lastPacketAt = 0;
    this.window = { packets: 0, levelSum: 0, levelCount: 0 };
    this.out = { seq: Math.floor(Math.random() * 65535), ts: Math.floor(Math.random() * 2 ** 31), lastSrcTs: null, lastSrc: null, lastForwardAt: 0 };
    this.closed = false;
    this.pc = new RTCPeerConnection({
      codecs: {
        audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
        video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000 })],
      },
      headerExtensions: { audio: [useAudioLevelIndication()] },
      iceInterfaceAddresses: { udp4: host },
      iceAdditionalHostAddresses: [host],
      iceUseIpv6: false,
      iceUseTcp: false,
    });
    this.track = new MediaStreamTrack({ kind: 'audio' });
    this.pc.connectionStateChange.subscribe((s) => this.onState(s));
    this.pc.onTrack.subscribe((track) => {
      if (track.kind !== 'audio') return;
      track.onReceiveRtp.subscribe((rtp) => this.received(rtp));
    });
  }

  get connectionState() { return this.pc.connectionState; }

  // SDP offer (from SUBSCRIBE) → SDP answer with only `host` candidates.
  async answer(offerSdp) {
    const m = new RegExp(`^a=extmap:(\\d+)(?:/\\w+)? ${AUDIO_LEVEL_URI.replace(/[.]/g, '\\.')}\\s*$`, 'm').exec(offerSdp);
    this.audioLevelId = m ? Number(m[1]) : null;
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    for (const t of this.pc.getTransceivers()) {
      if (t.kind === 'audio') {
        if (t.sender.track !== this.track) await t.sender.replaceTrack(this.track);
        t.sender.streamIds = [`chime-downlink-${this.label}`];
        t.setDirection('sendrecv');
      } else {
        t.setDirection('inactive');
      }
    }
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    if (this.pc.iceGatheringState !== 'complete') {
      await new Promise((resolve) => {
        const sub = this.pc.iceGatheringStateChange.subscribe((s) => { if (s === 'complete') { sub.unSubscribe(); resolve(); } });
      });
    }
    const sdp = this.pc.localDescription.sdp;
    return sdp.split(/\r\n/).filter((line) => {
      if (!line.startsWith('a=candidate:')) return true;
      const f = line.split(' ');
      return f[4] === this.host && f[2].toLowerCase() === 'udp';
    }).join('\r\n');
  }

  received(rtp) {
    this.packetsIn++;
    this.lastPacketAt = Date.now();
    this.window.packets++;
    if (this.audioLevelId != null) {
      const ext = rtp.header.extensions.find((e) => e.id === this.audioLevelId);
      if (ext && ext.payload.length >= 1) {
        this.window.levelSum += ext.payload[0] & 0x7f;
        this.window.levelCount++;
      }
    }
    this.onRtp(this, rtp);
  }

  // The attendee's audio since the last call: { packets, volume (-dBov, 0 loudest .. 127 silent) }.
  takeWindow() {
    const w = this.window;
    this.window = { packets: 0, levelSum: 0, levelCount: 0 };
    return { packets: w.packets, volume: w.levelCount ? Math.round(w.levelSum / w.levelCount) : 127 };
  }

  get flowing() { return Date.now() - this.lastPacketAt < 1000; }

  // Put one packet of someone else's audio on this attendee's downlink (continuous seq/timestamps).
  forward(srcKey, rtp) {
    const o = this.out;
    let step = FRAME_TS;
    if (o.lastSrc === srcKey && o.lastSrcTs != null) {
      const d = (rtp.header.timestamp - o.lastSrcTs) >>> 0;
      if (d > 0 && d <= 48000) step = d;
      else if (d === 0 || d > 0x80000000) return;  // duplicate or reordered: drop
    }
    o.lastSrc = srcKey;
    o.lastSrcTs = rtp.header.timestamp;
    o.lastForwardAt = Date.now();
    this.emit(rtp.payload, step, rtp.header.marker);
  }

  // Called every 20 ms: Opus silence while nothing was forwarded for 60 ms.
  tickSilence() {
    if (this.closed || this.pc.connectionState !== 'connected') return;
    if (Date.now() - this.out.lastForwardAt < 60) return;
    this.out.lastSrc = null;
    this.emit(OPUS_SILENCE, FRAME_TS, false);
  }

  emit(payload, step, marker) {
    if (this.closed || this.pc.connectionState !== 'connected') return;
    const o = this.out;
    o.seq = (o.seq + 1) & 0xffff;
    o.ts = (o.ts + step) >>> 0;
    const header = new RtpHeader({ sequenceNumber: o.seq, timestamp: o.ts, marker, payloadType: 111, ssrc: 1, extensions: [] });
    try {
      this.track.writeRtp(new RtpPacket(header, payload));
      this.packetsOut++;
    } catch { /* the peer is closing */ }
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    try { await this.pc.close(); } catch { /* already */ }
  }
}

module.exports = { AttendeeMedia };
