// The IVS stand-in as one object: seed 002's room API (POST /room/join, GET /rooms/{id}), the Stage
// service (events WebSocket at /events, WHIP at /whip/...) with a werift SFU, test hooks under
// /_standin/, and an optional static server for pages. server.js parses flags and runs it.
'use strict';
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { WebSocketServer } = require('ws');
const { KeyStore, randomId } = require('./keys');
const { answerLeg, forwardTrack } = require('./sfu');

const USERNAME_MAX = 128;  // characters; IVS caps all participant attributes together at 1 KB
const BODY_MAX = 64 * 1024;
const LOG_MAX = 50000;

class HttpError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

function createStandin(opts) {
  const o = {
    host: '127.0.0.1', port: 0, roomLifetimeS: 3600, tokenTtlS: 3600, pageOrigins: [], pagesDir: null,
    pagesPort: 0, region: 'us-east-1', ...opts,
  };
  const keys = new KeyStore(o.keyDir, o.region);
  const rooms = new Map();   // roomId (= stage id) -> room
  const legs = new Map();    // WHIP session id -> leg
  const ended = new Map();   // WHIP session id -> participant id, for sessions the stand-in already closed
  const log = [];
  let logSeq = 0;
  let apiBase = '';
  let pagesBase = null;
  const allowedOrigins = new Set(o.pageOrigins);

  const record = (entry) => {
    log.push(Object.assign(entry, { seq: ++logSeq, t: Date.now() }));
    if (log.length > LOG_MAX) log.splice(0, log.length - LOG_MAX);
  };

  // ---- stages ---------------------------------------------------------------------------------
  function participantView(p) {
    return { id: p.id, userId: p.userId, attributes: p.attributes, isPublishing: p.isPublishing, audioMuted: p.audioMuted, videoStopped: p.videoStopped };
  }
  function send(p, frame) {
    if (!p.socket || p.socket.readyState !== 1) return;
    record({ kind: 'frame', dir: 'out', participantId: p.id, frame });
    p.socket.send(JSON.stringify(frame));
  }
  function envelope(type, payload) {
    return { type, id: randomId(16), sender: 'stage', timestamp: Date.now(), payload };
  }
  // Every change of who is in the stage or of their state: the full state, one sequence number higher.
  function broadcastState(room) {
    room.seq += 1;
    const payload = { sequenceNumber: room.seq, participants: [...room.participants.values()].map(participantView), disconnected: [], serverFeatures: [] };
    for (const p of room.participants.values()) send(p, envelope('STAGE_STATE', payload));
  }
  function subscriberCount(room, publisherId) {
    const p = room.participants.get(publisherId);
    if (!p) return;
    const count = [...legs.values()].filter((l) => l.kind === 'subscribe' && l.roomId === room.id && l.remoteId === publisherId).length;
    if (count === p.lastSubscriberCount) return;
    p.lastSubscriberCount = count;
    p.subscriberCountSeq += 1;
    send(p, envelope('aws:ivs:SUBSCRIBER_COUNT', { sequenceNumber: p.subscriberCountSeq, count }));
  }
  function closeLeg(leg, why) {
    if (!legs.has(leg.id)) return;
    legs.delete(leg.id);
    leg.closedBecause = why;
    // The SDK's leave() closes the events socket and DELETEs its sessions at the same time; a DELETE that
    // arrives after the socket's close already ended the session still succeeds (DELETE is idempotent).
    ended.set(leg.id, leg.participantId);
    if (ended.size > 10000) ended.delete(ended.keys().next().value);
    leg.pc.close().catch(() => {});
    const room = rooms.get(leg.roomId);
    if (!room) return;
    if (leg.kind === 'publish') {
      const p = room.participants.get(leg.participantId);
      if (p && p.publish === leg) {
        p.publish = null;
        if (p.isPublishing) { p.isPublishing = false; broadcastState(room); }
      }
      for (const l of [...legs.values()]) if (l.kind === 'subscribe' && l.roomId === room.id && l.remoteId === leg.participantId) closeLeg(l, 'publisher gone');
    } else {
      subscriberCount(room, leg.remoteId);
    }
  }
  function removeParticipant(room, p, why) {
    if (room.participants.get(p.id) !== p) return;
    room.participants.delete(p.id);
    for (const l of [...legs.values()]) {
      if (l.roomId === room.id && (l.participantId === p.id || l.remoteId === p.id)) closeLeg(l, why);
    }
    broadcastState(room);
  }
  // The stage is deleted (room lifetime over, or the test hook): everyone gets DISCONNECT STAGE_DELETED.
  function deleteRoom(room, why) {
    if (rooms.get(room.id) !== room) return 0;
    rooms.delete(room.id);
    clearTimeout(room.timer);
    const people = [...room.participants.values()];
    for (const l of [...legs.values()]) if (l.roomId === room.id) closeLeg(l, why);
    for (const p of people) {
      send(p, envelope('aws:ivs:DISCONNECT', { code: 'STAGE_DELETED', message: `The stage was deleted (${why})` }));
      p.socket.close(1000, 'stage deleted');
    }
    room.participants.clear();
    record({ kind: 'room-deleted', roomId: room.id, why, disconnected: people.map((p) => p.id) });
    return people.length;
  }
  function createRoom() {
    let id;
    do id = randomId(12); while (rooms.has(id));
    const now = Date.now();
    const room = {
      id, stageArn: `arn:aws:ivs:${o.region}:000000000000:stage/${id}`, createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + o.roomLifetimeS * 1000).toISOString(), seq: 0, participants: new Map(), issued: new Map(),
    };
    room.timer = setTimeout(() => deleteRoom(room, `room lifetime of ${o.roomLifetimeS} s over`), o.roomLifetimeS * 1000);
    room.timer.unref();
    rooms.set(id, room);
    return room;
  }
  function issueToken(room, username) {
    const participantId = randomId(12);
    const iat = Math.floor(Date.now() / 1000);
    const attributes = { name: username };
    const token = keys.sign({
      attributes, capabilities: { allow_publish: true, allow_subscribe: true }, version: '1.0', topic: room.id,
      resource: room.stageArn, jti: participantId, user_id: username, whip_url: `${apiBase}/whip`,
      events_url: `${apiBase.replace(/^http/, 'ws')}/events`, exp: iat + o.tokenTtlS, iat,
    });
    room.issued.set(participantId, { userId: username, attributes });
    return { token, participantId };
  }

  // ---- events WebSocket -------------------------------------------------------------------------
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => [...protocols][0] || false });
  wss.on('connection', (ws, req) => {
    const url = new URL(req.url, apiBase);
    const token = ws.protocol || '';
    record({ kind: 'ws-open', url: req.url, query: Object.fromEntries(url.searchParams), protocol: token });
    const refuse = (code, message) => {
      const frame = envelope('aws:ivs:JOIN_ERROR', { code, message, fatal: true });
      record({ kind: 'frame', dir: 'out', participantId: null, frame });
      ws.send(JSON.stringify(frame));
      ws.close(1000, code);
    };
    const v = keys.verify(token);
    if (!v.ok) return refuse(v.code, v.message);
    const { claims } = v;
    if (url.searchParams.get('topic') !== `${claims.topic}/publishers`) {
      return refuse('BAD_REQUEST', `the topic query parameter must be "${claims.topic}/publishers"; got ${JSON.stringify(url.searchParams.get('topic'))}`);
    }
    const room = rooms.get(claims.topic);
    if (!room || room.stageArn !== claims.resource) return refuse('STAGE_DELETED', `stage ${claims.resource} does not exist (deleted or never created)`);
    const old = room.participants.get(claims.jti);
    if (old) {
      send(old, envelope('aws:ivs:DISCONNECT', { code: 'TOKEN_REUSED', message: 'the same participant token joined again' }));
      old.socket.close(1000, 'token reused');
      removeParticipant(room, old, 'token reused');
    }
    const p = {
      id: claims.jti, userId: claims.user_id || '', attributes: claims.attributes || {}, isPublishing: false, audioMuted: false,
      videoStopped: true, socket: ws, joinedAt: new Date().toISOString(), publish: null, subscriberCountSeq: 0, lastSubscriberCount: 0,
      capabilities: claims.capabilities,
    };
    room.participants.set(p.id, p);
    ws.on('message', (data) => {
      const text = data.toString();
      let frame;
      try { frame = JSON.parse(text); } catch { frame = null; }
      record({ kind: 'frame', dir: 'in', participantId: p.id, frame: frame || text });
      if (!frame || typeof frame !== 'object') return;
      if (frame.type === 'PING') send(p, { type: 'PONG' });
      else if (frame.type === 'SET_STATE') {
        let changed = false;
        for (const k of ['audioMuted', 'videoStopped']) {
          if (typeof frame[k] === 'boolean' && frame[k] !== p[k]) { p[k] = frame[k]; changed = true; }
        }
        if (changed && rooms.get(room.id) === room) broadcastState(room);
      }
    });
    ws.on('close', () => { if (rooms.get(room.id) === room) removeParticipant(room, p, 'left'); });
    ws.on('error', () => {});
    broadcastState(room);
  });

  // ---- WHIP ---------------------------------------------------------------------------------
  function bearer(req, { allowExpired = false } = {}) {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization || '');
    if (!m) throw new HttpError(401, 'TOKEN_MISSING', 'WHIP needs "Authorization: Bearer <participant token>"');
    const v = keys.verify(m[1]);
    if (!v.ok && !(allowExpired && v.code === 'TOKEN_EXPIRED')) throw new HttpError(401, v.code, v.message);
    if (!v.ok) {  // expired but signed by us: good enough to end one's own session
      return JSON.parse(Buffer.from(m[1].split('.')[1], 'base64url').toString('utf8'));
    }
    return v.claims;
  }
  // Checked after who may do what, so a stranger learns nothing from the body's faults.
  function checkOffer(req, body) {
    if (!/^application\/sdp\b/i.test(req.headers['content-type'] || '')) throw new HttpError(415, 'sdp.content_type', 'WHIP offers must be sent as Content-Type: application/sdp');
    if (!body.startsWith('v=0')) throw new HttpError(400, 'sdp.invalid', 'the body is not an SDP offer (it must start with v=0)');
    if (!/\r?\nm=/.test(body)) throw new HttpError(400, 'sdp.invalid', 'the SDP offer has no m= line');
  }
  async function whip(req, res, kind, targetId, body) {
    const claims = bearer(req);
    const room = rooms.get(claims.topic);
    if (!room) throw new HttpError(404, 'STAGE_NOT_FOUND', `stage ${claims.resource} does not exist`);
    const me = room.participants.get(claims.jti);
    if (!me) throw new HttpError(409, 'participant.not_joined', `participant ${claims.jti} has no open events socket on stage ${room.id}`);
    let leg;
    if (kind === 'publish') {
      if (targetId !== claims.jti) throw new HttpError(403, 'participant.mismatch', `a token for ${claims.jti} cannot publish as ${targetId}`);
      if (!claims.capabilities.allow_publish) throw new HttpError(403, 'capability.publish', 'the token does not allow publishing');
      checkOffer(req, body);
      if (me.publish) closeLeg(me.publish, 'republished');
      leg = { id: randomId(24), kind, roomId: room.id, participantId: me.id, remoteId: null, state: 'new', rtpPackets: 0, createdAt: new Date().toISOString() };
      const { pc, answer } = await answerOrRefuse({
        host: o.host, offerSdp: body, kind,
        onRtp: (rtp) => {
          leg.rtpPackets += 1;
          for (const l of legs.values()) {
            if (l.kind === 'subscribe' && l.remoteId === me.id && l.roomId === room.id) { l.track.writeRtp(rtp); l.rtpPackets += 1; }
          }
        },
        onState: (s) => {
          leg.state = s;
          if (!legs.has(leg.id)) return;
          if (s === 'connected' && !me.isPublishing && me.publish === leg) { me.isPublishing = true; broadcastState(room); }
          if (s === 'failed' || s === 'closed') closeLeg(leg, `peer connection ${s}`);
        },
      });
      leg.pc = pc;
      await stillThere(room, me, null, pc);
      me.publish = leg;
      legs.set(leg.id, leg);
      return finishWhip(res, leg, answer);
    }
    if (!claims.capabilities.allow_subscribe) throw new HttpError(403, 'capability.subscribe', 'the token does not allow subscribing');
    const remote = room.participants.get(targetId);
    if (!remote || !remote.publish) throw new HttpError(404, 'participant.not_publishing', `participant ${targetId} is not publishing on stage ${room.id}`);
    checkOffer(req, body);
    for (const l of [...legs.values()]) if (l.kind === 'subscribe' && l.participantId === me.id && l.remoteId === targetId) closeLeg(l, 'resubscribed');
    const track = forwardTrack();
    leg = { id: randomId(24), kind, roomId: room.id, participantId: me.id, remoteId: targetId, state: 'new', rtpPackets: 0, track, createdAt: new Date().toISOString() };
    const { pc, answer } = await answerOrRefuse({
      host: o.host, offerSdp: body, kind, track, streamId: targetId,
      onState: (s) => { leg.state = s; if ((s === 'failed' || s === 'closed') && legs.has(leg.id)) closeLeg(leg, `peer connection ${s}`); },
    });
    leg.pc = pc;
    await stillThere(room, me, remote, pc);
    legs.set(leg.id, leg);
    subscriberCount(room, targetId);
    return finishWhip(res, leg, answer);
  }
  // werift refusing the offer is the client's fault (400), not ours.
  async function answerOrRefuse(args) {
    try {
      return await answerLeg(args);
    } catch (e) {
      if (e instanceof HttpError || e.status) throw e;
      throw new HttpError(400, 'sdp.invalid', `the SDP offer was refused: ${e.message}`);
    }
  }
  // The participant (and the publisher subscribed to) may have left while the answer was being made.
  async function stillThere(room, me, remote, pc) {
    const gone = rooms.get(room.id) !== room ? 'the stage was deleted'
      : room.participants.get(me.id) !== me ? `participant ${me.id} left the stage`
        : remote && (room.participants.get(remote.id) !== remote || !remote.publish) ? `participant ${remote.id} stopped publishing` : null;
    if (gone) { await pc.close().catch(() => {}); throw new HttpError(409, 'participant.gone', `${gone} during the WHIP exchange`); }
  }
  function finishWhip(res, leg, answer) {
    res.writeHead(201, { 'Content-Type': 'application/sdp', Location: `/whip/session/${leg.id}` });
    res.end(answer);
  }

  // ---- HTTP ---------------------------------------------------------------------------------
  function cors(req, res) {
    const origin = req.headers.origin;
    if (!origin || !(allowedOrigins.has('*') || allowedOrigins.has(origin))) return;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', 'Location, Link');
  }
  function preflight(req, res) {
    const asked = (req.headers['access-control-request-headers'] || '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
    const ok = asked.filter((h) => h === 'authorization' || h === 'content-type' || h.startsWith('x-stages-'));
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', ok.length ? ok.join(', ') : 'Authorization, Content-Type');
    res.setHeader('Access-Control-Max-Age', '600');
    res.writeHead(204);
    res.end();
  }
  const json = (res, status, value) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  function readBody(req) {
    return new Promise((resolve, reject) => {
      const chunks = [];
      let size = 0;
      req.on('data', (c) => {
        size += c.length;
        if (size > BODY_MAX) { reject(new HttpError(413, 'body.too_large', `request bodies are limited to ${BODY_MAX} bytes`)); req.destroy(); return; }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }
  function parseJoin(body) {
    let v;
    try { v = JSON.parse(body || ''); } catch { throw new HttpError(400, 'body.invalid', 'the body must be a JSON object {username, roomId?}'); }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'body.invalid', 'the body must be a JSON object {username, roomId?}');
    const username = typeof v.username === 'string' ? v.username.trim() : '';
    if (!username) throw new HttpError(400, 'username.invalid', 'username is required: a non-empty string');
    if ([...username].length > USERNAME_MAX) throw new HttpError(400, 'username.invalid', `username is limited to ${USERNAME_MAX} characters`);
    if (v.roomId !== undefined && v.roomId !== null && v.roomId !== '' && typeof v.roomId !== 'string') throw new HttpError(400, 'roomId.invalid', 'roomId must be a string when given');
    return { username, roomId: v.roomId || null };
  }
  const notFoundRoom = (id) => new HttpError(404, 'ROOM_NOT_FOUND', `No room exists with the room ID "${id}"`);
  function roomPublic(room) {
    const participants = {};
    for (const p of room.participants.values()) participants[p.id] = { id: p.id, isPublishing: p.isPublishing, attributes: p.attributes };
    return { id: room.id, stageArn: room.stageArn, createdAt: room.createdAt, isActive: room.participants.size > 0, participants };
  }
  function roomDetail(room) {
    const legView = (l) => l && { session: l.id, state: l.state, rtpPackets: l.rtpPackets, createdAt: l.createdAt };
    return {
      id: room.id, stageArn: room.stageArn, createdAt: room.createdAt, expiresAt: room.expiresAt, sequenceNumber: room.seq,
      participants: [...room.participants.values()].map((p) => ({
        ...participantView(p), joinedAt: p.joinedAt, publish: legView(p.publish),
        subscriptions: [...legs.values()].filter((l) => l.kind === 'subscribe' && l.roomId === room.id && l.participantId === p.id)
          .map((l) => ({ to: l.remoteId, ...legView(l) })),
      })),
    };
  }

  async function route(req, res, url, body) {
    const p = url.pathname;
    const m = req.method;
    let r;
    if (p === '/room/join') {
      if (m !== 'POST') throw new HttpError(405, 'method.not_allowed', 'use POST /room/join');
      const { username, roomId } = parseJoin(body);
      let room;
      if (roomId) { room = rooms.get(roomId); if (!room) throw notFoundRoom(roomId); } else room = createRoom();
      const { token, participantId } = issueToken(room, username);
      return json(res, 200, { roomId: room.id, stageArn: room.stageArn, stageConfig: { token, participantId } });
    }
    if ((r = /^\/rooms\/([^/]+)$/.exec(p))) {
      if (m !== 'GET') throw new HttpError(405, 'method.not_allowed', 'use GET /rooms/{roomId}');
      const room = rooms.get(decodeURIComponent(r[1]));
      if (!room) throw notFoundRoom(decodeURIComponent(r[1]));
      return json(res, 200, roomPublic(room));
    }
    if ((r = /^\/whip\/(publish|subscribe)\/([A-Za-z0-9_-]+)$/.exec(p))) {
      if (m !== 'POST') throw new HttpError(405, 'method.not_allowed', `use POST ${p}`);
      return whip(req, res, r[1], r[2], body);
    }
    if ((r = /^\/whip\/session\/([A-Za-z0-9]+)$/.exec(p))) {
      if (m !== 'DELETE') throw new HttpError(405, 'method.not_allowed', `use DELETE ${p}`);
      const claims = bearer(req, { allowExpired: true });
      const leg = legs.get(r[1]);
      const owner = leg ? leg.participantId : ended.get(r[1]);
      if (!owner) throw new HttpError(404, 'session.not_found', `no WHIP session ${r[1]}`);
      if (owner !== claims.jti) throw new HttpError(403, 'session.not_yours', `WHIP session ${r[1]} belongs to another participant`);
      if (leg) closeLeg(leg, 'DELETE');
      res.writeHead(200);
      return res.end();
    }
    if (p === '/_standin/log' && m === 'GET') {
      const since = Number(url.searchParams.get('since') || 0);
      return json(res, 200, since ? log.filter((e) => e.seq > since) : log);
    }
    if ((r = /^\/_standin\/rooms\/([^/]+)(\/delete)?$/.exec(p))) {
      const room = rooms.get(decodeURIComponent(r[1]));
      if (r[2] && m === 'POST') {
        if (!room) throw notFoundRoom(decodeURIComponent(r[1]));
        return json(res, 200, { deleted: room.id, disconnected: deleteRoom(room, 'deleted through the test hook') });
      }
      if (!r[2] && m === 'GET') { if (!room) throw notFoundRoom(decodeURIComponent(r[1])); return json(res, 200, roomDetail(room)); }
    }
    throw new HttpError(404, 'route.not_found', `no route ${m} ${p}`);
  }

  const api = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    cors(req, res);
    if (req.method === 'OPTIONS') return preflight(req, res);
    try {
      const body = await readBody(req);
      if (!url.pathname.startsWith('/_standin/')) {
        const entry = { kind: 'http', method: req.method, path: req.url, headers: req.headers, ...(body ? { body } : {}), status: null };
        record(entry);
        res.once('finish', () => { entry.status = res.statusCode; });
      }
      await route(req, res, url, body);
    } catch (e) {
      const status = e.status || 500;
      if (status === 500) console.error('[ivs-standin]', e);
      if (!res.headersSent) json(res, status, { code: e.code || 'internal', message: e.message });
      else res.end();
    }
  });
  api.on('upgrade', (req, socket, head) => {
    if (new URL(req.url, 'http://x').pathname !== '/events') { socket.destroy(); return; }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.wasm': 'application/wasm', '.map': 'application/json' };
  const pages = o.pagesDir && http.createServer((req, res) => {
    const root = path.resolve(o.pagesDir);
    let rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(root, `.${rel}`);
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) { res.writeHead(404); return res.end('not found'); }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });

  const listen = (server, port) => new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, o.host, () => resolve(server.address().port));
  });
  const hostForUrl = o.host.includes(':') ? `[${o.host}]` : o.host;

  return {
    async start() {
      const port = await listen(api, o.port);
      apiBase = `http://${hostForUrl}:${port}`;
      if (pages) {
        const pp = await listen(pages, o.pagesPort);
        pagesBase = `http://${hostForUrl}:${pp}`;
        allowedOrigins.add(pagesBase);
      }
      return { api: apiBase, pages: pagesBase };
    },
    async close() {
      for (const room of [...rooms.values()]) deleteRoom(room, 'server stopping');
      for (const ws of wss.clients) ws.terminate();
      await Promise.all([api, pages].filter(Boolean).map((s) => new Promise((r) => { s.closeAllConnections?.(); s.close(() => r()); })));
    },
  };
}

module.exports = { createStandin };
