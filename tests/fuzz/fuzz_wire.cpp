// Fuzzes the embind boundary: wire::input_from_json on raw text and on every input type with its
// fields filled with hostile values, as the wasm driver's send() receives them from the page. A
// refusal is input.malformed with a sentence that crosses back (strict JSON dump: the wasm build
// aborts on a throw); an accepted input re-encodes to JSON that decodes to the same input.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "earshot/wire.hpp"
#include "fuzz_util.hpp"

using namespace earshot;
using earshot::fuzz::check;
using nlohmann::json;

namespace {
const char* const kTypes[] = {
    "page-opened", "name-entered", "token-given", "mic-granted", "mic-failed", "devices-changed",
    "input-device-chosen", "join-clicked", "leave-clicked", "page-closing", "retry-clicked", "mute-set",
    "http-responded", "http-failed", "link-opened", "link-message", "link-closed", "local-description-ready",
    "remote-description-applied", "negotiation-failed", "local-candidate", "ice-candidate-error",
    "ice-gathering-complete", "peer-state-changed", "remote-audio-started", "audio-levels", "vendor-started",
    "vendor-stopped", "vendor-roster", "vendor-volumes", "link-stats", "no-such-input"};
const char* const kFields[] = {
    "url", "saved", "name", "room", "token", "userId", "userName", "signalingUrl", "iceServers", "ttl",
    "deviceId", "label", "error", "detail", "inputs", "outputs", "muted", "request", "status", "body",
    "reason", "link", "text", "code", "peer", "generation", "sdpType", "sdp", "description", "step",
    "candidate", "candidates", "state", "local", "remote", "attendees", "volumes", "id", "level", "present", "url",
    "rttMs", "jitterMs", "packetsReceived", "packetsLost", "packetsSent", "bytesReceived", "bytesSent", "audioLevel", "pair"};

json value(FuzzedDataProvider& in, int depth = 0) {
  switch (in.ConsumeIntegralInRange(0, 10)) {
    case 0: return nullptr;
    case 1: return in.ConsumeBool();
    case 2: return in.ConsumeIntegralInRange<std::int64_t>(-2, 8);
    case 3: return in.ConsumeIntegral<std::int64_t>();
    case 4: return in.ConsumeIntegral<std::uint64_t>();
    case 5: return in.ConsumeFloatingPoint<double>();
    case 6: {
      json a = json::array();
      for (int n = depth < 2 ? in.ConsumeIntegralInRange(0, 3) : 0; n > 0; --n) a.push_back(value(in, depth + 1));
      return a;
    }
    case 7: {
      json o = json::object();
      for (int n = depth < 2 ? in.ConsumeIntegralInRange(0, 4) : 0; n > 0; --n)
        o[kFields[in.ConsumeIntegralInRange<std::size_t>(0, std::size(kFields) - 1)]] = value(in, depth + 1);
      return o;
    }
    default: return in.ConsumeRandomLengthString(64);
  }
}

std::string shaped(FuzzedDataProvider& in) {
  json j = json::object();
  j["type"] = kTypes[in.ConsumeIntegralInRange<std::size_t>(0, std::size(kTypes) - 1)];
  for (int n = in.ConsumeIntegralInRange(0, 8); n > 0; --n)
    j[kFields[in.ConsumeIntegralInRange<std::size_t>(0, std::size(kFields) - 1)]] = value(in);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string text = in.ConsumeBool() ? shaped(in) : in.ConsumeRemainingBytesAsString();
  const auto input = wire::input_from_json(text);
  if (!input.ok()) {
    check(input.failure().code == "input.malformed" && !input.failure().message.empty());
    (void)wire::to_json(input.failure()).dump();  // what Driver::send() returns to the page
    return 0;
  }
  const std::string printed = wire::to_json(*input).dump();  // strings came from JSON: valid UTF-8
  const auto again = wire::input_from_json(printed);
  check(again.ok());              // what we print we can read back...
  check(again.value() == *input);  // ...as the same input
  return 0;
}
