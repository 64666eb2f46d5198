// JWS compact decoding (structure only, never throws) and HS256 verification for tests and tools.
// Every decode failure is token.malformed with a sentence "The token ... ." naming the faulty part.
#include "earshot/jwt.hpp"
#include "earshot/json.hpp"

#include "earshot/crypto.hpp"

namespace earshot::jwt {
namespace {

Failure malformed(std::string message) { return Failure{"token.malformed", std::move(message)}; }

// Decodes one base64url part into a JSON object; `part` is "header" or "payload" for the sentences.
Result<nlohmann::json> decode_json_part(std::string_view encoded, std::string_view part) {
  const std::string name(part);
  if (encoded.empty()) return malformed("The token's " + name + " is empty.");
  // JWS uses unpadded base64url (RFC 7515 §2); a '=' here means the token was mangled.
  if (encoded.find('=') != std::string_view::npos) {
    return malformed("The token's " + name + " is not valid base64url.");
  }
  const auto bytes = crypto::base64url_decode(encoded);
  if (!bytes) return malformed("The token's " + name + " is not valid base64url.");
  auto json = parse_json_text(*bytes);
  if (json.is_discarded()) return malformed("The token's " + name + " is not valid JSON.");
  if (!json.is_object()) return malformed("The token's " + name + " is JSON but not an object.");
  return json;
}

}  // namespace

Result<Decoded> decode(std::string_view token) {
  if (token.empty()) return malformed("The token is empty.");
  const std::size_t first_dot = token.find('.');
  const std::size_t second_dot = first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos) return malformed("The token is incomplete.");
  if (token.find('.', second_dot + 1) != std::string_view::npos) {
    return malformed("The token has more than three parts.");
  }
  const std::string_view header_b64 = token.substr(0, first_dot);
  const std::string_view payload_b64 = token.substr(first_dot + 1, second_dot - first_dot - 1);
  const std::string_view signature_b64 = token.substr(second_dot + 1);

  auto header = decode_json_part(header_b64, "header");
  if (!header) return header.failure();
  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string()) {
    return malformed("The token's header does not name its signing algorithm.");
  }
  if (alg->get<std::string>() == "none") return malformed("The token's header says it is unsigned (alg none).");

  auto claims = decode_json_part(payload_b64, "payload");
  if (!claims) return claims.failure();

  if (signature_b64.empty()) return malformed("The token's signature is missing.");
  const auto signature = signature_b64.find('=') == std::string_view::npos
                             ? crypto::base64url_decode(signature_b64)
                             : std::nullopt;
  if (!signature) return malformed("The token's signature is not valid base64url.");

  return Decoded{std::move(header).value(), std::move(claims).value(),
                 std::string(token.substr(0, second_dot)), *signature};
}

bool verify_hs256(const Decoded& token, std::string_view key) {
  const auto alg = token.header.find("alg");
  if (alg == token.header.end() || !alg->is_string() || alg->get<std::string>() != "HS256") return false;
  const auto expected = crypto::hmac_sha256(key, token.signing_input);
  if (token.signature.size() != expected.size()) return false;
  // Constant time: accumulate every difference instead of returning at the first one.
  unsigned diff = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    diff |= static_cast<unsigned>(static_cast<std::uint8_t>(token.signature[i]) ^ expected[i]);
  }
  return diff == 0;
}

}  // namespace earshot::jwt
