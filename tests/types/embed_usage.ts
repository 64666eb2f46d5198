// Owns the "a site that embeds the room page" program tsc must accept against embed.d.ts: both targets,
// every command, typed events by name.
import { mount, type EmbedEvent, type EmbeddedCall, type TokenTarget } from '@earshot/client/embed';

function show(e: EmbedEvent): string {
  switch (e.type) {
    case 'ready': return `ready in ${e.state}${e.muted ? ' (muted)' : ''}`;
    case 'state': return `${e.from} → ${e.state}`;
    case 'participants': return e.participants.map((p) => `${p.name}${p.muted ? ' (muted)' : ''} ${p.connection}`).join(', ');
    case 'failure': return `${e.code}: ${e.message}${e.retryable ? ' (retry)' : ''}`;
    case 'announce': return e.text;
    case 'muted': return e.muted ? 'muted' : 'unmuted';
  }
}

const host = document.getElementById('call');
if (!host) throw new Error('#call missing');
const fromServer: TokenTarget = {
  roomId: 'jFVOr-dIAIkNUfSq', token: 'eyJ…', backendUrl: 'https://calls.example.com',
  signalingUrl: 'wss://calls.example.com/ws', iceServers: [{ urls: 'turn:turn.example.com:3478', username: 'u', credential: 'c' }],
  ttl: 14400, userId: 'ada', userName: 'Ada',
};
const call: EmbeddedCall = mount(host, fromServer, { origin: 'https://calls.example.com', onEvent: (e) => console.log(show(e)) });
const invite = mount(host, { roomUrl: 'https://calls.example.com/room.html?room=r&t=x' }, { origin: 'https://calls.example.com', height: '480px', title: 'Support call' });

const off = call.on('state', (e) => { if (e.state === 'ended') call.unmount(); });
call.on('participants', (e) => console.log(e.participants.length));
call.on('failure', (e) => console.warn(e.code));
await call.ready;
await call.mute();
await call.unmute();
await call.setOutput('default');
await call.leave();
off();
invite.iframe.focus();
invite.unmount();
