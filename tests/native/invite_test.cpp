// Specifications of invite-link parsing: what a guest sees for every kind of link, before any request.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "earshot/crypto.hpp"
#include "earshot/invite.hpp"

using namespace earshot;
using nlohmann::json;

namespace {
constexpr Instant kExpiry = 1795356300000;       // 2026-11-22T14:05:00Z
constexpr Instant kIssued = kExpiry - 3600000;   // one hour earlier
constexpr Instant kNow = kExpiry - 600000;       // ten minutes before expiry

json valid_claims() {
  return json{{"iss", "earshot"}, {"typ", "invite"}, {"room", "r0om_A-1"}, {"role", "guest"}, {"name", "Ada"},
              {"jti", "inv-1"},   {"iat", kIssued / 1000}, {"exp", kExpiry / 1000}, {"title", "Standup"}};
}

// An HS256 invite token as the server would mint it.
std::string sign(const json& claims, const json& header = json{{"alg", "HS256"}, {"typ", "JWT"}}) {
  const std::string input =
      crypto::base64url_encode(header.dump()) + "." + crypto::base64url_encode(claims.dump());
  return input + "." + crypto::base64url_encode(crypto::as_bytes(crypto::hmac_sha256("server secret", input)));
}

std::string link(const std::string& token, const std::string& room = "r0om_A-1") {
  return "https://calls.example.com/room.html?room=" + room + "&t=" + token;
}

Failure failure_of(std::string_view url, Instant now = kNow) {
  const auto invite = parse_invite_link(url, now);
  EXPECT_FALSE(invite.ok()) << url;
  return invite.ok() ? Failure{} : invite.failure();
}

Failure failure_with_claims(const json& claims) { return failure_of(link(sign(claims))); }

const std::string kBadRoomSentence =
    "This invite link names an invalid room (a room id is 1 to 64 letters, digits, '-' or '_'). "
    "Ask the host to send it again.";
}  // namespace

TEST(InviteLink, ValidLinkGivesRoomRoleNameTitleAndTimes) {
  const std::string token = sign(valid_claims());
  const auto invite = parse_invite_link(link(token), kNow);
  ASSERT_TRUE(invite.ok()) << invite.failure().message;
  Invite expected;
  expected.room = "r0om_A-1";
  expected.token = token;
  expected.role = Role::Guest;
  expected.name = "Ada";
  expected.title = "Standup";
  expected.expires_at = kExpiry;
  expected.issued_at = kIssued;
  EXPECT_EQ(*invite, expected);
}

TEST(InviteLink, AcceptsFullUrlBareQueryAndQueryWithQuestionMark) {
  const std::string token = sign(valid_claims());
  const auto from_url = parse_invite_link(link(token) + "#ignored", kNow);
  const auto bare = parse_invite_link("room=r0om_A-1&t=" + token, kNow);
  const auto with_mark = parse_invite_link("?t=" + token + "&utm=x&room=r0om_A-1", kNow);
  ASSERT_TRUE(from_url.ok());
  EXPECT_EQ(bare, from_url);
  EXPECT_EQ(with_mark, from_url);
}

TEST(InviteLink, HostRoleAndAbsentOptionalClaims) {
  json claims = valid_claims();
  claims["role"] = "host";
  claims.erase("title");
  claims.erase("iat");
  const auto invite = parse_invite_link(link(sign(claims)), kNow);
  ASSERT_TRUE(invite.ok()) << invite.failure().message;
  EXPECT_EQ(invite->role, Role::Host);
  EXPECT_EQ(to_string(invite->role), "host");
  EXPECT_EQ(to_string(Role::Guest), "guest");
  EXPECT_EQ(invite->title, "");
  EXPECT_EQ(invite->issued_at, 0);
}

TEST(InviteLink, DecodesPercentEscapesAndPlusAsSpaceInParameters) {
  // The token travels percent-encoded ("%2E" for '.'), the room name uses %5F for '_' and the
  // parameter name itself is escaped; '+' in a value is a space, so a '+'-carrying room id is invalid.
  std::string token = sign(valid_claims());
  std::string escaped;
  for (char c : token) escaped += c == '.' ? std::string("%2E") : std::string(1, c);
  const auto invite = parse_invite_link("room=r0om%5FA-1&%74=" + escaped, kNow);
  ASSERT_TRUE(invite.ok()) << invite.failure().message;
  EXPECT_EQ(invite->room, "r0om_A-1");
  EXPECT_EQ(invite->token, token);
  EXPECT_EQ(failure_of("room=a+b&t=" + token), (Failure{"invite.malformed", kBadRoomSentence}));
  EXPECT_EQ(failure_of("room=a%20b&t=" + token), (Failure{"invite.malformed", kBadRoomSentence}));
}

TEST(InviteLink, MissingRoomOrTokenSaysWhichIsMissing) {
  const std::string token = sign(valid_claims());
  const Failure no_room{"invite.missing",
                        "This link does not say which room to join. Open the complete invite link the host sent you."};
  const Failure no_token{"invite.missing",
                         "This link has no invite token in it. Open the complete invite link the host sent you."};
  EXPECT_EQ(failure_of("https://calls.example.com/room.html?t=" + token), no_room);
  EXPECT_EQ(failure_of("https://calls.example.com/room.html?room=&t=" + token), no_room);
  EXPECT_EQ(failure_of("https://calls.example.com/room.html"), no_room);
  EXPECT_EQ(failure_of(""), no_room);
  EXPECT_EQ(failure_of("https://calls.example.com/room.html?room=r0om_A-1"), no_token);
  EXPECT_EQ(failure_of("room=r0om_A-1&t="), no_token);
}

TEST(InviteLink, TokenForAnotherRoomIsAMismatch) {
  EXPECT_EQ(failure_of(link(sign(valid_claims()), "other-room")),
            (Failure{"invite.mismatch",
                     "This invite was made for a different room than the link names. Ask the host to send it again."}));
}

TEST(InviteLink, ExpiredInviteSaysItsExpiryTimeInUtc) {
  const Failure expired{"invite.expired", "This invite expired at 14:05 (UTC). Ask the host for a new link."};
  EXPECT_EQ(failure_of(link(sign(valid_claims())), kExpiry), expired);           // exactly at exp
  EXPECT_EQ(failure_of(link(sign(valid_claims())), kExpiry + 3600000), expired);  // later that day
  EXPECT_EQ(failure_of(link(sign(valid_claims())), kExpiry + 86400000).message,
            "This invite expired at 2026-11-22 14:05 (UTC). Ask the host for a new link.");
  EXPECT_TRUE(parse_invite_link(link(sign(valid_claims())), kExpiry - 1).ok());
}

TEST(InviteLink, MismatchIsReportedBeforeExpiry) {
  EXPECT_EQ(failure_of(link(sign(valid_claims()), "other-room"), kExpiry + 1).code, "invite.mismatch");
}

TEST(InviteLink, TruncatedTokenSaysTheTokenIsIncomplete) {
  const std::string token = sign(valid_claims());
  const Failure incomplete{"invite.malformed",
                           "This invite link is damaged (the token is incomplete). Ask the host to send it again."};
  EXPECT_EQ(failure_of(link(token.substr(0, token.find('.')))), incomplete);   // cut in the header
  EXPECT_EQ(failure_of(link(token.substr(0, token.rfind('.')))), incomplete);  // signature lost
  for (std::size_t cut = 1; cut < 43; ++cut) {                                 // signature cut short
    EXPECT_EQ(failure_of(link(token.substr(0, token.size() - cut))), incomplete) << cut;
  }
  // A signature that is merely mangled is not called incomplete.
  EXPECT_EQ(failure_of(link(token.substr(0, token.size() - 5) + "*")).message,
            "This invite link is damaged (the token's signature is not valid base64url). Ask the host to send it "
            "again.");
}

TEST(InviteLink, UnreadableTokenSaysWhichPartIsDamaged) {
  EXPECT_EQ(failure_of(link("not-a-jwt.at.all!")),
            (Failure{"invite.malformed",
                     "This invite link is damaged (the token's header is not valid base64url). Ask the host to send "
                     "it again."}));
  EXPECT_EQ(failure_of(link("bm90IGpzb24.e30.c2ln")).message,
            "This invite link is damaged (the token's header is not valid JSON). Ask the host to send it again.");
  EXPECT_EQ(failure_of(link(sign(valid_claims(), json{{"alg", "none"}}))).message,
            "This invite link is damaged (the token's header says it is unsigned (alg none)). Ask the host to send "
            "it again.");
  EXPECT_EQ(failure_of("room=r0om_A-1&t=%zz").message,
            "This invite link is damaged (it contains a broken %-escape). Ask the host to send it again.");
}

TEST(InviteLink, TokenThatIsNotAnInviteIsMalformed) {
  json session = valid_claims();
  session["typ"] = "session";
  EXPECT_EQ(failure_with_claims(session),
            (Failure{"invite.malformed", "This link's token is not an invite. Ask the host for an invite link."}));
  json untyped = valid_claims();
  untyped.erase("typ");
  EXPECT_EQ(failure_with_claims(untyped).code, "invite.malformed");
  json foreign = valid_claims();
  foreign["iss"] = "someone-else";
  EXPECT_EQ(failure_with_claims(foreign),
            (Failure{"invite.malformed",
                     "This link's token was not issued by Earshot. Ask the host for an Earshot invite link."}));
}

TEST(InviteLink, RoleOtherThanHostOrGuestIsMalformed) {
  json admin = valid_claims();
  admin["role"] = "admin";
  EXPECT_EQ(failure_with_claims(admin),
            (Failure{"invite.malformed",
                     "This invite offers a role other than host or guest. Ask the host for a new link."}));
  json numeric = valid_claims();
  numeric["role"] = 1;
  EXPECT_EQ(failure_with_claims(numeric).message,
            "This invite link is damaged (the token does not say whether you join as host or guest). Ask the host "
            "to send it again.");
}

TEST(InviteLink, NameThatIsNotTextIsMalformed) {
  const Failure no_name{"invite.malformed",
                        "This invite does not say who you are joining as. Ask the host for a new link."};
  json numeric = valid_claims();
  numeric["name"] = 42;
  EXPECT_EQ(failure_with_claims(numeric), no_name);
  json object = valid_claims();
  object["name"] = json{{"first", "Ada"}};
  EXPECT_EQ(failure_with_claims(object), no_name);
  json absent = valid_claims();
  absent.erase("name");
  EXPECT_EQ(failure_with_claims(absent), no_name);
}

TEST(InviteLink, MissingOrWrongTypedClaimsAreMalformed) {
  const auto message_without = [](const char* claim) {
    json c = valid_claims();
    c.erase(claim);
    return failure_with_claims(c).message;
  };
  EXPECT_EQ(message_without("room"),
            "This invite link is damaged (the token does not name a room). Ask the host to send it again.");
  EXPECT_EQ(message_without("jti"),
            "This invite link is damaged (the token has no invite id). Ask the host to send it again.");
  const std::string no_expiry = "This invite has no valid expiry time. Ask the host for a new link.";
  EXPECT_EQ(message_without("exp"), no_expiry);
  json text_exp = valid_claims();
  text_exp["exp"] = "tomorrow";
  EXPECT_EQ(failure_with_claims(text_exp).message, no_expiry);
  json huge_exp = valid_claims();
  huge_exp["exp"] = 1e300;
  EXPECT_EQ(failure_with_claims(huge_exp).message, no_expiry);
  json negative_exp = valid_claims();
  negative_exp["exp"] = -5;
  EXPECT_EQ(failure_with_claims(negative_exp).code, "invite.malformed");
  json text_iat = valid_claims();
  text_iat["iat"] = "now";
  EXPECT_EQ(failure_with_claims(text_iat).message,
            "This invite link is damaged (the token's issue time is not a valid date). Ask the host to send it again.");
  json list_title = valid_claims();
  list_title["title"] = json::array({"a"});
  EXPECT_EQ(failure_with_claims(list_title).message,
            "This invite link is damaged (the token's room title is not text). Ask the host to send it again.");
}

TEST(InviteLink, FractionalExpiryIsAcceptedInMilliseconds) {
  json claims = valid_claims();
  claims["exp"] = static_cast<double>(kExpiry / 1000) + 0.5;
  const auto invite = parse_invite_link(link(sign(claims)), kNow);
  ASSERT_TRUE(invite.ok());
  EXPECT_EQ(invite->expires_at, kExpiry + 500);
}

TEST(InviteLink, RoomIdWithSlashOrOver64CharactersIsMalformed) {
  const std::string token = sign(valid_claims());
  EXPECT_EQ(failure_of(link(token, "a%2Fb")), (Failure{"invite.malformed", kBadRoomSentence}));
  EXPECT_EQ(failure_of(link(token, "a/b")), (Failure{"invite.malformed", kBadRoomSentence}));
  EXPECT_EQ(failure_of(link(token, std::string(65, 'a'))), (Failure{"invite.malformed", kBadRoomSentence}));
  // 64 characters is still a room id (the token then names another room).
  EXPECT_EQ(failure_of(link(token, std::string(64, 'a'))).code, "invite.mismatch");
}

TEST(InviteLink, RepeatedParametersAreMalformed) {
  const std::string token = sign(valid_claims());
  EXPECT_EQ(failure_of(link(token) + "&room=evil").message,
            "This invite link is damaged (it names the room twice). Ask the host to send it again.");
  EXPECT_EQ(failure_of(link(token) + "&t=" + token).message,
            "This invite link is damaged (it carries two invite tokens). Ask the host to send it again.");
}

TEST(InviteLink, OversizedInputIsRefusedBeforeParsing) {
  json claims = valid_claims();
  claims["title"] = std::string(9 * 1024, 'x');
  EXPECT_EQ(failure_of(link(sign(claims))),
            (Failure{"invite.malformed",
                     "This invite link is too long to be genuine (over 8 KB). Ask the host to send it again."}));
  EXPECT_EQ(failure_of(std::string(9 * 1024, '&')).code, "invite.malformed");
}
