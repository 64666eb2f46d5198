// libFuzzer target: parse_invite_link on arbitrary bytes, and on links whose token carries arbitrary
// claims JSON (so the claim checks are reached, not only the JWT structure checks). Never crashes.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "earshot/crypto.hpp"
#include "earshot/invite.hpp"

namespace {
constexpr earshot::Instant kNow = 1795356300000;  // 2026-11-22T14:05:00Z

bool is_room_id(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}

void check(std::string_view link) {
  const auto invite = earshot::parse_invite_link(link, kNow);
  if (invite.ok()) {
    // Whatever gets through must satisfy the contract in invite.hpp.
    if (!is_room_id(invite->room) || invite->name.empty() || invite->expires_at <= kNow) std::abort();
  } else {
    const std::string& code = invite.failure().code;
    if (code != "invite.missing" && code != "invite.malformed" && code != "invite.mismatch" &&
        code != "invite.expired") {
      std::abort();
    }
    if (invite.failure().message.empty()) std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check(input);
  // Second shape: "<room>\n<claims JSON>" wrapped into a well-formed HS256 token.
  const std::size_t newline = input.find('\n');
  if (newline != std::string_view::npos) {
    const std::string token = earshot::crypto::base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." +
                              earshot::crypto::base64url_encode(input.substr(newline + 1)) + "." +
                              std::string(43, 'A');
    check("room=" + std::string(input.substr(0, newline)) + "&t=" + token);
  }
  return 0;
}
