// seed 004 (ChamCall) as a profile: invite redemption over REST, signaling over Socket.IO v5 at /ws.
// Events: room-state (ours, to the newcomer), user-joined, user-left, webrtc-offer, webrtc-answer,
// ice-candidate. The participant already in the room offers when it sees user-joined (seed 004 step 4).
#include "earshot/fifo.hpp"
#include "earshot/selfhosted.hpp"
#include "earshot/json.hpp"


#include "earshot/failures.hpp"
#include "earshot/socketio.hpp"

namespace earshot {
namespace {
using nlohmann::json;

std::string str_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}


bool flag(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}
bool is_muted(const json& j) { return flag(j, "muted"); }

std::optional<Participant> participant_from(const json& j) {
  if (!j.is_object()) return std::nullopt;
  Participant p;
  p.id = str_field(j, "userId");
  if (p.id.empty() || p.id.size() > 128) return std::nullopt;
  p.name = str_field(j, "name");
  if (p.name.size() > 200) p.name = utf8_prefix(p.name, 200);
  p.role = str_field(j, "role") == "host" ? Role::Host : Role::Guest;
  return p;
}


json auth_of(const Admission& a) {  // socket.io's connect payload (handshake auth)
  json auth = json::object();
  auth["token"] = a.token;
  auth["roomId"] = a.room_id;
  return auth;
}

class SelfhostedChannel final : public SignalingChannel {
 public:
  SelfhostedChannel(const Admission& a, bool addressed)
      : self_(a.self), addressed_(addressed),
        session_(sio::Session::Options{"/", auth_of(a), 1 << 20}) {}

  void handle_open(Instant now) override { session_.handle_transport_open(now); pump(now); }
  void handle_frame(std::string_view text, Instant now) override { session_.handle_frame(text, now); pump(now); }
  void handle_close(Instant now) override { session_.handle_transport_close(now); pump(now); }
  void handle_timeout(Instant now) override {
    session_.handle_timeout(now);
    if (welcome_deadline_ && now >= *welcome_deadline_) {
      // A seed-004 server that does not send room-state: assume we are alone; user-joined follows if not.
      welcome_deadline_.reset();
      events_.push_back(signal::Welcome{self_, {}, 0});
    }
    pump(now);
  }
  void enter_room() override { session_.connect(); }
  // In a pair the seed's broadcast reaches the one other person; a mesh or star addresses each signal.
  void send_description(std::string_view to, std::string_view type, std::string_view sdp) override {
    json payload = json::object();
    payload["sdp"]["type"] = type;
    payload["sdp"]["sdp"] = sdp;
    if (addressed_ && !to.empty()) payload["to"] = std::string(to);
    session_.emit(type == "offer" ? "webrtc-offer" : "webrtc-answer", payload);
  }
  void send_candidate(std::string_view to, const json& candidate) override {
    json payload = json::object();
    payload["candidate"] = candidate;
    if (addressed_ && !to.empty()) payload["to"] = std::string(to);
    session_.emit("ice-candidate", payload);
  }
  void send_media_state(bool muted) override {
    json payload = json::object();
    payload["muted"] = muted;
    if (session_.is_connected()) session_.emit("media-state", payload);
  }
  void leave() override {
    if (session_.is_connected()) session_.emit("leave", json::object());
    session_.disconnect();
  }
  std::optional<std::string> poll_transmit() override { return session_.poll_transmit(); }
  std::optional<signal::Event> poll_event() override {
    return events_.take();
  }
  std::optional<Instant> poll_timeout() const override {
    auto a = session_.poll_timeout();
    if (!welcome_deadline_) return a;
    if (!a) return welcome_deadline_;
    return std::min(*a, *welcome_deadline_);
  }

 private:
  void pump(Instant now) {
    while (auto e = session_.poll_event()) std::visit([&](auto& ev) { on(ev, now); }, *e);
  }
  void on(const sio::Opened&, Instant) {}
  void on(const sio::Connected&, Instant now) { welcome_deadline_ = now + 1500; }
  void on(const sio::ConnectRefused& r, Instant now) {
    std::string server_message;
    int capacity = 0;
    if (r.data.is_object()) {
      server_message = str_field(r.data, "message");
      if (auto c = r.data.find("capacity"); c != r.data.end() && c->is_number_integer()) capacity = c->get<int>();
    }
    events_.push_back(signal::Refused{SelfhostedProfile::failure_for(r.message, server_message, nullptr, now, capacity)});
    refused_ = true;  // the session closes next; that is the refusal, not a lost link to repair
  }
  void on(const sio::AckReceived&, Instant) {}
  void on(const sio::Closed& c, Instant) {
    if (c.reason != "client disconnect" && !refused_ && !closed_) events_.push_back(signal::Lost{c.reason});
  }
  void on(const sio::Discarded& d, Instant) { events_.push_back(signal::Warning{d.why}); }
  void on(const sio::EventReceived& ev, Instant) {
    const json payload = ev.args.is_array() && !ev.args.empty() ? ev.args[0] : json();
    if (ev.ack_id) session_.ack(*ev.ack_id, json::array());
    auto warn = [&](const char* what) { events_.push_back(signal::Warning{ev.name + ": " + what}); };
    if (ev.name == "room-state") {
      if (!payload.is_object()) return warn("payload is not an object");
      welcome_deadline_.reset();
      signal::Welcome w{self_, {}, 0};
      if (auto c = payload.find("capacity"); c != payload.end() && c->is_number_integer()) w.capacity = c->get<int>();
      if (w.capacity > 2) addressed_ = true;  // the server holds more than two: address every signal
      if (auto s = payload.find("self"); s != payload.end())
        if (auto p = participant_from(*s)) w.self = *p;
      std::vector<std::string> muted;
      if (auto ps = payload.find("participants"); ps != payload.end() && ps->is_array())
        for (const auto& pj : *ps)
          if (auto p = participant_from(pj); p && p->id != w.self.id) {
            w.others.push_back(*p);
            if (is_muted(pj)) muted.push_back(p->id);
          }
      self_ = w.self;
      events_.push_back(std::move(w));
      for (auto& id : muted) events_.push_back(signal::MediaState{std::move(id), true});
    } else if (ev.name == "user-joined") {
      auto p = participant_from(payload);
      if (!p) return warn("no valid participant");
      if (p->id == self_.id) return;  // our own echo
      if (welcome_deadline_) {  // joined before room-state: we are in, and we are first
        welcome_deadline_.reset();
        events_.push_back(signal::Welcome{self_, {}, 0});
      }
      events_.push_back(signal::PeerJoined{*p});
      if (is_muted(payload)) events_.push_back(signal::MediaState{p->id, true});
    } else if (ev.name == "user-left") {
      if (!payload.is_object()) return warn("payload is not an object");
      std::string id = str_field(payload, "userId");
      if (id.empty()) return warn("no userId");
      events_.push_back(signal::PeerLeft{id, str_field(payload, "reason") != "disconnected"});
    } else if (ev.name == "webrtc-offer" || ev.name == "webrtc-answer") {
      if (!payload.is_object()) return warn("payload is not an object");
      auto sdp = payload.find("sdp");
      std::string type = ev.name == "webrtc-offer" ? "offer" : "answer";
      std::string text;
      if (sdp != payload.end() && sdp->is_object()) {
        text = str_field(*sdp, "sdp");
        if (auto t = str_field(*sdp, "type"); !t.empty() && t != type) return warn("sdp type does not match the event");
      } else if (sdp != payload.end() && sdp->is_string()) {
        text = sdp->get<std::string>();
      }
      if (text.empty() || text.size() > 256 * 1024) return warn("missing or oversized sdp");
      events_.push_back(signal::Description{str_field(payload, "from"), str_field(payload, "to"), type, std::move(text)});
    } else if (ev.name == "ice-candidate") {
      if (!payload.is_object()) return warn("payload is not an object");
      auto c = payload.find("candidate");
      if (c == payload.end() || !(c->is_object() || c->is_null())) return warn("candidate is not an object");
      if (c->is_object() && !(c->contains("candidate") && (*c)["candidate"].is_string())) return warn("candidate has no candidate string");
      events_.push_back(signal::Candidate{str_field(payload, "from"), str_field(payload, "to"), *c});
    } else if (ev.name == "media-state") {
      if (!payload.is_object() || !payload.contains("muted") || !payload["muted"].is_boolean()) return warn("no muted flag");
      std::string from = str_field(payload, "from");
      if (from.empty()) return warn("no sender");
      events_.push_back(signal::MediaState{std::move(from), payload["muted"].get<bool>()});
    } else if (ev.name == "session-replaced") {
      // Our seat went to another device (we joined there) or to a new link: the server drops us next.
      closed_ = true;
      const std::string reason = payload.is_object() ? str_field(payload, "reason") : std::string();
      events_.push_back(signal::Replaced{reason == "replaced" ? "replaced" : "moved"});
    } else if (ev.name == "room-closed") {
      closed_ = true;  // the server disconnects us next: that is the end, not a link to repair
      events_.push_back(signal::RoomClosed{payload.is_object() ? str_field(payload, "reason") : std::string()});
    } else {
      warn("unknown event");
    }
  }

  Participant self_;
  bool addressed_;
  bool closed_ = false;
  sio::Session session_;
  std::optional<Instant> welcome_deadline_;
  bool refused_ = false;
  Fifo<signal::Event> events_;
};
}  // namespace

namespace {
json invite_body(const Entry& entry) {
  json body = json::object();
  body["invite"] = entry.invite ? entry.invite->token : std::string();
  if (!entry.device.empty()) body["device"] = entry.device;
  return body;
}
}  // namespace

// Redeeming spends the invite: it binds the seat to this device (the same device may come back).
std::unique_ptr<AdmissionFlow> SelfhostedProfile::admission(const Entry& entry) const {
  json body = invite_body(entry);
  if (entry.takeover) body["takeover"] = true;
  HttpRequestSpec redeem{"POST", api_base_ + "/api/v1/invites/redeem", {{"Content-Type", "application/json"}}, json_text(body)};
  return std::make_unique<SingleRequestFlow>(entry, std::move(redeem), &SelfhostedProfile::parse_admission);
}

std::optional<HttpRequestSpec> SelfhostedProfile::lookup(const Entry& entry) const {
  if (!entry.invite) return std::nullopt;
  return HttpRequestSpec{"POST", api_base_ + "/api/v1/invites/inspect", {{"Content-Type", "application/json"}},
                         json_text(invite_body(entry))};
}

// The pre-join's look at the invite. A seed-004 server without the route (404 route.not_found) just
// shows nothing more: Join redeems as it always did.
Result<Lookup> SelfhostedProfile::parse_lookup(const Entry& entry, int status, std::string_view body, Instant now) const {
  json j = parse_json_text(body);
  const bool object = !j.is_discarded() && j.is_object();
  if (status == 404 && object && str_field(j, "code") == "route.not_found") return Lookup{};
  if (status != 200) return parse_admission(entry, status, body, now).failure();
  if (!object) return make_failure("backend.bad_response");
  Lookup l;
  l.room_title = utf8_prefix(str_field(j, "title"), 200);
  l.seat = str_field(j, "state");
  if (l.seat != "unused" && l.seat != "yours" && l.seat != "elsewhere") l.seat = "unused";
  l.in_call = flag(j, "inCall");
  if (auto r = j.find("inRoom"); r != j.end() && r->is_array())
    for (const auto& pj : *r)
      if (auto p = participant_from(pj); p && l.in_room.size() < 64) l.in_room.push_back(*p);
  return l;
}

Failure SelfhostedProfile::failure_for(std::string_view code, std::string_view server_message, const Invite* invite,
                                       Instant now, int capacity, int utc_offset_min) {
  if (code == "invite.expired") {
    if (invite) return make_failure(code, {{"time", format_utc_clock(invite->expires_at, now, utc_offset_min)}});
    return Failure{"invite.expired", "This invite has expired. Ask the host for a new link."};
  }
  if (code == "room.full")
    return make_failure(code, {{"sentence", capacity > 2 ? "This call is full: it holds " + std::to_string(capacity) + " people."
                                                          : "This call already has two people in it, and a call holds only two."}});
  if (code == "token.invalid" || code == "token.missing" || code == "token.wrong_room") return make_failure(code);
  if (failure_needs_no_values(code)) return make_failure(code);
  std::string shown = utf8_prefix(server_message, 200);
  return make_failure("backend.refused",
                      {{"sentence", shown.empty() ? "The call server refused to let you in." : "The call server refused: " + shown}});
}

Result<Admission> SelfhostedProfile::parse_admission(const Entry& entry, int status, std::string_view body, Instant now) {
  const Invite* invite = entry.invite ? &*entry.invite : nullptr;
  json j = parse_json_text(body);
  if (status != 200) {
    std::string code, message;
    if (!j.is_discarded() && j.is_object()) {
      code = str_field(j, "code");
      message = str_field(j, "message");
    }
    if (status == 429) code = "rate.limited";
    if (code.empty()) {
      if (status >= 500) return make_failure("backend.error", {{"status", std::to_string(status)}});
      return make_failure("backend.unexpected", {{"status", std::to_string(status)}});
    }
    return failure_for(code, message, invite, now, 0, entry.utc_offset_min);
  }
  const Failure bad = make_failure("backend.bad_response");
  if (j.is_discarded() || !j.is_object()) return bad;
  Admission a;
  a.room_id = str_field(j, "roomId");
  a.room_title = str_field(j, "title");
  a.token = str_field(j, "token");
  a.signaling_url = str_field(j, "signalingUrl");
  auto ttl = j.find("ttl");
  auto ice = j.find("iceServers");
  auto user = j.find("user");
  if (a.room_id.empty() || a.token.empty() || a.signaling_url.empty() || ttl == j.end() || !ttl->is_number() ||
      ice == j.end() || !ice->is_array() || a.room_id != entry.room)
    return bad;
  for (const auto& s : *ice)
    if (!s.is_object() || !s.contains("urls")) return bad;
  a.ice_servers = *ice;
  const double ttl_s = ttl->get<double>();
  if (!(ttl_s > 0 && ttl_s < 7 * 86400)) return bad;
  a.expires_at = now + static_cast<Instant>(ttl_s * 1000);
  if (user != j.end()) {
    auto p = participant_from(*user);
    if (!p) return bad;
    a.self = *p;
  } else {
    a.self = Participant{"", entry.name, invite ? invite->role : Role::Guest};
  }
  return a;
}

Result<std::string> SelfhostedProfile::signaling_url(const Admission& a) const {
  return sio::websocket_url(a.signaling_url, "/ws");
}

std::unique_ptr<SignalingChannel> SelfhostedProfile::open_channel(const Admission& a) const {
  return std::make_unique<SelfhostedChannel>(a, topology_ != Topology::Pair);
}

}  // namespace earshot
