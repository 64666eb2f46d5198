// Server-side WebRTC legs of the Stage stand-in (werift): a publish leg receives one participant's audio,
// a subscribe leg sends one publisher's audio to one subscriber. The SFU forwards RTP packets as they
// come (werift rewrites SSRC, payload type and header extensions per leg); it never decodes or mixes.
'use strict';
const { RTCPeerConnection, RTCRtpCodecParameters, MediaStreamTrack } = require('werift');

const CODECS = {
  audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, parameters: 'minptime=10;useinbandfec=1' })],
  video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000 })],
};

// Keeps only our host candidates on `host` (werift also lists the machine's other addresses, all bound to
// the same socket) so the browser checks the one address the stand-in was told to use.
function keepHostCandidates(sdp, host) {
  return sdp.split('\r\n').filter((line) => {
    if (!line.startsWith('a=candidate:')) return true;
    const f = line.split(' ');
    return f[2].toLowerCase() === 'udp' && f[4] === host;
  }).join('\r\n');
}

function waitGathered(pc, ms = 5000) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    pc.iceGatheringStateChange.subscribe((s) => { if (s === 'complete') { clearTimeout(timer); resolve(); } });
  });
}

// A leg: answers `offerSdp`. kind 'publish': the audio m-line is received (onRtp(rtp) per packet);
// kind 'subscribe': the audio m-line sends `track` (a werift MediaStreamTrack fed by the publisher's leg) in
// stream `streamId`.
// Every other m-line (the SDK's video) is answered inactive. Resolves {pc, answer}.
async function answerLeg({ host, offerSdp, kind, onRtp, track, streamId, onState }) {
  const pc = new RTCPeerConnection({
    codecs: CODECS,
    iceUseIpv6: false,
    iceInterfaceAddresses: { udp4: host },
    iceAdditionalHostAddresses: [host],
  });
  pc.connectionStateChange.subscribe((s) => onState && onState(s));
  if (kind === 'publish') {
    pc.onTrack.subscribe((t) => { if (t.kind === 'audio') t.onReceiveRtp.subscribe((rtp) => onRtp(rtp)); });
  }
  await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  let audio = 0;
  for (const t of pc.getTransceivers()) {
    if (t.kind === 'audio' && audio++ === 0) {
      if (kind === 'publish') t.setDirection('recvonly');
      else {
        t.setDirection('sendonly');
        await t.sender.replaceTrack(track);
        t.sender.streamIds = [streamId];  // a=msid:<publisher id> <track>: the browser's track event gets a stream
      }
    } else {
      t.setDirection('inactive');
    }
  }
  if (!audio) { await pc.close(); throw Object.assign(new Error('the offer has no audio m-line'), { status: 400, code: 'sdp.no_audio' }); }
  await pc.setLocalDescription(await pc.createAnswer());
  await waitGathered(pc);
  return { pc, answer: keepHostCandidates(pc.localDescription.sdp, host) };
}

// The track a subscribe leg sends: one per leg, written with each packet of the publisher.
function forwardTrack() {
  return new MediaStreamTrack({ kind: 'audio' });
}

module.exports = { answerLeg, forwardTrack };
