// Owns one wrong call tsc must reject: the 'state' event's payload is { from, to }, not a snapshot.
import { startCall } from '@earshot/client';

const call = await startCall();
call.on('state', (change) => {
  console.log(change.state); // wrong: TS2339
});
