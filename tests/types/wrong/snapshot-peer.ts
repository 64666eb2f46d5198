// Owns one wrong call tsc must reject: Snapshot.peer no longer exists (participants[] replaced it).
import { startCall } from '@earshot/client';

const call = await startCall();
const snapshot = call.getSnapshot();
console.log(snapshot.peer); // wrong: TS2551
