// Diagnostics: bounded histories of what the call did, per-link figures from getStats samples, the
// connection-quality grade, and the JSON view the overlay and the support report read.
#include "earshot/diagnostics.hpp"

#include <algorithm>
#include <cmath>

#include "earshot/call.hpp"
#include "earshot/json.hpp"
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

Quality grade(const std::vector<LinkPoint>& points, const QualityRules& r) {
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

void Diagnostics::Ring::add(Entry e) {
  if (items.size() < kEntries) return items.push_back(std::move(e));
  items[next] = std::move(e);
  next = (next + 1) % kEntries;
}

void Diagnostics::state(Instant at, CallState from, CallState to) {
  states_.add({at, earshot::to_string(to), std::string(earshot::to_string(from))});
}

void Diagnostics::failure(Instant at, const Failure& f) { log_.add({at, "failure", f.code + ": " + f.message}); }
void Diagnostics::note(Instant at, const std::string& text) { log_.add({at, "announce", text}); }
void Diagnostics::warning(Instant at, const std::string& what) { log_.add({at, "warning", what}); }

// Kind and ids only: an effect's payload may hold SDP, TURN credentials, a token or a signed URL.
void Diagnostics::effect(Instant at, const Effect& e) {
  static constexpr const char* kKinds[] = {
      "acquire-mic", "release-mic", "set-mic-enabled", "http", "open-link", "send-on-link", "close-link",
      "create-peer", "create-offer", "create-answer", "rollback-local", "apply-remote-description",
      "add-remote-candidate", "close-peer", "set-relay", "load-vendor", "start-vendor", "set-vendor-muted",
      "stop-vendor", "state-changed", "show-failure", "announce", "save-session",
#ifndef EARSHOT_SELFHOSTED_ONLY
      "send-on-peer", "reconfigure-peers",
#endif
  };
  static_assert(std::size(kKinds) == std::variant_size_v<Effect>);
#ifndef EARSHOT_SELFHOSTED_ONLY
  if (std::holds_alternative<fx::SendOnPeer>(e)) return;  // the kvs roster, three times a second: not worth a line
#endif
  std::string text;
  if (auto* h = std::get_if<fx::HttpRequest>(&e)) text = h->spec.method + " " + without_query(h->spec.url);
  else if (auto* o = std::get_if<fx::OpenLink>(&e)) text = without_query(o->url);
  // (a failure's code and sentence are in the log; links are named in the timers and the peers)
  effects_.add({at, kKinds[e.index()], std::move(text)});
}

const Diagnostics::Link* Diagnostics::link(PeerId peer) const {
  for (const auto& l : links_)
    if (l.id == peer) return &l;
  return nullptr;
}

void Diagnostics::forget(PeerId peer) {
  links_.erase(std::remove_if(links_.begin(), links_.end(), [&](const Link& l) { return l.id == peer; }), links_.end());
}

Quality Diagnostics::sample(PeerId peer, const in::LinkSample& s, Instant at) {
  Link* found = const_cast<Link*>(link(peer));
  if (!found) {
    found = &links_.emplace_back();
    found->id = peer;
  }
  Link& l = *found;
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
    if (l.points.size() == kSeconds) l.points.erase(l.points.begin());
    l.points.push_back(p);
  }
  l.last = s;
  l.last_at = at;
  l.sampled = true;
  l.quality = grade(l.points);
  return l.quality;
}

namespace {
json entries(const Diagnostics::Ring& q, const char* a = "kind", const char* b = "text") {
  json out = json::array();
  q.each([&](const Diagnostics::Entry& e) {
    json& o = out.emplace_back(json::object());
    o["at"] = e.at;
    o[a] = e.kind;
    o[b] = e.text;
  });
  return out;
}
}  // namespace

std::string Diagnostics::to_json(const Snapshot& snap, const std::vector<PendingTimer>& timers, Instant now) const {
  json d = json::object();
  d["now"] = now;
  d["state"] = earshot::to_string(snap.state);
  d["room"] = snap.room_id;
  d["signaling"]["link"] = wire::to_string(snap.link);
  d["signaling"]["reconnectAttempt"] = snap.reconnect_attempt;
  d["states"] = entries(states_, "to", "from");
  json& pending = d["timers"] = json::array();
  for (const auto& t : timers) {
    json& o = pending.emplace_back(json::object());
    o["name"] = t.name;
    o["inMs"] = t.at - now;
  }
  json& people = d["participants"] = json::array();
  for (const auto& m : snap.participants) people.push_back(wire::to_json(m));
  json& peers = d["peers"] = json::array();
  for (const auto& v : snap.peers) {
    json& p = peers.emplace_back(json::object());
    p["id"] = v.id;
    p["participant"] = v.participant;
    p["state"] = v.state;
    p["quality"] = "unknown";
    const Link* l = link(v.id);
    if (!l) continue;
    p["quality"] = to_string(l->quality);
    p["pair"] = l->last.pair;
    const double now_figures[] = {l->last.packets_received, l->last.packets_lost, l->last.packets_sent, l->last.rtt_ms, l->last.jitter_ms};
    const char* now_names[] = {"packetsReceived", "packetsLost", "packetsSent", "rttMs", "jitterMs"};
    for (int i = 0; i < 5; ++i) p[now_names[i]] = now_figures[i];
    // The last second's figures, and the minute behind them for the plots.
    static constexpr double LinkPoint::*kFields[] = {&LinkPoint::loss_pct, &LinkPoint::kbps_in, &LinkPoint::kbps_out,
                                                     &LinkPoint::level, &LinkPoint::rtt_ms, &LinkPoint::jitter_ms};
    static constexpr const char* kNames[] = {"lossPct", "kbpsIn", "kbpsOut", "level", "rttMs", "jitterMs"};
    json& series = p["series"] = json::object();
    for (int f = 0; f < 6; ++f) {
      json& a = series[kNames[f]] = json::array();
      for (const auto& pt : l->points) a.push_back(std::round(pt.*kFields[f] * 10) / 10);
      if (f < 4 && !l->points.empty()) p[kNames[f]] = l->points.back().*kFields[f];
    }
  }
  d["warnings"] = snap.warnings;
  d["log"] = entries(log_);
  d["effects"] = entries(effects_);
  return json_text(d);
}

}  // namespace earshot
