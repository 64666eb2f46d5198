// room.html: draws the core's snapshot, turns clicks and keys into inputs, and speaks the embedder
// postMessage API. All call logic lives in the wasm core; this file only renders and forwards.
const $ = (id) => document.getElementById(id);
const views = ['loading', 'prejoin', 'incall', 'problem', 'ended'];
let call = null;
let client = null;  // client.js, once imported
let snap = null;
let config = { profile: 'selfhosted', apiBase: '', iceTransportPolicy: 'all', embedOrigins: [] };
const embedded = window.parent !== window;

const STATE_WORDS = {
  idle: 'Starting…', prejoin: 'Ready to join', joining: 'Joining…', 'waiting-for-peer': 'Waiting for the other person to join…',
  connecting: 'Connecting audio…', connected: 'Connected', reconnecting: 'Connection interrupted — reconnecting…',
  ended: 'You left the call', failed: 'Call failed',
};

// A room of more than two waits for "others", a pair for "the other person".
function words(state) {
  if (state === 'waiting-for-peer' && snap && snap.room.capacity > 2) return 'Waiting for others to join…';
  return STATE_WORDS[state] || state;
}
function show(view) { for (const v of views) $(v).hidden = v !== view; }
function say(text) { if (!text) return; $('live').textContent = ''; setTimeout(() => { $('live').textContent = text; }, 30); }
// Local time as the core writes it in sentences ("14:05", or "2026-11-22 14:05" on another day), so
// the page never shows one time as "2:05 PM" and another as "14:05 (UTC)".
function clock(ms) {
  const p = (n) => String(n).padStart(2, '0');
  const d = new Date(ms);
  const day = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  const now = new Date();
  const same = day === `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
  return `${same ? '' : day + ' '}${p(d.getHours())}:${p(d.getMinutes())}`;
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
  $('title').textContent = s.room.title || '';
  if (inv) {
    $('who').textContent = inv.name || (inv.role === 'host' ? 'Host' : 'Guest');
    $('role').textContent = inv.role;
    $('room').textContent = s.room.title || inv.room;
    $('expires').textContent = clock(inv.expiresAt);
    $('expires').dateTime = new Date(inv.expiresAt).toISOString();
    $('expires-in').textContent = until(inv.expiresAt);
  }
  const state = s.state;
  // A seat in use elsewhere is a question on the pre-join, not a problem page.
  const asking = s.failure && s.failure.code === 'invite.in_use';
  if (s.failure && !asking && (state === 'failed' || state === 'idle' || state === 'prejoin')) return renderProblem(s);
  if (state === 'ended') return renderEnded(s);
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
  $('join-btn').textContent = s.takeoverOffered ? 'Join here instead' : 'Join call';
  $('takeover').hidden = !s.takeoverOffered;
  $('join-hint').textContent = s.joinReady ? '' : (s.mic === 'granted' ? 'Connecting to the call server…' : 'Allow the microphone to join.');
  if (s.lookup) {
    const names = s.lookup.inRoom.map((p) => p.name).join(', ');
    $('inroom').textContent = names || 'Nobody yet';
  }
  $('inroom').hidden = $('inroom').previousElementSibling.hidden = !s.lookup;
}

function person(li, p, speaking, extra) {
  li.querySelector('.name').textContent = p.name;
  li.querySelector('.avatar').textContent = (p.name || '?').trim().charAt(0).toUpperCase();
  li.classList.toggle('talking', !!speaking);
  li.querySelector('.state').textContent = extra;
}

const QUALITY_WORDS = { fair: 'Weak connection', poor: 'Poor connection' };
const CONNECTION_WORDS = { new: 'Connecting…', connecting: 'Connecting…', disconnected: 'Reconnecting…', failed: 'No audio', closed: 'No audio' };
// Everyone else in the room, one <li class="peer" data-participant> each, kept in roster order.
function renderPeople(s) {
  const list = $('people');
  const keep = new Set(s.participants.map((p) => p.id));
  for (const li of [...list.querySelectorAll('li.peer')]) if (!keep.has(li.dataset.participant)) li.remove();
  for (const p of s.participants) {
    let li = list.querySelector(`li.peer[data-participant="${CSS.escape(p.id)}"]`);
    if (!li) {
      li = $('p-self').cloneNode(true);
      li.removeAttribute('id');
      li.className = 'peer';
      li.dataset.participant = p.id;
      list.append(li);
    }
    const role = s.entry == 'name' ? '' : p.role === 'host' ? 'Host' : 'Guest';  // a room entered by name has no hosts
    const how = CONNECTION_WORDS[p.connection] || QUALITY_WORDS[p.quality] || '';
    li.dataset.q = p.quality;  // the avatar's ring: amber for a weak connection, red for a poor one
    person(li, p, p.speaking, [role, p.muted ? 'muted' : '', how].filter(Boolean).join(' · '));
  }
}

function renderCall(s) {
  show('incall');
  // Alone again after someone left for good: say who, and (once, in the notice) that waiting is fine.
  const alone = s.lastLeft && s.state === 'waiting-for-peer';
  $('conn-text').textContent = alone ? `${s.lastLeft} left the call` : words(s.state);
  $('conn').dataset.state = s.state;
  person($('p-self'), s.self || { name: '' }, s.selfSpeaking && !s.muted, s.muted ? 'You · muted' : 'You');
  renderPeople(s);
  const m = $('mute-btn');
  m.ariaPressed = s.muted;
  m.firstChild.textContent = s.muted ? 'Unmute ' : 'Mute ';
  m.classList.toggle('on', s.muted);
  $('muted-hint').hidden = !s.speakingWhileMuted;
  // The core's "You are muted. Press M…" is #muted-hint's to say (once, and without the key on touch screens).
  const notice = alone ? `You can wait here for ${s.lastLeft} to come back, or leave.` : /^You are muted/.test(s.notice) ? '' : s.notice;
  $('notice').hidden = !notice;
  $('notice').textContent = notice;
  fillDevices($('call-device'), s.inputs, s.micDeviceId, 'Default microphone');
}

const ENDED = {
  left: ['You left the call', 'You can rejoin, or close this tab.'],
  moved: ['You joined this call on another device', 'The call moved to your other device or tab. Rejoin here to take it back.'],
  replaced: ['The host gave your seat a new link', 'Ask the host for the new link to join again.'],
  'room-closed': ['The host closed this room', 'Ask the host to create a new room to talk again.'],
};
function renderEnded(s) {
  show('ended');
  const [h, text] = ENDED[s.endedReason] || ENDED.left;
  $('ended-h').textContent = s.endedReason === 'room-closed' && s.notice ? s.notice.replace(/\.$/, '') : h;
  $('ended-text').textContent = text;
  $('rejoin-btn').hidden = s.endedReason !== 'left' && s.endedReason !== 'moved';
}

function renderProblem(s) {
  show('problem');
  const f = s.failure;
  const info = client && client.describeFailure(f.code);  // the core's failure catalog: one source for every page
  const title = info ? info.title : 'Something went wrong';
  const help = info ? info.next : (s.failureRetryable ? 'Press Try again.' : 'Ask the host for a new link.');
  // Each sentence once: the lead drops what the title said, the help what either said.
  const seen = new Set();
  const once = (t) => t.split(/(?<=\.) /).filter((x) => (x = x.replace(/\.$/, '').toLowerCase(), !seen.has(x) && seen.add(x))).join(' ');
  $('problem-h').textContent = once(title);
  $('problem-text').textContent = once(f.message);
  $('problem-help').hidden = !($('problem-help').textContent = once(help));
  $('problem-code').textContent = `Error code: ${f.code}`;
  $('retry-btn').hidden = !s.failureRetryable;
}

function onEffect(e) {
  switch (e.type) {
    case 'state-changed':
      say(words(e.to));
      break;
    case 'show-failure':
      say(e.message);
      break;
    case 'announce':
      say(e.text);
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
  $('join-btn').onclick = act(() => call.join({ takeover: snap.takeoverOffered }));
  $('rejoin-btn').onclick = act(() => call.join());
  $('leave-btn').onclick = act(() => call.leave());
  $('retry-btn').onclick = act(() => call.retry());
  $('mute-btn').onclick = act(() => call.setMuted(!snap.muted));
  $('sound-btn').onclick = () => call.resumeAudio();
  $('test-btn').onclick = () => { call.resumeAudio(); micTest(); };
  const choose = (e) => call.chooseInput(e.target.value);
  $('input-device').onchange = choose;
  $('call-device').onchange = choose;
  $('output-device').onchange = (e) => call.setOutput(e.target.value).catch((err) => say(err.message));
  $('diag-btn').onclick = toggleDiagnostics;
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName)) return;
    if (e.key === 'd' || e.key === 'D' || (e.key === 'Escape' && diag)) return toggleDiagnostics();
    if (e.key !== 'm' && e.key !== 'M') return;
    if (snap && ['waiting-for-peer', 'connecting', 'connected', 'reconnecting'].includes(snap.state)) call.setMuted(!snap.muted);
  });
  // Any gesture lets the AudioContext and the remote <audio> start (autoplay policy).
  document.addEventListener('pointerdown', () => call.resumeAudio(), { once: true });
  window.addEventListener('pagehide', () => {
    if (snap && ['joining', 'waiting-for-peer', 'connecting', 'connected', 'reconnecting'].includes(snap.state)) {
      // Leave the room now so the peer knows, but keep this tab's session: a reload rejoins.
      try { call.pageClosing(); } catch (e) { /* page is going away */ }
    }
  });
}

// Test hook: the snapshot and the call (tests read call.stats() and call.diagnostics() through it).
window.__earshot = { snapshot: () => snap, call: () => call };

// ---- diagnostics overlay: its own page and Dear ImGui module, fetched only when opened -------------
let diag = null;
function toggleDiagnostics() {
  if (diag) {
    diag.remove();
    diag = null;
    return $('diag-btn').focus();
  }
  window.earshotDiagnostics = { view: () => call.diagnostics(), close: toggleDiagnostics, key: () => $('mute-btn').click() };
  diag = document.createElement('iframe');
  diag.className = 'diag';
  diag.title = 'Call diagnostics';
  diag.src = 'diag/overlay.html';
  document.body.append(diag);
  diag.focus();
}

async function boot() {
  const [cfg, mod] = await Promise.all([
    fetch('config.json', { cache: 'no-store' }).then((r) => (r.ok ? r.json() : {})).catch(() => ({})),
    import('./client.js'),
  ]);
  config = Object.assign(config, cfg);
  client = mod;
  // Framed: the embed handshake (web/embed_port.js) is the only way in for the embedding site, and the
  // way an app hands over a room token (app-token entry) without putting it in the URL.
  const embed = embedded ? (await import('./embed_port.js')).open(config) : null;
  const { embedOrigins, ...core } = config;  // embed_port.js alone judges embedOrigins
  const entry = embed && !new URLSearchParams(location.search).has('t') ? await embed.entry : null;
  call = await client.startCall({ config: core, ...(entry ? { entry } : {}), onUpdate: render, onEffect })
    .catch((e) => { if (embed) embed.failed(e); throw e; });
  if (embed) embed.attach(call);
  wire();
  render(call.getSnapshot());
  if (config.profile == 'ivs') (await import('./vendor/ivs_page.js')).install(call);
  if (new URLSearchParams(location.search).has('diagnostics')) toggleDiagnostics();
}

boot().catch((e) => {
  show('problem');
  $('problem-h').textContent = 'Earshot could not start';
  $('problem-text').textContent = String(e && e.message || e);
  $('problem-help').textContent = 'Reload the page. If it keeps happening, your browser may be too old for audio calls.';
});
