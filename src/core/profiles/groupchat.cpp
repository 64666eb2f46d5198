// See groupchat.hpp. Field names and shapes follow standins/kvs/README.md (seed 003's routes, seed 001's
// voice routes); unknown fields are ignored, missing ones make the frame Garbage, never a throw.
#include "earshot/groupchat.hpp"

#include "earshot/crypto.hpp"
#include "earshot/failures.hpp"
#include "earshot/json.hpp"

namespace earshot::groupchat {
using nlohmann::json;

namespace {
constexpr auto str = json_string;
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
// A ChatMessages row (a live `message` push, or one of `messages`); nothing when it has no text.
std::optional<ev::Message> message_of(const json& m, const std::string& room) {
  if (!m.is_object() || !m.contains("message") || !m["message"].is_string()) return std::nullopt;
  return ev::Message{room, str(m, "messageId"), str(m, "username"), m["message"].get<std::string>(), time_of(m)};
}
}  // namespace

// A room view's active voice chat ({"voiceRoom":{"voiceRoomId","masterUserId"}} or null).
void Client::voice_of(const json& j, std::string& room, std::string& master) {
  auto it = j.find("voiceRoom");
  if (it == j.end() || !it->is_object()) return;
  room = str(*it, "voiceRoomId");
  master = str(*it, "masterUserId");
  if (room.empty()) return;
  voice_room_ = room;
  voice_master_ = master;
}

namespace {
json members_json(const std::vector<Member>& ms) {
  json a = json::array();
  for (const auto& m : ms) {
    json o = json::object();
    o["username"] = m.username;
    o["admin"] = m.admin;
    o["online"] = m.online;
    a.push_back(std::move(o));
  }
  return a;
}
struct ToJson {
  json o = json::object();
  void operator()(const ev::Joined& e) {
    o["type"] = "joined"; o["roomId"] = e.room_id; o["roomName"] = e.room_name; o["admin"] = e.admin; o["isAdmin"] = e.is_admin;
    o["members"] = members_json(e.members); o["voiceRoomId"] = e.voice_room; o["voiceMaster"] = e.voice_master;
  }
  void operator()(const ev::Pending& e) { o["type"] = "pending"; o["roomId"] = e.room_id; o["roomName"] = e.room_name; o["admin"] = e.admin; }
  void operator()(const ev::Rejected& e) { o["type"] = "rejected"; o["roomId"] = e.room_id; o["reason"] = e.reason; }
  void operator()(const ev::JoinRequest& e) { o["type"] = "join-request"; o["roomId"] = e.room_id; o["username"] = e.username; }
  void operator()(const ev::MemberJoined& e) { o["type"] = "member-joined"; o["roomId"] = e.room_id; o["username"] = e.username; }
  void operator()(const ev::Members& e) {
    o["type"] = "members"; o["roomId"] = e.room_id; o["admin"] = e.admin; o["members"] = members_json(e.members);
    o["pending"] = e.pending; o["voiceRoomId"] = e.voice_room; o["voiceMaster"] = e.voice_master;
  }
  void operator()(const ev::Message& e) {
    o["type"] = "message"; o["roomId"] = e.room_id; o["id"] = e.id; o["from"] = e.from; o["text"] = e.text; o["at"] = static_cast<double>(e.at);
  }
  void operator()(const ev::History& e) {
    o["type"] = "history"; o["roomId"] = e.room_id;
    json a = json::array();
    for (const auto& m : e.messages) {
      ToJson one;
      one(m);
      a.push_back(std::move(one.o));
    }
    o["messages"] = std::move(a);
  }
  void operator()(const ev::VoiceStarted& e) {
    o["type"] = "voice-started"; o["roomId"] = e.room_id; o["voiceRoomId"] = e.voice_room_id; o["channelName"] = e.channel_name; o["master"] = e.master;
  }
  void operator()(const ev::VoiceCredentials& e) {
    o["type"] = "voice-credentials"; o["roomId"] = e.room_id; o["voiceRoomId"] = e.voice_room_id; o["role"] = e.role; o["master"] = e.master;
  }
  void operator()(const ev::VoiceEnded& e) { o["type"] = "voice-ended"; o["roomId"] = e.room_id; o["voiceRoomId"] = e.voice_room_id; o["endedBy"] = e.ended_by; }
  void operator()(const ev::Refused& e) { o["type"] = "refused"; o["action"] = e.action; o["code"] = e.code; o["message"] = e.message; }
  void operator()(const ev::Garbage& e) { o["type"] = "garbage"; o["what"] = e.what; }
};
}  // namespace

json to_json(const Event& e) {
  ToJson t;
  std::visit(t, e);
  return std::move(t.o);
}

std::string Client::url(std::string_view endpoint, std::string_view username) {
  std::string u(endpoint);
  u += u.find('?') == std::string::npos ? '?' : '&';
  return u + "username=" + crypto::uri_encode(username);
}

void Client::send(json frame) { out_.push_back(json_text(frame)); }

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
void Client::get_messages(int limit) { send(json{{"action", "getMessages"}, {"roomId", room_}, {"limit", limit}}); }
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
  std::string frame = json_text(f);
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
    ev::Joined e{room, str(j, "roomName"), str(j, "admin"), admin, std::move(members)};
    voice_of(j, e.voice_room, e.voice_master);
    return events_.push_back(std::move(e));
  }
  if (type == "joinRequested") return events_.push_back(ev::Pending{room, str(j, "roomName"), str(j, "admin")});
  if (type == "joinRejected") return events_.push_back(ev::Rejected{room, utf8_prefix(str(j, "reason"), 200)});
  if (type == "joinRequest") return events_.push_back(ev::JoinRequest{room, str(j, "username")});
  if (type == "memberJoined") return events_.push_back(ev::MemberJoined{room, str(j, "username")});
  if (type == "joinDecision") {  // the admin's answer (the other members get memberJoined)
    if (str(j, "decision") == "approved" && !str(j, "username").empty()) return events_.push_back(ev::MemberJoined{room, str(j, "username")});
    return;
  }
  if (type == "members") {
    ev::Members m{room, str(j, "admin"), members_of(j), {}};
    voice_of(j, m.voice_room, m.voice_master);
    if (auto it = j.find("pendingRequests"); it != j.end() && it->is_array())
      for (const auto& p : *it)
        if (p.is_string()) m.pending.push_back(p.get<std::string>());
    return events_.push_back(std::move(m));
  }
  if (type == "message") {
    if (auto m = message_of(j, room)) return events_.push_back(std::move(*m));
    return events_.push_back(ev::Garbage{"a message without text"});
  }
  if (type == "messages") {  // getMessages: ChatMessages rows, oldest first; rows without text are skipped
    ev::History h{room, {}};
    if (auto it = j.find("messages"); it != j.end() && it->is_array())
      for (const auto& row : *it)
        if (auto m = message_of(row, room)) h.messages.push_back(std::move(*m));
    return events_.push_back(std::move(h));
  }
  if (type == "voiceRoomCreated") {
    voice_room_ = str(j, "voiceRoomId");
    voice_master_ = str(j, "masterUserId");
    return events_.push_back(ev::VoiceStarted{room, voice_room_, str(j, "channelName"), str(j, "channelARN"), voice_master_});
  }
  if (type == "voiceCredentials") {
    ev::VoiceCredentials v{room, str(j, "voiceRoomId"), str(j, "channelARN"), str(j, "region"), str(j, "role"), str(j, "clientId"), {}, {}, {}, json::array()};
    const json creds = j.contains("credentials") && j["credentials"].is_object() ? j["credentials"] : json::object();
    v.credentials = Credentials{str(creds, "accessKeyId"), str(creds, "secretAccessKey"), str(creds, "sessionToken"), str(creds, "expiration")};
    const json ends = j.contains("endpoints") && j["endpoints"].is_object() ? j["endpoints"] : json::object();
    v.master = str(j, "masterUserId");
    v.wss_endpoint = str(ends, "WSS");
    v.https_endpoint = str(ends, "HTTPS");
    if (j.contains("iceServers") && j["iceServers"].is_array()) v.ice_servers = j["iceServers"];
    if (v.channel_arn.empty() || v.credentials.access_key_id.empty() || v.credentials.secret_access_key.empty() ||
        v.wss_endpoint.rfind("wss://", 0) != 0 || (v.role != "MASTER" && v.role != "VIEWER") || (v.role == "VIEWER" && v.client_id.empty()))
      return events_.push_back(ev::Garbage{"voice credentials without what a signaling connection needs"});
    voice_room_ = v.voice_room_id.empty() ? voice_room_ : v.voice_room_id;
    if (!v.master.empty()) voice_master_ = v.master;
    return events_.push_back(std::move(v));
  }
  if (type == "voiceRoomEnded") {
    const std::string id = str(j, "voiceRoomId");
    if (id == voice_room_ || id.empty()) {
      voice_room_.clear();
      voice_master_.clear();
    }
    return events_.push_back(ev::VoiceEnded{room, id, str(j, "endedBy")});
  }
  events_.push_back(ev::Garbage{"an unknown chat frame type '" + utf8_prefix(type, 40) + "'"});
}

}  // namespace earshot::groupchat
