// Backend profiles: one per seed system, behind one interface. A profile reads the page's entry (an
// invite link, a name, an app-issued token), runs the admission as a sans-IO flow of HTTP requests,
// says which media plane and topology the room uses, and speaks the backend's signaling dialect as
// sans-IO channels. The call core never knows which backend it talks to.
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

// How a person gets in: the page's invite link, a name typed in (+ optional room id), or a room
// token an app obtained for them (seed 004's embedding model).
enum class EntryKind { Invite, Name, Token };
std::string_view to_string(EntryKind);
struct Entry {
  EntryKind kind = EntryKind::Invite;
  std::optional<Invite> invite;  // Invite
  std::string name;              // Name, Token: who you are
  std::string room;              // Name (optional), Token
  std::string token;             // Token: the room token
  std::string user_id;           // Token
  std::string signaling_url;     // Token
  nlohmann::json ice_servers = nlohmann::json::array();  // Token
  Duration ttl = 0;              // Token
  std::string device;            // Invite: this browser's opaque id (a seat is bound to the device that joins)
  bool takeover = false;         // Invite: take the seat over from another device that holds it
  int utc_offset_min = kUtcOffsetUnknown;  // for the times in failure sentences (see format_utc_clock)
  bool operator==(const Entry&) const = default;
};

// What the page may learn about an invite before anyone joins (nothing is spent): the room, the seat
// and who is in the room now. Profiles without such a lookup leave it empty.
struct Lookup {
  std::string room_title;
  std::string seat;               // "unused" | "yours" (bound to this device) | "elsewhere"
  bool in_call = false;           // the seat's holder is in the call right now (join = take it over)
  std::vector<Participant> in_room;
  bool operator==(const Lookup&) const = default;
};

// What a successful admission yields.
struct Admission {
  std::string room_id;
  std::string room_title;
  std::string token;          // room token for the signaling server
  std::string signaling_url;  // profile-specific (for selfhosted: the Socket.IO endpoint)
  nlohmann::json ice_servers = nlohmann::json::array();  // RTCIceServer[]
  Instant expires_at = 0;     // wall clock: when the room token stops being accepted
  Participant self;
  nlohmann::json vendor_join; // vendor media: the JSON the SDK adapter starts with
  std::string hub;            // star topology: the participant everyone links to ("" = whoever hosts)
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
// `from` names the sender; `to` the recipient ("" = everyone / unaddressed).
namespace signal {
struct Welcome { Participant self; std::vector<Participant> others; int capacity = 0; bool operator==(const Welcome&) const = default; };
struct PeerJoined { Participant peer; bool operator==(const PeerJoined&) const = default; };
struct PeerLeft { std::string peer_id; bool for_good = true; bool operator==(const PeerLeft&) const = default; };
struct Description { std::string from, to, type, sdp; bool operator==(const Description&) const = default; };
struct Candidate { std::string from, to; nlohmann::json candidate; bool operator==(const Candidate&) const = default; };
struct Refused { Failure failure; bool operator==(const Refused&) const = default; };  // admission to the room refused
struct Lost { std::string reason; bool operator==(const Lost&) const = default; };     // link is dead; reconnect
struct Warning { std::string what; bool operator==(const Warning&) const = default; }; // discarded garbage
struct RoomClosed { std::string reason; bool operator==(const RoomClosed&) const = default; };  // ended by host / meeting ended
struct ChatMessage { std::string from, text; Instant at = 0; bool operator==(const ChatMessage&) const = default; };
struct JoinRequest { Participant who; bool operator==(const JoinRequest&) const = default; };   // for an admin to decide
struct JoinDecision { bool approved = false; std::string reason; bool operator==(const JoinDecision&) const = default; };
struct GoAway { bool operator==(const GoAway&) const = default; };  // the server will close soon: reconnect
// Our place was given to someone else: `moved` (we joined on another device) or `replaced` (the host
// gave the seat a new link). The end of this call, not a link to repair.
struct Replaced { std::string reason; bool operator==(const Replaced&) const = default; };
struct MediaState { std::string from; bool muted = false; bool operator==(const MediaState&) const = default; };
using Event = std::variant<Welcome, PeerJoined, PeerLeft, Description, Candidate, Refused, Lost, Warning, RoomClosed,
                           ChatMessage, JoinRequest, JoinDecision, GoAway, Replaced, MediaState>;
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
  virtual void send_description(std::string_view to, std::string_view type, std::string_view sdp) = 0;
  virtual void send_candidate(std::string_view to, const nlohmann::json& candidate) = 0;  // null = end of candidates
  virtual void leave() = 0;
  virtual void send_media_state(bool /*muted*/) {}  // tell the others whether we are muted, if the backend relays it
  virtual std::optional<std::string> poll_transmit() = 0;
  virtual std::optional<signal::Event> poll_event() = 0;
  virtual std::optional<Instant> poll_timeout() const = 0;
};

// A multi-step admission over HTTP: poll_request() until empty, hand each answer back, read outcome().
class AdmissionFlow {
 public:
  virtual ~AdmissionFlow() = default;
  virtual std::optional<HttpRequestSpec> poll_request() = 0;
  virtual void handle_response(int status, std::string_view body, Instant now) = 0;
  virtual std::optional<Result<Admission>> outcome() = 0;  // set once the flow is done
};

enum class MediaPlane { PeerToPeer, Vendor };
// Who links to whom: a pair (1:1), a full mesh, a star around a hub that relays audio between the
// spokes (mix-minus), or none (a vendor SDK owns the media).
enum class Topology { Pair, Mesh, Star, None };
std::string_view to_string(MediaPlane);
std::string_view to_string(Topology);

class Profile {
 public:
  virtual ~Profile() = default;
  virtual std::string_view name() const = 0;
  virtual MediaPlane media_plane() const { return MediaPlane::PeerToPeer; }
  virtual Topology topology() const { return Topology::Pair; }
  virtual std::string_view vendor() const { return {}; }  // the adapter module for vendor media
  // The entry this profile reads from the page URL (an invite) or asks the person for (a name).
  virtual EntryKind page_entry() const { return EntryKind::Invite; }
  // A Name entry: the page URL may name a room (`?room=`); "" when it does not.
  virtual std::string room_from_url(std::string_view url) const;
  // Whether an invite is redeemed as the page opens (true) or only when the person presses Join.
  virtual bool admits_on_open() const { return true; }
  virtual std::unique_ptr<AdmissionFlow> admission(const Entry&) const = 0;
  // A request that looks at an invite without spending it (for the pre-join), and its answer.
  virtual std::optional<HttpRequestSpec> lookup(const Entry&) const { return std::nullopt; }
  virtual Result<Lookup> parse_lookup(const Entry&, int /*status*/, std::string_view /*body*/, Instant /*now*/) const {
    return Lookup{};
  }
  // The WebSocket URL to open for this admission (unused by vendor profiles).
  virtual Result<std::string> signaling_url(const Admission&) const = 0;
#ifndef EARSHOT_SELFHOSTED_ONLY
  // The same at wall time `now`, asked again for every (re)connection: a presigned URL (KVS) is signed
  // with the time and lives five minutes.
  virtual Result<std::string> signaling_url_at(const Admission& a, Instant /*now*/) const { return signaling_url(a); }
  // A page module that runs before any call: the kvs chat (web/vendor/kvs.js), started when the page
  // opens; it hands the call its entry (a voice token) later. "" = none.
  virtual std::string_view page_module() const { return {}; }
  // The page module renewed the credentials of the call in progress (`token`, for the same room): the
  // token to use from the next (re)connection on, or nothing when it cannot replace `in_use`'s.
  virtual std::optional<std::string> renewed_token(const Admission& /*in_use*/, const std::string& /*token*/) const { return std::nullopt; }
  // The room's signaling link never opened, through every retry until the call gave up: the failure to
  // show, when the profile knows a likelier cause than the network (a KVS channel's viewer limit).
  virtual std::optional<Failure> never_reached(const Admission&) const { return std::nullopt; }
#endif
  virtual std::unique_ptr<SignalingChannel> open_channel(const Admission&) const = 0;  // nullptr: none
};

// A one-request admission: the common case (invite redemption, join by name).
class SingleRequestFlow final : public AdmissionFlow {
 public:
  using Parse = Result<Admission> (*)(const Entry&, int status, std::string_view body, Instant now);
  SingleRequestFlow(Entry entry, HttpRequestSpec request, Parse parse)
      : entry_(std::move(entry)), request_(std::move(request)), parse_(parse) {}
  std::optional<HttpRequestSpec> poll_request() override;
  void handle_response(int status, std::string_view body, Instant now) override;
  std::optional<Result<Admission>> outcome() override { return outcome_; }

 private:
  Entry entry_;
  std::optional<HttpRequestSpec> request_;
  Parse parse_;
  std::optional<Result<Admission>> outcome_;
};

struct ProfileConfig {
  std::string name = "selfhosted";  // selfhosted | chime | kvs | ivs
  std::string api_base;             // "http://127.0.0.1:8080" (no trailing slash); empty = page origin
  int room_size = 2;                // selfhosted: 2 = a pair; 3..6 = a mesh
  std::string topology;             // "" = the profile's own; selfhosted may say "star" (a hub relays)
  int utc_offset_min = kUtcOffsetUnknown;  // the person's local time zone, for times in sentences
};
// Failure profile.unknown for unknown names, profile.unavailable for profiles not built yet.
Result<std::unique_ptr<const Profile>> make_profile(const ProfileConfig&);

}  // namespace earshot
