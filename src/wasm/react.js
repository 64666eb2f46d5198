// @earshot/client/react: the call as a React hook (useEarshotCall) and a small component (EarshotCall)
// on top of the client's store (subscribe/getSnapshot, read with useSyncExternalStore). Plain JS with
// React.createElement: no JSX build step; react (>= 18) is a peer dependency.
// One call per mount: StrictMode's mount → unmount → mount starts a second call and the first is
// destroyed (left, sockets and peer connections closed), also when it was still loading.
import { createElement as h, useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { startCall } from './client.js';

const IN_ROOM = ['waiting-for-peer', 'connecting', 'connected', 'reconnecting'];

// seed 004's signaling URL for a backend: ws(s)://host/ws.
function signalingOf(backendUrl) {
  const u = new URL(backendUrl);
  return `${u.protocol === 'https:' ? 'wss:' : 'ws:'}//${u.host}/ws`;
}

// StartOptions for startCall from the hook's options: an app's room token (roomId + token), or an
// invite link (url).
function startOptions(o) {
  const backendUrl = (o.backendUrl || '').replace(/\/+$/, '');
  const config = { profile: 'selfhosted', ...(o.config || {}), ...(backendUrl ? { apiBase: backendUrl } : {}) };
  const extra = { locateFile: o.locateFile, wasmBinary: o.wasmBinary };
  if (o.roomId && o.token) {
    const entry = { room: o.roomId, token: o.token, signalingUrl: o.signalingUrl || signalingOf(backendUrl || location.origin) };
    for (const k of ['userId', 'userName', 'iceServers', 'ttl']) if (o[k] !== undefined) entry[k] = o[k];
    // An app hands the token again after a reload: nothing to keep in the tab's storage.
    return { ...extra, config, entry, storage: null };
  }
  return { ...extra, config, url: o.url };
}

const noSubscription = () => () => {};
const noSnapshot = () => null;

/**
 * @param {object} options  see react.d.ts (UseEarshotCallOptions)
 * @returns {{ call: object|null, snapshot: object|null, error: Error|null }}
 */
export function useEarshotCall(options) {
  const latest = useRef(options);
  latest.current = options;
  const [call, setCall] = useState(null);
  const [error, setError] = useState(null);
  // A new call when what identifies it changes; callbacks may change freely.
  const key = JSON.stringify([options.backendUrl, options.roomId, options.token, options.url, options.signalingUrl, options.userId]);

  useEffect(() => {
    let live = true;
    let made = null;
    const off = [];
    setError(null);
    startCall(startOptions(latest.current)).then((c) => {
      made = c;
      if (!live) { c.destroy(); return; }  // unmounted while loading (StrictMode's first mount)
      let joined = false;
      off.push(c.on('state', ({ to }) => {
        const o = latest.current;
        // The snapshot follows the state event within the same step: hand over the new one.
        if (!joined && IN_ROOM.includes(to)) { joined = true; queueMicrotask(() => o.onJoined && o.onJoined(c.getSnapshot())); }
        if (to === 'ended') { joined = false; queueMicrotask(() => o.onLeft && o.onLeft({ reason: c.getSnapshot().endedReason || 'left' })); }
      }));
      off.push(c.on('failure', (f) => { const o = latest.current; o.onError && o.onError(f); }));
      setCall(c);
    }, (err) => {
      if (!live) return;
      setError(err);
      const o = latest.current;
      o.onError && o.onError({ code: err.code || 'page.failed', message: String(err.message || err), retryable: false });
    });
    return () => {
      live = false;
      for (const f of off) f();
      if (made) {
        try { if (IN_ROOM.includes(made.getSnapshot().state)) made.leave(); } catch { /* already out */ }
        made.destroy();
      }
      setCall(null);
    };
  }, [key]);

  const subscribe = useCallback((fn) => (call ? call.subscribe(fn) : noSubscription()), [call]);
  const getSnapshot = useCallback(() => (call ? call.getSnapshot() : noSnapshot()), [call]);
  const snapshot = useSyncExternalStore(subscribe, getSnapshot, noSnapshot);
  return { call, snapshot, error };
}

const WORDS = {
  idle: 'Starting…', prejoin: 'Ready to join', joining: 'Joining…', 'waiting-for-peer': 'Waiting for others to join…',
  connecting: 'Connecting audio…', connected: 'Connected', reconnecting: 'Reconnecting…', ended: 'You left the call', failed: 'Call failed',
};

/** A minimal call UI: state, people, Join / Mute / Leave, the failure's sentence. Style it by class names. */
export function EarshotCall(props) {
  const { call, snapshot: s, error } = useEarshotCall(props);
  const act = (fn) => () => { try { fn(); } catch (e) { props.onError && props.onError({ code: e.code || 'page.failed', message: e.message, retryable: false }); } };
  const state = s ? s.state : error ? 'failed' : 'idle';
  const failure = (s && s.failure) || (error && { code: error.code || 'page.failed', message: String(error.message || error) });
  const inRoom = IN_ROOM.includes(state);
  const button = (cls, label, onClick, extra = {}) => h('button', { type: 'button', className: `earshot-${cls}`, onClick, ...extra }, label);
  return h('div', { className: ['earshot-call', props.className].filter(Boolean).join(' '), 'data-state': state, style: props.style },
    h('p', { className: 'earshot-state', role: 'status', 'aria-live': 'polite' }, WORDS[state] || state),
    s && s.self && h('ul', { className: 'earshot-people', 'aria-label': 'Participants' },
      h('li', { key: '~self', 'data-self': '' }, `${s.self.name || 'You'} (you)${s.muted ? ' · muted' : ''}`),
      ...s.participants.map((p) => h('li', { key: p.id, 'data-participant': p.id }, `${p.name}${p.muted ? ' · muted' : ''}`))),
    failure && h('p', { className: 'earshot-failure', role: 'alert' }, failure.message),
    h('div', { className: 'earshot-controls' },
      state === 'prejoin' && button('join', 'Join call', act(() => call.join()), { disabled: !s.joinReady }),
      inRoom && button('mute', s.muted ? 'Unmute' : 'Mute', act(() => call.setMuted(!s.muted)), { 'aria-pressed': s.muted }),
      inRoom && button('leave', 'Leave', act(() => call.leave())),
      state === 'failed' && s && s.failureRetryable && button('retry', 'Try again', act(() => call.retry()))));
}
