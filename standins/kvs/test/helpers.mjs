// Shared test helpers: start/stop the stand-in as a child process, chat clients with an inbox, hook reads.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const WebSocket = require('ws');
export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(HERE, '..');

// One scratch folder per test file: the TLS material (made by setup.sh, as tools/setup.sh does) and the db.
export function scratch() {
  const dir = mkdtempSync(join(tmpdir(), 'kvs-test-'));
  execFileSync('bash', [join(ROOT, 'setup.sh'), join(dir, 'tls')], { env: { ...process.env, EARSHOT_CACHE: dir }, stdio: 'ignore' });
  return { dir, tlsDir: join(dir, 'tls'), db: join(dir, 'kvs.sqlite'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// Starts `node server.js <args>`; resolves with {proc, chat, kvs, ca, chatHttp, stop()} after the ready line.
export function startServer(args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [join(ROOT, 'server.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`no ready line in 10 s; stderr: ${err}`)); }, 10000);
    proc.stderr.on('data', (d) => { err += d; });
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /KVS_STANDIN_READY (\{.*\})\n/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const ready = JSON.parse(m[1]);
      const stop = () => new Promise((res) => {
        if (proc.exitCode !== null) return res();
        proc.once('exit', () => res());
        proc.kill('SIGTERM');
      });
      resolve({ proc, ...ready, chatHttp: ready.chat.replace(/^ws:/, 'http:'), stop, stderr: () => err });
    });
    proc.on('exit', (code) => { clearTimeout(timer); if (!/KVS_STANDIN_READY/.test(out)) reject(new Error(`exited ${code}: ${err}`)); });
  });
}

// Runs server.js expecting it to refuse to start; resolves {code, stderr}.
export function runExpectingFailure(args) {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [join(ROOT, 'server.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    proc.stderr.on('data', (d) => { err += d; });
    proc.on('exit', (code) => resolve({ code, stderr: err }));
  });
}

// A chat client: JSON in, an inbox of parsed frames, next(pred) waits for a matching one.
export class ChatClient {
  static connect(base, username, opts = {}) {
    const c = new ChatClient();
    return c.open(`${base}/?username=${encodeURIComponent(username)}`, opts).then(() => c);
  }
  open(url, opts) {
    this.inbox = [];
    this.waiters = [];
    this.ws = new WebSocket(url, opts);
    this.closed = new Promise((res) => this.ws.on('close', (code, reason) => res({ code, reason: reason.toString() })));
    this.ws.on('message', (d) => {
      const msg = JSON.parse(d.toString());
      this.inbox.push(msg);
      this.waiters = this.waiters.filter((w) => !w(msg));
    });
    return new Promise((res, rej) => { this.ws.once('open', res); this.ws.once('error', rej); });
  }
  send(obj) { this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)); }
  // Resolves with the first message (already received or future) matching pred.
  next(pred, ms = 3000) {
    const p = typeof pred === 'string' ? (m) => m.type === pred : pred;
    const idx = this.inbox.findIndex(p);
    if (idx >= 0) return Promise.resolve(this.inbox.splice(idx, 1)[0]);
    return new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`timeout waiting for a message; inbox: ${JSON.stringify(this.inbox).slice(0, 600)}`)), ms);
      this.waiters.push((m) => {
        if (!p(m)) return false;
        clearTimeout(t);
        this.inbox.splice(this.inbox.indexOf(m), 1);
        res(m);
        return true;
      });
    });
  }
  async request(obj, type) {
    this.send(obj);
    return this.next((m) => m.type === type || (m.type === 'error' && m.action === obj.action));
  }
  close() { this.ws.close(); return this.closed; }
}

export const getJson = async (url, init) => (await fetch(url, init)).json();
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
