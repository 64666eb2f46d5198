// Invite links: room.html?room=<id>&t=<invite JWT>. Parsed and judged before any network effect.
#pragma once
#include <string>
#include <string_view>

#include "earshot/base.hpp"

namespace earshot {

enum class Role { Host, Guest };
std::string_view to_string(Role);

struct Invite {
  std::string room;        // from the URL, equal to the token's "room" claim
  std::string token;       // the raw JWT, sent to the backend to redeem
  Role role = Role::Guest;
  std::string name;        // who you are joining as
  std::string title;       // optional room title claim, may be empty
  Instant expires_at = 0;  // from "exp" (seconds) * 1000
  Instant issued_at = 0;   // from "iat", 0 when absent
  bool operator==(const Invite&) const = default;
};

// Parses the query string of the page URL (with or without a leading '?', or a full URL) and the
// invite token in it. Checks, in order, each with its own code and sentence:
//   invite.missing   no room or no t parameter
//   invite.malformed bad percent-encoding, token not a JWT, claims missing/wrong types, typ != "invite",
//                    role not host|guest, room id not [A-Za-z0-9_-]{1,64}, oversized input (> 8 KB)
//   invite.mismatch  the token's room claim differs from the URL's room
//   invite.expired   now >= exp: "This invite expired at 14:05 (UTC). Ask the host for a new link."
Result<Invite> parse_invite_link(std::string_view url_or_query, Instant now, int utc_offset_min = kUtcOffsetUnknown);

}  // namespace earshot
