// The embedding site's code: mount the call, show its events, drive it with the handle's commands.
// The test calls window.startEmbed(target, options) with the room (an invite link, or an app's room
// token) and the room page's origin.
import { mount } from './embed.js';

const log = (text) => {
  const li = document.createElement('li');
  li.textContent = text;
  document.getElementById('log').append(li);
};
window.__events = [];
window.__raw = [];  // every window message's type, to show what (not) reached this page
window.addEventListener('message', (e) => window.__raw.push(e.data && e.data.type));
window.startEmbed = (target, options) => {
  const call = mount(document.getElementById('call'), target, {
    ...options,
    onEvent: (e) => {
      window.__events.push(e);
      log(e.type === 'state' ? `state ${e.from} → ${e.state}` : e.type === 'participants' ? `participants: ${e.participants.map((p) => p.name).join(', ') || 'none'}` : `${e.type} ${JSON.stringify({ ...e, type: undefined })}`);
    },
  });
  window.__call = call;
  const act = (name) => () => call[name]().then(() => log(`${name}: done`), (err) => log(`${name}: ${err.message}`));
  document.getElementById('mute').onclick = act('mute');
  document.getElementById('unmute').onclick = act('unmute');
  document.getElementById('leave').onclick = act('leave');
  return true;
};
