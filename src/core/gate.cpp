// Admission and the tab's saved session (see gate.hpp).
#include "earshot/gate.hpp"
#include "earshot/json.hpp"

#include "earshot/failures.hpp"

namespace earshot {
using nlohmann::json;

namespace {
// When a token given with `ttl` (ms; 0: the app said none) lapses: an app token without a ttl is held
// to four hours.
Instant token_expiry(Instant wall, Duration ttl) { return wall + (ttl > 0 ? ttl : 4 * 3600 * 1000); }
// FNV-1a: the saved session only has to recognise its own entry (sessionStorage is per tab).
std::string fnv1a_hex(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = "0123456789abcdef"[h & 15];
  return out;
}
// The code point starting at s[i] into `c`; its length in bytes, or 0 when it is not valid UTF-8
// (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
std::size_t utf8_next(std::string_view s, std::size_t i, char32_t& c) {
  const unsigned char b = static_cast<unsigned char>(s[i]);
  const std::size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  c = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
  for (std::size_t k = 1; k < n; ++k) {
    const unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    c = (c << 6) | (d & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < kMin[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  return n;
}
std::string str(const json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace

std::optional<Failure> Gate::read_page(const std::string& url, const std::string& saved, const std::string& device,
                                       Instant wall) {
  entry_ = Entry{};
  entry_.kind = profile_->page_entry();
  entry_.device = device;
  entry_.utc_offset_min = utc_offset_min_;
  if (entry_.kind == EntryKind::Invite) {
    auto invite = parse_invite_link(url, wall, utc_offset_min_);
    if (!invite) return invite.failure();
    entry_.invite = *invite;
    entry_.name = invite->name;
    entry_.room = invite->room;
  } else {
    entry_.room = profile_->room_from_url(url);
  }
  restore(saved, wall);
  return std::nullopt;
}

std::optional<Failure> Gate::set_name(const std::string& raw) {
  std::string name = raw;
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
  std::size_t start = name.find_first_not_of(" \t");
  name = start == std::string::npos ? std::string() : name.substr(start);
  // 1 to 40 characters of valid UTF-8 (it goes into JSON, whose dump refuses anything else), none of
  // them a control character (C0, DEL, C1).
  bool printable = !name.empty() && name.size() <= 40 * 4;
  std::size_t chars = 0;
  for (std::size_t i = 0; printable && i < name.size(); ++chars) {
    char32_t c = 0;
    const std::size_t n = utf8_next(name, i, c);
    if (n == 0 || c < 0x20 || (c >= 0x7f && c <= 0x9f)) printable = false;
    i += n;
  }
  if (!printable || chars > 40) {
    entry_.name.clear();  // the name shown is refused: Join waits for a good one, never the previous
    return make_failure("name.invalid");
  }
  entry_.name = std::move(name);
  return std::nullopt;
}

void Gate::give_token(const in::TokenGiven& t, Instant wall) {
  entry_ = Entry{};
  entry_.kind = EntryKind::Token;
  entry_.room = t.room;
  entry_.token = t.token;
  entry_.user_id = t.user_id;
  entry_.name = t.user_name;
  entry_.signaling_url = t.signaling_url;
  entry_.ice_servers = t.ice_servers;
  entry_.ttl = t.ttl;
  Admission a;
  a.room_id = t.room;
  a.token = t.token;
  a.signaling_url = t.signaling_url;
  a.ice_servers = t.ice_servers.is_array() ? t.ice_servers : json::array();
  a.expires_at = token_expiry(wall, t.ttl);
  a.self = Participant{t.user_id, t.user_name, Role::Guest};
  admission_ = std::move(a);
}

#ifndef EARSHOT_SELFHOSTED_ONLY  // renewed credentials come from a page module (kvs)
void Gate::renew(std::string token, const json& ice_servers, Duration ttl, Instant wall) {
  if (!admission_) return;
  entry_.token = token;
  entry_.ttl = ttl;
  if (ice_servers.is_array()) entry_.ice_servers = admission_->ice_servers = ice_servers;
  admission_->token = std::move(token);
  admission_->expires_at = token_expiry(wall, ttl);
}
#endif

void Gate::start() {
  flow_ = profile_->admission(entry_);
  next_request();
}

bool Gate::look() {
  auto spec = profile_->lookup(entry_);
  if (!spec) return false;
  lookup_request_ = send(std::move(*spec));
  return true;
}

std::uint64_t Gate::send(HttpRequestSpec spec) {
  std::string_view host = spec.url;
  if (auto p = host.find("://"); p != std::string_view::npos) host.remove_prefix(p + 3);
  host_ = std::string(host.substr(0, host.find('/')));
  const std::uint64_t id = next_id_++;
  out_.push(fx::HttpRequest{id, std::move(spec), 10000});
  return id;
}

void Gate::next_request() {
  request_.reset();
  if (!flow_) return;
  auto spec = flow_->poll_request();
  if (!spec) return;
  request_ = send(std::move(*spec));
}

std::optional<Result<Lookup>> Gate::on_lookup(const in::HttpResponded& e, Instant wall) {
  if (!lookup_request_ || e.request != *lookup_request_) return std::nullopt;
  lookup_request_.reset();
  auto r = profile_->parse_lookup(entry_, e.status, e.body, wall);
  if (r.ok()) lookup_ = r.value();
  return r;
}

std::optional<Result<Admission>> Gate::on(const in::HttpResponded& e, Instant wall) {
  if (!flow_ || !request_ || e.request != *request_) return std::nullopt;
  flow_->handle_response(e.status, e.body, wall);
  if (auto done = flow_->outcome()) {
    flow_.reset();
    request_.reset();
    if (done->ok()) admission_ = done->value();
    return done;
  }
  next_request();
  return std::nullopt;
}

std::optional<Failure> Gate::on(const in::HttpFailed& e) {
  const bool ours = (flow_ && request_ && e.request == *request_) || (lookup_request_ && e.request == *lookup_request_);
  if (!ours) return std::nullopt;
  cancel();
  return make_failure("backend.unreachable", {{"host", host_.empty() ? std::string() : " at " + host_}});
}

std::string Gate::entry_fingerprint() const {
  if (entry_.invite) return fnv1a_hex(entry_.invite->token);
  return fnv1a_hex(std::string(to_string(entry_.kind)) + "\n" + entry_.room + "\n" + entry_.name);
}

std::string Gate::session() const {
  if (!admission_ || entry_.kind != EntryKind::Invite) return {};
  const Admission& a = *admission_;
  json v = json::object();
  v["v"] = 2;
  v["entry"] = entry_fingerprint();
  v["roomId"] = a.room_id;
  v["title"] = a.room_title;
  v["token"] = a.token;
  v["signalingUrl"] = a.signaling_url;
  v["iceServers"] = a.ice_servers;
  v["expiresAt"] = a.expires_at;
  json& self = v["self"];
  self["userId"] = a.self.id;
  self["name"] = a.self.name;
  self["role"] = to_string(a.self.role);
  return json_text(v);
}

void Gate::restore(const std::string& saved, Instant wall) {
  if (saved.empty() || saved.size() > 64 * 1024 || !entry_.invite) return;
  json v = parse_json_text(saved);
  if (v.is_discarded() || !v.is_object()) return;
  if (str(v, "entry") != entry_fingerprint() || str(v, "roomId") != entry_.room || str(v, "token").empty()) return;
  auto exp = v.find("expiresAt");
  if (exp == v.end() || !exp->is_number() || exp->get<double>() <= static_cast<double>(wall)) return;
  if (!(exp->get<double>() < 253402300800000.0)) return;  // past the year 9999: not an expiry (nor an Instant)
  auto ice = v.find("iceServers");
  auto self = v.find("self");
  if (ice == v.end() || !ice->is_array() || self == v.end() || !self->is_object()) return;
  Admission a;
  a.room_id = str(v, "roomId");
  a.room_title = str(v, "title");
  a.token = str(v, "token");
  a.signaling_url = str(v, "signalingUrl");
  a.ice_servers = *ice;
  a.expires_at = static_cast<Instant>(exp->get<double>());
  a.self.id = str(*self, "userId");
  a.self.name = str(*self, "name");
  if (a.self.name.empty()) a.self.name = entry_.name;
  a.self.role = str(*self, "role") == "host" ? Role::Host : Role::Guest;
  admission_ = std::move(a);
}

}  // namespace earshot
