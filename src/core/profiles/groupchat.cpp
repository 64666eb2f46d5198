// See groupchat.hpp. Field names and shapes follow standins/kvs/README.md (seed 003's routes, seed 001's
// voice routes); unknown fields are ignored, missing ones make the frame Garbage, never a throw.
#include "earshot/groupchat.hpp"

#include "earshot/crypto.hpp"
#include "earshot/failures.hpp"
#include "earshot/json.hpp"

namespace earshot::groupchat {
using nlohmann::json;

namespace {
std::string str(const json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
bool flag(const json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}
std::vector<Member> members_of(const json& j) {
  std::vector<Member> out;
  auto it = j.find("members");
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& m : *it) {
    if (m.is_string()) out.push_back(Member{m.get<std::string>(), false, false});
    else if (m.is_object() && !str(m, "username").empty()) out.push_back(Member{str(m, "username"), flag(m, "isAdmin"), flag(m, "online")});
  }
  return out;
}
// ChatMessages.timestamp: epoch milliseconds (0 when missing or not a plausible time).
Instant time_of(const json& j) {
  auto it = j.find("timestamp");
  if (it == j.end() || !it->is_number()) return 0;
  const double t = it->get<double>();
  return t >= 0 && t < 253402300800000.0 ? static_cast<Instant>(t) : 0;
}
}  // namespace

std::string Client::url(std::string_view endpoint, std::string_view username) {
  std::string u(endpoint);
  u += u.find('?') == std::string::npos ? '?' : '&';
  return u + "username=" + crypto::uri_encode(username);
}

void Client::send(json frame) { out_.push_back(frame.dump(-1, ' ', false, json::error_handler_t::replace)); }

void Client::create_room(std::string_view name) {
  json f{{"action", "createRoom"}};
  if (!name.empty()) f["roomName"] = name;
  send(std::move(f));
}

void Client::join_room(std::string_view room_id) {
  room_ = std::string(room_id);
  send(json{{"action", "joinRoom"}, {"roomId", room_}});
}

void Client::approve(std::string_view username) { send(json{{"action", "approveJoin"}, {"roomId", room_}, {"username", username}}); }
void Client::reject(std::string_view username) { send(json{{"action", "rejectJoin"}, {"roomId", room_}, {"username", username}}); }
void Client::get_members() { send(json{{"action", "getMembers"}, {"roomId", room_}}); }
void Client::start_voice() { send(json{{"action", "createVoiceRoom"}, {"roomId", room_}}); }

void Client::voice_credentials() {
  json f{{"action", "getVoiceCredentials"}, {"roomId", room_}};
  if (!voice_room_.empty()) f["voiceRoomId"] = voice_room_;
  send(std::move(f));
}

void Client::end_voice() {
  json f{{"action", "endVoiceRoom"}, {"roomId", room_}};
  if (!voice_room_.empty()) f["voiceRoomId"] = voice_room_;
  send(std::move(f));
}

std::optional<Failure> Client::send_message(std::string_view text) {
  if (room_.empty()) return make_failure("chat.no_room");
  json f{{"action", "sendMessage"}, {"roomId", room_}, {"message", text}};
  std::string frame = f.dump(-1, ' ', false, json::error_handler_t::replace);
  if (frame.size() > kMaxFrameBytes) {
    const std::size_t over = frame.size() - text.size();  // the envelope's own bytes
    return make_failure("chat.too_large", {{"size", std::to_string((text.size() + 1023) / 1024)},
                                           {"max", std::to_string((kMaxFrameBytes - over) / 1024)}});
  }
  out_.push_back(std::move(frame));
  return std::nullopt;
}

void Client::handle_frame(std::string_view text) {
  const json j = parse_json_text(text);
  if (!j.is_object()) return events_.push_back(ev::Garbage{"a chat frame that is not a JSON object"});
  const std::string type = str(j, "type");
  const std::string room = str(j, "roomId");
  if (type == "error") return events_.push_back(ev::Refused{str(j, "action"), str(j, "code"), utf8_prefix(str(j, "message"), 300)});
  if (type == "roomCreated" || type == "joinApproved") {
    if (room.empty()) return events_.push_back(ev::Garbage{type + " without a roomId"});
    room_ = room;
    const bool admin = type == "roomCreated" || flag(j, "isAdmin");
    std::vector<Member> members = members_of(j);
    if (members.empty()) members.push_back(Member{str(j, "admin"), true, true});
    return events_.push_back(ev::Joined{room, str(j, "roomName"), str(j, "admin"), admin, std::move(members)});
  }
  if (type == "joinRequested") return events_.push_back(ev::Pending{room, str(j, "roomName"), str(j, "admin")});
  if (type == "joinRejected") return events_.push_back(ev::Rejected{room, utf8_prefix(str(j, "reason"), 200)});
  if (type == "joinRequest") return events_.push_back(ev::JoinRequest{room, str(j, "username")});
  if (type == "memberJoined") return events_.push_back(ev::MemberJoined{room, str(j, "username")});
  if (type == "joinDecision") return;  // the admin's own echo; the members list follows from memberJoined
  if (type == "members") {
    ev::Members m{room, str(j, "admin"), members_of(j), {}};
    if (auto it = j.find("pendingRequests"); it != j.end() && it->is_array())
      for (const auto& p : *it)
        if (p.is_string()) m.pending.push_back(p.get<std::string>());
    return events_.push_back(std::move(m));
  }
  if (type == "message") {
    if (!j.contains("message") || !j["message"].is_string()) return events_.push_back(ev::Garbage{"a message without text"});
    return events_.push_back(ev::Message{room, str(j, "messageId"), str(j, "username"), j["message"].get<std::string>(), time_of(j)});
  }
  if (type == "voiceRoomCreated") {
    voice_room_ = str(j, "voiceRoomId");
    return events_.push_back(ev::VoiceStarted{room, voice_room_, str(j, "channelName"), str(j, "channelARN"), str(j, "masterUserId")});
  }
  if (type == "voiceCredentials") {
    ev::VoiceCredentials v{room, str(j, "voiceRoomId"), str(j, "channelARN"), str(j, "region"), str(j, "role"), str(j, "clientId"), {}, {}, {}, json::array()};
    const json creds = j.contains("credentials") && j["credentials"].is_object() ? j["credentials"] : json::object();
    v.credentials = Credentials{str(creds, "accessKeyId"), str(creds, "secretAccessKey"), str(creds, "sessionToken"), str(creds, "expiration")};
    const json ends = j.contains("endpoints") && j["endpoints"].is_object() ? j["endpoints"] : json::object();
    v.wss_endpoint = str(ends, "WSS");
    v.https_endpoint = str(ends, "HTTPS");
    if (j.contains("iceServers") && j["iceServers"].is_array()) v.ice_servers = j["iceServers"];
    if (v.channel_arn.empty() || v.credentials.access_key_id.empty() || v.credentials.secret_access_key.empty() ||
        v.wss_endpoint.rfind("wss://", 0) != 0 || (v.role != "MASTER" && v.role != "VIEWER") || (v.role == "VIEWER" && v.client_id.empty()))
      return events_.push_back(ev::Garbage{"voice credentials without what a signaling connection needs"});
    voice_room_ = v.voice_room_id.empty() ? voice_room_ : v.voice_room_id;
    return events_.push_back(std::move(v));
  }
  if (type == "voiceRoomEnded") {
    const std::string id = str(j, "voiceRoomId");
    if (id == voice_room_ || id.empty()) voice_room_.clear();
    return events_.push_back(ev::VoiceEnded{room, id, str(j, "endedBy")});
  }
  events_.push_back(ev::Garbage{"an unknown chat frame type '" + utf8_prefix(type, 40) + "'"});
}

}  // namespace earshot::groupchat
