// Chime signaling at MediaPlacement.SignalingUrl (ws://<api>/control/<meetingId>), as
// amazon-chime-sdk-js 3.32.0 speaks it: subprotocols ['_aws_wt_session', JoinToken]; JOIN → JOIN_ACK +
// INDEX; SUBSCRIBE → SUBSCRIBE_ACK with a werift answer; PING → PONG; AUDIO_CONTROL → mute presence;
// AUDIO_STREAM_ID_INFO presence; AUDIO_METADATA volumes every 500 ms; LEAVE → LEAVE_ACK. Meeting
// end: AUDIO_STATUS 410 then close 4410; attendee removed: AUDIO_STATUS 411 then close 4403; an unknown
// JoinToken: close 4403 "attendee unavailable" (what the service answers, per the SDK's issue tracker).
'use strict';
const { WebSocketServer } = require('ws');
const codec = require('./codec');
const { AttendeeMedia } = require('./media');

const METADATA_MS = 500;
const CLOSE_AFTER_STATUS_MS = 1000;  // time for the SDK's LEAVE → LEAVE_ACK before the server closes

class Signaling {
  constructor(state, { host }) {
    this.state = state;
    this.host = host;
    this.sessions = new Set();
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: 1 << 20,
      handleProtocols: (protocols) => (protocols.has('_aws_wt_session') ? '_aws_wt_session' : false),
    });
    this.metadataTimer = setInterval(() => this.sendMetadata(), METADATA_MS);
    this.silenceTimer = setInterval(() => { for (const s of this.sessions) if (s.media) s.media.tickSilence(); }, 20);
    state.signaling = this;
  }

  // http 'upgrade' handler; returns false when the path is not ours.
  upgrade(req, socket, head) {
    const url = new URL(req.url, 'http://x');
    const m = /^\/control\/([A-Za-z0-9-]{1,64})$/.exec(url.pathname);
    if (!m) return false;
    const protocols = (req.headers['sec-websocket-protocol'] || '').split(',').map((s) => s.trim()).filter(Boolean);
    const query = Object.fromEntries(url.searchParams);
    if (!protocols.includes('_aws_wt_session') || protocols.length !== 2) {
      this.state.log({ kind: 'ws-refused', url: req.url, query, protocols, status: 400, reason: 'subprotocols must be [_aws_wt_session, JoinToken]' });
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nsubprotocols must be _aws_wt_session and the JoinToken\n');
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, req.url, m[1], query, protocols));
    return true;
  }

  open(ws, url, meetingId, query, protocols) {
    const token = protocols.find((p) => p !== '_aws_wt_session');
    const meeting = this.state.meetings.get(meetingId);
    const attendee = meeting && !meeting.ended ? this.state.attendeeByToken(meetingId, token) : null;
    this.state.log({ kind: 'ws-open', url, query, protocols: ['_aws_wt_session', token ? '<JoinToken>' : null], attendeeId: attendee ? attendee.AttendeeId : null, meetingId });
    const s = { ws, meeting, attendee, open: true, joined: false, left: false, media: null, subscribing: Promise.resolve() };
    ws.on('close', (code, reason) => this.closed(s, code, String(reason)));
    ws.on('error', () => {});
    if (!meeting || meeting.ended) return this.close(s, 4410, 'meeting ended');
    if (!attendee) return this.close(s, 4403, 'attendee unavailable');
    if (attendee.session && attendee.session !== s) this.retire(attendee.session);
    attendee.session = s;
    attendee.left = false;
    this.sessions.add(s);
    ws.on('message', (data, isBinary) => this.message(s, data, isBinary));
  }

  // The attendee reconnected on a new socket: drop the old one without telling anyone.
  retire(old) {
    old.retired = true;
    this.sessions.delete(old);
    if (old.media) old.media.close();
    this.close(old, 1000, 'replaced by a new connection');
  }

  close(s, code, reason) {
    if (s.ws.readyState === s.ws.OPEN || s.ws.readyState === s.ws.CONNECTING) s.ws.close(code, reason);
  }

  send(s, type, fields) {
    if (s.ws.readyState !== s.ws.OPEN) return;
    const buf = codec.encode(type, fields);
    this.state.log({ kind: 'frame', dir: 'out', attendeeId: s.attendee && s.attendee.AttendeeId, type, frame: codec.decode(buf).json });
    s.ws.send(buf);
  }

  message(s, data, isBinary) {
    const d = codec.decode(isBinary ? data : Buffer.from(String(data)));
    const attendeeId = s.attendee.AttendeeId;
    if (!d.ok) {
      this.state.log({ kind: 'frame', dir: 'in', attendeeId, type: null, error: d.error });
      return;
    }
    this.state.log({ kind: 'frame', dir: 'in', attendeeId, type: d.type, frame: d.json });
    const msg = d.message;
    switch (d.type) {
      case 'JOIN': return this.onJoin(s, msg.join);
      case 'SUBSCRIBE':
        s.subscribing = s.subscribing.then(() => this.onSubscribe(s, msg.sub)).catch((e) => this.fail(s, e));
        return undefined;
      case 'PING_PONG':
        if (msg.pingPong && msg.pingPong.type === codec.proto.SdkPingPongType.PING) {
          this.send(s, 'PING_PONG', { pingPong: { type: 'PONG', pingId: msg.pingPong.pingId } });
        }
        return undefined;
      case 'AUDIO_CONTROL': return this.setMuted(s, !!(msg.audioControl && msg.audioControl.muted));
      case 'LEAVE': return this.onLeave(s);
      default: return undefined;  // CLIENT_METRIC, DATA_MESSAGE, …: logged, nothing to do
    }
  }

  fail(s, e) {
    this.state.log({ kind: 'error', attendeeId: s.attendee.AttendeeId, message: e.message });
    this.send(s, 'SUBSCRIBE_ACK', { error: { status: 500, description: e.message } });
    this.close(s, 4500, 'media setup failed');
  }

  onJoin(s, join) {
    if (!join || join.protocolVersion !== 2) {
      this.send(s, 'JOIN_ACK', { error: { status: 400, description: `protocol_version ${join && join.protocolVersion} is not 2` } });
      return this.close(s, 4400, 'unsupported protocol version');
    }
    s.joined = true;
    // No TURN here (none reachable); the SDK then logs "missing TURN credentials" and uses host candidates.
    this.send(s, 'JOIN_ACK', { joinack: { wantsCompressedSdp: false } });
    const present = [...s.meeting.attendees.values()].filter((a) => a.session && a.session.open && !a.left).length;
    this.send(s, 'INDEX', { index: { atCapacity: false, sources: [], numParticipants: present } });
    return undefined;
  }

  async onSubscribe(s, sub) {
    if (!s.joined) {
      this.send(s, 'SUBSCRIBE_ACK', { error: { status: 400, description: 'SUBSCRIBE before JOIN' } });
      return;
    }
    if (!sub || !sub.sdpOffer) {
      this.send(s, 'SUBSCRIBE_ACK', { error: { status: 400, description: 'SUBSCRIBE without sdp_offer (compressed SDP is not offered: JOIN_ACK says wants_compressed_sdp=false)' } });
      return;
    }
    const a = s.attendee;
    if (!s.media) {
      s.media = new AttendeeMedia({
        host: this.host,
        label: a.AttendeeId.slice(0, 8),
        onRtp: (media, rtp) => this.forward(s, rtp),
        onState: (st) => this.state.log({ kind: 'media', attendeeId: a.AttendeeId, connectionState: st }),
      });
    }
    const answer = await s.media.answer(sub.sdpOffer);
    if (!s.open || s.retired) return;
    this.send(s, 'SUBSCRIBE_ACK', { suback: { duplex: 'RX', sdpAnswer: answer } });
    // First SUBSCRIBE of this socket (a reconnect opens a new one): the attendee's audio stream is up.
    if (!s.announced) {
      s.announced = true;
      if (a.streamId == null) a.streamId = s.meeting.nextStreamId++;
      a.muted = !!sub.audioMuted;
      this.announce(s);
    }
  }

  // Presence: the newcomer learns everyone present (itself included), the others learn the newcomer.
  announce(s) {
    const a = s.attendee;
    const present = this.present(s.meeting);
    const entry = (x) => [{ audioStreamId: x.streamId, attendeeId: x.AttendeeId, externalUserId: x.ExternalUserId },
      ...(x.muted ? [{ audioStreamId: x.streamId, muted: true }] : [])];
    this.send(s, 'AUDIO_STREAM_ID_INFO', { audioStreamIdInfo: { streams: present.flatMap(entry) } });
    for (const o of present) if (o !== a) this.send(o.session, 'AUDIO_STREAM_ID_INFO', { audioStreamIdInfo: { streams: entry(a) } });
  }

  present(meeting) {
    return [...meeting.attendees.values()].filter((x) => x.streamId != null && x.session && x.session.open && !x.left && !x.removed);
  }

  setMuted(s, muted) {
    const a = s.attendee;
    a.muted = muted;
    if (a.streamId == null) return;
    for (const o of this.present(s.meeting)) {
      this.send(o.session, 'AUDIO_STREAM_ID_INFO', { audioStreamIdInfo: { streams: [{ audioStreamId: a.streamId, muted }] } });
    }
  }

  // 1:1: each attendee's packets go to the other attendee's downlink.
  forward(s, rtp) {
    for (const o of this.present(s.meeting)) {
      if (o === s.attendee || !o.session.media) continue;
      o.session.media.forward(s.attendee.AttendeeId, rtp);
    }
  }

  sendMetadata() {
    const byMeeting = new Map();
    for (const s of this.sessions) {
      if (!s.media || s.attendee.streamId == null) continue;
      const w = s.media.takeWindow();
      if (!byMeeting.has(s.meeting)) byMeeting.set(s.meeting, []);
      // volume is -dBov (the SDK maps 14 → 1.0 and 42 → 0.0); signal_strength 0..2.
      byMeeting.get(s.meeting).push({ audioStreamId: s.attendee.streamId, volume: s.attendee.muted ? 127 : w.volume, signalStrength: w.packets > 0 ? 2 : 0 });
    }
    for (const [meeting, states] of byMeeting) {
      for (const o of this.present(meeting)) this.sendQuiet(o.session, 'AUDIO_METADATA', { audioMetadata: { attendeeStates: states } });
    }
  }

  // AUDIO_METADATA goes out twice a second per attendee: kept out of the log to keep it readable.
  sendQuiet(s, type, fields) {
    if (s.ws.readyState === s.ws.OPEN) s.ws.send(codec.encode(type, fields));
  }

  onLeave(s) {
    this.send(s, 'LEAVE_ACK', { leaveAck: {} });
    this.depart(s, false);
  }

  // The attendee's audio stream goes away: others get {audio_stream_id} (+ dropped when it vanished).
  depart(s, dropped) {
    const a = s.attendee;
    if (s.left) return;
    s.left = true;
    const wasPresent = a.streamId != null;
    const id = a.streamId;
    a.left = true;
    a.streamId = null;
    a.muted = false;
    if (s.media) { s.media.close(); }
    this.sessions.delete(s);
    if (!wasPresent) return;
    for (const o of this.present(s.meeting)) {
      this.send(o.session, 'AUDIO_STREAM_ID_INFO', { audioStreamIdInfo: { streams: [{ audioStreamId: id, ...(dropped ? { dropped: true } : {}) }] } });
    }
  }

  closed(s, code, reason) {
    s.open = false;
    this.state.log({ kind: 'ws-close', attendeeId: s.attendee && s.attendee.AttendeeId, code, reason });
    if (!s.attendee || s.retired || !this.sessions.has(s)) return;
    this.depart(s, true);
  }

  endMeeting(meeting) {
    let n = 0;
    for (const a of meeting.attendees.values()) {
      const s = a.session;
      if (!s || !s.open) continue;
      n++;
      this.send(s, 'AUDIO_STATUS', { audioStatus: { audioStatus: 410 } });
      setTimeout(() => this.close(s, 4410, 'meeting ended'), CLOSE_AFTER_STATUS_MS);
    }
    return n;
  }

  removeAttendee(meeting, a) {
    const s = a.session;
    if (!s || !s.open) return 0;
    this.send(s, 'AUDIO_STATUS', { audioStatus: { audioStatus: 411 } });
    this.depart(s, false);
    setTimeout(() => this.close(s, 4403, 'attendee unavailable'), CLOSE_AFTER_STATUS_MS);
    return 1;
  }

  async shutdown() {
    clearInterval(this.metadataTimer);
    clearInterval(this.silenceTimer);
    const all = [...this.wss.clients];
    for (const s of this.sessions) if (s.media) await s.media.close();
    for (const ws of all) ws.close(1001, 'stand-in shutting down');
    await new Promise((r) => setTimeout(r, 50));
    for (const ws of all) ws.terminate();
  }
}

module.exports = { Signaling };
