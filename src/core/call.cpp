// The call core: turns inputs into effects for one side of a 1:1 call. State changes go through the
// table in state_machine.cpp; timers are a named table whose minimum is the next wake-up.
//
// [SECTION] Helpers: rng, timers, failures
// [SECTION] Entry points (handle, handle_timeout, poll_*)
// [SECTION] Pre-join: invite, microphone, admission, signaling link
// [SECTION] Room: welcome, peers, leaving
// [SECTION] Negotiation: perfect negotiation (polite = guest), candidate queue
// [SECTION] Media state, levels, devices
#include "earshot/call.hpp"

#include "earshot/crypto.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace earshot {
using nlohmann::json;

namespace {
// splitmix64: a tiny seeded generator; the core's only source of "randomness" (backoff jitter).
struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
};

enum Timer : int { kBackoff, kIceRestart, kConnectTimeout, kGiveUp, kTokenExpiry, kTimerCount };

constexpr std::size_t kMaxQueuedCandidates = 256;
}  // namespace

struct Call::Impl {
  Call& call;
  Snapshot& snap;
  CallConfig cfg;
  Rng rng;
  std::shared_ptr<const Profile> profile;
  std::optional<Failure> profile_failure;
  std::deque<Effect> effects;
  std::array<std::optional<Instant>, kTimerCount> timers{};
  Instant now = 0;

  // admission
  std::uint64_t next_request = 1;
  std::optional<std::uint64_t> admission_request;
  std::string admission_host;  // "host:port" of the admission URL, for the unreachable sentence
  std::optional<Admission> admission;
  // signaling
  std::uint64_t next_link = 1;
  std::uint64_t link = 0;  // current link id, 0 = none
  std::unique_ptr<SignalingChannel> channel;
  bool want_room = false;
  bool in_room = false;
  int backoff_attempt = 0;
  // peer connection + negotiation
  bool peer_created = false;
  enum class Neg { Stable, MakingOffer, HaveLocalOffer, ApplyingRemoteOffer, MakingAnswer, ApplyingRemoteAnswer };
  Neg neg = Neg::Stable;
  std::uint64_t generation = 0;
  bool remote_description_set = false;
  std::vector<json> pending_candidates;
  bool relay_refused = false;
  int relay_error_code = 0;
  bool peer_absent = false;  // the peer dropped off signaling while media still flowed
  // DTLS fingerprint of the remote description in force / being applied: a different one means the
  // peer has a new RTCPeerConnection (a reload), which no renegotiation of ours can accept.
  std::string remote_fingerprint, pending_fingerprint;
  // levels
  int loud_while_muted = 0;

  Impl(Call& c, CallConfig config, std::uint64_t seed) : call(c), snap(c.snap_), cfg(std::move(config)), rng{seed} {
    auto p = make_profile(cfg.profile);
    if (p) profile = *p;
    else profile_failure = p.failure();
  }

  // ---- [SECTION] Helpers: rng, timers, failures -------------------------------------------------
  void emit(Effect e) { effects.push_back(std::move(e)); }
  void announce(std::string text) {
    snap.notice = text;
    emit(fx::Announce{std::move(text)});
  }
  void arm(Timer t, Instant at) { timers[t] = at; }
  void disarm(Timer t) { timers[t].reset(); }

  bool go(Trigger trig) {
    auto to = earshot::next(snap.state, trig);
    if (!to) return false;
    const CallState from = snap.state;
    snap.state = *to;
    snap.history.emplace_back(from, *to);
    emit(fx::StateChanged{from, *to});
    refresh_join_ready();
    return true;
  }

  std::string peer_name() const { return snap.peer && !snap.peer->name.empty() ? snap.peer->name : "The other person"; }

  void refresh_join_ready() {
    snap.join_ready = snap.state == CallState::Prejoin && snap.mic == MicStatus::Granted && snap.admitted;
  }

  // Tears everything down; the page shows the failure. Retryable failures may come back via Retry.
  void fail(Failure f) {
    const bool retryable = is_retryable(f.code);
    snap.failure = f;
    snap.failure_retryable = retryable;
    if (!go(snap.state == CallState::Idle ? Trigger::InviteRefused : Trigger::Fatal)) return;
    teardown(/*keep_admission=*/retryable);
    if (!retryable && snap.invite) emit(fx::SaveSession{""});
    emit(fx::ShowFailure{std::move(f), retryable});
  }

  void teardown(bool keep_admission) {
    if (channel) {
      channel->leave();
      flush_transmit();
      channel.reset();
    }
    if (link) emit(fx::CloseLink{link});
    link = 0;
    in_room = false;
    want_room = false;
    snap.link = LinkStatus::Down;
    close_peer();
    if (snap.mic == MicStatus::Granted) emit(fx::ReleaseMic{});
    if (snap.mic == MicStatus::Granted) snap.mic = MicStatus::Pending;
    timers = {};
    admission_request.reset();
    if (!keep_admission) {
      admission.reset();
      snap.admitted = false;
    }
    refresh_join_ready();
  }

  // ---- [SECTION] Pre-join: invite, microphone, admission, signaling link ------------------------
  void on(const in::PageOpened& e) {
    if (snap.state != CallState::Idle) return;
    auto invite = parse_invite_link(e.url, now);
    if (!invite) return fail(invite.failure());
    snap.invite = *invite;
    if (profile_failure) return fail(*profile_failure);
    restore_session(e.saved);
    go(Trigger::InviteAccepted);
    start_prejoin();
  }

  // ---- per-tab session: a reload in the tab that redeemed the invite keeps its place ----
  std::string invite_fingerprint() const { return crypto::to_hex(crypto::sha256(snap.invite->token)).substr(0, 32); }

  void save_session() {
    json ice = admission->ice_servers;
    json v = {{"v", 1}, {"invite", invite_fingerprint()}, {"roomId", admission->room_id}, {"token", admission->token},
              {"signalingUrl", admission->signaling_url}, {"iceServers", ice}, {"expiresAt", admission->expires_at},
              {"self", {{"userId", admission->self.id}, {"name", admission->self.name},
                        {"role", std::string(to_string(admission->self.role))}}}};
    emit(fx::SaveSession{v.dump()});
  }

  void restore_session(const std::string& saved) {
    if (saved.empty() || saved.size() > 64 * 1024) return;
    json v = json::parse(saved, nullptr, false);
    if (v.is_discarded() || !v.is_object()) return;
    auto s = [&](const char* k) { return v.contains(k) && v[k].is_string() ? v[k].get<std::string>() : std::string(); };
    if (s("invite") != invite_fingerprint() || s("roomId") != snap.invite->room || s("token").empty()) return;
    if (!v.contains("expiresAt") || !v["expiresAt"].is_number() || v["expiresAt"].get<double>() <= static_cast<double>(now)) return;
    if (!v.contains("iceServers") || !v["iceServers"].is_array() || !v.contains("self") || !v["self"].is_object()) return;
    Admission a;
    a.room_id = s("roomId");
    a.token = s("token");
    a.signaling_url = s("signalingUrl");
    a.ice_servers = v["iceServers"];
    a.expires_at = static_cast<Instant>(v["expiresAt"].get<double>());
    const json& self = v["self"];
    a.self.id = self.contains("userId") && self["userId"].is_string() ? self["userId"].get<std::string>() : "";
    a.self.name = self.contains("name") && self["name"].is_string() ? self["name"].get<std::string>() : snap.invite->name;
    a.self.role = self.contains("role") && self["role"] == "host" ? Role::Host : Role::Guest;
    admission = a;
    snap.admitted = true;
    snap.self = a.self;
    arm(kTokenExpiry, a.expires_at);
  }

  void start_prejoin() {
    snap.failure.reset();
    snap.failure_retryable = false;
    snap.mic = MicStatus::Pending;
    emit(fx::AcquireMic{snap.mic_device_id});
    if (!admission) request_admission();
    else open_link();
    refresh_join_ready();
  }

  void request_admission() {
    const std::uint64_t id = next_request++;
    admission_request = id;
    HttpRequestSpec spec = profile->admission_request(*snap.invite);
    std::string_view host = spec.url;
    if (auto p = host.find("://"); p != std::string_view::npos) host.remove_prefix(p + 3);
    admission_host = std::string(host.substr(0, host.find('/')));
    emit(fx::HttpRequest{id, std::move(spec), 10000});
  }

  void on(const in::HttpResponded& e) {
    if (!admission_request || e.request != *admission_request) return;
    admission_request.reset();
    auto a = profile->parse_admission(*snap.invite, e.status, e.body, now);
    if (!a) return fail(a.failure());
    admission = *a;
    snap.admitted = true;
    snap.self = a->self;
    arm(kTokenExpiry, a->expires_at);
    save_session();
    open_link();
    if (snap.state == CallState::Joining) {
      ensure_peer();
      want_room = true;
      channel->enter_room();
      pump_channel();
    }
    refresh_join_ready();
  }

  void on(const in::HttpFailed& e) {
    if (!admission_request || e.request != *admission_request) return;
    admission_request.reset();
    fail(Failure{"backend.unreachable", "Could not reach the call server" + (admission_host.empty() ? std::string() : " at " + admission_host) +
                                            ". Check your connection, then try again."});
  }

  void open_link() {
    if (!admission || channel) return;
    auto url = profile->signaling_url(*admission);
    if (!url) return fail(url.failure());
    link = next_link++;
    channel = profile->open_channel(*admission);
    snap.link = LinkStatus::Opening;
    emit(fx::OpenLink{link, *url});
    if (want_room) channel->enter_room();
  }

  void on(const in::LinkOpened& e) {
    if (!channel || e.link != link) return;
    snap.link = LinkStatus::Open;
    if (snap.state == CallState::Prejoin) {  // a pre-join link is healthy again: forget past trouble
      disarm(kGiveUp);
      backoff_attempt = 0;
      snap.reconnect_attempt = 0;
    }
    channel->handle_open(now);
    pump_channel();
  }
  void on(const in::LinkMessage& e) {
    if (!channel || e.link != link) return;
    channel->handle_frame(e.text, now);
    pump_channel();
  }
  void on(const in::LinkClosed& e) {
    if (!channel || e.link != link) return;
    channel->handle_close(now);
    pump_channel();
  }

  void flush_transmit() {
    if (!channel) return;
    while (auto t = channel->poll_transmit()) emit(fx::SendOnLink{link, std::move(*t)});
  }

  void pump_channel() {
    while (channel) {
      flush_transmit();
      auto e = channel ? channel->poll_event() : std::nullopt;
      if (!e) break;
      std::visit([&](auto& ev) { on_signal(ev); }, *e);
    }
    flush_transmit();
  }

  void on_signal(const signal::Lost&) {
    emit(fx::CloseLink{link});
    channel.reset();
    link = 0;
    in_room = false;
    const Duration base = std::min<Duration>(cfg.backoff_max, cfg.backoff_initial << std::min(backoff_attempt, 20));
    const Duration delay = static_cast<Duration>(static_cast<double>(base) * (0.8 + 0.4 * rng.unit()));
    ++backoff_attempt;
    snap.reconnect_attempt = backoff_attempt;
    snap.link = LinkStatus::Backoff;
    arm(kBackoff, now + delay);
    if (!timers[kGiveUp] && snap.state != CallState::Connected) arm(kGiveUp, now + cfg.reconnect_give_up);
    if (go(Trigger::SignalingLost)) announce("Lost the connection to the call server. Reconnecting…");
  }

  void on_backoff_timer() {
    if (channel || !admission) return;
    if (now >= admission->expires_at) return fail(session_expired());
    open_link();
  }

  Failure session_expired() const {
    return Failure{"session.expired", "Your place in this room expired at " +
                                          format_utc_clock(admission ? admission->expires_at : now, now) +
                                          " before the call could start. Ask the host for a new link."};
  }

  void on(const in::MicGranted& e) {
    if (is_terminal(snap.state)) {
      emit(fx::ReleaseMic{});  // a late grant after we gave up: let go of it at once
      return;
    }
    const bool had_failure = snap.failure && snap.failure->code.rfind("mic.", 0) == 0;
    snap.mic = MicStatus::Granted;
    snap.mic_device_id = e.device_id;
    snap.mic_label = e.label;
    if (had_failure) {
      snap.failure.reset();
      snap.failure_retryable = false;
    }
    if (snap.muted) emit(fx::SetMicEnabled{false});
    refresh_join_ready();
  }

  void on(const in::MicFailed& e) {
    if (is_terminal(snap.state)) return;
    Failure f;
    switch (e.error) {
      case MicError::Denied:
        snap.mic = MicStatus::Denied;
        f = {"mic.denied", "Microphone access is blocked for this page. Allow it in the browser's site settings (the icon left of the address bar), then press Try again."};
        break;
      case MicError::NotFound:
        snap.mic = MicStatus::Missing;
        f = {"mic.missing", "No microphone was found. Plug one in (or enable it in your system settings), then press Try again."};
        break;
      case MicError::InUse:
        snap.mic = MicStatus::Failed;
        f = {"mic.in_use", "The microphone is in use by another application or could not be started. Close other apps using it, then press Try again."};
        break;
      case MicError::Other:
        snap.mic = MicStatus::Failed;
        f = {"mic.failed", "The microphone could not be started" + (e.detail.empty() ? std::string() : " (" + e.detail.substr(0, 120) + ")") + ". Press Try again."};
        break;
    }
    show_mic_problem(std::move(f));
  }

  // A microphone problem does not end the call page: it is shown, Join waits, Try again re-asks.
  void show_mic_problem(Failure f) {
    snap.failure = f;
    snap.failure_retryable = true;
    refresh_join_ready();
    emit(fx::ShowFailure{std::move(f), true});
  }

  void on(const in::RetryClicked&) {
    if (snap.state == CallState::Failed && snap.failure_retryable) {
      go(Trigger::Retry);
      backoff_attempt = 0;
      snap.reconnect_attempt = 0;
      start_prejoin();
    } else if (snap.state == CallState::Prejoin && snap.mic != MicStatus::Granted && snap.mic != MicStatus::Pending) {
      snap.mic = MicStatus::Pending;
      emit(fx::AcquireMic{snap.mic_device_id});
    }
  }

  void on(const in::JoinClicked&) {
    if (snap.state != CallState::Prejoin || snap.mic != MicStatus::Granted) return;
    go(Trigger::JoinRequested);
    if (!admission) return;  // joins as soon as the admission arrives
    ensure_peer();
    want_room = true;
    if (!channel) return;  // backing off: the next link enters the room
    channel->enter_room();
    pump_channel();
  }

  void on(const in::LeaveClicked&) {
    if (snap.state == CallState::Idle || is_terminal(snap.state)) return;
    go(Trigger::LeaveRequested);
    teardown(false);
    emit(fx::SaveSession{""});
    announce("You left the call.");
  }

  void on(const in::PageClosing&) {
    if (snap.state == CallState::Idle || is_terminal(snap.state)) return;
    go(Trigger::LeaveRequested);
    teardown(/*keep_admission=*/true);
  }

  // ---- [SECTION] Room: welcome, peers, leaving ----------------------------------------------------
  void on_signal(const signal::Welcome& w) {
    in_room = true;
    snap.link = LinkStatus::InRoom;
    backoff_attempt = 0;
    snap.reconnect_attempt = 0;
    if (snap.state != CallState::Connected) disarm(kGiveUp);
    disarm(kBackoff);
    if (!w.self.id.empty()) snap.self = w.self;
    if (!w.others.empty()) {
      const Participant& p = w.others.front();
      const bool same = snap.peer && snap.peer->id == p.id;
      if (same && snap.media_state == "connected") return;  // our signaling came back; media never stopped
      if (!same || snap.state == CallState::Reconnecting) reset_peer_for(p);
      // They were here first: they offer when they see our user-joined.
      if (go(Trigger::PeerPresent)) arm(kConnectTimeout, now + cfg.connect_timeout);
    } else {
      if (snap.peer && snap.media_state == "connected") return;  // their signaling is down; media may live on
      if (snap.peer) {
        close_peer();
        snap.peer.reset();
      }
      go(Trigger::RoomEntered);
    }
  }

  void on_signal(const signal::PeerJoined& j) {
    if (!in_room) return;
    peer_absent = false;
    if (snap.peer && snap.peer->id == j.peer.id && snap.media_state == "connected" && peer_created) {
      // Back on signaling with media still up: a blip (their connection lives) or a reload (it does
      // not). An ICE restart offer on our connection serves both; a reload shows up as a new
      // fingerprint in their answer and we rebuild then.
      make_offer(true);
      return;
    }
    const bool rejoin = snap.peer.has_value();
    reset_peer_for(j.peer);
    announce(peer_name() + (rejoin ? " rejoined." : " joined."));
    if (snap.state == CallState::WaitingForPeer || snap.state == CallState::Reconnecting) go(Trigger::PeerPresent);
    arm(kConnectTimeout, now + cfg.connect_timeout);
    make_offer(false);  // seed 004: the participant already in the room offers on user-joined
  }

  void on_signal(const signal::PeerLeft& l) {
    if (!snap.peer || l.peer_id != snap.peer->id) return;
    if (!l.for_good && snap.media_state == "connected") {
      peer_absent = true;
      announce(peer_name() + " lost the connection to the server; the call continues while audio flows.");
      return;
    }
    peer_gone(l.for_good);
  }

  void peer_gone(bool for_good) {
    const std::string name = peer_name();
    close_peer();
    snap.peer.reset();
    snap.peer_speaking = false;
    disarm(kConnectTimeout);
    disarm(kIceRestart);
    disarm(kGiveUp);
    peer_absent = false;
    go(Trigger::PeerGone);
    announce(name + (for_good ? " left the call." : " disconnected."));
  }

  void on_signal(const signal::Refused& r) {
    fail(r.failure);
  }

  void on_signal(const signal::Warning&) {}  // discarded garbage is never fatal

  // ---- [SECTION] Negotiation: perfect negotiation (polite = guest), candidate queue ---------------
  bool polite() const {
    const Role mine = snap.self ? snap.self->role : (snap.invite ? snap.invite->role : Role::Guest);
    const Role theirs = snap.peer ? snap.peer->role : Role::Guest;
    if (mine != theirs) return mine == Role::Guest;
    const std::string a = snap.self ? snap.self->id : "", b = snap.peer ? snap.peer->id : "";
    return a < b;
  }

  void ensure_peer() {
    if (peer_created || !admission) return;
    peer_created = true;
    neg = Neg::Stable;
    remote_description_set = false;
    pending_candidates.clear();
    relay_refused = false;
    snap.media_state = "new";
    emit(fx::CreatePeer{json{{"iceServers", admission->ice_servers}, {"iceTransportPolicy", cfg.ice_transport_policy}}});
  }

  void close_peer() {
    if (peer_created) emit(fx::ClosePeer{});
    peer_created = false;
    neg = Neg::Stable;
    remote_description_set = false;
    pending_candidates.clear();
    remote_fingerprint.clear();
    pending_fingerprint.clear();
    snap.media_state = "closed";
  }

  void reset_peer_for(const Participant& p) {
    // The connection made at Join (a head start) is kept for the first peer it meets.
    const bool untouched = peer_created && !snap.peer && neg == Neg::Stable && !remote_description_set;
    if (!untouched) close_peer();
    snap.peer = p;
    ensure_peer();
  }

  void make_offer(bool ice_restart) {
    ensure_peer();
    ++generation;
    neg = Neg::MakingOffer;
    emit(fx::CreateOffer{generation, ice_restart});
  }

  bool from_peer(const std::string& from) {
    if (!snap.peer) return false;
    return from.empty() || from == snap.peer->id;
  }

  static std::string fingerprint_of(std::string_view sdp) {
    auto p = sdp.find("a=fingerprint:");
    if (p == std::string_view::npos) return {};
    auto e = sdp.find_first_of("\r\n", p);
    return std::string(sdp.substr(p, e == std::string_view::npos ? std::string_view::npos : e - p));
  }

  // The peer's connection was replaced: ours cannot continue with it. Start a fresh one.
  void rebuild_peer_connection() {
    if (go(Trigger::MediaDown)) {
      announce("Reconnecting audio with " + peer_name() + "…");
      if (!timers[kGiveUp]) arm(kGiveUp, now + cfg.reconnect_give_up);
    }
    close_peer();
    ensure_peer();
  }

  void on_signal(const signal::Description& d) {
    if (!from_peer(d.from) || !peer_created) return;
    const std::string fp = fingerprint_of(d.sdp);
    if (!remote_fingerprint.empty() && fp != remote_fingerprint) {
      if (d.type == "answer" && neg != Neg::HaveLocalOffer) return;
      rebuild_peer_connection();
      if (d.type == "answer") return make_offer(false);
    }
    pending_fingerprint = fp;
    if (d.type == "offer") {
      const bool collision = neg == Neg::MakingOffer || neg == Neg::HaveLocalOffer;
      if (collision && !polite()) return;  // impolite: our offer wins; theirs is dropped
      if (collision) emit(fx::RollbackLocal{});
      ++generation;
      neg = Neg::ApplyingRemoteOffer;
      remote_description_set = false;
      emit(fx::ApplyRemoteDescription{generation, "offer", d.sdp});
    } else if (d.type == "answer") {
      if (neg != Neg::HaveLocalOffer) return;  // stale or unsolicited answer
      neg = Neg::ApplyingRemoteAnswer;
      remote_description_set = false;
      emit(fx::ApplyRemoteDescription{generation, "answer", d.sdp});
    }
  }

  void on_signal(const signal::Candidate& c) {
    if (!from_peer(c.from) || !peer_created) return;
    if (!remote_description_set) {
      if (pending_candidates.size() < kMaxQueuedCandidates) pending_candidates.push_back(c.candidate);
      return;
    }
    emit(fx::AddRemoteCandidate{c.candidate});
  }

  void on(const in::LocalDescriptionReady& e) {
    if (e.generation != generation || !peer_created || !channel) return;
    std::string type = e.type;
    if (type.empty()) type = neg == Neg::MakingOffer ? "offer" : "answer";
    if (type == "offer" && neg == Neg::MakingOffer) neg = Neg::HaveLocalOffer;
    else if (type == "answer" && neg == Neg::MakingAnswer) neg = Neg::Stable;
    else return;
    channel->send_description(type, e.sdp);
    pump_channel();
  }

  void on(const in::RemoteDescriptionApplied& e) {
    if (e.generation != generation || !peer_created) return;
    remote_description_set = true;
    remote_fingerprint = pending_fingerprint;
    for (auto& c : pending_candidates) emit(fx::AddRemoteCandidate{std::move(c)});
    pending_candidates.clear();
    if (neg == Neg::ApplyingRemoteOffer) {
      neg = Neg::MakingAnswer;
      emit(fx::CreateAnswer{generation});
    } else if (neg == Neg::ApplyingRemoteAnswer) {
      neg = Neg::Stable;
    }
  }

  void on(const in::NegotiationFailed& e) {
    if (e.step == "create-peer" && peer_created) {  // new RTCPeerConnection() itself threw
      peer_created = false;
      return fail(Failure{"webrtc.unavailable", "This browser could not start a call connection" +
                                                    (e.error.empty() ? std::string() : " (" + e.error.substr(0, 120) + ")") +
                                                    ". Try an up-to-date Chrome, Edge, Firefox or Safari."});
    }
    if (e.generation != generation || !peer_created) return;
    // A failed step leaves the connection unusable; start over with a fresh offer from the offering side.
    neg = Neg::Stable;
    if (!polite()) make_offer(true);
  }

  void on(const in::LocalCandidate& e) {
    if (!peer_created || !channel) return;
    channel->send_candidate(e.candidate);
    pump_channel();
  }

  void on(const in::IceCandidateError& e) {
    // 401/403 from a TURN server: credentials refused. 701: the server could not be reached.
    if (e.url.rfind("turn", 0) == 0) {
      relay_refused = true;
      relay_error_code = e.code;
    }
  }

  void on(const in::IceGatheringComplete& e) {
    if (!peer_created || e.candidates > 0 || cfg.ice_transport_policy != "relay") return;
    std::string why = relay_refused ? (relay_error_code == 401 || relay_error_code == 403
                                           ? " (it refused the credentials)"
                                           : " (error " + std::to_string(relay_error_code) + ")")
                                    : "";
    fail(Failure{"relay.unreachable", "Could not reach the relay server" + why +
                                          ", so audio cannot connect. Ask the host to check the TURN settings."});
  }

  // ---- [SECTION] Media state, levels, devices -----------------------------------------------------
  void on(const in::PeerStateChanged& e) {
    if (!peer_created) return;
    snap.media_state = e.state;
    if (e.state == "connected") {
      disarm(kConnectTimeout);
      disarm(kIceRestart);
      disarm(kGiveUp);
      if (go(Trigger::MediaUp)) announce("Connected to " + peer_name() + ".");
    } else if (e.state == "disconnected" || e.state == "failed") {
      if (peer_absent) return peer_gone(false);  // no signaling and no media: they are gone
      if (go(Trigger::MediaDown)) announce("Connection to " + peer_name() + " interrupted. Reconnecting…");
      if (snap.state != CallState::Reconnecting) return;
      if (!timers[kGiveUp]) arm(kGiveUp, now + cfg.reconnect_give_up);
      arm(kIceRestart, e.state == "failed" ? now : now + cfg.ice_restart_grace);
    }
  }

  void on(const in::RemoteAudioStarted&) {}

  void on(const in::AudioLevels& e) {
    snap.local_level = std::clamp(e.local, 0.0, 1.0);
    snap.remote_level = std::clamp(e.remote, 0.0, 1.0);
    const bool loud = snap.local_level > cfg.speaking_threshold;
    snap.self_speaking = loud && !snap.muted;
    snap.peer_speaking = snap.peer.has_value() && snap.remote_level > cfg.speaking_threshold;
    loud_while_muted = (loud && snap.muted) ? loud_while_muted + 1 : 0;
    const bool hint = loud_while_muted >= 3;  // ~300 ms of speech at 10 samples/s
    if (hint && !snap.speaking_while_muted) announce("You are muted. Press M to unmute.");
    if (hint || !snap.muted || !loud) snap.speaking_while_muted = hint;
  }

  void on(const in::MuteSet& e) {
    if (snap.muted == e.muted) return;
    snap.muted = e.muted;
    if (!e.muted) snap.speaking_while_muted = false;
    loud_while_muted = 0;
    if (snap.mic == MicStatus::Granted) emit(fx::SetMicEnabled{!e.muted});
    announce(e.muted ? "Microphone muted." : "Microphone on.");
  }

  void on(const in::DevicesChanged& e) {
    snap.inputs = e.inputs;
    snap.outputs = e.outputs;
    if (snap.mic != MicStatus::Granted || is_terminal(snap.state)) return;
    if (e.inputs.empty()) {
      snap.mic = MicStatus::Missing;
      return show_mic_problem({"mic.missing", "Your microphone was disconnected and no other was found. Plug one in, then press Try again."});
    }
    const bool present = snap.mic_device_id.empty() || snap.mic_device_id == "default" ||
                         std::any_of(e.inputs.begin(), e.inputs.end(), [&](const Device& d) { return d.id == snap.mic_device_id; });
    if (!present) {
      const std::string gone = snap.mic_label.empty() ? "Your microphone" : snap.mic_label;
      snap.mic_device_id.clear();
      emit(fx::AcquireMic{""});
      announce(gone + " was unplugged; switched to the system default microphone.");
    }
  }

  void on(const in::InputDeviceChosen& e) {
    if (is_terminal(snap.state) || e.device_id == snap.mic_device_id) return;
    emit(fx::AcquireMic{e.device_id});
  }

  // ---- timers ----
  void on_timer(Timer t) {
    switch (t) {
      case kBackoff: return on_backoff_timer();
      case kIceRestart:
        if (snap.state == CallState::Reconnecting && peer_created && !polite() && channel && in_room) make_offer(true);
        return;
      case kConnectTimeout:
        if (snap.state == CallState::Connecting)
          fail(Failure{"media.timeout", "Could not connect audio with " + peer_name() + " within " +
                                            std::to_string(cfg.connect_timeout / 1000) +
                                            " seconds. A firewall may be blocking calls; try another network."});
        return;
      case kGiveUp:
        if (snap.state == CallState::Reconnecting || (snap.state == CallState::Prejoin && !channel))
          fail(snap.state == CallState::Prejoin || !snap.peer
                   ? Failure{"signal.unreachable", "Lost the connection to the call server and could not get it back. Check your connection, then try again."}
                   : Failure{"call.lost", "The connection to " + peer_name() + " was lost and could not be restored."});
        return;
      case kTokenExpiry:
        if (snap.state == CallState::WaitingForPeer || snap.state == CallState::Joining ||
            (snap.state == CallState::Reconnecting && !in_room) || snap.state == CallState::Prejoin)
          fail(session_expired());
        return;
      case kTimerCount: return;
    }
  }
};

// ---- [SECTION] Entry points ---------------------------------------------------------------------
Call::Call(CallConfig config, Instant now, std::uint64_t seed)
    : impl_(std::make_unique<Impl>(*this, std::move(config), seed)) {
  impl_->now = now;
}
Call::~Call() = default;

void Call::handle(const Input& input, Instant now) {
  impl_->now = std::max(impl_->now, now);
  std::visit([&](const auto& e) { impl_->on(e); }, input);
}

void Call::handle_timeout(Instant now) {
  auto& I = *impl_;
  I.now = std::max(I.now, now);
  if (I.channel) {
    I.channel->handle_timeout(I.now);
    I.pump_channel();
  }
  for (int t = 0; t < kTimerCount; ++t) {
    if (I.timers[t] && *I.timers[t] <= I.now) {
      I.timers[t].reset();
      I.on_timer(static_cast<Timer>(t));
    }
  }
}

std::optional<Effect> Call::poll_effect() {
  if (impl_->effects.empty()) return std::nullopt;
  Effect e = std::move(impl_->effects.front());
  impl_->effects.pop_front();
  return e;
}

std::optional<Instant> Call::poll_timeout() const {
  std::optional<Instant> best;
  auto take = [&](std::optional<Instant> t) {
    if (t && (!best || *t < *best)) best = t;
  };
  for (const auto& t : impl_->timers) take(t);
  if (impl_->channel) take(impl_->channel->poll_timeout());
  return best;
}

}  // namespace earshot
