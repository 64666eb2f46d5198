// Fuzzes a whole Call through the driver contract (DriverLoop): a configuration (profile, room size,
// topology, ICE policy), an entry (invite link, app token, name), then any mix of every input kind —
// hostile signaling frames from several participants, peer-connection results for live, closed and
// made-up peer ids, HTTP answers to current and stale requests, user actions, device changes, vendor
// SDK reports, inputs decoded from wire JSON — and the clock. Invariants (call_harness.hpp): effects
// only name peers the call created and has not closed, sends go only to the open link, state changes
// follow the table in order, the snapshot never lists ourselves, never holds more links than
// participants + 1, and always crosses the wasm boundary (strict JSON dump).
#include "call_harness.hpp"

using namespace earshot;
using namespace earshot::fuzz;

namespace {
const std::vector<std::string> kPool = {"u0", "u1", "u2", "u3", "u4", "u5"};

std::string pick(FuzzedDataProvider& in, const std::vector<std::string>& from) {
  return from[in.ConsumeIntegralInRange<std::size_t>(0, from.size() - 1)];
}

// What the browser or an SDK says in its own words: valid UTF-8 (a JS string), any length.
std::string words(FuzzedDataProvider& in, std::size_t max = 200) { return scrub_utf8(in.ConsumeRandomLengthString(max)); }

std::string ivs_join_body() {
  const std::string claims = json{{"exp", kNow / 1000 + 3600}}.dump();
  const std::string token = crypto::base64url_encode(R"({"alg":"ES384"})") + "." + crypto::base64url_encode(claims) + ".sig";
  return json{{"roomId", "r1"}, {"stageArn", "arn:s"}, {"stageConfig", {{"token", token}, {"participantId", "u0"}}}}.dump();
}

std::string chime_join_body() {
  return json{{"Meeting", {{"MeetingId", "m"}, {"MediaPlacement", {{"AudioHostUrl", "a"}, {"SignalingUrl", "wss://s"}}}}},
              {"Attendee", {{"AttendeeId", "u0"}, {"JoinToken", "jt"}}}}
      .dump();
}

// What this tab kept (sessionStorage) after an earlier redemption of `link`, with hostile values: the
// Gate restores it instead of redeeming the invite again.
std::string saved_session(FuzzedDataProvider& in, const std::string& link) {
  const std::string token = link.substr(link.find("t=") + 2);
  std::uint64_t h = 0xcbf29ce484222325ULL;  // the Gate's fingerprint of the entry (FNV-1a of the invite token)
  for (unsigned char c : token) h = (h ^ c) * 0x100000001b3ULL;
  char fp[17];
  std::snprintf(fp, sizeof fp, "%016llx", static_cast<unsigned long long>(h));
  json expires;
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0: expires = kNow + in.ConsumeIntegralInRange<std::int64_t>(-60000, 7200000); break;
    case 1: expires = in.ConsumeFloatingPoint<double>(); break;
    case 2: expires = in.ConsumeIntegral<std::int64_t>(); break;
    default: expires = in.ConsumeRandomLengthString(8); break;
  }
  json self = {{"userId", in.ConsumeBool() ? "u0" : in.ConsumeRandomLengthString(8)}, {"name", "Me"}, {"role", in.ConsumeBool() ? "host" : "guest"}};
  json v = {{"v", 2}, {"entry", in.ConsumeIntegralInRange(0, 7) ? std::string(fp) : "0"}, {"roomId", "r1"}, {"title", "T"},
            {"token", in.ConsumeBool() ? "rt" : ""}, {"signalingUrl", in.ConsumeBool() ? "ws://127.0.0.1:8080/ws" : in.ConsumeRandomLengthString(16)},
            {"iceServers", json::array()}, {"expiresAt", expires}, {"self", self}};
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

void vendor_step(Harness& h, FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0: return h.feed(in::VendorStarted{});
    case 1: {
      static const char* kCodes[] = {"MeetingEnded", "STAGE_DELETED", "meeting-ended", "Left", "AudioAttendeeRemoved",
                                     "TOKEN_EXPIRED", "vendor.unavailable", ""};
      return h.feed(in::VendorStopped{in.ConsumeBool() ? kCodes[in.ConsumeIntegralInRange(0, 7)] : words(in, 40), words(in)});
    }
    case 2: {
      in::VendorRoster r;
      for (int n = in.ConsumeIntegralInRange(0, 5); n > 0; --n)
        r.attendees.push_back({in.ConsumeBool() ? pick(in, kPool) : words(in, 20), words(in, 40), in.ConsumeBool(), in.ConsumeBool()});
      return h.feed(r);
    }
    default: {
      in::VendorVolumes v;
      for (int n = in.ConsumeIntegralInRange(0, 4); n > 0; --n) v.volumes.push_back({pick(in, kPool), in.ConsumeFloatingPoint<double>()});
      return h.feed(v);
    }
  }
}

void user_step(Harness& h, FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 12)) {
    case 0: return h.feed(in::MuteSet{in.ConsumeBool()});
    case 1: return h.feed(in::RetryClicked{});
    case 2: return h.feed(in::JoinClicked{});
    case 3: return h.feed(in::LeaveClicked{});
    case 4: return h.feed(in::PageClosing{});
    case 5: return h.feed(in::MicGranted{in.ConsumeBool() ? "default" : words(in, 20), words(in, 40)});
    case 6: return h.feed(in::MicFailed{static_cast<MicError>(in.ConsumeIntegralInRange(0, 3)), words(in)});
    case 7: {
      in::DevicesChanged d;
      for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n) d.inputs.push_back({in.ConsumeBool() ? "default" : words(in, 12), words(in, 30)});
      for (int n = in.ConsumeIntegralInRange(0, 2); n > 0; --n) d.outputs.push_back({words(in, 12), words(in, 30)});
      return h.feed(d);
    }
    case 8: return h.feed(in::InputDeviceChosen{in.ConsumeBool() ? "default" : words(in, 12)});
    case 9: return h.feed(in::NameEntered{in.ConsumeRandomLengthString(60)});
    case 10: return h.feed(in::PageOpened{in.ConsumeRandomLengthString(200), in.ConsumeRandomLengthString(200)});
    case 11: {  // any input the page could send, decoded as the wasm driver decodes it
      auto decoded = wire::input_from_json(in.ConsumeRandomLengthString(300));
      if (decoded.ok()) h.feed(decoded.value());
      return;
    }
    default: {  // an answer to one of our requests, or to none
      const std::uint64_t id = !h.http.empty() && in.ConsumeBool() ? h.http.back().id : in.ConsumeIntegralInRange<std::uint64_t>(0, 5);
      if (in.ConsumeIntegralInRange(0, 3) == 0) return h.feed(in::HttpFailed{id, words(in, 30)});
      return h.feed(in::HttpResponded{id, in.ConsumeBool() ? 200 : in.ConsumeIntegralInRange(100, 599),
                                      in.ConsumeBool() ? admission_body(pick(in, kPool), "guest") : in.ConsumeRandomLengthString(200)});
    }
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  CallConfig cfg;
  cfg.profile.api_base = "http://127.0.0.1:8080";
  const int profile = in.ConsumeIntegralInRange(0, 7);  // mostly selfhosted
  cfg.profile.name = profile == 6 ? "chime" : profile == 7 ? "ivs" : "selfhosted";
  cfg.profile.room_size = in.ConsumeIntegralInRange(2, 6);
  static const char* kTopologies[] = {"", "", "mesh", "star", "pair"};
  cfg.profile.topology = kTopologies[in.ConsumeIntegralInRange(0, 4)];
  if (in.ConsumeIntegralInRange(0, 3) == 0) cfg.ice_transport_policy = "relay";
  Harness h(cfg, in.ConsumeIntegral<std::uint8_t>());
  h.auto_browser = in.ConsumeBool();
  const std::string role = in.ConsumeBool() ? "host" : "guest";

  // ---- the entry, as far as the fuzzer lets it go
  if (cfg.profile.name == "selfhosted") {
    if (in.ConsumeIntegralInRange(0, 3) == 0) {  // an app-issued token: admitted at once
      h.feed(in::TokenGiven{"r1", "rt", "u0", "Me", "ws://127.0.0.1:8080/ws", json::array(), 600000});
      h.feed(in::MicGranted{"default", "Mic"});
    } else {
      const std::string link = invite_link(role);
      h.feed(in::PageOpened{link, in.ConsumeIntegralInRange(0, 3) == 0 ? saved_session(in, link) : ""});
      h.feed(in::MicGranted{"default", "Mic"});
      if (!h.http.empty()) h.feed(in::HttpResponded{h.http.front().id, 200, admission_body("u0", role)});
    }
    handshake(h, false);
    h.feed(in::JoinClicked{});
    handshake(h, true);
    if (const int present = in.ConsumeIntegralInRange(-1, 3); present >= 0 && h.link) {
      json ps = json::array();
      for (int i = 1; i <= present; ++i) ps.push_back({{"userId", "u" + std::to_string(i)}, {"name", "P"}, {"role", i == 1 ? "host" : "guest"}});
      h.feed(in::LinkMessage{*h.link, Frames::event("room-state", {{"self", {{"userId", "u0"}, {"role", role}}},
                                                                    {"participants", ps}, {"capacity", cfg.profile.room_size}})});
    }
  } else {
    const bool chime = cfg.profile.name == "chime";
    h.feed(in::PageOpened{chime ? invite_link(role) : "https://x.test/room.html?room=r1", ""});
    h.feed(in::MicGranted{"default", "Mic"});
    if (!chime) h.feed(in::NameEntered{"Ivy"});
    h.feed(in::JoinClicked{});
    if (!h.http.empty()) h.feed(in::HttpResponded{h.http.back().id, 200, chime ? chime_join_body() : ivs_join_body()});
    if (in.ConsumeBool()) h.feed(in::VendorStarted{});
  }

  // ---- then anything, in any order
  Frames frames{in, kPool};
  for (int steps = 0; steps < 400 && in.remaining_bytes() > 0; ++steps) {
    const int op = in.ConsumeIntegralInRange(0, 19);
    if (op <= 6) {
      if (h.link && h.link_open) h.feed(in::LinkMessage{*h.link, frames.next()});
    } else if (op <= 9) {
      browser_step(h, in);
    } else if (op <= 11) {
      user_step(h, in);
    } else if (op <= 13) {
      vendor_step(h, in);
    } else if (op == 14) {
      h.advance(in.ConsumeIntegralInRange<Duration>(0, 60000));
    } else if (op == 15) {
      handshake(h, in.ConsumeBool());
    } else if (op == 16) {
      if (h.link && h.link_open) {
        h.link_open = false;
        h.feed(in::LinkClosed{*h.link, in.ConsumeBool() ? 1006 : 1000, words(in, 20)});
      }
    } else if (op == 17) {  // late news from a link that is no longer ours (or never was)
      const LinkId stale = in.ConsumeIntegralInRange<LinkId>(0, 6);
      if (!h.link || stale != *h.link) {
        if (in.ConsumeBool()) h.feed(in::LinkMessage{stale, frames.next()});
        else if (in.ConsumeBool()) h.feed(in::LinkClosed{stale, 1006, ""});
        else h.feed(in::LinkOpened{stale});
      }
    } else {
      h.advance(in.ConsumeIntegralInRange<Duration>(0, 3000));
    }
  }
  h.finish();
  return 0;
}
