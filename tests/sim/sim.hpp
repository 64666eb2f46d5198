// A whole-call simulation: any number of Earshot cores wired through a fake seed-004 backend (HTTP
// redeem + Engine.IO/Socket.IO server), fake vendor backends (Chime join, IVS join) with a fake vendor
// SDK session, and fake peer connections (with a fake hub relay), over a seeded network with latency,
// jitter and TCP-like loss (retransmission delay, so frames of different links reorder), on a fake
// clock. Deterministic for a seed; minutes of simulated time run in milliseconds. Portable C++ (no
// gtest) so the same scenarios run natively under ctest and inside the wasm build under node.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "earshot/call.hpp"
#include "earshot/driver_loop.hpp"

namespace earshot::sim {

struct Client;

// ---- [SECTION] Network --------------------------------------------------------------------------
struct NetworkModel {
  Duration latency = 20;  // one-way base latency
  Duration jitter = 0;    // + uniform 0..jitter per frame
  double loss = 0;        // share of frames lost once and retransmitted after `rto` (TCP-like)
  Duration rto = 200;
};

// ---- [SECTION] Fake backend ---------------------------------------------------------------------
struct FakeBackend {
  // An invite's seat: spent when someone joins with it, then bound to that device (and user id).
  struct InviteRec { std::string room, role, name; bool used = false; Instant exp = 0; std::string device, user, token; };
  struct Member { Client* client; std::uint64_t link; std::string user_id, name, role; bool muted = false; };
  struct Conn { Client* client; std::uint64_t link; std::string sid; bool connected = false; std::string user_id, room; };

  std::string jwt_secret = "sim-secret";
  Duration room_token_ttl = 3600000;
  int capacity = 2;                   // people per room (seed 004: 2)
  bool down = false;                  // refuses HTTP and WebSocket opens
  bool symmetric_join = false;        // a seed-004 server that sends user-joined to the newcomer too (no room-state)
  bool chime_nested = false;          // answer Chime joins in the AWS demo's JoinInfo shape
  int redeem_status = 0;              // forced HTTP status for /invites/redeem (0 = normal)
  std::string redeem_code;            // forced error code
  std::string redeem_body;            // forced raw body
  std::string connect_error;          // forced connect_error message code
  int drop_offers = 0;                // the next N webrtc-offer frames are lost in the server
  std::map<std::string, InviteRec> invites;          // jti -> record
  std::map<std::string, std::vector<Member>> rooms;  // room -> members
  std::map<std::string, Instant> token_expiry;       // room token -> expiry
  std::set<std::string> moved_tokens;                // room tokens of seats taken over elsewhere
  std::set<std::string> rooms_closed;                // closed by the admin: invites answer room.closed
  bool in_call(const std::string& room, const std::string& user) const;
  std::vector<Conn> conns;
  int next_sid = 1, next_user = 1;
  std::vector<std::string> log;       // every frame in and out, for debugging failures
  std::vector<std::string> undelivered;  // addressed signals whose recipient was not there

  std::string make_invite(const std::string& room, const std::string& role, const std::string& name, Instant now, Duration ttl);
};

// ---- [SECTION] Fake peer connection -------------------------------------------------------------
struct FakePeer {
  PeerId id = 0;
  std::string participant;    // the remote participant this link is for
  int serial = 0;             // stands for the DTLS certificate: new connection, new fingerprint
  std::string remote_fingerprint;
  nlohmann::json configuration;
  std::string local, remote;  // "", "offer", "answer"
  std::string signaling = "stable";  // RTCSignalingState: stable | have-local-offer | have-remote-offer
  int remote_candidates = 0;
  int negotiation_epoch = 0;  // bumps whenever descriptions change
  int connected_epoch = -1;
  std::string state = "new";
  bool closed = false;
  bool making_offer = false;           // createOffer in flight
  std::uint64_t latest_generation = 0; // the driver drops results of older negotiations
  bool relaying = false;               // SetRelay received: sends mic + the sources' audio
  std::vector<PeerId> relay_sources;
};

// ---- [SECTION] Client (a browser tab with a fake driver) ---------------------------------------
struct Client {
  std::string name;
  std::unique_ptr<Call> call;
  std::unique_ptr<DriverLoop<Call, Input>> loop;
  std::map<PeerId, std::unique_ptr<FakePeer>> pcs;
  bool mic = false, mic_enabled = true;
  std::string mic_device;
  MicError mic_error = MicError::Other;
  bool mic_fails = false;
  bool relay_refused = false;  // the TURN server refuses our credentials
  std::set<std::uint64_t> open_links;
  std::vector<Effect> effects;            // everything the core asked for, in order
  std::vector<std::string> violations;    // driver-contract breaches the core caused
  std::vector<std::string> announcements;
  std::vector<Instant> link_open_times;   // when each OpenLink was requested
  int rollbacks = 0;
  int http_requests = 0;
  std::vector<std::string> vendor_loads;  // LoadVendor effects (which adapter)
  std::string vendor_meeting;             // the fake vendor session this client is in ("" = none)
  bool vendor_muted = false;
  std::string url;
  std::string saved;                      // the tab's sessionStorage (SaveSession)
  std::string device;                     // the browser's localStorage id (a reload keeps it)
  CallConfig config;
  CallState state() const { return call->snapshot().state; }
  std::string self_id() const { return call->snapshot().self ? call->snapshot().self->id : std::string(); }
  std::string participant_of(const FakePeer& pc) const;  // whom the core says the link is for
  FakePeer* pc_for(const std::string& participant);  // the live link to them, if any
  FakePeer* first_pc();                               // the live link, in a pair
  const Member* member(const std::string& name) const;
};

// ---- [SECTION] The world ------------------------------------------------------------------------
class World {
 public:
  explicit World(std::uint64_t seed = 1, Instant start = 1800000000000);  // 2027-01-15T08:00:00Z
  Instant now() const { return now_; }
  FakeBackend& backend() { return backend_; }
  NetworkModel net;

  // A page in its own browser (device id "<name>-browser") unless `device` names one (another tab).
  Client& open(const std::string& name, const std::string& url, CallConfig cfg = {}, std::string device = "");
  // The tab reloads: its page (links, peer connections) vanishes without a word and the same URL
  // opens again with what the tab kept in sessionStorage. Returns the new page's client.
  Client& reload(Client& c);
  void input(Client& c, const Input& in);   // feed an input now and perform effects
  void run_for(Duration d);
  // Runs until pred() holds or `limit` of simulated time passes; returns pred().
  bool run_until(const std::function<bool()>& pred, Duration limit);

  void set_network(bool ok);                 // false: media between peers stops flowing
  void drop_signaling(Client& c);            // the server closes c's WebSocket
  void close_room(const std::string& room);  // the admin closes the room: room-closed, then disconnect
  void end_meeting(const std::string& meeting);  // the vendor ends the meeting for everyone in it
  // The server sends `c` an event as it would relay one (for hostile or misaddressed frames).
  void server_event(Client& c, const std::string& name, const nlohmann::json& payload);
  std::string invite_url(const std::string& room, const std::string& role, const std::string& name, Duration ttl = 3600000);
  double received_level(Client& c) const;    // what c hears from everyone right now (0.3 per voice)
  std::set<std::string> voices(Client& c) const;  // whose voices reach c right now (names)

  std::size_t events_run = 0;

 private:
  void at(Instant when, std::function<void()> fn);
  Duration delay_for(const std::string& path);  // latency + jitter + loss, FIFO per path
  void perform(Client& c, const Effect& e);
  void learn_links(Client& c);  // a link made ahead of time learns whom the core gave it to
  void http(Client& c, const fx::HttpRequest& r);
  void ws_open(Client& c, std::uint64_t link);
  void ping_loop(Client* c, std::uint64_t link);
  void ws_frame(Client& c, std::uint64_t link, const std::string& text);
  void ws_close(Client& c, std::uint64_t link, bool by_server);
  void server_send(FakeBackend::Conn& conn, const std::string& frame);
  void server_emit(FakeBackend::Conn& conn, const std::string& name, const nlohmann::json& data);
  void server_remove(FakeBackend::Conn& conn, const std::string& reason);
  void pc_event(Client& c, PeerId pc, std::function<void(FakePeer&)> fn, Duration delay);
  void trickle(Client& c, PeerId pc);
  void check_connectivity();
  void levels_tick(Client& c);
  void vendor_roster(const std::string& meeting);
  Client* owner_of(const std::string& user_id) const;
  FakePeer* counterpart(const Client& c, const FakePeer& pc, Client** owner = nullptr) const;
  std::set<std::string> direct_voice(const Client& c, const FakePeer& pc) const;
  std::set<std::string> voices_on(const Client& c, const FakePeer& pc) const;

  struct Ev { Instant at; std::uint64_t seq; std::function<void()> fn; };
  struct Later { bool operator()(const Ev& a, const Ev& b) const { return a.at != b.at ? a.at > b.at : a.seq > b.seq; } };
  std::priority_queue<Ev, std::vector<Ev>, Later> queue_;
  std::uint64_t seq_ = 0;
  Instant now_;
  std::uint64_t seed_;
  std::uint64_t rng_;
  int pc_serial_ = 0;
  bool network_ok_ = true;
  FakeBackend backend_;
  std::map<std::string, Instant> fifo_;  // last delivery time per path
  std::map<std::string, std::vector<Client*>> meetings_;  // fake vendor sessions
  std::vector<std::unique_ptr<Client>> clients_;
};

// ---- [SECTION] Scenarios ------------------------------------------------------------------------
struct ScenarioResult {
  std::string name;
  std::vector<std::string> failures;   // empty = passed
  std::vector<std::pair<CallState, CallState>> transitions;  // union over every client
  Instant simulated_ms = 0;
  std::size_t events = 0;
  bool ok() const { return failures.empty(); }
};
std::vector<std::string> scenario_names();
// `lossy`: the network every scenario must also survive (see scenarios.cpp for the figures).
ScenarioResult run_scenario(const std::string& name, std::uint64_t seed = 7, bool lossy = false);

}  // namespace earshot::sim
