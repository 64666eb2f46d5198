// Owns the "a React app" program tsc must accept against react.d.ts (no JSX build here: createElement
// checks the same props): the component with an app's room token, and the hook with an invite link.
import { createElement, type ReactElement } from 'react';
import { EarshotCall, useEarshotCall, type EarshotCallProps } from '@earshot/client/react';

const props: EarshotCallProps = {
  backendUrl: 'https://calls.example.com', roomId: 'jFVOr-dIAIkNUfSq', token: 'eyJ…', userId: 'ada', userName: 'Ada',
  signalingUrl: 'wss://calls.example.com/ws', iceServers: [], ttl: 14400,
  onJoined: (s) => console.log(s.state, s.participants.length),
  onLeft: ({ reason }) => console.log(reason === 'room-closed' ? 'closed' : 'left'),
  onError: (f) => console.warn(f.code, f.message, f.retryable),
  className: 'call', style: { maxWidth: 480 },
};
export const app: ReactElement = createElement(EarshotCall, props);

export function MyCall({ link }: { link: string }): ReactElement {
  const { call, snapshot, error } = useEarshotCall({ url: link, backendUrl: 'https://calls.example.com' });
  if (error) return createElement('p', null, error.message);
  if (!call || !snapshot) return createElement('p', null, 'Loading…');
  const muted: boolean = snapshot.muted;
  return createElement('button', { onClick: () => call.setMuted(!muted) }, muted ? 'Unmute' : 'Mute');
}
