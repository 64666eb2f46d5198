// JWT (JWS compact) decoding for display. The browser holds no signing secret: it decodes a token to
// show who/what/until-when and refuses an expired one before any network call; the server verifies.
#pragma once
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "earshot/base.hpp"

namespace earshot::jwt {

struct Decoded {
  nlohmann::json header;
  nlohmann::json claims;
  std::string signing_input;   // "<b64 header>.<b64 payload>" exactly as received
  std::string signature;       // raw bytes
};

// Structure-only decode: three base64url parts, JSON objects for header and claims, "alg" a string
// other than "none". Never throws. Failure codes: token.malformed (with a sentence saying which part).
Result<Decoded> decode(std::string_view token);

// HS256 verification for tests and tools (never used with a secret in the browser):
// pins alg=HS256, checks the signature length and value in constant time.
bool verify_hs256(const Decoded&, std::string_view key);

}  // namespace earshot::jwt
