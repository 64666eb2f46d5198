// The `ivs` profile's media adapter (seed 002): drives the real Amazon IVS Web Broadcast SDK
// (amazon-ivs-web-broadcast, its browser bundle copied at build time to ./ivs-sdk.js, global
// IVSBroadcastClient) with the participant token the core got from the room API. An audio-only
// strategy: publish the core's microphone track, subscribe AUDIO_ONLY to everyone. Loaded by client.js
// only on this profile's pages; the SDK is fetched once the pre-join has painted. What the SDK reports
// goes back to the core as vendor-* inputs (started, stopped with a reason, roster with mute, volumes,
// the listener count); the page module (./ivs_page.js) draws the rest.
import { loadScript, tell } from './shared.js';

const loadSdk = () => loadScript(new URL('./ivs-sdk.js', import.meta.url).href, 'IVSBroadcastClient');
// The core module of the page's call, once start() has run: ./ivs_page.js draws the invite's QR code
// with it (qrRows exists in the vendor pages' build only).
let core = null;
export const qrRows = (text) => (core && core.qrRows ? core.qrRows(String(text)) : '');
setTimeout(() => loadSdk().catch(() => { /* start() tries again and reports the failure */ }), 0);

// Speaking levels of the received tracks: RMS of each track through an AnalyserNode, 10 times a second.
function levelMeter(onLevels) {
  let ctx = null;
  const meters = new Map();  // participantId -> {source, analyser, buf}
  const timer = setInterval(() => {
    if (!meters.size) return;
    onLevels([...meters].map(([id, m]) => {
      m.analyser.getFloatTimeDomainData(m.buf);
      let sum = 0;
      for (const v of m.buf) sum += v * v;
      return { id, level: Math.min(1, Math.sqrt(sum / m.buf.length) * 4) };
    }));
  }, 100);
  return {
    add(id, track) {
      ctx = ctx || new AudioContext();
      if (ctx.state !== 'running') ctx.resume().catch(() => {});
      this.remove(id);
      const source = ctx.createMediaStreamSource(new MediaStream([track]));
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 1024;
      source.connect(analyser);
      meters.set(id, { source, analyser, buf: new Float32Array(analyser.fftSize) });
    },
    remove(id) {
      const m = meters.get(id);
      if (m) { m.source.disconnect(); meters.delete(id); }
    },
    close() { clearInterval(timer); meters.clear(); if (ctx) ctx.close().catch(() => {}); },
  };
}

export async function start(join, { micStream, report, core: module, id: callId }) {
  core = module;
  const Sdk = await loadSdk();
  const { Stage, StageEvents, SubscribeType, LocalStageStream, StageConnectionState } = Sdk;
  let mic = micStream();
  const track = mic && mic.getAudioTracks()[0];
  if (!track) throw new Error('no microphone track');
  let local = new LocalStageStream(track);
  let muted = false;
  const people = new Map();  // participantId -> {id, name, present, muted}
  const heard = new Map();   // participantId -> {peer: our number for its connection, stream: its audio StageStream}
  let nextPeer = 0;
  let listeners = -1;
  let live = false;
  let over = false;
  const box = document.createElement('div');
  box.hidden = true;
  box.dataset.earshot = 'ivs-audio';
  document.body.append(box);
  const meter = levelMeter((volumes) => report({ type: 'vendor-volumes', volumes }));

  const roster = () => report({ type: 'vendor-roster', attendees: [...people.values()], ...(listeners >= 0 ? { listeners } : {}) });
  const nameOf = (p) => String((p.attributes && p.attributes.name) || p.userId || '');
  const stop = (code, detail = '') => {
    if (over) return;
    over = true;
    meter.close();
    clearInterval(follow);
    box.remove();
    tell(report, { type: 'vendor-stopped', code, detail });
  };
  // The person picked another microphone: the driver opened a new stream and stopped the old one, so
  // the stage publishes the new track (refreshStrategy asks for stageStreamsToPublish again).
  // Once a second, each subscription's stats for the diagnostics: one SDK connection per person heard.
  let stage = null;
  let tick = 0;
  const follow = setInterval(() => {
    const now = micStream();
    const t = now && now.getAudioTracks()[0];
    if (!over && stage && t && now !== mic) {
      mic = now;
      local = new LocalStageStream(t);
      local.setMuted(muted);
      stage.refreshStrategy();
    }
    if (over || ++tick % 4) return;
    for (const [id, s] of heard) {
      // (read by the driver as it reads its own links' reports: one reader for both)
      s.stream.requestRTCStats().then((r) => { if (r && !over) core.vendorStats(callId, s.peer, id, r); }).catch(() => {});
    }
  }, 250);

  stage = new Stage(join.token, {
    stageStreamsToPublish: () => [local],
    shouldPublishParticipant: () => true,
    shouldSubscribeToParticipant: () => SubscribeType.AUDIO_ONLY,
  });
  stage.on(StageEvents.STAGE_PARTICIPANT_JOINED, (p) => {
    if (p.isLocal) return;
    people.set(p.id, { id: p.id, name: nameOf(p), present: true, muted: !!p.audioMuted });
    roster();
  });
  stage.on(StageEvents.STAGE_PARTICIPANT_LEFT, (p) => {
    if (p.isLocal || !people.has(p.id)) return;
    people.get(p.id).present = false;
    roster();
    people.delete(p.id);
    meter.remove(p.id);
  });
  stage.on(StageEvents.STAGE_STREAM_MUTE_CHANGED, (p, s) => {
    const who = people.get(p.id);
    if (!who || s.streamType !== 'audio' || who.muted === !!s.isMuted) return;
    who.muted = !!s.isMuted;
    roster();
  });
  stage.on(StageEvents.STAGE_PARTICIPANT_STREAMS_ADDED, (p, streams) => {
    if (p.isLocal) return;
    for (const s of streams) {
      if (s.streamType !== 'audio') continue;
      const el = document.createElement('audio');
      el.autoplay = true;
      el.dataset.participant = p.id;
      el.srcObject = new MediaStream([s.mediaStreamTrack]);
      box.append(el);
      el.play().catch(() => {});
      meter.add(p.id, s.mediaStreamTrack);
      heard.set(p.id, { peer: heard.get(p.id)?.peer || ++nextPeer, stream: s });
    }
  });
  stage.on(StageEvents.STAGE_PARTICIPANT_STREAMS_REMOVED, (p) => {
    for (const el of box.querySelectorAll(`audio[data-participant="${CSS.escape(p.id)}"]`)) el.remove();
    meter.remove(p.id);
    heard.delete(p.id);
  });
  stage.on(StageEvents.STAGE_SUBSCRIBER_COUNT_CHANGED, (count) => {
    listeners = Number(count) || 0;
    roster();
  });
  stage.on(StageEvents.STAGE_CONNECTION_STATE_CHANGED, (state) => {
    if (state === StageConnectionState.CONNECTED && !live && !over) {
      live = true;
      tell(report, { type: 'vendor-started' });
    }
  });
  // The stage ended under us (deleted, token reused, disconnected): StageLeftReason, as the core's code
  // ('stage-deleted' -> STAGE_DELETED). Leaving by our own leave() is the core's doing: nothing to say.
  stage.on(StageEvents.STAGE_LEFT, (reason) => {
    if (reason !== 'user-initiated') stop(String(reason || 'unknown').toUpperCase().replace(/-/g, '_'));
  });
  // A join refused by the service (JOIN_ERROR: bad, expired or revoked token; stage full) is fatal;
  // publish/subscribe errors the SDK retries by itself.
  stage.on(StageEvents.ERROR, (e) => { if (isJoinError(Sdk, e)) stop(...joinCode(Sdk, e)); });

  try {
    await stage.join();
  } catch (e) {
    stop(...joinCode(Sdk, e));
    return { setMuted() {}, stop() {} };
  }
  return {
    setMuted(m) { muted = !!m; local.setMuted(muted); },
    stop() {
      if (over) return;
      over = true;  // the core asked: it knows, no vendor-stopped back
      clearInterval(follow);
      meter.close();
      stage.leave();
      box.remove();
    },
  };
}

const isJoinError = (Sdk, e) => !!e && (e.category === (Sdk.StageErrorCategory && Sdk.StageErrorCategory.JOIN_ERROR) || e.category === 'JOIN_ERROR');
// [code, detail] for the core from an SDK StageError: its StageErrorCode's name (TOKEN_EXPIRED,
// STAGE_AT_CAPACITY, ...; JOIN_<name> for the others) and the message, which carries the service's own code.
function joinCode(Sdk, e) {
  const name = (Sdk.StageErrorCode && Sdk.StageErrorCode[e && e.code]) || String((e && e.code) || 'FAILED');
  const code = /^(TOKEN_|STAGE_)/.test(name) ? name : `JOIN_${name}`;
  return [code, String((e && e.message) || e || '').slice(0, 160)];
}
