// Owns one wrong call tsc must reject: setMuted takes a boolean, not a string.
import { startCall } from '@earshot/client';

const call = await startCall();
call.setMuted('yes'); // wrong: TS2345
