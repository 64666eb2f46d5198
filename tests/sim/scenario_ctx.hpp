// What every scenario uses: the world, checks that record failures, and the common steps (open a
// link, join, wait for a state, connect a pair).
#pragma once
#include <string>
#include <vector>

#include "sim.hpp"

namespace earshot::sim {
using S = CallState;

struct Ctx {
  World w;
  ScenarioResult& r;
  std::vector<Client*> clients;
  Ctx(ScenarioResult& res, std::uint64_t seed) : w(seed), r(res) {}
  void check(bool ok, const std::string& what) {
    if (!ok) r.failures.push_back(what);
  }
  Client& open(const std::string& name, const std::string& role, const std::string& room = "room-1", CallConfig cfg = {}) {
    Client& c = w.open(name, w.invite_url(room, role, name), cfg);
    clients.push_back(&c);
    return c;
  }
  bool wait(Client& c, S s, Duration limit = 10000) {
    bool ok = w.run_until([&] { return c.state() == s; }, limit);
    check(ok, c.name + " should reach " + std::string(to_string(s)) + " but is " + std::string(to_string(c.state())) +
                  failure_text(c));
    return ok;
  }
  static std::string failure_text(Client& c) {
    auto& f = c.call->snapshot().failure;
    return f ? " (" + f->code + ": " + f->message + ")" : "";
  }
  void join(Client& c) {
    w.run_until([&] { return c.call->snapshot().join_ready; }, 5000);
    check(c.call->snapshot().join_ready, c.name + " should be ready to join" + failure_text(c));
    w.input(c, in::JoinClicked{});
  }
  // host alone in the room, then guest joins; both connected
  bool connect_pair(Client& host, Client& guest) {
    join(host);
    if (!wait(host, S::WaitingForPeer)) return false;
    join(guest);
    return wait(guest, S::Connected) && wait(host, S::Connected);
  }
  // c's snapshot shows `who` speaking
  bool sees_speaking(Client& c, const std::string& who) {
    const Member* m = c.member(who);
    return m && m->speaking;
  }
  template <typename T>
  int count(Client& c) {
    int n = 0;
    for (auto& e : c.effects) n += std::holds_alternative<T>(e);
    return n;
  }
  bool announced(Client& c, const std::string& text) {
    for (auto& a : c.announcements)
      if (a.find(text) != std::string::npos) return true;
    return false;
  }
  void expect_failure(Client& c, const std::string& code, const std::string& message_part) {
    auto& f = c.call->snapshot().failure;
    check(f && f->code == code, c.name + " should fail with " + code + " but has" + (f ? " " + f->code : " none"));
    if (f) check(f->message.find(message_part) != std::string::npos, c.name + ": '" + f->message + "' should contain '" + message_part + "'");
  }
  void finish() {
    for (Client* c : clients) {
      for (auto& v : c->violations) r.failures.push_back(c->name + " driver contract: " + v);
      for (auto& t : c->call->snapshot().history) r.transitions.push_back(t);
    }
    if (!r.failures.empty()) {  // the server's view of the last frames, to read the failure by
      auto& log = w.backend().log;
      std::string tail = "last signaling frames:";
      for (std::size_t i = log.size() > 40 ? log.size() - 40 : 0; i < log.size(); ++i) tail += "\n  " + log[i];
      r.failures.push_back(tail);
      for (Client* c : clients) {
        std::string said = c->name + " is " + std::string(to_string(c->state())) + failure_text(*c) + "; said:";
        for (std::size_t i = c->announcements.size() > 8 ? c->announcements.size() - 8 : 0; i < c->announcements.size(); ++i)
          said += " | " + c->announcements[i];
        said += "; went:";
        for (auto& [from, to] : c->call->snapshot().history) said += " " + std::string(to_string(to));
        r.failures.push_back(said);
      }
    }
    r.simulated_ms = w.now() - 1800000000000;
    r.events = w.events_run;
  }
};


// Scenarios about rooms of more than two, other topologies and vendor media (scenarios_rooms.cpp).
void mesh_of_six_with_glare(Ctx& x);
void star_of_ten_with_hub_relay(Ctx& x);
void vendor_session(Ctx& x);
void vendor_stop_reasons(Ctx& x);
void name_entry_without_invite(Ctx& x);
void misaddressed_signals_are_discarded(Ctx& x);
void room_of_three_one_leaves(Ctx& x);
void host_closes_the_room(Ctx& x);
void an_unanswered_offer_is_sent_again(Ctx& x);
void a_look_spends_nothing(Ctx& x);
void seat_moves_between_tabs(Ctx& x);
void leave_then_rejoin(Ctx& x);
void mute_shows_on_the_other_side(Ctx& x);

}  // namespace earshot::sim
