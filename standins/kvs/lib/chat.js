// Seed 003's API Gateway WebSocket chat (createRoom, joinRoom, approveJoin/rejectJoin, sendMessage, getMembers,
// getMessages, $default) and seed 001's voice routes (createVoiceRoom, getVoiceCredentials, endVoiceRoom),
// with API Gateway's limits; plus the /_standin/ test hooks on the same HTTP port.
'use strict';
const crypto = require('node:crypto');
const { WebSocketServer } = require('ws');
const { frameWatcher } = require('./frames');

const ROOM_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const USERNAME_RE = /^[^\s\x00-\x1f][^\x00-\x1f]{0,63}$/;
const ROUTES = ['createRoom', 'joinRoom', 'approveJoin', 'rejectJoin', 'sendMessage', 'getMembers', 'getMessages',
  'createVoiceRoom', 'getVoiceCredentials', 'endVoiceRoom'];

class ChatError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}

function createChat({ cfg, store, sts, kvs, log, now }) {
  const sockets = new Map(); // connectionId -> {ws, username}
  const wss = new WebSocketServer({ noServer: true, maxPayload: cfg.maxMessageBytes * 4, perMessageDeflate: false });

  const connectionId = () => crypto.randomBytes(12).toString('base64').replace(/[+/]/g, 'A').slice(0, 15) + '=';
  const newRoomId = () => Array.from(crypto.randomBytes(8), (b) => ROOM_ALPHABET[b % ROOM_ALPHABET.length]).join('');

  function sendTo(conn, obj) {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    const text = JSON.stringify(obj);
    conn.ws.send(text);
    log.add('chat.out', { connectionId: conn.id, username: conn.username, type: obj.type, bytes: Buffer.byteLength(text) });
  }
  const toUsers = (usernames, obj) => {
    const set = new Set(usernames);
    for (const c of sockets.values()) if (set.has(c.username)) sendTo(c, obj);
  };
  const online = (username) => [...sockets.values()].some((c) => c.username === username);

  function needRoom(body) {
    if (typeof body.roomId !== 'string' || !body.roomId) throw new ChatError('request.room_id_missing', `${body.action} needs "roomId".`);
    const room = store.room(body.roomId);
    if (!room) throw new ChatError('room.not_found', `Room ${body.roomId} does not exist.`);
    return room;
  }
  function needMember(room, username, what) {
    if (!room.members.includes(username)) {
      throw new ChatError('room.not_member', `${username} is not an approved member of room ${room.roomId}; ${what}.`);
    }
  }
  // A room as its members see it; `voiceRoom` is its active voice chat ({voiceRoomId, masterUserId}) or null,
  // so that a member who arrives (or comes back) after voice started can join it.
  function roomView(room) {
    const v = store.activeVoiceRoom(room.roomId);
    return { roomId: room.roomId, roomName: room.roomName, admin: room.admin,
      members: room.members.map((u) => ({ username: u, isAdmin: u === room.admin, online: online(u) })),
      voiceRoom: v ? { voiceRoomId: v.voiceRoomId, masterUserId: v.masterUserId } : null };
  }
  function voiceFor(body, room) {
    if (body.voiceRoomId !== undefined) {
      const v = store.voiceRoom(body.voiceRoomId);
      if (!v || v.chatRoomId !== room.roomId) throw new ChatError('voice.not_found', `Voice room ${body.voiceRoomId} does not belong to room ${room.roomId}.`);
      if (v.status !== 'active') throw new ChatError('voice.ended', `Voice room ${v.voiceRoomId} has ended.`);
      return v;
    }
    const v = store.activeVoiceRoom(room.roomId);
    if (!v) throw new ChatError('voice.not_active', `Room ${room.roomId} has no active voice chat; start one with createVoiceRoom.`);
    return v;
  }

  const handlers = {
    createRoom(conn, body) {
      const roomName = body.roomName === undefined ? `${conn.username}'s room` : body.roomName;
      if (typeof roomName !== 'string' || !roomName.trim() || roomName.length > 100) {
        throw new ChatError('request.room_name_invalid', 'roomName must be a non-empty string of at most 100 characters.');
      }
      const room = { roomId: newRoomId(), roomName: roomName.trim(), admin: conn.username, members: [conn.username], pendingRequests: [], createdAt: now() };
      store.putRoom(room);
      store.setConnectionRoom(conn.id, room.roomId);
      sendTo(conn, { type: 'roomCreated', roomId: room.roomId, roomName: room.roomName, admin: room.admin, isAdmin: true });
    },
    joinRoom(conn, body) {
      const room = needRoom(body);
      if (room.members.includes(conn.username)) {
        store.setConnectionRoom(conn.id, room.roomId);
        return sendTo(conn, { type: 'joinApproved', ...roomView(room), isAdmin: room.admin === conn.username, rejoined: true });
      }
      if (!room.pendingRequests.includes(conn.username)) room.pendingRequests.push(conn.username);
      store.putRoom(room);
      sendTo(conn, { type: 'joinRequested', roomId: room.roomId, roomName: room.roomName, admin: room.admin });
      toUsers([room.admin], { type: 'joinRequest', roomId: room.roomId, username: conn.username, pendingRequests: room.pendingRequests });
    },
    approveJoin: (conn, body) => decide(conn, body, true),
    rejectJoin: (conn, body) => decide(conn, body, false),
    sendMessage(conn, body) {
      const room = needRoom(body);
      needMember(room, conn.username, 'only members send messages');
      if (typeof body.message !== 'string' || !body.message.trim()) throw new ChatError('request.message_missing', 'sendMessage needs a non-empty "message" string.');
      const m = { roomId: room.roomId, timestamp: now(), messageId: crypto.randomUUID(), username: conn.username, message: body.message };
      store.addMessage(m);
      toUsers(room.members, { type: 'message', ...m });
    },
    getMembers(conn, body) {
      const room = needRoom(body);
      const out = { type: 'members', ...roomView(room) };
      if (conn.username === room.admin) out.pendingRequests = room.pendingRequests;
      sendTo(conn, out);
    },
    getMessages(conn, body) {
      const room = needRoom(body);
      needMember(room, conn.username, 'only members read the history');
      const limit = body.limit === undefined ? 100 : body.limit;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ChatError('request.limit_invalid', 'limit must be an integer 1..1000.');
      sendTo(conn, { type: 'messages', roomId: room.roomId, messages: store.messages(room.roomId, limit) });
    },
    createVoiceRoom(conn, body) {
      const room = needRoom(body);
      needMember(room, conn.username, 'only approved members start voice chat');
      const existing = store.activeVoiceRoom(room.roomId);
      if (existing) {
        throw new ChatError('voice.already_active', `Room ${room.roomId} already has voice chat ${existing.voiceRoomId} (started by ${existing.masterUserId}); join it with getVoiceCredentials.`);
      }
      const { channelName, channelARN } = kvs.createChannel();
      const v = { voiceRoomId: crypto.randomUUID(), chatRoomId: room.roomId, signalingChannelARN: channelARN, channelName,
        masterUserId: conn.username, activeParticipants: [], status: 'active', createdAt: now() };
      store.putVoiceRoom(v);
      toUsers(room.members, { type: 'voiceRoomCreated', roomId: room.roomId, voiceRoomId: v.voiceRoomId, channelName,
        channelARN, masterUserId: v.masterUserId });
    },
    getVoiceCredentials(conn, body) {
      const room = needRoom(body);
      needMember(room, conn.username, 'only approved members get voice credentials');
      const v = voiceFor(body, room);
      const role = conn.username === v.masterUserId ? 'MASTER' : 'VIEWER';
      const clientId = role === 'VIEWER' ? clientIdFor(conn.username) : null;
      const c = sts.issue({ username: conn.username, voiceRoomId: v.voiceRoomId, channelARN: v.signalingChannelARN, role, clientId });
      if (!v.activeParticipants.includes(conn.username)) v.activeParticipants.push(conn.username);
      store.putVoiceRoom(v);
      const iceServers = [];
      if (cfg.turnUrl) {
        const hostPort = cfg.turnUrl.replace(/^turns?:/, '').replace(/\?.*$/, '');
        iceServers.push({ urls: [`stun:${hostPort}`] });
        for (const s of kvs.iceServerList(clientId)) iceServers.push({ urls: s.Uris, username: s.Username, credential: s.Password });
      }
      sendTo(conn, {
        type: 'voiceCredentials', roomId: room.roomId, voiceRoomId: v.voiceRoomId, channelName: v.channelName,
        channelARN: v.signalingChannelARN, region: cfg.region, role, clientId, masterUserId: v.masterUserId,
        credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken,
          expiration: new Date(c.expiration).toISOString() },
        endpoints: { WSS: kvs.endpoint('wss'), HTTPS: kvs.endpoint('https') },
        iceServers,
      });
    },
    endVoiceRoom(conn, body) {
      const room = needRoom(body);
      const v = voiceFor(body, room);
      if (conn.username !== v.masterUserId) {
        throw new ChatError('voice.not_creator', `Only ${v.masterUserId}, who started this voice chat, can end it; ${conn.username} cannot.`);
      }
      v.status = 'ended';
      v.endedAt = now();
      store.putVoiceRoom(v);
      kvs.deleteChannel(v.channelName);
      toUsers(room.members, { type: 'voiceRoomEnded', roomId: room.roomId, voiceRoomId: v.voiceRoomId, endedBy: conn.username });
    },
  };

  // A viewer's ClientId: the username made legal for KVS ([a-zA-Z0-9_.-]) plus a short random tail.
  function clientIdFor(username) {
    return `${username.replace(/[^a-zA-Z0-9_.-]/g, '_').slice(0, 40)}-${crypto.randomBytes(3).toString('hex')}`;
  }

  function decide(conn, body, approve) {
    const room = needRoom(body);
    if (conn.username !== room.admin) throw new ChatError('room.not_admin', `Only the room admin (${room.admin}) can ${approve ? 'approve' : 'reject'} join requests.`);
    if (typeof body.username !== 'string' || !body.username) throw new ChatError('request.username_missing', `${body.action} needs "username" (who asked to join).`);
    if (!room.pendingRequests.includes(body.username)) {
      throw new ChatError('room.no_such_request', `${body.username} has no pending request to join room ${room.roomId}.`);
    }
    room.pendingRequests = room.pendingRequests.filter((u) => u !== body.username);
    if (approve) room.members.push(body.username);
    store.putRoom(room);
    const decision = approve ? 'approved' : 'rejected';
    sendTo(conn, { type: 'joinDecision', roomId: room.roomId, username: body.username, decision, pendingRequests: room.pendingRequests });
    if (approve) {
      toUsers([body.username], { type: 'joinApproved', ...roomView(room), isAdmin: false });
      toUsers(room.members.filter((u) => u !== body.username && u !== room.admin), { type: 'memberJoined', roomId: room.roomId, username: body.username });
    } else {
      toUsers([body.username], { type: 'joinRejected', roomId: room.roomId, roomName: room.roomName, reason: `The room admin (${room.admin}) rejected your request.` });
    }
  }

  function onMessage(conn, data) {
    const bytes = data.length;
    if (bytes > cfg.maxMessageBytes) {
      log.add('chat.in', { connectionId: conn.id, username: conn.username, refused: 'message.too_large', bytes });
      return sendTo(conn, { type: 'error', code: 'message.too_large',
        message: `Message too large: ${bytes} bytes; API Gateway accepts at most ${cfg.maxMessageBytes} bytes per WebSocket message.` });
    }
    let body;
    try { body = JSON.parse(data.toString('utf8')); } catch { body = undefined; }
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      log.add('chat.in', { connectionId: conn.id, username: conn.username, refused: 'request.invalid_json', bytes });
      return sendTo(conn, { type: 'error', code: 'request.invalid_json', message: 'Send a JSON object with an "action" field (the route key).' });
    }
    const action = body.action;
    const route = ROUTES.includes(action) ? action : '$default';
    log.add('chat.in', { connectionId: conn.id, username: conn.username, action: action === undefined ? null : action, route, bytes });
    if (route === '$default') {
      return sendTo(conn, { type: 'error', action: action === undefined ? null : action, code: 'route.unknown',
        message: `${action === undefined ? 'No "action" field' : `Unknown action "${String(action).slice(0, 64)}"`} ($default route). Known actions: ${ROUTES.join(', ')}.` });
    }
    try {
      handlers[route](conn, body);
    } catch (err) {
      if (!(err instanceof ChatError)) {
        log.add('chat.internal_error', { connectionId: conn.id, action, reason: String(err && err.stack) });
        return sendTo(conn, { type: 'error', action, code: 'internal', message: `The stand-in failed handling ${action}: ${err.message}` });
      }
      log.add('chat.error', { connectionId: conn.id, username: conn.username, action, code: err.code, reason: err.message });
      sendTo(conn, { type: 'error', action, code: err.code, message: err.message });
    }
  }

  function handleUpgrade(req, socket, head) {
    const url = new URL(req.url, 'http://x');
    const username = (url.searchParams.get('username') || '').trim();
    if (!USERNAME_RE.test(username)) {
      const message = username ? 'username must be 1-64 characters without control characters.' : 'Connect with ?username=<name> ($connect refused).';
      log.add('chat.refused', { reason: message });
      const text = JSON.stringify({ message });
      return socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = { id: connectionId(), ws, username, closing: false };
      // API Gateway's frame limit: a frame above it closes the connection with 1009, and is not delivered.
      // (prepended: the watcher must see the frame's header before ws parses, and delivers, the frame)
      socket.prependListener('data', frameWatcher(({ length }) => {
        armIdle();
        if (length > cfg.maxFrameBytes && !conn.closing) {
          conn.closing = true;
          log.add('chat.close_frame_too_large', { connectionId: conn.id, username, frameBytes: length, limit: cfg.maxFrameBytes });
          ws.close(1009, `Frame size ${length} exceeds ${cfg.maxFrameBytes} bytes`);
        }
      }));
      const armIdle = () => {
        clearTimeout(conn.idleTimer);
        conn.idleTimer = setTimeout(() => closeFor('idle', `Idle timeout after ${cfg.idleS} s`), cfg.idleS * 1000);
      };
      const closeFor = (why, reason) => {
        if (conn.closing) return;
        conn.closing = true;
        log.add('chat.close_' + why, { connectionId: conn.id, username });
        ws.close(1001, reason);
      };
      armIdle();
      conn.maxTimer = setTimeout(() => closeFor('max_duration', `Maximum connection duration ${cfg.maxConnectionS} s reached`), cfg.maxConnectionS * 1000);
      sockets.set(conn.id, conn);
      store.addConnection({ connectionId: conn.id, username, connectedAt: now() });
      log.add('chat.connect', { connectionId: conn.id, username });
      ws.on('message', (data, isBinary) => {
        if (conn.closing) return;
        onMessage(conn, isBinary ? Buffer.from(data) : data);
      });
      ws.on('close', (code, reason) => {
        clearTimeout(conn.idleTimer);
        clearTimeout(conn.maxTimer);
        sockets.delete(conn.id);
        store.removeConnection(conn.id);
        log.add('chat.disconnect', { connectionId: conn.id, username, code, reason: reason.toString() });
      });
      ws.on('error', () => {});
    });
  }

  // ---- /_standin/ test hooks ----------------------------------------------------------------
  function json(res, status, body) {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
  function handleHttp(req, res) {
    const url = new URL(req.url, 'http://x');
    let m;
    if (req.method === 'GET' && url.pathname === '/_standin/log') {
      return json(res, 200, log.since(Number(url.searchParams.get('since') || 0)));
    }
    if (req.method === 'GET' && (m = /^\/_standin\/tables\/([A-Za-z]+)$/.exec(url.pathname))) {
      const rows = store.rows(m[1]);
      if (!rows) return json(res, 404, { error: `No table ${m[1]}; tables: ${store.tables.join(', ')}` });
      return json(res, 200, rows);
    }
    if (req.method === 'POST' && (m = /^\/_standin\/channels\/([^/]+)\/go-away$/.exec(url.pathname))) {
      const name = decodeURIComponent(m[1]);
      const ch = store.channelByName(name);
      if (!ch) return json(res, 404, { error: `No signaling channel named ${name}` });
      return json(res, 200, { channelName: name, connections: kvs.goAway(name, 'test hook'), closeInMs: cfg.goAwayCloseMs });
    }
    json(res, 404, { error: `Nothing at ${req.method} ${url.pathname}. The chat API is a WebSocket (?username=<name>); hooks: GET /_standin/log, GET /_standin/tables/{name}, POST /_standin/channels/{name}/go-away.` });
  }

  function attach(server) {
    server.on('request', handleHttp);
    server.on('upgrade', handleUpgrade);
  }
  function closeAll() { for (const c of wss.clients) c.terminate(); }

  return { attach, closeAll, ROUTES };
}

module.exports = { createChat };
