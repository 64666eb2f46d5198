// The `kvs` profile's page module (seed 003's group chat with seed 001's voice rooms), started by the
// core when room.html opens on this profile (a start-vendor effect, like a vendor adapter; the
// selfhosted page never fetches it). It drives the chat socket for the core's sans-IO chat
// (core.chatOpen/chatDo/chatFrame/chatTake: groupchat.hpp) and draws the chat; voice credentials from
// the chat become this page's call (a token-given input), which room.js draws as usual (tiles, mute,
// leave). Voice ended in the chat ends the call for everyone (vendor-stopped "voice-ended").
// Chat text is only ever set as textContent: it is inert.
import { copyText } from '../copy.js';

const el = (tag, props = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k.startsWith('aria-') || k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  e.append(...kids);
  return e;
};
const IN_VOICE = ['prejoin', 'joining', 'waiting-for-peer', 'connecting', 'connected', 'reconnecting'];
// Why the chat server closed the socket (API Gateway's codes), as the page says it after reconnecting.
const CLOSED = {
  1009: 'The chat server closed the connection because a message was over its 32 KB frame limit.',
  1001: 'The chat server closed an idle connection.',
};

export async function start(join, ctx) {
  const { core, report } = ctx;
  const apiBase = String(join.apiBase || '').replace(/^http/, 'ws');
  document.body.classList.add('kvs');
  document.head.append(el('link', { rel: 'stylesheet', href: new URL('./kvs_page.css', import.meta.url).href }));
  const params = new URLSearchParams(location.search);
  const invited = (params.get('room') || '').slice(0, 64);

  // ---- the chat card --------------------------------------------------------------------------------
  const nameInput = el('input', { id: 'chat-name', maxLength: 40, autocomplete: 'nickname', required: true, placeholder: 'How others see you' });
  try { nameInput.value = localStorage.getItem('earshot.kvs.name') || ''; } catch { /* sandboxed */ }
  const roomName = el('input', { id: 'chat-room-name', maxLength: 60, placeholder: 'Team chat' });
  const enterBtn = el('button', { id: 'enter-btn', type: 'submit', className: 'primary', textContent: invited ? 'Ask to join' : 'Create a room' });
  // Not invited: start a room, or ask to join one whose ID someone gave you.
  const joinId = el('input', { id: 'chat-join-id', maxLength: 64, placeholder: 'K7Q2XDAB', autocapitalize: 'characters' });
  const askBtn = el('button', { id: 'ask-btn', type: 'button', className: 'secondary', textContent: 'Ask to join' });
  const enterForm = el('form', { id: 'chat-enter' },
    el('h1', { textContent: invited ? `Join room ${invited}` : 'Start a group chat' }),
    el('div', { className: 'field' }, el('label', { htmlFor: 'chat-name', textContent: 'Your name' }), nameInput),
    invited ? el('p', { className: 'muted', textContent: `You are asking to join room ${invited}. Its admin lets you in.` })
      : el('div', { className: 'field' }, el('label', { htmlFor: 'chat-room-name', textContent: 'Room name (optional)' }), roomName),
    el('div', { className: 'row end' }, enterBtn),
    invited ? '' : el('div', { className: 'field join-by-id' }, el('label', { htmlFor: 'chat-join-id', textContent: 'Or join a room by its ID' }),
      el('div', { className: 'row' }, joinId, askBtn)));
  const status = el('p', { id: 'chat-status', className: 'lead', hidden: true });
  const own = el('a', { id: 'chat-own', href: location.pathname, textContent: 'Start a room of your own', hidden: true });
  const title = el('h1', { id: 'chat-h' });
  const facts = el('p', { id: 'chat-facts', className: 'muted small' });
  const copyBtn = el('button', { id: 'copy-invite', type: 'button', className: 'link', textContent: 'Copy invite link' });
  const voiceText = el('p', { id: 'voice-status' });
  const startBtn = el('button', { id: 'voice-start', type: 'button', className: 'primary', textContent: 'Start voice', hidden: true });
  const joinBtn = el('button', { id: 'voice-join', type: 'button', className: 'primary', textContent: 'Join voice', hidden: true });
  const endBtn = el('button', { id: 'voice-end', type: 'button', className: 'danger', textContent: 'End voice', hidden: true });
  const members = el('ul', { id: 'members', className: 'members', 'aria-label': 'Members' });
  const requests = el('ul', { id: 'requests', className: 'requests', 'aria-label': 'Asking to join' });
  const requestsBox = el('div', { id: 'requests-box', hidden: true }, el('h2', { textContent: 'Asking to join' }), requests);
  const messages = el('ol', { id: 'messages', className: 'messages', 'aria-label': 'Messages', 'aria-live': 'polite' });
  const text = el('textarea', { id: 'chat-text', rows: 2, placeholder: 'Write a message', 'aria-label': 'Message' });
  const sendBtn = el('button', { id: 'send-btn', type: 'submit', className: 'primary', textContent: 'Send' });
  const error = el('p', { id: 'chat-error', className: 'warn', role: 'alert', hidden: true });
  const notice = el('p', { id: 'chat-notice', className: 'notice', role: 'status', hidden: true });
  const composer = el('form', { id: 'composer', className: 'composer' }, text, sendBtn);
  const roomView = el('div', { id: 'chat-room', hidden: true },
    title, el('p', { className: 'row' }, facts, copyBtn),
    el('div', { id: 'voice-bar', className: 'voice-bar' }, voiceText, el('div', { className: 'row' }, startBtn, joinBtn, endBtn)),
    el('h2', { textContent: 'Members' }), members, requestsBox,
    el('h2', { textContent: 'Messages' }), messages, composer);
  const card = el('section', { id: 'chat', className: 'card', 'aria-label': 'Group chat' }, enterForm, status, own, roomView, notice, error);
  document.getElementById('main').append(card);
  document.getElementById('loading').hidden = true;

  // ---- the chat socket ------------------------------------------------------------------------------
  let username = '';
  let chat = 0;
  let ws = null;
  let queue = [];        // frames made while the socket was down
  let first = null;      // the command that opens the chat: create or join
  let room = null;       // {roomId, roomName, admin, isAdmin} once in (or asked to join)
  let phase = 'enter';   // enter | pending | rejected | room
  let voice = { room: '', master: '' };  // the room's active voice chat
  let voiceNote = '';    // the voice bar's last sentence when not in voice
  let wantVoice = false; // we asked to start voice: ask for credentials when it starts
  let renewal = 0;       // the timer that renews our voice credentials before they expire
  let renewing = false;  // ... and it asked: the answer is for the call in progress only
  let wasInVoice = false; // the call was in voice at the last look (drawVoice)
  let attempt = 0;
  let closedBy = '';     // why the last socket closed, said once it is back
  const memberSet = new Map();  // username -> {admin, online}
  const seen = new Set();       // the ids of the messages shown

  // How long an entry's credentials last (ms from now): STS's (`ttl`) or its TURN servers' (coturn's and
  // KVS's TURN usernames begin with their expiry in Unix seconds), whichever ends first.
  const lifeOf = (entry) => {
    const lives = [Number(entry.ttl) * 1000];
    for (const s of entry.iceServers || []) {
      const m = /^(\d{9,11}):/.exec(String(s.username || ''));
      if (m) lives.push(Number(m[1]) * 1000 - Date.now());
    }
    return Math.min(...lives.filter((l) => l > 0));
  };
  const endVoice = () => { if (voice.room && voice.master === username) chatDo('end-voice'); };
  const say = (p, t) => { p.hidden = !t; p.textContent = t || ''; };
  const send = (frame) => { if (ws && ws.readyState === 1) ws.send(frame); else queue.push(frame); };
  const chatDo = (what, arg = '') => {
    const f = core.chatDo(chat, JSON.stringify({ do: what, arg }));
    take();
    return f ? JSON.parse(f) : null;
  };
  function take() {
    const r = JSON.parse(core.chatTake(chat, Date.now()));
    for (const f of r.out) send(f);
    for (const e of r.events) on(e);
  }
  function connect() {
    ws = new WebSocket(core.chatUrl(apiBase, username));
    ws.onopen = () => {
      const back = attempt > 0;
      attempt = 0;
      if (room) chatDo('join', room.roomId);  // back after a close: in again (a member is let straight back in)
      else if (first) first();
      const q = queue;
      queue = [];
      for (const f of q) ws.send(f);
      if (back) say(notice, `${closedBy ? closedBy + ' ' : ''}Reconnected to the chat.`);
      closedBy = '';
    };
    ws.onmessage = (e) => { core.chatFrame(chat, String(e.data)); take(); };
    ws.onclose = (e) => {
      closedBy = CLOSED[e.code] || closedBy;
      attempt += 1;
      say(notice, `${CLOSED[e.code] || 'Lost the connection to the chat.'} Reconnecting…`);
      setTimeout(connect, Math.min(10000, 300 * 2 ** Math.min(attempt, 6)));
    };
  }

  // ---- what the chat says ---------------------------------------------------------------------------
  function on(e) {
    switch (e.type) {
      case 'joined':
        room = { roomId: e.roomId, roomName: e.roomName || e.roomId, admin: e.admin, isAdmin: e.isAdmin };
        phase = 'room';
        memberSet.clear();
        for (const m of e.members) memberSet.set(m.username, m);
        if (e.voiceRoomId) voice = { room: e.voiceRoomId, master: e.voiceMaster };
        if (e.isAdmin) chatDo('members');  // who is waiting to be let in
        chatDo('history');  // what was said before we came (or while we were reconnecting)
        break;
      case 'pending':
        room = { roomId: e.roomId, roomName: e.roomName || e.roomId, admin: e.admin, isAdmin: false };
        phase = 'pending';
        break;
      case 'rejected':
        phase = 'rejected';
        break;
      case 'join-request':
        addRequest(e.username);
        break;
      case 'member-joined':
        memberSet.set(e.username, { username: e.username, admin: false, online: true });
        removeRequest(e.username);
        addLine({ from: '', text: `${e.username} joined the room.`, at: Date.now() });
        break;
      case 'members':
        memberSet.clear();
        for (const m of e.members) memberSet.set(m.username, m);
        requests.textContent = '';
        for (const u of e.pending || []) addRequest(u);
        if (e.voiceRoomId) voice = { room: e.voiceRoomId, master: e.voiceMaster };
        break;
      case 'message':
        addLine(e);
        break;
      case 'history':
        for (const m of e.messages) addLine(m);  // (the ones already shown are skipped)
        break;
      case 'voice-started':
        voice = { room: e.voiceRoomId, master: e.master };
        voiceNote = '';
        if (e.master === username && wantVoice) chatDo('voice');
        else addLine({ from: '', text: `${e.master} started voice.`, at: Date.now() });
        wantVoice = false;
        break;
      case 'voice-credentials': {
        const renewed = renewing;
        renewing = false;
        if (renewed && !IN_VOICE.includes(callState())) break;  // left voice meanwhile: not a way back in
        say(error, '');
        report({ type: 'token-given', ...e.entry });  // in voice already: the call takes them as renewed
        // KVS closes signaling after an hour at most (idle ones after ten minutes) and the call reconnects
        // with the credentials it holds, which STS gives an hour; its TURN servers' last five minutes,
        // and a link being rebuilt or restarted needs them. Renew both (a quarter of the shorter life
        // early, at most five minutes) for as long as we are in voice.
        clearTimeout(renewal);
        const life = lifeOf(e.entry);
        if (Number.isFinite(life)) {
          renewal = setTimeout(() => { if (voice.room && IN_VOICE.includes(callState())) { renewing = true; chatDo('voice'); } },
            Math.max(1000, life - Math.min(300000, life / 4)));
        }
        break;
      }
      case 'voice-ended': {
        const said = `${e.endedBy || 'Someone'} ended the voice chat.`;
        voice = { room: '', master: '' };
        voiceNote = said;
        addLine({ from: '', text: said, at: Date.now() });
        if (IN_VOICE.includes(callState())) report({ type: 'vendor-stopped', code: 'voice-ended', detail: e.endedBy || '' });
        break;
      }
      case 'refused':
        wantVoice = false;
        renewing = false;
        say(error, e.message || `The chat server refused (${e.code}).`);
        break;
      default:
        break;  // garbage: dropped (the core logged what it was)
    }
    draw();
  }

  function addRequest(user) {
    if ([...requests.children].some((li) => li.dataset.user === user)) return;
    const approve = el('button', { type: 'button', className: 'primary small', textContent: 'Approve', 'aria-label': `Approve ${user}` });
    const reject = el('button', { type: 'button', className: 'secondary small', textContent: 'Reject', 'aria-label': `Reject ${user}` });
    approve.onclick = () => { removeRequest(user); chatDo('approve', user); };
    reject.onclick = () => { removeRequest(user); chatDo('reject', user); };
    requests.append(el('li', { 'data-user': user }, el('span', { textContent: `${user} asks to join` }), approve, reject));
  }
  function removeRequest(user) {
    for (const li of [...requests.children]) if (li.dataset.user === user) li.remove();
  }
  function addLine(m) {
    if (m.id) {
      if (seen.has(m.id)) return;
      seen.add(m.id);
    }
    const time = new Date(m.at || Date.now());
    const li = el('li', { className: m.from ? 'msg' : 'msg event' },
      el('time', { dateTime: time.toISOString(), textContent: `${String(time.getHours()).padStart(2, '0')}:${String(time.getMinutes()).padStart(2, '0')}` }),
      ' ', m.from ? el('strong', { textContent: m.from }) : '', m.from ? ' ' : '', el('span', { className: 'text', textContent: m.text }));
    messages.append(li);
    while (messages.children.length > 300) messages.firstChild.remove();
    li.scrollIntoView && li.scrollIntoView({ block: 'nearest' });
  }

  // ---- drawing --------------------------------------------------------------------------------------
  const callState = () => { const s = window.__earshot && window.__earshot.snapshot(); return s ? s.state : 'idle'; };
  function draw() {
    enterForm.hidden = phase !== 'enter';
    roomView.hidden = phase !== 'room';
    if (phase === 'pending') say(status, `Waiting for ${room.admin} to let you into ${room.roomName}…`);
    else if (phase === 'rejected') say(status, `${room.admin} did not let you into ${room.roomName}.`);
    else say(status, '');
    own.hidden = phase !== 'rejected';
    if (phase !== 'room') return;
    document.title = `${room.roomName} · Earshot`;
    title.textContent = room.roomName;
    facts.textContent = `Room ${room.roomId} · admin ${room.admin}${room.isAdmin ? ' (you)' : ''}`;
    requestsBox.hidden = !room.isAdmin || !requests.children.length;
    const keep = JSON.stringify([...memberSet.values()]);
    if (members.dataset.key !== keep) {
      members.dataset.key = keep;
      members.textContent = '';
      for (const m of memberSet.values()) {
        members.append(el('li', { 'data-user': m.username }, el('span', { className: 'dot' + (m.online ? ' on' : ''), 'aria-hidden': 'true' }),
          el('span', { textContent: `${m.username}${m.username === username ? ' (you)' : ''}` }),
          el('span', { className: 'muted small', textContent: [m.admin ? 'admin' : '', m.online ? 'online' : 'offline'].filter(Boolean).join(' · ') }),
          el('span', { className: 'voice-badge', textContent: 'in voice', hidden: true })));
      }
    }
    drawVoice();
  }
  function drawVoice() {
    if (phase !== 'room') return;
    const state = callState();
    const inVoice = IN_VOICE.includes(state);
    const mine = voice.master === username;
    // The master is the star's hub: without it nobody hears anybody, and KVS lets no viewer find a master
    // that comes back. So the master leaving voice (or failing) ends it for everyone, who read so and may
    // start it anew.
    if (mine && voice.room && wasInVoice && (state === 'ended' || state === 'failed')) endVoice();
    wasInVoice = inVoice;
    let line;
    if (inVoice) line = mine ? 'You started voice; everyone in it hears everyone through you, so leaving ends it.' : `You are in voice with ${voice.master || 'the others'}.`;
    else if (voice.room) line = voiceNote || `${mine ? 'You' : voice.master} started voice.`;
    else line = voiceNote || 'Nobody is talking here yet.';
    if (!inVoice && state === 'ended' && voice.room) line = 'You left voice.';
    if (voiceText.textContent !== line) voiceText.textContent = line;
    startBtn.hidden = inVoice || !!voice.room;
    joinBtn.hidden = inVoice || !voice.room;
    endBtn.hidden = !inVoice || !mine;
    // Who is in voice, as this page's call knows it (you, and everyone the master says is there).
    const s = inVoice && window.__earshot ? window.__earshot.snapshot() : null;
    // (a viewer is named by its ClientId: the username with what KVS does not allow turned into "_")
    const legal = (u) => u.replace(/[^a-zA-Z0-9_.-]/g, '_').slice(0, 40);
    const talking = new Set(s ? [username, ...s.participants.map((p) => p.name)].map(legal) : []);
    for (const li of members.children) {
      const badge = li.querySelector('.voice-badge');
      const on = talking.has(legal(li.dataset.user));
      if (badge && badge.hidden === on) badge.hidden = !on;
    }
  }
  // ... and so does the master's page going away (a reload, a closed tab): said while the socket is open.
  // (room.js may have left the call already: the last look counts too.)
  addEventListener('pagehide', () => { if (wasInVoice || IN_VOICE.includes(callState())) endVoice(); });
  setInterval(drawVoice, 300);

  // ---- actions --------------------------------------------------------------------------------------
  let askFor = invited;  // the room to ask for ('' = create one)
  askBtn.onclick = () => {
    const id = joinId.value.trim();
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return say(error, 'Enter the room ID you were given (letters and digits).');
    askFor = id;
    enterForm.requestSubmit();
  };
  joinId.onkeydown = (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); askBtn.click(); } };
  enterForm.onsubmit = (ev) => {
    ev.preventDefault();
    const name = nameInput.value.trim();
    if (!/^[\p{L}\p{N} _.'-]{1,40}$/u.test(name)) return say(error, 'Enter a name of 1 to 40 letters, digits, spaces or . _ \' -');
    say(error, '');
    username = name;
    try { localStorage.setItem('earshot.kvs.name', name); } catch { /* kept for this page only */ }
    chat = core.chatOpen(username);
    const asked = askFor;
    first = asked ? () => chatDo('join', asked) : () => chatDo('create', roomName.value.trim());
    enterBtn.disabled = askBtn.disabled = true;
    connect();
  };
  composer.onsubmit = (ev) => {
    ev.preventDefault();
    const t = text.value;
    if (!t.trim()) return;
    const f = chatDo('send', t);
    if (f) return say(error, f.message);  // too large: nothing was sent, the text stays to be shortened
    say(error, '');
    text.value = '';
  };
  text.onkeydown = (ev) => { if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); composer.requestSubmit(); } };
  copyBtn.onclick = () => copyText(`${location.origin}${location.pathname}?room=${encodeURIComponent(room.roomId)}`, copyBtn);
  startBtn.onclick = () => { wantVoice = true; voiceNote = ''; say(error, ''); chatDo('start-voice'); };
  joinBtn.onclick = () => { voiceNote = ''; say(error, ''); chatDo('voice'); };
  endBtn.onclick = () => chatDo('end-voice');
  draw();
  nameInput.focus();

  // Test hooks: the chat's state, and a way to send what the page itself never would (a forged or
  // oversized frame, a command its buttons do not offer).
  window.__kvs = {
    state: () => ({ phase, username, room, voice, members: [...memberSet.values()], callState: callState() }),
    do: chatDo,
    raw: (frame) => ws.send(frame),
  };
  return { setMuted() {}, stop() {} };
}
