// The Chime signaling wire format, with the SDK's own generated protobuf codec from npm
// (amazon-chime-sdk-js@3.32.0 build/signalingprotocol/SignalingProtocol.js): every WebSocket message
// is one byte 0x05 (FrameTypeRTC) followed by an encoded SdkSignalFrame.
'use strict';
const proto = require('amazon-chime-sdk-js/build/signalingprotocol/SignalingProtocol.js');

const { SdkSignalFrame } = proto;
const Type = SdkSignalFrame.Type;
const FRAME_TYPE_RTC = 0x05;

// SdkSignalFrame field name for each frame type (the oneof-like payload field).
const PAYLOAD = {
  JOIN: 'join', JOIN_ACK: 'joinack', SUBSCRIBE: 'sub', SUBSCRIBE_ACK: 'suback', INDEX: 'index',
  LEAVE: 'leave', LEAVE_ACK: 'leaveAck', AUDIO_CONTROL: 'audioControl', AUDIO_METADATA: 'audioMetadata',
  AUDIO_STREAM_ID_INFO: 'audioStreamIdInfo', PING_PONG: 'pingPong', AUDIO_STATUS: 'audioStatus',
  CLIENT_METRIC: 'clientMetric', DATA_MESSAGE: 'dataMessage',
};

// encode('JOIN_ACK', { joinack: {...} }) → Buffer ready to send.
function encode(typeName, fields = {}) {
  if (!(typeName in Type)) throw new Error(`unknown signal frame type ${typeName}`);
  const msg = SdkSignalFrame.fromObject({ timestampMs: Date.now(), type: typeName, ...fields });
  const body = SdkSignalFrame.encode(msg).finish();
  const out = Buffer.alloc(body.length + 1);
  out[0] = FRAME_TYPE_RTC;
  out.set(body, 1);
  return out;
}

// decode(bytes) → { ok: true, type, message (protobuf object), json } or { ok: false, error }.
function decode(data) {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (buf.length < 1) return { ok: false, error: 'empty frame' };
  if (buf[0] !== FRAME_TYPE_RTC && buf[0] !== 0x02) return { ok: false, error: `frame type byte 0x${buf[0].toString(16)} is not 0x05` };
  try {
    const message = SdkSignalFrame.decode(buf.subarray(1));
    const type = Type[message.type] || String(message.type);
    return { ok: true, type, message, json: toJson(message) };
  } catch (e) {
    return { ok: false, error: `protobuf decode failed: ${e.message}` };
  }
}

function toJson(message) {
  return SdkSignalFrame.toObject(message, { enums: String, longs: Number, bytes: String, defaults: false });
}

module.exports = { proto, Type, PAYLOAD, FRAME_TYPE_RTC, encode, decode, toJson };
