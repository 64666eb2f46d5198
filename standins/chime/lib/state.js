// What seed 000's DynamoDB tables and Amazon Chime's control plane hold, in memory: rooms with a TTL,
// the single-use flags of invites (a conditional write: put-if-absent on the jti), meetings
// (CreateMeeting on the first join, the full meeting afterwards) and their attendees. Also the
// stand-in's event log and the fault switch that reproduces the seed's troubleshooting cases.
'use strict';
const crypto = require('node:crypto');
const jwt = require('./jwt');

const LOG_CAP = 20000;
const FAULTS = ['no-media-placement', 'missing-external-meeting-id'];

class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body || { code, message };
  }
}

class State {
  constructor(cfg) {
    this.cfg = cfg;  // { api, region, jwtSecret, inviteTtlS, roomTtlS, linkOrigin }
    this.rooms = new Map();     // roomId → { roomId, title, createdAt, expiresAtS, meetingId }
    this.usedJti = new Map();   // jti → { usedAtS, expS }
    this.meetings = new Map();  // meetingId → meeting record (see createMeeting)
    this.joinTokens = new Map();  // JoinToken → { meetingId, attendeeId }
    this.events = [];
    this.fault = null;
    this.signaling = null;      // set by the signaling server (ends sessions on hooks)
  }

  log(event) {
    this.events.push({ at: Date.now(), ...event });
    if (this.events.length > LOG_CAP) this.events.splice(0, this.events.length - LOG_CAP);
  }

  setFault(join) {
    if (join !== null && !FAULTS.includes(join)) {
      throw new ApiError(400, 'faults.unknown', `Unknown join fault ${JSON.stringify(join)}; use one of ${FAULTS.join(', ')} or null.`);
    }
    this.fault = join;
  }

  createRoom({ title = 'Call', hostName = 'Host', guestName = 'Guest' } = {}) {
    for (const [k, v] of Object.entries({ title, hostName, guestName })) {
      if (typeof v !== 'string' || !v.trim() || v.length > 100) {
        throw new ApiError(400, 'request.invalid', `${k} must be a non-empty string of at most 100 characters.`);
      }
    }
    const nowS = Math.floor(Date.now() / 1000);
    const roomId = crypto.randomUUID();
    this.rooms.set(roomId, { roomId, title, createdAt: nowS, expiresAtS: nowS + this.cfg.roomTtlS, meetingId: null });
    const exp = Math.min(nowS + this.cfg.inviteTtlS, nowS + this.cfg.roomTtlS);
    const link = (role, name) => {
      const t = jwt.sign({ iss: 'earshot', typ: 'invite', room: roomId, role, name, jti: crypto.randomUUID(), iat: nowS, exp, title }, this.cfg.jwtSecret);
      return `${this.cfg.linkOrigin}/room.html?room=${encodeURIComponent(roomId)}&t=${t}`;
    };
    return { roomId, title, hostLink: link('host', hostName), guestLink: link('guest', guestName), expiresAt: exp };
  }

  // The seed's join Lambda. Everything from the used-flag check to the attendee's creation runs
  // without yielding, so of N concurrent joins with one invite exactly one passes the conditional write.
  join(roomId, token) {
    const v = jwt.verifyInvite(token, this.cfg.jwtSecret);
    if (!v.ok) throw new ApiError(v.code === 'invite.expired' ? 410 : 401, v.code, v.message);
    const { claims } = v;
    if (claims.room !== roomId) {
      throw new ApiError(400, 'invite.mismatch', `This invite is for room ${claims.room}, not ${roomId}.`);
    }
    const room = this.rooms.get(roomId);
    if (!room || room.expiresAtS <= Math.floor(Date.now() / 1000)) {
      throw new ApiError(404, 'room.not_found', `Room ${roomId} does not exist or has expired.`);
    }
    if (this.usedJti.has(claims.jti)) throw new ApiError(409, 'invite.used', 'This invite link has already been used.');
    if (this.fault === 'missing-external-meeting-id' && !room.meetingId) {
      // CreateMeeting without ExternalMeetingId: the seed's Lambda surfaces a bare 500.
      throw new ApiError(500, 'meeting.create_failed', 'Missing ExternalMeetingId', { message: 'Missing ExternalMeetingId' });
    }
    let meeting = room.meetingId && this.meetings.get(room.meetingId);
    if (meeting && meeting.ended) meeting = null;
    const seated = meeting ? [...meeting.attendees.values()].filter((a) => !a.removed && !a.left).length : 0;
    if (seated >= 2) throw new ApiError(409, 'room.full', 'This call already has two people in it.');
    // Conditional write: put the jti only if absent (checked above, no await in between).
    this.usedJti.set(claims.jti, { usedAtS: Math.floor(Date.now() / 1000), expS: claims.exp });
    if (!meeting) {
      meeting = this.createMeeting(room);
      room.meetingId = meeting.MeetingId;
    }
    const attendee = this.createAttendee(meeting, claims);
    const m = this.meetingView(meeting);
    if (this.fault === 'no-media-placement') delete m.MediaPlacement;
    return { Meeting: m, Attendee: this.attendeeView(attendee) };
  }

  createMeeting(room) {
    const id = crypto.randomUUID();
    const { api, region } = this.cfg;
    const wsBase = api.replace(/^http/, 'ws');
    const meeting = {
      MeetingId: id,
      ExternalMeetingId: room.roomId.slice(0, 64),
      MediaRegion: region,
      MediaPlacement: {
        // The SDK must never contact AudioHostUrl, AudioFallbackUrl or TurnControlUrl (3.32 gets TURN
        // in JOIN_ACK); they point at stand-in paths that log any request.
        AudioHostUrl: `${api.replace(/^https?:\/\//, '')}/media/audio-host/${id}`,
        AudioFallbackUrl: `${wsBase}/media/audio-fallback/${id}`,
        SignalingUrl: `${wsBase}/control/${id}`,
        TurnControlUrl: `${api}/v2/turn_sessions`,
        EventIngestionUrl: `${api}/v1/client-events`,
      },
      MeetingArn: `arn:aws:chime:${region}:000000000000:meeting/${id}`,
      roomId: room.roomId,
      createdAt: Date.now(),
      ended: false,
      nextStreamId: 1,
      attendees: new Map(),
    };
    this.meetings.set(id, meeting);
    return meeting;
  }

  createAttendee(meeting, claims) {
    const attendeeId = crypto.randomUUID();
    // A legal WebSocket subprotocol token (base64url: no '=', '/', '+' or spaces), as vendors.md requires.
    const joinToken = crypto.randomBytes(48).toString('base64url');
    const a = {
      AttendeeId: attendeeId, ExternalUserId: claims.name, JoinToken: joinToken, role: claims.role,
      Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' },
      meetingId: meeting.MeetingId, streamId: null, muted: false, removed: false, left: false, session: null,
    };
    meeting.attendees.set(attendeeId, a);
    this.joinTokens.set(joinToken, { meetingId: meeting.MeetingId, attendeeId });
    return a;
  }

  meetingView(m) {
    return {
      MeetingId: m.MeetingId, ExternalMeetingId: m.ExternalMeetingId, MediaRegion: m.MediaRegion,
      MediaPlacement: { ...m.MediaPlacement }, MeetingArn: m.MeetingArn,
    };
  }

  attendeeView(a) {
    return { AttendeeId: a.AttendeeId, ExternalUserId: a.ExternalUserId, JoinToken: a.JoinToken, Capabilities: { ...a.Capabilities } };
  }

  attendeeByToken(meetingId, token) {
    const ref = this.joinTokens.get(token);
    if (!ref || ref.meetingId !== meetingId) return null;
    const a = this.meetings.get(meetingId).attendees.get(ref.attendeeId);
    return a && !a.removed ? a : null;
  }

  endMeeting(meetingId) {
    const m = this.meetings.get(meetingId);
    if (!m) throw new ApiError(404, 'meeting.not_found', `No meeting ${meetingId}.`);
    if (m.ended) throw new ApiError(410, 'meeting.ended', `Meeting ${meetingId} has already ended.`);
    m.ended = true;
    const room = this.rooms.get(m.roomId);
    if (room && room.meetingId === meetingId) room.meetingId = null;
    const sessions = this.signaling ? this.signaling.endMeeting(m) : 0;
    return { meetingId, ended: true, sessionsEnded: sessions };
  }

  removeAttendee(attendeeId) {
    for (const m of this.meetings.values()) {
      const a = m.attendees.get(attendeeId);
      if (!a) continue;
      if (a.removed) throw new ApiError(410, 'attendee.removed', `Attendee ${attendeeId} was already removed.`);
      a.removed = true;
      this.joinTokens.delete(a.JoinToken);
      const sessions = this.signaling ? this.signaling.removeAttendee(m, a) : 0;
      return { attendeeId, removed: true, sessionsEnded: sessions };
    }
    throw new ApiError(404, 'attendee.not_found', `No attendee ${attendeeId}.`);
  }

  meetingsView() {
    return [...this.meetings.values()].map((m) => ({
      ...this.meetingView(m), roomId: m.roomId, ended: m.ended,
      attendees: [...m.attendees.values()].map((a) => ({
        ...this.attendeeView(a), role: a.role, audioStreamId: a.streamId, muted: a.muted, removed: a.removed, left: a.left,
        connected: !!(a.session && a.session.open),
        media: a.session && a.session.media ? {
          connectionState: a.session.media.connectionState, flowing: a.session.media.flowing,
          packetsIn: a.session.media.packetsIn, packetsOut: a.session.media.packetsOut,
        } : null,
      })),
    }));
  }

  // DynamoDB TTL: expired rooms (and their meetings) and the used flags of expired invites go away.
  sweep() {
    const nowS = Math.floor(Date.now() / 1000);
    for (const [id, room] of this.rooms) {
      if (room.expiresAtS > nowS) continue;
      this.rooms.delete(id);
      if (room.meetingId) { try { this.endMeeting(room.meetingId); } catch { /* gone */ } }
    }
    for (const [jti, u] of this.usedJti) if (u.expS <= nowS) this.usedJti.delete(jti);
  }
}

module.exports = { State, ApiError, FAULTS };
