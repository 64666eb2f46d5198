// Types for Earshot's public JS surface (client.js). Hand-written but for FailureCode, which
// tools/catalog generates from the core's failure catalog into failures.d.ts (a test fails if stale).
// Keep in step with client.js and the core's wire format (src/core/include/earshot/wire.hpp).
import type { FailureCode } from './failures.js';
export type { FailureCode } from './failures.js';

export type CallState = 'idle' | 'prejoin' | 'joining' | 'waiting-for-peer' | 'connecting' | 'connected'
  | 'reconnecting' | 'ended' | 'failed';
export type Role = 'host' | 'guest';
export type MicStatus = 'pending' | 'granted' | 'denied' | 'missing' | 'failed';
export type LinkStatus = 'down' | 'opening' | 'open' | 'in-room' | 'backoff';
export type Connection = 'none' | 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';
export type Fault = 'you' | 'your-device' | 'your-network' | 'server' | 'other-side' | 'page';

export interface Failure { code: FailureCode; message: string; }
export interface Device { id: string; label: string; }
export interface Invite { room: string; role: Role; name: string; title: string; expiresAt: number; }
/** Someone else in the room, and how your audio connection to them stands. */
export interface Participant {
  id: string;
  name: string;
  role: Role;
  joinedAt: number;
  muted: boolean;
  speaking: boolean;
  /** 0..1 RMS of what arrives from them. */
  level: number;
  connection: Connection;
  /** Our link to them, graded from the last seconds of loss, jitter and round-trip time. */
  quality: Quality;
}
export type Quality = 'unknown' | 'good' | 'fair' | 'poor';
/** You (no connection of your own). */
export interface Self { id: string; name: string; role: Role; }
/** One RTCPeerConnection: to whom, in which state, and which side yields on glare. */
export interface PeerLink { id: number; participant: string; state: string; polite: boolean; }
export interface ChatLine { from: string; name: string; text: string; at: number; }

/** What the page draws; a new object after every change, the same one in between. */
export interface Snapshot {
  state: CallState;
  entry: 'invite' | 'name' | 'token';
  /** A name entry still waiting for the person's name. */
  needsName: boolean;
  invite: Invite | null;
  /** `listeners`: how many receive the room, when a vendor says so (IVS stages; -1 unknown). Not on the selfhosted build. */
  room: { id: string; title: string; capacity: number; listeners?: number };
  self: Self | null;
  participants: Participant[];
  peers: PeerLink[];
  media: 'peer-to-peer' | 'vendor';
  topology: 'pair' | 'mesh' | 'star' | 'none';
  selfSpeaking: boolean;
  muted: boolean;
  speakingWhileMuted: boolean;
  mic: MicStatus;
  micDeviceId: string;
  micLabel: string;
  inputs: Device[];
  outputs: Device[];
  localLevel: number;
  link: LinkStatus;
  reconnectAttempt: number;
  admitted: boolean;
  joinReady: boolean;
  failure: Failure | null;
  failureRetryable: boolean;
  notice: string;
  /** Why the call ended: you left, the room was closed under you, you joined on another device
   *  (`moved`), or the host gave your seat a new link (`replaced`). */
  endedReason: '' | 'left' | 'room-closed' | 'moved' | 'replaced';
  /** What the pre-join learnt about the invite without spending it (null until it answers, or for
   *  entries that have no such look). */
  lookup: Lookup | null;
  /** Your seat is in use on another device or tab: Join takes it over (ask first; join({takeover: true})). */
  takeoverOffered: boolean;
  /** Who left for good while you are alone in the room ("" otherwise): you may wait or leave. */
  lastLeft: string;
  warnings: string[];
  chat: ChatLine[];
  joinRequests: Self[];
}

/** The invite's seat, looked at before joining. */
export interface Lookup {
  /** unused: nobody joined with it yet; yours: this browser did; elsewhere: another device did. */
  seat: 'unused' | 'yours' | 'elsewhere';
  /** The seat's holder is in the call right now. */
  inCall: boolean;
  /** Who is in the room now. */
  inRoom: Self[];
}

/** Events of a Call, by name (Call.on). */
export interface CallEvents {
  state: { from: CallState; to: CallState };
  failure: { code: FailureCode; message: string; retryable: boolean };
  announce: { text: string };
  participants: Participant[];
  'autoplay-blocked': { detail: string };
  'sound-playing': Record<string, never>;
}

/** UI-facing effects of the core, plus the driver's own autoplay notices (StartOptions.onEffect). */
export type CallEffect =
  | { type: 'state-changed'; from: CallState; to: CallState }
  | { type: 'show-failure'; code: FailureCode; message: string; retryable: boolean }
  | { type: 'announce'; text: string }
  | { type: 'driver:autoplay-blocked'; detail: string }
  | { type: 'driver:sound-playing'; detail: string };

export interface RuntimeConfig {
  profile?: 'selfhosted' | 'chime' | 'kvs' | 'ivs';
  /** API origin without trailing slash; "" = the page's origin. */
  apiBase?: string;
  iceTransportPolicy?: 'all' | 'relay';
  /** selfhosted: people per room (2 = a pair, more = a mesh). */
  roomSize?: number;
  topology?: 'pair' | 'mesh' | 'star';
  /** Exact https:// origins allowed to embed the room page (room.html; @earshot/client/embed). "*", "null",
   *  paths and non-arrays are refused: embedding then stays off. */
  embedOrigins?: string[];
}

/** A room token an app obtained for this person (seed 004's embedding model): no invite needed. */
export interface TokenEntry {
  room: string;
  token: string;
  signalingUrl: string;
  userId?: string;
  userName?: string;
  iceServers?: RTCIceServer[];
  /** seconds */
  ttl?: number;
}

export interface StartOptions {
  config?: RuntimeConfig;
  /** The invite link (room.html?room=…&t=…); defaults to location.href. */
  url?: string;
  /** Enter with an app-issued room token instead of the page URL's invite. */
  entry?: TokenEntry;
  /** Handed to a vendor SDK adapter that plays the meeting's audio through one element. */
  audio?: HTMLAudioElement;
  onUpdate?: (snapshot: Snapshot) => void;
  onEffect?: (effect: CallEffect) => void;
  /** wasm bytes (required in node; browsers fetch earshot.wasm next to earshot.js). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  locateFile?: (path: string, prefix: string) => string;
  /** Where the tab keeps its redeemed session so a reload keeps its place; defaults to
   *  sessionStorage, null to keep nothing. */
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  /** This browser's id for invite seats; defaults to one kept in localStorage ("earshot.device"). */
  device?: string;
}

/** One peer link's getStats() report and whom it is with. */
export interface LinkStats { link: number; participant: string; report: RTCStatsReport; }

/** The failure catalog's entry for a code. */
export interface FailureInfo { code: FailureCode; fault: Fault; retryable: boolean; title: string; next: string; }

export interface Call {
  /** The current snapshot: the same object until the next change (for useSyncExternalStore). */
  getSnapshot(): Snapshot;
  /** Called after every change; returns the unsubscribe function. */
  subscribe(onChange: () => void): () => void;
  /** Returns a function that removes the listener. */
  on<E extends keyof CallEvents>(event: E, fn: (payload: CallEvents[E]) => void): () => void;
  off<E extends keyof CallEvents>(event: E, fn: (payload: CallEvents[E]) => void): void;
  /** Join, or Rejoin after leaving (call from a click: it also unlocks audio playback).
   *  `takeover`: the person agreed to move their seat here from another device or tab. */
  join(options?: { takeover?: boolean }): void;
  leave(): void;
  retry(): void;
  /** The page is going away (pagehide): leave now, but keep the tab's place for a reload. */
  pageClosing(): void;
  setMuted(muted: boolean): void;
  chooseInput(deviceId: string): void;
  /** For profiles that let people in by name (entry "name"). */
  enterName(name: string): void;
  /** Route every remote audio element to this output device. */
  setOutput(deviceId: string): Promise<void>;
  resumeAudio(): void;
  micStream(): MediaStream | null;
  /** What the call has been doing, for the diagnostics overlay and support reports (holds no secrets). */
  diagnostics(): Diagnostics;
  /** One entry per peer link. */
  stats(): Promise<LinkStats[]>;
  describeFailure(code: string): FailureInfo | null;
  destroy(): void;
}

/** One second of a peer link, and the link's figures now. -1: the browser did not report it. */
export interface DiagnosticsPeer {
  id: number; participant: string; state: string; polite: boolean; quality: Quality;
  pair?: string; packetsReceived?: number; packetsLost?: number; packetsSent?: number;
  rttMs?: number; jitterMs?: number; lossPct?: number; kbpsIn?: number; kbpsOut?: number; level?: number;
  series?: { rttMs: number[]; jitterMs: number[]; lossPct: number[]; kbpsIn: number[]; kbpsOut: number[]; level: number[] };
}
export interface DiagnosticsEntry { at: number; kind: string; text: string; }
/** Call.diagnostics(): times are the monotonic clock in ms (`now` is the current one). */
export interface Diagnostics {
  now: number; state: CallState; room: string;
  signaling: { link: LinkStatus; reconnectAttempt: number };
  states: { at: number; from: CallState; to: CallState }[];
  timers: { name: string; inMs: number }[];
  participants: Participant[];
  peers: DiagnosticsPeer[];
  warnings: string[];
  log: DiagnosticsEntry[];
  effects: DiagnosticsEntry[];
}

export class EarshotError extends Error {
  readonly code: FailureCode;
  constructor(failure: Failure);
}

export function startCall(options?: StartOptions): Promise<Call>;
export function describeFailure(code: string): FailureInfo | null;

// Embedding the room page in an iframe: @earshot/client/embed (embed.d.ts), over one MessageChannel.
