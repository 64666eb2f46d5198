// Earshot's call core: a deterministic, sans-IO state machine for one person's side of a 1:1 audio call.
//
// ---- The driver contract (the only loop a driver writes) ----------------------------------------
//   Call call(config, now, seed);
//   call.handle(input, now);                     // a user action, HTTP result, signaling frame,
//                                                // media event... always with the current time
//   while (auto e = call.poll_effect()) perform(*e);   // drain ALL effects after every handle()
//   if (auto t = call.poll_timeout()) arm_timer(*t);   // then (re)arm the single wake-up;
//   // when it fires:  call.handle_timeout(now);  and drain again.
// Effects are performed in order. Results come back as inputs (HttpResponded, LinkOpened,
// LocalDescriptionReady, ...) carrying the id the effect named. The core never touches the browser,
// the clock or a random source: time is `now`, randomness comes from `seed`.
// --------------------------------------------------------------------------------------------------
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "earshot/base.hpp"
#include "earshot/invite.hpp"
#include "earshot/profile.hpp"
#include "earshot/state_machine.hpp"

namespace earshot {

// ---- [SECTION] Inputs: past-tense facts -----------------------------------------------------------
enum class MicError { Denied, NotFound, InUse, Other };
struct Device {
  std::string id;
  std::string label;
  bool operator==(const Device&) const = default;
};

namespace in {
// `saved` is what the last SaveSession effect asked this tab to keep (sessionStorage), or "".
struct PageOpened { std::string url; std::string saved; bool operator==(const PageOpened&) const = default; };
struct MicGranted { std::string device_id; std::string label; bool operator==(const MicGranted&) const = default; };
struct MicFailed { MicError error = MicError::Other; std::string detail; bool operator==(const MicFailed&) const = default; };
struct DevicesChanged { std::vector<Device> inputs; std::vector<Device> outputs; bool operator==(const DevicesChanged&) const = default; };
struct InputDeviceChosen { std::string device_id; bool operator==(const InputDeviceChosen&) const = default; };
struct JoinClicked { bool operator==(const JoinClicked&) const = default; };
struct LeaveClicked { bool operator==(const LeaveClicked&) const = default; };
// The page is going away (pagehide): leave the room at once so the peer knows, but keep the tab's
// session, so that a reload (or "reopen closed tab") can join again with the same invite.
struct PageClosing { bool operator==(const PageClosing&) const = default; };
struct MuteSet { bool muted = false; bool operator==(const MuteSet&) const = default; };
struct RetryClicked { bool operator==(const RetryClicked&) const = default; };
struct HttpResponded { std::uint64_t request = 0; int status = 0; std::string body; bool operator==(const HttpResponded&) const = default; };
struct HttpFailed { std::uint64_t request = 0; std::string reason; bool operator==(const HttpFailed&) const = default; };
struct LinkOpened { std::uint64_t link = 0; bool operator==(const LinkOpened&) const = default; };
struct LinkMessage { std::uint64_t link = 0; std::string text; bool operator==(const LinkMessage&) const = default; };
struct LinkClosed { std::uint64_t link = 0; int code = 0; std::string reason; bool operator==(const LinkClosed&) const = default; };
// createOffer/createAnswer + setLocalDescription finished for the negotiation `generation`.
struct LocalDescriptionReady { std::uint64_t generation = 0; std::string type; std::string sdp; bool operator==(const LocalDescriptionReady&) const = default; };
struct RemoteDescriptionApplied { std::uint64_t generation = 0; bool operator==(const RemoteDescriptionApplied&) const = default; };
struct NegotiationFailed { std::uint64_t generation = 0; std::string step; std::string error; bool operator==(const NegotiationFailed&) const = default; };
struct LocalCandidate { nlohmann::json candidate; bool operator==(const LocalCandidate&) const = default; };  // null: gathering done
struct IceCandidateError { int code = 0; std::string url; std::string text; bool operator==(const IceCandidateError&) const = default; };
struct IceGatheringComplete { int candidates = 0; bool operator==(const IceGatheringComplete&) const = default; };
struct PeerStateChanged { std::string state; bool operator==(const PeerStateChanged&) const = default; };  // RTCPeerConnectionState
struct RemoteAudioStarted { bool operator==(const RemoteAudioStarted&) const = default; };
struct AudioLevels { double local = 0; double remote = 0; bool operator==(const AudioLevels&) const = default; };  // 0..1 RMS
}  // namespace in

using Input = std::variant<in::PageOpened, in::MicGranted, in::MicFailed, in::DevicesChanged, in::InputDeviceChosen,
                           in::JoinClicked, in::LeaveClicked, in::PageClosing, in::MuteSet, in::RetryClicked, in::HttpResponded,
                           in::HttpFailed, in::LinkOpened, in::LinkMessage, in::LinkClosed,
                           in::LocalDescriptionReady, in::RemoteDescriptionApplied, in::NegotiationFailed,
                           in::LocalCandidate, in::IceCandidateError, in::IceGatheringComplete,
                           in::PeerStateChanged, in::RemoteAudioStarted, in::AudioLevels>;

// ---- [SECTION] Effects: imperatives for the driver ------------------------------------------------
namespace fx {
struct AcquireMic { std::string device_id; bool operator==(const AcquireMic&) const = default; };  // "" = default; replaces the sending track if a peer exists
struct ReleaseMic { bool operator==(const ReleaseMic&) const = default; };
struct SetMicEnabled { bool enabled = true; bool operator==(const SetMicEnabled&) const = default; };
struct HttpRequest { std::uint64_t id = 0; HttpRequestSpec spec; Duration timeout = 10000; bool operator==(const HttpRequest&) const = default; };
struct OpenLink { std::uint64_t id = 0; std::string url; bool operator==(const OpenLink&) const = default; };  // WebSocket
struct SendOnLink { std::uint64_t id = 0; std::string text; bool operator==(const SendOnLink&) const = default; };
struct CloseLink { std::uint64_t id = 0; bool operator==(const CloseLink&) const = default; };
struct CreatePeer { nlohmann::json configuration; bool operator==(const CreatePeer&) const = default; };  // RTCConfiguration; adds the mic track
struct CreateOffer { std::uint64_t generation = 0; bool ice_restart = false; bool operator==(const CreateOffer&) const = default; };
struct CreateAnswer { std::uint64_t generation = 0; bool operator==(const CreateAnswer&) const = default; };
struct RollbackLocal { bool operator==(const RollbackLocal&) const = default; };  // glare, polite side
struct ApplyRemoteDescription { std::uint64_t generation = 0; std::string type; std::string sdp; bool operator==(const ApplyRemoteDescription&) const = default; };
struct AddRemoteCandidate { nlohmann::json candidate; bool operator==(const AddRemoteCandidate&) const = default; };
struct ClosePeer { bool operator==(const ClosePeer&) const = default; };
struct StateChanged { CallState from = CallState::Idle; CallState to = CallState::Idle; bool operator==(const StateChanged&) const = default; };
struct ShowFailure { Failure failure; bool retryable = false; bool operator==(const ShowFailure&) const = default; };
struct Announce { std::string text; bool operator==(const Announce&) const = default; };  // for aria-live and embedders
// Keep `value` for this tab only (sessionStorage) and hand it back in PageOpened.saved after a
// reload, so a redeemed single-use invite still works in the tab that redeemed it. "" = forget.
struct SaveSession { std::string value; bool operator==(const SaveSession&) const = default; };
}  // namespace fx

using Effect = std::variant<fx::AcquireMic, fx::ReleaseMic, fx::SetMicEnabled, fx::HttpRequest, fx::OpenLink,
                            fx::SendOnLink, fx::CloseLink, fx::CreatePeer, fx::CreateOffer, fx::CreateAnswer,
                            fx::RollbackLocal, fx::ApplyRemoteDescription, fx::AddRemoteCandidate, fx::ClosePeer,
                            fx::StateChanged, fx::ShowFailure, fx::Announce, fx::SaveSession>;

// ---- [SECTION] Configuration and snapshot ---------------------------------------------------------
struct CallConfig {
  ProfileConfig profile;
  std::string ice_transport_policy = "all";  // "all" | "relay"
  Duration connect_timeout = 30000;          // Connecting -> failed if media never comes up
  Duration reconnect_give_up = 45000;        // Reconnecting -> failed after this long
  Duration ice_restart_grace = 2000;         // "disconnected" tolerated this long before an ICE restart
  Duration backoff_initial = 500;            // signaling reconnect backoff: initial, doubles, capped
  Duration backoff_max = 10000;
  double speaking_threshold = 0.02;          // RMS above which a participant counts as speaking
};

enum class MicStatus { Pending, Granted, Denied, Missing, Failed };
enum class LinkStatus { Down, Opening, Open, InRoom, Backoff };

struct Snapshot {
  CallState state = CallState::Idle;
  std::optional<Invite> invite;
  std::optional<Participant> self;
  std::optional<Participant> peer;
  bool peer_speaking = false;
  bool self_speaking = false;
  bool muted = false;
  bool speaking_while_muted = false;
  MicStatus mic = MicStatus::Pending;
  std::string mic_device_id;
  std::string mic_label;
  std::vector<Device> inputs, outputs;
  LinkStatus link = LinkStatus::Down;
  int reconnect_attempt = 0;
  std::string media_state = "new";         // last RTCPeerConnectionState
  bool admitted = false;                   // admission (token, ICE servers) obtained
  bool join_ready = false;                 // the Join button may be pressed
  std::optional<Failure> failure;
  bool failure_retryable = false;
  std::string notice;                      // last human announcement ("Bob left the call.")
  double local_level = 0, remote_level = 0;
  std::vector<std::pair<CallState, CallState>> history;  // every transition taken, in order
};

// ---- [SECTION] The call ---------------------------------------------------------------------------
class Call {
 public:
  Call(CallConfig config, Instant now, std::uint64_t seed);
  ~Call();
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  void handle(const Input& input, Instant now);       // feed one fact
  void handle_timeout(Instant now);                   // the wake-up from poll_timeout() fired
  std::optional<Effect> poll_effect();                // drain until nullopt after every handle
  std::optional<Instant> poll_timeout() const;        // next wake-up, if any
  const Snapshot& snapshot() const { return snap_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Snapshot snap_;
  friend struct Impl;
};

}  // namespace earshot
