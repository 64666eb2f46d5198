// Earshot's public JS surface: startCall() loads the wasm core + browser driver and returns a Call with
// typed events (on/off), a store for React (subscribe/getSnapshot) and commands. The only glue embind
// cannot provide lives here: turning (handle, event) pairs into JS callbacks for the driver, try/catch
// around constructors that throw (WebSocket, RTCPeerConnection), and loading a vendor SDK adapter
// (./vendor/<name>.js) only when the profile asks for one.
import createEarshot from './earshot.js';

/** A failure with a stable code and a human sentence (the core owns the sentences). */
export class EarshotError extends Error {
  constructor(failure) {
    super(failure.message);
    this.name = 'EarshotError';
    this.code = failure.code;
  }
}

// The core's per-tab session (a redeemed single-use invite survives a reload of this tab only).
const SESSION_KEY = 'earshot.session';
const DEVICE_KEY = 'earshot.device';
// This browser's opaque id (localStorage, made once): an invite's seat belongs to the device that
// joined with it, so the same browser can come back. Without storage, one id per page load.
function deviceId() {
  let id = '';
  try { id = localStorage.getItem(DEVICE_KEY) || ''; } catch { /* sandboxed */ }
  if (/^[A-Za-z0-9_-]{16,128}$/.test(id)) return id;
  id = Array.from(crypto.getRandomValues(new Uint8Array(18)), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[b & 63]).join('');
  try { localStorage.setItem(DEVICE_KEY, id); } catch { /* kept for this page only */ }
  return id;
}
function storage() {
  try { return typeof sessionStorage !== 'undefined' ? sessionStorage : null; } catch { return null; }  // sandboxed iframe
}

let modulePromise = null;  // one module instance serves every call on the page
let loaded = null;         // that module, once it is ready
function loadModule(options) {
  const made = options.wasmBinary || options.locateFile
    ? createEarshot({ wasmBinary: options.wasmBinary, locateFile: options.locateFile })
    : (modulePromise = modulePromise || createEarshot({}));
  return made.then((m) => { loaded = m; return m; });
}

/** The failure catalog's entry for a code ({code, fault, retryable, title, next}), or null. */
export function describeFailure(code) {
  return loaded ? JSON.parse(loaded.describeFailure(String(code))) : null;
}

// Effects the core publishes as events: state-changed -> 'state', show-failure -> 'failure', ...
const EVENT_OF = { 'state-changed': 'state', 'show-failure': 'failure', announce: 'announce', 'driver:autoplay-blocked': 'autoplay-blocked', 'driver:sound-playing': 'sound-playing' };

/**
 * @param {object} options  see earshot.d.ts (StartOptions)
 * @returns {Promise<object>} the Call (see earshot.d.ts)
 */
export async function startCall(options = {}) {
  const config = options.config || {};
  const store = options.storage === undefined ? storage() : options.storage;
  let saved = '';
  try { saved = (store && store.getItem(SESSION_KEY)) || ''; } catch { saved = ''; }
  const m = await loadModule(options);
  const listeners = new Map();
  const subscribers = new Set();
  let id = 0;
  let last = null;
  let roster = '[]';
  let vendor = null;  // {name, adapter promise, session}
  const emit = (event, payload) => { for (const fn of listeners.get(event) || []) fn(payload); };

  const send = (input) => {
    const f = m.send(id, JSON.stringify(input));
    if (f) throw new EarshotError(JSON.parse(f));
  };
  const report = (input) => { if (id) try { send(input); } catch { /* the call ended meanwhile */ } };

  // Vendor media: the adapter module is fetched on load-vendor (after the pre-join painted) and
  // drives the vendor SDK; what it learns comes back as vendor-* inputs. It also gets the core module
  // and this call's id, for what only the vendor builds bind (vendorStats, qrRows).
  const onVendor = (json) => {
    const e = JSON.parse(json);
    if (e.type === 'load-vendor' || (e.type === 'start-vendor' && !vendor)) {
      const name = String(e.vendor).replace(/[^a-z0-9-]/g, '');
      // Next to this module, fetched only for this profile. A specifier held in a variable, not a template
      // in import(): bundlers (esbuild, Vite) leave it to run time instead of globbing ./vendor at build time.
      const spec = `./vendor/${name}.js`;
      const load = () => import(/* @vite-ignore */ spec);
      vendor = { name: e.vendor, adapter: new Promise((r) => setTimeout(r, 0)).then(load), session: null };
      vendor.adapter.catch(() => {});
    }
    if (e.type === 'start-vendor') {
      vendor.adapter.then(async (mod) => {
        vendor.session = await mod.start(e.join, { micStream: () => m.micStream(id), report, core: m, id, audio: options.audio });
      }).catch((err) => report({ type: 'vendor-stopped', code: 'vendor.unavailable', detail: String(err && err.message || err) }));
    } else if (e.type === 'set-vendor-muted') {
      vendor && vendor.session && vendor.session.setMuted(e.muted);
    } else if (e.type === 'stop-vendor') {
      vendor && vendor.session && vendor.session.stop();
    }
  };

  const hooks = {
    bind: (handle, event) => (value) => m.event(id, handle, event, value),
    construct: (Ctor, args) => {
      try { return { v: new Ctor(...args) }; } catch (e) { return { e }; }
    },
    save: (value) => {
      try { if (!store) return; if (value) store.setItem(SESSION_KEY, value); else store.removeItem(SESSION_KEY); } catch { /* full or blocked: a reload then redeems again */ }
    },
    onUpdate: (json) => {
      last = JSON.parse(json);
      options.onUpdate && options.onUpdate(last);
      const people = JSON.stringify(last.participants);
      if (people !== roster) { roster = people; emit('participants', last.participants); }
      for (const fn of subscribers) fn();
    },
    onEffect: (json) => {
      const e = JSON.parse(json);
      options.onEffect && options.onEffect(e);
      const name = EVENT_OF[e.type];
      if (!name) return;
      const { type, ...payload } = e;
      emit(name, name === 'sound-playing' ? {} : payload);
    },
    onVendor,
  };
  const seed = crypto.getRandomValues(new Uint32Array(2));
  const started = JSON.parse(m.start(JSON.stringify({
    profile: 'selfhosted',
    ...config,
    apiBase: config.apiBase || (typeof location !== 'undefined' ? location.origin : ''),
    url: options.url || (typeof location !== 'undefined' ? location.href : ''),
    seed: seed[0] * 2 ** 21 + (seed[1] >>> 11),
    saved,
    device: options.device || deviceId(),
    utcOffsetMinutes: -new Date().getTimezoneOffset(),  // times in sentences read as the page's own
    ...(options.entry ? { entry: options.entry } : {}),
  }), hooks));
  if (started.failure) throw new EarshotError(started.failure);
  id = started.id;
  // (the driver published the first snapshot while starting: onUpdate has set `last`)

  return {
    getSnapshot: () => last,
    subscribe(fn) { subscribers.add(fn); return () => subscribers.delete(fn); },
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(fn);
      return () => this.off(event, fn);
    },
    off(event, fn) { const set = listeners.get(event); if (set) set.delete(fn); },
    join(opts = {}) { m.resumeAudio(id); send({ type: 'join-clicked', takeover: !!opts.takeover }); },
    leave() { send({ type: 'leave-clicked' }); },
    retry() { m.resumeAudio(id); send({ type: 'retry-clicked' }); },
    pageClosing() { send({ type: 'page-closing' }); },
    setMuted(muted) { send({ type: 'mute-set', muted: !!muted }); },
    chooseInput(deviceId) { send({ type: 'input-device-chosen', deviceId }); },
    enterName(name) { send({ type: 'name-entered', name: String(name) }); },
    setOutput(deviceId) { return m.setOutput(id, deviceId) || Promise.reject(new Error('setSinkId is not supported')); },
    resumeAudio() { m.resumeAudio(id); },
    micStream() { return m.micStream(id); },
    diagnostics() { return JSON.parse(m.diagnostics(id)); },
    async stats() {
      const byLink = new Map((last.peers || []).map((p) => [p.id, p.participant]));
      const peers = m.peers(id);
      const reports = await Promise.all(peers.map((p) => p.pc.getStats()));
      return peers.map((p, i) => ({ link: p.link, participant: byLink.get(p.link) || '', report: reports[i] }));
    },
    describeFailure,
    destroy() { if (id) m.stop(id); id = 0; subscribers.clear(); listeners.clear(); },
  };
}
