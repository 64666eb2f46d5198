// Call-level specifications: given these inputs, expect exactly these effects.
#include <gtest/gtest.h>

#include "earshot/call.hpp"
#include "earshot/crypto.hpp"
#include "earshot/wire.hpp"

using namespace earshot;
using nlohmann::json;

namespace {
constexpr Instant kNow = 1800000000000;  // 2027-01-15T08:00:00Z

std::string invite_token(json claims) {
  json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  std::string input = crypto::base64url_encode(header.dump()) + "." + crypto::base64url_encode(claims.dump());
  return input + "." + crypto::base64url_encode(crypto::as_bytes(crypto::hmac_sha256("k", input)));
}
std::string link(const std::string& role = "guest", Instant exp = kNow + 3600000) {
  return "https://x.test/room.html?room=r1&t=" +
         invite_token({{"iss", "earshot"}, {"typ", "invite"}, {"room", "r1"}, {"role", role}, {"name", "Gus"},
                       {"jti", "j1"}, {"iat", kNow / 1000}, {"exp", exp / 1000}});
}
std::vector<Effect> drain(Call& c) {
  std::vector<Effect> out;
  while (auto e = c.poll_effect()) out.push_back(*e);
  return out;
}
CallConfig config() {
  CallConfig c;
  c.profile.api_base = "http://127.0.0.1:8080";
  return c;
}
const char* kAdmission = R"({"roomId":"r1","token":"rt","signalingUrl":"ws://127.0.0.1:8080/ws","ttl":3600,
  "expiresAt":"x","iceServers":[{"urls":"turn:127.0.0.1:3478","username":"1:u","credential":"c"}],
  "user":{"userId":"u2","name":"Gus","role":"guest"}})";
const char* kLookup = R"({"roomId":"r1","title":"Standup","state":"unused","inCall":false,
  "inRoom":[{"userId":"u1","name":"Hana","role":"host"}],"seat":{"seatId":"s2","role":"guest","name":"Gus"}})";
constexpr const char* kOpenPacket = R"(0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})";

// Steps every in-room test starts with: link opened, mic granted, the invite looked at (not spent).
void ready_in_prejoin(Call& call) {
  call.handle(in::PageOpened{link(), "", "dev-1"}, kNow);
  call.handle(in::MicGranted{"default", "Mic"}, kNow);
  call.handle(in::HttpResponded{1, 200, kLookup}, kNow);
}
// ... then Join: the invite redeemed, the link opened, admitted by the server, the host already there.
void in_room_with_host(Call& call) {
  ready_in_prejoin(call);
  call.handle(in::JoinClicked{}, kNow);
  call.handle(in::HttpResponded{2, 200, kAdmission}, kNow);
  call.handle(in::LinkOpened{1}, kNow);
  call.handle(in::LinkMessage{1, kOpenPacket}, kNow);
  call.handle(in::LinkMessage{1, R"(40{"sid":"x"})"}, kNow);
  call.handle(in::LinkMessage{1, R"(42["room-state",{"self":{"userId":"u2","name":"Gus","role":"guest"},"participants":[{"userId":"u1","name":"Hana","role":"host"}]}])"}, kNow);
}
}  // namespace

TEST(CallMachine, GuestWithExpiredInviteSeesExpiryTimeBeforeAnyRequest) {
  Call call(config(), kNow, 1);
  call.handle(in::PageOpened{link("guest", kNow - 60000)}, kNow);
  auto effects = drain(call);
  ASSERT_EQ(effects.size(), 2u);
  EXPECT_EQ(effects[0], Effect(fx::StateChanged{CallState::Idle, CallState::Failed}));
  EXPECT_EQ(effects[1], Effect(fx::ShowFailure{{"invite.expired", "This invite expired at 07:59 (UTC). Ask the host for a new link."}, false}));
  EXPECT_FALSE(call.poll_timeout().has_value());
}

TEST(CallMachine, AnExpiredInviteSaysItsTimeInThePagesTimeZone) {
  CallConfig c = config();
  c.profile.utc_offset_min = 120;  // the page said: UTC+2
  Call call(c, kNow, 1);
  call.handle(in::PageOpened{link("guest", kNow - 60000)}, kNow);
  ASSERT_TRUE(call.snapshot().failure);
  EXPECT_EQ(call.snapshot().failure->message, "This invite expired at 09:59. Ask the host for a new link.");
}

TEST(CallMachine, ValidInviteAsksForTheMicAndLooksAtTheInviteWithoutSpendingIt) {
  Call call(config(), kNow, 1);
  call.handle(in::PageOpened{link(), "", "dev-1"}, kNow);
  auto effects = drain(call);
  ASSERT_EQ(effects.size(), 3u);
  EXPECT_EQ(effects[0], Effect(fx::StateChanged{CallState::Idle, CallState::Prejoin}));
  EXPECT_EQ(effects[1], Effect(fx::AcquireMic{""}));
  auto* req = std::get_if<fx::HttpRequest>(&effects[2]);
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(req->spec.method, "POST");
  EXPECT_EQ(req->spec.url, "http://127.0.0.1:8080/api/v1/invites/inspect");
  EXPECT_EQ(json::parse(req->spec.body), (json{{"invite", link().substr(link().find("&t=") + 3)}, {"device", "dev-1"}}));
  const auto& s = call.snapshot();
  EXPECT_EQ(s.invite->name, "Gus");
  EXPECT_EQ(s.invite->expires_at, kNow + 3600000);
  EXPECT_FALSE(s.join_ready);
  call.handle(in::HttpResponded{1, 200, kLookup}, kNow + 5);
  ASSERT_TRUE(call.snapshot().lookup);
  EXPECT_EQ(call.snapshot().lookup->in_room.at(0).name, "Hana") << "the pre-join shows who is in the room";
  EXPECT_EQ(call.snapshot().room_title, "Standup");
  EXPECT_FALSE(call.snapshot().takeover_offered);
  EXPECT_TRUE(drain(call).empty()) << "a look opens nothing";
}

TEST(CallMachine, JoinRedeemsTheInviteThenOpensTheLinkAndEntersTheRoom) {
  Call call(config(), kNow, 1);
  ready_in_prejoin(call);
  drain(call);
  EXPECT_TRUE(call.snapshot().join_ready);
  call.handle(in::JoinClicked{}, kNow + 1000);
  auto effects = drain(call);
  ASSERT_EQ(effects.size(), 2u);
  EXPECT_EQ(effects[0], Effect(fx::StateChanged{CallState::Prejoin, CallState::Joining}));
  auto* req = std::get_if<fx::HttpRequest>(&effects[1]);
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(req->spec.url, "http://127.0.0.1:8080/api/v1/invites/redeem");
  EXPECT_EQ(json::parse(req->spec.body)["device"], "dev-1");
  EXPECT_FALSE(json::parse(req->spec.body).contains("takeover"));
  call.handle(in::HttpResponded{2, 200, kAdmission}, kNow + 1010);
  effects = drain(call);
  ASSERT_EQ(effects.size(), 3u);
  ASSERT_TRUE(std::holds_alternative<fx::SaveSession>(effects[0]));  // so a reload keeps this tab's place
  EXPECT_EQ(nlohmann::json::parse(std::get<fx::SaveSession>(effects[0]).value)["token"], "rt");
  EXPECT_EQ(effects[1], Effect(fx::OpenLink{1, "ws://127.0.0.1:8080/ws/?EIO=4&transport=websocket", {}}));
  // a head start: the link made at Join is for whoever is met first (no participant yet)
  EXPECT_EQ(effects[2], Effect(fx::CreatePeer{1, "", json{{"iceServers", json::parse(kAdmission)["iceServers"]}, {"iceTransportPolicy", "all"}}}));
  call.handle(in::LinkOpened{1}, kNow + 1020);
  call.handle(in::LinkMessage{1, kOpenPacket}, kNow + 1021);
  effects = drain(call);
  ASSERT_EQ(effects.size(), 1u);
  EXPECT_EQ(effects[0], Effect(fx::SendOnLink{1, R"(40{"roomId":"r1","token":"rt"})"}));
}

TEST(CallMachine, ASeatInUseElsewhereIsOfferedAndTakenOverOnlyWhenAsked) {
  Call call(config(), kNow, 1);
  call.handle(in::PageOpened{link(), "", "dev-2"}, kNow);
  call.handle(in::MicGranted{"default", "Mic"}, kNow);
  call.handle(in::HttpResponded{1, 200, R"({"roomId":"r1","state":"elsewhere","inCall":true,"inRoom":[]})"}, kNow);
  EXPECT_TRUE(call.snapshot().takeover_offered);
  drain(call);
  call.handle(in::JoinClicked{true}, kNow);
  auto effects = drain(call);
  ASSERT_EQ(effects.size(), 2u);
  EXPECT_EQ(json::parse(std::get<fx::HttpRequest>(effects[1]).spec.body)["takeover"], true);
  // a 409 after all (the seat was taken meanwhile): back to the pre-join, asking
  call.handle(in::HttpResponded{2, 409, R"({"code":"invite.in_use","message":"x","inCall":true})"}, kNow);
  EXPECT_EQ(call.snapshot().state, CallState::Prejoin);
  EXPECT_EQ(call.snapshot().failure->message, "You are in this call on another device.");
  EXPECT_TRUE(call.snapshot().takeover_offered);
}

TEST(CallMachine, CandidatesBeforeTheRemoteDescriptionAreQueuedThenAddedInOrder) {
  Call call(config(), kNow, 1);
  in_room_with_host(call);
  EXPECT_EQ(call.snapshot().state, CallState::Connecting);
  drain(call);
  call.handle(in::LinkMessage{1, R"(42["webrtc-offer",{"from":"u1","sdp":{"type":"offer","sdp":"v=0 o"}}])"}, kNow);
  call.handle(in::LinkMessage{1, R"(42["ice-candidate",{"from":"u1","candidate":{"candidate":"candidate:1","sdpMid":"0","sdpMLineIndex":0}}])"}, kNow);
  call.handle(in::LinkMessage{1, R"(42["ice-candidate",{"from":"u1","candidate":{"candidate":"candidate:2","sdpMid":"0","sdpMLineIndex":0}}])"}, kNow);
  call.handle(in::LinkMessage{1, R"(42["ice-candidate",{"from":"intruder","candidate":{"candidate":"candidate:9"}}])"}, kNow);
  auto effects = drain(call);
  ASSERT_EQ(effects.size(), 1u) << "only the remote description; candidates wait";
  EXPECT_EQ(effects[0], Effect(fx::ApplyRemoteDescription{1, 1, "offer", "v=0 o"}));
  EXPECT_EQ(call.snapshot().warnings.back(), "candidate from unknown participant 'intruder' discarded");
  call.handle(in::RemoteDescriptionApplied{1, 1}, kNow + 30);
  effects = drain(call);
  ASSERT_EQ(effects.size(), 3u);
  EXPECT_EQ(std::get<fx::AddRemoteCandidate>(effects[0]).candidate["candidate"], "candidate:1");
  EXPECT_EQ(std::get<fx::AddRemoteCandidate>(effects[1]).candidate["candidate"], "candidate:2");
  EXPECT_EQ(effects[2], Effect(fx::CreateAnswer{1, 1}));
  call.handle(in::LocalDescriptionReady{1, 1, "", "v=0 a"}, kNow + 40);  // the type may be left out
  effects = drain(call);
  ASSERT_EQ(effects.size(), 1u);
  EXPECT_EQ(effects[0], Effect(fx::SendOnLink{1, R"(42["webrtc-answer",{"sdp":{"sdp":"v=0 a","type":"answer"}}])"}));
  // a stale completion from an older negotiation is ignored
  call.handle(in::LocalDescriptionReady{1, 0, "offer", "old"}, kNow + 50);
  EXPECT_TRUE(drain(call).empty());
  // ... and so is one for a peer link that does not exist
  call.handle(in::LocalDescriptionReady{7, 1, "offer", "other"}, kNow + 50);
  EXPECT_TRUE(drain(call).empty());
}

TEST(CallMachine, GarbageSignalingFramesAreDiscardedWithoutHarm) {
  Call call(config(), kNow, 1);
  in_room_with_host(call);
  drain(call);
  for (const char* junk : {"", "9", "4", "42", "42[", "42[1,2]", "42[\"webrtc-offer\",7]", "43x[]", "\xff\xfe",
                           "42[\"ice-candidate\",{\"candidate\":5}]", "0{}"})
    call.handle(in::LinkMessage{1, junk}, kNow);
  call.handle(in::LinkMessage{1, std::string(2 << 20, 'x')}, kNow);  // 2 MB frame
  EXPECT_EQ(call.snapshot().state, CallState::Connecting);
  for (auto& e : drain(call)) EXPECT_FALSE(std::holds_alternative<fx::ShowFailure>(e)) << wire::to_json(e).dump();
}

TEST(CallMachine, MuteDisablesTheTrackAndIsAnnounced) {
  Call call(config(), kNow, 1);
  call.handle(in::PageOpened{link()}, kNow);
  call.handle(in::MicGranted{"default", "Mic"}, kNow);
  drain(call);
  call.handle(in::MuteSet{true}, kNow);
  auto effects = drain(call);
  ASSERT_EQ(effects.size(), 2u);
  EXPECT_EQ(effects[0], Effect(fx::SetMicEnabled{false}));
  EXPECT_EQ(effects[1], Effect(fx::Announce{"Microphone muted."}));
  call.handle(in::MuteSet{true}, kNow);
  EXPECT_TRUE(drain(call).empty()) << "muting twice does nothing";
}

TEST(CallMachine, UnknownProfileFailsWithASentenceNamingIt) {
  CallConfig c = config();
  c.profile.name = "skype";
  Call call(c, kNow, 1);
  call.handle(in::PageOpened{link()}, kNow);
  ASSERT_TRUE(call.snapshot().failure);
  EXPECT_EQ(call.snapshot().failure->code, "profile.unknown");
  EXPECT_EQ(call.snapshot().failure->message,
            "Unknown backend profile 'skype' in config.json (expected selfhosted, chime, kvs or ivs).");
}

TEST(CallMachine, ThePeerConnectionMadeAtJoinIsKeptForTheFirstPeer) {
  Call call(config(), kNow, 1);
  in_room_with_host(call);
  int created = 0, closed = 0;
  for (auto& e : drain(call)) {
    created += std::holds_alternative<fx::CreatePeer>(e);
    closed += std::holds_alternative<fx::ClosePeer>(e);
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(closed, 0);
  EXPECT_EQ(call.snapshot().state, CallState::Connecting);
}

TEST(CallMachine, APeerConnectionThatCannotBeCreatedFailsWithAPlainSentence) {
  Call call(config(), kNow, 1);
  call.handle(in::PageOpened{link()}, kNow);
  call.handle(in::MicGranted{"default", "Mic"}, kNow);
  call.handle(in::JoinClicked{}, kNow);
  call.handle(in::HttpResponded{2, 200, kAdmission}, kNow);
  call.handle(in::NegotiationFailed{1, 0, "create-peer", "NotSupportedError"}, kNow);
  ASSERT_EQ(call.snapshot().state, CallState::Failed);
  EXPECT_EQ(*call.snapshot().failure, (Failure{"webrtc.unavailable",
      "This browser could not start a call connection (NotSupportedError). Try an up-to-date Chrome, Edge, Firefox or Safari."}));
}

TEST(CallMachine, ARoomStateCannotMakeUsSomeoneElseNorOneOfTheOthers) {
  Call call(config(), kNow, 1);
  in_room_with_host(call);  // admitted as u2, with u1 (the host) in the room
  call.handle(in::LinkMessage{1, R"(42["room-state",{"self":{"userId":"u1","name":"Hana","role":"host"},"participants":[{"userId":"u2","name":"Gus","role":"guest"}]}])"}, kNow);
  const auto& s = call.snapshot();
  ASSERT_TRUE(s.self);
  EXPECT_EQ(s.self->id, "u2") << "still who the server admitted";
  for (const auto& m : s.participants) EXPECT_NE(m.who.id, "u2") << "we are never one of the others";
  EXPECT_EQ(s.warnings.back(), "room-state names us 'u1', not 'u2': ignored");
}

TEST(CallMachine, ARefusedNameAfterAGoodOneKeepsJoinWaiting) {
  CallConfig c = config();
  c.profile.name = "ivs";
  Call call(c, kNow, 1);
  call.handle(in::PageOpened{"https://x.test/room.html"}, kNow);
  call.handle(in::MicGranted{"default", "Mic"}, kNow);
  call.handle(in::NameEntered{"Ivy"}, kNow);
  EXPECT_TRUE(call.snapshot().join_ready);
  call.handle(in::NameEntered{"\x01"}, kNow);
  EXPECT_FALSE(call.snapshot().join_ready) << "the name on screen is refused: no joining under the old one";
  EXPECT_EQ(call.snapshot().failure->code, "name.invalid");
}

// The other side restarts ICE while our browser still says "connected": its connection went down (ours
// may say "connected" through the whole restart, with no audio arriving), or its signaling came back and
// it checks the path. The next stats sample tells: no packets, and the call says it is interrupted until
// they come in again; packets, and nothing happened. Renegotiation with the same ICE credentials is nothing.
TEST(CallMachine, TheirIceRestartWithNoAudioArrivingInterruptsTheCallUntilPacketsCome) {
  Call call(config(), kNow, 1);
  in_room_with_host(call);
  drain(call);
  std::uint64_t generation = 0;
  auto offer = [&](const char* ufrag, Instant t) {
    call.handle(in::LinkMessage{1, std::string(R"(42["webrtc-offer",{"from":"u1","sdp":{"type":"offer","sdp":"v=0\r\na=ice-ufrag:)") +
                                       ufrag + R"(\r\na=fingerprint:sha-256 AA\r\n"}}])"}, t);
    auto effects = drain(call);
    ++generation;
    call.handle(in::RemoteDescriptionApplied{1, generation}, t + 30);
    call.handle(in::LocalDescriptionReady{1, generation, "answer", "v=0 a"}, t + 40);
    for (const auto& e : drain(call)) {
      EXPECT_FALSE(std::holds_alternative<fx::CreateOffer>(e)) << "the restart is theirs";
      effects.push_back(e);
    }
    return effects;
  };
  auto announced = [](const std::vector<Effect>& effects) {
    std::vector<std::string> said;
    for (const auto& e : effects)
      if (const auto* a = std::get_if<fx::Announce>(&e)) said.push_back(a->text);
    return said;
  };
  auto packets = [&](double n, Instant t) {
    call.handle(in::LinkStats{1, in::LinkSample{20, 2, n, 0, n, n * 80, n * 80, 0.1, "relay udp \u2192 relay udp"}}, t);
    return announced(drain(call));
  };
  using Said = std::vector<std::string>;
  offer("one", kNow);
  call.handle(in::PeerStateChanged{1, "connected"}, kNow + 100);
  ASSERT_EQ(call.snapshot().state, CallState::Connected);
  drain(call);
  packets(50, kNow + 1000);
  EXPECT_EQ(packets(100, kNow + 2000), Said{});

  offer("one", kNow + 2500);  // renegotiation, same credentials
  EXPECT_EQ(packets(100, kNow + 3000), Said{}) << "silence alone is not an interruption (they may have no microphone)";
  EXPECT_EQ(packets(100, kNow + 4000), Said{});
  EXPECT_EQ(call.snapshot().state, CallState::Connected);

  // Their signaling came back and they restart ICE to check the path: audio keeps coming, nothing happened.
  const auto effects = offer("two", kNow + 4500);
  EXPECT_EQ(announced(effects), Said{});
  EXPECT_NE(std::find(effects.begin(), effects.end(), Effect(fx::ApplyRemoteDescription{1, 3, "offer",
                                                                "v=0\r\na=ice-ufrag:two\r\na=fingerprint:sha-256 AA\r\n"})),
            effects.end())
      << "their offer is applied as usual";
  EXPECT_EQ(packets(150, kNow + 5000), Said{});
  EXPECT_EQ(call.snapshot().state, CallState::Connected);

  // Their connection went down (a relay died): no audio since, and their restart arrives.
  EXPECT_EQ(packets(150, kNow + 6000), Said{});
  EXPECT_EQ(announced(offer("three", kNow + 6500)), Said{});
  EXPECT_EQ(packets(150, kNow + 7000), Said{"Connection to Hana interrupted. Reconnecting…"});
  EXPECT_EQ(call.snapshot().state, CallState::Reconnecting);
  ASSERT_EQ(call.snapshot().participants.size(), 1u);
  EXPECT_EQ(call.snapshot().participants[0].connection, "disconnected");
  EXPECT_EQ(packets(150, kNow + 8000), Said{});
  EXPECT_EQ(call.snapshot().state, CallState::Reconnecting);
  EXPECT_EQ(packets(170, kNow + 9000), Said{"Connected to Hana."});
  EXPECT_EQ(call.snapshot().state, CallState::Connected);
  EXPECT_EQ(call.snapshot().participants[0].connection, "connected");

  // Interrupted again, and this time the browser has its say too: its word counts.
  offer("four", kNow + 10000);
  EXPECT_EQ(packets(170, kNow + 10500), Said{"Connection to Hana interrupted. Reconnecting…"});
  call.handle(in::PeerStateChanged{1, "disconnected"}, kNow + 10600);
  EXPECT_EQ(packets(200, kNow + 11000), Said{}) << "packets while the browser says disconnected";
  EXPECT_EQ(call.snapshot().state, CallState::Reconnecting);
  call.handle(in::PeerStateChanged{1, "connected"}, kNow + 11100);
  EXPECT_EQ(announced(drain(call)), Said{"Connected to Hana."});
  EXPECT_EQ(call.snapshot().state, CallState::Connected);
}
