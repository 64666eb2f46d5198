// Owns one wrong call tsc must reject: mount needs the room page's exact origin.
import { mount } from '@earshot/client/embed';

mount(document.body, { roomId: 'r', token: 't' }, { onEvent: () => {} }); // wrong: TS2345
