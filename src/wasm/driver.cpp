// The browser driver: performs every effect of earshot::Call with browser APIs and feeds the results
// back as inputs. Sections: [helpers] [lifecycle] [the loop] [effects] [events] [mic] [peer links]
// [hub relay] [signaling links] [http] [audio] [embedder helpers].
#include "driver.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>

#include <emscripten/emscripten.h>
#include <emscripten/html5.h>

#include "earshot/wire.hpp"
#include "earshot/json.hpp"
#include "json_browser.hpp"

namespace earshot::web {
using emscripten::val;
using nlohmann::json;

// ---- [SECTION] helpers ----------------------------------------------------------------------------
namespace {
template <class... Ts>
struct overloaded : Ts... { using Ts::operator()...; };
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

// Wall time for expiry and signing, monotonic time for timers (a clock change never fires one).
Clock now() { return Clock{static_cast<Instant>(emscripten_date_now()), static_cast<Instant>(emscripten_get_now())}; }

val js_json(const json& j) { return json_to_js(j); }

json to_json_value(const val& v) {
  if (v.isUndefined() || v.isNull()) return nullptr;
  val text = val::global("JSON").call<val>("stringify", v);
  if (!text.isString()) return nullptr;
  return parse_json_text(text.as<std::string>());
}

std::string text_of(const val& v) {
  if (v.isString()) return v.as<std::string>();
  if (v.isUndefined() || v.isNull()) return {};
  return val::global("String")(v).as<std::string>();
}

int int_of(const val& v, int fallback = 0) { return v.isNumber() ? v.as<int>() : fallback; }

// "NotAllowedError: Permission denied" for DOMExceptions and Errors, String(x) otherwise.
std::string describe(const val& error) {
  if (error.isUndefined() || error.isNull()) return "unknown error";
  val name = error["name"];
  val message = error["message"];
  if (name.isString() && message.isString()) return name.as<std::string>() + ": " + message.as<std::string>();
  return text_of(error);
}

std::string error_name(const val& error) {
  if (error.isUndefined() || error.isNull()) return {};
  val name = error["name"];
  return name.isString() ? name.as<std::string>() : std::string();
}

MicError mic_error_of(const std::string& name) {
  if (name == "NotAllowedError" || name == "SecurityError" || name == "PermissionDeniedError") return MicError::Denied;
  if (name == "NotFoundError" || name == "OverconstrainedError" || name == "DevicesNotFoundError") return MicError::NotFound;
  if (name == "NotReadableError" || name == "AbortError" || name == "TrackStartError") return MicError::InUse;
  return MicError::Other;
}

void stop_tracks(const val& stream) {
  if (stream.isUndefined() || stream.isNull()) return;
  val tracks = stream.call<val>("getTracks");
  const int n = tracks["length"].as<int>();
  for (int i = 0; i < n; ++i) tracks[i].call<void>("stop");
}

bool is_ui_effect(const Effect& e) {
  return std::holds_alternative<fx::StateChanged>(e) || std::holds_alternative<fx::ShowFailure>(e) ||
         std::holds_alternative<fx::Announce>(e);
}
#ifndef EARSHOT_SELFHOSTED_ONLY  // (the selfhosted page performs no vendor effect)
bool is_vendor_effect(const Effect& e) {
  return std::holds_alternative<fx::LoadVendor>(e) || std::holds_alternative<fx::StartVendor>(e) ||
         std::holds_alternative<fx::SetVendorMuted>(e) || std::holds_alternative<fx::StopVendor>(e);
}
#endif
bool is_function(const val& v) { return v.typeOf().as<std::string>() == "function"; }
// WebAudio wiring, written once (see Driver::quiet).
[[gnu::noinline]] void disconnect(const val& node) { node.call<void>("disconnect"); }
[[gnu::noinline]] void connect(const val& from, const val& to) { from.call<void>("connect", to); }
}  // namespace

// ---- [SECTION] lifecycle --------------------------------------------------------------------------
Driver::Driver(DriverOptions options, val hooks)
    : config_(options.config), call_(std::make_unique<Call>(options.config, now(), options.seed)), loop_(*call_),
      hooks_(std::move(hooks)) {
#ifndef EARSHOT_SELFHOSTED_ONLY
  vendor_hook_ = is_function(hooks_["onVendor"]);
#endif
  val media = val::global("navigator")["mediaDevices"];
  if (!media.isUndefined()) {
    devices_ = handles_.add(media, Kind::Devices);
    device_listener_ = bind(devices_, kDeviceChange);
    media.call<void>("addEventListener", std::string("devicechange"), device_listener_);
  }
  levels_ = handles_.add(val::null(), Kind::Interval);
  levels_js_ = val::global("setInterval")(bind(levels_, kLevels), 100);
  if (options.first) run(std::move(options.first));
  enumerate_devices();
}

Driver::~Driver() { shutdown(); }

void Driver::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  while (!links_.empty()) close_link(links_.back().first);
  while (!peers_.empty()) close_peer(peers_.back().id);
  release_mic();
#ifndef EARSHOT_SELFHOSTED_ONLY
  if (vendor_hook_) hooks_.call<void>("onVendor", std::string(R"({"type":"stop-vendor"})"));
#endif
  if (!timer_js_.isNull()) val::global("clearTimeout")(timer_js_);
  if (!levels_js_.isNull()) val::global("clearInterval")(levels_js_);
  timer_js_ = levels_js_ = val::null();
  if (Slot* s = handles_.find(devices_))
    s->object.call<void>("removeEventListener", std::string("devicechange"), device_listener_);
  if (!audio_context_.isNull()) quiet(audio_context_.call<val>("close"));
  audio_context_ = val::null();
  handles_ = HandleTable();
}

val Driver::bind(HandleTable::Id id, Event event) const { return hooks_.call<val>("bind", id, static_cast<int>(event)); }

// Each written once: embind's call templates otherwise expand in full at every place they are used.
[[gnu::noinline]] void Driver::quiet(const val& promise) const { promise.call<val>("catch", bind(0, kIgnore)); }
[[gnu::noinline]] void Driver::then(const val& promise, HandleTable::Id op, Event ok, Event err) const {
  promise.call<void>("then", bind(op, ok), bind(op, err));
}

Driver::PeerSlot* Driver::slot(PeerId id) {
  for (auto& s : peers_)
    if (s.id == id) return &s;
  return nullptr;
}

Driver::PeerSlot* Driver::slot_by_handle(HandleTable::Id h) {
  for (auto& s : peers_)
    if (s.handle == h) return &s;
  return nullptr;
}

val Driver::pc(const PeerSlot& s) const {
  if (Slot* h = const_cast<Driver*>(this)->handles_.find(s.handle)) return h->object;
  return val::null();
}

std::string Driver::snapshot_json() const { return json_text(wire::to_json(call_->snapshot())); }

// ---- [SECTION] the loop: DriverLoop drains every effect and re-arms the single timer ---------------
void Driver::feed(Input&& input) { run(std::optional<Input>(std::move(input))); }

void Driver::run(std::optional<Input> input) {
  if (stopped_) return;
  const bool outer = !loop_.busy();
  loop_.feed(std::move(input), [] { return now(); }, [this](const Effect& e) { if (!stopped_) perform(e); },
             [this](std::optional<Instant> at) { arm_timer(at); });
  if (outer && !stopped_) hooks_.call<void>("onUpdate", snapshot_json());
}

std::string Driver::send(const std::string& input_json) {
  Result<Input> input = wire::page_input_from_json(input_json);
  if (!input) return json_text(wire::to_json(input.failure()));
  feed(std::move(input).value());
  return {};
}

void Driver::arm_timer(std::optional<Instant> at) {
  if (stopped_) return;
  if (!timer_js_.isNull()) val::global("clearTimeout")(timer_js_);
  timer_js_ = val::null();
  handles_.release(timer_);
  timer_ = 0;
  if (!at) return;
  const double delay = std::clamp<double>(static_cast<double>(*at - now().mono), 0.0, 2147483647.0);
  timer_ = handles_.add(val::null(), Kind::Timer);
  timer_js_ = val::global("setTimeout")(bind(timer_, kTick), delay);
}

// ---- [SECTION] effects ----------------------------------------------------------------------------
// Only the effects a page or a vendor adapter sees cross as JSON (the shapes of wire::to_json); the
// rest the driver performs itself, so this build needs no encoder for them.
void Driver::publish(const char* hook, const Effect& effect) {
  json j = json::object();
  const char* type = nullptr;
  if (auto* e = std::get_if<fx::StateChanged>(&effect)) {
    type = "state-changed";
    j["from"] = to_string(e->from);
    j["to"] = to_string(e->to);
  } else if (auto* e = std::get_if<fx::ShowFailure>(&effect)) {
    type = "show-failure";
    j["code"] = e->failure.code;
    j["message"] = e->failure.message;
    j["retryable"] = e->retryable;
  } else if (auto* e = std::get_if<fx::Announce>(&effect)) {
    type = "announce";
    j["text"] = e->text;
#ifndef EARSHOT_SELFHOSTED_ONLY  // (the selfhosted core never asks for a vendor session)
  } else if (auto* e = std::get_if<fx::LoadVendor>(&effect)) {
    type = "load-vendor";
    j["vendor"] = e->vendor;
  } else if (auto* e = std::get_if<fx::StartVendor>(&effect)) {
    type = "start-vendor";
    j["vendor"] = e->vendor;
    j["join"] = e->join;
  } else if (auto* e = std::get_if<fx::SetVendorMuted>(&effect)) {
    type = "set-vendor-muted";
    j["muted"] = e->muted;
  } else if (std::holds_alternative<fx::StopVendor>(effect)) {
    type = "stop-vendor";
#endif
  } else {
    return;
  }
  j["type"] = type;
  hooks_.call<void>(hook, json_text(j));
}

void Driver::perform(const Effect& effect) {
  if (is_ui_effect(effect)) return publish("onEffect", effect);
#ifndef EARSHOT_SELFHOSTED_ONLY
  if (is_vendor_effect(effect)) {
    if (vendor_hook_) return publish("onVendor", effect);
    if (!std::holds_alternative<fx::LoadVendor>(effect) && !std::holds_alternative<fx::StopVendor>(effect))
      feed(Input{in::VendorStopped{"vendor.unavailable", "this page has no vendor adapter"}});
    return;
  }
#endif
  std::visit(overloaded{
                 [&](const fx::AcquireMic& e) { acquire_mic(e.device_id); },
                 [&](const fx::ReleaseMic&) { release_mic(); },
                 [&](const fx::SetMicEnabled& e) {
                   mic_enabled_ = e.enabled;
                   val track = mic_track();
                   if (!track.isNull()) track.set("enabled", e.enabled);
                 },
                 [&](const fx::HttpRequest& e) { http(e); },
                 [&](const fx::OpenLink& e) { open_link(e); },
                 [&](const fx::SendOnLink& e) {
                   for (auto& [link, handle] : links_) {
                     Slot* s = handles_.find(handle);
                     if (link == e.id && s && s->object["readyState"].as<int>() == 1) s->object.call<void>("send", e.text);
                   }
                 },
                 [&](const fx::CloseLink& e) { close_link(e.id); },
                 [&](const fx::CreatePeer& e) { create_peer(e); },
                 [&](const fx::CreateOffer& e) { negotiate(e.peer, true, e.generation, e.ice_restart); },
                 [&](const fx::CreateAnswer& e) { negotiate(e.peer, false, e.generation, false); },
                 [&](const fx::RollbackLocal& e) {
                   // Perfect negotiation: a local offer still being made is dropped when it completes
                   // (its generation is stale); one already set is rolled back here.
                   PeerSlot* s = slot(e.peer);
                   val p = s ? pc(*s) : val::null();
                   if (p.isNull() || text_of(p["signalingState"]) != "have-local-offer") return;
                   val rollback = val::object();
                   rollback.set("type", std::string("rollback"));
                   quiet(p.call<val>("setLocalDescription", rollback));
                 },
                 [&](const fx::ApplyRemoteDescription& e) { apply_remote(e); },
                 [&](const fx::AddRemoteCandidate& e) {
                   // Never on a closed (or replaced) peer connection: the handle must be live and open.
                   PeerSlot* s = slot(e.peer);
                   val p = s ? pc(*s) : val::null();
                   if (p.isNull() || text_of(p["signalingState"]) == "closed") return;
                   if (e.candidate.is_null() || !e.candidate.is_object()) return;  // end-of-candidates: nothing to add
                   quiet(p.call<val>("addIceCandidate", js_json(e.candidate)));
                 },
                 [&](const fx::ClosePeer& e) { close_peer(e.peer); },
                 [&](const fx::SetRelay& e) { set_relay(e); },
#ifndef EARSHOT_SELFHOSTED_ONLY
                 [&](const fx::SendOnPeer& e) {
                   PeerSlot* s = slot(e.peer);
                   if (s && !s->data.isNull() && text_of(s->data["readyState"]) == "open") s->data.call<void>("send", e.text);
                 },
#ifndef EARSHOT_WITHOUT_KVS  // (only the kvs profile renews credentials mid-call)
                 [&](const fx::ReconfigurePeers& e) { reconfigure_peers(e.configuration); },
#endif
#endif
                 [&](const fx::SaveSession& e) {
                   if (is_function(hooks_["save"])) hooks_.call<void>("save", e.value);
                 },
                 [&](const auto&) {},
             },
             effect);
}

void Driver::emit_driver_event(const char* type, const std::string& detail) {
  json j = json::object();
  j["type"] = std::string("driver:") + type;
  j["detail"] = detail;
  hooks_.call<void>("onEffect", json_text(j));
}

// ---- [SECTION] events: every JS callback lands here with its handle -------------------------------
void Driver::on_event(HandleTable::Id id, int event, val value) {
  Slot* slot_h = handles_.find(id);
  if (stopped_ || slot_h == nullptr) {
    handles_.release(id);  // its object (or the object it depended on) is gone: drop the callback
    return;
  }
  const std::uint64_t tag = slot_h->tag;
  const HandleTable::Id owner = slot_h->owner;
  switch (event) {
    case kTick:
      handles_.release(id);
      timer_ = 0;
      timer_js_ = val::null();
      run(std::nullopt);
      break;
    case kLevels:
      sample_levels();
      if (++level_ticks_ % 10 == 0) sample_stats();
      break;
    case kDeviceChange: enumerate_devices(); break;
    case kDevicesListed: {
      handles_.release(id);
      in::DevicesChanged changed;
      const int n = value["length"].as<int>();
      for (int i = 0; i < n; ++i) {
        val d = value[i];
        const std::string kind = text_of(d["kind"]);
        Device device{text_of(d["deviceId"]), text_of(d["label"])};
        if (device.id.empty()) continue;  // before permission Chromium lists anonymous entries
        if (kind == "audioinput") changed.inputs.push_back(device);
        else if (kind == "audiooutput") changed.outputs.push_back(device);
      }
      feed(Input{std::move(changed)});
      break;
    }
    case kMicOk:
      handles_.release(id);
      if (tag != mic_request_seq_) stop_tracks(value);  // superseded by a newer request or a release
      else adopt_mic(value);
      break;
    case kMicErr:
      handles_.release(id);
      if (tag == mic_request_seq_) feed(Input{in::MicFailed{mic_error_of(error_name(value)), describe(value)}});
      break;
    case kMicEnded:  // the device went away (unplugged): let the core see the new device list
      if (id == mic_) enumerate_devices();
      break;
    case kFetchOk:
      slot_h->number = int_of(value["status"]);
      then(value.call<val>("text"), id, kBodyOk, kFetchErr);
      break;
    case kBodyOk: {
      const int status = slot_h->number;
      handles_.release(id);
      feed(Input{in::HttpResponded{tag, status, text_of(value)}});
      break;
    }
    case kFetchErr: {
      handles_.release(id);
      const std::string name = error_name(value);
      const std::string reason = (name == "TimeoutError" ? "timeout: " : "network: ") + describe(value);
      feed(Input{in::HttpFailed{tag, reason}});
      break;
    }
    case kSocketOpen: feed(Input{in::LinkOpened{tag}}); break;
    case kSocketMessage:
      if (value["data"].isString()) feed(Input{in::LinkMessage{tag, value["data"].as<std::string>()}});
      break;
    case kSocketClose: {
      handles_.release(id);
      links_.erase(std::remove_if(links_.begin(), links_.end(), [&](auto& l) { return l.second == id; }), links_.end());
      feed(Input{in::LinkClosed{tag, int_of(value["code"], 1006), text_of(value["reason"])}});
      break;
    }
    default: break;
  }
  if (event < kDescriptionCreated) return;
  // Peer-link callbacks: the negotiation handles are owned by their peer's handle.
  PeerSlot* ps = slot_by_handle(owner ? owner : id);
  if (!ps) return;
  const PeerId peer = ps->id;
  switch (event) {
    case kDescriptionCreated:
      if (tag != ps->latest) {  // superseded (glare rollback, a newer negotiation): drop it
        handles_.release(id);
        return;
      }
      then(pc(*ps).call<val>("setLocalDescription", value), id, kLocalSet, kLocalSetErr);
      break;
    case kCreateErr:
      handles_.release(id);
      feed(Input{in::NegotiationFailed{peer, tag, slot_h->number == 1 ? "create-offer" : "create-answer", describe(value)}});
      break;
    case kLocalSet: {
      handles_.release(id);
      val local = pc(*ps)["localDescription"];
      feed(Input{in::LocalDescriptionReady{peer, tag, text_of(local["type"]), text_of(local["sdp"])}});
      break;
    }
    case kLocalSetErr:
      handles_.release(id);
      feed(Input{in::NegotiationFailed{peer, tag, "set-local-description", describe(value)}});
      break;
    case kRemoteSet:
      handles_.release(id);
      feed(Input{in::RemoteDescriptionApplied{peer, tag}});
      break;
    case kRemoteSetErr:
      handles_.release(id);
      feed(Input{in::NegotiationFailed{peer, tag, "set-remote-description", describe(value)}});
      break;
    case kIceCandidate: {
      val candidate = value["candidate"];
      if (candidate.isNull() || candidate.isUndefined()) {
        feed(Input{in::LocalCandidate{peer, nullptr}});
      } else {
        ++ps->gathered;
        feed(Input{in::LocalCandidate{peer, to_json_value(candidate.call<val>("toJSON"))}});
      }
      break;
    }
    case kIceCandidateError:
      feed(Input{in::IceCandidateError{peer, int_of(value["errorCode"]), text_of(value["url"]), text_of(value["errorText"])}});
      break;
    case kIceGatheringState: {
      const std::string state = text_of(slot_h->object["iceGatheringState"]);
      if (state == "gathering") ps->gathered = 0;
      if (state == "complete") feed(Input{in::IceGatheringComplete{peer, ps->gathered}});
      break;
    }
    case kConnectionState: feed(Input{in::PeerStateChanged{peer, text_of(slot_h->object["connectionState"])}}); break;
    case kTrack: {
      val streams = value["streams"];
      val stream = (!streams.isUndefined() && streams["length"].as<int>() > 0) ? streams[0] : val::undefined();
      if (stream.isUndefined()) {
        val tracks = val::array();
        tracks.call<void>("push", value["track"]);
        stream = val::global("MediaStream").new_(tracks);
      }
      attach_remote(*ps, stream);
      break;
    }
    case kStats:
      handles_.release(id);
      feed(Input{in::LinkStats{peer, read_stats(value)}});
      break;
#ifndef EARSHOT_SELFHOSTED_ONLY
    case kPeerMessage:
      if (value["data"].isString()) feed(Input{in::PeerMessage{peer, value["data"].as<std::string>()}});
      break;
    case kPeerDataOpen: ps->data_open = true; break;
    case kPeerDataClose:  // the other side closed its connection (left, closed the tab): said as a goodbye
      if (ps->data_open) feed(Input{in::PeerMessage{peer, R"({"bye":true})"}});
      ps->data_open = false;
      break;
#endif
    case kPlayOk:
    case kPlayErr:
      handles_.release(id);
      if (event == kPlayErr) emit_driver_event("autoplay-blocked", describe(value));
      else emit_driver_event("sound-playing");
      if (!ps->started) {
        ps->started = true;  // media arrives either way; a blocked autoplay only needs a click
        feed(Input{in::RemoteAudioStarted{peer}});
      }
      break;
    default: break;
  }
}

// ---- [SECTION] mic --------------------------------------------------------------------------------
void Driver::enumerate_devices() {
  val media = val::global("navigator")["mediaDevices"];
  if (media.isUndefined()) return;
  const HandleTable::Id op = handles_.add(val::null(), Kind::Devices);
  then(media.call<val>("enumerateDevices"), op, kDevicesListed, kIgnore);
}

void Driver::acquire_mic(const std::string& device_id) {
  const std::uint64_t seq = ++mic_request_seq_;
  val media = val::global("navigator")["mediaDevices"];
  if (media.isUndefined() || media["getUserMedia"].isUndefined()) {
    feed(Input{in::MicFailed{MicError::Other, "navigator.mediaDevices is unavailable (the page needs https or localhost)"}});
    return;
  }
  json constraints = json::object();
  json& audio = constraints["audio"];
  for (const char* k : {"echoCancellation", "noiseSuppression", "autoGainControl"}) audio[k] = true;
  if (!device_id.empty()) audio["deviceId"]["exact"] = device_id;
  const HandleTable::Id op = handles_.add(val::null(), Kind::MicRequest, seq);
  then(media.call<val>("getUserMedia", js_json(constraints)), op, kMicOk, kMicErr);
}

val Driver::mic_track() const {
  auto* self = const_cast<Driver*>(this);
  if (Slot* s = self->handles_.find(mic_)) return s->object.call<val>("getAudioTracks")[0];
  return val::null();
}

void Driver::adopt_mic(val stream) {
  val track = stream.call<val>("getAudioTracks")[0];
  if (track.isUndefined()) {
    stop_tracks(stream);
    feed(Input{in::MicFailed{MicError::NotFound, "the microphone stream has no audio track"}});
    return;
  }
  track.set("enabled", mic_enabled_);  // a device switch keeps the mute state
  val old_stream = val::null();
  if (Slot* s = handles_.find(mic_)) old_stream = s->object;
  handles_.release(mic_);
  mic_ = handles_.add(stream, Kind::Mic);
  track.call<void>("addEventListener", std::string("ended"), bind(mic_, kMicEnded));
  for (auto& s : peers_) {
    if (!s.relay.isNull()) continue;  // a relay link sends its mix, rebuilt below
    val p = pc(s);
    if (!s.sender.isNull()) quiet(s.sender.call<val>("replaceTrack", track));  // no renegotiation
    else if (!p.isNull() && text_of(p["signalingState"]) != "closed") s.sender = p.call<val>("addTrack", track, stream);
  }
  stop_tracks(old_stream);
  if (!mic_node_.isNull()) disconnect(mic_node_);  // the relays' mic node follows the new stream
  mic_node_ = val::null();

  ensure_audio_context();
  disconnect_local_meter();
  if (!audio_context_.isNull()) {
    // The meter listens to an always-enabled clone, so "speaking while muted" stays detectable.
    val tracks = val::array();
    tracks.call<void>("push", track.call<val>("clone"));
    local_meter_stream_ = val::global("MediaStream").new_(tracks);
    local_source_ = audio_context_.call<val>("createMediaStreamSource", local_meter_stream_);
    local_analyser_ = audio_context_.call<val>("createAnalyser");
    local_analyser_.set("fftSize", 1024);
    connect(local_source_, local_analyser_);
  }
  rewire_relays();
  val settings = track.call<val>("getSettings");
  feed(Input{in::MicGranted{text_of(settings["deviceId"]), text_of(track["label"])}});
  enumerate_devices();  // labels become visible once permission is granted
}

void Driver::release_mic() {
  ++mic_request_seq_;  // an answer still in flight is stopped on arrival
  if (Slot* s = handles_.find(mic_)) stop_tracks(s->object);
  handles_.release(mic_);
  mic_ = 0;
  for (auto& s : peers_)
    if (!s.sender.isNull() && s.relay.isNull()) quiet(s.sender.call<val>("replaceTrack", val::null()));
  disconnect_local_meter();
  if (!mic_node_.isNull()) disconnect(mic_node_);
  mic_node_ = val::null();
}

void Driver::disconnect_local_meter() {
  if (!local_source_.isNull()) disconnect(local_source_);
  stop_tracks(local_meter_stream_);
  local_source_ = local_analyser_ = local_meter_stream_ = val::null();
}

// ---- [SECTION] peer links -------------------------------------------------------------------------
void Driver::create_peer(const fx::CreatePeer& e) {
  close_peer(e.peer);
  val args = val::array();
  args.call<void>("push", js_json(e.configuration));
  val made = hooks_.call<val>("construct", val::global("RTCPeerConnection"), args);
  if (!made["e"].isUndefined()) {
    feed(Input{in::NegotiationFailed{e.peer, 0, "create-peer", describe(made["e"])}});
    return;
  }
  val p = made["v"];
  PeerSlot s;
  s.id = e.peer;
  s.handle = handles_.add(p, Kind::Peer, e.peer);
  p.set("onicecandidate", bind(s.handle, kIceCandidate));
  p.set("onicecandidateerror", bind(s.handle, kIceCandidateError));
  p.set("onicegatheringstatechange", bind(s.handle, kIceGatheringState));
  p.set("onconnectionstatechange", bind(s.handle, kConnectionState));
  p.set("ontrack", bind(s.handle, kTrack));
#ifndef EARSHOT_SELFHOSTED_ONLY
  // The vendor builds' peer links (kvs) carry a data channel for the master's voice roster: negotiated
  // (both sides make it before the offer, so no signaling of its own), id 0.
  val init = val::object();
  init.set("negotiated", true);
  init.set("id", 0);
  s.data = p.call<val>("createDataChannel", std::string("earshot"), init);
  s.data.set("onmessage", bind(s.handle, kPeerMessage));
  s.data.set("onopen", bind(s.handle, kPeerDataOpen));
  s.data.set("onclose", bind(s.handle, kPeerDataClose));
#endif
  if (Slot* m = handles_.find(mic_)) {
    val stream = m->object;
    s.sender = p.call<val>("addTrack", stream.call<val>("getAudioTracks")[0], stream);
  } else {
    // No mic (yet): still negotiate a sendrecv audio m-line so a track can be added without renegotiating.
    val init = val::object();
    init.set("direction", std::string("sendrecv"));
    s.sender = p.call<val>("addTransceiver", std::string("audio"), init)["sender"];
  }
  peers_.push_back(std::move(s));
}

#if !defined(EARSHOT_SELFHOSTED_ONLY) && !defined(EARSHOT_WITHOUT_KVS)
// setConfiguration throws on a closed connection or a change it refuses: called from a promise's
// then(), its exception is a rejection (ignored) rather than an abort of the wasm.
void Driver::reconfigure_peers(const json& configuration) {
  for (PeerSlot& s : peers_) {
    val p = pc(s);
    if (p.isNull() || text_of(p["signalingState"]) == "closed") continue;
    val set = p["setConfiguration"].call<val>("bind", p, js_json(configuration));
    quiet(val::global("Promise").call<val>("resolve").call<val>("then", set));
  }
}
#endif

void Driver::close_peer(PeerId id) {
  PeerSlot* s = slot(id);
  if (!s) return;
  val p = pc(*s);
  if (!p.isNull()) {
    for (const char* handler : {"onicecandidate", "onicecandidateerror", "onicegatheringstatechange", "onconnectionstatechange", "ontrack"})
      p.set(handler, val::null());
#ifndef EARSHOT_SELFHOSTED_ONLY
    if (!s->data.isNull())
      for (const char* handler : {"onmessage", "onopen", "onclose"}) s->data.set(handler, val::null());
#endif
    if (text_of(p["signalingState"]) != "closed") p.call<void>("close");
  }
  handles_.release(s->handle);  // in-flight negotiations owned by it now find a stale owner
  if (!s->audio.isNull()) {
    s->audio.call<void>("pause");
    s->audio.set("srcObject", val::null());
  }
  if (!s->source.isNull()) disconnect(s->source);
  if (!s->relay.isNull()) disconnect(s->relay);
  peers_.erase(peers_.begin() + (s - peers_.data()));
  rewire_relays();  // the others stop mixing this link's audio
}

void Driver::negotiate(PeerId id, bool offer, std::uint64_t generation, bool ice_restart) {
  PeerSlot* s = slot(id);
  val p = s ? pc(*s) : val::null();
  if (p.isNull()) {
    feed(Input{in::NegotiationFailed{id, generation, offer ? "create-offer" : "create-answer", "no peer connection"}});
    return;
  }
  s->latest = generation;
  const HandleTable::Id op = handles_.add(val::null(), Kind::Negotiation, generation, s->handle);
  handles_.find(op)->number = offer ? 1 : 0;
  val promise = val::undefined();
  if (offer) {
    val options = val::object();
    if (ice_restart) options.set("iceRestart", true);
    promise = p.call<val>("createOffer", options);
  } else {
    promise = p.call<val>("createAnswer");
  }
  then(promise, op, kDescriptionCreated, kCreateErr);
}

void Driver::apply_remote(const fx::ApplyRemoteDescription& e) {
  PeerSlot* s = slot(e.peer);
  val p = s ? pc(*s) : val::null();
  if (p.isNull()) {
    feed(Input{in::NegotiationFailed{e.peer, e.generation, "set-remote-description", "no peer connection"}});
    return;
  }
  s->latest = e.generation;
  const HandleTable::Id op = handles_.add(val::null(), Kind::Negotiation, e.generation, s->handle);
  val description = val::object();
  description.set("type", e.type);
  description.set("sdp", e.sdp);
  then(p.call<val>("setRemoteDescription", description), op, kRemoteSet, kRemoteSetErr);
}

// ---- [SECTION] hub relay: each link sends the mic mixed with the other links' audio (mix-minus) ---
void Driver::set_relay(const fx::SetRelay& e) {
  PeerSlot* s = slot(e.peer);
  if (!s) return;
  s->relay_sources = e.sources;
  ensure_audio_context();
  if (audio_context_.isNull()) return;
  if (s->relay.isNull()) s->relay = audio_context_.call<val>("createMediaStreamDestination");
  rewire_relays();
}

// Rebuilds who feeds whom. The mic's node lives as long as the mic stream does: making a new one on
// every change would leave a gap in what each spoke hears of the hub while it starts.
void Driver::rewire_relays() {
  if (audio_context_.isNull()) return;
  if (!mic_node_.isNull()) disconnect(mic_node_);
  if (mic_node_.isNull())
    if (Slot* m = handles_.find(mic_)) mic_node_ = audio_context_.call<val>("createMediaStreamSource", m->object);
  for (auto& s : peers_)
    if (!s.source.isNull()) disconnect(s.source);
  for (auto& s : peers_) {
    if (!s.source.isNull() && !s.analyser.isNull()) connect(s.source, s.analyser);
  }
  for (auto& s : peers_) {
    if (s.relay.isNull()) continue;
    if (!mic_node_.isNull()) connect(mic_node_, s.relay);
    for (PeerId src : s.relay_sources) {
      PeerSlot* o = slot(src);
      if (o && o != &s && !o->source.isNull()) connect(o->source, s.relay);
    }
    val track = s.relay["stream"].call<val>("getAudioTracks")[0];
    if (!s.sender.isNull() && !track.isUndefined()) quiet(s.sender.call<val>("replaceTrack", track));
  }
}

// ---- [SECTION] signaling links (WebSocket) --------------------------------------------------------
void Driver::open_link(const fx::OpenLink& e) {
  val args = val::array();
  args.call<void>("push", e.url);
  if (!e.protocols.empty()) {
    val protocols = val::array();
    for (const auto& p : e.protocols) protocols.call<void>("push", p);
    args.call<void>("push", protocols);
  }
  val made = hooks_.call<val>("construct", val::global("WebSocket"), args);
  if (!made["e"].isUndefined()) {
    feed(Input{in::LinkClosed{e.id, 1006, describe(made["e"])}});
    return;
  }
  val ws = made["v"];
  const HandleTable::Id h = handles_.add(ws, Kind::Socket, e.id);
  links_.emplace_back(e.id, h);
  ws.set("onopen", bind(h, kSocketOpen));
  ws.set("onmessage", bind(h, kSocketMessage));
  ws.set("onclose", bind(h, kSocketClose));
}

void Driver::close_link(LinkId id) {
  for (auto it = links_.begin(); it != links_.end(); ++it) {
    if (it->first != id) continue;
    if (Slot* s = handles_.find(it->second)) {
      val ws = s->object;
      for (const char* handler : {"onopen", "onmessage", "onclose"}) ws.set(handler, val::null());
      ws.call<void>("close", 1000);
    }
    handles_.release(it->second);
    links_.erase(it);
    return;
  }
}

// ---- [SECTION] http (fetch) -----------------------------------------------------------------------
void Driver::http(const fx::HttpRequest& request) {
  val init = val::object();
  init.set("method", request.spec.method);
  val headers = val::object();
  for (const auto& [k, v] : request.spec.headers) headers.set(k, v);
  init.set("headers", headers);
  if (!request.spec.body.empty()) init.set("body", request.spec.body);
  init.set("cache", std::string("no-store"));
  val abort_signal = val::global("AbortSignal");
  if (!abort_signal.isUndefined() && !abort_signal["timeout"].isUndefined() && request.timeout > 0)
    init.set("signal", abort_signal.call<val>("timeout", static_cast<double>(request.timeout)));
  const HandleTable::Id op = handles_.add(val::null(), Kind::Fetch, request.id);
  then(val::global("fetch")(request.spec.url, init), op, kFetchOk, kFetchErr);
}

// ---- [SECTION] audio: levels, remote playback, autoplay ------------------------------------------
void Driver::ensure_audio_context() {
  if (!audio_context_.isNull()) return;
  val ctor = val::global("AudioContext");
  if (ctor.isUndefined()) ctor = val::global("webkitAudioContext");
  if (ctor.isUndefined()) return;
  audio_context_ = ctor.new_();
  quiet(audio_context_.call<val>("resume"));
}

void Driver::attach_remote(PeerSlot& s, val stream) {
  // Chromium only decodes remote audio that is attached to a playing element: one per link.
  if (s.audio.isNull()) {
    s.audio = val::global("document").call<val>("createElement", std::string("audio"));
    s.audio.set("autoplay", true);
    if (!sink_id_.empty() && !s.audio["setSinkId"].isUndefined())
      quiet(s.audio.call<val>("setSinkId", sink_id_));
  }
  s.audio.set("srcObject", stream);
  s.stream = stream;
  ensure_audio_context();
  if (!s.source.isNull()) disconnect(s.source);
  s.source = s.analyser = val::null();
  if (!audio_context_.isNull() && stream.call<val>("getAudioTracks")["length"].as<int>() > 0) {
    s.source = audio_context_.call<val>("createMediaStreamSource", stream);
    s.analyser = audio_context_.call<val>("createAnalyser");
    s.analyser.set("fftSize", 1024);
    connect(s.source, s.analyser);
  }
  rewire_relays();
  play(s);
}

void Driver::play(PeerSlot& s) {
  if (s.audio.isNull() || s.audio["srcObject"].isNull()) return;
  const HandleTable::Id op = handles_.add(val::null(), Kind::Play, 0, s.handle);
  val played = s.audio.call<val>("play");
  if (played.isUndefined()) {  // very old browsers return nothing
    on_event(op, kPlayOk, val::undefined());
    return;
  }
  then(played, op, kPlayOk, kPlayErr);
}

void Driver::resume_audio() {
  if (!audio_context_.isNull()) quiet(audio_context_.call<val>("resume"));
  for (auto& s : peers_) play(s);
}

void Driver::sample_levels() {
  auto rms = [this](const val& analyser) -> double {
    if (analyser.isNull()) return 0.0;
    const std::size_t n = analyser["fftSize"].as<std::size_t>();
    samples_.resize(n);
    // The analyser writes straight into wasm memory: no copy through JS arrays.
    analyser.call<void>("getFloatTimeDomainData", val(emscripten::typed_memory_view(n, samples_.data())));
    double sum = 0;
    for (float v : samples_) sum += static_cast<double>(v) * v;
    return n ? std::sqrt(sum / static_cast<double>(n)) : 0.0;
  };
  if (local_analyser_.isNull() && peers_.empty()) return;
  in::AudioLevels levels{rms(local_analyser_), {}};
  for (auto& s : peers_)
    if (!s.analyser.isNull()) levels.remote.push_back({s.id, rms(s.analyser)});
  feed(Input{std::move(levels)});
}

// getStats: the selected candidate pair (its RTT and both candidates' type and protocol) and the audio
// RTP counters, as the core's LinkSample. Figures the browser did not report stay negative / zero.
// One audio track per link: jitter and level are its inbound stream's.
void Driver::sample_stats() {
  for (auto& s : peers_) {
    val p = pc(s);
    if (p.isNull()) continue;  // (a closed one rejects: ignored)
    const HandleTable::Id op = handles_.add(val::null(), Kind::Negotiation, 0, s.handle);
    then(p.call<val>("getStats"), op, kStats, kIgnore);
  }
}

in::LinkSample Driver::read_stats(const val& report) const {
  auto num = [](const val& o, const char* k, double scale = 1, double fallback = 0) {
    val v = o[k];
    return v.isNumber() ? v.as<double>() * scale : fallback;
  };
  auto candidate = [&](const val& pair, const char* k) {
    val c = report.call<val>("get", pair[k]);
    return c.isUndefined() ? std::string() : text_of(c["candidateType"]) + " " + text_of(c["protocol"]);
  };
  in::LinkSample x;
  val pair = val::undefined();
  val all = val::global("Array").call<val>("from", report.call<val>("values"));
  const int n = all["length"].as<int>();
  for (int i = 0; i < n; ++i) {
    val st = all[i];
    const std::string type = text_of(st["type"]);
    if (type == "transport" && st["selectedCandidatePairId"].isString()) pair = report.call<val>("get", st["selectedCandidatePairId"]);
    else if (type == "candidate-pair" && pair.isUndefined() && st["nominated"].isTrue() && text_of(st["state"]) == "succeeded") pair = st;
    else if (text_of(st["kind"]) != "audio") continue;
    else if (type == "inbound-rtp") {
      x.packets_received += num(st, "packetsReceived");
      x.packets_lost += num(st, "packetsLost");
      x.bytes_received += num(st, "bytesReceived");
      x.jitter_ms = num(st, "jitter", 1000, -1);
      x.audio_level = num(st, "audioLevel", 1, -1);
    } else if (type == "outbound-rtp") {
      x.packets_sent += num(st, "packetsSent");
      x.bytes_sent += num(st, "bytesSent");
    }
  }
  if (!pair.isUndefined()) {
    x.rtt_ms = num(pair, "currentRoundTripTime", 1000, x.rtt_ms);
    x.pair = candidate(pair, "localCandidateId") + " \u2192 " + candidate(pair, "remoteCandidateId");
  }
  return x;
}

#ifndef EARSHOT_SELFHOSTED_ONLY
void Driver::vendor_stats(int peer, const std::string& participant, const val& report) {
  if (report.isUndefined() || report.isNull() || report["get"].isUndefined()) return;  // not an RTCStatsReport
  feed(Input{in::LinkStats{static_cast<PeerId>(peer), read_stats(report), participant, true}});
}
#endif

// ---- [SECTION] embedder helpers -------------------------------------------------------------------
val Driver::mic_stream() const {
  auto* self = const_cast<Driver*>(this);
  if (Slot* s = self->handles_.find(mic_)) return s->object;
  return val::null();
}

val Driver::peers() const {
  val out = val::array();
  for (const auto& s : peers_) {
    val p = pc(s);
    if (p.isNull()) continue;
    val item = val::object();
    item.set("link", static_cast<double>(s.id));
    item.set("pc", p);
    out.call<void>("push", item);
  }
  return out;
}

val Driver::set_output(const std::string& device_id) {
  sink_id_ = device_id;
  val all = val::array();
  for (auto& s : peers_)
    if (!s.audio.isNull() && !s.audio["setSinkId"].isUndefined()) all.call<void>("push", s.audio.call<val>("setSinkId", device_id));
  return val::global("Promise").call<val>("all", all);
}

}  // namespace earshot::web
