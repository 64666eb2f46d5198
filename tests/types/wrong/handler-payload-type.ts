// Owns one wrong call tsc must reject: a handler whose parameter type does not match the event's payload.
import { startCall } from '@earshot/client';

const call = await startCall();
call.on('participants', (names: string[]) => console.log(names.join(', '))); // wrong: TS2345
