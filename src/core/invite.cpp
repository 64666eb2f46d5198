// Invite links (room.html?room=<id>&t=<invite JWT>): untrusted page URL in, a typed Invite or a Failure
// with a stable code and a sentence the guest can act on. No signature check here: the server verifies.
#include "earshot/invite.hpp"

#include <algorithm>
#include <cmath>

#include "earshot/crypto.hpp"
#include "earshot/jwt.hpp"

namespace earshot {
namespace {

constexpr std::size_t kMaxLinkBytes = 8 * 1024;
constexpr std::size_t kMaxRoomIdLength = 64;
// Latest NumericDate accepted (9999-12-31T23:59:59Z): keeps seconds * 1000 far from int64 overflow.
constexpr std::int64_t kMaxNumericDate = 253402300799;
constexpr std::size_t kHs256SignatureBytes = 32;

Failure missing(std::string message) { return Failure{"invite.missing", std::move(message)}; }
Failure malformed(std::string message) { return Failure{"invite.malformed", std::move(message)}; }
// The usual malformed case: the link was cut or mangled on its way (chat apps, mail clients).
Failure damaged(std::string_view why) {
  return malformed("This invite link is damaged (" + std::string(why) + "). Ask the host to send it again.");
}

bool is_room_id(std::string_view s) {
  if (s.empty() || s.size() > kMaxRoomIdLength) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The part after '?' (or all of it when there is no '?'), without any '#fragment'.
std::string_view query_of(std::string_view url_or_query) {
  const std::size_t question = url_or_query.find('?');
  std::string_view query = question == std::string_view::npos ? url_or_query : url_or_query.substr(question + 1);
  return query.substr(0, query.find('#'));
}

struct LinkParams {
  std::optional<std::string> room;
  std::optional<std::string> token;
};

Result<LinkParams> read_params(std::string_view query) {
  LinkParams params;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const auto name = crypto::uri_decode(pair.substr(0, eq), /*form=*/true);
    const auto value =
        crypto::uri_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), /*form=*/true);
    if (!name || !value) return damaged("it contains a broken %-escape");
    if (*name == "room") {
      if (params.room) return damaged("it names the room twice");
      params.room = *value;
    } else if (*name == "t") {
      if (params.token) return damaged("it carries two invite tokens");
      params.token = *value;
    }
  }
  return params;
}

// JWT NumericDate (seconds, RFC 7519 §2) to an Instant; nullopt when not a number or out of range.
std::optional<Instant> numeric_date_ms(const nlohmann::json& v) {
  if (v.is_number_unsigned()) {
    const auto s = v.get<std::uint64_t>();
    if (s > static_cast<std::uint64_t>(kMaxNumericDate)) return std::nullopt;
    return static_cast<Instant>(s) * 1000;
  }
  if (v.is_number_integer()) {
    const auto s = v.get<std::int64_t>();
    if (s < 0 || s > kMaxNumericDate) return std::nullopt;
    return s * 1000;
  }
  if (v.is_number_float()) {
    const double s = v.get<double>();
    if (!std::isfinite(s) || s < 0 || s > static_cast<double>(kMaxNumericDate)) return std::nullopt;
    return static_cast<Instant>(s * 1000.0);
  }
  return std::nullopt;
}

const nlohmann::json* claim(const nlohmann::json& claims, const char* name) {
  const auto it = claims.find(name);
  return it == claims.end() ? nullptr : &*it;
}

const std::string* string_claim(const nlohmann::json& claims, const char* name) {
  const nlohmann::json* v = claim(claims, name);
  return v != nullptr && v->is_string() ? v->get_ptr<const std::string*>() : nullptr;
}

bool is_base64url_digit(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// True when an undecodable token only fails in its signature, and that signature is a clean prefix of an
// HS256 one: the link was cut off (mail clients wrap long lines), not corrupted.
bool signature_cut_short(std::string_view token) {
  constexpr std::size_t kHs256SignatureDigits = 43;
  const std::size_t last_dot = token.rfind('.');
  if (last_dot == std::string_view::npos) return false;
  const std::string_view signature = token.substr(last_dot + 1);
  if (signature.size() >= kHs256SignatureDigits ||
      !std::all_of(signature.begin(), signature.end(), is_base64url_digit)) {
    return false;
  }
  // Readable with a full-length signature in its place means the header and payload are intact.
  std::string repaired(token.substr(0, last_dot + 1));
  repaired.append(kHs256SignatureDigits, 'A');
  return jwt::decode(repaired).ok();
}

}  // namespace

std::string_view to_string(Role role) { return role == Role::Host ? "host" : "guest"; }

Result<Invite> parse_invite_link(std::string_view url_or_query, Instant now, int utc_offset_min) {
  if (url_or_query.size() > kMaxLinkBytes) {
    return malformed("This invite link is too long to be genuine (over 8 KB). Ask the host to send it again.");
  }
  auto params = read_params(query_of(url_or_query));
  if (!params) return params.failure();
  if (!params->room || params->room->empty()) {
    return missing("This link does not say which room to join. Open the complete invite link the host sent you.");
  }
  if (!params->token || params->token->empty()) {
    return missing("This link has no invite token in it. Open the complete invite link the host sent you.");
  }
  const std::string& room = *params->room;
  if (!is_room_id(room)) {
    return malformed(
        "This invite link names an invalid room (a room id is 1 to 64 letters, digits, '-' or '_'). "
        "Ask the host to send it again.");
  }

  const auto token = jwt::decode(*params->token);
  if (!token && signature_cut_short(*params->token)) return damaged("the token is incomplete");
  if (!token) {
    // jwt sentences read "The token ... ."; reworded as the reason inside ours.
    std::string why = token.failure().message;
    if (!why.empty() && why.back() == '.') why.pop_back();
    if (!why.empty() && why[0] == 'T') why[0] = 't';
    return damaged(why);
  }
  // A cut-off signature still decodes as base64url; its length gives the truncation away.
  const auto alg = token->header.find("alg");
  if (alg->get<std::string>() == "HS256" && token->signature.size() != kHs256SignatureBytes) {
    return damaged("the token is incomplete");
  }

  const nlohmann::json& claims = token->claims;
  const std::string* iss = string_claim(claims, "iss");
  if (iss == nullptr || *iss != "earshot") {
    return malformed("This link's token was not issued by Earshot. Ask the host for an Earshot invite link.");
  }
  const std::string* typ = string_claim(claims, "typ");
  if (typ == nullptr || *typ != "invite") {
    return malformed("This link's token is not an invite. Ask the host for an invite link.");
  }
  const std::string* claimed_room = string_claim(claims, "room");
  if (claimed_room == nullptr) return damaged("the token does not name a room");
  const std::string* role = string_claim(claims, "role");
  if (role == nullptr) return damaged("the token does not say whether you join as host or guest");
  if (*role != "host" && *role != "guest") {
    return malformed("This invite offers a role other than host or guest. Ask the host for a new link.");
  }
  const std::string* name = string_claim(claims, "name");
  if (name == nullptr || name->empty()) {
    return malformed("This invite does not say who you are joining as. Ask the host for a new link.");
  }
  const std::string* jti = string_claim(claims, "jti");
  if (jti == nullptr || jti->empty()) return damaged("the token has no invite id");
  const nlohmann::json* exp = claim(claims, "exp");
  const std::optional<Instant> expires_at = exp != nullptr ? numeric_date_ms(*exp) : std::nullopt;
  if (!expires_at) return malformed("This invite has no valid expiry time. Ask the host for a new link.");
  const nlohmann::json* iat = claim(claims, "iat");
  const std::optional<Instant> issued_at = iat != nullptr ? numeric_date_ms(*iat) : Instant{0};
  if (!issued_at) return damaged("the token's issue time is not a valid date");
  const nlohmann::json* title = claim(claims, "title");
  if (title != nullptr && !title->is_string()) return damaged("the token's room title is not text");

  if (*claimed_room != room) {
    return Failure{"invite.mismatch",
                   "This invite was made for a different room than the link names. Ask the host to send it again."};
  }
  if (now >= *expires_at) {
    return Failure{"invite.expired", "This invite expired at " + format_utc_clock(*expires_at, now, utc_offset_min) +
                                         ". Ask the host for a new link."};
  }

  Invite invite;
  invite.room = room;
  invite.token = *params->token;
  invite.role = *role == "host" ? Role::Host : Role::Guest;
  invite.name = *name;
  invite.title = title != nullptr ? title->get<std::string>() : std::string{};
  invite.expires_at = *expires_at;
  invite.issued_at = *issued_at;
  return invite;
}

}  // namespace earshot
