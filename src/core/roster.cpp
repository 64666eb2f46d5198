// The room's people (see roster.hpp).
#include "earshot/roster.hpp"

#include <algorithm>

namespace earshot {

Member* Roster::find(std::string_view id) {
  for (auto& m : members_)
    if (m.who.id == id) return &m;
  return nullptr;
}

bool Roster::upsert(const Participant& p, Instant now) {
  if (Member* m = find(p.id)) {
    if (!p.name.empty()) m->who.name = p.name;
    m->who.role = p.role;
    m->on_signaling = true;
    return false;
  }
  Member m;
  m.who = p;
  m.joined_at = now;
  members_.push_back(std::move(m));
  return true;
}

bool Roster::remove(std::string_view id) {
  auto it = std::find_if(members_.begin(), members_.end(), [&](const Member& m) { return m.who.id == id; });
  if (it == members_.end()) return false;
  members_.erase(it);
  return true;
}

std::string Roster::name_of(std::string_view id) const {
  for (const auto& m : members_)
    if (m.who.id == id && !m.who.name.empty()) return m.who.name;
  return "The other person";
}

void Roster::set_level(std::string_view id, double level, double speaking_threshold) {
  if (Member* m = find(id)) {
    m->level = std::clamp(level, 0.0, 1.0);
    m->speaking = m->level > speaking_threshold;
  }
}

void Roster::set_connection(std::string_view id, std::string state) {
  if (Member* m = find(id)) m->connection = std::move(state);
}

}  // namespace earshot
