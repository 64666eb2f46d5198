// Fuzzes the selfhosted signaling channel of a mesh: a Call in a room of 4 (CallConfig.profile.room_size)
// is admitted and joined, then fed hostile Socket.IO frames — room-state with capacity and made-up
// participants (ourselves among them), arrivals and departures, offers/answers/candidates addressed
// with `to`/`from` (to us, to others, from strangers), room-closed, connect errors, garbage — mixed
// with a browser that answers (or fails) the negotiation steps, reports link states, and a clock that
// fires the timers. After every input (call_harness.hpp): the participants never contain ourselves,
// the peer links never exceed participants + 1, and no effect names a peer id the call never created
// (nor one it closed).
#include "call_harness.hpp"

using namespace earshot;
using namespace earshot::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  CallConfig cfg;
  cfg.profile.api_base = "http://127.0.0.1:8080";
  cfg.profile.room_size = 4;
  if (in.ConsumeIntegralInRange(0, 3) == 0) cfg.ice_transport_policy = "relay";
  Harness h(cfg, in.ConsumeIntegral<std::uint8_t>());
  if (h.snap().topology != Topology::Mesh) __builtin_trap();  // a room of 4 is a mesh

  const std::string role = in.ConsumeBool() ? "host" : "guest";
  h.feed(in::PageOpened{invite_link(role), ""});
  h.feed(in::MicGranted{"default", "Mic"});
  if (h.http.empty()) __builtin_trap();  // the invite is redeemed as the page opens
  h.feed(in::HttpResponded{h.http.front().id, 200, admission_body("u0", role)});
  handshake(h, false);
  h.feed(in::JoinClicked{});
  handshake(h, true);
  if (h.snap().state != CallState::Joining) __builtin_trap();

  // Who is already there (a well-formed room-state), and whether the browser cooperates.
  h.auto_browser = in.ConsumeBool();
  if (const int present = in.ConsumeIntegralInRange(-1, 4); present >= 0) {
    json ps = json::array();
    for (int i = 1; i <= present; ++i) ps.push_back({{"userId", "u" + std::to_string(i)}, {"name", "P"}, {"role", "guest"}});
    h.feed(in::LinkMessage{*h.link, Frames::event("room-state", {{"self", {{"userId", "u0"}, {"role", role}}},
                                                                  {"participants", ps}, {"capacity", 4}})});
  }

  Frames frames{in, {"u0", "u1", "u2", "u3", "u4", "u5"}};
  for (int steps = 0; steps < 400 && in.remaining_bytes() > 0; ++steps) {
    const int op = in.ConsumeIntegralInRange(0, 15);
    if (op <= 7) {
      if (h.link && h.link_open) h.feed(in::LinkMessage{*h.link, frames.next()});
    } else if (op <= 11) {
      browser_step(h, in);
    } else if (op == 12) {
      h.advance(in.ConsumeIntegralInRange<Duration>(0, 40000));
    } else if (op == 13) {
      handshake(h, in.ConsumeBool());  // the backoff's new link opens (or the old one is re-handshaked)
    } else if (op == 14) {
      if (h.link && h.link_open) {
        h.link_open = false;
        h.feed(in::LinkClosed{*h.link, 1006, ""});
      }
    } else {
      switch (in.ConsumeIntegralInRange(0, 5)) {
        case 0: h.feed(in::MuteSet{in.ConsumeBool()}); break;
        case 1: h.feed(in::RetryClicked{}); break;
        case 2: h.feed(in::JoinClicked{}); break;
        case 3: h.feed(in::LeaveClicked{}); break;
        case 4: h.feed(in::PageClosing{}); break;
        default: h.feed(in::MicGranted{"default", "Mic"}); break;
      }
    }
  }
  h.finish();
  return 0;
}
