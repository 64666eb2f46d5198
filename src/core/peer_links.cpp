// Peer links (see peer_links.hpp): perfect negotiation per RTCPeerConnection.
#include "earshot/diagnostics.hpp"
#include "earshot/peer_links.hpp"

#include <algorithm>
#include <utility>

namespace earshot {
using nlohmann::json;

namespace {
constexpr std::size_t kMaxQueuedCandidates = 256;

// The first line of an SDP that starts with `key` ("a=fingerprint:"), or "".
std::string sdp_line(std::string_view sdp, std::string_view key) {
  auto p = sdp.find(key);
  if (p == std::string_view::npos) return {};
  auto e = sdp.find_first_of("\r\n", p);
  return std::string(sdp.substr(p, e == std::string_view::npos ? std::string_view::npos : e - p));
}

void take_min(std::optional<Instant>& best, const std::optional<Instant>& t) {
  if (t && (!best || *t < *best)) best = t;
}
}  // namespace

void PeerLinks::configure(json configuration, LinkTimings timings) {
  configuration_ = std::move(configuration);
  timings_ = timings;
}

#ifndef EARSHOT_SELFHOSTED_ONLY
void PeerLinks::set_ice_servers(json servers) {
  configuration_["iceServers"] = std::move(servers);
  if (!links_.empty()) out_.push(fx::ReconfigurePeers{configuration_});
}
#endif

PeerId PeerLinks::open(const std::string& participant, bool polite) {
  const PeerId id = next_id_++;
  links_.emplace_back(id, participant, polite);
  out_.push(fx::CreatePeer{id, participant, configuration_});
  return id;
}

void PeerLinks::arm_connect_deadline(PeerId id, Instant now) {
  if (PeerLink* l = find(id)) l->connect_at_ = now + timings_.connect_timeout;
}

void PeerLinks::arm_recovery(PeerId id, Instant now) {
  PeerLink* l = find(id);
  if (!l) return;
  if (!l->give_up_at_) l->give_up_at_ = now + timings_.reconnect_give_up;
  l->restart_at_ = l->state_ == "failed" ? now : now + timings_.ice_restart_grace;
}

bool PeerLinks::forget(PeerId id) {
  auto it = std::find_if(links_.begin(), links_.end(), [&](const PeerLink& l) { return l.id_ == id; });
  if (it == links_.end()) return false;
  links_.erase(it);
  return true;
}

void PeerLinks::close(PeerId id) {
  if (forget(id)) out_.push(fx::ClosePeer{id});
}

void PeerLinks::close_all() {
  for (const auto& l : links_) out_.push(fx::ClosePeer{l.id_});
  links_.clear();
}

void PeerLinks::reassign(PeerId id, const std::string& participant, bool polite) {
  if (PeerLink* l = find(id)) {
    l->participant_ = participant;
    l->polite_ = polite;
  }
}

PeerLink* PeerLinks::find(PeerId id) {
  for (auto& l : links_)
    if (l.id_ == id) return &l;
  return nullptr;
}

PeerLink* PeerLinks::for_participant(std::string_view participant) {
  for (auto& l : links_)
    if (l.participant_ == participant) return &l;
  return nullptr;
}

bool PeerLinks::any_connected() const {
  return std::any_of(links_.begin(), links_.end(), [](const PeerLink& l) { return l.connected(); });
}

PeerLink* PeerLinks::live(PeerId id, std::uint64_t generation) {
  PeerLink* l = find(id);
  return l && l->generation_ == generation ? l : nullptr;
}

// The other side replaced its RTCPeerConnection (a reload): ours cannot accept the new certificate.
// Start a fresh link to the same participant; the old one's late callbacks find no link.
PeerId PeerLinks::rebuild(PeerLink& old) {
  const std::string participant = old.participant_;
  const bool polite = old.polite_;
  const PeerId old_id = old.id_;
  const auto give_up = old.give_up_at_;
  close(old_id);
  const PeerId id = open(participant, polite);
  find(id)->give_up_at_ = give_up;
  events_.push_back(linkev::Rebuilt{old_id, id, participant});
  return id;
}

void PeerLinks::offer(PeerId id, bool ice_restart) {
  PeerLink* l = find(id);
  if (!l) return;
  ++l->generation_;
  l->neg_ = PeerLink::Neg::MakingOffer;
  out_.push(fx::CreateOffer{id, l->generation_, ice_restart});
}

void PeerLinks::on_description(PeerId id, const std::string& type, const std::string& sdp, Instant now) {
  PeerLink* l = find(id);
  if (!l) return;
  const std::string fp = sdp_line(sdp, "a=fingerprint:");
  if (!l->remote_fp_.empty() && fp != l->remote_fp_) {
    if (type == "answer" && l->neg_ != PeerLink::Neg::HaveLocalOffer) return;
    if (!l->give_up_at_) l->give_up_at_ = now + timings_.reconnect_give_up;
    const PeerId fresh = rebuild(*l);
    if (type == "answer") return offer(fresh, false);
    l = find(fresh);
  }
  using N = PeerLink::Neg;
  l->pending_fp_ = fp;
  // Their offer restarts ICE (a new username fragment): their side of the link went down, or their
  // signaling came back and they check the path. Ours may say "connected" for seconds, or through the
  // whole restart (the old path is kept until a new one works): the next stats sample tells.
  std::string ufrag = sdp_line(sdp, "a=ice-ufrag:");
  if (type == "offer" && l->connected() && !l->remote_ufrag_.empty() && ufrag != l->remote_ufrag_) l->restart_seen_ = true;
  l->remote_ufrag_ = std::move(ufrag);
  if (type == "offer") {
    const bool collision = l->neg_ == N::MakingOffer || l->neg_ == N::HaveLocalOffer;
    if (collision && !l->polite_) return;  // impolite: our offer wins; theirs is dropped
    if (collision) out_.push(fx::RollbackLocal{l->id_});
    ++l->generation_;
    l->neg_ = N::ApplyingRemoteOffer;
    l->remote_set_ = false;
    out_.push(fx::ApplyRemoteDescription{l->id_, l->generation_, "offer", sdp});
  } else if (type == "answer") {
    if (l->neg_ != N::HaveLocalOffer) return;  // stale or unsolicited answer
    l->answer_at_.reset();
    l->neg_ = N::ApplyingRemoteAnswer;
    l->remote_set_ = false;
    out_.push(fx::ApplyRemoteDescription{l->id_, l->generation_, "answer", sdp});
  }
}

void PeerLinks::on_candidate(PeerId id, const json& candidate) {
  PeerLink* l = find(id);
  if (!l) return;
  if (!l->remote_set_) {
    if (l->pending_.size() < kMaxQueuedCandidates) l->pending_.push_back(candidate);
    return;
  }
  out_.push(fx::AddRemoteCandidate{id, candidate});
}

void PeerLinks::handle(const in::LocalDescriptionReady& e, Instant now) {
  PeerLink* l = live(e.peer, e.generation);
  if (!l) return;
  using N = PeerLink::Neg;
  std::string type = e.type;
  if (type.empty()) type = l->neg_ == N::MakingOffer ? "offer" : "answer";
  if (type == "offer" && l->neg_ == N::MakingOffer) {
    l->neg_ = N::HaveLocalOffer;
    // An offer lost on the way (the server dropped it, their page was reloading) would leave this
    // link "connecting" until the deadline; unanswered, it is sent again.
    l->local_offer_ = e.sdp;
    l->offer_resends_ = 0;
    l->answer_at_ = now + timings_.answer_timeout;
  } else if (type == "answer" && l->neg_ == N::MakingAnswer) {
    l->neg_ = N::Stable;
  } else {
    return;
  }
  outgoing_.push_back(Outgoing{l->participant_, type, e.sdp, nullptr});
}

void PeerLinks::handle(const in::RemoteDescriptionApplied& e) {
  PeerLink* l = live(e.peer, e.generation);
  if (!l) return;
  using N = PeerLink::Neg;
  l->remote_set_ = true;
  l->remote_fp_ = l->pending_fp_;
  for (auto& c : l->pending_) out_.push(fx::AddRemoteCandidate{l->id_, std::move(c)});
  l->pending_.clear();
  if (l->neg_ == N::ApplyingRemoteOffer) {
    l->neg_ = N::MakingAnswer;
    out_.push(fx::CreateAnswer{l->id_, l->generation_});
  } else if (l->neg_ == N::ApplyingRemoteAnswer) {
    l->neg_ = N::Stable;
  }
}

void PeerLinks::handle(const in::NegotiationFailed& e) {
  if (e.step == "create-peer") {  // new RTCPeerConnection() itself threw
    if (!forget(e.peer)) return;  // there is no connection to close
    events_.push_back(linkev::Unavailable{e.error});
    return;
  }
  PeerLink* l = live(e.peer, e.generation);
  if (!l) return;
  // A failed step leaves the connection unusable; start over with a fresh offer from the offering side.
  l->neg_ = PeerLink::Neg::Stable;
  if (!l->polite_) offer(l->id_, true);
}

void PeerLinks::handle(const in::LocalCandidate& e) {
  if (PeerLink* l = find(e.peer)) outgoing_.push_back(Outgoing{l->participant_, "candidate", {}, e.candidate});
}

void PeerLinks::handle(const in::IceCandidateError& e) {
  // 401/403 from a TURN server: credentials refused. 701: the server could not be reached.
  PeerLink* l = find(e.peer);
  if (!l || e.url.rfind("turn", 0) != 0) return;
  l->relay_refused_ = true;
  l->relay_error_ = e.code;
}

void PeerLinks::handle(const in::IceGatheringComplete& e, bool relay_only) {
  PeerLink* l = find(e.peer);
  if (!l || e.candidates > 0 || !relay_only) return;
  events_.push_back(linkev::RelayUnreachable{l->relay_error_, l->relay_refused_});
}

void PeerLinks::handle(const in::PeerStateChanged& e) {
  PeerLink* l = find(e.peer);
  if (!l) return;
  l->state_ = e.state;
  l->restart_seen_ = l->restarted_ = false;  // the browser's word from now on
  if (e.state == "connected") {
    up(*l);
  } else if (e.state == "disconnected" || e.state == "failed") {
    // Repair is the call's decision (arm_recovery); the connect deadline of a new link keeps running.
    events_.push_back(linkev::Down{l->id_, l->participant_, e.state});
  }
}

void PeerLinks::on_received(PeerId id, double packets) {
  PeerLink* l = find(id);
  if (!l) return;
  const bool arriving = packets > l->received_;
  l->received_ = packets;
  if (l->restarted_ && arriving) {
    l->restarted_ = false;
    up(*l);
  } else if (std::exchange(l->restart_seen_, false) && !arriving && l->connected()) {
    l->restarted_ = true;
    events_.push_back(linkev::Down{l->id_, l->participant_, "disconnected"});
  }
}

void PeerLinks::up(PeerLink& l) {
  l.connect_at_.reset();
  l.restart_at_.reset();
  l.give_up_at_.reset();
  events_.push_back(linkev::Up{l.id_, l.participant_});
}

void PeerLinks::relay_all() {
  for (const auto& l : links_) {
    fx::SetRelay r{l.id_, {}};
    for (const auto& o : links_)
      if (o.id_ != l.id_) r.sources.push_back(o.id_);
    out_.push(std::move(r));
  }
}

std::optional<Outgoing> PeerLinks::poll_outgoing() {
  return outgoing_.take();
}

std::optional<LinkEvent> PeerLinks::poll_event() {
  return events_.take();
}

void PeerLinks::pending(std::vector<PendingTimer>& out) const {
  for (const auto& l : links_) {
    const std::string p = "peer " + std::to_string(l.id_) + ": ";
    if (l.connect_at_) out.push_back({p + "connect deadline", *l.connect_at_});
    if (l.restart_at_) out.push_back({p + "ICE restart", *l.restart_at_});
    if (l.give_up_at_) out.push_back({p + "give up", *l.give_up_at_});
    if (l.answer_at_) out.push_back({p + "send the offer again", *l.answer_at_});
  }
}

std::optional<Instant> PeerLinks::poll_timeout() const {
  std::optional<Instant> best;
  for (const auto& l : links_) {
    take_min(best, l.connect_at_);
    take_min(best, l.restart_at_);
    take_min(best, l.give_up_at_);
    take_min(best, l.answer_at_);
  }
  return best;
}

void PeerLinks::handle_timeout(Instant now) {
  for (auto& l : links_) {
    auto due = [&](std::optional<Instant>& t) {
      if (!t || *t > now) return false;
      t.reset();
      return true;
    };
    if (due(l.connect_at_)) events_.push_back(linkev::ConnectTimedOut{l.id_, l.participant_});
    if (due(l.restart_at_)) events_.push_back(linkev::RestartDue{l.id_, l.participant_});
    if (due(l.give_up_at_)) events_.push_back(linkev::GaveUp{l.id_, l.participant_});
    if (due(l.answer_at_) && l.neg_ == PeerLink::Neg::HaveLocalOffer && !l.connected()) {
      outgoing_.push_back(Outgoing{l.participant_, "offer", l.local_offer_, nullptr});
      if (++l.offer_resends_ < 3) l.answer_at_ = now + (timings_.answer_timeout << l.offer_resends_);
    }
  }
}

}  // namespace earshot
