// Owns one wrong call tsc must reject: the 'failure' event's code is a FailureCode too, so a typo cannot match.
import { startCall } from '@earshot/client';

const call = await startCall();
call.on('failure', (f) => {
  if (f.code === 'mic.deny') console.log('show the microphone help'); // wrong: TS2367
});
