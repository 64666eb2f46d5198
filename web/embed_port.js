// The room page's side of the embed handshake (the site's side is @earshot/client/embed). room.js
// imports this only when the page is framed, so a plain visit does not load it.
// 1. If config.json's embedOrigins is a list of exact origins, the page says hello to its parent, once
//    per allowed origin (the browser delivers it only to a parent on that origin).
// 2. The parent answers with window.postMessage carrying one MessagePort (and, for app-token entry, the
//    room token: never in the URL). Only window.parent on an allowed origin is heard, and only once.
// 3. From then on events go out, and commands come in, over that port only.
const ORIGIN = /^(https:\/\/[a-z0-9.-]+|http:\/\/(127\.0\.0\.1|localhost))(:\d{1,5})?$/;  // http: local dev and tests only

// The allowed embedder origins, or [] with one console.error when the setting is not a list of them
// ("*", "null", paths, a string instead of an array...). Absent = embedding off, silently.
export function allowedOrigins(list) {
  if (list === undefined) return [];
  if (Array.isArray(list) && list.every((o) => typeof o === 'string' && ORIGIN.test(o))) return list;
  console.error(`Earshot: config.json "embedOrigins" must be an array of exact https:// origins such as ["https://app.example.com"] ("*", "null" and paths are refused); it is ${JSON.stringify(list)}, so embedding is off.`);
  return [];
}

const ENTRY_KEYS = ['room', 'token', 'signalingUrl', 'userId', 'userName', 'iceServers', 'ttl'];

// Returns { entry: Promise<TokenEntry|null>, attach(call), failed(error) }. `entry` settles with the
// token entry the parent handed over (null if none, or nobody shook hands within `wait` ms).
export function open(config, wait = 10000) {
  const origins = allowedOrigins(config.embedOrigins);
  let port = null;
  let call = null;
  let settle;
  const entry = new Promise((r) => { settle = r; });
  setTimeout(() => settle(null), wait);
  const send = (m) => { if (port) port.postMessage(m); };
  let shown = '';  // the participants as last sent (without levels, which change all the time)
  let muted = null;
  const changed = () => {
    if (!port) return;
    const s = call.getSnapshot();
    const people = s.participants.map((p) => ({ id: p.id, name: p.name, role: p.role, muted: p.muted, connection: p.connection }));
    const key = JSON.stringify(people);
    if (key !== shown) { shown = key; send({ type: 'participants', participants: people }); }
    if (s.muted !== muted) { muted = s.muted; send({ type: 'muted', muted }); }
  };
  const ready = () => {
    if (!port || !call) return;
    const s = call.getSnapshot();
    muted = s.muted;
    send({ type: 'ready', state: s.state, muted });
    changed();
  };
  const commands = {
    mute: () => call.setMuted(true),
    unmute: () => call.setMuted(false),
    leave: () => call.leave(),
    setOutput: (m) => call.setOutput(String(m.deviceId || '')),
  };
  const onCommand = async (e) => {
    const m = e.data || {};
    const run = call && Object.hasOwn(commands, m.cmd) && commands[m.cmd];
    try {
      if (!run) throw new Error(call ? `unknown command ${m.cmd}` : 'the call has not started yet');
      await run(m);
      send({ type: 'result', id: m.id, ok: true });
    } catch (err) {
      send({ type: 'result', id: m.id, ok: false, error: String((err && err.message) || err) });
    }
  };
  const onMessage = (e) => {
    const d = e.data;
    if (port || e.source !== window.parent || !origins.includes(e.origin) || !d || d.type !== 'earshot:connect' || !e.ports[0]) return;
    window.removeEventListener('message', onMessage);
    port = e.ports[0];
    port.onmessage = onCommand;
    const given = d.entry && typeof d.entry === 'object' ? d.entry : null;
    settle(given && Object.fromEntries(ENTRY_KEYS.filter((k) => given[k] !== undefined).map((k) => [k, given[k]])));
    ready();
  };
  if (origins.length) {
    window.addEventListener('message', onMessage);
    // Where the browser tells the parent's origin (ancestorOrigins: Chromium, Safari), only to that one:
    // a hello to another origin is dropped anyway, but with a console error.
    const parent = location.ancestorOrigins && location.ancestorOrigins[0];
    for (const o of parent ? origins.filter((x) => x === parent) : origins) {
      try { window.parent.postMessage({ type: 'earshot:hello', v: 1 }, o); } catch { /* not that origin */ }
    }
  } else {
    settle(null);
  }
  return {
    entry,
    // The call could not start (e.g. the handed-over entry was refused): tell the parent why.
    failed(err) {
      send({ type: 'failure', code: String((err && err.code) || 'page.failed'), message: String((err && err.message) || err), retryable: false });
    },
    attach(c) {
      call = c;
      c.on('state', (p) => send({ type: 'state', state: p.to, from: p.from }));
      c.on('failure', (p) => send({ type: 'failure', code: p.code, message: p.message, retryable: p.retryable }));
      c.on('announce', (p) => send({ type: 'announce', text: p.text }));
      c.subscribe(changed);
      ready();
    },
  };
}
