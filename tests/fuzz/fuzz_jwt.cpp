// libFuzzer target: jwt::decode on arbitrary bytes, and on tokens built from three arbitrary parts
// (so the JSON and alg checks are reached past base64url). Never crashes, never throws.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "earshot/crypto.hpp"
#include "earshot/jwt.hpp"

namespace {
void check(std::string_view token) {
  const auto decoded = earshot::jwt::decode(token);
  if (decoded.ok()) {
    if (!decoded->header.is_object() || !decoded->claims.is_object()) std::abort();
    if (token.substr(0, decoded->signing_input.size()) != decoded->signing_input) std::abort();
    const auto alg = decoded->header.find("alg");
    if (alg == decoded->header.end() || !alg->is_string() || alg->get<std::string>() == "none") std::abort();
    (void)earshot::jwt::verify_hs256(*decoded, "fuzz key");
  } else if (decoded.failure().code != "token.malformed" || decoded.failure().message.empty()) {
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check(input);
  // "<header JSON>\0<claims JSON>\0<signature bytes>", each part base64url-encoded into a token.
  const std::size_t a = input.find('\0');
  const std::size_t b = a == std::string_view::npos ? a : input.find('\0', a + 1);
  if (b != std::string_view::npos) {
    using earshot::crypto::base64url_encode;
    check(base64url_encode(input.substr(0, a)) + "." + base64url_encode(input.substr(a + 1, b - a - 1)) + "." +
          base64url_encode(input.substr(b + 1)));
  }
  return 0;
}
