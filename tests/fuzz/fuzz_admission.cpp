// Fuzzes the backend's JSON answers: the selfhosted profile's admission parsing, any status, any body.
#include <cstdint>
#include <string>

#include "earshot/selfhosted.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const int status = 100 + (data[0] | (data[1] << 8)) % 500;
  const std::string body(reinterpret_cast<const char*>(data + 2), size - 2);
  static const earshot::SelfhostedProfile profile("http://127.0.0.1:8080");
  const earshot::Invite invite{"r1", "tok", earshot::Role::Guest, "Gus", "", 1800003600000, 1800000000000};
  auto a = profile.parse_admission(invite, status, body, 1800000000000);
  if (a.ok()) {
    if (status != 200 || a->token.empty()) __builtin_trap();  // only a 200 with a token admits
    (void)profile.signaling_url(*a);
  } else if (a.failure().message.empty()) {
    __builtin_trap();  // every refusal has a sentence
  }
  return 0;
}
