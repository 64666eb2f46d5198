// Owns one wrong use tsc must reject: onLeft's reason is 'left' | 'room-closed', not a boolean.
import { useEarshotCall } from '@earshot/client/react';

export const state = useEarshotCall({ url: 'https://calls.example.com/room.html?room=r&t=x', onLeft: (e) => e.reason === true }); // wrong: TS2367
