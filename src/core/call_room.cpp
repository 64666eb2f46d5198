// The room as the call sees it through signaling: who is there (welcome, arrivals, departures), whom
// we link to (the profile's topology), and the descriptions and candidates addressed to us.
#include <algorithm>

#include "call_impl.hpp"

namespace earshot {

void Call::Impl::on(const in::LinkOpened& e) {
  signaling.handle(e, clock.mono);
  if (snap.state == CallState::Prejoin) {  // a pre-join link is healthy again: forget past trouble
    disarm(kGiveUp);
    signaling.healthy(kRoom);
  }
}
void Call::Impl::on(const in::LinkMessage& e) { signaling.handle(e, clock.mono); }
void Call::Impl::on(const in::LinkClosed& e) { signaling.handle(e, clock.mono); }

Failure Call::Impl::gave_up() const {
#ifndef EARSHOT_SELFHOSTED_ONLY
  if (gate->admitted() && !signaling.ever_opened(kRoom))
    if (auto f = profile->never_reached(*gate->admitted())) return *f;
#endif
  return snap.state == CallState::Prejoin || roster.empty() ? make_failure("signal.unreachable")
                                                            : lost(roster.name_of(roster.members().front().who.id));
}

std::string Call::Impl::hub_id() const {
  if (gate && gate->admitted() && !gate->admitted()->hub.empty()) return gate->admitted()->hub;
  if (self_role() == Role::Host) return self_id();
  for (const auto& m : roster.members())
    if (m.who.role == Role::Host) return m.who.id;
  return {};
}

bool Call::Impl::i_am_hub() const { return !self_id().empty() && hub_id() == self_id(); }

bool Call::Impl::wants_link_to(const Participant& other) const {
  switch (snap.topology) {
    case Topology::None: return false;
    case Topology::Star: return i_am_hub() || other.id == hub_id();
    case Topology::Pair:
    case Topology::Mesh: return true;
  }
  return false;
}

// The link to `p`: the untouched head-start link if there is one, else a fresh one.
PeerId Call::Impl::link_for(const Participant& p, bool offer) {
  const bool polite = polite_towards(p);
  PeerId id = 0;
  PeerLink* early = head_start ? links.find(*head_start) : nullptr;
  if (early && early->participant().empty() && early->untouched()) {
    links.reassign(*head_start, p.id, polite);
    id = *head_start;
  } else {
    if (PeerLink* old = links.for_participant(p.id)) links.close(old->id());
    id = links.open(p.id, polite);
  }
  head_start.reset();
  roster.set_connection(p.id, "new");
  if (offer) links.offer(id, false);
  relay_if_hub();
  return id;
}

void Call::Impl::on_signal(const std::string& purpose, const signal::Welcome& w) {
  const bool came_back = signaling.attempt(purpose) > 0 && snap.state == CallState::Connected;  // see server_gone
  signaling.mark_in_room(purpose);
  if (came_back) announce("Reconnected to the call server.");
  if (snap.state != CallState::Connected) disarm(kGiveUp);
  if (w.capacity > 0) snap.capacity = w.capacity;
  if (w.capacity > 2 && snap.topology == Topology::Pair) snap.topology = Topology::Mesh;  // the room says it holds more
  if (!w.self.id.empty()) {
    // The server names us; once admitted as someone, a room-state cannot make us someone else.
    const std::string known = gate && gate->admitted() ? gate->admitted()->self.id : std::string();
    if (known.empty() || known == w.self.id) roster.set_self(w.self);
    else warn("room-state names us '" + utf8_prefix(w.self.id, 64) + "', not '" + utf8_prefix(known, 64) + "': ignored");
  }
  if (roster.find(self_id())) {  // we are never one of the others
    if (PeerLink* l = links.for_participant(self_id())) links.close(l->id());
    roster.remove(self_id());
  }
  // Those no longer listed: keep the ones whose audio still flows (only their signaling is down).
  std::vector<std::string> stale;
  for (const auto& m : roster.members())
    if (std::none_of(w.others.begin(), w.others.end(), [&](const Participant& p) { return p.id == m.who.id; })) stale.push_back(m.who.id);
  for (const auto& id : stale) {
    PeerLink* l = links.for_participant(id);
    if (l && l->connected()) {
      roster.find(id)->on_signaling = false;
      continue;
    }
    if (l) links.close(l->id());
    roster.remove(id);
  }
  for (const auto& p : w.others) {
    if (p.id.empty() || p.id == self_id()) continue;
    const bool known = roster.find(p.id) != nullptr;
    roster.upsert(p, clock.wall);
    if (!wants_link_to(p)) continue;
    PeerLink* l = links.for_participant(p.id);
    if (l && l->connected()) continue;  // our signaling came back; media never stopped
    if (l && (snap.state == CallState::Reconnecting || !known)) {
      links.close(l->id());
      l = nullptr;
    }
    if (l) continue;
    // They were here first: they offer when they see our arrival (in a star, the spoke offers).
    const PeerId id = link_for(p, snap.topology == Topology::Star && !i_am_hub());
    links.arm_connect_deadline(id, clock.mono);
  }
  relay_if_hub();
  if (devices.state().muted) {  // the others learn we are muted (they learn nothing while we are not)
    if (SignalingChannel* ch = signaling.channel(purpose)) ch->send_media_state(true);
  }
  if (!roster.empty()) {
    snap.last_left.clear();
    go(Trigger::OthersPresent);
  } else if (!links.any_connected()) {
    go(Trigger::RoomEntered);
  }
}

void Call::Impl::on_signal(const std::string& purpose, const signal::PeerJoined& j) {
  if (!signaling.in_room(purpose) || j.peer.id.empty() || j.peer.id == self_id()) return;
  Member* m = roster.find(j.peer.id);
  PeerLink* l = links.for_participant(j.peer.id);
  if (m && l && l->connected()) {
    // Back on signaling with media still up: a blip (their connection lives) or a reload (it does
    // not). An ICE restart offer on our link serves both; a reload shows up as a new fingerprint in
    // their answer and the link is rebuilt then.
    m->on_signaling = true;
    links.offer(l->id(), true);
    return;
  }
  const bool rejoin = m != nullptr;
  roster.upsert(j.peer, clock.wall);
  snap.last_left.clear();
  announce(roster.name_of(j.peer.id) + (rejoin ? " rejoined." : " joined."));
  if (!wants_link_to(j.peer)) return;
  if (snap.state == CallState::WaitingForPeer || snap.state == CallState::Reconnecting) go(Trigger::OthersPresent);
  // seed 004: the participant already in the room offers on user-joined; in a star, the spoke offers.
  const PeerId id = link_for(j.peer, snap.topology != Topology::Star || !i_am_hub());
  links.arm_connect_deadline(id, clock.mono);
}

void Call::Impl::on_signal(const std::string&, const signal::PeerLeft& left) {
  Member* m = roster.find(left.peer_id);
  if (!m) return;
  PeerLink* l = links.for_participant(left.peer_id);
  if (!left.for_good && l && l->connected()) {
    m->on_signaling = false;
    announce(roster.name_of(left.peer_id) + " lost the connection to the server; the call continues while audio flows.");
    return;
  }
  gone(left.peer_id, left.for_good);
}

void Call::Impl::gone(const std::string& id, bool for_good) {
  const std::string name = roster.name_of(id);
  if (PeerLink* l = links.for_participant(id)) links.close(l->id());
  roster.remove(id);
  relay_if_hub();
  if (roster.empty()) {
    disarm(kGiveUp);
    go(Trigger::AloneAgain);
    if (for_good) snap.last_left = name;  // the page says who left and that you may wait or leave
  }
  announce(name + (for_good ? " left the call." : " disconnected."));
}

// The link a description or candidate belongs to, or nullptr (with a warning) when it is not ours.
PeerLink* Call::Impl::link_from(const std::string& from, const std::string& to, const char* what) {
  if (!to.empty() && !self_id().empty() && to != self_id()) {
    warn(std::string(what) + " addressed to " + utf8_prefix(to, 64) + " discarded: not for us");
    return nullptr;
  }
  std::string who = from;
  if (who.empty() && roster.members().size() == 1) who = roster.members().front().who.id;  // servers that omit `from`
  if (who.empty() || !roster.find(who)) {
    warn(std::string(what) + " from unknown participant '" + utf8_prefix(who, 64) + "' discarded");
    return nullptr;
  }
  PeerLink* l = links.for_participant(who);
  if (!l) warn(std::string(what) + " from " + utf8_prefix(who, 64) + " discarded: no link to them");
  return l;
}

void Call::Impl::on_signal(const std::string&, const signal::Description& d) {
  if (PeerLink* l = link_from(d.from, d.to, "description")) links.on_description(l->id(), d.type, d.sdp, clock.mono);
}

void Call::Impl::on_signal(const std::string&, const signal::Candidate& c) {
  if (PeerLink* l = link_from(c.from, c.to, "candidate")) links.on_candidate(l->id(), c.candidate);
}

void Call::Impl::on_signal(const std::string&, const signal::Refused& r) { fail(r.failure); }
// Lost while the call is connected: the audio goes on peer to peer and the state stays connected, but
// the page says (once, when the room link drops, not at every refused attempt) that the server is gone;
// the welcome back says it has returned.
void Call::Impl::on_signal(const std::string& purpose, const signal::Lost&) { server_gone(purpose); }
void Call::Impl::on_signal(const std::string& purpose, const signal::GoAway&) { server_gone(purpose); }
void Call::Impl::server_gone(const std::string& purpose) {
  const bool was_in_room = signaling.in_room(purpose);
  on_signaling_lost(purpose);
  if (was_in_room && snap.state == CallState::Connected) announce("Lost the connection to the call server. Reconnecting…");
}
void Call::Impl::on_signal(const std::string&, const signal::Warning& w) { warn(w.what); }  // never fatal
void Call::Impl::on_signal(const std::string&, const signal::RoomClosed&) { room_closed("The host closed this room."); }

void Call::Impl::on_signal(const std::string&, const signal::Replaced& r) {
  const bool moved = r.reason != "replaced";
  if (!go(Trigger::Replaced)) return;
  snap.ended_reason = moved ? "moved" : "replaced";
  teardown(false);
  if (gate->entry().invite) out.push(fx::SaveSession{""});
  announce(make_failure(moved ? "session.moved" : "session.replaced").message);
}

void Call::Impl::on_signal(const std::string&, const signal::MediaState& m) {
  if (Member* who = roster.find(m.from)) who->muted = m.muted;
}

void Call::Impl::on_signal(const std::string&, const signal::ChatMessage& m) {
  snap.chat.push_back(ChatLine{m.from, roster.name_of(m.from), m.text, m.at});
  if (snap.chat.size() > 200) snap.chat.erase(snap.chat.begin());
}

void Call::Impl::on_signal(const std::string&, const signal::JoinRequest& r) {
  snap.join_requests.push_back(r.who);
  announce(r.who.name + " asks to join.");
}

void Call::Impl::on_signal(const std::string&, const signal::JoinDecision& d) {
  if (!d.approved) fail(make_failure("join.rejected", {{"detail", d.reason.empty() ? std::string() : " (" + utf8_prefix(d.reason, 120) + ")"}}));
}

}  // namespace earshot
