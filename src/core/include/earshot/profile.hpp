// Backend profiles: one per seed system, behind one interface. A profile turns an invite into an
// admission request, parses the backend's answer, and speaks the backend's signaling dialect as a
// sans-IO channel. The call core never knows which backend it talks to.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "earshot/base.hpp"
#include "earshot/invite.hpp"

namespace earshot {

struct Participant {
  std::string id;
  std::string name;
  Role role = Role::Guest;
  bool operator==(const Participant&) const = default;
};

// What a successful admission (invite redemption / join) yields.
struct Admission {
  std::string room_id;
  std::string token;          // room token for the signaling server
  std::string signaling_url;  // profile-specific (for selfhosted: the Socket.IO endpoint)
  nlohmann::json ice_servers = nlohmann::json::array();  // RTCIceServer[]
  Instant expires_at = 0;     // when the room token stops being accepted
  Participant self;
  bool operator==(const Admission&) const = default;
};

struct HttpRequestSpec {
  std::string method;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool operator==(const HttpRequestSpec&) const = default;
};

// ---- [SECTION] Signaling events: what a channel reports, in backend-neutral terms ----------------
namespace signal {
struct Welcome { Participant self; std::vector<Participant> others; bool operator==(const Welcome&) const = default; };
struct PeerJoined { Participant peer; bool operator==(const PeerJoined&) const = default; };
struct PeerLeft { std::string peer_id; bool for_good = true; bool operator==(const PeerLeft&) const = default; };
struct Description { std::string from; std::string type; std::string sdp; bool operator==(const Description&) const = default; };
struct Candidate { std::string from; nlohmann::json candidate; bool operator==(const Candidate&) const = default; };
struct Refused { Failure failure; bool operator==(const Refused&) const = default; };  // admission to the room refused
struct Lost { std::string reason; bool operator==(const Lost&) const = default; };     // link is dead; reconnect
struct Warning { std::string what; bool operator==(const Warning&) const = default; }; // discarded garbage
using Event = std::variant<Welcome, PeerJoined, PeerLeft, Description, Candidate, Refused, Lost, Warning>;
}  // namespace signal

// One signaling link's worth of protocol. Same driving pattern as the call: handle_*, then drain
// poll_transmit (frames to send on the WebSocket) and poll_event, then arm poll_timeout.
class SignalingChannel {
 public:
  virtual ~SignalingChannel() = default;
  virtual void handle_open(Instant now) = 0;
  virtual void handle_frame(std::string_view text, Instant now) = 0;
  virtual void handle_close(Instant now) = 0;
  virtual void handle_timeout(Instant now) = 0;
  virtual void enter_room() = 0;  // may be called before the link is open: queued
  virtual void send_description(std::string_view type, std::string_view sdp) = 0;
  virtual void send_candidate(const nlohmann::json& candidate) = 0;  // null = end of candidates
  virtual void leave() = 0;
  virtual std::optional<std::string> poll_transmit() = 0;
  virtual std::optional<signal::Event> poll_event() = 0;
  virtual std::optional<Instant> poll_timeout() const = 0;
};

enum class MediaPlane { PeerToPeer, VendorSdk };

class Profile {
 public:
  virtual ~Profile() = default;
  virtual std::string_view name() const = 0;
  virtual MediaPlane media_plane() const = 0;
  // The HTTP request that turns the invite into an Admission.
  virtual HttpRequestSpec admission_request(const Invite&) const = 0;
  // Maps the backend's answer (any status) to an Admission or a Failure with a human sentence.
  virtual Result<Admission> parse_admission(const Invite&, int status, std::string_view body, Instant now) const = 0;
  // The WebSocket URL to open for this admission.
  virtual Result<std::string> signaling_url(const Admission&) const = 0;
  virtual std::unique_ptr<SignalingChannel> open_channel(const Admission&) const = 0;
};

struct ProfileConfig {
  std::string name = "selfhosted";  // selfhosted | chime | kvs | ivs
  std::string api_base;             // "http://127.0.0.1:8080" (no trailing slash); empty = page origin
};
// Failure profile.unknown for unknown names, profile.unavailable for profiles not built yet.
Result<std::shared_ptr<const Profile>> make_profile(const ProfileConfig&);

// Failures the user can fix by trying again (network trouble, rate limits, server hiccups).
bool is_retryable(std::string_view failure_code);

}  // namespace earshot
