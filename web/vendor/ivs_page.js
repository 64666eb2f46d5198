// The `ivs` profile's additions to room.html (seed 002's audio rooms), imported by room.js on this
// profile's pages only: a name entry on the pre-join ("Start a room", or "Join room" from an invite
// link), and in the call the listener count and the room's invite link with a Copy button and a QR
// code (drawn from the core's qrRows, through ./ivs.js: Nayuki's generator compiled into the wasm).
// Everything else (tiles with speaking and mute, no host/guest in a room entered by name, mute, leave,
// the room closed) is room.js drawing the core's snapshot.
import { copyText } from '../copy.js';
import { qrRows } from './ivs.js';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k.startsWith('aria-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  e.append(...kids);
  return e;
};
const SVG = 'http://www.w3.org/2000/svg';

// The QR code as one SVG path (a 4-module quiet zone around it), scaled by CSS.
function qrSvg(rows, label) {
  const lines = rows.split('\n');
  const n = lines.length;
  let d = '';
  lines.forEach((row, y) => {
    for (let x = 0; x < row.length; x++) if (row[x] === '1') d += `M${x + 4} ${y + 4}h1v1h-1z`;
  });
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${n + 8} ${n + 8}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('class', 'qr');
  const bg = document.createElementNS(SVG, 'rect');
  bg.setAttribute('width', String(n + 8));
  bg.setAttribute('height', String(n + 8));
  bg.setAttribute('fill', '#fff');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', d);
  path.setAttribute('fill', '#000');
  svg.append(bg, path);
  return svg;
}

export function install(call) {
  document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: new URL('./ivs_page.css', import.meta.url).href }));
  const params = new URLSearchParams(location.search);
  const invited = params.get('room') || '';
  // ---- pre-join: the name, and which room ---------------------------------------------------------
  const facts = document.querySelector('#prejoin dl.facts');
  if (facts) facts.hidden = true;
  const input = el('input', { id: 'name-input', maxLength: 40, autocomplete: 'nickname', required: true, placeholder: 'How others see you' });
  const nameField = el('div', { className: 'field', id: 'name-field' },
    el('label', { htmlFor: 'name-input', textContent: 'Your name' }), input,
    el('span', { className: 'muted small', id: 'room-line', textContent: invited ? `You are joining room ${invited}.` : 'Joining starts a new room; you get a link to invite others.' }));
  $('prejoin-h').after(nameField);
  let sent = '';
  const send = () => {
    const v = input.value;
    if (v.trim() === sent) return;
    sent = v.trim();
    try { call.enterName(v); } catch { /* the call ended meanwhile */ }
  };
  input.addEventListener('input', send);
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter' && !$('join-btn').disabled) $('join-btn').click(); });
  try {
    const saved = localStorage.getItem('earshot.ivs.name');
    if (saved) { input.value = saved; send(); }
  } catch { /* storage blocked */ }
  $('join-btn').addEventListener('click', () => { try { localStorage.setItem('earshot.ivs.name', input.value.trim()); } catch { /* blocked */ } });

  // ---- in the call: listeners and the invite ------------------------------------------------------
  const count = el('p', { id: 'listeners', className: 'muted small', hidden: true });
  const link = el('code', { id: 'invite-link' });
  const copy = el('button', { type: 'button', className: 'small secondary', id: 'invite-copy', textContent: 'Copy link' });
  const qrBox = el('div', { id: 'invite-qr' });
  const invite = el('section', { id: 'invite', className: 'invite', hidden: true, 'aria-label': 'Invite people' },
    el('h2', { textContent: 'Invite people' }), el('p', { className: 'muted small', textContent: 'Anyone with this link can join the room.' }),
    link, el('div', { className: 'row' }, copy), qrBox);
  $('people').after(count);
  $('incall').append(invite);
  copy.onclick = async () => {
    const ok = await copyText(link.textContent, link);
    copy.textContent = ok ? 'Copied' : 'Select and copy';
    setTimeout(() => { copy.textContent = 'Copy link'; }, 1500);
  };

  let drawn = '';
  const update = () => {
    const s = call.getSnapshot();
    if (!s) return;
    if (s.state === 'prejoin') {
      input.disabled = false;
      $('join-btn').textContent = invited ? 'Join room' : 'Start a room';
      if (s.needsName && !input.value.trim()) $('join-hint').textContent = 'Enter your name to join.';
    } else {
      input.disabled = true;
    }
    const inRoom = ['waiting-for-peer', 'connecting', 'connected', 'reconnecting'].includes(s.state) && s.room.id;
    if (s.room.id) $('title').textContent = `Room ${s.room.id}`;
    invite.hidden = !inRoom;
    count.hidden = !inRoom || !(s.room.listeners >= 0);
    if (!count.hidden) count.textContent = s.room.listeners === 1 ? '1 listening' : `${s.room.listeners} listening`;
    if (inRoom && drawn !== s.room.id) {
      drawn = s.room.id;
      const url = new URL(location.pathname, location.origin);
      url.searchParams.set('room', s.room.id);
      link.textContent = url.href;
      if (!invited) history.replaceState(null, '', url.href);  // a reload rejoins this room, not a new one
      const rows = qrRows(url.href);
      qrBox.replaceChildren(...(rows ? [qrSvg(rows, `QR code of the invite link ${url.href}`)] : []));
    }
  };
  call.subscribe(update);
  update();
}
