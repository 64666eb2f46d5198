// The `chime` profile's media adapter (seed 000): drives the real Amazon Chime SDK (amazon-chime-sdk-js,
// bundled at build time into ./chime-sdk.js as the seed does: an IIFE exposing window.ChimeSDK) with the
// meeting + attendee the core got from the backend's join. Loaded by client.js only on this profile's
// pages; the SDK's bytes are fetched once the pre-join has painted (see below). What the SDK reports goes back to the
// core as vendor-* inputs: started, stopped (with the SDK's status name), the roster (presence, names,
// mute) and volumes. The core decides what the page says.
import { loadScript, tell } from './shared.js';

const loadSdk = () => loadScript(new URL('./chime-sdk.js', import.meta.url).href, 'ChimeSDK');

// The SDK logs through this; warnings and errors go to the console, the rest is dropped.
function logger(Sdk) {
  return new Sdk.ConsoleLogger('earshot-chime', Sdk.LogLevel.WARN);
}

// client.js imports this module when the core says load-vendor, i.e. once the pre-join has painted:
// fetching the SDK from then on (while the person tests the mic) makes Join start at once.
setTimeout(() => loadSdk().catch(() => { /* start() tries again and reports the failure */ }), 0);

// Chime's volume indicator gives 0..1 (already scaled from -dBov); the core's levels are 0..1 too.
// `audio`: the embedder's element for the meeting's one mixed downlink (StartOptions.audio); without
// one the adapter makes its own, hidden.
export async function start(join, { micStream, report, core, id: callId, audio: given }) {
  const Sdk = await loadSdk();
  const log = logger(Sdk);
  const config = new Sdk.MeetingSessionConfiguration(join.meeting, join.attendee);
  const session = new Sdk.DefaultMeetingSession(config, log, new Sdk.DefaultDeviceController(log));
  const av = session.audioVideo;
  const self = config.credentials.attendeeId;
  const people = new Map();  // attendeeId -> {id, name, present, muted}
  let stopped = false;

  const sendRoster = () => report({ type: 'vendor-roster', attendees: [...people.values()] });
  const volumes = new Map();
  let volumeTimer = 0;
  const sendVolumes = () => {
    volumeTimer = 0;
    report({ type: 'vendor-volumes', volumes: [...volumes].map(([id, level]) => ({ id, level })) });
  };

  const onVolume = (attendeeId, volume, muted, _strength, externalUserId) => {
    const p = people.get(attendeeId);
    if (p && muted !== null && muted !== undefined && p.muted !== !!muted) {
      p.muted = !!muted;
      sendRoster();
    }
    if (p && externalUserId && !p.name) p.name = String(externalUserId);
    if (volume !== null && volume !== undefined) {
      volumes.set(attendeeId, muted ? 0 : volume);
      if (!volumeTimer) volumeTimer = setTimeout(sendVolumes, 50);  // one input per burst of updates
    }
  };
  av.realtimeSubscribeToAttendeeIdPresence((attendeeId, present, externalUserId, dropped) => {
    if (attendeeId === self || stopped) return;
    if (present) {
      if (!people.has(attendeeId)) {
        people.set(attendeeId, { id: attendeeId, name: String(externalUserId || ''), present: true, muted: false });
        av.realtimeSubscribeToVolumeIndicator(attendeeId, onVolume);
      }
      people.get(attendeeId).present = true;
    } else if (people.has(attendeeId)) {
      people.get(attendeeId).present = false;
      av.realtimeUnsubscribeFromVolumeIndicator(attendeeId, onVolume);
      volumes.delete(attendeeId);
    }
    sendRoster();
    if (!present) people.delete(attendeeId);
    void dropped;
  });

  // The remote mix plays through an element of the adapter's own (Chime sends one mixed downlink).
  const audio = given || document.createElement('audio');
  if (!given) {
    audio.autoplay = true;
    audio.hidden = true;
    audio.dataset.earshot = 'chime-downlink';
    document.body.append(audio);
  }
  const unbind = () => { if (given) av.unbindAudioElement(); else audio.remove(); };

  av.addObserver({
    audioVideoDidStart: () => { if (!stopped) tell(report, { type: 'vendor-started' }); },
    audioVideoDidStop: (status) => {
      if (stopped) return;
      stopped = true;
      clearInterval(follow);
      const code = Sdk.MeetingSessionStatusCode[status.statusCode()] || `status ${status.statusCode()}`;
      unbind();
      tell(report, { type: 'vendor-stopped', code, detail: '' });
    },
  });

  // startAudioInput before start(), or the audio transceiver is inactive both ways (vendors.md).
  let mic = micStream();
  await av.startAudioInput(mic || null);
  await av.bindAudioElement(audio);
  av.start();
  // The person picked another microphone: the driver opened a new stream and stopped the old one.
  // Once a second, the session's RTCPeerConnection stats for the diagnostics (Chime sends one mixed
  // downlink: that connection carries everyone, participant "").
  let tick = 0;
  const follow = setInterval(() => {
    const now = micStream();
    if (!stopped && now && now !== mic) {
      mic = now;
      av.startAudioInput(now).catch(() => { /* the next pick tries again */ });
    }
    if (stopped || ++tick % 4) return;
    // (read by the driver as it reads its own links' reports: one reader for both)
    av.getRTCPeerConnectionStats().then((r) => { if (r && !stopped) core.vendorStats(callId, 1, '', r); }).catch(() => {});
  }, 250);

  return {
    setMuted(muted) {
      if (muted) av.realtimeMuteLocalAudio(); else av.realtimeUnmuteLocalAudio();
    },
    stop() {
      clearInterval(follow);
      if (stopped) return;
      stopped = true;  // the core asked: it knows the call ended, no vendor-stopped back
      av.stop();
      unbind();
    },
  };
}
