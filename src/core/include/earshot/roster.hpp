// The room's people: who is in it besides you, what each is doing (muted, speaking, level) and how
// your audio connection to each stands. Owns nothing else: links live in PeerLinks, you in Devices.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "earshot/profile.hpp"

namespace earshot {

struct Member {
  Participant who;
  Instant joined_at = 0;          // wall clock, when we first saw them
  bool muted = false;
  bool speaking = false;
  double level = 0;               // 0..1 RMS of what arrives from them
  std::string connection = "none";  // none | new | connecting | connected | disconnected | failed | closed
  bool on_signaling = true;       // false: their signaling dropped while audio may still flow
  std::string quality = "unknown";  // unknown | good | fair | poor: our link to them (diagnostics.hpp)
  bool operator==(const Member&) const = default;
};

class Roster {
 public:
  const std::optional<Participant>& self() const { return self_; }
  void set_self(Participant p) { self_ = std::move(p); }
  const std::vector<Member>& members() const { return members_; }
  bool empty() const { return members_.empty(); }

  Member* find(std::string_view id);
  // Adds them, or refreshes name and role when already present. Returns true when they are new.
  bool upsert(const Participant& p, Instant now);
  bool remove(std::string_view id);
  void clear() { members_.clear(); }
  // "Bob", or "The other person" for a nameless or unknown id.
  std::string name_of(std::string_view id) const;
  void set_level(std::string_view id, double level, double speaking_threshold);
  void set_connection(std::string_view id, std::string state);

 private:
  std::optional<Participant> self_;
  std::vector<Member> members_;
};

}  // namespace earshot
