// JSON forms of inputs, effects and snapshots (the embind boundary and test transcripts).
// Parsing is strict about types and never throws: a bad field gives input.malformed naming it.
#include "earshot/wire.hpp"
#include "earshot/json.hpp"

#include <algorithm>

#include <cctype>

#include "earshot/failures.hpp"
#include "wire_detail.hpp"

namespace earshot::wire {
using nlohmann::json;
using detail::devices_json;
using detail::participant_json;

namespace {
struct Reader {
  const json& j;
  std::string bad;  // first offending field
  std::string str(const char* k, bool required = true) {
    auto it = j.find(k);
    if (it == j.end()) {
      if (required && bad.empty()) bad = k;
      return {};
    }
    if (!it->is_string()) {
      if (bad.empty()) bad = k;
      return {};
    }
    return it->get<std::string>();
  }
  std::uint64_t id(const char* k) {
    auto it = j.find(k);
    if (it == j.end() || !it->is_number_unsigned()) {
      if (it != j.end() && it->is_number_integer() && it->get<std::int64_t>() >= 0) return it->get<std::uint64_t>();
      if (it != j.end() && it->is_number_float() && it->get<double>() >= 0 && it->get<double>() < 9007199254740992.0 &&
          it->get<double>() == static_cast<double>(static_cast<std::uint64_t>(it->get<double>())))
        return static_cast<std::uint64_t>(it->get<double>());
      if (bad.empty()) bad = k;
      return 0;
    }
    return it->get<std::uint64_t>();
  }
  int integer(const char* k, bool required = true) {
    auto it = j.find(k);
    if (it == j.end() && !required) return 0;
    if (it == j.end() || !it->is_number() || std::abs(it->get<double>()) > 2147483647.0) {
      if (bad.empty()) bad = k;
      return 0;
    }
    return static_cast<int>(it->get<double>());
  }
  double number(const char* k) {
    auto it = j.find(k);
    if (it == j.end() || !it->is_number()) {
      if (bad.empty()) bad = k;
      return 0;
    }
    return it->get<double>();
  }
  bool boolean(const char* k) {
    auto it = j.find(k);
    if (it == j.end() || !it->is_boolean()) {
      if (bad.empty()) bad = k;
      return false;
    }
    return it->get<bool>();
  }
  std::vector<Device> devices(const char* k) {
    std::vector<Device> out;
    auto it = j.find(k);
    if (it == j.end() || !it->is_array()) {
      if (bad.empty()) bad = k;
      return out;
    }
    for (const auto& d : *it) {
      if (!d.is_object() || !d.contains("id") || !d["id"].is_string()) {
        if (bad.empty()) bad = k;
        return {};
      }
      out.push_back({d["id"].get<std::string>(), d.contains("label") && d["label"].is_string() ? d["label"].get<std::string>() : ""});
    }
    return out;
  }
};

MicError mic_error(std::string_view s) {
  if (s == "denied") return MicError::Denied;
  if (s == "not-found") return MicError::NotFound;
  if (s == "in-use") return MicError::InUse;
  return MicError::Other;
}
std::string_view mic_error_name(MicError e) {
  switch (e) {
    case MicError::Denied: return "denied";
    case MicError::NotFound: return "not-found";
    case MicError::InUse: return "in-use";
    case MicError::Other: return "other";
  }
  return "other";
}
}  // namespace

namespace {
// A getStats sample as link-stats and vendor-stats carry it.
in::LinkSample sample_of(Reader& r) {
  return in::LinkSample{r.number("rttMs"), r.number("jitterMs"), r.number("packetsReceived"), r.number("packetsLost"),
                        r.number("packetsSent"), r.number("bytesReceived"), r.number("bytesSent"), r.number("audioLevel"),
                        r.str("pair", false)};
}

// Every input, or (PageOnly) just those a page or a vendor adapter may send: the browser driver feeds
// the rest itself as values, so its build need not carry their parsers.
template <bool PageOnly>
Result<Input> parse_input(std::string_view text) {
  if (text.size() > 512 * 1024) return Failure{"input.malformed", "Input is larger than 512 KB."};
  json j = parse_json_text(text);
  if (j.is_discarded() || !j.is_object()) return Failure{"input.malformed", "Input is not a JSON object."};
  Reader r{j, {}};
  const std::string type = r.str("type");
  std::optional<Input> in;
  auto list = [&](const char* k) -> const json* {
    auto it = j.find(k);
    if (it != j.end() && it->is_array() && it->size() <= 256) return &*it;
    if (r.bad.empty()) r.bad = k;
    return nullptr;
  };
  if (type == "page-opened") in.emplace(in::PageOpened{r.str("url"), r.str("saved", false), r.str("device", false)});
#ifndef EARSHOT_SELFHOSTED_ONLY
  else if (type == "name-entered") in.emplace(in::NameEntered{r.str("name")});
#endif
  else if (type == "token-given") {
    in::TokenGiven t{r.str("room"), r.str("token"), r.str("userId", false), r.str("userName", false), r.str("signalingUrl")};
    if (auto ice = j.find("iceServers"); ice != j.end() && ice->is_array()) t.ice_servers = *ice;
    if (j.contains("ttl")) {  // seconds, at most a week (as an admission's ttl); checked before the conversion
      const double ttl = r.number("ttl");
      if (ttl >= 0 && ttl <= 7 * 86400) t.ttl = static_cast<Duration>(ttl * 1000);
      else if (r.bad.empty()) r.bad = "ttl";
    }
    in.emplace(t);
  }
  else if (type == "input-device-chosen") in.emplace(in::InputDeviceChosen{r.str("deviceId")});
  else if (type == "join-clicked") in.emplace(in::JoinClicked{j.contains("takeover") && r.boolean("takeover")});
  else if (type == "leave-clicked") in.emplace(in::LeaveClicked{});
  else if (type == "page-closing") in.emplace(in::PageClosing{});
  else if (type == "retry-clicked") in.emplace(in::RetryClicked{});
  else if (type == "mute-set") in.emplace(in::MuteSet{r.boolean("muted")});
#ifndef EARSHOT_SELFHOSTED_ONLY  // vendor adapters exist only on the pages of vendor profiles
  else if (type == "vendor-started") in.emplace(in::VendorStarted{});
  else if (type == "vendor-stopped") in.emplace(in::VendorStopped{r.str("code"), r.str("detail", false)});
  else if (type == "vendor-roster") {
    in::VendorRoster v;
    if (const json* items = list("attendees"))
      for (const auto& x : *items) {
        if (!x.is_object()) { r.bad = "attendees"; break; }
        Reader xr{x, {}};
        in::VendorAttendee a{xr.str("id"), xr.str("name", false), true, false};
        if (x.contains("present")) a.present = xr.boolean("present");
        if (x.contains("muted")) a.muted = xr.boolean("muted");
        if (!xr.bad.empty()) { r.bad = "attendees." + xr.bad; break; }
        v.attendees.push_back(std::move(a));
      }
    if (j.contains("listeners")) v.listeners = r.integer("listeners");
    in.emplace(std::move(v));
  }
  else if (type == "vendor-stats") {  // what a vendor SDK's RTCPeerConnection reports, once a second
    in::LinkStats v{r.id("peer"), sample_of(r)};
    v.participant = r.str("participant", false);
    v.vendor = true;
    in.emplace(std::move(v));
  }
  else if (type == "vendor-volumes") {
    in::VendorVolumes v;
    if (const json* items = list("volumes"))
      for (const auto& x : *items) {
        if (!x.is_object()) { r.bad = "volumes"; break; }
        Reader xr{x, {}};
        v.volumes.push_back({xr.str("id"), xr.number("level")});
        if (!xr.bad.empty()) { r.bad = "volumes." + xr.bad; break; }
      }
    in.emplace(std::move(v));
  }
#endif
  else if (PageOnly) {
    return Failure{"input.malformed", "Unknown input type '" + utf8_prefix(type, 64) + "'."};
  }
  else if (type == "mic-granted") in.emplace(in::MicGranted{r.str("deviceId"), r.str("label", false)});
  else if (type == "mic-failed") in.emplace(in::MicFailed{mic_error(r.str("error")), r.str("detail", false)});
  else if (type == "devices-changed") in.emplace(in::DevicesChanged{r.devices("inputs"), r.devices("outputs")});
  else if (type == "http-responded") in.emplace(in::HttpResponded{r.id("request"), r.integer("status"), r.str("body")});
  else if (type == "http-failed") in.emplace(in::HttpFailed{r.id("request"), r.str("reason", false)});
  else if (type == "link-opened") in.emplace(in::LinkOpened{r.id("link")});
  else if (type == "link-message") in.emplace(in::LinkMessage{r.id("link"), r.str("text")});
  else if (type == "link-closed") in.emplace(in::LinkClosed{r.id("link"), r.integer("code", false), r.str("reason", false)});
  else if (type == "local-description-ready") {
    // "type" is the discriminator; the SDP type may come as sdpType or description.type, or be left
    // out: the core knows whether it asked for an offer or an answer.
    std::string sdp_type = r.str("sdpType", false), sdp = r.str("sdp", false);
    if (auto d = j.find("description"); d != j.end() && d->is_object()) {
      Reader dr{*d, {}};
      sdp_type = dr.str("type", false);
      sdp = dr.str("sdp");
      if (!dr.bad.empty()) r.bad = "description." + dr.bad;
    } else if (sdp.empty() && r.bad.empty()) {
      r.bad = "sdp";
    }
    in.emplace(in::LocalDescriptionReady{r.id("peer"), r.id("generation"), sdp_type, sdp});
  }
  else if (type == "remote-description-applied") in.emplace(in::RemoteDescriptionApplied{r.id("peer"), r.id("generation")});
  else if (type == "negotiation-failed") in.emplace(in::NegotiationFailed{r.id("peer"), r.id("generation"), r.str("step", false), r.str("error", false)});
  else if (type == "local-candidate") {
    auto it = j.find("candidate");
    if (it == j.end() || !(it->is_object() || it->is_null())) r.bad = "candidate";
    else in.emplace(in::LocalCandidate{r.id("peer"), *it});
  } else if (type == "ice-candidate-error") in.emplace(in::IceCandidateError{r.id("peer"), r.integer("code"), r.str("url", false), r.str("text", false)});
  else if (type == "ice-gathering-complete") in.emplace(in::IceGatheringComplete{r.id("peer"), r.integer("candidates", false)});
  else if (type == "peer-state-changed") in.emplace(in::PeerStateChanged{r.id("peer"), r.str("state")});
  else if (type == "remote-audio-started") in.emplace(in::RemoteAudioStarted{r.id("peer")});
  else if (type == "audio-levels") {
    in::AudioLevels a{r.number("local"), {}};
    if (auto it = j.find("remote"); it != j.end()) {
      if (const json* items = list("remote"))
        for (const auto& x : *items) {
          Reader xr{x, {}};
          if (!x.is_object()) { r.bad = "remote"; break; }
          a.remote.push_back({xr.id("peer"), xr.number("level")});
          if (!xr.bad.empty()) { r.bad = "remote." + xr.bad; break; }
        }
    }
    in.emplace(std::move(a));
  }
  else if (type == "link-stats") in.emplace(in::LinkStats{r.id("peer"), sample_of(r)});
  else if (r.bad.empty()) return Failure{"input.malformed", "Unknown input type '" + utf8_prefix(type, 64) + "'."};
  if (!r.bad.empty()) return Failure{"input.malformed", "Input field '" + r.bad + "' is missing or has the wrong type."};
  return std::move(*in);
}
}  // namespace

Result<Input> input_from_json(std::string_view text) { return parse_input<false>(text); }
Result<Input> page_input_from_json(std::string_view text) { return parse_input<true>(text); }

json to_json(const Input& input) {
  struct V {
    json operator()(const in::PageOpened& e) { return {{"type", "page-opened"}, {"url", e.url}, {"saved", e.saved}, {"device", e.device}}; }
    json operator()(const in::NameEntered& e) { return {{"type", "name-entered"}, {"name", e.name}}; }
    json operator()(const in::TokenGiven& e) {
      return {{"type", "token-given"}, {"room", e.room}, {"token", e.token}, {"userId", e.user_id}, {"userName", e.user_name},
              {"signalingUrl", e.signaling_url}, {"iceServers", e.ice_servers}, {"ttl", static_cast<double>(e.ttl) / 1000}};
    }
    json operator()(const in::MicGranted& e) { return {{"type", "mic-granted"}, {"deviceId", e.device_id}, {"label", e.label}}; }
    json operator()(const in::MicFailed& e) { return {{"type", "mic-failed"}, {"error", std::string(mic_error_name(e.error))}, {"detail", e.detail}}; }
    json operator()(const in::DevicesChanged& e) { return {{"type", "devices-changed"}, {"inputs", devices_json(e.inputs)}, {"outputs", devices_json(e.outputs)}}; }
    json operator()(const in::InputDeviceChosen& e) { return {{"type", "input-device-chosen"}, {"deviceId", e.device_id}}; }
    json operator()(const in::JoinClicked& e) { return {{"type", "join-clicked"}, {"takeover", e.takeover}}; }
    json operator()(const in::LeaveClicked&) { return {{"type", "leave-clicked"}}; }
    json operator()(const in::PageClosing&) { return {{"type", "page-closing"}}; }
    json operator()(const in::MuteSet& e) { return {{"type", "mute-set"}, {"muted", e.muted}}; }
    json operator()(const in::RetryClicked&) { return {{"type", "retry-clicked"}}; }
    json operator()(const in::HttpResponded& e) { return {{"type", "http-responded"}, {"request", e.request}, {"status", e.status}, {"body", e.body}}; }
    json operator()(const in::HttpFailed& e) { return {{"type", "http-failed"}, {"request", e.request}, {"reason", e.reason}}; }
    json operator()(const in::LinkOpened& e) { return {{"type", "link-opened"}, {"link", e.link}}; }
    json operator()(const in::LinkMessage& e) { return {{"type", "link-message"}, {"link", e.link}, {"text", e.text}}; }
    json operator()(const in::LinkClosed& e) { return {{"type", "link-closed"}, {"link", e.link}, {"code", e.code}, {"reason", e.reason}}; }
    json operator()(const in::LocalDescriptionReady& e) { return {{"type", "local-description-ready"}, {"peer", e.peer}, {"generation", e.generation}, {"sdpType", e.type}, {"sdp", e.sdp}}; }
    json operator()(const in::RemoteDescriptionApplied& e) { return {{"type", "remote-description-applied"}, {"peer", e.peer}, {"generation", e.generation}}; }
    json operator()(const in::NegotiationFailed& e) { return {{"type", "negotiation-failed"}, {"peer", e.peer}, {"generation", e.generation}, {"step", e.step}, {"error", e.error}}; }
    json operator()(const in::LocalCandidate& e) { return {{"type", "local-candidate"}, {"peer", e.peer}, {"candidate", e.candidate}}; }
    json operator()(const in::IceCandidateError& e) { return {{"type", "ice-candidate-error"}, {"peer", e.peer}, {"code", e.code}, {"url", e.url}, {"text", e.text}}; }
    json operator()(const in::IceGatheringComplete& e) { return {{"type", "ice-gathering-complete"}, {"peer", e.peer}, {"candidates", e.candidates}}; }
    json operator()(const in::PeerStateChanged& e) { return {{"type", "peer-state-changed"}, {"peer", e.peer}, {"state", e.state}}; }
    json operator()(const in::RemoteAudioStarted& e) { return {{"type", "remote-audio-started"}, {"peer", e.peer}}; }
    json operator()(const in::AudioLevels& e) {
      json remote = json::array();
      for (const auto& x : e.remote) remote.push_back({{"peer", x.peer}, {"level", x.level}});
      return {{"type", "audio-levels"}, {"local", e.local}, {"remote", remote}};
    }
    json operator()(const in::VendorStarted&) { return {{"type", "vendor-started"}}; }
    json operator()(const in::VendorStopped& e) { return {{"type", "vendor-stopped"}, {"code", e.code}, {"detail", e.detail}}; }
    json operator()(const in::VendorRoster& e) {
      json a = json::array();
      for (const auto& x : e.attendees) a.push_back({{"id", x.id}, {"name", x.name}, {"present", x.present}, {"muted", x.muted}});
      json o{{"type", "vendor-roster"}, {"attendees", a}};
#ifndef EARSHOT_SELFHOSTED_ONLY
      if (e.listeners >= 0) o["listeners"] = e.listeners;
#endif
      return o;
    }
    json operator()(const in::VendorVolumes& e) {
      json a = json::array();
      for (const auto& x : e.volumes) a.push_back({{"id", x.id}, {"level", x.level}});
      return {{"type", "vendor-volumes"}, {"volumes", a}};
    }
    json operator()(const in::LinkStats& e) {
      const in::LinkSample& s = e.sample;
      json o{{"type", "link-stats"}, {"peer", e.peer}, {"rttMs", s.rtt_ms}, {"jitterMs", s.jitter_ms},
             {"packetsReceived", s.packets_received}, {"packetsLost", s.packets_lost}, {"packetsSent", s.packets_sent},
             {"bytesReceived", s.bytes_received}, {"bytesSent", s.bytes_sent}, {"audioLevel", s.audio_level},
             {"pair", s.pair}};
#ifndef EARSHOT_SELFHOSTED_ONLY
      if (e.vendor) {
        o["type"] = "vendor-stats";
        o["participant"] = e.participant;
      }
#endif
      return o;
    }
#ifndef EARSHOT_SELFHOSTED_ONLY
    json operator()(const in::PeerMessage& e) { return {{"type", "peer-message"}, {"peer", e.peer}, {"text", e.text}}; }
#endif
  };
  return std::visit(V{}, input);
}

json to_json(const Effect& effect) {
  struct V {
    json operator()(const fx::AcquireMic& e) { return {{"type", "acquire-mic"}, {"deviceId", e.device_id}}; }
    json operator()(const fx::ReleaseMic&) { return {{"type", "release-mic"}}; }
    json operator()(const fx::SetMicEnabled& e) { return {{"type", "set-mic-enabled"}, {"enabled", e.enabled}}; }
    json operator()(const fx::HttpRequest& e) {
      json h = json::object();
      for (const auto& [k, v] : e.spec.headers) h[k] = v;
      return {{"type", "http-request"}, {"id", e.id}, {"method", e.spec.method}, {"url", e.spec.url},
              {"headers", h}, {"body", e.spec.body}, {"timeout", e.timeout}};
    }
    json operator()(const fx::OpenLink& e) { return {{"type", "open-link"}, {"id", e.id}, {"url", e.url}, {"protocols", e.protocols}}; }
    json operator()(const fx::SendOnLink& e) { return {{"type", "send-on-link"}, {"id", e.id}, {"text", e.text}}; }
    json operator()(const fx::CloseLink& e) { return {{"type", "close-link"}, {"id", e.id}}; }
    json operator()(const fx::CreatePeer& e) { return {{"type", "create-peer"}, {"peer", e.peer}, {"participant", e.participant}, {"configuration", e.configuration}}; }
    json operator()(const fx::CreateOffer& e) { return {{"type", "create-offer"}, {"peer", e.peer}, {"generation", e.generation}, {"iceRestart", e.ice_restart}}; }
    json operator()(const fx::CreateAnswer& e) { return {{"type", "create-answer"}, {"peer", e.peer}, {"generation", e.generation}}; }
    json operator()(const fx::RollbackLocal& e) { return {{"type", "rollback-local"}, {"peer", e.peer}}; }
    json operator()(const fx::ApplyRemoteDescription& e) {
      return {{"type", "apply-remote-description"}, {"peer", e.peer}, {"generation", e.generation}, {"sdpType", e.type}, {"sdp", e.sdp},
              {"description", {{"type", e.type}, {"sdp", e.sdp}}}};
    }
    json operator()(const fx::AddRemoteCandidate& e) { return {{"type", "add-remote-candidate"}, {"peer", e.peer}, {"candidate", e.candidate}}; }
    json operator()(const fx::ClosePeer& e) { return {{"type", "close-peer"}, {"peer", e.peer}}; }
    json operator()(const fx::SetRelay& e) { return {{"type", "set-relay"}, {"peer", e.peer}, {"sources", e.sources}}; }
    json operator()(const fx::LoadVendor& e) { return {{"type", "load-vendor"}, {"vendor", e.vendor}}; }
    json operator()(const fx::StartVendor& e) { return {{"type", "start-vendor"}, {"vendor", e.vendor}, {"join", e.join}}; }
    json operator()(const fx::SetVendorMuted& e) { return {{"type", "set-vendor-muted"}, {"muted", e.muted}}; }
    json operator()(const fx::StopVendor&) { return {{"type", "stop-vendor"}}; }
    json operator()(const fx::StateChanged& e) {
      return {{"type", "state-changed"}, {"from", std::string(to_string(e.from))}, {"to", std::string(to_string(e.to))}};
    }
    json operator()(const fx::ShowFailure& e) {
      return {{"type", "show-failure"}, {"code", e.failure.code}, {"message", e.failure.message}, {"retryable", e.retryable}};
    }
    json operator()(const fx::Announce& e) { return {{"type", "announce"}, {"text", e.text}}; }
    json operator()(const fx::SaveSession& e) { return {{"type", "save-session"}, {"value", e.value}}; }
#ifndef EARSHOT_SELFHOSTED_ONLY
    json operator()(const fx::SendOnPeer& e) { return {{"type", "send-on-peer"}, {"peer", e.peer}, {"text", e.text}}; }
    json operator()(const fx::ReconfigurePeers& e) { return {{"type", "reconfigure-peers"}, {"configuration", e.configuration}}; }
#endif
  };
  return std::visit(V{}, effect);
}

std::string_view to_string(MicStatus m) {
  switch (m) {
    case MicStatus::Pending: return "pending";
    case MicStatus::Granted: return "granted";
    case MicStatus::Denied: return "denied";
    case MicStatus::Missing: return "missing";
    case MicStatus::Failed: return "failed";
  }
  return "pending";
}

std::string_view to_string(LinkStatus l) {
  switch (l) {
    case LinkStatus::Down: return "down";
    case LinkStatus::Opening: return "opening";
    case LinkStatus::Open: return "open";
    case LinkStatus::InRoom: return "in-room";
    case LinkStatus::Backoff: return "backoff";
  }
  return "down";
}

json to_json(const Failure& f) { return {{"code", f.code}, {"message", f.message}}; }

namespace {
bool is_origin(std::string_view o) {
  const bool https = o.rfind("https://", 0) == 0;
  if (!https) {  // plain http only for this machine (local development), host exact, port optional
    if (o.rfind("http://", 0) != 0) return false;
    std::string_view h = o.substr(7);
    const std::string_view name = h.substr(0, h.find(':'));
    if (name != "127.0.0.1" && name != "localhost") return false;
    const std::string_view port = h.substr(name.size());
    if (!port.empty() && (port.size() < 2 || port.size() > 6 ||
                          !std::all_of(port.begin() + 1, port.end(), [](char c) { return c >= '0' && c <= '9'; })))
      return false;
  }
  std::string_view host = o.substr(o.find("://") + 3);
  if (host.empty() || host.size() > 253) return false;
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']')) return false;
  return true;
}
}  // namespace

Result<RuntimeConfig> config_from_json(std::string_view text) {
  auto bad = [](std::string what) { return make_failure("config.malformed", {{"detail", ": " + std::move(what)}}); };
  if (text.size() > 64 * 1024) return bad("it is larger than 64 KB");
  json j = parse_json_text(text);
  if (j.is_discarded() || !j.is_object()) return bad("it is not a JSON object");
  RuntimeConfig c;
  Reader r{j, {}};
  if (j.contains("profile")) c.call.profile.name = r.str("profile");
  if (j.contains("apiBase")) c.call.profile.api_base = r.str("apiBase");
  if (j.contains("iceTransportPolicy")) c.call.ice_transport_policy = r.str("iceTransportPolicy");
  if (j.contains("topology")) c.call.profile.topology = r.str("topology");
  if (j.contains("roomSize")) c.call.profile.room_size = r.integer("roomSize");
  if (j.contains("utcOffsetMinutes")) {  // the page's time zone (minutes east of UTC), for times in sentences
    c.call.profile.utc_offset_min = r.integer("utcOffsetMinutes");
    if (c.call.profile.utc_offset_min < -16 * 60 || c.call.profile.utc_offset_min > 16 * 60) return bad("\"utcOffsetMinutes\" must be -960 to 960");
  }
  if (!r.bad.empty()) return bad("\"" + r.bad + "\" has the wrong type");
  if (c.call.ice_transport_policy != "all" && c.call.ice_transport_policy != "relay") return bad("\"iceTransportPolicy\" must be \"all\" or \"relay\"");
  if (c.call.profile.room_size < 2 || c.call.profile.room_size > 11) return bad("\"roomSize\" must be 2 to 11");
  const std::string& t = c.call.profile.topology;
  if (!t.empty() && t != "pair" && t != "mesh" && t != "star") return bad("\"topology\" must be pair, mesh or star");
  if (t == "pair" && c.call.profile.room_size > 2) return bad("\"topology\" pair holds two people, but \"roomSize\" is larger");
  if (c.call.profile.api_base.size() > 2048) return bad("\"apiBase\" is too long");
  if (auto o = j.find("embedOrigins"); o != j.end()) {
    if (!o->is_array()) return bad("\"embedOrigins\" must be an array of https:// origins");
    for (const auto& v : *o) {
      if (!v.is_string() || !is_origin(v.get<std::string>()))
        return bad("\"embedOrigins\" holds " + (v.is_string() ? "'" + utf8_prefix(v.get<std::string>(), 80) + "'" : std::string("a non-string")) +
                   ", which is not an exact https:// origin (\"*\" and \"null\" are refused)");
      c.embed_origins.push_back(v.get<std::string>());
    }
  }
  return c;
}

}  // namespace earshot::wire
