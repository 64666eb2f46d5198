// The Kinesis Video Streams stand-in on one HTTPS port: control plane (GetSignalingChannelEndpoint,
// GetIceServerConfig; SigV4 header auth) and WSS signaling (SigV4-presigned URLs, one master, ≤10 viewers,
// viewer→master tagged with senderClientId, master→viewer by recipientClientId, GO_AWAY, idle/max limits).
'use strict';
const crypto = require('node:crypto');
const { WebSocketServer } = require('ws');
const sigv4 = require('./sigv4');

const SERVICE = 'kinesisvideo';
const MAX_VIEWERS = 10;
const MAX_PAYLOAD_CHARS = 10 * 1024; // messagePayload (base64) limit of the signaling service
const CLIENT_ID_RE = /^[a-zA-Z0-9_.-]{1,256}$/;
const ACTIONS = new Set(['SDP_OFFER', 'SDP_ANSWER', 'ICE_CANDIDATE']);

function createKvs({ cfg, store, sts, log, now, publicHost }) {
  const live = new Map(); // channelName -> {master: conn|null, viewers: Map<clientId, conn>}
  let kvsPort = 0;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });

  const endpoint = (scheme) => `${scheme}://${publicHost()}:${kvsPort}`;
  const channelLive = (name) => {
    if (!live.has(name)) live.set(name, { master: null, viewers: new Map() });
    return live.get(name);
  };

  function createChannel() {
    const channelName = `voice-${crypto.randomUUID()}`;
    const channelARN = `arn:aws:kinesisvideo:${cfg.region}:${cfg.accountId}:channel/${channelName}/${now()}`;
    store.putChannel({ channelName, channelARN, status: 'ACTIVE', createdAt: now() });
    log.add('kvs.channel.create', { channelName, channelARN });
    return { channelName, channelARN };
  }

  function deleteChannel(channelName) {
    const ch = store.channelByName(channelName);
    if (!ch) return;
    store.putChannel({ ...ch, status: 'DELETED' });
    log.add('kvs.channel.delete', { channelName });
    goAway(channelName, 'channel deleted');
  }

  function conns(channelName) {
    const c = live.get(channelName);
    if (!c) return [];
    return [...(c.master ? [c.master] : []), ...c.viewers.values()];
  }

  // GO_AWAY to every connection of the channel, then close each after --go-away-close-ms.
  function goAway(channelName, reason = 'test hook') {
    const list = conns(channelName);
    for (const conn of list) sendGoAway(conn, reason);
    return list.length;
  }

  function sendGoAway(conn, reason) {
    if (conn.goingAway) return;
    conn.goingAway = true;
    send(conn, { messageType: 'GO_AWAY', messagePayload: '' });
    log.add('signaling.go_away', { channel: conn.channelName, role: conn.role, clientId: conn.clientId, reason, closeInMs: cfg.goAwayCloseMs });
    conn.goAwayTimer = setTimeout(() => conn.ws.close(1000, 'GO_AWAY: reconnect'), cfg.goAwayCloseMs);
  }

  function send(conn, frame) {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(frame));
  }

  function iceServerList(clientId) {
    if (!cfg.turnUrl) return [];
    const ttl = cfg.turnTtlS;
    const username = `${Math.floor(now() / 1000) + ttl}:${clientId || 'MASTER'}`;
    const password = crypto.createHmac('sha1', cfg.turnSecret).update(username).digest('base64');
    return [{ Uris: [cfg.turnUrl], Username: username, Password: password, Ttl: ttl }];
  }

  // ---- control plane ----------------------------------------------------------------------------
  function answer(res, status, body, errorType) {
    const text = JSON.stringify(body);
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) };
    if (errorType) headers['x-amzn-errortype'] = errorType;
    res.writeHead(status, headers);
    res.end(text);
  }
  const refuse = (res, op, status, code, message, check) => {
    log.add('control.refused', { op, status, code, check, reason: message });
    answer(res, status, { __type: code, message }, code);
  };

  function handleHttp(req, res) {
    const url = new URL(req.url, 'https://x');
    const ops = { '/getSignalingChannelEndpoint': 'GetSignalingChannelEndpoint', '/v1/get-ice-server-config': 'GetIceServerConfig' };
    const op = ops[url.pathname];
    if (!op) return refuse(res, url.pathname, 404, 'UnknownOperationException', `No operation at ${req.method} ${url.pathname}; this stand-in serves POST /getSignalingChannelEndpoint and POST /v1/get-ice-server-config.`, 'route');
    if (req.method !== 'POST') return refuse(res, op, 405, 'MethodNotAllowed', `${op} takes POST, not ${req.method}.`, 'method');
    const chunks = [];
    let size = 0;
    req.on('data', (c) => { size += c.length; if (size <= 65536) chunks.push(c); });
    req.on('end', () => {
      if (size > 65536) return refuse(res, op, 413, 'SerializationException', 'The request body exceeds 64 KB.', 'body');
      const body = Buffer.concat(chunks);
      const v = sigv4.verifyHeaders({ method: 'POST', path: url.pathname, rawQuery: url.search.slice(1), headers: req.headers, body,
        region: cfg.region, service: SERVICE, nowMs: now(), lookup: sts.lookup });
      if (!v.ok) return refuse(res, op, v.status, v.code, v.message, v.check);
      let input;
      try { input = JSON.parse(body.toString('utf8') || '{}'); } catch { return refuse(res, op, 400, 'SerializationException', 'The request body is not JSON.', 'body'); }
      if (!input || typeof input !== 'object') return refuse(res, op, 400, 'SerializationException', 'The request body must be a JSON object.', 'body');
      const arn = input.ChannelARN;
      if (typeof arn !== 'string' || !arn) return refuse(res, op, 400, 'InvalidArgumentException', 'ChannelARN is required.', 'arn');
      if (!v.cred.service) {
        const action = op === 'GetIceServerConfig' ? 'kinesisvideo:GetIceServerConfig' : 'kinesisvideo:GetSignalingChannelEndpoint';
        return refuse(res, op, 403, 'AccessDeniedException',
          `User: arn:aws:sts::${cfg.accountId}:assumed-role/KVSAccessRole/${v.cred.username} is not authorized to perform: ${action} on resource: ${arn} ` +
          '(seed 001\'s KVSAccessRole allows only ConnectAsMaster/ConnectAsViewer; getVoiceCredentials hands out endpoints and ICE servers).', 'policy');
      }
      const ch = store.channelByArn(arn);
      if (!ch || ch.status !== 'ACTIVE') return refuse(res, op, 404, 'ResourceNotFoundException', `No active signaling channel has ARN ${arn}.`, 'arn');
      if (op === 'GetSignalingChannelEndpoint') {
        const conf = input.SingleMasterChannelEndpointConfiguration || {};
        const protocols = conf.Protocols || ['WSS', 'HTTPS'];
        if (!Array.isArray(protocols) || !protocols.length || protocols.some((p) => !['WSS', 'HTTPS', 'WEBRTC'].includes(p))) {
          return refuse(res, op, 400, 'InvalidArgumentException', 'SingleMasterChannelEndpointConfiguration.Protocols must be a list of WSS, HTTPS, WEBRTC.', 'body');
        }
        if (conf.Role !== undefined && !['MASTER', 'VIEWER'].includes(conf.Role)) {
          return refuse(res, op, 400, 'InvalidArgumentException', `SingleMasterChannelEndpointConfiguration.Role must be MASTER or VIEWER, not "${conf.Role}".`, 'body');
        }
        const list = protocols.filter((p) => p !== 'WEBRTC').map((p) => ({ Protocol: p, ResourceEndpoint: endpoint(p === 'WSS' ? 'wss' : 'https') }));
        log.add('control.ok', { op, channel: ch.channelName, role: conf.Role || null });
        return answer(res, 200, { ResourceEndpointList: list });
      }
      if (input.Service !== undefined && input.Service !== 'TURN') return refuse(res, op, 400, 'InvalidArgumentException', `Service must be "TURN", not "${input.Service}".`, 'body');
      if (input.ClientId !== undefined && !CLIENT_ID_RE.test(input.ClientId)) return refuse(res, op, 400, 'InvalidArgumentException', 'ClientId must match [a-zA-Z0-9_.-]{1,256}.', 'client-id');
      log.add('control.ok', { op, channel: ch.channelName, clientId: input.ClientId || null });
      return answer(res, 200, { IceServerList: iceServerList(input.ClientId) });
    });
  }

  // ---- signaling --------------------------------------------------------------------------------
  function refuseUpgrade(socket, status, code, message, fields) {
    log.add('signaling.refused', { status, code, reason: message, ...fields });
    const body = JSON.stringify({ __type: code, message });
    const reason = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' }[status] || 'Error';
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nx-amzn-ErrorType: ${code}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }

  function handleUpgrade(req, socket, head) {
    const url = new URL(req.url, 'https://x');
    const rawQuery = url.search.slice(1);
    const q = new Map(sigv4.parseQuery(rawQuery) || []);
    const arn = q.get('X-Amz-ChannelARN');
    const clientId = q.get('X-Amz-ClientId');
    const base = { arn: arn || null, clientId: clientId || null };
    if (!arn) return refuseUpgrade(socket, 400, 'InvalidArgumentException', 'The signaling URL lacks X-Amz-ChannelARN.', { check: 'arn', ...base });
    if (clientId !== undefined && !CLIENT_ID_RE.test(clientId)) {
      return refuseUpgrade(socket, 400, 'InvalidArgumentException', 'X-Amz-ClientId must match [a-zA-Z0-9_.-]{1,256}.', { check: 'client-id', ...base });
    }
    const v = sigv4.verifyPresigned({ path: url.pathname, rawQuery, host: req.headers.host || '', region: cfg.region, service: SERVICE, nowMs: now(), lookup: sts.lookup });
    if (!v.ok) return refuseUpgrade(socket, v.status, v.code, v.message, { check: v.check, ...base });
    const ch = store.channelByArn(arn);
    if (!ch || ch.status !== 'ACTIVE') {
      return refuseUpgrade(socket, 404, 'ResourceNotFoundException', `No active signaling channel has ARN ${arn}${ch ? ' (it was deleted)' : ''}.`, { check: 'arn', ...base });
    }
    const cred = v.cred;
    if (!cred.service && cred.channelARN !== arn) {
      return refuseUpgrade(socket, 403, 'AccessDeniedException',
        `Credentials ${v.akid} were issued for channel ${cred.channelARN}, not ${arn} (wrong ARN).`, { check: 'wrong-arn', ...base });
    }
    const role = clientId ? 'VIEWER' : 'MASTER';
    if (!cred.service && cred.role === 'VIEWER' && !clientId) {
      return refuseUpgrade(socket, 403, 'AccessDeniedException',
        `Credentials ${v.akid} are for a VIEWER, which must connect with X-Amz-ClientId (viewer without ClientId; only ${cred.username === undefined ? 'the master' : 'the voice room creator'} connects as MASTER).`, { check: 'viewer-without-client-id', ...base });
    }
    if (!cred.service && cred.role === 'MASTER' && clientId) {
      return refuseUpgrade(socket, 403, 'AccessDeniedException',
        `Credentials ${v.akid} are for the MASTER, which connects without X-Amz-ClientId (master with ClientId "${clientId}").`, { check: 'master-with-client-id', ...base });
    }
    // IAM has no condition on the ClientId, so real credentials connect with any; the stand-in is stricter
    // and holds a member to the ClientIds issued to them on this channel: renewed credentials (a later
    // getVoiceCredentials, with a ClientId of its own) keep the ClientId the viewer is known by, but no
    // member may connect as another.
    if (!cred.service && role === 'VIEWER' && cred.clientId && clientId !== cred.clientId &&
        !store.clientIdsOf(cred.username, cred.channelARN).includes(clientId)) {
      return refuseUpgrade(socket, 403, 'AccessDeniedException',
        `Credentials ${v.akid} were issued for ClientId "${cred.clientId}" (or another of ${cred.username}'s on this channel), not "${clientId}" (ClientId mismatch).`, { check: 'client-id-mismatch', ...base });
    }
    const state = channelLive(ch.channelName);
    if (role === 'VIEWER' && !state.viewers.has(clientId) && state.viewers.size >= MAX_VIEWERS) {
      return refuseUpgrade(socket, 400, 'ClientLimitExceededException',
        `Channel ${ch.channelName} already has ${MAX_VIEWERS} viewers connected (the limit); viewer ${clientId} refused.`, { check: 'viewer-limit', ...base });
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, ch, state, role, clientId || null, v));
  }

  function accept(ws, ch, state, role, clientId, v) {
    const conn = { ws, channelName: ch.channelName, role, clientId, id: crypto.randomUUID(), goingAway: false };
    const old = role === 'MASTER' ? state.master : state.viewers.get(clientId);
    if (old) {
      log.add('signaling.replaced', { channel: ch.channelName, role, clientId, old: old.id, new: conn.id });
      old.replaced = true;
      old.ws.close(1000, role === 'MASTER' ? 'replaced by a newer MASTER connection' : `replaced by a newer connection of ${clientId}`);
    }
    if (role === 'MASTER') state.master = conn; else state.viewers.set(clientId, conn);
    log.add('signaling.connect', { ok: true, channel: ch.channelName, role, clientId, conn: conn.id, accessKeyId: v.akid,
      urlExpiresAt: new Date(v.expiresAt).toISOString(), viewers: state.viewers.size });

    const armIdle = () => {
      clearTimeout(conn.idleTimer);
      conn.idleTimer = setTimeout(() => {
        log.add('signaling.idle_close', { channel: conn.channelName, role, clientId, afterS: cfg.signalingIdleS });
        ws.close(1000, 'idle timeout');
      }, cfg.signalingIdleS * 1000);
    };
    armIdle();
    conn.maxTimer = setTimeout(() => sendGoAway(conn, `maximum connection duration ${cfg.signalingMaxS} s`), cfg.signalingMaxS * 1000);

    ws.on('message', (data, isBinary) => {
      armIdle();
      onMessage(conn, state, isBinary ? null : data.toString('utf8'));
    });
    ws.on('close', (code, reason) => {
      clearTimeout(conn.idleTimer); clearTimeout(conn.maxTimer); clearTimeout(conn.goAwayTimer);
      if (role === 'MASTER' && state.master === conn) state.master = null;
      if (role === 'VIEWER' && state.viewers.get(clientId) === conn) state.viewers.delete(clientId);
      log.add('signaling.close', { channel: conn.channelName, role, clientId, conn: conn.id, code, reason: reason.toString() });
    });
    ws.on('error', () => {});
  }

  function statusResponse(conn, msg, errorType, statusCode, description) {
    log.add('signaling.status_response', { channel: conn.channelName, from: conn.clientId || 'MASTER', correlationId: msg.correlationId || null, errorType, description });
    // As the service does: an error is reported only to senders that gave a correlationId.
    if (typeof msg.correlationId === 'string' && msg.correlationId) {
      send(conn, { senderClientId: '', messageType: 'STATUS_RESPONSE', messagePayload: '',
        statusResponse: { correlationId: msg.correlationId, errorType, statusCode: String(statusCode), description } });
    }
  }

  function onMessage(conn, state, text) {
    let msg;
    try { msg = JSON.parse(text); } catch { msg = null; }
    if (!msg || typeof msg !== 'object' || Array.isArray(msg)) {
      log.add('signaling.ignored', { channel: conn.channelName, from: conn.clientId || 'MASTER', reason: 'frame is not a JSON object' });
      return;
    }
    if (typeof msg.correlationId === 'string' && !/^[a-zA-Z0-9_.-]{1,256}$/.test(msg.correlationId)) {
      return statusResponse(conn, {}, 'InvalidArgumentException', 400, 'correlationId must match [a-zA-Z0-9_.-]{1,256}.');
    }
    if (!ACTIONS.has(msg.action)) return statusResponse(conn, msg, 'InvalidArgumentException', 400, `action must be SDP_OFFER, SDP_ANSWER or ICE_CANDIDATE, not "${msg.action}".`);
    if (typeof msg.messagePayload !== 'string' || !msg.messagePayload) return statusResponse(conn, msg, 'InvalidArgumentException', 400, 'messagePayload (base64) is required.');
    if (msg.messagePayload.length > MAX_PAYLOAD_CHARS) {
      return statusResponse(conn, msg, 'InvalidArgumentException', 400, `messagePayload is ${msg.messagePayload.length} characters; the limit is ${MAX_PAYLOAD_CHARS}.`);
    }
    if (conn.role === 'VIEWER') {
      if (msg.recipientClientId) return statusResponse(conn, msg, 'InvalidArgumentException', 400, 'A VIEWER sends to the master only and must not set recipientClientId.');
      const master = state.master;
      if (!master) return statusResponse(conn, msg, 'InvalidArgumentException', 400, `No MASTER is connected to ${conn.channelName}; the ${msg.action} from ${conn.clientId} was not delivered.`);
      send(master, { senderClientId: conn.clientId, messageType: msg.action, messagePayload: msg.messagePayload });
      log.add('signaling.route', { channel: conn.channelName, from: conn.clientId, to: 'MASTER', messageType: msg.action });
      return;
    }
    if (!msg.recipientClientId) return statusResponse(conn, msg, 'InvalidArgumentException', 400, `A MASTER must set recipientClientId; the ${msg.action} was not delivered.`);
    const viewer = state.viewers.get(msg.recipientClientId);
    if (!viewer) {
      return statusResponse(conn, msg, 'InvalidArgumentException', 400,
        `Recipient "${msg.recipientClientId}" is not connected to ${conn.channelName}; the ${msg.action} was not delivered.`);
    }
    send(viewer, { messageType: msg.action, messagePayload: msg.messagePayload });
    log.add('signaling.route', { channel: conn.channelName, from: 'MASTER', to: msg.recipientClientId, messageType: msg.action });
  }

  function attach(server) {
    server.on('request', handleHttp);
    server.on('upgrade', handleUpgrade);
    server.on('listening', () => { kvsPort = server.address().port; });
  }

  function closeAll() {
    for (const c of wss.clients) c.terminate();
  }

  return { attach, createChannel, deleteChannel, goAway, iceServerList, endpoint, closeAll };
}

module.exports = { createKvs, SERVICE };
