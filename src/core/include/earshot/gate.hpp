// Admission: from the entry (invite link, name, app token) to an Admission, through the profile's
// HTTP flow; plus the tab's saved session, so a reload keeps its place without spending a single-use
// invite again. Owns admission and nothing else.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "earshot/io.hpp"

namespace earshot {

class Gate {
 public:
  // `profile` outlives the gate (the call owns both). No shared_ptr: its control block's type_info
  // would bring libc++abi's type_info search code (~1 KB brotli) onto the RTTI-free page.
  Gate(Outbox& out, const Profile& profile, int utc_offset_min = kUtcOffsetUnknown)
      : out_(out), profile_(&profile), utc_offset_min_(utc_offset_min) {}

  // Reads the page URL into an entry (a refused invite is a Failure) and restores a saved session.
  std::optional<Failure> read_page(const std::string& url, const std::string& saved, const std::string& device,
                                   Instant wall);
  std::optional<Failure> set_name(const std::string& name);  // Name entries
  void give_token(const in::TokenGiven&, Instant wall);      // Token entries: admitted at once
  // The admission in hand with renewed credentials (`token`, ICE servers, lifetime from `wall`).
  void renew(std::string token, const nlohmann::json& ice_servers, Duration ttl, Instant wall);
  const Entry& entry() const { return entry_; }
  bool needs_name() const { return entry_.kind == EntryKind::Name && entry_.name.empty(); }
  // An invite is redeemed at once by profiles that cannot look at it first; a profile that can (or
  // whose admission creates something, like a Chime attendee), and a name, only when the person joins.
  bool admits_before_join() const { return entry_.kind == EntryKind::Invite && profile_->admits_on_open(); }

  void start();  // runs the admission flow (HttpRequest effects)
  // Looks at the invite without spending it, when the profile can (one HttpRequest); false if not.
  bool look();
  const std::optional<Lookup>& lookup() const { return lookup_; }
  void set_takeover(bool on) { entry_.takeover = on; }
  bool busy() const { return flow_ != nullptr; }
  // Answers to our requests; a finished flow gives its outcome. Unknown request ids give nothing.
  std::optional<Result<Admission>> on(const in::HttpResponded&, Instant wall);
  // The answer to look(): the lookup (kept) or why the invite cannot be used; nothing for other ids.
  std::optional<Result<Lookup>> on_lookup(const in::HttpResponded&, Instant wall);
  std::optional<Failure> on(const in::HttpFailed&);
  void cancel() { flow_.reset(); request_.reset(); lookup_request_.reset(); }

  const std::optional<Admission>& admitted() const { return admission_; }
  void admit(Admission a) { admission_ = std::move(a); }
  void forget() { admission_.reset(); }
  std::string session() const;  // what SaveSession keeps for this tab

 private:
  void next_request();
  std::uint64_t send(HttpRequestSpec spec);  // an HttpRequest effect; its id
  std::string entry_fingerprint() const;
  void restore(const std::string& saved, Instant wall);

  Outbox& out_;
  const Profile* profile_;
  int utc_offset_min_;
  Entry entry_;
  std::unique_ptr<AdmissionFlow> flow_;
  std::optional<std::uint64_t> request_;
  std::optional<std::uint64_t> lookup_request_;
  std::optional<Lookup> lookup_;
  std::uint64_t next_id_ = 1;
  std::string host_;  // "host:port" of the last request, for the unreachable sentence
  std::optional<Admission> admission_;
};

}  // namespace earshot
