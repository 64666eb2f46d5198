// Seed 003's chat and seed 001's voice routes as the groupchat Client speaks them (the frames of
// standins/kvs/README.md), the size limits checked before sending, and garbage.
#include <gtest/gtest.h>

#include "earshot/groupchat.hpp"

namespace earshot::groupchat {
namespace {
using nlohmann::json;

json sent(Client& c) {
  auto f = c.poll_transmit();
  EXPECT_TRUE(f.has_value());
  return f ? json::parse(*f) : json();
}
template <typename T>
T event(Client& c) {
  auto e = c.poll_event();
  EXPECT_TRUE(e && std::holds_alternative<T>(*e)) << (e ? e->index() : 99);
  return e && std::holds_alternative<T>(*e) ? std::get<T>(*e) : T{};
}

TEST(GroupChat, TheSocketUrlCarriesTheUsernameEncoded) {
  EXPECT_EQ(Client::url("wss://chat.example/prod", "Ana Lu"), "wss://chat.example/prod?username=Ana%20Lu");
  EXPECT_EQ(Client::url("ws://h:1/?x=1", "bo&b"), "ws://h:1/?x=1&username=bo%26b");
}

TEST(GroupChat, ACreatorIsAdminAndApprovesARequest) {
  Client ana;
  ana.create_room("Book club");
  EXPECT_EQ(sent(ana), (json{{"action", "createRoom"}, {"roomName", "Book club"}}));
  ana.handle_frame(R"({"type":"roomCreated","roomId":"K7Q2XDAB","roomName":"Book club","admin":"ana","isAdmin":true})");
  const auto joined = event<ev::Joined>(ana);
  EXPECT_EQ(joined.room_id, "K7Q2XDAB");
  EXPECT_TRUE(joined.is_admin);
  EXPECT_EQ(ana.room(), "K7Q2XDAB");
  ana.handle_frame(R"({"type":"joinRequest","roomId":"K7Q2XDAB","username":"bob","pendingRequests":["bob"]})");
  EXPECT_EQ(event<ev::JoinRequest>(ana).username, "bob");
  ana.approve("bob");
  EXPECT_EQ(sent(ana), (json{{"action", "approveJoin"}, {"roomId", "K7Q2XDAB"}, {"username", "bob"}}));
  ana.handle_frame(R"({"type":"joinDecision","roomId":"K7Q2XDAB","username":"bob","decision":"approved","pendingRequests":[]})");
  EXPECT_EQ(event<ev::MemberJoined>(ana).username, "bob") << "the admin learns of the new member from its decision's answer";
  ana.handle_frame(R"({"type":"joinDecision","roomId":"K7Q2XDAB","username":"eve","decision":"rejected","pendingRequests":[]})");
  EXPECT_FALSE(ana.poll_event()) << "a rejection adds nobody";
  ana.handle_frame(R"({"type":"memberJoined","roomId":"K7Q2XDAB","username":"cleo"})");  // what the other members get
  EXPECT_EQ(event<ev::MemberJoined>(ana).username, "cleo");
}

TEST(GroupChat, AMemberWaitsThenIsApprovedOrRejected) {
  Client bob;
  bob.join_room("K7Q2XDAB");
  EXPECT_EQ(sent(bob), (json{{"action", "joinRoom"}, {"roomId", "K7Q2XDAB"}}));
  bob.handle_frame(R"({"type":"joinRequested","roomId":"K7Q2XDAB","roomName":"Book club","admin":"ana"})");
  EXPECT_EQ(event<ev::Pending>(bob).admin, "ana");
  bob.handle_frame(R"({"type":"joinApproved","roomId":"K7Q2XDAB","roomName":"Book club","admin":"ana","isAdmin":false,
    "members":[{"username":"ana","isAdmin":true,"online":true},{"username":"bob","isAdmin":false,"online":true}]})");
  const auto j = event<ev::Joined>(bob);
  EXPECT_FALSE(j.is_admin);
  ASSERT_EQ(j.members.size(), 2u);
  EXPECT_EQ(j.members[0], (Member{"ana", true, true}));
  Client cleo;
  cleo.join_room("K7Q2XDAB");
  (void)sent(cleo);
  cleo.handle_frame(R"({"type":"joinRejected","roomId":"K7Q2XDAB","roomName":"Book club","reason":"not today"})");
  EXPECT_EQ(event<ev::Rejected>(cleo).reason, "not today");
}

TEST(GroupChat, MessagesGoOutUnderTheFrameLimitAndComeBackAsText) {
  Client bob;
  EXPECT_EQ(bob.send_message("hi")->code, "chat.no_room");
  EXPECT_FALSE(bob.poll_transmit());
  bob.join_room("R1");
  (void)sent(bob);
  EXPECT_FALSE(bob.send_message("<b>hi</b> & bye"));
  EXPECT_EQ(sent(bob), (json{{"action", "sendMessage"}, {"roomId", "R1"}, {"message", "<b>hi</b> & bye"}}));
  EXPECT_FALSE(bob.send_message(std::string(32 * 1024 - 100, 'a'))) << "just under API Gateway's 32 KB frame";
  (void)sent(bob);
  const auto big = bob.send_message(std::string(33 * 1024, 'a'));
  ASSERT_TRUE(big);
  EXPECT_EQ(big->code, "chat.too_large");
  EXPECT_EQ(big->message, "This message is 33 KB; a chat message can be at most 31 KB. Shorten it and send it again.");
  EXPECT_FALSE(bob.poll_transmit()) << "nothing is sent that the server would close the socket for";
  bob.handle_frame(R"({"type":"message","roomId":"R1","timestamp":1796131460643,"messageId":"m1","username":"ana","message":"<script>x</script>"})");
  const auto m = event<ev::Message>(bob);
  EXPECT_EQ(m.text, "<script>x</script>") << "text stays text: the page renders it inert";
  EXPECT_EQ(m.at, 1796131460643);
}

TEST(GroupChat, VoiceRoutes) {
  Client ana;
  ana.handle_frame(R"({"type":"roomCreated","roomId":"R1","roomName":"r","admin":"ana","isAdmin":true})");
  (void)event<ev::Joined>(ana);
  ana.start_voice();
  EXPECT_EQ(sent(ana), (json{{"action", "createVoiceRoom"}, {"roomId", "R1"}}));
  ana.handle_frame(R"({"type":"voiceRoomCreated","roomId":"R1","voiceRoomId":"v1","channelName":"voice-v1",
    "channelARN":"arn:aws:kinesisvideo:us-west-2:1:channel/voice-v1/1","masterUserId":"ana"})");
  EXPECT_EQ(event<ev::VoiceStarted>(ana).master, "ana");
  EXPECT_EQ(ana.voice_master(), "ana");
  ana.voice_credentials();
  EXPECT_EQ(sent(ana), (json{{"action", "getVoiceCredentials"}, {"roomId", "R1"}, {"voiceRoomId", "v1"}}));
  ana.handle_frame(R"({"type":"voiceCredentials","roomId":"R1","voiceRoomId":"v1","channelName":"voice-v1",
    "channelARN":"arn:aws:kinesisvideo:us-west-2:1:channel/voice-v1/1","region":"us-west-2","role":"MASTER","clientId":null,
    "credentials":{"accessKeyId":"ASIA1","secretAccessKey":"s","sessionToken":"t","expiration":"2026-12-01T15:00:00Z"},
    "endpoints":{"WSS":"wss://10.77.0.1:4443","HTTPS":"https://10.77.0.1:4443"},"iceServers":[{"urls":["stun:10.77.0.1:3478"]}]})");
  const auto v = event<ev::VoiceCredentials>(ana);
  EXPECT_EQ(v.role, "MASTER");
  EXPECT_EQ(v.credentials.session_token, "t");
  EXPECT_EQ(v.wss_endpoint, "wss://10.77.0.1:4443");
  EXPECT_EQ(v.ice_servers.size(), 1u);
  // A viewer's credentials without its ClientId cannot connect: refused as garbage, not used.
  ana.handle_frame(R"({"type":"voiceCredentials","roomId":"R1","channelARN":"a","role":"VIEWER","credentials":{"accessKeyId":"A","secretAccessKey":"s"},"endpoints":{"WSS":"wss://h"}})");
  (void)event<ev::Garbage>(ana);
  ana.end_voice();
  EXPECT_EQ(sent(ana), (json{{"action", "endVoiceRoom"}, {"roomId", "R1"}, {"voiceRoomId", "v1"}}));
  ana.handle_frame(R"({"type":"voiceRoomEnded","roomId":"R1","voiceRoomId":"v1","endedBy":"ana"})");
  EXPECT_EQ(event<ev::VoiceEnded>(ana).ended_by, "ana");
  EXPECT_EQ(ana.voice_room(), "");
  EXPECT_EQ(ana.voice_master(), "") << "no voice chat, nobody who started it";
}

TEST(GroupChat, RefusalsAndGarbage) {
  Client bob;
  bob.handle_frame(R"({"type":"error","action":"getVoiceCredentials","code":"room.not_member","message":"bob is not an approved member of room R1: only approved members get voice credentials."})");
  const auto r = event<ev::Refused>(bob);
  EXPECT_EQ(r.code, "room.not_member");
  EXPECT_EQ(r.action, "getVoiceCredentials");
  for (const char* bad : {"", "nope", "[]", R"({"type":"roomCreated"})", R"({"type":"message","roomId":"R1"})", R"({"type":"teleport"})"}) {
    bob.handle_frame(bad);
    auto e = bob.poll_event();
    EXPECT_TRUE(e && std::holds_alternative<ev::Garbage>(*e)) << bad;
  }
}

}  // namespace
}  // namespace earshot::groupchat
