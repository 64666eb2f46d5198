// Owns one wrong use tsc must reject: app-token entry needs roomId with the token.
import { useEarshotCall } from '@earshot/client/react';

export const state = useEarshotCall({ backendUrl: 'https://calls.example.com', token: 'eyJ…' }); // wrong: TS2345
