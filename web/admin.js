// index.html (admin): checks the admin key against the server before keeping it (sessionStorage, this
// tab only), creates rooms with a host and up to roomSize-1 guests, and polls the room list: each room
// with its status, who is in it, and one row per seat (person) with its state, a Copy button while the
// seat's link is unused, "New link" (the old link stops working) and "Close room".
import { copyText } from './copy.js';

const $ = (id) => document.getElementById(id);
const KEY = 'earshot.adminKey';
const POLL_MS = 3000;
let apiBase = '';
let roomSize = 2;
// The backend's API: selfhosted (seed 004: rooms listed, seats, new links) or chime (seed 000's
// `POST /rooms` minting a host and a guest link; nothing else to list or manage).
let seed000 = false;
let timer = 0;
let lastRender = '';
const fresh = new Map(); // seatId -> url of a link issued from this page (shown until the seat changes)

const key = () => sessionStorage.getItem(KEY) || '';
const say = (t) => { $('live').textContent = ''; setTimeout(() => { $('live').textContent = t; }, 30); };

// Every time on the page in the room page's format (and the core's sentences'): local "14:05" today,
// "2026-11-22 14:05" on another day, so a link's expiry reads the same here and where it is opened.
const when = (v) => {
  if (v === null || v === undefined || v === '') return '';
  const d = new Date(v);
  if (isNaN(d)) return String(v);
  const p = (n) => String(n).padStart(2, '0');
  const day = (x) => `${x.getFullYear()}-${p(x.getMonth() + 1)}-${p(x.getDate())}`;
  return `${day(d) === day(new Date()) ? '' : day(d) + ' '}${p(d.getHours())}:${p(d.getMinutes())}`;
};
const el = (tag, props = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k.startsWith('aria-') || k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  e.append(...kids.filter((k) => k !== null && k !== undefined && k !== false));
  return e;
};
const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);

class AuthError extends Error {}

async function api(method, path, body, adminKey = key()) {
  let res;
  try {
    res = await fetch(apiBase + path, {
      method, cache: 'no-store',
      headers: Object.assign({ 'X-Admin-Key': adminKey }, body ? { 'Content-Type': 'application/json' } : {}),
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (e) { throw new Error('Could not reach the server. Check your connection.'); }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    if (res.status === 401) throw new AuthError('The admin key was not accepted.');
    throw new Error(data.message || `The server answered HTTP ${res.status}.`);
  }
  return data;
}

function copyButton(label, url, codeNode, id) {
  const b = el('button', { type: 'button', className: 'small secondary', textContent: 'Copy link', 'aria-label': label });
  if (id) b.id = id;
  b.onclick = async () => {
    const ok = await copyText(url, codeNode);
    b.textContent = ok ? 'Copied' : 'Select and copy';
    say(ok ? `${label.replace(/^Copy /, '')} copied.` : 'Copying failed: select the link and copy it.');
    setTimeout(() => { b.textContent = 'Copy link'; }, 1500);
  };
  return b;
}

// ---- admin key ------------------------------------------------------------------------------------

function keyError(text) {
  $('key-error').textContent = text || '';
  $('key-error').hidden = !text;
}

/** The key is checked by listing rooms with it; only an accepted key is kept. */
async function useKey(e) {
  e.preventDefault();
  const candidate = $('admin-key').value.trim();
  if (!candidate) return;
  if (seed000) {  // no endpoint to check it against: the first room made with it does
    sessionStorage.setItem(KEY, candidate);
    $('admin-key').value = '';
    keyError('');
    keyState();
    say('Admin key kept. It is checked when you create a room.');
    return;
  }
  $('use-key').disabled = true;
  try {
    const list = await api('GET', '/api/v1/admin/rooms', null, candidate);
    sessionStorage.setItem(KEY, candidate);
    $('admin-key').value = '';
    keyError('');
    keyState();
    say('Admin key accepted.');
    render(list.rooms || []);
    schedule();
  } catch (err) {
    if (err instanceof AuthError) {
      sessionStorage.removeItem(KEY);
      $('admin-key').value = '';
      keyState();
      showSignedOut();
    }
    keyError(err.message);
    $('admin-key').focus();
  } finally { $('use-key').disabled = false; }
}

function keyState() {
  const has = !!key();
  $('forget-key').hidden = !has;
  $('key-status').textContent = has ? `Key set for this tab${seed000 ? ' (checked when you create a room)' : ''}. It is forgotten when the tab closes.`
    : 'The key is kept for this tab only (sessionStorage) and sent only to this server.';
}

function showSignedOut() {
  clearTimeout(timer);
  lastRender = '';
  $('rooms').replaceChildren(el('p', { className: 'muted', textContent: 'Enter the admin key to see rooms.' }));
  $('rooms-updated').textContent = '';
  $('rooms-error').hidden = true;
}

// ---- create ---------------------------------------------------------------------------------------

function guestInputs() { return [...document.querySelectorAll('#guests input.guest-name')]; }

function guestFieldsState() {
  const n = guestInputs().length;
  const max = roomSize - 1;
  $('add-guest').hidden = n >= max;
  $('size-hint').textContent = max > 1 ? `A room holds ${roomSize} people: the host and up to ${max} guests.` : '';
}

function addGuest() {
  const n = guestInputs().length + 1;
  if (n > roomSize - 1) return;
  const id = `guest-name-${n}`;
  const input = el('input', { id, className: 'guest-name', maxLength: 40, value: `Guest ${n}` });
  const remove = el('button', { type: 'button', className: 'small secondary', textContent: 'Remove', 'aria-label': `Remove guest ${n}` });
  const field = el('div', { className: 'field' }, el('label', { htmlFor: id, textContent: `Guest ${n} name` }), el('div', { className: 'row tight' }, input, remove));
  remove.onclick = () => { field.remove(); renumberGuests(); guestFieldsState(); $('add-guest').focus(); };
  $('guests').append(field);
  guestFieldsState();
  input.focus();
  input.select();
}

function renumberGuests() {
  guestInputs().forEach((input, i) => {
    if (i === 0) return;
    const n = i + 1;
    input.id = `guest-name-${n}`;
    const field = input.closest('.field');
    const label = field.querySelector('label');
    label.htmlFor = input.id;
    label.textContent = `Guest ${n} name`;
    field.querySelector('button').setAttribute('aria-label', `Remove guest ${n}`);
  });
}

function linkCard(link, note = 'For one person; their browser can rejoin.') {
  const label = `${cap(link.role)} link for ${link.name}`;
  const code = el('code', { textContent: link.url });
  return el('div', { className: 'link' },
    el('strong', { textContent: `${cap(link.role)} — ${link.name}` }), code,
    el('div', { className: 'row' }, copyButton(`Copy ${label}`, link.url, code),
      el('span', { className: 'muted small', textContent: `Valid until ${when(link.expiresAt)}. ${note}` })));
}

async function create(e) {
  e.preventDefault();
  $('create-error').hidden = true;
  if (!key()) {
    $('create-error').textContent = 'Enter the admin key first.';
    $('create-error').hidden = false;
    $('admin-key').focus();
    return;
  }
  $('create-btn').disabled = true;
  if (seed000) return createSeed000().finally(() => { $('create-btn').disabled = false; });
  try {
    const guestNames = guestInputs().map((i) => i.value.trim()).filter(Boolean);
    const r = await api('POST', '/api/v1/admin/rooms', {
      title: $('room-title').value.trim() || undefined,
      hostName: $('host-name').value.trim() || undefined,
      guestNames: guestNames.length ? guestNames : undefined,
      inviteTtlSeconds: Number($('ttl').value),
    });
    const links = $('links');
    const guests = r.links.guests || [r.links.guest];
    links.replaceChildren(
      el('p', { className: 'muted small', textContent: `Room “${r.title || r.roomId}” created. Send each person their own link.` }),
      linkCard(r.links.host), ...guests.map(linkCard));
    links.hidden = false;
    say(`Room created. ${guests.length + 1} links are ready.`);
    refresh();
  } catch (err) {
    $('create-error').textContent = err.message;
    $('create-error').hidden = false;
    if (err instanceof AuthError) { sessionStorage.removeItem(KEY); keyState(); showSignedOut(); keyError(err.message); }
  } finally { $('create-btn').disabled = false; }
}

// Seed 000: `POST /rooms` answers the two links; the key is proven by that first request.
async function createSeed000() {
  try {
    const r = await api('POST', '/rooms', {
      title: $('room-title').value.trim() || undefined,
      hostName: $('host-name').value.trim() || undefined,
      guestName: guestInputs().map((i) => i.value.trim()).find(Boolean),
    });
    const links = [['host', $('host-name').value.trim() || 'Host', r.hostLink], ['guest', guestInputs()[0].value.trim() || 'Guest', r.guestLink]]
      // expiresAt: the seed's JWT exp (seconds); a backend that answers milliseconds is taken as it is
      .map(([role, name, url]) => ({ role, name, url, expiresAt: r.expiresAt < 1e11 ? r.expiresAt * 1000 : r.expiresAt }));
    $('links').replaceChildren(
      el('p', { className: 'muted small', textContent: `Room “${r.title || r.roomId}” created. Send each person their own link; each works once.` }),
      ...links.map((l) => linkCard(l, 'It works once, for one person.')));
    $('links').hidden = false;
    say('Room created. 2 links are ready.');
  } catch (err) {
    $('create-error').textContent = err.message;
    $('create-error').hidden = false;
    if (err instanceof AuthError) { sessionStorage.removeItem(KEY); keyState(); keyError(err.message); }
  }
}

// ---- rooms ----------------------------------------------------------------------------------------

const STATUS = { open: 'Open', active: 'In a call', ended: 'Open', closed: 'Closed', expired: 'Expired' };

// A closed or expired room's seats are over whatever they were: their links no longer work.
function seatState(s, open = true) {
  if (!open && s.state !== 'joined') return 'Never used';
  if (s.state === 'joined') return open ? (s.inCall ? 'Joined · in call' : 'Joined · not connected') : 'Joined';
  if (s.state === 'expired') return 'Expired';
  return 'Unused';
}

async function newLink(room, seat, button) {
  const who = `${seat.role} ${seat.name}`;
  const warn = seat.state === 'joined' ? ` ${seat.name} ${seat.inCall ? 'is taken out of the call and ' : ''}needs the new link to come back.` : '';
  if (!confirm(`Make a new link for ${who}? The current link stops working.${warn}`)) return;
  button.disabled = true;
  try {
    const r = await api('POST', `/api/v1/admin/rooms/${encodeURIComponent(room.roomId)}/seats/${encodeURIComponent(seat.seatId)}/link`, {});
    fresh.set(seat.seatId, r.seat.url);
    const ok = await copyText(r.seat.url);
    say(`New ${seat.role} link for ${seat.name} ${ok ? 'copied' : 'ready: copy it from the list'}. The old link no longer works.`);
    await refresh();
    $(`copy-${seat.seatId}`)?.focus();
  } catch (err) {
    say(err.message);
    showRoomsError(err.message);
  } finally { button.disabled = false; }
}

async function closeRoom(room, button) {
  const name = room.title || room.roomId;
  if (!confirm(`Close “${name}”? Everyone in it is disconnected and its links stop working.`)) return;
  button.disabled = true;
  try {
    await api('DELETE', `/api/v1/admin/rooms/${encodeURIComponent(room.roomId)}`);
    say(`Room “${name}” closed.`);
    await refresh();
    $('rooms-h').focus();
  } catch (err) {
    say(err.message);
    showRoomsError(err.message);
    button.disabled = false;
  }
}

function showRoomsError(text) {
  $('rooms-error').textContent = text || '';
  $('rooms-error').hidden = !text;
}

function seatRow(room, s, open) {
  const label = `${s.role} link for ${s.name}`;
  const url = s.url || null;
  const issued = fresh.get(s.seatId);
  if (issued && issued !== url) fresh.delete(s.seatId); // used or replaced since
  const code = url ? el('code', { className: 'seat-url', textContent: url, title: url }) : null;
  const actions = el('td', { className: 'seat-actions', 'data-label': 'Link' });
  if (url) actions.append(copyButton(`Copy ${label}`, url, code, `copy-${s.seatId}`));
  if (open) {
    const b = el('button', { type: 'button', className: 'small secondary', textContent: 'New link', id: `new-${s.seatId}`, 'aria-label': `New ${label}` });
    b.onclick = () => newLink(room, s, b);
    actions.append(b);
  }
  const stateText = seatState(s, open);
  return el('tr', { className: `seat seat-${s.state}${s.inCall ? ' in-call' : ''}` },
    el('th', { scope: 'row', 'data-label': 'Seat' }, el('span', { className: 'pill', textContent: cap(s.role) }), ' ', el('span', { className: 'seat-name', textContent: s.name })),
    el('td', { 'data-label': 'State' }, el('span', { className: 'seat-state', textContent: stateText }),
      s.state === 'unused' && open ? el('div', { className: 'muted small', textContent: `Link valid until ${when(s.expiresAt)}` }) : null,
      s.state === 'expired' ? el('div', { className: 'muted small', textContent: `Link expired ${when(s.expiresAt)}` }) : null,
      issued && url === issued ? el('div', { className: 'small fresh', textContent: 'New link, copied.' }) : null,
      code),
    actions);
}

function roomCard(r) {
  const open = r.status !== 'closed' && r.status !== 'expired';
  const name = r.title || 'Untitled room';
  const people = (r.participants || []).map((p) => `${p.name} (${p.role})`).join(', ');
  const head = el('div', { className: 'room-head' },
    el('div', { className: 'room-name' },
      el('h3', { textContent: name }),
      el('span', { className: `pill status status-${r.status}`, textContent: STATUS[r.status] || r.status })),
    open ? (() => {
      const b = el('button', { type: 'button', className: 'small danger', textContent: 'Close room', id: `close-${r.roomId}`, 'aria-label': `Close room ${name}` });
      b.onclick = () => closeRoom(r, b);
      return b;
    })() : null);
  const ends = open ? `Expires ${when(r.expiresAt)}` : (r.status === 'expired' ? `Expired ${when(r.expiresAt)}` : 'Closed by the host');
  const facts = el('p', { className: 'muted small room-facts' },
    `Created ${when(r.createdAt)} · ${ends} · `, el('span', { className: 'room-id', textContent: r.roomId }));
  const inRoom = el('p', { className: 'people-line' }, el('strong', { textContent: 'In the room: ' }), people || 'nobody');
  const seats = r.seats || [];
  const table = seats.length ? el('table', { className: 'seats' },
    el('caption', { className: 'sr-only', textContent: `People invited to ${name}` }),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', textContent: 'Seat' }), el('th', { scope: 'col', textContent: 'State' }), el('th', { scope: 'col', textContent: 'Link' }))),
    el('tbody', {}, ...seats.map((s) => seatRow(r, s, open)))) : null;
  return el('article', { className: `room room-${r.status}`, 'data-room': r.roomId, 'aria-label': `Room ${name}` }, head, facts, inRoom, table);
}

function render(rooms) {
  const sig = JSON.stringify([rooms, [...fresh]]);
  if (sig === lastRender) return;
  lastRender = sig;
  const focusedId = document.activeElement?.id;
  const list = $('rooms');
  if (!rooms.length) list.replaceChildren(el('p', { className: 'muted', textContent: 'No rooms yet.' }));
  else list.replaceChildren(...rooms.map(roomCard));
  if (focusedId) { const f = document.getElementById(focusedId); if (f && f !== document.activeElement) f.focus(); }
}

function schedule() { clearTimeout(timer); timer = setTimeout(refresh, POLL_MS); }

async function refresh() {
  clearTimeout(timer);
  if (!key()) return;
  try {
    const { rooms = [] } = await api('GET', '/api/v1/admin/rooms');
    render(rooms);
    showRoomsError('');
    $('rooms-updated').textContent = `· updated ${when(Date.now())}`;
  } catch (err) {
    if (err instanceof AuthError) {
      sessionStorage.removeItem(KEY);
      keyState();
      showSignedOut();
      keyError(err.message);
      return;
    }
    showRoomsError(err.message);
  }
  schedule();
}

async function boot() {
  const cfg = await fetch('config.json', { cache: 'no-store' }).then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
  apiBase = (cfg.apiBase || '').replace(/\/+$/, '');
  seed000 = cfg.profile === 'chime';
  if (seed000) {  // one host and one guest per room; the seed's API lists nothing
    for (const id of ['rooms-h', 'ttl']) $(id).closest(id === 'ttl' ? '.field' : 'section').hidden = true;
    $('key-form').onsubmit = useKey;
    $('forget-key').onclick = () => { sessionStorage.removeItem(KEY); keyState(); say('Admin key forgotten.'); $('admin-key').focus(); };
    $('create-form').onsubmit = create;
    guestFieldsState();
    keyState();
    return;
  }
  const server = await fetch(`${apiBase}/api/v1/config`, { cache: 'no-store' }).then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
  if (Number.isInteger(server.roomSize) && server.roomSize >= 2) roomSize = server.roomSize;
  $('key-form').onsubmit = useKey;
  $('forget-key').onclick = () => { sessionStorage.removeItem(KEY); keyState(); showSignedOut(); say('Admin key forgotten.'); $('admin-key').focus(); };
  $('create-form').onsubmit = create;
  $('add-guest').onclick = addGuest;
  guestFieldsState();
  keyState();
  refresh();
}
boot();
