// Owns one wrong call tsc must reject: a config.profile outside its union.
import { startCall } from '@earshot/client';

const call = await startCall({ config: { profile: 'aws' } }); // wrong: TS2322
call.join();
