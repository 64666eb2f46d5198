// The chime profile reading seed 000's join answers: both shapes, and the seed's Troubleshooting cases
// (a later join without MediaPlacement, a 500 "Missing ExternalMeetingId") named as backend faults.
#include <gtest/gtest.h>

#include "earshot/vendor_profiles.hpp"

namespace earshot {
namespace {

const char* kMeeting = R"({"MeetingId":"m-1","ExternalMeetingId":"room-1","MediaRegion":"us-east-1",
  "MediaPlacement":{"AudioHostUrl":"a.example:3478","SignalingUrl":"wss://s.example/control/m-1",
  "TurnControlUrl":"https://t.example","AudioFallbackUrl":"wss://f.example"}})";
const char* kAttendee = R"({"AttendeeId":"att-1","ExternalUserId":"Gus","JoinToken":"jt-abc"})";

Entry invite_entry() {
  Entry e;
  e.room = "room-1";
  Invite i;
  i.room = "room-1";
  i.token = "invite.jwt";
  i.role = Role::Guest;
  i.name = "Gus";
  i.expires_at = 10'000'000;
  e.invite = i;
  return e;
}

TEST(ChimeJoin, TakesTheFlatAndTheDoublyNestedShapes) {
  const std::string flat = std::string(R"({"Meeting":)") + kMeeting + R"(,"Attendee":)" + kAttendee + "}";
  const std::string nested = std::string(R"({"JoinInfo":{"Meeting":{"Meeting":)") + kMeeting + R"(},"Attendee":{"Attendee":)" + kAttendee + "}}}";
  for (const std::string& body : {flat, nested}) {
    auto a = ChimeProfile::parse_join(invite_entry(), 200, body, 1000);
    ASSERT_TRUE(a.ok()) << a.failure().message;
    EXPECT_EQ(a.value().self.id, "att-1");
    EXPECT_EQ(a.value().token, "jt-abc");
    EXPECT_EQ(a.value().signaling_url, "wss://s.example/control/m-1");
    EXPECT_EQ(a.value().vendor_join["meeting"]["MeetingId"], "m-1");
    EXPECT_EQ(a.value().vendor_join["attendee"]["AttendeeId"], "att-1");
  }
}

TEST(ChimeJoin, AMeetingWithoutMediaPlacementIsNamedAsTheBackendsFault) {
  const std::string body = R"({"Meeting":{"MeetingId":"m-1","ExternalMeetingId":"room-1"},"Attendee":)" + std::string(kAttendee) + "}";
  auto a = ChimeProfile::parse_join(invite_entry(), 200, body, 1000);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.failure().code, "backend.fault");
  EXPECT_EQ(a.failure().message,
            "The call server is misconfigured: its answer has no MediaPlacement for the meeting (a later join must return "
            "the full meeting from GetMeeting).");
}

TEST(ChimeJoin, MissingExternalMeetingIdIsNamedAsTheBackendsFault) {
  auto a = ChimeProfile::parse_join(invite_entry(), 500, R"({"message":"Missing ExternalMeetingId"})", 1000);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.failure().code, "backend.fault");
  EXPECT_EQ(a.failure().message,
            "The call server is misconfigured: it could not create the meeting (\"Missing ExternalMeetingId\": its "
            "CreateMeeting call must pass an ExternalMeetingId).");
  // Any other 500 stays a retryable server problem.
  auto other = ChimeProfile::parse_join(invite_entry(), 500, R"({"message":"boom"})", 1000);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.failure().code, "backend.error");
}

TEST(ChimeJoin, AUsedInviteAndOtherRefusalsKeepTheirOwnSentences) {
  auto used = ChimeProfile::parse_join(invite_entry(), 409, R"({"code":"invite.used","message":"used"})", 1000);
  ASSERT_FALSE(used.ok());
  EXPECT_EQ(used.failure().code, "invite.used");
  auto gone = ChimeProfile::parse_join(invite_entry(), 404, R"({"code":"room.not_found"})", 1000);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.failure().code, "room.not_found");
  auto garbage = ChimeProfile::parse_join(invite_entry(), 200, "<html>", 1000);
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.failure().code, "backend.bad_response");
}

}  // namespace
}  // namespace earshot

namespace earshot {
namespace {

// A JWT the way IVS tokens look to the client: decoded for its expiry only (IVS verifies the signature).
std::string ivs_token(long long exp) {
  auto b64 = [](const std::string& s) {
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    int val = 0, bits = -6;
    for (unsigned char c : s) {
      val = (val << 8) + c;
      bits += 8;
      while (bits >= 0) { out += k[(val >> bits) & 0x3F]; bits -= 6; }
    }
    if (bits > -6) out += k[((val << 8) >> (bits + 8)) & 0x3F];
    return out;
  };
  return b64(R"({"alg":"ES384","typ":"JWT","kid":"k1"})") + "." +
         b64(R"({"jti":"p-1","exp":)" + std::to_string(exp) + R"(,"capabilities":{"allow_publish":true}})") + ".c2ln";
}

Entry name_entry() {
  Entry e;
  e.kind = EntryKind::Name;
  e.name = "Ivy";
  return e;
}

TEST(IvsJoin, AnExpiredTokenIsRefusedBeforeTheStageIsContacted) {
  const Instant now = 1'800'000'000'000;
  const auto answer = [](const std::string& token) {
    return R"({"roomId":"r1","stageArn":"arn:aws:ivs:us-east-1:1:stage/r1","stageConfig":{"token":")" + token +
           R"(","participantId":"p-1"}})";
  };
  auto expired = IvsProfile::parse_join(name_entry(), 200, answer(ivs_token(now / 1000 - 1)), now);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.failure().code, "token.expired");
  auto fresh = IvsProfile::parse_join(name_entry(), 200, answer(ivs_token(now / 1000 + 3600)), now);
  ASSERT_TRUE(fresh.ok()) << fresh.failure().message;
  EXPECT_EQ(fresh.value().expires_at, now + 3600 * 1000);
  EXPECT_EQ(fresh.value().vendor_join["token"], ivs_token(now / 1000 + 3600));
  auto hostile = IvsProfile::parse_join(name_entry(), 200, answer(ivs_token(99999999999999999LL)), now);
  ASSERT_FALSE(hostile.ok());
  EXPECT_EQ(hostile.failure().code, "backend.bad_response");
  auto gone = IvsProfile::parse_join(name_entry(), 404, R"({"code":"ROOM_NOT_FOUND","message":"no"})", now);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.failure().code, "room.not_found");
}

}  // namespace
}  // namespace earshot
