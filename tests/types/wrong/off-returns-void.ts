// Owns one wrong call tsc must reject: off() returns nothing; only on() returns an unsubscribe function.
import { startCall } from '@earshot/client';

const call = await startCall();
const onText = ({ text }: { text: string }) => console.log(text);
const stop = call.off('announce', onText);
stop(); // wrong: TS2349
