// The call core: routes each input to the part that owns it, turns what the parts report into state
// changes (the table in state_machine.cpp), announcements and failures, and assembles the snapshot.
//
// [SECTION] Helpers: rng, state, failures, teardown
// [SECTION] Pre-join: entry, microphone, admission, signaling link
// [SECTION] Room: welcome, arrivals, departures, signals (call_room.cpp)
// [SECTION] Peer links: what the links report (vendor media and page modules: call_vendor.cpp)
// [SECTION] Entry points (handle, handle_timeout, poll_*)
#include "call_impl.hpp"

#include <algorithm>

namespace earshot {
using nlohmann::json;

Call::Impl::Impl(Call& c, CallConfig config, Clock now, std::uint64_t seed)
    : snap(c.snap_), cfg(std::move(config)), rng{seed}, clock(now), roster(), devices(out, cfg.speaking_threshold),
      links(out), signaling(out) {
  auto p = make_profile(cfg.profile);
  if (p) profile = std::move(p).value();
  else profile_failure = p.failure();
  if (profile) {
    gate = std::make_unique<Gate>(out, *profile, cfg.profile.utc_offset_min);
    snap.media = profile->media_plane();
    snap.topology = profile->topology();
#ifndef EARSHOT_SELFHOSTED_ONLY  // the selfhosted page's core has no vendor media (call_vendor.cpp)
    if (snap.media == MediaPlane::Vendor) vendor = std::make_unique<VendorSession>(out, std::string(profile->vendor()));
#endif
  }
}

// ---- [SECTION] Helpers: rng, state, failures, teardown -------------------------------------------
void Call::Impl::announce(std::string text) {
  snap.notice = text;
  diag.note(clock.mono, text);
  out.push(fx::Announce{std::move(text)});
}

void Call::Impl::warn(std::string what) {
  diag.warning(clock.mono, what);
  snap.warnings.push_back(std::move(what));
  if (snap.warnings.size() > 20) snap.warnings.erase(snap.warnings.begin());
}

bool Call::Impl::go(Trigger trig) {
  auto to = earshot::next(snap.state, trig);
  if (!to) return false;
  const CallState from = snap.state;
  snap.state = *to;
  snap.history.emplace_back(from, *to);
  diag.state(clock.mono, from, *to);
  out.push(fx::StateChanged{from, *to});
  return true;
}

void Call::Impl::arm_wall(Timer t, Instant wall_at) { timers[t] = clock.mono + (wall_at - clock.wall); }

// Tears everything down; the page shows the failure. Retryable failures may come back via Retry.
void Call::Impl::fail(Failure f) {
  const bool retryable = is_retryable(f.code);
  snap.failure = f;
  snap.failure_retryable = retryable;
  diag.failure(clock.mono, f);
  if (!go(snap.state == CallState::Idle ? Trigger::InviteRefused : Trigger::Fatal)) return;
  teardown(/*keep_admission=*/retryable);
  if (!retryable && gate && gate->entry().invite) out.push(fx::SaveSession{""});
  out.push(fx::ShowFailure{std::move(f), retryable});
}

void Call::Impl::teardown(bool keep_admission) {
  signaling.close_all();
  links.close_all();
  if (vendor) vendor->stop();
  vendor_peers(snap.peers, true);
  roster.clear();
  devices.release();
  timers = {};
  if (gate) {
    gate->cancel();
    if (!keep_admission) gate->forget();
  }
}

std::string Call::Impl::self_id() const {
  if (roster.self() && !roster.self()->id.empty()) return roster.self()->id;
  return gate && gate->admitted() ? gate->admitted()->self.id : std::string();
}

Role Call::Impl::self_role() const {
  if (roster.self()) return roster.self()->role;
  if (gate && gate->entry().invite) return gate->entry().invite->role;
  return Role::Guest;
}

// Perfect negotiation's tie-break, per link: a guest yields to a host; equal roles by id.
bool Call::Impl::polite_towards(const Participant& other) const {
  const Role mine = self_role();
  if (mine != other.role) return mine == Role::Guest;
  return self_id() < other.id;
}

// ---- [SECTION] Pre-join: entry, microphone, admission, signaling link ----------------------------
void Call::Impl::on(const in::PageOpened& e) {
  if (snap.state != CallState::Idle) return;
  if (profile_failure) return fail(*profile_failure);
  if (start_page_module()) return;
  if (auto f = gate->read_page(e.url, e.saved, e.device, clock.wall)) return fail(*f);
  go(Trigger::InviteAccepted);
  start_prejoin();
}

void Call::Impl::on(const in::TokenGiven& e) {
  if (voice_token(e) || snap.state != CallState::Idle) return;
  if (profile_failure) return fail(*profile_failure);
  if (e.room.empty() || e.token.empty() || e.signaling_url.empty())
    return fail(make_failure("token.malformed", {{"detail", "it needs room, token and signalingUrl"}}));
  gate->give_token(e, clock.wall);
  go(Trigger::InviteAccepted);
  start_prejoin();
}

void Call::Impl::on([[maybe_unused]] const in::NameEntered& e) {
#ifndef EARSHOT_SELFHOSTED_ONLY  // selfhosted rooms are entered by invite or app token, never by name
  if (snap.state != CallState::Prejoin || !gate || gate->entry().kind != EntryKind::Name) return;
  if (auto f = gate->set_name(e.name)) return show_recoverable(*f);
  if (snap.failure && snap.failure->code == "name.invalid") clear_recoverable();
#endif
}

void Call::Impl::start_prejoin() {
  snap.failure.reset();
  snap.failure_retryable = false;
  devices.acquire();
  if (vendor) vendor->load();
  if (gate->admitted()) {
    arm_wall(kTokenExpiry, gate->admitted()->expires_at);
    open_room_link();
  } else if (gate->admits_before_join()) {
    gate->start();
  } else if (gate->entry().kind == EntryKind::Invite) {
    gate->look();  // the pre-join shows the room and the seat; the invite is spent only by Join
  }
}

void Call::Impl::on(const in::HttpResponded& e) {
  if (auto looked = gate->on_lookup(e, clock.wall)) {
    if (!looked->ok()) return fail(looked->failure());
    if (looked->value().in_call || looked->value().seat == "elsewhere") snap.takeover_offered = true;
    return;
  }
  auto outcome = gate->on(e, clock.wall);
  if (!outcome) return;
  if (!outcome->ok() && outcome->failure().code == "invite.in_use" && go(Trigger::SeatTaken)) {
    snap.takeover_offered = true;  // Join found the seat in use: ask before taking it over
    return show_recoverable(outcome->failure());
  }
  if (!outcome->ok()) return fail(outcome->failure());
  snap.takeover_offered = false;
  const Admission& a = outcome->value();
  roster.set_self(a.self);
  arm_wall(kTokenExpiry, a.expires_at);
  if (std::string s = gate->session(); !s.empty()) out.push(fx::SaveSession{std::move(s)});
  open_room_link();
  if (snap.state == CallState::Joining) enter_room();
}

void Call::Impl::on(const in::HttpFailed& e) {
  if (auto f = gate->on(e)) fail(*f);
}

void Call::Impl::open_room_link() {
  if (!gate->admitted() || signaling.channel(kRoom) || snap.media == MediaPlane::Vendor) return;
  const Admission& a = *gate->admitted();
  auto url = room_url(a);
  if (!url) return fail(url.failure());
  signaling.open(kRoom, profile->open_channel(a), *url);
}

// Join was pressed and the admission is in hand: enter the room (or start the vendor session).
void Call::Impl::enter_room() {
  const Admission& a = *gate->admitted();
  roster.set_self(a.self);
  if (vendor) return vendor->start(a.vendor_join);
  json rtc = json::object();  // RTCConfiguration
  rtc["iceServers"] = a.ice_servers;
  rtc["iceTransportPolicy"] = cfg.ice_transport_policy;
  links.configure(std::move(rtc), LinkTimings{cfg.connect_timeout, cfg.reconnect_give_up, cfg.ice_restart_grace});
  // A head start: the first link is made now, while the server admits us, for whoever we meet first.
  if (links.empty() && snap.topology != Topology::None) head_start = links.open("", true);
  signaling.want_room(kRoom);
}

void Call::Impl::on_signaling_lost(const std::string& purpose) {
  const Duration base = std::min<Duration>(cfg.backoff_max, cfg.backoff_initial << std::min(signaling.attempt(purpose), 20));
  const Duration delay = static_cast<Duration>(static_cast<double>(base) * (0.8 + 0.4 * rng.unit()));
  signaling.lost(purpose, clock.mono, delay);
  if (!timers[kGiveUp] && snap.state != CallState::Connected) timers[kGiveUp] = clock.mono + cfg.reconnect_give_up;
  if (go(Trigger::SignalingLost)) announce("Lost the connection to the call server. Reconnecting…");
}

void Call::Impl::on_backoff_done(const std::string& purpose) {
  if (purpose != kRoom || signaling.channel(kRoom) || !gate->admitted()) return;
  if (clock.wall >= gate->admitted()->expires_at) return fail(session_expired());
  open_room_link();
}

Failure Call::Impl::session_expired() const {
  const Instant at = gate && gate->admitted() ? gate->admitted()->expires_at : clock.wall;
  return make_failure("session.expired", {{"time", format_utc_clock(at, clock.wall, cfg.profile.utc_offset_min)}});
}

void Call::Impl::show_recoverable(Failure f) {
  snap.failure = f;
  snap.failure_retryable = true;
  diag.failure(clock.mono, f);
  out.push(fx::ShowFailure{std::move(f), true});
}

void Call::Impl::clear_recoverable() {
  snap.failure.reset();
  snap.failure_retryable = false;
}

void Call::Impl::on(const in::MicGranted& e) {
  if (is_terminal(snap.state)) {
    out.push(fx::ReleaseMic{});  // a late grant after we gave up: let go of it at once
    return;
  }
  devices.on(e);
  if (snap.failure && snap.failure->code.rfind("mic.", 0) == 0) clear_recoverable();
  if (rejoining && snap.state == CallState::Prejoin) {  // Rejoin was pressed: the mic is back, go in
    rejoining = false;
    on(in::JoinClicked{rejoin_takeover});
  }
}

void Call::Impl::on(const in::MicFailed& e) {
  if (is_terminal(snap.state)) return;
  show_recoverable(devices.on(e));  // a mic problem does not end the page: Join waits, Try again re-asks
}

void Call::Impl::on(const in::DevicesChanged& e) {
  if (is_terminal(snap.state)) return void(devices.on(e, &scratch));
  std::string said;
  if (auto f = devices.on(e, &said)) return show_recoverable(*f);
  if (!said.empty()) announce(std::move(said));
}

void Call::Impl::on(const in::InputDeviceChosen& e) {
  if (!is_terminal(snap.state)) devices.on(e);
}

void Call::Impl::on(const in::MuteSet& e) {
  if (auto said = devices.set_muted(e.muted)) {
    if (vendor) vendor->set_muted(e.muted);
    if (SignalingChannel* ch = signaling.channel(kRoom); ch && signaling.in_room(kRoom)) {
      ch->send_media_state(e.muted);
      signaling.pump();
    }
    announce(*said);
  }
}

void Call::Impl::on(const in::RetryClicked&) {
  if (snap.state == CallState::Failed && snap.failure_retryable) {
    go(Trigger::Retry);
    signaling.healthy(kRoom);
#ifndef EARSHOT_SELFHOSTED_ONLY
    rejoining = !profile->page_module().empty();  // voice was asked for in the chat: straight back in
#endif
    start_prejoin();
  } else if (snap.state == CallState::Prejoin && devices.state().mic != MicStatus::Granted &&
             devices.state().mic != MicStatus::Pending) {
    devices.acquire();
  }
}

void Call::Impl::on(const in::JoinClicked& e) {
  if (snap.state == CallState::Ended && snap.ended_reason != "room-closed" && snap.ended_reason != "replaced") {
    // Rejoin: back through the pre-join (the microphone comes back), then in as soon as it is ready.
    const bool moved = snap.ended_reason == "moved";  // rejoining here takes the seat back
    if (!go(Trigger::Rejoin)) return;
    snap.ended_reason.clear();
    snap.last_left.clear();
    rejoin_takeover = e.takeover || moved;
    snap.takeover_offered = false;
    rejoining = true;
    return start_prejoin();
  }
  if (snap.state != CallState::Prejoin || !devices.granted()) return;
  if (gate->needs_name()) return show_recoverable(make_failure("name.invalid"));
  if (snap.failure && snap.failure->code == "invite.in_use") clear_recoverable();
  gate->set_takeover(e.takeover);
  go(Trigger::JoinRequested);
  if (!gate->admitted()) {
    if (!gate->busy()) gate->start();  // a name entry is admitted now; an invite as soon as it answers
    return;
  }
  enter_room();
}

void Call::Impl::on(const in::LeaveClicked&) {
  if (snap.state == CallState::Idle || is_terminal(snap.state)) return;
  go(Trigger::LeaveRequested);
  snap.ended_reason = "left";
  teardown(/*keep_admission=*/gate->entry().kind == EntryKind::Token);  // an app's token is not ours to spend
  if (gate->entry().invite) out.push(fx::SaveSession{""});
  announce("You left the call.");
}

void Call::Impl::on(const in::PageClosing&) {
  if (snap.state == CallState::Idle || is_terminal(snap.state)) return;
  go(Trigger::LeaveRequested);
  snap.ended_reason = "left";
  teardown(/*keep_admission=*/true);
}

// ---- [SECTION] Peer links: what the links report --------------------------------------------------
void Call::Impl::on_link(const linkev::Up& e) {
  roster.set_connection(e.participant, "connected");
  disarm(kGiveUp);
  if (go(Trigger::MediaUp) || snap.topology == Topology::Mesh) announce("Connected to " + roster.name_of(e.participant) + ".");
}

void Call::Impl::on_link(const linkev::Down& e) {
  Member* m = roster.find(e.participant);
  if (m) m->connection = e.state;
  if (m && !m->on_signaling) return gone(e.participant, false);  // no signaling and no media: they are gone
  if (!links.any_connected() && go(Trigger::MediaDown))
    announce("Connection to " + roster.name_of(e.participant) + " interrupted. Reconnecting…");
  if (snap.state == CallState::Reconnecting || snap.state == CallState::Connected) links.arm_recovery(e.peer, clock.mono);
}

void Call::Impl::on_link(const linkev::RestartDue& e) {
  PeerLink* l = links.find(e.peer);
  if (l && !l->connected() && !l->polite() && signaling.in_room(kRoom)) links.offer(e.peer, true);
}

void Call::Impl::on_link(const linkev::ConnectTimedOut& e) {
  const std::string name = roster.name_of(e.participant);
  if (snap.state == CallState::Connecting)
    return fail(make_failure("media.timeout", {{"name", name}, {"seconds", std::to_string(cfg.connect_timeout / 1000)}}));
  links.close(e.peer);
  roster.set_connection(e.participant, "failed");
  announce("Could not connect audio with " + name + ".");
}

void Call::Impl::on_link(const linkev::GaveUp& e) {
  const std::string name = roster.name_of(e.participant);
  if (snap.state == CallState::Reconnecting && !links.any_connected()) return fail(lost(name));
  links.close(e.peer);
  roster.set_connection(e.participant, "failed");
  announce("Lost the audio connection with " + name + ".");
}

void Call::Impl::on_link(const linkev::Rebuilt& e) {
  roster.set_connection(e.participant, "new");
  if (!links.any_connected() && go(Trigger::MediaDown)) announce("Reconnecting audio with " + roster.name_of(e.participant) + "…");
  relay_if_hub();
}

void Call::Impl::on_link(const linkev::Unavailable& e) {
  fail(make_failure("webrtc.unavailable", {{"detail", e.error.empty() ? std::string() : " (" + utf8_prefix(e.error, 120) + ")"}}));
}

void Call::Impl::on_link(const linkev::RelayUnreachable& e) {
  std::string why = e.refused ? (e.error_code == 401 || e.error_code == 403 ? " (it refused the credentials)"
                                                                            : " (error " + std::to_string(e.error_code) + ")")
                              : "";
  fail(make_failure("relay.unreachable", {{"detail", why}}));
}

void Call::Impl::relay_if_hub() {
  if (snap.topology == Topology::Star && i_am_hub()) links.relay_all();
}

void Call::Impl::on(const in::AudioLevels& e) {  // ---- levels ----
  if (auto said = devices.on_level(e.local)) announce(*said);
  for (const auto& r : e.remote)
    if (PeerLink* l = links.find(r.peer)) roster.set_level(l->participant(), r.level, cfg.speaking_threshold);
  relay_roster();
}

// ---- timers ----
void Call::Impl::on_timer(Timer t) {
  switch (t) {
    case kGiveUp:
      if (snap.state == CallState::Reconnecting || (snap.state == CallState::Prejoin && !signaling.channel(kRoom))) fail(gave_up());
      return;
    case kTokenExpiry:
      if (snap.state == CallState::WaitingForPeer || snap.state == CallState::Joining ||
          (snap.state == CallState::Reconnecting && !signaling.in_room(kRoom)) || snap.state == CallState::Prejoin)
        fail(session_expired());
      return;
    case kTimerCount: return;
  }
}

// Everything the parts queued: signaling notices and link events, until none is left.
void Call::Impl::settle() {
  for (bool more = true; more;) {
    more = false;
    while (auto o = links.poll_outgoing()) {
      more = true;
      SignalingChannel* ch = signaling.channel(kRoom);
      if (!ch) continue;
      if (o->type == "candidate") ch->send_candidate(o->to, o->candidate);
      else ch->send_description(o->to, o->type, o->sdp);
      signaling.pump();
    }
    while (auto n = signaling.poll_notice()) {
      more = true;
      if (!n->event) on_backoff_done(n->purpose);
      else std::visit([&](auto& ev) { on_signal(n->purpose, ev); }, *n->event);
    }
    while (auto e = links.poll_event()) {
      more = true;
      std::visit([&](auto& ev) { on_link(ev); }, *e);
    }
  }
}

void Call::Impl::refresh_snapshot() {
  snap.entry = gate ? gate->entry().kind : EntryKind::Invite;
  snap.needs_name = gate && gate->needs_name();
  snap.invite = gate ? gate->entry().invite : std::nullopt;
  const auto* a = gate && gate->admitted() ? &*gate->admitted() : nullptr;
  snap.admitted = a != nullptr;
  snap.room_id = a ? a->room_id : (gate ? gate->entry().room : std::string());
  snap.lookup = gate ? gate->lookup() : std::nullopt;
  snap.room_title = a && !a->room_title.empty() ? a->room_title
                    : snap.lookup && !snap.lookup->room_title.empty() ? snap.lookup->room_title
                    : (snap.invite ? snap.invite->title : std::string());
  snap.self = roster.self();
  if (!snap.self && gate && !gate->entry().name.empty()) snap.self = Participant{"", gate->entry().name, self_role()};
  grade_participants();
  snap.participants = roster.members();
  if (snap.topology == Topology::Star && !i_am_hub()) {  // a spoke hears the others through the hub
    const std::string hub = hub_id();
    const Member* h = roster.find(hub);
    for (auto& m : snap.participants)
      if (m.who.id != hub && h) m.connection = h->connection, m.quality = h->quality;
  }
  snap.peers.clear();
  for (const auto& l : links.all()) snap.peers.push_back(PeerView{l.id(), l.participant(), l.state(), l.polite()});
  vendor_peers(snap.peers, false);
  snap.devices = devices.state();
  snap.link = signaling.status(kRoom);
  snap.reconnect_attempt = signaling.attempt(kRoom);
  const bool name_ok = !gate || !gate->needs_name();
  snap.join_ready = snap.state == CallState::Prejoin && devices.granted() && name_ok &&
                    (snap.admitted || (gate && !gate->admits_before_join()));
}

// ---- [SECTION] Entry points ---------------------------------------------------------------------
Call::Call(CallConfig config, Clock now, std::uint64_t seed) : impl_(std::make_unique<Impl>(*this, std::move(config), now, seed)) {}
Call::~Call() = default;

void Call::handle(const Input& input, Clock now) {
  auto& I = *impl_;
  I.clock = Clock{std::max(I.clock.wall, now.wall), std::max(I.clock.mono, now.mono)};
  std::visit([&](const auto& e) { I.on(e); }, input);
  I.settle();
  I.refresh_snapshot();
}

void Call::handle_timeout(Clock now) {
  auto& I = *impl_;
  I.clock = Clock{std::max(I.clock.wall, now.wall), std::max(I.clock.mono, now.mono)};
  I.signaling.handle_timeout(I.clock.mono);
  I.links.handle_timeout(I.clock.mono);
  I.settle();
  for (int t = 0; t < Impl::kTimerCount; ++t) {
    if (I.timers[t] && *I.timers[t] <= I.clock.mono) {
      I.timers[t].reset();
      I.on_timer(static_cast<Impl::Timer>(t));
      I.settle();
    }
  }
  I.refresh_snapshot();
}

std::optional<Effect> Call::poll_effect() {
  auto e = impl_->out.pop();
  if (e) impl_->diag.effect(impl_->clock.mono, *e);
  return e;
}

std::optional<Instant> Call::poll_timeout() const {
  std::optional<Instant> best;
  auto take = [&](std::optional<Instant> t) {
    if (t && (!best || *t < *best)) best = t;
  };
  for (const auto& t : impl_->timers) take(t);
  take(impl_->signaling.poll_timeout());
  take(impl_->links.poll_timeout());
  return best;
}

}  // namespace earshot
