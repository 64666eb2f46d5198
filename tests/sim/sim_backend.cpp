// The simulated servers: seed 004's redeem endpoint and Engine.IO/Socket.IO signaling (rooms of
// `capacity`, signals broadcast or addressed with `to`), seed 000's Chime join and seed 002's IVS join,
// and a fake vendor SDK session (roster, volumes, meeting ended).
#include <algorithm>

#include "earshot/crypto.hpp"
#include "earshot/socketio.hpp"
#include "sim.hpp"

namespace earshot::sim {
using nlohmann::json;

// ---- HTTP -----------------------------------------------------------------------------------------
void World::http(Client& c, const fx::HttpRequest& r) {
  at(now_ + delay_for(c.name + ">http") + net.latency, [this, &c, r] {
    auto& B = backend_;
    if (B.down) return input(c, in::HttpFailed{r.id, "Failed to fetch"});
    auto reply = [&](int status, json body) { input(c, in::HttpResponded{r.id, status, body.dump()}); };
    json body = json::parse(r.spec.body, nullptr, false);
    const std::string base = "https://earshot.test";
    // seed 000 (Chime): POST /rooms/<id>/join with the invite -> meeting + a new attendee
    if (r.spec.url.rfind(base + "/rooms/", 0) == 0 && r.spec.url.size() > 5 && r.spec.url.substr(r.spec.url.size() - 5) == "/join") {
      const std::string room = r.spec.url.substr(base.size() + 7, r.spec.url.size() - base.size() - 12);
      const std::string user = "att-" + std::to_string(B.next_user++);
      json meeting = {{"MeetingId", "mtg-" + room}, {"ExternalMeetingId", room}, {"MediaRegion", "eu-central-1"},
                      {"MediaPlacement", {{"AudioHostUrl", "audio.earshot.test:3478"}, {"SignalingUrl", "wss://signal.earshot.test/control"},
                                          {"TurnControlUrl", "https://turn.earshot.test"}}}};
      json attendee = {{"AttendeeId", user}, {"ExternalUserId", user}, {"JoinToken", "jt-" + user}};
      if (B.chime_nested) return reply(200, {{"JoinInfo", {{"Meeting", {{"Meeting", meeting}}}, {"Attendee", {{"Attendee", attendee}}}}}});
      return reply(200, {{"Meeting", meeting}, {"Attendee", attendee}});
    }
    // seed 002 (IVS): POST /room/join {username, roomId?} -> a stage participant token
    if (r.spec.url == base + "/room/join") {
      if (body.is_discarded() || !body.contains("username")) return reply(400, {{"error", "BAD_REQUEST"}});
      const std::string room = body.value("roomId", "stage-" + std::to_string(B.next_user));
      const std::string pid = "p-" + std::to_string(B.next_user++);
      json claims = {{"exp", (now_ + 3600000) / 1000}, {"jti", pid}, {"capabilities", {{"allow_publish", true}}},
                     {"attributes", {{"name", body["username"]}}}};
      std::string token = crypto::base64url_encode(std::string(R"({"alg":"ES384"})")) + "." + crypto::base64url_encode(claims.dump()) + ".c2ln";
      return reply(200, {{"roomId", room}, {"stageArn", "arn:aws:ivs:eu-west-1:1:stage/" + room},
                         {"stageConfig", {{"token", token}, {"participantId", pid}}}});
    }
    const bool inspect = r.spec.url == base + "/api/v1/invites/inspect";
    if (B.redeem_status) {  // forced answers: for both invite routes (the lookup meets them first)
      if (!B.redeem_body.empty()) return input(c, in::HttpResponded{r.id, B.redeem_status, B.redeem_body});
      return reply(B.redeem_status, {{"code", B.redeem_code}, {"message", "forced"}});
    }
    if (r.spec.method != "POST" || (!inspect && r.spec.url != base + "/api/v1/invites/redeem"))
      return reply(404, {{"code", "route.not_found"}, {"message", "no route"}});
    if (body.is_discarded() || !body.contains("invite")) return reply(400, {{"code", "request.invalid"}, {"message", "invite missing"}});
    const std::string token = body["invite"].get<std::string>();
    const std::string device = body.value("device", "");
    // Find the record by jti: decode claims without re-verifying (the fake signed them itself).
    std::string claims_text = *crypto::base64url_decode(token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1));
    json claims = json::parse(claims_text, nullptr, false);
    auto it = B.invites.find(claims["jti"].get<std::string>());
    if (it == B.invites.end()) return reply(401, {{"code", "invite.invalid"}, {"message", "bad"}});
    auto& inv = it->second;
    if (!B.rooms_closed.empty() && B.rooms_closed.count(inv.room)) return reply(410, {{"code", "room.closed"}, {"message", "closed"}});
    if (now_ >= inv.exp && !inv.used) return reply(410, {{"code", "invite.expired"}, {"message", "expired"}});
    const bool in_call = inv.used && B.in_call(inv.room, inv.user);
    if (inspect) {
      json in_room = json::array();
      for (auto& m : B.rooms[inv.room]) in_room.push_back({{"userId", m.user_id}, {"name", m.name}, {"role", m.role}});
      return reply(200, {{"roomId", inv.room}, {"title", "Sim room"}, {"state", !inv.used ? "unused" : inv.device == device ? "yours" : "elsewhere"},
                         {"inCall", in_call}, {"inRoom", in_room}, {"seat", {{"role", inv.role}, {"name", inv.name}}}});
    }
    if (inv.used && device.empty()) return reply(409, {{"code", "invite.used"}, {"message", "used"}});
    if (inv.used && (in_call || inv.device != device) && !body.value("takeover", false))
      return reply(409, {{"code", "invite.in_use"}, {"message", "You are in this call on another device."}, {"inCall", in_call}});
    if (inv.used && !inv.token.empty() && (in_call || inv.device != device)) {  // takeover: the old holder goes
      B.moved_tokens.insert(inv.token);
      B.token_expiry.erase(inv.token);
      for (auto& k : B.conns)
        if (k.connected && k.room == inv.room && k.user_id == inv.user) {
          server_emit(k, "session-replaced", {{"reason", "moved"}, {"message", "You joined this call on another device."}});
          server_remove(k, "moved");
        }
    }
    if (!inv.used) inv.user = "u" + std::to_string(B.next_user++);
    inv.used = true;
    inv.device = device;
    const std::string user = inv.user;
    const std::string room_token = "rt:" + inv.room + ":" + user + ":" + inv.name + ":" + inv.role + ":" + std::to_string(B.next_user++);
    inv.token = room_token;
    B.token_expiry[room_token] = now_ + B.room_token_ttl;
    reply(200, {{"roomId", inv.room}, {"token", room_token}, {"signalingUrl", "wss://earshot.test/ws"},
                {"ttl", B.room_token_ttl / 1000},
                {"iceServers", json::array({{{"urls", "turn:earshot.test:3478"}, {"username", "1:" + user}, {"credential", "x"}}})},
                {"user", {{"userId", user}, {"name", inv.name}, {"role", inv.role}}}});
  });
}

bool FakeBackend::in_call(const std::string& room, const std::string& user) const {
  if (user.empty()) return false;
  return std::any_of(conns.begin(), conns.end(), [&](const Conn& k) { return k.connected && k.room == room && k.user_id == user; });
}

// ---- Engine.IO / Socket.IO server -----------------------------------------------------------------
void World::ws_open(Client& c, std::uint64_t link) {
  if (!c.open_links.count(link)) return;
  if (backend_.down) {
    c.open_links.erase(link);
    return input(c, in::LinkClosed{link, 1006, "connection refused"});
  }
  FakeBackend::Conn conn{&c, link, "sid" + std::to_string(backend_.next_sid++)};
  backend_.conns.push_back(conn);
  input(c, in::LinkOpened{link});
  server_send(backend_.conns.back(), "0" + json{{"sid", conn.sid}, {"upgrades", json::array()}, {"pingInterval", 25000},
                                                {"pingTimeout", 20000}, {"maxPayload", 1000000}}.dump());
  ping_loop(&c, link);
}

// The server pings every 25 s while the connection lives (Engine.IO v4: server -> client).
void World::ping_loop(Client* c, std::uint64_t link) {
  at(now_ + 25000, [this, c, link] {
    auto it = std::find_if(backend_.conns.begin(), backend_.conns.end(), [&](auto& k) { return k.client == c && k.link == link; });
    if (it == backend_.conns.end()) return;
    server_send(*it, "2");
    ping_loop(c, link);
  });
}

void World::server_send(FakeBackend::Conn& conn, const std::string& frame) {
  backend_.log.push_back("S->" + conn.client->name + " " + frame.substr(0, 120));
  Client* c = conn.client;
  const std::uint64_t link = conn.link;
  at(now_ + delay_for(c->name + "<" + std::to_string(link)), [this, c, link, frame] {
    if (!c->open_links.count(link)) return;
    input(*c, in::LinkMessage{link, frame});
  });
}

void World::server_emit(FakeBackend::Conn& conn, const std::string& name, const json& data) {
  server_send(conn, "4" + sio::encode_packet(sio::Packet{sio::PacketType::Event, "/", std::nullopt, json::array({name, data})}));
}

void World::server_event(Client& c, const std::string& name, const json& payload) {
  for (auto& k : backend_.conns)
    if (k.client == &c && k.connected) return server_emit(k, name, payload);
}

void World::server_remove(FakeBackend::Conn& conn, const std::string& reason) {
  if (!conn.connected) return;
  conn.connected = false;
  auto& members = backend_.rooms[conn.room];
  members.erase(std::remove_if(members.begin(), members.end(), [&](auto& m) { return m.client == conn.client && m.link == conn.link; }),
                members.end());
  for (auto& other : backend_.conns)
    if (other.connected && other.room == conn.room)
      server_emit(other, "user-left", {{"userId", conn.user_id}, {"reason", reason}});
}

void World::ws_frame(Client& c, std::uint64_t link, const std::string& text) {
  auto it = std::find_if(backend_.conns.begin(), backend_.conns.end(), [&](auto& k) { return k.client == &c && k.link == link; });
  if (it == backend_.conns.end()) return;
  backend_.log.push_back(c.name + "->S " + text.substr(0, 120));
  FakeBackend::Conn& conn = *it;
  if (text == "3") return;
  auto eio = sio::decode_eio(text);
  if (!eio || eio->type != sio::EioType::Message) {
    if (eio && eio->type == sio::EioType::Close) ws_close(c, link, false);
    return;
  }
  auto p = sio::decode_packet(eio->data);
  if (!p) return c.violations.push_back("client sent a malformed packet: " + text);
  if (p->type == sio::PacketType::Connect) {
    const std::string token = p->data.is_object() && p->data.contains("token") ? p->data["token"].get<std::string>() : "";
    auto refuse = [&](const std::string& code) {
      json data = {{"code", code}, {"message", "refused: " + code}};
      if (code == "room.full") data["capacity"] = backend_.capacity;
      server_send(conn, "4" + sio::encode_packet({sio::PacketType::ConnectError, "/", std::nullopt, {{"message", code}, {"data", data}}}));
    };
    if (!backend_.connect_error.empty()) return refuse(backend_.connect_error);
    if (backend_.moved_tokens.count(token)) return refuse("session.moved");
    auto exp = backend_.token_expiry.find(token);
    if (exp == backend_.token_expiry.end()) return refuse("token.invalid");
    if (now_ >= exp->second) return refuse("token.expired");
    // rt:<room>:<user>:<name>:<role>
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= token.size(); ++i)
      if (i == token.size() || token[i] == ':') { parts.push_back(token.substr(start, i - start)); start = i + 1; }
    const std::string room = parts[1], user = parts[2], name = parts[3], role = parts[4];
    auto& members = backend_.rooms[room];
    // the same user again replaces its old socket
    for (auto& k : backend_.conns)
      if (k.connected && k.room == room && k.user_id == user && &k != &conn) {
        k.connected = false;
        members.erase(std::remove_if(members.begin(), members.end(), [&](auto& m) { return m.user_id == user; }), members.end());
      }
    if (static_cast<int>(members.size()) >= backend_.capacity) return refuse("room.full");
    conn.connected = true;
    conn.user_id = user;
    conn.room = room;
    members.push_back({&c, link, user, name, role});
    server_send(conn, "4" + sio::encode_packet({sio::PacketType::Connect, "/", std::nullopt, {{"sid", conn.sid}}}));
    json self = {{"userId", user}, {"name", name}, {"role", role}};
    json others = json::array();
    for (auto& m : members)
      if (m.user_id != user) others.push_back({{"userId", m.user_id}, {"name", m.name}, {"role", m.role}, {"muted", m.muted}});
    if (backend_.symmetric_join) {
      for (auto& o : others) server_emit(conn, "user-joined", o);
    } else {
      server_emit(conn, "room-state", {{"self", self}, {"participants", others}, {"capacity", backend_.capacity}});
    }
    for (auto& k : backend_.conns)
      if (k.connected && k.room == room && k.user_id != user) server_emit(k, "user-joined", self);
    return;
  }
  if (!conn.connected) return;
  if (p->type == sio::PacketType::Disconnect) return server_remove(conn, "disconnected");
  if (p->type != sio::PacketType::Event || !p->data.is_array() || p->data.empty()) return;
  const std::string name = p->data[0].get<std::string>();
  json payload = p->data.size() > 1 ? p->data[1] : json::object();
  if (name == "leave") return server_remove(conn, "left");
  if (name == "media-state") {
    const bool muted = payload.value("muted", false);
    for (auto& m : backend_.rooms[conn.room])
      if (m.user_id == conn.user_id) m.muted = muted;
    for (auto& k : backend_.conns)
      if (k.connected && k.room == conn.room && k.user_id != conn.user_id) server_emit(k, "media-state", {{"from", conn.user_id}, {"muted", muted}});
    return;
  }
  if (name == "webrtc-offer" || name == "webrtc-answer" || name == "ice-candidate") {
    if (name == "webrtc-offer" && backend_.drop_offers > 0 && backend_.drop_offers--) return;
    payload["from"] = conn.user_id;
    const std::string to = payload.contains("to") && payload["to"].is_string() ? payload["to"].get<std::string>() : "";
    bool delivered = false;
    for (auto& k : backend_.conns)
      if (k.connected && k.room == conn.room && k.user_id != conn.user_id && (to.empty() || k.user_id == to)) {
        server_emit(k, name, payload);
        delivered = true;
      }
    if (!to.empty() && !delivered) backend_.undelivered.push_back(name + " to " + to);
  }
}

void World::ws_close(Client& c, std::uint64_t link, bool by_server) {
  auto it = std::find_if(backend_.conns.begin(), backend_.conns.end(), [&](auto& k) { return k.client == &c && k.link == link; });
  if (it == backend_.conns.end()) return;
  server_remove(*it, "disconnected");
  backend_.conns.erase(it);
  // after every frame the server already sent on it (one TCP stream)
  if (by_server && c.open_links.count(link))
    at(now_ + delay_for(c.name + "<" + std::to_string(link)), [this, &c, link] {
      if (c.open_links.erase(link)) input(c, in::LinkClosed{link, 1006, "server closed"});
    });
}

void World::drop_signaling(Client& c) {
  std::vector<std::uint64_t> links;
  for (auto& k : backend_.conns)
    if (k.client == &c) links.push_back(k.link);
  for (auto l : links) ws_close(c, l, true);
}

void World::close_room(const std::string& room) {
  std::vector<std::pair<Client*, std::uint64_t>> in_room;
  for (auto& k : backend_.conns)
    if (k.connected && k.room == room) {
      server_emit(k, "room-closed", {{"roomId", room}, {"reason", "closed"}});
      k.connected = false;  // removed without user-left, as the backend does
      in_room.emplace_back(k.client, k.link);
    }
  backend_.rooms.erase(room);
  backend_.rooms_closed.insert(room);
  backend_.connect_error = "room.closed";
  at(now_ + net.latency * 4, [this, in_room] {
    for (auto [c, l] : in_room) ws_close(*c, l, true);
  });
}

// ---- fake vendor SDK session --------------------------------------------------------------------
void World::vendor_roster(const std::string& meeting) {
  auto& members = meetings_[meeting];
  for (Client* c : members) {
    in::VendorRoster r;
    for (Client* o : members) r.attendees.push_back({o->self_id(), o->name, true, o->vendor_muted});
    // those who left are reported once as not present
    for (auto& other : clients_)
      if (std::find(members.begin(), members.end(), other.get()) == members.end() && !other->self_id().empty() &&
          other->vendor_meeting.empty() && other->call->snapshot().media == MediaPlane::Vendor)
        r.attendees.push_back({other->self_id(), other->name, false, false});
    input(*c, r);
  }
}

void World::end_meeting(const std::string& meeting) {
  auto members = meetings_[meeting];
  meetings_.erase(meeting);
  for (Client* c : members) {
    c->vendor_meeting.clear();
    at(now_ + net.latency, [this, c] { input(*c, in::VendorStopped{"MeetingEnded", "the host ended the meeting"}); });
  }
}

}  // namespace earshot::sim
