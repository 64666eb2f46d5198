// The call core's vocabulary with the driver: inputs (past-tense facts) and effects (imperatives).
// Every peer-connection input and effect names its peer link; every signaling link input and effect
// names its link. Both are plain values with operator==, so a test is "given these inputs, expect
// exactly these effects".
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "earshot/base.hpp"
#include "earshot/profile.hpp"
#include "earshot/state_machine.hpp"

namespace earshot {

enum class MicError { Denied, NotFound, InUse, Other };
struct Device {
  std::string id;
  std::string label;
  bool operator==(const Device&) const = default;
};
using PeerId = std::uint64_t;  // one RTCPeerConnection ("peer link"), chosen by the core
using LinkId = std::uint64_t;  // one signaling WebSocket, chosen by the core

// ---- [SECTION] Inputs ---------------------------------------------------------------------------
namespace in {
// `saved` is what the last SaveSession effect asked this tab to keep (sessionStorage), or "".
// `device` is this browser's opaque id (localStorage; the driver makes it once): an invite's seat is
// bound to the device that joins with it, so the same browser can come back.
struct PageOpened { std::string url; std::string saved; std::string device; bool operator==(const PageOpened&) const = default; };
// Entry by name (profiles that admit by username); `room` empty = create or use the page's room.
struct NameEntered { std::string name; bool operator==(const NameEntered&) const = default; };
// Entry with an app-issued room token (seed 004's embedding model): nothing to redeem.
struct TokenGiven {
  std::string room, token, user_id, user_name, signaling_url;
  nlohmann::json ice_servers = nlohmann::json::array();
  Duration ttl = 0;
  bool operator==(const TokenGiven&) const = default;
};
struct MicGranted { std::string device_id; std::string label; bool operator==(const MicGranted&) const = default; };
struct MicFailed { MicError error = MicError::Other; std::string detail; bool operator==(const MicFailed&) const = default; };
struct DevicesChanged { std::vector<Device> inputs; std::vector<Device> outputs; bool operator==(const DevicesChanged&) const = default; };
struct InputDeviceChosen { std::string device_id; bool operator==(const InputDeviceChosen&) const = default; };
// Join (from the pre-join), or Rejoin (after leaving). `takeover`: the person agreed to take their
// seat over from another device or tab that is in the call with it.
struct JoinClicked { bool takeover = false; bool operator==(const JoinClicked&) const = default; };
struct LeaveClicked { bool operator==(const LeaveClicked&) const = default; };
// The page is going away (pagehide): leave the room at once so the others know, but keep the tab's
// session, so that a reload (or "reopen closed tab") can join again with the same invite.
struct PageClosing { bool operator==(const PageClosing&) const = default; };
struct MuteSet { bool muted = false; bool operator==(const MuteSet&) const = default; };
struct RetryClicked { bool operator==(const RetryClicked&) const = default; };
struct HttpResponded { std::uint64_t request = 0; int status = 0; std::string body; bool operator==(const HttpResponded&) const = default; };
struct HttpFailed { std::uint64_t request = 0; std::string reason; bool operator==(const HttpFailed&) const = default; };
struct LinkOpened { LinkId link = 0; bool operator==(const LinkOpened&) const = default; };
struct LinkMessage { LinkId link = 0; std::string text; bool operator==(const LinkMessage&) const = default; };
struct LinkClosed { LinkId link = 0; int code = 0; std::string reason; bool operator==(const LinkClosed&) const = default; };
// createOffer/createAnswer + setLocalDescription finished for the negotiation `generation` of `peer`.
struct LocalDescriptionReady { PeerId peer = 0; std::uint64_t generation = 0; std::string type; std::string sdp; bool operator==(const LocalDescriptionReady&) const = default; };
struct RemoteDescriptionApplied { PeerId peer = 0; std::uint64_t generation = 0; bool operator==(const RemoteDescriptionApplied&) const = default; };
struct NegotiationFailed { PeerId peer = 0; std::uint64_t generation = 0; std::string step; std::string error; bool operator==(const NegotiationFailed&) const = default; };
struct LocalCandidate { PeerId peer = 0; nlohmann::json candidate; bool operator==(const LocalCandidate&) const = default; };  // null: gathering done
struct IceCandidateError { PeerId peer = 0; int code = 0; std::string url; std::string text; bool operator==(const IceCandidateError&) const = default; };
struct IceGatheringComplete { PeerId peer = 0; int candidates = 0; bool operator==(const IceGatheringComplete&) const = default; };
struct PeerStateChanged { PeerId peer = 0; std::string state; bool operator==(const PeerStateChanged&) const = default; };  // RTCPeerConnectionState
struct RemoteAudioStarted { PeerId peer = 0; bool operator==(const RemoteAudioStarted&) const = default; };
struct PeerLevel { PeerId peer = 0; double level = 0; bool operator==(const PeerLevel&) const = default; };
// 0..1 RMS of the microphone and of what arrives on each peer link, sampled ~10 times a second.
struct AudioLevels { double local = 0; std::vector<PeerLevel> remote; bool operator==(const AudioLevels&) const = default; };
// ---- vendor SDK session (the SDK owns the media; its adapter reports back)
struct VendorStarted { bool operator==(const VendorStarted&) const = default; };
// `code`: the SDK's status ("MeetingEnded", "AudioAttendeeRemoved", "TOKEN_EXPIRED", "Left", …).
struct VendorStopped { std::string code; std::string detail; bool operator==(const VendorStopped&) const = default; };
struct VendorAttendee {
  std::string id, name;
  bool present = true, muted = false;
  bool operator==(const VendorAttendee&) const = default;
};
// The whole roster; `listeners`: how many receive the room (an IVS stage's subscriber count), -1 = not said.
struct VendorRoster {
  std::vector<VendorAttendee> attendees;
#ifndef EARSHOT_SELFHOSTED_ONLY  // (the selfhosted page's core has no vendor inputs at all)
  int listeners = -1;
#endif
  bool operator==(const VendorRoster&) const = default;
};
struct VendorVolume { std::string id; double level = 0; bool operator==(const VendorVolume&) const = default; };
struct VendorVolumes { std::vector<VendorVolume> volumes; bool operator==(const VendorVolumes&) const = default; };
// Once a second per peer link, what RTCPeerConnection.getStats() says (counters are cumulative, as
// RTCStats has them; a figure the browser did not report is negative). Diagnostics and the
// connection-quality grade are derived from consecutive samples.
struct LinkSample {
  double rtt_ms = -1;              // the selected candidate pair's currentRoundTripTime
  double jitter_ms = -1;           // inbound-rtp jitter
  double packets_received = 0, packets_lost = 0, packets_sent = 0;
  double bytes_received = 0, bytes_sent = 0;
  double audio_level = -1;         // inbound-rtp audioLevel, 0..1
  std::string pair;                // the selected candidate pair's types: "host udp → relay udp"
  bool operator==(const LinkSample&) const = default;
};
struct LinkStats {
  PeerId peer = 0;
  LinkSample sample;
#ifndef EARSHOT_SELFHOSTED_ONLY
  // A vendor SDK's connection (vendor-stats: the adapter numbers them): who it carries, "" = everyone.
  std::string participant;
  bool vendor = false;
#endif
  bool operator==(const LinkStats&) const = default;
};
#ifndef EARSHOT_SELFHOSTED_ONLY
// A text message on a peer link's data channel (kvs: the master's voice roster, a viewer's mute state).
struct PeerMessage { PeerId peer = 0; std::string text; bool operator==(const PeerMessage&) const = default; };
#endif
}  // namespace in

using Input = std::variant<in::PageOpened, in::NameEntered, in::TokenGiven, in::MicGranted, in::MicFailed,
                           in::DevicesChanged, in::InputDeviceChosen, in::JoinClicked, in::LeaveClicked,
                           in::PageClosing, in::MuteSet, in::RetryClicked, in::HttpResponded, in::HttpFailed,
                           in::LinkOpened, in::LinkMessage, in::LinkClosed, in::LocalDescriptionReady,
                           in::RemoteDescriptionApplied, in::NegotiationFailed, in::LocalCandidate,
                           in::IceCandidateError, in::IceGatheringComplete, in::PeerStateChanged,
                           in::RemoteAudioStarted, in::AudioLevels, in::LinkStats
#ifndef EARSHOT_SELFHOSTED_ONLY  // (a vendor session's inputs and the kvs data channel's messages)
                           , in::VendorStarted, in::VendorStopped, in::VendorRoster, in::VendorVolumes
                           , in::PeerMessage
#endif
                           >;

// ---- [SECTION] Effects --------------------------------------------------------------------------
namespace fx {
struct AcquireMic { std::string device_id; bool operator==(const AcquireMic&) const = default; };  // "" = default; replaces every sending track
struct ReleaseMic { bool operator==(const ReleaseMic&) const = default; };
struct SetMicEnabled { bool enabled = true; bool operator==(const SetMicEnabled&) const = default; };
struct HttpRequest { std::uint64_t id = 0; HttpRequestSpec spec; Duration timeout = 10000; bool operator==(const HttpRequest&) const = default; };
struct OpenLink { LinkId id = 0; std::string url; std::vector<std::string> protocols; bool operator==(const OpenLink&) const = default; };  // WebSocket
struct SendOnLink { LinkId id = 0; std::string text; bool operator==(const SendOnLink&) const = default; };
struct CloseLink { LinkId id = 0; bool operator==(const CloseLink&) const = default; };
// A new RTCPeerConnection for the link to `participant`; adds the mic track (or a recvonly audio
// transceiver without one).
struct CreatePeer { PeerId peer = 0; std::string participant; nlohmann::json configuration; bool operator==(const CreatePeer&) const = default; };
struct CreateOffer { PeerId peer = 0; std::uint64_t generation = 0; bool ice_restart = false; bool operator==(const CreateOffer&) const = default; };
struct CreateAnswer { PeerId peer = 0; std::uint64_t generation = 0; bool operator==(const CreateAnswer&) const = default; };
struct RollbackLocal { PeerId peer = 0; bool operator==(const RollbackLocal&) const = default; };  // glare, polite side
struct ApplyRemoteDescription { PeerId peer = 0; std::uint64_t generation = 0; std::string type; std::string sdp; bool operator==(const ApplyRemoteDescription&) const = default; };
struct AddRemoteCandidate { PeerId peer = 0; nlohmann::json candidate; bool operator==(const AddRemoteCandidate&) const = default; };
struct ClosePeer { PeerId peer = 0; bool operator==(const ClosePeer&) const = default; };
// Hub relay (star topology): what `peer` sends is the microphone mixed with the audio received on
// `sources` (mix-minus: never the spoke's own audio back). Empty sources = the microphone alone.
struct SetRelay { PeerId peer = 0; std::vector<PeerId> sources; bool operator==(const SetRelay&) const = default; };
// Vendor SDK media: load the profile's adapter (a JS module fetched only for that profile), start it
// with the backend's join JSON, mute it, stop it.
struct LoadVendor { std::string vendor; bool operator==(const LoadVendor&) const = default; };
struct StartVendor { std::string vendor; nlohmann::json join; bool operator==(const StartVendor&) const = default; };
struct SetVendorMuted { bool muted = false; bool operator==(const SetVendorMuted&) const = default; };
struct StopVendor { bool operator==(const StopVendor&) const = default; };
struct StateChanged { CallState from = CallState::Idle; CallState to = CallState::Idle; bool operator==(const StateChanged&) const = default; };
struct ShowFailure { Failure failure; bool retryable = false; bool operator==(const ShowFailure&) const = default; };
struct Announce { std::string text; bool operator==(const Announce&) const = default; };  // for aria-live and embedders
// Keep `value` for this tab only (sessionStorage) and hand it back in PageOpened.saved after a
// reload, so a redeemed single-use invite still works in the tab that redeemed it. "" = forget.
struct SaveSession { std::string value; bool operator==(const SaveSession&) const = default; };
#ifndef EARSHOT_SELFHOSTED_ONLY
// Send `text` on the peer link's data channel (the vendor builds give every RTCPeerConnection one,
// negotiated, id 0); dropped while it is not open.
struct SendOnPeer { PeerId peer = 0; std::string text; bool operator==(const SendOnPeer&) const = default; };
// Every peer link's RTCConfiguration becomes `configuration` (setConfiguration): renewed TURN credentials
// for the ICE restarts and gathering still to come.
struct ReconfigurePeers { nlohmann::json configuration; bool operator==(const ReconfigurePeers&) const = default; };
#endif
}  // namespace fx

using Effect = std::variant<fx::AcquireMic, fx::ReleaseMic, fx::SetMicEnabled, fx::HttpRequest, fx::OpenLink,
                            fx::SendOnLink, fx::CloseLink, fx::CreatePeer, fx::CreateOffer, fx::CreateAnswer,
                            fx::RollbackLocal, fx::ApplyRemoteDescription, fx::AddRemoteCandidate, fx::ClosePeer,
                            fx::SetRelay, fx::LoadVendor, fx::StartVendor, fx::SetVendorMuted, fx::StopVendor,
                            fx::StateChanged, fx::ShowFailure, fx::Announce, fx::SaveSession
#ifndef EARSHOT_SELFHOSTED_ONLY
                            , fx::SendOnPeer, fx::ReconfigurePeers
#endif
                            >;

// Where the parts of the core put their effects, in order.
class Outbox {
 public:
  void push(Effect e) { q_.push_back(std::move(e)); }
  bool empty() const { return q_.empty(); }
  std::optional<Effect> pop() {
    if (head_ == q_.size()) {
      q_.clear();
      head_ = 0;
      return std::nullopt;
    }
    return std::move(q_[head_++]);
  }

 private:
  std::vector<Effect> q_;
  std::size_t head_ = 0;
};

}  // namespace earshot
