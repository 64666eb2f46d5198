// Hashes, MACs and encodings the core needs (SigV4, TURN REST credentials, JWT decoding).
// Backed by mbedTLS compiled from source into both the native and the wasm build: no hand-written crypto.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace earshot::crypto {

using Digest256 = std::array<std::uint8_t, 32>;
using Digest160 = std::array<std::uint8_t, 20>;

Digest256 sha256(std::string_view data);
Digest256 hmac_sha256(std::string_view key, std::string_view data);
Digest160 hmac_sha1(std::string_view key, std::string_view data);

// Bytes (as std::string) <-> text encodings. Decoders return nullopt on any invalid input.
std::string to_hex(std::string_view bytes);                  // lower-case
template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& d) {
  return to_hex(std::string_view(reinterpret_cast<const char*>(d.data()), N));
}
template <std::size_t N>
std::string as_bytes(const std::array<std::uint8_t, N>& d) {
  return std::string(reinterpret_cast<const char*>(d.data()), N);
}
std::string base64_encode(std::string_view bytes);           // standard alphabet, padded
std::optional<std::string> base64_decode(std::string_view text);     // standard, padding required
std::string base64url_encode(std::string_view bytes);        // RFC 4648 §5, no padding
std::optional<std::string> base64url_decode(std::string_view text);  // accepts with or without padding

// RFC 3986 percent-encoding of everything but unreserved characters (A-Z a-z 0-9 - _ . ~).
std::string uri_encode(std::string_view s);
// Decodes %XX and (when form is true) '+' as space. nullopt on a bad escape.
std::optional<std::string> uri_decode(std::string_view s, bool form = false);

// TURN REST credential (coturn use-auth-secret): base64(HMAC-SHA1(secret, username)).
std::string turn_rest_credential(std::string_view secret, std::string_view username);

}  // namespace earshot::crypto
