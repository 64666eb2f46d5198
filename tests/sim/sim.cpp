// The simulated world: event queue on a fake clock, fake driver per client, fake backends, fake media.
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


// Whom a link is for (a link made ahead of time is assigned later: World::input keeps it current).
std::string Client::participant_of(const FakePeer& pc) const { return pc.participant; }

FakePeer* Client::pc_for(const std::string& participant) {
  for (auto& [id, pc] : pcs)
    if (!pc->closed && participant_of(*pc) == participant) return pc.get();
  return nullptr;
}

FakePeer* Client::first_pc() {
  for (auto& [id, pc] : pcs)
    if (!pc->closed) return pc.get();
  return nullptr;
}

const Member* Client::member(const std::string& who) const {
  for (const auto& m : call->snapshot().participants)
    if (m.who.name == who) return &m;
  return nullptr;
}

World::World(std::uint64_t seed, Instant start) : now_(start), seed_(seed), rng_(seed * 0x9e3779b97f4a7c15ULL + 1) {}

void World::at(Instant when, std::function<void()> fn) { queue_.push(Ev{when, seq_++, std::move(fn)}); }

// One frame's trip along `path`: base latency, jitter, and now and then a loss that TCP repairs
// after an RTO. Frames on one path never overtake each other (a WebSocket is one TCP stream);
// frames on different paths do.
Duration World::delay_for(const std::string& path) {
  auto next = [this] {
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    return static_cast<double>(rng_ >> 11) * (1.0 / 9007199254740992.0);
  };
  Duration d = net.latency;
  if (net.jitter > 0) d += static_cast<Duration>(next() * static_cast<double>(net.jitter));
  if (net.loss > 0 && next() < net.loss) d += net.rto;
  Instant arrive = now_ + d;
  Instant& last = fifo_[path];
  if (arrive < last) arrive = last;
  last = arrive;
  return arrive - now_;
}

std::string World::invite_url(const std::string& room, const std::string& role, const std::string& name, Duration ttl) {
  return "https://earshot.test/room.html?room=" + room + "&t=" + backend_.make_invite(room, role, name, now_, ttl);
}

Client& World::open(const std::string& name, const std::string& url, CallConfig cfg, std::string device) {
  cfg.profile.api_base = "https://earshot.test";
  auto c = std::make_unique<Client>();
  c->name = name;
  c->url = url;
  c->device = device.empty() ? name + "-browser" : std::move(device);
  c->config = cfg;
  c->call = std::make_unique<Call>(cfg, now_, seed_ * 1000 + clients_.size());
  c->loop = std::make_unique<DriverLoop<Call, Input>>(*c->call);
  Client& ref = *c;
  clients_.push_back(std::move(c));
  input(ref, in::PageOpened{url, "", ref.device});
  levels_tick(ref);
  return ref;
}

Client& World::reload(Client& old) {
  // pagehide: the page says goodbye (the others hear "left" at once) but the tab keeps its session
  input(old, in::PageClosing{});
  // then the page dies: sockets close under the server, the peer connections stop answering
  for (auto l : std::vector<std::uint64_t>(old.open_links.begin(), old.open_links.end())) {
    old.open_links.erase(l);
    at(now_ + net.latency, [this, &old, l] { ws_close(old, l, false); });
  }
  for (auto& [id, pc] : old.pcs)
    if (!pc->closed) perform(old, fx::ClosePeer{id});
  old.mic = false;
  old.call = std::make_unique<Call>(old.config, now_, seed_ * 7777 + clients_.size());  // a dead page: idle forever
  old.loop->rebind(*old.call);
  auto c = std::make_unique<Client>();
  c->name = old.name;
  c->url = old.url;
  c->config = old.config;
  c->saved = old.saved;
  c->device = old.device;
  c->call = std::make_unique<Call>(c->config, now_, seed_ * 1000 + clients_.size());
  c->loop = std::make_unique<DriverLoop<Call, Input>>(*c->call);
  Client& ref = *c;
  clients_.push_back(std::move(c));
  input(ref, in::PageOpened{ref.url, ref.saved, ref.device});
  levels_tick(ref);
  return ref;
}

// The driver contract, as the browser driver runs it (driver_loop.hpp).
void World::input(Client& c, const Input& in) {
  c.loop->feed(in, [this] { return Clock{now_}; }, [&](const Effect& e) {
    c.effects.push_back(e);
    perform(c, e);
  }, [](std::optional<Instant>) {});
  learn_links(c);
}

void World::learn_links(Client& c) {
  for (const auto& v : c.call->snapshot().peers)
    if (auto it = c.pcs.find(v.id); it != c.pcs.end() && !v.participant.empty()) it->second->participant = v.participant;
}

Client* World::owner_of(const std::string& user_id) const {
  if (user_id.empty()) return nullptr;
  for (auto& o : clients_)
    if (o->self_id() == user_id && !is_terminal(o->state())) return o.get();
  return nullptr;
}

// The other end of `pc`: the link its participant holds towards c.
FakePeer* World::counterpart(const Client& c, const FakePeer& pc, Client** owner) const {
  Client* o = owner_of(c.participant_of(pc));
  if (!o) return nullptr;
  FakePeer* q = o->pc_for(c.self_id());
  if (owner) *owner = o;
  return q;
}

std::set<std::string> World::direct_voice(const Client& c, const FakePeer& pc) const {
  Client* o = nullptr;
  FakePeer* q = counterpart(c, pc, &o);
  if (!q || pc.closed || q->closed || pc.state != "connected" || q->state != "connected" || !network_ok_) return {};
  if (o->mic && o->mic_enabled) return {o->name};
  return {};
}

// What arrives on `pc`: its sender's voice, plus, from a hub, the voices it receives on the sources
// it mixes in for this link (mix-minus: never this link's own audio).
std::set<std::string> World::voices_on(const Client& c, const FakePeer& pc) const {
  Client* o = nullptr;
  FakePeer* q = counterpart(c, pc, &o);
  if (!q || pc.closed || q->closed || pc.state != "connected" || q->state != "connected" || !network_ok_) return {};
  std::set<std::string> v = direct_voice(c, pc);
  if (q->relaying)
    for (PeerId src : q->relay_sources) {
      auto it = o->pcs.find(src);
      if (it == o->pcs.end() || it->second->closed || it->second.get() == q) continue;
      for (auto& n : direct_voice(*o, *it->second)) v.insert(n);
    }
  return v;
}

std::set<std::string> World::voices(Client& c) const {
  std::set<std::string> all;
  for (auto& [id, pc] : c.pcs)
    for (auto& n : voices_on(c, *pc)) all.insert(n);
  if (!c.vendor_meeting.empty() && network_ok_) {
    auto it = meetings_.find(c.vendor_meeting);
    if (it != meetings_.end())
      for (Client* o : it->second)
        if (o != &c && o->mic && o->mic_enabled && !o->vendor_muted) all.insert(o->name);
  }
  return all;
}

double World::received_level(Client& c) const { return 0.3 * static_cast<double>(voices(c).size()); }

void World::levels_tick(Client& c) {
  at(now_ + 100, [this, &c] {
    if (is_terminal(c.state())) return;
    if (c.mic) {
      in::AudioLevels levels{0.3, {}};
      for (auto& [id, pc] : c.pcs)
        if (!pc->closed) levels.remote.push_back({id, voices_on(c, *pc).empty() ? 0.0 : 0.3});
      input(c, levels);
      if (!c.vendor_meeting.empty()) {
        in::VendorVolumes vv;
        auto it = meetings_.find(c.vendor_meeting);
        if (it != meetings_.end())
          for (Client* o : it->second)
            if (o != &c) vv.volumes.push_back({o->self_id(), (o->mic && o->mic_enabled && !o->vendor_muted) ? 0.3 : 0.0});
        input(c, vv);
      }
    }
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
          at(now_ + net.latency, [this, &c, id = ef.id] { ws_open(c, id); });
        } else if constexpr (std::is_same_v<T, fx::SendOnLink>) {
          if (!c.open_links.count(ef.id)) c.violations.push_back("send on a link that is not open: " + ef.text);
          at(now_ + delay_for(c.name + ">" + std::to_string(ef.id)), [this, &c, id = ef.id, text = ef.text] { ws_frame(c, id, text); });
        } else if constexpr (std::is_same_v<T, fx::CloseLink>) {
          // after every frame already on its way (one TCP stream)
          if (c.open_links.erase(ef.id)) at(now_ + delay_for(c.name + ">" + std::to_string(ef.id)), [this, &c, id = ef.id] { ws_close(c, id, false); });
        } else if constexpr (std::is_same_v<T, fx::CreatePeer>) {
          if (c.pcs.count(ef.peer)) return c.violations.push_back("create-peer with an id already used");
          for (auto& [id, pc] : c.pcs)
            if (!pc->closed && !ef.participant.empty() && c.participant_of(*pc) == ef.participant)
              c.violations.push_back("two open peer connections to " + ef.participant);
          auto pc = std::make_unique<FakePeer>();
          pc->id = ef.peer;
          pc->participant = ef.participant;
          pc->serial = ++pc_serial_;
          pc->configuration = ef.configuration;
          c.pcs[ef.peer] = std::move(pc);
        } else if constexpr (std::is_same_v<T, fx::ClosePeer>) {
          auto it = c.pcs.find(ef.peer);
          if (it == c.pcs.end() || it->second->closed) return;
          FakePeer& closing = *it->second;
          closing.closed = true;
          // ICE consent freshness: the other side notices after a few seconds that nobody answers
          Client* o = nullptr;
          FakePeer* q = counterpart(c, closing, &o);
          if (q && q->state == "connected") {
            pc_event(*o, q->id, [this, o](FakePeer& pc) {
              if (pc.state != "connected") return;
              pc.state = "disconnected";
              pc.connected_epoch = -1;
              input(*o, in::PeerStateChanged{pc.id, "disconnected"});
            }, 3000);
          }
        } else if constexpr (std::is_same_v<T, fx::CreateOffer> || std::is_same_v<T, fx::CreateAnswer>) {
          constexpr bool offer = std::is_same_v<T, fx::CreateOffer>;
          auto it = c.pcs.find(ef.peer);
          if (it == c.pcs.end() || it->second->closed) return c.violations.push_back("negotiation without a peer connection");
          if (!offer && it->second->signaling != "have-remote-offer") return c.violations.push_back("create-answer without a remote offer");
          it->second->latest_generation = ef.generation;
          if (offer) it->second->making_offer = true;
          pc_event(c, ef.peer, [this, &c, gen = ef.generation](FakePeer& pc) {
            if (offer) pc.making_offer = false;
            if (gen != pc.latest_generation) return;  // superseded (e.g. rolled back by a remote offer): dropped
            if (offer && pc.signaling != "stable") return input(c, in::NegotiationFailed{pc.id, gen, "createOffer", "InvalidStateError"});
            pc.signaling = offer ? "have-local-offer" : "stable";
            pc.local = offer ? "offer" : "answer";
            ++pc.negotiation_epoch;
            input(c, in::LocalDescriptionReady{pc.id, gen, offer ? "offer" : "answer",
                                               std::string("v=0 ") + (offer ? "offer" : "answer") + " from " + c.name +
                                                   "\r\na=fingerprint:sha-256 FAKE-" + std::to_string(pc.serial) + "\r\n"});
            trickle(c, pc.id);
            check_connectivity();
          }, 5);
        } else if constexpr (std::is_same_v<T, fx::RollbackLocal>) {
          auto it = c.pcs.find(ef.peer);
          // perfect negotiation: a local offer set, or one still being made (then it is dropped when done)
          if (it == c.pcs.end() || (it->second->signaling != "have-local-offer" && !it->second->making_offer))
            c.violations.push_back("rollback without a local offer");
          else it->second->signaling = "stable";
          ++c.rollbacks;
        } else if constexpr (std::is_same_v<T, fx::ApplyRemoteDescription>) {
          auto it = c.pcs.find(ef.peer);
          if (it == c.pcs.end() || it->second->closed) return c.violations.push_back("remote description without a peer connection");
          FakePeer& pc0 = *it->second;
          pc0.latest_generation = ef.generation;
          if (ef.type == "offer" && pc0.signaling == "have-local-offer")
            return c.violations.push_back("remote offer applied while holding a local offer (no rollback)");
          if (ef.type == "answer" && pc0.signaling != "have-local-offer")
            return c.violations.push_back("remote answer applied without a local offer");
          pc_event(c, ef.peer, [this, &c, gen = ef.generation, type = ef.type, sdp = ef.sdp](FakePeer& pc) {
            if (gen != pc.latest_generation) return;  // superseded: dropped
            const std::string fp = sdp.substr(std::min(sdp.size(), sdp.find("a=fingerprint:")));
            if (!pc.remote_fingerprint.empty() && fp != pc.remote_fingerprint) {
              // what Chromium does: a live connection cannot switch to another peer's certificate
              return input(c, in::NegotiationFailed{pc.id, gen, "setRemoteDescription", "InvalidAccessError: fingerprint changed"});
            }
            pc.remote_fingerprint = fp;
            pc.signaling = type == "offer" ? "have-remote-offer" : "stable";
            pc.remote = type;
            pc.remote_candidates = 0;
            ++pc.negotiation_epoch;
            if (type == "offer") pc.local.clear();
            input(c, in::RemoteDescriptionApplied{pc.id, gen});
            check_connectivity();
          }, 30);  // slow on purpose: the other side's candidates arrive before this completes
        } else if constexpr (std::is_same_v<T, fx::AddRemoteCandidate>) {
          auto it = c.pcs.find(ef.peer);
          if (it == c.pcs.end() || it->second->closed) return c.violations.push_back("candidate added to a closed peer connection");
          if (it->second->remote.empty()) return c.violations.push_back("candidate added before the remote description");
          if (!ef.candidate.is_null()) ++it->second->remote_candidates;
          check_connectivity();
        } else if constexpr (std::is_same_v<T, fx::SetRelay>) {
          auto it = c.pcs.find(ef.peer);
          if (it == c.pcs.end()) return c.violations.push_back("set-relay on an unknown peer link");
          for (PeerId s : ef.sources)
            if (s == ef.peer) c.violations.push_back("set-relay mixes a link's own audio back into it");
          it->second->relaying = true;
          it->second->relay_sources = ef.sources;
        } else if constexpr (std::is_same_v<T, fx::LoadVendor>) {
          c.vendor_loads.push_back(ef.vendor);
        } else if constexpr (std::is_same_v<T, fx::StartVendor>) {
          const std::string meeting = ef.join.contains("meeting") ? ef.join["meeting"].value("MeetingId", "")
                                                                  : ef.join.value("roomId", "");
          if (meeting.empty()) return c.violations.push_back("start-vendor without a meeting: " + ef.join.dump());
          at(now_ + 50, [this, &c, meeting] {
            if (is_terminal(c.state())) return;
            c.vendor_meeting = meeting;
            meetings_[meeting].push_back(&c);
            input(c, in::VendorStarted{});
            vendor_roster(meeting);
          });
        } else if constexpr (std::is_same_v<T, fx::SetVendorMuted>) {
          c.vendor_muted = ef.muted;
        } else if constexpr (std::is_same_v<T, fx::StopVendor>) {
          const std::string meeting = c.vendor_meeting;
          c.vendor_meeting.clear();
          auto& m = meetings_[meeting];
          m.erase(std::remove(m.begin(), m.end(), &c), m.end());
          at(now_ + 50, [this, meeting] { vendor_roster(meeting); });
        } else if constexpr (std::is_same_v<T, fx::Announce>) {
          c.announcements.push_back(ef.text);
        } else if constexpr (std::is_same_v<T, fx::SaveSession>) {
          c.saved = ef.value;
        }
      },
      e);
}

void World::pc_event(Client& c, PeerId id, std::function<void(FakePeer&)> fn, Duration delay) {
  at(now_ + delay, [&c, id, fn = std::move(fn)] {
    auto it = c.pcs.find(id);
    if (it == c.pcs.end() || it->second->closed) return;  // the driver's handle table: stale callbacks are dropped
    fn(*it->second);
  });
}

void World::trickle(Client& c, PeerId id) {
  for (int i = 0; i < 3; ++i)
    pc_event(c, id, [this, &c, i](FakePeer& pc) {
      if (c.relay_refused) {
        if (i == 0) input(c, in::IceCandidateError{pc.id, 401, "turn:earshot.test:3478?transport=udp", "Unauthorized"});
        if (i == 2) input(c, in::IceGatheringComplete{pc.id, 0});
        return;
      }
      if (i < 2)
        input(c, in::LocalCandidate{pc.id, json{{"candidate", "candidate:" + std::to_string(i) + " 1 udp 2122260223 10.0.0." +
                                                                   std::to_string(i + 1) + " 5000" + std::to_string(i) + " typ host"},
                                                {"sdpMid", "0"}, {"sdpMLineIndex", 0}}});
      else {
        input(c, in::LocalCandidate{pc.id, nullptr});
        input(c, in::IceGatheringComplete{pc.id, 2});
      }
    }, 1 + i);
}

void World::check_connectivity() {
  for (auto& cp : clients_) {
    Client& a = *cp;
    for (auto& [id, pp] : a.pcs) {
      FakePeer& p = *pp;
      FakePeer* q = counterpart(a, p);
      if (p.closed || !q || q->closed) continue;
      const bool negotiated = !p.local.empty() && !p.remote.empty() && !q->local.empty() && !q->remote.empty() &&
                              p.local != p.remote && p.remote_candidates > 0 && q->remote_candidates > 0;
      if (!negotiated || !network_ok_ || p.connected_epoch == p.negotiation_epoch) continue;
      p.connected_epoch = p.negotiation_epoch;
      // connectivity checks: a round trip or two over the (jittery, lossy) media path
      pc_event(a, p.id, [this, &a](FakePeer& pc) {
        if (!network_ok_ || pc.state == "connected") return;
        pc.state = "connected";
        input(a, in::PeerStateChanged{pc.id, "connected"});
      }, 2 * delay_for("media") + 1);
    }
  }
}

void World::set_network(bool ok) {
  network_ok_ = ok;
  for (auto& cp : clients_) {
    Client& c = *cp;
    for (auto& [id, pc] : c.pcs) {
      if (pc->closed) continue;
      if (!ok && pc->state == "connected") {
        pc->connected_epoch = -1;
        pc_event(c, id, [this, &c](FakePeer& p) { p.state = "disconnected"; input(c, in::PeerStateChanged{p.id, "disconnected"}); }, 1000);
      }
    }
  }
  if (ok) check_connectivity();
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
      Client& c = *timer_client;
      c.loop->feed(std::nullopt, [this] { return Clock{now_}; }, [&](const Effect& e) {
        c.effects.push_back(e);
        perform(c, e);
      }, [](std::optional<Instant>) {});
      learn_links(c);
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
