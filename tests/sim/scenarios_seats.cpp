// Scenarios about a seat (what an invite lets in): looking at a link spends nothing, a seat moves
// between tabs or devices only when the person agrees, Leave has a way back, the one left alone is
// told who left, and everyone sees who is muted.
#include "scenario_ctx.hpp"

namespace earshot::sim {

void a_look_spends_nothing(Ctx& x) {
  Client& host = x.open("Hana", "host");
  x.join(host);
  if (!x.wait(host, S::WaitingForPeer)) return;
  const std::string guest_url = x.w.invite_url("room-1", "guest", "Gus");
  // Gus opens the link, looks, and closes the tab without joining (a link scanner does the same)
  Client& look = x.w.open("Gus", guest_url);
  x.clients.push_back(&look);
  x.w.run_until([&] { return look.call->snapshot().lookup.has_value(); }, 2000);
  const auto& l = look.call->snapshot().lookup;
  x.check(l && l->seat == "unused" && !l->in_call, "the pre-join sees an unused seat");
  x.check(l && l->in_room.size() == 1 && l->in_room[0].name == "Hana", "the pre-join sees who is in the room");
  x.check(look.call->snapshot().room_title == "Sim room", "the pre-join shows the room's title");
  x.check(x.count<fx::OpenLink>(look) == 0, "looking opens no signaling link");
  // a phone opens it too, then Gus comes back on the laptop and joins: the link still works
  Client& phone = x.w.open("Gus-phone", guest_url, {}, "gus-phone");
  x.clients.push_back(&phone);
  x.w.run_until([&] { return phone.call->snapshot().join_ready; }, 2000);
  x.check(!phone.call->snapshot().takeover_offered, "an unused seat needs no takeover");
  Client& gus = x.w.open("Gus", guest_url);
  x.clients.push_back(&gus);
  x.join(gus);
  x.wait(gus, S::Connected) && x.wait(host, S::Connected);
  // now the seat is Gus's laptop's: the phone that looked earlier is offered the seat, not let in silently
  x.w.input(phone, in::JoinClicked{});
  x.wait(phone, S::Prejoin, 2000);
  x.expect_failure(phone, "invite.in_use", "You are in this call on another device.");
  x.check(phone.call->snapshot().takeover_offered, "the phone is offered to take the seat over");
  x.check(gus.state() == S::Connected, "asking does not disturb the call");
}

void seat_moves_between_tabs(Ctx& x) {
  Client& host = x.open("Hana", "host");
  Client& gus = x.open("Gus", "guest");
  if (!x.connect_pair(host, gus)) return;
  // the same link in a second tab of the same browser, while the first is in the call
  Client& tab = x.w.open("Gus", gus.url);
  x.clients.push_back(&tab);
  x.w.run_until([&] { return tab.call->snapshot().takeover_offered; }, 2000);
  const auto& l = tab.call->snapshot().lookup;
  x.check(l && l->seat == "yours" && l->in_call, "the second tab sees its own seat in the call");
  x.join(tab);  // without takeover: refused, and asked
  x.wait(tab, S::Prejoin, 2000);
  x.expect_failure(tab, "invite.in_use", "You are in this call on another device.");
  x.check(gus.state() == S::Connected, "the first tab keeps the call until the person agrees");
  x.w.input(tab, in::JoinClicked{true});
  x.wait(gus, S::Ended, 3000);
  x.check(gus.call->snapshot().ended_reason == "moved", "the first tab knows the call moved");
  x.check(x.announced(gus, "You joined this call on another device."), "the first tab says where the call went");
  x.wait(tab, S::Connected, 10000) && x.wait(host, S::Connected, 10000);
  x.check(!tab.call->snapshot().failure, "the takeover leaves no failure on the new tab");
  x.w.run_for(500);
  x.check(x.w.received_level(host) > 0.1 && x.w.received_level(tab) > 0.1, "audio flows with the new tab");
  // Rejoin on the first tab takes the seat back
  x.w.input(gus, in::JoinClicked{});
  x.wait(tab, S::Ended, 5000);
  x.check(tab.call->snapshot().ended_reason == "moved", "the second tab is told the call moved back");
  x.wait(gus, S::Connected, 10000) && x.wait(host, S::Connected, 10000);
}

void leave_then_rejoin(Ctx& x) {
  Client& host = x.open("Hana", "host");
  Client& gus = x.open("Gus", "guest");
  if (!x.connect_pair(host, gus)) return;
  x.w.input(host, in::LeaveClicked{});
  x.wait(gus, S::WaitingForPeer, 3000);
  x.check(gus.call->snapshot().last_left == "Hana", "the one left alone is told who left");
  x.w.input(host, in::JoinClicked{});  // Rejoin
  x.check(host.state() == S::Prejoin, "Rejoin goes back through the pre-join");
  x.wait(host, S::Connected, 10000) && x.wait(gus, S::Connected, 10000);
  x.check(gus.call->snapshot().last_left.empty(), "once someone is back, nobody 'left'");
  x.w.run_for(500);
  x.check(x.w.received_level(host) > 0.1 && x.w.received_level(gus) > 0.1, "audio flows after Rejoin");
}

void mute_shows_on_the_other_side(Ctx& x) {
  Client& host = x.open("Hana", "host");
  Client& gus = x.open("Gus", "guest");
  x.w.run_until([&] { return gus.call->snapshot().join_ready; }, 3000);
  x.w.input(gus, in::MuteSet{true});  // muted before joining
  if (!x.connect_pair(host, gus)) return;
  x.w.run_for(300);
  const Member* g = host.member("Gus");
  x.check(g && g->muted, "the host sees that Gus joined muted");
  x.w.input(host, in::MuteSet{true});
  x.w.run_until([&] { const Member* h = gus.member("Hana"); return h && h->muted; }, 2000);
  const Member* h = gus.member("Hana");
  x.check(h && h->muted, "Gus sees Hana mute");
  x.w.input(host, in::MuteSet{false});
  x.w.run_until([&] { const Member* m = gus.member("Hana"); return m && !m->muted; }, 2000);
  h = gus.member("Hana");
  x.check(h && !h->muted, "Gus sees Hana unmute");
}

}  // namespace earshot::sim
