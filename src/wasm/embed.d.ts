// Types for @earshot/client/embed (embed.js): the room page in an iframe, driven over a MessageChannel.
import type { CallState, FailureCode, Connection, Role } from './earshot.js';

/** The room by its invite link (room.html?room=…&t=…). */
export interface InviteTarget { roomUrl: string; }
/** App-token entry (seed 004): the room token your server got from POST /api/v1/rooms/:id/join.
 *  It reaches the room page through the handshake, never in a URL. */
export interface TokenTarget {
  roomId: string;
  token: string;
  /** The Earshot backend serving room.html, e.g. "https://calls.example.com"; defaults to options.origin. */
  backendUrl?: string;
  /** From the join answer; defaults to ws(s)://<backend host>/ws. */
  signalingUrl?: string;
  userId?: string;
  userName?: string;
  /** From the join answer (TURN credentials). */
  iceServers?: RTCIceServer[];
  /** seconds, from the join answer */
  ttl?: number;
}

/** Someone else in the call, as the embedding page sees them. */
export interface EmbedParticipant { id: string; name: string; role: Role; muted: boolean; connection: Connection; }

/** Events from the room page, by type. */
export type EmbedEvent =
  | { type: 'ready'; state: CallState; muted: boolean }
  | { type: 'state'; state: CallState; from: CallState }
  | { type: 'participants'; participants: EmbedParticipant[] }
  /** 'page.failed': the page could not start the call for a reason outside the failure catalog. */
  | { type: 'failure'; code: FailureCode | 'page.failed'; message: string; retryable: boolean }
  | { type: 'announce'; text: string }
  | { type: 'muted'; muted: boolean };
export type EmbedEventType = EmbedEvent['type'];
export type EmbedEventOf<T extends EmbedEventType> = Extract<EmbedEvent, { type: T }>;

export interface MountOptions {
  /** The room page's exact origin ("https://calls.example.com"): the only origin heard, and the only
   *  one the handshake (and any token) is sent to. */
  origin: string;
  onEvent?: (event: EmbedEvent) => void;
  /** The iframe's title (accessible name); default "Earshot call". */
  title?: string;
  /** CSS height of the iframe; default "560px". */
  height?: string;
}

export interface EmbeddedCall {
  readonly iframe: HTMLIFrameElement;
  /** Settles when the handshake is done and the call has started in the page. */
  readonly ready: Promise<void>;
  mute(): Promise<void>;
  unmute(): Promise<void>;
  leave(): Promise<void>;
  /** Route the call's audio to this output device (setSinkId inside the page). */
  setOutput(deviceId: string): Promise<void>;
  /** Returns a function that removes the listener. */
  on<T extends EmbedEventType>(type: T, listener: (event: EmbedEventOf<T>) => void): () => void;
  /** Remove the iframe (which ends the call) and close the channel. */
  unmount(): void;
}

/** Put the room page in an iframe inside `element` (allow="microphone; autoplay") and connect to it. */
export function mount(element: Element, target: InviteTarget | TokenTarget, options: MountOptions): EmbeddedCall;
