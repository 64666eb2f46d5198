// The plain client API: startCall with the room token this app's server made, the snapshot store for
// rendering, and commands from buttons. earshot.wasm is copied next to the bundle (see the README).
import { startCall } from '@earshot/client';

const $ = (id) => document.getElementById(id);
const s = await (await fetch('/session.json', { cache: 'no-store' })).json();
const call = await startCall({
  config: { apiBase: s.backendUrl },
  entry: { room: s.roomId, token: s.token, signalingUrl: s.signalingUrl, iceServers: s.iceServers, ttl: s.ttl, userId: s.userId, userName: s.userName },
  storage: null,
});
const IN_ROOM = ['waiting-for-peer', 'connecting', 'connected', 'reconnecting'];
const render = () => {
  const snap = call.getSnapshot();
  $('state').textContent = snap.state;
  $('people').replaceChildren(...snap.participants.map((p) => Object.assign(document.createElement('li'), { textContent: p.name })));
  $('join').disabled = !(snap.state === 'prejoin' && snap.joinReady);
  $('mute').disabled = $('leave').disabled = !IN_ROOM.includes(snap.state);
  $('mute').textContent = snap.muted ? 'Unmute' : 'Mute';
};
call.subscribe(render);
render();
$('join').onclick = () => call.join();
$('mute').onclick = () => call.setMuted(!call.getSnapshot().muted);
$('leave').onclick = () => call.leave();
window.__call = call;
