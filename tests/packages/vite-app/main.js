// Fetches the room token this app's server made (seed 004: POST /rooms, /rooms/:id/join) and renders
// <EarshotCall> under StrictMode. No JSX: nothing but Vite's defaults.
import { createElement as h, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { EarshotCall } from '@earshot/client/react';

window.__events = [];
fetch('/session.json', { cache: 'no-store' }).then((r) => r.json()).then((session) => {
  createRoot(document.getElementById('root')).render(h(StrictMode, null, h(EarshotCall, {
    ...session,
    onJoined: (s) => window.__events.push({ type: 'joined', state: s.state }),
    onLeft: (e) => window.__events.push({ type: 'left', ...e }),
    onError: (f) => window.__events.push({ type: 'error', ...f }),
  })));
});
