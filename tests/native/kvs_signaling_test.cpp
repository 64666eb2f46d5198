// The KVS signaling channel's frames, as the service and amazon-kinesis-video-streams-webrtc 2.9.0
// exchange them (base64 of the JSON of an RTCSessionDescription / RTCIceCandidate), and what garbage does.
#include <gtest/gtest.h>

#include "earshot/crypto.hpp"
#include "earshot/kvs.hpp"

namespace earshot::kvs {
namespace {
using nlohmann::json;

json sent(SignalingChannel& c) {
  auto f = c.poll_transmit();
  EXPECT_TRUE(f.has_value());
  return f ? json::parse(*f) : json();
}
json payload(const json& frame) { return json::parse(*crypto::base64_decode(frame["messagePayload"].get<std::string>())); }
std::string incoming(std::string_view type, const json& body, std::string_view sender = "") {
  json f{{"messageType", type}, {"messagePayload", crypto::base64_encode(body.dump())}};
  if (!sender.empty()) f["senderClientId"] = sender;
  return f.dump();
}

TEST(KvsSignaling, AViewersOfferGoesToTheMasterWithoutARecipient) {
  SignalingChannel viewer(Role::Viewer, "bob-1");
  viewer.handle_open(0);
  viewer.send_description("anyone", "offer", "v=0\r\n");
  const json f = sent(viewer);
  EXPECT_EQ(f["action"], "SDP_OFFER");
  EXPECT_FALSE(f.contains("recipientClientId")) << "the SDK throws when a viewer names a recipient";
  EXPECT_EQ(payload(f), (json{{"type", "offer"}, {"sdp", "v=0\r\n"}}));
  viewer.send_candidate("", json{{"candidate", "candidate:1 1 udp 1 10.0.0.1 5000 typ host"}, {"sdpMid", "0"}, {"sdpMLineIndex", 0}});
  const json c = sent(viewer);
  EXPECT_EQ(c["action"], "ICE_CANDIDATE");
  EXPECT_EQ(payload(c)["sdpMid"], "0");
  viewer.send_candidate("", nullptr);
  EXPECT_FALSE(viewer.poll_transmit()) << "KVS has no end-of-candidates message";
}

TEST(KvsSignaling, AMastersAnswerNamesTheViewerAndIsNotSentWithoutOne) {
  SignalingChannel master(Role::Master, "");
  master.handle_open(0);
  master.send_description("bob-1", "answer", "v=0\r\n");
  const json f = sent(master);
  EXPECT_EQ(f["action"], "SDP_ANSWER");
  EXPECT_EQ(f["recipientClientId"], "bob-1");
  master.send_description("", "answer", "v=0\r\n");
  EXPECT_FALSE(master.poll_transmit());
  auto e = master.poll_event();
  ASSERT_TRUE(e && std::holds_alternative<signal::Warning>(*e));
  master.send_description("bob-1", "offer", std::string(9000, 'a'));
  EXPECT_FALSE(master.poll_transmit()) << "a payload over 10 KB would be refused by the service";
}

TEST(KvsSignaling, MessagesArriveAsDescriptionsAndCandidatesFromTheirSender) {
  SignalingChannel master(Role::Master, "", Participant{"master", "Ana", earshot::Role::Host});
  master.handle_open(0);
  master.handle_frame(incoming("SDP_OFFER", {{"type", "offer"}, {"sdp", "v=0 offer"}}, "bob-1a2b3c"), 0);
  master.handle_frame(incoming("ICE_CANDIDATE", {{"candidate", "candidate:2"}, {"sdpMid", "0"}}, "bob-1a2b3c"), 0);
  EXPECT_FALSE(master.poll_event()) << "held until the call has entered the room";
  master.enter_room();
  auto w = master.poll_event();
  ASSERT_TRUE(w && std::holds_alternative<signal::Welcome>(*w));
  EXPECT_EQ(std::get<signal::Welcome>(*w).self, (Participant{"master", "Ana", earshot::Role::Host}));
  EXPECT_TRUE(std::get<signal::Welcome>(*w).others.empty()) << "no viewer heard from yet";
  // KVS has no presence: the first message of a viewer makes it known (named without the ClientId's tail).
  auto j = master.poll_event();
  ASSERT_TRUE(j && std::holds_alternative<signal::PeerJoined>(*j));
  EXPECT_EQ(std::get<signal::PeerJoined>(*j).peer, (Participant{"bob-1a2b3c", "bob", earshot::Role::Guest}));
  auto d = master.poll_event();
  ASSERT_TRUE(d && std::holds_alternative<signal::Description>(*d));
  EXPECT_EQ(std::get<signal::Description>(*d), (signal::Description{"bob-1a2b3c", "", "offer", "v=0 offer"}));
  auto c = master.poll_event();
  ASSERT_TRUE(c && std::holds_alternative<signal::Candidate>(*c));
  EXPECT_EQ(std::get<signal::Candidate>(*c).from, "bob-1a2b3c");
  EXPECT_FALSE(master.poll_event()) << "one PeerJoined per viewer";

  // A viewer's room: itself and the master (the hub), entered once the link is open.
  SignalingChannel viewer(Role::Viewer, "bob-1", Participant{"bob-1", "Bob", earshot::Role::Guest}, "Ana");
  viewer.enter_room();
  EXPECT_FALSE(viewer.poll_event()) << "not before the link is open";
  viewer.handle_open(0);
  auto vw = viewer.poll_event();
  ASSERT_TRUE(vw && std::holds_alternative<signal::Welcome>(*vw));
  EXPECT_EQ(std::get<signal::Welcome>(*vw).others, (std::vector<Participant>{{"master", "Ana", earshot::Role::Host}}));
  viewer.handle_frame(incoming("SDP_ANSWER", {{"type", "answer"}, {"sdp", "v=0 answer"}}), 0);
  auto a = viewer.poll_event();
  ASSERT_TRUE(a && std::holds_alternative<signal::Description>(*a));
  EXPECT_EQ(std::get<signal::Description>(*a).from, kMasterId);
  EXPECT_EQ(std::get<signal::Description>(*a).type, "answer");
}

TEST(KvsSignaling, GoAwayStatusResponsesGarbageAndTheClose) {
  SignalingChannel viewer(Role::Viewer, "bob-1");
  viewer.handle_open(0);
  viewer.handle_frame(R"({"messageType":"GO_AWAY","messagePayload":""})", 0);
  auto g = viewer.poll_event();
  EXPECT_TRUE(g && std::holds_alternative<signal::GoAway>(*g));
  viewer.handle_frame(R"({"senderClientId":"","messageType":"STATUS_RESPONSE","messagePayload":"","statusResponse":{"correlationId":"1","errorType":"InvalidArgumentException","statusCode":"400","description":"no such recipient"}})", 0);
  auto s = viewer.poll_event();
  ASSERT_TRUE(s && std::holds_alternative<signal::Warning>(*s));
  EXPECT_EQ(std::get<signal::Warning>(*s).what, "kvs: the service refused a message (400 InvalidArgumentException): no such recipient");
  for (const char* bad : {"not json", "[1]", R"({"messageType":"SDP_OFFER","messagePayload":"%%%"})",
                          R"({"messageType":"SDP_OFFER","messagePayload":"bnVsbA=="})", R"({"messageType":"WHAT"})"}) {
    viewer.handle_frame(bad, 0);
    auto w = viewer.poll_event();
    EXPECT_TRUE(w && std::holds_alternative<signal::Warning>(*w)) << bad;
  }
  viewer.handle_frame(incoming("SDP_ANSWER", {{"type", "offer"}, {"sdp", "x"}}), 0);
  auto mislabeled = viewer.poll_event();
  EXPECT_TRUE(mislabeled && std::holds_alternative<signal::Warning>(*mislabeled));
  viewer.handle_close(0);
  auto lost = viewer.poll_event();
  EXPECT_TRUE(lost && std::holds_alternative<signal::Lost>(*lost));
  viewer.handle_close(0);
  EXPECT_FALSE(viewer.poll_event()) << "one Lost per connection";
}

}  // namespace
}  // namespace earshot::kvs
