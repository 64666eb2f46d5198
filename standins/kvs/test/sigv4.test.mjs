// The verifier against published vectors: the KVS SDK's SigV4RequestSigner spec and aws-sig-v4-test-suite get-vanilla.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const sigv4 = require('../lib/sigv4.js');
const { SigV4RequestSigner } = require('amazon-kinesis-video-streams-webrtc');

const KEY = { secretAccessKey: 'FakeSecretKey', sessionToken: 'FakeSessionToken' };
const verify = (url, lookup = () => KEY, nowMs = Date.parse('2019-12-01T00:01:00Z')) => {
  const u = new URL(url);
  return sigv4.verifyPresigned({ path: u.pathname, rawQuery: u.search.slice(1), host: u.host, region: 'us-west-2',
    service: 'kinesisvideo', nowMs, lookup });
};
const sdkUrl = (endpoint, creds) => new SigV4RequestSigner('us-west-2', { accessKeyId: 'AKIA4F7WJQR7FMMWMNXI', ...creds })
  .getSignedURL(endpoint, { 'X-Amz-TestParam': 'test-param-value' }, new Date('2019-12-01T00:00:00Z'));

test('the KVS SDK spec vectors verify (token, no token, endpoint path) and tampering fails', async () => {
  const withToken = await sdkUrl('wss://kvs.awsamazon.com', KEY);
  assert.match(withToken, /X-Amz-Signature=fc268038be276315822b4f73eafd28ee3a5632a2a35fdb0a88db9a42b13d6c92/);
  assert.equal(verify(withToken).ok, true);
  const noToken = await sdkUrl('wss://kvs.awsamazon.com', { secretAccessKey: 'FakeSecretKey' });
  assert.match(noToken, /be1e78950d956a8a9a1997417099ddbd7455619f3d08c4ad20e1e272179ca695/);
  assert.equal(verify(noToken, () => ({ secretAccessKey: 'FakeSecretKey' })).ok, true);
  const withPath = await sdkUrl('wss://kvs.awsamazon.com/path/path/path', KEY);
  assert.match(withPath, /0bf3df6ca23d8d82f688e8dbfb90d69e74843d40038541b1721c545eef7612a4/);
  assert.equal(verify(withPath).ok, true);
  assert.equal(verify(withToken.replace('test-param-value', 'test-param-valuf')).check, 'signature');
  assert.equal(verify(withToken.replace('kvs.awsamazon.com', 'kvs.awsamazon.org')).check, 'signature');
  assert.equal(verify(withToken, () => ({ ...KEY, secretAccessKey: 'other' })).check, 'signature');
  assert.equal(verify(withToken, () => KEY, Date.parse('2019-12-01T00:05:00Z')).check, 'expired');
  assert.equal(verify(withToken, () => KEY, Date.parse('2019-11-30T23:50:00Z')).check, 'not-yet-valid');
  assert.equal(verify(withToken, () => null).check, 'access-key');
  assert.equal(verify(withToken.replace('X-Amz-Expires=299', 'X-Amz-Expires=604801')).check, 'expires');
  assert.equal(verify(withToken.replace('us-west-2', 'us-east-1')).check, 'region');
  assert.equal(verify(withToken.replace(/&X-Amz-Signature=[0-9a-f]+/, '')).check, 'missing-auth');
});

test('header signing reproduces aws-sig-v4-test-suite get-vanilla and the verifier accepts it', () => {
  const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const date = new Date('2015-08-30T12:36:00Z');
  const h = sigv4.signRequest({ method: 'GET', url: 'https://example.amazonaws.com/', region: 'us-east-1', service: 'service', credentials: creds, date });
  assert.match(h.authorization, /SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31$/);
  const args = { method: 'GET', path: '/', rawQuery: '', headers: h, body: Buffer.alloc(0), region: 'us-east-1', service: 'service',
    nowMs: date.getTime(), lookup: () => ({ secretAccessKey: creds.secretAccessKey }) };
  assert.equal(sigv4.verifyHeaders(args).ok, true);
  assert.equal(sigv4.verifyHeaders({ ...args, body: Buffer.from('x') }).check, 'signature');
  assert.equal(sigv4.verifyHeaders({ ...args, nowMs: date.getTime() + 600e3 }).check, 'expired');
});
