// The JSON forms that cross the embind boundary: every input round-trips; bad input names its field.
#include <gtest/gtest.h>

#include "earshot/wire.hpp"

using namespace earshot;
using nlohmann::json;

TEST(Wire, EveryInputRoundTrips) {
  const std::vector<Input> inputs = {
      in::PageOpened{"https://x/room.html?room=a&t=b"}, in::MicGranted{"d1", "Mic"}, in::MicFailed{MicError::Denied, "NotAllowedError"},
      in::DevicesChanged{{{"a", "A"}}, {{"b", "B"}}}, in::InputDeviceChosen{"d2"}, in::JoinClicked{}, in::LeaveClicked{}, in::PageClosing{},
      in::MuteSet{true}, in::RetryClicked{}, in::HttpResponded{3, 409, "{}"}, in::HttpFailed{4, "TypeError"},
      in::LinkOpened{5}, in::LinkMessage{5, "2"}, in::LinkClosed{5, 1006, "gone"},
      in::LocalDescriptionReady{2, "offer", "v=0"}, in::RemoteDescriptionApplied{2}, in::NegotiationFailed{2, "setRemote", "bad"},
      in::LocalCandidate{json{{"candidate", "c"}, {"sdpMid", "0"}}}, in::LocalCandidate{nullptr},
      in::IceCandidateError{401, "turn:x", "Unauthorized"}, in::IceGatheringComplete{3}, in::PeerStateChanged{"connected"},
      in::RemoteAudioStarted{}, in::AudioLevels{0.25, 0.5}};
  for (const auto& input : inputs) {
    const std::string text = wire::to_json(input).dump();
    auto back = wire::input_from_json(text);
    ASSERT_TRUE(back.ok()) << text << ": " << back.failure().message;
    EXPECT_EQ(*back, input) << text;
  }
}

TEST(Wire, LocalDescriptionAcceptsAnRtcSessionDescription) {
  auto in = wire::input_from_json(R"({"type":"local-description-ready","generation":3,"description":{"type":"answer","sdp":"v=0"}})");
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(*in, Input(in::LocalDescriptionReady{3, "answer", "v=0"}));
}

TEST(Wire, BadInputNamesTheFieldAndNeverThrows) {
  auto check = [](const char* text, const char* message) {
    auto r = wire::input_from_json(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.failure().code, "input.malformed");
    EXPECT_EQ(r.failure().message, message) << text;
  };
  check("", "Input is not a JSON object.");
  check("[1]", "Input is not a JSON object.");
  check(R"({"type":"nope"})", "Unknown input type 'nope'.");
  check(R"({"type":"mute-set","muted":"yes"})", "Input field 'muted' is missing or has the wrong type.");
  check(R"({"type":"http-responded","request":-1,"status":200,"body":""})", "Input field 'request' is missing or has the wrong type.");
  check(R"({"type":"link-message","link":1})", "Input field 'text' is missing or has the wrong type.");
  check(R"({"type":"local-candidate","candidate":5})", "Input field 'candidate' is missing or has the wrong type.");
  check(R"({"type":"devices-changed","inputs":[{"label":"x"}],"outputs":[]})", "Input field 'inputs' is missing or has the wrong type.");
  check(R"({"type":5})", "Input field 'type' is missing or has the wrong type.");
}

TEST(Wire, EffectsCarryTheFieldsTheDriverNeeds) {
  EXPECT_EQ(wire::to_json(Effect(fx::ApplyRemoteDescription{2, "offer", "v=0"})),
            json::parse(R"({"type":"apply-remote-description","generation":2,"sdpType":"offer","sdp":"v=0",
                            "description":{"type":"offer","sdp":"v=0"}})"));
  EXPECT_EQ(wire::to_json(Effect(fx::HttpRequest{7, {"POST", "http://a/b", {{"Content-Type", "application/json"}}, "{}"}, 10000})),
            json::parse(R"({"type":"http-request","id":7,"method":"POST","url":"http://a/b",
                            "headers":{"Content-Type":"application/json"},"body":"{}","timeout":10000})"));
  EXPECT_EQ(wire::to_json(Effect(fx::StateChanged{CallState::Connecting, CallState::Connected})),
            json::parse(R"({"type":"state-changed","from":"connecting","to":"connected"})"));
  EXPECT_EQ(wire::to_json(Effect(fx::ShowFailure{{"room.full", "Full."}, false})),
            json::parse(R"({"type":"show-failure","code":"room.full","message":"Full.","retryable":false})"));
}

TEST(Wire, SnapshotUsesTheDocumentedNames) {
  Snapshot s;
  s.state = CallState::WaitingForPeer;
  s.failure = Failure{"a.b", "C."};
  json j = wire::to_json(s);
  EXPECT_EQ(j["state"], "waiting-for-peer");
  EXPECT_EQ(j["failure"]["code"], "a.b");
  EXPECT_EQ(j["mic"], "pending");
  EXPECT_EQ(j["link"], "down");
  EXPECT_TRUE(j["invite"].is_null());
  for (const char* k : {"self", "peer", "peerSpeaking", "selfSpeaking", "muted", "speakingWhileMuted", "micDeviceId",
                        "inputs", "outputs", "reconnectAttempt", "mediaState", "admitted", "joinReady",
                        "failureRetryable", "notice", "localLevel", "remoteLevel"})
    EXPECT_TRUE(j.contains(k)) << k;
}
