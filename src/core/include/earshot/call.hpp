// Earshot's call core: a deterministic, sans-IO state machine for one person's side of a call in a
// room of participants. It composes the parts that each own one thing — Gate (admission), Roster
// (the people), Devices (your microphone), PeerLinks (one RTCPeerConnection per remote participant),
// SignalingLinks (WebSockets), VendorSession (an SDK that owns the media) — and decides the call's
// state through the table in state_machine.cpp.
//
// ---- The driver contract (written once, as runnable code, in driver_loop.hpp) -------------------
//   Call call(config, now, seed);
//   call.handle(input, now);                     // a user action, HTTP result, signaling frame,
//                                                // media event... always with the current time
//   while (auto e = call.poll_effect()) perform(*e);   // drain ALL effects after every handle()
//   if (auto t = call.poll_timeout()) arm_timer(*t);   // then (re)arm the single wake-up (mono)
//   // when it fires:  call.handle_timeout(now);  and drain again.
// Re-entrancy: an effect whose result the driver learns synchronously is fed as a new input only
// after the current drain ends (DriverLoop queues it). Results carry the id the effect named.
// The core never touches the browser, the clock or a random source: time is `now` (wall + mono),
// randomness comes from `seed`.
// --------------------------------------------------------------------------------------------------
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "earshot/devices.hpp"
#include "earshot/io.hpp"
#include "earshot/roster.hpp"
#include "earshot/signaling_links.hpp"

namespace earshot {

struct CallConfig {
  ProfileConfig profile;
  std::string ice_transport_policy = "all";  // "all" | "relay"
  Duration connect_timeout = 30000;          // a new peer link must carry audio within this
  Duration reconnect_give_up = 45000;        // reconnecting is given up after this long
  Duration ice_restart_grace = 2000;         // "disconnected" tolerated this long before an ICE restart
  Duration backoff_initial = 500;            // signaling reconnect backoff: initial, doubles, capped
  Duration backoff_max = 10000;
  double speaking_threshold = 0.02;          // RMS above which a participant counts as speaking
};

struct PeerView {  // one peer link as the diagnostics and tests see it
  PeerId id = 0;
  std::string participant;
  std::string state;
  bool polite = false;
  bool operator==(const PeerView&) const = default;
};

struct ChatLine {
  std::string from, name, text;
  Instant at = 0;
  bool operator==(const ChatLine&) const = default;
};

struct Snapshot {
  CallState state = CallState::Idle;
  EntryKind entry = EntryKind::Invite;
  bool needs_name = false;                 // a name entry still waiting for the name
  std::optional<Invite> invite;
  std::string room_id, room_title;
  std::optional<Participant> self;
  std::vector<Member> participants;        // everyone else in the room
  std::vector<PeerView> peers;             // the peer links
  MediaPlane media = MediaPlane::PeerToPeer;
  Topology topology = Topology::Pair;
  int capacity = 0;                        // how many the room holds, when the server says
#ifndef EARSHOT_SELFHOSTED_ONLY
  int listeners = -1;                      // how many receive the room, when a vendor says (IVS); -1 unknown
#endif
  DeviceState devices;                     // your mic, devices, mute, level
  LinkStatus link = LinkStatus::Down;      // the room's signaling link
  int reconnect_attempt = 0;
  bool admitted = false;                   // admission (token, ICE servers / join JSON) obtained
  bool join_ready = false;                 // the Join button may be pressed
  std::optional<Failure> failure;
  bool failure_retryable = false;
  std::string notice;                      // last human announcement ("Bob left the call.")
  std::string ended_reason;                // "left" | "room-closed" | "moved" | "replaced" | "" while not ended
  std::optional<Lookup> lookup;            // what the pre-join learnt about the invite (nothing spent)
  bool takeover_offered = false;           // the seat is in use elsewhere: Join takes it over (ask first)
  std::string last_left;                   // who left for good, while we are alone again ("" otherwise)
  std::vector<std::string> warnings;       // the last discarded garbage, newest last (at most 20)
  std::vector<ChatLine> chat;              // text chat, when the room has one (newest last, at most 200)
  std::vector<Participant> join_requests;  // people asking an admin to let them in
  std::vector<std::pair<CallState, CallState>> history;  // every transition taken, in order
};

class Call {
 public:
  Call(CallConfig config, Clock now, std::uint64_t seed);
  ~Call();
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  void handle(const Input& input, Clock now);         // feed one fact
  void handle_timeout(Clock now);                     // the wake-up from poll_timeout() fired
  std::optional<Effect> poll_effect();                // drain until nullopt after every handle
  std::optional<Instant> poll_timeout() const;        // next wake-up (monotonic clock), if any
  const Snapshot& snapshot() const { return snap_; }
  // What the call has been doing (diagnostics.hpp), as JSON for the overlay and support reports: no secrets.
  std::string diagnostics_json() const;

 private:
  struct Impl;
  Snapshot snap_;  // before impl_: Impl's constructor writes into it
  std::unique_ptr<Impl> impl_;
  friend struct Impl;
};

}  // namespace earshot
