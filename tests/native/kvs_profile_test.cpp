// The `kvs` profile in the call: the page opens on the chat module; voice credentials from the chat
// become the call's entry; every signaling (re)connection is presigned at that moment; the master is
// the star's hub and learns viewers from their first offer; voice ended in the chat ends the call and
// says who ended it; a new voice session may follow.
#include <gtest/gtest.h>

#include "earshot/call.hpp"
#include "earshot/crypto.hpp"
#include "earshot/groupchat.hpp"
#include "earshot/sigv4.hpp"
#include "earshot/vendor_profiles.hpp"
#include "earshot/wire.hpp"

using namespace earshot;
using nlohmann::json;

namespace {
constexpr Instant kNow = 1800000000000;  // 2027-01-15T08:00:00Z

std::vector<Effect> drain(Call& c) {
  std::vector<Effect> out;
  while (auto e = c.poll_effect()) out.push_back(*e);
  return out;
}
template <class T>
std::vector<T> only(const std::vector<Effect>& effects) {
  std::vector<T> out;
  for (const auto& e : effects)
    if (auto* t = std::get_if<T>(&e)) out.push_back(*t);
  return out;
}
CallConfig config() {
  CallConfig c;
  c.profile.name = "kvs";
  c.profile.api_base = "ws://127.0.0.1:9000";
  return c;
}
groupchat::ev::VoiceCredentials credentials(const std::string& role, const std::string& client_id) {
  groupchat::ev::VoiceCredentials v;
  v.room_id = "K7Q2XDAB";
  v.voice_room_id = "vr-1";
  v.channel_arn = "arn:aws:kinesisvideo:us-west-2:111122223333:channel/voice-1/1";
  v.region = "us-west-2";
  v.role = role;
  v.client_id = client_id;
  v.credentials = {"ASIAEXAMPLE", "secret", "session-token", "2027-01-15T09:00:00Z"};
  v.wss_endpoint = "wss://127.0.0.1:9443";
  v.ice_servers = json::array({json{{"urls", json::array({"stun:127.0.0.1:3478"})}}});
  v.master = "Ana";
  return v;
}
in::TokenGiven token_input(const json& entry) {
  json t = entry;
  t["type"] = "token-given";
  auto in = wire::page_input_from_json(t.dump());
  EXPECT_TRUE(in.ok()) << t.dump();
  return std::get<in::TokenGiven>(*in);
}
// The page opened, `username`'s voice credentials (the master: Ana) handed over and the microphone
// granted: voice asked for, the signaling link (link 1) opening.
void voice_asked(Call& call, const std::string& role, const std::string& client_id, const std::string& username) {
  call.handle(in::PageOpened{"https://x.test/room.html", "", "dev-" + username}, kNow);
  call.handle(token_input(KvsProfile::entry_for(credentials(role, client_id), username, "Ana", kNow)), kNow);
  call.handle(in::MicGranted{"default", "Mic"}, kNow);
}
// ... and the link open: in voice as far as the room link goes.
void in_voice(Call& call, const std::string& role, const std::string& client_id, const std::string& username) {
  voice_asked(call, role, client_id, username);
  call.handle(in::LinkOpened{1}, kNow);
}
std::string query_value(const std::string& url, const std::string& key) {
  const auto at = url.find(key + "=");
  if (at == std::string::npos) return "";
  const auto end = url.find('&', at);
  return url.substr(at + key.size() + 1, end == std::string::npos ? std::string::npos : end - at - key.size() - 1);
}
std::string frame(std::string_view type, const json& body, std::string_view sender = "") {
  json f{{"messageType", type}, {"messagePayload", crypto::base64_encode(body.dump())}};
  if (!sender.empty()) f["senderClientId"] = sender;
  return f.dump();
}
}  // namespace

TEST(KvsProfile, ThePageOpensOnTheChatModuleAndTheCallWaits) {
  Call call(config(), kNow, 1);
  call.handle(in::PageOpened{"https://x.test/room.html?room=K7Q2XDAB", "", "dev-1"}, kNow);
  const auto effects = drain(call);
  const auto started = only<fx::StartVendor>(effects);
  ASSERT_EQ(started.size(), 1u);
  EXPECT_EQ(started[0].vendor, "kvs");
  EXPECT_EQ(started[0].join, (json{{"apiBase", "ws://127.0.0.1:9000"}}));
  EXPECT_EQ(call.snapshot().state, CallState::Idle);
  EXPECT_TRUE(only<fx::AcquireMic>(effects).empty()) << "no microphone before voice is asked for";
}

TEST(KvsProfile, VoiceCredentialsBecomeAnEntryWhoseSignalingUrlIsPresignedAtEveryConnection) {
  const json entry = KvsProfile::entry_for(credentials("VIEWER", "bob-1a2b3c"), "bob", "Ana", kNow);
  EXPECT_EQ(entry["userId"], "bob-1a2b3c");
  EXPECT_EQ(entry["userName"], "bob");
  EXPECT_EQ(entry["room"], "vr-1");
  EXPECT_EQ(entry["ttl"], 3600) << "the credentials' expiration, in seconds from now";
  EXPECT_EQ(KvsProfile::entry_for(credentials("MASTER", ""), "Ana", "Ana", kNow)["userId"], "master");

  Call call(config(), kNow, 1);
  call.handle(in::PageOpened{"https://x.test/room.html", "", "dev-1"}, kNow);
  drain(call);
  call.handle(token_input(entry), kNow);
  auto effects = drain(call);
  EXPECT_EQ(call.snapshot().state, CallState::Prejoin);
  ASSERT_EQ(only<fx::AcquireMic>(effects).size(), 1u);
  auto opened = only<fx::OpenLink>(effects);
  ASSERT_EQ(opened.size(), 1u);
  const std::string url = opened[0].url;
  // The URL is exactly what SigV4 query presigning gives for these credentials at this moment.
  sigv4::PresignRequest r{"wss://127.0.0.1:9443", "us-west-2", "kinesisvideo",
                          {{"X-Amz-ChannelARN", "arn:aws:kinesisvideo:us-west-2:111122223333:channel/voice-1/1"}, {"X-Amz-ClientId", "bob-1a2b3c"}},
                          kNow, 299};
  EXPECT_EQ(url, *sigv4::presign_url({"ASIAEXAMPLE", "secret", "session-token"}, r));
  EXPECT_EQ(query_value(url, "X-Amz-Date"), "20270115T080000Z");
  EXPECT_EQ(query_value(url, "X-Amz-Expires"), "299");

  // Voice was asked for in the chat: the call joins as soon as the microphone is there.
  call.handle(in::MicGranted{"default", "Mic"}, kNow);
  EXPECT_EQ(call.snapshot().state, CallState::Joining);
  call.handle(in::LinkOpened{opened[0].id}, kNow);
  effects = drain(call);
  const Snapshot& s = call.snapshot();
  EXPECT_EQ(s.state, CallState::Connecting) << "the viewer's room has the master in it";
  ASSERT_EQ(s.participants.size(), 1u);
  EXPECT_EQ(s.participants[0].who, (Participant{"master", "Ana", Role::Host}));
  ASSERT_EQ(s.peers.size(), 1u) << "a viewer links to the master alone";
  EXPECT_EQ(s.peers[0].participant, "master");

  // GO_AWAY: the link closes and comes back with a URL signed at the new moment.
  call.handle(in::LinkMessage{opened[0].id, R"({"messageType":"GO_AWAY","messagePayload":""})"}, kNow + 60000);
  drain(call);
  for (int i = 0; i < 40 && only<fx::OpenLink>(effects).empty(); i++) {
    auto t = call.poll_timeout();
    ASSERT_TRUE(t);
    call.handle_timeout(Clock{*t, *t});
    effects = drain(call);
  }
  opened = only<fx::OpenLink>(effects);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_NE(opened[0].url, url);
  EXPECT_EQ(query_value(opened[0].url, "X-Amz-Date").substr(0, 13), "20270115T0801");
}

TEST(KvsProfile, TheMasterIsTheHubAndLearnsAViewerFromItsFirstOffer) {
  Call call(config(), kNow, 1);
  in_voice(call, "MASTER", "", "Ana");
  const auto opened = only<fx::OpenLink>(drain(call));
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].id, 1u);
  EXPECT_EQ(query_value(opened[0].url, "X-Amz-ClientId"), "") << "a master connects without a ClientId";
  EXPECT_EQ(call.snapshot().state, CallState::WaitingForPeer);
  EXPECT_EQ(call.snapshot().self->id, "master");
  EXPECT_EQ(call.snapshot().self->role, Role::Host);
  call.handle(in::LinkMessage{1, frame("SDP_OFFER", {{"type", "offer"}, {"sdp", "v=0\r\n"}}, "bob-1a2b3c")}, kNow);
  call.handle(in::LinkMessage{1, frame("SDP_OFFER", {{"type", "offer"}, {"sdp", "v=0\r\n"}}, "cleo-0f0f0f")}, kNow);
  const Snapshot& s = call.snapshot();
  EXPECT_EQ(s.state, CallState::Connecting);
  ASSERT_EQ(s.participants.size(), 2u);
  EXPECT_EQ(s.participants[0].who.name, "bob");
  EXPECT_EQ(s.participants[1].who.name, "cleo");
  EXPECT_EQ(s.peers.size(), 2u) << "the hub holds a link per viewer";
}

TEST(KvsProfile, VoiceEndedInTheChatEndsTheCallSayingWhoAndANewSessionMayFollow) {
  Call call(config(), kNow, 1);
  in_voice(call, "VIEWER", "bob-1a2b3c", "bob");
  call.handle(in::VendorStopped{"voice-ended", "Ana"}, kNow);
  EXPECT_EQ(call.snapshot().state, CallState::Ended);
  EXPECT_EQ(call.snapshot().ended_reason, "room-closed");
  EXPECT_EQ(call.snapshot().notice, "Ana ended the voice chat.");
  drain(call);
  call.handle(token_input(KvsProfile::entry_for(credentials("MASTER", ""), "bob", "bob", kNow)), kNow + 1000);
  EXPECT_EQ(call.snapshot().state, CallState::Prejoin);
  EXPECT_EQ(call.snapshot().notice, "");
  call.handle(in::MicGranted{"default", "Mic"}, kNow + 1000);
  EXPECT_EQ(call.snapshot().state, CallState::Joining) << "the new session joins by itself";
}

TEST(KvsProfile, ChatEventsReadAsThePageModuleTakesThem) {
  groupchat::Client c;
  c.handle_frame(R"({"type":"joinApproved","roomId":"R1","roomName":"Team","admin":"ana","isAdmin":false,
    "members":[{"username":"ana","isAdmin":true,"online":true},{"username":"bob","isAdmin":false,"online":true}],
    "voiceRoom":{"voiceRoomId":"vr-1","masterUserId":"ana"}})");
  auto e = c.poll_event();
  ASSERT_TRUE(e);
  const json j = groupchat::to_json(*e);
  EXPECT_EQ(j["type"], "joined");
  EXPECT_EQ(j["voiceRoomId"], "vr-1");
  EXPECT_EQ(j["voiceMaster"], "ana");
  EXPECT_EQ(j["members"].size(), 2u);
  EXPECT_EQ(c.voice_room(), "vr-1") << "joining voice names the active voice room";
  EXPECT_EQ(c.voice_master(), "ana") << "... and its viewers' pages name the master";
  c.handle_frame(R"({"type":"message","roomId":"R1","messageId":"m1","username":"ana","message":"<b>hi</b>","timestamp":1800000000000})");
  const json m = groupchat::to_json(*c.poll_event());
  EXPECT_EQ(m, (json{{"type", "message"}, {"roomId", "R1"}, {"id", "m1"}, {"from", "ana"}, {"text", "<b>hi</b>"}, {"at", 1800000000000.0}}));
}

TEST(KvsProfile, TheHistoryAfterAReconnectReadsAsMessages) {
  groupchat::Client c;
  c.join_room("R1");
  (void)c.poll_transmit();
  c.get_messages(50);
  EXPECT_EQ(json::parse(*c.poll_transmit()), (json{{"action", "getMessages"}, {"roomId", "R1"}, {"limit", 50}}));
  c.handle_frame(R"({"type":"messages","roomId":"R1","messages":[{"roomId":"R1","timestamp":1,"messageId":"a","username":"ana","message":"one"},
    {"roomId":"R1","timestamp":2,"messageId":"b","username":"bob"},"junk"]})");
  const json h = groupchat::to_json(*c.poll_event());
  EXPECT_EQ(h["type"], "history");
  ASSERT_EQ(h["messages"].size(), 1u) << "rows without text are skipped";
  EXPECT_EQ(h["messages"][0]["text"], "one");
  EXPECT_EQ(h["messages"][0]["id"], "a");
}

TEST(KvsProfile, TheMasterTellsEachViewerWhoIsInVoiceAndAViewerDrawsThem) {
  Call master(config(), kNow, 1);
  in_voice(master, "MASTER", "", "Ana");
  master.handle(in::LinkMessage{1, frame("SDP_OFFER", {{"type", "offer"}, {"sdp", "v=0\r\n"}}, "bob-1a2b3c")}, kNow);
  master.handle(in::LinkMessage{1, frame("SDP_OFFER", {{"type", "offer"}, {"sdp", "v=0\r\n"}}, "cleo-0f0f0f")}, kNow);
  std::vector<PeerId> ids;
  for (const auto& p : master.snapshot().peers) ids.push_back(p.id);
  ASSERT_EQ(ids.size(), 2u);
  for (PeerId id : ids) master.handle(in::PeerStateChanged{id, "connected"}, kNow);
  drain(master);
  std::vector<fx::SendOnPeer> said;
  for (int i = 0; i < 3; i++) {
    master.handle(in::AudioLevels{0.3, {{ids[0], 0.2}, {ids[1], 0.0}}}, kNow + i * 100);
    for (auto& s : only<fx::SendOnPeer>(drain(master))) said.push_back(s);
  }
  ASSERT_EQ(said.size(), 2u) << "one roster per connected viewer, every third level sample";
  const json people = json::parse(said[0].text)["people"];
  ASSERT_EQ(people.size(), 3u);
  EXPECT_EQ(people[0], (json{{"id", "master"}, {"name", "Ana"}, {"level", 0.3}, {"muted", false}}));
  EXPECT_EQ(people[1]["name"], "bob");
  EXPECT_EQ(people[1]["level"], 0.2);
  // A viewer's mute state reaches the master.
  master.handle(in::PeerMessage{ids[1], R"({"muted":true})"}, kNow);
  EXPECT_TRUE(master.snapshot().participants[1].muted);
  // ... and its goodbye: the master forgets it at once (KVS has no presence to say so).
  // (the first link's viewer: the links after it move up as it is closed, and the right one must go)
  master.handle(in::PeerMessage{ids[0], R"({"bye":true})"}, kNow);
  ASSERT_EQ(master.snapshot().participants.size(), 1u);
  EXPECT_EQ(master.snapshot().participants[0].who.name, "cleo");
  EXPECT_EQ(master.snapshot().notice, "bob left the call.");
  ASSERT_EQ(master.snapshot().peers.size(), 1u);
  EXPECT_EQ(master.snapshot().peers[0].participant, "cleo-0f0f0f");

  Call viewer(config(), kNow, 2);
  in_voice(viewer, "VIEWER", "bob-1a2b3c", "bob");
  const PeerId hub = viewer.snapshot().peers.at(0).id;
  viewer.handle(in::PeerStateChanged{hub, "connected"}, kNow);
  viewer.handle(in::PeerMessage{hub, R"({"people":[{"id":"master","name":"Ana","level":0.3,"muted":false},
    {"id":"bob-1a2b3c","name":"bob","level":0.2,"muted":false},{"id":"cleo-0f0f0f","name":"cleo","level":0.5,"muted":true}]})"}, kNow);
  auto s = viewer.snapshot();
  ASSERT_EQ(s.participants.size(), 2u) << "the master and the other viewer; never oneself";
  EXPECT_EQ(s.participants[1].who, (Participant{"cleo-0f0f0f", "cleo", Role::Guest}));
  EXPECT_TRUE(s.participants[1].muted);
  EXPECT_TRUE(s.participants[1].speaking);
  EXPECT_EQ(s.participants[1].connection, "connected") << "heard through the master's link";
  EXPECT_EQ(s.peers.size(), 1u) << "no link of its own";
  viewer.handle(in::AudioLevels{0.0, {{hub, 0.01}}}, kNow);
  EXPECT_TRUE(viewer.snapshot().participants[0].speaking) << "the master's own level, not the mix's";
  viewer.handle(in::PeerMessage{hub, R"({"people":[{"id":"master","name":"Ana","level":0,"muted":false}]})"}, kNow);
  EXPECT_EQ(viewer.snapshot().participants.size(), 1u) << "cleo left voice";
  viewer.handle(in::PeerMessage{hub, "not json"}, kNow);
  EXPECT_EQ(viewer.snapshot().warnings.back().rfind("a data channel message that is not a JSON object", 0), 0u);
}

namespace {
// After GO_AWAY at `at`, the URL of the next signaling connection (the timers run until one opens), or
// "" when none opened.
std::string reconnect_url(Call& call, PeerId link, Instant at) {
  call.handle(in::LinkMessage{link, R"({"messageType":"GO_AWAY","messagePayload":""})"}, at);
  auto effects = drain(call);
  for (int i = 0; i < 40 && only<fx::OpenLink>(effects).empty() && call.snapshot().state != CallState::Failed; i++) {
    auto t = call.poll_timeout();
    if (!t) break;
    call.handle_timeout(Clock{*t, *t});
    effects = drain(call);
  }
  const auto opened = only<fx::OpenLink>(effects);
  return opened.empty() ? "" : opened[0].url;
}
groupchat::ev::VoiceCredentials renewed(const std::string& role, const std::string& client_id) {
  auto v = credentials(role, client_id);
  v.credentials = {"ASIARENEWED", "secret-2", "session-token-2", "2027-01-15T10:00:00Z"};
  v.ice_servers = json::array({json{{"urls", json::array({"turn:127.0.0.1:3478"})}, {"username", "renewed"}, {"credential", "x"}}});
  return v;
}
}  // namespace

TEST(KvsProfile, WithoutRenewalTheFirstReconnectionAfterTheCredentialsExpireEndsTheCall) {
  Call call(config(), kNow, 1);
  in_voice(call, "VIEWER", "bob-1a2b3c", "bob");
  drain(call);
  EXPECT_EQ(reconnect_url(call, 1, kNow + 3601 * 1000), "");
  ASSERT_EQ(call.snapshot().state, CallState::Failed);
  EXPECT_EQ(call.snapshot().failure->code, "session.expired");
}

TEST(KvsProfile, RenewedCredentialsSignTheNextReconnectionAndAViewerKeepsItsClientId) {
  Call call(config(), kNow, 1);
  in_voice(call, "VIEWER", "bob-1a2b3c", "bob");
  drain(call);
  // 55 minutes in, the chat hands over renewed credentials (STS named a new ClientId with them).
  const Instant renew_at = kNow + 55 * 60000;
  call.handle(token_input(KvsProfile::entry_for(renewed("VIEWER", "bob-9f8e7d"), "bob", "Ana", renew_at)), renew_at);
  auto effects = drain(call);
  EXPECT_TRUE(only<fx::OpenLink>(effects).empty()) << "the open signaling connection is kept";
  EXPECT_TRUE(only<fx::AcquireMic>(effects).empty()) << "not a new call";
  EXPECT_NE(call.snapshot().state, CallState::Failed);
  // An hour and five minutes in, past the first credentials' hour, the service says GO_AWAY.
  const std::string url = reconnect_url(call, 1, kNow + 65 * 60000);
  ASSERT_NE(url, "") << (call.snapshot().failure ? call.snapshot().failure->code : std::string("no failure"));
  EXPECT_EQ(query_value(url, "X-Amz-Credential").substr(0, 11), "ASIARENEWED");
  EXPECT_EQ(query_value(url, "X-Amz-ClientId"), "bob-1a2b3c") << "the master knows this viewer by its first ClientId";
  EXPECT_NE(call.snapshot().state, CallState::Failed);
  EXPECT_NE(call.diagnostics_json().find("voice credentials renewed until"), std::string::npos) << "the diagnostics log says so";
}

TEST(KvsProfile, TheMastersRenewedCredentialsSignItsReconnectionAndOthersAreIgnored) {
  Call call(config(), kNow, 1);
  in_voice(call, "MASTER", "", "Ana");
  drain(call);
  // Credentials for another voice chat (another channel) are not taken for this one.
  auto other = renewed("MASTER", "");
  other.channel_arn = "arn:aws:kinesisvideo:us-west-2:111122223333:channel/voice-2/2";
  call.handle(token_input(KvsProfile::entry_for(other, "Ana", "Ana", kNow + 1000)), kNow + 1000);
  drain(call);
  EXPECT_FALSE(call.snapshot().warnings.empty());
  EXPECT_EQ(call.snapshot().warnings.back(), "voice credentials for another voice chat or role were ignored");
  // Bob's offer takes the link made ahead of anyone (with the first TURN servers).
  call.handle(in::LinkMessage{1, frame("SDP_OFFER", {{"type", "offer"}, {"sdp", "v=0\r\n"}}, "bob-1a2b3c")}, kNow + 2000);
  drain(call);
  const Instant renew_at = kNow + 55 * 60000;
  call.handle(token_input(KvsProfile::entry_for(renewed("MASTER", ""), "Ana", "Ana", renew_at)), renew_at);
  // Bob's link (and any other there is) takes the renewed TURN servers for its ICE restarts to come.
  const auto reconfigured = only<fx::ReconfigurePeers>(drain(call));
  ASSERT_EQ(reconfigured.size(), 1u);
  EXPECT_EQ(reconfigured[0].configuration["iceServers"][0]["username"], "renewed");
  EXPECT_TRUE(reconfigured[0].configuration.contains("iceTransportPolicy")) << "the rest of the configuration is kept";
  // A viewer arriving after the renewal is linked with the renewed TURN servers.
  call.handle(in::LinkMessage{1, frame("SDP_OFFER", {{"type", "offer"}, {"sdp", "v=0\r\n"}}, "cleo-112233")}, renew_at + 1000);
  const auto created = only<fx::CreatePeer>(drain(call));
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].configuration["iceServers"][0]["username"], "renewed");
  const std::string url = reconnect_url(call, 1, kNow + 65 * 60000);
  ASSERT_NE(url, "");
  EXPECT_EQ(query_value(url, "X-Amz-Credential").substr(0, 11), "ASIARENEWED");
  EXPECT_EQ(query_value(url, "X-Amz-ClientId"), "") << "a master sends none";
  EXPECT_NE(query_value(url, "X-Amz-ChannelARN").find("voice-1"), std::string::npos) << "still this voice chat's channel";
}

namespace {
// The service refuses every signaling connection at the handshake (a browser sees the WebSocket close
// before it opens): the timers run until the call gives up, `open_after` refusals at most (-1: all).
// Returns the time it took and how many connections were tried.
struct Refusals { Instant took = 0; int tried = 0; };
Refusals refuse_every_connection(Call& call, int open_after = -1) {
  Refusals r;
  Instant now = kNow;
  for (int i = 0; i < 60 && call.snapshot().state != CallState::Failed; i++) {
    for (const auto& o : only<fx::OpenLink>(drain(call))) {
      if (r.tried++ == open_after) return call.handle(in::LinkOpened{o.id}, now), r;
      call.handle(in::LinkClosed{o.id, 1006, ""}, now);
    }
    auto t = call.poll_timeout();
    if (!t) break;
    now = *t;
    r.took = now - kNow;
    call.handle_timeout(Clock{now, now});
  }
  return r;
}
}  // namespace

// KVS takes 10 viewers per channel and refuses the 11th at the WebSocket handshake, which a browser
// cannot tell from an unreachable server. A viewer that never got in keeps trying (someone may leave),
// then says the likely cause instead of "lost the connection" to a server it never reached.
TEST(KvsProfile, AViewerNeverLetInSaysTheVoiceChatMayBeFull) {
  Call call(config(), kNow, 1);
  voice_asked(call, "VIEWER", "eve-0a0b0c", "eve");
  const Refusals r = refuse_every_connection(call);
  const Snapshot& s = call.snapshot();
  ASSERT_EQ(s.state, CallState::Failed);
  ASSERT_TRUE(s.failure);
  EXPECT_EQ(s.failure->code, "voice.unreachable");
  EXPECT_EQ(s.failure->message,
            "Could not get into Ana's voice chat. It takes Ana and at most 10 others, so it may be full; otherwise your network blocks it. "
            "Try again when someone leaves voice.");
  EXPECT_TRUE(s.failure_retryable);
  EXPECT_GE(r.tried, 5) << "it kept trying: a place may free up";
  EXPECT_GE(r.took, CallConfig{}.reconnect_give_up);
  EXPECT_LE(r.took, CallConfig{}.reconnect_give_up + CallConfig{}.backoff_max);

  // Try again (a place may have freed up): straight back into voice, no second Join to press.
  const Instant later = kNow + r.took + 1000;
  call.handle(in::RetryClicked{}, later);
  call.handle(in::MicGranted{"default", "Mic"}, later);
  const auto opened = only<fx::OpenLink>(drain(call));
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(query_value(opened[0].url, "X-Amz-ClientId"), "eve-0a0b0c");
  call.handle(in::LinkOpened{opened[0].id}, later);
  EXPECT_EQ(call.snapshot().state, CallState::Connecting) << "in voice, with the master in the room";
  EXPECT_FALSE(call.snapshot().failure);
}

TEST(KvsProfile, AViewerLetInOnALaterTryIsInVoice) {
  Call call(config(), kNow, 1);
  voice_asked(call, "VIEWER", "eve-0a0b0c", "eve");
  refuse_every_connection(call, /*open_after=*/3);
  const Snapshot& s = call.snapshot();
  EXPECT_FALSE(s.failure);
  EXPECT_EQ(s.state, CallState::Connecting) << "the viewer's room has the master in it";
  ASSERT_EQ(s.participants.size(), 1u);
  EXPECT_EQ(s.participants[0].who.name, "Ana");
}

TEST(KvsProfile, TheMasterOrAViewerThatWasInSaysTheConnectionWasLost) {
  {  // the master is never refused for a full channel: the network it is
    Call call(config(), kNow, 1);
    voice_asked(call, "MASTER", "", "Ana");
    refuse_every_connection(call);
    ASSERT_TRUE(call.snapshot().failure);
    EXPECT_EQ(call.snapshot().failure->code, "signal.unreachable");
  }
  {  // a viewer that was in voice, then lost the service: it had its place
    Call call(config(), kNow, 1);
    in_voice(call, "VIEWER", "bob-1a2b3c", "bob");
    drain(call);
    call.handle(in::LinkClosed{1, 1006, ""}, kNow + 1000);
    refuse_every_connection(call);
    ASSERT_TRUE(call.snapshot().failure);
    EXPECT_NE(call.snapshot().failure->code, "voice.unreachable") << *call.snapshot().failure;
  }
}
