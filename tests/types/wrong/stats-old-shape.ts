// Owns one wrong call tsc must reject: stats() resolves to one LinkStats per peer link, not one RTCStatsReport.
import { startCall } from '@earshot/client';

const call = await startCall();
const stats = await call.stats();
console.log(stats.get('transport')); // wrong: TS2339
