// `chime` (seed 000) and `ivs` (seed 002) admissions: the backend's answer becomes the JSON the vendor
// SDK adapter starts with. Everything after that is the SDK's (web/vendor/*.js).
#include "earshot/failures.hpp"
#include "earshot/json.hpp"
#include "earshot/jwt.hpp"
#include "earshot/vendor_profiles.hpp"

namespace earshot {
using nlohmann::json;

namespace {
constexpr auto str = json_string;
const json* obj(const json& j, const char* k) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(k);
  return it != j.end() && it->is_object() ? &*it : nullptr;
}
// An HTTP error answer: {code|error|message}; the sentence comes from the catalog where the code is known.
Failure http_failure(int status, const json& j) {
  std::string code = str(j, "code");
  if (code.empty()) code = str(j, "error");
  if (status == 429) return make_failure("rate.limited");
  if (code == "ROOM_NOT_FOUND" || status == 404) return make_failure("room.not_found");
  if (code == "invite.expired") return Failure{"invite.expired", "This invite has expired. Ask the host for a new link."};
  if (code == "room.full") return make_failure(code, {{"sentence", "This call is full."}});
  if (failure_needs_no_values(code)) return make_failure(code);
  if (status >= 500) return make_failure("backend.error", {{"status", std::to_string(status)}});
  const std::string said = utf8_prefix(str(j, "message"), 200);
  if (!said.empty()) return make_failure("backend.refused", {{"sentence", "The call server refused: " + said}});
  return make_failure("backend.unexpected", {{"status", std::to_string(status)}});
}
}  // namespace

// ---- chime --------------------------------------------------------------------------------------
std::unique_ptr<AdmissionFlow> ChimeProfile::admission(const Entry& entry) const {
  const std::string invite = entry.invite ? entry.invite->token : std::string();
  HttpRequestSpec join{"POST", api_base_ + "/rooms/" + entry.room + "/join",
                       {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + invite}},
                       json_text(json{{"token", invite}})};
  return std::make_unique<SingleRequestFlow>(entry, std::move(join), &ChimeProfile::parse_join);
}

Result<std::string> ChimeProfile::signaling_url(const Admission& a) const { return a.signaling_url; }

Result<Admission> ChimeProfile::parse_join(const Entry& entry, int status, std::string_view body, Instant now) {
  json j = parse_json_text(body);
  if (j.is_discarded()) j = json::object();
  if (status < 200 || status > 299) {
    // Seed 000's Troubleshooting: a join Lambda that calls CreateMeeting without ExternalMeetingId.
    if (status >= 500 && str(j, "message").find("ExternalMeetingId") != std::string::npos)
      return make_failure("backend.fault", {{"detail", "it could not create the meeting (\"" + utf8_prefix(str(j, "message"), 80) +
                                                           "\": its CreateMeeting call must pass an ExternalMeetingId)."}});
    Failure f = http_failure(status, j);
    if (f.code == "invite.expired" && entry.invite)
      return make_failure("invite.expired", {{"time", format_utc_clock(entry.invite->expires_at, now, entry.utc_offset_min)}});
    return f;
  }
  const json* root = obj(j, "JoinInfo") ? obj(j, "JoinInfo") : &j;
  const json* meeting = obj(*root, "Meeting");
  const json* attendee = obj(*root, "Attendee");
  if (meeting && obj(*meeting, "Meeting")) meeting = obj(*meeting, "Meeting");
  if (attendee && obj(*attendee, "Attendee")) attendee = obj(*attendee, "Attendee");
  const Failure bad = make_failure("backend.bad_response");
  if (!meeting || !attendee) return bad;
  const json* placement = obj(*meeting, "MediaPlacement");
  // Seed 000's Troubleshooting: a later join answered with the meeting record but not GetMeeting's full meeting.
  if (!placement)
    return make_failure("backend.fault", {{"detail", "its answer has no MediaPlacement for the meeting (a later join must return the full meeting from GetMeeting)."}});
  if ( str(*meeting, "MeetingId").empty() || str(*placement, "AudioHostUrl").empty() ||
      str(*placement, "SignalingUrl").empty() || str(*attendee, "AttendeeId").empty() || str(*attendee, "JoinToken").empty())
    return bad;
  Admission a;
  a.room_id = entry.room;
  a.room_title = entry.invite ? entry.invite->title : std::string();
  a.token = str(*attendee, "JoinToken");
  a.signaling_url = str(*placement, "SignalingUrl");
  a.expires_at = now + 24 * 3600 * 1000;  // a meeting lives while it is used; the invite was the short-lived part
  a.self = Participant{str(*attendee, "AttendeeId"), entry.name, entry.invite ? entry.invite->role : Role::Guest};
  a.vendor_join = json{{"meeting", *meeting}, {"attendee", *attendee}};
  return a;
}

// ---- ivs ----------------------------------------------------------------------------------------
std::unique_ptr<AdmissionFlow> IvsProfile::admission(const Entry& entry) const {
  json body{{"username", entry.name}};
  if (!entry.room.empty()) body["roomId"] = entry.room;
  HttpRequestSpec join{"POST", api_base_ + "/room/join", {{"Content-Type", "application/json"}}, json_text(body)};
  return std::make_unique<SingleRequestFlow>(entry, std::move(join), &IvsProfile::parse_join);
}

Result<std::string> IvsProfile::signaling_url(const Admission& a) const { return a.signaling_url; }

Result<Admission> IvsProfile::parse_join(const Entry& entry, int status, std::string_view body, Instant now) {
  json j = parse_json_text(body);
  if (j.is_discarded()) j = json::object();
  if (status < 200 || status > 299) return http_failure(status, j);
  const json* stage = obj(j, "stageConfig");
  const Failure bad = make_failure("backend.bad_response");
  if (!stage || str(j, "roomId").empty() || str(*stage, "token").empty() || str(*stage, "participantId").empty()) return bad;
  const std::string token = str(*stage, "token");
  auto decoded = jwt::decode(token);
  if (!decoded) return bad;
  Admission a;
  a.room_id = str(j, "roomId");
  a.token = token;
  a.expires_at = now + 3600 * 1000;
  if (auto exp = decoded->claims.find("exp"); exp != decoded->claims.end() && exp->is_number()) {
    // Compared as a double first: a hostile exp (1e300 s) must not reach the integer conversion.
    const double exp_ms = exp->get<double>() * 1000;
    if (exp_ms <= static_cast<double>(now)) return make_failure("token.expired");
    if (!(exp_ms < 253402300800000.0)) return bad;  // past the year 9999: not an expiry
    a.expires_at = static_cast<Instant>(exp_ms);
  }
  a.self = Participant{str(*stage, "participantId"), entry.name, Role::Guest};
  a.vendor_join = json{{"token", token}, {"participantId", a.self.id}, {"stageArn", str(j, "stageArn")}, {"roomId", a.room_id}};
  return a;
}

}  // namespace earshot
