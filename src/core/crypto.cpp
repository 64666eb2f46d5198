// Hashes and MACs (delegated to mbedTLS's generic MD layer) and the byte/text encodings around them:
// hex, base64, base64url, RFC 3986 percent-encoding, and the coturn TURN REST credential.
#include "earshot/crypto.hpp"

#include <mbedtls/md.h>

namespace earshot::crypto {
namespace {

// mbedTLS takes (pointer, length); an empty std::string_view may carry a null pointer, which must not
// reach memcpy inside the library (UBSan's nonnull check), so empty input gets a valid address.
const unsigned char* bytes_of(std::string_view s) {
  static const unsigned char kEmpty = 0;
  return s.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

template <std::size_t N>
std::array<std::uint8_t, N> hmac(mbedtls_md_type_t type, std::string_view key, std::string_view data) {
  std::array<std::uint8_t, N> out{};
  // Only fails for an unknown md_info or a failed allocation; the config compiles both digests in.
  mbedtls_md_hmac(mbedtls_md_info_from_type(type), bytes_of(key), key.size(), bytes_of(data), data.size(),
                  out.data());
  return out;
}

constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64UrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode_base64_with(std::string_view bytes, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = static_cast<std::uint8_t>(bytes[i]) << 16 |
                            static_cast<std::uint8_t>(bytes[i + 1]) << 8 | static_cast<std::uint8_t>(bytes[i + 2]);
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    out += alphabet[v >> 6 & 63];
    out += alphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = static_cast<std::uint8_t>(bytes[i]) << 16;
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    const std::uint32_t v = static_cast<std::uint8_t>(bytes[i]) << 16 | static_cast<std::uint8_t>(bytes[i + 1]) << 8;
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    out += alphabet[v >> 6 & 63];
    if (pad) out += '=';
  }
  return out;
}

// Value of one base64 digit in the given alphabet ('+' '/' or '-' '_' for the last two), or -1.
int base64_digit(char c, char digit62, char digit63) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == digit62) return 62;
  if (c == digit63) return 63;
  return -1;
}

// Decodes unpadded digits. Rejects a length that leaves a lone digit and non-zero leftover bits, so
// every accepted text is the one canonical encoding of its bytes (RFC 4648 §3.5).
std::optional<std::string> decode_base64_digits(std::string_view digits, char digit62, char digit63) {
  if (digits.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(digits.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : digits) {
    const int d = base64_digit(c, digit62, digit63);
    if (d < 0) return std::nullopt;
    acc = (acc << 6 | static_cast<std::uint32_t>(d)) & 0xFFFFFF;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>(acc >> bits & 0xFF);
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

// Splits "digits" + "="* and checks the padding makes the length a multiple of four.
std::optional<std::string_view> strip_required_padding(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  const std::string_view digits = text.substr(0, text.size() - pad);
  // The padding must be exactly what the digit count implies: none for a full quantum, else 4 - rest.
  const std::size_t rest = digits.size() % 4;
  if ((rest == 0 && pad != 0) || (rest != 0 && rest + pad != 4)) return std::nullopt;
  return digits;
}

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Digest256 sha256(std::string_view data) {
  Digest256 out{};
  mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), bytes_of(data), data.size(), out.data());
  return out;
}

Digest256 hmac_sha256(std::string_view key, std::string_view data) {
  return hmac<32>(MBEDTLS_MD_SHA256, key, data);
}

Digest160 hmac_sha1(std::string_view key, std::string_view data) { return hmac<20>(MBEDTLS_MD_SHA1, key, data); }

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char b : bytes) {
    const auto v = static_cast<unsigned char>(b);
    out += kDigits[v >> 4];
    out += kDigits[v & 15];
  }
  return out;
}

std::string base64_encode(std::string_view bytes) { return encode_base64_with(bytes, kBase64Alphabet, true); }

std::optional<std::string> base64_decode(std::string_view text) {
  const auto digits = strip_required_padding(text);
  if (!digits) return std::nullopt;
  return decode_base64_digits(*digits, '+', '/');
}

std::string base64url_encode(std::string_view bytes) { return encode_base64_with(bytes, kBase64UrlAlphabet, false); }

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string_view digits = text;
  if (text.find('=') != std::string_view::npos) {
    const auto stripped = strip_required_padding(text);
    if (!stripped) return std::nullopt;
    digits = *stripped;
  }
  return decode_base64_digits(digits, '-', '_');
}

std::string uri_encode(std::string_view s) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out += ch;
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
  }
  return out;
}

std::optional<std::string> uri_decode(std::string_view s, bool form) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;  // needs two hex digits after '%'
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi << 4 | lo);
      i += 2;
    } else if (c == '+' && form) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string turn_rest_credential(std::string_view secret, std::string_view username) {
  return base64_encode(as_bytes(hmac_sha1(secret, username)));
}

}  // namespace earshot::crypto
