// Earshot's public JS surface: startCall() loads the wasm core + browser driver and returns a small
// controller. The only glue embind cannot provide lives here: turning (handle, event) pairs into JS
// callbacks for the driver, and try/catch around constructors that throw (WebSocket, RTCPeerConnection).
import createEarshot from './earshot.js';

/** A failure with a stable code and a human sentence (the core owns the sentences). */
export class EarshotError extends Error {
  constructor(failure) {
    super(failure.message);
    this.name = 'EarshotError';
    this.code = failure.code;
  }
}

/**
 * @param {object} options  see earshot.d.ts (StartOptions)
 * @returns {Promise<object>} the Call controller (see earshot.d.ts)
 */
// The core's per-tab session (a redeemed single-use invite survives a reload of this tab only).
const SESSION_KEY = 'earshot.session';
function storage() {
  try { return typeof sessionStorage !== 'undefined' ? sessionStorage : null; } catch { return null; }  // sandboxed iframe
}

export async function startCall(options = {}) {
  const config = options.config || {};
  const store = options.storage === undefined ? storage() : options.storage;
  let saved = '';
  try { saved = (store && store.getItem(SESSION_KEY)) || ''; } catch { saved = ''; }
  const m = await createEarshot({ wasmBinary: options.wasmBinary, locateFile: options.locateFile });
  let last = null;
  const hooks = {
    bind: (id, event) => (value) => m.event(id, event, value),
    construct: (Ctor, args) => {
      try { return { v: new Ctor(...args) }; } catch (e) { return { e }; }
    },
    save: (value) => {
      try { if (!store) return; if (value) store.setItem(SESSION_KEY, value); else store.removeItem(SESSION_KEY); } catch { /* full or blocked: a reload then redeems again */ }
    },
    onUpdate: (json) => { last = JSON.parse(json); options.onUpdate && options.onUpdate(last); },
    onEffect: (json) => { options.onEffect && options.onEffect(JSON.parse(json)); },
    audio: options.audio,
  };
  if (options.onTrace) hooks.onTrace = (json) => options.onTrace(JSON.parse(json));
  const seed = crypto.getRandomValues(new Uint32Array(2));
  const failure = m.start(JSON.stringify({
    profile: config.profile || 'selfhosted',
    apiBase: config.apiBase || (typeof location !== 'undefined' ? location.origin : ''),
    iceTransportPolicy: config.iceTransportPolicy || 'all',
    url: options.url || (typeof location !== 'undefined' ? location.href : ''),
    seed: seed[0] * 2 ** 21 + (seed[1] >>> 11),
    saved,
  }), hooks);
  if (failure) throw new EarshotError(JSON.parse(failure));

  const send = (input) => {
    const f = m.send(JSON.stringify(input));
    if (f) throw new EarshotError(JSON.parse(f));
  };
  return {
    send,
    snapshot: () => last || JSON.parse(m.snapshot()),
    join() { m.resumeAudio(); send({ type: 'join-clicked' }); },
    leave() { send({ type: 'leave-clicked' }); },
    retry() { m.resumeAudio(); send({ type: 'retry-clicked' }); },
    setMuted(muted) { send({ type: 'mute-set', muted: !!muted }); },
    chooseInput(deviceId) { send({ type: 'input-device-chosen', deviceId }); },
    setOutput(deviceId) { return m.setOutput(deviceId) || Promise.reject(new Error('setSinkId is not supported')); },
    resumeAudio() { m.resumeAudio(); },
    micStream() { return m.micStream(); },
    stats() { return m.stats() || Promise.resolve(null); },
    destroy() { m.stop(); },
  };
}
