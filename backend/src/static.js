'use strict';
// Static pages from EARSHOT_WEB_DIR (default <repo>/dist/web) with explicit MIME types.
const fs = require('node:fs');
const path = require('node:path');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
  '.mp3': 'audio/mpeg',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Earshot</title>
<h1>Earshot</h1><p>The web pages are not built yet. Build them into <code>dist/web</code> (or set EARSHOT_WEB_DIR) and reload.</p>
<p>The API is running: <a href="/health">/health</a>.</p></html>\n`;

function createStatic(webDir) {
  const root = path.resolve(webDir);

  return function serveStatic(req, res, urlPath) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      return res.end('Method not allowed\n');
    }
    let rel;
    try { rel = decodeURIComponent(urlPath); } catch { rel = null; }
    if (rel === null || rel.includes('\0')) return notFound(res);
    if (rel === '/' || rel === '') rel = '/index.html';
    const segs = rel.split('/').filter(Boolean);
    if (segs.some((s) => s === '..' || s.startsWith('.'))) return notFound(res);
    const file = path.join(root, ...segs);
    if (!file.startsWith(root + path.sep)) return notFound(res);

    if (!fs.existsSync(root)) {
      if (/\.html?$/.test(file)) {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(NOT_BUILT) });
        return res.end(req.method === 'HEAD' ? undefined : NOT_BUILT);
      }
      return notFound(res);
    }
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) return notFound(res);
      const type = MIME[path.extname(file).toLowerCase()] || 'application/octet-stream';
      res.writeHead(200, {
        'Content-Type': type,
        'Content-Length': st.size,
        'Cache-Control': 'no-cache',
        'Last-Modified': st.mtime.toUTCString(),
      });
      if (req.method === 'HEAD') return res.end();
      const s = fs.createReadStream(file);
      s.on('error', () => res.destroy());
      s.pipe(res);
    });
  };
}

// A small page in the site's own style (the stylesheet is linked: the CSP forbids inline styles),
// readable on a phone, with a way home.
const NOT_FOUND = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Page not found · Earshot</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/earshot.css">
</head>
<body>
<header class="bar"><span class="logo" aria-hidden="true">◉</span> <span class="brand">Earshot</span></header>
<main id="main">
<section class="card">
<h1>Page not found</h1>
<p>There is no page at this address. If someone sent you a call link, check that it was copied whole.</p>
<p><a href="/">Go to the Earshot start page</a></p>
</section>
</main>
</body>
</html>
`;

function notFound(res) {
  res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(NOT_FOUND), 'Cache-Control': 'no-cache' });
  res.end(NOT_FOUND);
}

module.exports = { createStatic, MIME };
