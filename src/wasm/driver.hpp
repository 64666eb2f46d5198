// The browser driver: owns one earshot::Call and performs its effects with browser APIs (reached
// through embind's val), feeding every result back as an input. The only JS it needs is `hooks.bind`,
// which turns (handle, event) into a JS callback that calls Driver::on_event.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <emscripten/val.h>

#include "earshot/call.hpp"
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
  kIgnore,
};

struct DriverOptions {
  CallConfig config;
  std::string url;          // the page URL (query carries the invite)
  std::string saved;        // what the core asked this tab to keep (SaveSession), from sessionStorage
  std::uint64_t seed = 0;
};

class Driver {
 public:
  // hooks: {bind(id, event) -> function, construct(Ctor, args) -> {v}|{e}, save(value), onUpdate(snapshotJson),
  //         onEffect(effectJson), onTrace?(effectJson), audio?: HTMLAudioElement}
  Driver(DriverOptions options, emscripten::val hooks);
  ~Driver();

  // A UI input as JSON ({"type":"join-clicked"}); returns "" or the parse failure as JSON.
  std::string send(const std::string& input_json);
  void on_event(HandleTable::Id id, int event, emscripten::val value);
  std::string snapshot_json() const;

  emscripten::val mic_stream() const;             // for the pre-join mic test (MediaRecorder)
  emscripten::val stats() const;                  // pc.getStats() promise, or null without a peer
  emscripten::val set_output(const std::string&); // audio.setSinkId() promise, or null
  void resume_audio();                            // on a user gesture: AudioContext.resume() + play()
  void shutdown();                                // close everything; later callbacks are dropped

 private:
  void feed(std::optional<Input> input);  // nullopt: the timer fired
  void perform(const Effect& effect);
  void publish_effect(const Effect& effect);
  void arm_timer();
  void enumerate_devices();
  void acquire_mic(const std::string& device_id);
  void release_mic();
  void disconnect_local_meter();
  void adopt_mic(emscripten::val stream);
  void create_peer(const nlohmann::json& configuration);
  void close_peer();
  void negotiate(bool offer, std::uint64_t generation, bool ice_restart);
  void open_link(std::uint64_t id, const std::string& url);
  void close_link(std::uint64_t id);
  void http(const fx::HttpRequest& request);
  void attach_remote(emscripten::val stream);
  void play_remote();
  void sample_levels();
  void ensure_audio_context();
  emscripten::val analyser_for(emscripten::val stream);
  void emit_driver_event(const char* type, const std::string& detail = {});

  emscripten::val bind(HandleTable::Id id, Event event) const;
  emscripten::val peer() const;

  CallConfig config_;
  std::unique_ptr<Call> call_;
  emscripten::val hooks_;
  HandleTable handles_;
  std::deque<std::optional<Input>> pending_;
  bool busy_ = false;
  bool stopped_ = false;
  bool trace_ = false;  // hooks.onTrace(effectJson) for every effect (diagnostics, tests)

  HandleTable::Id devices_ = 0;  // navigator.mediaDevices (devicechange listener)
  emscripten::val device_listener_ = emscripten::val::null();
  HandleTable::Id timer_ = 0;    // the single poll_timeout() wake-up
  emscripten::val timer_js_ = emscripten::val::null();
  HandleTable::Id levels_ = 0;   // the 10/s level sampler (setInterval)
  emscripten::val levels_js_ = emscripten::val::null();

  HandleTable::Id mic_ = 0;              // the MediaStream in use
  std::uint64_t mic_request_seq_ = 0;    // newest getUserMedia; older answers are dropped
  bool mic_enabled_ = true;
  emscripten::val local_analyser_ = emscripten::val::null();
  emscripten::val local_source_ = emscripten::val::null();
  emscripten::val local_meter_stream_ = emscripten::val::null();  // enabled clone of the mic track

  HandleTable::Id peer_ = 0;
  emscripten::val sender_ = emscripten::val::null();
  int gathered_ = 0;

  emscripten::val audio_ = emscripten::val::null();  // remote playback element
  emscripten::val audio_context_ = emscripten::val::null();
  emscripten::val remote_analyser_ = emscripten::val::null();
  emscripten::val remote_source_ = emscripten::val::null();
  bool remote_started_ = false;

  std::vector<std::pair<std::uint64_t, HandleTable::Id>> links_;  // core link id -> WebSocket handle
  std::vector<float> samples_;
};

}  // namespace earshot::web
