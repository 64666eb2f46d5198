// Owns one wrong call tsc must reject: startCall resolves to a Call; using the promise as a Call.
import { startCall } from '@earshot/client';

const call = startCall();
call.join(); // wrong: TS2339
