// Fuzzes the page's runtime configuration: wire::config_from_json on raw text and on the expected
// shape ({"profile","apiBase","iceTransportPolicy","roomSize","topology","embedOrigins"}) filled with
// hostile values. What is accepted must be inside the documented ranges and must make a Call that
// opens a page without trouble; what is refused is config.malformed with a sentence that crosses
// the wasm boundary (strict JSON dump).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "earshot/call.hpp"
#include "earshot/failures.hpp"
#include "earshot/wire.hpp"
#include "fuzz_util.hpp"

using namespace earshot;
using earshot::fuzz::check;
using nlohmann::json;

namespace {
json value(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 8)) {
    case 0: return nullptr;
    case 1: return in.ConsumeBool();
    case 2: return in.ConsumeIntegralInRange<std::int64_t>(-3, 14);
    case 3: return in.ConsumeIntegral<std::int64_t>();
    case 4: return in.ConsumeFloatingPoint<double>();
    case 5: return json::array({in.ConsumeRandomLengthString(32)});
    case 6: return json::object();
    default: return in.ConsumeRandomLengthString(48);
  }
}

std::string origin(FuzzedDataProvider& in) {
  static const char* kPrefixes[] = {"https://", "http://127.0.0.1", "http://localhost", "http://", "", "*", "null"};
  return kPrefixes[in.ConsumeIntegralInRange(0, 6)] + in.ConsumeRandomLengthString(40);
}

std::string shaped(FuzzedDataProvider& in) {
  static const char* kProfiles[] = {"selfhosted", "chime", "ivs", "kvs", ""};
  static const char* kTopologies[] = {"", "pair", "mesh", "star", "ring"};
  json j = json::object();
  auto field = [&](const char* key, json good) {
    switch (in.ConsumeIntegralInRange(0, 4)) {
      case 0: return;
      case 1: j[key] = value(in); return;
      default: j[key] = std::move(good);
    }
  };
  field("profile", in.ConsumeBool() ? json(kProfiles[in.ConsumeIntegralInRange(0, 4)]) : json(in.ConsumeRandomLengthString(60)));
  field("apiBase", in.ConsumeBool() ? json("http://127.0.0.1:8080/") : json(std::string(in.ConsumeIntegralInRange(0, 3000), 'a')));
  field("iceTransportPolicy", in.ConsumeBool() ? "relay" : "all");
  field("roomSize", in.ConsumeBool() ? json(in.ConsumeIntegralInRange(-1, 13)) : json(in.ConsumeFloatingPoint<double>()));
  field("topology", kTopologies[in.ConsumeIntegralInRange(0, 4)]);
  json origins = json::array();
  for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n) origins.push_back(in.ConsumeBool() ? json(origin(in)) : value(in));
  field("embedOrigins", origins);
  if (in.ConsumeBool()) j[in.ConsumeRandomLengthString(12)] = value(in);  // unknown keys are ignored
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string text = in.ConsumeBool() ? shaped(in) : in.ConsumeRemainingBytesAsString();
  const auto c = wire::config_from_json(text);
  if (!c.ok()) {
    check(c.failure().code == "config.malformed" && !c.failure().message.empty());
    (void)wire::to_json(c.failure()).dump();  // valid UTF-8, or this throws (and the wasm page aborts)
    return 0;
  }
  const CallConfig& cfg = c->call;
  check(cfg.ice_transport_policy == "all" || cfg.ice_transport_policy == "relay");
  check(cfg.profile.room_size >= 2 && cfg.profile.room_size <= 11);
  const std::string& t = cfg.profile.topology;
  check(t.empty() || t == "pair" || t == "mesh" || t == "star");
  check(cfg.profile.api_base.size() <= 2048);
  for (const auto& o : c->embed_origins) {
    check(o != "*" && o != "null");
    check(o.rfind("https://", 0) == 0 || o.rfind("http://127.0.0.1", 0) == 0 || o.rfind("http://localhost", 0) == 0);
    check(o.find_first_of("/?#@ ", o.find("://") + 3) == std::string::npos);  // an origin: no path, query or userinfo
  }
  // The configuration makes a Call that opens a page: either its profile, or a failure naming it.
  Call call(cfg, 1800000000000, 1);
  call.handle(in::PageOpened{"https://x.test/room.html?room=r1", ""}, 1800000000000);
  while (call.poll_effect()) {
  }
  const Snapshot& s = call.snapshot();
  if (s.failure) {
    const std::string& code = s.failure->code;
    check(failure_info(code) != nullptr);
    if (code == "profile.unknown" || code == "profile.unavailable") check(s.state == CallState::Failed);
  }
  if (cfg.profile.name == "selfhosted") {
    if (t == "star") check(s.topology == Topology::Star);
    if (t == "mesh") check(s.topology == Topology::Mesh);
    if (cfg.profile.room_size > 2) check(s.topology != Topology::Pair);  // (even when it says "pair")
    if (cfg.profile.room_size == 2 && (t.empty() || t == "pair")) check(s.topology == Topology::Pair);
  }
  (void)wire::to_json(s).dump();
  return 0;
}
