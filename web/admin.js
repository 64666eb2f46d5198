// index.html (admin): keeps the admin key for this tab (sessionStorage), creates rooms through the
// admin API, shows host/guest links with copy buttons, and polls each room's live status.
const $ = (id) => document.getElementById(id);
const KEY = 'earshot.adminKey';
let apiBase = '';
let timer = 0;

const key = () => sessionStorage.getItem(KEY) || '';
const say = (t) => { $('live').textContent = t; };
const when = (v) => {
  if (v === null || v === undefined || v === '') return '';
  const d = new Date(typeof v === 'number' && v < 1e12 ? v * 1000 : v);
  return isNaN(d) ? String(v) : d.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
};
const el = (tag, props = {}, ...kids) => { const e = Object.assign(document.createElement(tag), props); e.append(...kids); return e; };

async function api(method, path, body) {
  let res;
  try {
    res = await fetch(apiBase + path, {
      method, cache: 'no-store',
      headers: Object.assign({ 'X-Admin-Key': key() }, body ? { 'Content-Type': 'application/json' } : {}),
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (e) { throw new Error('Could not reach the server. Check your connection.'); }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    if (res.status === 401 || res.status === 403) throw new Error('The admin key was not accepted.');
    throw new Error(data.message || `The server answered HTTP ${res.status}.`);
  }
  return data;
}

function absolute(url) { return new URL(url, location.href).href; }

function linkCard(label, link) {
  const url = absolute(link.url);
  const copy = el('button', { type: 'button', className: 'small secondary', textContent: `Copy ${label} link` });
  copy.onclick = async () => {
    try { await navigator.clipboard.writeText(url); } catch (e) {
      const r = document.createRange(); r.selectNodeContents(code); getSelection().removeAllRanges(); getSelection().addRange(r);
      document.execCommand('copy');
    }
    copy.textContent = 'Copied'; say(`${label} link copied`);
    setTimeout(() => { copy.textContent = `Copy ${label} link`; }, 1500);
  };
  const code = el('code', { textContent: url });
  return el('div', { className: 'link' },
    el('strong', { textContent: `${label} — ${link.name || ''}` }), code,
    el('div', { className: 'row' }, copy, el('span', { className: 'muted small', textContent: `valid until ${when(link.expiresAt)} · works once` })));
}

async function create(e) {
  e.preventDefault();
  $('create-error').hidden = true;
  $('create-btn').disabled = true;
  try {
    const r = await api('POST', '/api/v1/admin/rooms', {
      title: $('room-title').value.trim() || undefined,
      hostName: $('host-name').value.trim() || undefined,
      guestName: $('guest-name').value.trim() || undefined,
      inviteTtlSeconds: Number($('ttl').value),
    });
    const links = $('links');
    links.textContent = '';
    links.append(el('p', { className: 'muted small', textContent: `Room ${r.roomId} created. Send each person their own link.` }),
      linkCard('Host', r.links.host), linkCard('Guest', r.links.guest));
    links.hidden = false;
    say('Room created. Host and guest links are ready.');
    refresh();
  } catch (err) {
    $('create-error').textContent = err.message; $('create-error').hidden = false;
  } finally { $('create-btn').disabled = false; }
}

async function refresh() {
  clearTimeout(timer);
  if (!key()) return;
  try {
    const { rooms = [] } = await api('GET', '/api/v1/admin/rooms');
    const body = $('rooms');
    body.textContent = '';
    if (!rooms.length) body.append(el('tr', {}, el('td', { colSpan: 5, className: 'muted', textContent: 'No rooms yet.' })));
    for (const r of rooms) {
      const people = (r.participants || []).map((p) => `${p.name} (${p.role})`).join(', ') || '—';
      const inv = r.invites || {};
      const invText = ['host', 'guest'].map((k) => inv[k] ? `${k}: ${inv[k].used ? 'used' : 'unused'}` : '').filter(Boolean).join(' · ');
      body.append(el('tr', { className: 'room-row' },
        el('td', {}, el('strong', { textContent: r.title || r.roomId }), el('div', { className: 'muted small', textContent: r.roomId })),
        el('td', { className: `status-${r.status}`, textContent: r.status }),
        el('td', { className: 'people-cell', textContent: people }),
        el('td', { className: 'small', textContent: invText }),
        el('td', { className: 'small', textContent: when(r.expiresAt) })));
    }
    $('rooms-updated').textContent = `· updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    $('rooms-updated').textContent = `· ${err.message}`;
  }
  timer = setTimeout(refresh, 3000);
}

function useKey(e) {
  e.preventDefault();
  sessionStorage.setItem(KEY, $('admin-key').value.trim());
  $('admin-key').value = '';
  keyState();
  refresh();
}
function keyState() {
  const has = !!key();
  $('forget-key').hidden = !has;
  $('key-status').textContent = has ? 'Key set for this tab. It is forgotten when the tab closes.'
    : 'The key is kept for this tab only (sessionStorage) and sent only to this server.';
}

async function boot() {
  const cfg = await fetch('config.json', { cache: 'no-store' }).then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
  apiBase = (cfg.apiBase || '').replace(/\/+$/, '');
  $('key-form').onsubmit = useKey;
  $('forget-key').onclick = () => { sessionStorage.removeItem(KEY); keyState(); clearTimeout(timer); };
  $('create-form').onsubmit = create;
  keyState();
  refresh();
}
boot();
