// Fuzzes the embind boundary: JSON inputs from the driver, and their re-encoding.
#include <cstdint>
#include <string>

#include "earshot/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto in = earshot::wire::input_from_json(text);
  if (in.ok()) {
    auto again = earshot::wire::input_from_json(earshot::wire::to_json(*in).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (!again.ok()) __builtin_trap();  // what we print we can read back
  }
  return 0;
}
