// Diagnostics: the quality grade from getStats samples, the figures derived from them, and the JSON
// view the overlay and the support report read (named timers, the effect trace, no secrets).
#include <gtest/gtest.h>

#include "earshot/call.hpp"
#include "earshot/crypto.hpp"
#include "earshot/diagnostics.hpp"

using namespace earshot;
using nlohmann::json;

namespace {
constexpr Instant kNow = 1800000000000;

LinkPoint point(double loss, double jitter, double rtt) {
  LinkPoint p;
  p.loss_pct = loss;
  p.jitter_ms = jitter;
  p.rtt_ms = rtt;
  return p;
}

// Cumulative counters as getStats reports them: 50 packets a second each way, `lost` of the
// incoming ones missing in this second.
struct Counters {
  double received = 0, lost = 0, sent = 0;
  in::LinkSample next(double lost_now, double rtt = 40, double jitter = 5) {
    received += 50 - lost_now;
    lost += lost_now;
    sent += 50;
    return in::LinkSample{rtt, jitter, received, lost, sent, received * 80, sent * 80, 0.2, "host udp \u2192 srflx udp"};
  }
};

std::string invite_token(json claims) {
  json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  std::string input = crypto::base64url_encode(header.dump()) + "." + crypto::base64url_encode(claims.dump());
  return input + "." + crypto::base64url_encode(crypto::as_bytes(crypto::hmac_sha256("k", input)));
}
const std::string kInvite = invite_token({{"iss", "earshot"}, {"typ", "invite"}, {"room", "r1"}, {"role", "guest"}, {"name", "Gus"},
                                          {"jti", "j1"}, {"iat", kNow / 1000}, {"exp", kNow / 1000 + 3600}});
const char* kAdmission = R"({"roomId":"r1","token":"ROOM-TOKEN-SECRET-1","signalingUrl":"ws://127.0.0.1:8080/ws","ttl":3600,
  "iceServers":[{"urls":"turn:127.0.0.1:3478","username":"1800003600:TURN-USER-SECRET","credential":"TURN-CREDENTIAL-SECRET"}],
  "user":{"userId":"u2","name":"Gus","role":"guest"}})";
const char* kLookup = R"({"roomId":"r1","title":"Standup","state":"unused","inCall":false,
  "inRoom":[{"userId":"u1","name":"Hana","role":"host"}],"seat":{"seatId":"s2","role":"guest","name":"Gus"}})";

// A guest in the room with the host, their peer link made; returns that link's id.
PeerId guest_with_host(Call& call) {
  CallConfig c;
  c.profile.api_base = "http://127.0.0.1:8080";
  call.handle(in::PageOpened{"https://x.test/room.html?room=r1&t=" + kInvite, "", "dev-1"}, kNow);
  call.handle(in::MicGranted{"default", "Mic"}, kNow);
  call.handle(in::HttpResponded{1, 200, kLookup}, kNow);
  call.handle(in::JoinClicked{}, kNow);
  call.handle(in::HttpResponded{2, 200, kAdmission}, kNow);
  call.handle(in::LinkOpened{1}, kNow);
  call.handle(in::LinkMessage{1, R"(0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})"}, kNow);
  call.handle(in::LinkMessage{1, R"(40{"sid":"x"})"}, kNow);
  call.handle(in::LinkMessage{1, R"(42["room-state",{"self":{"userId":"u2","name":"Gus","role":"guest"},"participants":[{"userId":"u1","name":"Hana","role":"host"}]}])"}, kNow);
  while (call.poll_effect()) {}
  EXPECT_EQ(call.snapshot().peers.size(), 1u);
  return call.snapshot().peers.empty() ? 0 : call.snapshot().peers[0].id;
}
CallConfig config() {
  CallConfig c;
  c.profile.api_base = "http://127.0.0.1:8080";
  return c;
}
}  // namespace

TEST(Quality, GradesTheLastFewSecondsOfLossJitterAndRoundTrip) {
  EXPECT_EQ(grade({}), Quality::Unknown);
  EXPECT_EQ(grade({point(0, 5, 40)}), Quality::Good);
  EXPECT_EQ(grade({point(3, 5, 40)}), Quality::Fair);
  EXPECT_EQ(grade({point(0, 40, 40)}), Quality::Fair);
  EXPECT_EQ(grade({point(0, 5, 400)}), Quality::Fair);
  EXPECT_EQ(grade({point(10, 5, 40)}), Quality::Poor);
  EXPECT_EQ(grade({point(0, 90, 40)}), Quality::Poor);
  EXPECT_EQ(grade({point(0, 5, 900)}), Quality::Poor);
  // Averaged over the last five points: one bad second among clean ones is "fair", not "poor" ...
  EXPECT_EQ(grade({point(0, 5, 40), point(0, 5, 40), point(0, 5, 40), point(0, 5, 40), point(20, 5, 40)}), Quality::Fair);
  // ... and it is forgotten five seconds later.
  EXPECT_EQ(grade({point(20, 5, 40), point(0, 5, 40), point(0, 5, 40), point(0, 5, 40), point(0, 5, 40), point(0, 5, 40)}), Quality::Good);
  // Unknown round trip and jitter (-1) do not count against a link.
  EXPECT_EQ(grade({point(0, -1, -1)}), Quality::Good);
}

TEST(Diagnostics, DerivesLossAndBitratesFromConsecutiveSamples) {
  Diagnostics d;
  Counters c;
  EXPECT_EQ(d.sample(3, c.next(0), 1000), Quality::Unknown) << "one sample is not an interval yet";
  EXPECT_EQ(d.sample(3, c.next(0), 2000), Quality::Good);
  d.sample(3, c.next(10), 3000);
  const auto* l = d.link(3);
  ASSERT_NE(l, nullptr);
  ASSERT_EQ(l->points.size(), 2u);
  EXPECT_DOUBLE_EQ(l->points.back().loss_pct, 20.0);              // 10 of 50
  EXPECT_DOUBLE_EQ(l->points.back().kbps_in, 40 * 80 * 8 / 1000.0);  // 40 packets of 80 bytes in 1 s
  EXPECT_DOUBLE_EQ(l->points.back().kbps_out, 50 * 80 * 8 / 1000.0);
  EXPECT_EQ(l->quality, Quality::Poor) << "20% + 0% over two seconds averages 10%";
  // Counters going backwards: a new RTCPeerConnection behind the link; no negative figures.
  Counters fresh;
  d.sample(3, fresh.next(0), 4000);
  EXPECT_EQ(l->points.size(), 2u);
  for (int s = 5; s < 70; ++s) d.sample(3, fresh.next(0), s * 1000);
  EXPECT_EQ(l->points.size(), Diagnostics::kSeconds) << "a minute of history, no more";
  d.forget(3);
  EXPECT_EQ(d.link(3), nullptr);
}

TEST(Diagnostics, ParticipantsQualityFollowsLossAndRecovers) {
  Call call(config(), kNow, 1);
  const PeerId peer = guest_with_host(call);
  ASSERT_NE(peer, 0u);
  ASSERT_EQ(call.snapshot().participants.size(), 1u);
  EXPECT_EQ(call.snapshot().participants[0].quality, "unknown");
  Counters c;
  Instant t = kNow;
  auto second = [&](double lost) {
    t += 1000;
    call.handle(in::LinkStats{peer, c.next(lost)}, t);
    while (call.poll_effect()) {}
    return call.snapshot().participants[0].quality;
  };
  second(0);
  EXPECT_EQ(second(0), "good");
  for (int i = 0; i < 5; ++i) second(10);  // 20% loss
  EXPECT_EQ(call.snapshot().participants[0].quality, "poor");
  for (int i = 0; i < 5; ++i) second(0);
  EXPECT_EQ(call.snapshot().participants[0].quality, "good");
  // Stats for a link that does not exist are ignored.
  call.handle(in::LinkStats{peer + 100, c.next(50)}, t + 500);
  EXPECT_EQ(call.snapshot().participants[0].quality, "good");
}

TEST(Diagnostics, TheViewNamesTimersTracesEffectsAndHoldsNoSecrets) {
  Call call(config(), kNow, 1);
  const PeerId peer = guest_with_host(call);
  Counters c;
  call.handle(in::LinkStats{peer, c.next(0)}, kNow + 1000);
  call.handle(in::LinkStats{peer, c.next(5)}, kNow + 2000);
  while (call.poll_effect()) {}
  const std::string text = call.diagnostics_json();
  const json d = json::parse(text);
  EXPECT_EQ(d["state"], "connecting");
  EXPECT_EQ(d["now"], kNow + 2000);
  // Timers pending, by name, with how long until each fires.
  bool connect_deadline = false;
  for (const auto& t : d["timers"]) {
    if (t["name"] == "peer " + std::to_string(peer) + ": connect deadline") connect_deadline = true;
    EXPECT_GE(t["inMs"].get<double>(), 0) << t.dump();
  }
  EXPECT_TRUE(connect_deadline) << d["timers"].dump();
  // The state history and the effect trace, in order.
  ASSERT_GE(d["states"].size(), 3u);
  EXPECT_EQ(d["states"][0]["from"], "idle");
  EXPECT_EQ(d["states"].back()["to"], "connecting");
  std::vector<std::string> kinds;
  for (const auto& e : d["effects"]) kinds.push_back(e["kind"].get<std::string>() + " " + e["text"].get<std::string>());
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "http POST http://127.0.0.1:8080/api/v1/invites/redeem"), kinds.end()) << d["effects"].dump();
  // The link made at Join, ahead of knowing who it is for (then handed to the host).
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "create-peer "), kinds.end()) << d["effects"].dump();
  // The link's figures and its series for the plots.
  ASSERT_EQ(d["peers"].size(), 1u);
  const json& p = d["peers"][0];
  EXPECT_EQ(p["pair"], "host udp \u2192 srflx udp");
  EXPECT_EQ(p["packetsLost"], 5);
  EXPECT_DOUBLE_EQ(p["lossPct"].get<double>(), 10.0);
  EXPECT_EQ(p["series"]["lossPct"], json::array({10.0}));
  EXPECT_EQ(p["rttMs"], 40);
  // Nothing a support report must not carry: invite, room token, TURN credentials.
  for (const std::string& secret : {kInvite, std::string("ROOM-TOKEN-SECRET-1"), std::string("TURN-USER-SECRET"),
                                    std::string("TURN-CREDENTIAL-SECRET"), crypto::base64url_encode("{\"alg\"")})
    EXPECT_EQ(text.find(secret), std::string::npos) << secret;
}

TEST(Diagnostics, UrlsLoseTheirQuery) {
  EXPECT_EQ(without_query("wss://kinesis.x/?X-Amz-Signature=abc"), "wss://kinesis.x/");
  EXPECT_EQ(without_query("https://h/p#t=1"), "https://h/p");
  EXPECT_EQ(without_query("https://h/p"), "https://h/p");
}

TEST(Diagnostics, EachLogKeepsItsLastHundredEntriesOldestFirst) {
  Diagnostics d;
  for (int i = 0; i < 150; ++i) d.warning(i, "w" + std::to_string(i));
  const json log = json::parse(d.to_json(Snapshot{}, {}, 200))["log"];
  ASSERT_EQ(log.size(), Diagnostics::kEntries);
  EXPECT_EQ(log.front()["text"], "w50");
  EXPECT_EQ(log.front()["at"], 50);
  EXPECT_EQ(log.back()["text"], "w149");
  EXPECT_EQ(log.back()["kind"], "warning");
}
