// What every profile shares: the one-request admission flow, names of the enums and the page's room
// parameter for name entries. make_profile() lives in registry.cpp.
#include <cctype>

#include "earshot/profile.hpp"

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

}  // namespace earshot
