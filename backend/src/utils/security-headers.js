'use strict';
// Reads the single header definition shared with CloudFront (infra/cloudfront/security-headers.json)
// and renders it for this server's configuration (EARSHOT_FRAME_ANCESTORS).
const fs = require('node:fs');
const path = require('node:path');
const { REPO_ROOT } = require('../config');

const HEADERS_FILE = path.join(REPO_ROOT, 'infra', 'cloudfront', 'security-headers.json');

function loadHeaderSpec(file = HEADERS_FILE) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function fill(template, vars) {
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (m, k) => {
    if (!(k in vars)) throw new Error(`security-headers.json: no value for ${k}`);
    return vars[k];
  });
}

/** frameAncestors: extra origins allowed to embed the pages (besides 'self'). */
function renderSecurityHeaders({ frameAncestors = [], https = false } = {}, spec = loadHeaderSpec()) {
  const vars = { ...spec.defaults };
  if (frameAncestors.length) {
    vars.FRAME_ANCESTORS = ["'self'", ...frameAncestors].join(' ');
    vars.MIC_ALLOWLIST = ['self', ...frameAncestors.map((o) => `"${o}"`)].join(' ');
  }
  const out = {};
  for (const [k, v] of Object.entries(spec.headers)) out[k] = fill(v, vars);
  if (https) for (const [k, v] of Object.entries(spec.httpsOnlyHeaders || {})) out[k] = fill(v, vars);
  return out;
}

module.exports = { loadHeaderSpec, renderSecurityHeaders, HEADERS_FILE };
