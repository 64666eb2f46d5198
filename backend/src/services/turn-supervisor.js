'use strict';
// Keeps the coturn this server manages working: starts it (dying with this process where the system
// allows), restarts it with backoff when it exits (0.5 s, doubling to 30 s; back to 0.5 s once it has
// run a minute), and probes it with a real TURN allocation every EARSHOT_TURN_PROBE_MS; after three
// failed probes in a row a hung coturn is killed and restarted like a dead one.
// state(): 'running' | 'unresponsive' (alive but the last allocation failed) | 'restarting' | 'stopped'.
const { startTurn, stopTurn } = require('./turn');
const { probeTurn } = require('./turn-probe');

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30000;
const HEALTHY_RESET_MS = 60000;
const PROBE_FAILURES_TO_RESTART = 3;
const PROBE_TIMEOUT_MS = 1000;

function superviseTurn({ cfg, log }) {
  const startOpts = {
    dataDir: cfg.dataDir, port: cfg.turn.port, minPort: cfg.turn.minPort, maxPort: cfg.turn.maxPort,
    secret: cfg.turnSecret, realm: cfg.turn.realm, allowLoopbackPeers: cfg.turn.allowLoopbackPeers, bin: cfg.turn.bin,
    dieWithParent: true,
  };
  let turn = null; // the running coturn { pid, child, exited }
  let state = 'stopped';
  let lastError = null;
  let stopping = false;
  let backoffMs = BACKOFF_MIN_MS;
  let restartTimer = null;
  let probeTimer = null;
  let failures = 0;
  let inflight = null; // the probe under way
  let lastProbeAt = 0;

  async function launch() {
    const t = await startTurn(startOpts);
    if (stopping) { try { t.child.kill('SIGKILL'); } catch { /* gone */ } return; }
    turn = t; state = 'running'; lastError = null; failures = 0;
    const upSince = Date.now();
    log.info('coturn started', { pid: t.pid, port: cfg.turn.port, allowLoopbackPeers: cfg.turn.allowLoopbackPeers });
    t.exited.then((e) => {
      if (turn !== t || stopping) return;
      turn = null;
      if (Date.now() - upSince >= HEALTHY_RESET_MS) backoffMs = BACKOFF_MIN_MS;
      state = 'restarting';
      lastError = `coturn exited (${e.sig || `code ${e.code}`})`;
      log.error('coturn exited unexpectedly, restarting it', { ...e, pid: t.pid, restartInMs: backoffMs });
      scheduleRestart();
    });
  }

  function scheduleRestart() {
    const wait = backoffMs;
    backoffMs = Math.min(BACKOFF_MAX_MS, backoffMs * 2);
    restartTimer = setTimeout(async () => {
      restartTimer = null;
      if (stopping) return;
      try { await launch(); } catch (e) {
        lastError = String(e.message || e).split('\n')[0];
        log.error('coturn restart failed', { err: lastError, retryInMs: backoffMs });
        if (!stopping) scheduleRestart();
      }
    }, wait);
    restartTimer.unref();
  }

  /** Probes now (or joins the probe under way); updates state. */
  function probe() {
    if (inflight) return inflight;
    const t = turn;
    if (!t) return Promise.resolve();
    inflight = probeTurn({ port: cfg.turn.port, secret: cfg.turnSecret, realm: cfg.turn.realm, timeoutMs: PROBE_TIMEOUT_MS }).then((r) => {
      inflight = null;
      lastProbeAt = Date.now();
      if (turn !== t || stopping) return;
      if (r.ok) { failures = 0; state = 'running'; lastError = null; return; }
      failures++;
      state = 'unresponsive';
      lastError = r.error;
      log.warn('coturn probe failed', { error: r.error, failures });
      if (failures >= PROBE_FAILURES_TO_RESTART) {
        log.error('coturn does not answer allocations; killing it to restart it', { pid: t.pid });
        try { t.child.kill('SIGKILL'); } catch { /* gone */ }
      }
    });
    return inflight;
  }

  return {
    async start() {
      stopping = false;
      await launch();
      probeTimer = setInterval(probe, cfg.turn.probeMs);
      probeTimer.unref();
    },
    /** For /health: a fresh probe unless one ran within the last second. */
    async check() {
      if (turn && Date.now() - lastProbeAt > 1000) await probe();
      return { state, error: lastError };
    },
    state: () => state,
    pid: () => turn?.pid ?? null,
    async stop() {
      stopping = true;
      clearInterval(probeTimer); clearTimeout(restartTimer);
      const t = turn; turn = null; state = 'stopped';
      await stopTurn(cfg.dataDir);
      if (t) {
        try { t.child.kill('SIGKILL'); } catch { /* already gone */ }
        await Promise.race([t.exited, new Promise((r) => setTimeout(r, 2000))]); // reap it
      }
    },
  };
}

module.exports = { superviseTurn, BACKOFF_MIN_MS, BACKOFF_MAX_MS };
