// The `selfhosted` profile: seed 004's REST API + Socket.IO signaling at /ws, with seed 000's
// invite links on top (POST /api/v1/invites/redeem). A room of 2 is a pair (seed 004's 1:1); a
// larger room is a mesh (or a star when configured) whose signals are addressed with `to`.
// Exposed for tests; use make_profile() otherwise.
#pragma once
#include "earshot/profile.hpp"

namespace earshot {

class SelfhostedProfile final : public Profile {
 public:
  SelfhostedProfile(std::string api_base, Topology topology) : api_base_(std::move(api_base)), topology_(topology) {}
  std::string_view name() const override { return "selfhosted"; }
  Topology topology() const override { return topology_; }
  bool admits_on_open() const override { return false; }  // the pre-join looks; Join redeems
  std::unique_ptr<AdmissionFlow> admission(const Entry&) const override;
  std::optional<HttpRequestSpec> lookup(const Entry&) const override;
  Result<Lookup> parse_lookup(const Entry&, int status, std::string_view body, Instant now) const override;
  Result<std::string> signaling_url(const Admission&) const override;
  std::unique_ptr<SignalingChannel> open_channel(const Admission&) const override;

  static Result<Admission> parse_admission(const Entry&, int status, std::string_view body, Instant now);
  // The sentence for a refusal code the server sent (HTTP error body or connect_error message).
  static Failure failure_for(std::string_view code, std::string_view server_message, const Invite* invite, Instant now,
                             int capacity = 0, int utc_offset_min = kUtcOffsetUnknown);

 private:
  std::string api_base_;
  Topology topology_;
};

}  // namespace earshot
