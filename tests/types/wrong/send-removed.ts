// Owns one wrong call tsc must reject: the raw send(input) is gone from Call (join/leave/setMuted… replace it).
import { startCall } from '@earshot/client';

const call = await startCall();
call.send({ type: 'join-clicked' }); // wrong: TS2339
