// Starts standins/ivs/server.js as a child process for tests and stops it by pid. Also usable by other
// test files (the lead's end-to-end tests): import { startStandin } from '<repo>/standins/ivs/test/standin.mjs'.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVER = join(dirname(fileURLToPath(import.meta.url)), '..', 'server.js');

// flags: extra command-line flags (array). Resolves { api, pages, keyDir, child, output(), stop(), rotateKey() }
// once the server printed IVS_STANDIN_READY; rejects with its output if it exits or stays silent for 15 s.
export async function startStandin({ flags = [], keyDir, env = {} } = {}) {
  const ownKeys = !keyDir;
  keyDir = keyDir || mkdtempSync(join(tmpdir(), 'ivs-keys-'));
  const child = spawn(process.execPath, [SERVER, '--key-dir', keyDir, ...flags], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the IVS stand-in did not start in 15 s:\n${out}`)), 15000);
    const check = () => {
      const m = /IVS_STANDIN_READY (\{.*\})/.exec(out);
      if (m) { clearTimeout(timer); resolve(JSON.parse(m[1])); }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the IVS stand-in exited with ${code}:\n${out}`)); });
  });
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return {
    ...ready, keyDir, child,
    output: () => out,
    exited,
    async log() { const r = await fetch(`${ready.api}/_standin/log`); return r.json(); },
    async room(id) { const r = await fetch(`${ready.api}/_standin/rooms/${id}`); return r.ok ? r.json() : null; },
    async join(body) {
      const r = await fetch(`${ready.api}/room/join`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, body: await r.json() };
    },
    rotateKey() {
      const r = spawnSync(process.execPath, [SERVER, 'rotate-key', '--key-dir', keyDir], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`rotate-key failed: ${r.stderr}`);
      return JSON.parse(/IVS_KEY_ROTATED (\{.*\})/.exec(r.stdout)[1]).kid;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, 'SIGTERM');
        const t = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
        await exited;
        clearTimeout(t);
      }
      if (ownKeys) rmSync(keyDir, { recursive: true, force: true });
      return exited;
    },
  };
}
