// Watches the raw bytes of a client→server WebSocket stream and reports each frame's payload length,
// so the chat socket can apply API Gateway's per-frame limit (32 KB) apart from its message limit (128 KB).
'use strict';

function frameWatcher(onFrame) {
  let header = Buffer.alloc(0); // bytes of the current frame header collected so far
  let skip = 0;                 // payload bytes of the current frame still to pass
  return function feed(chunk) {
    let i = 0;
    while (i < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - i);
        skip -= n;
        i += n;
        continue;
      }
      header = Buffer.concat([header, chunk.subarray(i, i + 14)]);
      const take = Math.min(14, chunk.length - i);
      if (header.length < 2) { i += take; continue; }
      const masked = (header[1] & 0x80) !== 0;
      const len7 = header[1] & 0x7f;
      const extra = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
      const need = 2 + extra + (masked ? 4 : 0);
      if (header.length < need) { i += take; continue; }
      let len = len7;
      if (len7 === 126) len = header.readUInt16BE(2);
      if (len7 === 127) len = Number(header.readBigUInt64BE(2));
      // Bytes of this chunk that belonged to the header: need minus what was buffered before this chunk.
      const before = header.length - take;
      const opcode = header[0] & 0x0f;
      i += need - before;
      header = Buffer.alloc(0);
      skip = len;
      onFrame({ opcode, length: len });
    }
  };
}

module.exports = { frameWatcher };
