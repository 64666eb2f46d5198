// Seed 003's serverless group chat (API Gateway WebSocket + Lambda + DynamoDB) with seed 001's voice
// routes, sans-IO: the JSON frames a member's client sends (`action` routes) and the answers and pushes
// it reads, as standins/kvs (README) serves them. Groundwork for the `kvs` profile (issue 9); the call
// drives one Client per chat socket (`wss://…?username=<name>`).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "earshot/base.hpp"
#include "earshot/fifo.hpp"

namespace earshot::groupchat {

// API Gateway's limits: a WebSocket frame of at most 32 KB (larger: close 1009) and a message of at
// most 128 KB. A browser sends each message as one frame, so 32 KB is what a chat line may weigh.
inline constexpr std::size_t kMaxFrameBytes = 32 * 1024;
inline constexpr std::size_t kMaxMessageBytes = 128 * 1024;

struct Member { std::string username; bool admin = false; bool online = false; bool operator==(const Member&) const = default; };
struct Credentials { std::string access_key_id, secret_access_key, session_token, expiration; bool operator==(const Credentials&) const = default; };

namespace ev {
// In a room (created it, or approved; also a member rejoining): who is in it.
// (`voice_room`/`voice_master`: the room's active voice chat and who started it, "" when none.)
struct Joined { std::string room_id, room_name, admin; bool is_admin = false; std::vector<Member> members; std::string voice_room, voice_master; bool operator==(const Joined&) const = default; };
struct Pending { std::string room_id, room_name, admin; bool operator==(const Pending&) const = default; };      // waiting for the admin
struct Rejected { std::string room_id, reason; bool operator==(const Rejected&) const = default; };
struct JoinRequest { std::string room_id, username; bool operator==(const JoinRequest&) const = default; };      // to the admin
struct MemberJoined { std::string room_id, username; bool operator==(const MemberJoined&) const = default; };
struct Members { std::string room_id, admin; std::vector<Member> members; std::vector<std::string> pending; std::string voice_room, voice_master; bool operator==(const Members&) const = default; };
struct Message { std::string room_id, id, from, text; Instant at = 0; bool operator==(const Message&) const = default; };
struct History { std::string room_id; std::vector<Message> messages; bool operator==(const History&) const = default; };  // oldest first
struct VoiceStarted { std::string room_id, voice_room_id, channel_name, channel_arn, master; bool operator==(const VoiceStarted&) const = default; };
struct VoiceCredentials {
  std::string room_id, voice_room_id, channel_arn, region, role, client_id;  // role MASTER | VIEWER
  Credentials credentials;
  std::string wss_endpoint, https_endpoint;
  nlohmann::json ice_servers = nlohmann::json::array();
  std::string master;  // who started voice (masterUserId)
  bool operator==(const VoiceCredentials&) const = default;
};
struct VoiceEnded { std::string room_id, voice_room_id, ended_by; bool operator==(const VoiceEnded&) const = default; };
// The server refused a request: its code and sentence, and the action it was for.
struct Refused { std::string action, code, message; bool operator==(const Refused&) const = default; };
// A frame that is not one of the above (logged and dropped).
struct Garbage { std::string what; bool operator==(const Garbage&) const = default; };
}  // namespace ev
using Event = std::variant<ev::Joined, ev::Pending, ev::Rejected, ev::JoinRequest, ev::MemberJoined, ev::Members, ev::Message, ev::History,
                           ev::VoiceStarted, ev::VoiceCredentials, ev::VoiceEnded, ev::Refused, ev::Garbage>;

// An event as the page module reads it: {"type":"joined"|"pending"|"rejected"|"join-request"|
// "member-joined"|"members"|"message"|"history"|"voice-started"|"voice-credentials"|"voice-ended"|"refused"|
// "garbage", ...its fields in camelCase}. Voice credentials are left out (see KvsProfile::entry_for).
nlohmann::json to_json(const Event&);

class Client {
 public:
  // The chat socket's URL for `username` at `endpoint` ("wss://host/stage"): ?username= (percent-encoded).
  static std::string url(std::string_view endpoint, std::string_view username);

  void create_room(std::string_view name);  // "" = let the server name it
  void join_room(std::string_view room_id);
  void approve(std::string_view username);
  void reject(std::string_view username);
  // Refused before anything is sent when the frame would pass API Gateway's limits (chat.too_large),
  // or when no room is joined yet.
  std::optional<Failure> send_message(std::string_view text);
  void get_members();
  void get_messages(int limit = 100);  // the room's last messages (a History): after a reconnect, or on arrival
  void start_voice();
  void voice_credentials();
  void end_voice();

  void handle_frame(std::string_view text);
  std::optional<std::string> poll_transmit() { return out_.take(); }
  std::optional<Event> poll_event() { return events_.take(); }
  const std::string& room() const { return room_; }
  const std::string& voice_room() const { return voice_room_; }
  const std::string& voice_master() const { return voice_master_; }  // who started it, as last heard

 private:
  void send(nlohmann::json frame);
  void voice_of(const nlohmann::json& j, std::string& room, std::string& master);
  std::string room_;        // the room we are in (or asked to join)
  std::string voice_room_;  // its active voice room, when one is
  std::string voice_master_;  // ... and who started it (masterUserId)
  Fifo<std::string> out_;
  Fifo<Event> events_;
};

}  // namespace earshot::groupchat
