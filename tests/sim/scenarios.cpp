// Whole-call scenarios over the simulated world. Each returns the failures it saw (empty = pass) and
// every state transition any client took, so the suite can prove every table row is exercised.
#include <algorithm>
#include <chrono>

#include "earshot/wire.hpp"
#include "scenario_ctx.hpp"

namespace earshot::sim {
namespace {

void full_call(Ctx& x) {
  Client& host = x.open("Hana", "host");
  Client& guest = x.open("Gus", "guest");
  if (!x.connect_pair(host, guest)) return;
  // The guest applied the host's offer slowly (30 ms) while the host's candidates arrived after ~21 ms:
  // they must have been queued, which the fake driver checks (no "candidate before remote description").
  x.w.run_for(500);
  x.check(x.count<fx::AddRemoteCandidate>(guest) >= 2, "guest should add the host's trickled candidates");
  x.check(x.w.received_level(host) > 0.1 && x.w.received_level(guest) > 0.1, "both sides should hear audio");
  x.check(x.sees_speaking(host, "Gus") && x.sees_speaking(guest, "Hana"), "both should see the other speaking");
  // mute: the other side's level drops to silence within 1 s
  x.w.input(host, in::MuteSet{true});
  x.w.run_for(1000);
  x.check(x.w.received_level(guest) == 0.0, "guest should hear silence after the host mutes");
  x.check(!x.sees_speaking(guest, "Hana"), "guest should not see the muted host speaking");
  x.check(host.call->snapshot().devices.speaking_while_muted, "host talking while muted should get the hint");
  x.check(x.announced(host, "You are muted"), "the muted hint should be announced");
  x.w.input(host, in::MuteSet{false});
  x.w.run_for(300);
  x.check(x.w.received_level(guest) > 0.1, "guest should hear the host again after unmute");
  // switching the input device mid-call keeps the call
  x.w.input(host, in::InputDeviceChosen{"usb-headset"});
  x.w.run_for(200);
  x.check(host.mic_device == "usb-headset" && host.state() == S::Connected, "device switch keeps the call connected");
  x.check(host.call->snapshot().devices.mic_device_id == "usb-headset", "snapshot shows the new device");
  // leave: the other side hears about it and waits for them to come back
  x.w.input(host, in::LeaveClicked{});
  x.check(host.state() == S::Ended, "host ended");
  x.check(!host.mic, "host released the microphone on leave");
  x.wait(guest, S::WaitingForPeer, 2000);
  x.check(x.announced(guest, "Hana left the call."), "guest is told 'Hana left the call.'");
}

void glare(Ctx& x) {
  x.w.backend().symmetric_join = true;  // both sides get user-joined, both offer at once
  Client& host = x.open("Hana", "host");
  Client& guest = x.open("Gus", "guest");
  if (!x.connect_pair(host, guest)) return;
  x.check(x.count<fx::CreateOffer>(host) >= 1 && x.count<fx::CreateOffer>(guest) >= 1, "both sides offered");
  x.check(guest.rollbacks == 1, "the polite side (guest) rolled back its offer exactly once");
  x.check(host.rollbacks == 0, "the impolite side (host) kept its offer");
}

void peer_leaves_and_rejoins(Ctx& x) {
  Client& host = x.open("Hana", "host");
  Client& guest = x.open("Gus", "guest");
  if (!x.connect_pair(host, guest)) return;
  x.w.input(guest, in::LeaveClicked{});
  x.wait(host, S::WaitingForPeer, 2000);
  Client& again = x.open("Gus", "guest");  // a new link for the same room
  x.join(again);
  x.wait(again, S::Connected) && x.wait(host, S::Connected);
  x.check(x.announced(host, "Gus joined."), "host is told the guest (re)joined");
  x.w.run_for(500);
  x.check(x.w.received_level(host) > 0.1, "audio flows again after the rejoin");
  // the guest vanishes without leaving (tab closed): the server says "disconnected"; with media
  // still up the call holds, then media drops and the peer is gone for good
  x.w.drop_signaling(again);
  x.w.run_for(200);
  x.check(host.state() == S::Connected, "a peer's signaling blip does not end a flowing call");
  x.w.input(again, in::LeaveClicked{});  // its link is down: the server never hears "leave"
  x.wait(host, S::WaitingForPeer, 6000);  // media consent fails a few seconds later: gone
  x.check(x.announced(host, "Gus disconnected."), "host is told the guest disconnected");
}

void signaling_drops_and_reconnects(Ctx& x) {
  Client& host = x.open("Hana", "host");
  x.join(host);
  x.wait(host, S::WaitingForPeer);
  x.w.backend().down = true;
  x.w.drop_signaling(host);
  x.wait(host, S::Reconnecting, 1000);
  x.w.run_for(6000);
  auto& t = host.link_open_times;
  x.check(t.size() >= 4, "several reconnect attempts while the server is down (got " + std::to_string(t.size()) + ")");
  for (std::size_t i = 3; i < t.size(); ++i)
    x.check(t[i] - t[i - 1] > t[i - 1] - t[i - 2], "backoff grows between attempts");
  x.check(host.call->snapshot().link == LinkStatus::Backoff, "snapshot says backing off");
  x.w.backend().down = false;
  x.wait(host, S::WaitingForPeer, 15000);
  x.check(host.call->snapshot().reconnect_attempt == 0, "attempt counter resets once back in the room");
  Client& guest = x.open("Gus", "guest");
  x.join(guest);
  x.wait(guest, S::Connected) && x.wait(host, S::Connected);
  // a drop during the call: media keeps flowing, the link comes back on its own
  const std::size_t opens = host.link_open_times.size();
  x.w.drop_signaling(host);
  x.w.run_for(3000);
  x.check(host.state() == S::Connected, "a signaling drop mid-call keeps the call connected");
  x.check(host.link_open_times.size() == opens + 1, "one reconnect after a mid-call drop");
  x.check(host.call->snapshot().link == LinkStatus::InRoom, "back in the room after the drop");
  x.check(x.w.received_level(guest) > 0.1, "audio kept flowing");
}

// The call server is gone for 70 s in the middle of a call (down, or restarting slowly). Audio keeps
// flowing peer to peer; each side keeps trying the server, the gaps between its attempts growing to the
// backoff cap (CallConfig.backoff_max, ±20% jitter) and never past it, so each is back in the room within
// about the cap once the server is. Without the cap the gaps keep doubling: after a 5-minute outage the
// link came back 210 s after the server did.
void long_signaling_outage(Ctx& x) {
  const CallConfig cfg;
  const Duration cap = cfg.backoff_max;
  const Duration most = cap + cap / 5 + 100;  // the cap, its jitter, and the refused open's round trip
  Client& host = x.open("Hana", "host", "room-1", cfg);
  Client& guest = x.open("Gus", "guest", "room-1", cfg);
  if (!x.connect_pair(host, guest)) return;
  x.w.run_for(500);
  std::vector<Client*> pair{&host, &guest};
  std::vector<std::size_t> before, said_before;
  for (Client* c : pair) before.push_back(c->link_open_times.size());
  for (Client* c : pair) said_before.push_back(c->announcements.size());
  x.w.backend().down = true;
  const Instant down_at = x.w.now();
  for (Client* c : pair) x.w.drop_signaling(*c);
  bool audio = true, connected = true;
  for (int s = 0; s < 70; ++s) {
    x.w.run_for(1000);
    audio = audio && x.w.received_level(host) > 0.1 && x.w.received_level(guest) > 0.1;
    connected = connected && host.state() == S::Connected && guest.state() == S::Connected;
  }
  x.check(audio, "audio flows both ways throughout the outage");
  x.check(connected, "both stay connected while only the server is gone");
  const Instant up_at = x.w.now();
  for (std::size_t k = 0; k < pair.size(); ++k) {
    Client& c = *pair[k];
    const auto& t = c.link_open_times;
    std::vector<Instant> tries(t.begin() + static_cast<std::ptrdiff_t>(before[k]), t.end());
    x.check(tries.size() >= 8, c.name + " keeps trying through the outage (" + std::to_string(tries.size()) + " attempts)");
    Duration widest = 0;
    Instant last = down_at;
    for (Instant at : tries) {
      x.check(at - last <= most, c.name + ": " + std::to_string(at - last) + " ms between attempts at +" +
                                     std::to_string(at - down_at) + " ms, over the cap of " + std::to_string(cap) + " ms");
      widest = std::max(widest, at - last);
      last = at;
    }
    x.check(widest >= cap * 4 / 5, c.name + ": the gaps grow to the cap (widest " + std::to_string(widest) + " ms)");
    x.check(c.call->snapshot().link == LinkStatus::Backoff, c.name + " is backing off when the server returns");
  }
  x.w.backend().down = false;
  std::vector<Instant> back(pair.size(), 0);
  x.w.run_until([&] {
    for (std::size_t k = 0; k < pair.size(); ++k)
      if (!back[k] && pair[k]->call->snapshot().link == LinkStatus::InRoom) back[k] = x.w.now();
    return back[0] && back[1];
  }, 3 * cap);
  for (std::size_t k = 0; k < pair.size(); ++k) {
    Client& c = *pair[k];
    x.check(back[k] != 0, c.name + " is back in the room within " + std::to_string(3 * cap) + " ms of the server");
    if (back[k]) x.check(back[k] - up_at <= most + 500, c.name + " is back " + std::to_string(back[k] - up_at) +
                                                           " ms after the server, more than about the cap (" + std::to_string(cap) + " ms)");
  }
  x.w.run_for(2000);
  for (Client* c : pair) {
    x.check(c->state() == S::Connected, c->name + " is still in the call after the outage");
    x.check(c->call->snapshot().reconnect_attempt == 0, c->name + "'s attempt counter resets once back in the room");
  }
  x.check(x.w.received_level(host) > 0.1 && x.w.received_level(guest) > 0.1, "audio flows both ways after the outage");
  // Each page said the server was gone once (not at every refused attempt), then that it was back.
  for (std::size_t k = 0; k < pair.size(); ++k) {
    Client& c = *pair[k];
    std::vector<std::string> said(c.announcements.begin() + static_cast<std::ptrdiff_t>(said_before[k]), c.announcements.end());
    const auto n = [&](const std::string& s) { return std::count(said.begin(), said.end(), s); };
    x.check(n("Lost the connection to the call server. Reconnecting…") == 1, c.name + " says once that the server is gone");
    x.check(n("Reconnected to the call server.") == 1, c.name + " says once that the server is back");
  }
}

void signaling_lost_while_joining_and_connecting(Ctx& x) {
  // Joining -> reconnecting: the link dies right after Join
  Client& host = x.open("Hana", "host");
  x.w.run_until([&] { return host.call->snapshot().join_ready; }, 5000);
  x.w.input(host, in::JoinClicked{});  // Join redeems the invite, then opens the link and enters
  x.w.run_until([&] { return host.call->snapshot().link == LinkStatus::Open; }, 5000);
  x.check(host.state() == S::Joining, "the link opened while joining");
  x.w.drop_signaling(host);
  x.wait(host, S::Reconnecting, 1000);
  x.wait(host, S::WaitingForPeer, 5000);
  // Connecting -> reconnecting -> (peer present) connecting -> connected
  Client& guest = x.open("Gus", "guest");
  x.join(guest);
  x.w.run_until([&] { return guest.state() == S::Connecting; }, 5000);
  x.w.drop_signaling(guest);
  x.wait(guest, S::Reconnecting, 1000);
  x.wait(guest, S::Connected, 15000) && x.wait(host, S::Connected, 5000);
}

void ice_restart(Ctx& x) {
  Client& host = x.open("Hana", "host");
  Client& guest = x.open("Gus", "guest");
  if (!x.connect_pair(host, guest)) return;
  const int offers = x.count<fx::CreateOffer>(host);
  x.w.set_network(false);
  x.wait(host, S::Reconnecting, 3000);
  x.w.run_for(2500);
  x.w.set_network(true);
  x.wait(host, S::Connected, 10000) && x.wait(guest, S::Connected, 10000);
  bool restarted = false;
  for (auto& e : host.effects)
    if (auto* o = std::get_if<fx::CreateOffer>(&e); o && o->ice_restart) restarted = true;
  x.check(restarted && x.count<fx::CreateOffer>(host) > offers, "the offering side restarted ICE");
  x.check(x.count<fx::CreateOffer>(guest) == 0, "the polite side never offered");
  // a lasting outage gives up with a clear sentence
  x.w.set_network(false);
  x.wait(host, S::Reconnecting, 3000);
  x.wait(host, S::Failed, 60000);
  x.expect_failure(host, "call.lost", "The connection to Gus was lost");
  // its help says "Press Try again to reconnect.": there is a Try again, and it does
  x.check(host.call->snapshot().failure_retryable, "call.lost offers Try again");
  // the peer either hears the host leave and waits, or gives up itself at the same moment
  x.w.run_for(5000);
  const auto& gf = guest.call->snapshot().failure;
  x.check(guest.state() == S::WaitingForPeer || (guest.state() == S::Failed && gf && gf->code == "call.lost"),
          "guest waits for the host or reports call.lost, but is " + std::string(to_string(guest.state())));
  x.w.set_network(true);
  if (guest.state() == S::Failed) {
    x.w.input(guest, in::RetryClicked{});
    x.wait(guest, S::Prejoin, 5000);
    x.join(guest);
    x.wait(guest, S::WaitingForPeer, 10000);
  }
  x.w.input(host, in::RetryClicked{});
  x.wait(host, S::Prejoin, 5000);
  x.join(host);
  x.wait(host, S::Connected, 15000) && x.wait(guest, S::Connected, 15000);
}

void token_expires_while_waiting(Ctx& x) {
  x.w.backend().room_token_ttl = 60000;
  Client& host = x.open("Hana", "host");
  x.join(host);
  x.wait(host, S::WaitingForPeer);
  x.wait(host, S::Failed, 61000);
  x.expect_failure(host, "session.expired", "Your place in this room expired at 08:01 (UTC) before the call could start.");
  x.check(!host.mic, "the microphone is released on failure");
}

void expired_invite_makes_no_request(Ctx& x) {
  const std::string url = x.w.invite_url("room-1", "guest", "Gus", 1000);
  x.w.run_for(5000);
  Client& guest = x.w.open("Gus", url);
  x.clients.push_back(&guest);
  x.check(guest.state() == S::Failed, "an expired invite fails at once");
  x.expect_failure(guest, "invite.expired", "This invite expired at 08:00 (UTC). Ask the host for a new link.");
  for (auto& e : guest.effects)
    x.check(!std::holds_alternative<fx::HttpRequest>(e) && !std::holds_alternative<fx::OpenLink>(e) &&
                !std::holds_alternative<fx::AcquireMic>(e),
            "no network or device effect for an expired invite: " + wire::to_json(e).dump());
  // garbage links fail too, with their own codes
  Client& bad = x.w.open("X", "https://earshot.test/room.html?room=room-1");
  x.clients.push_back(&bad);
  x.expect_failure(bad, "invite.missing", "");
  x.check(bad.effects.size() == 2, "only state-changed + show-failure for a link without a token");
}

void redeem_errors(Ctx& x) {
  struct Case { int status; std::string code, sentence, body; };
  const std::vector<Case> cases = {
      {409, "invite.used", "This invite link has already been used.", ""},
      {410, "invite.expired", "This invite expired at 09:00 (UTC).", ""},  // the link's own exp
      {401, "invite.invalid", "did not accept this invite link", ""},
      {404, "room.not_found", "This room does not exist any more", ""},
      {410, "room.expired", "This room has closed.", ""},
      {429, "rate.limited", "Too many attempts", ""},
      {503, "backend.error", "The call server had a problem (HTTP 503).", "<html>bad gateway</html>"},
      {200, "backend.bad_response", "does not understand", "{\"roomId\":42}"},
  };
  for (const auto& c : cases) {
    x.w.backend().redeem_status = c.status;
    x.w.backend().redeem_code = c.code == "backend.error" || c.code == "backend.bad_response" ? "" : c.code;
    x.w.backend().redeem_body = c.body;
    // invite.expired from the server: the link itself is still valid locally (clock skew)
    Client& g = x.open("G-" + c.code, "guest");
    // the pre-join's look meets the answer first; a lookup whose body says nothing useful leaves
    // the page ready, and then the redeem at Join meets the same answer
    if (c.code == "backend.bad_response") x.join(g);
    x.wait(g, S::Failed, 2000);
    x.expect_failure(g, c.code, c.sentence);
    x.check(x.count<fx::CreatePeer>(g) == 0 && x.count<fx::OpenLink>(g) == 0, c.code + ": nothing opened");
    x.check(g.call->snapshot().failure_retryable == (c.code == "rate.limited" || c.code == "backend.error"),
            c.code + ": retryable flag");
  }
  x.w.backend().redeem_status = 0;
  // unreachable server, then retry once it is back
  x.w.backend().down = true;
  Client& g = x.open("Gus", "guest");
  x.wait(g, S::Failed, 2000);
  x.expect_failure(g, "backend.unreachable", "Could not reach the call server at earshot.test.");
  x.check(g.call->snapshot().failure_retryable, "unreachable is retryable");
  x.w.backend().down = false;
  x.w.input(g, in::RetryClicked{});
  x.check(g.state() == S::Prejoin, "retry goes back to pre-join");
  x.w.run_until([&] { return g.call->snapshot().join_ready; }, 3000);
  x.check(g.call->snapshot().join_ready, "after retry the page is ready to join");
}

void connect_refusals(Ctx& x) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"room.full", "This call already has two people in it"},
      {"token.expired", "Your place in this room has expired."},
      {"token.invalid", "The call server refused this session (token.invalid)."},
      {"token.wrong_room", "(token.wrong_room)"},
      {"room.not_found", "This room does not exist any more"},
      {"room.closed", "The host closed this room."},
  };
  for (const auto& [code, sentence] : cases) {
    x.w.backend().connect_error = code;
    std::string room = "room-" + code;
    room[room.find('.')] = '_';
    Client& g = x.open("G-" + code, "guest", room);
    x.join(g);
    x.wait(g, S::Failed, 2000);
    x.expect_failure(g, code, sentence);
  }
  x.w.backend().connect_error.clear();
  // a real third participant in a room of two
  Client& a = x.open("A", "host", "room-3");
  Client& b = x.open("B", "guest", "room-3");
  x.connect_pair(a, b);
  Client& c = x.open("C", "guest", "room-3");
  x.join(c);
  x.wait(c, S::Failed, 2000);
  x.expect_failure(c, "room.full", "This call already has two people in it, and a call holds only two.");
  x.check(a.state() == S::Connected && b.state() == S::Connected, "the two in the call are undisturbed");
  // refused after reconnecting mid-call (the room was closed meanwhile): connected -> failed
  x.w.backend().connect_error = "room.closed";
  x.w.drop_signaling(a);
  x.wait(a, S::Failed, 5000);
  x.expect_failure(a, "room.closed", "The host closed this room.");
}

void relay_refused(Ctx& x) {
  CallConfig relay;
  relay.ice_transport_policy = "relay";
  Client& host = x.open("Hana", "host", "room-1", relay);
  Client& guest = x.open("Gus", "guest", "room-1", relay);
  host.relay_refused = guest.relay_refused = true;
  x.join(host);
  x.wait(host, S::WaitingForPeer);
  x.join(guest);
  x.wait(host, S::Failed, 5000);
  x.expect_failure(host, "relay.unreachable", "Could not reach the relay server (it refused the credentials)");
  x.check(!host.pcs.empty(), "a peer connection was made");
  if (host.pcs.empty()) return;
  auto& cfg = host.pcs.begin()->second->configuration;
  x.check(cfg["iceTransportPolicy"] == "relay" && cfg["iceServers"].size() == 1, "relay policy and ICE servers passed on");
}

void mic_denied_then_retry(Ctx& x) {
  Client& g = x.open("Gus", "guest");
  g.mic_fails = true;
  g.mic_error = MicError::Denied;
  x.w.run_for(500);
  x.expect_failure(g, "mic.denied", "Microphone access is blocked for this page.");
  x.check(g.state() == S::Prejoin && !g.call->snapshot().join_ready, "denied mic: stays in pre-join, Join disabled");
  x.w.input(g, in::JoinClicked{});
  x.check(g.state() == S::Prejoin, "Join is refused without a microphone");
  g.mic_fails = false;
  x.w.input(g, in::RetryClicked{});
  x.w.run_for(200);
  x.check(g.call->snapshot().join_ready && !g.call->snapshot().failure, "after allowing the mic, Join is enabled");
  // no microphone at all
  Client& h = x.open("Hana", "host", "room-2");
  h.mic_fails = true;
  h.mic_error = MicError::NotFound;
  x.w.run_for(500);
  x.expect_failure(h, "mic.missing", "No microphone was found.");
  x.w.input(h, in::LeaveClicked{});
  x.check(h.state() == S::Ended, "leaving from pre-join ends");
}

void device_unplugged(Ctx& x) {
  Client& host = x.open("Hana", "host");
  Client& guest = x.open("Gus", "guest");
  if (!x.connect_pair(host, guest)) return;
  x.w.input(host, in::InputDeviceChosen{"usb-1"});
  x.w.run_for(100);
  x.w.input(host, in::DevicesChanged{{{"default", "Default"}, {"usb-1", "USB mic"}}, {}});
  x.check(x.count<fx::AcquireMic>(host) == 2, "no re-acquire while the chosen mic is present");
  x.w.input(host, in::DevicesChanged{{{"default", "Default"}}, {}});
  x.w.run_for(100);
  x.check(host.mic_device == "default", "an unplugged mic falls back to the system default");
  x.check(x.announced(host, "was unplugged; switched to the system default microphone."), "the switch is announced");
  x.check(host.state() == S::Connected && x.w.received_level(guest) > 0.1, "call and audio survive the unplug");
}

void leave_and_timeouts(Ctx& x) {
  // Joining -> ended (leave before the room answers), Joining -> failed (refusal while joining)
  Client& a = x.open("A", "host", "room-a");
  x.w.run_until([&] { return a.call->snapshot().join_ready; }, 5000);
  x.w.input(a, in::JoinClicked{});
  x.w.input(a, in::LeaveClicked{});
  x.check(a.state() == S::Ended, "leave while joining ends");
  // Waiting alone -> ended
  Client& w1 = x.open("W", "host", "room-w");
  x.join(w1);
  x.wait(w1, S::WaitingForPeer);
  x.w.input(w1, in::LeaveClicked{});
  x.check(w1.state() == S::Ended, "leave while waiting ends");
  // Connecting -> ended, Connecting -> failed (media never comes up)
  Client& h = x.open("H", "host", "room-b");
  Client& g = x.open("G", "guest", "room-b");
  h.relay_refused = g.relay_refused = true;  // no candidates ever: media cannot connect ("all" policy: no relay check)
  x.join(h);
  x.wait(h, S::WaitingForPeer);
  x.join(g);
  x.wait(g, S::Connecting);
  x.w.input(g, in::LeaveClicked{});
  x.check(g.state() == S::Ended, "leave while connecting ends");
  // Connecting -> waiting-for-peer when they leave (on a slow network H may hear of G's arrival late)
  x.check(x.w.run_until([&] { return x.announced(h, "G left the call."); }, 3000), "H hears that G left");
  x.wait(h, S::WaitingForPeer, 2000);
  Client& g2 = x.open("G2", "guest", "room-b");
  g2.relay_refused = true;
  x.join(g2);
  x.wait(h, S::Connecting);
  // Both ends give up after 30 s; whichever deadline falls first (network delays decide) fails, and
  // the other either fails too or hears that the first left.
  x.w.run_until([&] { return h.state() == S::Failed || g2.state() == S::Failed; }, 31000);
  if (g2.state() == S::Failed && h.state() != S::Failed) {
    x.expect_failure(g2, "media.timeout", "Could not connect audio with H within 30 seconds.");
  } else {
    x.check(h.state() == S::Failed, "H gives up connecting after 30 s");
    x.expect_failure(h, "media.timeout", "Could not connect audio with G2 within 30 seconds.");
  }
  for (Client* c : {&h, &g2})  // its help ends "then press Try again.": there is one
    if (c->state() == S::Failed) x.check(c->call->snapshot().failure_retryable, c->name + ": media.timeout offers Try again");
  // Reconnecting -> ended and Reconnecting -> waiting-for-peer (peer gone while repairing)
  Client& p = x.open("P", "host", "room-c");
  Client& q = x.open("Q", "guest", "room-c");
  if (!x.connect_pair(p, q)) return;
  x.w.set_network(false);
  x.wait(p, S::Reconnecting, 3000);
  x.wait(q, S::Reconnecting, 3000);
  x.w.input(q, in::LeaveClicked{});
  x.wait(p, S::WaitingForPeer, 2000);
  x.w.set_network(true);
  Client& r2 = x.open("R", "guest", "room-c");
  x.join(r2);
  x.wait(p, S::Connected);
  x.w.set_network(false);
  x.wait(p, S::Reconnecting, 3000);
  x.w.input(p, in::LeaveClicked{});
  x.check(p.state() == S::Ended, "leave while reconnecting ends");
  x.w.set_network(true);
}

void reload_keeps_your_place(Ctx& x) {
  Client& host = x.open("Hana", "host");
  Client& guest = x.open("Gus", "guest");
  if (!x.connect_pair(host, guest)) return;
  x.check(!guest.saved.empty(), "the tab keeps its session after redeeming");
  const int redeems = guest.http_requests;  // the pre-join's look and the redeem at Join
  Client& again = x.w.reload(guest);
  x.clients.push_back(&again);
  x.check(again.state() == S::Prejoin && again.call->snapshot().admitted, "after a reload the tab is admitted without a request");
  // at once: one trip to the server and one on to the host (on a lossy network, with a retransmission each)
  x.check(x.w.run_until([&] { return x.announced(host, "Gus left the call."); }, 600), "the host hears at once that the reloading tab left");
  x.join(again);
  x.wait(again, S::Connected, 10000) && x.wait(host, S::Connected, 10000);
  x.check(again.http_requests == 0 && redeems == 2, "a reload neither looks at nor redeems the invite again");
  x.w.run_for(500);
  x.check(x.w.received_level(host) > 0.1 && x.w.received_level(again) > 0.1, "audio flows both ways after the reload");
  // a phone opening the same link while Gus is in the call: offered the seat, nothing spent or moved
  Client& other = x.w.open("Gus-phone", again.url, {}, "gus-phone");
  x.clients.push_back(&other);
  x.w.run_until([&] { return other.call->snapshot().takeover_offered; }, 2000);
  x.check(other.state() == S::Prejoin && other.call->snapshot().takeover_offered, "another device is offered the seat");
  x.check(again.state() == S::Connected, "looking from another device does not disturb the call");
  // leaving forgets the session: a reload after leaving does not rejoin silently
  x.w.input(again, in::LeaveClicked{});
  x.check(again.saved.empty(), "leaving clears the tab's session");
}

void long_call(Ctx& x) {
  Client& host = x.open("Hana", "host");
  Client& guest = x.open("Gus", "guest");
  if (!x.connect_pair(host, guest)) return;
  const auto start = std::chrono::steady_clock::now();
  x.w.run_for(10 * 60 * 1000);  // ten minutes: 24 heartbeats per link, 6000 level samples per side
  (void)start;
  x.check(host.state() == S::Connected && guest.state() == S::Connected, "a ten-minute call stays connected");
  x.check(x.w.received_level(host) > 0.1, "audio still flows after ten minutes");
  x.check(host.call->snapshot().link == LinkStatus::InRoom, "heartbeats kept the signaling link alive");
}

using Fn = void (*)(Ctx&);
const std::vector<std::pair<std::string, Fn>>& registry() {
  static const std::vector<std::pair<std::string, Fn>> r = {
      {"full-call", full_call},
      {"glare", glare},
      {"peer-leaves-and-rejoins", peer_leaves_and_rejoins},
      {"signaling-drops-and-reconnects", signaling_drops_and_reconnects},
      {"signaling-lost-while-joining-and-connecting", signaling_lost_while_joining_and_connecting},
      {"long-signaling-outage", long_signaling_outage},
      {"ice-restart", ice_restart},
      {"token-expires-while-waiting", token_expires_while_waiting},
      {"expired-invite-makes-no-request", expired_invite_makes_no_request},
      {"redeem-errors", redeem_errors},
      {"connect-refusals", connect_refusals},
      {"relay-refused", relay_refused},
      {"mic-denied-then-retry", mic_denied_then_retry},
      {"device-unplugged", device_unplugged},
      {"leave-and-timeouts", leave_and_timeouts},
      {"reload-keeps-your-place", reload_keeps_your_place},
      {"long-call", long_call},
      {"mesh-of-six-with-glare", mesh_of_six_with_glare},
      {"star-of-ten-with-hub-relay", star_of_ten_with_hub_relay},
      {"vendor-session", vendor_session},
      {"vendor-stop-reasons", vendor_stop_reasons},
      {"name-entry-without-invite", name_entry_without_invite},
      {"misaddressed-signals-are-discarded", misaddressed_signals_are_discarded},
      {"room-of-three-one-leaves", room_of_three_one_leaves},
      {"host-closes-the-room", host_closes_the_room},
      {"an-unanswered-offer-is-sent-again", an_unanswered_offer_is_sent_again},
      {"a-look-spends-nothing", a_look_spends_nothing},
      {"seat-moves-between-tabs", seat_moves_between_tabs},
      {"leave-then-rejoin", leave_then_rejoin},
      {"mute-shows-on-the-other-side", mute_shows_on_the_other_side},
  };
  return r;
}
}  // namespace

std::vector<std::string> scenario_names() {
  std::vector<std::string> n;
  for (auto& [name, fn] : registry()) n.push_back(name);
  return n;
}

// The lossy network every scenario must also survive: 20 ms one-way plus 0-30 ms jitter per frame,
// and 5% of frames lost once and retransmitted 200 ms later (TCP-like, so frames on one link keep
// their order while frames on different links and the media path reorder).
ScenarioResult run_scenario(const std::string& name, std::uint64_t seed, bool lossy) {
  ScenarioResult r;
  r.name = name;
  for (auto& [n, fn] : registry())
    if (n == name) {
      Ctx x(r, seed);
      if (lossy) x.w.net = NetworkModel{20, 30, 0.05, 200};
      fn(x);
      x.finish();
      return r;
    }
  r.failures.push_back("no scenario named " + name);
  return r;
}

}  // namespace earshot::sim
