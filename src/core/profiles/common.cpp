// What every profile shares: the one-request admission flow, names of the enums, the page's room
// parameter for name entries, and make_profile() (the list of profiles this build knows).
#include <cctype>

#include "earshot/crypto.hpp"
#include "earshot/failures.hpp"
#include "earshot/selfhosted.hpp"
#include "earshot/vendor_profiles.hpp"

namespace earshot {

std::optional<HttpRequestSpec> SingleRequestFlow::poll_request() {
  auto r = std::move(request_);
  request_.reset();
  return r;
}

void SingleRequestFlow::handle_response(int status, std::string_view body, Instant now) {
  outcome_ = parse_(entry_, status, body, now);
}

std::string_view to_string(EntryKind k) {
  switch (k) {
    case EntryKind::Invite: return "invite";
    case EntryKind::Name: return "name";
    case EntryKind::Token: return "token";
  }
  return "invite";
}
std::string_view to_string(MediaPlane m) { return m == MediaPlane::Vendor ? "vendor" : "peer-to-peer"; }
std::string_view to_string(Topology t) {
  switch (t) {
    case Topology::Pair: return "pair";
    case Topology::Mesh: return "mesh";
    case Topology::Star: return "star";
    case Topology::None: return "none";
  }
  return "pair";
}

// `?room=<id>` of the page URL, when it is a plausible room id ([A-Za-z0-9_-], at most 64).
std::string Profile::room_from_url(std::string_view url) const {
  auto q = url.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = url.substr(q + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    std::string_view pair = query.substr(0, query.find('&'));
    query = pair.size() < query.size() ? query.substr(pair.size() + 1) : std::string_view{};
    if (pair.rfind("room=", 0) != 0) continue;
    std::string_view v = pair.substr(5);
    if (v.empty() || v.size() > 64) return {};
    for (char c : v)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return {};
    return std::string(v);
  }
  return {};
}

Result<std::shared_ptr<const Profile>> make_profile(const ProfileConfig& c) {
  std::string base = c.api_base;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (c.name == "selfhosted") {
    Topology t = c.room_size > 2 ? Topology::Mesh : Topology::Pair;
    if (c.topology == "star") t = Topology::Star;
    else if (c.topology == "mesh") t = Topology::Mesh;
    return std::shared_ptr<const Profile>(std::make_shared<SelfhostedProfile>(base, t));
  }
#ifndef EARSHOT_SELFHOSTED_ONLY
  if (c.name == "chime") return std::shared_ptr<const Profile>(std::make_shared<ChimeProfile>(base));
  if (c.name == "ivs") return std::shared_ptr<const Profile>(std::make_shared<IvsProfile>(base));
#endif
  if (c.name == "chime" || c.name == "kvs" || c.name == "ivs") return make_failure("profile.unavailable", {{"name", c.name}});
  return make_failure("profile.unknown", {{"name", utf8_prefix(c.name, 40)}});
}

}  // namespace earshot
