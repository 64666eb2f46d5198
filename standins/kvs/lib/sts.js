// The STS stand-in: AssumeRole-like temporary credentials (ASIA… key, secret, session token, expiry),
// stored in StsCredentials with the scope this stand-in enforces (one channel, one role, one ClientId).
'use strict';
const crypto = require('node:crypto');

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const randomKeyId = () => 'ASIA' + Array.from(crypto.randomBytes(16), (b) => B32[b % 32]).join('');

function createSts({ store, now, ttlS, log, service }) {
  return {
    // Returns the AWS SDK's Credentials field names plus the scope.
    issue({ username, voiceRoomId, channelARN, role, clientId }) {
      const issuedAt = now();
      const c = {
        accessKeyId: randomKeyId(),
        secretAccessKey: crypto.randomBytes(30).toString('base64'),
        // Real tokens are long base64 with '+', '/' and '='; so are these (exercises URL encoding).
        sessionToken: 'IQoJb3JpZ2luX2VjE' + crypto.randomBytes(192).toString('base64'),
        expiration: issuedAt + ttlS * 1000,
        username, voiceRoomId, channelARN, role, clientId: clientId || null, issuedAt,
      };
      store.putCredential(c);
      log.add('sts.issue', { accessKeyId: c.accessKeyId, username, role, clientId: c.clientId, channelARN, expiration: new Date(c.expiration).toISOString() });
      return c;
    },
    // lookup(akid) for sigv4.js: issued session credentials, or the static service (Lambda role) key.
    lookup(akid) {
      if (akid === service.accessKeyId) return { secretAccessKey: service.secretAccessKey, sessionToken: '', expiration: 0, service: true };
      return store.credential(akid) || null;
    },
  };
}

module.exports = { createSts };
