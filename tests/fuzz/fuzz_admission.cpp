// Fuzzes the selfhosted backend's answers: SelfhostedProfile::parse_admission with an Entry (an
// invite, a name, an app token), any status, and a body that is either raw bytes or the expected
// shape filled with hostile values; plus failure_for, the sentence for a refusal code the server sent.
// Whatever is admitted must be usable; whatever is refused must be a catalogued failure with a
// sentence that crosses the wasm boundary (a strict JSON dump: the wasm build aborts on a throw).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "earshot/failures.hpp"
#include "earshot/selfhosted.hpp"
#include "earshot/wire.hpp"
#include "fuzz_util.hpp"

using namespace earshot;
using earshot::fuzz::check;
using earshot::fuzz::scrub_utf8;
using nlohmann::json;

namespace {
constexpr Instant kNow = 1800000000000;

void check_failure(const Failure& f) {
  check(!f.code.empty() && !f.message.empty());
  check(failure_info(f.code) != nullptr);  // only catalogued codes reach the page
  (void)wire::to_json(f).dump();           // valid UTF-8, or this throws
}

json value(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 7)) {
    case 0: return nullptr;
    case 1: return in.ConsumeBool();
    case 2: return in.ConsumeIntegral<std::int64_t>();
    case 3: return in.ConsumeFloatingPoint<double>();
    case 4: return json::array();
    case 5: return json::object();
    default: return in.ConsumeRandomLengthString(48);
  }
}

// The expected answer, each field sometimes right, sometimes hostile, sometimes missing.
std::string shaped_body(FuzzedDataProvider& in, const Entry& entry) {
  json j = json::object();
  auto field = [&](const char* key, json good) {
    switch (in.ConsumeIntegralInRange(0, 5)) {
      case 0: return;
      case 1: j[key] = value(in); return;
      default: j[key] = std::move(good);
    }
  };
  field("roomId", in.ConsumeBool() ? json(entry.room) : json(in.ConsumeRandomLengthString(16)));
  field("title", in.ConsumeRandomLengthString(64));
  field("token", in.ConsumeRandomLengthString(32));
  field("signalingUrl", in.ConsumeBool() ? json("ws://127.0.0.1:8080/ws") : json(in.ConsumeRandomLengthString(64)));
  field("ttl", in.ConsumeBool() ? json(3600) : json(in.ConsumeFloatingPoint<double>()));
  json ice = json::array();
  for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n)
    ice.push_back(in.ConsumeBool() ? json{{"urls", in.ConsumeRandomLengthString(32)}} : value(in));
  field("iceServers", ice);
  json user = json::object();
  if (in.ConsumeBool()) user["userId"] = in.ConsumeBool() ? json(in.ConsumeRandomLengthString(140)) : value(in);
  if (in.ConsumeBool()) user["name"] = in.ConsumeRandomLengthString(260);
  if (in.ConsumeBool()) user["role"] = in.ConsumeBool() ? "host" : in.ConsumeRandomLengthString(8);
  field("user", user);
  // error answers: {code, message}
  if (in.ConsumeBool()) j["code"] = in.ConsumeBool() ? json(in.ConsumeRandomLengthString(24)) : json("room.full");
  if (in.ConsumeBool()) j["message"] = in.ConsumeRandomLengthString(400);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  static const SelfhostedProfile profile("http://127.0.0.1:8080", Topology::Mesh);

  Entry entry;
  switch (in.ConsumeIntegralInRange(0, 2)) {
    case 0:
      entry.kind = EntryKind::Invite;
      entry.invite = Invite{"r1", "tok", in.ConsumeBool() ? Role::Host : Role::Guest, "Gus", "", kNow + 3600000, kNow};
      entry.name = "Gus";
      entry.room = "r1";
      break;
    case 1:
      entry.kind = EntryKind::Name;
      entry.name = in.ConsumeRandomLengthString(40);
      entry.room = in.ConsumeBool() ? "r1" : "";
      break;
    default:
      entry.kind = EntryKind::Token;
      entry.room = "r1";
      entry.token = "rt";
      entry.name = "Tom";
      break;
  }
  const int status = in.ConsumeBool() ? 200 : in.ConsumeIntegralInRange(-1, 999);
  const std::string body = in.ConsumeBool() ? shaped_body(in, entry) : in.ConsumeRemainingBytesAsString();

  const auto a = SelfhostedProfile::parse_admission(entry, status, body, kNow);
  if (a.ok()) {
    check(status == 200 && !a->token.empty() && !a->signaling_url.empty());  // only a 200 with a token admits
    check(a->room_id == entry.room);                                         // for the room we asked for
    check(a->expires_at > kNow && a->expires_at <= kNow + 7LL * 86400 * 1000);
    check(a->ice_servers.is_array());
    for (const auto& s : a->ice_servers) check(s.is_object() && s.contains("urls"));
    check(a->self.id.size() <= 128);
    if (const auto url = profile.signaling_url(*a); url.ok()) {
      check(url->rfind("ws://", 0) == 0 || url->rfind("wss://", 0) == 0);
    } else {
      check(url.failure().code == "signal.bad_url");
    }
    (void)profile.open_channel(*a);
  } else {
    check_failure(a.failure());
  }

  // A refusal code and message as a connect_error carries them.
  // (what arrives over the WebSocket is valid UTF-8: the browser checks text frames, the JSON parser strings)
  const std::string code = scrub_utf8(in.ConsumeRandomLengthString(24));
  const std::string message = scrub_utf8(in.ConsumeRandomLengthString(300));
  const Invite* invite = entry.invite ? &*entry.invite : nullptr;
  check_failure(SelfhostedProfile::failure_for(code, message, invite, kNow, in.ConsumeIntegralInRange(-1, 12)));
  return 0;
}
