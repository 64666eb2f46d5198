// @earshot/client/embed: puts Earshot's room page in an iframe on the embedding site and talks to it over
// one MessageChannel. The page says hello to its parent; this side answers, to the page's exact origin
// only, with a MessagePort (and the app's room token for app-token entry, which so never appears in a
// URL). Events (state, participants, failure, announce, muted) and commands (mute, unmute, leave,
// setOutput) then go over that port. The room page's side is web/embed_port.js; its config.json must
// list this site's origin in embedOrigins, and the backend must allow it as a frame ancestor
// (EARSHOT_FRAME_ANCESTORS). No dependency on the wasm client: embedding pages load nothing else.

function exactOrigin(value, what) {
  let url;
  try { url = new URL(value); } catch { url = null; }
  if (!url || url.origin === 'null' || url.origin !== value) {
    throw new TypeError(`${what} must be an exact origin such as "https://calls.example.com" (scheme, host, port; no path), not ${JSON.stringify(value)}`);
  }
  return value;
}

// seed 004's signaling URL for a backend: ws(s)://host/ws.
function signalingOf(backendUrl) {
  const u = new URL(backendUrl);
  return `${u.protocol === 'https:' ? 'wss:' : 'ws:'}//${u.host}/ws`;
}

/**
 * @param {Element} element  where the iframe goes
 * @param {object} target    { roomUrl } (an invite link) or { roomId, token, backendUrl, userId?, userName?, signalingUrl?, iceServers?, ttl? }
 * @param {object} options   { origin, onEvent?, title?, height? }: see embed.d.ts
 */
export function mount(element, target, options) {
  if (!element || typeof element.append !== 'function') throw new TypeError('mount(element, …): element must be a DOM element');
  const origin = exactOrigin(options && options.origin, 'options.origin (the room page\'s origin)');
  let src;
  let entry = null;
  if (target && target.roomUrl) {
    src = new URL(target.roomUrl);
  } else if (target && target.roomId && target.token) {
    const base = target.backendUrl || origin;
    src = new URL('room.html', base.endsWith('/') ? base : `${base}/`);
    entry = { room: String(target.roomId), token: String(target.token), signalingUrl: target.signalingUrl || signalingOf(base) };
    for (const k of ['userId', 'userName', 'iceServers', 'ttl']) if (target[k] !== undefined) entry[k] = target[k];
  } else {
    throw new TypeError('mount(element, target, …): target needs roomUrl, or roomId + token (+ backendUrl)');
  }
  if (src.origin !== origin) throw new TypeError(`the room page ${src.origin} is not on options.origin ${origin}`);

  const iframe = document.createElement('iframe');
  iframe.src = src.href;
  iframe.allow = 'microphone; autoplay';
  iframe.title = options.title || 'Earshot call';
  iframe.style.cssText = `display:block;width:100%;height:${options.height || '560px'};border:0`;

  const listeners = new Map();
  const pending = new Map();  // command id -> {resolve, reject}
  let port = null;
  let nextId = 1;
  let markReady;
  let markGone;
  let gone = false;
  const ready = new Promise((r) => { markReady = r; });
  const unmounted = new Promise((_, reject) => { markGone = () => reject(new Error('unmounted')); });
  unmounted.catch(() => {});

  const emit = (event) => {
    if (options.onEvent) options.onEvent(event);
    for (const fn of listeners.get(event.type) || []) fn(event);
  };
  const onPort = (e) => {
    const m = e.data;
    if (!m || typeof m.type !== 'string') return;
    if (m.type === 'result') {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.resolve(); else p.reject(new Error(m.error || 'the room page refused the command'));
      return;
    }
    if (m.type === 'ready') markReady();
    emit(m);
  };
  // The page's hello: from this iframe's window and the exact origin, nothing else. A second hello
  // (the frame navigated or reloaded) gets a fresh channel.
  const onHello = (e) => {
    if (e.source !== iframe.contentWindow || e.origin !== origin || !e.data || e.data.type !== 'earshot:hello') return;
    if (port) port.close();
    const channel = new MessageChannel();
    port = channel.port1;
    port.onmessage = onPort;
    iframe.contentWindow.postMessage({ type: 'earshot:connect', v: 1, entry }, origin, [channel.port2]);
  };
  window.addEventListener('message', onHello);
  element.append(iframe);

  const command = async (cmd, extra = {}) => {
    if (gone) throw new Error('unmounted');
    await Promise.race([ready, unmounted]);  // commands wait for the handshake, not past unmount()
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      port.postMessage({ id, cmd, ...extra });
    });
  };

  return {
    iframe,
    ready,
    mute: () => command('mute'),
    unmute: () => command('unmute'),
    leave: () => command('leave'),
    setOutput: (deviceId) => command('setOutput', { deviceId: String(deviceId) }),
    on(type, fn) {
      if (!listeners.has(type)) listeners.set(type, new Set());
      listeners.get(type).add(fn);
      return () => { const set = listeners.get(type); if (set) set.delete(fn); };
    },
    unmount() {
      if (gone) return;
      gone = true;
      markGone();
      window.removeEventListener('message', onHello);
      if (port) port.close();
      for (const p of pending.values()) p.reject(new Error('unmounted'));
      pending.clear();
      listeners.clear();
      iframe.remove();
    },
  };
}
