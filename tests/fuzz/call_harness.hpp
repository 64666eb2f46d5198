// Shared by the fuzz targets that drive a whole Call: the driver contract (earshot::DriverLoop, the
// same loop the browser driver, the simulation and the tests use), a pretend browser that records
// what the core asked of it, and the invariants every drain must keep. Any violation is a trap.
// Not a target itself: tests/fuzz/CMakeLists.txt builds only fuzz_*.cpp.
#pragma once
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "earshot/call.hpp"
#include "earshot/crypto.hpp"
#include "earshot/driver_loop.hpp"
#include "earshot/failures.hpp"
#include "earshot/state_machine.hpp"
#include "earshot/wire.hpp"
#include "fuzz_util.hpp"

namespace earshot::fuzz {
using nlohmann::json;

constexpr Instant kNow = 1800000000000;  // 2027-01-15T08:00:00Z
constexpr const char* kOpenPacket =
    R"(0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})";

// A signed invite link for room r1 (the core does not verify the signature; the server does).
inline std::string invite_link(const std::string& role, const std::string& name = "Gus") {
  json h = {{"alg", "HS256"}, {"typ", "JWT"}};
  json c = {{"iss", "earshot"}, {"typ", "invite"}, {"room", "r1"}, {"role", role}, {"name", name},
            {"jti", "j"}, {"iat", kNow / 1000}, {"exp", kNow / 1000 + 3600}};
  std::string in = crypto::base64url_encode(h.dump()) + "." + crypto::base64url_encode(c.dump());
  return "https://x.test/room.html?room=r1&t=" + in + "." +
         crypto::base64url_encode(crypto::as_bytes(crypto::hmac_sha256("k", in)));
}

// The selfhosted backend's answer to the invite redemption, for `user` with `role`.
inline std::string admission_body(const std::string& user, const std::string& role) {
  return json{{"roomId", "r1"}, {"token", "rt"}, {"signalingUrl", "ws://127.0.0.1:8080/ws"}, {"ttl", 3600},
              {"iceServers", json::array({{{"urls", "turn:127.0.0.1:3478"}, {"username", "1:u"}, {"credential", "c"}}})},
              {"user", {{"userId", user}, {"name", "Me"}, {"role", role}}}}
      .dump();
}

// A negotiation step the core asked the browser for and that has not been answered yet.
struct Pending {
  enum Kind { Offer, Answer, Apply } kind;
  PeerId peer;
  std::uint64_t generation;
};

// What the wasm driver does with everything that crosses the boundary: a strict dump (invalid UTF-8
// throws, and the wasm build has no exceptions: it would abort the page).
inline void dumps_strictly(const json& j) { (void)j.dump(); }

bool has_transition(CallState from, CallState to);

class Harness {
 public:
  Harness(CallConfig config, std::uint64_t seed) : call_(std::move(config), kNow, seed), loop_(call_) {}

  Call& call() { return call_; }
  const Snapshot& snap() const { return call_.snapshot(); }
  Instant now() const { return now_; }

  // One fact through the driver loop. Fed from inside perform (a result learnt synchronously),
  // it is queued by the loop and handled after the current drain.
  void feed(Input input) { run(std::optional<Input>(std::move(input))); }
  // The clock moves on; the armed wake-up fires when due (possibly several times in a row).
  void advance(Duration by) {
    now_ += by;
    for (int i = 0; i < 8 && timer_ && *timer_ <= now_; ++i) run(std::nullopt);
  }

  // ---- the pretend browser's view ----
  std::optional<LinkId> link;        // the last OpenLink
  bool link_open = false;            // we told the core the WebSocket opened
  std::vector<std::string> sent;     // SendOnLink texts on the current link
  std::vector<fx::HttpRequest> http; // requests asked for
  std::vector<Pending> pending;      // negotiation steps not answered yet
  std::vector<PeerId> live_peers;    // created and not closed, in creation order
  std::set<PeerId> created, closed;
  std::set<LinkId> links_opened, links_closed;
  std::uint64_t effects = 0;
  std::size_t state_changes = 0;
  // A cooperative browser answers every negotiation step at once (fed from inside perform, so the
  // loop queues it: the re-entrancy path) and reports a link connected once its remote side is set.
  bool auto_browser = false;
  // Optional extra inspection of every effect (after the common checks).
  void (*observe)(Harness&, const Effect&) = nullptr;
  void* user = nullptr;

  // At the end of an input: the snapshot crosses the boundary as the wasm driver sends it.
  void finish() const {
    check_snapshot();
    dumps_strictly(wire::to_json(call_.snapshot()));
    // The diagnostics view is JSON whatever went in (bad UTF-8 is replaced, never thrown).
    const auto view = nlohmann::json::parse(call_.diagnostics_json(), nullptr, false);
    check(view.is_object() && view.contains("peers"));
  }

  // Every string of the snapshot is valid UTF-8 (what to_json(snapshot).dump() needs).
  static bool utf8_clean(const Snapshot& s) {
    auto ok = [](const std::string& t) { return decode_utf8(t); };
    auto person = [&](const Participant& p) { return ok(p.id) && ok(p.name); };
    bool good = ok(s.room_id) && ok(s.room_title) && ok(s.notice) && ok(s.ended_reason) &&
                (!s.self || person(*s.self)) && (!s.failure || (ok(s.failure->code) && ok(s.failure->message))) &&
                (!s.invite || (ok(s.invite->name) && ok(s.invite->title) && ok(s.invite->room))) &&
                ok(s.devices.mic_device_id) && ok(s.devices.mic_label);
    for (const auto& m : s.participants) good = good && person(m.who) && ok(m.connection);
    for (const auto& p : s.peers) good = good && ok(p.participant) && ok(p.state);
    for (const auto& w : s.warnings) good = good && ok(w);
    for (const auto& c : s.chat) good = good && ok(c.from) && ok(c.name) && ok(c.text);
    for (const auto& p : s.join_requests) good = good && person(p);
    for (const auto& d : s.devices.inputs) good = good && ok(d.id) && ok(d.label);
    for (const auto& d : s.devices.outputs) good = good && ok(d.id) && ok(d.label);
    return good;
  }

  // Common snapshot invariants, checked after every completed drain.
  void check_snapshot() const {
    const Snapshot& s = call_.snapshot();
    check(utf8_clean(s));  // cheaper than a dump per input; finish() dumps the whole snapshot
    std::set<std::string> ids;
    for (const auto& m : s.participants) {
      check(!m.who.id.empty());
      check(ids.insert(m.who.id).second);  // nobody twice
      if (s.self && !s.self->id.empty()) check(m.who.id != s.self->id);  // never yourself
    }
    check(s.peers.size() <= s.participants.size() + 1);  // one link per participant, plus the head start
    std::set<PeerId> seen;
    for (const auto& p : s.peers) {
      check(created.count(p.id) == 1 && closed.count(p.id) == 0);
      check(seen.insert(p.id).second);
    }
    if (is_terminal(s.state)) check(s.peers.empty());
    check(s.warnings.size() <= 20 && s.chat.size() <= 200);
    check(s.history.size() == state_changes && s.state == state_);  // every transition was announced, in order
    if (s.failure) check(!s.failure->message.empty() && failure_info(s.failure->code) != nullptr);
  }

 private:
  // FUZZ_TRACE=1 <target> <crash file>: every input and effect, to read a finding.
  static bool tracing() {
    static const bool on = std::getenv("FUZZ_TRACE") != nullptr;
    return on;
  }
  static std::string printable(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

  void run(std::optional<Input> input) {
    if (tracing()) std::fprintf(stderr, "%s %s\n", loop_.busy() ? "  (queued)" : ">>", input ? printable(wire::to_json(*input)).c_str() : "timeout");
    loop_.feed(
        std::move(input), [this] { return Clock{now_}; }, [this](const Effect& e) { perform(e); },
        [this](std::optional<Instant> at) { timer_ = at; });
    if (!loop_.busy()) check_snapshot();
  }

  bool live(PeerId id) const { return created.count(id) == 1 && closed.count(id) == 0; }

  void perform(const Effect& e) {
    ++effects;
    if (tracing()) std::fprintf(stderr, "   <- %s\n", printable(wire::to_json(e)).c_str());
    // What the wasm driver publishes to the page (onEffect / onVendor) is dumped strictly.
    if (std::holds_alternative<fx::StateChanged>(e) || std::holds_alternative<fx::ShowFailure>(e) ||
        std::holds_alternative<fx::Announce>(e) || std::holds_alternative<fx::StartVendor>(e) ||
        std::holds_alternative<fx::HttpRequest>(e))
      dumps_strictly(wire::to_json(e));
    if (auto* c = std::get_if<fx::CreatePeer>(&e)) {
      check(c->peer != 0 && created.insert(c->peer).second);  // a fresh id, never reused
      live_peers.push_back(c->peer);
    } else if (auto* c = std::get_if<fx::ClosePeer>(&e)) {
      check(live(c->peer));
      closed.insert(c->peer);
      std::erase(live_peers, c->peer);
      std::erase_if(pending, [&](const Pending& p) { return p.peer == c->peer; });
    } else if (auto* o = std::get_if<fx::CreateOffer>(&e)) {
      check(live(o->peer));
      pending.push_back({Pending::Offer, o->peer, o->generation});
    } else if (auto* a = std::get_if<fx::CreateAnswer>(&e)) {
      check(live(a->peer));
      pending.push_back({Pending::Answer, a->peer, a->generation});
    } else if (auto* r = std::get_if<fx::ApplyRemoteDescription>(&e)) {
      check(live(r->peer) && (r->type == "offer" || r->type == "answer") && !r->sdp.empty());
      pending.push_back({Pending::Apply, r->peer, r->generation});
    } else if (auto* r = std::get_if<fx::RollbackLocal>(&e)) {
      check(live(r->peer));
    } else if (auto* c = std::get_if<fx::AddRemoteCandidate>(&e)) {
      check(live(c->peer));
    } else if (auto* r = std::get_if<fx::SetRelay>(&e)) {
      check(live(r->peer));
      for (PeerId s : r->sources) check(live(s) && s != r->peer);  // mix-minus: never its own audio back
    } else if (auto* o = std::get_if<fx::OpenLink>(&e)) {
      check(o->id != 0 && links_opened.insert(o->id).second);
      link = o->id;
      link_open = false;
      sent.clear();
    } else if (auto* s = std::get_if<fx::SendOnLink>(&e)) {
      check(link && s->id == *link && link_open && links_closed.count(s->id) == 0);  // only on an open link
      if (sent.size() < 64) sent.push_back(s->text);
    } else if (auto* c = std::get_if<fx::CloseLink>(&e)) {
      check(links_opened.count(c->id) == 1);
      links_closed.insert(c->id);
      if (link && *link == c->id) link_open = false;
    } else if (auto* h = std::get_if<fx::HttpRequest>(&e)) {
      check(h->id != 0);
      if (http.size() < 16) http.push_back(*h);
    } else if (auto* t = std::get_if<fx::StateChanged>(&e)) {
      check(t->from == state_ && has_transition(t->from, t->to));  // only rows of the table, in order
      state_ = t->to;
      ++state_changes;
    } else if (auto* f = std::get_if<fx::ShowFailure>(&e)) {
      check(!f->failure.message.empty() && failure_info(f->failure.code) != nullptr);
    }
    if (auto_browser) cooperate(e);
    if (observe) observe(*this, e);
  }

  void cooperate(const Effect& e) {
    static const std::string kSdp = "v=0\r\na=fingerprint:sha-256 1\r\n";
    if (auto* o = std::get_if<fx::CreateOffer>(&e)) {
      feed(in::LocalDescriptionReady{o->peer, o->generation, "offer", kSdp});
    } else if (auto* a = std::get_if<fx::CreateAnswer>(&e)) {
      feed(in::LocalDescriptionReady{a->peer, a->generation, "answer", kSdp});
    } else if (auto* r = std::get_if<fx::ApplyRemoteDescription>(&e)) {
      feed(in::RemoteDescriptionApplied{r->peer, r->generation});
      feed(in::PeerStateChanged{r->peer, "connected"});
    } else {
      return;
    }
    pending.pop_back();  // answered already
  }

  Call call_;
  DriverLoop<Call, Input> loop_;
  Instant now_ = kNow;
  std::optional<Instant> timer_;
  CallState state_ = CallState::Idle;
};

inline bool has_transition(CallState from, CallState to) {
  for (const auto& t : transitions())
    if (t.from == from && t.to == to) return true;
  return false;
}

// ---- hostile Socket.IO frames, built from the fuzzer's bytes --------------------------------------
// Ids are drawn mostly from a small pool (so offers find their links) and sometimes made up.
struct Frames {
  FuzzedDataProvider& in;
  std::vector<std::string> pool;  // participant ids, self among them

  std::string id() {
    switch (in.ConsumeIntegralInRange(0, 7)) {
      case 0: return "";
      case 1: return in.ConsumeRandomLengthString(160);
      default: return pool[in.ConsumeIntegralInRange<std::size_t>(0, pool.size() - 1)];
    }
  }
  std::string text(std::size_t max = 24) { return in.ConsumeRandomLengthString(max); }
  json participant() {
    json p = json::object();
    p["userId"] = id();
    if (in.ConsumeIntegralInRange(0, 9) == 0) p["userId"] = in.ConsumeIntegral<int>();
    if (in.ConsumeBool()) p["name"] = text(40);
    if (in.ConsumeBool()) p["role"] = in.ConsumeBool() ? "host" : "guest";
    return p;
  }
  std::string sdp() {
    std::string s = "v=0\r\n";
    if (in.ConsumeBool()) s += "a=fingerprint:sha-256 " + std::to_string(in.ConsumeIntegralInRange(0, 3)) + "\r\n";
    if (in.ConsumeBool()) s += "a=ice-ufrag:" + std::to_string(in.ConsumeIntegralInRange(0, 3)) + "\r\n";  // ICE restarts
    s += text(32);
    return s;
  }
  static std::string event(const std::string& name, const json& payload, std::optional<int> ack = std::nullopt) {
    return "42" + (ack ? std::to_string(*ack) : std::string()) +
           json::array({name, payload}).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  // One frame the server (or someone in the middle) sends.
  std::string next() {
    switch (in.ConsumeIntegralInRange(0, 15)) {
      case 0: {  // room-state, with capacity
        json ps = json::array();
        for (int n = in.ConsumeIntegralInRange(0, 6); n > 0; --n) ps.push_back(participant());
        json st = {{"participants", ps}};
        if (in.ConsumeBool()) st["self"] = participant();
        if (in.ConsumeBool()) st["capacity"] = in.ConsumeIntegralInRange(-2, 12);
        return event("room-state", st);
      }
      case 1: return event("user-joined", participant());
      case 2: {
        json p = {{"userId", id()}};
        if (in.ConsumeBool()) p["reason"] = in.ConsumeBool() ? "disconnected" : "left";
        return event("user-left", p);
      }
      case 3:
      case 4: {  // webrtc-offer / webrtc-answer, addressed
        const bool offer = in.ConsumeBool();
        json p = json::object();
        if (in.ConsumeBool()) p["from"] = id();
        if (in.ConsumeBool()) p["to"] = id();
        switch (in.ConsumeIntegralInRange(0, 3)) {
          case 0: p["sdp"] = {{"type", offer ? "offer" : "answer"}, {"sdp", sdp()}}; break;
          case 1: p["sdp"] = sdp(); break;
          case 2: p["sdp"] = {{"type", in.ConsumeBool() ? "answer" : "pranswer"}, {"sdp", sdp()}}; break;
          default: p["sdp"] = in.ConsumeIntegral<int>(); break;
        }
        return event(offer ? "webrtc-offer" : "webrtc-answer", p, in.ConsumeIntegralInRange(0, 7) == 0 ? std::optional<int>(3) : std::nullopt);
      }
      case 5: {  // ice-candidate, addressed
        json p = json::object();
        if (in.ConsumeBool()) p["from"] = id();
        if (in.ConsumeBool()) p["to"] = id();
        switch (in.ConsumeIntegralInRange(0, 3)) {
          case 0: p["candidate"] = {{"candidate", "candidate:" + text()}, {"sdpMid", "0"}, {"sdpMLineIndex", 0}}; break;
          case 1: p["candidate"] = nullptr; break;
          case 2: p["candidate"] = {{"sdpMid", text()}}; break;
          default: p["candidate"] = text(); break;
        }
        return event("ice-candidate", p);
      }
      case 6: return event("room-closed", in.ConsumeBool() ? json{{"reason", text()}} : json(text()));
      case 7: return "42" + scrub_utf8(in.ConsumeRandomLengthString(256));      // any event text
      case 8: return scrub_utf8(in.ConsumeRandomLengthString(256));             // any frame
      case 9: return "44" + json{{"message", in.ConsumeBool() ? "room.full" : text()},
                                {"data", {{"capacity", in.ConsumeIntegralInRange(-1, 12)}, {"message", text(300)}}}}
                                .dump(-1, ' ', false, json::error_handler_t::replace);  // connect refused
      case 10: return "2";                                                      // ping
      case 11: return "1";                                                      // server closes
      case 12: return "41";                                                     // namespace disconnect
      case 13: return R"(40{"sid":"x"})";                                       // connect accepted (again)
      case 14: return kOpenPacket;
      default: return event(text(16), json::parse(in.ConsumeRandomLengthString(64), nullptr, false, true));
    }
  }
};

// The pretend browser answers one of the negotiation steps it was asked for (or fails it), or
// reports a connection state, a candidate, levels — on a live peer, or on one that is long gone.
inline void browser_step(Harness& h, FuzzedDataProvider& in) {
  auto any_peer = [&]() -> PeerId {
    if (!h.live_peers.empty() && in.ConsumeIntegralInRange(0, 7) != 0)
      return h.live_peers[in.ConsumeIntegralInRange<std::size_t>(0, h.live_peers.size() - 1)];
    return in.ConsumeIntegralInRange<PeerId>(0, 12);
  };
  switch (in.ConsumeIntegralInRange(0, 9)) {
    case 8: {  // getStats, sane or not (counters backwards, negative, huge, NaN)
      auto n = [&] { return in.ConsumeBool() ? in.ConsumeFloatingPoint<double>() : in.ConsumeIntegralInRange(0, 100000) * 1.0; };
      in::LinkSample s{n(), n(), n(), n(), n(), n(), n(), n(), in.ConsumeRandomLengthString(40)};
      return h.feed(in::LinkStats{any_peer(), std::move(s)});
    }
    case 0:
    case 1: {  // answer a pending step
      if (h.pending.empty()) return;
      const std::size_t i = in.ConsumeIntegralInRange<std::size_t>(0, h.pending.size() - 1);
      const Pending p = h.pending[i];
      h.pending.erase(h.pending.begin() + static_cast<std::ptrdiff_t>(i));
      if (in.ConsumeIntegralInRange(0, 5) == 0) {
        return h.feed(in::NegotiationFailed{p.peer, p.generation, in.ConsumeBool() ? "create-peer" : "set-remote", "boom"});
      }
      if (p.kind == Pending::Apply) return h.feed(in::RemoteDescriptionApplied{p.peer, p.generation});
      const std::string type = in.ConsumeBool() ? "" : (p.kind == Pending::Offer ? "offer" : "answer");
      return h.feed(in::LocalDescriptionReady{p.peer, p.generation, type, "v=0\r\na=fingerprint:sha-256 9\r\n"});
    }
    case 2: {
      static const char* kStates[] = {"new", "connecting", "connected", "disconnected", "failed", "closed", ""};
      return h.feed(in::PeerStateChanged{any_peer(), kStates[in.ConsumeIntegralInRange(0, 6)]});
    }
    case 3:
      return h.feed(in::LocalCandidate{any_peer(), in.ConsumeBool() ? json(nullptr) : json{{"candidate", "candidate:1"}}});
    case 4: return h.feed(in::IceCandidateError{any_peer(), in.ConsumeIntegralInRange(0, 800), in.ConsumeBool() ? "turn:x" : "stun:x", "e"});
    case 5: return h.feed(in::IceGatheringComplete{any_peer(), in.ConsumeIntegralInRange(0, 2)});
    case 6: return h.feed(in::RemoteAudioStarted{any_peer()});
    case 7: {
      in::AudioLevels l{in.ConsumeProbability<double>(), {}};
      for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n) l.remote.push_back({any_peer(), in.ConsumeProbability<double>()});
      return h.feed(l);
    }
    default:  // a late answer for an old generation
      return h.feed(in::RemoteDescriptionApplied{any_peer(), in.ConsumeIntegralInRange<std::uint64_t>(0, 6)});
  }
}

// The server side of the handshake on the current link: transport open, Engine.IO open, namespace connect.
inline void handshake(Harness& h, bool connect) {
  if (!h.link || h.links_closed.count(*h.link)) return;
  if (!h.link_open) {
    h.link_open = true;
    h.feed(in::LinkOpened{*h.link});
    h.feed(in::LinkMessage{*h.link, kOpenPacket});
  }
  if (connect) h.feed(in::LinkMessage{*h.link, R"(40{"sid":"x"})"});
}

}  // namespace earshot::fuzz
