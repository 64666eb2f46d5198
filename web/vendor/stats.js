// What a vendor SDK's RTCPeerConnection reports (an RTCStatsReport), as the core's vendor-stats input:
// the same figures the driver samples from its own peer links, so the diagnostics overlay and the
// connection-quality ring read vendor sessions the same way. Used by ./chime.js and ./ivs.js.
export function vendorStats(peer, participant, report) {
  const s = { type: 'vendor-stats', peer, participant, rttMs: -1, jitterMs: -1, packetsReceived: 0, packetsLost: 0,
    packetsSent: 0, bytesReceived: 0, bytesSent: 0, audioLevel: -1, pair: '' };
  let pairId = null;
  report.forEach((x) => {
    if (x.type === 'inbound-rtp' && x.kind === 'audio') {
      s.packetsReceived += x.packetsReceived || 0;
      s.packetsLost += Math.max(0, x.packetsLost || 0);
      s.bytesReceived += x.bytesReceived || 0;
      if (typeof x.jitter === 'number') s.jitterMs = Math.max(s.jitterMs, x.jitter * 1000);
      if (typeof x.audioLevel === 'number') s.audioLevel = Math.max(s.audioLevel, x.audioLevel);
    } else if (x.type === 'outbound-rtp' && x.kind === 'audio') {
      s.packetsSent += x.packetsSent || 0;
      s.bytesSent += x.bytesSent || 0;
    } else if (x.type === 'transport' && x.selectedCandidatePairId) {
      pairId = x.selectedCandidatePairId;
    }
  });
  const pair = pairId && report.get(pairId);
  if (pair) {
    if (typeof pair.currentRoundTripTime === 'number') s.rttMs = pair.currentRoundTripTime * 1000;
    const l = report.get(pair.localCandidateId) || {};
    const r = report.get(pair.remoteCandidateId) || {};
    if (l.candidateType) s.pair = `${l.candidateType} ${l.protocol || ''} \u2192 ${r.candidateType || '?'} ${r.protocol || ''}`.trim();
  }
  return s;
}
