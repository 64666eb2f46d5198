// The simulated world: event queue on a fake clock, fake driver per client, fake backend, fake media.
#include "sim.hpp"

#include <algorithm>

#include "earshot/crypto.hpp"
#include "earshot/socketio.hpp"

namespace earshot::sim {
using nlohmann::json;

std::string FakeBackend::make_invite(const std::string& room, const std::string& role, const std::string& name,
                                     Instant now, Duration ttl) {
  const std::string jti = "inv" + std::to_string(invites.size() + 1);
  const Instant exp = now + ttl;
  invites[jti] = InviteRec{room, role, name, false, exp};
  json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  json claims = {{"iss", "earshot"}, {"typ", "invite"}, {"room", room}, {"role", role}, {"name", name},
                 {"jti", jti}, {"iat", now / 1000}, {"exp", exp / 1000}};
  std::string input = crypto::base64url_encode(header.dump()) + "." + crypto::base64url_encode(claims.dump());
  return input + "." + crypto::base64url_encode(crypto::as_bytes(crypto::hmac_sha256(jwt_secret, input)));
}

World::World(std::uint64_t seed, Instant start) : now_(start), seed_(seed) {}

void World::at(Instant when, std::function<void()> fn) { queue_.push(Ev{when, seq_++, std::move(fn)}); }

std::string World::invite_url(const std::string& room, const std::string& role, const std::string& name, Duration ttl) {
  return "https://earshot.test/room.html?room=" + room + "&t=" + backend_.make_invite(room, role, name, now_, ttl);
}

Client& World::open(const std::string& name, const std::string& url, CallConfig cfg) {
  cfg.profile.api_base = "https://earshot.test";
  auto c = std::make_unique<Client>();
  c->name = name;
  c->url = url;
  c->config = cfg;
  c->call = std::make_unique<Call>(cfg, now_, seed_ * 1000 + clients_.size());
  Client& ref = *c;
  clients_.push_back(std::move(c));
  input(ref, in::PageOpened{url});
  levels_tick(ref);
  return ref;
}

Client& World::reload(Client& old) {
  // pagehide: the page says goodbye (the peer hears "left" at once) but the tab keeps its session
  input(old, in::PageClosing{});
  // then the page dies: sockets close under the server, the peer connection stops answering
  for (auto l : std::vector<std::uint64_t>(old.open_links.begin(), old.open_links.end())) {
    old.open_links.erase(l);
    at(now_ + latency, [this, &old, l] { ws_close(old, l, false); });
  }
  if (old.pc && !old.pc->closed) perform(old, fx::ClosePeer{});
  old.mic = false;
  old.call = std::make_unique<Call>(old.config, now_, seed_ * 7777 + clients_.size());  // a dead page: idle forever
  auto c = std::make_unique<Client>();
  c->name = old.name;
  c->url = old.url;
  c->config = old.config;
  c->saved = old.saved;
  c->call = std::make_unique<Call>(c->config, now_, seed_ * 1000 + clients_.size());
  Client& ref = *c;
  clients_.push_back(std::move(c));
  input(ref, in::PageOpened{ref.url, ref.saved});
  levels_tick(ref);
  return ref;
}

void World::input(Client& c, const Input& in) {
  c.call->handle(in, now_);
  drain(c);
}

void World::drain(Client& c) {
  while (auto e = c.call->poll_effect()) {
    c.effects.push_back(*e);
    perform(c, *e);
  }
}

Client* World::peer_of(const Client& c) const {
  auto snap = c.call->snapshot();
  if (!snap.peer) return nullptr;
  for (auto& o : clients_)
    if (o.get() != &c && o->call->snapshot().self && o->call->snapshot().self->id == snap.peer->id &&
        !is_terminal(o->state()))
      return o.get();
  return nullptr;
}

double World::received_level(Client& c) const {
  Client* p = peer_of(c);
  if (!p || !c.pc || !p->pc || c.pc->state != "connected" || p->pc->state != "connected" || !network_ok_) return 0;
  return (p->mic && p->mic_enabled) ? 0.3 : 0.0;
}

void World::levels_tick(Client& c) {
  at(now_ + 100, [this, &c] {
    if (is_terminal(c.state())) return;
    if (c.mic) input(c, in::AudioLevels{0.3, received_level(c)});
    levels_tick(c);
  });
}

// ---- fake driver --------------------------------------------------------------------------------
void World::perform(Client& c, const Effect& e) {
  std::visit(
      [&](const auto& ef) {
        using T = std::decay_t<decltype(ef)>;
        if constexpr (std::is_same_v<T, fx::AcquireMic>) {
          at(now_ + 5, [this, &c, dev = ef.device_id] {
            if (c.mic_fails) return input(c, in::MicFailed{c.mic_error, ""});
            c.mic = true;
            c.mic_device = dev.empty() ? "default" : dev;
            input(c, in::MicGranted{c.mic_device, "Fake mic " + c.mic_device});
          });
        } else if constexpr (std::is_same_v<T, fx::ReleaseMic>) {
          c.mic = false;
        } else if constexpr (std::is_same_v<T, fx::SetMicEnabled>) {
          c.mic_enabled = ef.enabled;
        } else if constexpr (std::is_same_v<T, fx::HttpRequest>) {
          ++c.http_requests;
          http(c, ef);
        } else if constexpr (std::is_same_v<T, fx::OpenLink>) {
          c.link_open_times.push_back(now_);
          c.open_links.insert(ef.id);
          at(now_ + latency, [this, &c, id = ef.id] { ws_open(c, id); });
        } else if constexpr (std::is_same_v<T, fx::SendOnLink>) {
          if (!c.open_links.count(ef.id)) c.violations.push_back("send on a link that is not open: " + ef.text);
          at(now_ + latency, [this, &c, id = ef.id, text = ef.text] { ws_frame(c, id, text); });
        } else if constexpr (std::is_same_v<T, fx::CloseLink>) {
          if (c.open_links.erase(ef.id)) at(now_ + latency, [this, &c, id = ef.id] { ws_close(c, id, false); });
        } else if constexpr (std::is_same_v<T, fx::CreatePeer>) {
          if (c.pc && !c.pc->closed) c.violations.push_back("create-peer while a peer connection is open");
          c.pc = std::make_unique<FakePeer>();
          c.pc->serial = ++pc_serial_;
          c.pc->configuration = ef.configuration;
        } else if constexpr (std::is_same_v<T, fx::ClosePeer>) {
          if (!c.pc || c.pc->closed) return;
          c.pc->closed = true;
          // ICE consent freshness: the other side notices after a few seconds that nobody answers
          for (auto& o : clients_) {
            if (o.get() == &c || !o->pc || o->pc->closed || o->pc->state != "connected") continue;
            auto os = o->call->snapshot();
            if (!os.peer || !c.call->snapshot().self || os.peer->id != c.call->snapshot().self->id) continue;
            Client& other = *o;
            pc_event(other, [this, &other](FakePeer& pc) {
              if (pc.state != "connected") return;
              pc.state = "disconnected";
              pc.connected_epoch = -1;
              input(other, in::PeerStateChanged{"disconnected"});
            }, 3000);
          }
        } else if constexpr (std::is_same_v<T, fx::CreateOffer> || std::is_same_v<T, fx::CreateAnswer>) {
          constexpr bool offer = std::is_same_v<T, fx::CreateOffer>;
          if (!c.pc || c.pc->closed) return c.violations.push_back("negotiation without a peer connection");
          if (!offer && c.pc->signaling != "have-remote-offer") return c.violations.push_back("create-answer without a remote offer");
          pc_event(c, [this, &c, gen = ef.generation](FakePeer& pc) {
            if (offer && pc.signaling != "stable") return input(c, in::NegotiationFailed{gen, "createOffer", "InvalidStateError"});
            pc.signaling = offer ? "have-local-offer" : "stable";
            pc.local = offer ? "offer" : "answer";
            ++pc.negotiation_epoch;
            input(c, in::LocalDescriptionReady{gen, offer ? "offer" : "answer",
                                               std::string("v=0 ") + (offer ? "offer" : "answer") + " from " + c.name +
                                                   "\r\na=fingerprint:sha-256 FAKE-" + std::to_string(pc.serial) + "\r\n"});
            trickle(c);
            check_connectivity();
          }, 5);
        } else if constexpr (std::is_same_v<T, fx::RollbackLocal>) {
          if (!c.pc || c.pc->signaling != "have-local-offer") c.violations.push_back("rollback without a local offer");
          else c.pc->signaling = "stable";
          ++c.rollbacks;
        } else if constexpr (std::is_same_v<T, fx::ApplyRemoteDescription>) {
          if (!c.pc || c.pc->closed) return c.violations.push_back("remote description without a peer connection");
          if (ef.type == "offer" && c.pc->signaling == "have-local-offer")
            return c.violations.push_back("remote offer applied while holding a local offer (no rollback)");
          if (ef.type == "answer" && c.pc->signaling != "have-local-offer")
            return c.violations.push_back("remote answer applied without a local offer");
          pc_event(c, [this, &c, gen = ef.generation, type = ef.type, sdp = ef.sdp](FakePeer& pc) {
            const std::string fp = sdp.substr(std::min(sdp.size(), sdp.find("a=fingerprint:")));
            if (!pc.remote_fingerprint.empty() && fp != pc.remote_fingerprint) {
              // what Chromium does: a live connection cannot switch to another peer's certificate
              return input(c, in::NegotiationFailed{gen, "setRemoteDescription", "InvalidAccessError: fingerprint changed"});
            }
            pc.remote_fingerprint = fp;
            pc.signaling = type == "offer" ? "have-remote-offer" : "stable";
            pc.remote = type;
            pc.remote_candidates = 0;
            ++pc.negotiation_epoch;
            if (type == "offer") pc.local.clear();
            input(c, in::RemoteDescriptionApplied{gen});
            check_connectivity();
          }, 30);  // slow on purpose: the peer's candidates arrive before this completes
        } else if constexpr (std::is_same_v<T, fx::AddRemoteCandidate>) {
          if (!c.pc || c.pc->closed) return c.violations.push_back("candidate added to a closed peer connection");
          if (c.pc->remote.empty()) return c.violations.push_back("candidate added before the remote description");
          if (!ef.candidate.is_null()) ++c.pc->remote_candidates;
          check_connectivity();
        } else if constexpr (std::is_same_v<T, fx::Announce>) {
          c.announcements.push_back(ef.text);
        } else if constexpr (std::is_same_v<T, fx::SaveSession>) {
          c.saved = ef.value;
        }
      },
      e);
}

void World::pc_event(Client& c, std::function<void(FakePeer&)> fn, Duration delay) {
  FakePeer* pc = c.pc.get();
  at(now_ + delay, [this, &c, pc, fn = std::move(fn)] {
    if (c.pc.get() != pc || pc->closed) return;  // the driver's handle table: stale callbacks are dropped
    fn(*pc);
  });
}

void World::trickle(Client& c) {
  for (int i = 0; i < 3; ++i)
    pc_event(c, [this, &c, i](FakePeer&) {
      if (c.relay_refused) {
        if (i == 0) input(c, in::IceCandidateError{401, "turn:earshot.test:3478?transport=udp", "Unauthorized"});
        if (i == 2) input(c, in::IceGatheringComplete{0});
        return;
      }
      if (i < 2)
        input(c, in::LocalCandidate{json{{"candidate", "candidate:" + std::to_string(i) + " 1 udp 2122260223 10.0.0." +
                                                        std::to_string(i + 1) + " 5000" + std::to_string(i) + " typ host"},
                                         {"sdpMid", "0"}, {"sdpMLineIndex", 0}}});
      else {
        input(c, in::LocalCandidate{nullptr});
        input(c, in::IceGatheringComplete{2});
      }
    }, 1 + i);
}

void World::check_connectivity() {
  for (auto& cp : clients_) {
    Client& a = *cp;
    Client* b = peer_of(a);
    if (!a.pc || a.pc->closed || !b || !b->pc || b->pc->closed) continue;
    FakePeer& p = *a.pc;
    FakePeer& q = *b->pc;
    const bool negotiated = !p.local.empty() && !p.remote.empty() && !q.local.empty() && !q.remote.empty() &&
                            p.local != p.remote && p.remote_candidates > 0 && q.remote_candidates > 0;
    if (!negotiated || !network_ok_ || p.connected_epoch == p.negotiation_epoch) continue;
    p.connected_epoch = p.negotiation_epoch;
    pc_event(a, [this, &a](FakePeer& pc) {
      if (!network_ok_ || pc.state == "connected") return;
      pc.state = "connected";
      input(a, in::PeerStateChanged{"connected"});
    }, 40);
  }
}

void World::set_network(bool ok) {
  network_ok_ = ok;
  for (auto& cp : clients_) {
    Client& c = *cp;
    if (!c.pc || c.pc->closed) continue;
    if (!ok && c.pc->state == "connected") {
      c.pc->connected_epoch = -1;
      pc_event(c, [this, &c](FakePeer& pc) { pc.state = "disconnected"; input(c, in::PeerStateChanged{"disconnected"}); }, 1000);
    }
  }
  if (ok) check_connectivity();
}

// ---- fake backend: HTTP -------------------------------------------------------------------------
void World::http(Client& c, const fx::HttpRequest& r) {
  at(now_ + latency * 2, [this, &c, r] {
    auto& B = backend_;
    if (B.down) return input(c, in::HttpFailed{r.id, "Failed to fetch"});
    auto reply = [&](int status, json body) { input(c, in::HttpResponded{r.id, status, body.dump()}); };
    if (B.redeem_status) {
      if (!B.redeem_body.empty()) return input(c, in::HttpResponded{r.id, B.redeem_status, B.redeem_body});
      return reply(B.redeem_status, {{"code", B.redeem_code}, {"message", "forced"}});
    }
    if (r.spec.method != "POST" || r.spec.url != "https://earshot.test/api/v1/invites/redeem")
      return reply(404, {{"code", "not_found"}, {"message", "no route"}});
    json body = json::parse(r.spec.body, nullptr, false);
    if (body.is_discarded() || !body.contains("invite")) return reply(400, {{"code", "request.invalid"}, {"message", "invite missing"}});
    const std::string token = body["invite"].get<std::string>();
    // Find the record by jti: decode claims without re-verifying (the fake signed them itself).
    std::string claims_text = *crypto::base64url_decode(token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1));
    json claims = json::parse(claims_text, nullptr, false);
    auto it = B.invites.find(claims["jti"].get<std::string>());
    if (it == B.invites.end()) return reply(401, {{"code", "invite.invalid"}, {"message", "bad"}});
    auto& inv = it->second;
    if (now_ >= inv.exp) return reply(410, {{"code", "invite.expired"}, {"message", "expired"}});
    if (inv.used) return reply(409, {{"code", "invite.used"}, {"message", "used"}});
    inv.used = true;
    const std::string user = "u" + std::to_string(B.next_user++);
    const std::string room_token = "rt:" + inv.room + ":" + user + ":" + inv.name + ":" + inv.role;
    B.token_expiry[room_token] = now_ + B.room_token_ttl;
    reply(200, {{"roomId", inv.room}, {"token", room_token}, {"signalingUrl", "wss://earshot.test/ws"},
                {"ttl", B.room_token_ttl / 1000},
                {"iceServers", json::array({{{"urls", "turn:earshot.test:3478"}, {"username", "1:" + user}, {"credential", "x"}}})},
                {"user", {{"userId", user}, {"name", inv.name}, {"role", inv.role}}}});
  });
}

// ---- fake backend: Engine.IO / Socket.IO server ---------------------------------------------------
void World::ws_open(Client& c, std::uint64_t link) {
  if (!c.open_links.count(link)) return;
  if (backend_.down) {
    c.open_links.erase(link);
    return input(c, in::LinkClosed{link, 1006, "connection refused"});
  }
  FakeBackend::Conn conn{&c, link, "sid" + std::to_string(backend_.next_sid++)};
  conn.next_ping = now_ + 25000;
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
  at(now_ + latency, [this, c, link, frame] {
    if (!c->open_links.count(link)) return;
    input(*c, in::LinkMessage{link, frame});
  });
}

void World::server_emit(FakeBackend::Conn& conn, const std::string& name, const json& data) {
  server_send(conn, "4" + sio::encode_packet(sio::Packet{sio::PacketType::Event, "/", std::nullopt, json::array({name, data})}));
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
      server_send(conn, "4" + sio::encode_packet({sio::PacketType::ConnectError, "/", std::nullopt,
                                                  {{"message", code}, {"data", {{"code", code}, {"message", "refused: " + code}}}}}));
    };
    if (!backend_.connect_error.empty()) return refuse(backend_.connect_error);
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
    if (members.size() >= 2) return refuse("room.full");
    conn.connected = true;
    conn.user_id = user;
    conn.room = room;
    members.push_back({&c, link, user, name, role});
    server_send(conn, "4" + sio::encode_packet({sio::PacketType::Connect, "/", std::nullopt, {{"sid", conn.sid}}}));
    json self = {{"userId", user}, {"name", name}, {"role", role}};
    json others = json::array();
    for (auto& m : members)
      if (m.user_id != user) others.push_back({{"userId", m.user_id}, {"name", m.name}, {"role", m.role}});
    if (backend_.symmetric_join) {
      for (auto& o : others) server_emit(conn, "user-joined", o);
    } else {
      server_emit(conn, "room-state", {{"self", self}, {"participants", others}});
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
  if (name == "webrtc-offer" || name == "webrtc-answer" || name == "ice-candidate") {
    payload["from"] = conn.user_id;
    for (auto& k : backend_.conns)
      if (k.connected && k.room == conn.room && k.user_id != conn.user_id) server_emit(k, name, payload);
  }
}

void World::ws_close(Client& c, std::uint64_t link, bool by_server) {
  auto it = std::find_if(backend_.conns.begin(), backend_.conns.end(), [&](auto& k) { return k.client == &c && k.link == link; });
  if (it == backend_.conns.end()) return;
  server_remove(*it, "disconnected");
  backend_.conns.erase(it);
  if (by_server && c.open_links.erase(link)) at(now_ + latency, [this, &c, link] { input(c, in::LinkClosed{link, 1006, "server closed"}); });
}

void World::drop_signaling(Client& c) {
  std::vector<std::uint64_t> links;
  for (auto& k : backend_.conns)
    if (k.client == &c) links.push_back(k.link);
  for (auto l : links) ws_close(c, l, true);
}

// ---- clock ----------------------------------------------------------------------------------------
bool World::run_until(const std::function<bool()>& pred, Duration limit) {
  const Instant end = now_ + limit;
  while (!pred()) {
    // next thing to happen: a queued event or a core's wake-up
    Instant next = end;
    Client* timer_client = nullptr;
    for (auto& c : clients_)
      if (auto t = c->call->poll_timeout(); t && *t < next) { next = std::max(*t, now_); timer_client = c.get(); }
    if (!queue_.empty() && queue_.top().at <= next) {
      Ev ev = queue_.top();
      queue_.pop();
      now_ = std::max(now_, ev.at);
      ev.fn();
      ++events_run;
      continue;
    }
    if (timer_client) {
      now_ = next;
      timer_client->call->handle_timeout(now_);
      drain(*timer_client);
      ++events_run;
      continue;
    }
    now_ = end;
    return pred();
  }
  return true;
}

void World::run_for(Duration d) {
  run_until([] { return false; }, d);
}

}  // namespace earshot::sim
