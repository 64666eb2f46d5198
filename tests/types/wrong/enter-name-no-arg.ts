// Owns one wrong call tsc must reject: enterName needs the name.
import { startCall } from '@earshot/client';

const call = await startCall();
call.enterName(); // wrong: TS2554
