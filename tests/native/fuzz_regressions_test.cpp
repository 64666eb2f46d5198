// Regressions for what the fuzz targets (tests/fuzz) found in the core's parsers of untrusted input.
// Everything the page shows crosses the wasm boundary as a strict JSON dump, and the wasm build has
// no exceptions: a string that is not valid UTF-8 (an excerpt cut in the middle of a character)
// aborts the page. Hostile numbers must not reach a float-to-integer conversion out of range.
#include <gtest/gtest.h>

#include "earshot/call.hpp"
#include "earshot/crypto.hpp"
#include "earshot/failures.hpp"
#include "earshot/gate.hpp"
#include "earshot/selfhosted.hpp"
#include "earshot/vendor_profiles.hpp"
#include "earshot/wire.hpp"

using namespace earshot;
using nlohmann::json;

namespace {
constexpr Instant kNow = 1800000000000;

// at - 1 ASCII bytes then "é" (2 bytes): a cut at `at` bytes falls inside the "é".
std::string straddling(std::size_t at, std::string_view tail = "é and more") { return std::string(at - 1, 'x') + std::string(tail); }

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

bool dumps(const json& j) {
  try {
    (void)j.dump();
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

Entry invite_entry() {
  Entry e;
  e.invite = Invite{"r1", "tok", Role::Guest, "Gus", "", kNow + 3600000, kNow};
  e.room = "r1";
  e.name = "Gus";
  return e;
}
}  // namespace

TEST(FuzzRegressions, Utf8PrefixCutsAtACharacterBoundary) {
  EXPECT_EQ(utf8_prefix("abc", 5), "abc");
  EXPECT_EQ(utf8_prefix("abcdef", 3), "abc");
  EXPECT_EQ(utf8_prefix("abé", 3), "ab");          // "é" is 2 bytes: it does not fit, it is not halved
  EXPECT_EQ(utf8_prefix("abé", 4), "abé");
  EXPECT_EQ(utf8_prefix("a😀b", 4), "a");          // 4-byte character
  EXPECT_EQ(utf8_prefix("a😀b", 5), "a😀");
  EXPECT_EQ(utf8_prefix("", 0), "");
}

// fuzz_room: a connect_error whose data.message is longer than 200 bytes, with a character across byte 200.
TEST(FuzzRegressions, ARefusalSentenceNeverEndsInHalfACharacter) {
  const Failure f = SelfhostedProfile::failure_for("nope", straddling(200), nullptr, kNow);
  EXPECT_EQ(f.code, "backend.refused");
  EXPECT_TRUE(dumps(wire::to_json(f))) << f.message;
  auto admission = SelfhostedProfile::parse_admission(invite_entry(), 400, json{{"code", "x"}, {"message", straddling(200)}}.dump(), kNow);
  ASSERT_FALSE(admission.ok());
  EXPECT_TRUE(dumps(wire::to_json(admission.failure()))) << admission.failure().message;
  auto chime = ChimeProfile::parse_join(invite_entry(), 403, json{{"message", straddling(200)}}.dump(), kNow);
  ASSERT_FALSE(chime.ok());
  EXPECT_TRUE(dumps(wire::to_json(chime.failure()))) << chime.failure().message;
}

// fuzz_vendor_join: a catalogued code whose sentence needs values the server did not give.
TEST(FuzzRegressions, ACodeTheServerSendsNeverGivesAnEmptySentence) {
  for (const char* code : {"room.full", "input.malformed", "backend.error", "session.expired", "media.timeout", "profile.unknown"}) {
    const std::string body = json{{"code", code}}.dump();
    for (const auto& r : {ChimeProfile::parse_join(invite_entry(), 409, body, kNow), IvsProfile::parse_join(invite_entry(), 409, body, kNow),
                          SelfhostedProfile::parse_admission(invite_entry(), 409, body, kNow)}) {
      ASSERT_FALSE(r.ok());
      EXPECT_FALSE(r.failure().message.empty()) << code;
      EXPECT_EQ(r.failure().message.find("{"), std::string::npos) << code;
      EXPECT_EQ(r.failure().message.find("()"), std::string::npos) << code << ": " << r.failure().message;
      EXPECT_EQ(r.failure().message.find(" at  "), std::string::npos) << code << ": " << r.failure().message;
    }
  }
  EXPECT_EQ(IvsProfile::parse_join(invite_entry(), 409, R"({"code":"room.full"})", kNow).failure().message, "This call is full.");
  EXPECT_EQ(ChimeProfile::parse_join(invite_entry(), 410, R"({"code":"invite.expired"})", kNow).failure().message,
            "This invite expired at 09:00 (UTC). Ask the host for a new link.");
  EXPECT_EQ(IvsProfile::parse_join(Entry{}, 410, R"({"code":"invite.expired"})", kNow).failure().message,
            "This invite has expired. Ask the host for a new link.");
  EXPECT_EQ(SelfhostedProfile::parse_admission(invite_entry(), 401, R"({"code":"token.invalid"})", kNow).failure().code, "token.invalid");
}

// fuzz_vendor_join: an IVS stage token whose exp is far beyond any date (UBSan: float-cast-overflow).
TEST(FuzzRegressions, AnIvsTokenExpiryOutOfRangeIsABadResponse) {
  auto answer = [](const std::string& claims) {
    const std::string token = crypto::base64url_encode(R"({"alg":"ES384"})") + "." + crypto::base64url_encode(claims) + ".sig";
    return json{{"roomId", "r1"}, {"stageConfig", {{"token", token}, {"participantId", "p1"}}}}.dump();
  };
  Entry e;
  e.kind = EntryKind::Name;
  e.name = "Ivy";
  EXPECT_EQ(IvsProfile::parse_join(e, 200, answer(R"({"exp":1e300})"), kNow).failure().code, "backend.bad_response");
  EXPECT_EQ(IvsProfile::parse_join(e, 200, answer(R"({"exp":-1.2e21})"), kNow).failure().code, "token.expired");
  EXPECT_EQ(IvsProfile::parse_join(e, 200, answer(R"({"exp":1700000000})"), kNow).failure().code, "token.expired");
  auto ok = IvsProfile::parse_join(e, 200, answer(R"({"exp":1800003600})"), kNow);
  ASSERT_TRUE(ok.ok()) << ok.failure().message;
  EXPECT_EQ(ok->expires_at, 1800003600000);
}

// fuzz_name: bytes that are not UTF-8 counted as zero characters and were accepted; the IVS join
// request then threw while dumping its JSON body. Control characters of the C1 range too.
TEST(FuzzRegressions, ANameIsOneToFortyCharactersOfValidUtf8WithoutControls) {
  Outbox out;
  const IvsProfile profile("http://h");
  Gate gate(out, profile);
  ASSERT_FALSE(gate.read_page("https://x.test/room.html?room=r1", "", "", kNow));
  for (const std::string bad : {std::string("\x80"), std::string("\x96\x08"), std::string(160, '\x80'), std::string("a\xC3"),
                                std::string("\xC0\xAF"), std::string("\xED\xA0\x80"), std::string("x\xC2\x85y"), std::string("a\x7f"),
                                std::string(41 * 2, '\0').replace(0, 82, [] { std::string s; for (int i = 0; i < 41; ++i) s += "é"; return s; }())}) {
    EXPECT_TRUE(gate.set_name(bad).has_value()) << json(bad).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  EXPECT_TRUE(gate.needs_name());
  EXPECT_FALSE(gate.set_name(repeat("é", 40)).has_value());
  EXPECT_FALSE(gate.set_name("  Zoë 😀 ").has_value());
  EXPECT_EQ(gate.entry().name, "Zoë 😀");
  gate.start();
  auto e = out.pop();
  ASSERT_TRUE(e && std::holds_alternative<fx::HttpRequest>(*e));
  EXPECT_EQ(json::parse(std::get<fx::HttpRequest>(*e).spec.body).at("username"), "Zoë 😀");
}

// fuzz_wire: token-given with a ttl of 1e300 seconds (UBSan: float-cast-overflow).
TEST(FuzzRegressions, ATokenTtlOutOfRangeIsMalformed) {
  auto r = wire::input_from_json(R"({"type":"token-given","room":"r1","token":"t","signalingUrl":"ws://h/ws","ttl":1e300})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure().message, "Input field 'ttl' is missing or has the wrong type.");
  EXPECT_FALSE(wire::input_from_json(R"({"type":"token-given","room":"r1","token":"t","signalingUrl":"ws://h/ws","ttl":-5})").ok());
  auto ok = wire::input_from_json(R"({"type":"token-given","room":"r1","token":"t","signalingUrl":"ws://h/ws","ttl":600})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(std::get<in::TokenGiven>(*ok).ttl, 600000);
  auto unknown = wire::input_from_json(json{{"type", straddling(64)}}.dump());
  ASSERT_FALSE(unknown.ok());
  EXPECT_TRUE(dumps(wire::to_json(unknown.failure())));
}

// fuzz_config: an embed origin quoted in the refusal, cut at 80 bytes.
TEST(FuzzRegressions, AConfigRefusalQuotesWholeCharacters) {
  auto c = wire::config_from_json(json{{"embedOrigins", {"ftp://" + straddling(74)}}}.dump());
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(dumps(wire::to_json(c.failure()))) << c.failure().message;
  CallConfig cfg;
  cfg.profile.name = straddling(40);
  Call call(cfg, kNow, 1);
  call.handle(in::PageOpened{"https://x.test/room.html?room=r1", ""}, kNow);
  ASSERT_TRUE(call.snapshot().failure.has_value());
  EXPECT_EQ(call.snapshot().failure->code, "profile.unknown");
  EXPECT_TRUE(dumps(wire::to_json(call.snapshot())));
}

// fuzz_call: the tab's saved session with expiresAt 9.5e307 (UBSan: float-cast-overflow); it is
// not restored, and the invite is redeemed instead.
TEST(FuzzRegressions, ASavedSessionExpiryOutOfRangeIsIgnored) {
  json h = {{"alg", "HS256"}, {"typ", "JWT"}};
  json claims = {{"iss", "earshot"}, {"typ", "invite"}, {"room", "r1"}, {"role", "guest"}, {"name", "Gus"},
                 {"jti", "j"}, {"iat", kNow / 1000}, {"exp", kNow / 1000 + 3600}};
  const std::string in = crypto::base64url_encode(h.dump()) + "." + crypto::base64url_encode(claims.dump());
  const std::string token = in + "." + crypto::base64url_encode(crypto::as_bytes(crypto::hmac_sha256("k", in)));
  Outbox out;
  const SelfhostedProfile profile("http://h", Topology::Pair);
  Gate gate(out, profile);
  ASSERT_FALSE(gate.read_page("https://x.test/room.html?room=r1&t=" + token, "", "", kNow));
  gate.admit(Admission{"r1", "", "rt", "ws://h/ws", json::array(), kNow + 600000, {"u0", "Gus", Role::Guest}, nullptr, ""});
  json saved = json::parse(gate.session());
  saved["expiresAt"] = 9.5e307;
  Gate again(out, profile);
  ASSERT_FALSE(again.read_page("https://x.test/room.html?room=r1&t=" + token, saved.dump(), "", kNow));
  EXPECT_FALSE(again.admitted().has_value());
  saved["expiresAt"] = kNow + 600000;
  Gate restored(out, profile);
  ASSERT_FALSE(restored.read_page("https://x.test/room.html?room=r1&t=" + token, saved.dump(), "", kNow));
  EXPECT_TRUE(restored.admitted().has_value());
}

// fuzz_room: warnings quote made-up participant ids (cut at 64 bytes), and room-state names are cut at 200.
TEST(FuzzRegressions, SignalingWarningsAndNamesKeepWholeCharacters) {
  CallConfig cfg;
  cfg.profile.api_base = "http://h";
  cfg.profile.room_size = 4;
  Call call(cfg, kNow, 1);
  call.handle(in::TokenGiven{"r1", "rt", "u0", "Me", "ws://h/ws", json::array(), 600000}, kNow);
  call.handle(in::MicGranted{"default", "Mic"}, kNow);
  call.handle(in::LinkOpened{1}, kNow);
  call.handle(in::LinkMessage{1, R"(0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})"}, kNow);
  call.handle(in::JoinClicked{}, kNow);
  call.handle(in::LinkMessage{1, R"(40{"sid":"x"})"}, kNow);
  auto event = [](const std::string& name, const json& payload) { return "42" + json::array({name, payload}).dump(); };
  call.handle(in::LinkMessage{1, event("room-state", {{"self", {{"userId", "u0"}}},
                                                      {"participants", {{{"userId", "u1"}, {"name", straddling(200)}}}}})}, kNow);
  call.handle(in::LinkMessage{1, event("webrtc-offer", {{"from", "u1"}, {"to", straddling(64)}, {"sdp", {{"type", "offer"}, {"sdp", "v=0"}}}})}, kNow);
  call.handle(in::LinkMessage{1, event("ice-candidate", {{"from", straddling(64)}, {"candidate", nullptr}})}, kNow);
  ASSERT_EQ(call.snapshot().participants.size(), 1u);
  EXPECT_EQ(call.snapshot().participants[0].who.name, std::string(199, 'x'));
  ASSERT_GE(call.snapshot().warnings.size(), 2u);
  EXPECT_TRUE(dumps(wire::to_json(call.snapshot())));
}

TEST(FuzzRegressions, AMicrophoneErrorDetailKeepsWholeCharacters) {
  Call call(CallConfig{}, kNow, 1);
  call.handle(in::TokenGiven{"r1", "rt", "u0", "Me", "ws://h/ws", json::array(), 600000}, kNow);
  call.handle(in::MicFailed{MicError::Other, straddling(120)}, kNow);
  ASSERT_TRUE(call.snapshot().failure.has_value());
  EXPECT_TRUE(dumps(wire::to_json(call.snapshot()))) << call.snapshot().failure->message;
}

// fuzz_call: what the vendor SDK adapter or the browser reports in its own words (any valid UTF-8),
// quoted in the failure sentence.
TEST(FuzzRegressions, AVendorOrBrowserErrorKeepsWholeCharacters) {
  CallConfig cfg;
  cfg.profile.name = "ivs";
  cfg.profile.api_base = "http://h";
  for (const std::string code : {std::string("TOKEN_EXPIRED"), std::string("vendor.unavailable")}) {
    Call call(cfg, kNow, 1);
    call.handle(in::PageOpened{"https://x.test/room.html?room=r1", ""}, kNow);
    call.handle(in::MicGranted{"default", "Mic"}, kNow);
    call.handle(in::NameEntered{"Ivy"}, kNow);
    call.handle(in::JoinClicked{}, kNow);
    const std::string token = crypto::base64url_encode(R"({"alg":"ES384"})") + "." + crypto::base64url_encode(R"({"exp":1800003600})") + ".s";
    call.handle(in::HttpResponded{1, 200, json{{"roomId", "r1"}, {"stageConfig", {{"token", token}, {"participantId", "p1"}}}}.dump()}, kNow);
    call.handle(in::VendorStopped{code, straddling(code == "vendor.unavailable" ? 120 : 160 - code.size() - 2)}, kNow);
    ASSERT_TRUE(call.snapshot().failure.has_value()) << code;
    EXPECT_TRUE(dumps(wire::to_json(call.snapshot()))) << call.snapshot().failure->message;
  }
  Call call(CallConfig{}, kNow, 1);
  call.handle(in::TokenGiven{"r1", "rt", "u0", "Me", "ws://h/ws", json::array(), 600000}, kNow);
  call.handle(in::MicGranted{"default", "Mic"}, kNow);
  call.handle(in::JoinClicked{}, kNow);  // the head-start peer link: peer 1
  call.handle(in::NegotiationFailed{1, 0, "create-peer", straddling(120)}, kNow);
  ASSERT_TRUE(call.snapshot().failure.has_value());
  EXPECT_EQ(call.snapshot().failure->code, "webrtc.unavailable");
  EXPECT_TRUE(dumps(wire::to_json(call.snapshot()))) << call.snapshot().failure->message;
}
