// Specifications for the Socket.IO v5 / Engine.IO v4 client: codecs, endpoint URL, and session transcripts.
// Wire examples come from the socketio/socket.io-protocol and engine.io-protocol READMEs.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "earshot/socketio.hpp"

namespace earshot::sio {
// Readable failure output for session events (gtest prints each variant alternative with these).
void PrintTo(const Opened& v, std::ostream* os) {
  *os << "Opened{" << v.sid << "," << v.ping_interval << "," << v.ping_timeout << "," << v.max_payload << "}";
}
void PrintTo(const Connected& v, std::ostream* os) { *os << "Connected{" << v.sid << "}"; }
void PrintTo(const ConnectRefused& v, std::ostream* os) {
  *os << "ConnectRefused{" << v.message << "," << v.data.dump() << "}";
}
void PrintTo(const EventReceived& v, std::ostream* os) {
  *os << "EventReceived{" << v.name << "," << v.args.dump() << "," << (v.ack_id ? std::to_string(*v.ack_id) : "-")
      << "}";
}
void PrintTo(const AckReceived& v, std::ostream* os) { *os << "AckReceived{" << v.id << "," << v.args.dump() << "}"; }
void PrintTo(const Closed& v, std::ostream* os) { *os << "Closed{" << v.reason << "}"; }
void PrintTo(const Discarded& v, std::ostream* os) { *os << "Discarded{" << v.why << "}"; }
void PrintTo(const Packet& p, std::ostream* os) {
  *os << "Packet{" << static_cast<int>(p.type) << "," << p.nsp << "," << (p.ack_id ? std::to_string(*p.ack_id) : "-")
      << "," << p.data.dump() << "}";
}
}  // namespace earshot::sio

using namespace earshot;
using namespace earshot::sio;
using json = nlohmann::json;
using Events = std::vector<SessionEvent>;
using Frames = std::vector<std::string>;

namespace {

constexpr Instant T0 = 1'700'000'000'000;
const std::string kOpen =
    R"(0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})";
const Opened kOpened{"lv_VI97HAXpY6yYWAAAC", 25000, 20000, 1000000};

Frames frames(Session& s) {
  Frames out;
  while (auto f = s.poll_transmit()) out.push_back(std::move(*f));
  return out;
}
Events events(Session& s) {
  Events out;
  while (auto e = s.poll_event()) out.push_back(std::move(*e));
  return out;
}

// A session whose Engine.IO handshake is done at T0, outputs drained.
Session opened_session(Session::Options o = {}) {
  Session s(std::move(o));
  s.handle_transport_open(T0);
  s.handle_frame(kOpen, T0);
  frames(s);
  events(s);
  return s;
}
// ... and whose namespace CONNECT was accepted.
Session connected_session(Session::Options o = {}) {
  const std::string nsp = o.nsp;
  Session s = opened_session(std::move(o));
  s.connect();
  s.handle_frame(nsp == "/" ? R"(40{"sid":"nsp-sid"})" : "40" + nsp + R"(,{"sid":"nsp-sid"})", T0);
  frames(s);
  events(s);
  return s;
}

}  // namespace

// ---- [SECTION] Socket.IO packet codec ------------------------------------------------------------

struct WireExample {
  std::string wire;
  Packet packet;
};

TEST(SocketIoPacket, DecodesAndEncodesEveryReadmeExampleExactly) {
  const std::vector<WireExample> examples = {
      {"0", {PacketType::Connect, "/", std::nullopt, nullptr}},
      {R"(0{"token":"123"})", {PacketType::Connect, "/", std::nullopt, {{"token", "123"}}}},
      {R"(0/admin,{"token":"123"})", {PacketType::Connect, "/admin", std::nullopt, {{"token", "123"}}}},
      {R"(0{"sid":"oSO0OpakMV_3jnilAAAA"})", {PacketType::Connect, "/", std::nullopt, {{"sid", "oSO0OpakMV_3jnilAAAA"}}}},
      {R"(0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"})",
       {PacketType::Connect, "/admin", std::nullopt, {{"sid", "oSO0OpakMV_3jnilAAAA"}}}},
      {"1", {PacketType::Disconnect, "/", std::nullopt, nullptr}},
      {"1/admin,", {PacketType::Disconnect, "/admin", std::nullopt, nullptr}},
      {R"(2["foo"])", {PacketType::Event, "/", std::nullopt, json::array({"foo"})}},
      {R"(2/admin,["bar"])", {PacketType::Event, "/admin", std::nullopt, json::array({"bar"})}},
      {R"(212["foo"])", {PacketType::Event, "/", 12, json::array({"foo"})}},
      {R"(2/admin,456["project:delete",123])",
       {PacketType::Event, "/admin", 456, json::array({"project:delete", 123})}},
      {R"(312["bar"])", {PacketType::Ack, "/", 12, json::array({"bar"})}},
      {"3/admin,456[]", {PacketType::Ack, "/admin", 456, json::array()}},
      {R"(4{"message":"Not authorized"})", {PacketType::ConnectError, "/", std::nullopt, {{"message", "Not authorized"}}}},
      {R"(4/admin,{"data":{"reason":"expired"},"message":"Not authorized"})",
       {PacketType::ConnectError, "/admin", std::nullopt, {{"message", "Not authorized"}, {"data", {{"reason", "expired"}}}}}},
  };
  for (const auto& ex : examples) {
    SCOPED_TRACE(ex.wire);
    const auto decoded = decode_packet(ex.wire);
    ASSERT_TRUE(decoded.ok()) << decoded.failure().message;
    EXPECT_EQ(*decoded, ex.packet);
    EXPECT_EQ(encode_packet(ex.packet), ex.wire);
    EXPECT_EQ(decode_packet(encode_packet(*decoded)), decoded);
  }
}

TEST(SocketIoPacket, NamespaceMayRunToTheEndWithoutComma) {
  const auto p = decode_packet("1/admin");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, PacketType::Disconnect);
  EXPECT_EQ(p->nsp, "/admin");
  EXPECT_EQ(encode_packet(*p), "1/admin,");
}

TEST(SocketIoPacket, AckIdsUpToTwoToThe53AreAcceptedAndLargerOnesOverflow) {
  const auto max = decode_packet(R"(29007199254740992["x"])");
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->ack_id, std::uint64_t{9007199254740992});
  EXPECT_EQ(decode_packet(R"(29007199254740993["x"])").failure(), (Failure{"signal.garbage", "ack id overflow"}));
  EXPECT_EQ(decode_packet(R"(3/admin,99999999999999999999999999999[])").failure().message, "ack id overflow");
  const auto zeros = decode_packet(R"(30000000000000000000000000000007[])");  // leading zeros are just digits
  ASSERT_TRUE(zeros.ok());
  EXPECT_EQ(zeros->ack_id, std::uint64_t{7});
}

TEST(SocketIoPacket, EveryGarbageClassIsRefusedWithAStableReason) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty packet"},
      {"x", "unknown packet type"},
      {"7[]", "unknown packet type"},
      {"-1", "unknown packet type"},
      {R"(51-["hello",{"_placeholder":true,"num":0}])", "binary packet"},
      {R"(61-0[{"_placeholder":true,"num":0}])", "binary packet"},
      {R"(2["x")", "bad json"},
      {R"(2["x"]trailing)", "bad json"},
      {"2[\"\xff\xfe\"]", "bad json"},  // invalid UTF-8
      {"2[NaN]", "bad json"},
      {"2", "bad event"},
      {"2[]", "bad event"},
      {"2[1,2]", "bad event"},
      {R"(2{"name":"x"})", "bad event"},
      {R"(2"x")", "bad event"},
      {"2null", "bad event"},
      {"3[]", "missing ack id"},
      {"312{}", "bad payload"},
      {"312\"x\"", "bad payload"},
      {"1{}", "bad payload"},
      {"0[]", "bad payload"},
      {"0\"token\"", "bad payload"},
      {"4", "bad payload"},
      {"4[1]", "bad payload"},
      {"012{}", "unexpected ack id"},
      {"1/admin,5", "unexpected ack id"},
      {"2" + std::string(100, '[') + std::string(100, ']'), "nested too deep"},
      {"2[\"x\"," + std::string(100000, '{'), "nested too deep"},
  };
  for (const auto& [wire, why] : cases) {
    SCOPED_TRACE(wire.substr(0, 40));
    const auto r = decode_packet(wire);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.failure(), (Failure{"signal.garbage", why}));
  }
}

TEST(SocketIoPacket, ModerateNestingAndBracketsInsideStringsAreFine) {
  EXPECT_TRUE(decode_packet("2[\"x\"," + std::string(40, '[') + std::string(40, ']') + "]").ok());
  EXPECT_TRUE(decode_packet("2[\"" + std::string(1000, '[') + "\\\"" + std::string(1000, '{') + "\"]").ok());
}

TEST(SocketIoPacket, EncodesStringsWithQuotesNewlinesAndUnicodeAsValidJson) {
  const Packet p{PacketType::Event, "/", std::nullopt, json::array({"chat", "he said \"hi\"\n\tto \xE2\x98\x83 \\o/"})};
  const std::string wire = encode_packet(p);
  EXPECT_EQ(wire, "2[\"chat\",\"he said \\\"hi\\\"\\n\\tto \xE2\x98\x83 \\\\o/\"]");
  EXPECT_EQ(decode_packet(wire), p);
}

TEST(SocketIoPacket, InvalidUtf8FromTheCallerIsReplacedNotThrown) {
  const Packet p{PacketType::Event, "/", std::nullopt, json::array({"chat", "bad \xC3\x28 byte"})};
  const std::string wire = encode_packet(p);
  EXPECT_EQ(wire, "2[\"chat\",\"bad \xEF\xBF\xBD( byte\"]");
  EXPECT_TRUE(decode_packet(wire).ok());
}

// ---- [SECTION] Engine.IO packet codec ------------------------------------------------------------

TEST(EngineIoPacket, DecodesAndEncodesEveryType) {
  const std::vector<std::pair<std::string, EioPacket>> cases = {
      {kOpen, {EioType::Open, kOpen.substr(1)}},
      {"1", {EioType::Close, ""}},
      {"2", {EioType::Ping, ""}},
      {"2probe", {EioType::Ping, "probe"}},
      {"3", {EioType::Pong, ""}},
      {"3probe", {EioType::Pong, "probe"}},
      {"4hello", {EioType::Message, "hello"}},
      {R"(42["foo"])", {EioType::Message, R"(2["foo"])"}},
      {"5", {EioType::Upgrade, ""}},
      {"6", {EioType::Noop, ""}},
  };
  for (const auto& [wire, packet] : cases) {
    SCOPED_TRACE(wire);
    const auto decoded = decode_eio(wire);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, packet);
    EXPECT_EQ(encode_eio(packet), wire);
  }
}

TEST(EngineIoPacket, RefusesEmptyAndUnknownTypes) {
  EXPECT_EQ(decode_eio("").failure(), (Failure{"signal.garbage", "empty frame"}));
  EXPECT_EQ(decode_eio("7").failure(), (Failure{"signal.garbage", "unknown engine.io type"}));
  EXPECT_EQ(decode_eio("bAQID").failure().message, "unknown engine.io type");  // base64 binary (polling only)
  EXPECT_EQ(decode_eio(std::string(1, '\0')).failure().message, "unknown engine.io type");
}

// ---- [SECTION] Endpoint URL ----------------------------------------------------------------------

TEST(WebsocketUrl, AppendsEngineIoQueryToThePath) {
  EXPECT_EQ(*websocket_url("ws://127.0.0.1:8080/ws"), "ws://127.0.0.1:8080/ws/?EIO=4&transport=websocket");
  EXPECT_EQ(*websocket_url("ws://127.0.0.1:8080/ws/"), "ws://127.0.0.1:8080/ws/?EIO=4&transport=websocket");
  EXPECT_EQ(*websocket_url("wss://example.com/a/b"), "wss://example.com/a/b/?EIO=4&transport=websocket");
}

TEST(WebsocketUrl, HttpSchemesBecomeWebSocketSchemes) {
  EXPECT_EQ(*websocket_url("http://example.com/ws"), "ws://example.com/ws/?EIO=4&transport=websocket");
  EXPECT_EQ(*websocket_url("https://example.com/ws"), "wss://example.com/ws/?EIO=4&transport=websocket");
  EXPECT_EQ(*websocket_url("HTTPS://example.com/ws"), "wss://example.com/ws/?EIO=4&transport=websocket");
}

TEST(WebsocketUrl, UsesTheDefaultPathWhenNoneIsGiven) {
  EXPECT_EQ(*websocket_url("https://example.com"), "wss://example.com/socket.io/?EIO=4&transport=websocket");
  EXPECT_EQ(*websocket_url("https://example.com/"), "wss://example.com/socket.io/?EIO=4&transport=websocket");
  EXPECT_EQ(*websocket_url("ws://h:3000", "/ws"), "ws://h:3000/ws/?EIO=4&transport=websocket");
  EXPECT_EQ(*websocket_url("ws://h:3000", "ws"), "ws://h:3000/ws/?EIO=4&transport=websocket");
}

TEST(WebsocketUrl, KeepsAnExistingQueryAndIpv6Literals) {
  EXPECT_EQ(*websocket_url("wss://example.com:8443/ws?room=r1"),
            "wss://example.com:8443/ws/?room=r1&EIO=4&transport=websocket");
  EXPECT_EQ(*websocket_url("ws://example.com?room=r1"), "ws://example.com/socket.io/?room=r1&EIO=4&transport=websocket");
  EXPECT_EQ(*websocket_url("ws://[::1]:3000/ws"), "ws://[::1]:3000/ws/?EIO=4&transport=websocket");
}

TEST(WebsocketUrl, RefusesBadUrlsWithSignalBadUrl) {
  const std::vector<std::string> bad = {
      "",
      "example.com/ws",
      "//example.com/ws",
      "ftp://example.com/ws",
      "javascript://alert(1)",
      "ws://",
      "ws:///ws",
      "ws://:8080/ws",
      "ws://host:0/",
      "ws://host:99999/",
      "ws://host:80a/",
      "ws://host:/",
      "ws://user:pw@host/ws",
      "ws://ho st/ws",
      "ws://host/w s",
      "ws://host/ws\n",
      "ws://host/ws#frag",
      "ws://[::1/ws",
      "ws://[]/ws",
      "ws://h\xC3\xA9llo/ws",
  };
  for (const auto& url : bad) {
    SCOPED_TRACE(url);
    const auto r = websocket_url(url);
    ASSERT_FALSE(r.ok()) << *r;
    EXPECT_EQ(r.failure().code, "signal.bad_url");
    EXPECT_FALSE(r.failure().message.empty());
  }
}

// ---- [SECTION] Session transcripts ---------------------------------------------------------------

TEST(SocketIoSession, FullTranscriptFromOpenToClientDisconnect) {
  Session s({.auth = {{"token", "jwt.abc"}}});
  s.handle_transport_open(T0);
  s.connect();  // before the Engine.IO open: queued
  EXPECT_EQ(frames(s), Frames{});
  EXPECT_EQ(events(s), Events{});
  EXPECT_EQ(s.poll_timeout(), T0 + 20000);

  s.handle_frame(kOpen, T0 + 10);
  EXPECT_EQ(events(s), Events{kOpened});
  EXPECT_EQ(frames(s), Frames{R"(40{"token":"jwt.abc"})"});
  EXPECT_TRUE(s.is_open());
  EXPECT_FALSE(s.is_connected());
  EXPECT_EQ(s.poll_timeout(), T0 + 10 + 45000);

  s.handle_frame("2", T0 + 25010);
  EXPECT_EQ(frames(s), Frames{"3"});
  EXPECT_EQ(s.poll_timeout(), T0 + 25010 + 45000);

  s.handle_frame(R"(40{"sid":"FXAlB4xVrCYC1VDkAAAD"})", T0 + 25020);
  EXPECT_EQ(events(s), Events{Connected{"FXAlB4xVrCYC1VDkAAAD"}});
  EXPECT_TRUE(s.is_connected());

  EXPECT_EQ(s.emit("join", {{"room", "r1"}}, true), std::uint64_t{0});
  EXPECT_EQ(frames(s), Frames{R"(420["join",{"room":"r1"}])"});
  s.handle_frame(R"(430[{"ok":true}])", T0 + 25030);
  EXPECT_EQ(events(s), (Events{AckReceived{0, json::array({{{"ok", true}}})}}));

  s.handle_frame(R"(427["user-joined",{"userId":"bob"},"x"])", T0 + 25040);
  EXPECT_EQ(events(s), (Events{EventReceived{"user-joined", json::array({{{"userId", "bob"}}, "x"}), 7}}));
  s.ack(7, json::array({"welcome"}));
  EXPECT_EQ(frames(s), Frames{R"(437["welcome"])"});

  EXPECT_EQ(s.emit("webrtc-offer", {{"sdp", "v=0\r\n"}}), std::nullopt);
  EXPECT_EQ(frames(s), Frames{R"(42["webrtc-offer",{"sdp":"v=0\r\n"}])"});

  s.handle_frame("2", T0 + 50000);
  EXPECT_EQ(frames(s), Frames{"3"});

  s.disconnect();
  EXPECT_EQ(frames(s), (Frames{"41", "1"}));
  EXPECT_EQ(events(s), Events{Closed{"client disconnect"}});
  EXPECT_TRUE(s.is_closed());
  EXPECT_FALSE(s.is_connected());
  EXPECT_EQ(s.poll_timeout(), std::nullopt);
}

TEST(SocketIoSession, NonDefaultNamespaceTranscriptAndForeignNamespaceIsDiscarded) {
  Session s = opened_session({.nsp = "/admin"});
  s.connect();
  EXPECT_EQ(frames(s), Frames{"40/admin,"});
  s.handle_frame(R"(40{"sid":"main"})", T0);  // "/" is not ours
  EXPECT_EQ(events(s), Events{Discarded{"unknown namespace"}});
  s.handle_frame(R"(40/admin,{"sid":"adm"})", T0);
  EXPECT_EQ(events(s), Events{Connected{"adm"}});
  s.emit("ping", 1, true);
  EXPECT_EQ(frames(s), Frames{R"(42/admin,0["ping",1])"});
  s.handle_frame(R"(43/admin,0["pong"])", T0);
  s.handle_frame(R"(42/other,["x"])", T0);
  s.handle_frame(R"(42["x"])", T0);
  EXPECT_EQ(events(s), (Events{AckReceived{0, json::array({"pong"})}, Discarded{"unknown namespace"},
                               Discarded{"unknown namespace"}}));
  s.ack(5, json::array());
  EXPECT_EQ(frames(s), Frames{"43/admin,5[]"});
  s.disconnect();
  EXPECT_EQ(frames(s), (Frames{"41/admin,", "1"}));
}

TEST(SocketIoSession, ConnectWithoutAuthSendsBare40) {
  Session s = opened_session();
  s.connect();
  s.connect();  // idempotent
  EXPECT_EQ(frames(s), Frames{"40"});
}

TEST(SocketIoSession, ProbePingIsAnsweredWithProbePong) {
  Session s = opened_session();
  s.handle_frame("2probe", T0 + 1);
  EXPECT_EQ(frames(s), Frames{"3probe"});
  EXPECT_EQ(events(s), Events{});
}

// ---- [SECTION] Session heartbeat -----------------------------------------------------------------

TEST(SocketIoSession, HeartbeatTimesOutExactlyAtPingIntervalPlusPingTimeout) {
  Session s = opened_session();
  EXPECT_EQ(s.poll_timeout(), T0 + 45000);
  s.handle_timeout(T0 + 44999);
  EXPECT_FALSE(s.is_closed());
  EXPECT_EQ(events(s), Events{});
  s.handle_timeout(T0 + 45000);
  EXPECT_TRUE(s.is_closed());
  EXPECT_EQ(events(s), Events{Closed{"ping timeout"}});
  EXPECT_EQ(s.poll_timeout(), std::nullopt);
}

TEST(SocketIoSession, EachPingResetsTheDeadline) {
  Session s = opened_session();
  s.handle_frame("2", T0 + 25000);
  EXPECT_EQ(s.poll_timeout(), T0 + 70000);
  s.handle_timeout(T0 + 45000);  // the old deadline no longer applies
  EXPECT_FALSE(s.is_closed());
  s.handle_timeout(T0 + 69999);
  EXPECT_FALSE(s.is_closed());
  s.handle_timeout(T0 + 70000);
  EXPECT_EQ(events(s), Events{Closed{"ping timeout"}});
}

TEST(SocketIoSession, DeadlineFollowsTheServersIntervals) {
  Session s({});
  s.handle_transport_open(T0);
  s.handle_frame(R"(0{"sid":"a","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":4096})", T0 + 5);
  EXPECT_EQ(events(s), Events{(Opened{"a", 300, 200, 4096})});
  EXPECT_EQ(s.poll_timeout(), T0 + 505);
}

TEST(SocketIoSession, OpenWithoutMaxPayloadKeepsTheDefault) {
  Session s({});
  s.handle_frame(R"(0{"sid":"a","upgrades":[],"pingInterval":300,"pingTimeout":200})", T0);
  EXPECT_EQ(events(s), Events{(Opened{"a", 300, 200, 1000000})});
}

TEST(SocketIoSession, HandshakeTimesOutTwentySecondsAfterTransportOpen) {
  Session s({});
  EXPECT_EQ(s.poll_timeout(), std::nullopt);
  s.handle_transport_open(T0);
  EXPECT_EQ(s.poll_timeout(), T0 + 20000);
  s.handle_timeout(T0 + 19999);
  EXPECT_FALSE(s.is_closed());
  s.handle_timeout(T0 + 20000);
  EXPECT_EQ(events(s), Events{Closed{"handshake timeout"}});
}

// ---- [SECTION] Session closing paths -------------------------------------------------------------

TEST(SocketIoSession, InvalidOpenPacketIsAProtocolError) {
  const std::vector<std::string> bad = {
      "0",
      "0{",
      "0[]",
      "0{}",
      R"(0{"sid":5,"pingInterval":25000,"pingTimeout":20000})",
      R"(0{"sid":"","pingInterval":25000,"pingTimeout":20000})",
      R"(0{"sid":"a","pingTimeout":20000})",
      R"(0{"sid":"a","pingInterval":25000})",
      R"(0{"sid":"a","pingInterval":0,"pingTimeout":20000})",
      R"(0{"sid":"a","pingInterval":-1,"pingTimeout":20000})",
      R"(0{"sid":"a","pingInterval":"25000","pingTimeout":20000})",
      R"(0{"sid":"a","pingInterval":25000.5,"pingTimeout":20000})",
      R"(0{"sid":"a","pingInterval":1e400,"pingTimeout":20000})",
      R"(0{"sid":"a","pingInterval":9223372036854775807,"pingTimeout":9223372036854775807})",
      R"(0{"sid":"a","pingInterval":25000,"pingTimeout":20000,"maxPayload":0})",
      R"(0{"sid":"a","pingInterval":25000,"pingTimeout":20000,"maxPayload":null})",
  };
  for (const auto& open : bad) {
    SCOPED_TRACE(open);
    Session s({});
    s.connect();
    s.handle_transport_open(T0);
    s.handle_frame(open, T0);
    EXPECT_EQ(events(s), Events{Closed{"protocol error"}});
    EXPECT_EQ(frames(s), Frames{});
    EXPECT_TRUE(s.is_closed());
  }
}

TEST(SocketIoSession, FramesBeforeTheOpenPacketAreDiscarded) {
  Session s({});
  s.handle_transport_open(T0);
  s.handle_frame("2", T0);
  s.handle_frame(R"(42["x"])", T0);
  s.handle_frame("1", T0);
  s.handle_frame("", T0);
  s.handle_frame("x", T0);
  EXPECT_EQ(frames(s), Frames{});
  EXPECT_EQ(events(s), (Events{Discarded{"before open"}, Discarded{"before open"}, Discarded{"before open"},
                               Discarded{"empty frame"}, Discarded{"unknown engine.io type"}}));
  EXPECT_FALSE(s.is_closed());
  s.handle_frame(kOpen, T0);
  EXPECT_EQ(events(s), Events{kOpened});
}

TEST(SocketIoSession, EngineIoCloseAndSocketIoDisconnectAreServerDisconnects) {
  Session a = opened_session();
  a.handle_frame("1", T0);
  EXPECT_EQ(events(a), Events{Closed{"server disconnect"}});
  Session b = connected_session();
  b.handle_frame("41", T0);
  EXPECT_EQ(events(b), Events{Closed{"server disconnect"}});
  EXPECT_EQ(frames(b), Frames{});
}

TEST(SocketIoSession, TransportCloseEndsTheSessionOnce) {
  Session s = connected_session();
  s.emit("lost", 1);  // not yet drained when the socket dies: dropped
  s.handle_transport_close(T0);
  s.handle_transport_close(T0);
  EXPECT_EQ(events(s), Events{Closed{"transport close"}});
  EXPECT_EQ(frames(s), Frames{});
}

TEST(SocketIoSession, ConnectRefusalCarriesMessageAndDataThenCloses) {
  Session s = opened_session({.auth = {{"token", "expired"}}});
  s.connect();
  s.emit("join", 1);
  EXPECT_EQ(frames(s), Frames{R"(40{"token":"expired"})"});
  s.handle_frame(R"(44{"message":"Not authorized","data":{"code":"room.expired"}})", T0);
  EXPECT_EQ(events(s), (Events{ConnectRefused{"Not authorized", {{"code", "room.expired"}}}, Closed{"connect refused"}}));
  EXPECT_EQ(frames(s), Frames{});  // the queued emit is never sent
  EXPECT_TRUE(s.is_closed());
}

TEST(SocketIoSession, ConnectRefusalWithoutDataOrAsBareString) {
  Session a = opened_session();
  a.connect();
  a.handle_frame(R"(44{"message":"Not authorized"})", T0);
  EXPECT_EQ(events(a), (Events{ConnectRefused{"Not authorized", nullptr}, Closed{"connect refused"}}));
  Session b = opened_session();
  b.connect();
  b.handle_frame(R"(44"Invalid namespace")", T0);
  EXPECT_EQ(events(b), (Events{ConnectRefused{"Invalid namespace", nullptr}, Closed{"connect refused"}}));
}

TEST(SocketIoSession, DisconnectBeforeOpenSendsNothingAndWithoutConnectSendsOnlyEngineClose) {
  Session a({});
  a.handle_transport_open(T0);
  a.disconnect();
  EXPECT_EQ(frames(a), Frames{});
  EXPECT_EQ(events(a), Events{Closed{"client disconnect"}});
  Session b = opened_session();
  b.disconnect();
  EXPECT_EQ(frames(b), Frames{"1"});
}

TEST(SocketIoSession, FramesEmittedJustBeforeDisconnectStillGoOut) {
  Session s = connected_session();
  s.emit("leave", "r1");
  s.disconnect();
  EXPECT_EQ(frames(s), (Frames{R"(42["leave","r1"])", "41", "1"}));
}

TEST(SocketIoSession, NothingIsEmittedAfterClosed) {
  const auto close_paths = std::vector<void (*)(Session&)>{
      [](Session& s) { s.disconnect(); },
      [](Session& s) { s.handle_transport_close(T0); },
      [](Session& s) { s.handle_timeout(T0 + 45000); },
      [](Session& s) { s.handle_frame("1", T0); },
      [](Session& s) { s.handle_frame("41", T0); },
  };
  for (std::size_t i = 0; i < close_paths.size(); ++i) {
    SCOPED_TRACE(i);
    Session s = connected_session();
    close_paths[i](s);
    frames(s);
    ASSERT_EQ(events(s).size(), 1u);
    s.handle_frame("2", T0);
    s.handle_frame(R"(42["x"])", T0);
    s.handle_frame("garbage", T0);
    s.handle_frame(std::string(2 << 20, 'x'), T0);
    s.handle_frame(kOpen, T0);
    s.handle_transport_open(T0);
    s.handle_transport_close(T0);
    s.handle_timeout(T0 + 10'000'000);
    s.connect();
    EXPECT_EQ(s.emit("x", 1, true), std::nullopt);
    s.ack(1, json::array());
    s.disconnect();
    EXPECT_EQ(frames(s), Frames{});
    EXPECT_EQ(events(s), Events{});
    EXPECT_EQ(s.poll_timeout(), std::nullopt);
  }
}

// ---- [SECTION] Session queues --------------------------------------------------------------------

TEST(SocketIoSession, EmitsBeforeConnectedAreFlushedInOrderAfterConnected) {
  Session s = opened_session();
  s.connect();
  EXPECT_EQ(s.emit("a", 1), std::nullopt);
  EXPECT_EQ(s.emit("b", 2, true), std::uint64_t{0});
  EXPECT_EQ(s.emit("c", json::array({3, 4})), std::nullopt);
  EXPECT_EQ(frames(s), Frames{"40"});
  s.handle_frame(R"(40{"sid":"s"})", T0);
  EXPECT_EQ(events(s), Events{Connected{"s"}});
  EXPECT_EQ(frames(s), (Frames{R"(42["a",1])", R"(420["b",2])", R"(42["c",[3,4]])"}));
}

TEST(SocketIoSession, EverythingQueuedBeforeTheOpenGoesOutInProtocolOrder) {
  Session s({.auth = {{"token", "t"}}});
  s.emit("early", nullptr);
  s.connect();
  s.handle_transport_open(T0);
  EXPECT_EQ(frames(s), Frames{});
  s.handle_frame(kOpen, T0);
  EXPECT_EQ(frames(s), Frames{R"(40{"token":"t"})"});
  s.handle_frame(R"(40{"sid":"s"})", T0);
  EXPECT_EQ(frames(s), Frames{R"(42["early",null])"});
}

TEST(SocketIoSession, EmitsWaitUntilConnectIsCalledAndAccepted) {
  Session s = opened_session();
  s.emit("a", 1);
  s.handle_frame("2", T0);
  EXPECT_EQ(frames(s), Frames{"3"});
  s.connect();
  EXPECT_EQ(frames(s), Frames{"40"});
}

TEST(SocketIoSession, AckIdsCountUpAndEachAckIsDeliveredOnce) {
  Session s = connected_session();
  EXPECT_EQ(s.emit("a", 1, true), std::uint64_t{0});
  EXPECT_EQ(s.emit("b", 1, true), std::uint64_t{1});
  EXPECT_EQ(s.emit("c", 1, true), std::uint64_t{2});
  frames(s);
  s.handle_frame("431[]", T0);
  s.handle_frame("431[]", T0);
  s.handle_frame("435[]", T0);
  EXPECT_EQ(events(s), (Events{AckReceived{1, json::array()}, Discarded{"unknown ack id"}, Discarded{"unknown ack id"}}));
}

TEST(SocketIoSession, AckArgumentsAreAlwaysSentAsAnArray) {
  Session s = connected_session();
  s.ack(3, nullptr);
  s.ack(4, "ok");
  s.ack(5, json::array({1, "two"}));
  EXPECT_EQ(frames(s), (Frames{"433[]", R"(434["ok"])", R"(435[1,"two"])"}));
}

TEST(SocketIoSession, OutgoingJsonStaysValidForHostileStrings) {
  Session s = connected_session();
  s.emit("say \"hi\"", "line1\nline2 \xF0\x9F\x8E\xA7 \\ \x01 \xFF");
  const Frames out = frames(s);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], "42[\"say \\\"hi\\\"\",\"line1\\nline2 \xF0\x9F\x8E\xA7 \\\\ \\u0001 \xEF\xBF\xBD\"]");
  ASSERT_TRUE(decode_eio(out[0]).ok());
  EXPECT_TRUE(decode_packet(decode_eio(out[0])->data).ok());
}

// ---- [SECTION] Session garbage -------------------------------------------------------------------

TEST(SocketIoSession, EveryGarbageClassIsDiscardedWithAStableReasonAndTheSessionLivesOn) {
  Session s = connected_session({.max_frame = 4096});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {std::string(4097, '6'), "frame too large"},
      {"", "empty frame"},
      {"9", "unknown engine.io type"},
      {"\x80garbage", "unknown engine.io type"},
      {"4", "empty packet"},
      {"4x", "unknown packet type"},
      {R"(451-["hello",{"_placeholder":true,"num":0}])", "binary packet"},
      {R"(42["x")", "bad json"},
      {"42{}", "bad event"},
      {"42[1]", "bad event"},
      {R"(42[["nested"],1])", "bad event"},
      {R"(429007199254740993["x"])", "ack id overflow"},
      {"42[\"x\"," + std::string(3000, '[') + "]", "nested too deep"},
      {R"(42/other,["x"])", "unknown namespace"},
      {"43999[]", "unknown ack id"},
      {"43[]", "missing ack id"},
      {R"(40{"sid":"again"})", "unexpected connect"},
      {"41{}", "bad payload"},
      {kOpen, "unexpected open"},
      {"3", "unexpected pong"},
      {"5", "unexpected upgrade"},
  };
  for (const auto& [frame, why] : cases) {
    SCOPED_TRACE(frame.substr(0, 40));
    s.handle_frame(frame, T0 + 1);
    EXPECT_EQ(events(s), Events{Discarded{why}});
    EXPECT_EQ(frames(s), Frames{});
  }
  s.handle_frame("6", T0 + 1);  // noop: silently fine
  EXPECT_EQ(events(s), Events{});
  EXPECT_TRUE(s.is_connected());
  s.handle_frame("2", T0 + 2);
  EXPECT_EQ(frames(s), Frames{"3"});
  s.handle_frame(R"(42["still-here"])", T0 + 3);
  EXPECT_EQ(events(s), (Events{EventReceived{"still-here", json::array(), std::nullopt}}));
}

TEST(SocketIoSession, FrameSizeLimitIsInclusive) {
  Session s = connected_session({.max_frame = kOpen.size()});
  const std::string name(kOpen.size() - 6, 'n');  // 42["<name>"] is exactly max_frame bytes
  s.handle_frame("42[\"" + name + "\"]", T0);
  EXPECT_EQ(events(s), (Events{EventReceived{name, json::array(), std::nullopt}}));
  s.handle_frame("42[\"" + name + "x\"]", T0);
  EXPECT_EQ(events(s), Events{Discarded{"frame too large"}});
}

TEST(SocketIoSession, FramesAboveTheServersMaxPayloadAreDiscarded) {
  Session s({});
  s.handle_frame(R"(0{"sid":"a","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":20})", T0);
  s.connect();
  s.handle_frame(R"(40{"sid":"s"})", T0);
  events(s);
  s.handle_frame(R"(42["abcdefghijklmno"])", T0);  // 21 bytes
  EXPECT_EQ(events(s), Events{Discarded{"frame too large"}});
}

TEST(SocketIoSession, PacketsOutOfOrderAreDiscarded) {
  Session s = opened_session();
  s.handle_frame(R"(40{"sid":"s"})", T0);  // connect() was never called
  s.handle_frame(R"(44{"message":"no"})", T0);
  s.handle_frame("41", T0);
  s.connect();
  s.handle_frame(R"(42["x"])", T0);
  s.handle_frame("430[]", T0);
  s.handle_frame("40{}", T0);
  s.handle_frame(R"(40{"sid":7})", T0);
  EXPECT_EQ(events(s), (Events{Discarded{"unexpected connect"}, Discarded{"unexpected connect error"},
                               Discarded{"unexpected disconnect"}, Discarded{"event before connect"},
                               Discarded{"ack before connect"}, Discarded{"bad connect"}, Discarded{"bad connect"}}));
  EXPECT_FALSE(s.is_closed());
  s.handle_frame(R"(40{"sid":"s"})", T0);
  EXPECT_EQ(events(s), Events{Connected{"s"}});
}

// Frames captured from the local backend (socket.io 4 at path /ws) refusing a bad room token.
TEST(SocketIoSession, RefusalTranscriptCapturedFromTheLocalBackend) {
  Session s({.auth = {{"token", "bad"}}});
  s.handle_transport_open(T0);
  s.connect();
  s.handle_frame(
      R"(0{"sid":"c6bmnwsCYMlhzNFfAAAA","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":131072})",
      T0);
  EXPECT_EQ(frames(s), Frames{R"(40{"token":"bad"})"});
  s.handle_frame(
      R"(44{"message":"token.invalid","data":{"code":"token.invalid","message":"The room token is not valid."}})", T0);
  EXPECT_EQ(events(s), (Events{Opened{"c6bmnwsCYMlhzNFfAAAA", 25000, 20000, 131072},
                               ConnectRefused{"token.invalid",
                                              {{"code", "token.invalid"}, {"message", "The room token is not valid."}}},
                               Closed{"connect refused"}}));
}
