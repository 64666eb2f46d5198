// Owns one wrong use tsc must reject: a 'state' event has state/from, not text.
import { mount } from '@earshot/client/embed';

const call = mount(document.body, { roomUrl: 'https://calls.example.com/room.html?room=r&t=x' }, { origin: 'https://calls.example.com' });
call.on('state', (e) => console.log(e.text)); // wrong: TS2339
