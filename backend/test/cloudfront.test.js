'use strict';
// infra/cloudfront: the template's ResponseHeadersPolicy must carry exactly the headers of
// security-headers.json (the file the local server reads), and cfn-lint must pass.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { renderSecurityHeaders, loadHeaderSpec } = require('../src/utils/security-headers');
const { REPO_ROOT } = require('../src/config');

const TEMPLATE = path.join(REPO_ROOT, 'infra', 'cloudfront', 'template.yaml');

/** Reads the header values out of the template (single-line scalars) and applies parameter defaults. */
function templateHeaders(text) {
  const scalar = (raw) => {
    raw = raw.trim().replace(/^!Sub\s+/, '');
    if (raw.startsWith('"')) return JSON.parse(raw);
    if (raw.startsWith("'")) return raw.slice(1, -1).replace(/''/g, "'");
    return raw;
  };
  const params = {};
  for (const m of text.matchAll(/^ {2}(\w+):\n {4}Type: String\n {4}Default: (.+)$/gm)) params[m[1]] = scalar(m[2]);
  const sub = (v) => v.replace(/\$\{(\w+)\}/g, (x, k) => { assert.ok(k in params, `unknown parameter ${k}`); return params[k]; });
  const pol = text.slice(text.indexOf('AWS::CloudFront::ResponseHeadersPolicy'));
  const one = (re, what) => { const m = re.exec(pol); assert.ok(m, `template lacks ${what}`); return m[1]; };
  const out = {};
  out['Content-Security-Policy'] = sub(scalar(one(/^ {12}ContentSecurityPolicy: (.+)$/m, 'ContentSecurityPolicy')));
  assert.match(pol, /ContentTypeOptions:\n\s+Override: true/);
  out['X-Content-Type-Options'] = 'nosniff'; // CloudFront's ContentTypeOptions always sends nosniff
  out['Referrer-Policy'] = scalar(one(/^ {12}ReferrerPolicy: (.+)$/m, 'ReferrerPolicy'));
  const hsts = one(/StrictTransportSecurity:\n\s+AccessControlMaxAgeSec: (\d+)\n\s+IncludeSubdomains: true/, 'StrictTransportSecurity');
  out['Strict-Transport-Security'] = `max-age=${hsts}; includeSubDomains`;
  for (const m of pol.matchAll(/- Header: (.+)\n\s+Value: (.+)\n/g)) out[scalar(m[1])] = sub(scalar(m[2]));
  return { headers: out, params };
}

test('CloudFront ResponseHeadersPolicy equals security-headers.json', () => {
  const spec = loadHeaderSpec();
  const { headers, params } = templateHeaders(fs.readFileSync(TEMPLATE, 'utf8'));
  // parameter defaults are the JSON defaults
  assert.equal(params.FrameAncestors, spec.defaults.FRAME_ANCESTORS);
  assert.equal(params.MicrophoneAllowlist, spec.defaults.MIC_ALLOWLIST);
  assert.deepEqual(headers, renderSecurityHeaders({ https: true }, spec));
});

test('rendered headers contain the required values', () => {
  const h = renderSecurityHeaders();
  assert.match(h['Content-Security-Policy'], /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(h['Content-Security-Policy'], /frame-ancestors 'self'$/);
  assert.equal(h['Permissions-Policy'], 'microphone=(self)');
  assert.equal(h['Referrer-Policy'], 'no-referrer');
  assert.equal(h['Cross-Origin-Opener-Policy'], 'same-origin');
  assert.equal(h['X-Content-Type-Options'], 'nosniff');
  assert.equal(h['Strict-Transport-Security'], undefined, 'HSTS only over https');
});

test('a drifted template is detected', () => {
  const text = fs.readFileSync(TEMPLATE, 'utf8').replace('object-src \'none\'', 'object-src *');
  assert.notDeepEqual(templateHeaders(text).headers, renderSecurityHeaders({ https: true }));
});

const lint = spawnSync('sh', ['-c', 'command -v cfn-lint']).status === 0;
test('cfn-lint passes on template.yaml', { skip: !lint && 'cfn-lint not installed (pip install cfn-lint needs the internet)', timeout: 120000 }, () => {
  const r = spawnSync('cfn-lint', [TEMPLATE], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
});
