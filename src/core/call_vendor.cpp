// The call when a vendor SDK owns the media: its session starting and stopping, the roster and
// volumes it reports, and a meeting ended under us.
#include <algorithm>

#include "call_impl.hpp"
#include "earshot/json.hpp"

namespace earshot {
using nlohmann::json;

#ifndef EARSHOT_SELFHOSTED_ONLY
namespace {
// A vendor adapter or page module that could not be loaded or started (`detail`: what the page said).
Failure unavailable(std::string_view what, const std::string& detail) {
  return make_failure("vendor.unavailable", {{"vendor", std::string(what)}, {"detail", detail.empty() ? "" : " (" + utf8_prefix(detail, 120) + ")"}});
}
}  // namespace
#endif

// ---- [SECTION] Vendor media ---------------------------------------------------------------------
#ifdef EARSHOT_SELFHOSTED_ONLY
// The selfhosted room page's core: no profile there has vendor media or a page module (see
// profiles/registry.cpp).
void Call::Impl::on(const in::VendorStarted&) {}
void Call::Impl::on(const in::VendorStopped&) {}
void Call::Impl::on(const in::VendorRoster&) {}
void Call::Impl::on(const in::VendorVolumes&) {}
#else
// ---- [SECTION] A page module before the call (kvs: the chat) -------------------------------------
// The page opens on the module (started like a vendor adapter, with the API base); the call waits in
// Idle until the module hands it a voice token, and may be handed a new one after it ended or failed.
bool Call::Impl::start_page_module() {
  if (profile->page_module().empty()) return false;
  json start = json::object();
  start["apiBase"] = cfg.profile.api_base;
  out.push(fx::StartVendor{std::string(profile->page_module()), std::move(start)});
  return true;
}

bool Call::Impl::voice_token(const in::TokenGiven& e) {
  if (!profile || profile->page_module().empty()) return false;
  const bool again = snap.state == CallState::Ended || snap.state == CallState::Failed;
  if (snap.state != CallState::Idle && !again) return renew_voice(e), true;  // in voice: one session at a time
  if (again && (e.room.empty() || e.token.empty() || e.signaling_url.empty())) return true;
  rejoining = true;  // voice was asked for in the chat: in as soon as the microphone is ready
  rejoin_takeover = false;
  if (!again) return false;  // the common path (on(TokenGiven))
  if (!go(snap.state == CallState::Ended ? Trigger::Rejoin : Trigger::Retry)) return true;
  snap.ended_reason.clear();  // (start_prejoin clears the failure)
  snap.last_left.clear();
  snap.notice.clear();
  gate->give_token(e, clock.wall);
  start_prejoin();
  return true;
}

// In voice, the chat renewed our credentials before they expire (KVS closes signaling after an hour at
// most, and idle connections after ten minutes: a call outlives its first credentials). They sign every
// (re)connection from now on, the links made from now on get the new TURN servers, and the expiry moves.
void Call::Impl::renew_voice(const in::TokenGiven& e) {
  const auto& a = gate->admitted();
  auto token = a && e.room == a->room_id ? profile->renewed_token(*a, e.token) : std::nullopt;
  if (!token) return warn("voice credentials for another voice chat or role were ignored");
  gate->renew(std::move(*token), e.ice_servers, e.ttl, clock.wall);
  arm_wall(kTokenExpiry, gate->admitted()->expires_at);
  links.set_ice_servers(gate->admitted()->ice_servers);
  diag.note(clock.mono, "voice credentials renewed until " + format_utc_clock(gate->admitted()->expires_at, clock.wall, cfg.profile.utc_offset_min));
}

Result<std::string> Call::Impl::room_url(const Admission& a) { return profile->signaling_url_at(a, clock.wall); }

// The chat said voice ended (`detail`: who ended it): everyone leaves voice and reads who did.
void Call::Impl::voice_ended(const std::string& who) {
  if (!go(Trigger::RoomClosed) && !go(Trigger::LeaveRequested)) return;
  snap.ended_reason = "room-closed";
  teardown(false);
  announce((who.empty() ? std::string("Someone") : utf8_prefix(who, 64)) + " ended the voice chat.");
}

// ---- [SECTION] kvs: who is in voice, told by the master over each link's data channel ----------
// A viewer is linked to the master alone and hears everyone in one mixed track, so the master tells
// each viewer, every third level sample (~300 ms), who is in voice with their level and mute state;
// a viewer tells the master whether it is muted. The viewer draws the others from it. KVS has no
// presence: a viewer's data channel closing (the driver says {"bye":true}) is how the master learns
// it left; without one (a crash) its link fails and is given up as any other.
void Call::Impl::relay_roster() {
  if (profile->page_module().empty() || snap.topology != Topology::Star) return;
  if (!i_am_hub()) {
    const std::string hub = hub_id();
    // The master's own level, as it said, over the mix's (just set from the link's level sample).
    if (roster.find(hub) && hub_level >= 0) roster.set_level(hub, hub_level, cfg.speaking_threshold);
    if (++roster_ticks % 3) return;
    PeerLink* l = links.for_participant(hub);
    json m = json::object();
    m["muted"] = devices.state().muted;
    if (l && l->connected()) out.push(fx::SendOnPeer{l->id(), json_text(m)});
    return;
  }
  if (++roster_ticks % 3) return;
  json people = json::array();
  const auto person = [&](const Participant& p, double level, bool muted) {
    json o = json::object();
    o["id"] = p.id;
    o["name"] = p.name;
    o["level"] = muted ? 0.0 : level;
    o["muted"] = muted;
    people.push_back(std::move(o));
  };
  if (roster.self()) person(*roster.self(), devices.state().local_level, devices.state().muted);
  for (const auto& m : roster.members()) person(m.who, m.level, m.muted);
  json said = json::object();
  said["people"] = std::move(people);
  const std::string text = json_text(said);
  for (const auto& m : roster.members())
    if (PeerLink* l = links.for_participant(m.who.id); l && l->connected()) out.push(fx::SendOnPeer{l->id(), text});
}

void Call::Impl::on(const in::PeerMessage& e) {
  PeerLink* l = links.find(e.peer);
  if (!l || profile->page_module().empty() || snap.topology != Topology::Star) return;
  const json j = parse_json_text(e.text);
  if (!j.is_object()) return warn("a data channel message that is not a JSON object, from " + utf8_prefix(l->participant(), 64));
  if (i_am_hub()) {  // a viewer's mute state, or its goodbye (its data channel closed: it left voice)
    if (j.contains("bye")) return gone(std::string(l->participant()), true);  // a copy: gone() closes the link that holds it
    if (Member* m = roster.find(l->participant()); m && j.contains("muted") && j["muted"].is_boolean()) m->muted = j["muted"].get<bool>();
    return;
  }
  const std::string hub = hub_id();
  if (l->participant() != hub || !j.contains("people") || !j["people"].is_array()) return;
  std::vector<std::string> listed{hub};
  for (const auto& p : j["people"]) {
    if (listed.size() > 16) break;  // a master and at most ten viewers; more is not a roster
    if (!p.is_object() || !p.contains("id") || !p["id"].is_string() || !p.contains("name") || !p["name"].is_string()) continue;
    const std::string id = p["id"].get<std::string>();
    const double level = p.contains("level") && p["level"].is_number() ? std::clamp(p["level"].get<double>(), 0.0, 1.0) : 0.0;
    const bool muted = p.contains("muted") && p["muted"].is_boolean() && p["muted"].get<bool>();
    if (id.empty() || id == self_id()) continue;
    if (id == hub) {
      hub_level = level;
      if (Member* h = roster.find(hub)) h->muted = muted;
      continue;
    }
    roster.upsert(Participant{id, utf8_prefix(p["name"].get<std::string>(), 64), Role::Guest}, clock.wall);
    roster.set_level(id, level, cfg.speaking_threshold);
    roster.find(id)->muted = muted;
    listed.push_back(id);
  }
  std::vector<std::string> gone_ids;
  for (const auto& m : roster.members())
    if (std::find(listed.begin(), listed.end(), m.who.id) == listed.end()) gone_ids.push_back(m.who.id);
  for (const auto& id : gone_ids) roster.remove(id);
}

void Call::Impl::on(const in::VendorStarted& e) {
  if (!vendor || !vendor->on(e)) return;
  go(Trigger::RoomEntered);
  settle_vendor();
}

void Call::Impl::on(const in::VendorStopped& e) {
  if (!vendor) {  // from a page module (kvs: the chat), if the profile has one
    if (profile->page_module().empty()) return;
    if (e.code == "voice-ended") return voice_ended(e.detail);
    if (e.code == "vendor.unavailable") return fail(unavailable(profile->page_module(), e.detail));
    return;
  }
  if (!vendor->on(e)) return;
  if (e.code == "MeetingEnded" || e.code == "meeting-ended") return room_closed("The meeting has ended.");
  if (e.code == "STAGE_DELETED") return room_closed("This room has closed.");
  // IVS refused the participant token (expired, signed with a key it no longer has, reused): a new
  // join gets a new token.
  if (e.code.rfind("TOKEN_", 0) == 0 || e.code.rfind("JOIN_", 0) == 0) {
    fail(make_failure("stage.refused", {{"detail", utf8_prefix(e.code + (e.detail.empty() ? "" : ": " + e.detail), 160)}}));
    if (gate) gate->forget();  // that token is spent: Try again asks the room API for a new one
    return;
  }
  if (e.code == "STAGE_AT_CAPACITY") return fail(make_failure("meeting.full"));
  if (e.code == "Left") return;
  // The Chime SDK's status names (MeetingSessionStatusCode) that end the call for a reason of their own.
  if (e.code == "AudioAttendeeRemoved" || e.code == "AudioJoinedFromAnotherDevice") return fail(make_failure("meeting.removed"));
  if (e.code == "AudioCallAtCapacity") return fail(make_failure("meeting.full"));
  if (e.code == "AudioAuthenticationRejected" || e.code == "SignalingBadRequest")
    return fail(make_failure("meeting.refused", {{"detail", e.code}}));
  if (e.code == "vendor.unavailable") return fail(unavailable(vendor->vendor(), e.detail));
  fail(make_failure("vendor.failed", {{"detail", utf8_prefix(e.code + (e.detail.empty() ? "" : ": " + e.detail), 160)}}));
}

void Call::Impl::on(const in::VendorRoster& e) {
  // The SDK may report presence before it reports itself started: keep it, settle once live.
  if (!vendor || (vendor->status() != VendorSession::Status::Live && vendor->status() != VendorSession::Status::Starting)) return;
  const std::string me = self_id();
  // Seed 000 is 1:1, one host link and one guest link: the other attendee holds the other one.
  // (IVS stages have no roles; everyone there is a guest.)
  const bool one_to_one = vendor->vendor() == "chime" && gate->entry().invite;
  const Role other = one_to_one && gate->entry().invite->role == Role::Guest ? Role::Host : Role::Guest;
  for (const auto& a : e.attendees) {
    if (a.id.empty() || a.id == me) continue;
    if (!a.present) {
      if (roster.remove(a.id)) announce((a.name.empty() ? roster.name_of(a.id) : a.name) + " left the call.");
      continue;
    }
    if (roster.upsert(Participant{a.id, a.name, other}, clock.wall)) announce(roster.name_of(a.id) + " joined.");
    if (Member* m = roster.find(a.id)) {
      m->muted = a.muted;
      m->connection = "connected";
    }
  }
  if (e.listeners >= 0) snap.listeners = e.listeners;
  if (vendor->status() == VendorSession::Status::Live) settle_vendor();
}

void Call::Impl::on(const in::VendorVolumes& e) {
  for (const auto& v : e.volumes) roster.set_level(v.id, v.level, cfg.speaking_threshold);
}

void Call::Impl::settle_vendor() {
  if (roster.empty()) {
    go(Trigger::AloneAgain);
    return;
  }
  go(Trigger::OthersPresent);
  if (go(Trigger::MediaUp)) announce("Connected.");
}
#endif

void Call::Impl::room_closed(std::string sentence) {
  if (!go(Trigger::RoomClosed)) return;
  snap.ended_reason = "room-closed";
  teardown(false);
  if (gate->entry().invite) out.push(fx::SaveSession{""});
  announce(std::move(sentence));
}

}  // namespace earshot
