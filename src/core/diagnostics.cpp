// Diagnostics: bounded histories of what the call did, per-link figures from getStats samples, the
// connection-quality grade, and the JSON view the overlay and the support report read.
#include "earshot/diagnostics.hpp"

#include <algorithm>
#include <cmath>

#include "earshot/call.hpp"
#include "earshot/wire.hpp"

namespace earshot {
using nlohmann::json;

std::string_view to_string(Quality q) {
  switch (q) {
    case Quality::Good: return "good";
    case Quality::Fair: return "fair";
    case Quality::Poor: return "poor";
    case Quality::Unknown: break;
  }
  return "unknown";
}

std::string without_query(std::string_view url) { return std::string(url.substr(0, url.find_first_of("?#"))); }

Quality grade(const std::deque<LinkPoint>& points, const QualityRules& r) {
  double loss = 0, jitter = 0, rtt = 0;
  int n = 0, nj = 0, nr = 0;
  for (auto it = points.rbegin(); it != points.rend() && n < r.window; ++it, ++n) {
    loss += it->loss_pct;
    if (it->jitter_ms >= 0) jitter += it->jitter_ms, ++nj;
    if (it->rtt_ms >= 0) rtt += it->rtt_ms, ++nr;
  }
  if (n == 0) return Quality::Unknown;
  loss /= n;
  jitter = nj ? jitter / nj : 0;
  rtt = nr ? rtt / nr : 0;
  if (loss >= r.poor_loss_pct || jitter >= r.poor_jitter_ms || rtt >= r.poor_rtt_ms) return Quality::Poor;
  if (loss < r.good_loss_pct && jitter < r.good_jitter_ms && rtt < r.good_rtt_ms) return Quality::Good;
  return Quality::Fair;
}

void Diagnostics::keep(std::deque<Entry>& q, Entry e) {
  q.push_back(std::move(e));
  if (q.size() > kEntries) q.pop_front();
}

void Diagnostics::state(Instant at, CallState from, CallState to) {
  keep(states_, {at, std::string(earshot::to_string(to)), std::string(earshot::to_string(from))});
}

void Diagnostics::failure(Instant at, const Failure& f) { keep(log_, {at, "failure", f.code + ": " + f.message}); }
void Diagnostics::note(Instant at, const std::string& text) { keep(log_, {at, "announce", text}); }
void Diagnostics::warning(Instant at, const std::string& what) { keep(log_, {at, "warning", what}); }

// Kind and ids only: an effect's payload may hold SDP, TURN credentials, a token or a signed URL.
void Diagnostics::effect(Instant at, const Effect& e) {
  static constexpr const char* kKinds[] = {
      "acquire-mic", "release-mic", "set-mic-enabled", "http", "open-link", "send-on-link", "close-link",
      "create-peer", "create-offer", "create-answer", "rollback-local", "apply-remote-description",
      "add-remote-candidate", "close-peer", "set-relay", "load-vendor", "start-vendor", "set-vendor-muted",
      "stop-vendor", "state-changed", "show-failure", "announce", "save-session"};
  static_assert(std::size(kKinds) == std::variant_size_v<Effect>);
  std::string text;
  if (auto* h = std::get_if<fx::HttpRequest>(&e)) text = h->spec.method + " " + without_query(h->spec.url);
  else if (auto* o = std::get_if<fx::OpenLink>(&e)) text = "link " + std::to_string(o->id) + " " + without_query(o->url);
  else if (auto* s = std::get_if<fx::SendOnLink>(&e)) text = "link " + std::to_string(s->id) + ", " + std::to_string(s->text.size()) + " bytes";
  else if (auto* c = std::get_if<fx::CreatePeer>(&e)) text = "peer " + std::to_string(c->peer) + " to " + c->participant;
  else if (auto* f = std::get_if<fx::CreateOffer>(&e)) text = "peer " + std::to_string(f->peer) + (f->ice_restart ? ", ICE restart" : "");
  else if (auto* d = std::get_if<fx::ApplyRemoteDescription>(&e)) text = "peer " + std::to_string(d->peer) + " " + d->type;
  else if (auto* x = std::get_if<fx::ClosePeer>(&e)) text = "peer " + std::to_string(x->peer);
  else if (auto* t = std::get_if<fx::StateChanged>(&e)) text = std::string(earshot::to_string(t->to));
  else if (auto* sf = std::get_if<fx::ShowFailure>(&e)) text = sf->failure.code;
  else if (auto* v = std::get_if<fx::SaveSession>(&e)) text = v->value.empty() ? "forget" : "keep";
  keep(effects_, {at, kKinds[e.index()], std::move(text)});
}

const Diagnostics::Link* Diagnostics::link(PeerId peer) const {
  for (const auto& l : links_)
    if (l.id == peer) return &l;
  return nullptr;
}

void Diagnostics::forget(PeerId peer) {
  links_.erase(std::remove_if(links_.begin(), links_.end(), [&](const Link& l) { return l.id == peer; }), links_.end());
}

Quality Diagnostics::sample(PeerId peer, const std::string& participant, const in::LinkSample& s, Instant at) {
  auto it = std::find_if(links_.begin(), links_.end(), [&](const Link& l) { return l.id == peer; });
  if (it == links_.end()) {
    links_.push_back(Link{peer, participant, {}, 0, false, {}, Quality::Unknown});
    it = links_.end() - 1;
  }
  Link& l = *it;
  l.participant = participant;
  const double secs = l.sampled ? static_cast<double>(at - l.last_at) / 1000.0 : 0;
  // A counter that went backwards is a new RTCPeerConnection behind the same link: start over.
  const bool fresh = !l.sampled || secs <= 0 || s.packets_received < l.last.packets_received ||
                     s.bytes_sent < l.last.bytes_sent;
  if (!fresh) {
    LinkPoint p;
    p.at = at;
    p.rtt_ms = s.rtt_ms;
    p.jitter_ms = s.jitter_ms;
    const double got = s.packets_received - l.last.packets_received;
    const double lost = std::max(0.0, s.packets_lost - l.last.packets_lost);
    p.loss_pct = got + lost > 0 ? 100.0 * lost / (got + lost) : 0;
    p.kbps_in = (s.bytes_received - l.last.bytes_received) * 8 / 1000 / secs;
    p.kbps_out = (s.bytes_sent - l.last.bytes_sent) * 8 / 1000 / secs;
    p.level = std::max(0.0, s.audio_level);
    l.points.push_back(p);
    if (l.points.size() > kSeconds) l.points.pop_front();
  }
  l.last = s;
  l.last_at = at;
  l.sampled = true;
  l.quality = grade(l.points);
  return l.quality;
}

namespace {
json entries(const std::deque<Diagnostics::Entry>& q) {
  json a = json::array();
  for (const auto& e : q) a.push_back({{"at", e.at}, {"kind", e.kind}, {"text", e.text}});
  return a;
}
json series(const std::deque<LinkPoint>& ps, double LinkPoint::*field) {
  json a = json::array();
  for (const auto& p : ps) a.push_back(std::round(p.*field * 10) / 10);
  return a;
}
}  // namespace

std::string Diagnostics::to_json(const Snapshot& snap, const std::vector<PendingTimer>& timers, Instant now) const {
  json states = json::array();
  for (const auto& e : states_) states.push_back({{"at", e.at}, {"from", e.text}, {"to", e.kind}});
  json pending = json::array();
  for (const auto& t : timers) pending.push_back({{"name", t.name}, {"inMs", t.at - now}});
  json people = json::array();
  for (const auto& m : snap.participants) people.push_back(wire::to_json(m));
  json peers = json::array();
  for (const auto& v : snap.peers) {
    json p = {{"id", v.id}, {"participant", v.participant}, {"state", v.state}, {"polite", v.polite}, {"quality", "unknown"}};
    if (const Link* l = link(v.id)) {
      p["quality"] = to_string(l->quality);
      p["pair"] = l->last.local_candidate + " \u2192 " + l->last.remote_candidate;
      p["packetsReceived"] = l->last.packets_received;
      p["packetsLost"] = l->last.packets_lost;
      p["packetsSent"] = l->last.packets_sent;
      p["rttMs"] = l->last.rtt_ms;
      p["jitterMs"] = l->last.jitter_ms;
      if (!l->points.empty()) {
        const LinkPoint& last = l->points.back();
        p["lossPct"] = last.loss_pct;
        p["kbpsIn"] = last.kbps_in;
        p["kbpsOut"] = last.kbps_out;
        p["level"] = last.level;
      }
      p["series"] = {{"rttMs", series(l->points, &LinkPoint::rtt_ms)}, {"jitterMs", series(l->points, &LinkPoint::jitter_ms)},
                     {"lossPct", series(l->points, &LinkPoint::loss_pct)}, {"kbpsIn", series(l->points, &LinkPoint::kbps_in)},
                     {"kbpsOut", series(l->points, &LinkPoint::kbps_out)}, {"level", series(l->points, &LinkPoint::level)}};
    }
    peers.push_back(std::move(p));
  }
  return json{{"now", now},
              {"state", std::string(earshot::to_string(snap.state))},
              {"room", snap.room_id},
              {"media", std::string(earshot::to_string(snap.media))},
              {"topology", std::string(earshot::to_string(snap.topology))},
              {"signaling", {{"link", std::string(wire::to_string(snap.link))}, {"reconnectAttempt", snap.reconnect_attempt}}},
              {"states", states},
              {"timers", pending},
              {"participants", people},
              {"peers", peers},
              {"warnings", snap.warnings},
              {"log", entries(log_)},
              {"effects", entries(effects_)}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace earshot
