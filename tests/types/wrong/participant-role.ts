// Owns one wrong call tsc must reject: Participant.role is 'host' | 'guest', so 'admin' can never match.
import { startCall } from '@earshot/client';

const call = await startCall();
const hosts = call.getSnapshot().participants.filter((p) => p.role === 'admin'); // wrong: TS2367
console.log(hosts.length);
