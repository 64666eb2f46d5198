// The usual ~60-line simple-peer + socket.io-client call against the seed-004 API (app credentials in
// the URL: benchmark only). Mic on click, then /join, then Socket.IO, initiator offers on user-joined.
const q = new URLSearchParams(location.search);
const state = (s) => { document.getElementById('state').textContent = s; };
let peer = null;
window.__stats = async () => {
  if (!peer || !peer._pc) return null;
  let packetsReceived = 0;
  (await peer._pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'audio') packetsReceived += s.packetsReceived || 0; });
  return { packetsReceived };
};
document.getElementById('join').onclick = async () => {
  state('joining');
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const res = await fetch(`/api/v1/rooms/${q.get('room')}/join`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-App-Id': q.get('appId'), 'X-App-Key': q.get('appKey') },
    body: JSON.stringify({ userId: q.get('user'), name: q.get('user'), role: q.get('role') }),
  });
  const { token, iceServers } = await res.json();
  const socket = io(location.origin, { path: '/ws', auth: { token }, transports: ['websocket'] });
  const makePeer = (initiator) => {
    peer = new SimplePeer({ initiator, stream, trickle: true, config: { iceServers } });
    peer.on('signal', (data) => {
      if (data.type === 'offer') socket.emit('webrtc-offer', { sdp: data });
      else if (data.type === 'answer') socket.emit('webrtc-answer', { sdp: data });
      else if (data.candidate) socket.emit('ice-candidate', { candidate: data.candidate });
    });
    peer.on('stream', (remote) => { const a = document.getElementById('remote'); a.srcObject = remote; a.play().catch(() => {}); });
    peer.on('connect', () => state('connected'));
    peer.on('error', (e) => state(`error ${e.code || e.message}`));
  };
  socket.on('user-joined', (u) => { if (u.userId !== q.get('user')) makePeer(true); });
  socket.on('webrtc-offer', (p) => { if (!peer) makePeer(false); peer.signal(p.sdp); });
  socket.on('webrtc-answer', (p) => peer && peer.signal(p.sdp));
  socket.on('ice-candidate', (p) => peer && p.candidate && peer.signal({ type: 'candidate', candidate: p.candidate }));
  socket.on('user-left', () => state('peer left'));
  socket.on('connect_error', (e) => state(`signaling error ${e.message}`));
  state('waiting');
};
