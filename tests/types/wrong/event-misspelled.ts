// Owns one wrong call tsc must reject: an event name that is not a key of CallEvents ('stat' for 'state').
import { startCall } from '@earshot/client';

const call = await startCall();
call.on('stat', (e) => console.log(e)); // wrong: TS2345
