// Owns one wrong call tsc must reject: comparing a FailureCode with a code that is not in the union.
import { startCall } from '@earshot/client';

const call = await startCall();
const failure = call.getSnapshot().failure;
if (failure && failure.code === 'invite.expird') console.log('ask for a new link'); // wrong: TS2367
