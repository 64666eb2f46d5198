// Fuzzes the vendor backends' join answers: ChimeProfile::parse_join (both shapes: {Meeting, Attendee}
// and the AWS demo's {JoinInfo:{Meeting:{Meeting}, Attendee:{Attendee}}}) and IvsProfile::parse_join
// ({roomId, stageArn, stageConfig:{token, participantId}}, the token a JWT whose claims — exp among
// them — are the fuzzer's), with any status and error bodies ({code|error|message}), or raw bytes.
// Whatever is admitted must start the SDK; whatever is refused is a catalogued failure whose
// sentence crosses the wasm boundary (strict JSON dump).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "earshot/crypto.hpp"
#include "earshot/failures.hpp"
#include "earshot/vendor_profiles.hpp"
#include "earshot/wire.hpp"
#include "fuzz_util.hpp"

using namespace earshot;
using earshot::fuzz::check;
using nlohmann::json;

namespace {
constexpr Instant kNow = 1800000000000;

json value(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 7)) {
    case 0: return nullptr;
    case 1: return in.ConsumeBool();
    case 2: return in.ConsumeIntegral<std::int64_t>();
    case 3: return in.ConsumeFloatingPoint<double>();
    case 4: return json::array();
    case 5: return json::object();
    default: return in.ConsumeRandomLengthString(48);
  }
}

// `good` most of the time, else a hostile value, else nothing.
void field(FuzzedDataProvider& in, json& j, const char* key, json good) {
  switch (in.ConsumeIntegralInRange(0, 7)) {
    case 0: return;
    case 1: j[key] = value(in); return;
    default: j[key] = std::move(good);
  }
}

std::string text(FuzzedDataProvider& in, std::size_t max = 24) {
  std::string s = in.ConsumeRandomLengthString(max);
  return s.empty() ? "x" : s;
}

json chime_answer(FuzzedDataProvider& in) {
  json placement = json::object();
  field(in, placement, "AudioHostUrl", text(in));
  field(in, placement, "SignalingUrl", "wss://signal.test/" + text(in));
  json meeting = json::object(), attendee = json::object();
  field(in, meeting, "MeetingId", text(in));
  field(in, meeting, "MediaPlacement", placement);
  field(in, attendee, "AttendeeId", text(in));
  field(in, attendee, "JoinToken", text(in));
  json j = json::object();
  if (in.ConsumeBool()) {  // the AWS demo's nesting
    json info = json::object();
    field(in, info, "Meeting", json{{"Meeting", meeting}});
    field(in, info, "Attendee", json{{"Attendee", attendee}});
    field(in, j, "JoinInfo", info);
  } else {
    field(in, j, "Meeting", meeting);
    field(in, j, "Attendee", attendee);
  }
  return j;
}

json ivs_answer(FuzzedDataProvider& in) {
  std::string token;
  if (in.ConsumeBool()) {
    json claims = json::object();
    switch (in.ConsumeIntegralInRange(0, 4)) {
      case 0: break;
      case 1: claims["exp"] = kNow / 1000 + in.ConsumeIntegralInRange<std::int64_t>(-7200, 7200); break;
      case 2: claims["exp"] = in.ConsumeIntegral<std::int64_t>(); break;
      case 3: claims["exp"] = in.ConsumeFloatingPoint<double>(); break;
      default: claims["exp"] = value(in); break;
    }
    if (in.ConsumeBool()) claims[text(in, 8)] = value(in);
    const std::string header = in.ConsumeBool() ? R"({"alg":"ES384","typ":"JWT"})" : in.ConsumeRandomLengthString(32);
    token = crypto::base64url_encode(header) + "." +
            crypto::base64url_encode(claims.dump(-1, ' ', false, json::error_handler_t::replace)) + "." + text(in, 16);
  } else {
    token = in.ConsumeRandomLengthString(64);
  }
  json stage = json::object();
  field(in, stage, "token", token);
  field(in, stage, "participantId", text(in));
  json j = json::object();
  field(in, j, "roomId", text(in));
  field(in, j, "stageArn", "arn:aws:ivs:" + text(in));
  field(in, j, "stageConfig", stage);
  return j;
}

json error_answer(FuzzedDataProvider& in) {
  static const char* kCodes[] = {"ROOM_NOT_FOUND", "invite.expired", "room.full", "token.invalid", "backend.refused", "rate.limited"};
  json j = json::object();
  if (in.ConsumeBool()) j[in.ConsumeBool() ? "code" : "error"] = in.ConsumeBool() ? json(kCodes[in.ConsumeIntegralInRange(0, 5)]) : value(in);
  if (in.ConsumeBool()) j["message"] = in.ConsumeRandomLengthString(400);
  return j;
}

void check_failure(const Failure& f) {
  check(!f.code.empty() && !f.message.empty() && failure_info(f.code) != nullptr);
  (void)wire::to_json(f).dump();  // valid UTF-8, or this throws (and the wasm page aborts)
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const bool chime = in.ConsumeBool();
  int status = 200;
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0: status = 200; break;
    case 1: status = in.ConsumeIntegralInRange(199, 300); break;
    case 2: status = in.ConsumeIntegralInRange(400, 599); break;
    default: status = in.ConsumeIntegral<int>(); break;
  }
  Entry entry;
  if (chime) {  // an invite (the meeting is the room)
    entry.kind = EntryKind::Invite;
    entry.invite = Invite{"r1", "tok", in.ConsumeBool() ? Role::Host : Role::Guest, "Gus", "T", kNow + 3600000, kNow};
    entry.name = "Gus";
    entry.room = "r1";
  } else {      // a name, with the page's room or none
    entry.kind = EntryKind::Name;
    entry.name = "Ivy";
    entry.room = in.ConsumeBool() ? "r1" : "";
  }
  std::string body;
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0: body = in.ConsumeRemainingBytesAsString(); break;
    case 1: body = error_answer(in).dump(-1, ' ', false, json::error_handler_t::replace); break;
    default:
      body = (chime ? chime_answer(in) : ivs_answer(in)).dump(-1, ' ', false, json::error_handler_t::replace);
      break;
  }

  const auto a = chime ? ChimeProfile::parse_join(entry, status, body, kNow) : IvsProfile::parse_join(entry, status, body, kNow);
  if (!a.ok()) {
    check_failure(a.failure());
    return 0;
  }
  check(status >= 200 && status <= 299);
  check(!a->token.empty() && !a->self.id.empty() && !a->room_id.empty());
  check(a->expires_at > kNow);
  check(a->vendor_join.is_object());
  (void)a->vendor_join.dump();  // what StartVendor hands to the adapter
  if (chime) {
    check(a->room_id == entry.room && a->self.name == entry.name);
    check(a->vendor_join.at("meeting").is_object() && a->vendor_join.at("attendee").is_object());
    const ChimeProfile profile("http://127.0.0.1:8080");
    check(profile.signaling_url(*a).ok());
  } else {
    check(a->vendor_join.at("token") == a->token && a->vendor_join.at("participantId") == a->self.id);
  }
  return 0;
}
