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
      in::LocalDescriptionReady{9, 2, "offer", "v=0"}, in::RemoteDescriptionApplied{9, 2}, in::NegotiationFailed{9, 2, "setRemote", "bad"},
      in::LocalCandidate{9, json{{"candidate", "c"}, {"sdpMid", "0"}}}, in::LocalCandidate{9, nullptr},
      in::IceCandidateError{9, 401, "turn:x", "Unauthorized"}, in::IceGatheringComplete{9, 3}, in::PeerStateChanged{9, "connected"},
      in::RemoteAudioStarted{9}, in::AudioLevels{0.25, {{9, 0.5}, {10, 0}}}, in::AudioLevels{0.25, {}},
      in::NameEntered{"Ivy"},
      in::TokenGiven{"r1", "T", "u1", "Ana", "wss://h/ws", json::array({{{"urls", "stun:h"}}}), 3600000},
      in::VendorStarted{}, in::VendorStopped{"MeetingEnded", "ended"},
      in::VendorRoster{{{"a1", "Ana", true, false}, {"a2", "", false, true}}}, in::VendorRoster{{}, 4}, in::VendorVolumes{{{"a1", 0.5}}},
      in::LinkStats{9, {12.5, 3.25, 500, 7, 480, 40000, 38000, 0.125, "host udp \u2192 relay udp"}},
      in::LinkStats{2, {12.5, 3.25, 500, 7, 480, 40000, 38000, 0.125, ""}, "p-1", true}};
  for (const auto& input : inputs) {
    const std::string text = wire::to_json(input).dump();
    auto back = wire::input_from_json(text);
    ASSERT_TRUE(back.ok()) << text << ": " << back.failure().message;
    EXPECT_EQ(*back, input) << text;
  }
}

TEST(Wire, LocalDescriptionAcceptsAnRtcSessionDescription) {
  auto in = wire::input_from_json(R"({"type":"local-description-ready","peer":1,"generation":3,"description":{"type":"answer","sdp":"v=0"}})");
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(*in, Input(in::LocalDescriptionReady{1, 3, "answer", "v=0"}));
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
  check(R"({"type":"local-candidate","peer":1,"candidate":5})", "Input field 'candidate' is missing or has the wrong type.");
  check(R"({"type":"peer-state-changed","state":"connected"})", "Input field 'peer' is missing or has the wrong type.");
  check(R"({"type":"audio-levels","local":0,"remote":[{"peer":1}]})", "Input field 'remote.level' is missing or has the wrong type.");
  check(R"({"type":"vendor-roster","attendees":[{"name":"x"}]})", "Input field 'attendees.id' is missing or has the wrong type.");
  check(R"({"type":"vendor-volumes","volumes":7})", "Input field 'volumes' is missing or has the wrong type.");
  check(R"({"type":"name-entered"})", "Input field 'name' is missing or has the wrong type.");
  check(R"({"type":"devices-changed","inputs":[{"label":"x"}],"outputs":[]})", "Input field 'inputs' is missing or has the wrong type.");
  check(R"({"type":5})", "Input field 'type' is missing or has the wrong type.");
}

TEST(Wire, EffectsCarryTheFieldsTheDriverNeeds) {
  EXPECT_EQ(wire::to_json(Effect(fx::ApplyRemoteDescription{4, 2, "offer", "v=0"})),
            json::parse(R"({"type":"apply-remote-description","peer":4,"generation":2,"sdpType":"offer","sdp":"v=0",
                            "description":{"type":"offer","sdp":"v=0"}})"));
  EXPECT_EQ(wire::to_json(Effect(fx::HttpRequest{7, {"POST", "http://a/b", {{"Content-Type", "application/json"}}, "{}"}, 10000})),
            json::parse(R"({"type":"http-request","id":7,"method":"POST","url":"http://a/b",
                            "headers":{"Content-Type":"application/json"},"body":"{}","timeout":10000})"));
  EXPECT_EQ(wire::to_json(Effect(fx::StateChanged{CallState::Connecting, CallState::Connected})),
            json::parse(R"({"type":"state-changed","from":"connecting","to":"connected"})"));
  EXPECT_EQ(wire::to_json(Effect(fx::SetRelay{3, {1, 2}})), json::parse(R"({"type":"set-relay","peer":3,"sources":[1,2]})"));
  EXPECT_EQ(wire::to_json(Effect(fx::CreatePeer{3, "u1", json::object()})),
            json::parse(R"({"type":"create-peer","peer":3,"participant":"u1","configuration":{}})"));
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
  for (const char* k : {"self", "participants", "peers", "room", "entry", "needsName", "media", "topology", "selfSpeaking",
                        "muted", "speakingWhileMuted", "micDeviceId", "inputs", "outputs", "reconnectAttempt", "admitted",
                        "joinReady", "failureRetryable", "notice", "localLevel", "endedReason", "warnings", "chat", "joinRequests"})
    EXPECT_TRUE(j.contains(k)) << k;
  for (const char* gone : {"peer", "peerSpeaking", "remoteLevel", "mediaState"}) EXPECT_FALSE(j.contains(gone)) << gone;
  Member m;
  m.who = {"u1", "Ana", Role::Host};
  m.connection = "connected";
  s.participants.push_back(m);
  EXPECT_EQ(wire::to_json(s)["participants"][0],
            json::parse(R"({"id":"u1","name":"Ana","role":"host","joinedAt":0,"muted":false,"speaking":false,"level":0.0,"connection":"connected","quality":"unknown"})"));
}

TEST(Wire, RuntimeConfigIsCheckedAndNamesWhatIsWrong) {
  auto ok = wire::config_from_json(R"({"profile":"selfhosted","roomSize":3,"embedOrigins":["https://app.example.com"],"extra":1})");
  ASSERT_TRUE(ok.ok()) << ok.failure().message;
  EXPECT_EQ(ok->call.profile.room_size, 3);
  EXPECT_EQ(ok->embed_origins, std::vector<std::string>{"https://app.example.com"});
  auto fails = [](const char* text, const char* message) {
    auto r = wire::config_from_json(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.failure().code, "config.malformed");
    EXPECT_EQ(r.failure().message, message) << text;
  };
  fails("[]", "The page configuration is not valid: it is not a JSON object.");
  fails(R"({"embedOrigins":"*"})", "The page configuration is not valid: \"embedOrigins\" must be an array of https:// origins.");
  fails(R"({"embedOrigins":["*"]})", "The page configuration is not valid: \"embedOrigins\" holds '*', which is not an exact https:// origin (\"*\" and \"null\" are refused).");
  fails(R"({"embedOrigins":["null"]})", "The page configuration is not valid: \"embedOrigins\" holds 'null', which is not an exact https:// origin (\"*\" and \"null\" are refused).");
  // plain http only for this machine, and the host exactly so: not a lookalike that starts the same
  fails(R"({"embedOrigins":["http://127.0.0.1.evil.example"]})",
        "The page configuration is not valid: \"embedOrigins\" holds 'http://127.0.0.1.evil.example', which is not an exact https:// origin (\"*\" and \"null\" are refused).");
  fails(R"({"embedOrigins":["http://localhost:80x"]})",
        "The page configuration is not valid: \"embedOrigins\" holds 'http://localhost:80x', which is not an exact https:// origin (\"*\" and \"null\" are refused).");
  EXPECT_TRUE(wire::config_from_json(R"({"embedOrigins":["http://127.0.0.1:8080","http://localhost"]})"));
  fails(R"({"roomSize":40})", "The page configuration is not valid: \"roomSize\" must be 2 to 11.");
  fails(R"({"profile":7})", "The page configuration is not valid: \"profile\" has the wrong type.");
  fails(R"({"topology":"pair","roomSize":3})", "The page configuration is not valid: \"topology\" pair holds two people, but \"roomSize\" is larger.");
}
