// The browser driver: performs every effect of earshot::Call with browser APIs and feeds the results
// back as inputs. Sections: [helpers] [lifecycle] [the loop] [effects] [events] [mic] [peer]
// [signaling link] [http] [audio] [embedder helpers].
#include "driver.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>

#include <emscripten/html5.h>

#include "earshot/wire.hpp"

namespace earshot::web {
using emscripten::val;
using nlohmann::json;

// ---- [SECTION] helpers ----------------------------------------------------------------------------
namespace {
template <class... Ts>
struct overloaded : Ts... { using Ts::operator()...; };
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

Instant now() { return static_cast<Instant>(emscripten_date_now()); }

val js_json(const json& j) { return val::global("JSON").call<val>("parse", j.dump()); }

json to_json_value(const val& v) {
  if (v.isUndefined() || v.isNull()) return nullptr;
  val text = val::global("JSON").call<val>("stringify", v);
  if (!text.isString()) return nullptr;
  return json::parse(text.as<std::string>(), nullptr, false);
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
}  // namespace

// ---- [SECTION] lifecycle --------------------------------------------------------------------------
Driver::Driver(DriverOptions options, val hooks)
    : config_(options.config), call_(std::make_unique<Call>(options.config, now(), options.seed)), hooks_(std::move(hooks)) {
  audio_ = hooks_["audio"];
  if (audio_.isUndefined() || audio_.isNull()) audio_ = val::global("document").call<val>("createElement", std::string("audio"));
  audio_.set("autoplay", true);
  trace_ = hooks_["onTrace"].typeOf().as<std::string>() == "function";

  val media = val::global("navigator")["mediaDevices"];
  if (!media.isUndefined()) {
    devices_ = handles_.add(media, Kind::Devices);
    device_listener_ = bind(devices_, kDeviceChange);
    media.call<void>("addEventListener", std::string("devicechange"), device_listener_);
  }
  levels_ = handles_.add(val::null(), Kind::Interval);
  levels_js_ = val::global("setInterval")(bind(levels_, kLevels), 100);

  feed(Input{in::PageOpened{options.url, options.saved}});
  enumerate_devices();
}

Driver::~Driver() { shutdown(); }

void Driver::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  while (!links_.empty()) close_link(links_.back().first);
  close_peer();
  release_mic();
  if (!timer_js_.isNull()) val::global("clearTimeout")(timer_js_);
  if (!levels_js_.isNull()) val::global("clearInterval")(levels_js_);
  timer_js_ = levels_js_ = val::null();
  if (Slot* s = handles_.find(devices_))
    s->object.call<void>("removeEventListener", std::string("devicechange"), device_listener_);
  if (!audio_context_.isNull()) audio_context_.call<val>("close").call<val>("catch", bind(0, kIgnore));
  audio_context_ = val::null();
  handles_ = HandleTable();
}

val Driver::bind(HandleTable::Id id, Event event) const { return hooks_.call<val>("bind", id, static_cast<int>(event)); }

val Driver::peer() const {
  auto* self = const_cast<Driver*>(this);
  if (Slot* s = self->handles_.find(peer_)) return s->object;
  return val::null();
}

std::string Driver::snapshot_json() const { return wire::to_json(call_->snapshot()).dump(); }

// ---- [SECTION] the loop: handle, drain every effect, re-arm the single timer, publish --------------
void Driver::feed(std::optional<Input> input) {
  if (stopped_) return;
  pending_.push_back(std::move(input));
  if (busy_) return;  // an effect fed a result synchronously: handled after the current drain
  busy_ = true;
  while (!pending_.empty() && !stopped_) {
    std::optional<Input> next = std::move(pending_.front());
    pending_.pop_front();
    if (next) call_->handle(*next, now());
    else call_->handle_timeout(now());
    while (auto effect = call_->poll_effect()) perform(*effect);
  }
  busy_ = false;
  if (stopped_) return;
  arm_timer();
  hooks_.call<void>("onUpdate", snapshot_json());
}

std::string Driver::send(const std::string& input_json) {
  Result<Input> input = wire::input_from_json(input_json);
  if (!input) return wire::to_json(input.failure()).dump();
  feed(std::move(input).value());
  return {};
}

void Driver::arm_timer() {
  if (!timer_js_.isNull()) val::global("clearTimeout")(timer_js_);
  timer_js_ = val::null();
  handles_.release(timer_);
  timer_ = 0;
  if (auto at = call_->poll_timeout()) {
    const double delay = std::clamp<double>(static_cast<double>(*at - now()), 0.0, 2147483647.0);
    timer_ = handles_.add(val::null(), Kind::Timer);
    timer_js_ = val::global("setTimeout")(bind(timer_, kTick), delay);
  }
}

// ---- [SECTION] effects ----------------------------------------------------------------------------
void Driver::perform(const Effect& effect) {
  if (trace_) hooks_.call<void>("onTrace", wire::to_json(effect).dump());
  if (is_ui_effect(effect)) {
    publish_effect(effect);
    return;
  }
  std::visit(overloaded{
                 [&](const fx::AcquireMic& e) { acquire_mic(e.device_id); },
                 [&](const fx::ReleaseMic&) { release_mic(); },
                 [&](const fx::SetMicEnabled& e) {
                   mic_enabled_ = e.enabled;
                   if (Slot* s = handles_.find(mic_)) {
                     val tracks = s->object.call<val>("getAudioTracks");
                     for (int i = 0, n = tracks["length"].as<int>(); i < n; ++i) tracks[i].set("enabled", e.enabled);
                   }
                 },
                 [&](const fx::HttpRequest& e) { http(e); },
                 [&](const fx::OpenLink& e) { open_link(e.id, e.url); },
                 [&](const fx::SendOnLink& e) {
                   for (auto& [link, handle] : links_) {
                     Slot* s = handles_.find(handle);
                     if (link == e.id && s && s->object["readyState"].as<int>() == 1)
                       s->object.call<void>("send", e.text);
                   }
                 },
                 [&](const fx::CloseLink& e) { close_link(e.id); },
                 [&](const fx::CreatePeer& e) { create_peer(e.configuration); },
                 [&](const fx::CreateOffer& e) { negotiate(true, e.generation, e.ice_restart); },
                 [&](const fx::CreateAnswer& e) { negotiate(false, e.generation, false); },
                 [&](const fx::RollbackLocal&) {
                   val pc = peer();
                   if (pc.isNull() || pc["signalingState"].as<std::string>() != "have-local-offer") return;
                   val rollback = val::object();
                   rollback.set("type", std::string("rollback"));
                   pc.call<val>("setLocalDescription", rollback).call<val>("catch", bind(0, kIgnore));
                 },
                 [&](const fx::ApplyRemoteDescription& e) {
                   val pc = peer();
                   if (pc.isNull()) {
                     feed(Input{in::NegotiationFailed{e.generation, "set-remote-description", "no peer connection"}});
                     return;
                   }
                   const HandleTable::Id op = handles_.add(val::null(), Kind::Negotiation, e.generation, peer_);
                   val description = val::object();
                   description.set("type", e.type);
                   description.set("sdp", e.sdp);
                   pc.call<val>("setRemoteDescription", description)
                       .call<void>("then", bind(op, kRemoteSet), bind(op, kRemoteSetErr));
                 },
                 [&](const fx::AddRemoteCandidate& e) {
                   // Never on a closed (or replaced) peer connection: the handle must be live and open.
                   val pc = peer();
                   if (pc.isNull() || pc["signalingState"].as<std::string>() == "closed") return;
                   if (e.candidate.is_null() || !e.candidate.is_object()) return;  // end-of-candidates: nothing to add
                   pc.call<val>("addIceCandidate", js_json(e.candidate)).call<val>("catch", bind(0, kIgnore));
                 },
                 [&](const fx::ClosePeer&) { close_peer(); },
                 [&](const fx::SaveSession& e) {
                   if (hooks_["save"].typeOf().as<std::string>() == "function") hooks_.call<void>("save", e.value);
                 },
                 [&](const auto&) {},
             },
             effect);
}

void Driver::publish_effect(const Effect& effect) { hooks_.call<void>("onEffect", wire::to_json(effect).dump()); }

void Driver::emit_driver_event(const char* type, const std::string& detail) {
  json j = {{"type", std::string("driver:") + type}, {"detail", detail}};
  hooks_.call<void>("onEffect", j.dump());
}

// ---- [SECTION] events: every JS callback lands here with its handle -------------------------------
void Driver::on_event(HandleTable::Id id, int event, val value) {
  Slot* slot = handles_.find(id);
  if (stopped_ || slot == nullptr) {
    handles_.release(id);  // its object (or the object it depended on) is gone: drop the callback
    return;
  }
  const std::uint64_t tag = slot->tag;
  switch (event) {
    case kTick:
      handles_.release(id);
      timer_ = 0;
      timer_js_ = val::null();
      feed(std::nullopt);
      break;
    case kLevels: sample_levels(); break;
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
      slot->number = int_of(value["status"]);
      value.call<val>("text").call<void>("then", bind(id, kBodyOk), bind(id, kFetchErr));
      break;
    case kBodyOk: {
      const int status = slot->number;
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
    case kDescriptionCreated:
      peer().call<val>("setLocalDescription", value).call<void>("then", bind(id, kLocalSet), bind(id, kLocalSetErr));
      break;
    case kCreateErr:
      handles_.release(id);
      feed(Input{in::NegotiationFailed{tag, slot->number == 1 ? "create-offer" : "create-answer", describe(value)}});
      break;
    case kLocalSet: {
      handles_.release(id);
      val local = peer()["localDescription"];
      feed(Input{in::LocalDescriptionReady{tag, text_of(local["type"]), text_of(local["sdp"])}});
      break;
    }
    case kLocalSetErr:
      handles_.release(id);
      feed(Input{in::NegotiationFailed{tag, "set-local-description", describe(value)}});
      break;
    case kRemoteSet:
      handles_.release(id);
      feed(Input{in::RemoteDescriptionApplied{tag}});
      break;
    case kRemoteSetErr:
      handles_.release(id);
      feed(Input{in::NegotiationFailed{tag, "set-remote-description", describe(value)}});
      break;
    case kIceCandidate: {
      val candidate = value["candidate"];
      if (candidate.isNull() || candidate.isUndefined()) {
        feed(Input{in::LocalCandidate{nullptr}});
      } else {
        ++gathered_;
        feed(Input{in::LocalCandidate{to_json_value(candidate.call<val>("toJSON"))}});
      }
      break;
    }
    case kIceCandidateError:
      feed(Input{in::IceCandidateError{int_of(value["errorCode"]), text_of(value["url"]), text_of(value["errorText"])}});
      break;
    case kIceGatheringState: {
      const std::string state = text_of(slot->object["iceGatheringState"]);
      if (state == "gathering") gathered_ = 0;
      if (state == "complete") feed(Input{in::IceGatheringComplete{gathered_}});
      break;
    }
    case kConnectionState: feed(Input{in::PeerStateChanged{text_of(slot->object["connectionState"])}}); break;
    case kTrack: {
      val streams = value["streams"];
      val stream = (!streams.isUndefined() && streams["length"].as<int>() > 0) ? streams[0] : val::undefined();
      if (stream.isUndefined()) {
        val tracks = val::array();
        tracks.call<void>("push", value["track"]);
        stream = val::global("MediaStream").new_(tracks);
      }
      attach_remote(stream);
      break;
    }
    case kPlayOk:
    case kPlayErr:
      handles_.release(id);
      if (event == kPlayErr) emit_driver_event("autoplay-blocked", describe(value));
      else emit_driver_event("sound-playing");
      if (!remote_started_) {
        remote_started_ = true;  // media arrives either way; a blocked autoplay only needs a click
        feed(Input{in::RemoteAudioStarted{}});
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
  media.call<val>("enumerateDevices").call<void>("then", bind(op, kDevicesListed), bind(op, kIgnore));
}

void Driver::acquire_mic(const std::string& device_id) {
  const std::uint64_t seq = ++mic_request_seq_;
  val media = val::global("navigator")["mediaDevices"];
  if (media.isUndefined() || media["getUserMedia"].isUndefined()) {
    feed(Input{in::MicFailed{MicError::Other, "navigator.mediaDevices is unavailable (the page needs https or localhost)"}});
    return;
  }
  json audio = {{"echoCancellation", true}, {"noiseSuppression", true}, {"autoGainControl", true}};
  if (!device_id.empty()) audio["deviceId"] = {{"exact", device_id}};
  const HandleTable::Id op = handles_.add(val::null(), Kind::MicRequest, seq);
  media.call<val>("getUserMedia", js_json(json{{"audio", audio}})).call<void>("then", bind(op, kMicOk), bind(op, kMicErr));
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

  val pc = peer();
  if (!sender_.isNull()) {
    sender_.call<val>("replaceTrack", track).call<val>("catch", bind(0, kIgnore));  // no renegotiation needed
  } else if (!pc.isNull() && pc["signalingState"].as<std::string>() != "closed") {
    sender_ = pc.call<val>("addTrack", track, stream);
  }
  stop_tracks(old_stream);

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
    local_source_.call<void>("connect", local_analyser_);
  }
  val settings = track.call<val>("getSettings");
  feed(Input{in::MicGranted{text_of(settings["deviceId"]), text_of(track["label"])}});
  enumerate_devices();  // labels become visible once permission is granted
}

void Driver::release_mic() {
  ++mic_request_seq_;  // an answer still in flight is stopped on arrival
  if (Slot* s = handles_.find(mic_)) stop_tracks(s->object);
  handles_.release(mic_);
  mic_ = 0;
  if (!sender_.isNull()) sender_.call<val>("replaceTrack", val::null()).call<val>("catch", bind(0, kIgnore));
  disconnect_local_meter();
}

void Driver::disconnect_local_meter() {
  if (!local_source_.isNull()) local_source_.call<void>("disconnect");
  stop_tracks(local_meter_stream_);
  local_source_ = local_analyser_ = local_meter_stream_ = val::null();
}

// ---- [SECTION] peer -------------------------------------------------------------------------------
void Driver::create_peer(const json& configuration) {
  close_peer();
  val args = val::array();
  args.call<void>("push", js_json(configuration));
  val made = hooks_.call<val>("construct", val::global("RTCPeerConnection"), args);
  if (!made["e"].isUndefined()) {
    // No dedicated input exists for this: report it as a failed negotiation step (generation 0).
    feed(Input{in::NegotiationFailed{0, "create-peer", describe(made["e"])}});
    return;
  }
  val pc = made["v"];
  peer_ = handles_.add(pc, Kind::Peer);
  gathered_ = 0;
  pc.set("onicecandidate", bind(peer_, kIceCandidate));
  pc.set("onicecandidateerror", bind(peer_, kIceCandidateError));
  pc.set("onicegatheringstatechange", bind(peer_, kIceGatheringState));
  pc.set("onconnectionstatechange", bind(peer_, kConnectionState));
  pc.set("ontrack", bind(peer_, kTrack));
  if (Slot* s = handles_.find(mic_)) {
    val stream = s->object;
    sender_ = pc.call<val>("addTrack", stream.call<val>("getAudioTracks")[0], stream);
  } else {
    // No mic (yet): still negotiate an audio m-line so we can receive.
    val init = val::object();
    init.set("direction", std::string("recvonly"));
    pc.call<val>("addTransceiver", std::string("audio"), init);
  }
}

void Driver::close_peer() {
  val pc = peer();
  if (!pc.isNull()) {
    for (const char* handler : {"onicecandidate", "onicecandidateerror", "onicegatheringstatechange", "onconnectionstatechange", "ontrack"})
      pc.set(handler, val::null());
    if (pc["signalingState"].as<std::string>() != "closed") pc.call<void>("close");
  }
  handles_.release(peer_);  // in-flight negotiations owned by it now find a stale owner
  peer_ = 0;
  sender_ = val::null();
  if (!audio_.isNull()) audio_.set("srcObject", val::null());
  if (!remote_source_.isNull()) remote_source_.call<void>("disconnect");
  remote_source_ = remote_analyser_ = val::null();
  remote_started_ = false;
}

void Driver::negotiate(bool offer, std::uint64_t generation, bool ice_restart) {
  val pc = peer();
  if (pc.isNull()) {
    feed(Input{in::NegotiationFailed{generation, offer ? "create-offer" : "create-answer", "no peer connection"}});
    return;
  }
  const HandleTable::Id op = handles_.add(val::null(), Kind::Negotiation, generation, peer_);
  handles_.find(op)->number = offer ? 1 : 0;
  val promise = val::undefined();
  if (offer) {
    val options = val::object();
    if (ice_restart) options.set("iceRestart", true);
    promise = pc.call<val>("createOffer", options);
  } else {
    promise = pc.call<val>("createAnswer");
  }
  promise.call<void>("then", bind(op, kDescriptionCreated), bind(op, kCreateErr));
}

// ---- [SECTION] signaling link (WebSocket) ---------------------------------------------------------
void Driver::open_link(std::uint64_t id, const std::string& url) {
  val args = val::array();
  args.call<void>("push", url);
  val made = hooks_.call<val>("construct", val::global("WebSocket"), args);
  if (!made["e"].isUndefined()) {
    feed(Input{in::LinkClosed{id, 1006, describe(made["e"])}});
    return;
  }
  val ws = made["v"];
  const HandleTable::Id h = handles_.add(ws, Kind::Socket, id);
  links_.emplace_back(id, h);
  ws.set("onopen", bind(h, kSocketOpen));
  ws.set("onmessage", bind(h, kSocketMessage));
  ws.set("onclose", bind(h, kSocketClose));
}

void Driver::close_link(std::uint64_t id) {
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
  val::global("fetch")(request.spec.url, init).call<void>("then", bind(op, kFetchOk), bind(op, kFetchErr));
}

// ---- [SECTION] audio: levels, remote playback, autoplay ------------------------------------------
void Driver::ensure_audio_context() {
  if (!audio_context_.isNull()) return;
  val ctor = val::global("AudioContext");
  if (ctor.isUndefined()) ctor = val::global("webkitAudioContext");
  if (ctor.isUndefined()) return;
  audio_context_ = ctor.new_();
  audio_context_.call<val>("resume").call<val>("catch", bind(0, kIgnore));
}

void Driver::attach_remote(val stream) {
  audio_.set("srcObject", stream);  // Chromium only decodes remote audio that is attached to an element
  ensure_audio_context();
  if (!remote_source_.isNull()) remote_source_.call<void>("disconnect");
  remote_source_ = remote_analyser_ = val::null();
  if (!audio_context_.isNull() && stream.call<val>("getAudioTracks")["length"].as<int>() > 0) {
    remote_source_ = audio_context_.call<val>("createMediaStreamSource", stream);
    remote_analyser_ = audio_context_.call<val>("createAnalyser");
    remote_analyser_.set("fftSize", 1024);
    remote_source_.call<void>("connect", remote_analyser_);
  }
  play_remote();
}

void Driver::play_remote() {
  if (audio_["srcObject"].isNull()) return;
  const HandleTable::Id op = handles_.add(val::null(), Kind::Play);
  val played = audio_.call<val>("play");
  if (played.isUndefined()) {  // very old browsers return nothing
    on_event(op, kPlayOk, val::undefined());
    return;
  }
  played.call<void>("then", bind(op, kPlayOk), bind(op, kPlayErr));
}

void Driver::resume_audio() {
  if (!audio_context_.isNull()) audio_context_.call<val>("resume").call<val>("catch", bind(0, kIgnore));
  play_remote();
}

void Driver::sample_levels() {
  auto rms = [this](const val& analyser) -> double {
    if (analyser.isNull()) return 0.0;
    const std::size_t n = analyser["fftSize"].as<std::size_t>();
    samples_.resize(n);
    // The analyser writes straight into wasm memory: no copy through JS arrays.
    analyser.call<void>("getFloatTimeDomainData", val(emscripten::typed_memory_view(n, samples_.data())));
    double sum = 0;
    for (float s : samples_) sum += static_cast<double>(s) * s;
    return n ? std::sqrt(sum / static_cast<double>(n)) : 0.0;
  };
  if (local_analyser_.isNull() && remote_analyser_.isNull()) return;
  feed(Input{in::AudioLevels{rms(local_analyser_), rms(remote_analyser_)}});
}

// ---- [SECTION] embedder helpers -------------------------------------------------------------------
val Driver::mic_stream() const {
  auto* self = const_cast<Driver*>(this);
  if (Slot* s = self->handles_.find(mic_)) return s->object;
  return val::null();
}

val Driver::stats() const {
  val pc = peer();
  return pc.isNull() ? val::null() : pc.call<val>("getStats");
}

val Driver::set_output(const std::string& device_id) {
  if (audio_["setSinkId"].isUndefined()) return val::null();
  return audio_.call<val>("setSinkId", device_id);
}

}  // namespace earshot::web
