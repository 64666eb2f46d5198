// Fuzzes the name entry: Gate::set_name directly, and a whole Call with the `ivs` profile (entry by
// name) — PageOpened on a room.html URL, MicGranted, NameEntered with the fuzzer's bytes, JoinClicked.
// Never crashes; an accepted name is 1..40 characters of valid UTF-8 with no control characters
// (C0, DEL, C1) and no surrounding blanks, and it is the name the join request carries; a refused
// one is name.invalid and leaves the entry waiting for a good name (no request carries either).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>
#include <vector>

#include "earshot/gate.hpp"
#include "earshot/vendor_profiles.hpp"
#include "call_harness.hpp"

using namespace earshot;
using namespace earshot::fuzz;
using nlohmann::json;

namespace {
void check_name(const std::string& name) {
  std::vector<char32_t> cps;
  check(decode_utf8(name, &cps));
  check(!cps.empty() && cps.size() <= 40);
  for (char32_t c : cps) check(!(c < 0x20 || (c >= 0x7F && c <= 0x9F)));
  check(cps.front() != ' ' && cps.back() != ' ');
}

void gate_alone(const std::string& raw) {
  Outbox out;
  const IvsProfile profile("http://127.0.0.1:8080");
  Gate gate(out, profile);
  check(!gate.read_page("https://x.test/room.html?room=r1", "", "", kNow));
  check(gate.needs_name());
  if (auto f = gate.set_name(raw)) {
    check(f->code == "name.invalid" && !f->message.empty());
    check(gate.needs_name());
  } else {
    check_name(gate.entry().name);
    check(!gate.needs_name());
    gate.start();  // the join request carries the name (its body is a JSON dump: invalid UTF-8 would throw)
    auto e = out.pop();
    check(e && std::holds_alternative<fx::HttpRequest>(*e));
    const json body = json::parse(std::get<fx::HttpRequest>(*e).spec.body);
    check(body.at("username") == gate.entry().name && body.at("roomId") == "r1");
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  std::vector<std::string> names;
  for (int n = in.ConsumeIntegralInRange(1, 3); n > 0 && in.remaining_bytes() > 0; --n)
    names.push_back(n == 1 ? in.ConsumeRemainingBytesAsString() : in.ConsumeRandomLengthString(200));
  if (names.empty()) names.push_back("");

  for (const auto& raw : names) gate_alone(raw);

  CallConfig cfg;
  cfg.profile.name = "ivs";
  cfg.profile.api_base = "http://127.0.0.1:8080";
  Harness h(cfg, 1);
  h.feed(in::PageOpened{names.size() > 1 ? "https://x.test/room.html" : "https://x.test/room.html?room=r1", ""});
  h.feed(in::MicGranted{"default", "Mic"});
  check(h.snap().state == CallState::Prejoin && h.snap().needs_name && !h.snap().join_ready);
  std::string accepted;  // the last name the entry took
  for (const auto& raw : names) {
    h.feed(in::NameEntered{raw});
    const bool refused = h.snap().failure && h.snap().failure->code == "name.invalid";
    if (refused) {
      // A refused name is never joined under, nor is the one before it: the entry waits for a good name.
      check(h.snap().needs_name && !h.snap().join_ready);
      accepted.clear();
    } else {
      check(!h.snap().needs_name && h.snap().self.has_value());
      check_name(h.snap().self->name);
      accepted = h.snap().self->name;
    }
  }
  h.feed(in::JoinClicked{});
  if (!accepted.empty()) {
    check(h.snap().state == CallState::Joining && h.http.size() == 1);
    const json body = json::parse(h.http.back().spec.body);
    check(body.at("username") == accepted);
  } else {
    check(h.snap().state == CallState::Prejoin && h.http.empty());
  }
  h.finish();
  return 0;
}
