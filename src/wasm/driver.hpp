// The browser driver: owns one earshot::Call and performs its effects with browser APIs (reached
// through embind's val), feeding every result back as an input through the one DriverLoop. Several
// drivers may live in one page (a chat and a voice call; React StrictMode mounting twice): nothing
// here is global. The only JS it needs is `hooks.bind`, which turns (handle, event) into a JS callback
// that calls Driver::on_event, and `hooks.construct` (constructors that throw).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <emscripten/val.h>

#include "earshot/call.hpp"
#include "earshot/driver_loop.hpp"
#include "handles.hpp"

namespace earshot::web {

// What a handle's callback reports; the JS side passes it back untouched.
enum Event : int {
  kTick = 1,
  kLevels,
  kDeviceChange,
  kDevicesListed,
  kMicOk,
  kMicErr,
  kMicEnded,
  kFetchOk,
  kFetchErr,
  kBodyOk,
  kSocketOpen,
  kSocketMessage,
  kSocketClose,
  kDescriptionCreated,
  kCreateErr,
  kLocalSet,
  kLocalSetErr,
  kRemoteSet,
  kRemoteSetErr,
  kIceCandidate,
  kIceCandidateError,
  kIceGatheringState,
  kConnectionState,
  kTrack,
  kPlayOk,
  kPlayErr,
  kStats,
  kIgnore,
  // (vendor builds; last, so the others keep their values) a peer link's data channel: a message, opened, closed
  kPeerMessage,
  kPeerDataOpen,
  kPeerDataClose,
};

struct DriverOptions {
  CallConfig config;
  std::optional<Input> first;  // PageOpened (with the URL and the tab's saved session) or TokenGiven
  std::uint64_t seed = 0;
};

class Driver {
 public:
  // hooks: {bind(id, event) -> function, construct(Ctor, args) -> {v}|{e}, save(value), onUpdate(snapshotJson),
  //         onEffect(effectJson), onVendor?(effectJson)}
  Driver(DriverOptions options, emscripten::val hooks);
  ~Driver();

  // A UI or adapter input as JSON ({"type":"join-clicked"}); returns "" or the parse failure as JSON.
  std::string send(const std::string& input_json);
  void on_event(HandleTable::Id id, int event, emscripten::val value);
  std::string snapshot_json() const;
  std::string diagnostics_json() const { return call_->diagnostics_json(); }

  emscripten::val mic_stream() const;              // for the pre-join mic test (MediaRecorder)
  emscripten::val peers() const;                   // [{link, pc}] for getStats
  emscripten::val set_output(const std::string&);  // setSinkId on every remote audio element; a promise
  void resume_audio();                             // on a user gesture: AudioContext.resume() + play()
  void shutdown();                                 // close everything; later callbacks are dropped
#ifndef EARSHOT_SELFHOSTED_ONLY
  // A vendor SDK connection's RTCStatsReport (`peer`: the adapter's number for it; `participant`: whom
  // it carries, "" = everyone), read as the driver reads its own links' reports.
  void vendor_stats(int peer, const std::string& participant, const emscripten::val& report);
#endif

 private:
  // One RTCPeerConnection (a peer link) and what plays and measures its audio.
  struct PeerSlot {
    PeerId id = 0;
    HandleTable::Id handle = 0;
    emscripten::val sender = emscripten::val::null();
    int gathered = 0;
    std::uint64_t latest = 0;  // newest negotiation generation asked for; older results are dropped
    emscripten::val audio = emscripten::val::null();  // remote playback element
    emscripten::val stream = emscripten::val::null();
    emscripten::val source = emscripten::val::null(), analyser = emscripten::val::null();
    emscripten::val relay = emscripten::val::null();  // MediaStreamAudioDestinationNode (hub mix-minus)
    std::vector<PeerId> relay_sources;
    bool started = false;
#ifndef EARSHOT_SELFHOSTED_ONLY
    emscripten::val data = emscripten::val::null();  // RTCDataChannel "earshot" (negotiated, id 0)
    bool data_open = false;
#endif
  };

  void feed(Input&& input);
  void run(std::optional<Input> input);  // nullopt: the timer fired
  void perform(const Effect& effect);
  void arm_timer(std::optional<Instant> at);
  void publish(const char* hook, const Effect& effect);
  void enumerate_devices();
  void acquire_mic(const std::string& device_id);
  void release_mic();
  void disconnect_local_meter();
  void adopt_mic(emscripten::val stream);
  emscripten::val mic_track() const;
  void create_peer(const fx::CreatePeer& e);
  void close_peer(PeerId id);
  void negotiate(PeerId id, bool offer, std::uint64_t generation, bool ice_restart);
  void apply_remote(const fx::ApplyRemoteDescription& e);
  void set_relay(const fx::SetRelay& e);
#if !defined(EARSHOT_SELFHOSTED_ONLY) && !defined(EARSHOT_WITHOUT_KVS)
  void reconfigure_peers(const nlohmann::json& configuration);  // renewed TURN servers (kvs)
#endif
  void rewire_relays();
  void open_link(const fx::OpenLink& e);
  void close_link(LinkId id);
  void http(const fx::HttpRequest& request);
  void attach_remote(PeerSlot& slot, emscripten::val stream);
  void play(PeerSlot& slot);
  void sample_levels();
  void sample_stats();                                  // once a second: getStats of every peer link
  in::LinkSample read_stats(const emscripten::val& report) const;
  void ensure_audio_context();
  void emit_driver_event(const char* type, const std::string& detail = {});

  emscripten::val bind(HandleTable::Id id, Event event) const;
  void quiet(const emscripten::val& promise) const;  // its rejection is ignored
  void then(const emscripten::val& promise, HandleTable::Id op, Event ok, Event err) const;
  PeerSlot* slot(PeerId id);
  PeerSlot* slot_by_handle(HandleTable::Id h);
  emscripten::val pc(const PeerSlot& s) const;

  CallConfig config_;
  std::unique_ptr<Call> call_;
  DriverLoop<Call, Input> loop_;
  emscripten::val hooks_;
  HandleTable handles_;
  bool stopped_ = false;
#ifndef EARSHOT_SELFHOSTED_ONLY
  bool vendor_hook_ = false;
#endif

  HandleTable::Id devices_ = 0;  // navigator.mediaDevices (devicechange listener)
  emscripten::val device_listener_ = emscripten::val::null();
  HandleTable::Id timer_ = 0;    // the single poll_timeout() wake-up
  emscripten::val timer_js_ = emscripten::val::null();
  HandleTable::Id levels_ = 0;   // the 10/s level sampler (setInterval)
  int level_ticks_ = 0;          // every 10th: link statistics
  emscripten::val levels_js_ = emscripten::val::null();

  HandleTable::Id mic_ = 0;              // the MediaStream in use
  std::uint64_t mic_request_seq_ = 0;    // newest getUserMedia; older answers are dropped
  bool mic_enabled_ = true;
  emscripten::val local_analyser_ = emscripten::val::null();
  emscripten::val local_source_ = emscripten::val::null();
  emscripten::val local_meter_stream_ = emscripten::val::null();  // enabled clone of the mic track
  emscripten::val mic_node_ = emscripten::val::null();            // the mic in WebAudio, for relays

  std::vector<PeerSlot> peers_;
  std::string sink_id_;  // chosen output device, applied to every remote element
  emscripten::val audio_context_ = emscripten::val::null();

  std::vector<std::pair<LinkId, HandleTable::Id>> links_;  // core link id -> WebSocket handle
  std::vector<float> samples_;
};

}  // namespace earshot::web
