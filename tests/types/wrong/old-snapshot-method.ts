// Owns one wrong call tsc must reject: call.snapshot() became call.getSnapshot().
import { startCall } from '@earshot/client';

const call = await startCall();
console.log(call.snapshot().state); // wrong: TS2339
