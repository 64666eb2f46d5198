// Starts the Chime stand-in (server.js) as a child process and resolves once it printed its ready
// line. For tests and tools: `const s = await startChimeStandin({ host: '10.77.0.1', adminKey })`;
// s.api / s.pages / s.pid; s.hook(path, {method, body}) calls a /_standin/ hook; s.stop() ends it by pid.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('./server.js', import.meta.url));

export async function startChimeStandin({ host = '127.0.0.1', port = 0, adminKey, jwtSecret, args = [], env = {}, timeoutMs = 15000 } = {}) {
  if (!adminKey) throw new Error('startChimeStandin: adminKey is required');
  const argv = [SERVER, '--host', host, '--port', String(port), '--admin-key', adminKey, ...(jwtSecret ? ['--jwt-secret', jwtSecret] : []), ...args];
  const child = spawn(process.execPath, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`chime stand-in did not start in ${timeoutMs} ms:\n${out}`)); }, timeoutMs);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^CHIME_STANDIN_READY (\{.*\})$/m.exec(out);
      if (m) { clearTimeout(timer); resolve(JSON.parse(m[1])); }
    });
    child.stderr.on('data', (d) => { out += d; });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`chime stand-in exited (${code}):\n${out}`)); });
  });
  child.removeAllListeners('exit');
  const standin = {
    ...ready, pid: child.pid, child, output: () => out,
    async hook(path, { method = 'GET', body } = {}) {
      const r = await fetch(`${ready.api}/_standin/${path}`, {
        method, headers: { 'X-Admin-Key': adminKey, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const json = await r.json();
      if (!r.ok) throw new Error(`${method} /_standin/${path}: HTTP ${r.status} ${JSON.stringify(json)}`);
      return json;
    },
    log() { return standin.hook('log'); },
    async createRoom(body = {}) {
      const r = await fetch(`${ready.api}/rooms`, { method: 'POST', headers: { 'X-Admin-Key': adminKey, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      if (r.status !== 201) throw new Error(`POST /rooms: HTTP ${r.status} ${await r.text()}`);
      return r.json();
    },
    // Resolves with the exit code; SIGKILL after 5 s if SIGTERM did not end it.
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise((r) => child.once('exit', (code, sig) => r(code ?? sig)));
      process.kill(child.pid, 'SIGTERM');
      const t = setTimeout(() => { if (child.exitCode === null) process.kill(child.pid, 'SIGKILL'); }, 5000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
  return standin;
}
