// Scenarios beyond the pair: a mesh of six with glare on every link, a star of ten whose hub relays
// every spoke to every other, a vendor SDK session, entry by name, misaddressed signals, a room of
// three that one person leaves, and a room closed by its host.
#include <algorithm>

#include "scenario_ctx.hpp"

namespace earshot::sim {
namespace {
CallConfig room_of(int size, const std::string& topology = "", const std::string& profile = "selfhosted") {
  CallConfig c;
  c.profile.name = profile;
  c.profile.room_size = size;
  c.profile.topology = topology;
  return c;
}

std::string names(const std::set<std::string>& s) {
  std::string out;
  for (auto& n : s) out += (out.empty() ? "" : ",") + n;
  return "{" + out + "}";
}

// Everyone in `people` hears everyone else in it, and nobody else.
bool all_hear_each_other(Ctx& x, const std::vector<Client*>& people) {
  for (Client* c : people) {
    std::set<std::string> want;
    for (Client* o : people)
      if (o != c) want.insert(o->name);
    if (x.w.voices(*c) != want) return false;
  }
  return true;
}

void explain_voices(Ctx& x, const std::vector<Client*>& people) {
  for (Client* c : people) x.check(false, c->name + " hears " + names(x.w.voices(*c)));
}
}  // namespace

void mesh_of_six_with_glare(Ctx& x) {
  x.w.backend().capacity = 6;
  x.w.backend().symmetric_join = true;  // every newcomer hears user-joined for each member: both ends offer
  const CallConfig mesh = room_of(6);
  std::vector<Client*> people;
  for (const char* n : {"Ana", "Ben", "Cy", "Dee", "Eli", "Fay"})
    people.push_back(&x.open(n, people.empty() ? "host" : "guest", "mesh", mesh));
  x.join(*people[0]);
  x.wait(*people[0], S::WaitingForPeer);
  for (std::size_t i = 1; i < people.size(); ++i) x.join(*people[i]);  // five join at once
  const bool ok = x.w.run_until([&] { return all_hear_each_other(x, people); }, 30000);
  x.check(ok, "in a mesh of six everyone hears the five others");
  if (!ok) explain_voices(x, people);
  int rollbacks = 0;
  for (Client* c : people) {
    x.check(c->state() == S::Connected, c->name + " is connected");
    x.check(c->call->snapshot().participants.size() == 5, c->name + " sees five others");
    int open = 0;
    for (auto& [id, pc] : c->pcs) open += !pc->closed;
    x.check(open == 5, c->name + " holds one peer link per other participant (has " + std::to_string(open) + ")");
    rollbacks += c->rollbacks;
  }
  x.check(rollbacks > 0, "glare happened and the polite sides rolled back");
  x.check(x.w.backend().undelivered.empty(), "every addressed signal found its recipient");
}

void star_of_ten_with_hub_relay(Ctx& x) {
  x.w.backend().capacity = 10;
  const CallConfig star = room_of(10, "star");
  Client& hub = x.open("Hub", "host", "star", star);
  std::vector<Client*> people{&hub};
  for (int i = 1; i <= 9; ++i) people.push_back(&x.open("S" + std::to_string(i), "guest", "star", star));
  x.join(hub);
  x.wait(hub, S::WaitingForPeer);
  for (std::size_t i = 1; i < people.size(); ++i) x.join(*people[i]);
  const bool ok = x.w.run_until([&] { return all_hear_each_other(x, people); }, 30000);
  x.check(ok, "every spoke's audio reaches every other spoke through the hub, and the hub hears all nine");
  if (!ok) explain_voices(x, people);
  int hub_links = 0;
  for (auto& [id, pc] : hub.pcs) hub_links += !pc->closed;
  x.check(hub_links == 9, "the hub holds nine links (has " + std::to_string(hub_links) + ")");
  for (std::size_t i = 1; i < people.size(); ++i) {
    int open = 0;
    for (auto& [id, pc] : people[i]->pcs) open += !pc->closed;
    x.check(open == 1, people[i]->name + " links to the hub only");
    x.check(people[i]->call->snapshot().participants.size() == 9, people[i]->name + " sees all nine others");
    for (const auto& m : people[i]->call->snapshot().participants)
      x.check(m.connection == "connected", people[i]->name + " shows " + m.who.name + " connected (through the hub)");
    x.check(x.count<fx::SetRelay>(*people[i]) == 0, people[i]->name + " (a spoke) relays nothing");
  }
  x.check(x.count<fx::SetRelay>(hub) >= 9, "the hub set a mix-minus relay for its links");
  // a spoke leaves: the others keep hearing each other, and no longer hear it
  x.w.input(*people[9], in::LeaveClicked{});
  people.pop_back();
  x.check(x.w.run_until([&] { return all_hear_each_other(x, people); }, 10000), "after S9 leaves the remaining eight spokes and the hub hear each other");
}

void vendor_session(Ctx& x) {
  const CallConfig chime = room_of(2, "", "chime");
  Client& host = x.open("Hana", "host", "mtg", chime);
  x.w.backend().chime_nested = true;  // the second join comes back in the AWS demo's JoinInfo shape
  Client& guest = x.open("Gus", "guest", "mtg", chime);
  x.w.run_for(200);
  x.check(host.vendor_loads == std::vector<std::string>{"chime"}, "the Chime adapter is loaded once, during pre-join");
  x.check(host.http_requests == 0, "no meeting is joined before Join is pressed");
  x.join(host);
  x.wait(host, S::WaitingForPeer);
  x.join(guest);
  x.wait(guest, S::Connected) && x.wait(host, S::Connected);
  for (Client* c : {&host, &guest}) {
    x.check(x.count<fx::OpenLink>(*c) == 0 && x.count<fx::CreatePeer>(*c) == 0, c->name + ": the SDK owns the media (no links, no peers)");
    x.check(c->call->snapshot().participants.size() == 1, c->name + " sees the other attendee");
  }
  x.check(host.member("Gus") != nullptr, "the roster names the other attendee");
  x.check(host.member("Gus") && host.member("Gus")->who.role == Role::Guest && guest.member("Hana") &&
              guest.member("Hana")->who.role == Role::Host,
          "1:1: each sees the other as the holder of the other link (host or guest)");
  x.w.run_for(500);
  x.check(x.sees_speaking(host, "Gus") && x.sees_speaking(guest, "Hana"), "volumes drive the speaking indicators");
  x.w.input(host, in::MuteSet{true});
  x.w.run_for(500);
  x.check(x.w.received_level(guest) == 0.0 && !x.sees_speaking(guest, "Hana"), "a muted attendee goes quiet for the other");
  // The SDK's connection sampled once a second (Chime: one mixed downlink, so it carries everyone):
  // it shows as a peer in the diagnostics, and half the packets lost grades the other attendee poor.
  in::LinkStats stats{1, in::LinkSample{40, 5, 100, 0, 100, 10000, 10000, 0.3, "host udp \u2192 host udp"}};
  stats.vendor = true;
  x.w.input(host, stats);
  x.w.run_for(1000);
  stats.sample.packets_received = 150;
  stats.sample.packets_lost = 50;
  stats.sample.bytes_received = stats.sample.bytes_sent = 20000;
  x.w.input(host, stats);
  const auto& peers = host.call->snapshot().peers;
  x.check(peers.size() == 1 && peers[0].id == 1 && peers[0].participant.empty(), "the SDK's connection is a peer of the diagnostics");
  x.check(host.member("Gus") && host.member("Gus")->quality == "poor", "its loss grades the attendee it carries");
  x.check(host.call->diagnostics_json().find("\"lossPct\":50") != std::string::npos, "the overlay reads the loss");
  int mutes = 0;
  for (auto& e : host.effects)
    if (auto* m = std::get_if<fx::SetVendorMuted>(&e); m && m->muted) ++mutes;
  x.check(mutes == 1, "mute goes to the SDK once");
  x.w.end_meeting(host.vendor_meeting);
  x.wait(host, S::Ended, 2000) && x.wait(guest, S::Ended, 2000);
  x.check(host.call->snapshot().ended_reason == "room-closed", "the page knows the meeting ended (not that you left)");
  x.check(x.announced(guest, "The meeting has ended."), "everyone is told the meeting ended");
  x.check(!host.mic && !guest.mic, "microphones are released");
}

// The Chime SDK's own stop reasons each end the call with a sentence of their own, and none retries.
void vendor_stop_reasons(Ctx& x) {
  const CallConfig chime = room_of(2, "", "chime");
  const struct { const char* status; const char* code; const char* says; } cases[] = {
      {"AudioAttendeeRemoved", "meeting.removed", "You were removed from the meeting."},
      {"AudioCallAtCapacity", "meeting.full", "The meeting is full"},
      {"AudioAuthenticationRejected", "meeting.refused", "refused this attendee's credentials (AudioAuthenticationRejected)"},
      {"TaskFailed", "vendor.failed", "The call service stopped the session (TaskFailed)."},
  };
  int n = 0;
  for (const auto& c : cases) {
    const std::string i = std::to_string(++n);
    Client& who = x.open("Hana" + i, "host", "mtg" + i, chime);
    x.join(who);
    x.wait(who, S::WaitingForPeer);
    x.w.input(who, in::VendorStopped{c.status, ""});
    x.expect_failure(who, c.code, c.says);
    x.check(!who.mic, std::string(c.status) + ": the microphone is released");
    const std::size_t requests = who.http_requests;
    x.w.run_for(5000);
    x.check(who.http_requests == requests, std::string(c.status) + ": no retry by itself");
  }
}

void name_entry_without_invite(Ctx& x) {
  const CallConfig ivs = room_of(2, "", "ivs");
  Client& ivy = x.w.open("Ivy", "https://earshot.test/room.html", ivs);
  x.clients.push_back(&ivy);
  x.w.run_for(200);
  x.check(ivy.state() == S::Prejoin && ivy.call->snapshot().needs_name, "a name entry waits in pre-join for the name");
  x.check(!ivy.call->snapshot().join_ready, "Join waits for a name");
  x.w.input(ivy, in::JoinClicked{});
  x.expect_failure(ivy, "name.invalid", "Enter a name");
  x.check(ivy.state() == S::Prejoin && ivy.http_requests == 0, "no request without a name");
  x.w.input(ivy, in::NameEntered{"   "});
  x.check(ivy.call->snapshot().needs_name, "a blank name is not a name");
  x.w.input(ivy, in::NameEntered{"  Ivy "});
  x.check(!ivy.call->snapshot().failure && ivy.call->snapshot().join_ready, "a real name clears the problem and enables Join");
  x.w.input(ivy, in::JoinClicked{});
  x.wait(ivy, S::WaitingForPeer);
  bool asked = false;
  for (auto& e : ivy.effects)
    if (auto* h = std::get_if<fx::HttpRequest>(&e))
      asked = h->spec.url == "https://earshot.test/room/join" && h->spec.body == R"({"username":"Ivy"})";
  x.check(asked, "the join request carries the name and no room (a new room is made)");
  const std::string room = ivy.call->snapshot().room_id;
  x.check(!room.empty(), "the new room's id is known (for the invite link)");
  Client& ned = x.w.open("Ned", "https://earshot.test/room.html?room=" + room, ivs);
  x.clients.push_back(&ned);
  x.w.run_for(100);
  x.w.input(ned, in::NameEntered{"Ned"});
  x.join(ned);
  x.wait(ned, S::Connected) && x.wait(ivy, S::Connected);
  x.check(ivy.member("Ned") && ned.member("Ivy"), "both see the other's name");
}

void misaddressed_signals_are_discarded(Ctx& x) {
  Client& host = x.open("Hana", "host");
  Client& guest = x.open("Gus", "guest");
  if (!x.connect_pair(host, guest)) return;
  const int applied = x.count<fx::ApplyRemoteDescription>(host);
  const std::string gus = guest.self_id();
  x.w.server_event(host, "webrtc-offer", {{"sdp", {{"type", "offer"}, {"sdp", "v=0 hostile"}}}, {"from", gus}, {"to", "someone-else"}});
  x.w.server_event(host, "ice-candidate", {{"candidate", {{"candidate", "candidate:9 1 udp 1 10.9.9.9 9 typ host"}, {"sdpMid", "0"}}}, {"from", "ghost"}});
  x.w.run_for(300);
  const auto& warnings = host.call->snapshot().warnings;
  auto warned = [&](const std::string& part) {
    return std::any_of(warnings.begin(), warnings.end(), [&](const std::string& w) { return w.find(part) != std::string::npos; });
  };
  x.check(warned("addressed to someone-else discarded"), "a signal for someone else is discarded with a warning");
  x.check(warned("unknown participant 'ghost'"), "a signal from an unknown participant is discarded with a warning");
  x.check(x.count<fx::ApplyRemoteDescription>(host) == applied, "nothing of either was applied");
  x.check(host.state() == S::Connected && x.w.received_level(host) > 0.1, "the call carries on");
}

void room_of_three_one_leaves(Ctx& x) {
  x.w.backend().capacity = 3;
  const CallConfig mesh = room_of(3);
  Client& a = x.open("Ana", "host", "trio", mesh);
  Client& b = x.open("Ben", "guest", "trio", mesh);
  Client& c = x.open("Cy", "guest", "trio", mesh);
  x.join(a);
  x.wait(a, S::WaitingForPeer);
  x.join(b);
  x.wait(b, S::Connected);
  x.join(c);
  std::vector<Client*> three{&a, &b, &c};
  x.check(x.w.run_until([&] { return all_hear_each_other(x, three); }, 15000), "each of three hears the two others");
  x.w.input(c, in::LeaveClicked{});
  std::vector<Client*> two{&a, &b};
  x.check(x.w.run_until([&] { return all_hear_each_other(x, two) && a.member("Cy") == nullptr && b.member("Cy") == nullptr; }, 5000),
          "after Cy leaves Ana and Ben keep talking and Cy is gone from both rosters");
  x.check(a.state() == S::Connected && b.state() == S::Connected, "the two stay connected");
  x.check(x.announced(a, "Cy left the call.") && x.announced(b, "Cy left the call."), "both are told Cy left");
  // a fourth cannot get in: the server says how many the room holds
  Client& d = x.open("Dee", "guest", "trio", mesh);
  Client& e = x.open("Eve", "guest", "trio", mesh);
  x.join(d);
  x.wait(d, S::Connected);
  x.join(e);
  x.wait(e, S::Failed, 3000);
  x.expect_failure(e, "room.full", "This call is full: it holds 3 people.");
}

void an_unanswered_offer_is_sent_again(Ctx& x) {
  Client& host = x.open("Hana", "host");
  Client& guest = x.open("Gus", "guest");
  x.join(host);
  if (!x.wait(host, S::WaitingForPeer)) return;
  x.w.backend().drop_offers = 1;  // the server loses the host's first offer
  x.join(guest);
  x.wait(guest, S::Connected, 12000) && x.wait(host, S::Connected, 12000);
  int offers = 0;
  for (auto& e : host.effects)
    if (auto* s = std::get_if<fx::SendOnLink>(&e); s && s->text.find("webrtc-offer") != std::string::npos) ++offers;
  x.check(offers == 2, "the unanswered offer was sent once more (sent " + std::to_string(offers) + ")");
  x.check(x.count<fx::CreateOffer>(host) == 1, "the same offer, not a new negotiation");
  x.check(!x.announced(guest, "Could not connect") && !x.announced(host, "Could not connect"), "nobody is told to check a firewall");
}

void host_closes_the_room(Ctx& x) {
  Client& host = x.open("Hana", "host");
  Client& guest = x.open("Gus", "guest");
  if (!x.connect_pair(host, guest)) return;
  const std::size_t opens = guest.link_open_times.size();
  x.w.close_room("room-1");
  x.wait(guest, S::Ended, 2000) && x.wait(host, S::Ended, 2000);
  x.check(guest.call->snapshot().ended_reason == "room-closed", "the guest's page knows the room was closed");
  x.check(x.announced(guest, "The host closed this room."), "the guest reads 'The host closed this room.'");
  x.w.run_for(5000);
  x.check(guest.link_open_times.size() == opens, "a closed room is not reconnected to");
  x.check(guest.saved.empty(), "the closed room's session is forgotten");
  // the room's links now say so before anyone presses anything
  Client& late = x.w.open("Gus", guest.url, {}, "another-browser");
  x.clients.push_back(&late);
  x.wait(late, S::Failed, 2000);
  x.expect_failure(late, "room.closed", "The host closed this room.");
}

}  // namespace earshot::sim
