// Types for @earshot/client/react (react.js). react (>= 18) is a peer dependency.
import type { CSSProperties, ReactElement } from 'react';
import type { Call, FailureCode, RuntimeConfig, Snapshot, StartOptions } from './earshot.js';

export interface EarshotFailure { code: FailureCode | 'page.failed'; message: string; retryable: boolean; }

interface CallbackOptions {
  /** Once per call, when you are in the room (the snapshot of that moment). */
  onJoined?: (snapshot: Snapshot) => void;
  /** When the call ends, and why (Snapshot.endedReason: you left, the room was closed, …). */
  onLeft?: (event: { reason: Exclude<Snapshot['endedReason'], ''> }) => void;
  onError?: (failure: EarshotFailure) => void;
  config?: RuntimeConfig;
  locateFile?: StartOptions['locateFile'];
  wasmBinary?: StartOptions['wasmBinary'];
}

/** App-token entry: what your server got from POST /api/v1/rooms/:id/join (seed 004). */
export interface TokenCallOptions extends CallbackOptions {
  /** The Earshot backend, e.g. "https://calls.example.com" (its API and signaling). */
  backendUrl: string;
  roomId: string;
  token: string;
  /** From the join answer; defaults to ws(s)://<backend host>/ws. */
  signalingUrl?: string;
  userId?: string;
  userName?: string;
  iceServers?: RTCIceServer[];
  /** seconds */
  ttl?: number;
  url?: never;
}
/** Entry by an invite link (room.html?room=…&t=…). */
export interface InviteCallOptions extends CallbackOptions {
  url: string;
  backendUrl?: string;
  roomId?: never;
  token?: never;
}
export type UseEarshotCallOptions = TokenCallOptions | InviteCallOptions;

export interface EarshotCallState {
  /** null while the call loads (and after unmount). */
  call: Call | null;
  snapshot: Snapshot | null;
  /** startCall failed (bad configuration, wasm could not load…). */
  error: Error | null;
}

/** One call for as long as the component is mounted (and its roomId/token/url stay the same). */
export function useEarshotCall(options: UseEarshotCallOptions): EarshotCallState;

export type EarshotCallProps = UseEarshotCallOptions & { className?: string; style?: CSSProperties };

/** A minimal call UI (state, people, Join / Mute / Leave); class names earshot-*. */
export function EarshotCall(props: EarshotCallProps): ReactElement;
