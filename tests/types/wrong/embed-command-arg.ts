// Owns one wrong call tsc must reject: setOutput takes a device id (string), not a number.
import { mount } from '@earshot/client/embed';

const call = mount(document.body, { roomUrl: 'https://calls.example.com/room.html?room=r&t=x' }, { origin: 'https://calls.example.com' });
await call.setOutput(2); // wrong: TS2345
