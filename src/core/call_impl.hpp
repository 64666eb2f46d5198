// Call's private parts, shared by call.cpp (pre-join, links, entry points), call_room.cpp (the room:
// welcome, arrivals, departures, signals) and call_vendor.cpp (vendor media). Not a public header.
#pragma once
#include <array>
#include <memory>
#include <optional>
#include <string>

#include "earshot/call.hpp"
#include "earshot/diagnostics.hpp"
#include "earshot/failures.hpp"
#include "earshot/gate.hpp"
#include "earshot/peer_links.hpp"
#include "earshot/vendor_session.hpp"

namespace earshot {

// splitmix64: a tiny seeded generator; the core's only source of "randomness" (backoff jitter).
struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
};

struct Call::Impl {
  enum Timer : int { kGiveUp, kTokenExpiry, kTimerCount };  // call-level timers (monotonic); links keep their own
  static constexpr const char* kRoom = "room";               // the room's signaling link

  Impl(Call& c, CallConfig config, Clock now, std::uint64_t seed);

  Snapshot& snap;
  CallConfig cfg;
  Rng rng;
  Clock clock;
  Outbox out;
  std::unique_ptr<const Profile> profile;  // (before `gate`, which holds it: destroyed after it)
  std::optional<Failure> profile_failure;
  std::array<std::optional<Instant>, kTimerCount> timers{};
  std::string scratch;

  // the parts, each owning one thing
  std::unique_ptr<Gate> gate;              // admission
  Roster roster;                           // the people
  Devices devices;                         // your microphone
  PeerLinks links;                         // peer-to-peer media
  SignalingLinks signaling;                // WebSockets
  std::unique_ptr<VendorSession> vendor;   // vendor media
#ifndef EARSHOT_SELFHOSTED_ONLY
  std::vector<std::pair<PeerId, std::string>> vendor_links;  // the SDK's connections we have stats of, and whom each carries
#endif
  Diagnostics diag;                        // what happened, for the overlay (records only)
  std::optional<PeerId> head_start;        // the link made at Join for whoever comes first
  bool rejoining = false;                  // Rejoin pressed: join as soon as the microphone is back
  bool rejoin_takeover = false;            // ... taking the seat back from another device

  // helpers
  void announce(std::string text);
  void warn(std::string what);
  bool go(Trigger trig);
  void disarm(Timer t) { timers[t].reset(); }
  void arm_wall(Timer t, Instant wall_at);
  void fail(Failure f);
  void show_recoverable(Failure f);
  void clear_recoverable();
  void teardown(bool keep_admission);
  std::string self_id() const;
  Role self_role() const;
  bool polite_towards(const Participant& other) const;
  Failure session_expired() const;
  // The audio to `name` is gone for good: their side, or ours when the call server is out of reach too.
  Failure lost(const std::string& name) const {
    return make_failure(signaling.in_room(kRoom) ? "call.lost" : "network.lost", {{"name", name}});
  }
  void settle();
  void refresh_snapshot();

  // pre-join
  void on(const in::PageOpened&);
  void on(const in::TokenGiven&);
  void on(const in::NameEntered&);
  void start_prejoin();
  void on(const in::HttpResponded&);
  void on(const in::HttpFailed&);
  void open_room_link();
  void enter_room();
  void on_signaling_lost(const std::string& purpose);
  void server_gone(const std::string& purpose);  // a room link dropped (Lost, GoAway): reconnect, and say so mid-call
  void on_backoff_done(const std::string& purpose);
  Failure gave_up() const;  // the room link could not be (re)gained in time: why, as a person reads it
  void on(const in::MicGranted&);
  void on(const in::MicFailed&);
  void on(const in::DevicesChanged&);
  void on(const in::InputDeviceChosen&);
  void on(const in::MuteSet&);
  void on(const in::RetryClicked&);
  void on(const in::JoinClicked&);
  void on(const in::LeaveClicked&);
  void on(const in::PageClosing&);
  void on(const in::AudioLevels&);

  // signaling links (call_room.cpp)
  void on(const in::LinkOpened&);
  void on(const in::LinkMessage&);
  void on(const in::LinkClosed&);
  void on_signal(const std::string& purpose, const signal::Welcome&);
  void on_signal(const std::string& purpose, const signal::PeerJoined&);
  void on_signal(const std::string& purpose, const signal::PeerLeft&);
  void on_signal(const std::string& purpose, const signal::Description&);
  void on_signal(const std::string& purpose, const signal::Candidate&);
  void on_signal(const std::string& purpose, const signal::Refused&);
  void on_signal(const std::string& purpose, const signal::Lost&);
  void on_signal(const std::string& purpose, const signal::Warning&);
  void on_signal(const std::string& purpose, const signal::RoomClosed&);
  void on_signal(const std::string& purpose, const signal::ChatMessage&);
  void on_signal(const std::string& purpose, const signal::JoinRequest&);
  void on_signal(const std::string& purpose, const signal::JoinDecision&);
  void on_signal(const std::string& purpose, const signal::GoAway&);
  void on_signal(const std::string& purpose, const signal::Replaced&);
  void on_signal(const std::string& purpose, const signal::MediaState&);
  bool wants_link_to(const Participant& other) const;
  bool i_am_hub() const;
  std::string hub_id() const;
  PeerId link_for(const Participant& p, bool offer);
  void gone(const std::string& id, bool for_good);
  PeerLink* link_from(const std::string& from, const std::string& to, const char* what);

  // peer links
  void on(const in::LocalDescriptionReady& e) { links.handle(e, clock.mono); }
  void on(const in::RemoteDescriptionApplied& e) { links.handle(e); }
  void on(const in::NegotiationFailed& e) { links.handle(e); }
  void on(const in::LocalCandidate& e) { links.handle(e); }
  void on(const in::IceCandidateError& e) { links.handle(e); }
  void on(const in::IceGatheringComplete& e) { links.handle(e, cfg.ice_transport_policy == "relay"); }
  void on(const in::PeerStateChanged& e) { links.handle(e); }
  void on(const in::RemoteAudioStarted&) {}
  void on(const in::LinkStats&);  // call_diag.cpp
  void grade_participants();
  std::vector<PendingTimer> pending_timers() const;
  void on_link(const linkev::Up&);
  void on_link(const linkev::Down&);
  void on_link(const linkev::ConnectTimedOut&);
  void on_link(const linkev::GaveUp&);
  void on_link(const linkev::RestartDue&);
  void on_link(const linkev::Rebuilt&);
  void on_link(const linkev::Unavailable&);
  void on_link(const linkev::RelayUnreachable&);
  void relay_if_hub();

  // vendor media
  void on(const in::VendorStarted&);
  void on(const in::VendorStopped&);
  void on(const in::VendorRoster&);
  void on(const in::VendorVolumes&);
  void settle_vendor();
  void vendor_peers(std::vector<PeerView>& peers, bool forget);
  void room_closed(std::string sentence);
  // A profile with a page module (kvs: the chat; call_vendor.cpp). The selfhosted build has none: there
  // these are inline no-ops, so its page's code is as if they were not there.
#ifdef EARSHOT_SELFHOSTED_ONLY
  bool start_page_module() { return false; }
  bool voice_token(const in::TokenGiven&) { return false; }
  Result<std::string> room_url(const Admission& a) { return profile->signaling_url(a); }
  void relay_roster() {}
#else
  bool start_page_module();                        // page opened: start the module, the call waits in Idle
  bool voice_token(const in::TokenGiven&);         // the module's voice token: (again) into the call
  void renew_voice(const in::TokenGiven&);         // ... or renewed credentials for the call in progress
  Result<std::string> room_url(const Admission&);  // the room link's URL, signed now where the profile signs
  void voice_ended(const std::string& who);
  void relay_roster();  // kvs: the master tells each viewer who is in voice; a viewer its mute state
  void on(const in::PeerMessage&);
  unsigned roster_ticks = 0;
  double hub_level = -1;  // kvs viewer: the master's own level, as it last said (-1: not yet)
#endif

  void on_timer(Timer t);
};

}  // namespace earshot
