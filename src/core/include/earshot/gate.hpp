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
  Gate(Outbox& out, std::shared_ptr<const Profile> profile) : out_(out), profile_(std::move(profile)) {}

  // Reads the page URL into an entry (a refused invite is a Failure) and restores a saved session.
  std::optional<Failure> read_page(const std::string& url, const std::string& saved, Instant wall);
  std::optional<Failure> set_name(const std::string& name);  // Name entries
  void give_token(const in::TokenGiven&, Instant wall);      // Token entries: admitted at once
  const Entry& entry() const { return entry_; }
  bool needs_name() const { return entry_.kind == EntryKind::Name && entry_.name.empty(); }
  // An invite is usually redeemed at once (pre-join shows it is valid); a name, or a profile whose
  // admission creates something (a Chime attendee), only when the person joins.
  bool admits_before_join() const { return entry_.kind == EntryKind::Invite && profile_->admits_on_open(); }

  void start();  // runs the admission flow (HttpRequest effects)
  bool busy() const { return flow_ != nullptr; }
  // Answers to our requests; a finished flow gives its outcome. Unknown request ids give nothing.
  std::optional<Result<Admission>> on(const in::HttpResponded&, Instant wall);
  std::optional<Failure> on(const in::HttpFailed&);
  void cancel() { flow_.reset(); request_.reset(); }

  const std::optional<Admission>& admitted() const { return admission_; }
  void admit(Admission a) { admission_ = std::move(a); }
  void forget() { admission_.reset(); }
  std::string session() const;  // what SaveSession keeps for this tab

 private:
  void next_request();
  std::string entry_fingerprint() const;
  void restore(const std::string& saved, Instant wall);

  Outbox& out_;
  std::shared_ptr<const Profile> profile_;
  Entry entry_;
  std::unique_ptr<AdmissionFlow> flow_;
  std::optional<std::uint64_t> request_;
  std::uint64_t next_id_ = 1;
  std::string host_;  // "host:port" of the last request, for the unreachable sentence
  std::optional<Admission> admission_;
};

}  // namespace earshot
