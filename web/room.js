// room.html: draws the core's snapshot, turns clicks and keys into inputs, and speaks the embedder
// postMessage API. All call logic lives in the wasm core; this file only renders and forwards.
const $ = (id) => document.getElementById(id);
const views = ['loading', 'prejoin', 'incall', 'problem', 'ended'];
let call = null;
let snap = null;
let config = { profile: 'selfhosted', apiBase: '', iceTransportPolicy: 'all', embedOrigins: [] };
const embedded = window.parent !== window;

// What to do next, per failure code. The sentence itself comes from the core, verbatim.
const HELP = {
  'invite.expired': ['This link has expired', 'Invite links are short-lived. Ask the host to send you a new one.'],
  'invite.used': ['This link was already used', 'Each invite link lets one person in, once. Ask the host for a new link.'],
  'invite.missing': ['This link is incomplete', 'Open the full link you were sent, or ask the host to send it again.'],
  'invite.malformed': ['This link is damaged', 'It may have been cut off when copied. Ask the host to send it again.'],
  'invite.mismatch': ['This link is damaged', 'Ask the host to send the link again.'],
  'invite.invalid': ['This link is not valid', 'Ask the host for a new link.'],
  'room.not_found': ['This room does not exist', 'The call may have ended or expired. Ask the host for a new link.'],
  'room.expired': ['This room has closed', 'Ask the host to create a new room.'],
  'room.closed': ['This room has closed', 'Ask the host to create a new room.'],
  'room.full': ['This call is full', 'A call holds two people. If you were in it before, wait for your old tab to drop out, or ask the host.'],
  'mic.denied': ['Microphone access is blocked', 'Click the lock or camera icon left of the address bar, set Microphone to Allow, then press Try again. On a phone, check the browser\'s site settings.'],
  'mic.missing': ['No microphone found', 'Plug in a headset or microphone (or enable it in your system sound settings), then press Try again.'],
  'mic.in_use': ['The microphone is busy', 'Close other apps that use the microphone (other calls, recorders), then press Try again.'],
  'mic.failed': ['The microphone did not start', 'Check your system sound settings, then press Try again.'],
  'backend.unreachable': ['Can\'t reach the call server', 'Check your internet connection. Earshot will keep the link; press Try again when you are back online.'],
  'backend.error': ['The call server had a problem', 'Wait a moment and press Try again.'],
  'signal.unreachable': ['Lost the connection to the call server', 'Check your internet connection, then press Try again.'],
  'relay.unreachable': ['Could not reach the relay', 'Your network blocks direct calls and the relay server did not accept the connection. Try another network, or tell the host.'],
  'media.timeout': ['Audio could not connect', 'A firewall or VPN may block calls. Try another network, then press Try again.'],
  'call.lost': ['The call dropped', 'Press Try again to reconnect.'],
  'session.expired': ['Your session expired', 'Ask the host for a new link.'],
  'rate.limited': ['Too many attempts', 'Wait a minute, then press Try again.'],
};
const STATE_WORDS = {
  idle: 'Starting…', prejoin: 'Ready to join', joining: 'Joining…', 'waiting-for-peer': 'Waiting for the other person to join…',
  connecting: 'Connecting audio…', connected: 'Connected', reconnecting: 'Connection interrupted — reconnecting…',
  ended: 'You left the call', failed: 'Call failed',
};

function show(view) { for (const v of views) $(v).hidden = v !== view; }
function say(text) { if (!text) return; $('live').textContent = ''; setTimeout(() => { $('live').textContent = text; }, 30); }
function post(message) {
  if (!embedded) return;
  for (const origin of config.embedOrigins || []) window.parent.postMessage(message, origin);
}
function clock(ms) {
  const d = new Date(ms);
  const same = d.toDateString() === new Date().toDateString();
  return (same ? '' : d.toLocaleDateString() + ' ') + d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
function until(ms) {
  const min = Math.round((ms - Date.now()) / 60000);
  if (min <= 0) return '(expired)';
  return min < 90 ? `(in ${min} min)` : `(in ${Math.round(min / 60)} h)`;
}
function fillDevices(select, devices, current, emptyText) {
  const key = JSON.stringify([devices, current]);
  if (select.dataset.key === key) return;
  select.dataset.key = key;
  select.textContent = '';
  if (!devices.length) select.append(new Option(emptyText, ''));
  for (const d of devices) select.append(new Option(d.label || 'Microphone', d.id, false, d.id === current));
  select.disabled = !devices.length;
}

function render(s) {
  snap = s;
  const inv = s.invite;
  if (inv) {
    $('title').textContent = inv.title || '';
    $('who').textContent = inv.name || (inv.role === 'host' ? 'Host' : 'Guest');
    $('role').textContent = inv.role;
    $('room').textContent = inv.title ? `${inv.title} (${inv.room})` : inv.room;
    $('expires').textContent = clock(inv.expiresAt);
    $('expires').dateTime = new Date(inv.expiresAt).toISOString();
    $('expires-in').textContent = until(inv.expiresAt);
  }
  const state = s.state;
  if (s.failure && (state === 'failed' || state === 'idle' || state === 'prejoin')) return renderProblem(s);
  if (state === 'ended') return show('ended');
  if (state === 'idle') return show('loading');
  if (state === 'prejoin') return renderPrejoin(s);
  renderCall(s);
}

function renderPrejoin(s) {
  show('prejoin');
  const micText = { pending: 'Waiting for permission…', granted: s.micLabel || 'Microphone on', denied: 'Blocked', missing: 'No microphone found', failed: 'Not working' };
  $('mic-status').textContent = micText[s.mic] || '';
  $('mic-explain').hidden = s.mic === 'granted';
  fillDevices($('input-device'), s.inputs, s.micDeviceId, s.mic === 'granted' ? 'Default microphone' : 'Waiting for permission…');
  const out = $('output-device');
  $('output-field').hidden = !('setSinkId' in HTMLMediaElement.prototype) || !s.outputs.length;
  fillDevices(out, s.outputs, out.value, 'Default speaker');
  $('level').value = Math.min(1, s.localLevel * 4);
  $('test-btn').disabled = s.mic !== 'granted' || testing;
  $('join-btn').disabled = !s.joinReady;
  $('join-hint').textContent = s.joinReady ? '' : (s.mic === 'granted' ? 'Connecting to the call server…' : 'Allow the microphone to join.');
}

function person(li, p, speaking, extra) {
  li.hidden = !p;
  if (!p) return;
  li.querySelector('.name').textContent = p.name;
  li.querySelector('.avatar').textContent = (p.name || '?').trim().charAt(0).toUpperCase();
  li.classList.toggle('talking', !!speaking);
  li.querySelector('.state').textContent = extra;
}

function renderCall(s) {
  show('incall');
  $('conn-text').textContent = STATE_WORDS[s.state] || s.state;
  $('conn').dataset.state = s.state;
  person($('p-self'), s.self || (s.invite && { name: s.invite.name }), s.selfSpeaking && !s.muted, s.muted ? 'You · muted' : 'You');
  const waiting = !s.peer;
  $('p-peer').hidden = waiting;
  if (!waiting) person($('p-peer'), s.peer, s.peerSpeaking, s.peer.role === 'host' ? 'Host' : 'Guest');
  const m = $('mute-btn');
  m.setAttribute('aria-pressed', String(s.muted));
  m.firstChild.textContent = s.muted ? 'Unmute ' : 'Mute ';
  m.classList.toggle('on', s.muted);
  $('muted-hint').hidden = !s.speakingWhileMuted;
  $('notice').hidden = !s.notice;
  $('notice').textContent = s.notice;
  fillDevices($('call-device'), s.inputs, s.micDeviceId, 'Default microphone');
}

function renderProblem(s) {
  show('problem');
  const f = s.failure;
  const [title, help] = HELP[f.code] || ['Something went wrong', s.failureRetryable ? 'Press Try again.' : 'Ask the host for a new link.'];
  $('problem-h').textContent = title;
  $('problem-text').textContent = f.message;
  $('problem-help').textContent = help;
  $('problem-code').textContent = `Error code: ${f.code}`;
  $('retry-btn').hidden = !s.failureRetryable;
}

function onEffect(e) {
  switch (e.type) {
    case 'state-changed':
      say(STATE_WORDS[e.to]);
      post({ type: 'earshot:state', state: e.to, from: e.from });
      break;
    case 'show-failure':
      say(e.message);
      post({ type: 'earshot:failure', code: e.code, message: e.message, retryable: e.retryable });
      break;
    case 'announce':
      say(e.text);
      post({ type: 'earshot:announce', text: e.text });
      break;
    case 'driver:autoplay-blocked': $('sound-btn').hidden = false; break;
    case 'driver:sound-playing': $('sound-btn').hidden = true; break;
  }
}

// ---- mic test: record 3 s, play it back (as seed 000's "Test") -----------------------------------
let testing = false;
async function micTest() {
  const stream = call && call.micStream();
  if (!stream || testing || typeof MediaRecorder === 'undefined') return;
  testing = true;
  $('test-btn').disabled = true;
  const status = $('test-status');
  const chunks = [];
  const rec = new MediaRecorder(stream);
  rec.ondataavailable = (e) => chunks.push(e.data);
  const stopped = new Promise((r) => { rec.onstop = r; });
  rec.start();
  status.textContent = 'Recording 3 seconds — say something…';
  await new Promise((r) => setTimeout(r, 3000));
  rec.stop();
  await stopped;
  status.textContent = 'Playing back…';
  const url = URL.createObjectURL(new Blob(chunks, { type: rec.mimeType }));
  const player = new Audio(url);
  const out = $('output-device').value;
  if (out && player.setSinkId) await player.setSinkId(out).catch(() => {});
  player.onended = player.onerror = () => {
    URL.revokeObjectURL(url);
    status.textContent = 'Did you hear yourself? If not, pick another microphone.';
    testing = false;
    if (snap) render(snap);
  };
  player.play().catch(() => player.onended());
}

// ---- wiring ---------------------------------------------------------------------------------------
function wire() {
  const act = (fn) => () => { try { fn(); } catch (e) { say(e.message); } };
  $('join-btn').onclick = act(() => call.join());
  $('leave-btn').onclick = act(() => call.leave());
  $('retry-btn').onclick = act(() => call.retry());
  $('mute-btn').onclick = act(() => call.setMuted(!snap.muted));
  $('sound-btn').onclick = () => call.resumeAudio();
  $('test-btn').onclick = () => { call.resumeAudio(); micTest(); };
  const choose = (e) => call.chooseInput(e.target.value);
  $('input-device').onchange = choose;
  $('call-device').onchange = choose;
  $('output-device').onchange = (e) => call.setOutput(e.target.value).catch((err) => say(err.message));
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'm' && e.key !== 'M') return;
    if (e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName)) return;
    if (snap && ['waiting-for-peer', 'connecting', 'connected', 'reconnecting'].includes(snap.state)) call.setMuted(!snap.muted);
  });
  // Any gesture lets the AudioContext and the remote <audio> start (autoplay policy).
  document.addEventListener('pointerdown', () => call.resumeAudio(), { once: true });
  window.addEventListener('message', (e) => {
    if (!embedded || e.source !== window.parent || !(config.embedOrigins || []).includes(e.origin)) return;
    const type = e.data && e.data.type;
    try {
      if (type === 'earshot:mute') call.setMuted(true);
      else if (type === 'earshot:unmute') call.setMuted(false);
      else if (type === 'earshot:leave') call.leave();
    } catch (err) { /* the core refused (e.g. not in a call): nothing to do */ }
  });
  window.addEventListener('pagehide', () => {
    if (snap && ['joining', 'waiting-for-peer', 'connecting', 'connected', 'reconnecting'].includes(snap.state)) {
      // Leave the room now so the peer knows, but keep this tab's session: a reload rejoins.
      try { call.send({ type: 'page-closing' }); } catch (e) { /* page is going away */ }
    }
  });
}

// Test and diagnostics hook: a summary of the peer connection's stats (read-only).
window.__earshot = {
  snapshot: () => snap,
  async stats() {
    const report = call && await call.stats();
    if (!report) return null;
    const out = { packetsReceived: 0, packetsSent: 0, totalAudioEnergy: 0, totalSamplesDuration: 0, audioLevel: 0, bytesReceived: 0, pair: null };
    let pairId = null;
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        out.packetsReceived += s.packetsReceived || 0;
        out.bytesReceived += s.bytesReceived || 0;
        out.totalAudioEnergy += s.totalAudioEnergy || 0;
        out.totalSamplesDuration += s.totalSamplesDuration || 0;
        out.audioLevel = Math.max(out.audioLevel, s.audioLevel || 0);
      }
      if (s.type === 'outbound-rtp' && s.kind === 'audio') out.packetsSent += s.packetsSent || 0;
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    const pair = pairId && report.get(pairId);
    if (pair) {
      const l = report.get(pair.localCandidateId) || {};
      const r = report.get(pair.remoteCandidateId) || {};
      out.pair = { state: pair.state, local: l.candidateType, remote: r.candidateType, localAddress: l.address, protocol: l.protocol };
    }
    return out;
  },
};

async function boot() {
  const [cfg, client] = await Promise.all([
    fetch('config.json', { cache: 'no-store' }).then((r) => (r.ok ? r.json() : {})).catch(() => ({})),
    import('./client.js'),
  ]);
  config = Object.assign(config, cfg);
  call = await client.startCall({ config, audio: $('remote-audio'), onUpdate: render, onEffect });
  wire();
  render(call.snapshot());
  post({ type: 'earshot:ready' });
}

boot().catch((e) => {
  show('problem');
  $('problem-h').textContent = 'Earshot could not start';
  $('problem-text').textContent = String(e && e.message || e);
  $('problem-help').textContent = 'Reload the page. If it keeps happening, your browser may be too old for audio calls.';
});
