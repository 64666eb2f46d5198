// SQLite persistence with the seeds' table names (ChatConnections, ChatRooms, ChatMessages, VoiceRooms)
// plus the stand-in's own SignalingChannels and StsCredentials, so a restart on the same file keeps state.
'use strict';
const Database = require('better-sqlite3');

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ChatConnections (
  connectionId TEXT PRIMARY KEY, username TEXT NOT NULL, roomId TEXT, connectedAt INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ChatRooms (
  roomId TEXT PRIMARY KEY, roomName TEXT NOT NULL, admin TEXT NOT NULL,
  members TEXT NOT NULL, pendingRequests TEXT NOT NULL, createdAt INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ChatMessages (
  roomId TEXT NOT NULL, timestamp INTEGER NOT NULL, messageId TEXT NOT NULL, username TEXT NOT NULL,
  message TEXT NOT NULL, PRIMARY KEY (roomId, timestamp, messageId));
CREATE TABLE IF NOT EXISTS VoiceRooms (
  voiceRoomId TEXT PRIMARY KEY, chatRoomId TEXT NOT NULL, signalingChannelARN TEXT NOT NULL,
  channelName TEXT NOT NULL, masterUserId TEXT NOT NULL, activeParticipants TEXT NOT NULL,
  status TEXT NOT NULL, createdAt INTEGER NOT NULL, endedAt INTEGER);
CREATE TABLE IF NOT EXISTS SignalingChannels (
  channelName TEXT PRIMARY KEY, channelARN TEXT NOT NULL UNIQUE, status TEXT NOT NULL, createdAt INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS StsCredentials (
  accessKeyId TEXT PRIMARY KEY, secretAccessKey TEXT NOT NULL, sessionToken TEXT NOT NULL,
  expiration INTEGER NOT NULL, username TEXT NOT NULL, voiceRoomId TEXT NOT NULL, channelARN TEXT NOT NULL,
  role TEXT NOT NULL, clientId TEXT, issuedAt INTEGER NOT NULL);
`;

const TABLES = ['ChatConnections', 'ChatRooms', 'ChatMessages', 'VoiceRooms', 'SignalingChannels', 'StsCredentials'];

function openStore(file) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);
  // API Gateway drops every connection when the service goes away; none survives a restart.
  db.prepare('DELETE FROM ChatConnections').run();
  const q = (sql) => db.prepare(sql);
  const parseRoom = (r) => r && { ...r, members: JSON.parse(r.members), pendingRequests: JSON.parse(r.pendingRequests) };
  const parseVoice = (r) => r && { ...r, activeParticipants: JSON.parse(r.activeParticipants) };
  return {
    db,
    tables: TABLES,
    rows: (name) => (TABLES.includes(name) ? q(`SELECT * FROM ${name}`).all() : null),
    close: () => db.close(),

    addConnection: (c) => q('INSERT INTO ChatConnections VALUES (@connectionId, @username, NULL, @connectedAt)').run(c),
    setConnectionRoom: (id, roomId) => q('UPDATE ChatConnections SET roomId = ? WHERE connectionId = ?').run(roomId, id),
    removeConnection: (id) => q('DELETE FROM ChatConnections WHERE connectionId = ?').run(id),

    room: (roomId) => parseRoom(q('SELECT * FROM ChatRooms WHERE roomId = ?').get(roomId)),
    putRoom: (r) => q(`INSERT OR REPLACE INTO ChatRooms VALUES (@roomId, @roomName, @admin, @members, @pendingRequests, @createdAt)`)
      .run({ ...r, members: JSON.stringify(r.members), pendingRequests: JSON.stringify(r.pendingRequests) }),

    addMessage: (m) => q('INSERT INTO ChatMessages VALUES (@roomId, @timestamp, @messageId, @username, @message)').run(m),
    messages: (roomId, limit) => q(`SELECT roomId, timestamp, messageId, username, message FROM (SELECT rowid AS seq, * FROM ChatMessages
      WHERE roomId = ? ORDER BY timestamp DESC, seq DESC LIMIT ?) ORDER BY timestamp, seq`).all(roomId, limit),

    voiceRoom: (id) => parseVoice(q('SELECT * FROM VoiceRooms WHERE voiceRoomId = ?').get(id)),
    activeVoiceRoom: (chatRoomId) => parseVoice(q("SELECT * FROM VoiceRooms WHERE chatRoomId = ? AND status = 'active'").get(chatRoomId)),
    putVoiceRoom: (v) => q(`INSERT OR REPLACE INTO VoiceRooms VALUES (@voiceRoomId, @chatRoomId, @signalingChannelARN, @channelName,
      @masterUserId, @activeParticipants, @status, @createdAt, @endedAt)`).run({ endedAt: null, ...v, activeParticipants: JSON.stringify(v.activeParticipants) }),

    channelByArn: (arn) => q('SELECT * FROM SignalingChannels WHERE channelARN = ?').get(arn),
    channelByName: (name) => q('SELECT * FROM SignalingChannels WHERE channelName = ?').get(name),
    putChannel: (c) => q('INSERT OR REPLACE INTO SignalingChannels VALUES (@channelName, @channelARN, @status, @createdAt)').run(c),

    credential: (akid) => q('SELECT * FROM StsCredentials WHERE accessKeyId = ?').get(akid),
    // Every ClientId STS scoped to `username`'s credentials for a channel (one per getVoiceCredentials).
    clientIdsOf: (username, channelARN) => q('SELECT DISTINCT clientId FROM StsCredentials WHERE username = ? AND channelARN = ? AND clientId IS NOT NULL')
      .all(username, channelARN).map((r) => r.clientId),
    putCredential: (c) => q(`INSERT INTO StsCredentials VALUES (@accessKeyId, @secretAccessKey, @sessionToken, @expiration,
      @username, @voiceRoomId, @channelARN, @role, @clientId, @issuedAt)`).run(c),
  };
}

module.exports = { openStore, TABLES };
