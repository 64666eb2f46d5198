// The selfhosted profile (seed 004): admission parsing and the Socket.IO dialect mapping.
#include <gtest/gtest.h>

#include "earshot/selfhosted.hpp"

using namespace earshot;
using nlohmann::json;

namespace {
Invite invite() { return Invite{"r1", "tok", Role::Guest, "Gus", "", 1800003600000, 1800000000000}; }
Entry entry() {
  Entry e;
  e.invite = invite();
  e.room = "r1";
  e.name = "Gus";
  return e;
}
constexpr Instant kNow = 1800000000000;
}  // namespace

TEST(SelfhostedProfile, AdmissionRequestRedeemsTheInvite) {
  SelfhostedProfile p("http://h:1", Topology::Pair);
  auto flow = p.admission(entry());
  auto r = flow->poll_request();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->url, "http://h:1/api/v1/invites/redeem");
  EXPECT_EQ(r->body, R"({"invite":"tok"})");
  EXPECT_FALSE(flow->poll_request().has_value()) << "one request";
  EXPECT_FALSE(flow->outcome().has_value()) << "not done before the answer";
  flow->handle_response(409, R"({"code":"invite.used"})", kNow);
  ASSERT_TRUE(flow->outcome().has_value());
  EXPECT_EQ(flow->outcome()->failure().code, "invite.used");
}

TEST(SelfhostedProfile, ParsesASuccessfulRedemption) {
  SelfhostedProfile p("", Topology::Pair);
  auto a = p.parse_admission(entry(), 200, R"({"roomId":"r1","token":"T","signalingUrl":"ws://h/ws","ttl":600,
      "iceServers":[{"urls":["turn:h:3478"],"username":"u","credential":"c"}],"user":{"userId":"u9","name":"Gus","role":"guest"}})", kNow);
  ASSERT_TRUE(a.ok()) << a.failure().message;
  EXPECT_EQ(a->token, "T");
  EXPECT_EQ(a->expires_at, kNow + 600000);
  EXPECT_EQ(a->self, (Participant{"u9", "Gus", Role::Guest}));
  EXPECT_EQ(*p.signaling_url(*a), "ws://h/ws/?EIO=4&transport=websocket");
}

TEST(SelfhostedProfile, RefusesAnswersItDoesNotUnderstand) {
  SelfhostedProfile p("", Topology::Pair);
  for (const char* body : {"", "[]", "{}", R"({"roomId":"r1"})",
                           R"({"roomId":"other","token":"T","signalingUrl":"ws://h/ws","ttl":600,"iceServers":[]})",
                           R"({"roomId":"r1","token":"T","signalingUrl":"ws://h/ws","ttl":-1,"iceServers":[]})",
                           R"({"roomId":"r1","token":"T","signalingUrl":"ws://h/ws","ttl":600,"iceServers":[5]})",
                           R"({"roomId":"r1","token":"T","signalingUrl":"ws://h/ws","ttl":600,"iceServers":[],"user":7})"}) {
    auto a = p.parse_admission(entry(), 200, body, kNow);
    ASSERT_FALSE(a.ok()) << body;
    EXPECT_EQ(a.failure().code, "backend.bad_response") << body;
  }
}

TEST(SelfhostedProfile, EveryServerErrorCodeHasItsOwnSentence) {
  SelfhostedProfile p("", Topology::Pair);
  const std::vector<std::tuple<int, std::string, std::string>> cases = {
      {409, R"({"code":"invite.used","message":"x"})", "This invite link has already been used. Each link works once: ask the host for a new one."},
      {410, R"({"code":"invite.expired","message":"x"})", "This invite expired at 09:00 (UTC). Ask the host for a new link."},
      {401, R"({"code":"invite.invalid","message":"x"})", "The call server did not accept this invite link (it was changed or damaged). Ask the host for a new link."},
      {404, R"({"code":"room.not_found","message":"x"})", "This room does not exist any more (it may have ended or expired). Ask the host for a new link."},
      {410, R"({"code":"room.expired","message":"x"})", "This room has closed. Ask the host to create a new one."},
      {429, R"({"code":"whatever"})", "Too many attempts in a short time. Wait a minute, then try again."},
      {502, "<html>", "The call server had a problem (HTTP 502). Try again in a moment."},
      {418, "", "The call server answered HTTP 418, which Earshot did not expect."},
      {400, R"({"code":"request.invalid","message":"invite must be a string"})", "The call server refused: invite must be a string"},
  };
  for (const auto& [status, body, sentence] : cases) {
    auto a = p.parse_admission(entry(), status, body, kNow);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.failure().message, sentence) << status << " " << body;
  }
}

TEST(SelfhostedChannel, MapsSeed004EventsToSignalingEvents) {
  SelfhostedProfile p("", Topology::Pair);
  Admission a;
  a.room_id = "r1";
  a.token = "T";
  a.self = {"u2", "Gus", Role::Guest};
  auto ch = p.open_channel(a);
  ch->handle_open(kNow);
  ch->handle_frame(R"(0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})", kNow);
  ch->enter_room();
  EXPECT_EQ(ch->poll_transmit(), R"(40{"roomId":"r1","token":"T"})");
  ch->handle_frame(R"(40{"sid":"x"})", kNow);
  ch->handle_frame(R"(42["user-joined",{"userId":"u1","name":"Hana","role":"host"}])", kNow);
  ch->handle_frame(R"(42["user-left",{"userId":"u1","reason":"disconnected"}])", kNow);
  ch->handle_frame(R"(42["webrtc-answer",{"from":"u1","sdp":{"type":"answer","sdp":"v=0"}}])", kNow);
  ch->handle_frame(R"(42["ice-candidate",{"from":"u1","candidate":null}])", kNow);
  ch->handle_frame(R"(42["mystery",{}])", kNow);
  ch->handle_frame(R"(44{"message":"room.full","data":{"code":"room.full","message":"Room is full"}})", kNow);
  std::vector<signal::Event> events;
  while (auto e = ch->poll_event()) events.push_back(*e);
  ASSERT_EQ(events.size(), 7u);
  EXPECT_EQ(events[0], signal::Event(signal::Welcome{a.self, {}, 0}));  // user-joined before room-state: we were first
  EXPECT_EQ(events[1], signal::Event(signal::PeerJoined{{"u1", "Hana", Role::Host}}));
  EXPECT_EQ(events[2], signal::Event(signal::PeerLeft{"u1", false}));
  EXPECT_EQ(events[3], signal::Event(signal::Description{"u1", "", "answer", "v=0"}));
  EXPECT_EQ(events[4], signal::Event(signal::Candidate{"u1", "", nullptr}));
  EXPECT_EQ(events[5], signal::Event(signal::Warning{"mystery: unknown event"}));
  auto* refused = std::get_if<signal::Refused>(&events[6]);
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->failure.code, "room.full");
}

TEST(SelfhostedChannel, WithoutRoomStateAssumesAloneAfterAGracePeriod) {
  SelfhostedProfile p("", Topology::Pair);
  Admission a;
  a.self = {"u2", "Gus", Role::Guest};
  auto ch = p.open_channel(a);
  ch->handle_open(kNow);
  ch->handle_frame(R"(0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})", kNow);
  ch->enter_room();
  ch->handle_frame(R"(40{"sid":"x"})", kNow);
  EXPECT_FALSE(ch->poll_event().has_value());
  EXPECT_EQ(ch->poll_timeout(), kNow + 1500);
  ch->handle_timeout(kNow + 1500);
  auto e = ch->poll_event();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(*e, signal::Event(signal::Welcome{a.self, {}, 0}));
}

TEST(Profiles, UnknownAndUnbuiltProfilesSaySo) {
  EXPECT_EQ(make_profile({"selfhosted", "http://x/"}).value()->name(), "selfhosted");
  EXPECT_EQ(make_profile({"nope", ""}).failure().code, "profile.unknown");
  EXPECT_EQ(make_profile({"kvs", ""}).value()->topology(), Topology::Star);
  EXPECT_EQ(make_profile({"selfhosted", ""}).value()->topology(), Topology::Pair);
  EXPECT_EQ(make_profile({"selfhosted", "", 4}).value()->topology(), Topology::Mesh);
  EXPECT_EQ(make_profile({"selfhosted", "", 10, "star"}).value()->topology(), Topology::Star);
  EXPECT_EQ(make_profile({"chime", ""}).value()->media_plane(), MediaPlane::Vendor);
  EXPECT_EQ(make_profile({"ivs", ""}).value()->page_entry(), EntryKind::Name);
}

TEST(SelfhostedChannel, AMeshAddressesEverySignalAndReadsItsRecipient) {
  Admission a;
  a.room_id = "r1";
  a.token = "T";
  a.self = {"u2", "Gus", Role::Guest};
  for (Topology t : {Topology::Pair, Topology::Mesh}) {
    SelfhostedProfile p("", t);
    auto ch = p.open_channel(a);
    ch->handle_open(kNow);
    ch->handle_frame(R"(0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})", kNow);
    ch->enter_room();
    ch->poll_transmit();
    ch->handle_frame(R"(40{"sid":"x"})", kNow);
    ch->send_description("u7", "offer", "v=0");
    ch->send_candidate("u7", nullptr);
    if (t == Topology::Pair) {  // seed 004 exactly: the server relays to the one other person
      EXPECT_EQ(ch->poll_transmit(), R"(42["webrtc-offer",{"sdp":{"sdp":"v=0","type":"offer"}}])");
      EXPECT_EQ(ch->poll_transmit(), R"(42["ice-candidate",{"candidate":null}])");
    } else {
      EXPECT_EQ(ch->poll_transmit(), R"(42["webrtc-offer",{"sdp":{"sdp":"v=0","type":"offer"},"to":"u7"}])");
      EXPECT_EQ(ch->poll_transmit(), R"(42["ice-candidate",{"candidate":null,"to":"u7"}])");
    }
    ch->handle_frame(R"(42["webrtc-answer",{"from":"u7","to":"u2","sdp":{"type":"answer","sdp":"v=1"}}])", kNow);
    ch->handle_frame(R"(42["room-state",{"self":{"userId":"u2","name":"Gus","role":"guest"},"participants":[],"capacity":4}])", kNow);
    ch->handle_frame(R"(42["room-closed",{"roomId":"r1","reason":"closed"}])", kNow);
    ch->handle_close(kNow);
    std::vector<signal::Event> events;
    while (auto e = ch->poll_event()) events.push_back(*e);
    ASSERT_EQ(events.size(), 3u) << "a closed room is the end, not a lost link";
    EXPECT_EQ(events[0], signal::Event(signal::Description{"u7", "u2", "answer", "v=1"}));
    EXPECT_EQ(std::get<signal::Welcome>(events[1]).capacity, 4);
    EXPECT_EQ(events[2], signal::Event(signal::RoomClosed{"closed"}));
  }
}
