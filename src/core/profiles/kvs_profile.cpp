// The `kvs` profile (see vendor_profiles.hpp): voice credentials from the chat become the call's entry;
// every signaling (re)connection gets a freshly presigned URL; the channel is kvs::SignalingChannel.
#include "earshot/failures.hpp"
#include "earshot/json.hpp"
#include "earshot/kvs.hpp"
#include "earshot/sigv4.hpp"
#include "earshot/vendor_profiles.hpp"

namespace earshot {
using nlohmann::json;

namespace {
constexpr auto str = json_string;

// "2026-12-01T17:05:09Z" (fractions allowed) -> epoch ms; 0 when it is not such a time. (Digits read
// by hand: sscanf would pull libc's whole scanf into the wasm, ~20 KB.)
Instant parse_utc(std::string_view t) {
  const auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; i++) {
      if (i >= t.size() || t[i] < '0' || t[i] > '9') return -1;
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  if (t.size() < 19 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':') return 0;
  int y = num(0, 4), mo = num(5, 2);
  const int d = num(8, 2), h = num(11, 2), mi = num(14, 2), s = num(17, 2);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60) return 0;
  // days from civil (Howard Hinnant's algorithm)
  y -= mo <= 2;
  const int era = y / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = static_cast<std::int64_t>(era) * 146097 + doe - 719468;
  return ((days * 24 + h) * 60 + mi) * 60000 + static_cast<Instant>(s) * 1000;
}

struct VoiceToken {
  bool master = false;
  std::string client_id, channel_arn, region, master_name;
  sigv4::Credentials credentials;
};

Result<VoiceToken> read_token(const std::string& token) {
  const json j = parse_json_text(token);
  VoiceToken v;
  v.master = str(j, "role") == "MASTER";
  v.client_id = str(j, "clientId");
  v.channel_arn = str(j, "channelARN");
  v.region = str(j, "region");
  v.master_name = str(j, "master");
  v.credentials = sigv4::Credentials{str(j, "accessKeyId"), str(j, "secretAccessKey"), str(j, "sessionToken")};
  if (!j.is_object() || (!v.master && str(j, "role") != "VIEWER") || (!v.master && v.client_id.empty()) || v.channel_arn.empty() ||
      v.region.empty() || v.credentials.access_key_id.empty() || v.credentials.secret_access_key.empty())
    return make_failure("token.malformed", {{"detail", "its voice credentials need role, clientId, channelARN, region and keys"}});
  return v;
}
}  // namespace

Result<std::string> KvsProfile::signaling_url_at(const Admission& a, Instant now) const {
  auto t = read_token(a.token);
  if (!t) return t.failure();
  sigv4::PresignRequest r;
  r.endpoint = a.signaling_url;
  r.region = t->region;
  r.service = "kinesisvideo";
  r.query.emplace_back("X-Amz-ChannelARN", t->channel_arn);
  if (!t->master) r.query.emplace_back("X-Amz-ClientId", t->client_id);
  r.now = now;
  return sigv4::presign_url(t->credentials, r);
}

std::unique_ptr<SignalingChannel> KvsProfile::open_channel(const Admission& a) const {
  auto t = read_token(a.token);
  if (!t) return nullptr;
  const Participant self{t->master ? std::string(kvs::kMasterId) : t->client_id, a.self.name, t->master ? Role::Host : Role::Guest};
  return std::make_unique<kvs::SignalingChannel>(t->master ? kvs::Role::Master : kvs::Role::Viewer, t->master ? "" : t->client_id,
                                                 self, t->master_name);
}

std::optional<std::string> KvsProfile::renewed_token(const Admission& in_use, const std::string& token) const {
  auto old = read_token(in_use.token);
  auto renewed = read_token(token);
  if (!old || !renewed || old->master != renewed->master || old->channel_arn != renewed->channel_arn) return std::nullopt;
  if (old->master || renewed->client_id == old->client_id) return token;
  // IAM ties no ClientId to the credentials (each getVoiceCredentials names a new one): keep ours.
  json j = parse_json_text(token);
  j["clientId"] = old->client_id;
  return json_text(j);
}

std::optional<Failure> KvsProfile::never_reached(const Admission& a) const {
  auto t = read_token(a.token);
  if (!t || t->master) return std::nullopt;  // the master is never refused for a full channel (the newest wins)
  return make_failure("voice.unreachable", {{"master", t->master_name.empty() ? std::string("the host") : t->master_name}});
}

json KvsProfile::entry_for(const groupchat::ev::VoiceCredentials& v, std::string_view username, std::string_view master, Instant now) {
  const bool is_master = v.role == "MASTER";
  json token = json::object();
  token["role"] = v.role;
  token["clientId"] = v.client_id;
  token["channelARN"] = v.channel_arn;
  token["region"] = v.region;
  token["accessKeyId"] = v.credentials.access_key_id;
  token["secretAccessKey"] = v.credentials.secret_access_key;
  token["sessionToken"] = v.credentials.session_token;
  token["master"] = master;
  json e = json::object();
  e["room"] = v.voice_room_id.empty() ? v.room_id : v.voice_room_id;
  e["token"] = json_text(token);
  e["userId"] = is_master ? std::string(kvs::kMasterId) : v.client_id;
  e["userName"] = username;
  e["signalingUrl"] = v.wss_endpoint;
  e["iceServers"] = v.ice_servers;
  const Instant expires = parse_utc(v.credentials.expiration);
  e["ttl"] = static_cast<double>(expires > now ? expires - now : 3600 * 1000) / 1000;  // seconds, as the entry takes it
  return e;
}

}  // namespace earshot
