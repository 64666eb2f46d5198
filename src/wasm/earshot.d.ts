// Types for Earshot's public JS surface (client.js). Hand-written; keep in step with client.js and
// the core's wire format (src/core/include/earshot/wire.hpp).

export type CallState = 'idle' | 'prejoin' | 'joining' | 'waiting-for-peer' | 'connecting' | 'connected'
  | 'reconnecting' | 'ended' | 'failed';
export type Role = 'host' | 'guest';
export type MicStatus = 'pending' | 'granted' | 'denied' | 'missing' | 'failed';
export type LinkStatus = 'down' | 'opening' | 'open' | 'in-room' | 'backoff';

export interface Failure { code: string; message: string; }
export interface Device { id: string; label: string; }
export interface Participant { id: string; name: string; role: Role; }
export interface Invite { room: string; role: Role; name: string; title: string; expiresAt: number; }

/** What the page draws; delivered after every batch of inputs. */
export interface Snapshot {
  state: CallState;
  invite: Invite | null;
  self: Participant | null;
  peer: Participant | null;
  peerSpeaking: boolean;
  selfSpeaking: boolean;
  muted: boolean;
  speakingWhileMuted: boolean;
  mic: MicStatus;
  micDeviceId: string;
  micLabel: string;
  inputs: Device[];
  outputs: Device[];
  link: LinkStatus;
  reconnectAttempt: number;
  mediaState: string;
  admitted: boolean;
  joinReady: boolean;
  failure: Failure | null;
  failureRetryable: boolean;
  notice: string;
  localLevel: number;
  remoteLevel: number;
}

/** UI-facing effects of the core, plus the driver's own autoplay notices. */
export type CallEffect =
  | { type: 'state-changed'; from: CallState; to: CallState }
  | { type: 'show-failure'; code: string; message: string; retryable: boolean }
  | { type: 'announce'; text: string }
  | { type: 'driver:autoplay-blocked'; detail: string }
  | { type: 'driver:sound-playing'; detail: string };

/** Inputs a page may send (the driver feeds every browser result itself). */
export type UserInput =
  | { type: 'join-clicked' } | { type: 'leave-clicked' } | { type: 'retry-clicked' } | { type: 'page-closing' }
  | { type: 'mute-set'; muted: boolean }
  | { type: 'input-device-chosen'; deviceId: string };

export interface RuntimeConfig {
  /** Backend profile; only "selfhosted" is built into this bundle today. */
  profile?: 'selfhosted' | 'chime' | 'kvs' | 'ivs';
  /** API origin without trailing slash; "" = the page's origin. */
  apiBase?: string;
  iceTransportPolicy?: 'all' | 'relay';
}

export interface StartOptions {
  config?: RuntimeConfig;
  /** The invite link (room.html?room=…&t=…); defaults to location.href. */
  url?: string;
  /** Element that plays the remote audio; one is created when omitted. */
  audio?: HTMLAudioElement;
  onUpdate?: (snapshot: Snapshot) => void;
  onEffect?: (effect: CallEffect) => void;
  /** Every effect the core asks for, as JSON (diagnostics). */
  onTrace?: (effect: { type: string; [k: string]: unknown }) => void;
  /** wasm bytes (required in node; browsers fetch earshot.wasm next to earshot.js). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  locateFile?: (path: string, prefix: string) => string;
  /** Where the tab keeps its redeemed session so a reload keeps its place; defaults to
   *  sessionStorage, null to keep nothing. */
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
}

export interface Call {
  send(input: UserInput): void;
  snapshot(): Snapshot;
  /** Join (call from a click: it also unlocks audio playback). */
  join(): void;
  leave(): void;
  retry(): void;
  setMuted(muted: boolean): void;
  chooseInput(deviceId: string): void;
  setOutput(deviceId: string): Promise<void>;
  resumeAudio(): void;
  micStream(): MediaStream | null;
  stats(): Promise<RTCStatsReport | null>;
  destroy(): void;
}

export class EarshotError extends Error {
  readonly code: string;
  constructor(failure: Failure);
}

export function startCall(options?: StartOptions): Promise<Call>;

/** postMessage API of room.html when embedded in an iframe (origins from config.json embedOrigins). */
export type EmbedCommand = { type: 'earshot:mute' } | { type: 'earshot:unmute' } | { type: 'earshot:leave' };
export type EmbedEvent =
  | { type: 'earshot:ready' }
  | { type: 'earshot:state'; state: CallState; from: CallState }
  | { type: 'earshot:failure'; code: string; message: string; retryable: boolean }
  | { type: 'earshot:announce'; text: string };
